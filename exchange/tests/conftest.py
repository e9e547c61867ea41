"""Fixtures for the exchange tests: plain HTTP, no Django, no project database."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from exchange.server import ExchangeHandle, start_exchange

ADMIN = {"X-Exchange-Admin-Token": "dev-admin-token"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# Small and fast: brute force over 1..50 takes microseconds.
TEST_SETTINGS: dict[str, Any] = {
    "max_secret": 50,
    "challenges": 3,
    "sweep_interval": 0.05,
    "webhook_backoff_base": 0.02,
    "webhook_backoff_cap": 0.1,
}


def call(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One HTTP request; returns (status, decoded JSON body) whatever the status."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def solve(deposit_token: str, challenges: list[dict[str, Any]], max_secret: int) -> list[dict]:
    """Brute-force every challenge (what the seller's workers do, here over a tiny range)."""
    solution = []
    for challenge in challenges:
        cid = challenge["challenge_id"]
        for secret in range(1, max_secret + 1):
            text = f"deposit_token={deposit_token}&challenge_id={cid}&secret={secret}"
            if hashlib.sha256(text.encode()).hexdigest() == challenge["challenge_hash"]:
                solution.append({"challenge_id": cid, "secret": secret})
                break
        else:
            raise AssertionError(f"challenge {cid} has no secret in 1..{max_secret}")
    return solution


def first_event(handle: ExchangeHandle, *, min_quantity: int = 1) -> dict[str, Any]:
    status, page = call("GET", f"{handle.url}/events?page=1")
    assert status == 200
    return next(e for e in page["events"] if e["quantity"] >= min_quantity)


def event_quantity(handle: ExchangeHandle, event_id: str) -> int:
    with handle.store.transaction() as tx:
        event = tx.event_get(event_id)
    assert event is not None
    return event["quantity"]


@pytest.fixture
def make_exchange() -> Iterator[Callable[..., ExchangeHandle]]:
    """Start in-process exchanges (fresh :memory: DB, environment ignored); stop them all."""
    handles: list[ExchangeHandle] = []

    def make(**overrides: Any) -> ExchangeHandle:
        handle = start_exchange(env={}, **{**TEST_SETTINGS, **overrides})
        handles.append(handle)
        return handle

    yield make
    for handle in handles:
        handle.stop()


@pytest.fixture
def exchange(make_exchange: Callable[..., ExchangeHandle]) -> ExchangeHandle:
    return make_exchange()


@pytest.fixture
def pay(exchange: ExchangeHandle) -> Callable[..., tuple[int, Any]]:
    """POST a valid payment (2 tickets of the first event); keyword fields override it."""

    def pay(handle: ExchangeHandle | None = None, **fields: Any) -> tuple[int, Any]:
        handle = handle or exchange
        quantity = fields.get("quantity", 2)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            quantity = 2
        event = first_event(handle, min_quantity=quantity)
        body = {
            "request_id": str(uuid.uuid4()),
            "group_id": 20,
            "seller": 0,
            "event_id": event["event_id"],
            "quantity": quantity,
            "value": event["price"] * quantity,
        }
        body.update(fields)
        status, answer = call("POST", f"{handle.url}/payments", body)
        return status, {**answer, "_body": body}

    return pay


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny webhook receiver: answers ``fail_first`` requests with 503, then 200."""

    fail_first: int = 0
    status_when_failing: int = 503
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.arrived:
                state.requests.append(Received(dict(self.headers.items()), body))
                failing = len(state.requests) <= state.fail_first
                state.arrived.notify_all()
            self.send_response(state.status_when_failing if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/exchange/validations/"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()
