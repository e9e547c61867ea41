"""`X-Poll-Interval`: a purchase in flight is polled again when the pipeline's recent latency
(mean + mean deviation, as TCP keeps round-trip times) says it is likely decided
(payments/poll_pacing.py), on the real Redis."""

import datetime as dt

import pytest
from django.utils import timezone

from payments import poll_pacing
from payments.models import Purchase, PurchaseStatus
from payments.poll_pacing import KEY, purchase_latency_observe
from payments.services import purchase_create
from payments.services.flow import purchase_transition
from ticketseller.queues import queue_connection
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
URL = "/api/v1/purchases/"
S = PurchaseStatus


@pytest.fixture(autouse=True)
def _fresh_reading(monkeypatch):
    poll_pacing.forget()  # the web's memo of the average: each test sets its own
    monkeypatch.setattr("events.waiting_room.GAUGE_MEMO_SECONDS", 0)  # in flight: counted now
    yield
    poll_pacing.forget()


@pytest.fixture
def bought(auth_client, user, make_event):
    """(client, the purchase's URL, its id, the buy's answer) of a purchase just made."""
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    answer = auth_client.post(URL, {"event": make_event().pk, "quantity": 1}, format="json")
    purchase_id = answer.json()["id"]
    return auth_client, f"{URL}{purchase_id}/", purchase_id, answer


@pytest.fixture
def busy(make_user, make_event):
    """Two more purchases in flight (another buyer's): with the bought one, a pipeline under
    load, where the pace applies."""
    other = make_user()
    wallet_deposit(wallet_id=other.wallet.pk, amount=60_000)
    for _ in range(2):
        purchase_create(user=other, event_pk=make_event().pk, quantity=1)


def _averages() -> tuple[float, float] | None:
    """(mean, mean deviation) as kept in Redis, or None."""
    mean, deviation = queue_connection("payments").hmget(KEY, "m", "d")
    return None if mean is None else (float(mean), float(deviation))


def _set_averages(mean: float, deviation: float) -> None:
    queue_connection("payments").hset(KEY, mapping={"m": mean, "d": deviation})
    poll_pacing.forget()  # the buy's answer read the averages a moment ago


def test_without_a_recent_verdict_a_purchase_is_polled_at_the_pages_pace(bought):
    client, url, _, answer = bought

    assert answer.status_code == 201 and answer["X-Poll-Interval"] == "0.5"
    assert client.get(url)["X-Poll-Interval"] == "0.5"


def test_a_purchase_is_polled_again_when_the_pipeline_will_likely_have_moved(bought, busy):
    client, url, _, _ = bought
    _set_averages(1.2, 0.3)  # purchases lately took 1.2 s ± 0.3 from buy to verdict

    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert 1.2 <= float(first["X-Poll-Interval"]) <= 1.5  # 1.2 + 0.3 s less the purchase's age
    assert again.status_code == 304 and 1.2 <= float(again["X-Poll-Interval"]) <= 1.5


def test_the_pace_stays_between_half_a_second_and_two(bought, busy):
    client, url, purchase_id, _ = bought
    _set_averages(30, 1)  # a pipeline that took 30 s lately
    assert client.get(url)["X-Poll-Interval"] == "2"

    _set_averages(1.2, 0.3)
    five_seconds_ago = timezone.now() - dt.timedelta(seconds=5)
    Purchase.objects.filter(pk=purchase_id).update(created_at=five_seconds_ago)
    assert client.get(url)["X-Poll-Interval"] == "0.5"  # late already: the page's own pace


def test_a_lone_buyer_is_polled_at_the_pages_pace_whatever_the_averages_say(bought):
    """One purchase in flight is no load worth pacing, and the averages may still hold a cold
    start's seconds (the first purchase after `make run` took 3.7 s)."""
    client, url, _, _ = bought
    _set_averages(3.7, 1.85)

    assert client.get(url)["X-Poll-Interval"] == "0.5"


def test_a_final_purchase_has_no_pace(bought):
    client, url, purchase_id, _ = bought
    _set_averages(1.2, 0.3)
    purchase_transition(purchase_id=purchase_id, to=S.REJECTED, reason="test")

    answer = client.get(url)

    assert answer.json()["status"] == "rejected"
    assert "X-Poll-Interval" not in answer


def test_each_verdict_moves_the_averages_as_tcp_moves_its_round_trip_times():
    purchase_latency_observe(seconds=1.0)
    assert _averages() == pytest.approx((1.0, 0.5))  # RFC 6298: the first x gives x and x/2
    purchase_latency_observe(seconds=2.0)
    deviation = 0.5 + (abs(2.0 - 1.0) - 0.5) / 4  # the deviation first, from the old mean
    assert _averages() == pytest.approx((1.0 + (2.0 - 1.0) / 8, deviation))
    # A purchase stuck for minutes counts as 4 s: it must not slow the next pages to a crawl.
    purchase_latency_observe(seconds=600)
    mean = 1.125
    assert _averages() == pytest.approx(
        (mean + (4.0 - mean) / 8, deviation + (abs(4.0 - mean) - deviation) / 4)
    )
    assert 0 < queue_connection("payments").ttl(KEY) <= 60  # a quiet minute forgets them


@pytest.mark.parametrize("verdict, counted", [(S.REJECTED, True), (S.EXPIRED, False)])
def test_a_verdict_records_its_purchases_latency_and_an_expiry_does_not(
    bought, django_capture_on_commit_callbacks, verdict, counted
):
    _, _, purchase_id, _ = bought
    a_second_ago = timezone.now() - dt.timedelta(seconds=1)
    Purchase.objects.filter(pk=purchase_id).update(created_at=a_second_ago)

    with django_capture_on_commit_callbacks(execute=True):
        purchase_transition(purchase_id=purchase_id, to=verdict, reason="test")

    if counted:
        assert 1.0 <= _averages()[0] < 2.0
    else:  # its time is the deadline's, not the pipeline's
        assert _averages() is None
