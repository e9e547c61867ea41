"""Layouts a buyer meets, in real Chromium: on a 390 px phone the purchases and the wallet
movements are stacked cards with the download button in reach (no sideways scrolling); on
laptop widths the logged-in header stays on one line."""

import pytest
from playwright.sync_api import Page, expect

from payments.models import PurchaseStatus as S
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "una-clave-larga-99"


@pytest.fixture
def shopper(live_server, page: Page, make_user, make_event):
    """A logged-in buyer with two purchases (one confirmed) and a few wallet movements."""
    user = make_user("antonia", password=PASSWORD, first_name="Antonia", last_name="Zúñiga")
    wallet_deposit(wallet_id=user.wallet.pk, amount=200_000, reference="Deposit from the website")
    event = make_event(name="Festival de Viña: noche de la cumbia chilena", price=25_000)
    confirmed = purchase_create(user=user, event_id=event.pk, quantity=2)
    for to in (S.SOLVING, S.SUBMITTED, S.VALIDATED):
        purchase_transition(purchase_id=confirmed.pk, to=to, reason="test")
    purchase_create(user=user, event_id=event.pk, quantity=1)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "antonia")
    page.fill("#id_password", PASSWORD)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("nav-balance")).to_be_visible()
    return live_server.url


def _scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


@pytest.mark.parametrize("path", ["/purchases/", "/wallet/", "/events/"])
def test_phone_pages_do_not_scroll_sideways(shopper, page: Page, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{shopper}{path}")

    assert not _scrolls_sideways(page)


def test_on_a_phone_the_download_button_is_on_screen(shopper, page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{shopper}/purchases/")

    button = page.get_by_test_id("ticket-link").first
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    expect(page.get_by_test_id("purchases").locator("td[data-label]").first).to_be_visible()


@pytest.mark.parametrize("width", [1024, 1366, 1440])
def test_the_logged_in_header_stays_on_one_line(shopper, page: Page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{shopper}/events/")

    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 70, header
    assert not _scrolls_sideways(page)


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_header_of_staff_with_check_in_and_admin_stays_on_one_line(
    shopper, page: Page, width, django_user_model
):
    from django.contrib.auth.models import Group, Permission

    door, _ = Group.objects.get_or_create(name="Door staff")
    door.permissions.add(Permission.objects.get(codename="add_checkin"))
    user = django_user_model.objects.get(username="antonia")
    user.groups.add(door)
    django_user_model.objects.filter(pk=user.pk).update(is_staff=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{shopper}/events/")

    expect(page.get_by_test_id("nav-check-in")).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] < 70, header
