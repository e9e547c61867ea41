"""A poll of the waiting room's line held until the buyer is admitted: `Prefer: wait=N` on
`GET /api/v1/events/{id}/queue/` (docs/api.md, "Waiting room").

The room admits lazily: numbers are let in when someone joins or polls and the pipeline has
room. A buyer polling at `retry_after` (whole seconds) learns of their admission up to a
poll late, and meanwhile the room made for them stands empty: in a rush the pipeline drained
and refilled in waves. A poll that asks to wait, from a buyer near the front (estimated
wait within the N seconds), is held and checked again the moment a purchase turns final,
so the buyer hears "admitted" as soon as the room exists.

The app that owns purchases tells this module of every final purchase
(`line_hold_wake_source`, registered as the load gauge is: events imports no other app).
On each, a process checks only its lowest-numbered holder of each event; a holder who got
in wakes the next one. So a verdict costs one check or a few, not one per holder. Every
holder also checks every RECHECK_SECONDS (the room may admit by its rate alone, or an
announcement may be lost). A process holds at most WAITING_ROOM_MAX_HELD polls, each
keeping a server thread; past that the poll is answered at once, as without the preference.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings

from events.models import Event
from events.waiting_room import QueueTicket, waiting_room_gauge_stale, waiting_room_poll
from ticketseller.api.prefer import SLICE_SECONDS

RECHECK_SECONDS = 1.0

#: `watch(callback)`: have `callback()` called whenever a purchase turns final; returns
#: whether it can now (its subscription is up). Registered by payments when it is ready.
_watch: Callable[[Callable[[], None]], bool] | None = None


def line_hold_wake_source(watch: Callable[[Callable[[], None]], bool] | None) -> None:
    global _watch
    _watch = watch


class _Holds:
    """This process's held polls: event pk → {flag: the holder's number in line}."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[int, dict[threading.Event, int]] = {}
        self._count = 0

    def hold(self, event_pk: int, number: int) -> threading.Event | None:
        with self._lock:
            if self._count >= settings.WAITING_ROOM_MAX_HELD:
                return None
            flag = threading.Event()
            self._held.setdefault(event_pk, {})[flag] = number
            self._count += 1
            return flag

    def release(self, event_pk: int, flag: threading.Event) -> None:
        with self._lock:
            held = self._held.get(event_pk, {})
            if held.pop(flag, None) is not None:
                self._count -= 1
            if not held:
                self._held.pop(event_pk, None)

    def wake_next(self, event_pk: int | None = None, after: int = 0) -> None:
        """Wake the lowest-numbered holder after `after`, of one event or of each."""
        with self._lock:
            pks = list(self._held) if event_pk is None else [event_pk]
            flags = []
            for pk in pks:
                later = [(n, f) for f, n in self._held.get(pk, {}).items() if n > after]
                if later:
                    flags.append(min(later, key=lambda held: held[0])[1])
        for flag in flags:
            flag.set()

    def room_made(self) -> None:
        """A purchase turned final (on the subscription's thread)."""
        if self._held:
            waiting_room_gauge_stale()
            self.wake_next()


_holds = _Holds()


def line_hold_wait(*, user, event: Event, ticket: QueueTicket, seconds: int):
    """(the ticket once the user is admitted or `seconds` have passed, whether it was held).
    Not held: an admitted ticket, a buyer whose estimated wait is longer than `seconds`, or
    a process already holding its share."""
    if ticket.admitted or seconds <= 0 or ticket.estimated_wait_seconds > seconds:
        return ticket, False
    if _watch is not None:
        _watch(_holds.room_made)  # from here on, announcements wake this process's holders
    flag = _holds.hold(event.pk, ticket.number)
    if flag is None:
        return ticket, False
    try:
        deadline = time.monotonic() + seconds
        check_at = time.monotonic() + RECHECK_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            woken = flag.wait(timeout=min(left, SLICE_SECONDS))
            if not threading.main_thread().is_alive():  # the process is exiting
                break
            if not woken and time.monotonic() < check_at:
                continue
            flag.clear()  # before the check: an announcement during it wakes us again
            check_at = time.monotonic() + RECHECK_SECONDS
            found = waiting_room_poll(user=user, event=event)
            if found is None:  # the line was forgotten meanwhile
                break
            ticket = found
            if ticket.admitted:
                _holds.wake_next(event.pk, after=ticket.number)  # more room, maybe
                break
    finally:
        _holds.release(event.pk, flag)
    return ticket, True
