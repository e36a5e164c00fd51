"""The local audit trail: one entry per commit, kept in a SQLite file of the user's own.

It lives in the user's data folder (``Paths.audit``), never in the edited database,
so it survives restarts and needs no rights on the server.  An entry records when
(UTC, shown in local time), the connection as displayed (password hidden), and for
each change the key, the values it replaced, the new value and the rows it updated.

Two kinds of entries share the file:

* the tutorial's integer window (``commits`` / ``changes``): an integer key ``x``
  and integer values, :meth:`AuditLog.append` and :meth:`AuditLog.entries`;
* any table's cell commits (``cell_commits`` / ``cell_changes``):
  :meth:`AuditLog.append_cell_commit`, :meth:`AuditLog.cell_entries`.  Every value
  is kept as its column codec's lossless text (``codec.to_text``, the journal's and
  CSV's form: timestamptz in UTC), NULL apart from the empty string (SQL NULL /
  JSON ``null`` for NULL, ``''`` / ``""`` for the empty string).  A change records
  the row's key twice: as displayed (``id = 7``) and as JSON (``{"id": "7"}``),
  the values its rows held as confirmed in the review (every row with the key,
  hidden ones too), the new value, the rows updated, and, when an UPDATE trigger
  stored something other than the new value, what it stored.

A log written before the cell tables existed gains them the first time it is
opened (``CREATE TABLE IF NOT EXISTS``: its old entries stay, and two processes
doing it at once both succeed, SQLite's busy timeout serialising them).

Each append is one short transaction on its own connection, so a log written by
one thread can be read by another (the dialog) at any time.  The cell methods
raise :class:`~gui.data.errors.StorageFailed` when the file cannot be read or
written (a full disk, a read-only folder, a damaged file).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .codecs import Codec
from .edits import CellChange, value_text
from .errors import StorageFailed

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
CREATE TABLE IF NOT EXISTS cell_commits (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,            -- seconds since the epoch, UTC
    connection TEXT NOT NULL,    -- as displayed: never a password
    table_name TEXT NOT NULL,    -- qualified, as displayed
    changes INTEGER NOT NULL,
    rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cell_changes (
    commit_id INTEGER NOT NULL REFERENCES cell_commits(id),
    position INTEGER NOT NULL,   -- the change's place in its commit
    key_text TEXT NOT NULL,      -- the row's key as displayed: id = 7
    key_values TEXT NOT NULL,    -- JSON object: key column -> its codec's text
    column_name TEXT NOT NULL,
    old_values TEXT NOT NULL,    -- JSON array of the values replaced (null: NULL), sorted
    new_value TEXT,              -- the codec's text; NULL for NULL
    rows INTEGER NOT NULL,
    stored_values TEXT,          -- JSON array of what a trigger stored instead, else NULL
    PRIMARY KEY (commit_id, position)
);
CREATE INDEX IF NOT EXISTS cell_commits_at ON cell_commits (at);
CREATE INDEX IF NOT EXISTS cell_commits_table ON cell_commits (table_name, at);
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
            conn.create_function("casefold", 1, _casefold, deterministic=True)
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

    # -- cell commits (any table) ---------------------------------------------
    @contextmanager
    def _cells(self, doing: str) -> Iterator[sqlite3.Connection]:
        """:meth:`_connect`, with the file's failures said as :class:`StorageFailed`."""
        try:
            with self._connect() as conn:
                yield conn
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as error:
            raise StorageFailed(f"The audit log {self.path} could not be {doing}: {error}.") from error

    def append_cells(
        self,
        connection: str,
        table: str,
        changes: Sequence[CellAuditChange],
        rows: int,
        at: datetime | None = None,
    ) -> int:
        """Record one commit of cell changes; returns its id."""
        when = (at or datetime.now(timezone.utc)).timestamp()
        with self._cells("written") as conn:
            cursor = conn.execute(
                "INSERT INTO cell_commits (at, connection, table_name, changes, rows) VALUES (?, ?, ?, ?, ?)",
                (when, connection, table, len(changes), rows),
            )
            commit_id = cursor.lastrowid
            conn.executemany(
                "INSERT INTO cell_changes (commit_id, position, key_text, key_values, column_name, old_values,"
                " new_value, rows, stored_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        commit_id,
                        position,
                        c.key_text,
                        json.dumps(dict(c.key), ensure_ascii=False),
                        c.column,
                        json.dumps(list(c.old), ensure_ascii=False),
                        c.new,
                        c.rows,
                        json.dumps(list(c.stored), ensure_ascii=False) if c.stored else None,
                    )
                    for position, c in enumerate(changes)
                ],
            )
        return int(commit_id)

    def append_cell_commit(
        self,
        connection: str,
        table: str,
        key_columns: Sequence[str],
        codecs: Mapping[str, Codec],
        result,
        changes: Sequence[CellChange],
        at: datetime | None = None,
    ) -> int:
        """Record a :class:`~gui.data.cell_commit.CellCommitResult` and the changes it
        committed (as confirmed in the review); returns the commit's id.

        Every value becomes its codec's text here, so call it on a worker thread for
        a big commit."""
        entries = cell_audit_changes(key_columns, codecs, result, changes)
        return self.append_cells(connection, table, entries, result.rows, at)

    def _cell_where(
        self, since: datetime | None, until: datetime | None, table: str | None, text: str | None
    ) -> tuple[str, list[object]]:
        where, params = [], []
        if since is not None:
            where.append("c.at >= ?")
            params.append(since.timestamp())
        if until is not None:
            where.append("c.at < ?")
            params.append(until.timestamp())
        if table is not None:
            where.append("c.table_name = ?")
            params.append(table)
        if text:
            needle = _casefold(text)
            where.append("(instr(casefold(ch.key_text), ?) > 0 OR instr(casefold(ch.column_name), ?) > 0)")
            params += [needle, needle]
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def cell_entries(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        table: str | None = None,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[CellAuditEntry]:
        """Cell changes, newest commit first (a commit's in their order); ``since``
        inclusive, ``until`` exclusive, ``table`` the qualified name as recorded,
        ``text`` found in the key as displayed or the column name (any case)."""
        return list(self._iter_cells(since, until, table, text, limit))

    def _iter_cells(self, since, until, table, text, limit) -> Iterator[CellAuditEntry]:
        if not self.path.exists():
            return
        where, params = self._cell_where(since, until, table, text)
        sql = (
            "SELECT c.at, c.connection, c.table_name, ch.key_text, ch.key_values, ch.column_name, ch.old_values,"
            " ch.new_value, ch.rows, c.id, ch.stored_values"
            " FROM cell_commits c JOIN cell_changes ch ON ch.commit_id = c.id"
            + where
            + " ORDER BY c.at DESC, c.id DESC, ch.position"
            + (" LIMIT ?" if limit is not None else "")
        )
        if limit is not None:
            params.append(limit)
        with self._cells("read") as conn:
            found = conn.execute(sql, params).fetchall()
        for at, connection, table_name, key_text, key_values, column, old, new, rows, commit_id, stored in found:
            yield CellAuditEntry(
                at=datetime.fromtimestamp(at, timezone.utc),
                connection=connection,
                table=table_name,
                key_text=key_text,
                key=tuple(json.loads(key_values).items()),
                column=column,
                old=tuple(json.loads(old)),
                new=new,
                rows=rows,
                commit_id=commit_id,
                stored=tuple(json.loads(stored)) if stored is not None else (),
            )

    def cell_tables(self) -> list[str]:
        """The tables that have cell entries, by name."""
        if not self.path.exists():
            return []
        with self._cells("read") as conn:
            return [row[0] for row in conn.execute("SELECT DISTINCT table_name FROM cell_commits ORDER BY table_name")]

    def cell_commit_count(self) -> int:
        if not self.path.exists():
            return 0
        with self._cells("read") as conn:
            return int(conn.execute("SELECT count(*) FROM cell_commits").fetchone()[0])

    def export_cells(
        self,
        path: Path | str,
        since: datetime | None = None,
        until: datetime | None = None,
        table: str | None = None,
        text: str | None = None,
    ) -> int:
        """Every cell change the filter finds, as CSV (see :func:`export_cell_entries`);
        returns how many were written."""
        entries = self.cell_entries(since, until, table, text)
        export_cell_entries(entries, path)
        return len(entries)

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


# -- cell commits ------------------------------------------------------------------

CELL_CSV_HEADER = [
    "when",
    "connection",
    "table",
    "key",
    "key values",
    "column",
    "old values",
    "new value",
    "rows updated",
    "stored values",
]
NULL_TEXT = "NULL"
SHOWN_VALUES = 10  # old or stored values listed in a cell of the dialog; the tooltip and CSV hold all


@dataclass(frozen=True)
class CellAuditChange:
    """One committed cell change, every value as its codec's text (``None``: NULL)."""

    key_text: str  # as displayed: "id = 7" (several key columns joined by ", ")
    key: tuple[tuple[str, str], ...]  # (key column, its codec's text), in the key's order
    column: str
    old: tuple[str | None, ...]  # what every row with the key held, as confirmed in the review, sorted
    new: str | None
    rows: int  # rows updated
    # what the database stored instead of ``new`` (an UPDATE trigger), one per row
    # updated; () when every row holds ``new``
    stored: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class CellAuditEntry(CellAuditChange):
    """A :class:`CellAuditChange` as read back from the log, with its commit."""

    at: datetime = datetime.min.replace(tzinfo=timezone.utc)  # aware, UTC
    connection: str = ""
    table: str = ""
    commit_id: int = 0

    def local_time(self) -> str:
        return self.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")

    def old_text(self) -> str:
        return values_shown(self.old) if self.old else "(no rows)"

    def new_text(self) -> str:
        return NULL_TEXT if self.new is None else self.new

    def stored_text(self) -> str:
        return values_shown(self.stored)


def value_shown(text: str | None) -> str:
    """One value in a list of values: NULL as NULL, the empty string as ``''``."""
    if text is None:
        return NULL_TEXT
    return "''" if text == "" else text


def values_shown(texts: Sequence[str | None], limit: int = SHOWN_VALUES) -> str:
    shown = ", ".join(value_shown(t) for t in texts[:limit])
    return shown if len(texts) <= limit else f"{shown}, … ({len(texts):,} in all)"


def _shown(codec: Codec, value: object) -> str:
    """As the table shows it; never raises (SQLite lets a column hold any type)."""
    try:
        return codec.format(value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def _lossless(codec: Codec, value: object) -> str | None:
    try:
        return value_text(codec, value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)  # a SQLite value of another type than declared: its own text


def cell_audit_changes(
    key_columns: Sequence[str], codecs: Mapping[str, Codec], result, changes: Sequence[CellChange]
) -> list[CellAuditChange]:
    """The entries of one cell commit: ``changes`` as committed (their ``confirmed``
    values are what the rows held), ``result`` a ``CellCommitResult`` (rows written
    and, through ``stored`` / ``altered``, what a trigger stored instead)."""
    altered = {c.cell for c in getattr(result, "altered", ())}
    stored_by_cell = getattr(result, "stored", {}) or {}
    key_codecs = [codecs[name] for name in key_columns]
    entries = []
    for change in changes:
        codec = codecs[change.column]
        stored = stored_by_cell.get(change.cell)
        entries.append(
            CellAuditChange(
                key_text=", ".join(f"{name} = {_shown(c, v)}" for name, c, v in zip(key_columns, key_codecs, change.key)),
                key=tuple((name, _lossless(c, v)) for name, c, v in zip(key_columns, key_codecs, change.key)),
                column=change.column,
                old=tuple(_lossless(codec, v) for v in change.expected),
                new=_lossless(codec, change.new),
                rows=len(stored) if stored is not None else len(change.expected),
                stored=tuple(_lossless(codec, v) for v in stored) if stored is not None and change.cell in altered else (),
            )
        )
    return entries


# a field needing quotes: a separator, the quote, a line break, or blanks at an end
_NEEDS_QUOTES = re.compile(r'[,;\t|"\r\n]|^\s|\s$')


def csv_field(value: str | None) -> str:
    """One CSV field as PostgreSQL's ``COPY ... (FORMAT csv)`` writes it: NULL as
    nothing, the empty string as ``""``, a value quoted when it must be.  (Python
    3.11's ``csv`` writes both empty fields the same; ``QUOTE_NOTNULL`` is 3.12's.)"""
    if value is None:
        return ""
    if value == "" or _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def export_cell_entries(entries: Sequence[CellAuditEntry], path: Path | str) -> None:
    """Write ``entries`` as CSV with a header (:data:`CELL_CSV_HEADER`).

    ``when`` is local time with its UTC offset; ``key values``, ``old values`` and
    ``stored values`` are JSON (``null`` for NULL; ``stored values`` is empty when
    every row holds the new value); ``new value`` is empty for NULL and ``""`` for
    the empty string, as ``COPY ... CSV`` writes them.  Written under a temporary
    name and renamed when complete, so a failed export leaves no half file;
    raises :class:`StorageFailed` when the file cannot be written."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(map(csv_field, CELL_CSV_HEADER)) + "\n")
            for e in entries:
                fields = [
                    e.at.astimezone().isoformat(sep=" ", timespec="seconds"),
                    e.connection,
                    e.table,
                    e.key_text,
                    json.dumps(dict(e.key), ensure_ascii=False),
                    e.column,
                    json.dumps(list(e.old), ensure_ascii=False),
                    e.new,
                    str(e.rows),
                    json.dumps(list(e.stored), ensure_ascii=False) if e.stored else None,
                ]
                handle.write(",".join(map(csv_field, fields)) + "\n")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageFailed(f"Cannot write {path}: {error.strerror or error}.") from error


def _casefold(text: object) -> object:
    return text.casefold() if isinstance(text, str) else text
