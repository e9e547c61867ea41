import pytest
from rest_framework.test import APIClient

from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db

WALLET, ENTRIES, DEPOSITS = "/api/v1/wallet/", "/api/v1/wallet/entries/", "/api/v1/wallet/deposits/"


def _is_error(response, status: int, code: str | None = None) -> bool:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    return code is None or body["error"]["code"] == code


@pytest.mark.parametrize(
    ("method", "path"), [("get", WALLET), ("get", ENTRIES), ("post", DEPOSITS)]
)
def test_anonymous_clients_are_refused_with_401(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert _is_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"] == "Token"


def test_token_authentication_reads_the_token_owners_wallet(user, api_client):
    wallet_deposit(wallet_id=user.wallet.pk, amount=1_500)
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "s3cret-pass-123"}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.get(WALLET).json() == {"balance": 1_500, "currency": "CLP"}


def test_a_user_never_sees_another_users_wallet(make_user):
    alice, bob = make_user(), make_user()
    wallet_deposit(wallet_id=alice.wallet.pk, amount=9_000, reference="alice's")
    client = APIClient()
    client.force_authenticate(bob)

    assert client.get(WALLET).json()["balance"] == 0
    assert client.get(ENTRIES).json()["count"] == 0
    # A user_id in the query string is ignored, not trusted.
    assert client.get(WALLET, {"user_id": alice.pk}).json()["balance"] == 0


def test_deposit_answers_201_with_balance_and_entry(auth_client, user):
    response = auth_client.post(DEPOSITS, {"amount": 25_000})

    assert response.status_code == 201
    body = response.json()
    assert body["balance"] == 25_000
    assert body["entry"]["kind"] == "deposit" and body["entry"]["amount"] == 25_000
    assert auth_client.get(WALLET).json()["balance"] == 25_000


def test_entries_are_listed_newest_first_and_paginated(auth_client, user):
    for amount in range(1, 31):
        wallet_deposit(wallet_id=user.wallet.pk, amount=amount)

    first = auth_client.get(ENTRIES).json()
    assert first["count"] == 30 and len(first["results"]) == 25 and first["next"]
    assert first["results"][0]["amount"] == 30
    assert set(first["results"][0]) == {
        "id",
        "kind",
        "amount",
        "balance_after",
        "reference",
        "created_at",
    }
    assert len(auth_client.get(ENTRIES, {"page": 2}).json()["results"]) == 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount": None},
        {"amount": 0},
        {"amount": -5},
        {"amount": 10.5},
        {"amount": 10.0},
        {"amount": "abc"},
        {"amount": ""},
        {"amount": True},
        {"amount": "1e3"},
        {"amount": 5_000_001},
        {"amount": [100]},
        {"amount": 10**30},
    ],
)
def test_bad_deposit_amounts_get_400_in_the_error_shape_and_move_nothing(auth_client, user, body):
    response = auth_client.post(DEPOSITS, body, format="json")

    assert _is_error(response, 400)
    assert response.json()["error"]["code"] in {"invalid", "invalid_amount"}
    user.wallet.refresh_from_db()
    assert user.wallet.balance == 0


def test_malformed_json_is_a_400_not_a_500(auth_client):
    response = auth_client.generic("POST", DEPOSITS, "{not json", content_type="application/json")
    assert _is_error(response, 400, "parse_error")


def test_replaying_an_idempotency_key_returns_the_first_answer_and_moves_money_once(
    auth_client, user
):
    first = auth_client.post(DEPOSITS, {"amount": 1_000}, HTTP_IDEMPOTENCY_KEY="abc-1")
    wallet_deposit(wallet_id=user.wallet.pk, amount=500)  # something else happens in between
    replay = auth_client.post(DEPOSITS, {"amount": 1_000}, HTTP_IDEMPOTENCY_KEY="abc-1")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert auth_client.get(WALLET).json()["balance"] == 1_500


def test_reusing_an_idempotency_key_with_another_body_is_a_409(auth_client):
    auth_client.post(DEPOSITS, {"amount": 1_000}, HTTP_IDEMPOTENCY_KEY="abc-2")
    response = auth_client.post(DEPOSITS, {"amount": 2_000}, HTTP_IDEMPOTENCY_KEY="abc-2")

    assert _is_error(response, 409, "idempotency_conflict")
    assert auth_client.get(WALLET).json()["balance"] == 1_000


def test_an_oversized_idempotency_key_is_a_400(auth_client):
    response = auth_client.post(DEPOSITS, {"amount": 1_000}, HTTP_IDEMPOTENCY_KEY="x" * 101)
    assert _is_error(response, 400, "invalid")
    assert "Idempotency-Key" in response.json()["error"]["details"]
