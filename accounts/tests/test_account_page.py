"""The account page: email (a new one needs the password) and the language for emails;
the password changed from there."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import AccountProfile
from accounts.services import user_token

pytestmark = pytest.mark.django_db

ACCOUNT, PASSWORD = "/accounts/", "/accounts/password/"
GOOD = "s3cret-pass-123"


def test_the_page_asks_a_visitor_to_log_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_shows_the_email_and_the_current_language(client, user):
    client.force_login(user)

    response = client.get(ACCOUNT)

    form = response.context["form"]
    assert form["email"].value() == "alice@example.com" and form["language"].value() == "es"
    assert 'href="/accounts/password/"' in response.content.decode()


def test_saving_keeps_the_new_email_and_language_and_switches_the_site(client, user):
    client.force_login(user)

    response = client.post(
        ACCOUNT,
        {"email": "Alice.New@Example.cl", "language": "en", "current_password": GOOD},
        follow=True,
    )

    user.refresh_from_db()
    assert user.email == "alice.new@example.cl"
    assert AccountProfile.objects.get(user=user).language == "en"
    assert client.cookies["django_language"].value == "en"
    assert "Your account is saved." in response.content.decode()


def test_a_new_email_without_the_password_is_refused(client, user):
    client.force_login(user)

    response = client.post(ACCOUNT, {"email": "thief@example.cl", "language": "es"})

    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert "current_password" in response.context["form"].errors


def test_the_language_alone_changes_without_the_password(client, user):
    client.force_login(user)

    response = client.post(ACCOUNT, {"email": "alice@example.com", "language": "en"})

    assert response.status_code == 302
    assert user.account_profile.language == "en"


def test_an_email_another_account_uses_is_refused(client, user, make_user):
    make_user("bruno", email="bruno@example.cl")
    client.force_login(user)

    response = client.post(
        ACCOUNT, {"email": "BRUNO@example.cl", "language": "es", "current_password": GOOD}
    )

    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert "Ya existe una cuenta con este correo." in str(response.context["form"].errors)


def test_saving_twice_keeps_one_profile(client, user):
    client.force_login(user)
    for _ in range(2):
        client.post(ACCOUNT, {"email": "alice@example.com", "language": "en"})

    assert AccountProfile.objects.filter(user=user).count() == 1


def test_changing_the_password_keeps_the_session_and_ends_the_api_token(client, user):
    user_token(user=user)
    client.force_login(user)

    response = client.post(
        PASSWORD,
        {
            "old_password": GOOD,
            "new_password1": "otra-clave-larga-77",
            "new_password2": "otra-clave-larga-77",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == ACCOUNT
    assert response.context["user"] == user  # still logged in
    user.refresh_from_db()
    assert user.check_password("otra-clave-larga-77") and not user.check_password(GOOD)
    assert not Token.objects.filter(user=user).exists()


def test_a_wrong_old_password_changes_nothing(client, user):
    client.force_login(user)

    response = client.post(
        PASSWORD,
        {
            "old_password": "wrong",
            "new_password1": "otra-clave-larga-77",
            "new_password2": "otra-clave-larga-77",
        },
    )

    assert "Tu contraseña anterior no es correcta." in str(response.context["form"].errors)
    user.refresh_from_db()
    assert user.check_password(GOOD)
