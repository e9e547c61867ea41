"""A real HTTP peer that answers what a test scripts: for the exchange answers the reference
exchange never gives (no status extension, 429 with Retry-After, a body that is not JSON,
`"valid": "false"`). It listens on a free port in a thread of the test process. Given an
`upstream` (the reference exchange), it stands in front of it: what is not scripted, and
every `FORWARD` in a script, goes through to the real exchange."""

import json
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: object = field(default_factory=dict)  # bytes are sent as they are, the rest as JSON
    headers: dict[str, str] = field(default_factory=dict)


FORWARD = Answer(0)  # in a script: pass this request through to the upstream exchange


class ScriptedExchange:
    """`answer(method, path_prefix, *answers)`: the answers given in order, the last one
    repeated. Unscripted paths answer 404 as a server without that route would."""

    def __init__(self, upstream: str | None = None):
        self.upstream = upstream.rstrip("/") if upstream else None
        self.lock = threading.Lock()
        self.script: dict[tuple[str, str], list[Answer]] = {}
        self.requests: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, method: str, prefix: str, *answers: Answer) -> None:
        self.script[(method, prefix)] = list(answers)

    def calls(self, method: str, prefix: str) -> list[dict]:
        return self.requests[(method, prefix)]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _reply(self, method: str, path: str, body: bytes) -> Answer:
        answer = self._scripted(method, path, body)
        if answer is FORWARD or (answer is None and self.upstream):
            return self._forward(method, path, body)
        if answer is None:
            return Answer(404, b"<html>Not Found</html>", {"Content-Type": "text/html"})
        return answer

    def _scripted(self, method: str, path: str, body: bytes) -> Answer | None:
        with self.lock:
            for (m, prefix), answers in self.script.items():
                if m == method and path.startswith(prefix):
                    self.requests[(m, prefix)].append(json.loads(body) if body else {})
                    return answers.pop(0) if len(answers) > 1 else answers[0]
        return None

    def _forward(self, method: str, path: str, body: bytes) -> Answer:
        request = urllib.request.Request(
            f"{self.upstream}{path}", data=body or None, method=method,
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())

    def _handler(self):
        exchange = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                answer = exchange._reply(self.command, self.path.removeprefix("/v1"), raw)
                body = answer.body
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        return Handler
