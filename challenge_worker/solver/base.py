"""Shared pieces of the solver: the result type, input checks and the backend contract.

A challenge asks for the integer ``secret`` whose message

    deposit_token=<token>&challenge_id=<cid>&secret=<secret>

hashes (SHA-256) to a given digest. Everything up to ``secret=`` is a constant *prefix*; a
backend only ever sees that prefix (bytes), the raw 32-byte target digest and an inclusive
range of candidates.
"""

from __future__ import annotations

import abc
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "Backend",
    "BackendUnavailable",
    "SolveResult",
    "build_prefix",
    "digit_ranges",
    "parse_challenge_hash",
    "validate_range",
]


class BackendUnavailable(RuntimeError):
    """The requested backend cannot run in this process (e.g. numba is not installed)."""


@dataclass(frozen=True)
class SolveResult:
    """Outcome of one :func:`solve` call.

    ``secret`` is ``None`` when the range holds no solution or the scan was stopped early;
    ``tried`` counts the candidates actually covered; ``backend`` names the backend used.
    """

    secret: int | None
    tried: int
    seconds: float
    backend: str


def build_prefix(deposit_token: str, challenge_id: str | int) -> bytes:
    """Return the constant part of the message, up to and including ``secret=``."""
    return f"deposit_token={deposit_token}&challenge_id={challenge_id}&secret=".encode()


def parse_challenge_hash(challenge_hash: str) -> bytes:
    """Turn the 64-character hex digest into its 32 raw bytes, or raise ``ValueError``."""
    if not isinstance(challenge_hash, str) or len(challenge_hash) != 64:
        raise ValueError(
            f"challenge_hash must be a 64-character hex SHA-256 digest, got {challenge_hash!r}"
        )
    try:
        return bytes.fromhex(challenge_hash)
    except ValueError:
        raise ValueError(
            f"challenge_hash must be a 64-character hex SHA-256 digest, got {challenge_hash!r}"
        ) from None


def validate_range(start: int, end: int) -> None:
    """Raise ``ValueError`` unless ``1 <= start <= end`` (both plain integers)."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if start < 1:
        raise ValueError(f"start must be >= 1 (secrets are positive integers), got {start}")
    if end < start:
        raise ValueError(f"end must be >= start, got start={start} end={end}")


def digit_ranges(start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """Split ``[start, end]`` into pieces whose numbers share a decimal length.

    Yields ``(a, b, digits)`` with inclusive bounds, in increasing order, e.g.
    ``digit_ranges(95, 1003)`` gives ``(95, 99, 2), (100, 999, 3), (1000, 1003, 4)``.
    """
    a = start
    while a <= end:
        digits = len(str(a))
        b = min(end, 10**digits - 1)
        yield a, b, digits
        a = b + 1


def is_solution(prefix: bytes, target: bytes, secret: int) -> bool:
    """The reference check, with hashlib: does ``prefix + str(secret)`` hash to ``target``?"""
    return hashlib.sha256(prefix + b"%d" % secret).digest() == target


class Backend(abc.ABC):
    """One way of scanning candidates. Instances are cheap; keep one per process.

    Subclasses implement :meth:`search`; they may return a candidate that a fast filter
    matched, but only after confirming it with hashlib themselves (``solve`` checks again).
    """

    #: short name reported by workers ("python", "simd")
    name: str = "?"
    #: ``solve`` cuts ranges at multiples of this many candidates and checks ``should_stop``
    #: between chunks; sized for roughly 20-50 ms of work.
    chunk_size: int = 100_000

    @abc.abstractmethod
    def search(self, prefix: bytes, target: bytes, start: int, end: int) -> int | None:
        """Return the secret in ``[start, end]`` (inclusive) whose hash is ``target``, or None.

        ``prefix`` is the message up to ``secret=`` (see :func:`build_prefix`), ``target`` the
        raw 32-byte digest. Bounds are trusted (``1 <= start <= end``).
        """

    def warm_up(self) -> float:
        """Compile or load whatever the backend needs; return the seconds it took."""
        return 0.0

    def measure_rate(self, seconds: float = 0.2) -> float:
        """Scan a range with no solution for about ``seconds``; return candidates per second.

        The prefix is shaped like a real one (UUID token, short challenge id) and the
        candidates are 6-digit numbers, as for the default ``MAX_SECRET``.
        """
        prefix = build_prefix("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b", 7)
        target = hashlib.sha256(b"no candidate hashes to this").digest()
        size = max(self.chunk_size // 10, 1_000)
        spent = 0.0
        scanned = 0
        first = 100_000
        while spent < seconds:
            last = min(first + size - 1, 999_999)
            t0 = time.perf_counter()
            self.search(prefix, target, first, last)
            spent += time.perf_counter() - t0
            scanned += last - first + 1
            first = last + 1 if last < 999_999 else 100_000
            if spent < seconds / 4:
                size *= 2
        return scanned / spent

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default
