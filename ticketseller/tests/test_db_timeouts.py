"""A process frozen while it holds row locks must not stall everyone behind it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from events.models import Event

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]

# The child locks the event row, says so, then freezes itself inside the transaction.
_FREEZE_HOLDING_A_LOCK = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from events.models import Event
with transaction.atomic():
    Event.objects.select_for_update().get(pk=int(sys.argv[1]))
    print("locked", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
"""


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_a_process_frozen_inside_a_transaction_loses_its_locks_after_the_idle_timeout(
    make_event,
):
    event = make_event()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "ticketseller.settings",
        "DATABASE_URL": _database_url(),
        "DB_IDLE_IN_TRANSACTION_SECONDS": "2",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _FREEZE_HOLDING_A_LOCK, str(event.pk)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:  # without the idle timeout: wait 15 s, fail
                cursor.execute("SET LOCAL lock_timeout = '15s'")
            Event.objects.select_for_update().get(pk=event.pk)
        waited = time.monotonic() - started
    finally:
        child.kill()
        child.wait(timeout=10)
    assert waited < 15
