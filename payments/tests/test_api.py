import pytest
from rest_framework.test import APIClient

from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchases/"
FIELDS = {
    "id", "event", "quantity", "unit_price", "amount", "status", "challenges", "ticket_url",
    "created_at", "updated_at", "history",
}  # fmt: skip


@pytest.fixture
def funded(auth_client, user):
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    return auth_client


def test_buying_answers_201_with_the_purchase(funded, make_event):
    event = make_event(price=20_000)
    response = funded.post(URL, {"event": event.pk, "quantity": 2}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == FIELDS
    assert (body["event"], body["quantity"], body["amount"], body["status"]) == (
        event.pk,
        2,
        40_000,
        "reserved",
    )
    assert body["challenges"] == {"total": 0, "solved": 0}
    assert [h["status"] for h in body["history"]] == ["reserved"]
    assert funded.get("/api/v1/wallet/").json()["balance"] == 20_000


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"event": 1, "quantity": 0}, 400, "invalid"),
        ({"event": "x", "quantity": 1}, 400, "invalid"),
        ({"quantity": 1}, 400, "invalid"),
        ({"event": 999999, "quantity": 1}, 404, "not_found"),
        ({"event": 10**30, "quantity": 1}, 404, "not_found"),  # no column holds it
        ({"event": None, "quantity": 1.5}, 400, "invalid"),
    ],
)
def test_bad_purchases_get_the_error_shape(funded, body, status, code):
    response = funded.post(URL, body, format="json")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_short_funds_are_402_and_sold_out_is_409(funded, make_event):
    expensive = make_event(price=70_000)
    full = make_event(capacity=1, available=0)

    short = funded.post(URL, {"event": expensive.pk, "quantity": 1}, format="json")
    sold = funded.post(URL, {"event": full.pk, "quantity": 1}, format="json")

    assert (short.status_code, short.json()["error"]["code"]) == (402, "insufficient_funds")
    assert (sold.status_code, sold.json()["error"]["code"]) == (409, "sold_out")
    assert not Purchase.objects.exists()


def test_idempotency_key_replay_and_conflict(funded, make_event):
    event = make_event(price=1_000)
    first = funded.post(
        URL, {"event": event.pk, "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1"
    )
    again = funded.post(
        URL, {"event": event.pk, "quantity": 1}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1"
    )
    other = funded.post(
        URL, {"event": event.pk, "quantity": 2}, format="json", HTTP_IDEMPOTENCY_KEY="buy-1"
    )

    assert first.json()["id"] == again.json()["id"]
    assert other.status_code == 409
    assert Purchase.objects.count() == 1


def test_users_see_only_their_own_purchases(funded, make_user, make_event):
    mine = funded.post(URL, {"event": make_event().pk, "quantity": 1}, format="json").json()
    stranger = APIClient()
    stranger.force_authenticate(make_user())

    assert stranger.get(URL).json()["count"] == 0
    response = stranger.get(f"{URL}{mine['id']}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert funded.get(f"{URL}{mine['id']}/").status_code == 200


def test_the_list_filters_by_status(funded, make_event):
    funded.post(URL, {"event": make_event().pk, "quantity": 1}, format="json")
    assert funded.get(URL, {"status": "reserved"}).json()["count"] == 1
    assert funded.get(URL, {"status": "validated"}).json()["count"] == 0
    assert funded.get(URL, {"status": "bogus"}).status_code == 400


def test_anonymous_clients_cannot_buy(api_client, make_event):
    assert api_client.post(URL, {"event": make_event().pk, "quantity": 1}).status_code == 401


def test_the_workers_status_says_unavailable_when_the_master_does_not_answer(api_client, settings):
    settings.MASTER_URL = "http://127.0.0.1:9"  # nothing listens there
    body = api_client.get("/api/v1/workers/status/").json()
    assert body["available"] is False and body["workers"] == 0 and "checked_at" in body


def test_a_past_event_is_409_event_past_and_moves_no_money(funded, make_event):
    import datetime as dt

    from django.utils import timezone

    past = make_event(date=timezone.now() - dt.timedelta(hours=1))

    response = funded.post(URL, {"event": past.pk, "quantity": 1}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "event_past"
    assert funded.get("/api/v1/wallet/").json()["balance"] == 60_000
    assert not Purchase.objects.exists()


def test_a_free_event_is_409_event_free(funded, make_event):
    response = funded.post(URL, {"event": make_event(price=0).pk, "quantity": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "event_free"
