"""The account pages in real Chromium on a 390 px phone: log in by email, reach the account
page from the menu, switch the emails (and the site) to English; nothing scrolls sideways."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "una-clave-larga-99"


def _scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def test_on_a_phone_a_buyer_logs_in_by_email_and_chooses_english(
    live_server, page: Page, make_user, tmp_path
):
    user = make_user("valentina", email="valentina@example.cl", password=PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    assert not _scrolls_sideways(page)
    page.fill("#id_username", "Valentina@Example.cl")
    page.fill("#id_password", PASSWORD)
    page.locator("[data-testid=login-form] button[type=submit]").click()

    page.locator(".nav-toggle-label").click()  # the phone's menu
    page.get_by_test_id("account-menu").locator("summary").click()
    page.get_by_test_id("nav-account").click()
    expect(page.locator("h1")).to_have_text("Tu cuenta")
    assert not _scrolls_sideways(page)
    page.select_option("#id_language", "en")
    page.locator("[data-testid=account-form] button[type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".messages")).to_contain_text("Your account is saved.")
    assert user.account_profile.language == "en"
    assert not _scrolls_sideways(page)
    page.screenshot(path=str(tmp_path / "account.png"), full_page=True)


@pytest.mark.parametrize("path", ["/accounts/password/reset/", "/accounts/password/reset/x/y/"])
def test_the_reset_pages_fit_a_phone(live_server, page: Page, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}{path}")

    expect(page.locator("h1")).to_be_visible()
    assert not _scrolls_sideways(page)
