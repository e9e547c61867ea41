"""The exchange's own SQLite storage: one connection, one lock, explicit transactions.

All access goes through ``Store.transaction()``, which holds the lock for the whole
transaction. That serialises writers inside this process, which is what keeps ticket
counts and wallets consistent; the exchange is a single process, so that is enough.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id   TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    date       TEXT NOT NULL,
    price      INTEGER NOT NULL CHECK (price > 0),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    location   TEXT NOT NULL,
    latitude   REAL NOT NULL,
    longitude  REAL NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category   TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    doors_open TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_position ON events (position);

CREATE TABLE IF NOT EXISTS payments (
    request_id    TEXT PRIMARY KEY,
    deposit_token TEXT NOT NULL UNIQUE,
    group_id      INTEGER NOT NULL,
    seller        INTEGER NOT NULL,
    event_id      TEXT NOT NULL REFERENCES events (event_id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    value         INTEGER NOT NULL CHECK (value > 0),
    max_secret    INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'valid', 'invalid')),
    reason        TEXT,
    created_at    REAL NOT NULL,
    deadline      REAL NOT NULL,
    decided_at    REAL
);
CREATE INDEX IF NOT EXISTS payments_pending ON payments (status, deadline);

CREATE TABLE IF NOT EXISTS challenges (
    deposit_token  TEXT NOT NULL REFERENCES payments (deposit_token),
    challenge_id   INTEGER NOT NULL,
    secret         INTEGER NOT NULL,
    challenge_hash TEXT NOT NULL,
    PRIMARY KEY (deposit_token, challenge_id)
);

CREATE TABLE IF NOT EXISTS wallets (
    group_id INTEGER PRIMARY KEY,
    balance  INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0)
);

CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      TEXT NOT NULL,
    url             TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    delivered_at    REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_attempt_at);
"""


# Our extension of the catalogue (docs/exchange-protocol.md); an empty value is left out.
EXTENSION_COLUMNS = ("description", "category", "address", "doors_open")
_EVENT_COLUMNS = ("event_id", "name", "date", "price", "quantity", "location", "latitude",
                  "longitude", *EXTENSION_COLUMNS)  # fmt: skip


class Store:
    """Owns the SQLite connection; ``path`` may be ``:memory:``."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by all request threads, so :memory: is one database;
        # the lock below is what makes sharing it safe.
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=10
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA foreign_keys = ON")
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.executescript(SCHEMA)
            self._add_missing_event_columns()

    def _add_missing_event_columns(self) -> None:
        """A database file made before the extension fields gets them, empty (not published)."""
        have = {row["name"] for row in self._conn.execute("PRAGMA table_info(events)")}
        for column in EXTENSION_COLUMNS:
            if column not in have:
                self._conn.execute(
                    f"ALTER TABLE events ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
                )

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction; commits on success, rolls back on any exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return None if row is None else dict(row)


class Tx:
    """Named queries, valid only inside ``Store.transaction()``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # events
    def events_count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    def events_insert(self, events: Iterable[dict[str, Any]]) -> None:
        columns = ("position", *_EVENT_COLUMNS)
        self._conn.executemany(
            f"INSERT INTO events ({', '.join(columns)})"
            f" VALUES ({', '.join(':' + c for c in columns)})",
            [{c: "" for c in EXTENSION_COLUMNS} | dict(event) for event in events],
        )

    def events_page(self, *, offset: int, limit: int) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events ORDER BY position LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [
            {k: v for k, v in dict(row).items() if v != "" or k not in EXTENSION_COLUMNS}
            for row in rows
        ]

    def event_get(self, event_id: str) -> dict[str, Any] | None:
        return _dict(
            self._conn.execute("SELECT * FROM events WHERE event_id = ?", (event_id,)).fetchone()
        )

    def event_quantity_add(self, event_id: str, delta: int) -> None:
        self._conn.execute(
            "UPDATE events SET quantity = quantity + ? WHERE event_id = ?", (delta, event_id)
        )

    # payments and challenges
    def payment_get(self, request_id: str) -> dict[str, Any] | None:
        return _dict(
            self._conn.execute(
                "SELECT * FROM payments WHERE request_id = ?", (request_id,)
            ).fetchone()
        )

    def payment_by_token(self, deposit_token: str) -> dict[str, Any] | None:
        return _dict(
            self._conn.execute(
                "SELECT * FROM payments WHERE deposit_token = ?", (deposit_token,)
            ).fetchone()
        )

    def payment_insert(self, payment: dict[str, Any]) -> None:
        self._conn.execute(
            "INSERT INTO payments (request_id, deposit_token, group_id, seller, event_id,"
            " quantity, value, max_secret, created_at, deadline) VALUES (:request_id,"
            " :deposit_token, :group_id, :seller, :event_id, :quantity, :value, :max_secret,"
            " :created_at, :deadline)",
            payment,
        )

    def payment_decide(self, request_id: str, *, status: str, reason: str, now: float) -> bool:
        """Compare-and-set pending -> status; False if it was already decided."""
        cursor = self._conn.execute(
            "UPDATE payments SET status = ?, reason = ?, decided_at = ?"
            " WHERE request_id = ? AND status = 'pending'",
            (status, reason, now, request_id),
        )
        return cursor.rowcount == 1

    def payments_overdue(self, now: float) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT * FROM payments WHERE status = 'pending' AND deadline < ? ORDER BY deadline",
            (now,),
        )
        return [dict(row) for row in rows]

    def challenges_insert(self, deposit_token: str, challenges: list[tuple[int, int, str]]) -> None:
        self._conn.executemany(
            "INSERT INTO challenges (deposit_token, challenge_id, secret, challenge_hash)"
            " VALUES (?, ?, ?, ?)",
            [(deposit_token, cid, secret, digest) for cid, secret, digest in challenges],
        )

    def challenges_get(self, deposit_token: str) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT challenge_id, secret, challenge_hash FROM challenges"
            " WHERE deposit_token = ? ORDER BY challenge_id",
            (deposit_token,),
        )
        return [dict(row) for row in rows]

    # wallets
    def wallet_balance(self, group_id: int) -> int:
        row = self._conn.execute(
            "SELECT balance FROM wallets WHERE group_id = ?", (group_id,)
        ).fetchone()
        return 0 if row is None else row[0]

    def wallet_add(self, group_id: int, amount: int) -> None:
        self._conn.execute(
            "INSERT INTO wallets (group_id, balance) VALUES (?, ?)"
            " ON CONFLICT (group_id) DO UPDATE SET balance = balance + excluded.balance",
            (group_id, amount),
        )

    # webhook outbox
    def outbox_add(self, *, request_id: str, url: str, body: bytes, now: float) -> int:
        cursor = self._conn.execute(
            "INSERT INTO outbox (request_id, url, body, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (request_id, url, body, now, now),
        )
        return int(cursor.lastrowid or 0)

    def outbox_due(self, now: float, *, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY next_attempt_at, id LIMIT ?",
            (now, limit),
        )
        return [dict(row) for row in rows]

    def outbox_next_due(self) -> float | None:
        return self._conn.execute(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        ).fetchone()[0]

    def outbox_update(
        self,
        outbox_id: int,
        *,
        status: str,
        attempts: int,
        next_attempt_at: float,
        last_error: str | None,
        delivered_at: float | None = None,
    ) -> None:
        self._conn.execute(
            "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?,"
            " delivered_at = ? WHERE id = ?",
            (status, attempts, next_attempt_at, last_error, delivered_at, outbox_id),
        )

    def outbox_list(self, request_id: str | None = None) -> list[dict[str, Any]]:
        if request_id is None:
            rows = self._conn.execute("SELECT * FROM outbox ORDER BY id")
        else:
            rows = self._conn.execute(
                "SELECT * FROM outbox WHERE request_id = ? ORDER BY id", (request_id,)
            )
        return [dict(row) for row in rows]
