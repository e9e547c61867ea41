"""Django's SQLite backend, counting what each process does with SQLite's one write lock:
``bench/purchase.py --lock-stats`` runs the stack on it (``SQLITE_ENGINE``).

Every write takes the database's single write lock: a transaction (begun IMMEDIATE) from
its ``BEGIN`` to its end, a write in autocommit for its statement. Counted per process:
transactions, the seconds spent waiting for their ``BEGIN`` (SQLite's busy handler sleeping)
and holding the lock until the commit or rollback; autocommit writes and their seconds
(waiting included). A thread writes the counts to ``$LOCK_STATS_DIR/<pid>.json`` every
half second; the bench reads them before and after a phase.
"""

import json
import os
import sys
import threading
import time

from django.db.backends.sqlite3 import base

_COUNTS = dict.fromkeys(("transactions", "waited", "held", "autocommit_writes", "autocommit"), 0)
_LOCK = threading.Lock()
#: Statements that take the write lock when run in autocommit.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_started = threading.Event()


def _add(**amounts) -> None:
    with _LOCK:
        for name, amount in amounts.items():
            _COUNTS[name] += amount
    if not _started.is_set():
        _started.set()
        threading.Thread(target=_write_every_half_second, daemon=True).start()


def _write_every_half_second() -> None:
    path = os.path.join(os.environ["LOCK_STATS_DIR"], f"{os.getpid()}.json")
    while True:
        with _LOCK:
            counts = {**_COUNTS, "cmdline": " ".join(sys.argv)}
        with open(path + ".tmp", "w") as out:
            json.dump(counts, out)
        os.replace(path + ".tmp", path)
        time.sleep(0.5)


class DatabaseWrapper(base.DatabaseWrapper):
    _held_since = None

    def _start_transaction_under_autocommit(self):
        asked = time.monotonic()
        super()._start_transaction_under_autocommit()
        self._held_since = time.monotonic()
        _add(transactions=1, waited=self._held_since - asked)

    def _released(self):
        if self._held_since is not None:
            _add(held=time.monotonic() - self._held_since)
            self._held_since = None

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._released()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._released()

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CountingCursor)


class CountingCursor(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        if self.connection.in_transaction or query.split(None, 1)[0].upper() not in _WRITES:
            return super().execute(query, params)
        started = time.monotonic()
        try:
            return super().execute(query, params)
        finally:
            _add(autocommit_writes=1, autocommit=time.monotonic() - started)
