"""The delivery worker: tickets and emails give way to the purchases of an on-sale rush.

A ticket's PDF and its email cost about a fifth of a purchase's CPU on the machine that
renders them (18 of 92 ms in a rush on two cores, `make run` rendering in-process): in a
rush they took the cores that validate the next purchases. While the pipeline is busy (at
least DELIVERY_GIVE_WAY_IN_FLIGHT purchases in flight, the gauge the waiting room paces
by: 1 where tickets render in-process, 0, never, with the Lambda), this worker waits
before it takes the next delivery, and the tickets catch up as the rush eases. A delivery
is never held back longer than DELIVERY_GIVE_WAY_MAX_SECONDS: once the oldest one queued
has waited that long, the worker takes jobs as they come, rush or not. Meanwhile the
purchase page shows the ticket's link, whose page says the ticket is being prepared.

Not niceness: a niced or idle-class worker still renders in every gap the pipeline leaves
and, holding SQLite's write lock when it is preempted, makes the pipeline wait for it.

Run with ``--worker-class payments.delivery.worker.DeliveryWorker``.
"""

from __future__ import annotations

import logging
import time

from django import db
from django.conf import settings
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.utils import now

from payments.delivery.emails import email_templates_load
from payments.selectors import purchases_in_flight
from ticketseller.rq_worker import TolerantWorker
from ticketseller.warm_up import url_tables_build

log = logging.getLogger(__name__)

#: How often a worker giving way looks again at the pipeline and its queue (seconds).
GIVE_WAY_STEP_SECONDS = 0.25
#: The worker's state (RQ's dashboard) while it holds deliveries back.
GIVING_WAY = "giving way"


def warm_up() -> None:
    """Load what the first delivery would: the renderer and the storage backends, the
    email templates, and the URL tables in each language (the email's links). A fresh
    worker's first delivery cost 0.2–0.28 s of CPU, more than ten warm ones; at the start
    of a rush that is taken from the purchases in flight."""
    from payments.delivery import jobs  # noqa: F401  (imports the renderer and backends)

    email_templates_load()
    url_tables_build()


class DeliveryWorker(TolerantWorker):
    """A `TolerantWorker` that lets purchases in flight have the cores first."""

    def bootstrap(self, *args, **kwargs):
        warm_up()
        super().bootstrap(*args, **kwargs)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        self.give_way()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def give_way(self) -> float:
        """Wait while the pipeline is busy and the oldest delivery is young. Returns the
        seconds waited."""
        started = time.monotonic()
        if not self.must_wait():
            return 0.0
        self.set_state(GIVING_WAY)  # what the RQ dashboard shows for this worker
        while not getattr(self, "_stop_requested", False):
            time.sleep(GIVE_WAY_STEP_SECONDS)
            self.heartbeat()  # alive in the dashboard while it waits (sent once a second)
            if not self.must_wait():
                break
        return time.monotonic() - started

    def must_wait(self) -> bool:
        """True while enough purchases are in flight and the oldest queued delivery has
        waited less than DELIVERY_GIVE_WAY_MAX_SECONDS. A gauge or queue that cannot be
        read lets the delivery go: holding tickets back is a courtesy, not a guarantee."""
        limit = settings.DELIVERY_GIVE_WAY_IN_FLIGHT
        if limit <= 0:
            return False
        try:
            # The queue first: an idle worker (nothing queued, or a job past its wait)
            # does not count purchases before each dequeue.
            oldest = self.oldest_wait()
            if oldest is None or oldest >= settings.DELIVERY_GIVE_WAY_MAX_SECONDS:
                return False
            return purchases_in_flight() >= limit
        except (db.Error, RedisError) as exc:
            log.warning("delivery: cannot tell whether to give way (%s); delivering", exc)
            db.close_old_connections()  # a broken connection is opened again next time
            return False

    def oldest_wait(self) -> float | None:
        """Seconds the first job of the worker's queues has been waiting; None when every
        queue is empty (then the next delivery is taken the moment it comes)."""
        ages = []
        for queue in self.queues:
            ids = queue.get_job_ids(0, 1)
            if not ids:
                continue
            try:
                job = Job.fetch(ids[0], connection=self.connection)
            except NoSuchJobError:
                return float("inf")  # gone: RQ skips it, nothing to wait for
            if job.enqueued_at is None:
                return float("inf")
            ages.append((now() - job.enqueued_at).total_seconds())
        return max(ages) if ages else None
