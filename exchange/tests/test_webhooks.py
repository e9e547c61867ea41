"""Validation webhooks: signed, stored in an outbox, retried until a 2xx."""

from __future__ import annotations

import json
import random
import time

from exchange.server import start_exchange
from exchange.webhooks import backoff_delay, sign, signature_valid

from .conftest import call, solve


def decide(handle, pay) -> dict:
    _, paid = pay(handle)
    call(
        "POST",
        f"{handle.url}/challenges/solution",
        {
            "deposit_token": paid["deposit_token"],
            "challenges": solve(paid["deposit_token"], paid["challenges"], 50),
        },
    )
    return paid


def wait_for_outbox(
    handle, status: str, *, attempts: int | None = None, timeout: float = 5.0
) -> list[dict]:
    """Wait until every outbox row has this status (and number of attempts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with handle.store.transaction() as tx:
            rows = tx.outbox_list()
        if rows and all(
            row["status"] == status and attempts in (None, row["attempts"]) for row in rows
        ):
            return rows
        time.sleep(0.02)
    raise AssertionError(f"outbox never reached {status!r}: {rows}")


def test_a_signature_is_an_hmac_of_the_raw_body() -> None:
    body = b'{"valid":true}'

    header = sign(body, "s3cret")

    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature_valid(body, header, "s3cret")
    assert not signature_valid(body, header, "other")
    assert not signature_valid(body + b" ", header, "s3cret")
    assert not signature_valid(body, None, "s3cret")


def test_backoff_grows_exponentially_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(1)

    delays = [backoff_delay(n, base=0.5, cap=30, rng=rng) for n in range(1, 12)]

    for attempts, delay in enumerate(delays, start=1):
        full = min(30, 0.5 * 2 ** (attempts - 1))
        assert full / 2 <= delay <= full
    assert backoff_delay(10_000, base=0.5, cap=30, rng=rng) <= 30


def test_a_validation_is_signed_and_retried_until_the_seller_answers_2xx(
    make_exchange, pay, receiver
) -> None:
    receiver.fail_first = 2
    handle = make_exchange(webhook_url=receiver.url, webhook_secret="shared-secret")

    paid = decide(handle, pay)
    received = receiver.wait_for(3)
    rows = wait_for_outbox(handle, "delivered")

    assert len(received) == 3
    assert len({r.body for r in received}) == 1, "every retry sends the same bytes"
    for request in received:
        assert request.headers["Content-Type"] == "application/json"
        assert signature_valid(
            request.body, request.headers["X-Exchange-Signature"], "shared-secret"
        )
    assert json.loads(received[0].body) == {
        "request_id": paid["_body"]["request_id"],
        "group_id": 20,
        "seller": 0,
        "deposit_token": paid["deposit_token"],
        "valid": True,
    }
    assert [(row["attempts"], row["status"]) for row in rows] == [(3, "delivered")]
    time.sleep(0.2)
    assert len(receiver.requests) == 3, "nothing more after the 2xx"


def test_delivery_gives_up_after_the_configured_attempts(make_exchange, pay, receiver) -> None:
    receiver.fail_first = 1000
    receiver.status_when_failing = 500
    handle = make_exchange(webhook_url=receiver.url, webhook_max_attempts=3)

    decide(handle, pay)
    rows = wait_for_outbox(handle, "failed")

    assert rows[0]["attempts"] == 3
    assert rows[0]["last_error"] == "HTTP 500"
    assert len(receiver.requests) == 3


def test_without_a_webhook_url_nothing_is_queued(exchange, pay) -> None:
    decide(exchange, pay)

    with exchange.store.transaction() as tx:
        assert tx.outbox_list() == []


def test_the_webhook_url_can_be_set_at_run_time(exchange, pay, receiver) -> None:
    from .conftest import ADMIN

    call("POST", f"{exchange.url}/admin/switches", {"webhook_url": receiver.url}, headers=ADMIN)

    decide(exchange, pay)

    assert len(receiver.wait_for(1)) == 1


def test_undelivered_validations_survive_a_restart(tmp_path, pay, receiver) -> None:
    receiver.fail_first = 1
    db = str(tmp_path / "exchange.sqlite3")
    settings = {"db_path": db, "max_secret": 50, "webhook_url": receiver.url}
    with start_exchange(env={}, webhook_backoff_base=1.0, **settings) as handle:
        paid = decide(handle, pay)
        receiver.wait_for(1)
        wait_for_outbox(handle, "pending", attempts=1)
    # Stopped before the retry was due: the next exchange on the same file delivers it.

    with start_exchange(env={}, **settings) as handle:
        received = receiver.wait_for(2)
        rows = wait_for_outbox(handle, "delivered")

    assert len(received) == 2
    assert json.loads(received[1].body)["request_id"] == paid["_body"]["request_id"]
    assert rows[0]["attempts"] == 2


def test_webhooks_reuse_one_connection_and_survive_the_seller_closing_it() -> None:
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from exchange.webhooks import KeptConnections

    accepted: list[socket.socket] = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps the connection open, as gunicorn does

        def setup(self) -> None:
            super().setup()
            accepted.append(self.connection)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/exchange/validations/"
    kept = KeptConnections()
    try:
        statuses = [kept.post(url, b"{}", {"Content-Type": "application/json"}, 5) for _ in "abc"]
        assert statuses == [204, 204, 204] and len(accepted) == 1
        accepted[0].shutdown(socket.SHUT_RDWR)  # the seller ends the idle connection
        time.sleep(0.1)
        assert kept.post(url, b"{}", {"Content-Type": "application/json"}, 5) == 204
        assert len(accepted) == 2
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
