"""The buyer's whole path in real Chromium, on a 390 px phone and a 1366 px laptop, in Spanish
and English: sign up, add money, find the event, buy, watch the payment confirmed live and
download the tickets, with no sideways scrolling on any page on the way. Also the two paths
that end elsewhere: short funds lead to a pre-filled deposit and back to the same quantity;
a rejected payment says so in the buyer's words, with the money given back."""

import re

import pytest
from playwright.sync_api import Page, expect

from events.models import Event
from payments.tests.stack import ticket_when_ready as download
from wallet.services import wallet_deposit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("requires_postgres"),
]

PASSWORD = "una-clave-larga-99"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
TEXT = {
    "es": {
        "added": "Se agregaron $200.000 a tu billetera.",
        "confirmed": "Pago confirmado",
        "download": "Descargar entradas (2)",
        "rejected": "Pago rechazado",
        "refunded": "te devolvimos {amount} a tu billetera",
    },
    "en": {
        "added": "$200.000 added to your wallet.",
        "confirmed": "Payment confirmed",
        "download": "Download tickets (2)",
        "rejected": "Payment rejected",
        "refunded": "we refunded {amount} to your wallet",
    },
}


def clp(amount: int) -> str:
    return f"${amount:,}".replace(",", ".")


def assert_fits(page: Page) -> None:
    """No sideways scrolling: the page is no wider than the window (as test_layout.py checks),
    measured once the page has loaded (its styles, poster and scripts)."""
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, f"{page.url} scrolls sideways: {widths}"


def assert_across_reach(page: Page, locator) -> None:
    """The element is not cut off left or right: reachable by scrolling down only."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def open_menu(page: Page) -> None:
    """On a phone the header's links sit behind the ☰ button."""
    toggle = page.locator(".nav-toggle-label")
    if toggle.is_visible() and not page.locator(".main-nav").is_visible():
        toggle.click()


def choose_language(page: Page, language: str) -> None:
    if language != "es":
        open_menu(page)
        page.get_by_test_id("language").select_option(language)
    expect(page.locator("html")).to_have_attribute("lang", language)


def log_in(page: Page, url: str, username: str, next_path: str) -> None:
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))
    page.wait_for_load_state("load")  # the buy box's script listens before we choose


def sign_up(page: Page, username: str) -> None:
    """From the header's menu to the wallet page of a new account."""
    open_menu(page)
    page.get_by_test_id("nav-signup").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    assert_fits(page)
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.cl")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("[data-testid=signup-form] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/wallet/$"))
    assert_fits(page)


def start_pipeline(stack) -> None:
    stack.processes.jobs_worker()
    stack.processes.challenge_worker("w1")
    stack.wait_workers(1)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1366x900"])
def test_a_new_buyer_signs_up_buys_and_downloads_without_scrolling_sideways(
    stack, page: Page, viewport, language
):
    text = TEXT[language]
    start_pipeline(stack)
    event = Event.objects.filter(price__gt=0).order_by("-available").first()
    page.set_viewport_size(viewport)
    page.goto(stack.web_url)
    choose_language(page, language)
    assert_fits(page)

    sign_up(page, f"renata_{language}")

    page.get_by_test_id("deposit-amount").fill("200.000")
    page.get_by_test_id("deposit-submit").click()
    expect(page.get_by_test_id("wallet-balance")).to_have_text("$200.000")
    expect(page.locator(".message-success")).to_contain_text(text["added"])
    assert_fits(page)

    page.goto(f"{stack.web_url}/events/")
    assert_fits(page)
    page.get_by_test_id("search").fill(event.name)
    page.get_by_test_id("search").press("Enter")
    card = page.get_by_test_id("event-card").filter(
        has=page.get_by_role("heading", name=event.name, exact=True)
    )
    card.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(event.get_absolute_url())}$"))
    assert_fits(page)

    page.get_by_test_id("buy-quantity").select_option("2")
    expect(page.get_by_test_id("buy-total")).to_have_text(clp(2 * event.price))
    expect(page.get_by_test_id("buy-balance-after")).to_have_text(clp(200_000 - 2 * event.price))
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the review step
    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))
    assert_fits(page)

    expect(page.get_by_test_id("purchase-status")).to_have_text(text["confirmed"], timeout=30_000)
    link = page.get_by_test_id("ticket-link")
    expect(link).to_have_text(text["download"], timeout=30_000)
    assert_across_reach(page, link)
    expect(page.get_by_test_id("nav-balance")).to_have_text(clp(200_000 - 2 * event.price))
    assert_fits(page)
    response = download(page, link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(f"{stack.web_url}/purchases/")
    expect(page.get_by_test_id("ticket-link").first).to_have_text(text["download"])
    assert_fits(page)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1366x900"])
def test_short_funds_lead_to_a_prefilled_deposit_and_back_to_the_same_quantity(
    live_server, page: Page, make_user, make_event, viewport
):
    user = make_user("bruno", password=PASSWORD)
    wallet_deposit(wallet_id=user.wallet.pk, amount=63_000)
    event = make_event(price=25_000)
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "bruno", event.get_absolute_url())

    page.get_by_test_id("buy-quantity").select_option("3")
    short = page.get_by_test_id("buy-short")
    expect(short).to_be_visible()
    expect(short).to_contain_text("Te faltan $12.000.")
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the server refuses and says the same

    expect(page).to_have_url(re.compile(rf"{re.escape(event.get_absolute_url())}\?quantity=3$"))
    expect(page.locator(".messages")).to_contain_text("Te faltan $12.000 para esta compra")
    expect(page.get_by_test_id("buy-quantity")).to_have_value("3")
    assert_fits(page)
    top_up = page.get_by_test_id("buy-top-up")
    assert_across_reach(page, top_up)
    top_up.click()

    expect(page).to_have_url(re.compile(r"/wallet/\?"))
    expect(page.get_by_test_id("deposit-amount")).to_have_value("12.000")
    assert_fits(page)
    page.get_by_test_id("deposit-submit").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(event.get_absolute_url())}\?quantity=3$"))
    expect(page.get_by_test_id("buy-quantity")).to_have_value("3")
    expect(page.get_by_test_id("buy-short")).to_be_hidden()
    expect(page.get_by_test_id("buy-balance-after")).to_have_text("$0")
    assert_fits(page)


@pytest.mark.parametrize(
    ("viewport", "language"), [(PHONE, "es"), (LAPTOP, "en")], ids=["390x844-es", "1366x900-en"]
)
def test_a_rejected_payment_shows_the_refund_and_no_finished_progress(
    stack, page: Page, make_user, viewport, language
):
    text = TEXT[language]
    stack.switches(reject_rate=1.0)
    start_pipeline(stack)
    user = make_user("carla", password=PASSWORD)
    wallet_deposit(wallet_id=user.wallet.pk, amount=500_000)
    event = Event.objects.filter(price__gt=0).order_by("-available").first()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": stack.web_url}])
    page.set_viewport_size(viewport)
    log_in(page, stack.web_url, "carla", event.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.get_by_test_id("buy-quantity").select_option("2")
    page.get_by_test_id("buy-submit").click()
    page.get_by_test_id("buy-confirm").click()  # the review step
    expect(page).to_have_url(re.compile(r"/purchases/[0-9a-f-]{36}/$"))

    expect(page.get_by_test_id("purchase-status")).to_have_text(text["rejected"], timeout=30_000)
    refunded = text["refunded"].format(amount=clp(2 * event.price))
    expect(page.get_by_test_id("purchase-explain")).to_contain_text(refunded)
    expect(page.get_by_test_id("purchase-progress")).to_be_hidden()
    assert page.get_by_test_id("purchase-progress").evaluate("bar => bar.value") < 100
    expect(page.get_by_test_id("ticket-link")).to_have_count(0)
    expect(page.get_by_test_id("nav-balance")).to_have_text("$500.000")
    assert_fits(page)

    page.goto(f"{stack.web_url}/wallet/")
    expect(page.get_by_test_id("wallet-balance")).to_have_text("$500.000")
    assert_fits(page)
