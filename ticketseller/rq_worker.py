"""Our RQ workers: they outlive a Redis restart, log at LOG_LEVEL, and spare Redis the
heartbeats that repeat one just sent (see each mixin; `WorkerMixin` is all three).

RQ retries a refused connection only inside its dequeue loop. Any other Redis error in its
main loop (a socket timeout, or a heartbeat, state or job-status write while Redis restarts)
ends the worker process with "found an unhandled exception, quitting", and a supervisor
may or may not start it again. `RedisTolerantMixin` keeps the loop going instead: RQ's own
bookkeeping is skipped while Redis fails, and dequeueing is retried every
`REDIS_RETRY_SECONDS` until Redis answers again.

What the bookkeeping would have recorded is lost with Redis anyway; the periodic recovery
jobs find work that was taken but never finished (see `challenge_worker.services.recovery`
for challenge shards).

Use ``--worker-class ticketseller.rq_worker.TolerantWorker`` (a `SimpleWorker`), or mix
`WorkerMixin` into another worker class before RQ's.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError
from rq.worker import SimpleWorker

log = logging.getLogger(__name__)

#: Pause between attempts to reach a Redis that went away.
REDIS_RETRY_SECONDS = 1.0
#: A heartbeat this close to one already sent (seconds of the key's life) is skipped.
HEARTBEAT_COALESCE_SECONDS = 1.0


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


class CoalescedHeartbeatMixin:
    """RQ's worker sends a heartbeat (an HSET, then an EXPIRE: two round trips) before it
    waits for a job, after it gets one and after it runs it, three per job for a key that
    lives for minutes, and writes "idle" twice per job. A heartbeat that asks for no longer
    than the key already has, give or take HEARTBEAT_COALESCE_SECONDS, is skipped, and one
    that goes is one round trip; a state written less than that long ago is not written again.
    The key's expiry and `last_heartbeat` differ from RQ's by under that second."""

    _alive_until = 0.0  # time.monotonic() until which the worker key was last kept
    _state_written = (None, 0.0)  # the last state written, and when

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        timeout = timeout or self.worker_ttl + 60
        now = time.monotonic()
        if pipeline is not None:  # part of RQ's own pipeline (a job starting, a long job)
            super().heartbeat(timeout, pipeline=pipeline)
        elif self._alive_until - now >= timeout - HEARTBEAT_COALESCE_SECONDS:
            return
        else:
            with self.connection.pipeline(transaction=False) as pipe:
                super().heartbeat(timeout, pipeline=pipe)
                pipe.execute()
        self._alive_until = now + timeout

    def set_state(self, state, pipeline=None):
        now = time.monotonic()
        last, at = self._state_written
        if pipeline is None and state == last and now - at < HEARTBEAT_COALESCE_SECONDS:
            return
        super().set_state(state, pipeline=pipeline)
        self._state_written = (state, now)


class WorkerMixin(SettingsLogLevelMixin, RedisTolerantMixin, CoalescedHeartbeatMixin):
    """What our workers add to RQ's: mix it in before RQ's worker class. The tolerant part
    comes before the heartbeat's, so it catches a heartbeat that Redis refused."""


class TolerantWorker(WorkerMixin, SimpleWorker):
    """A `SimpleWorker` (jobs run in the worker process) that survives Redis restarts."""
