"""``python -m exchange`` as a subprocess: starts, logs each request, stops on signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from exchange.server import start_exchange_process

from .conftest import call


def test_the_process_serves_and_stops_cleanly_on_sigterm(tmp_path) -> None:
    log = tmp_path / "exchange.log"
    with log.open("wb") as stderr:
        process = start_exchange_process(stderr=stderr, seed=3, events=30, max_secret=50)
        try:
            health = call("GET", f"{process.url}/health")
            events = call("GET", f"{process.url}/events?page=2")
        finally:
            code = process.stop()

    assert health == (200, {"status": "ok"})
    assert (events[0], len(events[1]["events"]), events[1]["last_page"]) == (200, 5, 2)
    assert code == 0
    lines = log.read_text().splitlines()
    assert any("GET /v1/health 200" in line for line in lines)
    assert any("GET /v1/events?page=2 200" in line for line in lines)
    assert "stopped" in lines[-1]


def test_sigint_stops_it_too() -> None:
    process = start_exchange_process(stderr=subprocess.DEVNULL)
    process.process.send_signal(signal.SIGINT)

    assert process.process.wait(10) == 0
    process.stop()


def test_a_bad_setting_stops_it_with_a_message() -> None:
    env = {**os.environ, "EXCHANGE_MAX_SECRET": "lots"}
    parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = parent

    result = subprocess.run(
        [sys.executable, "-m", "exchange", "--port", "0", "--db", ":memory:"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "EXCHANGE_MAX_SECRET" in result.stderr
