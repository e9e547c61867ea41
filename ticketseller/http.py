"""A small JSON-over-HTTP client for the integrations (exchange, workers master).

Every call has a timeout. Transport errors and transient answers (408, 425, 429, 5xx) are
retried with exponential backoff and full jitter, waiting at least what `Retry-After`
(seconds) asks; all the pauses of one call together never exceed `max_sleep`, the caller's
share of its deadline, so a job never sleeps for long inside a worker. Other answers are
returned at once (retrying cannot fix a 4xx). The callers make retries safe: the exchange is
idempotent by `request_id`, the master by `deposit_token`.
"""

import json as jsonlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

log = logging.getLogger(__name__)


# Answers that say "not now" rather than "no": worth another try.
TRANSIENT_STATUSES = frozenset({408, 425, 429})


def is_transient(status: int) -> bool:
    return status in TRANSIENT_STATUSES or status >= 500


class DependencyDown(Exception):
    """The remote service did not answer usefully after every retry (a transient failure)."""


@dataclass(frozen=True)
class JsonResponse:
    status: int
    body: Any
    # False when the body was not JSON (then `body` is `{"message": <the text>}`).
    is_json: bool = True

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class JsonClient:
    base_url: str
    timeout: float = 5.0
    attempts: int = 4
    backoff_base: float = 0.2
    # No retry sleeps longer than this (also caps a Retry-After): a step's share of the deadline.
    backoff_cap: float = field(default_factory=lambda: settings.HTTP_BACKOFF_CAP_SECONDS)
    max_sleep: float = 3.0  # seconds of pauses between the attempts of one call, at most
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._prefix = urlsplit(self.base_url).path
        # One keep-alive connection pool per client, urllib3's own: `requests` on top of it
        # cost twice the CPU per call, and a payment step makes several calls. Retries are
        # ours (below), so urllib3 makes none and follows no redirect.
        self._pool = urllib3.connection_from_url(
            self.base_url,
            retries=False,
            timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            headers={"Accept": "application/json", **(self.headers or {})},
        )

    def request(self, method: str, path: str, *, json: Any = None, attempts: int | None = None):
        url = f"{self.base_url}/{path.lstrip('/')}"
        target = f"{self._prefix}/{path.lstrip('/')}"
        payload, headers = _encoded(json, self._pool.headers)
        tries = attempts or self.attempts
        last_error, slept = "", 0.0
        for attempt in range(1, tries + 1):
            asked: float | None = None
            try:
                response = self._pool.urlopen(method, target, body=payload, headers=headers)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                body, is_json = _json_or_text(response.data)
                if not is_transient(response.status):
                    return JsonResponse(response.status, body, is_json)
                last_error = f"HTTP {response.status} {_message(body)}".strip()
                asked = retry_after_seconds(response.headers.get("Retry-After"))
            pause = self._pause(attempt, asked, slept) if attempt < tries else None
            if pause is None:
                if asked and attempt < tries:
                    last_error += f" (Retry-After {asked:g}s is beyond this call's budget)"
                break
            log.warning(
                "%s %s failed (%s), retry %d in %.2fs", method, url, last_error, attempt, pause
            )
            time.sleep(pause)
            slept += pause
        raise DependencyDown(f"{method} {url}: {last_error} after {attempt} attempts")

    def _pause(self, attempt: int, asked: float | None, slept: float) -> float | None:
        """How long to wait before the next attempt; None when the budget does not allow
        one (an exchange asking for longer than we may wait is as good as down for now)."""
        left = self.max_sleep - slept
        if asked is not None and asked > left:
            return None
        backoff = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        pause = min(max(backoff, asked or 0.0), left)
        return pause if left > 0 else None

    def get(self, path: str, **kwargs) -> JsonResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any, **kwargs) -> JsonResponse:
        return self.request("POST", path, json=json, **kwargs)


def _encoded(json: Any, headers: dict[str, str]) -> tuple[bytes | None, dict[str, str]]:
    """The request body and headers: JSON when there is a body (NaN refused, as JSON has
    none), nothing otherwise."""
    if json is None:
        return None, headers
    body = jsonlib.dumps(json, allow_nan=False).encode()
    return body, {**headers, "Content-Type": "application/json"}


def _json_or_text(data: bytes) -> tuple[Any, bool]:
    try:
        return jsonlib.loads(data), True
    except ValueError:  # not JSON, or not UTF-8
        return {"message": data.decode("utf-8", "replace")[:500]}, False


def _message(body: Any) -> str:
    return str(body.get("message", ""))[:300] if isinstance(body, dict) else ""


def retry_after_seconds(header: str | None) -> float | None:
    """`Retry-After` in seconds (the form exchanges use); None when absent or unreadable."""
    try:
        seconds = float((header or "").strip())
    except ValueError:
        return None
    return min(max(seconds, 0.0), 24 * 3600.0) if seconds == seconds else None


_local = threading.local()


def json_client(
    base_url: str,
    *,
    timeout: float,
    attempts: int = 4,
    max_sleep: float = 3.0,
    headers: dict[str, str] | None = None,
) -> JsonClient:
    """A client reused per thread and configuration, so connections are kept alive and
    each thread has its own (a pool holds one idle connection per caller)."""
    key = (base_url, timeout, attempts, max_sleep, tuple(sorted((headers or {}).items())))
    clients = _local.__dict__.setdefault("clients", {})
    if key not in clients:
        clients[key] = JsonClient(
            base_url, timeout=timeout, attempts=attempts, max_sleep=max_sleep, headers=headers
        )
    return clients[key]
