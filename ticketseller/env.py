"""Typed readers for settings that come from the environment.

Small on purpose: each helper fails loudly on a value it cannot read, so a typo in
a deployment shows up at start-up instead of as a silent default. An empty (or blank) value
means unset everywhere: `FOO=` in a compose file or an env file gives FOO's default, never "".
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or blank."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw


def env_str(name: str, default: str = "") -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool = False) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/K8s secrets)."""
    path = _raw(f"{name}_FILE")
    if path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
        return value or default
    raw = _raw(name)
    return default if raw is None else raw.strip()


def require_production_secret(
    name: str, value: str, *, dev_default: str, min_length: int = 32
) -> None:
    """Refuse to start (DEBUG off) with a secret that is empty, short or the development one.

    An empty webhook secret would accept bodies signed with the empty key, an empty master
    token would open the workers master to anyone: production fails closed instead.
    """
    if not value or value == dev_default or len(value) < min_length or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"{name} must be set to a random value of at least {min_length} characters "
            "(not the development default) when DEBUG is off."
        )
