"""A small JSON-over-HTTP client for the integrations (exchange, workers master).

Every call has a timeout. Transport errors and 5xx answers are retried with exponential
backoff and full jitter; 4xx answers are returned at once (retrying cannot fix them). The
callers make retries safe: the exchange is idempotent by `request_id`, the master by
`deposit_token`.
"""

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

log = logging.getLogger(__name__)


class DependencyDown(Exception):
    """The remote service did not answer usefully after every retry."""


@dataclass(frozen=True)
class JsonResponse:
    status: int
    body: Any

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
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        # One pooled session per client: keep-alive saves a handshake per call.
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", **(self.headers or {})})

    def request(self, method: str, path: str, *, json: Any = None, attempts: int | None = None):
        url = f"{self.base_url}/{path.lstrip('/')}"
        tries = attempts or self.attempts
        last_error: str = ""
        for attempt in range(1, tries + 1):
            try:
                response = self._session.request(method, url, json=json, timeout=self.timeout)
            except requests.RequestException as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 500:
                    return JsonResponse(response.status_code, _json_or_text(response))
                last_error = f"HTTP {response.status_code}"
            if attempt < tries:
                delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
                log.warning(
                    "%s %s failed (%s), retry %d in %.2fs", method, url, last_error, attempt, delay
                )
                time.sleep(delay)
        raise DependencyDown(f"{method} {url}: {last_error} after {tries} attempts")

    def get(self, path: str, **kwargs) -> JsonResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any, **kwargs) -> JsonResponse:
        return self.request("POST", path, json=json, **kwargs)


def _json_or_text(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"message": response.text[:500]}


_local = threading.local()


def json_client(
    base_url: str, *, timeout: float, attempts: int = 4, headers: dict[str, str] | None = None
) -> JsonClient:
    """A client reused per thread and configuration, so connections are kept alive
    (a `requests.Session` must not be shared between threads)."""
    key = (base_url, timeout, attempts, tuple(sorted((headers or {}).items())))
    clients = _local.__dict__.setdefault("clients", {})
    if key not in clients:
        clients[key] = JsonClient(base_url, timeout=timeout, attempts=attempts, headers=headers)
    return clients[key]
