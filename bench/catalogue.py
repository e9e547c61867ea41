"""The catalogue under readers: requests/s and p50/p95 with `wrk`, against a constant-JSON
baseline served by the same Django in the same server.

Starts its own pieces on spare ports with a throw-away data folder: a PostgreSQL and a Redis
provisioned as `make test` does (`scripts/lib.sh`; `--database sqlite` uses SQLite instead),
the reference exchange publishing N events (default 10,000), one catalogue sync from it, then
the web exactly as Procfile.dev runs it (gunicorn, 2 workers × 8 threads). It creates one user
per connection (an API token and a logged-in session each) and drives `wrk` with one
connection per wrk thread, so each connection speaks as its own user, with no think time:

    baseline   Django answering a constant JSON (BENCH_ENDPOINTS=true)
    API list / search / date filter / detail, HTML list (logged in and anonymous)

    python bench/catalogue.py [--events 10000] [--connections 32] [--seconds 10]
                              [--database postgres|sqlite] [--cache-seconds 2]
                              [--only "HTML list"]   (the baseline always runs)
                              [--debug]   (make run's development settings, DEBUG on)

It runs production's settings (DEBUG off, the static files collected as `collectstatic`
leaves them) unless `--debug` is given.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/stack.py, from anywhere

from stack import load_average as loadavg
from stack import production_env, sh, wait_until

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    return int(sh("free_port").strip())


class Servers:
    """PostgreSQL (unless SQLite) and Redis, as scripts/test.sh starts them; stopped on exit."""

    def __init__(self, work: Path, database: str):
        self.work, self.database = work, database
        self.stop: list[list[str]] = []
        self.redis_pidfile = work / "redis" / "redis.pid"

    def __enter__(self) -> dict:
        env: dict[str, str] = {}
        if self.database == "postgres":
            out = sh('start_postgres "$1" >/dev/null && echo "$DATABASE_URL" && '
                     'printf "%s\\n" "${PG_STOP[@]}"', str(self.work / "pg"))  # fmt: skip
            url, *stop = out.strip().splitlines()
            env["DATABASE_URL"] = url
            self.stop.append(stop)
        out = sh('start_redis "$1" >/dev/null && echo "$REDIS_URL"', str(self.work / "redis"))
        env["REDIS_URL"] = out.strip()
        return env

    def __exit__(self, *exc):
        for command in self.stop:
            subprocess.run(command, capture_output=True)
        if self.redis_pidfile.is_file():
            os.kill(int(self.redis_pidfile.read_text()), signal.SIGTERM)


def start(command: list[str], env: dict, log: Path, stack: ExitStack) -> subprocess.Popen:
    out = open(log, "w")  # noqa: SIM115 (closed by the exit stack)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    stack.callback(out.close)
    stack.callback(_stop, process)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def procfile_web_command() -> str:
    """Procfile.dev's gunicorn command for the web (what comes after its `exec`)."""
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if line.startswith("web:"):
            return line.split("exec ", 1)[1]
    raise SystemExit("Procfile.dev has no web line")


def django(code: str, env: dict) -> object:
    """Run `code` with Django set up; it prints one JSON line, which is returned."""
    script = "import json, django\ndjango.setup()\n" + code
    out = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


USERS_CODE = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
from django.db import connection
from events.models import Event
if connection.vendor == "postgresql":  # what autovacuum does a minute after a bulk import
    connection.cursor().execute("ANALYZE events_event")
users = []
for n in range({n}):
    user, _ = get_user_model().objects.get_or_create(username=f"reader{{n}}")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    users.append([Token.objects.get_or_create(user=user)[0].key, session.session_key])
sample = list(Event.objects.order_by("?").values_list("id", "name", "location")[:400])
print(json.dumps({{"users": users, "events": Event.objects.count(), "sample": sample}}))
"""

LUA = """
local users = %(users)s
local paths = %(paths)s
local auth = "%(auth)s"
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
end
function init(args)
  local token, session = users[id][1], users[id][2]
  if auth == "token" then wrk.headers["Authorization"] = "Token " .. token end
  if auth == "session" then wrk.headers["Cookie"] = "sessionid=" .. session end
  i = id * 7
end
function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50": %%d, "p95": %%d, "p99": %%d, ' ..
    '"errors": %%d, "non2xx": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def lua_list(values) -> str:
    return (
        "{" + ", ".join(json.dumps(v) if isinstance(v, str) else lua_list(v) for v in values) + "}"
    )


def scenarios(sample: list, pages: int) -> list[tuple[str, str, list[str]]]:
    """(name, auth, paths): each connection walks its own path through the list."""
    rng = random.Random(7)
    words = sorted({w for _, name, loc in sample for w in re.findall(r"[A-Za-zÁÉÍÓÚáéíóúñ]{5,}",
                                                                     f"{name} {loc}")})  # fmt: skip
    terms = rng.sample(words, min(40, len(words)))
    today = time.strftime("%Y-%m-%d")
    windows = []
    for offset in range(0, 360, 9):
        start = time.strftime("%Y-%m-%d", time.localtime(time.time() + offset * 86400))
        end = time.strftime("%Y-%m-%d", time.localtime(time.time() + (offset + 6) * 86400))
        windows.append(f"date_from={start}&date_to={end}")
    api, q = "/api/v1/events/", urllib.parse.quote
    listing = [f"?page={p}" for p in range(1, pages + 1)]
    return [
        ("baseline: constant JSON", "token", ["/bench/constant/"]),
        (f"API list (pages 1-{pages})", "token", [api + p for p in listing]),
        (f"API search ({len(terms)} terms)", "token", [f"{api}?search={q(t)}" for t in terms]),
        (f"API date filter ({len(windows)} weeks)", "token", [f"{api}?{w}" for w in windows]),
        (f"API detail ({len(sample)} events)", "token", [f"{api}{e[0]}/" for e in sample]),
        ("HTML list, logged in", "session", ["/events/" + p for p in listing]),
        ("HTML list, anonymous", "none", ["/events/" + p for p in listing]),
        ("HTML search, anonymous", "none",
         [f"/events/?search={q(t)}&date_from={today}" for t in terms]),
    ]  # fmt: skip


def run_wrk(url: str, script: Path, connections: int, seconds: float) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def ensure_wrk() -> None:
    if shutil.which("wrk") is None:
        sh("apt_install wrk")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32, help="one user each")
    parser.add_argument("--seconds", type=int, default=10, help="per scenario")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--cache-seconds",
        type=int,
        default=None,
        help="CATALOGUE_CACHE_SECONDS for the web (0: no cache); default: its own",
    )
    parser.add_argument(
        "--only", default="", help="run only the scenarios whose name contains this text"
    )
    parser.add_argument("--debug", action="store_true", help="development settings, DEBUG on")
    args = parser.parse_args()
    ensure_wrk()
    sh("ensure_venv && compile_messages")

    work = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    os.chmod(work, 0o755)  # postgres (another user when we are root) writes below it
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        servers = stack.enter_context(Servers(work, args.database))
        env = web_env(args, servers, work)

        exchange_port, web_port = free_port(), free_port()
        start([PYTHON, "-m", "exchange", "--port", str(exchange_port), "--db",
               str(work / "exchange.sqlite3")], {**env, "EXCHANGE_EVENTS": str(args.events)},
              work / "exchange.log", stack)  # fmt: skip
        env["EXCHANGE_URL"] = f"http://127.0.0.1:{exchange_port}/v1"
        subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT,
                       env=env, check=True)  # fmt: skip
        began = time.monotonic()
        subprocess.run([PYTHON, "manage.py", "sync_events", "--wait", "60"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        print(f"catalogue synced from the exchange in {time.monotonic() - began:.1f} s")
        seeded = django(USERS_CODE.format(n=args.connections), env)
        print(f"{seeded['events']} events on {args.database}; {args.connections} users")

        web = {**env, "WEB_PORT": str(web_port)}
        start(["bash", "-c", "exec " + procfile_web_command()], web, work / "web.log", stack)
        base = f"http://127.0.0.1:{web_port}"
        constant = base + "/bench/constant/"
        wait_until(lambda: urllib.request.urlopen(constant, timeout=2).status == 200, 60, "the web")
        print(f"web: {procfile_web_command().replace('$WEB_PORT', str(web_port))}")
        measure(args, base, seeded, work)


def web_env(args, servers: dict, work: Path) -> dict:
    """The web's environment (production's settings unless --debug), its static files
    collected when DEBUG is off (then only the collected, hashed files are served)."""
    env = {**os.environ, **servers, "VAR_DIR": str(work / "var"), "LOG_LEVEL": "WARNING",
           "BENCH_ENDPOINTS": "true",
           # 32 readers with no think time read ~50 times a second each: far above the
           # per-user throttle (3000/min) a person never reaches, which would answer 429.
           "API_THROTTLE_USER": "1000000/minute", "API_THROTTLE_ANON": "1000000/minute",
           "DJANGO_SETTINGS_MODULE": "ticketseller.settings",
           **({} if args.debug else production_env()),
           "STATIC_ROOT": str(work / "static")}  # fmt: skip
    (work / "var").mkdir()
    if not args.debug:
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
    if args.cache_seconds is not None:
        env["CATALOGUE_CACHE_SECONDS"] = str(args.cache_seconds)
    if args.database == "sqlite":
        env.pop("DATABASE_URL", None)
    return env


def measure(args, base: str, seeded: dict, work: Path) -> None:
    pages = 20
    rows = []
    before = loadavg()
    print(f"load average before: {before}\n")
    for name, auth, paths in scenarios(seeded["sample"], pages):
        if rows and args.only.lower() not in name.lower():
            continue
        script = work / "wrk.lua"
        script.write_text(LUA % {"users": lua_list(seeded["users"]), "paths": lua_list(paths),
                                 "auth": auth})  # fmt: skip
        run_wrk(base, script, args.connections, 2)  # warm-up: connections, caches
        result = run_wrk(base, script, args.connections, args.seconds)
        rows.append((name, result))
        print(f"  {name:<32} {result['rps']:>7.0f} req/s  p50 {result['p50'] / 1000:>6.1f} ms  "
              f"p95 {result['p95'] / 1000:>6.1f} ms", flush=True)  # fmt: skip
    after = loadavg()
    baseline = rows[0][1]["rps"]
    print(f"\n| scenario ({args.connections} connections, one user each, {args.seconds:g} s) "
          "| requests/s | p50 ms | p95 ms | p99 ms | vs baseline | errors / non-2xx |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['rps']:.0f} | {r['p50'] / 1000:.1f} | {r['p95'] / 1000:.1f} | "
              f"{r['p99'] / 1000:.1f} | {r['rps'] / baseline:.0%} | "
              f"{r['errors']} / {r['non2xx']} |")  # fmt: skip
    print(f"\nload average (1, 5, 15 min) before: {before}; after: {after}; cpus: {os.cpu_count()}")


if __name__ == "__main__":
    sys.exit(main())
