"""A shopper in real Chromium goes through the waiting room: joins, watches the place, and is
shown the buy form without reloading by hand once the line reaches them."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.waiting_room import waiting_room_join
from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres", "redis_flushed"),
]


def test_the_line_page_admits_by_itself_and_the_buy_form_buys(
    live_server, page: Page, settings, make_user, make_event
):
    settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_BURST = 0.001, 0  # nobody gets in yet
    settings.WAITING_ROOM_MAX_RETRY_SECONDS = 1  # the page polls every second
    event = make_event(price=10_000, on_sale_at=timezone.now() - dt.timedelta(seconds=1))
    waiting_room_join(user=make_user(), event=event)  # someone is already in line
    shopper = make_user("sofia", password="una-clave-larga-99")
    wallet_deposit(wallet_id=shopper.wallet.pk, amount=500_000)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.goto(f"{live_server.url}/events/{event.pk}/")
    polls = []  # the Prefer header of each poll of the line's JSON
    line = f"/api/v1/events/{event.pk}/queue/"
    page.on("request", lambda r: polls.append(r.headers.get("prefer")) if line in r.url else 0)
    page.get_by_test_id("join-line").click()

    expect(page).to_have_url(re.compile(rf"/events/{event.pk}/queue/$"))
    expect(page.get_by_test_id("queue-position")).to_have_text("2")
    page.reload()
    expect(page.get_by_test_id("queue-position")).to_have_text("2")  # the place is kept

    settings.WAITING_ROOM_RATE = 1000.0  # the line reaches the shopper
    expect(page.get_by_test_id("admitted")).to_be_visible(timeout=15_000)
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the review step

    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))
    assert Purchase.objects.filter(user=shopper, event=event).count() == 1
    assert polls and set(polls) == {"wait=10"}  # each asked to be held until admitted
