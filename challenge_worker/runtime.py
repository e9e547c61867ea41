"""What a challenge worker process knows about itself, shared with the jobs it runs.

`ChallengeWorker` installs one `WorkerRuntime` at start-up (after warming up the solver);
`challenge_solve` reads it, so a job reuses the warm backend and never recompiles. Outside a
`ChallengeWorker` (a plain ``rq worker``, a test calling the job, the shell) `current()`
builds a throw-away runtime from ``settings.SOLVER_BACKEND``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from challenge_worker.solver import Backend, get_backend

#: Scans expected to take at least this long are announced in the liveness key at once.
ANNOUNCE_SECONDS = 0.5


@dataclass
class WorkerRuntime:
    name: str
    backend: Backend
    rate: float = 0.0
    started_at: str = field(default_factory=lambda: timezone.now().isoformat())
    current_task: int | None = None
    #: called after `current_task` changes (the worker republishes its liveness key)
    on_change: Callable[[], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: the `current_task` the last `describe()` gave out (the published liveness key)
    _described_task: int | None = field(default=None, repr=False)

    def set_current_task(self, task_id: int | None, *, announce: bool = True) -> None:
        with self._lock:
            self.current_task = task_id
        if announce and self.on_change is not None:
            self.on_change()

    @contextlib.contextmanager
    def working_on(self, task_id: int | None, *, expected_seconds: float | None = None):
        """`current_task` is `task_id` for the block (a batch names its first shard).

        A block expected to scan for less than `ANNOUNCE_SECONDS` is not announced as it
        starts: two Redis round trips cost more than hashing a purchase's challenges, and
        the key's periodic refresh still shows it if it runs long. It is announced as it
        ends only if such a refresh published it meanwhile."""
        announce = expected_seconds is None or expected_seconds >= ANNOUNCE_SECONDS
        self.set_current_task(task_id, announce=announce)
        try:
            yield
        finally:
            with self._lock:
                published = self._described_task is not None
            self.set_current_task(None, announce=announce or published)

    def describe(self) -> dict:
        """The JSON stored in ``cw:alive:<name>``."""
        with self._lock:
            current = self._described_task = self.current_task
        return {
            "backend": self.backend.name,
            "rate": round(self.rate),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": self.started_at,
            "current_task": current,
        }


_installed: WorkerRuntime | None = None


def install(runtime: WorkerRuntime | None) -> None:
    global _installed
    _installed = runtime


def current(*, worker_name: str | None = None) -> WorkerRuntime:
    if _installed is not None:
        return _installed
    name = worker_name or f"{socket.gethostname()}:{os.getpid()}"
    return WorkerRuntime(name=name, backend=get_backend(settings.SOLVER_BACKEND))
