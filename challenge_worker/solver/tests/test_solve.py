"""Both backends against hashlib: edges of digit lengths, of ranges and of the fast path."""

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from challenge_worker.solver import Backend, SolveResult, build_prefix, solve
from challenge_worker.solver.base import digit_ranges

from .conftest import TOKEN, challenge_hash

EDGES = sorted({n for k in range(1, 11) for n in (10**k - 2, 10**k - 1, 10**k, 10**k + 1)})
tokens = st.uuids().map(str)
challenge_ids = st.one_of(
    st.integers(min_value=1, max_value=10**12 - 1),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12),
)
secrets_ = st.one_of(
    st.sampled_from(EDGES),
    st.integers(min_value=1, max_value=10**10),
    st.integers(min_value=1, max_value=600_000),
)
common = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run(backend, token, cid, secret, start, end, **kwargs) -> SolveResult:
    return solve(
        deposit_token=token,
        challenge_id=cid,
        challenge_hash=challenge_hash(token, cid, secret),
        start=start,
        end=end,
        backend=backend,
        **kwargs,
    )


@common
@given(
    token=tokens,
    cid=challenge_ids,
    secret=secrets_,
    before=st.integers(0, 2500),
    after=st.integers(0, 2500),
)
@example(token=TOKEN, cid=1, secret=1, before=0, after=0)
@example(token=TOKEN, cid=1, secret=500_000, before=499_999, after=0)
def test_finds_the_secret_anywhere_in_the_range(backend, token, cid, secret, before, after):
    start, end = max(1, secret - before), secret + after
    result = run(backend, token, cid, secret, start, end)
    assert result.secret == secret
    assert result.backend == backend.name
    assert 1 <= result.tried <= end - start + 1


@common
@given(token=tokens, cid=challenge_ids, secret=secrets_, width=st.integers(0, 2000))
def test_secret_just_outside_the_range_is_not_found(backend, token, cid, secret, width):
    above = run(backend, token, cid, secret, secret + 1, secret + 1 + width)
    assert above.secret is None
    assert above.tried == width + 1
    if secret > 1:
        below = run(backend, token, cid, secret, max(1, secret - 1 - width), secret - 1)
        assert below.secret is None


@pytest.mark.parametrize("secret", EDGES)
def test_one_element_ranges_at_digit_edges(backend, secret):
    assert run(backend, TOKEN, 7, secret, secret, secret).secret == secret
    assert run(backend, TOKEN, 7, secret, secret + 1, secret + 1).secret is None
    assert run(backend, TOKEN, 7, secret + 1, secret, secret).secret is None


@pytest.mark.parametrize("edge", [10, 100, 1000, 10**4, 10**5, 10**6, 10**9, 10**10])
def test_ranges_crossing_a_digit_boundary(backend, edge):
    for secret in (edge - 1, edge, edge + 3):
        assert run(backend, TOKEN, 42, secret, edge - 5, edge + 5).secret == secret


@settings(max_examples=25, deadline=None)
@given(
    token=tokens,
    cid=challenge_ids,
    start=st.integers(1, 3 * 10**9),
    width=st.integers(300_000, 1_500_000),
    where=st.sampled_from(["first", "last", "inside", "edge"]),
    offset=st.integers(0, 10**6),
)
def test_simd_wide_ranges_use_full_lane_groups(
    simd_backend, token, cid, start, width, where, offset
):
    end = start + width - 1
    if where == "edge":  # straddle a digit boundary when one is near
        edge = 10 ** len(str(end))
        start, end = max(1, edge - width // 2), edge + width // 2
    secret = {
        "first": start,
        "last": end,
        "inside": start + offset % (end - start + 1),
        "edge": end - offset % (end - start + 1),
    }[where]
    assert run(simd_backend, token, cid, secret, start, end).secret == secret
    if secret > start:
        assert run(simd_backend, token, cid, secret, start, secret - 1).secret is None


@pytest.mark.parametrize("cid_length", [36, 37, 38, 47, 55, 56, 60, 63, 64, 70, 130])
def test_long_challenge_ids_fall_back_and_stay_correct(backend, cid_length):
    """Past ~37 characters the final message no longer fits the kernel's single block."""
    cid = ("x" * cid_length)[:cid_length]
    for secret, start, end in [
        (123_456, 123_000, 124_000),
        (9_999_999_999, 9_999_999_990, 10_000_000_005),
        (10_000_000_001, 9_999_999_990, 10_000_000_005),
    ]:
        assert run(backend, TOKEN, cid, secret, start, end).secret == secret


def test_should_stop_cancels_between_chunks(backend):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 3

    step = backend.chunk_size
    result = run(backend, TOKEN, 1, 9 * step, 1, 10 * step, should_stop=should_stop)
    assert result.secret is None
    # chunks end on multiples of the step: [1, step-1] and [step, 2*step-1] were scanned
    assert result.tried == 2 * step - 1
    assert len(calls) == 3


def test_should_stop_before_starting_scans_nothing(backend):
    result = run(backend, TOKEN, 1, 5, 1, 10, should_stop=lambda: True)
    assert result == SolveResult(None, 0, result.seconds, backend.name)


def test_tried_counts_the_whole_range_when_nothing_is_found(backend):
    result = run(backend, TOKEN, 1, 10**6, 3, 250_000)
    assert result.secret is None
    assert result.tried == 250_000 - 3 + 1


def test_challenge_id_int_and_str_are_the_same_message(backend):
    assert run(backend, TOKEN, "15", 4321, 1, 5000).secret == 4321
    h = challenge_hash(TOKEN, 15, 4321)
    result = solve(
        deposit_token=TOKEN,
        challenge_id=15,
        challenge_hash=h.upper(),
        start=1,
        end=5000,
        backend=backend,
    )
    assert result.secret == 4321


@pytest.mark.parametrize(
    ("start", "end", "hash_", "message"),
    [
        (0, 10, "0" * 64, "start must be >= 1"),
        (-5, 10, "0" * 64, "start must be >= 1"),
        (10, 9, "0" * 64, "end must be >= start"),
        (1, 10, "0" * 63, "64-character hex"),
        (1, 10, "z" * 64, "64-character hex"),
        (1, 10, "0" * 65, "64-character hex"),
        (True, 10, "0" * 64, "start must be an int"),
        (1, 10.0, "0" * 64, "end must be an int"),
    ],
)
def test_invalid_input_raises_value_error(start, end, hash_, message):
    with pytest.raises(ValueError, match=message):
        solve(
            deposit_token=TOKEN,
            challenge_id=1,
            challenge_hash=hash_,
            start=start,
            end=end,
            backend=None,
        )


@pytest.mark.parametrize(("token", "cid"), [("", 1), (TOKEN, ""), (TOKEN, None)])
def test_empty_token_or_challenge_id_raises_value_error(token, cid):
    with pytest.raises(ValueError):
        solve(deposit_token=token, challenge_id=cid, challenge_hash="0" * 64, start=1, end=2)


class LyingBackend(Backend):
    """Returns a wrong 'secret' first: solve must not trust it."""

    name = "liar"
    chunk_size = 1000

    def __init__(self, answer):
        self.answer = answer

    def search(self, prefix, target, start, end):
        return self.answer


@pytest.mark.parametrize("answer", [1500, 10**9])
def test_a_hit_is_rechecked_with_hashlib(answer, caplog):
    result = run(LyingBackend(answer), TOKEN, 3, 1777, 1000, 2999)
    assert result.secret == 1777  # found by rescanning the chunk with the python backend
    assert "not a solution" in caplog.text


def test_digit_ranges_split_at_powers_of_ten():
    assert list(digit_ranges(95, 1003)) == [(95, 99, 2), (100, 999, 3), (1000, 1003, 4)]
    assert list(digit_ranges(7, 7)) == [(7, 7, 1)]


@pytest.mark.parametrize(
    ("decoy", "secret"),
    [
        (1_140_170, 1_147_589),  # same lane group: resume at the next low-digit value
        (1_106_136, 1_449_235),  # decoy in an earlier lane group: resume with the rest
    ],
)
def test_simd_filter_match_that_hashlib_rejects_does_not_end_the_scan(
    simd_backend, monkeypatch, decoy, secret
):
    """The kernel compares one 32-bit word only; these pairs share it (found by search)."""
    from challenge_worker.solver import simd_backend as module

    checked = []
    real_check = module.is_solution

    def spy(prefix, target, n):
        checked.append(n)
        return real_check(prefix, target, n)

    monkeypatch.setattr(module, "is_solution", spy)
    prefix = build_prefix(TOKEN, 1)
    target = bytes.fromhex(challenge_hash(TOKEN, 1, secret))
    # one call, two full lane groups: high parts 110..141 and 142..173
    assert simd_backend.search(prefix, target, 1_100_000, 1_739_999) == secret
    assert decoy in checked


@pytest.mark.parametrize("cid", ["1", "12", "123", "1234", "12345"])
def test_the_short_and_the_general_kernels_meet_where_the_digits_end(backend, cid):
    """With a UUID token the last block's tail is 8 + len(cid) bytes: secrets whose pad byte
    lands in message word 4 take the short kernel (words 5-14 known zero), one digit more the
    general one. Ranges start a few thousand below, so some also cross a digit boundary."""
    for digits in (19 - 8 - len(cid), 20 - 8 - len(cid)):
        secret = 10 ** (digits - 1) + 12_345 % 10 ** (digits - 1)
        found = run(backend, TOKEN, cid, secret, max(1, secret - 3_000), secret + 3_000)
        assert found.secret == secret
