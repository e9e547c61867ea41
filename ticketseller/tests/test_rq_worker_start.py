"""A worker that starts while Redis is away comes up once Redis is back: registered, its
scheduler running, taking jobs; and one stopped together with its Redis, as Ctrl-C stops
`make run`, ends cleanly (real worker processes and a Redis of their own, stopped and
started again on the same port)."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.worker import Worker

from payments.tests.stack import redis_server_bin, start_redis, wait_for

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "ticketseller.tests.test_rq_worker_start.answer"


def answer() -> int:
    return 42


@pytest.fixture
def redis_away(tmp_path):
    """The URL of a Redis that was there and is gone; `back()` starts it again, empty."""
    process, url = start_redis(tmp_path / "redis")
    process.terminate()
    process.wait(timeout=10)
    port = url.rsplit(":", 1)[1].split("/")[0]
    started = []

    def back() -> Redis:
        started.append(subprocess.Popen(
            [redis_server_bin(), "--port", port, "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path / "redis")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        ))  # fmt: skip
        client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        wait_for(lambda: _pings(client), timeout=10, what="Redis back")
        return client

    yield url, back
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def _worker(name: str, url: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """A real worker of the maintenance queue with its scheduler, on `url`; its log's path."""
    log_path = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "maintenance", "--name", name,
         "--worker-class", "ticketseller.rq_worker.TolerantWorker", "--with-scheduler"],
        cwd=ROOT, env={**os.environ, "REDIS_URL": url, "VAR_DIR": str(tmp_path)},
        stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return worker, log_path


def _pings(client: Redis) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def test_a_worker_started_while_redis_is_away_comes_up_once_it_is_back(redis_away, tmp_path):
    url, back = redis_away
    worker, log_path = _worker("late-riser", url, tmp_path)
    try:
        wait_for(lambda: "start-up, scheduler" in log_path.read_text() or worker.poll(),
                 timeout=60, what="the worker to start while Redis is away")  # fmt: skip
        assert worker.poll() is None, log_path.read_text()

        client = back()
        queue = Queue("maintenance", connection=client)
        first = queue.enqueue(ANSWER)
        later = queue.enqueue_in(dt.timedelta(seconds=1), ANSWER)  # needs the scheduler

        for job in (first, later):
            wait_for(lambda job=job: Job.fetch(job.id, connection=client).is_finished,
                     timeout=60, every=0.2, what=f"job {job.id}")  # fmt: skip
        assert worker.poll() is None, log_path.read_text()
        assert [w.name for w in Worker.all(connection=client)] == ["late-riser"]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=15)


def test_a_worker_stopped_together_with_redis_ends_cleanly(tmp_path):
    redis, url = start_redis(tmp_path / "redis")
    client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    worker, log_path = _worker("stops-with-redis", url, tmp_path)
    try:
        # The scheduler process holds the queue's lock and has written its record: its stop
        # has locks to release.
        wait_for(lambda: (client.exists("rq:scheduler-lock:maintenance")
                 and client.keys("rq:scheduler:*")) or worker.poll() is not None,
                 timeout=60, what="the worker's scheduler to run")  # fmt: skip
        assert worker.poll() is None, log_path.read_text()
        redis.terminate()
        redis.wait(timeout=10)

        os.killpg(worker.pid, signal.SIGINT)  # Ctrl-C, to the worker and its scheduler

        assert worker.wait(timeout=30) == 0, log_path.read_text()
        assert "Traceback" not in log_path.read_text()
        assert "Redis unavailable (stop)" in log_path.read_text()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=15)
        if redis.poll() is None:
            redis.terminate()
            redis.wait(timeout=10)
