"""Layouts a buyer meets, in real Chromium: on a 390 px phone the purchases and the wallet
movements are stacked cards with the download button in reach (no sideways scrolling); on
laptop widths the logged-in header stays on one line."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
