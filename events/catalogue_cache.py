"""The catalogue's read cache: answers keyed by a shared catalogue version.

Every cached answer's key holds the *catalogue version*, a random token kept in Redis. A
sync or an admin edit that changes events replaces the token after its commit, so every web
process misses on its next request and reads the database again. Purchases change seats all
the time and do not bump it: the cached answers simply live `CATALOGUE_CACHE_SECONDS`, which
bounds how stale "seats left" can be (the buy path re-checks seats and prices under locks).

Redis is asked once per request, with the shared cache's short timeouts. When it stalls or is
down there is no version, nothing is cached and the catalogue is read from the database; after
an error this process leaves Redis alone for a few seconds (each try would cost a timeout).
"""

import datetime as dt
import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property

log = logging.getLogger(__name__)

VERSION_KEY = "catalogue:version"
#: After a Redis error, this process skips the version (and so the cache) this long.
PAUSE_AFTER_ERROR = 5.0
#: Counts change only when events are added or removed, which bumps the version; the day is in
#: the key (past days are hidden). The limit only bounds a bump that Redis missed.
COUNT_SECONDS = 60

_client: redis.Redis | None = None
_down_until = 0.0


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.CACHE_SOCKET_TIMEOUT,
            socket_timeout=settings.CACHE_SOCKET_TIMEOUT,
            health_check_interval=settings.REDIS_HEALTH_CHECK_INTERVAL,
        )
    return _client


def _redis_failed(exc: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + PAUSE_AFTER_ERROR
    log.warning("catalogue cache off for %.0fs: %s", PAUSE_AFTER_ERROR, exc)


def catalogue_version() -> str | None:
    """The current catalogue version, or None (cache off) when Redis cannot tell."""
    if settings.CATALOGUE_CACHE_SECONDS <= 0 or time.monotonic() < _down_until:
        return None
    try:
        client = _redis()
        value = client.get(VERSION_KEY)
        if value is None:
            # A fresh (or flushed) Redis: start a new random version, never reuse an old one.
            client.set(VERSION_KEY, uuid.uuid4().hex, nx=True)
            value = client.get(VERSION_KEY)
    except redis.RedisError as exc:
        _redis_failed(exc)
        return None
    return value.decode() if value is not None else None


def catalogue_version_bump() -> None:
    """Invalidate every cached catalogue answer, in every process. Call after the commit."""
    try:
        _redis().set(VERSION_KEY, uuid.uuid4().hex)
    except redis.RedisError as exc:
        # The short lifetime of the answers still bounds how long they stay stale.
        _redis_failed(exc)


def catalogue_changed() -> None:
    """Bump the version once the current transaction commits (at once outside one)."""
    transaction.on_commit(catalogue_version_bump)


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def catalogue_key(kind: str, version: str, *parts: object) -> str:
    return f"catalogue:{kind}:{version}:{_digest(*parts)}"


def count_key(*, version: str | None, filters: dict) -> str | None:
    """The key of the number of events a filter matches, or None (no cache)."""
    if version is None:
        return None
    return catalogue_key("count", version, sorted(resolved_filters(filters).items()))


@dataclass(frozen=True)
class Answer:
    """A rendered answer as the cache keeps it."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> "Answer":
        return cls(body=body, etag='"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')


def answer_get(key: str | None) -> Answer | None:
    return cache.get(key) if key is not None else None


def answer_set(key: str | None, answer: Answer) -> None:
    if key is not None:
        cache.set(key, answer, settings.CATALOGUE_CACHE_SECONDS)


class CountCachedPaginator(Paginator):
    """A paginator that counts a filter once per catalogue version, not on every page."""

    def __init__(self, object_list, per_page, *, count_key: str | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return super().count
        number = cache.get(self.count_key)
        if number is None:
            number = super().count
            cache.set(self.count_key, number, COUNT_SECONDS)
        return number


def resolved_filters(cleaned: dict) -> dict:
    """The filter as the selector applies it (blank search and today's default made explicit)."""
    date_from: dt.date | None = cleaned.get("date_from")
    return {
        "search": (cleaned.get("search") or "").strip(),
        "date_from": date_from or timezone.localdate(),
        "date_to": cleaned.get("date_to"),
    }
