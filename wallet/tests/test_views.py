import pytest

from wallet.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def _token(client) -> str:
    return client.get("/wallet/").context["form"]["token"].value()


def test_the_wallet_page_needs_a_login(client):
    response = client.get("/wallet/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_new_user_sees_a_zero_balance(logged_in):
    response = logged_in.get("/wallet/")
    assert response.status_code == 200
    assert 'data-testid="wallet-balance">$0<' in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "expected"), [("25000", 25_000), ("25.000", 25_000), ("$1.500.000", 1_500_000)]
)
def test_adding_money_shows_the_new_balance_and_the_movement(logged_in, user, typed, expected):
    response = logged_in.post(
        "/wallet/", {"amount": typed, "token": _token(logged_in)}, follow=True
    )

    user.wallet.refresh_from_db()
    assert user.wallet.balance == expected
    page = response.content.decode()
    assert f"${expected:,}".replace(",", ".") in page
    assert response.context["page"].object_list[0].amount == expected


@pytest.mark.parametrize("typed", ["", "0", "-5", "10,5", "10.5", "abc", "5.000.001", "1e3"])
def test_bad_amounts_get_a_message_on_the_form_and_change_nothing(logged_in, user, typed):
    response = logged_in.post("/wallet/", {"amount": typed, "token": _token(logged_in)})

    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert 'data-testid="deposit-error"' in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_submitting_the_same_form_twice_deposits_once(logged_in, user):
    token = _token(logged_in)
    logged_in.post("/wallet/", {"amount": "1000", "token": token})
    logged_in.post("/wallet/", {"amount": "1000", "token": token})

    user.wallet.refresh_from_db()
    assert user.wallet.balance == 1_000
