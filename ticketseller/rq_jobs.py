"""Questions about one RQ job that RQ's own status does not answer truthfully.

RQ calls a job "queued" from the moment it is pushed until a worker starts it, including
while a paused worker holds it after popping it off the queue; and "started" even after the
worker running it died. These helpers look at the queue list and the worker's key instead.
"""

from __future__ import annotations

from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus


def job_on_queue(queue: Queue, job_id: str) -> bool:
    """Really waiting on `queue` (in its list), not merely called "queued"."""
    return queue.connection.lpos(queue.key, job_id) is not None


def job_worker_gone(queue: Queue, job: Job) -> bool:
    """The worker that started `job` has stopped or vanished (its key expired)."""
    if not job.worker_name:
        return False
    key = Worker.redis_worker_namespace_prefix + job.worker_name
    # A worker that stopped keeps its key for a minute, marked with its death.
    return not queue.connection.exists(key) or queue.connection.hexists(key, "death")


def job_pending(queue: Queue, job_id: str) -> bool:
    """True while a job with this id will still run without help: waiting on the queue,
    scheduled for a retry, deferred, or running on a live worker."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
        status = job.get_status()
    except NoSuchJobError:
        return False
    if status == JobStatus.QUEUED:
        return job_on_queue(queue, job_id)
    if status == JobStatus.STARTED:
        return not job_worker_gone(queue, job)
    return status in (JobStatus.SCHEDULED, JobStatus.DEFERRED)
