"""axe-core (the engine bundled by axe-playwright-python) in Chromium finds no serious or
critical WCAG violation on the pages a buyer uses, in Spanish and in English."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from events.models import Event
from payments.models import Purchase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _serious(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def _pages() -> dict[str, str]:
    event = Event.objects.first()
    purchase = Purchase.objects.filter(status="validated").first()
    return {
        "catalogue": "/events/",
        "event": event.get_absolute_url(),
        "wallet": "/wallet/",
        "purchases": "/purchases/",
        "purchase": purchase.get_absolute_url(),
        "account": "/accounts/",
        "password change": "/accounts/password/",
    }


@pytest.mark.parametrize("language", ["es", "en"])
def test_buyer_pages_have_no_serious_violations(shopper, page: Page, language):
    if language == "en":
        page.get_by_test_id("language").select_option("en")
        page.wait_for_selector("html[lang=en]")
    found = {}
    for name, path in _pages().items():
        page.goto(f"{shopper}{path}")
        found[name] = _serious(page)

    assert found == {name: [] for name in found}


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_auth_pages_have_no_serious_violations(live_server, page: Page, path):
    page.goto(f"{live_server.url}{path}")

    assert _serious(page) == []


def test_the_check_finds_a_real_violation(live_server, page: Page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.querySelector('#id_username').labels.forEach(l => l.remove())")

    assert any(v.startswith("label") for v in _serious(page))
