"""Fixtures shared by every app's tests: users, API clients, events, the browser, SMTP."""

import datetime as dt
import email
import email.message
import email.policy
import itertools
import os
import shutil
import socket
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds throttling and failed-log-in counts: none leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords the tests set are hashed with a fast hasher (PBKDF2's million rounds cost
    ~0.3 s a user); hashes made by the real one (demo users) still verify."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def make_user(django_user_model):
    def make(username: str | None = None, password: str = "s3cret-pass-123", **extra):
        username = username or f"user{next(_counter)}"
        extra.setdefault("email", f"{username}@example.com")
        return django_user_model.objects.create_user(username=username, password=password, **extra)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def make_event():
    from events.models import Event

    def make(**fields):
        n = next(_counter)
        fields.setdefault("event_id", uuid.uuid4())
        fields.setdefault("name", f"Concierto {n}")
        fields.setdefault("date", timezone.now() + dt.timedelta(days=7, hours=n))
        fields.setdefault("location", "Movistar Arena, Santiago")
        fields.setdefault("latitude", Decimal("-33.4625"))
        fields.setdefault("longitude", Decimal("-70.661"))
        fields.setdefault("price", 25_000)
        fields.setdefault("capacity", 100)
        fields.setdefault("available", fields["capacity"])
        return Event.objects.create(**fields)

    return make


@pytest.fixture
def requires_postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL (make test provides one)")


# --- Browser (Playwright driving Debian's Chromium) -----------------------------------------

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _chromium_path() -> str | None:
    return os.environ.get("PLAYWRIGHT_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = _chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but no chromium binary was found")
        pytest.skip("no chromium binary (apt-get install chromium) — browser tests skipped")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


# --- Redis and RQ ---------------------------------------------------------------------------


@pytest.fixture
def redis_flushed():
    """A clean Redis database (the test Redis is throwaway), cleaned again afterwards."""
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield connection
    connection.flushdb()


# --- The reference exchange, in-process ----------------------------------------------------


@pytest.fixture
def exchange(settings):
    """A live reference exchange on a free port with small, fast challenges; the seller's
    EXCHANGE_URL points at it. Tests change its switches through `exchange.exchange`."""
    from exchange.server import start_exchange

    with start_exchange(max_secret=2_000, challenges=3, events=30, solution_timeout=60) as handle:
        settings.EXCHANGE_URL = handle.url
        yield handle


class SmtpInbox:
    """aiosmtpd handler: keeps every message it accepts; `refuse` answers a temporary error."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on a free port, and Django sending to it."""
    from aiosmtpd.controller import Controller  # a dev dependency: only where a test asks

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.DEFAULT_FROM_EMAIL = "Productora Andes <entradas@andes.example.cl>"
    yield inbox
    controller.stop()
