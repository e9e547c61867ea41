"""The waiting room admits by what the payment pipeline has in flight, not only by a rate."""

import datetime as dt
import time

import pytest
from django.utils import timezone
from redis import Redis

from events.waiting_room import waiting_room_is_on
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_transition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
BUY = "/api/v1/purchases/"


@pytest.fixture
def pipeline_of_two(settings):
    """Fast admission, but a pipeline that holds two purchases (the gauge read fresh)."""
    settings.WAITING_ROOM_RATE = 1000.0
    settings.WAITING_ROOM_BURST = 30  # a bank that a full pipeline must not let through
    settings.WAITING_ROOM_MAX_IN_FLIGHT = 2
    from events import waiting_room

    waiting_room._gauge_memo.clear()
    saved = waiting_room.GAUGE_MEMO_SECONDS
    waiting_room.GAUGE_MEMO_SECONDS = 0
    yield
    waiting_room.GAUGE_MEMO_SECONDS = saved


def _queue(event) -> str:
    return f"/api/v1/events/{event.pk}/queue/"


def _buy(client, event, token=None):
    headers = {"HTTP_ADMISSION_TOKEN": token} if token else {}
    return client.post(BUY, {"event": event.pk, "quantity": 1}, format="json", **headers)


def test_a_full_pipeline_holds_the_line_until_a_purchase_finishes(
    client_for, make_event, pipeline_of_two
):
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    first, second, third = client_for(), client_for(), client_for()
    for client in (first, second):
        ticket = client.post(_queue(event)).json()
        assert ticket["admitted"]
        assert _buy(client, event, ticket["admission_token"]).status_code == 201

    waiting = third.post(_queue(event)).json()
    assert (waiting["admitted"], waiting["position"]) == (False, 1)
    assert third.get(_queue(event)).json()["admitted"] is False  # however fast the rate

    done = Purchase.objects.order_by("created_at").first()
    purchase_transition(purchase_id=done.pk, to=PurchaseStatus.REJECTED, reason="test")
    admitted = third.get(_queue(event)).json()
    assert admitted["admitted"] is True
    assert _buy(third, event, admitted["admission_token"]).status_code == 201


def test_admitted_buyers_who_have_not_bought_yet_take_the_pipelines_room(
    client_for, make_event, pipeline_of_two
):
    """An admitted buyer buys at their next poll: until then the gauge cannot see them, and
    the line must not move on by the same room again at every poll in between."""
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    first, second, third = client_for(), client_for(), client_for()
    tickets = [client.post(_queue(event)).json() for client in (first, second)]
    assert [t["admitted"] for t in tickets] == [True, True]

    waiting = third.post(_queue(event)).json()
    assert (waiting["admitted"], waiting["position"]) == (False, 1)
    for _ in range(3):  # nobody bought yet, however often the line is polled
        assert third.get(_queue(event)).json()["admitted"] is False

    assert _buy(first, event, tickets[0]["admission_token"]).status_code == 201
    assert third.get(_queue(event)).json()["admitted"] is False  # one buying, one about to
    purchase_transition(
        purchase_id=Purchase.objects.get().pk, to=PurchaseStatus.REJECTED, reason="test"
    )
    assert third.get(_queue(event)).json()["admitted"] is True


def test_an_admitted_buyer_who_walks_away_stops_holding_the_room(
    client_for, make_event, pipeline_of_two, settings
):
    settings.WAITING_ROOM_PENDING_SECONDS = 1
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    first, second, third = client_for(), client_for(), client_for()
    assert first.post(_queue(event)).json()["admitted"]
    assert second.post(_queue(event)).json()["admitted"]
    assert third.post(_queue(event)).json()["admitted"] is False

    time.sleep(1.2)  # neither bought: after WAITING_ROOM_PENDING_SECONDS they are forgotten
    assert third.get(_queue(event)).json()["admitted"] is True


def test_a_buy_without_a_token_into_a_full_pipeline_switches_the_room_on(
    client_for, make_event, pipeline_of_two, settings
):
    settings.WAITING_ROOM_AUTO_ARRIVALS = 0  # only the gauge may switch it on
    event = make_event(price=10_000)
    assert _buy(client_for(), event).status_code == 201
    assert _buy(client_for(), event).status_code == 201
    assert not waiting_room_is_on(event=event)

    refused = _buy(client_for(), event)

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "admission_required"
    assert refused.json()["error"]["details"]["queue_url"] == _queue(event)
    assert waiting_room_is_on(event=event)


def test_a_stuck_old_purchase_does_not_hold_the_room_shut(client_for, make_event, pipeline_of_two):
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    for client in (client_for(), client_for()):
        assert (
            _buy(client, event, client.post(_queue(event)).json()["admission_token"]).status_code
            == 201
        )
    Purchase.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))

    assert client_for().post(_queue(event)).json()["admitted"] is True


def test_a_burst_across_a_second_boundary_still_switches_the_room_on(
    client_for, make_event, pipeline_of_two, settings
):
    """The switch counts arrivals per second: two admitted at the end of one second, a third
    at the start of the next, is still one more than the pipeline holds."""
    settings.WAITING_ROOM_AUTO_ARRIVALS = 0
    settings.WAITING_ROOM_RATE = 0.001
    event = make_event(price=10_000)
    first = [client_for().post(_queue(event)).json() for _ in range(2)]
    redis = Redis.from_url(settings.REDIS_URL)
    redis.delete(*redis.keys(f"wr:{{{event.pk}}}:arrivals:*"))  # the next second begins

    third = client_for().post(_queue(event)).json()

    assert [t["admitted"] for t in first] == [True, True]
    assert (third["admitted"], third["position"]) == (False, 1)
    assert waiting_room_is_on(event=event)


def test_a_burst_of_joins_beyond_what_the_pipeline_takes_switches_the_room_on(
    client_for, make_event, pipeline_of_two, settings
):
    settings.WAITING_ROOM_AUTO_ARRIVALS = 0  # only the pipeline's room may switch it on
    settings.WAITING_ROOM_RATE = 0.001  # then nobody more gets in during the test
    event = make_event(price=10_000)
    tickets = [client_for().post(_queue(event)).json() for _ in range(4)]

    assert [t["admitted"] for t in tickets] == [True, True, False, False]
    assert [t["position"] for t in tickets[2:]] == [1, 2]
    assert waiting_room_is_on(event=event)
