"""The purchase page in real Chromium polls its purchase at the pace the server asks
(`X-Poll-Interval`), not at a fixed 0.5 s."""

import time

import pytest
from playwright.sync_api import Page

from payments.poll_pacing import KEY
from payments.services import purchase_create
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
    live_server, page: Page, make_user, make_event, monkeypatch
):
    monkeypatch.setattr("events.waiting_room.GAUGE_MEMO_SECONDS", 0)  # in flight: counted now
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
