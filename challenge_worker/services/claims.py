"""Workers taking shards: compare-and-set queued → running, the job row locked first."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from challenge_worker.models import ChallengeTask, MasterJob
from ticketseller.statements import saved, select, update


def _lock_job_of_task(task_id: int) -> MasterJob | None:
    """The task's job, its row locked (the tasks' rows are not: each caller locks those it
    changes, always after the job's). Two statements written once per process: the task's
    job id (it never changes), then the job's row; the ORM's join cost more than both."""
    task = select(ChallengeTask, where=("id",), only=("job",)).first(task_id)
    return None if task is None else lock_job(task.job_id)


def lock_job(job_id) -> MasterJob | None:
    """The job's row, locked until the transaction ends (a statement written once)."""
    return select(MasterJob, where=("id",), lock=True).first(job_id)


def job_tasks(job: MasterJob, *, lock: bool = False) -> list[ChallengeTask]:
    """All the job's shards (`lock`: their rows locked until the transaction ends), each
    holding the job instance given: no second read of it."""
    tasks = select(ChallengeTask, where=("job",), lock=lock).instances(job.pk)
    for task in tasks:
        task.job = job
    return tasks


def challenge_tasks_claim(
    *, task_ids: list[int], worker_name: str, rq_job_id: str = ""
) -> list[ChallengeTask]:
    """Take several queued shards of one job at once (a batch job): the job row locked once
    and one compare-and-set UPDATE for all of them, so a worker that dies mid-batch loses
    none of them to the recoverer's eyes. Returns the shards actually taken, in the given
    order (same rules as `challenge_task_claim`)."""
    if not task_ids:
        return []
    now = timezone.now()
    with transaction.atomic():
        job = _lock_job_of_task(task_ids[0])
        if job is None or job.is_final:
            return []
        worker_name = worker_name[:200]
        where = {"job": job.pk, "status": ChallengeTask.Status.QUEUED}
        if rq_job_id:
            where["rq_job_id"] = rq_job_id
        claim = update(
            ChallengeTask, fields=("status", "worker_name", "started_at"), where=tuple(where),
            many="id", count=len(task_ids),
        )  # fmt: skip
        if not claim.execute(
            [ChallengeTask.Status.RUNNING, worker_name, now], where.values(), task_ids
        ):
            return []
        _job_started(job, now)
        # The shards this claim took: running under this worker since `now`, and locked by
        # this transaction's UPDATE, so no other claim or report can have touched them.
        wanted = set(task_ids)
        claimed = {
            task.pk: task
            for task in job_tasks(job)
            if task.pk in wanted
            and (task.status, task.worker_name, task.started_at)
            == (ChallengeTask.Status.RUNNING, worker_name, now)
        }
    return [claimed[pk] for pk in task_ids if pk in claimed]


def _job_started(job: MasterJob, now) -> None:
    """The first claim of a job moves it queued → solving (the job row is locked)."""
    if job.status == MasterJob.Status.QUEUED:
        job.status = MasterJob.Status.SOLVING
        job.started_at = now
        saved(job, ["status", "started_at"])


def challenge_task_claim(
    *, task_id: int, worker_name: str, rq_job_id: str = ""
) -> ChallengeTask | None:
    """Take a queued shard for ``worker_name``: compare-and-set queued → running.

    ``rq_job_id`` is the claim token: the RQ job that carries the shard's current attempt
    (``cw-job-<job>-<batch>`` or ``cw-cheap-<job>-<batch>`` as first queued,
    ``cw-task-<id>-<attempt>`` when the recoverer queues it again). A worker that took an RQ
    job and was paused before running it may wake up after the recoverer queued the shard
    again under a new RQ job: its claim then matches nothing and loses. Without it (tests,
    the shell) only the status is compared.

    Returns the task (with its job) or None when it is not queued any more (another worker
    has it, it was solved or cancelled, the job is over) or not under this RQ job: the
    caller then does nothing. The first claim of a job moves it queued → solving.
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
        current = ChallengeTask.objects.filter(pk=task_id, status=ChallengeTask.Status.QUEUED)
        if rq_job_id:
            current = current.filter(rq_job_id=rq_job_id)
        claimed = current.update(**changes)
        if not claimed:
            return None
        _job_started(job, now)
    return ChallengeTask.objects.select_related("job").get(pk=task_id)
