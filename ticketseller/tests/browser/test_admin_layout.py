"""The admin's list pages at a laptop's 1366 px: every column on screen, no sideways scrolling."""

import pytest
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTS = [
    "/admin/payments/purchase/",
    "/admin/payments/ticketfile/",
    "/admin/payments/notification/",
    "/admin/payments/checkin/",
    "/admin/events/event/",
    "/admin/wallet/wallet/",
    "/admin/challenge_worker/masterjob/",
]


@pytest.mark.parametrize("path", LISTS)
def test_admin_lists_fit_a_1366_px_screen(shopper, page: Page, django_user_model, path):
    django_user_model.objects.filter(username="antonia").update(is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    response = page.goto(f"{shopper}{path}")

    assert response is not None and response.status == 200
    tables = "[...document.querySelectorAll('#result_list')]"
    overflow = page.evaluate(
        f"Math.max(document.documentElement.scrollWidth,"
        f" ...{tables}.map(t => t.getBoundingClientRect().right)) - window.innerWidth"
    )
    assert overflow <= 1, f"{path} is {overflow:.0f} px wider than the screen"
