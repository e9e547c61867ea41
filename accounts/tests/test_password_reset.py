"""Password reset end to end through a real SMTP server (aiosmtpd on a free port): the link
arrives, sets a new password once, and the same link no longer works afterwards."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import AccountProfile
from accounts.services import user_token

pytestmark = pytest.mark.django_db

RESET, SENT = "/accounts/password/reset/", "/accounts/password/reset/sent/"
OLD, NEW = "s3cret-pass-123", "nueva-clave-larga-42"
LINK = re.compile(r"https://tickets\.example\.cl(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def smtp(smtp, settings):
    """The shared SMTP server (conftest.py), and the shop's name and address in the links."""
    settings.SELLER_NAME = "Productora Andes"
    settings.SITE_URL = "https://tickets.example.cl"
    return smtp


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _ask_for_a_link(client, address: str) -> None:
    response = client.post(RESET, {"email": address})
    assert response.status_code == 302 and response["Location"] == SENT


def _link_from(inbox) -> str:
    [(_, message)] = inbox.messages
    [path] = set(LINK.findall(_text(message)))
    assert f"https://tickets.example.cl{path}" in _html(message)
    return path


def _open(client, path: str):
    """Django moves the token from the link into the session and redirects to a form."""
    return client.get(path, follow=True)


def _set_password(client, form_page, password: str = NEW):
    url = form_page.redirect_chain[-1][0]
    return client.post(url, {"new_password1": password, "new_password2": password})


def test_the_emailed_link_sets_a_new_password_once(client, user, smtp):
    user_token(user=user)  # an API token made with the old password
    _ask_for_a_link(client, "ALICE@example.com")  # the address in any case

    [(recipients, message)] = smtp.messages
    assert recipients == ["alice@example.com"]
    assert message["From"] == "Productora Andes <entradas@andes.example.cl>"
    assert message["Subject"] == "Productora Andes: elige una contraseña nueva"
    assert "Hola alice" in _text(message).replace(",", "")
    assert "sirve una sola vez" in _text(message)
    link = _link_from(smtp)

    late = Client()  # another tab that opened the link before it was used
    late_form = _open(late, link)
    form_page = _open(client, link)
    assert form_page.context["validlink"] and late_form.context["validlink"]
    done = _set_password(client, form_page)
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"

    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(OLD)
    assert not Token.objects.filter(user=user).exists()
    fresh = Client()
    assert fresh.post("/accounts/login/", {"username": "alice", "password": NEW}).status_code == 302

    # The same link, and the tab opened before, no longer set anything.
    again = _open(Client(), link)
    assert not again.context["validlink"]
    assert "Este enlace ya no sirve" in again.content.decode()
    refused = _set_password(late, late_form, "tercera-clave-larga-13")
    assert refused.status_code == 200 and not refused.context["validlink"]
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_the_email_is_in_the_language_the_account_chose(client, user, smtp):
    AccountProfile.objects.create(user=user, language="en")

    _ask_for_a_link(client, "alice@example.com")  # asked from the Spanish site

    [(_, message)] = smtp.messages
    assert message["Subject"] == "Productora Andes: choose a new password"
    assert "Hello alice," in _text(message)
    assert "it works once" in _text(message)
    assert '<html lang="en">' in _html(message)


def test_without_a_choice_the_email_speaks_the_language_of_the_page(client, user, smtp):
    client.cookies["django_language"] = "en"

    _ask_for_a_link(client, "alice@example.com")

    [(_, message)] = smtp.messages
    assert message["Subject"] == "Productora Andes: choose a new password"


def test_an_unknown_email_gets_the_same_answer_and_no_message(client, user, smtp):
    _ask_for_a_link(client, "nobody@example.com")

    assert smtp.messages == []


def test_the_pages_speak_spanish_with_tu(client):
    page = client.get(RESET).content.decode()
    assert "¿Olvidaste tu contraseña?" in page and "Envíame el enlace" in page
    assert "Introduzca" not in page and "su correo" not in page
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()


def test_a_fourth_request_for_one_address_within_the_hour_sends_nothing(
    client, user, make_user, smtp, settings
):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 3
    make_user("bruno", email="bruno@example.cl")
    for _ in range(4):
        _ask_for_a_link(client, "alice@example.com")  # the same answer every time
    _ask_for_a_link(client, "bruno@example.cl")

    recipients = [to for to, _ in smtp.messages]
    assert recipients == [["alice@example.com"]] * 3 + [["bruno@example.cl"]]


def test_one_ip_asking_for_many_addresses_is_stopped(client, make_user, smtp, settings):
    settings.PASSWORD_RESET_MAX_PER_IP = 2
    for name in ("ana", "bea", "carla"):
        make_user(name, email=f"{name}@example.cl")
        _ask_for_a_link(client, f"{name}@example.cl")

    assert len(smtp.messages) == 2
