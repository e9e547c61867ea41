"""Password-reset emails, counted per address and per client IP in the shared cache.

The reset form mails whatever address is typed in; without a limit it could flood a
stranger's inbox. Past the limit the page answers as always (it never says whether an
account exists) and sends nothing. If the cache is unreachable the email goes (logged).
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.login_limits import client_ip

log = logging.getLogger(__name__)


def password_reset_allowed(*, request: HttpRequest, email: str) -> bool:
    """Count one reset asked for `email` from the request's IP; False past either limit."""
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    limits = {
        f"password-reset:ip:{client_ip(request)}": settings.PASSWORD_RESET_MAX_PER_IP,
        f"password-reset:email:{address}": settings.PASSWORD_RESET_MAX_PER_EMAIL,
    }
    try:
        counts = {}
        for key in limits:
            cache.add(key, 0, timeout=settings.PASSWORD_RESET_WINDOW_SECONDS)
            counts[key] = cache.incr(key)
    except Exception:
        log.exception("password-reset limiter unavailable; email allowed")
        return True
    if any(counts[key] > limit for key, limit in limits.items()):
        log.warning("password reset not emailed: over the limit (ip %s)", client_ip(request))
        return False
    return True
