"""Creating a job: record the job and its shards, queue them."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError
from rq import Queue

from challenge_worker.broker import batch_rq_job_id, get_queue
from challenge_worker.errors import DepositTokenConflict
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import workers_alive
from challenge_worker.services.plans import (
    MIN_SHARD_SECONDS,
    _fleet_rate,
    _shard_timeout,
    batch_plan,
    shard_plan,
)
from ticketseller.statements import inserted, select

log = logging.getLogger(__name__)

SOLVE_JOB = "challenge_worker.jobs.challenge_solve"
SOLVE_BATCH_JOB = "challenge_worker.jobs.challenge_solve_batch"

DEFAULT_MAX_SECRET = 500_000
MAX_MAX_SECRET = 10**12
MAX_CHALLENGES = 50


def master_job_create(
    *,
    deposit_token: str,
    challenges: list[dict[str, Any]],
    max_secret: int = DEFAULT_MAX_SECRET,
    reference: str = "",
    rate_per_s: float | None = None,
    max_shards: int | None = None,
) -> tuple[MasterJob, bool]:
    """Record a job and queue one RQ job per shard of each challenge; idempotent.

    The same ``deposit_token`` again (a caller retrying after a timeout) returns the
    recorded job and ``created=False``, queueing nothing; with other challenges or another
    ``max_secret`` it raises `DepositTokenConflict`. Sharding follows `shard_plan`;
    ``rate_per_s`` / ``max_shards`` override its inputs (tests, tools).

    The arguments are checked once, where they come in from outside: the API's
    ``JobCreateInSerializer`` (at most MAX_CHALLENGES challenges with unique ids, 64-hex
    hashes, 1 ≤ max_secret ≤ MAX_MAX_SECRET). In-process callers pass values of that shape.
    """
    clean = [
        {"challenge_id": c["challenge_id"], "challenge_hash": c["challenge_hash"]}
        for c in challenges
    ]

    existing = _job_of_token(deposit_token)
    if existing is not None:
        return _same_job(existing, clean, max_secret), False

    # Network (Redis) before the transaction, never inside it.
    workers = workers_alive() if rate_per_s is None or max_shards is None else []
    rate = _fleet_rate(workers, rate_per_s)
    shards = shard_plan(
        max_secret=max_secret, challenge_count=len(clean), workers=workers,
        rate_per_s=rate, max_shards=max_shards,
    )  # fmt: skip
    try:
        with transaction.atomic():
            job = MasterJob(
                deposit_token=deposit_token,
                reference=reference,
                max_secret=max_secret,
                challenges=clean,
            )
            inserted(job)
            refs = _tasks_create(job, shards, rate)
            transaction.on_commit(partial(_enqueue_tasks, refs))
    except IntegrityError:
        # Two requests with the same token raced; the other one's job stands.
        existing = _job_of_token(deposit_token)
        if existing is None:
            raise
        return _same_job(existing, clean, max_secret), False
    log.info(
        "master: job %s (%s) with %d challenge(s) x %d shard(s) queued as %d RQ job(s)",
        job.pk, reference, len(clean), len(shards), len(refs),
    )  # fmt: skip
    return job, True


def _job_of_token(deposit_token: str) -> MasterJob | None:
    """The job already recorded for a deposit token (unique), in a statement written once
    per process: every purchase's job creation asks."""
    return select(MasterJob, where=("deposit_token",)).first(deposit_token)


def _tasks_create(
    job: MasterJob, shards: list[tuple[int, int]], rate: float
) -> list[tuple[list[int], str, int]]:
    """Record every shard of every challenge of ``job``, grouped into the RQ jobs of
    `batch_plan`; returns what `_enqueue_tasks` queues: (task ids, RQ job id, candidates).

    Each shard names its batch's RQ job (the recoverer checks it) as it is inserted: one
    statement inside the transaction, which holds SQLite's one write lock, where naming them
    after the insert took an ``UPDATE`` per batch."""
    now = timezone.now()
    tasks = [
        ChallengeTask(
            job=job,
            challenge_id=str(c["challenge_id"]),
            challenge_hash=c["challenge_hash"],
            start=start,
            end=end,
            enqueued_at=now,
        )
        for c in job.challenges
        for start, end in shards
    ]
    batches = batch_plan([t.size for t in tasks], rate_per_s=rate)
    planned = []  # (shard indexes, RQ job id, candidates) per batch
    for number, batch in enumerate(batches):
        size = sum(tasks[i].size for i in batch)
        rq_job_id = batch_rq_job_id(job.pk, number, cheap=size / rate < MIN_SHARD_SECONDS)
        for i in batch:
            tasks[i].rq_job_id = rq_job_id
        planned.append((batch, rq_job_id, size))
    inserted(*tasks)
    return [([tasks[i].pk for i in batch], rq_job_id, size) for batch, rq_job_id, size in planned]


def _same_job(job: MasterJob, clean: list[dict], max_secret: int) -> MasterJob:
    def key(items):
        return sorted((str(c["challenge_id"]), c["challenge_hash"]) for c in items)

    if key(job.challenges) != key(clean) or job.max_secret != max_secret:
        raise DepositTokenConflict(details={"job_id": str(job.pk)})
    return job


def _enqueue_tasks(refs: list[tuple[list[int], str, int]]) -> None:
    """Put shards on queue "challenges" (after commit), one RQ job per batch of
    `batch_plan`. A failure here only delays them: the recoverer re-queues shards whose RQ
    job does not exist."""
    queue = get_queue()
    datas = [
        Queue.prepare_data(
            SOLVE_JOB if len(task_ids) == 1 else SOLVE_BATCH_JOB,
            kwargs={"task_id": task_ids[0]} if len(task_ids) == 1 else {"task_ids": task_ids},
            job_id=rq_job_id,
            timeout=_shard_timeout(size),
            description=f"challenge tasks {', '.join(map(str, task_ids))}",
        )
        for task_ids, rq_job_id, size in refs
    ]
    try:
        queue.enqueue_many(datas)
    except RedisError:
        log.exception("master: could not enqueue %d shard(s); the recoverer will", len(refs))
