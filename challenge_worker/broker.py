"""Redis for the workers master: one client per process, the two queues, and key names.

Keys the master and the workers share (besides RQ's own):

- ``cw:alive:<worker name>``: JSON ``{backend, rate, pid, host, started_at, current_task}``,
  TTL ``WORKER_ALIVE_TTL`` seconds, refreshed by each worker every TTL/3 s;
- ``cw:solved:<job id>:<challenge id>``: set when a challenge is solved, so shards still
  scanning it stop at their next chunk;
- ``cw:stop:<job id>``: set when a job failed, so all of its shards stop;
- ``cw:progress:<job id>``: how many of the job's challenges are solved, set after each
  result; the web reads it to show a purchase's progress without calling the master (the
  key is part of the master's contract, docs/api.md);
- ``cw:workers``: sorted set of the names of workers that published a liveness key (score:
  when they last did), so the master finds them without RQ's worker registry, which a
  Redis restart empties while the workers keep running;
- ``cw:suspect:<what>``: when the recoverer first saw work that looks lost (see
  `challenge_worker.services.recovery`).
"""

from __future__ import annotations

import functools

import django_rq
from django.conf import settings
from redis import Redis
from rq import Queue

CHALLENGES_QUEUE = "challenges"
CALLBACK_QUEUE = settings.MASTER_SOLVED_QUEUE  # the payments worker runs the "solved" job

ALIVE_PREFIX = "cw:alive:"
WORKERS_KEY = "cw:workers"
#: How long the stop keys live: far longer than any shard runs.
STOP_KEY_TTL = 24 * 3600


def alive_key(worker_name: str) -> str:
    return f"{ALIVE_PREFIX}{worker_name}"


def suspect_key(what: str) -> str:
    return f"cw:suspect:{what}"


def solved_key(job_id, challenge_id: str) -> str:
    return f"cw:solved:{job_id}:{challenge_id}"


def stop_key(job_id) -> str:
    return f"cw:stop:{job_id}"


def progress_key(job_id) -> str:
    return f"cw:progress:{job_id}"


def task_rq_job_id(task_id: int, attempt: int) -> str:
    """A shard queued again by the recoverer (attempt 1, 2, ...)."""
    return f"cw-task-{task_id}-{attempt}"


#: The RQ ids of batches worth less than a job's overhead in hashing start with this.
CHEAP_PREFIX = "cw-cheap-"


def batch_rq_job_id(job_id, batch: int, *, cheap: bool = False) -> str:
    """The RQ job of a job's shards as first queued: its number in `batch_plan`. A cheap
    batch (less hashing than `MIN_SHARD_SECONDS`) is one a worker may take along
    (`challenge_worker.take_along`)."""
    return f"{CHEAP_PREFIX if cheap else 'cw-job-'}{job_id}-{batch}"


def callback_rq_job_id(job_id) -> str:
    return f"cw-callback-{job_id}"


@functools.cache
def redis_client(queue_name: str = CHALLENGES_QUEUE) -> Redis:
    """The master's Redis client, with timeouts: an API call never hangs on a dead Redis."""
    return Redis.from_url(
        settings.RQ_QUEUES[queue_name]["URL"],
        socket_timeout=5,
        socket_connect_timeout=2,
        health_check_interval=30,
    )


def get_queue(name: str = CHALLENGES_QUEUE) -> Queue:
    """An RQ queue that enqueues immediately.

    The services call it from ``transaction.on_commit`` themselves, so django-rq's own
    "wait for the commit" mode (its default) is switched off here: it would defer a second
    time, or never run inside a test's outer transaction.
    """
    return django_rq.get_queue(name, connection=redis_client(name), commit_mode="auto")
