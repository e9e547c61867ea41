import pytest

pytestmark = pytest.mark.django_db


def test_signup_creates_the_account_logs_in_and_opens_the_wallet(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "diego",
            "email": "Diego@Example.cl",
            "password1": "una-clave-larga-99",
            "password2": "una-clave-larga-99",
        },
        follow=True,
    )

    user = django_user_model.objects.get(username="diego")
    assert user.email == "diego@example.cl"
    assert response.redirect_chain[-1][0] == "/wallet/"
    assert response.context["user"] == user and user.wallet.balance == 0


def test_signup_with_mismatched_passwords_shows_the_error(client, django_user_model):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "x",
            "email": "x@example.cl",
            "password1": "una-clave-larga-99",
            "password2": "otra",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert not django_user_model.objects.filter(username="x").exists()


def test_login_and_logout(client, user):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "s3cret-pass-123"}, follow=True
    )
    assert response.context["user"] == user

    response = client.post("/accounts/logout/", follow=True)
    assert not response.context["user"].is_authenticated
