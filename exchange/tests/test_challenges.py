"""POST /v1/challenges/solution: verdicts, wallet, tickets given back, deadlines."""

from __future__ import annotations

import json
import time

import pytest

from exchange.webhooks import signature_valid

from .conftest import ADMIN, call, event_quantity, first_event, solve


def submit(handle, token: str, challenges: list[dict]) -> tuple[int, dict]:
    return call(
        "POST",
        f"{handle.url}/challenges/solution",
        {"deposit_token": token, "challenges": challenges},
    )


def wallet(handle, group_id: int = 20) -> int:
    status, body = call("GET", f"{handle.url}/wallet/{group_id}")
    assert status == 200
    assert body["group_id"] == group_id
    return body["balance"]


def test_a_correct_solution_is_valid_and_fills_the_group_wallet(exchange, pay) -> None:
    _, paid = pay()
    solution = solve(paid["deposit_token"], paid["challenges"], 50)

    status, verdict = submit(exchange, paid["deposit_token"], solution)

    assert status == 200
    assert verdict == {
        "deposit_token": paid["deposit_token"],
        "request_id": paid["_body"]["request_id"],
        "valid": True,
    }
    assert wallet(exchange) == paid["_body"]["value"]
    state = call("GET", f"{exchange.url}/payments/{paid['_body']['request_id']}")[1]
    assert (state["status"], state["valid"], state["reason"]) == ("valid", True, "solved")


def test_submitting_the_same_solution_twice_charges_once(exchange, pay) -> None:
    _, paid = pay()
    solution = solve(paid["deposit_token"], paid["challenges"], 50)

    first = submit(exchange, paid["deposit_token"], solution)
    second = submit(exchange, paid["deposit_token"], solution)

    assert first == second
    assert first[1]["valid"] is True
    assert wallet(exchange) == paid["_body"]["value"]


def test_validated_tickets_stay_sold(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)
    _, paid = pay(event_id=event["event_id"])

    submit(exchange, paid["deposit_token"], solve(paid["deposit_token"], paid["challenges"], 50))

    assert event_quantity(exchange, event["event_id"]) == event["quantity"] - 2


def test_a_wrong_secret_is_invalid_and_gives_the_tickets_back(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)
    _, paid = pay(event_id=event["event_id"])
    solution = solve(paid["deposit_token"], paid["challenges"], 50)
    wrong = [{**solution[0], "secret": solution[0]["secret"] % 50 + 1}, *solution[1:]]

    status, verdict = submit(exchange, paid["deposit_token"], wrong)

    assert status == 200
    assert verdict["valid"] is False
    assert event_quantity(exchange, event["event_id"]) == event["quantity"]
    assert wallet(exchange) == 0


def test_the_first_verdict_is_final(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)
    _, paid = pay(event_id=event["event_id"])
    solution = solve(paid["deposit_token"], paid["challenges"], 50)
    submit(exchange, paid["deposit_token"], solution[:-1])

    status, verdict = submit(exchange, paid["deposit_token"], solution)

    assert status == 200
    assert verdict["valid"] is False
    assert wallet(exchange) == 0
    assert event_quantity(exchange, event["event_id"]) == event["quantity"]  # returned once


def test_a_missing_challenge_makes_the_solution_invalid(exchange, pay) -> None:
    _, paid = pay()
    solution = solve(paid["deposit_token"], paid["challenges"], 50)

    _, verdict = submit(exchange, paid["deposit_token"], solution[1:])

    assert verdict["valid"] is False
    state = call("GET", f"{exchange.url}/payments/{paid['_body']['request_id']}")[1]
    assert state["reason"] == "challenge 1 missing"


def test_an_unknown_deposit_token_is_a_404(exchange) -> None:
    status, body = submit(
        exchange, "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c", [{"challenge_id": 1, "secret": 1}]
    )

    assert status == 404
    assert "deposit_token" in body["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"challenges": []},
        {"deposit_token": "abc", "challenges": []},
        {"deposit_token": "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c"},
        {"deposit_token": "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c", "challenges": {"1": 2}},
        {"deposit_token": "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c", "challenges": [7]},
        {
            "deposit_token": "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c",
            "challenges": [{"challenge_id": 1, "secret": "48213"}],
        },
        {
            "deposit_token": "5b4e2c3a-1f0d-4e6b-9a8c-7d6e5f4a3b2c",
            "challenges": [{"challenge_id": 1, "secret": 1}, {"challenge_id": 1, "secret": 2}],
        },
    ],
)
def test_a_malformed_solution_is_a_400(exchange, body) -> None:
    status, answer = call("POST", f"{exchange.url}/challenges/solution", body)

    assert status == 400
    assert answer["message"]


def test_a_malformed_solution_does_not_decide_the_payment(exchange, pay) -> None:
    _, paid = pay()
    bad = [{"challenge_id": 1, "secret": "7"}]
    assert submit(exchange, paid["deposit_token"], bad)[0] == 400

    _, verdict = submit(
        exchange, paid["deposit_token"], solve(paid["deposit_token"], paid["challenges"], 50)
    )

    assert verdict["valid"] is True


def test_reject_rate_one_declares_correct_solutions_invalid(exchange, pay) -> None:
    event = first_event(exchange, min_quantity=2)
    _, paid = pay(event_id=event["event_id"])
    call("POST", f"{exchange.url}/admin/switches", {"reject_rate": 1}, headers=ADMIN)

    _, verdict = submit(
        exchange, paid["deposit_token"], solve(paid["deposit_token"], paid["challenges"], 50)
    )

    assert verdict["valid"] is False
    assert wallet(exchange) == 0
    assert event_quantity(exchange, event["event_id"]) == event["quantity"]


def test_an_unsolved_payment_becomes_invalid_at_its_deadline_and_is_announced(
    make_exchange, pay, receiver
) -> None:
    handle = make_exchange(solution_timeout=0.3, webhook_url=receiver.url)
    event = first_event(handle, min_quantity=2)
    _, paid = pay(handle, event_id=event["event_id"])

    received = receiver.wait_for(1)

    assert len(received) == 1
    assert signature_valid(
        received[0].body, received[0].headers["X-Exchange-Signature"], "dev-webhook-secret"
    )
    assert json.loads(received[0].body) == {
        "request_id": paid["_body"]["request_id"],
        "group_id": 20,
        "seller": 0,
        "deposit_token": paid["deposit_token"],
        "valid": False,
    }
    state = call("GET", f"{handle.url}/payments/{paid['_body']['request_id']}")[1]
    assert (state["status"], state["reason"]) == ("invalid", "deadline")
    assert event_quantity(handle, event["event_id"]) == event["quantity"]


def test_a_solution_after_the_deadline_is_invalid_even_before_the_sweeper_runs(
    make_exchange, pay
) -> None:
    handle = make_exchange(solution_timeout=0.1, sweep_interval=60)
    _, paid = pay(handle)
    solution = solve(paid["deposit_token"], paid["challenges"], 50)
    time.sleep(0.2)

    _, verdict = submit(handle, paid["deposit_token"], solution)

    assert verdict["valid"] is False
    assert wallet(handle) == 0


def test_an_unknown_group_has_an_empty_wallet(exchange) -> None:
    assert wallet(exchange, group_id=999) == 0


@pytest.mark.parametrize("group_id", ["0", "abc", "-3", "1.5"])
def test_a_bad_group_id_is_a_400(exchange, group_id) -> None:
    status, body = call("GET", f"{exchange.url}/wallet/{group_id}")

    assert status == 400
    assert "group_id" in body["message"]
