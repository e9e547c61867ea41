"""Log-in with the username or the account's email, on the page and for the API token; an
email several accounts share logs nobody in; the limiter counts both spellings together."""

import pytest

pytestmark = pytest.mark.django_db

LOGIN, TOKEN = "/accounts/login/", "/api/v1/auth/token/"
GOOD = "s3cret-pass-123"  # make_user's password


def _page_login(client, login: str, password: str = GOOD):
    return client.post(LOGIN, {"username": login, "password": password})


def _errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_the_page_logs_in_by_username(client, make_user):
    user = make_user("bea", email="bea@example.cl")

    assert _page_login(client, "bea").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_page_logs_in_by_email_in_any_case(client, make_user):
    user = make_user("bea", email="bea@example.cl")

    assert _page_login(client, "  Bea@Example.CL ").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # the session made by the email backend stays valid on the next page
    assert client.get("/accounts/").status_code == 200


def test_a_wrong_password_with_the_email_is_refused(client, make_user):
    make_user("bea", email="bea@example.cl")

    response = _page_login(client, "bea@example.cl", "wrong-one")

    assert "_auth_user_id" not in client.session
    assert "Escribe un usuario o correo y una contraseña correctos." in _errors(response)


def test_an_email_two_accounts_share_logs_nobody_in_and_says_to_use_the_username(client, make_user):
    make_user("ana", email="shared@example.cl")
    make_user("ana2", email="Shared@example.cl")  # made before sign-up refused used emails

    response = _page_login(client, "shared@example.cl")

    assert "_auth_user_id" not in client.session
    assert "inicia sesión con tu nombre de usuario" in _errors(response)
    assert _page_login(client, "ana2").status_code == 302  # the username still works


def test_a_username_that_looks_like_an_email_wins_over_another_accounts_email(client, make_user):
    owner = make_user("x@example.cl", email="owner@example.cl")
    make_user("other", email="x@example.cl", password="other-pass-456")

    assert _page_login(client, "x@example.cl").status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_api_token_is_given_for_the_email_or_the_username(api_client, make_user):
    make_user("bea", email="bea@example.cl")

    by_email = api_client.post(TOKEN, {"username": "bea@example.cl", "password": GOOD})
    by_name = api_client.post(TOKEN, {"username": "bea", "password": GOOD})

    assert by_email.status_code == 200 and by_name.status_code == 200
    assert by_email.json()["token"] == by_name.json()["token"]


def test_the_api_refuses_an_ambiguous_email_and_says_to_use_the_username(api_client, make_user):
    make_user("ana", email="shared@example.cl")
    make_user("ana2", email="shared@example.cl")

    response = api_client.post(
        TOKEN, {"username": "shared@example.cl", "password": GOOD}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["non_field_errors"] == [
        "Several accounts use this email: log in with your username."
    ]


def test_failures_by_email_and_by_username_count_for_the_same_account(client, make_user, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_MAX_FAILURES_PER_IP = 100
    make_user("bea", email="bea@example.cl")
    for login in ("bea", "bea@example.cl", "BEA@example.cl"):
        _page_login(client, login, "wrong")

    blocked = _page_login(client, "bea")

    assert "Demasiados intentos fallidos" in _errors(blocked)
    assert "_auth_user_id" not in client.session
