"""Ctrl-C while a challenge worker warms up its solver (a fresh clone compiles its kernels for
seconds) ends it cleanly: a real worker process, a cold numba cache, the signals `make run`'s
Ctrl-C sends (SIGINT to the group, then honcho's SIGTERM)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from payments.tests.stack import start_redis, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_ctrl_c_while_the_solver_warms_up_ends_the_worker_with_status_0(tmp_path):
    pytest.importorskip("numba")
    redis, url = start_redis(tmp_path / "redis")
    log_path = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "challenges", "--name", "cold-start",
         "--worker-class", "challenge_worker.worker.ChallengeWorker"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": url, "VAR_DIR": str(tmp_path), "SOLVER_BACKEND": "simd",
             "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "LOG_LEVEL": "INFO"},
        stdout=log_path.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: "warming up its solver" in log_path.read_text() or worker.poll(),
                 timeout=60, what="the warm-up to start")  # fmt: skip
        assert "ready in" not in log_path.read_text()  # still compiling: the case under test
        os.killpg(worker.pid, signal.SIGINT)
        time.sleep(0.2)
        os.killpg(worker.pid, signal.SIGTERM)
        status = worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=10)

    log = log_path.read_text()
    assert status == 0, log
    assert "stopped while warming up (SIGINT)" in log
    assert "Traceback" not in log
