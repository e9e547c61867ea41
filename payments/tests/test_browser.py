"""A shopper in real Chromium: log in, buy, and watch the purchase reach "validated" live."""

import re

import pytest
from playwright.sync_api import Page, expect

from events.models import Event
from payments.tests.stack import ticket_when_ready
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres"),
]


def test_buy_and_watch_the_status_change_without_reloading(stack, page: Page, make_user):
    stack.processes.jobs_worker()
    stack.processes.challenge_worker("w1")
    stack.processes.challenge_worker("w2")
    stack.wait_workers(2)
    user = make_user("sofia", password="una-clave-larga-99")
    wallet_deposit(wallet_id=user.wallet.pk, amount=500_000)
    event = Event.objects.order_by("-available").first()

    page.goto(f"{stack.web_url}/accounts/login/")
    page.fill("#id_username", "sofia")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    indicator = page.get_by_test_id("workers-indicator")
    expect(indicator).to_have_class(re.compile(r"\bup\b"))
    expect(indicator).to_contain_text("Pagos en línea")

    page.goto(f"{stack.web_url}/events/{event.pk}/")
    page.get_by_test_id("buy-quantity").select_option("2")
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the review step
    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))
    page.evaluate("window.__samePage = true")  # gone if the page reloads

    status = page.get_by_test_id("purchase-status")
    expect(status).to_have_text("Pago confirmado", timeout=20_000)
    assert page.evaluate("window.__samePage === true")
    expect(page.get_by_test_id("purchase-progress")).to_have_js_property("value", 100)
    expect(page.get_by_test_id("nav-balance")).to_have_text(
        f"${500_000 - 2 * event.price:,}".replace(",", ".")
    )

    # Workers gone: the indicator turns red within seconds, without a reload.
    stack.processes.stop("w1")
    stack.processes.stop("w2")
    expect(indicator).to_have_class(re.compile(r"\bdown\b"), timeout=15_000)


def test_buy_then_download_the_ticket_pdf(stack, page: Page, make_user):
    stack.processes.jobs_worker()
    stack.processes.challenge_worker("w1")
    stack.wait_workers(1)
    user = make_user("tomas", password="una-clave-larga-99", first_name="Tomás")
    wallet_deposit(wallet_id=user.wallet.pk, amount=500_000)
    event = Event.objects.order_by("-available").first()

    page.goto(f"{stack.web_url}/accounts/login/?next=/events/{event.pk}/")
    page.fill("#id_username", "tomas")
    page.fill("#id_password", "una-clave-larga-99")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the review step

    link = page.get_by_test_id("ticket-link")
    expect(link).to_be_visible(timeout=30_000)  # appears once validated and rendered
    response = ticket_when_ready(page, link.get_attribute("href"))  # the browser's session
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"{stack.web_url}/purchases/")
    expect(page.get_by_test_id("ticket-link").first).to_be_visible()
