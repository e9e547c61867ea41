"""The purchase page in the buyer's words: what is happening, a progress that is full only
once paid, the refund on failure, where the tickets went, and what screen readers hear."""

import pytest

from payments.models import PurchaseStatus
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
S = PurchaseStatus
PATHS = {
    S.RESERVED: [],
    S.SOLVING: [S.SOLVING],
    S.VALIDATED: [S.SOLVING, S.SUBMITTED, S.VALIDATED],
    S.REJECTED: [S.SOLVING, S.SUBMITTED, S.REJECTED],
    S.EXPIRED: [S.SOLVING, S.EXPIRED],
}


@pytest.fixture
def buyer(make_user):
    return make_user("valentina", email="valentina@example.cl")


@pytest.fixture
def page_of(client, buyer, make_event):
    """The purchase page of a purchase of `quantity` tickets at $25.000 in `status`."""
    client.force_login(buyer)

    def page(status: str, *, quantity: int = 2, language: str = "es") -> str:
        wallet_deposit(wallet_id=buyer.wallet.pk, amount=25_000 * quantity)
        event = make_event(name="Los Tres en el Movistar Arena", price=25_000)
        purchase = purchase_create(user=buyer, event_pk=event.pk, quantity=quantity)
        for to in PATHS[status]:
            purchase, _ = purchase_transition(purchase_id=purchase.pk, to=to, reason="test")
        response = client.get(purchase.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
        if language != "es":
            client.post("/i18n/setlang/", {"language": language})
            response = client.get(purchase.get_absolute_url())
        assert response.status_code == 200
        return response.content.decode()

    return page


def _progress_value(page: str) -> int:
    bar = page.split('data-testid="purchase-progress"', 1)[0].rsplit("<progress", 1)[1]
    return int(bar.split('value="', 1)[1].split('"', 1)[0])


def test_a_purchase_in_flight_says_we_are_confirming_and_is_not_complete(page_of):
    page = page_of(S.SOLVING)

    assert "Confirmando tu pago…" in page
    assert "Resolviendo" not in page and "desafíos" not in page
    assert 0 < _progress_value(page) < 100
    assert 'aria-label="Progreso del pago"' in page
    assert 'data-testid="purchase-delayed" hidden' in page  # shown when payments are down


def test_a_confirmed_purchase_says_so_and_where_the_tickets_went(page_of):
    page = page_of(S.VALIDATED, quantity=2)

    assert "Pago confirmado" in page
    assert _progress_value(page) == 100
    assert "Te enviamos tus entradas a valentina@example.cl." in page
    assert 'data-testid="purchase-emailed" hidden' not in page
    assert "Descargar entradas (2)" in page


def test_one_ticket_is_downloaded_in_the_singular(page_of):
    page = page_of(S.VALIDATED, quantity=1)

    assert "Descargar entrada<" in page.replace("\n", "")


def test_a_rejected_purchase_shows_the_refund_and_no_full_bar(page_of):
    page = page_of(S.REJECTED, quantity=2)

    assert "Pago rechazado — te devolvimos $50.000 a tu billetera." in page
    progress_wrap = page.split('data-role="progress-wrap"', 1)[1].split(">", 1)[0]
    assert "hidden" in progress_wrap
    assert 'data-testid="purchase-emailed" hidden' in page


def test_an_expired_purchase_shows_the_refund(page_of):
    page = page_of(S.EXPIRED, quantity=1)

    assert "te devolvimos $25.000" in page
    assert "Pago no completado" in page


def test_the_page_speaks_english_too(page_of):
    page = page_of(S.REJECTED, quantity=2, language="en")

    assert "Payment rejected — we refunded $50.000 to your wallet." in page


def test_only_the_status_is_a_live_region_and_a_skip_link_leads_to_the_content(page_of):
    page = page_of(S.SOLVING)

    assert page.count("aria-live") == 1
    announce = page.split('aria-live="polite"', 1)[1].split("</div>", 1)[0]
    assert 'data-testid="purchase-status"' in announce
    indicator = page.split('data-testid="workers-indicator"', 1)[1].split(">", 1)[0]
    assert "aria-live" not in indicator
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page


def test_the_purchases_list_uses_the_same_words_and_plural_downloads(page_of, client):
    page_of(S.VALIDATED, quantity=3)

    listing = client.get("/purchases/").content.decode()

    assert "Pago confirmado" in listing
    assert "Descargar entradas (3)" in listing
    assert "<th></th>" not in listing


def test_workers_indicator_speaks_of_payments_for_buyers(page_of):
    page = page_of(S.SOLVING)

    assert 'data-label-up="Pagos en línea"' in page
    assert 'data-label-down="Pagos con demora"' in page
    assert "data-label-up-staff" not in page
