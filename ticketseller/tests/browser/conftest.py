"""The browser tests' shopper: a logged-in buyer with purchases and wallet movements."""

import pytest
from playwright.sync_api import Page, expect

from payments.models import PurchaseStatus as S
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

PASSWORD = "una-clave-larga-99"


@pytest.fixture
def shopper(live_server, page: Page, make_user, make_event):
    """A logged-in buyer with two purchases (one confirmed) and a few wallet movements."""
    user = make_user("antonia", password=PASSWORD, first_name="Antonia", last_name="Zúñiga")
    wallet_deposit(wallet_id=user.wallet.pk, amount=200_000, reference="Deposit from the website")
    event = make_event(name="Festival de Viña: noche de la cumbia chilena", price=25_000)
    confirmed = purchase_create(user=user, event_pk=event.pk, quantity=2)
    for to in (S.SOLVING, S.SUBMITTED, S.VALIDATED):
        purchase_transition(purchase_id=confirmed.pk, to=to, reason="test")
    purchase_create(user=user, event_pk=event.pk, quantity=1)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "antonia")
    page.fill("#id_password", PASSWORD)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page.get_by_test_id("nav-balance")).to_be_visible()
    return live_server.url
