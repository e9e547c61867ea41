"""RQ workers that outlive a Redis restart.

RQ retries a refused connection only inside its dequeue loop. Any other Redis error in its
main loop (a socket timeout, or a heartbeat, state or job-status write while Redis restarts)
ends the worker process with "found an unhandled exception, quitting", and a supervisor
may or may not start it again. `RedisTolerantMixin` keeps the loop going instead: RQ's own
bookkeeping is skipped while Redis fails, and dequeueing is retried every
`REDIS_RETRY_SECONDS` until Redis answers again.

What the bookkeeping would have recorded is lost with Redis anyway; the periodic recovery
jobs find work that was taken but never finished (see `challenge_worker.services.recovery`
for challenge shards). Use it as ``--worker-class ticketseller.rq_worker.TolerantWorker``
(a `SimpleWorker`), or mix it into another worker class before RQ's.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError
from rq.worker import SimpleWorker

log = logging.getLogger(__name__)

#: Pause between attempts to reach a Redis that went away.
REDIS_RETRY_SECONDS = 1.0


class RedisTolerantMixin:
    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except RedisError as exc:
                self._redis_away("dequeue", exc)
                if getattr(self, "_stop_requested", False):
                    return None
                time.sleep(REDIS_RETRY_SECONDS)

    def execute_job(self, job, queue):
        try:
            return super().execute_job(job, queue)
        except RedisError as exc:
            # RQ's bookkeeping around the job failed; what the job itself did stands.
            self._redis_away(f"job {job.id}", exc)

    def heartbeat(self, *args, **kwargs):
        try:
            return super().heartbeat(*args, **kwargs)
        except RedisError as exc:
            self._redis_away("heartbeat", exc)

    def set_state(self, *args, **kwargs):
        try:
            return super().set_state(*args, **kwargs)
        except RedisError as exc:
            self._redis_away("state", exc)

    def check_for_suspension(self, *args, **kwargs):
        try:
            return super().check_for_suspension(*args, **kwargs)
        except RedisError as exc:
            self._redis_away("suspension check", exc)

    def run_maintenance_tasks(self, *args, **kwargs):
        try:
            return super().run_maintenance_tasks(*args, **kwargs)
        except RedisError as exc:
            self._redis_away("maintenance", exc)

    def _redis_away(self, what: str, exc: Exception) -> None:
        log.warning("worker %s: Redis unavailable (%s): %s; carrying on", self.name, what, exc)


class SettingsLogLevelMixin:
    """RQ's logger takes its level from `rqworker -v` (INFO unless asked otherwise), not from
    the settings' LOG_LEVEL: a worker logged three lines per job at INFO whatever LOG_LEVEL
    said. Without an explicit -v, it follows LOG_LEVEL (the root logger's level)."""

    def work(self, *args, logging_level: str | int | None = "INFO", **kwargs):
        if logging_level in ("INFO", logging.INFO):
            logging_level = logging.getLogger().getEffectiveLevel()
        return super().work(*args, logging_level=logging_level, **kwargs)


class TolerantWorker(SettingsLogLevelMixin, RedisTolerantMixin, SimpleWorker):
    """A `SimpleWorker` (jobs run in the worker process) that survives Redis restarts."""
