"""A new customer, in real Chromium: sign up, log out, log in, add money, see the balance.

Once in Spanish (the default) and once after switching the language to English.
"""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "es": {"login": "Iniciar sesión", "balance_label": "Saldo", "added": "Se agregaron $25.000"},
    "en": {"login": "Log in", "balance_label": "Balance", "added": "$25.000 added to your wallet."},
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_signup_login_and_add_money(live_server, page: Page, language: str):
    text = TEXT[language]
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    if language == "en":
        page.get_by_test_id("language").select_option("en")
        expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_test_id("nav-signup").click()
    page.fill("#id_username", f"paula_{language}")
    page.fill("#id_email", f"paula_{language}@example.cl")
    page.fill("#id_password1", "una-clave-larga-99")
    page.fill("#id_password2", "una-clave-larga-99")
    page.locator("[data-testid=signup-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/wallet/$"))
    expect(page.get_by_test_id("wallet-balance")).to_have_text("$0")

    page.get_by_test_id("account-menu").locator("summary").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("nav-login").click()
    expect(page.locator("h1")).to_have_text(text["login"])
    page.fill("#id_username", f"paula_{language}")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()

    page.get_by_test_id("nav-wallet").click()
    page.get_by_test_id("deposit-amount").fill("abc")
    page.get_by_test_id("deposit-submit").click()
    expect(page.get_by_test_id("deposit-error")).to_be_visible()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("$0")

    page.get_by_test_id("deposit-amount").fill("25.000")
    page.get_by_test_id("deposit-submit").click()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("$25.000")
    expect(page.get_by_test_id("nav-balance")).to_have_text("$25.000")
    expect(page.locator(".message-success")).to_contain_text(text["added"])
    expect(page.get_by_role("heading", name=text["balance_label"], exact=True)).to_be_visible()
    expect(page.get_by_test_id("ledger").locator("tbody tr")).to_have_count(1)
