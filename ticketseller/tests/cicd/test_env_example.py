""".env.example copied to .env, as its header allows: compose reads it for docker-compose.yml,
and the local stack must still come up (settings load, `check` passes, no https redirect on
localhost, the containers reach each other by name)."""

import json
import re
import textwrap

from .conftest import ROOT, load_yaml
from .test_production_settings import SECRETS, _interpolate, _manage

ENV_EXAMPLE = ROOT / ".env.example"
_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def _dotenv(text: str) -> dict[str, str]:
    """Compose's reading of an env file: `#` starts a comment at the start of a line, or after
    whitespace in an unquoted value; quotes around a value are removed."""
    values = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if value[:1] in {"'", '"'}:
            value = value[1 : value.index(value[0], 1)]
        else:
            value = re.split(r"\s#", value, maxsplit=1)[0].strip()
        values[key] = value
    return values


def _compose_web_environment() -> dict[str, str]:
    """What the web container of docker-compose.yml sees with the copy as `.env` and the one
    variable the README says to export (SECRET_KEY)."""
    variables = {**_dotenv(ENV_EXAMPLE.read_text()), "SECRET_KEY": SECRETS["SECRET_KEY"]}
    web = load_yaml(ROOT / "docker-compose.yml")["services"]["web"]["environment"]
    return {key: _interpolate(value, variables) for key, value in web.items()}


def test_the_parser_reads_inline_comments_as_compose_does():
    parsed = _dotenv("A=1   # note\nB='x # y'\n# C=3\nD=\nE=http://h:1/v1#frag\n")
    assert parsed == {"A": "1", "B": "x # y", "D": "", "E": "http://h:1/v1#frag"}


def test_no_uncommented_value_is_an_empty_placeholder():
    empty = sorted(key for key, value in _dotenv(ENV_EXAMPLE.read_text()).items() if not value)
    assert not empty, f"commented out or give them a value: {empty}"


def test_the_local_stack_comes_up_with_the_copy_as_dot_env():
    env = _compose_web_environment()
    assert env["DEBUG"] == "false"
    assert env["EXCHANGE_URL"].startswith("http://exchange:")
    assert env["MASTER_URL"].startswith("http://master:")
    hosts = set(env["ALLOWED_HOSTS"].split(","))
    assert {"localhost", "127.0.0.1", "web", "master"} <= hosts
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_localhost_is_not_redirected_to_https_and_the_webhook_reaches_web():
    probe = textwrap.dedent(
        """
        import json
        from django.conf import settings
        from django.http.request import validate_host
        from django.middleware.security import SecurityMiddleware
        from django.test import RequestFactory

        middleware = SecurityMiddleware(lambda request: None)
        page = RequestFactory().get("/events/", HTTP_HOST="localhost:8000")
        webhook = RequestFactory().post("/api/v1/exchange/validations/", HTTP_HOST="web:8000")
        print(json.dumps({
            "page_redirect": middleware.process_request(page) is not None,
            "webhook_redirect": middleware.process_request(webhook) is not None,
            "web_host": validate_host("web", settings.ALLOWED_HOSTS),
        }))
        """
    )
    result = _manage("shell", "-c", probe, env=_compose_web_environment())
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"page_redirect": False, "webhook_redirect": False, "web_host": True}


def test_compose_config_with_the_copy_is_part_of_the_static_checks():
    lint = (ROOT / "scripts" / "lint_deploy.sh").read_text()
    assert "--env-file .env.example -f docker-compose.yml config -q" in lint
