"""The JSON client against real HTTP peers on the loopback: what goes on the wire, what comes
back, and how a peer that is down or silent turns into `DependencyDown` within the timeout."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ticketseller.http import DependencyDown, JsonClient


class _Peer:
    """Answers every request with `reply` (status, raw body) and keeps what it received."""

    def __init__(self, reply: tuple[int, bytes]):
        self.reply, self.seen = reply, []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the exchange and the master

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                peer.seen.append((self.command, self.path, dict(self.headers),
                                  self.rfile.read(length)))  # fmt: skip
                status, body = peer.reply
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer():
    server = _Peer((200, b'{"ok": true}'))
    yield server
    server.stop()


def test_a_post_sends_json_under_the_base_path_with_the_clients_headers(peer):
    client = JsonClient(peer.url, timeout=2, headers={"Authorization": "Bearer t"})

    answer = client.post("/payments", {"amount": 7, "name": "Peña"})
    client.get("payments/1")

    assert (answer.status, answer.body, answer.is_json, answer.ok) == (
        200,
        {"ok": True},
        True,
        True,
    )
    (method, path, headers, body), (method2, path2, headers2, body2) = peer.seen
    assert (method, path, json.loads(body)) == (
        "POST",
        "/v1/payments",
        {"amount": 7, "name": "Peña"},
    )
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"] == "application/json" and headers["Authorization"] == "Bearer t"
    assert (method2, path2, body2) == ("GET", "/v1/payments/1", b"")
    assert "Content-Type" not in headers2 and headers2["Authorization"] == "Bearer t"


def test_an_answer_that_is_not_json_keeps_its_text_as_the_message(peer):
    peer.reply = (404, b"<html>Not Found</html>")

    answer = JsonClient(peer.url, timeout=2).get("events")

    assert (answer.status, answer.is_json, answer.ok) == (404, False, False)
    assert answer.body == {"message": "<html>Not Found</html>"}


def test_a_transient_answer_is_retried_then_reported_with_its_message(peer):
    peer.reply = (503, b'{"message": "maintenance"}')
    client = JsonClient(peer.url, timeout=2, attempts=3, backoff_base=0.01, max_sleep=0.5)

    with pytest.raises(DependencyDown, match="HTTP 503 maintenance after 3 attempts"):
        client.get("events")
    assert len(peer.seen) == 3


def test_a_peer_that_is_down_is_dependency_down_after_every_attempt():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = JsonClient(f"http://127.0.0.1:{port}", timeout=1, attempts=2, backoff_base=0.01)

    with pytest.raises(DependencyDown, match="after 2 attempts"):
        client.get("heartbeat")


def test_a_peer_that_accepts_but_never_answers_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the connection; nobody ever reads or writes
        client = JsonClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3,
                            attempts=1)  # fmt: skip
        started = time.monotonic()
        with pytest.raises(DependencyDown, match=r"(?i)timed? ?out"):
            client.post("payments", {"amount": 1})
        assert time.monotonic() - started < 2


def test_a_body_with_nan_is_refused_before_anything_is_sent(peer):
    with pytest.raises(ValueError):
        JsonClient(peer.url, timeout=2).post("payments", {"amount": float("nan")})
    assert peer.seen == []
