"""Door staff in real Chromium: a phone's camera reads the QR code (BarcodeDetector, stubbed
here with the code it would read) and the page checks it in; without BarcodeDetector the
field still keeps the focus for a scanner (the camera falls back to the bundled jsQR:
test_check_in_camera_fallback.py)."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from events.models import Event
from payments.delivery.codes import ticket_code_make
from payments.delivery.models import CheckIn
from payments.models import PurchaseStatus as S

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "una-clave-larga-99"


@pytest.fixture
def door_page(live_server, page: Page, make_user):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Door staff")
    group.permissions.add(Permission.objects.get(codename="add_checkin"))
    porter = make_user("portera", password=PASSWORD)
    porter.groups.add(group)

    def open_page(init_script: str | None = None) -> Page:
        if init_script:
            page.add_init_script(init_script)
        page.goto(f"{live_server.url}/accounts/login/?next=/staff/check-in/")
        page.fill("#id_username", "portera")
        page.fill("#id_password", PASSWORD)
        page.locator("[data-testid=login-form] button[type=submit]").click()
        expect(page.get_by_test_id("check-in-form")).to_be_visible()
        return page

    return open_page


@pytest.fixture
def todays_code(make_purchase):
    purchase = make_purchase(S.VALIDATED, quantity=1)
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12))
    Event.objects.filter(pk=purchase.event_id).update(date=timezone.make_aware(noon))
    return ticket_code_make(purchase_id=purchase.pk, index=1)


def _camera_that_reads(code: str) -> str:
    return f"""
      window.BarcodeDetector = class {{
        constructor(options) {{ this.options = options; }}
        async detect(source) {{ return [{{ rawValue: {json.dumps(code)}, format: "qr_code" }}]; }}
      }};
      navigator.mediaDevices.getUserMedia = async () => {{
        const canvas = document.createElement("canvas");
        canvas.width = 64; canvas.height = 64;
        canvas.getContext("2d").fillRect(0, 0, 64, 64);
        return canvas.captureStream();
      }};
    """


def test_the_camera_reads_a_ticket_and_checks_it_in(door_page, todays_code):
    page = door_page(_camera_that_reads(todays_code))

    page.get_by_test_id("check-in-camera").click()

    expect(page.get_by_test_id("check-in-result")).to_have_attribute("data-outcome", "valid")
    assert CheckIn.objects.count() == 1


def test_without_barcode_detector_the_field_keeps_the_focus_for_a_scanner(door_page, todays_code):
    page = door_page("delete window.BarcodeDetector;")

    expect(page.get_by_test_id("check-in-camera")).to_be_visible()  # the bundled jsQR reads
    expect(page.get_by_test_id("check-in-code")).to_be_focused()
    page.keyboard.type(todays_code)  # what a keyboard-wedge scanner does
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("check-in-result")).to_have_attribute("data-outcome", "valid")
    expect(page.get_by_test_id("check-in-code")).to_be_focused()
