import hashlib
import hmac
import json
import uuid

import pytest

from payments.models import PurchaseStatus
from payments.services import purchase_create, purchase_transition
from wallet.services import wallet_deposit

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/validations/"
S = PurchaseStatus


def _post(
    client, payload: dict, *, secret: str = "dev-webhook-secret", signature: str | None = None
):
    body = json.dumps(payload).encode()
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.generic(
        "POST", URL, body, content_type="application/json", HTTP_X_EXCHANGE_SIGNATURE=signature
    )


@pytest.fixture
def submitted(make_user, make_event):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=50_000)
    purchase = purchase_create(
        user=user, event_pk=make_event(price=10_000, capacity=4).pk, quantity=2
    )
    purchase_transition(purchase_id=purchase.pk, to=S.SOLVING, deposit_token=uuid.uuid4())
    purchase, _ = purchase_transition(purchase_id=purchase.pk, to=S.SUBMITTED)
    return purchase


def _verdict(purchase, valid: bool) -> dict:
    return {
        "request_id": str(purchase.pk),
        "group_id": 20,
        "seller": 0,
        "deposit_token": str(purchase.deposit_token or uuid.uuid4()),
        "valid": valid,
    }


def test_a_signed_rejection_delivered_five_times_refunds_once(client, submitted):
    statuses = [_post(client, _verdict(submitted, False)).status_code for _ in range(5)]

    assert statuses == [204] * 5
    submitted.refresh_from_db()
    assert submitted.status == S.REJECTED
    assert submitted.user.wallet.entries.filter(kind="refund").count() == 1
    assert submitted.history.filter(to_status=S.REJECTED).count() == 1
    submitted.event.refresh_from_db()
    assert submitted.event.available == 4


def test_an_echo_of_the_verdict_already_applied_is_one_read(client, submitted):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert _post(client, _verdict(submitted, True)).status_code == 204
    with CaptureQueriesContext(connection) as queries:
        assert _post(client, _verdict(submitted, True)).status_code == 204

    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "FOR UPDATE" not in queries[0]["sql"]
    assert submitted.history.filter(to_status=S.VALIDATED).count() == 1


def test_a_late_opposite_verdict_changes_nothing(client, submitted):
    _post(client, _verdict(submitted, True))
    _post(client, _verdict(submitted, False))
    submitted.refresh_from_db()
    assert submitted.status == S.VALIDATED
    assert not submitted.user.wallet.entries.filter(kind="refund").exists()


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha256=" + "0" * 64, "md5=abc", None, "sha256=" + "é" * 64, "sha256=ü"],
)
def test_a_missing_or_bad_signature_is_401_and_changes_nothing(client, submitted, signature):
    kwargs = {"signature": signature} if signature is not None else {"secret": "wrong-secret"}
    response = _post(client, _verdict(submitted, False), **kwargs)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


@pytest.mark.parametrize(
    "payload",
    [
        {"valid": True},
        {"request_id": "not-a-uuid", "valid": True},
        {"request_id": "8a1f4e9e-1b2c-4d5e-8f90-123456789abc", "valid": "maybe"},
        {"request_id": "8a1f4e9e-1b2c-4d5e-8f90-123456789abc", "valid": "false"},
        {"request_id": "8a1f4e9e-1b2c-4d5e-8f90-123456789abc", "valid": 0},
    ],
)
def test_malformed_validations_are_400(client, payload):
    assert _post(client, payload).status_code == 400


def test_a_validation_for_an_unknown_purchase_is_acknowledged(client):
    payload = {"request_id": "8a1f4e9e-1b2c-4d5e-8f90-123456789abc", "valid": True}
    assert _post(client, payload).status_code == 204


@pytest.mark.parametrize(
    "change", [{"group_id": 21}, {"deposit_token": "0b0c6d3e-7f00-4e58-9a37-4b1e3f0c2d11"}]
)
def test_a_validation_for_another_group_or_deposit_token_is_refused(client, submitted, change):
    response = _post(client, _verdict(submitted, True) | change)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "validation_mismatch"
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_verdict_after_a_local_expiry_is_recorded_for_staff(client, make_user, make_event):
    user = make_user()
    wallet_deposit(wallet_id=user.wallet.pk, amount=10_000)
    purchase = purchase_create(user=user, event_pk=make_event(price=10_000).pk, quantity=1)
    purchase_transition(purchase_id=purchase.pk, to=S.EXPIRED, reason="deadline")

    assert _post(client, _verdict(purchase, True)).status_code == 204
    assert _post(client, _verdict(purchase, True)).status_code == 204

    purchase.refresh_from_db()
    assert purchase.status == S.EXPIRED  # final states never change...
    assert purchase.late_verdict == "valid" and purchase.late_verdict_at  # ...but nothing is lost
    assert purchase.history.count() == 2
