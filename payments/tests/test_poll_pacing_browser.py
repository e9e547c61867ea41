"""The purchase page in real Chromium asks for its purchase to be held until the verdict
(`Prefer: wait`), and otherwise polls it at the pace the server asks (`X-Poll-Interval`),
not at a fixed 0.5 s."""

import time

import pytest
from playwright.sync_api import Page, expect

from payments.models import PurchaseStatus
from payments.poll_pacing import KEY
from payments.services import purchase_create
from payments.services.flow import purchase_transition
from ticketseller.queues import queue_connection
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres", "redis_flushed"),
]


def _polls_during(page: Page, purchase_id: str, seconds: float) -> int:
    seen: list[str] = []

    def listener(request) -> None:
        if f"/api/v1/purchases/{purchase_id}/" in request.url:
            seen.append(request.url)

    page.on("request", listener)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)  # Playwright's events arrive while it waits
    page.remove_listener("request", listener)
    return len(seen)


def test_the_purchase_page_polls_as_often_as_the_server_asks(
    live_server, page: Page, make_user, make_event, monkeypatch, settings
):
    monkeypatch.setattr("events.waiting_room.GAUGE_MEMO_SECONDS", 0)  # in flight: counted now
    settings.PURCHASE_WAIT_MAX_HELD = 0  # no thread to hold the page's poll: it is paced
    shopper = make_user("sofia", password="una-clave-larga-99")
    wallet_deposit(wallet_id=shopper.wallet.pk, amount=500_000)
    # No workers: the purchases stay in flight for the whole test, three of them (under
    # load: a lone purchase is polled at the page's own pace).
    event = make_event(price=10_000)
    purchase, *_ = [purchase_create(user=shopper, event_pk=event.pk, quantity=1) for _ in "abc"]
    redis = queue_connection("payments")
    # Purchases lately took 30 s: the server asks for its slowest pace, 2 s.
    redis.hset(KEY, mapping={"m": 30, "d": 1})

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.goto(f"{live_server.url}/purchases/{purchase.pk}/")

    slow = _polls_during(page, str(purchase.pk), 4.5)
    redis.delete(KEY)  # no estimate any more: the page's own 0.5 s (after the 2 s in progress)
    time.sleep(2.1)
    fast = _polls_during(page, str(purchase.pk), 2.5)

    assert 1 <= slow <= 4, slow  # at 0.5 s it would have been about 9
    assert fast >= 4, fast


def test_the_purchase_page_is_held_until_the_verdict_and_shows_it_at_once(
    live_server, page: Page, make_user, make_event
):
    shopper = make_user("tomas", password="una-clave-larga-99")
    wallet_deposit(wallet_id=shopper.wallet.pk, amount=500_000)
    purchase = purchase_create(user=shopper, event_pk=make_event(price=10_000).pk, quantity=1)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "tomas")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.goto(f"{live_server.url}/purchases/{purchase.pk}/")
    in_flight = _polls_during(page, str(purchase.pk), 3)  # no workers: nothing moves
    purchase_transition(purchase_id=purchase.pk, to=PurchaseStatus.REJECTED, reason="test")

    # The held poll answers with the verdict (the page shows "rejected"), long before the
    # 10 s it asked for; paced at 0.5 s, the page would have polled 6 times meanwhile.
    expect(page.locator(".status-rejected").first).to_be_visible(timeout=3000)
    assert in_flight <= 1, in_flight
