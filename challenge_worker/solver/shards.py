"""Cutting a wide range of candidates into shards that workers take in parallel."""

from __future__ import annotations

from .base import validate_range

__all__ = ["SHARD_ALIGN", "plan_shards"]

#: Inner shard boundaries fall on multiples of this: the simd kernel scans whole groups of
#: 32 lanes x 10**4 low-digit values, so aligned shards waste no lane at their edges.
SHARD_ALIGN = 320_000


def plan_shards(
    start: int,
    end: int,
    *,
    rate_per_s: float,
    min_shard_seconds: float = 0.05,
    max_shards: int,
    align: int = SHARD_ALIGN,
) -> list[tuple[int, int]]:
    """Split ``[start, end]`` (inclusive) into contiguous shards that cover it exactly.

    The rule: a shard is worth queueing only if solving it costs clearly more than the
    per-job queue overhead (a few ms to enqueue, fetch and report), about 10x that, which is
    ``min_shard_seconds`` (default 50 ms). At ``rate_per_s`` candidates per second a shard
    must therefore hold at least ``rate_per_s * min_shard_seconds`` candidates, and a range is
    split only when it holds at least two such shards. Example: at 50 M/s the threshold is
    2.5 M candidates per shard, so the default ``MAX_SECRET`` range of 500 000 candidates
    (10 ms of work) stays one shard, while ``[1, 10**9]`` (20 s) becomes ``max_shards`` shards.

    Shards are as even as possible, at most ``max_shards`` of them, in increasing order;
    inner boundaries are rounded to multiples of ``align`` when that keeps every shard
    non-empty (``align=1`` disables rounding).
    """
    validate_range(start, end)
    if not rate_per_s > 0:
        raise ValueError(f"rate_per_s must be > 0, got {rate_per_s}")
    if not min_shard_seconds >= 0:
        raise ValueError(f"min_shard_seconds must be >= 0, got {min_shard_seconds}")
    if max_shards < 1:
        raise ValueError(f"max_shards must be >= 1, got {max_shards}")
    if align < 1:
        raise ValueError(f"align must be >= 1, got {align}")

    total = end - start + 1
    min_candidates = max(1, int(rate_per_s * min_shard_seconds))
    count = min(max_shards, total // min_candidates)
    if count < 2:
        return [(start, end)]

    # Inner cut points: shard i starts at cuts[i]; rounding to ``align`` keeps them sorted,
    # and any duplicate (tiny shard) is dropped, so coverage stays exact.
    cuts = [start]
    for i in range(1, count):
        cut = start + (total * i) // count
        if align > 1:
            cut = (cut + align // 2) // align * align
        if cuts[-1] < cut <= end:
            cuts.append(cut)
    bounds = [*cuts, end + 1]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(len(cuts))]
