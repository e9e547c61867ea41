"""The strict exchange client against real HTTP peers: the reference exchange, and a
scripted server for the answers the reference exchange never gives."""

import hashlib
import hmac
import uuid

import pytest

from payments import exchange_client as ec
from payments.tests.scripted_exchange import Answer
from ticketseller.http import DependencyDown

TOKEN = "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
HASH = "a" * 64
ONE = [{"challenge_id": 1, "challenge_hash": HASH}]


def _create():
    return ec.payment_create(
        request_id=str(uuid.uuid4()), exchange_event_id=TOKEN, quantity=1, value=10
    )


def _submit():
    return ec.solution_submit(deposit_token=TOKEN, solutions=[{"challenge_id": 1, "secret": 7}])


def test_a_429_with_retry_after_is_retried_and_then_succeeds(scripted):
    scripted.answer(
        "POST",
        "/payments",
        Answer(429, {"message": "slow down"}, {"Retry-After": "0"}),
        Answer(200, {"deposit_token": TOKEN, "challenges": ONE}),
    )

    accepted = _create()

    assert accepted.deposit_token == TOKEN and accepted.challenges[0]["challenge_id"] == 1
    assert len(scripted.calls("POST", "/payments")) == 2


def test_a_retry_after_beyond_the_budget_gives_up_at_once_as_dependency_down(scripted):
    scripted.answer("POST", "/payments", Answer(429, {"message": "busy"}, {"Retry-After": "120"}))

    with pytest.raises(DependencyDown, match="Retry-After 120s"):
        _create()
    assert len(scripted.calls("POST", "/payments")) == 1  # it did not sleep 120 s to retry


@pytest.mark.parametrize("status", [408, 425, 429, 500, 503])
def test_transient_answers_are_never_a_refusal(scripted, status):
    scripted.answer("POST", "/payments", Answer(status, {"message": "later"}))
    with pytest.raises(DependencyDown):
        _create()


def test_a_permanent_4xx_is_refused_with_the_exchanges_message(scripted):
    scripted.answer("POST", "/payments", Answer(400, {"message": "only 2 tickets left"}))
    with pytest.raises(ec.ExchangeRefused) as exc:
        _create()
    assert (exc.value.status, exc.value.message) == (400, "only 2 tickets left")


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway says hi</html>",
        b'{"deposit_token": "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "challenges": [',
        [],
        {"challenges": ONE},
        {"deposit_token": "not-a-uuid", "challenges": ONE},
        {"deposit_token": TOKEN, "challenges": {"challenge_id": 1}},
        {"deposit_token": TOKEN, "challenges": [{"challenge_id": "1", "challenge_hash": HASH}]},
        {"deposit_token": TOKEN, "challenges": [{"challenge_id": 1}]},
        {"deposit_token": TOKEN, "challenges": []},
        {"deposit_token": TOKEN, "challenges": ONE, "max_secret": "9"},
    ],
)
def test_a_malformed_payment_answer_is_an_error_not_a_key_error(scripted, body):
    scripted.answer("POST", "/payments", Answer(200, body))
    with pytest.raises(ec.ExchangeMalformed):
        _create()


@pytest.mark.parametrize("valid", ["false", "true", 0, 1, None])
def test_a_verdict_must_be_a_json_boolean(scripted, valid):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": valid}))
    with pytest.raises(ec.ExchangeMalformed, match="JSON boolean"):
        _submit()


def test_a_verdict_that_is_not_json_is_malformed(scripted):
    scripted.answer("POST", "/challenges/solution", Answer(200, b"valid=true"))
    with pytest.raises(ec.ExchangeMalformed):
        _submit()


@pytest.mark.parametrize("valid", [True, False])
def test_a_boolean_verdict_is_read_as_it_is(scripted, valid):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": valid}))
    assert _submit() is valid


def test_an_exchange_without_the_status_extension_is_told_apart(scripted):
    # The scripted server knows no GET /payments/{id}: a 404 for an unknown route.
    assert ec.payment_status(request_id=str(uuid.uuid4())) == ec.NO_EXTENSION


def test_a_json_404_without_our_code_is_still_no_extension(scripted):
    scripted.answer("GET", "/payments/", Answer(404, {"message": "Not Found"}))
    assert ec.payment_status(request_id=str(uuid.uuid4())) == ec.NO_EXTENSION


def test_a_malformed_status_answer_is_an_error(scripted):
    scripted.answer("GET", "/payments/", Answer(200, {"status": "done"}))
    with pytest.raises(ec.ExchangeMalformed):
        ec.payment_status(request_id=str(uuid.uuid4()))


def test_the_reference_exchange_says_it_never_saw_an_unknown_payment(exchange):
    assert ec.payment_status(request_id=str(uuid.uuid4())) is None


def test_the_reference_exchange_answers_an_unknown_route_with_its_code(exchange):
    import requests

    response = requests.get(f"{exchange.url}/no-such-thing", timeout=5)
    assert (response.status_code, response.json()["code"]) == (404, "unknown_route")


def _sign(body: bytes, secret: str = "dev-webhook-secret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "header",
    ["sha256=" + "é" * 64, "sha256=" + "٣" * 64, "sha256=ü", "sha256=" + "0" * 63, "x" * 71],
)
def test_a_malformed_signature_header_is_simply_invalid(header):
    assert ec.signature_valid(body=b"{}", header=header) is False


def test_a_right_signature_is_valid_in_either_hex_case():
    signature = _sign(b'{"valid": true}')
    assert ec.signature_valid(body=b'{"valid": true}', header=signature)
    assert ec.signature_valid(body=b'{"valid": true}', header="sha256=" + signature[7:].upper())
    assert not ec.signature_valid(body=b'{"valid": false}', header=signature)
