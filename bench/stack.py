"""The whole local stack for benchmarks: started with `scripts/run.sh` on spare ports with a
throw-away data folder, on SQLite (the default) or on a throw-away PostgreSQL, plus a small
HTTP client that never raises on a refused connection or a timeout (a benchmark counts them).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"WEB_PORT": 18000, "MASTER_PORT": 18001, "EXCHANGE_PORT": 18100, "REDIS_PORT": 16380}
WEB = f"http://127.0.0.1:{PORTS['WEB_PORT']}"
MASTER = f"http://127.0.0.1:{PORTS['MASTER_PORT']}"
#: The secrets production settings refuse to start without.
PRODUCTION_SECRETS = ("SECRET_KEY", "EXCHANGE_WEBHOOK_SECRET", "TICKET_CODE_SECRET",
                      "MASTER_API_TOKEN")  # fmt: skip
#: What `call` answers when no HTTP answer came at all (refused, reset, timed out).
NO_ANSWER = 0
#: Every call made so far: (method, path with ids as {id}, status) → how many.
REQUESTS: collections.Counter = collections.Counter()
_REQUESTS_LOCK = threading.Lock()
#: Every buyer's connections stay open between requests, as a browser's do, so the web sees
#: what pages make it do. No retries: a request that gets no answer is counted, not repeated
#: (urllib3 replaces a pooled connection it finds closed before it sends on it).
_HTTP = urllib3.PoolManager(maxsize=512, block=False, retries=False)


def call(method: str, path: str, body=None, token: str | None = None, *, base: str = WEB,
         headers: dict | None = None, timeout: float = 30, seen: dict | None = None,
         pace: dict | None = None):  # fmt: skip
    """(status, JSON body); status 0 when the server gave no answer.

    `seen` (a dict kept by the caller) makes it a browser's conditional GET: the last ETag
    goes out as If-None-Match, and a 304 answers the body kept from before. `pace` (a dict)
    gets the answer's `X-Poll-Interval` in seconds under "seconds" (None without one), and
    under "held" whether the server says it held the answer (`Preference-Applied`)."""
    headers = dict(headers or {})
    if seen and seen.get("etag"):
        headers["If-None-Match"] = seen["etag"]
    status, answer, etag, interval, held = _call(method, path, body, token, base, headers,
                                                 timeout)  # fmt: skip
    if pace is not None:
        pace.update(seconds=float(interval) if interval else None, held=bool(held))
    with _REQUESTS_LOCK:
        REQUESTS[(method, re.sub(r"/[0-9a-f-]{3,}/", "/{id}/", path), status)] += 1
    if seen is not None:
        if status == 304:
            return 200, seen.get("body")
        if etag:
            seen.update(etag=etag, body=answer)
    return status, answer


def _call(method, path, body, token, base, headers, timeout):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **headers}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        response = _HTTP.request(method, base + path, body=data, headers=headers,
                                 timeout=timeout)  # fmt: skip
    except (urllib3.exceptions.HTTPError, OSError) as exc:  # refused, reset, timed out
        return NO_ANSWER, {"error": str(exc)}, None, None, None
    try:
        answer = json.loads(response.data or b"null")
    except ValueError:  # an HTML error page
        answer = {"raw": response.data[:200].decode(errors="replace")}
    etag = response.headers.get("ETag") if response.status < 300 else None
    return (response.status, answer, etag, response.headers.get("X-Poll-Interval"),
            response.headers.get("Preference-Applied"))  # fmt: skip


def sh(script: str, *args: str, env=None) -> str:
    """Run bash with scripts/lib.sh loaded; its stdout."""
    full = f'source "{ROOT}/scripts/lib.sh"; {script}'
    return subprocess.run(
        ["bash", "-c", full, "bench", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip


@contextlib.contextmanager
def throwaway_redis(folder: Path):
    """A Redis of its own in ``folder``, started as `make test` starts one; yields its URL
    and stops it on the way out."""
    url = sh('start_redis "$1" >/dev/null && echo "$REDIS_URL"', str(folder)).strip()
    try:
        yield url
    finally:
        os.kill(int((folder / "redis.pid").read_text()), signal.SIGTERM)


def wait_until(check, timeout: float, what: str) -> None:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        try:
            if check():
                return
        except (OSError, KeyError, TypeError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def production_env() -> dict[str, str]:
    """The settings production runs with (DEBUG off, so no per-query debug log), with fresh
    secrets for this run; plain HTTP on the loopback, and emails kept in files but not
    printed, as an SMTP client would not (honcho relaying every message cost the machine)."""
    secret = secrets.token_urlsafe(48)
    return {
        "DEBUG": "false",
        **{name: f"{name}-{secret}" for name in PRODUCTION_SECRETS},
        "SECURE_SSL_REDIRECT": "false",
        "EMAIL_BACKEND": "payments.delivery.mail.FileBackend",
    }


class Stack:
    """`with Stack(backend=..., database=...) as stack:` the stack is up, catalogue synced,
    two challenge workers alive; leaving the block stops it (SIGINT, as Ctrl-C does).

    `debug=True` runs `make run`'s development settings instead of production's."""

    def __init__(self, *, backend: str = "auto", database: str = "sqlite", debug: bool = False,
                 extra_env=None):  # fmt: skip
        self.var = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        self.var.chmod(0o755)  # PostgreSQL runs as its own user when we are root
        self.database = database
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in PORTS.items()},
            "VAR_DIR": str(self.var),
            "SOLVER_BACKEND": backend,
            "LOG_LEVEL": "WARNING",
            "EXCHANGE_LOG_LEVEL": "WARNING",
            **({} if debug else production_env()),
            **(extra_env or {}),
        }
        if "SQLITE_ENGINE" in self.env:  # bench/sqlite_lock_stats writes its counts there
            self.env["LOCK_STATS_DIR"] = str(self.var / "lockstats")
            (self.var / "lockstats").mkdir()
        for name in ("REDIS_URL", "DATABASE_URL", "EXCHANGE_URL", "MASTER_URL"):
            self.env.pop(name, None)
        self._pg_data: Path | None = None

    def __enter__(self):
        if self.database == "postgres":
            self.env["DATABASE_URL"] = self._start_postgres()
        self.log = open(self.var / "stack.log", "w")  # closed in __exit__
        self.process = subprocess.Popen(
            ["scripts/run.sh"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_until(lambda: call("GET", "/api/v1/events/")[1]["count"] > 0, 120, "catalogue")
            wait_until(lambda: call("GET", "/api/v1/workers/status/")[1]["workers"] >= 2, 60,
                       "workers")  # fmt: skip
        except SystemExit:
            print((self.var / "stack.log").read_text()[-3000:], file=sys.stderr)
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        if self._pg_data:
            subprocess.run(self._pg_ctl("stop", "-m", "fast"), capture_output=True, check=False)
        shutil.rmtree(self.var, ignore_errors=True)

    def master_headers(self) -> dict[str, str]:
        """What the master's API asks of a caller when it has a token (production settings)."""
        token = self.env.get("MASTER_API_TOKEN")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _start_postgres(self) -> str:
        """A PostgreSQL with fsync on (as `make run` would use it), via scripts/lib.sh."""
        out = sh('start_postgres "$1" >&2 && echo "$DATABASE_URL"', str(self.var / "pg"),
                 env={**self.env, "PG_DURABLE": "1"})  # fmt: skip
        self._pg_data = self.var / "pg" / "data"
        return out.strip().splitlines()[-1]

    def _pg_ctl(self, *args: str) -> list[str]:
        find = "source scripts/lib.sh && pg_bindir"
        bindir = subprocess.run(["bash", "-c", find], cwd=ROOT, capture_output=True, text=True)
        command = [f"{bindir.stdout.strip()}/pg_ctl", "-D", str(self._pg_data), *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def lock_stats(self) -> dict[str, dict[str, float]] | None:
        """What the stack's processes counted of SQLite's write lock, summed by kind of
        process (bench/sqlite_lock_stats), or None when they count nothing."""
        if "LOCK_STATS_DIR" not in self.env:
            return None
        totals: dict[str, dict[str, float]] = {}
        for path in Path(self.env["LOCK_STATS_DIR"]).glob("*.json"):
            counts = json.loads(path.read_text())
            kind = totals.setdefault(_process_kind(counts.pop("cmdline")), {})
            for name, value in counts.items():
                kind[name] = kind.get(name, 0) + value
        return totals

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each kind of process of the stack (user + system, of the
        live processes): what a purchase costs the machine, whatever else runs on it. Also the
        bench's own CPU (`BENCH_KIND`) and the machine's idle and total core time (`_IDLE`,
        `_ALL`), which `print_cpu` reports apart."""
        tick = os.sysconf("SC_CLK_TCK")
        totals: dict[str, float] = {}
        for _pid, kind, stat in self._processes():
            fields = stat.rsplit(")", 1)[1].split()
            utime, stime = int(fields[11]), int(fields[12])
            totals[kind] = totals.get(kind, 0.0) + (utime + stime) / tick
        # The bench's own buyers share the two cores with the stack: counted, apart.
        totals[BENCH_KIND] = sum(os.times()[:2])
        # What the whole machine did meanwhile: busy and idle jiffies of all cores.
        jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        totals[_IDLE], totals[_ALL] = (jiffies[3] + jiffies[4]) / tick, sum(jiffies[:8]) / tick
        return totals

    def pids(self, kind: str) -> list[int]:
        """The live processes of one kind (a name of `_KINDS`), e.g. to pause them."""
        return [pid for pid, k, _stat in self._processes() if k == kind]

    def _processes(self):
        """(pid, kind, /proc stat line) of each live process of the stack.

        Every process of the stack carries VAR_DIR in its environment, but for Redis and
        PostgreSQL: they write their process titles over it. Redis is the one listening on
        the stack's port (its title says so); PostgreSQL, the server of the stack's data
        folder and its children."""
        marker = f"VAR_DIR={self.var}\0".encode()
        redis_title = f":{PORTS['REDIS_PORT']}".encode()
        found, postmaster = [], None
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                environ = (proc / "environ").read_bytes()
                stat = (proc / "stat").read_text()
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if self._pg_data and str(self._pg_data).encode() in cmdline:
                postmaster = proc.name
            ours = marker in environ or (b"redis-server" in cmdline and redis_title in cmdline)
            found.append((proc.name, ours, cmdline.decode(errors="replace"), stat))
        for pid, ours, cmdline, stat in found:
            parent = stat.rsplit(")", 1)[1].split()[1]
            if ours or postmaster in (pid, parent):
                kind = "postgresql" if postmaster in (pid, parent) else _process_kind(cmdline)
                yield int(pid), kind, stat

    def query(self, code: str):
        """Run `code` with Django on the stack's database; it prints one JSON line."""
        env = {**self.env, "DJANGO_SETTINGS_MODULE": "ticketseller.settings"}
        out = subprocess.run(
            [sys.executable, "-c", "import django, json\ndjango.setup()\n" + code],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return json.loads(out.strip().splitlines()[-1])


_KINDS = [
    ("ticketseller.wsgi", "web"), ("challenge_worker.wsgi", "master"), ("rqworker challenges",
    "challenge workers"), ("rqworker payments", "payments workers"), ("rqworker maintenance",
    "maintenance worker"), ("rqworker delivery", "delivery worker"), ("manage.py clock", "clock"),
    ("-m exchange", "exchange"), ("redis-server", "redis"), ("postgres", "postgresql"),
    ("honcho", "process runner (honcho)"),
]  # fmt: skip


_IDLE, _ALL = "machine: idle", "machine: all"
BENCH_KIND = "the bench's buyers (not the stack)"


def _process_kind(cmdline: str) -> str:
    return next((kind for needle, kind in _KINDS if needle in cmdline), "other")


def print_cpu(before: dict[str, float], after: dict[str, float], purchases: int) -> None:
    """CPU milliseconds per purchase by kind of process (processes that lived throughout)."""
    used = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    idle, every = used.pop(_IDLE), used.pop(_ALL)
    bench = used.pop(BENCH_KIND)
    total, n = sum(v for v in used.values() if v > 0), max(purchases, 1)
    print(f"  CPU per validated purchase: {1000 * total / n:.0f} ms in all "
          f"(two cores hold at most {2 * n / max(total, 1e-9):.1f} purchases/s)")  # fmt: skip
    for kind, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
        if seconds > 0:
            print(f"    {kind:<38} {1000 * seconds / max(purchases, 1):.1f} ms")
    print(f"  besides: {BENCH_KIND} {1000 * bench / n:.1f} ms per purchase; the machine's "
          f"cores were busy {100 * (1 - idle / max(every, 1e-9)):.0f}% of the time")  # fmt: skip


def new_buyer(money: int) -> str:
    """A registered user with `money` in the wallet; returns the API token."""
    name = f"bench-{uuid.uuid4().hex[:10]}"
    password = "bench-pass-2026-x"
    call("POST", "/api/v1/auth/register/",
         {"username": name, "email": f"{name}@example.cl", "password": password})  # fmt: skip
    _, body = call("POST", "/api/v1/auth/token/", {"username": name, "password": password})
    token = body["token"]
    while money > 0:
        step = min(money, 5_000_000)
        call("POST", "/api/v1/wallet/deposits/", {"amount": step}, token)
        money -= step
    return token
