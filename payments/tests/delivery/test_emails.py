"""Emails delivered to a real SMTP server (aiosmtpd on a free port): one per outcome, in the
buyer's language, however often the exchange's verdict arrives."""

import email
import email.policy
import hashlib
import hmac
import json
import threading

import pytest
from django.db import connection

from payments.delivery import services
from payments.delivery.mail import ConsoleAndFileBackend, FileBackend
from payments.delivery.models import Notification
from payments.delivery.services import notification_send
from payments.models import Purchase, PurchaseStatus

S = PurchaseStatus
WEBHOOK = "/api/v1/exchange/validations/"


def _webhook(client, purchase, *, valid: bool):
    body = json.dumps({"request_id": str(purchase.pk), "valid": valid, "deposit_token": "t"})
    signature = hmac.new(b"dev-webhook-secret", body.encode(), hashlib.sha256).hexdigest()
    return client.generic(
        "POST",
        WEBHOOK,
        body,
        content_type="application/json",
        HTTP_X_EXCHANGE_SIGNATURE=f"sha256={signature}",
    )


def _deliver_verdict_five_times(client, purchase, *, valid: bool) -> None:
    """The exchange's webhook, five times. After each one that changed the purchase, what
    `purchase_transition` will call (the hook); the worker runs in between and at the end."""
    status = purchase.status
    for _ in range(5):
        assert _webhook(client, purchase, valid=valid).status_code == 204
        purchase.refresh_from_db()
        if purchase.status != status:
            services.purchase_outcome_changed(purchase)
            status = purchase.status


def _subject(message) -> str:
    # Django folds a long non-ASCII subject before its first encoded word; readers unfold it.
    return " ".join(message["Subject"].split())


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.django_db(transaction=True)
def test_a_validation_delivered_five_times_sends_one_email_in_spanish(
    client, smtp, make_purchase, run_worker
):
    purchase = make_purchase(S.SUBMITTED, quantity=2)

    _deliver_verdict_five_times(client, purchase, valid=True)
    run_worker()
    run_worker()  # anything queued meanwhile (a retry, the hook) changes nothing

    assert len(smtp.messages) == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["mariajose@example.cl"]
    assert message["To"] == "mariajose@example.cl"
    assert message["From"] == "Productora Andes <entradas@andes.example.cl>"
    assert _subject(message) == (
        f"Productora Andes: tus entradas para Los Bunkers en el Caupolicán "
        f"(compra {purchase.short_number})"
    )
    link = f"https://tickets.example.cl/purchases/{purchase.pk}/ticket/"
    for body in (_text(message), _html(message)):
        assert "Hola María José Peña" in body.replace(",", "")  # "Hola X:" or "Hola, X:"
        assert "Tu pago fue validado" in body
        assert purchase.short_number in body
        assert "Los Bunkers en el Caupolicán" in body
        assert "Teatro Caupolicán, Santiago" in body
        assert "2 × $25.000" in body
        assert "$50.000" in body
        assert link in body
    assert f'href="{link}"' in _html(message)
    note = Notification.objects.get(purchase=purchase)
    assert (note.outcome, note.recipient, note.attempts) == ("validated", message["To"], 1)
    assert note.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_an_english_buyer_gets_the_email_in_english(client, smtp, make_purchase, run_worker):
    purchase = make_purchase(S.SUBMITTED, quantity=1, language="en")

    _deliver_verdict_five_times(client, purchase, valid=True)
    run_worker()

    [(_, message)] = smtp.messages
    assert _subject(message) == (
        f"Productora Andes: your tickets for Los Bunkers en el Caupolicán "
        f"(purchase {purchase.short_number})"
    )
    body = _text(message)
    assert "Hello María José Peña," in body
    assert "Your payment was validated" in body
    assert "1 × $25.000" in body and "Total: $25.000" in body
    assert f"https://tickets.example.cl/purchases/{purchase.pk}/ticket/" in body


@pytest.mark.django_db(transaction=True)
def test_a_rejection_delivered_five_times_sends_one_refund_email(
    client, smtp, make_purchase, run_worker
):
    purchase = make_purchase(S.SUBMITTED, quantity=2)

    _deliver_verdict_five_times(client, purchase, valid=False)
    run_worker()

    assert Purchase.objects.get(pk=purchase.pk).status == S.REJECTED
    [(recipients, message)] = smtp.messages
    assert recipients == ["mariajose@example.cl"]
    assert _subject(message) == (
        f"Productora Andes: te devolvimos tu dinero (compra {purchase.short_number})"
    )
    body = _text(message)
    assert "te devolvimos el dinero: $50.000 ya está de nuevo en tu billetera" in body
    assert purchase.short_number in body and "Los Bunkers en el Caupolicán" in body
    assert "/ticket/" not in body
    assert Notification.objects.get(purchase=purchase).outcome == "refunded"


@pytest.mark.django_db(transaction=True)
def test_an_expired_purchase_gets_the_refund_email(smtp, make_purchase, run_worker):
    purchase = make_purchase(S.EXPIRED)

    services.purchase_outcome_changed(purchase)
    run_worker()

    [(_, message)] = smtp.messages
    assert "te devolvimos tu dinero" in _subject(message)


@pytest.mark.django_db(transaction=True)
def test_senders_racing_for_the_same_email_send_it_once(smtp, make_purchase, requires_postgres):
    purchase = make_purchase(S.VALIDATED)
    start = threading.Barrier(6)
    results: list[bool] = []

    def send() -> None:
        try:
            start.wait()
            results.append(notification_send(purchase_id=purchase.pk, outcome="validated"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 5 + [True]
    assert len(smtp.messages) == 1
    assert Notification.objects.get(purchase=purchase).attempts == 1


@pytest.mark.django_db
def test_an_smtp_failure_is_recorded_and_the_retry_sends_it(smtp, make_purchase):
    purchase = make_purchase(S.REJECTED)
    smtp.refuse = True

    with pytest.raises(services.DeliveryFailed, match="451"):
        services.purchase_deliver(purchase_id=purchase.pk)
    note = Notification.objects.get(purchase=purchase)
    assert note.sent_at is None and note.attempts == 1 and "451" in note.last_error

    smtp.refuse = False
    services.purchase_deliver(purchase_id=purchase.pk)  # what RQ's retry runs
    services.purchase_deliver(purchase_id=purchase.pk)  # and a stray second run

    note.refresh_from_db()
    assert note.sent_at is not None and note.attempts == 2 and note.last_error == ""
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_a_buyer_without_email_is_recorded_not_retried(make_purchase, make_user, mailoutbox):
    purchase = make_purchase(S.REJECTED, user=make_user(email=""))

    assert services.purchase_deliver(purchase_id=purchase.pk) == "refunded"

    note = Notification.objects.get(purchase=purchase)
    assert note.sent_at is None and note.last_error == "the buyer has no email address"
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_purchase_still_in_flight_gets_nothing(make_purchase, mailoutbox):
    purchase = make_purchase(S.SUBMITTED)

    assert services.purchase_deliver(purchase_id=purchase.pk) == "not_final"
    services.purchase_outcome_changed(purchase)  # ignored: not final

    assert mailoutbox == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_the_local_mail_backend_prints_and_keeps_an_eml_copy(make_purchase, tmp_path):
    import io

    purchase = make_purchase(S.VALIDATED)
    stream = io.StringIO()
    folder = tmp_path / "outbox" / "nested"
    backend = ConsoleAndFileBackend(stream=stream, file_path=folder)

    from payments.delivery.emails import email_build

    sent = backend.send_messages([email_build(purchase=purchase, outcome="validated")])

    assert sent == 1
    assert purchase.short_number in stream.getvalue()
    [copy] = list(folder.glob("*.eml"))
    message = email.message_from_bytes(copy.read_bytes(), policy=email.policy.default)
    assert purchase.short_number in _subject(message)
    assert "$50.000" in _text(message)
    assert not list(folder.glob("*.tmp"))


@pytest.mark.django_db
def test_the_file_mail_backend_keeps_an_eml_copy_and_prints_nothing(
    make_purchase, tmp_path, capsys
):
    from payments.delivery.emails import email_build

    purchase = make_purchase(S.VALIDATED)
    backend = FileBackend(file_path=tmp_path / "outbox")

    sent = backend.send_messages([email_build(purchase=purchase, outcome="validated")])

    assert sent == 1
    assert capsys.readouterr().out == ""
    [copy] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(copy.read_bytes(), policy=email.policy.default)
    assert purchase.short_number in _subject(message)
