"""When to poll a purchase in flight again: the `X-Poll-Interval` header (docs/api.md).

In a rush a purchase takes a second or two, and each poll costs the web about what a step of
the purchase does (4 ms of CPU): polled every 0.5 s, most polls answer "not yet". The
pipeline's recent latency says when the answer is likely to change. Whoever applies a verdict
adds its purchase's buy → verdict time to two moving averages in Redis, kept as TCP keeps
round-trip times (RFC 6298): the mean, and the mean deviation from it. A purchase of age `a`
is polled again after `mean + deviation - a`, when about four in five purchases are decided
(polling at the mean left half of them for another poll), between POLL_MIN_SECONDS (the
page's own pace) and POLL_MAX_SECONDS. Only under load (PACE_FROM_IN_FLIGHT purchases in
flight or more, as the waiting room's gauge counts them): a lone buyer's poll costs nothing
worth saving, and the averages may still hold a cold start's seconds. Without an estimate
(nothing decided in the last minute, Redis away) the pace is POLL_MIN_SECONDS, as before
there was one.
"""

import functools
import logging
import time

from django.utils import timezone
from redis.exceptions import RedisError

from events.waiting_room import waiting_room_in_flight
from payments.models import Purchase
from ticketseller.queues import queue_connection

log = logging.getLogger(__name__)

POLL_MIN_SECONDS, POLL_MAX_SECONDS = 0.5, 2.0
KEY = "purchases:latency"  # a hash: "m", the mean, and "d", the mean deviation (seconds)
LONGEST = 2 * POLL_MAX_SECONDS  # a purchase stuck for minutes must not stall the next pages
FORGET_SECONDS = 60  # a minute without verdicts: the next rush starts from nothing
PACE_FROM_IN_FLIGHT = 3
MEMO_SECONDS = 0.5  # a web process reads the averages at most this often
_memo: dict[str, tuple[float, float | None]] = {}

# KEYS: the hash. ARGV: observation, seconds to keep it. RFC 6298's gains: 1/8 for the mean,
# 1/4 for the deviation; the first observation x starts them at x and x/2. Returns m + d.
_OBSERVE_LUA = """
local m = tonumber(redis.call('HGET', KEYS[1], 'm'))
local d = tonumber(redis.call('HGET', KEYS[1], 'd'))
local x = tonumber(ARGV[1])
if m and d then
  d = d + 0.25 * (math.abs(x - m) - d)
  m = m + 0.125 * (x - m)
else
  m, d = x, x / 2
end
redis.call('HSET', KEYS[1], 'm', tostring(m), 'd', tostring(d))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return tostring(m + d)
"""


def purchase_latency_observe(*, seconds: float) -> None:
    """Add one purchase's buy → verdict time to the averages (after the verdict's commit)."""
    try:
        observe = _observe_script(queue_connection("payments"))
        observe(keys=[KEY], args=[min(max(seconds, 0.0), LONGEST), FORGET_SECONDS])
    except RedisError as exc:  # a pace is a hint: the pages fall back to their own
        log.warning("could not record a purchase's latency: %s", exc)


def purchase_poll_interval(*, purchase: Purchase) -> float | None:
    """Seconds until the next poll of `purchase`, or None once it is final."""
    if purchase.is_final:
        return None
    likely_decided = _likely_decided()
    if likely_decided is None:
        return POLL_MIN_SECONDS
    in_flight = waiting_room_in_flight()  # memoized by the room; None: its gauge is off
    if in_flight is not None and in_flight < PACE_FROM_IN_FLIGHT:
        return POLL_MIN_SECONDS
    age = (timezone.now() - purchase.created_at).total_seconds()
    return round(min(POLL_MAX_SECONDS, max(POLL_MIN_SECONDS, likely_decided - age)), 2)


def forget() -> None:
    """Drop this process's reading (tests)."""
    _memo.clear()


def _likely_decided() -> float | None:
    """Mean + deviation of the recent buy → verdict times (None: no recent verdict)."""
    now = time.monotonic()
    memo = _memo.get("reading")
    if memo is None or now - memo[0] > MEMO_SECONDS:
        try:
            mean, deviation = queue_connection("payments").hmget(KEY, "m", "d")
        except RedisError:
            mean = deviation = None
        estimate = None if mean is None or deviation is None else float(mean) + float(deviation)
        memo = _memo["reading"] = (now, estimate)
    return memo[1]


@functools.lru_cache(maxsize=4)
def _observe_script(redis):
    return redis.register_script(_OBSERVE_LUA)
