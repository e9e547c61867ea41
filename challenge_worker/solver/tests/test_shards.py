import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from challenge_worker.solver import plan_shards


@given(
    start=st.integers(1, 10**12),
    length=st.integers(1, 10**10),
    rate=st.floats(1e3, 1e9),
    min_seconds=st.floats(0, 1),
    max_shards=st.integers(1, 64),
    align=st.sampled_from([1, 7, 1000, 320_000]),
)
def test_shards_cover_the_range_exactly(start, length, rate, min_seconds, max_shards, align):
    end = start + length - 1
    shards = plan_shards(
        start,
        end,
        rate_per_s=rate,
        min_shard_seconds=min_seconds,
        max_shards=max_shards,
        align=align,
    )
    assert 1 <= len(shards) <= max_shards
    assert shards[0][0] == start
    assert shards[-1][1] == end
    for (_, b), (c, _) in itertools.pairwise(shards):
        assert c == b + 1
        assert c % align == 0
    assert all(a <= b for a, b in shards)
    min_candidates = max(1, int(rate * min_seconds))
    if length < 2 * min_candidates:
        assert shards == [(start, end)]
    if align == 1 and len(shards) > 1:  # every shard is worth its queue overhead
        assert all(b - a + 1 >= min_candidates for a, b in shards)


def test_default_challenge_range_is_one_shard_at_simd_speed():
    # 500k candidates at 50 M/s is 10 ms: not worth a second job
    assert plan_shards(1, 500_000, rate_per_s=50e6, max_shards=16) == [(1, 500_000)]


def test_wide_range_is_split_into_even_aligned_shards():
    shards = plan_shards(1, 10**9, rate_per_s=50e6, max_shards=8)
    assert len(shards) == 8
    sizes = [b - a + 1 for a, b in shards]
    assert max(sizes) - min(sizes) <= 320_000 + 1  # within one alignment step
    assert all(a % 320_000 == 0 for a, _ in shards[1:])


def test_split_starts_at_two_minimum_shards():
    rate = 1e6  # minimum shard (default 50 ms): 50k candidates
    assert len(plan_shards(1, 99_999, rate_per_s=rate, max_shards=4, align=1)) == 1
    assert len(plan_shards(1, 100_000, rate_per_s=rate, max_shards=4, align=1)) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rate_per_s": 0, "max_shards": 2},
        {"rate_per_s": 1e6, "max_shards": 0},
        {"rate_per_s": 1e6, "max_shards": 2, "align": 0},
        {"rate_per_s": 1e6, "max_shards": 2, "min_shard_seconds": -1},
    ],
)
def test_bad_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        plan_shards(1, 10, **kwargs)
