"""Words a Chilean buyer reads: "tú" everywhere (Django's auth texts included), dates with
"de", short months in lower case, and English in one consistent style."""

import datetime as dt
import zoneinfo

import pytest

from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")
USTED = ["Introduzca", "introduzca", "Su contraseña", "Por favor", "carácteres", "Asegúrese"]


def _english(client):
    client.post("/i18n/setlang/", {"language": "en"})


def test_a_failed_login_speaks_to_the_buyer_as_tu(client, make_user):
    make_user("catalina")

    page = client.post(
        "/accounts/login/", {"username": "catalina", "password": "wrong-password-1"}
    ).content.decode()

    assert "Escribe un usuario o correo y una contraseña correctos" in page
    assert not [word for word in USTED if word in page]


def test_the_signup_page_speaks_as_tu_without_typos(client):
    page = client.get("/accounts/signup/").content.decode()
    refused = client.post(
        "/accounts/signup/",
        {"username": "x y", "email": "x@example.cl", "password1": "1234", "password2": "1234"},
    ).content.decode()

    assert "Obligatorio. Hasta 150 caracteres" in page
    assert "Tu contraseña no puede tener solo números." in page
    assert not [word for word in USTED if word in page + refused]


def test_event_dates_read_the_chilean_way_and_english_is_consistent(client, make_event):
    event = make_event(date=dt.datetime(2026, 12, 4, 19, 30, tzinfo=SANTIAGO))

    spanish = client.get(event.get_absolute_url()).content.decode()
    _english(client)
    english = client.get(event.get_absolute_url()).content.decode()

    assert "viernes 4 de diciembre de 2026, 19:30" in spanish
    assert "Fri 4 Dec 2026, 19:30" in english
    assert "p.m." not in english


def test_the_catalogue_shows_weekday_day_and_month_with_de(client, make_event):
    make_event(name="Javiera Mena", date=dt.datetime(2026, 12, 4, 21, 0, tzinfo=SANTIAGO))

    page = client.get("/events/?date_from=2026-12-01").content.decode()

    assert "viernes 4 de diciembre, 21:00" in page


def test_the_purchases_list_writes_short_months_in_lower_case(client, make_user, make_event):
    from payments.services import purchase_create

    buyer = make_user()
    wallet_deposit(wallet_id=buyer.wallet.pk, amount=25_000)
    event = make_event(price=25_000, date=dt.datetime(2026, 12, 14, 20, 0, tzinfo=SANTIAGO))
    purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    client.force_login(buyer)

    page = client.get("/purchases/").content.decode()

    assert "14 dic 2026, 20:00" in page


def test_references_stored_in_english_are_shown_in_the_readers_language(client, make_user):
    from wallet.services import wallet_refund

    buyer = make_user()
    wallet_deposit(wallet_id=buyer.wallet.pk, amount=1_000, reference="API deposit")
    wallet_refund(
        wallet_id=buyer.wallet.pk, amount=500, reference="A1B2C3D4 · refund", idempotency_key="r1"
    )
    client.force_login(buyer)

    spanish = client.get("/wallet/").content.decode()
    _english(client)
    english = client.get("/wallet/").content.decode()

    assert "A1B2C3D4 · devolución" in spanish and "Depósito por la API" in spanish
    assert "· refund" not in spanish
    assert "A1B2C3D4 · refund" in english
