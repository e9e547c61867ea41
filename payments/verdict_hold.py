"""A purchase poll held until the verdict: `Prefer: wait=N` (RFC 7240) on the purchase's
`GET`, and on the buy's `POST` for a client that only wants the outcome (docs/api.md).

A poll that answers "not yet" costs the web about what a step of the purchase does, and a
page polling every X-Poll-Interval sees the verdict up to that late. A client that sends
`Prefer: wait=N` (ticketseller/api/prefer.py) has its answer held until the purchase reaches
a final state or N seconds (at most 10) pass: one request where there were several, and the
verdict shown the moment it is given.

Whoever applies a final state publishes the purchase's id on CHANNEL after the commit. Each
web process keeps one subscription, on a thread of its own, and wakes the requests held for
that id. A held request keeps a server thread, so a process holds at most
`PURCHASE_WAIT_MAX_HELD` at once; beyond that, or while the subscription is down, the poll is
answered at once, as without the preference (the client then follows X-Poll-Interval). A
subscription that fails wakes every held request (each reads its purchase again and answers)
and subscribes again after RESUBSCRIBE_SECONDS. A paused Redis delivers nothing: the held
requests answer when their N seconds are up.
"""

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from redis import Redis
from redis.exceptions import RedisError

from ticketseller.api.prefer import SLICE_SECONDS, preference_applied
from ticketseller.queues import queue_connection

if TYPE_CHECKING:
    from payments.models import Purchase

log = logging.getLogger(__name__)

CHANNEL = "purchases:final"
RESUBSCRIBE_SECONDS = 1.0


def purchase_final_announce(*, purchase_id: uuid.UUID | str) -> None:
    """Wake the requests held for this purchase, in every web process (after the commit)."""
    try:
        queue_connection("payments").publish(CHANNEL, str(purchase_id))
    except RedisError as exc:  # the held requests answer when their wait is up
        log.warning("could not announce the verdict of purchase %s: %s", purchase_id, exc)


class _Subscription:
    """This process's subscription to CHANNEL and the requests held on it."""

    def __init__(self, client: Redis):
        self._client = client
        self._lock = threading.Lock()
        self._held: dict[str, set[threading.Event]] = {}
        self._count = 0
        self.watchers: set[Callable[[], None]] = set()  # told of every verdict (see finals_watch)
        self.ready = threading.Event()
        threading.Thread(target=self._run, name="purchase-verdicts", daemon=True).start()

    def hold(self, purchase_id: str) -> threading.Event | None:
        """An event set when the purchase's verdict is announced, or None (no room, or the
        subscription is down): answer at once."""
        with self._lock:
            if not self.ready.is_set() or self._count >= settings.PURCHASE_WAIT_MAX_HELD:
                return None
            event = threading.Event()
            self._held.setdefault(purchase_id, set()).add(event)
            self._count += 1
            return event

    def release(self, purchase_id: str, event: threading.Event) -> None:
        with self._lock:
            events = self._held.get(purchase_id, set())
            events.discard(event)
            if not events:
                self._held.pop(purchase_id, None)
            self._count -= 1

    def _wake(self, purchase_id: str | None) -> None:
        with self._lock:
            if purchase_id is None:
                events = [event for held in self._held.values() for event in held]
            else:
                events = list(self._held.get(purchase_id, ()))
        for event in events:
            event.set()
        for watcher in list(self.watchers):
            watcher()

    def _run(self) -> None:
        while True:
            pubsub = self._client.pubsub()
            try:
                pubsub.subscribe(CHANNEL)
                while True:
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":  # confirmed: no announcement missed now
                        self.ready.set()
                    elif message["type"] == "message":
                        self._wake(message["data"].decode())
            except (RedisError, OSError) as exc:
                # Once per outage, not once per retry.
                level = logging.WARNING if self.ready.is_set() else logging.DEBUG
                log.log(level, "verdict subscription lost, retried every %.0fs: %s",
                        RESUBSCRIBE_SECONDS, exc)  # fmt: skip
            except Exception:  # a bug must not end the thread: holds would stop for good
                log.exception("verdict subscription failed; again in %.0fs", RESUBSCRIBE_SECONDS)
            finally:
                self.ready.clear()
                self._wake(None)  # every held request reads its purchase again and answers
                with contextlib.suppress(RedisError, OSError):  # already gone
                    pubsub.close()
            time.sleep(RESUBSCRIBE_SECONDS)


_subscriptions: dict[int, _Subscription] = {}
_start_lock = threading.Lock()


def _subscription() -> _Subscription:
    """This process's subscription, started on first use (after gunicorn's fork) and per
    Redis client (tests point the queues at another Redis)."""
    client = queue_connection("payments")
    with _start_lock:
        if (subscription := _subscriptions.get(id(client))) is None:
            subscription = _subscriptions[id(client)] = _Subscription(client)
    return subscription


def finals_watch(watcher: Callable[[], None]) -> bool:
    """Have `watcher()` called, on the subscription's thread, whenever a purchase turns final
    (and when the subscription is lost: an announcement may be missed). Whether the
    subscription is up. The waiting room's held polls use it (events/line_hold.py): a final
    purchase makes room in the pipeline."""
    subscription = _subscription()
    subscription.watchers.add(watcher)
    return subscription.ready.wait(timeout=0.05)  # a fresh process subscribes


class VerdictHold:
    """Holds a request until the purchase's verdict is announced or `seconds` pass.

    Enter it before reading the purchase (an announcement after the read then wakes it);
    `granted` is False when the request is to be answered at once."""

    def __init__(self, purchase_id: uuid.UUID | str, seconds: int):
        self.purchase_id, self.seconds = str(purchase_id), seconds
        self._subscription: _Subscription | None = None
        self._event: threading.Event | None = None

    @property
    def granted(self) -> bool:
        return self._event is not None

    def __enter__(self) -> "VerdictHold":
        if self.seconds > 0:
            self._subscription = _subscription()  # a client only: it connects on its thread
            if self._subscription.ready.wait(timeout=0.05):  # a fresh process subscribes
                self._event = self._subscription.hold(self.purchase_id)
        return self

    def read(self, fetch: Callable[[], "Purchase | None"]) -> "Purchase | None":
        """`fetch()` the purchase and, when the hold is granted and it is not final yet,
        again after the wait (woken by its verdict, by a lost subscription, or by time)."""
        purchase = fetch()
        if purchase is not None and self.granted and not purchase.is_final:
            self.wait()
            purchase = fetch()
        return purchase

    def applied(self, response):
        """The answer, with `Preference-Applied` when it was held (RFC 7240)."""
        return preference_applied(response, self.seconds) if self.granted else response

    def wait(self) -> bool:
        """Block until the verdict (True) or the end of the wait (False)."""
        deadline = time.monotonic() + self.seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._event.wait(timeout=min(left, SLICE_SECONDS)):
                return True
            if not threading.main_thread().is_alive():  # the process is exiting
                return False
        return False

    def __exit__(self, *exc) -> None:
        if self._event is not None:
            self._subscription.release(self.purchase_id, self._event)
