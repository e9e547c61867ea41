"""Database helpers shared by the services."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connection

from ticketseller.errors import Busy


@contextmanager
def user_lock_timeout() -> Iterator[None]:
    """Bound how long a user request waits for row locks; turn a timeout into `Busy`.

    Must be entered inside ``transaction.atomic``. PostgreSQL honours ``SET LOCAL
    lock_timeout``; SQLite serialises writers with its own busy timeout instead.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.DB_LOCK_TIMEOUT_MS}ms"])
    try:
        yield
    except OperationalError as exc:
        if "lock" in str(exc).lower():
            raise Busy() from exc
        raise
