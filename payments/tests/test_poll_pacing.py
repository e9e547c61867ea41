"""`X-Poll-Interval`: a purchase in flight is polled again when the pipeline's recent latency
says it will likely have moved (payments/poll_pacing.py), on the real Redis."""

import datetime as dt

import pytest
from django.utils import timezone

from payments import poll_pacing
from payments.models import Purchase, PurchaseStatus
from payments.poll_pacing import KEY, purchase_latency_observe
from payments.services.flow import purchase_transition
from ticketseller.queues import queue_connection
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
URL = "/api/v1/purchases/"
S = PurchaseStatus


@pytest.fixture(autouse=True)
def _fresh_reading():
    poll_pacing.forget()  # the web's memo of the average: each test sets its own
    yield
    poll_pacing.forget()


@pytest.fixture
def bought(auth_client, user, make_event):
    """(client, the purchase's URL, its id, the buy's answer) of a purchase just made."""
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    answer = auth_client.post(URL, {"event": make_event().pk, "quantity": 1}, format="json")
    purchase_id = answer.json()["id"]
    return auth_client, f"{URL}{purchase_id}/", purchase_id, answer


def _average() -> float | None:
    value = queue_connection("payments").get(KEY)
    return float(value) if value is not None else None


def test_without_a_recent_verdict_a_purchase_is_polled_at_the_pages_pace(bought):
    client, url, _, answer = bought

    assert answer.status_code == 201 and answer["X-Poll-Interval"] == "0.5"
    assert client.get(url)["X-Poll-Interval"] == "0.5"


def test_a_purchase_is_polled_again_when_the_pipeline_will_likely_have_moved(bought):
    client, url, _, _ = bought
    purchase_latency_observe(seconds=1.5)  # purchases lately took 1.5 s from buy to verdict
    poll_pacing.forget()  # the buy's answer read the average a moment ago

    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert 1.2 <= float(first["X-Poll-Interval"]) <= 1.5  # 1.5 s less the purchase's age
    assert again.status_code == 304 and 1.2 <= float(again["X-Poll-Interval"]) <= 1.5


def test_the_pace_stays_between_half_a_second_and_two(bought):
    client, url, purchase_id, _ = bought
    queue_connection("payments").set(KEY, "30")  # a pipeline that took 30 s lately
    poll_pacing.forget()  # the buy's answer read the average a moment ago
    assert client.get(url)["X-Poll-Interval"] == "2"

    poll_pacing.forget()
    queue_connection("payments").set(KEY, "1.5")
    five_seconds_ago = timezone.now() - dt.timedelta(seconds=5)
    Purchase.objects.filter(pk=purchase_id).update(created_at=five_seconds_ago)
    assert client.get(url)["X-Poll-Interval"] == "0.5"  # late already: the page's own pace


def test_a_final_purchase_has_no_pace(bought):
    client, url, purchase_id, _ = bought
    purchase_latency_observe(seconds=1.5)
    purchase_transition(purchase_id=purchase_id, to=S.REJECTED, reason="test")

    answer = client.get(url)

    assert answer.json()["status"] == "rejected"
    assert "X-Poll-Interval" not in answer


def test_each_verdict_moves_the_average_a_fifth_of_the_way():
    purchase_latency_observe(seconds=1.0)
    assert _average() == pytest.approx(1.0)
    purchase_latency_observe(seconds=2.0)
    assert _average() == pytest.approx(1.2)
    # A purchase stuck for minutes counts as 4 s: it must not slow the next pages to a crawl.
    purchase_latency_observe(seconds=600)
    assert _average() == pytest.approx(1.2 + 0.2 * (4.0 - 1.2))
    assert 0 < queue_connection("payments").ttl(KEY) <= 60  # a quiet minute forgets it


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
        assert 1.0 <= _average() < 2.0
    else:  # its time is the deadline's, not the pipeline's
        assert _average() is None
