"""The review step in real Chromium: "Comprar" opens a modal dialog that takes the focus and
is described by the summary; Escape and "Cancelar" buy nothing; "Confirmar compra" buys once."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres"),
]


@pytest.fixture
def on_the_event_page(live_server, page: Page, make_user, make_event):
    event = make_event(price=25_000)
    shopper = make_user("sofia", password="una-clave-larga-99")
    wallet_deposit(wallet_id=shopper.wallet.pk, amount=100_000)
    page.goto(f"{live_server.url}/accounts/login/?next={event.get_absolute_url()}")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("buy-form")).to_be_visible()
    # The form shows before its deferred script has run; a click then is the page without
    # script (a real visitor's fallback: "Buy" posts to the review page), not the dialog.
    page.wait_for_load_state("load")
    return page


def test_buy_opens_an_announced_confirm_step_and_confirming_buys_once(on_the_event_page):
    page = on_the_event_page
    page.get_by_test_id("buy-quantity").select_option("2")
    page.get_by_test_id("buy-submit").click()

    dialog = page.get_by_role("dialog", name="Confirma tu compra")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_accessible_description(
        "2 entradas × $25.000 = $50.000, tu saldo después: $50.000"
    )
    expect(page.get_by_test_id("buy-confirm")).to_be_focused()
    assert not Purchase.objects.exists()

    page.get_by_role("button", name="Confirmar compra").click()

    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))
    assert Purchase.objects.get().quantity == 2


def test_escape_and_cancel_close_the_step_without_buying(on_the_event_page):
    page = on_the_event_page
    dialog = page.get_by_test_id("buy-confirm-dialog")

    page.get_by_test_id("buy-submit").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("buy-submit")).to_be_focused()

    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("buy-submit")).to_be_focused()
    assert not Purchase.objects.exists()


def _serious_violations(page: Page) -> list[str]:
    wcag_aa = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    violations = Axe().run(page, options=wcag_aa).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def test_the_confirm_step_and_the_review_page_pass_axe_and_the_page_buys(on_the_event_page):
    page = on_the_event_page
    page.get_by_test_id("buy-submit").click()
    expect(page.get_by_test_id("buy-confirm-dialog")).to_be_visible()
    assert _serious_violations(page) == []

    page.get_by_test_id("buy-cancel").click()
    page.evaluate("document.querySelector('[data-testid=buy-form]').submit()")  # as without JS
    expect(page.get_by_test_id("buy-review")).to_be_visible()
    assert _serious_violations(page) == []
    assert not Purchase.objects.exists()

    page.get_by_test_id("review-confirm").click()
    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))
    assert Purchase.objects.count() == 1
