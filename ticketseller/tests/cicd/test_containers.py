"""Dockerfiles and compose files, read as data: what an engine would run, checked without one."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, load_template, load_yaml, workflow

DEV = load_yaml(ROOT / "docker-compose.yml")
PROD = load_yaml(ROOT / "deploy" / "docker-compose.prod.yml")
DJANGO_SERVICES = [
    "migrate", "web", "payments", "maintenance", "delivery", "clock", "master", "worker",
]  # fmt: skip


QUEUE_WORKERS = {"payments": "payments", "maintenance": "maintenance", "delivery": "delivery"}
PROCFILE = dict(
    line.split(": ", 1)
    for line in (ROOT / "Procfile.dev").read_text().splitlines()
    if line and not line.startswith("#")
)


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / dockerfile).read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _collectstatic_env() -> dict[str, str]:
    """The variables Dockerfile.web's collectstatic RUN sets for that one command."""
    runs = [args for word, args in _instructions("Dockerfile.web") if word == "RUN"]
    (run,) = [args for args in runs if "collectstatic" in args]
    words = shlex.split(run)
    start = words.index("env") + 1
    env = {}
    for word in words[start:]:
        if "=" not in word:
            break
        key, value = word.split("=", 1)
        env[key] = value
    return env


@pytest.mark.parametrize("dockerfile", ["Dockerfile.web", "Dockerfile.worker"])
def test_images_are_multi_stage_non_root_with_a_healthcheck_and_no_secret(dockerfile):
    instructions = _instructions(dockerfile)
    froms = [args for word, args in instructions if word == "FROM"]
    assert len(froms) >= 3  # uv, builder, runtime
    assert all(":" in args.split()[0] or args.startswith("${") for args in froms)
    users = [args for word, args in instructions if word == "USER"]
    assert users and users[-1] not in {"0", "root"} and not users[-1].startswith("0:")
    assert any(word == "HEALTHCHECK" for word, _ in instructions)
    for word, args in instructions:
        if word in {"ENV", "ARG"}:
            assert not re.search(r"(SECRET|PASSWORD|TOKEN)\w*=", args), args
    assert any("uv sync --frozen --no-dev" in args for word, args in instructions if word == "RUN")


@pytest.mark.parametrize("dockerfile", ["Dockerfile.web", "Dockerfile.worker"])
def test_the_healthcheck_commands_are_valid_python(dockerfile):
    for word, args in _instructions(dockerfile):
        if word == "HEALTHCHECK":
            command = json.loads(args[args.index("CMD") + 3 :].strip())
            assert command[:2] == ["python", "-c"]
            compile(command[2], f"{dockerfile} HEALTHCHECK", "exec")


@pytest.mark.parametrize("compose", [DEV, PROD], ids=["dev", "prod"])
def test_compose_healthchecks_are_valid_python(compose):
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test", [])
        if test[:3] == ["CMD", "python", "-c"]:
            compile(test[3], f"{name} healthcheck", "exec")


def test_image_default_commands_match_the_compose_services():
    def cmd(dockerfile):
        (args,) = [a for word, a in _instructions(dockerfile) if word == "CMD"]
        return json.loads(args)

    assert cmd("Dockerfile.web") == DEV["services"]["web"]["command"]
    assert cmd("Dockerfile.worker") == DEV["services"]["worker"]["command"]


def test_the_build_context_keeps_what_the_images_need():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    needed = ["manage.py", "pyproject.toml", "uv.lock", "scripts", "static", "templates"]
    needed += ["locale", "ticketseller", "challenge_worker", "exchange", "lambda_pdf"]
    assert not ignored & set(needed)
    assert {".git", ".env", ".venv", "var"} <= ignored


def test_collectstatic_works_with_exactly_the_build_time_values(tmp_path):
    """A new production-only required setting would break `docker build`: this fails first."""
    env = _collectstatic_env()
    assert env["DEBUG"] == "false"
    frontend = next(
        step["env"]
        for step in workflow("deploy.yml")["jobs"]["static"]["steps"]
        if "collectstatic" in step.get("run", "")
    )
    assert frontend == env, "the static upload must hash the files as the web image does"
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env={**clean, **env, "STATIC_ROOT": str(tmp_path / "static")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert manifest["paths"]


def test_both_stacks_run_the_same_processes():
    prod = PROD["services"]
    assert set(prod) == set(DEV["services"])
    for name, service in DEV["services"].items():
        assert prod[name].get("command") == service.get("command"), name
        assert "build" not in prod[name], "the instance pulls images, it builds nothing"
    assert set(PROD["x-django-env"]) == set(DEV["x-django-env"])


@pytest.mark.parametrize("compose", [DEV, PROD], ids=["dev", "prod"])
def test_django_processes_wait_for_the_one_shot_migration_and_redis(compose):
    services = compose["services"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no"
    for name in DJANGO_SERVICES[1:]:
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ["postgres", "redis", "web", *QUEUE_WORKERS, "clock", "master", "exchange"]:
        assert "healthcheck" in services[name], name  # workers: the image's HEALTHCHECK
    assert services["worker"]["deploy"]["replicas"] == "${WORKER_REPLICAS:-3}"
    assert "container_name" not in services["worker"]  # --scale worker=N needs that
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert set(compose["volumes"]) >= {"postgres-data", "redis-data"}


def test_production_compose_gives_no_default_to_any_secret():
    env = PROD["x-django-env"]
    for name in ["SECRET_KEY", "DATABASE_URL", "EXCHANGE_WEBHOOK_SECRET", "MASTER_API_TOKEN"]:
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", env[name]), name
    assert PROD["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )
    assert DEV["x-django-env"]["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_the_exchange_calls_the_web_webhook_by_its_service_name():
    exchange = DEV["services"]["exchange"]
    assert exchange["environment"]["SELLER_WEBHOOK_URL"] == (
        "http://web:8000/api/v1/exchange/validations/"
    )
    assert exchange["command"][:3] == ["python", "-m", "exchange"]
    hosts = DEV["x-django-env"]["ALLOWED_HOSTS"]
    for host in ["web", "master", "localhost"]:
        assert host in hosts


def test_lint_deploy_script_exists_and_is_executable():
    script = Path(ROOT / "scripts" / "lint_deploy.sh")
    assert os.access(script, os.X_OK)
    assert "set -euo pipefail" in script.read_text()


class _Server:
    """A throwaway HTTP server answering every GET with one status; records Host headers."""

    def __init__(self, status: int):
        import http.server
        import threading

        hosts = self.hosts = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hosts.append(self.headers["Host"])
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}' if status == 200 else b"{}")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _probe(service: str, port_in_code: int, port: int) -> int:
    code = DEV["services"][service]["healthcheck"]["test"][3]
    assert f":{port_in_code}/" in code
    code = code.replace(f":{port_in_code}/", f":{port}/")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30).returncode


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False), (None, False)])
def test_web_healthcheck_needs_a_200_from_the_health_api(status, healthy):
    server = _Server(status or 200)
    port = server.port
    if status is None:
        server.close()  # nothing listens any more
    try:
        assert (_probe("web", 8000, port) == 0) is healthy
        if status is not None:
            assert server.hosts == ["localhost"]  # ALLOWED_HOSTS lists localhost
    finally:
        if status is not None:
            server.close()


@pytest.mark.parametrize(
    ("status", "alive"), [(200, True), (503, True), (401, True), (None, False)]
)
def test_master_healthcheck_takes_any_http_answer_as_alive(status, alive):
    """/heartbeat says 503 while no worker is alive: the master itself is still up."""
    server = _Server(status or 200)
    port = server.port
    if status is None:
        server.close()
    try:
        assert (_probe("master", 8001, port) == 0) is alive
    finally:
        if status is not None:
            server.close()


@pytest.mark.parametrize("compose", [DEV, PROD], ids=["dev", "prod"])
def test_volumes_of_the_non_root_images_are_mounted_on_folders_the_image_owns(compose):
    """A named volume takes its owner from the image's folder; a missing one would be root's."""
    dockerfiles = {
        "${WEB_IMAGE:-ticketseller-web:local}": "Dockerfile.web",
        "${WEB_IMAGE:?WEB_IMAGE is missing (deploy/release.env)}": "Dockerfile.web",
        "${WORKER_IMAGE:-ticketseller-worker:local}": "Dockerfile.worker",
        "${WORKER_IMAGE:?WORKER_IMAGE is missing (deploy/release.env)}": "Dockerfile.worker",
    }
    for name, service in compose["services"].items():
        if service["image"] not in dockerfiles:
            continue  # postgres, redis: their images own their data folders
        text = (ROOT / dockerfiles[service["image"]]).read_text()
        for volume in service.get("volumes", []):
            target = volume.split(":")[1]
            assert target.startswith("/app/var/"), (name, target)
            assert target in text, f"{name}: {target} is not created in the image"


@pytest.mark.parametrize("compose", [DEV, PROD], ids=["dev", "prod"])
def test_redis_appends_every_write_to_a_log_fsynced_every_second(compose):
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    assert any(v.endswith(":/data") for v in compose["services"]["redis"]["volumes"])


def test_make_runs_redis_appends_every_write_to_a_log_fsynced_every_second():
    words = shlex.split(PROCFILE["redis"])
    assert words[words.index("--appendonly") + 1] == "yes"
    assert words[words.index("--appendfsync") + 1] == "everysec"


@pytest.mark.parametrize("compose", [DEV, PROD], ids=["dev", "prod"])
def test_each_queue_has_its_own_worker_in_compose_and_make_run(compose):
    for service, queue in QUEUE_WORKERS.items():
        command = compose["services"][service]["command"]
        listens = command[command.index("rqworker") + 1 : command.index("--worker-class")]
        assert listens[0] == queue, service
        assert not set(listens) & (set(QUEUE_WORKERS.values()) - {queue}), service
        words = shlex.split(PROCFILE[service])
        assert words[words.index("rqworker") + 1] == queue, service
    assert compose["services"]["clock"]["command"] == ["python", "manage.py", "clock"]


def _http_servers() -> dict[str, list[str]]:
    """Every gunicorn command line: make run's, the web image's and the compose files'."""
    commands = {
        f"Procfile.dev {name}": shlex.split(PROCFILE[name].rsplit("exec ", 1)[1])
        for name in ("web", "master")
    }
    (cmd,) = [json.loads(args) for word, args in _instructions("Dockerfile.web") if word == "CMD"]
    commands["Dockerfile.web"] = cmd
    for label, compose in (("docker-compose.yml", DEV), ("docker-compose.prod.yml", PROD)):
        for name in ("web", "master"):
            commands[f"{label} {name}"] = compose["services"][name]["command"]
    return commands


def _values(node, key: str):
    """Every value stored under `key` anywhere in a parsed template, as a `Key`/`Value`
    pair (load balancer attributes) or as a mapping key (CloudFront's origin settings)."""
    if isinstance(node, dict):
        if node.get("Key") == key:
            yield node["Value"]
        for name, value in node.items():
            if name == key:
                yield value
            yield from _values(value, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item, key)


def test_gunicorn_keeps_idle_connections_open_longer_than_the_proxies_in_front_of_it():
    """CloudFront and the optional load balancer reuse an idle connection to the web for
    `OriginKeepaliveTimeout` and `idle_timeout` seconds; a gunicorn that closes it sooner
    (its default is 2 s) races them, and the request sent as it closes gets a 502. The
    master's clients (the payment steps) and browsers on `make run` reuse connections too."""
    template = load_template(ROOT / "deploy" / "infrastructure.yaml")
    proxies = [int(v) for key in ("OriginKeepaliveTimeout", "idle_timeout.timeout_seconds")
               for v in _values(template, key)]  # fmt: skip
    assert len(proxies) == 2, proxies  # CloudFront's backend origin and the load balancer
    for where, words in _http_servers().items():
        assert "gunicorn" in words[0], where
        assert "--keep-alive" in words, where
        assert int(words[words.index("--keep-alive") + 1]) > max(proxies), where


def test_make_run_serves_the_web_with_a_real_wsgi_server_as_production_does():
    web = PROCFILE["web"]
    assert "gunicorn ticketseller.wsgi:application" in web and "runserver" not in web
    assert "--workers" in web and "--threads" in web


def test_every_web_server_has_threads_to_spare_beside_the_polls_it_holds():
    """A purchase poll held until its verdict and a line poll held until admitted
    (`Prefer: wait`) each keep a server thread; a web process holds at most
    PURCHASE_WAIT_MAX_HELD + WAITING_ROOM_MAX_HELD (the settings' defaults for `make run`,
    the image's own values elsewhere), and as many threads again answer the rest."""
    from django.conf import settings

    image_env = " ".join(args for word, args in _instructions("Dockerfile.web") if word == "ENV")
    names = ("PURCHASE_WAIT_MAX_HELD", "WAITING_ROOM_MAX_HELD")
    image_held = sum(int(re.findall(rf"{name}=(\d+)", image_env)[0]) for name in names)
    for where, words in _http_servers().items():
        if "ticketseller.wsgi:application" not in words:
            continue  # the master holds nothing
        threads = words[words.index("--threads") + 1]
        threads = int(threads.split(":-")[1].rstrip("}") if ":-" in threads else threads)
        ours = sum(getattr(settings, name) for name in names)
        held = ours if "Procfile" in where else image_held
        assert threads >= 2 * held, where


def test_a_stop_while_the_web_still_syncs_the_catalogue_ends_it_with_status_0():
    """Ctrl-C makes honcho send SIGTERM to each process group. Before gunicorn takes over its
    shell, the web's shell runs the catalogue sync (here a sleep in its place): the shell must
    end with 0, not be killed by the signal."""
    shell_part = PROCFILE["web"].split(" && exec ", 1)[0]
    command = shell_part.replace(".venv/bin/python manage.py sync_events --wait 30", "sleep 30")
    assert command != shell_part
    process = subprocess.Popen(["/bin/sh", "-c", command], start_new_session=True)
    try:
        process.wait(timeout=0.5)  # it must still be running
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 15)
    assert process.wait(timeout=5) == 0
