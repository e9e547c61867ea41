"""Failed log-in attempts, counted per account and per client IP in the shared cache.

Every password check goes through `login_guard` (the shop's and the admin's log-in forms,
the API's token endpoint). Past the limit a client is refused before its password is even
checked, for `LOGIN_LOCKOUT_SECONDS` after the last failure. A success clears the account's
count; the IP's count only expires, so logging in to one's own account does not launder
guesses at other accounts. The cache is Redis in production (`CACHE_URL=redis`), shared by
every web process. If the cache is unreachable the guard lets the attempt through (logged):
an outage of the limiter must not lock everybody out.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.selectors import user_for_login
from ticketseller.errors import ServiceError

log = logging.getLogger(__name__)


class TooManyLoginAttempts(ServiceError):
    code = "too_many_login_attempts"
    status = 429
    default_message = _("Too many failed log-in attempts. Please try again in %(minutes)d minutes.")

    def __init__(self) -> None:
        minutes = max(1, -(-settings.LOGIN_LOCKOUT_SECONDS // 60))
        super().__init__(
            self.default_message % {"minutes": minutes},
            details={"retry_after": settings.LOGIN_LOCKOUT_SECONDS},
        )


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with `TRUSTED_PROXIES` = N proxies in front
    (each appends to X-Forwarded-For), the entry the outermost proxy appended."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _keys(*, ip: str, username: str) -> tuple[str, str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"login-failures:ip:{ip}", f"login-failures:account:{account}"


def login_attempts_check(*, ip: str, username: str) -> None:
    """Raise `TooManyLoginAttempts` when the IP or the account is past its limit."""
    ip_key, account_key = _keys(ip=ip, username=username)
    counts = cache.get_many([ip_key, account_key])
    if (
        counts.get(ip_key, 0) >= settings.LOGIN_MAX_FAILURES_PER_IP
        or counts.get(account_key, 0) >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT
    ):
        raise TooManyLoginAttempts()


def login_failure_record(*, ip: str, username: str) -> None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    for key in _keys(ip=ip, username=username):
        cache.add(key, 0, timeout=window)
        cache.incr(key)
        cache.touch(key, timeout=window)  # locked for a full window after the last failure


def login_attempts_reset(*, ip: str, username: str) -> None:
    cache.delete(_keys(ip=ip, username=username)[1])


@contextmanager
def login_guard(*, request: HttpRequest, username: str) -> Iterator[None]:
    """Around one password check: refuse when over the limit (`TooManyLoginAttempts`),
    count the check when it raises a validation error, clear the account's count when not.
    An email counts for the account it names: guesses alternating username and email add up."""
    ip = client_ip(request)
    username = _account_name(username)
    try:
        login_attempts_check(ip=ip, username=username)
    except TooManyLoginAttempts:
        log.warning("log-in refused: too many failures (ip %s)", ip)
        raise
    except Exception:  # the cache is down: fail open, but say so
        log.exception("log-in limiter unavailable; attempt allowed")
        yield
        return
    try:
        yield
    except (DjangoValidationError, ApiValidationError):
        _safely(login_failure_record, ip=ip, username=username)
        raise
    _safely(login_attempts_reset, ip=ip, username=username)


def _account_name(login: str) -> str:
    user = user_for_login(login=login)
    return user.get_username() if user is not None else login


def _safely(action, **kwargs) -> None:
    try:
        action(**kwargs)
    except Exception:
        log.exception("log-in limiter unavailable")
