"""Redis away: the waiting room fails open (admits, logs) and never answers a 5xx. Seats and
money stay guarded by the database's row locks, so admitting is safe; refusing would stop
every sale of the event for as long as Redis is gone."""

import datetime as dt
import os
import signal
import socket

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import Purchase
from payments.tests.stack import start_redis
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
BUY = "/api/v1/purchases/"


@pytest.fixture
def dead_redis_url(settings) -> str:
    """The room's Redis URL pointing at a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    return settings.REDIS_URL


@pytest.fixture
def paused_redis(settings, tmp_path):
    """A Redis of our own, frozen with SIGSTOP for the test: it accepts, never answers."""
    process, url = start_redis(tmp_path / "redis")
    settings.REDIS_URL = url
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield url
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def buyer_client(make_user):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=500_000)
    client = APIClient()
    client.force_authenticate(user)
    return client


def _queue(event) -> str:
    return f"/api/v1/events/{event.pk}/queue/"


def _buy(client, event, token=None):
    headers = {"HTTP_ADMISSION_TOKEN": token} if token else {}
    return client.post(BUY, {"event": event.pk, "quantity": 1}, format="json", **headers)


@pytest.mark.parametrize("redis_state", ["dead_redis_url", "paused_redis"])
def test_without_redis_the_line_admits_and_the_admitted_buy(
    request, redis_state, buyer_client, make_event
):
    request.getfixturevalue(redis_state)
    event = make_event(on_sale_at=timezone.now() - dt.timedelta(seconds=1))

    joined = buyer_client.post(_queue(event))
    polled = buyer_client.get(_queue(event))

    assert (joined.status_code, polled.status_code) == (200, 200)
    assert joined.json()["admitted"] and polled.json()["admitted"]
    assert _buy(buyer_client, event, joined.json()["admission_token"]).status_code == 201


def test_without_redis_staff_window_still_asks_for_the_line_with_a_4xx(
    dead_redis_url, buyer_client, make_event
):
    event = make_event(on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    response = _buy(buyer_client, event)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "admission_required"


def test_without_redis_the_automatic_switch_stays_off_and_buying_works(
    dead_redis_url, buyer_client, make_event
):
    event = make_event()
    assert [_buy(buyer_client, event).status_code for _ in range(3)] == [201, 201, 201]
    assert Purchase.objects.count() == 3


def test_without_redis_the_pages_answer(dead_redis_url, make_user, make_event):
    user = make_user()
    client = Client()
    client.force_login(user)
    event = make_event(on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    queue = reverse("events:queue", args=[event.pk])

    assert client.get(event.get_absolute_url()).status_code == 200
    assert client.post(queue).status_code == 302
    page = client.get(queue)
    assert page.status_code == 200 and 'data-testid="buy-form"' in page.content.decode()
