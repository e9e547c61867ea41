"""Every Redis client has timeouts, and they do not break RQ workers' blocking pop."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from rq.job import Job

from payments.tests.stack import wait_for
from ticketseller.redis_config import redis_url_with_timeouts

ROOT = Path(__file__).resolve().parents[2]


def test_timeouts_travel_in_the_url_and_the_operators_own_values_win():
    url = redis_url_with_timeouts(
        "redis://:pw@redis:6379/2?socket_timeout=4",
        connect_timeout=1,
        socket_timeout=1,
        health_check_interval=15,
    )

    assert url.startswith("redis://:pw@redis:6379/2?")
    assert "socket_timeout=4" in url and "socket_connect_timeout=1" in url
    assert "health_check_interval=15" in url


@pytest.mark.parametrize("queue", ["payments", "maintenance", "delivery", "challenges"])
def test_every_queue_connection_has_connect_and_read_timeouts(queue):
    options = django_rq.get_queue(queue).connection.connection_pool.connection_kwargs

    assert options["socket_timeout"] == settings.REDIS_SOCKET_TIMEOUT
    assert options["socket_connect_timeout"] == settings.REDIS_CONNECT_TIMEOUT
    assert options["health_check_interval"] == settings.REDIS_HEALTH_CHECK_INTERVAL


def test_the_shared_cache_has_short_timeouts_and_misses_while_redis_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ticketseller.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens: refused at once
            "OPTIONS": {"socket_timeout": 0.25, "socket_connect_timeout": 0.25},
        }
    }
    from django.core.cache import cache

    assert cache.get("throttle_user_1", []) == []
    cache.set("throttle_user_1", [1], 60)  # dropped, no error
    assert cache.get("throttle_user_1", "miss") == "miss"


def test_a_worker_idle_far_longer_than_the_read_timeout_still_takes_jobs(redis_flushed, tmp_path):
    """RQ raises the read timeout of a worker's own connection above its blocking pop; with
    a 0.3 s timeout the worker waits in BLPOP for minutes without dropping its connection."""
    env = {**os.environ, "REDIS_SOCKET_TIMEOUT": "0.3", "VAR_DIR": str(tmp_path)}
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "maintenance", "--worker-class",
         "rq.SimpleWorker"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        queue = django_rq.get_queue("maintenance")
        wait_for(lambda: queue.connection.keys("rq:worker:*"), timeout=30, what="the worker")
        time.sleep(10 * 0.3)  # idle in BLPOP for ten read timeouts

        job = queue.enqueue("ticketseller.tests.test_redis_timeouts.answer")

        wait_for(lambda: Job.fetch(job.id, connection=queue.connection).is_finished,
                 timeout=30, what="the job")  # fmt: skip
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=15)


def answer() -> int:
    return 42


def test_http_retries_never_pause_longer_than_the_configured_share_of_the_deadline(settings):
    from ticketseller.http import JsonClient

    settings.HTTP_BACKOFF_CAP_SECONDS = 1.5

    assert JsonClient("http://127.0.0.1:9").backoff_cap == 1.5
