"""Reads of the workers master: live workers, queue depth, one job with its challenges."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from challenge_worker.broker import WORKERS_KEY, alive_key, get_queue, redis_client
from challenge_worker.errors import JobNotFound
from challenge_worker.models import ChallengeTask, MasterJob

#: A name in ``cw:workers`` not refreshed for this long is dropped (its key is long gone).
_FORGET_AFTER_SECONDS = 24 * 3600


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
    """Challenge workers alive right now: those holding a liveness key.

    Each worker refreshes ``cw:alive:<name>`` (TTL ``WORKER_ALIVE_TTL``) and its entry in
    ``cw:workers`` every ``WORKER_ALIVE_TTL / 3`` s from its own thread; a SIGKILLed or
    paused worker drops out within ``WORKER_ALIVE_TTL`` s. RQ's worker registry is not
    used: a Redis restart without its data empties it while the workers keep running, and
    they would never count again; their liveness keys are back at the next refresh.
    Two Redis round trips, whatever the number of workers; names not refreshed for a day
    are pruned on the way.
    """
    client = redis_client()
    with client.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(WORKERS_KEY, "-inf", time.time() - _FORGET_AFTER_SECONDS)
        pipe.zrange(WORKERS_KEY, 0, -1)
        _, raw_names = pipe.execute()
    names = sorted(n.decode() if isinstance(n, bytes) else n for n in raw_names)
    if not names:
        return []
    values = client.mget([alive_key(name) for name in names])
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
