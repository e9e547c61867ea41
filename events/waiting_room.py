"""The virtual waiting room in front of an event's on-sale (docs/api.md, "Waiting room").

When buyers arrive faster than the pipeline validates purchases, they queue here instead of
being refused: each gets a number in arrival order, and the room admits numbers as the
pipeline makes room (fewer than WAITING_ROOM_MAX_IN_FLIGHT purchases in flight), at most
WAITING_ROOM_RATE per second. Admitting by what is in flight (Little's law) keeps an admitted
buyer's wait short whatever the machine sustains. The gauge of purchases in flight is read
every 0.5 s per process, and afresh after a purchase turns final (events/line_hold.py). An
admitted buyer gets a signed admission token (user, event, time) that the purchase
endpoints check while the room is on.

The line lives in Redis, shared by every web process. Per event, and all forgotten
WAITING_ROOM_KEY_SECONDS after the last join or poll (``{id}`` is literal braces around the
event's pk, a Redis Cluster hash tag):

- ``wr:{id}:count``: arrivals so far; INCR gives a newcomer the next number.
- ``wr:{id}:seats``: user id → number. A second join (a reload) finds the first number.
- ``wr:{id}:through``: ``t``, the number admitted through, ``at``, when it was computed, and
  ``r``, the admission rate observed while someone waited (a 10 s moving average, for the
  estimated wait; after a spell with nobody waiting it starts again from the configured rate,
  or a line forming after a quiet minute would be told waits, and poll intervals, far too long).
  ``t`` grows lazily by (now − at) · rate on every join or poll, capped at arrivals + burst
  so a quiet room banks at most WAITING_ROOM_BURST admissions, and by the room the pipeline
  has (WAITING_ROOM_MAX_IN_FLIGHT minus the purchases in flight). One Lua script reads and
  advances it, so concurrent polls from many web processes never admit out of order.
- ``wr:{id}:pending``: numbers admitted whose purchase the gauge cannot see yet, scored by
  when they were admitted: each is taken off when its holder buys with the token, or
  forgotten after WAITING_ROOM_PENDING_SECONDS (a buyer who walked away). They count against
  the pipeline's room with the purchases in flight: an admitted buyer only buys at their next
  poll, and without them every poll in that gap let the line move on by the same room again.
- ``wr:{id}:auto``: set (with a TTL) while the automatic switch holds the room on.
- ``wr:{id}:arrivals:{second}``: arrivals in that second, the automatic switch's gauge.

The room is on when staff set the event's ``on_sale_at`` (for WAITING_ROOM_ON_SALE_SECONDS
from then) or when more than WAITING_ROOM_AUTO_ARRIVALS buyers arrived in one second (buy
attempts without a token, joins while the room was off) or when a join or a buy without a
token finds the pipeline full (the purchases in flight and the buyers just admitted fill
WAITING_ROOM_MAX_IN_FLIGHT); the automatic switch stays on for
WAITING_ROOM_AUTO_SECONDS and is re-armed while anyone is still waiting. When the room is
off, joining admits at once (the join is still numbered, so a switch-on mid-rush continues
the line where it stands) and purchases without a token go through.

Redis down: the room fails open. It admits (and logs), and skips Redis for a few seconds per
process rather than paying a timeout on every request. The room protects the pipeline's
throughput, not correctness: seats and money are guarded by row locks in the database, so
the worst case of failing open is the overload the room exists to smooth, whereas failing
closed would stop every sale of a rushed event for as long as Redis is away.
"""

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from redis import Redis
from redis.exceptions import RedisError

from events.admission_tokens import admission_token_issue, admission_token_problem
from events.errors import AdmissionRequired
from events.models import Event

log = logging.getLogger(__name__)

#: After a Redis error, the room leaves Redis alone for this long (seconds) in this process.
PAUSE_AFTER_ERROR = 5.0
_down_until: dict[str, float] = {}

# KEYS: count, seats, through, auto, arrivals, pending.
# ARGV: user, join (1/0), staff_on (1/0), rate, burst, keep, hold, threshold, allowance (how
# many more the pipeline takes; -1: no limit), pending_seconds.
# Returns {number or -1 when never joined, position, on (1/0), observed rate x 1000}.
_LINE_LUA = """
local count_key, seats_key, through_key, auto_key, arrivals_key, pending_key =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local user, join = ARGV[1], ARGV[2] == '1'
local on = ARGV[3] == '1' or redis.call('EXISTS', auto_key) == 1
local rate, burst = tonumber(ARGV[4]), tonumber(ARGV[5])
local keep, hold, threshold = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local allowance = tonumber(ARGV[9])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local room = allowance
if allowance >= 0 then
  -- admitted but not bought yet: unseen by the gauge, so taken off the room that paces the
  -- line (not off the automatic switch's: a room that is off admits everyone anyway)
  redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', now - tonumber(ARGV[10]))
  room = math.max(0, allowance - redis.call('ZCARD', pending_key))
end
local seat = redis.call('HGET', seats_key, user)
local fresh = 0
if not seat then
  if not join then return {-1, 0, on and 1 or 0, 0} end
  seat = redis.call('INCR', count_key)
  fresh = 1
  redis.call('HSET', seats_key, user, seat)
  if not on then
    local n = redis.call('INCR', arrivals_key)
    if n == 1 then redis.call('EXPIRE', arrivals_key, 5) end
    -- more arrivals this second than the threshold, or than the pipeline has room for, or
    -- none left (those admitted a moment ago count: the gauge cannot see them yet, and the
    -- count of this second's arrivals starts again at every second)
    if (threshold > 0 and n > threshold) or (allowance >= 0 and (n > allowance or room < 1)) then
      redis.call('SET', auto_key, '1', 'EX', hold)
      on = true
      -- from here on the line is paced: this arrival waits, nothing banked goes ahead
      redis.call('HSET', through_key, 't', tostring(seat - 1))
    end
  end
end
seat = tonumber(seat)
local count = tonumber(redis.call('GET', count_key) or '0')
local state = redis.call('HMGET', through_key, 't', 'at', 'r')
local before = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
local observed = tonumber(state[3]) or rate
local dt = math.max(0, now - at)
local through = math.min(before + dt * rate, count + burst)
if allowance >= 0 then
  -- the pipeline's room, counted from those who had a number before this call (nothing
  -- banked in a quiet spell gets past a full pipeline)
  local base = math.min(before, count - fresh)
  through = math.min(through, math.max(base, math.floor(base) + room))
end
if not on then through = math.max(through, seat) end
if dt > 0 then
  if before < count - fresh then
    observed = observed + ((through - before) / dt - observed) * math.min(1, dt / 10)
  else
    -- nobody was waiting: admissions measured the demand, not what the pipeline holds
    observed = rate
  end
end
if allowance >= 0 then
  -- the numbers this call admitted (and a newcomer let in at once) now wait for their buy
  for n = math.floor(before) + 1, math.min(math.floor(through), count) do
    redis.call('ZADD', pending_key, now, n)
  end
  if fresh == 1 and seat <= through then redis.call('ZADD', pending_key, now, seat) end
  redis.call('EXPIRE', pending_key, keep)
end
redis.call('HSET', through_key, 't', tostring(through), 'at', tostring(now),
  'r', tostring(observed))
redis.call('EXPIRE', count_key, keep)
redis.call('EXPIRE', seats_key, keep)
redis.call('EXPIRE', through_key, keep)
local position = math.max(0, seat - math.floor(through))
if position > 0 and redis.call('EXISTS', auto_key) == 1 then
  redis.call('EXPIRE', auto_key, hold)
end
return {seat, position, on and 1 or 0, math.floor(observed * 1000)}
"""

# KEYS: seats, pending. ARGV: user. The user bought with their token: not pending any more.
_BOUGHT_LUA = """
local seat = redis.call('HGET', KEYS[1], ARGV[1])
if seat then redis.call('ZREM', KEYS[2], seat) end
return 1
"""

# KEYS: auto, arrivals. ARGV: threshold, hold. Counts one arrival; returns 1 if the room is on.
_ARRIVE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('EXPIRE', KEYS[2], 5) end
local threshold = tonumber(ARGV[1])
if threshold > 0 and n > threshold then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class QueueTicket:
    position: int
    admitted: bool
    admission_token: str | None
    estimated_wait_seconds: int
    retry_after: int
    number: int = 0  # the holder's number in arrival order (0: unknown); not shown to clients

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "number"}


# --- Services -------------------------------------------------------------------------------


def waiting_room_join(*, user, event: Event) -> QueueTicket:
    """Take a place in the event's line, or find the one taken before (a reload)."""
    found = _line(event_pk=event.pk, user_id=user.pk, join=True, staff_on=_staff_on(event))
    if found is None:  # Redis away: fail open
        return _ticket(user_id=user.pk, event_pk=event.pk, position=0)
    return _ticket(user_id=user.pk, event_pk=event.pk, position=found[1], rate=found[3] / 1000,
                   number=found[0])  # fmt: skip


def waiting_room_poll(*, user, event: Event) -> QueueTicket | None:
    """The user's place in the line (admitted ones get a fresh token), or None if they never
    joined. Writes nothing to the database."""
    found = _line(event_pk=event.pk, user_id=user.pk, join=False, staff_on=_staff_on(event))
    if found is None:  # Redis away: fail open
        return _ticket(user_id=user.pk, event_pk=event.pk, position=0)
    number, position, _on, rate = found
    if number < 0:
        return None
    return _ticket(user_id=user.pk, event_pk=event.pk, position=position, rate=rate / 1000,
                   number=number)  # fmt: skip


def waiting_room_is_on(*, event: Event) -> bool:
    """Whether buyers of this event must come through the room (no arrival counted)."""
    if _staff_on(event):
        return True
    on = _redis_call(lambda redis: redis.exists(_key(event.pk, "auto")))
    return bool(on)


def waiting_room_admission_check(*, user, event_pk: int, token: str | None) -> None:
    """Raise `AdmissionRequired` unless the room is off for the event or `token` admits this
    user to it. A buy attempt without a valid token counts as an arrival for the automatic
    switch. An unknown event passes: the purchase answers its own 404."""
    problem = admission_token_problem(token=token, user_id=user.pk, event_pk=event_pk)
    if problem is None:
        _bought(event_pk=event_pk, user_id=user.pk)
        return
    event = Event.objects.filter(pk=event_pk).only("pk", "on_sale_at").first()
    if event is None:
        return
    if not (_staff_on(event) or _arrive(event_pk=event_pk) or _switch_on_if_full(event_pk)):
        return
    raise AdmissionRequired(details={"queue_url": queue_url(event_pk), "token": problem})


def queue_url(event_pk: int) -> str:
    return reverse("event-queue", args=[event_pk])


# --- Inside ---------------------------------------------------------------------------------


def _staff_on(event: Event) -> bool:
    if event.on_sale_at is None:
        return False
    window = timedelta(seconds=settings.WAITING_ROOM_ON_SALE_SECONDS)
    return event.on_sale_at <= timezone.now() < event.on_sale_at + window


def _ticket(*, user_id: int, event_pk: int, position: int, rate: float = 0.0,
            number: int = 0) -> QueueTicket:  # fmt: skip
    """`rate`: admissions per second observed lately (the configured rate when unknown)."""
    if position <= 0:
        token = admission_token_issue(user_id=user_id, event_pk=event_pk)
        return QueueTicket(0, True, token, 0, 1, number)
    rate = min(rate or settings.WAITING_ROOM_RATE, settings.WAITING_ROOM_RATE)
    wait = math.ceil(position / max(rate, 0.2))  # a stalled pipeline: a long, finite guess
    return QueueTicket(position, False, None, wait, _poll_interval(wait), number)


def _poll_interval(wait: int) -> int:
    """Seconds to the next poll of someone `wait` s from their turn (a poll costs a rush's web
    a purchase step's CPU): at most four, about 4 s apart, the last at the turn (3 s: one)."""
    polls = max(1, min(4, math.ceil(wait / 4)))
    return max(1, min(settings.WAITING_ROOM_MAX_RETRY_SECONDS, math.ceil(wait / polls)))


def _key(event_pk: int, part: str) -> str:
    # The braces are a Redis Cluster hash tag: one event's keys share a slot, as a script
    # touching several keys needs (ElastiCache in cluster mode).
    return f"wr:{{{event_pk}}}:{part}"


def _line(*, event_pk: int, user_id: int, join: bool, staff_on: bool) -> list[int] | None:
    keys = [_key(event_pk, p) for p in ("count", "seats", "through", "auto")]
    keys += [_key(event_pk, f"arrivals:{int(time.time())}"), _key(event_pk, "pending")]
    args = [
        user_id,
        int(join),
        int(staff_on),
        settings.WAITING_ROOM_RATE,
        settings.WAITING_ROOM_BURST,
        settings.WAITING_ROOM_KEY_SECONDS,
        settings.WAITING_ROOM_AUTO_SECONDS,
        settings.WAITING_ROOM_AUTO_ARRIVALS,
        _allowance(),
        settings.WAITING_ROOM_PENDING_SECONDS,
    ]
    found = _redis_call(lambda redis: _scripts(redis)[0](keys=keys, args=args, client=redis))
    return None if found is None else [int(v) for v in found]


def _bought(*, event_pk: int, user_id: int) -> None:
    keys = [_key(event_pk, "seats"), _key(event_pk, "pending")]
    _redis_call(lambda redis: _scripts(redis)[2](keys=keys, args=[user_id], client=redis))


def _arrive(*, event_pk: int) -> bool:
    """Count one buy attempt without a token; whether the room is (now) on."""
    keys = [_key(event_pk, "auto"), _key(event_pk, f"arrivals:{int(time.time())}")]
    args = [settings.WAITING_ROOM_AUTO_ARRIVALS, settings.WAITING_ROOM_AUTO_SECONDS]
    on = _redis_call(lambda redis: _scripts(redis)[1](keys=keys, args=args, client=redis))
    return bool(on)


# --- The pipeline's load -------------------------------------------------------------------

#: How many purchases are in flight (None: unknown). Registered by the app that owns
#: purchases (payments, when it is ready): events imports no other app.
_load_gauge: Callable[[], int] | None = None
_gauge_memo: dict[str, float] = {}
#: A gauge reading is reused for this long in a process (the room is polled many times a second).
GAUGE_MEMO_SECONDS = 0.5


def waiting_room_load_gauge(gauge: Callable[[], int] | None) -> None:
    """Tell the room how to count the purchases in flight (see WAITING_ROOM_MAX_IN_FLIGHT)."""
    global _load_gauge
    _load_gauge = gauge
    _gauge_memo.clear()


def waiting_room_in_flight() -> int | None:
    if _load_gauge is None or settings.WAITING_ROOM_MAX_IN_FLIGHT <= 0:
        return None
    now = time.monotonic()
    if now - _gauge_memo.get("at", -1e9) > GAUGE_MEMO_SECONDS:
        _gauge_memo.update(value=_load_gauge(), at=now)
    return int(_gauge_memo["value"])


def waiting_room_gauge_stale() -> None:
    """A purchase turned final: the next admission reads the gauge afresh. (The reading is
    kept: a request thread may be between checking its age and reading it.)"""
    _gauge_memo["at"] = -math.inf


def _allowance() -> int:
    """How many more buyers the pipeline takes now; -1 when there is no limit."""
    in_flight = waiting_room_in_flight()
    return -1 if in_flight is None else max(0, settings.WAITING_ROOM_MAX_IN_FLIGHT - in_flight)


def _switch_on_if_full(event_pk: int) -> bool:
    """A buy without a token while the pipeline is full turns the event's room on."""
    if _allowance() != 0:
        return False
    hold = settings.WAITING_ROOM_AUTO_SECONDS
    return bool(_redis_call(lambda redis: redis.set(_key(event_pk, "auto"), 1, ex=hold) or 1))


def _redis_call(call):
    """`call(redis)`, or None when Redis fails or failed a moment ago (then logged)."""
    url = settings.REDIS_URL
    if time.monotonic() < _down_until.get(url, 0.0):
        return None
    try:
        return call(_redis(url, settings.WAITING_ROOM_REDIS_TIMEOUT))
    except RedisError as exc:
        _down_until[url] = time.monotonic() + PAUSE_AFTER_ERROR
        log.warning("waiting room: Redis unavailable, admitting for %.0fs: %s",
                    PAUSE_AFTER_ERROR, exc)  # fmt: skip
        return None


@functools.lru_cache(maxsize=4)
def _redis(url: str, timeout: float) -> Redis:
    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


@functools.lru_cache(maxsize=4)
def _scripts(redis: Redis):
    return (
        redis.register_script(_LINE_LUA),
        redis.register_script(_ARRIVE_LUA),
        redis.register_script(_BOUGHT_LUA),
    )
