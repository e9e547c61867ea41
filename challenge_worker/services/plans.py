"""Pure planners: how a job's range is cut into shards and shards grouped into RQ jobs."""

from __future__ import annotations

import math

from challenge_worker.selectors import WorkerInfo
from challenge_worker.solver import plan_shards

#: What one queued shard costs besides hashing: enqueue, dequeue, claim and report (a few
#: Redis round trips and two short transactions).
QUEUE_OVERHEAD_SECONDS = 0.01
#: A shard must hold at least ten times that much hashing to be worth its own job.
MIN_SHARD_SECONDS = 10 * QUEUE_OVERHEAD_SECONDS
#: Candidates/s assumed when no live worker reports a measured rate: the pure-Python
#: backend's speed, the slowest a worker can be.
DEFAULT_RATE = 3_000_000.0
#: The slowest rate used to size a shard's RQ timeout (3x its expected time, >= 10 min).
TIMEOUT_RATE = 1_000_000.0
MAX_SHARDS_PER_CHALLENGE = 32
#: Workers assumed when none is alive (the fleet may be starting): still shard wide ranges.
MIN_PARALLELISM = 2


def shard_plan(
    *,
    max_secret: int,
    challenge_count: int,
    workers: list[WorkerInfo],
    rate_per_s: float | None = None,
    max_shards: int | None = None,
) -> list[tuple[int, int]]:
    """The shards of ``[1, max_secret]``, the same for every challenge of a job.

    The rule: a challenge is split only when scanning it costs more than about ten times the
    per-job queue overhead (`MIN_SHARD_SECONDS` = 10 x `QUEUE_OVERHEAD_SECONDS`), i.e. each
    shard must hold at least ``rate x MIN_SHARD_SECONDS`` candidates. ``rate`` is the fastest
    rate measured by the live workers (erring toward fewer, larger shards: the queue overhead
    is paid per shard whoever runs it), else `DEFAULT_RATE`, the pure-Python speed (with no
    worker alive the fleet may be the slowest kind, and one shard would then take long). The
    number of shards per challenge is at most the live workers (at least `MIN_PARALLELISM`)
    shared among the job's challenges, at most `MAX_SHARDS_PER_CHALLENGE`: five challenges
    on four workers are already parallel without splitting any of them.

    Example: at 3 M/s a shard needs >= 300 000 candidates, so the exchange's default
    ``MAX_SECRET`` of 500 000 stays one shard; ``[1, 10**9]`` on 8 workers becomes 8 shards.
    """
    rate_per_s = _fleet_rate(workers, rate_per_s)
    if max_shards is None:
        parallel = max(len(workers), MIN_PARALLELISM)
        max_shards = min(MAX_SHARDS_PER_CHALLENGE, max(1, math.ceil(parallel / challenge_count)))
    return plan_shards(
        1, max_secret, rate_per_s=rate_per_s, min_shard_seconds=MIN_SHARD_SECONDS,
        max_shards=max_shards,
    )  # fmt: skip


def _fleet_rate(workers: list[WorkerInfo], rate_per_s: float | None) -> float:
    if rate_per_s is not None:
        return rate_per_s
    rates = [w.rate for w in workers if w.rate > 0]
    return max(rates) if rates else DEFAULT_RATE


def batch_plan(sizes: list[int], *, rate_per_s: float) -> list[list[int]]:
    """Group shards (given by their sizes, in order) into RQ jobs; returns index lists.

    The rule of `shard_plan` seen from the other side: a job is worth queueing only when it
    holds about ten times the per-job overhead of hashing (`MIN_SHARD_SECONDS`). At SIMD
    speed one challenge of the exchange's default range takes ~10 ms, less than the ~20-30
    ms an RQ job costs in bookkeeping, so a purchase's challenges go to one worker as one
    job; at pure-Python speed (~170 ms each) each challenge keeps its own job and they run
    in parallel.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    work = 0.0
    for index, size in enumerate(sizes):
        current.append(index)
        work += size / rate_per_s
        if work >= MIN_SHARD_SECONDS:
            batches.append(current)
            current, work = [], 0.0
    if current:
        batches.append(current)
    return batches


def _shard_timeout(size: int) -> int:
    return max(600, math.ceil(3 * size / TIMEOUT_RATE))
