"""Everything that changes the master's records: jobs, shards, results, recovery.

Rules that hold everywhere here:

- Lock order is always the `MasterJob` row first, then its `ChallengeTask` rows, so claims,
  results and completion of one job never deadlock each other. Single-statement
  compare-and-set updates (``filter(status=OLD).update(...)``) need no other lock.
- No network inside a transaction: Redis reads (live workers) happen before it, and every
  enqueue or Redis write after it, from ``transaction.on_commit``.
- A job completes exactly once: completion runs with the job row locked and only from an
  active status; the callback job has a fixed RQ id and is enqueued with ``unique=True``.

The callback contract (queue "default", function ``settings.MASTER_SOLVED_JOB``, by its dotted
path, never imported here) is::

    purchase_solution_submit(reference=str, job_id=str, complete=bool, solved_at=str,
                             solutions=[{"challenge_id": <as sent>, "secret": int}, ...])

``solved_at`` is when the job finished (ISO 8601). The RQ job id is ``cw-callback-<job id>``.

``complete=True``: every challenge has its secret. ``complete=False``: the job failed (a
challenge was scanned to the end without a hit, or its shards were lost too often);
``solutions`` holds what was found, so the exchange rejects the payment and payments refunds.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus

from challenge_worker.broker import (
    CALLBACK_QUEUE,
    STOP_KEY_TTL,
    callback_rq_job_id,
    get_queue,
    redis_client,
    solved_key,
    stop_key,
    task_rq_job_id,
)
from challenge_worker.errors import DepositTokenConflict
from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import WorkerInfo, workers_alive
from challenge_worker.solver import plan_shards
from ticketseller.errors import InvalidInput

log = logging.getLogger(__name__)

SOLVE_JOB = "challenge_worker.jobs.challenge_solve"
SOLVE_BATCH_JOB = "challenge_worker.jobs.challenge_solve_batch"

DEFAULT_MAX_SECRET = 500_000
MAX_MAX_SECRET = 10**12
MAX_CHALLENGES = 50

#: What one queued shard costs besides hashing: enqueue, dequeue, claim and report (a few
#: Redis round trips and two short transactions).
QUEUE_OVERHEAD_SECONDS = 0.01
#: A shard must hold at least ten times that much hashing to be worth its own job.
MIN_SHARD_SECONDS = 10 * QUEUE_OVERHEAD_SECONDS
#: Candidates/s assumed when no live worker reports a measured rate: the pure-Python
#: backend's speed, the slowest a worker can be.
DEFAULT_RATE = 3_000_000.0
#: The slowest rate used to size a shard's RQ timeout (3x its expected time, >= 10 min).
TIMEOUT_RATE = 1_000_000.0
MAX_SHARDS_PER_CHALLENGE = 32
#: Workers assumed when none is alive (the fleet may be starting): still shard wide ranges.
MIN_PARALLELISM = 2

#: A shard lost this many times (worker died, job crashed) is given up: exhausted.
MAX_ATTEMPTS = 3
#: A queued shard is checked against RQ only after this long, so a commit whose enqueue is
#: still on its way is not mistaken for a lost one.
QUEUED_GRACE_SECONDS = 10.0
#: Likewise for a finished job whose callback is not marked as enqueued yet.
CALLBACK_GRACE_SECONDS = 10.0

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_GONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


# --- Creating a job ---------------------------------------------------------------------------


def _normalise_challenges(challenges: Any) -> list[dict[str, Any]]:
    if not isinstance(challenges, list) or not 1 <= len(challenges) <= MAX_CHALLENGES:
        raise InvalidInput(details={"challenges": [f"between 1 and {MAX_CHALLENGES} items"]})
    seen: set[str] = set()
    clean = []
    for item in challenges:
        cid = item.get("challenge_id") if isinstance(item, dict) else None
        chash = item.get("challenge_hash") if isinstance(item, dict) else None
        if isinstance(cid, bool) or not isinstance(cid, str | int) or not 1 <= len(str(cid)) <= 100:
            raise InvalidInput(details={"challenges": [f"bad challenge_id {cid!r}"]})
        if not isinstance(chash, str) or not _HASH_RE.match(chash):
            raise InvalidInput(details={"challenges": ["challenge_hash must be 64 lower-hex"]})
        if str(cid) in seen:
            raise InvalidInput(details={"challenges": [f"challenge_id {cid!r} appears twice"]})
        seen.add(str(cid))
        clean.append({"challenge_id": cid, "challenge_hash": chash})
    return clean


def shard_plan(
    *,
    max_secret: int,
    challenge_count: int,
    workers: list[WorkerInfo],
    rate_per_s: float | None = None,
    max_shards: int | None = None,
) -> list[tuple[int, int]]:
    """The shards of ``[1, max_secret]``, the same for every challenge of a job.

    The rule: a challenge is split only when scanning it costs more than about ten times the
    per-job queue overhead (`MIN_SHARD_SECONDS` = 10 x `QUEUE_OVERHEAD_SECONDS`), i.e. each
    shard must hold at least ``rate x MIN_SHARD_SECONDS`` candidates. ``rate`` is the fastest
    rate measured by the live workers (erring toward fewer, larger shards: the queue overhead
    is paid per shard whoever runs it), else `DEFAULT_RATE`, the pure-Python speed (with no
    worker alive the fleet may be the slowest kind, and one shard would then take long). The
    number of shards per challenge is at most the live workers (at least `MIN_PARALLELISM`)
    shared among the job's challenges, at most `MAX_SHARDS_PER_CHALLENGE`: five challenges
    on four workers are already parallel without splitting any of them.

    Example: at 3 M/s a shard needs >= 300 000 candidates, so the exchange's default
    ``MAX_SECRET`` of 500 000 stays one shard; ``[1, 10**9]`` on 8 workers becomes 8 shards.
    """
    rate_per_s = _fleet_rate(workers, rate_per_s)
    if max_shards is None:
        parallel = max(len(workers), MIN_PARALLELISM)
        max_shards = min(MAX_SHARDS_PER_CHALLENGE, max(1, math.ceil(parallel / challenge_count)))
    return plan_shards(
        1, max_secret, rate_per_s=rate_per_s, min_shard_seconds=MIN_SHARD_SECONDS,
        max_shards=max_shards,
    )  # fmt: skip


def _fleet_rate(workers: list[WorkerInfo], rate_per_s: float | None) -> float:
    if rate_per_s is not None:
        return rate_per_s
    rates = [w.rate for w in workers if w.rate > 0]
    return max(rates) if rates else DEFAULT_RATE


def batch_plan(sizes: list[int], *, rate_per_s: float) -> list[list[int]]:
    """Group shards (given by their sizes, in order) into RQ jobs; returns index lists.

    The rule of `shard_plan` seen from the other side: a job is worth queueing only when it
    holds about ten times the per-job overhead of hashing (`MIN_SHARD_SECONDS`). At SIMD
    speed one challenge of the exchange's default range takes ~10 ms, less than the ~20-30
    ms an RQ job costs in bookkeeping, so a purchase's challenges go to one worker as one
    job; at pure-Python speed (~170 ms each) each challenge keeps its own job and they run
    in parallel.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    work = 0.0
    for index, size in enumerate(sizes):
        current.append(index)
        work += size / rate_per_s
        if work >= MIN_SHARD_SECONDS:
            batches.append(current)
            current, work = [], 0.0
    if current:
        batches.append(current)
    return batches


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
    """
    if not isinstance(deposit_token, str) or not 1 <= len(deposit_token) <= 200:
        raise InvalidInput(details={"deposit_token": ["1 to 200 characters"]})
    if isinstance(max_secret, bool) or not isinstance(max_secret, int):
        raise InvalidInput(details={"max_secret": ["must be an integer"]})
    if not 1 <= max_secret <= MAX_MAX_SECRET:
        raise InvalidInput(details={"max_secret": [f"between 1 and {MAX_MAX_SECRET}"]})
    clean = _normalise_challenges(challenges)
    reference = str(reference or "")[:200]

    existing = MasterJob.objects.filter(deposit_token=deposit_token).first()
    if existing is not None:
        return _same_job(existing, clean, max_secret), False

    # Network (Redis) before the transaction, never inside it.
    workers = workers_alive() if rate_per_s is None or max_shards is None else []
    rate = _fleet_rate(workers, rate_per_s)
    shards = shard_plan(
        max_secret=max_secret, challenge_count=len(clean), workers=workers,
        rate_per_s=rate, max_shards=max_shards,
    )  # fmt: skip
    now = timezone.now()
    try:
        with transaction.atomic():
            job = MasterJob.objects.create(
                deposit_token=deposit_token,
                reference=reference,
                max_secret=max_secret,
                challenges=clean,
            )
            tasks = ChallengeTask.objects.bulk_create(
                ChallengeTask(
                    job=job,
                    challenge_id=str(c["challenge_id"]),
                    challenge_hash=c["challenge_hash"],
                    start=start,
                    end=end,
                    enqueued_at=now,
                )
                for c in clean
                for start, end in shards
            )
            refs = []
            for batch in batch_plan([t.size for t in tasks], rate_per_s=rate):
                members = [tasks[i] for i in batch]
                # Every shard of a batch names the batch's RQ job: the recoverer checks it.
                rq_job_id = task_rq_job_id(members[0].pk, members[0].attempts)
                for task in members:
                    task.rq_job_id = rq_job_id
                refs.append(([t.pk for t in members], rq_job_id, sum(t.size for t in members)))
            ChallengeTask.objects.bulk_update(tasks, ["rq_job_id"])
            transaction.on_commit(partial(_enqueue_tasks, refs))
    except IntegrityError:
        # Two requests with the same token raced; the other one's job stands.
        existing = MasterJob.objects.filter(deposit_token=deposit_token).first()
        if existing is None:
            raise
        return _same_job(existing, clean, max_secret), False
    log.info(
        "master: job %s (%s) with %d challenge(s) x %d shard(s) queued as %d RQ job(s)",
        job.pk, reference, len(clean), len(shards), len(refs),
    )  # fmt: skip
    return job, True


def _same_job(job: MasterJob, clean: list[dict], max_secret: int) -> MasterJob:
    def key(items):
        return sorted((str(c["challenge_id"]), c["challenge_hash"]) for c in items)

    if key(job.challenges) != key(clean) or job.max_secret != max_secret:
        raise DepositTokenConflict(details={"job_id": str(job.pk)})
    return job


def _shard_timeout(size: int) -> int:
    return max(600, math.ceil(3 * size / TIMEOUT_RATE))


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


# --- Claiming and recording -------------------------------------------------------------------


def _lock_job_of_task(task_id: int) -> MasterJob | None:
    job_id = ChallengeTask.objects.filter(pk=task_id).values_list("job_id", flat=True).first()
    if job_id is None:
        return None
    return MasterJob.objects.select_for_update().get(pk=job_id)


def challenge_tasks_claim(
    *, task_ids: list[int], worker_name: str, rq_job_id: str = ""
) -> list[ChallengeTask]:
    """Take several queued shards of one job at once (a batch job): one transaction, and
    all of them `running` on this worker, so a worker that dies mid-batch loses none of
    them to the recoverer's eyes. Returns the shards actually taken, in the given order."""
    with transaction.atomic():
        claimed = [
            task
            for task_id in task_ids
            if (task := challenge_task_claim(task_id=task_id, worker_name=worker_name,
                                             rq_job_id=rq_job_id)) is not None
        ]  # fmt: skip
    return claimed


def challenge_task_claim(
    *, task_id: int, worker_name: str, rq_job_id: str = ""
) -> ChallengeTask | None:
    """Take a queued shard for ``worker_name``: compare-and-set queued → running.

    Returns the task (with its job) or None when it is not queued any more (another worker
    has it, it was solved or cancelled, the job is over): the caller then does nothing.
    The first claim of a job moves it queued → solving.
    """
    now = timezone.now()
    with transaction.atomic():
        job = _lock_job_of_task(task_id)
        if job is None or job.is_final:
            return None
        changes: dict[str, Any] = {
            "status": ChallengeTask.Status.RUNNING,
            "worker_name": worker_name[:200],
            "started_at": now,
        }
        if rq_job_id:
            changes["rq_job_id"] = rq_job_id[:100]
        claimed = ChallengeTask.objects.filter(
            pk=task_id, status=ChallengeTask.Status.QUEUED
        ).update(**changes)
        if not claimed:
            return None
        if job.status == MasterJob.Status.QUEUED:
            job.status = MasterJob.Status.SOLVING
            job.started_at = now
            job.save(update_fields=["status", "started_at"])
    return ChallengeTask.objects.select_related("job").get(pk=task_id)


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

    - ``secret`` given: the shard is solved (from queued or running, whatever the attempt:
      a secret is a secret). The challenge's other shards are cancelled, and after commit
      ``cw:solved:<job>:<challenge>`` is set so shards still scanning stop at their next
      chunk. Then the job completes if this was its last challenge.
    - no secret, ``tried`` covers the shard: exhausted; if no other shard of the challenge
      can still find it, the job fails.
    - no secret, fewer tried: the shard stopped early (its challenge was solved elsewhere,
      or the job stopped): cancelled, with ``tried`` kept.

    ``attempt`` is the task's ``attempts`` when it was claimed: a report without a secret
    from a claim the recoverer has since re-queued is stale and ignored.
    """
    S = ChallengeTask.Status
    now = timezone.now()
    with transaction.atomic():
        job = _lock_job_of_task(task_id)
        if job is None:
            raise InvalidInput(details={"task_id": [f"no task {task_id}"]})
        task = ChallengeTask.objects.select_for_update().get(pk=task_id)
        stats = {"tried": max(0, int(tried)), "seconds": float(seconds), "backend": backend[:50]}

        if task.is_final:
            if task.status == S.CANCELLED and task.tried == 0 and task.attempts == attempt:
                # the stopped shard reporting how far it got after being cancelled
                ChallengeTask.objects.filter(pk=task.pk).update(**stats)
                task.refresh_from_db()
            return task

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
            keys = [solved_key(job.pk, task.challenge_id)]
            transaction.on_commit(partial(_set_stop_keys, keys))
        elif task.status != S.RUNNING or task.attempts != attempt:
            log.info("master: ignoring a stale report for task %s (attempt %s)", task.pk, attempt)
            return task
        else:
            task.status = S.EXHAUSTED if stats["tried"] >= task.size else S.CANCELLED
            task.finished_at = now
            for name, value in stats.items():
                setattr(task, name, value)
            task.save()
        _job_settle(job)
    return task


def _set_stop_keys(keys: list[str]) -> None:
    try:
        with redis_client().pipeline() as pipe:
            for key in keys:
                pipe.set(key, 1, ex=STOP_KEY_TTL)
            pipe.execute()
    except RedisError:  # running shards then scan to their end: slower, still correct
        log.exception("master: could not set stop keys %s", keys)


# --- Completion -------------------------------------------------------------------------------


def _job_settle(job: MasterJob) -> bool:
    """With ``job`` locked: finish it if every challenge is solved, or if one can no longer
    be. Returns True if this call finished it (which happens once per job)."""
    if job.is_final:
        return False
    S = ChallengeTask.Status
    solved: dict[str, int] = {}
    active: set[str] = set()
    for cid, status, secret in job.tasks.values_list("challenge_id", "status", "secret"):
        if status == S.SOLVED:
            solved[cid] = secret
        elif status in ChallengeTask.ACTIVE:
            active.add(cid)
    ids = [str(c["challenge_id"]) for c in job.challenges]
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
    job.save(update_fields=["status", "finished_at"])
    transaction.on_commit(partial(_enqueue_callback, job.pk))
    log.info("master: job %s %s", job.pk, job.status)
    return True


def master_job_complete(*, job_id) -> bool:
    """Finish the job if its results allow it; True only for the call that finished it.

    The result service already calls this logic in its own transaction; this entry point is
    for the recoverer and for tests. However often it runs, a job finishes (and enqueues its
    callback) once: the job row is locked and only an active job can finish.
    """
    with transaction.atomic():
        job = MasterJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return False
        return _job_settle(job)


def master_job_callback_kwargs(*, job: MasterJob) -> dict[str, Any]:
    """The keyword arguments of the callback job (see the module docstring)."""
    secrets = dict(
        job.tasks.filter(status=ChallengeTask.Status.SOLVED).values_list("challenge_id", "secret")
    )
    solutions = [
        {"challenge_id": c["challenge_id"], "secret": secrets[str(c["challenge_id"])]}
        for c in job.challenges
        if str(c["challenge_id"]) in secrets
    ]
    return {
        "reference": job.reference,
        "job_id": str(job.pk),
        "solutions": solutions,
        "complete": job.status == MasterJob.Status.SOLVED,
        "solved_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def _enqueue_callback(job_id) -> None:
    """After commit: enqueue ``settings.MASTER_SOLVED_JOB`` on "default", then note it.

    The RQ job id is fixed (``cw-callback-<job id>``) and enqueued with ``unique=True``, so
    even a retry by the recoverer cannot queue it twice. If Redis is down the job stays
    without ``callback_enqueued_at`` and the recoverer tries again.
    """
    job = MasterJob.objects.get(pk=job_id)
    if job.callback_enqueued_at is not None:
        return
    try:
        get_queue(CALLBACK_QUEUE).enqueue_call(
            func=settings.MASTER_SOLVED_JOB,
            kwargs=master_job_callback_kwargs(job=job),
            job_id=callback_rq_job_id(job.pk),
            unique=True,
            description=f"master job {job.pk} {job.status}",
        )
    except DuplicateJobError:
        pass  # already queued (or ran) under its fixed id
    except RedisError:
        log.exception("master: could not enqueue the callback of job %s", job.pk)
        return
    MasterJob.objects.filter(pk=job.pk, callback_enqueued_at__isnull=True).update(
        callback_enqueued_at=timezone.now()
    )


# --- Recovery ---------------------------------------------------------------------------------


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
