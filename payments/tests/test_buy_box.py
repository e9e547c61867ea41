"""The buy box on the event page: what N tickets cost and leave, and errors that say what to
do (how much is missing, with a pre-filled link; how many are left), keeping the quantity."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from payments.models import Purchase
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_with(client, make_user):
    """A logged-in buyer's browser with `balance` pesos in the wallet."""

    def make(balance: int):
        user = make_user()
        if balance:
            wallet_deposit(wallet_id=user.wallet.pk, amount=balance)
        client.force_login(user)
        return client

    return make


def _buy(client, event, quantity, token="3b4b6a3e-3f0b-4a8b-9f5e-6c1e2f3a4b5c"):
    return client.post(
        reverse("payments:create", args=[event.pk]), {"quantity": quantity, "token": token}
    )


def _options(page: str) -> list[str]:
    select = page.split('data-testid="buy-quantity"', 1)[1].split("</select>", 1)[0]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[1:]]


def test_the_box_shows_unit_price_total_and_balance_before_and_after(buyer_with, make_event):
    browser = buyer_with(100_000)
    event = make_event(price=25_000)

    page = browser.get(event.get_absolute_url(), {"quantity": 3}).content.decode()

    assert 'data-testid="buy-unit-price">$25.000<' in page
    assert 'data-testid="buy-total" data-role="total">$75.000<' in page
    assert 'data-testid="buy-balance">$100.000<' in page
    assert 'data-testid="buy-balance-after" data-role="after">$25.000<' in page
    assert '<option value="3" selected>' in page
    assert 'data-testid="buy-short" data-role="short" hidden' in page  # enough money


def test_quantities_stop_at_the_seats_left_and_the_purchase_maximum(
    buyer_with, make_event, settings
):
    settings.PURCHASE_MAX_QUANTITY = 4
    browser = buyer_with(0)

    few_left = browser.get(make_event(capacity=10, available=2).get_absolute_url())
    many_left = browser.get(make_event(capacity=100).get_absolute_url())

    assert _options(few_left.content.decode()) == ["1", "2"]
    assert _options(many_left.content.decode()) == ["1", "2", "3", "4"]


def test_short_funds_say_how_much_is_missing_and_link_to_a_prefilled_deposit(
    buyer_with, make_event
):
    browser = buyer_with(63_000)
    event = make_event(price=25_000)

    response = _buy(browser, event, 3)

    assert not Purchase.objects.exists()
    assert response.status_code == 302
    assert response["Location"] == f"{event.get_absolute_url()}?quantity=3"
    page = browser.get(response["Location"]).content.decode()
    assert "Te faltan $12.000 para esta compra" in page
    assert 'data-template="Te faltan {amount}."' in page  # the words the page's script fills in
    assert '<option value="3" selected>' in page  # the chosen quantity survived
    link = page.split('data-testid="buy-top-up"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["amount"] == ["12000"]
    assert query["next"] == [f"{event.get_absolute_url()}?quantity=3"]
    wallet = browser.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="12.000"' in wallet
    assert f'name="next" value="{event.get_absolute_url()}?quantity=3"' in wallet


def test_adding_the_missing_money_goes_back_to_the_event_with_the_quantity(buyer_with, make_event):
    browser = buyer_with(63_000)
    event = make_event(price=25_000)
    back = f"{event.get_absolute_url()}?quantity=3"

    deposit = browser.post(
        reverse("wallet:detail"),
        {"amount": "12.000", "token": "0f0e7a0e-1111-4a8b-9f5e-6c1e2f3a4b5c", "next": back},
    )
    page = browser.get(deposit["Location"]).content.decode()

    assert deposit["Location"] == back
    assert 'data-testid="buy-balance-after" data-role="after">$0<' in page
    assert _buy(browser, event, 3).status_code == 302
    assert Purchase.objects.get().quantity == 3


def test_a_deposit_never_goes_back_to_another_site(buyer_with):
    browser = buyer_with(0)

    deposit = browser.post(
        reverse("wallet:detail"),
        {
            "amount": "1000",
            "token": "0f0e7a0e-2222-4a8b-9f5e-6c1e2f3a4b5c",
            "next": "https://evil.example/",
        },
    )

    assert deposit["Location"] == reverse("wallet:detail")


def test_asking_for_more_than_are_left_says_how_many_are_left(buyer_with, make_event):
    browser = buyer_with(1_000_000)
    event = make_event(capacity=10, available=2)

    response = _buy(browser, event, 5)
    page = browser.get(response["Location"]).content.decode()

    assert not Purchase.objects.exists()
    assert "Solo quedan 2 entradas" in page
    assert "Elige cuántas entradas comprar" not in page
    assert '<option value="2" selected>' in page


def test_asking_for_more_than_the_maximum_says_the_maximum(buyer_with, make_event, settings):
    settings.PURCHASE_MAX_QUANTITY = 4
    browser = buyer_with(1_000_000)
    event = make_event(capacity=100)

    page = browser.get(_buy(browser, event, 6)["Location"]).content.decode()

    assert "Puedes comprar hasta 4 entradas por compra" in page


def test_seats_gone_while_choosing_say_how_many_are_left_now(buyer_with, make_event):
    from events.models import Event

    browser = buyer_with(1_000_000)
    event = make_event(capacity=10, available=3)
    # The form allowed 3; another buyer takes two of them before this one clicks.
    page_form_check = browser.get(event.get_absolute_url())
    assert _options(page_form_check.content.decode()) == ["1", "2", "3"]
    Event.objects.filter(pk=event.pk).update(available=1)

    page = browser.get(_buy(browser, event, 3)["Location"]).content.decode()

    assert not Purchase.objects.exists()
    assert "Solo queda 1 entrada" in page


def test_an_anonymous_visitor_sees_the_price_and_no_balance(client, make_event):
    page = client.get(make_event(price=25_000).get_absolute_url()).content.decode()

    assert 'data-testid="buy-form"' not in page
    assert "$25.000" in page


def test_a_free_event_offers_no_buy_box_but_says_entry_is_free(buyer_with, make_event):
    page = buyer_with(0).get(make_event(price=0).get_absolute_url()).content.decode()

    assert 'data-testid="buy-form"' not in page
    assert "Entrada liberada" in page
