"""Recording what a worker found in its shard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from challenge_worker.broker import solved_key
from challenge_worker.models import ChallengeTask
from challenge_worker.services.claims import _lock_job_of_task
from challenge_worker.services.completion import _job_settle, _set_stop_keys
from ticketseller.errors import InvalidInput

log = logging.getLogger(__name__)


def challenge_task_record_result(
    *,
    task_id: int,
    attempt: int,
    secret: int | None,
    tried: int,
    seconds: float,
    backend: str,
) -> ChallengeTask:
    """Record what a worker found in its shard; applying the same report twice is a no-op.

    Only the claim that holds the shard may report: status ``running`` and ``attempt`` (the
    task's ``attempts`` when it was claimed) still current. A report from a claim the
    recoverer has since replaced (its worker was paused, or presumed dead) is stale and a
    no-op, secret or not: the new attempt reports instead, so each shard's result is
    recorded once, by one claim.

    - ``secret`` given: the shard is solved. The challenge's other shards are cancelled, and
      after commit ``cw:solved:<job>:<challenge>`` is set so shards still scanning stop at
      their next chunk. Then the job completes if this was its last challenge.
    - no secret, ``tried`` covers the shard: exhausted; if no other shard of the challenge
      can still find it, the job fails.
    - no secret, fewer tried: the shard stopped early (its challenge was solved elsewhere,
      or the job stopped): cancelled, with ``tried`` kept.
    """
    with transaction.atomic():
        job = _lock_job_of_task(task_id)
        if job is None:
            raise InvalidInput(details={"task_id": [f"no task {task_id}"]})
        task = ChallengeTask.objects.select_for_update().get(pk=task_id, job=job)
        _apply(job, task, ShardReport(task_id, attempt, secret, tried, seconds, backend))
        _job_settle(job)
    return task


@dataclass(frozen=True)
class ShardReport:
    """What a worker found in one shard (the arguments of `challenge_task_record_result`)."""

    task_id: int
    attempt: int
    secret: int | None
    tried: int
    seconds: float
    backend: str


def challenge_tasks_record_results(*, reports: list[ShardReport]) -> list[ChallengeTask]:
    """Record a batch job's shards (all of one master job) in one transaction, with the
    same rules as `challenge_task_record_result` applied to each, and settle the job once:
    a purchase's five cheap challenges cost one round of bookkeeping, not five."""
    if not reports:
        return []
    with transaction.atomic():
        job = _lock_job_of_task(reports[0].task_id)
        if job is None:
            raise InvalidInput(details={"task_id": [f"no task {reports[0].task_id}"]})
        tasks = (
            ChallengeTask.objects.select_for_update()
            .filter(job=job)
            .in_bulk([r.task_id for r in reports])
        )
        if missing := [r.task_id for r in reports if r.task_id not in tasks]:
            raise InvalidInput(details={"task_id": [f"no task {missing} in job {job.pk}"]})
        solved: set[str] = set()
        for report in reports:
            task = tasks[report.task_id]
            if task.challenge_id in solved and task.status == ChallengeTask.Status.RUNNING:
                # cancelled in the database by the report of a shard before it
                task.status = ChallengeTask.Status.CANCELLED
            _apply(job, task, report)
            if task.status == ChallengeTask.Status.SOLVED:
                solved.add(task.challenge_id)
        _job_settle(job)
    return [tasks[r.task_id] for r in reports]


def _apply(job, task: ChallengeTask, report: ShardReport) -> None:
    """One shard's report, with its job and the task row locked."""
    S = ChallengeTask.Status
    now = timezone.now()
    stats = {
        "tried": max(0, int(report.tried)),
        "seconds": float(report.seconds),
        "backend": report.backend[:50],
    }
    if task.is_final:
        if task.status == S.CANCELLED and task.tried == 0 and task.attempts == report.attempt:
            # the stopped shard reporting how far it got after being cancelled
            ChallengeTask.objects.filter(pk=task.pk).update(**stats)
            task.refresh_from_db()
        return
    if task.status != S.RUNNING or task.attempts != report.attempt:
        log.info(
            "master: ignoring a stale report for task %s (attempt %s)", task.pk, report.attempt
        )
        return
    secret = report.secret
    if secret is not None:
        if not task.start <= secret <= task.end:
            raise InvalidInput(details={"secret": [f"{secret} is outside the shard"]})
        task.status, task.secret, task.finished_at = S.SOLVED, secret, now
        for name, value in stats.items():
            setattr(task, name, value)
        task.save()
        ChallengeTask.objects.filter(
            job=job, challenge_id=task.challenge_id, status__in=ChallengeTask.ACTIVE
        ).update(status=S.CANCELLED, finished_at=now)
        transaction.on_commit(partial(_set_stop_keys, [solved_key(job.pk, task.challenge_id)]))
    else:
        task.status = S.EXHAUSTED if stats["tried"] >= task.size else S.CANCELLED
        task.finished_at = now
        for name, value in stats.items():
            setattr(task, name, value)
        task.save()
