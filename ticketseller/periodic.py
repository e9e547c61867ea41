"""The clock's periodic jobs: enqueued on "maintenance" under fixed job ids, never twice at once,
and never lost to a worker that took one and stopped.

A periodic job is skipped while its previous run is queued or running. Two ways a run can get
stuck in that state, both recovered here:

- "queued" but on no queue: a worker popped it and then paused (SIGSTOP, a frozen VM) or died
  before starting it. RQ keeps calling it queued. After `CLOCK_LOST_JOB_GRACE_SECONDS` of
  being seen like that, it is queued again.
- "started" by a worker that is gone (it stopped, or its RQ registration expired), or whose
  run outlived its timeout: RQ's StartedJobRegistry cleanup marks it failed, and the next
  tick queues it again.

A run that the paused worker resumes later is harmless: every periodic job is safe to run
twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ticketseller.queues import get_queue
from ticketseller.rq_jobs import job_on_queue, job_worker_gone

log = logging.getLogger(__name__)
QUEUE = "maintenance"
_WAITING = {JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass
class Periodic:
    job: str
    every: float
    timeout: int = 120  # seconds; a run that outlives it is failed and queued again
    next_at: float = 0.0

    @property
    def job_id(self) -> str:
        return "periodic-" + self.job.replace(".", "-")  # RQ ids: letters, digits, - and _


def schedule() -> list[Periodic]:
    every = settings.CLOCK_RECONCILE_SECONDS
    return [
        Periodic("payments.jobs.purchases_reconcile", every),
        Periodic("challenge_worker.jobs.challenge_tasks_recover", every),
        Periodic("payments.delivery.jobs.deliveries_sweep", settings.CLOCK_DELIVERY_SWEEP_SECONDS),
        Periodic("events.jobs.events_sync", settings.CLOCK_SYNC_EVENTS_SECONDS, timeout=300),
    ]


@dataclass
class LostJobs:
    """When the clock first saw each periodic job "queued" but on no queue (monotonic s)."""

    first_seen: dict[str, float] = field(default_factory=dict)

    def lost_for(self, job_id: str, *, now: float) -> float:
        return now - self.first_seen.setdefault(job_id, now)

    def forget(self, job_id: str) -> None:
        self.first_seen.pop(job_id, None)


def _enqueue(queue: Queue, task: Periodic) -> None:
    # A copy left in a worker's intermediate list would later be failed by RQ's own cleanup.
    queue.connection.lrem(queue.intermediate_queue_key, 0, task.job_id)
    queue.enqueue(
        task.job, job_id=task.job_id, job_timeout=task.timeout, result_ttl=60, failure_ttl=3600
    )


def periodic_enqueue(
    task: Periodic, *, lost: LostJobs, now: float | None = None, queue: Queue | None = None
) -> str:
    """Queue `task` unless its previous run is still waiting or running. Returns what it did:
    "enqueued", "busy", or "requeued" (a run that was lost, see the module docstring)."""
    now = time.monotonic() if now is None else now
    queue = queue or get_queue(QUEUE)
    try:
        job = Job.fetch(task.job_id, connection=queue.connection)
        status = job.get_status()
    except NoSuchJobError:
        job, status = None, None
    if status == JobStatus.QUEUED:
        if job_on_queue(queue, task.job_id):
            lost.forget(task.job_id)
            return "busy"
        if lost.lost_for(task.job_id, now=now) < settings.CLOCK_LOST_JOB_GRACE_SECONDS:
            return "busy"
        log.warning("%s was taken off the queue and never started: queuing it again", task.job)
    elif status == JobStatus.STARTED:
        if not job_worker_gone(queue, job):
            return "busy"
        log.warning("%s was started by %s, which is gone: queuing it again", task.job,
                    job.worker_name)  # fmt: skip
        queue.started_job_registry.remove_executions(job)
    elif status in _WAITING:
        return "busy"
    lost.forget(task.job_id)
    _enqueue(queue, task)
    return "enqueued" if status not in (JobStatus.QUEUED, JobStatus.STARTED) else "requeued"


def periodic_tick(tasks: list[Periodic], *, lost: LostJobs, queue: Queue | None = None) -> None:
    """One pass of the clock: expire abandoned runs, then queue each task that is due."""
    now = time.monotonic()
    queue = queue or get_queue(QUEUE)
    try:
        queue.started_job_registry.cleanup()
    except Exception:  # Redis hiccup: try on the next tick
        log.exception("could not clean the started registry of %s", QUEUE)
    for task in tasks:
        if now < task.next_at:
            continue
        try:
            periodic_enqueue(task, lost=lost, now=now, queue=queue)
        except Exception:  # Redis hiccup: log and try on the next tick
            log.exception("could not enqueue %s", task.job)
        task.next_at = now + task.every
