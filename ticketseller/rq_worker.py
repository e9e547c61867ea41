"""Our RQ workers: they outlive a Redis restart, log at LOG_LEVEL, and spare Redis the
heartbeats that repeat one just sent (see each mixin; `WorkerMixin` is all three).

RQ retries a refused connection only inside its dequeue loop. Any other Redis error in its
main loop (a socket timeout, or a heartbeat, state or job-status write while Redis restarts)
ends the worker process with "found an unhandled exception, quitting", and a supervisor
may or may not start it again. `RedisTolerantMixin` keeps the loop going instead: RQ's own
bookkeeping is skipped while Redis fails, and dequeueing is retried every
`REDIS_RETRY_SECONDS` until Redis answers again. A worker that starts while Redis is away
comes up the same way: the start-up steps Redis refused (its registration, its command
channel, its scheduler) are taken again until they go through. And one that stops together
with Redis (Ctrl-C reaches every process of `make run` at once) ends cleanly: its scheduler's
locks and its own record expire in Redis by themselves.

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
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler
from rq.worker import SimpleWorker

log = logging.getLogger(__name__)

#: Pause between attempts to reach a Redis that went away.
REDIS_RETRY_SECONDS = 1.0
#: A heartbeat this close to one already sent (seconds of the key's life) is skipped.
HEARTBEAT_COALESCE_SECONDS = 1.0


class RedisTolerantMixin:
    # Start-up steps that met a Redis away (a worker starting during a restart), each tried
    # again with the heartbeat RQ sends before every blocking pop, until it goes through.
    # Without this, RQ's start-up raised out of `work()` and the worker process ended.
    _start_steps_pending: tuple = ()

    def _set_ip_address(self, connection) -> None:
        try:
            super()._set_ip_address(connection)
        except RedisError as exc:  # the client's name, for `CLIENT LIST`: cosmetic
            self._redis_away("start-up, client name", exc)
            self.ip_address = "unknown"

    def register_birth(self, *args, **kwargs):
        self._start_step("registration", super().register_birth, args, kwargs)

    def subscribe(self, *args, **kwargs):
        self._start_step("command channel", super().subscribe, args, kwargs)

    def _start_scheduler(self, *args, **kwargs):
        self._start_step("scheduler", self._scheduler_start, args, kwargs)

    def _scheduler_start(self, burst: bool = False, logging_level: str | int | None = "INFO",
                         date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
                         log_format: str = DEFAULT_LOGGING_FORMAT) -> None:  # fmt: skip
        # RQ's `_start_scheduler` as of rq 2.12 (the version pinned), with our scheduler class:
        # RQ names its own class inside it, so there is nothing smaller to override.
        self.scheduler = ShutdownTolerantScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if not burst:
            self.scheduler.start()
            return
        try:
            self.scheduler.register_birth()
            self.scheduler.enqueue_scheduled_jobs()
        finally:
            self.scheduler.release_locks()
            self.scheduler.register_death()

    def teardown(self):
        try:
            super().teardown()
        except RedisError as exc:  # Redis stopped with us: Ctrl-C reaches all of `make run`
            self._redis_away("shutdown", exc)

    def _start_step(self, what: str, step, args, kwargs, *, again: bool = False) -> None:
        try:
            step(*args, **kwargs)
        except RedisError as exc:
            self._redis_away(f"start-up, {what}", exc)
            self._start_steps_pending += ((what, step, args, kwargs),)
        except ValueError:
            # RQ's "an active worker with this name exists": our first registration reached
            # Redis after all (its answer was what got lost). Anything else is not ours.
            if not (again and what == "registration"):
                raise

    def _start_steps_retry(self) -> None:
        pending, self._start_steps_pending = self._start_steps_pending, ()
        for what, step, args, kwargs in pending:
            self._start_step(what, step, args, kwargs, again=True)

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
        if self._start_steps_pending:
            self._start_steps_retry()
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


class ShutdownTolerantScheduler(RQScheduler):
    """RQ's scheduler (a child process of the worker), whose stop may find Redis already gone:
    Ctrl-C reaches every process of `make run` at once. Its locks and its record expire by
    themselves, so that is one line in the log, not two tracebacks and a failed exit."""

    def stop(self):
        try:
            super().stop()
        except RedisError as exc:
            log.warning("scheduler %s: Redis unavailable (stop): %s; its locks expire by "
                        "themselves", self.name, exc)  # fmt: skip
            self._status = self.Status.STOPPED


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
