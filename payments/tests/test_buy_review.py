"""The buy box's review step without JavaScript: "Buy" shows what the purchase costs and
leaves, creates nothing, and only "Confirm purchase" (same token) creates the purchase, once."""

import re

import pytest
from django.urls import reverse

from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db

TOKEN = "5d1b7f0c-2a8e-4c3b-9e6f-0a1b2c3d4e5f"


@pytest.fixture
def buyer(client, make_user):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=100_000)
    client.force_login(user)
    return client


def _review(client, event, quantity=2, **extra):
    form = {"quantity": quantity, "token": TOKEN, **extra}
    return client.post(reverse("payments:review", args=[event.pk]), form)


def _hidden(page: str, name: str) -> str | None:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    return match.group(1) if match else None


def _confirm_form(page: str) -> dict:
    form = page.split('data-testid="review-form"', 1)[1].split("</form>", 1)[0]
    return {name: _hidden(form, name) for name in ("token", "quantity", "admission_token")}


def test_the_event_page_buy_button_goes_to_the_review_step(buyer, make_event):
    event = make_event()
    page = buyer.get(event.get_absolute_url()).content.decode()
    assert f'action="{reverse("payments:review", args=[event.pk])}"' in page
    assert f'formaction="{reverse("payments:create", args=[event.pk])}"' in page
    assert "2 entradas × $25.000 = $50.000, tu saldo después: $50.000" in page


def test_the_review_page_shows_the_summary_and_creates_nothing(buyer, make_event):
    event = make_event(price=25_000)

    response = _review(buyer, event, quantity=2)

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 entradas × $25.000 = $50.000, tu saldo después: $50.000" in page
    assert _confirm_form(page) == {"token": TOKEN, "quantity": "2", "admission_token": None}
    assert not Purchase.objects.exists()


def test_confirming_on_the_review_page_creates_exactly_one_purchase(buyer, make_event):
    event = make_event()
    page = _review(buyer, event, quantity=2).content.decode()
    form = {k: v for k, v in _confirm_form(page).items() if v is not None}

    response = buyer.post(reverse("payments:create", args=[event.pk]), form)

    purchase = Purchase.objects.get()
    assert response.status_code == 302 and response.url == purchase.get_absolute_url()
    assert purchase.quantity == 2


def test_confirming_twice_with_the_same_token_creates_one_purchase(buyer, make_event):
    event = make_event()
    page = _review(buyer, event, quantity=1).content.decode()
    form = {k: v for k, v in _confirm_form(page).items() if v is not None}
    url = reverse("payments:create", args=[event.pk])

    first, second = buyer.post(url, form), buyer.post(url, form)

    assert Purchase.objects.count() == 1
    assert first.url == second.url == Purchase.objects.get().get_absolute_url()


def test_cancel_goes_back_to_the_event_with_the_quantity_and_creates_nothing(buyer, make_event):
    event = make_event()
    page = _review(buyer, event, quantity=3).content.decode()

    cancel = re.search(r'href="([^"]+)" data-testid="review-cancel"', page).group(1)
    back = buyer.get(cancel).content.decode()

    assert cancel == f"{event.get_absolute_url()}?quantity=3"
    assert '<option value="3" selected>' in back
    assert not Purchase.objects.exists()


def test_the_review_keeps_the_admission_token_and_cancels_back_to_the_line(buyer, make_event):
    event = make_event()
    page = _review(buyer, event, quantity=1, admission_token="adm-123").content.decode()

    assert _confirm_form(page)["admission_token"] == "adm-123"
    assert f'href="{reverse("events:queue", args=[event.pk])}" data-testid="review-cancel"' in page


def test_a_review_of_too_many_tickets_says_how_many_are_left(buyer, make_event):
    event = make_event(capacity=10, available=2)

    response = _review(buyer, event, quantity=5)

    assert response.status_code == 302
    assert response.url == f"{event.get_absolute_url()}?quantity=5"
    assert "Solo quedan 2 entradas" in buyer.get(response.url).content.decode()
    assert not Purchase.objects.exists()


def test_on_short_funds_the_review_says_what_is_missing_not_a_negative_balance(buyer, make_event):
    event = make_event(price=40_000)

    page = _review(buyer, event, quantity=3).content.decode()

    assert "3 entradas × $40.000 = $120.000, te faltan $20.000" in page
    assert 'data-testid="buy-top-up"' in page
