"""A worker ending a cheap challenge job takes the cheap jobs waiting behind it along.

In a rush the purchases' challenge jobs wait on queue "challenges" while every worker is
busy, and RQ's bookkeeping around each job (about 2 ms of worker CPU, a dozen Redis round
trips) costs as much as a tenth of its hashing. So a worker that has just run a cheap job
(``cw-cheap-…``: less hashing than a job's overhead is worth, see `batch_rq_job_id`) takes
the cheap jobs at the head of the queue into the same RQ job, as many as fit
``CHALLENGE_TAKE_ALONG_SECONDS`` of hashing at its rate, and runs them one after the other,
each claimed and recorded as its own RQ job would have been (`challenge_worker.jobs`).

`take` pops them in one script: only from the head and only cheap ones, so the queue's
order holds and a wide job's shards stay there for the other workers to share. It gives
their RQ jobs a TTL; `done` deletes them, `failed` marks them failed. Nothing is lost that
the recoverer does not find (`services.recovery`): a job taken by a worker that dies before
claiming it is an RQ job "queued" on no queue, or gone once its TTL has passed; one claimed
is a running shard on a dead worker; one whose run raised is a failed RQ job.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from redis.exceptions import RedisError
from rq.job import Job, JobStatus

from challenge_worker.broker import CHEAP_PREFIX, get_queue, redis_client

log = logging.getLogger(__name__)

#: At most this many jobs are taken along by one RQ job, whatever the budget allows.
MAX_TAKEN = 8
#: A taken RQ job's hash lives this long if its worker dies before `done` or `failed`.
TAKEN_TTL_SECONDS = 600

_TAKE = """
local taken = {}
for _ = 1, tonumber(ARGV[1]) do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head or string.sub(head, 1, #ARGV[2]) ~= ARGV[2] then break end
  redis.call('LPOP', KEYS[1])
  redis.call('EXPIRE', ARGV[3] .. head, ARGV[4])
  taken[#taken + 1] = head
end
return taken
"""


@functools.cache
def _take_script():
    return redis_client().register_script(_TAKE)


def how_many(own_seconds: float | None) -> int:
    """How many jobs like the one just run (``own_seconds`` of hashing at worst) fit the
    budget beside it."""
    budget = settings.CHALLENGE_TAKE_ALONG_SECONDS
    if not own_seconds or budget <= 0:
        return 0
    return max(0, min(MAX_TAKEN, int(budget / own_seconds) - 1))


def may_take_along(rq_job_id: str | None) -> bool:
    return bool(rq_job_id) and rq_job_id.startswith(CHEAP_PREFIX)


def take(count: int) -> list[Job]:
    """Up to ``count`` cheap RQ jobs off the head of queue "challenges", now this worker's."""
    if count <= 0:
        return []
    client = redis_client()
    try:
        ids = _take_script()(
            keys=[get_queue().key],
            args=[count, CHEAP_PREFIX, Job.redis_job_namespace_prefix, TAKEN_TTL_SECONDS],
        )
        if not ids:
            return []
        jobs = Job.fetch_many([i.decode() for i in ids], client)
    except RedisError:  # what was taken is the recoverer's now
        log.warning("could not take waiting challenge jobs along", exc_info=True)
        return []
    return [job for job in jobs if job is not None]


def task_ids(job: Job) -> list[int]:
    """The shards an RQ job of `challenge_solve` or `challenge_solve_batch` carries."""
    kwargs = job.kwargs
    return list(kwargs["task_ids"]) if "task_ids" in kwargs else [kwargs["task_id"]]


def done(jobs: list[Job]) -> None:
    if jobs:
        try:
            redis_client().delete(*(job.key for job in jobs))
        except RedisError:  # they expire on their own
            log.warning("could not delete the challenge jobs taken along", exc_info=True)


def failed(job: Job) -> None:
    """The recoverer queues again the shards of a failed RQ job, running or not."""
    try:
        job.set_status(JobStatus.FAILED)
    except RedisError:  # as RQ's own bookkeeping of a failed job would have been lost
        log.warning("could not mark challenge job %s failed", job.id, exc_info=True)
