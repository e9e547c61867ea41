"""Run the exchange: threaded WSGI server, deadline sweeper, webhook dispatcher.

``start_exchange()`` runs it inside the current process (tests); ``start_exchange_process()``
runs ``python -m exchange`` as a child process and waits until it listens.
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from exchange.app import ExchangeApp
from exchange.config import Settings, load_settings, settings_env
from exchange.service import Exchange
from exchange.store import Store
from exchange.webhooks import WebhookDispatcher

logger = logging.getLogger("exchange.server")

READY_PREFIX = "exchange listening on "
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One daemon thread per request, so a stuck client never blocks shutdown."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections from bursts of clients (the
    # seller's workers, load tests), which then wait a full second to retransmit.
    request_queue_size = 128


class QuietRequestHandler(WSGIRequestHandler):
    """The application logs each request (with its timing); keep only errors here."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log_message(self, format: str, *args: Any) -> None:
        logger.warning("%s %s", self.address_string(), format % args)


class PeriodicThread:
    """Calls ``action`` every ``interval`` seconds until stopped; survives its errors."""

    def __init__(self, name: str, interval: float, action: Callable[[], object]) -> None:
        self._interval = interval
        self._action = action
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._action()
            except Exception:  # one bad pass must not end the sweeper
                logger.exception("%s failed", self._thread.name)


class _StopsOnExit:
    """`with start_...() as handle:` stops the exchange when the block ends."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> object:  # pragma: no cover - overridden
        raise NotImplementedError


class ExchangeHandle(_StopsOnExit):
    """A running in-process exchange. ``url`` is the base URL including ``/v1``."""

    def __init__(self, settings: Settings, *, poll_interval: float = 0.25) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.dispatcher = WebhookDispatcher(
            store=self.store,
            secret=settings.webhook_secret,
            max_attempts=settings.webhook_max_attempts,
            backoff_base=settings.webhook_backoff_base,
            backoff_cap=settings.webhook_backoff_cap,
            timeout=settings.webhook_timeout,
        )
        self.exchange = Exchange(
            store=self.store, settings=settings, on_webhook_queued=self.dispatcher.wake
        )
        seeded = self.exchange.catalogue_seed()
        if seeded:
            logger.info("catalogue seeded with %d events (seed %d)", seeded, settings.seed)
        self.app = ExchangeApp(self.exchange, admin_token=settings.admin_token)
        self.sweeper = PeriodicThread(
            "exchange-deadlines", settings.sweep_interval, self.exchange.payments_expire
        )
        try:
            self.server = ThreadingWSGIServer((settings.host, settings.port), QuietRequestHandler)
        except OSError:
            self.store.close()  # e.g. the port is taken: do not leak the database handle
            raise
        self.server.set_app(self.app)
        self.host, self.port = self.server.server_address[:2]
        self._serve_thread = threading.Thread(
            target=self.server.serve_forever,
            # How long stop() may wait for the accept loop to notice; tests want it short.
            kwargs={"poll_interval": poll_interval},
            name="exchange-http",
            daemon=True,
        )
        self._stopped = False

    @property
    def root_url(self) -> str:
        host = self.host if ":" not in str(self.host) else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    def start(self) -> Self:
        self.dispatcher.start()
        self.sweeper.start()
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, then the background threads, then close the database."""
        if self._stopped:
            return
        self._stopped = True
        if self._serve_thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        self.sweeper.stop()
        self.dispatcher.stop()
        self.store.close()


def start_exchange(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ExchangeHandle:
    """Start an exchange in this process on ``port`` (0 = any free port) and return it.

    Settings come from ``env`` (default ``os.environ``) and keyword ``overrides`` named as
    the fields of ``Settings``/``Switches`` (``max_secret=50``, ``webhook_url=...``). The
    database is a fresh ``:memory:`` one unless ``db_path`` is given.
    """
    overrides.setdefault("db_path", ":memory:")
    settings = load_settings(env, host=host, port=port, **overrides)
    return ExchangeHandle(settings, poll_interval=0.01).start()


class ExchangeProcess(_StopsOnExit):
    """A ``python -m exchange`` child process; ``url`` is the base URL including ``/v1``."""

    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url
        self.root_url = url.removesuffix("/v1")
        self.port = int(self.root_url.rsplit(":", 1)[1])

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait, SIGKILL if it does not stop in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def start_exchange_process(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
    stderr: Any = None,
    startup_timeout: float = 15.0,
    **overrides: Any,
) -> ExchangeProcess:
    """Run ``python -m exchange`` and return once it listens (port 0 = any free port).

    ``overrides`` are passed as environment variables (see ``config.env_names()``); the
    database is ``:memory:`` unless ``db_path`` is given. ``stderr`` receives the request
    log (default: this process's stderr).
    """
    overrides.setdefault("db_path", ":memory:")
    child_env = dict(os.environ if env is None else env)
    child_env.update(settings_env(**overrides))
    # Importable from any working directory, without installing the project.
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (_PACKAGE_PARENT, child_env.get("PYTHONPATH", "")) if p
    )
    child_env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [python, "-m", "exchange", "--host", host, "--port", str(port)],
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    url = _wait_ready(process, startup_timeout)
    if url is None:
        process.kill()
        process.wait()
        raise RuntimeError(f"the exchange did not start (exit code {process.returncode})")
    return ExchangeProcess(process, url)


def _wait_ready(process: subprocess.Popen[bytes], timeout: float) -> str | None:
    """Read the child's stdout until its ready line; None if it dies or times out."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                return None
            buffer += chunk
            for line in buffer.decode("utf-8", "replace").splitlines():
                if line.startswith(READY_PREFIX):
                    return line.removeprefix(READY_PREFIX).strip()
    return None
