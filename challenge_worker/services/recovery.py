"""Recovery: shards lost with their worker go back to the queue; lost callbacks are re-sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from rq.job import Job, JobStatus

from challenge_worker.broker import redis_client, task_rq_job_id
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import workers_alive
from challenge_worker.services.completion import _enqueue_callback, _job_settle
from challenge_worker.services.jobs import _enqueue_tasks

log = logging.getLogger(__name__)

#: A shard lost this many times (worker died, job crashed) is given up: exhausted.
MAX_ATTEMPTS = 3
#: A queued shard is checked against RQ only after this long, so a commit whose enqueue is
#: still on its way is not mistaken for a lost one.
QUEUED_GRACE_SECONDS = 10.0
#: Likewise for a finished job whose callback is not marked as enqueued yet.
CALLBACK_GRACE_SECONDS = 10.0

_GONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


@dataclass(frozen=True)
class RecoveryReport:
    requeued: list[int]
    given_up: list[int]
    callbacks: list[str]

    def __bool__(self) -> bool:
        return bool(self.requeued or self.given_up or self.callbacks)


def challenge_tasks_recover(
    *,
    queued_grace_seconds: float = QUEUED_GRACE_SECONDS,
    callback_grace_seconds: float = CALLBACK_GRACE_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
) -> RecoveryReport:
    """Queue again the shards lost with their worker; meant to run every couple of seconds.

    A shard is lost when it is ``running`` on a worker that is not alive (see
    `workers_alive`: a SIGKILLed worker drops out within ``WORKER_ALIVE_TTL`` s) or whose RQ
    job is over (it crashed), or ``queued`` for longer than ``queued_grace_seconds`` while
    its RQ job is missing or over. A lost shard goes back to ``queued`` with ``attempts +
    1`` and a new RQ job, by compare-and-set on (status, attempts), so concurrent recoverers
    queue it once; after ``max_attempts`` it is given up (exhausted) and its job may fail.
    Also re-sends callbacks that were not enqueued (Redis was down at the time).

    Cheap when there is nothing to do: one query on a partial index of active shards, one on
    a partial index of final jobs without callback, and Redis only if shards are in flight.
    """
    S = ChallengeTask.Status
    now = timezone.now()
    lost = []
    active = list(
        ChallengeTask.objects.filter(status__in=ChallengeTask.ACTIVE).values(
            "id", "job_id", "status", "worker_name", "attempts", "rq_job_id", "enqueued_at"
        )
    )
    queued_before = now - timedelta(seconds=queued_grace_seconds)
    candidates = [
        t
        for t in active
        if t["status"] == S.RUNNING
        or (t["enqueued_at"] is None or t["enqueued_at"] < queued_before)
    ]
    if candidates:
        alive = (
            {w.name for w in workers_alive()}
            if any(t["status"] == S.RUNNING for t in candidates)
            else set()
        )
        rq_jobs = Job.fetch_many([t["rq_job_id"] or "-" for t in candidates], redis_client())
        for task, rq_job in zip(candidates, rq_jobs, strict=True):
            gone = rq_job is None or rq_job.get_status(refresh=False) in _GONE
            if gone or (task["status"] == S.RUNNING and task["worker_name"] not in alive):
                lost.append(task)

    requeued, given_up = [], []
    for task in lost:
        if task["attempts"] >= max_attempts:
            if _task_give_up(task):
                given_up.append(task["id"])
        elif _task_requeue(task):
            requeued.append(task["id"])

    callbacks = []
    pending = MasterJob.objects.filter(
        status__in=MasterJob.FINAL,
        callback_enqueued_at__isnull=True,
        finished_at__lt=now - timedelta(seconds=callback_grace_seconds),
    ).values_list("pk", flat=True)
    for job_id in pending:
        _enqueue_callback(job_id)
        callbacks.append(str(job_id))

    if requeued or given_up:
        log.warning("master: re-queued shards %s, gave up %s", requeued, given_up)
    return RecoveryReport(requeued=requeued, given_up=given_up, callbacks=callbacks)


def _task_requeue(task: dict) -> bool:
    attempt = task["attempts"] + 1
    rq_job_id = task_rq_job_id(task["id"], attempt)
    with transaction.atomic():
        moved = ChallengeTask.objects.filter(
            pk=task["id"], status=task["status"], attempts=task["attempts"]
        ).update(
            status=ChallengeTask.Status.QUEUED,
            attempts=attempt,
            rq_job_id=rq_job_id,
            worker_name="",
            started_at=None,
            enqueued_at=timezone.now(),
        )
        if moved:
            size = ChallengeTask.objects.get(pk=task["id"]).size
            transaction.on_commit(partial(_enqueue_tasks, [([task["id"]], rq_job_id, size)]))
    return bool(moved)


def _task_give_up(task: dict) -> bool:
    with transaction.atomic():
        job = MasterJob.objects.select_for_update().get(pk=task["job_id"])
        moved = ChallengeTask.objects.filter(
            pk=task["id"], status=task["status"], attempts=task["attempts"]
        ).update(status=ChallengeTask.Status.EXHAUSTED, finished_at=timezone.now())
        if moved:
            _job_settle(job)
    return bool(moved)
