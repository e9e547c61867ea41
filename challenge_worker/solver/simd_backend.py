"""numba backend: 32 candidates per step in vector registers (AVX-512 / AVX2).

How a range is scanned:

1. The prefix's whole 64-byte blocks are compressed once (the *midstate*). What is left of
   the prefix (``r`` bytes), the decimal digits, the ``0x80`` pad byte and the 64-bit length
   form the last block. If they do not fit in one block (``r + digits + 9 > 64``) or ``r < 8``
   (see :func:`fits_fast_path`; with UUID tokens only challenge ids of 38 or more characters)
   that part of the range goes to the python backend.
2. Candidates are split by decimal length, then written ``hi * 10**k + lo`` with ``k <= 4``
   low digits. The kernel hashes 32 consecutive ``hi`` values side by side (one lane each)
   and walks ``lo`` in the inner loop by OR-ing precomputed digit bytes into the message
   words; no string is formatted per candidate.
3. Rounds that see only prefix words are done once per call, rounds 2..60 in the kernel,
   which compares the ``e`` register after round 60 with the target (the final ``h`` word
   minus the midstate). A match is confirmed with hashlib here (false matches: 1 in 2**32).
   When the digits and the pad byte end by message word ``SHORT_LAST`` (the usual case: a
   UUID token, a short challenge id), the ``_short`` kernel runs: it knows the words after
   it are zero and skips what they would add (about 5 % faster).
4. Whole lane groups only: a range whose ``hi`` count is not a multiple of 32 leaves the
   remainder to ``k - 1`` low digits (ten times as many ``hi`` values), down to ``k = 0``
   where at most 31 lanes are padding. :data:`CHUNK` is a multiple of 32 * 10**4, so
   chunks that ``solve`` cuts on multiples of it waste nothing.

Compiled code is cached on disk by numba (``NUMBA_CACHE_DIR``, default
``<repo>/.numba_cache``): the first process compiles (seconds), later ones load (well under
a second). Compiled kernels survive ``fork``: warm up before forking workers.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from functools import lru_cache
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("NUMBA_CACHE_DIR", str(_REPO_ROOT / ".numba_cache"))

import numpy as np  # noqa: E402  (after NUMBA_CACHE_DIR is set)
from numba.core import config as _numba_config  # noqa: E402

if not _numba_config.CACHE_DIR:  # numba was imported earlier, without NUMBA_CACHE_DIR:
    # the cache location is chosen when @njit(cache=True) runs, so set it before that
    _numba_config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]

from . import _simd_kernel as kernel  # noqa: E402
from .base import Backend, digit_ranges, is_solution  # noqa: E402
from .gen_kernel import K as _K  # noqa: E402
from .python_backend import PythonBackend  # noqa: E402

__all__ = ["CHUNK", "LANES", "SimdBackend", "fits_fast_path"]

LANES = kernel.LANES
MAX_LOW_DIGITS = 4
#: ``solve`` checks ``should_stop`` every CHUNK candidates (1.28 M): about 20 ms at 60 M/s.
CHUNK = 4 * LANES * 10**MAX_LOW_DIGITS

_M = 0xFFFFFFFF
_IV = (
    0x6A09E667,
    0xBB67AE85,
    0x3C6EF372,
    0xA54FF53A,
    0x510E527F,
    0x9B05688C,
    0x1F83D9AB,
    0x5BE0CD19,
)


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _M


def _sha256_rounds(state: tuple[int, ...], words: list[int], rounds: int) -> tuple[int, ...]:
    """Run the first ``rounds`` rounds of SHA-256 on ``state``; return a..h (no feed-forward)."""
    w = list(words)
    for t in range(16, rounds):
        s0 = _rotr(w[t - 15], 7) ^ _rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = _rotr(w[t - 2], 17) ^ _rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & _M)
    a, b, c, d, e, f, g, h = state
    for t in range(rounds):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        t1 = (h + s1 + ((e & f) ^ (~e & g)) + _K[t] + w[t]) & _M
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) & _M
        a, b, c, d, e, f, g, h = (t1 + t2) & _M, a, b, c, (d + t1) & _M, e, f, g
    return a, b, c, d, e, f, g, h


@lru_cache(maxsize=64)
def _midstate(head: bytes) -> tuple[int, ...]:
    """SHA-256 state after compressing ``head`` (a multiple of 64 bytes), without padding."""
    state = _IV
    for i in range(0, len(head), 64):
        words = list(struct.unpack(">16I", head[i : i + 64]))
        out = _sha256_rounds(state, words, 64)
        state = tuple((x + y) & _M for x, y in zip(state, out, strict=True))
    return state


@lru_cache(maxsize=32)
def _low_table(k: int, offset: int) -> np.ndarray:
    """Message-word bits of the ``k`` low digits of every ``lo < 10**k``.

    The digits start ``offset`` (0..3) bytes into a word; row ``lo`` holds that word and the
    next one, big-endian, as the kernel ORs them into the message.
    """
    lo = np.arange(10**k, dtype=np.uint64)
    words = np.zeros(10**k, dtype=np.uint64)  # 8 bytes: the two words
    for i in range(k):
        digit = (lo // 10 ** (k - 1 - i)) % 10 + 48
        words |= digit << np.uint64(8 * (7 - offset - i))
    table = np.empty((10**k, 2), dtype=np.uint32)
    table[:, 0] = words >> np.uint64(32)
    table[:, 1] = words & np.uint64(_M)
    return table


def _plan(a: int, b: int, k: int) -> list[tuple[int, int, int, int, int]]:
    """Cut ``[a, b]`` (one decimal length) into kernel calls ``(k, hi, count, lo0, lo1)``.

    Each call scans ``hi' * 10**k + lo`` for ``hi <= hi' < hi + count``, ``lo0 <= lo <= lo1``.
    Full groups of ``LANES`` values of ``hi`` use ``k`` low digits; the edges go one level
    down, so only the last level (``k = 0``) ever pads a group.
    """
    if k == 0:
        return [(0, a, b - a + 1, 0, 0)]
    size = 10**k
    hi_lo = -(-a // size)
    full = ((b + 1) // size - hi_lo) // LANES * LANES
    if full <= 0:
        return _plan(a, b, k - 1)
    calls = []
    if a < hi_lo * size:
        calls += _plan(a, hi_lo * size - 1, k - 1)
    calls.append((k, hi_lo, full, 0, size - 1))
    rest = (hi_lo + full) * size
    if rest <= b:
        calls += _plan(rest, b, k - 1)
    return calls


def fits_fast_path(tail_length: int, digits: int) -> bool:
    """Can the kernel hash ``tail + digits``? The prefix's last ``tail_length`` bytes, the
    digits, the 0x80 byte and the 8-byte length must fit one block, and words 0-1 of that
    block must hold prefix bytes only (the kernel starts at round 2).

    With a 36-character UUID token the tail is ``8 + len(challenge_id)`` bytes, so
    challenge ids of up to 37 characters take the fast path for 10-digit secrets.
    """
    return tail_length >= 4 * kernel.SKIP and tail_length + digits + 9 <= 64


class SimdBackend(Backend):
    name = "simd"
    chunk_size = CHUNK

    def __init__(self) -> None:
        self._fallback = PythonBackend()

    def warm_up(self) -> float:
        """Compile (or load from the numba cache) the kernels used for UUID tokens: the
        short one (short challenge ids) and the general one (longer ids)."""
        t0 = time.perf_counter()
        for challenge_id in ("1", "abcdefghijkl"):
            prefix = b"deposit_token=00000000-0000-0000-0000-000000000000&challenge_id=%s&secret="
            prefix %= challenge_id.encode()
            target = hashlib.sha256(prefix + b"77").digest()
            if self.search(prefix, target, 1, 100) != 77:
                raise RuntimeError("simd kernel warm-up gave a wrong answer")
        return time.perf_counter() - t0

    def self_test(self) -> None:
        """Check the kernel against hashlib on a few awkward cases; raise if it disagrees."""
        token = "5d0c6a3e-1b2f-4c8d-9e7a-0f1e2d3c4b5a"
        for cid, secret, start, end in [
            ("1", 99_999, 99_990, 100_010),
            ("42", 1_000_000, 999_001, 1_000_100),
            ("123", 10, 1, 10),
            ("abcdefghijkl", 123_456_789, 123_456_700, 123_456_800),
        ]:
            prefix = f"deposit_token={token}&challenge_id={cid}&secret=".encode()
            target = hashlib.sha256(prefix + b"%d" % secret).digest()
            if self.search(prefix, target, start, end) != secret:
                raise RuntimeError(f"simd kernel missed secret {secret} (challenge id {cid!r})")
            if self.search(prefix, target, start, secret - 1) is not None:
                raise RuntimeError("simd kernel reported a secret outside the range")

    def search(self, prefix: bytes, target: bytes, start: int, end: int) -> int | None:
        cut = len(prefix) - len(prefix) % 64
        mid = _midstate(prefix[:cut])
        tail = prefix[cut:]
        e60 = np.uint32((struct.unpack(">8I", target)[7] - mid[7]) & _M)
        for a, b, digits in digit_ranges(start, end):
            if not fits_fast_path(len(tail), digits):
                found = self._fallback.search(prefix, target, a, b)
            else:
                found = self._search_digits(prefix, mid, tail, target, e60, a, b, digits)
            if found is not None:
                return found
        return None

    def _search_digits(self, prefix, mid, tail, target, e60, a, b, digits) -> int | None:
        r = len(tail)
        bit_length = (len(prefix) + digits) * 8
        block = (
            tail + bytes(digits) + b"\x80" + bytes(55 - r - digits) + struct.pack(">Q", bit_length)
        )
        words = struct.unpack(">16I", block)
        wtpl = np.array(words, dtype=np.uint32)
        state = np.array(_sha256_rounds(mid, list(words), kernel.SKIP), dtype=np.uint32)
        # the digits and the pad byte end by word SHORT_LAST: the kernel that skips the zeros
        scan = kernel.scan_short if (r + digits) // 4 <= kernel.SHORT_LAST else kernel.scan
        for k, hi_first, hi_count, lo_first, lo_last in _plan(
            a, b, min(MAX_LOW_DIGITS, digits - 1)
        ):
            low_at = r + digits - k
            lotab = _low_table(k, low_at % 4)
            lw0 = low_at // 4
            tasks = [(hi_first, hi_count, lo_first)]
            while tasks:
                h0, count, lo0 = tasks.pop()
                group, lo = scan(
                    state, wtpl, lotab, lw0, lw0 + 1, r, digits - k, h0, count, lo0, lo_last, e60
                )
                if group < 0:
                    continue
                for j in range(LANES):
                    n = (h0 + min(group + j, count - 1)) * 10**k + lo
                    if is_solution(prefix, target, n):
                        return n
                # a false match (1 in 2**32): resume after it
                if group + LANES < count:
                    tasks.append((h0 + group + LANES, count - group - LANES, lo0))
                if lo < lo_last:
                    tasks.append((h0 + group, min(LANES, count - group), lo + 1))
        return None
