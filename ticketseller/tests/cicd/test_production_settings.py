"""The documented production variables (deploy/env.example, as the production compose file
hands them to the containers) make settings that pass `check --deploy`."""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from .conftest import ROOT, load_yaml

_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
SECRETS = {
    "SECRET_KEY": "pQ8v-Zr2#kL9m!Wx4tB7nY1c@Hs6jD3f^Gq0uE5aR8oT2iK4lM9pN7bV1",
    "POSTGRES_PASSWORD": "pg-Secret-2026",
    "MASTER_API_TOKEN": "master-Token-2026-Kq7vXw3Lp9Zr5Tn1Bd8",
    "EXCHANGE_WEBHOOK_SECRET": "webhook-Secret-2026-Hs4Gq0Ue5Ra8Ot2Ik",
    "EMAIL_HOST_PASSWORD": "smtp-Secret-2026",
    "TICKET_CODE_SECRET": "ticket-Code-Secret-2026-Mf6Jc2Yb9Vn4Wd",
}


def _env_file(path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        values[key] = value.strip("'\"")
    return values


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error} (enough for our files)."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.groups()
        current = variables.get(name, "")
        if op in (":-", "-") and not current:
            return arg
        assert not (op in (":?", "?") and not current), f"{name} is required: {arg}"
        return current

    return _VAR.sub(replace, str(value))


def production_environment(service: str = "web") -> dict[str, str]:
    """What a Django container of the production stack sees."""
    documented = _env_file(ROOT / "deploy" / "env.example")
    empty = sorted(key for key, value in documented.items() if not value)
    assert set(empty) <= set(SECRETS), f"placeholders without a test value: {empty}"
    variables = {**documented, **{k: v for k, v in SECRETS.items() if k in documented}}
    variables["DATABASE_URL"] = variables["DATABASE_URL"].replace(
        "CHANGE-ME", SECRETS["POSTGRES_PASSWORD"]
    )
    compose = load_yaml(ROOT / "deploy" / "docker-compose.prod.yml")
    django_env = compose["services"][service]["environment"]
    return {key: _interpolate(value, variables) for key, value in django_env.items()}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_documented_production_variables_pass_check_deploy():
    env = production_environment()
    assert env["DEBUG"] == "false"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_health_checks_over_plain_http_on_localhost_are_neither_refused_nor_redirected():
    """The containers' HEALTHCHECK and CodeDeploy's validate.sh ask http://127.0.0.1:8000."""
    probe = textwrap.dedent(
        """
        import json
        from django.middleware.security import SecurityMiddleware
        from django.test import RequestFactory
        from django.http.request import validate_host
        from django.conf import settings

        middleware = SecurityMiddleware(lambda request: None)
        health = RequestFactory().get("/api/v1/health/", HTTP_HOST="127.0.0.1:8000")
        page = RequestFactory().get("/events/", HTTP_HOST="127.0.0.1:8000")
        print(json.dumps({
            "localhost": validate_host("localhost", settings.ALLOWED_HOSTS),
            "127.0.0.1": validate_host("127.0.0.1", settings.ALLOWED_HOSTS),
            "health_redirect": middleware.process_request(health) is not None,
            "page_redirect": middleware.process_request(page) is not None,
        }))
        """
    )
    env = production_environment()
    result = _manage("shell", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {
        "localhost": True,
        "127.0.0.1": True,
        "health_redirect": False,
        "page_redirect": True,
    }


def test_the_master_is_reachable_over_plain_http_by_its_service_name():
    """The web and the jobs worker call http://master:8001/jobs inside the stack."""
    probe = textwrap.dedent(
        """
        import json
        from django.conf import settings
        from django.http.request import validate_host
        from django.middleware.security import SecurityMiddleware
        from django.test import RequestFactory

        jobs = RequestFactory().post("/jobs", HTTP_HOST="master:8001")
        redirect = SecurityMiddleware(lambda request: None).process_request(jobs)
        print(json.dumps([validate_host("master", settings.ALLOWED_HOSTS), redirect is None]))
        """
    )
    result = _manage("shell", "-c", probe, env=production_environment("master"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True]


def test_the_local_compose_stack_settings_load():
    variables = {"SECRET_KEY": SECRETS["SECRET_KEY"]}
    django_env = load_yaml(ROOT / "docker-compose.yml")["x-django-env"]
    env = {key: _interpolate(value, variables) for key, value in django_env.items()}
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


# The development default of each production secret (settings.py), which must never pass.
DEV_DEFAULTS = {
    "SECRET_KEY": "django-insecure-dev-only-key-never-use-in-production",
    "EXCHANGE_WEBHOOK_SECRET": "dev-webhook-secret",
    "TICKET_CODE_SECRET": "dev-ticket-code-secret",
    "MASTER_API_TOKEN": "",
}
WEAK = {
    "empty": lambda name: "",
    "short": lambda name: "Zq8-short-but-random-Xk2",  # 24 characters
    "default": lambda name: DEV_DEFAULTS[name],
}


@pytest.mark.parametrize("kind", sorted(WEAK))
@pytest.mark.parametrize("name", sorted(DEV_DEFAULTS))
def test_production_refuses_to_start_with_an_empty_short_or_default_secret(name, kind):
    env = {**production_environment(), name: WEAK[kind](name)}
    result = _manage("check", env=env)
    assert result.returncode != 0, f"{name}={env[name]!r} was accepted"
    assert f"{name} must be set" in result.stderr


def test_production_refuses_a_secret_key_shorter_than_50_characters():
    env = {**production_environment(), "SECRET_KEY": SECRETS["SECRET_KEY"][:40]}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random value of at least 50 characters" in result.stderr


def test_the_production_master_refuses_a_job_without_its_token():
    """DEBUG off always has a token, so the master's POST /jobs is never open."""
    probe = textwrap.dedent(
        """
        import json
        from django.test import Client
        client = Client(HTTP_HOST="master:8001")
        body = {"job_id": "x", "purchase_id": 1, "deposit_token": "t", "challenges": []}
        anonymous = client.post("/jobs", body, content_type="application/json")
        wrong = client.post(
            "/jobs", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer nope"
        )
        print(json.dumps([anonymous.status_code, wrong.status_code]))
        """
    )
    env = {**production_environment("master"), "ROOT_URLCONF": "challenge_worker.urls"}
    result = _manage("shell", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [401, 401]


_PROXY_PROBE = textwrap.dedent(
    """
    import json
    from django.conf import settings
    from django.middleware.security import SecurityMiddleware
    from django.test import RequestFactory
    from rest_framework.settings import api_settings

    def redirected(**headers):
        page = RequestFactory().get("/events/", HTTP_HOST="127.0.0.1", **headers)
        return SecurityMiddleware(lambda request: None).process_request(page) is not None

    print(json.dumps({
        "num_proxies": api_settings.NUM_PROXIES,
        "proxy_ssl_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
        "plain": redirected(),
        "claims_https": redirected(HTTP_X_FORWARDED_PROTO="https"),
    }))
    """
)


def _proxy_answer(env: dict[str, str]) -> dict:
    result = _manage("shell", "-c", _PROXY_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_cloudfront_the_forwarded_proto_and_address_are_trusted():
    env = production_environment()
    assert env["TRUSTED_PROXIES"] == "1"
    answer = _proxy_answer({**env, "ALLOWED_HOSTS": "127.0.0.1"})
    assert answer == {
        "num_proxies": 1,
        "proxy_ssl_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "plain": True,
        "claims_https": False,
    }


def test_without_a_proxy_a_forged_x_forwarded_proto_is_not_believed():
    env = {**production_environment(), "TRUSTED_PROXIES": "", "ALLOWED_HOSTS": "127.0.0.1"}
    answer = _proxy_answer(env)
    assert answer == {
        "num_proxies": 0,
        "proxy_ssl_header": None,
        "plain": True,
        "claims_https": True,
    }


def test_a_negative_proxy_count_is_refused():
    result = _manage("check", env={**production_environment(), "TRUSTED_PROXIES": "-1"})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must be 0 or more" in result.stderr


def test_tickets_give_way_to_a_rush_only_where_they_are_rendered_on_the_shops_cores():
    """Production's Lambda renders elsewhere: its delivery worker never holds tickets back.
    `make run` renders in-process: while a purchase is in flight, its tickets wait."""
    probe = "from django.conf import settings; print(settings.DELIVERY_GIVE_WAY_IN_FLIGHT)"
    production = production_environment("delivery")
    assert production["TICKET_BACKEND"] == "lambda"
    result = _manage("shell", "-c", probe, env=production)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"

    local = _manage("shell", "-c", probe, env={"DEBUG": "true"})
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip().splitlines()[-1] == "1"
