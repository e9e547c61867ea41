"""Recovery: work lost on its way to a worker, or with it, goes back to the queue; callbacks
that never reached Redis are sent again.

Work can be lost in three places, and each is recognised from the outside:

- with its worker: the shard is ``running`` on a worker whose liveness key is gone (killed,
  paused, cut off), or its RQ job ended without reporting (the job crashed);
- between the queue and the worker: the shard is ``queued`` and its RQ job is "queued" but
  on no queue (a worker popped it and was paused before starting it; its BLPOP answer sits
  unread in a stopped process), or "started" by a worker that is not alive;
- in Redis: the RQ job is missing (Redis restarted without its data, or the enqueue after
  commit failed).

A suspicion must hold for ``CHALLENGE_LOST_GRACE_SECONDS`` before it counts, so the instant
between a worker's pop and its claim, or a worker re-publishing its liveness key after a
Redis restart, is never taken for a loss. The first time the recoverer sees it, it notes the
time in ``cw:suspect:<what>`` (Redis; if Redis loses it, the wait only starts again).

A lost shard is queued again under a new attempt number and RQ job id, by compare-and-set
on (status, attempts). The attempt is the claim token (see `challenge_task_claim` and
`challenge_task_record_result`): a worker that wakes up with the old RQ job can neither
claim the shard nor report on it. Only losses of a running shard count as failures towards
``MAX_ATTEMPTS``; work lost before it started is queued again for free, so a Redis restart
never fails a purchase.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rq.job import Job, JobStatus

from challenge_worker.broker import get_queue, redis_client, suspect_key, task_rq_job_id
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import workers_alive
from challenge_worker.services.completion import _enqueue_callback, _job_settle
from challenge_worker.services.jobs import _enqueue_tasks

log = logging.getLogger(__name__)

#: A shard lost this many times while running (worker died, job crashed) is given up.
MAX_ATTEMPTS = 3
#: A queued shard is checked against RQ only after this long (default: the setting
#: ``CHALLENGE_LOST_GRACE_SECONDS``), so a commit whose enqueue is still on its way is not
#: mistaken for a lost one.
QUEUED_GRACE_SECONDS = None
#: Likewise for a finished job whose callback is not marked as enqueued yet.
CALLBACK_GRACE_SECONDS = 10.0

_GONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
#: Up to this many RQ jobs are looked up in the queue's list one by one (LPOS).
_LPOS_MAX = 20
_FIELDS = ("id", "job_id", "status", "worker_name", "attempts", "failures", "rq_job_id")


@dataclass(frozen=True)
class RecoveryReport:
    requeued: list[int]
    given_up: list[int]
    callbacks: list[str]

    def __bool__(self) -> bool:
        return bool(self.requeued or self.given_up or self.callbacks)


def challenge_tasks_recover(
    *,
    queued_grace_seconds: float | None = QUEUED_GRACE_SECONDS,
    lost_grace_seconds: float | None = None,
    callback_grace_seconds: float = CALLBACK_GRACE_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
) -> RecoveryReport:
    """Queue again the shards whose work was lost (see the module docstring); meant to run
    every couple of seconds. Both graces default to the setting
    ``CHALLENGE_LOST_GRACE_SECONDS``. Also re-sends callbacks that were not enqueued.

    Cheap when there is nothing to do: one query on a partial index of active shards, one on
    a partial index of final jobs without callback, and Redis only if shards are in flight.
    """
    if lost_grace_seconds is None:
        lost_grace_seconds = settings.CHALLENGE_LOST_GRACE_SECONDS
    if queued_grace_seconds is None:
        queued_grace_seconds = settings.CHALLENGE_LOST_GRACE_SECONDS
    now = timezone.now()
    requeued, given_up = [], []
    for task, failed in _lost_tasks(now - timedelta(seconds=queued_grace_seconds),
                                    lost_grace_seconds):  # fmt: skip
        if failed and task["failures"] + 1 >= max_attempts:
            if _task_give_up(task):
                given_up.append(task["id"])
        elif _task_requeue(task, failed=failed):
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


def _lost_tasks(queued_before, grace: float) -> list[tuple[dict, bool]]:
    """The active shards whose work is lost, each with whether it failed while running."""
    S = ChallengeTask.Status
    candidates = [
        t
        for t in ChallengeTask.objects.filter(status__in=ChallengeTask.ACTIVE)
        .exclude(status=S.QUEUED, enqueued_at__gte=queued_before)
        .values(*_FIELDS, "enqueued_at")
    ]
    if not candidates:
        return []
    client = redis_client()
    alive = {w.name for w in workers_alive()}
    ids = sorted({t["rq_job_id"] or "-" for t in candidates})
    rq_jobs = dict(zip(ids, Job.fetch_many(ids, client), strict=True))
    waiting = _on_queue(
        client,
        [i for i, j in rq_jobs.items() if j and j.get_status(refresh=False) == JobStatus.QUEUED],
    )
    suspects: dict[str, list[dict]] = {}
    lost: list[tuple[dict, bool]] = []
    for task in candidates:
        rq_job = rq_jobs[task["rq_job_id"] or "-"]
        status = rq_job.get_status(refresh=False) if rq_job is not None else None
        if task["status"] == S.RUNNING:
            if status in _GONE:  # the job ended without reporting: it crashed
                lost.append((task, True))
            elif task["worker_name"] not in alive:
                suspects.setdefault(f"worker:{task['worker_name']}", []).append(task)
            continue
        if rq_job is None or status in _GONE:
            lost.append((task, False))
        elif status == JobStatus.STARTED and rq_job.worker_name not in alive:
            suspects.setdefault(f"worker:{rq_job.worker_name}", []).append(task)
        elif status == JobStatus.QUEUED and rq_job.id not in waiting:
            suspects.setdefault(f"rq:{rq_job.id}", []).append(task)
    for what in _suspected_for(client, list(suspects), grace, cleared=alive):
        lost.extend((task, task["status"] == S.RUNNING) for task in suspects[what])
    return lost


def _on_queue(client, rq_job_ids: list[str]) -> set[str]:
    """Which of these RQ jobs are still in the list of queue "challenges"."""
    if not rq_job_ids:
        return set()
    key = get_queue().key
    if len(rq_job_ids) > _LPOS_MAX:  # a long backlog: one pass over the list beats many
        listed = {i.decode() for i in client.lrange(key, 0, -1)}
        return {i for i in rq_job_ids if i in listed}
    with client.pipeline(transaction=False) as pipe:
        for rq_job_id in rq_job_ids:
            pipe.lpos(key, rq_job_id)
        positions = pipe.execute()
    return {i for i, at in zip(rq_job_ids, positions, strict=True) if at is not None}


def _suspected_for(client, suspects: list[str], grace: float, *, cleared: set[str]) -> list[str]:
    """Which of ``suspects`` were already suspected at least ``grace`` seconds ago.

    Notes the first sighting of each; forgets the live workers named in ``cleared``, so a
    worker that comes back and is lost again later waits the grace again.
    """
    now = time.time()
    ttl = max(60, int(10 * grace))
    with client.pipeline(transaction=False) as pipe:
        for what in suspects:
            pipe.set(suspect_key(what), now, nx=True, ex=ttl)
            pipe.get(suspect_key(what))
        if cleared:
            pipe.delete(*(suspect_key(f"worker:{name}") for name in cleared))
        answers = pipe.execute()
    since = answers[1 : 2 * len(suspects) : 2]
    return [what for what, at in zip(suspects, since, strict=True) if now - float(at) >= grace]


def _task_requeue(task: dict, *, failed: bool) -> bool:
    attempt = task["attempts"] + 1
    rq_job_id = task_rq_job_id(task["id"], attempt)
    with transaction.atomic():
        moved = ChallengeTask.objects.filter(
            pk=task["id"], status=task["status"], attempts=task["attempts"]
        ).update(
            status=ChallengeTask.Status.QUEUED,
            attempts=attempt,
            failures=task["failures"] + int(failed),
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
        ).update(
            status=ChallengeTask.Status.EXHAUSTED,
            failures=task["failures"] + 1,
            finished_at=timezone.now(),
        )
        if moved:
            _job_settle(job)
    return bool(moved)
