"""The purchase API as a page polls it: a conditional GET that answers 304 while nothing
changed, and the full answer as soon as anything in it did."""

import uuid

import pytest
from rest_framework.test import APIClient

from payments.master_client import PROGRESS_KEY
from payments.models import Purchase, PurchaseStatus
from payments.services.flow import purchase_transition
from ticketseller.queues import queue_connection
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchases/"


@pytest.fixture
def bought(auth_client, user, make_event):
    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    body = auth_client.post(URL, {"event": make_event().pk, "quantity": 1}, format="json").json()
    return auth_client, f"{URL}{body['id']}/", body["id"]


def test_an_unchanged_purchase_answers_304_with_its_etag(bought):
    client, url, _ = bought
    first = client.get(url)
    etag = first["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200 and etag.startswith('"')
    assert first["Cache-Control"] == "private, no-cache"  # revalidated, never shared
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag


def test_a_transition_answers_the_new_purchase_at_once(bought):
    client, url, purchase_id = bought
    etag = client.get(url)["ETag"]

    purchase_transition(purchase_id=purchase_id, to=PurchaseStatus.SOLVING, reason="test")
    after = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert after.status_code == 200 and after["ETag"] != etag
    body = after.json()
    assert body["status"] == "solving"
    assert [h["status"] for h in body["history"]] == ["reserved", "solving"]


def test_live_progress_changes_the_answer(bought):
    client, url, purchase_id = bought
    job_id = uuid.uuid4()
    purchase_transition(purchase_id=purchase_id, to=PurchaseStatus.SOLVING, reason="test")
    Purchase.objects.filter(pk=purchase_id).update(master_job_id=job_id, challenges_total=5)
    redis, key = queue_connection("payments"), PROGRESS_KEY.format(job_id=job_id)
    redis.set(key, 1, ex=60)
    try:
        first = client.get(url)
        redis.set(key, 3, ex=60)
        after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    finally:
        redis.delete(key)

    assert first.json()["challenges"] == {"total": 5, "solved": 1}
    assert after.status_code == 200 and after.json()["challenges"] == {"total": 5, "solved": 3}


def test_another_users_etag_is_still_404(bought, make_user):
    client, url, _ = bought
    etag = client.get(url)["ETag"]
    stranger = APIClient()
    stranger.force_authenticate(make_user())

    response = stranger.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_browsable_api_is_not_conditional(bought):
    client, url, _ = bought
    etag = client.get(url)["ETag"]

    page = client.get(url, HTTP_ACCEPT="text/html", HTTP_IF_NONE_MATCH=etag)

    assert page.status_code == 200 and "ETag" not in page


def test_a_revoked_token_cannot_buy_and_soon_cannot_poll(user, make_event):
    from rest_framework.authtoken.models import Token

    from ticketseller.api.token_memory import PollTokenAuthentication

    wallet_deposit(wallet_id=user.wallet.pk, amount=60_000)
    token = Token.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    event = make_event()
    bought = client.post(URL, {"event": event.pk, "quantity": 1}, format="json").json()
    url = f"{URL}{bought['id']}/"
    assert client.get(url).status_code == 200  # now remembered by the poll

    token.delete()

    again = client.post(URL, {"event": event.pk, "quantity": 1}, format="json")
    assert again.status_code == 401  # money moves only with a token checked now
    assert client.get(url).status_code == 200  # a poll within memory_seconds
    PollTokenAuthentication.forget_all()  # as memory_seconds passing
    assert client.get(url).status_code == 401
    assert APIClient(HTTP_AUTHORIZATION="Token not-a-token").get(url).status_code == 401


def test_the_purchase_answers_read_no_event_row(bought):
    """The API gives the event's id only: a poll must not load the event with the purchase."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, url, _ = bought
    with CaptureQueriesContext(connection) as queries:
        detail, listing = client.get(url), client.get(URL)

    assert detail.status_code == listing.status_code == 200
    assert detail.json()["event"] == listing.json()["results"][0]["event"]
    assert not [q["sql"] for q in queries if "events_event" in q["sql"]]


def test_a_poll_reads_the_purchase_row_once(bought, django_assert_num_queries):
    """A 304 costs the purchase's row; a full answer adds only its history."""
    client, url, _ = bought
    etag = client.get(url)["ETag"]  # the token is checked (and remembered) here

    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_assert_num_queries(2):
        full = client.get(url)
    assert full.status_code == 200 and full.json()["history"][0]["status"] == "reserved"
