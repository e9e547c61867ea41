"""Choosing a backend and running a solve."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .base import (
    Backend,
    BackendUnavailable,
    SolveResult,
    build_prefix,
    env_str,
    is_solution,
    parse_challenge_hash,
    validate_range,
)
from .python_backend import PythonBackend

__all__ = ["BACKEND_NAMES", "get_backend", "solve"]

log = logging.getLogger(__name__)

BACKEND_NAMES = ("auto", "simd", "python")

_backends: dict[str, Backend] = {}
_backends_lock = threading.Lock()


def get_backend(name: str = "auto") -> Backend:
    """Return the process-wide backend called ``name``: "auto", "simd" or "python".

    ``"auto"`` (the default) is first replaced by the ``SOLVER_BACKEND`` environment variable
    when that is set. It then means: ``simd`` when numba imports, the kernel compiles (or
    loads from the numba cache) and it agrees with hashlib on a self-test; otherwise
    ``python``, with a logged warning. Asking for ``"simd"`` explicitly raises
    :class:`BackendUnavailable` instead of falling back.

    The simd backend is warmed up (compiled) here, so the first call can take seconds on a
    cold cache; later calls return the same instance. Call it before forking worker
    processes and the children inherit the compiled kernels.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key == "auto":
        key = env_str("SOLVER_BACKEND", "auto").lower()
    if key not in BACKEND_NAMES:
        raise ValueError(f"unknown solver backend {name!r}; expected one of {BACKEND_NAMES}")
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            backend = _make_backend(key)
            _backends[key] = backend
        return backend


def _make_backend(key: str) -> Backend:
    if key == "python":
        return PythonBackend()
    if key == "simd":
        return _load_simd()
    try:
        return _load_simd()
    except BackendUnavailable as exc:
        log.warning("solver: simd backend unavailable, using the python backend: %s", exc)
        return PythonBackend()


def _load_simd() -> Backend:
    try:
        from .simd_backend import SimdBackend
    except ImportError as exc:  # numba missing or broken
        raise BackendUnavailable(f"cannot import numba/numpy: {exc}") from exc
    backend = SimdBackend()
    try:
        backend.warm_up()
        backend.self_test()
    except Exception as exc:
        raise BackendUnavailable(f"simd kernel failed to compile or self-test: {exc!r}") from exc
    return backend


def _clear_backend_cache() -> None:
    """Forget the chosen backends (tests use this to re-run the selection)."""
    with _backends_lock:
        _backends.clear()


def solve(
    *,
    deposit_token: str,
    challenge_id: str | int,
    challenge_hash: str,
    start: int,
    end: int,
    backend: Backend | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SolveResult:
    """Find the secret in ``[start, end]`` (both included) whose message hashes to the target.

    The range is scanned in chunks of ``backend.chunk_size`` candidates (20-50 ms of work);
    ``should_stop`` is called before each chunk, and when it returns true the scan ends with
    ``secret=None`` and ``tried`` = the candidates scanned so far. A hit is always re-checked
    with hashlib before it is returned. Raises ``ValueError`` for ``start < 1``,
    ``end < start``, a hash that is not 64 hex characters, or an empty token / challenge id.
    """
    target, prefix = _check_inputs(deposit_token, challenge_id, challenge_hash, start, end)
    if backend is None:
        backend = get_backend()
    t0 = time.perf_counter()
    tried = 0
    step = backend.chunk_size
    a = start
    while a <= end:
        if should_stop is not None and should_stop():
            break
        b = min(end, (a // step + 1) * step - 1)  # chunk ends on a multiple of the step
        hit = backend.search(prefix, target, a, b)
        if hit is not None and not (a <= hit <= b and is_solution(prefix, target, hit)):
            log.error(
                "solver: backend %s returned %r for [%d, %d], which is not a solution; "
                "rescanning the chunk with the python backend",
                backend.name,
                hit,
                a,
                b,
            )
            hit = PythonBackend().search(prefix, target, a, b)
        if hit is not None:
            return SolveResult(hit, tried + hit - a + 1, time.perf_counter() - t0, backend.name)
        tried += b - a + 1
        a = b + 1
    return SolveResult(None, tried, time.perf_counter() - t0, backend.name)


def _check_inputs(
    deposit_token: str, challenge_id: str | int, challenge_hash: str, start: int, end: int
) -> tuple[bytes, bytes]:
    validate_range(start, end)
    target = parse_challenge_hash(challenge_hash)
    if not isinstance(deposit_token, str) or not deposit_token:
        raise ValueError(f"deposit_token must be a non-empty string, got {deposit_token!r}")
    if isinstance(challenge_id, bool) or not isinstance(challenge_id, str | int):
        raise ValueError(f"challenge_id must be a str or int, got {challenge_id!r}")
    if str(challenge_id) == "":
        raise ValueError("challenge_id must not be empty")
    return target, build_prefix(deposit_token, challenge_id)
