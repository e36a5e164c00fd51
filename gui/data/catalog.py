"""What PostgreSQL's catalog says about the edited table: the few facts that decide
how it is read and written (an index on the key, an upper bound of its rows, the
distribution of its keys and values)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, TextClause, text

from .config import TableSpec

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
