"""Validation webhooks: signed bodies, a persistent outbox and the thread that delivers it.

A validation is written to the ``outbox`` table in the same transaction that decides the
payment, so it survives a restart; the dispatcher retries each row with exponential
backoff and jitter until the seller answers 2xx or the attempts run out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import Any

from exchange.store import Store

logger = logging.getLogger("exchange.webhooks")

SIGNATURE_HEADER = "X-Exchange-Signature"


def validation_body(
    *, request_id: str, group_id: int, seller: int, deposit_token: str, valid: bool
) -> bytes:
    """The exact bytes POSTed (and signed) for one validation; compact, sorted keys."""
    payload: dict[str, Any] = {
        "request_id": request_id,
        "group_id": group_id,
        "seller": seller,
        "deposit_token": deposit_token,
        "valid": valid,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The ``X-Exchange-Signature`` value: ``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """Check a received signature in constant time (what a seller's webhook does)."""
    return bool(header) and hmac.compare_digest(sign(body, secret), header.strip())


def backoff_delay(attempts: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after ``attempts`` failed tries: capped exponential, jittered.

    The jitter keeps the delay within [half, full] so retries of many rows spread out but
    never collapse to an immediate retry.
    """
    delay = min(cap, base * 2 ** min(attempts - 1, 40))
    return delay * rng.uniform(0.5, 1.0)


class KeptConnections:
    """HTTP/1.1 connections kept open between webhooks, one per origin and thread (the
    dispatcher's one thread, in practice): a new TCP connection and urllib's request
    machinery for every webhook were a third of the exchange's CPU in an on-sale rush. No
    proxies (the seller is called directly) and no redirects (a 3xx is a failure), as before.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """POST `body`; the answer's status. A connection the seller closed while it was idle
        is opened again once; any other trouble raises (OSError, HTTPException, ValueError)."""
        parts = urllib.parse.urlsplit(url)
        origin = (parts.scheme, parts.hostname, parts.port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept: dict = self._local.__dict__.setdefault("connections", {})
        while True:
            reused = origin in kept
            if not reused:
                kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
                kept[origin] = kind(parts.hostname, parts.port, timeout=timeout)
            connection = kept[origin]
            try:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (ConnectionResetError, BrokenPipeError) as exc:  # RemoteDisconnected too
                self._drop(kept, origin)
                if not reused:
                    raise
                logger.debug("webhook connection to %s was closed (%s): opening another", url, exc)
                continue
            except BaseException:
                self._drop(kept, origin)
                raise
            if response.will_close:
                self._drop(kept, origin)
            return response.status

    @staticmethod
    def _drop(kept: dict, origin) -> None:
        connection = kept.pop(origin, None)
        if connection is not None:
            connection.close()


_CONNECTIONS = KeptConnections()


def post_signed(url: str, body: bytes, *, secret: str, timeout: float) -> tuple[bool, str]:
    """POST one signed body; (delivered, note). Never raises for network trouble."""
    if not url.startswith(("http://", "https://")):
        return False, f"unsupported URL {url!r}"  # only HTTP(S): never file: or ftp:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, secret),
        "User-Agent": "cpe-reference-exchange/1",
    }
    try:
        status = _CONNECTIONS.post(url, body, headers, timeout)
    except (OSError, ValueError, HTTPException) as exc:  # timeouts, refused, bad URL
        return False, f"{type(exc).__name__}: {exc}"
    if 200 <= status < 300:
        return True, f"HTTP {status}"
    return False, f"HTTP {status}"


class WebhookDispatcher:
    """Background thread that drains the outbox; ``wake()`` after queueing a row."""

    def __init__(
        self,
        *,
        store: Store,
        secret: str,
        max_attempts: int,
        backoff_base: float,
        backoff_cap: float,
        timeout: float,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._secret = secret
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._timeout = timeout
        self._clock = clock
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="exchange-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wake.set()

    def deliver_due(self) -> int:
        """Try every row that is due once; returns how many were delivered."""
        with self._store.transaction() as tx:
            rows = tx.outbox_due(self._clock())
        delivered = 0
        for row in rows:
            if self._stop.is_set():
                break
            delivered += self._attempt(row)
        return delivered

    def _attempt(self, row: dict[str, Any]) -> int:
        # The network call happens outside any transaction: the store lock is not held.
        ok, note = post_signed(row["url"], row["body"], secret=self._secret, timeout=self._timeout)
        attempts = row["attempts"] + 1
        now = self._clock()
        if ok:
            status, next_at, error = "delivered", now, None
            logger.info("webhook %s delivered (attempt %d, %s)", row["request_id"], attempts, note)
        elif attempts >= self._max_attempts:
            status, next_at, error = "failed", now, note
            logger.error(
                "webhook %s gave up after %d attempts: %s", row["request_id"], attempts, note
            )
        else:
            delay = backoff_delay(
                attempts, base=self._backoff_base, cap=self._backoff_cap, rng=self._rng
            )
            status, next_at, error = "pending", now + delay, note
            logger.warning(
                "webhook %s attempt %d failed (%s), retry in %.2fs",
                row["request_id"],
                attempts,
                note,
                delay,
            )
        with self._store.transaction() as tx:
            tx.outbox_update(
                row["id"],
                status=status,
                attempts=attempts,
                next_attempt_at=next_at,
                last_error=error,
                delivered_at=now if ok else None,
            )
        return 1 if ok else 0

    def _run(self) -> None:
        while not self._stop.is_set():
            # Clear before scanning: a row queued during the scan sets it again, so the
            # wait below returns at once instead of losing the wake-up.
            self._wake.clear()
            try:
                self.deliver_due()
                with self._store.transaction() as tx:
                    next_due = tx.outbox_next_due()
            except Exception:  # keep delivering after a bad row or a transient error
                logger.exception("webhook dispatcher pass failed")
                next_due = None
            wait = 1.0 if next_due is None else max(0.0, min(1.0, next_due - self._clock()))
            self._wake.wait(wait)
