"""`Prefer: wait=N` on a purchase's poll and on the buy: the answer is held until the verdict,
announced over Redis by whoever applies it (payments/verdict_hold.py), on the real Redis and
PostgreSQL."""

import os
import signal
import threading
import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_create
from payments.services.flow import purchase_transition
from payments.tests.test_faults_redis import pausable_redis  # noqa: F401 (a fixture)
from ticketseller.api.prefer import WAIT_MAX_SECONDS, requested_wait
from ticketseller.queues import queue_connection
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the verdict comes from another thread
    pytest.mark.usefixtures("requires_postgres", "redis_flushed"),
]
S = PurchaseStatus


@pytest.fixture
def in_flight(auth_client, user, make_event):
    """(client, the purchase's URL, its id) of a purchase no worker moves: it stays reserved."""
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    purchase = purchase_create(user=user, event_pk=make_event().pk, quantity=1)
    return auth_client, f"/api/v1/purchases/{purchase.pk}/", purchase.pk


def _reject_later(purchase_id, seconds: float, *, user=None) -> threading.Thread:
    """The exchange's "no" for the purchase, applied `seconds` from now by another thread;
    with `user` instead of an id, `seconds` after the user's purchase is made."""

    def reject():
        try:
            target = purchase_id or _first_purchase_of(user)
            time.sleep(seconds)
            purchase_transition(purchase_id=target, to=S.REJECTED, reason="test verdict")
        finally:
            connection.close()

    thread = threading.Thread(target=reject)
    thread.start()
    return thread


def _timed_get(client, url, **headers):
    started = time.monotonic()
    answer = client.get(url, **headers)
    return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 0),
        ("wait=5", 5),
        ("respond-async, wait=3", 3),
        ('WAIT="2"', 2),
        ("wait=600", WAIT_MAX_SECONDS),
        ("wait=soon", 0),
        ("handling=lenient", 0),
    ],
)
def test_the_wait_is_read_from_the_prefer_header(header, seconds):
    assert requested_wait(header) == seconds


def test_a_held_poll_answers_the_moment_the_verdict_is_given(in_flight):
    client, url, purchase_id = in_flight
    verdict = _reject_later(purchase_id, 0.5)

    answer, took = _timed_get(client, url, HTTP_PREFER="wait=10")
    verdict.join()

    assert answer.status_code == 200 and answer.json()["status"] == "rejected"
    assert answer["Preference-Applied"] == "wait=10"
    assert 0.4 < took < 5  # held for the verdict, not for the 10 s asked


def test_without_a_verdict_the_held_poll_answers_when_its_wait_is_up(in_flight):
    client, url, _ = in_flight
    first = client.get(url)

    answer, took = _timed_get(client, url, HTTP_PREFER="wait=1", HTTP_IF_NONE_MATCH=first["ETag"])

    assert answer.status_code == 304 and answer["Preference-Applied"] == "wait=1"
    assert answer["X-Poll-Interval"] == "0.5"  # still in flight: the pace as without a wait
    assert took >= 0.95


def test_a_final_purchase_and_a_poll_without_the_preference_are_answered_at_once(in_flight):
    client, url, purchase_id = in_flight

    plain, plain_took = _timed_get(client, url)
    purchase_transition(purchase_id=purchase_id, to=S.EXPIRED, reason="test")
    final, final_took = _timed_get(client, url, HTTP_PREFER="wait=10")

    assert plain.json()["status"] == "reserved" and "Preference-Applied" not in plain
    assert final.json()["status"] == "expired"
    assert plain_took < 3 and final_took < 3  # nothing to wait for: not the 10 s asked


def test_someone_elses_purchase_is_not_found_and_not_held(in_flight, make_user):
    _, url, _ = in_flight
    stranger = APIClient()
    stranger.force_authenticate(make_user())

    answer, took = _timed_get(stranger, url, HTTP_PREFER="wait=10")

    assert answer.status_code == 404 and took < 3


def test_a_process_holds_at_most_its_share_of_threads(in_flight, settings, make_event, user):
    settings.PURCHASE_WAIT_MAX_HELD = 1
    client, url, purchase_id = in_flight
    other = purchase_create(user=user, event_pk=make_event().pk, quantity=1)
    held: dict = {}

    def hold_first():
        own = APIClient()  # a test client is not to be shared between threads
        own.force_authenticate(user)
        held["answer"], held["took"] = _timed_get(own, url, HTTP_PREFER="wait=10")
        connection.close()

    first = threading.Thread(target=hold_first)
    first.start()
    time.sleep(0.5)  # the first poll is held now
    second, second_took = _timed_get(
        client, f"/api/v1/purchases/{other.pk}/", HTTP_PREFER="wait=10"
    )
    purchase_transition(purchase_id=purchase_id, to=S.REJECTED, reason="test verdict")
    first.join(timeout=15)

    assert "Preference-Applied" not in second and second_took < 3  # no room: answered at once
    assert second["X-Poll-Interval"] == "0.5"  # the client falls back to the pace
    assert held["answer"].json()["status"] == "rejected" and held["took"] < 5


def test_a_lost_subscription_wakes_the_held_polls_and_comes_back(in_flight):
    """Redis drops the web's subscription (as a restart or a failover would): the held poll
    answers at once instead of sleeping on a channel that will say nothing, and the next
    poll is held again once the subscription is back."""
    client, url, purchase_id = in_flight
    client.get(url, HTTP_PREFER="wait=1")  # this process subscribes
    redis = queue_connection("payments")

    def drop_subscription():
        time.sleep(0.5)
        redis.client_kill_filter(_type="pubsub")

    dropper = threading.Thread(target=drop_subscription)
    dropper.start()
    woken, woken_took = _timed_get(client, url, HTTP_PREFER="wait=10")
    dropper.join()
    time.sleep(1.5)  # the subscription comes back after RESUBSCRIBE_SECONDS
    verdict = _reject_later(purchase_id, 0.5)
    again, again_took = _timed_get(client, url, HTTP_PREFER="wait=10")
    verdict.join()

    assert woken.status_code == 200 and woken.json()["status"] == "reserved"
    assert 0.4 < woken_took < 5
    assert again["Preference-Applied"] == "wait=10" and again.json()["status"] == "rejected"
    assert again_took < 5


def test_with_redis_paused_a_held_poll_still_answers_when_its_wait_is_up(in_flight, request):
    """Redis frozen (SIGSTOP): no verdict can be announced, and the held poll answers when its
    wait is up, with the purchase as the database has it."""
    client, url, _ = in_flight
    redis_pid = request.getfixturevalue("pausable_redis")
    client.get(url, HTTP_PREFER="wait=1")  # this process subscribes
    os.kill(redis_pid, signal.SIGSTOP)
    try:
        answer, took = _timed_get(client, url, HTTP_PREFER="wait=2")
    finally:
        os.kill(redis_pid, signal.SIGCONT)

    assert answer.status_code == 200 and answer.json()["status"] == "reserved"
    assert answer["X-Poll-Interval"] == "0.5"  # the pace's own Redis reads gave up: the default
    assert 1.9 < took < 8  # the wait, then those reads' one-second timeouts


# The buy itself held (`Prefer: wait` on `POST /api/v1/purchases/`): one request for a
# client that only wants the outcome.


@pytest.fixture
def buyer(auth_client, user, make_event):
    """(client, event pk, user) of a buyer with money for one ticket; no worker runs."""
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    return auth_client, make_event().pk, user


def _first_purchase_of(user, timeout: float = 10):
    """The id of the user's purchase once it is made (None if it never is)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if made := Purchase.objects.filter(user=user).first():
            return made.pk
        time.sleep(0.05)
    return None


def _timed_buy(client, event_pk, **headers):
    started = time.monotonic()
    answer = client.post(
        "/api/v1/purchases/", {"event": event_pk, "quantity": 1}, format="json", **headers
    )
    return answer, time.monotonic() - started


def test_a_held_buy_answers_with_the_verdict(buyer):
    client, event_pk, user = buyer
    verdict = _reject_later(None, 0.5, user=user)

    answer, took = _timed_buy(client, event_pk, HTTP_PREFER="wait=10")
    verdict.join()

    assert answer.status_code == 201 and answer.json()["status"] == "rejected"
    assert answer["Preference-Applied"] == "wait=10"
    assert "X-Poll-Interval" not in answer  # final: nothing left to poll for
    assert 0.4 < took < 5  # held for the verdict, not for the 10 s asked


def test_a_held_buy_without_a_verdict_answers_in_flight_when_its_wait_is_up(buyer):
    client, event_pk, _ = buyer

    answer, took = _timed_buy(client, event_pk, HTTP_PREFER="wait=1")

    assert answer.status_code == 201 and answer.json()["status"] == "reserved"
    assert answer["Preference-Applied"] == "wait=1"
    assert answer["X-Poll-Interval"] == "0.5"  # the client goes on polling at the pace
    assert took >= 0.95


def test_a_retried_buy_of_a_final_purchase_is_answered_at_once(buyer):
    client, event_pk, _ = buyer
    first, _ = _timed_buy(client, event_pk, HTTP_IDEMPOTENCY_KEY="buy-1")
    purchase_transition(purchase_id=first.json()["id"], to=S.EXPIRED, reason="test")

    again, took = _timed_buy(client, event_pk, HTTP_IDEMPOTENCY_KEY="buy-1", HTTP_PREFER="wait=10")

    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "expired"
    assert took < 3


def test_a_refused_buy_is_not_held(buyer, make_event):
    client, _, _ = buyer
    sold_out = make_event(available=0)

    answer, took = _timed_buy(client, sold_out.pk, HTTP_PREFER="wait=10")

    assert answer.status_code == 409 and "Preference-Applied" not in answer and took < 3
