"""Reads of the workers master: live workers, queue depth, one job with its challenges."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from rq import worker_registration
from rq.worker import BaseWorker

from challenge_worker.broker import alive_key, get_queue, redis_client
from challenge_worker.errors import JobNotFound
from challenge_worker.models import ChallengeTask, MasterJob


@dataclass(frozen=True)
class WorkerInfo:
    """A live challenge worker, as it describes itself in ``cw:alive:<name>``."""

    name: str
    backend: str
    rate: float  # candidates per second, measured at start-up
    pid: int | None
    host: str
    started_at: str
    current_task: int | None  # the ChallengeTask id it is solving, if any

    @property
    def busy(self) -> bool:
        return self.current_task is not None


def workers_alive() -> list[WorkerInfo]:
    """Workers that listen on queue "challenges" and are alive right now, by name.

    Alive means both: registered in RQ's worker registry for the queue, and holding a
    liveness key (refreshed every ``WORKER_ALIVE_TTL / 3`` s). RQ's own worker key outlives
    a SIGKILLed worker by ``worker_ttl + 60`` s; the liveness key is gone within
    ``WORKER_ALIVE_TTL`` s. Two Redis round trips, whatever the number of workers.
    """
    prefix = BaseWorker.redis_worker_namespace_prefix
    keys = worker_registration.get_keys(queue=get_queue())
    names = sorted(key.removeprefix(prefix) for key in keys)
    if not names:
        return []
    values = redis_client().mget([alive_key(name) for name in names])
    alive = []
    for name, raw in zip(names, values, strict=True):
        if raw is None:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        alive.append(
            WorkerInfo(
                name=name,
                backend=str(data.get("backend", "?")),
                rate=float(data.get("rate") or 0.0),
                pid=data.get("pid"),
                host=str(data.get("host", "")),
                started_at=str(data.get("started_at", "")),
                current_task=data.get("current_task"),
            )
        )
    return alive


def challenges_queue_depth() -> int:
    """RQ jobs waiting in queue "challenges" (not counting the ones being solved)."""
    return get_queue().count


def master_job_get(*, job_id) -> MasterJob:
    """The job, or `JobNotFound` (also for an id that is not a UUID)."""
    try:
        return MasterJob.objects.get(pk=uuid.UUID(str(job_id)))
    except (ValueError, MasterJob.DoesNotExist):
        raise JobNotFound(details={"job_id": str(job_id)}) from None


def _challenge_status(statuses: set[str]) -> str:
    S = ChallengeTask.Status
    for status in (S.SOLVED, S.RUNNING, S.QUEUED):
        if status in statuses:
            return status
    return S.EXHAUSTED if statuses == {S.EXHAUSTED} else S.CANCELLED


def master_job_challenges(*, job: MasterJob) -> list[dict[str, Any]]:
    """Per challenge, aggregated over its shards, in the order the caller sent them.

    ``status`` is "solved" if a shard found the secret, else "running" if a shard is being
    scanned, else "queued" if one waits, else "exhausted" (every shard scanned, no hit) or
    "cancelled" (the job stopped first). ``tried`` sums the candidates scanned by all shards.
    """
    by_challenge: dict[str, list[ChallengeTask]] = {}
    for task in job.tasks.order_by("start"):
        by_challenge.setdefault(task.challenge_id, []).append(task)
    answer = []
    for challenge in job.challenges:
        tasks = by_challenge.get(str(challenge["challenge_id"]), [])
        solved = next((t for t in tasks if t.status == ChallengeTask.Status.SOLVED), None)
        answer.append(
            {
                "challenge_id": challenge["challenge_id"],
                "status": _challenge_status({t.status for t in tasks}),
                "secret": solved.secret if solved else None,
                "tried": sum(t.tried for t in tasks),
                "shards": len(tasks),
            }
        )
    return answer


def master_job_detail(*, job_id) -> dict[str, Any]:
    """The answer of ``GET /jobs/{job_id}``; raises `JobNotFound`."""
    job = master_job_get(job_id=job_id)
    return {
        "job_id": str(job.id),
        "status": job.status,
        "reference": job.reference,
        "challenges": master_job_challenges(job=job),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
