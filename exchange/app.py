"""The HTTP face of the exchange: a small WSGI application that speaks JSON under ``/v1``."""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from exchange.errors import BadRequest, ExchangeError, NotFound, Unauthorized
from exchange.service import Exchange

logger = logging.getLogger("exchange.http")

MAX_BODY = 1024 * 1024
ADMIN_HEADER = "X-Exchange-Admin-Token"
_STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

StartResponse = Callable[..., Any]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    environ: dict[str, Any]
    params: dict[str, str]

    def header(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def json(self) -> dict[str, Any]:
        """The body as a JSON object, or a 400 that says what is wrong with it."""
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest("invalid Content-Length") from None
        if length > MAX_BODY:
            raise _PayloadTooLarge(f"body larger than {MAX_BODY} bytes")
        raw = self.environ["wsgi.input"].read(length) if length > 0 else b""
        if not raw.strip():
            raise BadRequest("a JSON body is required")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(f"invalid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object")
        return data


class _PayloadTooLarge(ExchangeError):
    status = 413


class _MethodNotAllowed(ExchangeError):
    status = 405


class _Unavailable(ExchangeError):
    status = 503


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


Handler = Callable[[Request], Any]


class ExchangeApp:
    """WSGI application; one instance per exchange."""

    def __init__(
        self, exchange: Exchange, *, admin_token: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.exchange = exchange
        self._admin_token = admin_token
        self._sleep = sleep
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
            (re.compile(r"^/v1/health$"), {"GET": self.health}),
            (re.compile(r"^/v1/events$"), {"GET": self.events}),
            (re.compile(r"^/v1/payments$"), {"POST": self.payment_create}),
            (re.compile(r"^/v1/payments/(?P<request_id>[^/]+)$"), {"GET": self.payment_get}),
            (re.compile(r"^/v1/challenges/solution$"), {"POST": self.solution}),
            (re.compile(r"^/v1/wallet/(?P<group_id>[^/]+)$"), {"GET": self.wallet}),
            (
                re.compile(r"^/v1/admin/switches$"),
                {"GET": self.switches_get, "POST": self.switches_set},
            ),
        ]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        extra_headers: list[tuple[str, str]] = []
        try:
            status, payload = self._dispatch(method, path, environ, extra_headers)
        except ExchangeError as exc:
            status, payload = exc.status, {"message": exc.message}
            if exc.code:
                payload["code"] = exc.code
            if exc.errors:
                payload["errors"] = exc.errors
        except Exception:  # never a traceback to the client; the log keeps it
            logger.exception("unhandled error for %s %s", method, path)
            status, payload = 500, {"message": "internal error"}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            *extra_headers,
        ]
        start_response(f"{status} {_STATUS_TEXT.get(status, 'Error')}", headers)
        query = environ.get("QUERY_STRING")
        logger.info(
            "%s %s%s %d %.1fms",
            method,
            path,
            f"?{query}" if query else "",
            status,
            (time.monotonic() - started) * 1000,
        )
        return [body]

    def _dispatch(
        self,
        method: str,
        path: str,
        environ: dict[str, Any],
        extra_headers: list[tuple[str, str]],
    ) -> tuple[int, Any]:
        if not path.startswith("/v1/admin/"):
            # The switches act before anything else, so a 503 has changed nothing and a
            # client may retry it safely. The admin API is exempt so it can undo them.
            switches = self.exchange.switches
            if switches.latency_ms:
                self._sleep(switches.latency_ms / 1000)
            if self.exchange.request_fails():
                raise _Unavailable("unavailable")
        for pattern, handlers in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            handler = handlers.get(method)
            if handler is None:
                extra_headers.append(("Allow", ", ".join(sorted(handlers))))
                raise _MethodNotAllowed(f"method {method} not allowed on {path}")
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            request = Request(method, path, query, environ, match.groupdict())
            return 200, handler(request)
        raise NotFound(f"no such path: {path}", code="unknown_route")

    # handlers
    def health(self, request: Request) -> Any:
        return {"status": "ok"}

    def events(self, request: Request) -> Any:
        raw = request.query.get("page", ["1"])[0]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            raise BadRequest(f"page must be a positive integer, got {raw!r}")
        return self.exchange.events_page(page=int(raw))

    def payment_create(self, request: Request) -> Any:
        return self.exchange.payment_create(body=request.json())

    def payment_get(self, request: Request) -> Any:
        return self.exchange.payment_get(request_id=request.params["request_id"])

    def solution(self, request: Request) -> Any:
        return self.exchange.solution_submit(body=request.json())

    def wallet(self, request: Request) -> Any:
        raw = request.params["group_id"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 15 or int(raw) < 1:
            raise BadRequest(f"group_id must be a positive integer, got {raw!r}")
        return self.exchange.wallet_get(group_id=int(raw))

    def switches_get(self, request: Request) -> Any:
        self._check_admin(request)
        return self.exchange.switches.as_dict()

    def switches_set(self, request: Request) -> Any:
        self._check_admin(request)
        return self.exchange.switches_update(changes=request.json()).as_dict()

    def _check_admin(self, request: Request) -> None:
        given = request.header(ADMIN_HEADER) or ""
        if not hmac.compare_digest(given.encode("utf-8"), self._admin_token.encode("utf-8")):
            raise Unauthorized(f"missing or wrong {ADMIN_HEADER} header")
