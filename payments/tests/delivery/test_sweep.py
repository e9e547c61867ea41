"""What RQ's own retries cannot cover: a delivery job Redis never got, a render that keeps
failing, a name too long for the ticket. Real RQ workers, real Redis, real PostgreSQL."""

import hashlib
import hmac
import json
import uuid

import pytest
from rq import Retry

from lambda_pdf.schema import MAX_TEXT_LENGTH, parse_ticket
from lambda_pdf.ticket import render_ticket_pdf
from payments.delivery import services
from payments.delivery.models import Notification, TicketFile
from payments.delivery.sweep import deliveries_sweep
from payments.models import PurchaseStatus
from payments.services import purchase_transition

S = PurchaseStatus
pytestmark = pytest.mark.django_db(transaction=True)
# Nothing listens here: a Redis that refuses connections, as when it is down.
REDIS_DOWN = {"URL": "redis://127.0.0.1:9/0?socket_connect_timeout=1&socket_timeout=1"}


@pytest.fixture
def redis_down(settings):
    """`stop()` takes the delivery queue's Redis down, `restore()` brings it back."""
    original = settings.RQ_QUEUES

    class Switch:
        def stop(self):
            settings.RQ_QUEUES = {**original, "delivery": REDIS_DOWN}

        def restore(self):
            settings.RQ_QUEUES = original

    return Switch()


@pytest.fixture
def sweep_now(settings):
    settings.DELIVERY_SWEEP_GRACE_SECONDS = 0  # every final purchase is already "late"


def test_a_purchase_validated_while_redis_was_down_gets_its_ticket_and_email_from_the_sweep(
    make_purchase, queue, run_worker, mailoutbox, redis_down, sweep_now
):
    purchase = make_purchase(S.SUBMITTED)
    redis_down.stop()

    purchase, changed = purchase_transition(purchase_id=purchase.pk, to=S.VALIDATED)
    assert changed and purchase.status == S.VALIDATED  # committed, though Redis refused the job
    redis_down.restore()
    run_worker()
    assert not TicketFile.objects.filter(purchase=purchase).exists() and mailoutbox == []

    assert deliveries_sweep() == {"missing": 1, "queued": 1}
    run_worker()

    assert TicketFile.objects.get(purchase=purchase).is_ready
    assert [m.to for m in mailoutbox] == [["mariajose@example.cl"]]
    assert deliveries_sweep() == {"missing": 0, "queued": 0}  # nothing left to do


def test_the_sweep_queues_each_purchase_once_while_its_job_waits(make_purchase, queue, sweep_now):
    first, second = make_purchase(S.VALIDATED), make_purchase(S.REJECTED)

    deliveries_sweep()
    deliveries_sweep()

    assert sorted(queue.job_ids) == sorted(services.delivery_job_id(p.pk) for p in (first, second))


def test_a_delivery_job_a_worker_took_and_never_started_is_queued_again(
    make_purchase, queue, run_worker, mailoutbox, settings, sweep_now
):
    settings.CLOCK_LOST_JOB_GRACE_SECONDS = 0
    purchase = make_purchase(S.VALIDATED)
    services.delivery_enqueue(purchase_id=purchase.pk)
    job_id = services.delivery_job_id(purchase.pk)
    # What a worker does right before it pauses (SIGSTOP) or dies: take it off the queue.
    assert queue.connection.lmove(queue.key, queue.intermediate_queue_key).decode() == job_id

    deliveries_sweep()

    assert queue.job_ids == [job_id]
    run_worker()
    assert TicketFile.objects.get(purchase=purchase).is_ready and len(mailoutbox) == 1


def test_the_sweep_leaves_recent_purchases_to_their_own_job(make_purchase, queue, settings):
    settings.DELIVERY_SWEEP_GRACE_SECONDS = 3600
    make_purchase(S.VALIDATED)

    assert deliveries_sweep() == {"missing": 0, "queued": 0}


def _signed(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(b"dev-webhook-secret", body, hashlib.sha256).hexdigest()


def test_the_webhook_answers_2xx_when_redis_is_down_and_the_sweep_delivers_later(
    make_purchase, client, queue, run_worker, mailoutbox, redis_down, sweep_now
):
    purchase = make_purchase(S.RESERVED)
    token = uuid.uuid4()
    purchase_transition(purchase_id=purchase.pk, to=S.SOLVING, deposit_token=token)
    purchase_transition(purchase_id=purchase.pk, to=S.SUBMITTED)
    body, signature = _signed(
        {"request_id": str(purchase.pk), "group_id": 20, "seller": 0,
         "deposit_token": str(token), "valid": True}
    )  # fmt: skip
    redis_down.stop()

    response = client.generic(
        "POST", "/api/v1/exchange/validations/", body,
        content_type="application/json", HTTP_X_EXCHANGE_SIGNATURE=signature,
    )  # fmt: skip

    assert 200 <= response.status_code < 300
    purchase.refresh_from_db()
    assert purchase.status == S.VALIDATED
    redis_down.restore()
    deliveries_sweep()
    run_worker()
    assert TicketFile.objects.get(purchase=purchase).is_ready
    assert len(mailoutbox) == 1


def test_a_render_that_always_fails_still_sends_exactly_one_email(
    make_purchase, queue, run_worker, mailoutbox, settings, monkeypatch, sweep_now
):
    settings.TICKET_BACKEND = "lambda"
    settings.PDF_LAMBDA_NAME = ""  # every render fails: "PDF_LAMBDA_NAME is not set"
    settings.DELIVERY_EMAIL_WAITS_FOR_RENDERS = 2
    monkeypatch.setattr(services, "DELIVERY_RETRY", Retry(max=3))  # retries without a pause
    purchase = make_purchase(S.SUBMITTED)
    purchase, _ = purchase_transition(purchase_id=purchase.pk, to=S.VALIDATED)

    run_worker()  # four attempts: the third and fourth find the email owed
    deliveries_sweep()
    run_worker()  # and the sweep's attempts

    ticket = TicketFile.objects.get(purchase=purchase)
    assert not ticket.is_ready and ticket.attempts >= 5 and "PDF_LAMBDA_NAME" in ticket.last_error
    [email] = mailoutbox
    assert Notification.objects.get(purchase=purchase).sent_at is not None
    assert f"/purchases/{purchase.pk}/" in email.body  # the purchase page ...
    assert f"/purchases/{purchase.pk}/ticket/" not in email.body  # ... not the missing PDF


def test_the_email_waits_for_the_ticket_while_renders_are_few(
    make_purchase, queue, run_worker, mailoutbox, settings, monkeypatch
):
    settings.TICKET_BACKEND = "lambda"
    settings.PDF_LAMBDA_NAME = ""
    settings.DELIVERY_EMAIL_WAITS_FOR_RENDERS = 10
    monkeypatch.setattr(services, "DELIVERY_RETRY", Retry(max=1))
    purchase = make_purchase(S.SUBMITTED)
    purchase_transition(purchase_id=purchase.pk, to=S.VALIDATED)

    run_worker()

    assert TicketFile.objects.get(purchase=purchase).attempts == 2
    assert mailoutbox == []


def test_a_400_character_name_is_shortened_and_renders(make_purchase, buyer):
    purchase = make_purchase(S.VALIDATED, quantity=1)
    purchase.user.first_name, purchase.user.last_name = "Á" * 200, "Ñ" * 199  # 400 with the space

    data = services.ticket_data_for(purchase)

    name = data["buyer"]["name"]
    assert len(name) == MAX_TEXT_LENGTH and name.startswith("Á" * 200) and name.endswith("…")
    assert render_ticket_pdf(parse_ticket(data)).startswith(b"%PDF")


def test_a_buyer_whose_full_name_is_over_300_characters_gets_ticket_and_email(
    make_user, make_purchase, run_worker, mailoutbox
):
    buyer = make_user(first_name="Á" * 150, last_name="Ñ" * 150, email="long@example.cl")
    purchase = make_purchase(S.SUBMITTED, user=buyer)

    purchase_transition(purchase_id=purchase.pk, to=S.VALIDATED)
    run_worker()

    assert TicketFile.objects.get(purchase=purchase).is_ready
    assert [m.to for m in mailoutbox] == [["long@example.cl"]]
