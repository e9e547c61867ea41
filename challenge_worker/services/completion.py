"""Finishing a job once and handing its outcome to payments (the callback job)."""

from __future__ import annotations

import logging
from functools import partial
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError

from challenge_worker.broker import (
    CALLBACK_QUEUE,
    STOP_KEY_TTL,
    callback_rq_job_id,
    get_queue,
    progress_key,
    redis_client,
    stop_key,
)
from challenge_worker.models import ChallengeTask, MasterJob
from ticketseller.statements import saved, update

log = logging.getLogger(__name__)


def _set_stop_keys(keys: list[str]) -> None:
    try:
        with redis_client().pipeline() as pipe:
            for key in keys:
                pipe.set(key, 1, ex=STOP_KEY_TTL)
            pipe.execute()
    except RedisError:  # running shards then scan to their end: slower, still correct
        log.exception("master: could not set stop keys %s", keys)


def _publish_progress(job_id, solved: int) -> None:
    try:
        redis_client().set(progress_key(job_id), solved, ex=STOP_KEY_TTL)
    except RedisError:  # the page shows an older count until the next result
        log.warning("master: could not publish the progress of job %s", job_id)


def _job_settle(job: MasterJob, tasks: list[ChallengeTask] | None = None) -> bool:
    """With ``job`` locked: finish it if every challenge is solved, or if one can no longer
    be. ``tasks``: all its shards as they are now, when the caller holds them (else read).
    Returns True if this call finished it (which happens once per job)."""
    if job.is_final:
        return False
    S = ChallengeTask.Status
    solved: dict[str, int] = {}
    active: set[str] = set()
    rows = (
        job.tasks.values_list("challenge_id", "status", "secret")
        if tasks is None
        else [(t.challenge_id, t.status, t.secret) for t in tasks]
    )
    for cid, status, secret in rows:
        if status == S.SOLVED:
            solved[cid] = secret
        elif status in ChallengeTask.ACTIVE:
            active.add(cid)
    ids = [str(c["challenge_id"]) for c in job.challenges]
    transaction.on_commit(partial(_publish_progress, job.pk, len(solved.keys() & set(ids))))
    if all(cid in solved for cid in ids):
        job.status = MasterJob.Status.SOLVED
    elif any(cid not in solved and cid not in active for cid in ids):
        job.status = MasterJob.Status.FAILED
        now = timezone.now()
        job.tasks.filter(status__in=ChallengeTask.ACTIVE).update(
            status=S.CANCELLED, finished_at=now
        )
        transaction.on_commit(partial(_set_stop_keys, [stop_key(job.pk)]))
    else:
        return False
    job.finished_at = timezone.now()
    saved(job, ["status", "finished_at"])
    # The secrets were just read: the callback is built from them, not read again.
    callback = master_job_callback_kwargs(job=job, secrets=solved)
    transaction.on_commit(partial(_enqueue_callback, job.pk, callback))
    log.info("master: job %s %s", job.pk, job.status)
    return True


class SolvedCallback(TypedDict):
    """The keyword arguments of the callback job ``settings.MASTER_SOLVED_JOB``.

    The contract with payments (docs/api.md, "The master's callback"). Payments may not
    import this app, so its job repeats these names and types in its signature, and
    payments/tests/test_callback_contract.py fails when the two part ways.
    """

    reference: str  # what the caller sent to POST /jobs: the purchase id
    job_id: str  # the master job's id, for logs
    solutions: list[dict]  # [{"challenge_id": <as sent>, "secret": int}, ...], found ones only
    complete: bool  # True: every challenge has its secret; False: the job failed
    solved_at: str | None  # when the job finished, ISO 8601


def master_job_callback_kwargs(
    *, job: MasterJob, secrets: dict[str, int] | None = None
) -> SolvedCallback:
    """The keyword arguments of the callback job, for a finished ``job``; ``secrets`` (challenge
    id → secret of its solved shard) when the caller has just read them."""
    if secrets is None:
        secrets = dict(
            job.tasks.filter(status=ChallengeTask.Status.SOLVED).values_list(
                "challenge_id", "secret"
            )
        )
    solutions = [
        {"challenge_id": c["challenge_id"], "secret": secrets[str(c["challenge_id"])]}
        for c in job.challenges
        if str(c["challenge_id"]) in secrets
    ]
    return SolvedCallback(
        reference=job.reference,
        job_id=str(job.pk),
        solutions=solutions,
        complete=job.status == MasterJob.Status.SOLVED,
        solved_at=job.finished_at.isoformat() if job.finished_at else None,
    )


def _enqueue_callback(job_id, callback: SolvedCallback | None = None) -> None:
    """After commit: enqueue ``settings.MASTER_SOLVED_JOB`` on "default", then note it.

    ``callback``: its arguments, from the transaction that just finished the job (which no
    one has noted yet); without them (the recoverer) the job is read and skipped if noted.
    The RQ job id is fixed (``cw-callback-<job id>``) and enqueued with ``unique=True``, so
    even a retry by the recoverer cannot queue it twice. If Redis is down the job stays
    without ``callback_enqueued_at`` and the recoverer tries again.
    """
    if callback is None:
        job = MasterJob.objects.get(pk=job_id)
        if job.callback_enqueued_at is not None:
            return
        callback = master_job_callback_kwargs(job=job)
    outcome = "solved" if callback["complete"] else "failed"
    try:
        get_queue(CALLBACK_QUEUE).enqueue_call(
            func=settings.MASTER_SOLVED_JOB,
            kwargs=callback,
            job_id=callback_rq_job_id(job_id),
            unique=True,
            description=f"master job {job_id} {outcome}",
        )
    except DuplicateJobError:
        pass  # already queued (or ran) under its fixed id
    except RedisError:
        log.exception("master: could not enqueue the callback of job %s", job_id)
        return
    noted = update(MasterJob, fields=("callback_enqueued_at",), where=("id",),
                   null=("callback_enqueued_at",))  # fmt: skip
    noted.execute([timezone.now()], [job_id])
