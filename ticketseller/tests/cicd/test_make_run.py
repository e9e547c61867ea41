"""`make run` from a fresh clone: every process comes up (the web under gunicorn, the master,
the challenge workers, a worker on every queue, the clock), a purchase goes through, and
Ctrl-C stops all of it."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from redis import Redis
from rq import Worker

ROOT = Path(__file__).resolve().parents[3]
WITHIN = 180  # seconds: installing from the lock into a fresh clone, migrating, syncing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = WITHIN):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except (requests.RequestException, OSError, KeyError, ValueError):
            pass
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _stack_processes(var: Path) -> list[int]:
    """Live processes started by this `make run` (they carry its VAR_DIR)."""
    marker = f"VAR_DIR={var}\0".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            mine = proc.name.isdigit() and marker in (proc / "environ").read_bytes()
            if mine and (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.fixture
def clone(tmp_path) -> Path:
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    if (ROOT / ".tools").exists():  # the pinned uv, already bootstrapped: skip reinstalling it
        (target / ".tools").symlink_to(ROOT / ".tools")
    return target


def test_make_run_from_a_fresh_clone_serves_a_purchase_and_stops_on_ctrl_c(clone, tmp_path):
    var = tmp_path / "var"
    ports = {name: _free_port() for name in ("WEB_PORT", "MASTER_PORT", "EXCHANGE_PORT")}
    ports["REDIS_PORT"] = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({k: str(v) for k, v in ports.items()}, VAR_DIR=str(var), PAYMENTS_WORKERS="2")
    for name in ("EXCHANGE_URL", "MASTER_URL", "SELLER_WEBHOOK_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    web = f"http://127.0.0.1:{ports['WEB_PORT']}"
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        _wait(lambda: requests.get(f"{web}/api/v1/events/", timeout=5).json()["count"] > 0,
              "the web and its catalogue")  # fmt: skip
        _wait(lambda: requests.get(f"{web}/api/v1/workers/status/", timeout=5).json()["workers"]
              >= 2, "two challenge workers")  # fmt: skip
        redis = Redis(port=ports["REDIS_PORT"], socket_timeout=5)
        queues = _wait(
            lambda: (
                (q := [n for w in Worker.all(connection=redis) for n in w.queue_names()])
                and {"payments", "maintenance", "delivery", "challenges"} <= set(q)
                and q
            ),
            "a worker on every queue",
        )
        assert queues.count("payments") == 2  # PAYMENTS_WORKERS
        assert queues.count("challenges") == 2

        demo = {"username": "demo", "password": "demo-pass-2026"}
        token = requests.post(f"{web}/api/v1/auth/token/", json=demo, timeout=10).json()
        auth = {"Authorization": f"Token {token['token']}"}
        event = requests.get(f"{web}/api/v1/events/", timeout=10).json()["results"][0]
        bought = requests.post(f"{web}/api/v1/purchases/", headers=auth, timeout=10,
                               json={"event": event["id"], "quantity": 1})  # fmt: skip
        assert bought.status_code == 201, bought.text
        detail = f"{web}/api/v1/purchases/{bought.json()['id']}/"
        status = _wait(
            lambda: (
                (s := requests.get(detail, headers=auth, timeout=10).json()["status"])
                in ("validated", "rejected", "expired")
                and s
            ),
            "the purchase to end",
            timeout=60,
        )
        assert status == "validated"
        assert _stack_processes(var), "the stack's processes are visible"
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)  # leave nothing behind, then fail below
        finally:
            log.close()
    assert run.returncode is not None and run.returncode != -signal.SIGKILL, "Ctrl-C hung"
    _wait(lambda: not _stack_processes(var), "every process to stop", timeout=30)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", ports["WEB_PORT"])) != 0, "the web still listens"
