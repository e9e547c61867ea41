"""The clock: enqueues the periodic jobs. One clock per deployment.

A periodic job is enqueued under a fixed job id and skipped while the previous run is still
queued or running, so a slow run never overlaps the next one; the jobs themselves skip bad
rows instead of failing, so one bad row cannot crash-loop them.
"""

import logging
import signal
import time
from dataclasses import dataclass

import django_rq
from django.conf import settings
from django.core.management.base import BaseCommand
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)
_BUSY = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


@dataclass
class Periodic:
    job: str
    every: float
    next_at: float = 0.0

    @property
    def job_id(self) -> str:
        return "periodic-" + self.job.replace(".", "-")  # RQ ids: letters, digits, - and _


def schedule() -> list[Periodic]:
    return [
        Periodic("payments.jobs.purchases_reconcile", settings.CLOCK_RECONCILE_SECONDS),
        Periodic("challenge_worker.jobs.challenge_tasks_recover", settings.CLOCK_RECONCILE_SECONDS),
        Periodic("events.jobs.events_sync", settings.CLOCK_SYNC_EVENTS_SECONDS),
    ]


def enqueue_if_idle(task: Periodic) -> bool:
    queue = django_rq.get_queue("default")
    try:
        if Job.fetch(task.job_id, connection=queue.connection).get_status() in _BUSY:
            return False
    except NoSuchJobError:
        pass
    queue.enqueue(task.job, job_id=task.job_id, result_ttl=60, failure_ttl=3600)
    return True


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (reconcile purchases, recover lost challenges, sync events)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue each job once and exit.")

    def handle(self, *args, once: bool, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        tasks = schedule()
        self.stdout.write(", ".join(f"{t.job} every {t.every:g}s" for t in tasks))
        while running:
            now = time.monotonic()
            for task in tasks:
                if now >= task.next_at:
                    try:
                        enqueue_if_idle(task)
                    except Exception:  # Redis hiccup: log and try on the next tick
                        log.exception("could not enqueue %s", task.job)
                    task.next_at = now + task.every
            if once:
                return
            time.sleep(0.2)
