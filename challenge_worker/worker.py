"""The challenge worker: an RQ worker on queue "challenges" that keeps its solver warm.

Start one per core::

    .venv/bin/python manage.py rqworker challenges \\
        --worker-class challenge_worker.worker.ChallengeWorker [--name NAME] [--burst]

It is a `SimpleWorker`: jobs run in the worker process itself, without a fork per job. That
keeps the warmed-up solver (a compiled numba kernel takes seconds to build or load) for
every job, and avoids forking a process that holds Django, its database connection and
Redis sockets. The price: a job that crashes the interpreter takes the worker with it, which
the master's recoverer handles (the shard is queued again once the worker stops being alive).

At start-up it picks the backend (``settings.SOLVER_BACKEND``), warms it up, measures its
rate, and then keeps ``cw:alive:<name>`` (JSON ``{backend, rate, pid, host, started_at,
current_task}``, TTL ``settings.WORKER_ALIVE_TTL``) fresh from a daemon thread every TTL/3 s,
and its name in ``cw:workers``. That is the worker's liveness, not RQ's worker registry:
after Redis restarts without its data, both re-appear at the next refresh.

A Redis that goes away (restart, network cut, stall) never ends the worker (see
`ticketseller.rq_worker`); a shard whose RQ job was lost with Redis is the recoverer's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from redis.exceptions import RedisError
from rq.worker import SimpleWorker

from challenge_worker import runtime
from challenge_worker.broker import WORKERS_KEY, alive_key, redis_client
from challenge_worker.solver import get_backend
from ticketseller.rq_worker import WorkerMixin

log = logging.getLogger(__name__)


class ChallengeWorker(WorkerMixin, SimpleWorker):
    #: seconds spent measuring the backend's rate at start-up
    rate_sample_seconds = 0.2

    runtime: runtime.WorkerRuntime | None = None
    _alive_stop: threading.Event | None = None
    _alive_thread: threading.Thread | None = None

    # --- start and stop ---------------------------------------------------------------------

    def bootstrap(self, *args, **kwargs):
        # Warm up before registering: a worker counts as alive only once it can solve.
        with _stop_ends_warm_up(self.name):
            self.prepare_solver()
        super().bootstrap(*args, **kwargs)
        self.start_liveness()

    def teardown(self):
        self.stop_liveness()
        super().teardown()

    def prepare_solver(self) -> runtime.WorkerRuntime:
        log.info("worker %s: warming up its solver", self.name)
        t0 = time.perf_counter()
        backend = get_backend(settings.SOLVER_BACKEND)
        warm = backend.warm_up()
        log.info(
            "worker %s: solver backend %s ready in %.2f s (warm-up %.2f s)",
            self.name, backend.name, time.perf_counter() - t0, warm,
        )  # fmt: skip
        rate = backend.measure_rate(self.rate_sample_seconds)
        log.info(
            "worker %s: %s backend scans %.1f M candidates/s", self.name, backend.name, rate / 1e6
        )
        self.runtime = runtime.WorkerRuntime(
            name=self.name, backend=backend, rate=rate, on_change=self.publish_alive
        )
        runtime.install(self.runtime)  # the jobs of this process reuse it
        return self.runtime

    # --- liveness ---------------------------------------------------------------------------

    @property
    def alive_ttl(self) -> int:
        return max(1, int(settings.WORKER_ALIVE_TTL))

    def publish_alive(self) -> None:
        if self.runtime is None:
            return
        try:
            with redis_client().pipeline(transaction=False) as pipe:
                pipe.set(
                    alive_key(self.name), json.dumps(self.runtime.describe()), ex=self.alive_ttl
                )
                pipe.zadd(WORKERS_KEY, {self.name: time.time()})
                pipe.execute()
        except RedisError:
            log.warning("worker %s: could not refresh its liveness key", self.name, exc_info=True)

    def start_liveness(self) -> None:
        self.publish_alive()
        self._alive_stop = threading.Event()
        self._alive_thread = threading.Thread(
            target=self._liveness_loop, name=f"alive-{self.name}", daemon=True
        )
        self._alive_thread.start()

    def _liveness_loop(self) -> None:
        interval = self.alive_ttl / 3
        while not self._alive_stop.wait(interval):
            self.publish_alive()

    def stop_liveness(self) -> None:
        if self._alive_stop is not None:
            self._alive_stop.set()
            self._alive_thread.join(timeout=5)
            self._alive_stop = self._alive_thread = None
        with contextlib.suppress(RedisError):  # else it expires within WORKER_ALIVE_TTL
            redis_client().delete(alive_key(self.name))
            redis_client().zrem(WORKERS_KEY, self.name)
        if runtime._installed is self.runtime:
            runtime.install(None)

    # --- jobs -------------------------------------------------------------------------------

    def execute_job(self, job, queue):
        # Jobs run in this long-lived process, like requests in a web server: drop database
        # connections that broke or aged out before and after each one.
        _close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            _close_old_connections()


def _close_old_connections() -> None:
    if not connection.in_atomic_block:  # never inside a test's transaction
        close_old_connections()


@contextlib.contextmanager
def _stop_ends_warm_up(name: str):
    """Ctrl-C or SIGTERM while the solver warms up (a fresh clone compiles its kernels for
    seconds) ends the process with status 0. RQ installs its own handlers only after
    `bootstrap`: until then SIGINT raised KeyboardInterrupt and the SIGTERM honcho or Docker
    sends next killed the process by default."""

    signals = (signal.SIGINT, signal.SIGTERM)

    def stop(signum, _frame):
        for sig in signals:  # the next signal (honcho's SIGTERM) must not cut the exit short
            signal.signal(sig, signal.SIG_IGN)
        log.info("worker %s: stopped while warming up (%s)", name, signal.Signals(signum).name)
        raise SystemExit(0)

    if threading.current_thread() is not threading.main_thread():  # signals are the main's
        yield
        return
    previous = {sig: signal.signal(sig, stop) for sig in signals}
    yield  # warmed up: RQ's handlers come next (not restored on the way out of a stop)
    for sig, handler in previous.items():
        signal.signal(sig, handler)
