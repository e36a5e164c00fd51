"""The local audit trail: one entry per commit, kept in a SQLite file of the user's own.

It lives in the user's data folder (``Paths.audit``), never in the edited database,
so it survives restarts and needs no rights on the server.  An entry records when
(UTC, shown in local time), the connection as displayed (password hidden), and for
each change the key, the values it replaced, the new value and the rows it updated.

Each :meth:`AuditLog.append` is one short transaction on its own connection, so a
log written by one thread can be read by another (the dialog) at any time.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS commits (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,            -- seconds since the epoch, UTC
    connection TEXT NOT NULL,    -- as displayed: never a password
    table_name TEXT NOT NULL,
    changes INTEGER NOT NULL,
    rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    commit_id INTEGER NOT NULL REFERENCES commits(id),
    x INTEGER NOT NULL,
    old TEXT NOT NULL,           -- the values replaced, comma-separated, sorted
    new INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    stored TEXT                  -- what the database stored where it differs from new (a trigger), else NULL
);
CREATE INDEX IF NOT EXISTS changes_x ON changes (x);
CREATE INDEX IF NOT EXISTS commits_at ON commits (at);
"""

CSV_HEADER = ["when", "connection", "table", "x", "old y", "new y", "rows updated", "stored y"]


@dataclass(frozen=True)
class AuditEntry:
    at: datetime  # aware, UTC
    connection: str
    table: str
    key: int
    old: tuple[int, ...]
    new: int
    rows: int
    commit_id: int = 0
    # the values the database stored where they differ from ``new`` (a trigger
    # changed them; None stands for NULL); () when every row holds ``new``
    stored: tuple[int | None, ...] = ()

    def stored_text(self) -> str:
        return ", ".join("NULL" if v is None else str(v) for v in self.stored)

    def old_text(self) -> str:
        return ", ".join(str(v) for v in self.old) if self.old else "(no rows)"

    def local_time(self) -> str:
        return self.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class AuditLog:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.executescript(SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(changes)")}
            if "stored" not in columns:  # a log written before the column existed
                try:
                    conn.execute("ALTER TABLE changes ADD COLUMN stored TEXT")
                except sqlite3.OperationalError as error:
                    if "duplicate column" not in str(error):
                        raise  # another window added it a moment ago: that is fine
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn

    def append(
        self,
        connection: str,
        table: str,
        changes: Sequence[tuple[int, tuple[int, ...], int]],
        rows: int,
        at: datetime | None = None,
    ) -> int:
        """Record one commit; ``changes`` are ``(x, old values, new y)`` or ``(x, old
        values, new y, values stored instead)``.  Returns its id."""
        when = (at or datetime.now(timezone.utc)).timestamp()
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO commits (at, connection, table_name, changes, rows) VALUES (?, ?, ?, ?, ?)",
                (when, connection, table, len(changes), rows),
            )
            commit_id = cursor.lastrowid
            conn.executemany(
                "INSERT INTO changes (commit_id, x, old, new, rows, stored) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (commit_id, c[0], ",".join(str(v) for v in sorted(c[1])), c[2], len(c[1]), _stored_text(c[3] if len(c) > 3 else ()))
                    for c in changes
                ],
            )
        return int(commit_id)

    def append_result(self, connection: str, table: str, result, at: datetime | None = None) -> int:
        """Record a :class:`~gui.data.commit.CommitResult` (its committed changes and old values)."""
        old_values = result.old_values or {}
        changes = [(c.key, tuple(old_values.get(c.key, ())), c.new, result.stored(c)) for c in result.committed]
        return self.append(connection, table, changes, result.rows, at)

    def entries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        key: int | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries, newest commit first; ``since`` inclusive, ``until`` exclusive."""
        if not self.path.exists():
            return []
        where, params = [], []
        if since is not None:
            where.append("c.at >= ?")
            params.append(since.timestamp())
        if until is not None:
            where.append("c.at < ?")
            params.append(until.timestamp())
        if key is not None:
            where.append("ch.x = ?")
            params.append(key)
        sql = (
            "SELECT c.at, c.connection, c.table_name, ch.x, ch.old, ch.new, ch.rows, c.id, ch.stored "
            "FROM commits c JOIN changes ch ON ch.commit_id = c.id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY c.at DESC, c.id DESC, ch.x"
            + (" LIMIT ?" if limit is not None else "")
        )
        if limit is not None:
            params.append(limit)
        with self._connect() as conn:
            found = conn.execute(sql, params).fetchall()
        return [
            AuditEntry(
                datetime.fromtimestamp(at, timezone.utc),
                connection,
                table,
                x,
                tuple(int(v) for v in old.split(",")) if old else (),
                new,
                rows,
                commit_id,
                tuple(None if v == "NULL" else int(v) for v in stored.split(",")) if stored else (),
            )
            for at, connection, table, x, old, new, rows, commit_id, stored in found
        ]

    def commit_count(self) -> int:
        if not self.path.exists():
            return 0
        with self._connect() as conn:
            return int(conn.execute("SELECT count(*) FROM commits").fetchone()[0])


def _stored_text(stored) -> str | None:
    return ",".join("NULL" if v is None else str(v) for v in stored) if stored else None


def export_entries(entries: Sequence[AuditEntry], path: Path | str) -> None:
    """Write ``entries`` as CSV (local times, old values separated by spaces)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for e in entries:
            writer.writerow(
                [e.local_time(), e.connection, e.table, e.key, " ".join(str(v) for v in e.old), e.new, e.rows, e.stored_text().replace(", ", " ")]
            )
