"""The HTTP surface: JSON errors, switches, admin token, never a 500 for bad input."""

from __future__ import annotations

import time
import uuid

import pytest

from exchange.config import ConfigError, env_bool, env_int, load_settings

from .conftest import ADMIN, call, event_quantity, first_event


def test_health_is_ok(exchange) -> None:
    assert call("GET", f"{exchange.url}/health") == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/v1/nothing", "/v2/events", "/", "/v1/payments/a/b"])
def test_an_unknown_path_is_a_json_404(exchange, path) -> None:
    status, body = call("GET", f"{exchange.root_url}{path}")

    assert status == 404
    assert body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/events"), ("GET", "/v1/payments"), ("DELETE", "/v1/wallet/20")],
)
def test_a_wrong_method_is_a_json_405(exchange, method, path) -> None:
    status, body = call(method, f"{exchange.root_url}{path}")

    assert status == 405
    assert method in body["message"]


def test_a_trailing_slash_is_accepted(exchange) -> None:
    assert call("GET", f"{exchange.url}/health/")[0] == 200


def test_failure_rate_one_answers_503_before_doing_anything(exchange) -> None:
    event = first_event(exchange, min_quantity=2)
    body = {
        "request_id": str(uuid.uuid4()),
        "group_id": 20,
        "seller": 0,
        "event_id": event["event_id"],
        "quantity": 2,
        "value": event["price"] * 2,
    }
    call("POST", f"{exchange.url}/admin/switches", {"failure_rate": 1}, headers=ADMIN)

    status, body = call("POST", f"{exchange.url}/payments", body)

    assert (status, body["message"]) == (503, "unavailable")
    assert call("GET", f"{exchange.url}/events?page=1")[0] == 503
    assert event_quantity(exchange, event["event_id"]) == event["quantity"]
    call("POST", f"{exchange.url}/admin/switches", {"failure_rate": 0}, headers=ADMIN)
    assert call("GET", f"{exchange.url}/health")[0] == 200


def test_latency_is_added_to_every_answer(make_exchange) -> None:
    handle = make_exchange(latency_ms=200)

    started = time.monotonic()
    status, _ = call("GET", f"{handle.url}/health")

    assert status == 200
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(
    "headers", [{}, {"X-Exchange-Admin-Token": "guess"}, {"X-Exchange-Admin-Token": ""}]
)
def test_the_switches_need_the_admin_token(exchange, headers) -> None:
    assert call("GET", f"{exchange.url}/admin/switches", headers=headers)[0] == 401
    status, body = call(
        "POST", f"{exchange.url}/admin/switches", {"failure_rate": 1}, headers=headers
    )

    assert status == 401
    assert "X-Exchange-Admin-Token" in body["message"]
    assert exchange.exchange.switches.failure_rate == 0


def test_the_admin_token_comes_from_the_settings(make_exchange) -> None:
    handle = make_exchange(admin_token="t0ken")

    assert call("GET", f"{handle.url}/admin/switches", headers=ADMIN)[0] == 401
    status, _ = call(
        "GET", f"{handle.url}/admin/switches", headers={"X-Exchange-Admin-Token": "t0ken"}
    )
    assert status == 200


def test_switches_can_be_read_and_changed_at_run_time(exchange) -> None:
    status, before = call("GET", f"{exchange.url}/admin/switches", headers=ADMIN)

    status_set, after = call(
        "POST",
        f"{exchange.url}/admin/switches",
        {"latency_ms": 5, "reject_rate": 0.5, "challenges": 2, "solution_timeout": 30},
        headers=ADMIN,
    )

    assert (status, status_set) == (200, 200)
    assert before == {
        "latency_ms": 0,
        "failure_rate": 0.0,
        "reject_rate": 0.0,
        "solution_timeout": 120.0,
        "challenges": 3,
        "max_secret": 50,
        "webhook_url": "",
    }
    assert after == {
        **before,
        "latency_ms": 5,
        "reject_rate": 0.5,
        "challenges": 2,
        "solution_timeout": 30.0,
    }
    assert call("GET", f"{exchange.url}/admin/switches", headers=ADMIN)[1] == after


def test_new_switches_apply_to_new_payments(exchange, pay) -> None:
    call("POST", f"{exchange.url}/admin/switches", {"challenges": 5}, headers=ADMIN)

    _, paid = pay()

    assert len(paid["challenges"]) == 5


@pytest.mark.parametrize(
    "changes",
    [
        {"failure_rate": 2},
        {"reject_rate": "0.5"},
        {"latency_ms": -1},
        {"challenges": 0},
        {"challenges": 1.5},
        {"max_secret": True},
        {"webhook_url": "ftp://x"},
        {"colour": "red"},
    ],
)
def test_a_bad_switch_is_a_400_and_changes_nothing(exchange, changes) -> None:
    status, body = call(
        "POST", f"{exchange.url}/admin/switches", {"latency_ms": 7, **changes}, headers=ADMIN
    )

    assert status == 400
    assert body["message"]
    assert exchange.exchange.switches.latency_ms == 0


def test_the_admin_api_still_answers_when_failure_rate_is_one(exchange) -> None:
    call("POST", f"{exchange.url}/admin/switches", {"failure_rate": 1}, headers=ADMIN)

    assert call("GET", f"{exchange.url}/admin/switches", headers=ADMIN)[0] == 200


@pytest.mark.parametrize(
    "raw",
    [
        b'{"request_id": {"a": 1}}',
        b'{"quantity": 1e400, "value": -0}',
        b'{"group_id": 100000000000000000000000000000000000000000}',
        b'"just a string"',
        b"null",
        b'{"deposit_token": [], "challenges": null}',
        b"9" * 5000,
    ],
)
def test_odd_bodies_never_cause_a_500(exchange, raw) -> None:
    for path in ("/payments", "/challenges/solution", "/admin/switches"):
        status, body = call("POST", f"{exchange.url}{path}", raw=raw, headers=ADMIN)
        assert status == 400, (path, body)


def test_env_helpers_reject_bad_values() -> None:
    assert env_int("N", 3, env={"N": " 7 "}) == 7
    assert env_bool("B", False, env={"B": "yes"}) is True
    with pytest.raises(ConfigError, match="integer"):
        env_int("N", 3, env={"N": "seven"})
    with pytest.raises(ConfigError, match="boolean"):
        env_bool("B", False, env={"B": "maybe"})
    with pytest.raises(ConfigError, match="EXCHANGE_FAILURE_RATE"):
        load_settings({"EXCHANGE_FAILURE_RATE": "1.5"})


def test_settings_come_from_the_environment(tmp_path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")

    settings = load_settings(
        {
            "EXCHANGE_PORT": "9100",
            "EXCHANGE_SEED": "7",
            "EXCHANGE_CHALLENGES": "2",
            "EXCHANGE_SOLUTION_TIMEOUT": "2.5",
            "SELLER_WEBHOOK_URL": "http://127.0.0.1:8000/api/v1/exchange/validations/",
            "EXCHANGE_WEBHOOK_SECRET_FILE": str(secret_file),
        },
        max_secret=50,
    )

    assert (settings.port, settings.seed, settings.db_path) == (9100, 7, "var/exchange.sqlite3")
    assert settings.switches.challenges == 2
    assert settings.switches.solution_timeout == 2.5
    assert settings.switches.max_secret == 50
    assert settings.switches.webhook_url.endswith("/validations/")
    assert settings.webhook_secret == "from-a-file"
