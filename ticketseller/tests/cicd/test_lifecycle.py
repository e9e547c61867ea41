"""The CodeDeploy revision: appspec.yml hooks, and the lifecycle scripts run in that order
against fake `docker`, `aws` and `curl` commands placed first on PATH."""

import os
import stat
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, load_yaml

HOOK_ORDER = [
    "ApplicationStop",
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
]
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

# Each fake appends "<name> <args>" to $FAKE_LOG. `docker login` records what it read on stdin;
# `docker compose config --services` lists the production services; `curl` fails for URLs
# containing $FAKE_CURL_FAIL, like curl --fail against a dead server.
FAKES = {
    "docker": """#!/usr/bin/env bash
# `aws ... | docker login`: read stdin (to aws's exit) first, so the log keeps pipeline order.
if [[ "$1" == login ]]; then stdin="$(cat)"; fi
printf 'docker %s\\n' "$*" >>"$FAKE_LOG"
if [[ "$1" == login ]]; then printf 'docker-login-stdin %s\\n' "$stdin" >>"$FAKE_LOG"; fi
if [[ -n "${FAKE_DOCKER_FAIL:-}" && "$*" == *"${FAKE_DOCKER_FAIL}"* ]]; then exit 1; fi
if [[ "$*" == *" config --services" ]]; then printf '%s\\n' postgres redis migrate web worker; fi
exit 0
""",
    "aws": """#!/usr/bin/env bash
printf 'aws %s\\n' "$*" >>"$FAKE_LOG"
if [[ "$1 $2" == "ecr get-login-password" ]]; then printf 'ecr-token-123\\n'; fi
""",
    "curl": """#!/usr/bin/env bash
printf 'curl %s\\n' "$*" >>"$FAKE_LOG"
if [[ -n "${FAKE_CURL_FAIL:-}" && "$*" == *"${FAKE_CURL_FAIL}"* ]]; then
  echo "curl: (7) Failed to connect" >&2
  exit 7
fi
printf '{"status":"ok"}'
""",
}


def _hooks() -> list[tuple[str, str]]:
    """(hook, script) pairs in the order CodeDeploy runs them."""
    hooks = load_yaml(ROOT / "appspec.yml")["hooks"]
    return [(hook, entry["location"]) for hook in HOOK_ORDER for entry in hooks[hook]]


@pytest.fixture
def instance(tmp_path: Path) -> dict[str, str]:
    """An "instance": fake commands on PATH, the installed revision and its secrets file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in FAKES.items():
        path = bin_dir / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    app_dir = tmp_path / "opt" / "ticketseller"
    (app_dir / "deploy").mkdir(parents=True)
    (app_dir / "deploy" / "release.env").write_text(
        f"RELEASE=abc123\nAWS_REGION=us-east-1\nECR_REGISTRY={REGISTRY}\n"
        f"WEB_IMAGE={REGISTRY}/ticketseller-web:abc123\n"
        f"WORKER_IMAGE={REGISTRY}/ticketseller-worker:abc123\n"
    )
    (app_dir / "deploy" / "docker-compose.prod.yml").write_text("# stands in for the real file\n")
    secrets = tmp_path / "etc" / "app.env"
    secrets.parent.mkdir()
    secrets.write_text("SECRET_KEY='s3cret'\nAWS_REGION='sa-east-1'\n")
    log = tmp_path / "calls.log"
    log.touch()
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "APP_DIR": str(app_dir),
        "APP_ENV_FILE": str(secrets),
        "FAKE_LOG": str(log),
        "HEALTH_RETRIES": "3",
        "HEALTH_INTERVAL": "0",
    }


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / script)], env=env, capture_output=True, text=True, timeout=60
    )


def _calls(env: dict[str, str]) -> list[str]:
    return Path(env["FAKE_LOG"]).read_text().splitlines()


def test_appspec_installs_the_bundle_and_runs_every_hook_in_order_with_timeouts():
    spec = load_yaml(ROOT / "appspec.yml")
    assert spec["version"] == 0.0
    assert spec["os"] == "linux"
    assert spec["files"] == [{"source": "/", "destination": "/opt/ticketseller"}]
    assert list(spec["hooks"]) == HOOK_ORDER
    assert [script for _, script in _hooks()] == [
        "deploy/stop.sh",
        "deploy/prepare.sh",
        "deploy/pull.sh",
        "deploy/migrate.sh",
        "deploy/start.sh",
        "deploy/validate.sh",
    ]
    total = 0
    for hook in HOOK_ORDER:
        for entry in spec["hooks"][hook]:
            assert 0 < entry["timeout"] <= 900
            assert entry["runas"] == "root"
            assert os.access(ROOT / entry["location"], os.X_OK), entry["location"]
            total += entry["timeout"]
    assert total <= 3600  # CodeDeploy's limit for one deployment's hooks on an instance


def _deploy(instance: dict[str, str]) -> list[str]:
    """Run every hook in appspec order (not the first deployment: a merged .env exists)."""
    (Path(instance["APP_DIR"]) / ".env").write_text(
        "SECRET_KEY='old'\nSITE_URL='https://shop.example.cl'\n"
    )
    for hook, script in _hooks():
        result = _run(script, instance)
        assert result.returncode == 0, f"{hook} {script}:\n{result.stdout}{result.stderr}"
    return _calls(instance)


def _compose(instance: dict[str, str]) -> str:
    return (
        f"docker compose --project-name ticketseller --project-directory {instance['APP_DIR']} "
        f"--env-file {instance['APP_DIR']}/.env "
        f"-f {instance['APP_DIR']}/deploy/docker-compose.prod.yml"
    )


def test_a_deployment_pulls_migrates_then_swaps_only_the_app_containers(instance):
    Path(instance["APP_ENV_FILE"]).write_text(
        "SECRET_KEY='s3cret'\nSITE_URL='https://shop.example.cl'\n"
    )
    compose = _compose(instance)
    assert _deploy(instance) == [
        # ApplicationStop stops nothing; BeforeInstall checks the tools.
        "docker compose version",
        # AfterInstall: pull (the old release still serves), then migrate.
        "aws ecr get-login-password --region us-east-1",
        f"docker login --username AWS --password-stdin {REGISTRY}",
        "docker-login-stdin ecr-token-123",
        f"{compose} config --services",
        f"{compose} pull --quiet migrate web worker",
        f"{compose} run --rm migrate",
        # ApplicationStart: the data services only if missing, then the changed app containers.
        f"{compose} up --detach --no-recreate postgres redis",
        f"{compose} config --services",
        f"{compose} up --detach --no-deps --remove-orphans web worker",
        # ValidateService: on the instance, then through CloudFront (SITE_URL).
        "curl --fail --silent --show-error --max-time 5 http://127.0.0.1:8000/api/v1/health/",
        "curl --fail --silent --show-error --max-time 5 https://shop.example.cl/api/v1/health/",
    ]


def test_a_deployment_never_stops_restarts_or_recreates_postgres_or_redis(instance):
    for call in _deploy(instance):
        words = call.split()
        assert not {"down", "stop", "restart", "rm", "kill"} & set(words), call
        if "up" in words and ({"postgres", "redis"} & set(words)):
            assert "--no-recreate" in words, call
        if "pull" in words:
            assert not {"postgres", "redis"} & set(words), call


def test_the_images_are_pulled_before_any_container_is_replaced(instance):
    calls = _deploy(instance)
    pull = next(i for i, c in enumerate(calls) if " pull " in c)
    migrate = next(i for i, c in enumerate(calls) if " run --rm migrate" in c)
    swaps = [i for i, c in enumerate(calls) if " up " in c or " down" in c or " stop" in c]
    assert swaps and pull < migrate < min(swaps)


def test_pull_writes_a_private_env_where_the_release_wins_over_the_secrets_file(instance):
    assert _run("deploy/pull.sh", instance).returncode == 0
    merged = Path(instance["APP_DIR"]) / ".env"
    assert stat.S_IMODE(merged.stat().st_mode) == 0o600
    lines = merged.read_text().splitlines()
    assert "SECRET_KEY='s3cret'" in lines
    # compose keeps the last value of a key: the release's region comes after the secrets'.
    regions = [line for line in lines if line.startswith("AWS_REGION=")]
    assert regions == ["AWS_REGION='sa-east-1'", "AWS_REGION=us-east-1"]


def test_validate_fails_after_its_retries_when_the_health_check_never_answers(instance):
    result = _run("deploy/validate.sh", {**instance, "FAKE_CURL_FAIL": "127.0.0.1"})
    assert result.returncode != 0
    calls = _calls(instance)
    assert [c.split()[0] for c in calls].count("curl") == 3
    # It shows the state of the stack for the deployment log before giving up.
    assert any(c.endswith(" ps") for c in calls)
    assert "never became healthy" in result.stderr


def test_validate_fails_when_the_site_is_unhealthy_through_cloudfront(instance):
    (Path(instance["APP_DIR"]) / ".env").write_text("SITE_URL='https://shop.example.cl/'\n")
    result = _run("deploy/validate.sh", {**instance, "FAKE_CURL_FAIL": "shop.example.cl"})
    assert result.returncode != 0
    curls = [c for c in _calls(instance) if c.startswith("curl ")]
    assert curls[0].endswith(" http://127.0.0.1:8000/api/v1/health/")
    assert all(c.endswith(" https://shop.example.cl/api/v1/health/") for c in curls[1:])
    assert len(curls) == 1 + 3


def test_validate_honours_the_health_url_overrides(instance):
    env = {
        **instance,
        "HEALTH_URL": "http://10.0.0.5:8000/api/v1/health/",
        "PUBLIC_HEALTH_URL": "off",
    }
    assert _run("deploy/validate.sh", env).returncode == 0
    assert _calls(instance) == [
        "curl --fail --silent --show-error --max-time 5 http://10.0.0.5:8000/api/v1/health/"
    ]


def test_the_public_check_can_be_switched_off_in_the_instances_settings(instance):
    (Path(instance["APP_DIR"]) / ".env").write_text(
        "SITE_URL='https://shop.example.cl'\nPUBLIC_HEALTH_URL='off'\n"
    )
    assert _run("deploy/validate.sh", instance).returncode == 0
    assert [c.split()[-1] for c in _calls(instance)] == ["http://127.0.0.1:8000/api/v1/health/"]


def test_stop_keeps_the_running_release_serving(instance):
    result = _run("deploy/stop.sh", instance)
    assert result.returncode == 0, result.stderr
    assert _calls(instance) == []


@pytest.mark.parametrize("script", ["deploy/migrate.sh", "deploy/pull.sh", "deploy/start.sh"])
def test_a_failing_docker_step_fails_its_hook(instance, script):
    (Path(instance["APP_DIR"]) / ".env").write_text("")
    result = _run(script, {**instance, "FAKE_DOCKER_FAIL": "compose"})
    assert result.returncode != 0


def test_prepare_refuses_an_instance_without_its_secrets_file(instance):
    result = _run("deploy/prepare.sh", {**instance, "APP_ENV_FILE": "/nonexistent/app.env"})
    assert result.returncode != 0
    assert "/nonexistent/app.env is missing" in result.stderr
