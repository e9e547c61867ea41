import pytest

pytestmark = pytest.mark.django_db

REGISTER, TOKEN = "/api/v1/auth/register/", "/api/v1/auth/token/"
GOOD = {"username": "carla", "email": "carla@example.cl", "password": "una-clave-larga-99"}


def test_register_creates_a_user_with_an_empty_wallet(api_client, django_user_model):
    response = api_client.post(REGISTER, GOOD)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email"} and body["username"] == "carla"
    user = django_user_model.objects.get(pk=body["id"])
    assert user.check_password(GOOD["password"]) and user.wallet.balance == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "has space"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "123"}, "password"),
        ({"password": "password"}, "password"),
    ],
)
def test_register_rejects_bad_input_with_400_and_field_details(api_client, change, field):
    response = api_client.post(REGISTER, {**GOOD, **change})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["details"]


def test_register_refuses_a_taken_username_or_email(api_client):
    api_client.post(REGISTER, GOOD)
    again = api_client.post(REGISTER, {**GOOD, "email": "other@example.cl"})
    same_email = api_client.post(REGISTER, {**GOOD, "username": "other"})

    assert again.status_code == same_email.status_code == 400
    assert "username" in again.json()["error"]["details"]
    assert "email" in same_email.json()["error"]["details"]


def test_token_for_good_credentials_is_stable(api_client, user):
    first = api_client.post(TOKEN, {"username": "alice", "password": "s3cret-pass-123"})
    second = api_client.post(TOKEN, {"username": "alice", "password": "s3cret-pass-123"})

    assert first.status_code == 200 and first.json()["token"] == second.json()["token"]


@pytest.mark.parametrize(
    "body",
    [{"username": "alice", "password": "wrong"}, {}, {"username": "nobody", "password": "x"}],
)
def test_token_refuses_bad_credentials_with_400(api_client, user, body):
    response = api_client.post(TOKEN, body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_a_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = api_client.get("/api/v1/wallet/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
