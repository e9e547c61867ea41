"""Pure-Python backend: hashlib with a saved midstate.

The constant prefix is longer than one SHA-256 block, so it is hashed once and the hash
object is copied for every candidate. Candidates are grouped by their high digits: the copy
that already holds ``prefix + high digits`` is made once per 1000 candidates, and the three
low digits come from a precomputed tuple of byte strings, so the hot loop is
``copy / update / digest / compare`` on raw 32-byte digests and nothing else.

Measured on the reference machine: about 3.4 M candidates/s per core (0.5x OpenSSL's
single-core rate), against 1.7-1.85 M/s for the naive
``hashlib.sha256(f"...{n}".encode()).hexdigest() == h`` loop.
"""

from __future__ import annotations

import hashlib

from .base import Backend, digit_ranges

__all__ = ["PythonBackend"]

_LOW_DIGITS = 3
_LOW = 10**_LOW_DIGITS
# b"000", b"001", ..., b"999": the low digits of every candidate with at least 4 digits.
_SUFFIXES = tuple(b"%0*d" % (_LOW_DIGITS, i) for i in range(_LOW))
_HASH = type(hashlib.sha256())


class PythonBackend(Backend):
    name = "python"
    chunk_size = 100_000  # about 30 ms at 3.4 M/s

    def search(self, prefix: bytes, target: bytes, start: int, end: int) -> int | None:
        base = hashlib.sha256(prefix)
        for a, b, digits in digit_ranges(start, end):
            if digits <= _LOW_DIGITS or b - a < 2 * _LOW:
                found = _scan_plain(base, target, a, b)
            else:
                found = _scan_blocks(base, target, a, b)
            if found is not None:
                return found
        return None


def _scan_plain(base: _HASH, target: bytes, a: int, b: int) -> int | None:
    """One ``b"%d" % n`` per candidate; used for short numbers and short ranges."""
    copy = _HASH.copy
    update = _HASH.update
    digest = _HASH.digest
    for n in range(a, b + 1):
        h = copy(base)
        update(h, b"%d" % n)
        if digest(h) == target:
            return n
    return None


def _scan_blocks(base: _HASH, target: bytes, a: int, b: int) -> int | None:
    """Candidates ``high * 1000 + low``: one hash copy per ``high``, then the 3 low digits."""
    copy = _HASH.copy
    update = _HASH.update
    digest = _HASH.digest
    suffixes = _SUFFIXES
    high_first, low_first = divmod(a, _LOW)
    high_last, low_last = divmod(b, _LOW)
    for high in range(high_first, high_last + 1):
        block = suffixes
        if high in (high_first, high_last):
            lo = low_first if high == high_first else 0
            hi = low_last + 1 if high == high_last else _LOW
            block = suffixes[lo:hi]
        head = copy(base)
        update(head, b"%d" % high)
        for suffix in block:
            h = copy(head)
            update(h, suffix)
            if digest(h) == target:
                return high * _LOW + int(suffix)
    return None
