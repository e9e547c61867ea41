"""``solve_parallel``: one wide range across forked processes on one host (benchmark only).

The product never needs it: the worker fleet runs one process per core, each calling
``solve()`` on a shard the master planned. ``bench/solver.py`` uses it to measure the SIMD
backend on every core at once.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable

from challenge_worker.solver import Backend, SolveResult, get_backend, plan_shards, solve


def solve_parallel(
    *,
    deposit_token: str,
    challenge_id: str | int,
    challenge_hash: str,
    start: int,
    end: int,
    processes: int | None = None,
    backend: Backend | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SolveResult:
    """Like :func:`solve`, using ``processes`` forked processes (default: one per CPU).

    The range is cut into one contiguous shard per process; the first hit stops the others
    (they notice within one chunk). ``tried`` sums what every process scanned; ``backend``
    reads e.g. ``"simd x2"``. The backend is warmed up here before forking, so children
    reuse the compiled kernels. Needs the ``fork`` start method (Linux); elsewhere, or with
    one process or a small range, this simply calls :func:`solve`.

    """
    if backend is None:
        backend = get_backend()
    backend.warm_up()
    processes = processes or os.cpu_count() or 1
    kwargs = {
        "deposit_token": deposit_token,
        "challenge_id": challenge_id,
        "challenge_hash": challenge_hash,
        "backend": backend,
    }
    # at least one chunk per process, else forking costs more than it saves
    shards = plan_shards(
        start, end, rate_per_s=backend.chunk_size, min_shard_seconds=1.0, max_shards=processes
    )
    if len(shards) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return solve(start=start, end=end, should_stop=should_stop, **kwargs)

    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    results = ctx.Queue()
    t0 = time.perf_counter()
    workers = [
        ctx.Process(target=_shard_worker, args=(i, a, b, kwargs, stop, results), daemon=True)
        for i, (a, b) in enumerate(shards)
    ]
    for w in workers:
        w.start()
    try:
        secret, tried = _collect(workers, results, stop, should_stop)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
    name = f"{backend.name} x{len(workers)}"
    return SolveResult(secret, tried, time.perf_counter() - t0, name)


def _collect(workers, results, stop, should_stop) -> tuple[int | None, int]:
    """The first secret any process found, and how many candidates they scanned in all."""
    secret = None
    tried = 0
    pending = len(workers)
    while pending:
        try:
            _index, found, scanned, error = results.get(timeout=0.05)
        except queue.Empty:
            if should_stop is not None and should_stop():
                stop.set()
            if not any(w.is_alive() for w in workers) and results.empty():
                raise RuntimeError("a solver process died without reporting") from None
            continue
        pending -= 1
        tried += scanned
        if error is not None:
            stop.set()
            raise RuntimeError(f"solver process failed: {error}")
        if found is not None and secret is None:
            secret = found
            stop.set()
    return secret, tried


def _shard_worker(index, start, end, kwargs, stop, results) -> None:  # runs in the child
    try:
        result = solve(start=start, end=end, should_stop=stop.is_set, **kwargs)
        results.put((index, result.secret, result.tried, None))
    except BaseException as exc:  # report, never hang the parent
        results.put((index, None, 0, repr(exc)))
