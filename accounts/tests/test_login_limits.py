"""Failed log-ins are limited per account and per IP on the shop, the admin and the API."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

SHOP, ADMIN, TOKEN = "/accounts/login/", "/admin/login/", "/api/v1/auth/token/"
GOOD = "s3cret-pass-123"  # the `user` fixture's password (alice)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_MAX_FAILURES_PER_IP = 6
    settings.LOGIN_LOCKOUT_SECONDS = 600


def _login(client, url, username, password, ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _form_errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize("url", [SHOP, ADMIN])
def test_an_account_is_blocked_after_three_failures_even_with_the_right_password(
    client, django_user_model, url
):
    django_user_model.objects.create_user("alice", password=GOOD, is_staff=True)
    for _ in range(3):
        assert "correctos" in _form_errors(_login(client, url, "alice", "wrong"))

    blocked = _login(client, url, "alice", GOOD, ip="10.0.0.2")  # another IP, same account

    assert "Demasiados intentos fallidos" in _form_errors(blocked)
    assert "10 minutos" in _form_errors(blocked)
    assert "_auth_user_id" not in client.session


def test_the_message_is_translated_to_english(client, user):
    for _ in range(3):
        _login(client, SHOP, "alice", "wrong")
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        blocked = _login(client, SHOP, "alice", GOOD)
    assert "Too many failed log-in attempts. Please try again in 10 minutes." in _form_errors(
        blocked
    )


def test_an_ip_is_blocked_after_six_failures_over_several_accounts(client, user):
    for n in range(6):
        _login(client, SHOP, f"someone{n}", "wrong")

    from_that_ip = _login(client, SHOP, "alice", GOOD)
    from_another_ip = _login(client, SHOP, "alice", GOOD, ip="10.0.0.9")

    assert "Demasiados intentos fallidos" in _form_errors(from_that_ip)
    assert from_another_ip.status_code == 302  # logged in


def test_a_success_clears_the_account_count(client, user):
    for _ in range(2):
        _login(client, SHOP, "alice", "wrong")
    assert _login(client, SHOP, "alice", GOOD).status_code == 302
    client.logout()

    for _ in range(2):
        _login(client, SHOP, "alice", "wrong")
    assert _login(client, SHOP, "alice", GOOD).status_code == 302


def test_the_api_token_endpoint_is_limited_too(api_client, user):
    for _ in range(3):
        assert _login(api_client, TOKEN, "alice", "wrong").status_code == 400

    blocked = _login(api_client, TOKEN, "alice", GOOD)

    assert blocked.status_code == 429
    error = blocked.json()["error"]
    assert error["code"] == "too_many_login_attempts"
    assert error["details"] == {"retry_after": 600}


def test_the_client_ip_is_the_one_the_trusted_proxy_appended(client, user, settings):
    settings.TRUSTED_PROXIES = 1
    for n in range(6):
        client.post(
            SHOP,
            {"username": f"x{n}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.7",  # spoofed first entry varies
        )
    blocked = client.post(
        SHOP, {"username": "alice", "password": GOOD}, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7"
    )
    assert "Demasiados intentos fallidos" in _form_errors(blocked)
