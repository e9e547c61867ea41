"""Redis paused (SIGSTOP) while buyers press "buy": every answer comes fast and tells the truth,
and once Redis wakes up every purchase is validated, ticketed and emailed, with the books
balanced. The live stack of `stack.py`: real Redis, RQ workers, clock, master and exchange."""

import os
import signal
import time
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from events.models import Event
from payments.delivery.models import Notification, TicketFile
from payments.models import Purchase, PurchaseStatus
from payments.tests.conftest import assert_books_balance
from payments.tests.stack import redis_pid as stack_redis_pid
from payments.tests.stack import start_redis, wait_for
from ticketseller.redis_config import redis_url_with_timeouts
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
S = PurchaseStatus
PAUSE_SECONDS = 10
ANSWER_WITHIN = 3.0


@pytest.fixture
def pausable_redis(settings, tmp_path):
    """The pid of a Redis the whole stack uses and this test may pause: the one scripts/test.sh
    started, or else (REDIS_URL given, e.g. a CI service container) one of our own."""
    pid = stack_redis_pid()
    if pid is not None:
        yield pid
        return
    process, url = start_redis(tmp_path / "redis")
    settings.REDIS_URL = url  # the stack's subprocesses get it from here
    settings.RQ_QUEUES = {
        name: {**config, "URL": redis_url_with_timeouts(url, connect_timeout=1,
                                                        socket_timeout=1, health_check_interval=15)}
        for name, config in settings.RQ_QUEUES.items()
    }  # fmt: skip
    _forget_master_redis_client()
    try:
        yield process.pid
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)
        _forget_master_redis_client()


def _forget_master_redis_client():
    from challenge_worker import broker

    getattr(broker.redis_client, "cache_clear", lambda: None)()


@pytest.fixture
def shared_cache(settings):
    """Throttling counters in Redis, as in production (CACHE_URL=redis)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "ticketseller.cache.FailSoftRedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        }
    }


def _buyer(make_user):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=1_000_000)
    return user


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _buy_while_redis_is_paused(pausable_redis, api, page, event) -> tuple[list[tuple], float]:
    """Three purchases by the API and three by the buy form while Redis is stopped: each
    answer as (kind, idempotency key, response, seconds), and when the pause began."""
    answers = []
    os.kill(pausable_redis, signal.SIGSTOP)
    paused_at = time.monotonic()
    try:
        for _ in range(3):
            key = str(uuid.uuid4())
            response, took = _timed(
                lambda key=key: api.post(
                    "/api/v1/purchases/", {"event": event.pk, "quantity": 1},
                    format="json", HTTP_IDEMPOTENCY_KEY=key,
                )
            )  # fmt: skip
            answers.append(("api", key, response, took))
            token = str(uuid.uuid4())
            response, took = _timed(
                lambda token=token: page.post(
                    f"/purchases/buy/{event.pk}/", {"quantity": 1, "token": token}
                )
            )
            answers.append(("page", f"form:{token}", response, took))
        time.sleep(max(0.0, PAUSE_SECONDS - (time.monotonic() - paused_at)))
    finally:
        os.kill(pausable_redis, signal.SIGCONT)
    return answers, paused_at


def _purchases_answered(answers: list[tuple]) -> list[Purchase]:
    """The purchases the answers report, each answer checked against the database: quick,
    and either the purchase it names or an error with nothing bought."""
    made = []
    for kind, key, response, took in answers:
        assert took < ANSWER_WITHIN, (kind, took)
        purchase = Purchase.objects.filter(idempotency_key=key).first()
        if kind == "api" and response.status_code == 201:
            assert purchase is not None and str(purchase.pk) == response.json()["id"]
        elif kind == "page" and response.status_code == 302 and "/purchases/" in response.url:
            assert purchase is not None and response.url.endswith(f"/purchases/{purchase.pk}/")
        else:  # an error answer: then nothing was bought and no money moved
            assert purchase is None, (kind, response.status_code)
            continue
        made.append(purchase)
    return made


def test_purchases_made_while_redis_is_paused_answer_fast_and_all_end_validated(
    pausable_redis, stack, make_user, shared_cache, tmp_path
):
    stack.processes.env["DELIVERY_SWEEP_GRACE_SECONDS"] = "5"
    stack.processes.env["CLOCK_DELIVERY_SWEEP_SECONDS"] = "1"
    stack.processes.env["EMAIL_BACKEND"] = "payments.delivery.mail.ConsoleAndFileBackend"
    stack.processes.env["EMAIL_FILE_PATH"] = str(tmp_path / "emails")
    stack.processes.jobs_worker()
    stack.processes.challenge_worker("w1")
    stack.processes.challenge_worker("w2")
    stack.processes.clock()
    stack.wait_workers(2)
    event = Event.objects.order_by("-available").first()
    api_buyer, page_buyer = _buyer(make_user), _buyer(make_user)
    api = APIClient()
    api.force_authenticate(api_buyer)
    page = Client()
    page.force_login(page_buyer)
    answers, paused_at = _buy_while_redis_is_paused(pausable_redis, api, page, event)

    print(
        "answers while Redis was paused:",
        [(k, r.status_code, round(t, 2)) for k, _, r, t in answers],
    )
    made = _purchases_answered(answers)
    assert len(made) == len(answers)  # the database never stalled: every purchase was taken

    for purchase in made:
        assert stack.wait_final(purchase.pk, timeout=90).status == S.VALIDATED
    print(f"all final {time.monotonic() - paused_at:.1f}s after the pause began")
    assert_books_balance()
    for wallet_owner in (api_buyer, page_buyer):
        wallet_owner.wallet.refresh_from_db()
        assert wallet_owner.wallet.balance == 1_000_000 - 3 * event.price

    def delivered():
        tickets = TicketFile.objects.filter(purchase__in=made, rendered_at__isnull=False).count()
        emails = Notification.objects.filter(purchase__in=made, sent_at__isnull=False).count()
        return tickets == emails == len(made)

    wait_for(delivered, timeout=60, every=0.5, what="every ticket and email")
    assert Notification.objects.filter(purchase__in=made).count() == len(made)  # one each
