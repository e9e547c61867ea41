"""Production settings are checked in a fresh interpreter, as a server would load them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ticketseller.env import env_bool, env_int, env_list, env_secret, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "pQ8v-Zr2#kL9m!Wx4tB7nY1c@Hs6jD3f^Gq0uE5aR8oT2iK4lM9pN7bV1",
    "ALLOWED_HOSTS": "shop.example.cl",
    "DATABASE_URL": "postgres://shop:pw@db.internal:5432/shop",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EXCHANGE_WEBHOOK_SECRET": "a-long-shared-secret-from-the-exchange",
    "TICKET_CODE_SECRET": "another-long-secret-that-signs-the-ticket-codes",
    "MASTER_API_TOKEN": "a-long-bearer-token-between-the-web-and-the-master",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "secret", [None, "short", "a" * 60, "django-insecure-dev-only-key-never-use-in-production"]
)
def test_production_refuses_to_start_with_a_default_or_weak_secret_key(secret):
    env = {**PRODUCTION}
    env.pop("SECRET_KEY")
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_env_bool_rejects_values_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be a boolean"):
        env_bool("FLAG")


def test_env_int_rejects_non_integers(monkeypatch):
    monkeypatch.setenv("N", "12")
    assert env_int("N", 1) == 12
    monkeypatch.setenv("N", "12.5")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "key").write_text("from-a-file\n")
    monkeypatch.setenv("API_KEY_FILE", str(tmp_path / "key"))
    assert env_secret("API_KEY") == "from-a-file"


def test_an_empty_or_blank_variable_means_unset_for_every_helper(monkeypatch):
    for name in ["S", "L", "B", "N", "K"]:
        monkeypatch.setenv(name, "  ")
    assert env_str("S", "default") == "default"
    assert env_list("L", ["a"]) == ["a"]
    assert env_bool("B", True) is True
    assert env_int("N", 7) == 7
    assert env_secret("K", "dev") == "dev"


def test_an_empty_secret_file_means_unset(monkeypatch, tmp_path):
    (tmp_path / "key").write_text("\n")
    monkeypatch.setenv("API_KEY_FILE", str(tmp_path / "key"))
    assert env_secret("API_KEY", "dev") == "dev"
