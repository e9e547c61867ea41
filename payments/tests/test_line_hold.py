"""`Prefer: wait=N` on the waiting room's poll: near their turn, a buyer's poll is held until
they are admitted, woken when a purchase turns final (events/line_hold.py), on the real Redis
and PostgreSQL."""

import datetime as dt
import os
import signal
import threading

import pytest
from django.utils import timezone

from events import waiting_room
from events.line_hold import _Holds
from payments.models import Purchase
from payments.tests.stack import start_redis
from payments.tests.test_verdict_hold import _reject_later, _timed_get

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the room is made by another thread
    pytest.mark.usefixtures("requires_postgres", "redis_flushed"),
]
BUY = "/api/v1/purchases/"


@pytest.fixture
def own_redis(settings, tmp_path):
    """The pid of a Redis of our own for the room (settings.REDIS_URL), which a test may pause;
    the queues and the verdicts' announcements stay on the test Redis."""
    process, settings.REDIS_URL = start_redis(tmp_path / "redis")
    yield process.pid
    os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def full_pipeline(settings, client_for, make_event):
    """(event, a third buyer's client, in line at position 1): fast admission, but a pipeline
    that holds two purchases, and it holds two. The gauge is read once a minute, as if the
    process had just read it: only a final purchase's announcement makes it read again."""
    settings.WAITING_ROOM_RATE = 1000.0
    settings.WAITING_ROOM_MAX_IN_FLIGHT = 2
    waiting_room._gauge_memo.clear()
    saved, waiting_room.GAUGE_MEMO_SECONDS = waiting_room.GAUGE_MEMO_SECONDS, 60
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    queue = f"/api/v1/events/{event.pk}/queue/"
    for client in (client_for(), client_for()):
        token = client.post(queue).json()["admission_token"]
        buy = {"event": event.pk, "quantity": 1}
        answer = client.post(BUY, buy, format="json", HTTP_ADMISSION_TOKEN=token)
        assert answer.status_code == 201, answer.json()
    waiting_room._gauge_memo.clear()  # read again with the two purchases in flight
    third = client_for()
    ticket = third.post(queue).json()
    assert (ticket["admitted"], ticket["position"]) == (False, 1)
    yield queue, third
    waiting_room.GAUGE_MEMO_SECONDS = saved


def test_a_held_poll_admits_the_moment_a_purchase_makes_room(full_pipeline):
    queue, third = full_pipeline
    verdict = _reject_later(Purchase.objects.order_by("created_at").first().pk, 0.5)

    answer, took = _timed_get(third, queue, HTTP_PREFER="wait=5")
    verdict.join()

    assert answer.status_code == 200
    assert answer.json()["admitted"] is True and answer.json()["admission_token"]
    assert answer["Preference-Applied"] == "wait=5"
    assert 0.5 <= took < 3  # woken by the verdict, not by the end of the wait


def test_a_held_poll_nobody_makes_room_for_answers_when_its_wait_is_up(full_pipeline):
    queue, third = full_pipeline

    answer, took = _timed_get(third, queue, HTTP_PREFER="wait=1")

    assert (answer.json()["admitted"], answer.json()["position"]) == (False, 1)
    assert answer["Preference-Applied"] == "wait=1"
    assert answer["Retry-After"] == str(answer.json()["retry_after"])
    assert 1 <= took < 2.5


def test_a_held_poll_answers_within_its_wait_when_the_rooms_redis_stalls(own_redis, full_pipeline):
    """The room fails open (it admits) when Redis does not answer in time, held or not."""
    queue, third = full_pipeline
    threading.Timer(0.3, os.kill, (own_redis, signal.SIGSTOP)).start()

    answer, took = _timed_get(third, queue, HTTP_PREFER="wait=5")

    assert answer.status_code == 200
    assert answer.json()["admitted"] is True and answer.json()["admission_token"]
    assert took < 3  # its next check (1 s) waited the room's Redis timeout (0.5 s), not 5 s


def test_without_the_preference_the_poll_is_answered_at_once(full_pipeline):
    queue, third = full_pipeline

    answer, took = _timed_get(third, queue)

    assert answer.json()["admitted"] is False
    assert "Preference-Applied" not in answer
    assert took < 1


def test_a_process_holds_no_more_polls_than_its_share(full_pipeline, settings):
    settings.WAITING_ROOM_MAX_HELD = 0
    queue, third = full_pipeline

    answer, took = _timed_get(third, queue, HTTP_PREFER="wait=5")

    assert answer.json()["admitted"] is False
    assert "Preference-Applied" not in answer
    assert took < 1


def test_a_buyer_far_from_their_turn_is_not_held(client_for, make_event, settings):
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    queue = f"/api/v1/events/{event.pk}/queue/"
    for client in (client_for(), client_for(), client_for()):  # the last is third in line
        ticket = client.post(queue).json()
    assert ticket["estimated_wait_seconds"] > 10

    answer, took = _timed_get(client, queue, HTTP_PREFER="wait=10")

    assert answer.json()["admitted"] is False
    assert "Preference-Applied" not in answer
    assert took < 1


def test_an_announcement_wakes_the_lowest_numbered_holder_then_the_next(settings):
    settings.WAITING_ROOM_MAX_HELD = 10
    holds = _Holds()
    flags = {number: holds.hold(7, number) for number in (5, 3, 9)}
    other_event = holds.hold(8, 1)

    holds.wake_next(7)
    assert [n for n, flag in flags.items() if flag.is_set()] == [3]
    holds.wake_next(7, after=3)  # the holder of 3 got in: the next one may too
    assert [n for n, flag in flags.items() if flag.is_set()] == [5, 3]
    assert not other_event.is_set()

    holds.release(7, flags[9])
    holds.wake_next()  # every event's lowest
    assert other_event.is_set() and not flags[9].is_set()
