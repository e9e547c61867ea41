"""POST /v1/payments: validation, tickets, challenges and idempotency."""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest

from .conftest import call, event_quantity, first_event, solve

VALID_UUID = "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"request_id": None}, "request_id"),
        ({"request_id": "purchase-1"}, "request_id"),
        ({"request_id": 12}, "request_id"),
        ({"group_id": "20"}, "group_id"),
        ({"group_id": 0}, "group_id"),
        ({"group_id": True}, "group_id"),
        ({"group_id": 2**60}, "group_id"),
        ({"seller": -1}, "seller"),
        ({"seller": 1.5}, "seller"),
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": [2]}, "quantity"),
        ({"value": -50000}, "value"),
        ({"value": "50000"}, "value"),
    ],
)
def test_a_malformed_payment_is_a_400_naming_the_field(pay, fields, field) -> None:
    status, body = pay(**fields)

    assert status == 400
    assert field in body["message"]
    assert field in body["errors"]


def test_every_missing_field_is_reported(exchange) -> None:
    status, body = call("POST", f"{exchange.url}/payments", {})

    assert status == 400
    assert set(body["errors"]) == {
        "request_id",
        "group_id",
        "seller",
        "event_id",
        "quantity",
        "value",
    }


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "JSON object"),
        (b"", "JSON body is required"),
        (b'{"value": NaN}', "invalid JSON"),
        (b"\xff\xfe", "invalid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(exchange, raw, words) -> None:
    status, body = call("POST", f"{exchange.url}/payments", raw=raw)

    assert status == 400
    assert words in body["message"]


def test_an_unknown_event_is_a_400(pay) -> None:
    status, body = pay(event_id=VALID_UUID)

    assert status == 400
    assert "unknown event_id" in body["message"]


def test_the_value_must_be_price_times_quantity(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)

    status, body = pay(event_id=event["event_id"], quantity=2, value=event["price"] * 2 - 1000)

    assert status == 400
    assert "price * quantity" in body["message"]
    assert str(event["price"] * 2) in body["message"]


def test_an_accepted_payment_takes_the_tickets(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=3)

    status, _ = pay(event_id=event["event_id"], quantity=3, value=event["price"] * 3)

    assert status == 200
    assert event_quantity(exchange, event["event_id"]) == event["quantity"] - 3


def test_the_last_tickets_can_be_bought_but_not_one_more(make_exchange, pay) -> None:
    handle = make_exchange()
    event = first_event(handle)
    left, price = event["quantity"], event["price"]

    status_all, _ = pay(handle, event_id=event["event_id"], quantity=left, value=price * left)
    status_more, body = pay(handle, event_id=event["event_id"], quantity=1, value=price)

    assert status_all == 200
    assert status_more == 400
    assert "0 left" in body["message"]
    assert event_quantity(handle, event["event_id"]) == 0


def test_a_payment_gets_challenges_with_the_protocol_hash(make_exchange, pay) -> None:
    handle = make_exchange(challenges=4, max_secret=50)

    status, body = pay(handle)

    assert status == 200
    assert uuid.UUID(body["deposit_token"])
    assert [c["challenge_id"] for c in body["challenges"]] == [1, 2, 3, 4]
    assert body["max_secret"] == 50
    solution = solve(body["deposit_token"], body["challenges"], 50)
    for challenge, solved in zip(body["challenges"], solution, strict=True):
        text = (
            f"deposit_token={body['deposit_token']}&challenge_id={solved['challenge_id']}"
            f"&secret={solved['secret']}"
        )
        assert hashlib.sha256(text.encode()).hexdigest() == challenge["challenge_hash"]


def test_the_same_request_twice_gives_the_same_answer_and_takes_tickets_once(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)
    status, first = pay(event_id=event["event_id"])
    body = first.pop("_body")

    status_again, again = call("POST", f"{exchange.url}/payments", body)

    assert (status, status_again) == (200, 200)
    assert again == first
    assert event_quantity(exchange, event["event_id"]) == event["quantity"] - 2


def test_the_same_request_id_with_another_body_is_a_409(exchange, pay) -> None:
    status, first = pay()
    body = {**first["_body"], "group_id": 21}

    status_again, answer = call("POST", f"{exchange.url}/payments", body)

    assert status == 200
    assert status_again == 409
    assert "group_id" in answer["message"]


def test_the_request_id_is_compared_case_insensitively(exchange, pay) -> None:
    _, first = pay()
    body = {**first["_body"], "request_id": first["_body"]["request_id"].upper()}

    status, again = call("POST", f"{exchange.url}/payments", body)

    assert status == 200
    assert again["deposit_token"] == first["deposit_token"]


def test_the_payment_state_can_be_read_back(exchange, pay) -> None:
    _, paid = pay()
    request_id = paid["_body"]["request_id"]

    status, state = call("GET", f"{exchange.url}/payments/{request_id}")

    assert status == 200
    assert state["status"] == "pending"
    assert state["valid"] is None
    assert state["deposit_token"] == paid["deposit_token"]
    assert state["challenges"] == paid["challenges"]
    assert state["value"] == paid["_body"]["value"]


@pytest.mark.parametrize(("request_id", "code"), [(VALID_UUID, 404), ("purchase-1", 400)])
def test_reading_an_unknown_payment(exchange, request_id, code) -> None:
    status, body = call("GET", f"{exchange.url}/payments/{request_id}")

    assert status == code
    assert body["message"]


def test_concurrent_buyers_never_get_more_tickets_than_there_are(make_exchange, pay) -> None:
    handle = make_exchange()
    _, page = call("GET", f"{handle.url}/events?page=1")
    event = min(page["events"], key=lambda e: e["quantity"])
    buyers = event["quantity"] + 10
    statuses: list[int] = []
    start = threading.Barrier(buyers)

    def buy() -> None:
        start.wait()
        code, _ = pay(handle, event_id=event["event_id"], quantity=1, value=event["price"])
        statuses.append(code)

    threads = [threading.Thread(target=buy) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses.count(200) == event["quantity"]
    assert statuses.count(400) == 10
    assert event_quantity(handle, event["event_id"]) == 0
