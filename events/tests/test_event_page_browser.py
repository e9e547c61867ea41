"""The event page with all its details, in real Chromium: readable on a 390 px phone and at
1366 px (no sideways scrolling, the poster drawn, the calendar link in reach) and without
serious or critical axe-core violations, in Spanish and English."""

import datetime as dt
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def detailed(make_event):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    for n in range(3):
        make_event(name=f"Teatro {n}", category="theatre", date=start + dt.timedelta(hours=n))
    return make_event(
        name="Orquesta Filarmónica de Santiago: Novena de Beethoven, función extraordinaria",
        date=start,
        location="Teatro Municipal de Santiago, Santiago",
        address="Agustinas 794, Santiago",
        category="concert",
        description="Función con intermedio de 15 minutos; se ruega llegar antes de la hora.",
        doors_at=start - dt.timedelta(minutes=30),
    )


def _serious(page: Page) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("language", ["es", "en"])
def test_the_event_page_fits_the_screen_and_has_no_serious_violations(
    live_server, page: Page, detailed, width, language
):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.set_viewport_size({"width": width, "height": 900})
    for path in (detailed.get_absolute_url(), "/events/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)

        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert _serious(page) == []
        if shots := os.environ.get("EVENT_PAGE_SCREENSHOTS"):  # for a person to look at
            name = "event" if path != "/events/" else "list"
            page.screenshot(path=f"{shots}/{name}-{language}-{width}.png", full_page=True)

    page.goto(f"{live_server.url}{detailed.get_absolute_url()}")
    expect(page.get_by_test_id("poster")).to_be_visible()
    link = page.get_by_test_id("add-to-calendar")
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == f"event-{detailed.pk}.ics"
