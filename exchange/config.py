"""Settings of the exchange, read from the environment through small typed helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

N = TypeVar("N", int, float)


class ConfigError(ValueError):
    """An environment variable holds a value the exchange cannot use."""


def env_str(name: str, default: str, *, env: Mapping[str, str] | None = None) -> str:
    """A string; an empty value counts as unset."""
    env = os.environ if env is None else env
    value = env.get(name, "").strip()
    return value or default


def env_secret(name: str, default: str, *, env: Mapping[str, str] | None = None) -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets)."""
    env = os.environ if env is None else env
    path = env.get(f"{name}_FILE", "").strip()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc}") from exc
    return env_str(name, default, env=env)


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """An integer within [minimum, maximum]."""
    raw = env_str(name, "", env=env)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    return _in_range(name, value, minimum, maximum)


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    env: Mapping[str, str] | None = None,
) -> float:
    """A finite number within [minimum, maximum]."""
    raw = env_str(name, "", env=env)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    return _in_range(name, value, minimum, maximum)


def env_bool(name: str, default: bool, *, env: Mapping[str, str] | None = None) -> bool:
    """A boolean; anything but the usual spellings is an error rather than a silent False."""
    raw = env_str(name, "", env=env).lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def _in_range(name: str, value: N, minimum: N | None, maximum: N | None) -> N:
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be <= {maximum}, got {value}")
    return value


# Switches may be changed while the exchange runs (POST /v1/admin/switches); each has a type
# and bounds, shared by the environment loader and the admin endpoint.
SWITCH_BOUNDS: dict[str, tuple[type, float, float]] = {
    "latency_ms": (int, 0, 600_000),
    "failure_rate": (float, 0.0, 1.0),
    "reject_rate": (float, 0.0, 1.0),
    "solution_timeout": (float, 0.01, 7 * 24 * 3600),
    "challenges": (int, 1, 100),
    "max_secret": (int, 1, 2**53 - 1),
}


@dataclass(frozen=True)
class Switches:
    """Behaviour switches for tests and demos; replaced as a whole when changed."""

    latency_ms: int = field(default=0, metadata={"env": "EXCHANGE_LATENCY_MS"})
    failure_rate: float = field(default=0.0, metadata={"env": "EXCHANGE_FAILURE_RATE"})
    reject_rate: float = field(default=0.0, metadata={"env": "EXCHANGE_REJECT_RATE"})
    solution_timeout: float = field(default=120.0, metadata={"env": "EXCHANGE_SOLUTION_TIMEOUT"})
    challenges: int = field(default=5, metadata={"env": "EXCHANGE_CHALLENGES"})
    max_secret: int = field(default=500_000, metadata={"env": "EXCHANGE_MAX_SECRET"})
    # Not in the course's list: lets a test point the exchange at a receiver started later.
    webhook_url: str = field(default="", metadata={"env": "SELLER_WEBHOOK_URL"})

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def switch_value(name: str, value: Any) -> Any:
    """Check one switch value coming from JSON; raise ValueError with a readable message."""
    if name == "webhook_url":
        if not isinstance(value, str) or (value and not value.startswith(("http://", "https://"))):
            raise ValueError("webhook_url must be an http(s) URL or an empty string")
        return value
    if name not in SWITCH_BOUNDS:
        raise ValueError(f"unknown switch {name!r}")
    kind, low, high = SWITCH_BOUNDS[name]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int and not (is_number and float(value).is_integer()):
        raise ValueError(f"{name} must be an integer")
    if kind is float and not is_number:
        raise ValueError(f"{name} must be a number")
    value = kind(value)
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the exchange process reads at start."""

    host: str = field(default="127.0.0.1", metadata={"env": "EXCHANGE_HOST"})
    port: int = field(default=8100, metadata={"env": "EXCHANGE_PORT"})
    db_path: str = field(default="var/exchange.sqlite3", metadata={"env": "EXCHANGE_DB"})
    seed: int = field(default=2026, metadata={"env": "EXCHANGE_SEED"})
    events: int = field(default=72, metadata={"env": "EXCHANGE_EVENTS"})
    # First day of the catalogue (YYYY-MM-DD); unset means "today in Santiago".
    catalogue_start: dt.date | None = field(
        default=None, metadata={"env": "EXCHANGE_CATALOGUE_START"}
    )
    webhook_secret: str = field(
        default="dev-webhook-secret", metadata={"env": "EXCHANGE_WEBHOOK_SECRET"}
    )
    admin_token: str = field(default="dev-admin-token", metadata={"env": "EXCHANGE_ADMIN_TOKEN"})
    webhook_max_attempts: int = field(default=20, metadata={"env": "EXCHANGE_WEBHOOK_MAX_ATTEMPTS"})
    webhook_backoff_base: float = field(
        default=0.5, metadata={"env": "EXCHANGE_WEBHOOK_BACKOFF_BASE"}
    )
    webhook_backoff_cap: float = field(
        default=30.0, metadata={"env": "EXCHANGE_WEBHOOK_BACKOFF_CAP"}
    )
    webhook_timeout: float = field(default=5.0, metadata={"env": "EXCHANGE_WEBHOOK_TIMEOUT"})
    sweep_interval: float = field(default=0.5, metadata={"env": "EXCHANGE_SWEEP_INTERVAL"})
    log_level: str = field(default="INFO", metadata={"env": "EXCHANGE_LOG_LEVEL"})
    switches: Switches = field(default_factory=Switches)


_INT_BOUNDS: dict[str, tuple[int, int]] = {
    "port": (0, 65535),
    "seed": (0, 2**63 - 1),
    "events": (0, 100_000),
    "webhook_max_attempts": (1, 10_000),
}
_FLOAT_BOUNDS: dict[str, tuple[float, float]] = {
    "webhook_backoff_base": (0.0, 3600.0),
    "webhook_backoff_cap": (0.0, 24 * 3600.0),
    "webhook_timeout": (0.01, 600.0),
    "sweep_interval": (0.01, 3600.0),
}
_SECRETS = {"webhook_secret", "admin_token"}


def env_names() -> dict[str, str]:
    """Setting or switch name -> environment variable name."""
    names = {f.name: f.metadata["env"] for f in dataclasses.fields(Settings) if f.metadata}
    names.update({f.name: f.metadata["env"] for f in dataclasses.fields(Switches)})
    return names


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read the settings from ``env`` (default ``os.environ``); keyword overrides win.

    Overrides use the field names of ``Settings`` and ``Switches`` (``max_secret=50``).
    """
    env = os.environ if env is None else env
    unknown = set(overrides) - set(env_names())
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name == "switches":
            continue
        values[f.name] = _read(f.name, f.metadata["env"], f.default, env)
    switch_values: dict[str, Any] = {}
    for f in dataclasses.fields(Switches):
        switch_values[f.name] = _read_switch(f.name, f.metadata["env"], f.default, env)
    for name, value in overrides.items():
        if name in switch_values:
            try:
                switch_values[name] = switch_value(name, value)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        else:
            values[name] = value
    return Settings(**values, switches=Switches(**switch_values))


def _read(name: str, env_name: str, default: Any, env: Mapping[str, str]) -> Any:
    if name in _SECRETS:
        return env_secret(env_name, default, env=env)
    if name == "catalogue_start":
        raw = env_str(env_name, "", env=env)
        try:
            return dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ConfigError(f"{env_name} must be a date YYYY-MM-DD, got {raw!r}") from None
    if isinstance(default, bool):
        return env_bool(env_name, default, env=env)
    if isinstance(default, int):
        low, high = _INT_BOUNDS[name]
        return env_int(env_name, default, minimum=low, maximum=high, env=env)
    if isinstance(default, float):
        low_f, high_f = _FLOAT_BOUNDS[name]
        return env_float(env_name, default, minimum=low_f, maximum=high_f, env=env)
    return env_str(env_name, default, env=env)


def _read_switch(name: str, env_name: str, default: Any, env: Mapping[str, str]) -> Any:
    if name == "webhook_url":
        try:
            return switch_value(name, env_str(env_name, default, env=env))
        except ValueError as exc:
            raise ConfigError(f"{env_name}: {exc}") from None
    kind, low, high = SWITCH_BOUNDS[name]
    if kind is int:
        return env_int(env_name, default, minimum=int(low), maximum=int(high), env=env)
    return env_float(env_name, default, minimum=low, maximum=high, env=env)


def settings_env(**overrides: Any) -> dict[str, str]:
    """Environment variables that carry these overrides to an exchange subprocess."""
    names = env_names()
    unknown = set(overrides) - set(names)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    result = {}
    for name, value in overrides.items():
        result[names[name]] = "" if value is None else str(value)
    return result
