"""What PostgreSQL's catalog says about the edited table: the few facts that decide
how it is read and written (an index on the key, an upper bound of its rows, the
distribution of its keys and values)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, TextClause, text

from .config import TableSpec
from .connection import live_identity
from .errors import user_errors

# The smallest heap tuple is a 24-byte header and a 4-byte line pointer, so a table
# of N bytes on disk holds at most N / 28 rows, statistics or not.
_MIN_TUPLE_BYTES = 28


def _table_name_sql(spec: TableSpec) -> str:
    return "quote_ident(:table)" if spec.schema is None else "quote_ident(:schema) || '.' || quote_ident(:table)"


def _bound(spec: TableSpec, sql: str) -> TextClause:
    """``sql`` with the table's names bound as values (``:table``, ``:schema``,
    ``:key``, ``:value``): identifiers never pasted into the SQL."""
    names = {"table": spec.table, "schema": spec.schema, "key": spec.key, "value": spec.value}
    return text(sql).bindparams(**{name: value for name, value in names.items() if f":{name}" in sql})


def key_index_exists_sql(spec: TableSpec) -> str:
    """An SQL condition: a plain B-tree index leads with the key column.

    Such an index returns rows in ``(x, y)`` order (or ``x`` order, then a small
    sort of each run) and finds the rows of one ``x`` without reading the table.
    """
    return f"""EXISTS (
        SELECT 1 FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = to_regclass({_table_name_sql(spec)})
          AND i.indpred IS NULL AND i.indexprs IS NULL
          AND a.attname = :key
    )"""


def has_key_index(conn: Connection, spec: TableSpec) -> bool:
    """Whether an index can return rows in ``(x, y)`` order without sorting the table
    (always true on SQLite, whose demo table has one)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.execute(_bound(spec, f"SELECT {key_index_exists_sql(spec)}")).scalar_one())


def max_rows(conn: Connection, spec: TableSpec) -> int:
    """An upper bound of the table's rows from its size on disk (needs no statistics)."""
    sql = _bound(spec, f"SELECT coalesce(pg_relation_size(to_regclass({_table_name_sql(spec)})), 0)")
    return int(conn.execute(sql).scalar_one()) // _MIN_TUPLE_BYTES


def lookups_by_key_sql(spec: TableSpec) -> TextClause:
    """For the rest of the transaction, plan joins on the key as index lookups, when
    an index on the key exists; returns a row if it did.

    A commit joins its N keys to the table.  On a default configuration the planner
    prices each index lookup as a random read from disk and, for a few thousand keys
    in a table of a million rows, chooses to read the whole table into a hash (or to
    walk the whole index for a merge join) instead: measured here, 260 ms against
    80 ms for the lookups, whose pages a working server has in memory.  Without an
    index the settings are left alone: a nested loop would then scan the table once
    per key, and the hash join is right.  ``set_config(..., true)`` is ``SET LOCAL``:
    it ends with the transaction.
    """
    return _bound(
        spec,
        "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"
        f" WHERE {key_index_exists_sql(spec)}",
    )


@dataclass(frozen=True)
class ColumnStats:
    """What ANALYZE recorded about the table: its rows, and the histogram bounds of
    the key and value columns (each bucket between two bounds holds about the same
    share of the rows that are not among the most common values)."""

    rows: float
    key_bounds: np.ndarray | None
    value_bounds: np.ndarray | None


def column_stats(conn: Connection, spec: TableSpec) -> ColumnStats | None:
    """``None`` when the table was never analyzed (or ``pg_stats`` is not readable)."""
    histogram = (
        "(SELECT s.histogram_bounds::text FROM pg_stats s"
        " WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = :{})"
    )
    sql = _bound(
        spec,
        f"SELECT c.reltuples, {histogram.format('key')}, {histogram.format('value')}"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE c.oid = to_regclass({_table_name_sql(spec)})",
    )
    row = conn.execute(sql).first()
    if row is None or row[0] is None or row[0] <= 0:
        return None
    return ColumnStats(float(row[0]), _bounds(row[1]), _bounds(row[2]))


def _bounds(array_text: str | None) -> np.ndarray | None:
    """``'{1,5,9}'`` (an integer column's histogram_bounds as text) as an array."""
    if not array_text or len(array_text) < 3:
        return None
    try:
        bounds = np.array(array_text.strip("{}").split(","), dtype=np.float64)
    except ValueError:
        return None  # not integers after all: no histogram to go by
    return bounds if len(bounds) >= 2 and bool(np.all(np.diff(bounds) >= 0)) else None


STANDBY_REASON = "This server is a read-only standby: you can browse the rows, but not change them here."
READ_ONLY_ROLE_REASON = (
    "Your transactions are read-only on this server (default_transaction_read_only is on for your role, "
    "your database or your connection options): you can browse the rows, but not change them."
)
CHOSEN_READ_ONLY_REASON = "Opened read-only: browsing only, no edits."


def not_a_table_reason(spec: TableSpec, relkind: str) -> str:
    kind = {"v": "a view", "m": "a materialized view", "f": "a foreign table"}.get(relkind, "not a table")
    return (
        f"{spec.qualified_name} is {kind}: you can browse its rows, but this version of the editor changes "
        f"rows only in tables (it finds each row by where a table stores it, which {kind} does not have)."
    )


def no_update_reason(spec: TableSpec) -> str:
    return f"Your role may read this table but not change it (it has no UPDATE privilege on {spec.value})."


@dataclass(frozen=True)
class Writability:
    """Whether this connection may change the table, asked of the server when it is
    opened; ``reason`` says in words why not (``None``: it may)."""

    reason: str | None = None

    @property
    def writable(self) -> bool:
        return self.reason is None


def writability(conn: Connection, spec: TableSpec, chosen_read_only: bool = False) -> Writability:
    """Ask the server whether edits could be committed: a standby
    (``pg_is_in_recovery()``), transactions read-only by default for the role or
    database (``default_transaction_read_only``), or a role without UPDATE on the
    edited column (``has_column_privilege``, which counts table-level grants too).

    ``default_transaction_read_only`` rather than ``transaction_read_only``: the
    latter is also on when the user chose read-only (every transaction then begins
    with ``SET TRANSACTION READ ONLY``), which is the user's choice, not the server's.
    A table that does not exist is reported by its first page, not here.
    """
    if chosen_read_only:
        return Writability(CHOSEN_READ_ONLY_REASON)
    if conn.dialect.name != "postgresql":
        return Writability()
    sql = _bound(
        spec,
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on',"
        f" has_column_privilege(c.oid, a.attnum, 'UPDATE'), r.relkind"
        f" FROM (SELECT to_regclass({_table_name_sql(spec)}) AS oid) c"
        " LEFT JOIN pg_class r ON r.oid = c.oid"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = :value AND NOT a.attisdropped",
    )
    standby, read_only, may_update, relkind = conn.execute(sql).one()
    if standby:
        return Writability(STANDBY_REASON)
    if read_only:
        return Writability(READ_ONLY_ROLE_REASON)
    if relkind is not None and relkind not in ("r", "p"):
        return Writability(not_a_table_reason(spec, relkind))
    if may_update is False:
        return Writability(no_update_reason(spec))
    return Writability()


def server_writability(conn: Connection, chosen_read_only: bool = False) -> Writability:
    """What the connection itself allows, whatever the relation: the user's choice, a
    standby, or transactions read-only by default (see :func:`writability`).  What a
    relation allows (its kind, privileges per column, a key) is in its schema."""
    if chosen_read_only:
        return Writability(CHOSEN_READ_ONLY_REASON)
    if conn.dialect.name != "postgresql":
        return Writability()
    standby, read_only = conn.execute(
        text("SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'")
    ).one()
    if standby:
        return Writability(STANDBY_REASON)
    if read_only:
        return Writability(READ_ONLY_ROLE_REASON)
    return Writability()


@dataclass(frozen=True)
class ConnectionFacts:
    """What the live connection says about itself: whether edits could be committed,
    and where it really is (see :func:`~gui.data.connection.live_identity`)."""

    writability: Writability
    identity: dict


def inspect_connection(engine, spec: TableSpec, settings) -> ConnectionFacts:
    """:func:`writability` and the live identity, on one connection of its own;
    raises a :class:`UserError`."""
    with user_errors(), engine.connect() as conn:
        identity = live_identity(conn, settings)
        allowed = writability(conn, spec, settings.read_only)
    return ConnectionFacts(allowed, identity)

