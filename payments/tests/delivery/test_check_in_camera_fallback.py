"""Door staff in real Chromium without BarcodeDetector: the camera still reads tickets, with
the jsQR library bundled in our static files (nothing loaded from another host). The camera
is a canvas stream showing a ticket's QR code, drawn by the same encoder as the PDF ticket."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Event
from lambda_pdf.ticket import qr_modules
from payments.delivery.codes import ticket_code_make
from payments.delivery.models import CheckIn
from payments.models import PurchaseStatus as S

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "una-clave-larga-99"

# Draws a QR matrix (rows of 0/1) on a canvas, 8 px a module with a 4-module quiet zone.
DRAW_QR = """
  window.__drawQr = (matrix) => {
    const scale = 8, quiet = 4, size = (matrix.length + 2 * quiet) * scale;
    const canvas = document.createElement("canvas");
    canvas.width = size; canvas.height = size;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; context.fillRect(0, 0, size, size);
    context.fillStyle = "#000";
    matrix.forEach((row, y) => row.forEach((dark, x) => {
      if (dark) context.fillRect((x + quiet) * scale, (y + quiet) * scale, scale, scale);
    }));
    return canvas;
  };
"""


def _qr_matrix(code: str) -> list[list[int]]:
    return [[int(bool(dark)) for dark in row] for row in qr_modules(code)]


def _without_detector_with_a_camera_showing(matrix) -> str:
    """No BarcodeDetector; the camera films the QR code (a canvas redrawn as a live stream)."""
    return f"""
      delete window.BarcodeDetector;
      {DRAW_QR}
      navigator.mediaDevices.getUserMedia = async () => {{
        const qr = window.__drawQr({json.dumps(matrix)});
        const canvas = document.createElement("canvas");
        canvas.width = 480; canvas.height = 360;
        const context = canvas.getContext("2d");
        const paint = () => {{
          context.fillStyle = "#fff"; context.fillRect(0, 0, 480, 360);
          context.drawImage(qr, 60, 20, 320, 320);
        }};
        paint();
        setInterval(paint, 50);
        return canvas.captureStream(20);
      }};
    """


@pytest.fixture
def todays_code(make_purchase):
    purchase = make_purchase(S.VALIDATED, quantity=1)
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12))
    Event.objects.filter(pk=purchase.event_id).update(date=timezone.make_aware(noon))
    return ticket_code_make(purchase_id=purchase.pk, index=1)


@pytest.fixture
def door_page(live_server, page: Page, make_user):
    """Opens the check-in page as door staff; records every request to another host."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Door staff")
    group.permissions.add(Permission.objects.get(codename="add_checkin"))
    make_user("portera", password=PASSWORD).groups.add(group)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )

    def open_page(init_script: str) -> Page:
        page.add_init_script(init_script)
        page.goto(f"{live_server.url}/accounts/login/?next=/staff/check-in/")
        page.fill("#id_username", "portera")
        page.fill("#id_password", PASSWORD)
        page.locator("[data-testid=login-form] button[type=submit]").click()
        expect(page.get_by_test_id("check-in-form")).to_be_visible()
        return page

    open_page.outside = outside
    return open_page


def test_without_barcode_detector_the_bundled_reader_decodes_a_ticket_qr(door_page, todays_code):
    page = door_page(f"delete window.BarcodeDetector; {DRAW_QR}")

    decoded = page.evaluate(
        "(matrix) => window.checkInDecodeFrame(window.__drawQr(matrix))",
        _qr_matrix(todays_code),
    )

    assert decoded == todays_code
    assert page.evaluate("typeof window.jsQR") == "function"  # loaded from our static files
    assert door_page.outside == []


def test_without_barcode_detector_the_camera_reads_a_ticket_and_checks_it_in(
    door_page, todays_code
):
    page = door_page(_without_detector_with_a_camera_showing(_qr_matrix(todays_code)))

    page.get_by_test_id("check-in-camera").click()

    expect(page.get_by_test_id("check-in-result")).to_have_attribute("data-outcome", "valid")
    assert CheckIn.objects.count() == 1
    assert door_page.outside == []


def test_the_check_in_page_loads_no_script_from_another_host(door_page, todays_code, live_server):
    page = door_page("delete window.BarcodeDetector;")

    sources = page.eval_on_selector_all("script[src]", "scripts => scripts.map(s => s.src)")
    jsqr = page.get_by_test_id("check-in-camera").get_attribute("data-jsqr-src")

    assert sources and all(src.startswith(f"{live_server.url}/static/") for src in sources)
    assert jsqr.startswith("/static/vendor/jsqr/")
    assert page.request.get(f"{live_server.url}{jsqr}").status == 200
    assert door_page.outside == []
