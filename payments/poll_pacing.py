"""When to poll a purchase in flight again: the `X-Poll-Interval` header (docs/api.md).

In a rush a purchase takes a second or two, and each poll costs the web about what a step of
the purchase does (4 ms of CPU): polled every 0.5 s, most polls answer "not yet". The
pipeline's recent latency says when the answer is likely to change: whoever applies a
verdict adds its purchase's buy → verdict time to a moving average in Redis, and a purchase
of age `a` is polled again after `latency - a`, between POLL_MIN_SECONDS (the page's own
pace) and POLL_MAX_SECONDS. Without an estimate (nothing decided in the last minute, Redis
away) the pace is POLL_MIN_SECONDS, as before there was one.
"""

import functools
import logging
import time

from django.utils import timezone
from redis.exceptions import RedisError

from payments.models import Purchase
from ticketseller.queues import queue_connection

log = logging.getLogger(__name__)

POLL_MIN_SECONDS, POLL_MAX_SECONDS = 0.5, 2.0
KEY = "purchases:latency"
WEIGHT = 0.2  # of the newest observation in the moving average
LONGEST = 2 * POLL_MAX_SECONDS  # a purchase stuck for minutes must not stall the next pages
FORGET_SECONDS = 60  # a minute without verdicts: the next rush starts from nothing
MEMO_SECONDS = 0.5  # a web process reads the average at most this often
_memo: dict[str, float | None] = {}

# KEYS: the average. ARGV: observation, weight, seconds to keep it.
_OBSERVE_LUA = """
local seen = redis.call('GET', KEYS[1])
local x = tonumber(ARGV[1])
if seen then x = tonumber(seen) + tonumber(ARGV[2]) * (x - tonumber(seen)) end
redis.call('SET', KEYS[1], tostring(x), 'EX', ARGV[3])
return tostring(x)
"""


def purchase_latency_observe(*, seconds: float) -> None:
    """Add one purchase's buy → verdict time to the average (after the verdict's commit)."""
    try:
        observe = _observe_script(queue_connection("payments"))
        observe(keys=[KEY], args=[min(max(seconds, 0.0), LONGEST), WEIGHT, FORGET_SECONDS])
    except RedisError as exc:  # a pace is a hint: the pages fall back to their own
        log.warning("could not record a purchase's latency: %s", exc)


def purchase_poll_interval(*, purchase: Purchase) -> float | None:
    """Seconds until the next poll of `purchase`, or None once it is final."""
    if purchase.is_final:
        return None
    latency = _latency()
    if latency is None:
        return POLL_MIN_SECONDS
    age = (timezone.now() - purchase.created_at).total_seconds()
    return round(min(POLL_MAX_SECONDS, max(POLL_MIN_SECONDS, latency - age)), 2)


def forget() -> None:
    """Drop this process's reading (tests)."""
    _memo.clear()


def _latency() -> float | None:
    now = time.monotonic()
    if now - (_memo.get("at") or -1e9) > MEMO_SECONDS:
        try:
            value = queue_connection("payments").get(KEY)
        except RedisError:
            value = None
        _memo.update(value=float(value) if value is not None else None, at=now)
    return _memo["value"]


@functools.lru_cache(maxsize=4)
def _observe_script(redis):
    return redis.register_script(_OBSERVE_LUA)
