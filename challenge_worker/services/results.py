"""Recording what a worker found in its shard."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from challenge_worker.broker import solved_key
from challenge_worker.models import ChallengeTask
from challenge_worker.services.claims import _lock_job_of_task, job_tasks, lock_job
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
    report = ShardReport(task_id, attempt, secret, tried, seconds, backend)
    return challenge_tasks_record_results(reports=[report])[0]


@dataclass(frozen=True)
class ShardReport:
    """What a worker found in one shard (the arguments of `challenge_task_record_result`)."""

    task_id: int
    attempt: int
    secret: int | None
    tried: int
    seconds: float
    backend: str


def challenge_tasks_record_results(
    *, reports: list[ShardReport], job_id=None
) -> list[ChallengeTask]:
    """Record a batch job's shards (all of one master job, `job_id` when the caller knows
    it) in one transaction, with the same rules as `challenge_task_record_result` applied to
    each, and settle the job once: a purchase's five cheap challenges cost a handful of
    statements, not five rounds."""
    if not reports:
        return []
    with transaction.atomic():
        job = lock_job(job_id) if job_id else _lock_job_of_task(reports[0].task_id)
        if job is None:
            raise InvalidInput(details={"task_id": [f"no task {reports[0].task_id}"]})
        # All the job's shards, locked: the rules need the reported ones, cancelling a solved
        # challenge's other shards and settling the job need the rest.
        shards = job_tasks(job, lock=True)
        tasks = {t.pk: t for t in shards}
        if missing := [r.task_id for r in reports if r.task_id not in tasks]:
            raise InvalidInput(details={"task_id": [f"no task {missing} in job {job.pk}"]})
        _apply_all(job, [(tasks[r.task_id], r) for r in reports], shards)
        _job_settle(job, tasks=shards)
    return [tasks[r.task_id] for r in reports]


_FIELDS = ["status", "secret", "finished_at", "tried", "seconds", "backend"]


def _apply_all(job, reported: list[tuple[ChallengeTask, ShardReport]], tasks) -> None:
    """The reports' rules on the locked rows (`tasks`: all the job's), written back in one
    statement: the changed shards and the other shards of the challenges now solved
    (cancelled); after commit the stop keys, so shards still scanning those give up."""
    S = ChallengeTask.Status
    now = timezone.now()
    changed: dict[int, ChallengeTask] = {}
    solved: list[str] = []
    for task, report in reported:
        if task.challenge_id in solved and task.status == S.RUNNING:
            task.status, task.finished_at = S.CANCELLED, now  # by a report before it
        if _apply(task, report, now):
            changed[task.pk] = task
            if task.status == S.SOLVED:
                solved.append(task.challenge_id)
    # A stop key is for shards that may still be scanning the solved challenge elsewhere:
    # its other shards, or an older attempt of this one (a paused worker the recoverer
    # replaced). A purchase's single-shard challenges, solved at the first try, need none.
    stop = {t.challenge_id for t, _ in reported if t.status == S.SOLVED and t.attempts > 1}
    for task in tasks:
        if task.challenge_id in solved and task.status in ChallengeTask.ACTIVE:
            task.status, task.finished_at = S.CANCELLED, now
            changed[task.pk] = task
            stop.add(task.challenge_id)
    if changed:
        _write_back(list(changed.values()))
    if stop:
        keys = [solved_key(job.pk, challenge_id) for challenge_id in sorted(stop)]
        transaction.on_commit(partial(_set_stop_keys, keys))


def _write_back(tasks: list[ChallengeTask]) -> None:
    """`bulk_update(tasks, _FIELDS)` as one prepared `UPDATE` run for each row (the rows are
    locked by the caller). `bulk_update` builds a CASE expression per field and row: for a
    purchase's five shards Django spent more building it than the worker spent hashing."""
    meta = ChallengeTask._meta
    fields = [meta.get_field(name) for name in _FIELDS]
    q = connection.ops.quote_name
    sql = (
        f"UPDATE {q(meta.db_table)} SET "
        + ", ".join(f"{q(field.column)} = %s" for field in fields)
        + f" WHERE {q(meta.pk.column)} = %s"
    )
    rows = [
        [field.get_db_prep_save(getattr(task, field.attname), connection) for field in fields]
        + [task.pk]
        for task in tasks
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply(task: ChallengeTask, report: ShardReport, now) -> bool:
    """One shard's report on its locked row (in memory); True if the row must be saved."""
    S = ChallengeTask.Status
    stats = {
        "tried": max(0, int(report.tried)),
        "seconds": float(report.seconds),
        "backend": report.backend[:50],
    }
    if task.is_final:
        # only the stopped shard reporting how far it got after being cancelled counts
        fresh = task.status == S.CANCELLED and task.tried == 0 and task.attempts == report.attempt
        if fresh:
            for name, value in stats.items():
                setattr(task, name, value)
        return fresh
    if task.status != S.RUNNING or task.attempts != report.attempt:
        log.info(
            "master: ignoring a stale report for task %s (attempt %s)", task.pk, report.attempt
        )
        return False
    if report.secret is not None:
        if not task.start <= report.secret <= task.end:
            raise InvalidInput(details={"secret": [f"{report.secret} is outside the shard"]})
        task.status, task.secret = S.SOLVED, report.secret
    else:
        task.status = S.EXHAUSTED if stats["tried"] >= task.size else S.CANCELLED
    task.finished_at = now
    for name, value in stats.items():
        setattr(task, name, value)
    return True
