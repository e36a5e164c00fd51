"""Browsing: the threshold query, fetched in pages into compact column storage.

Paging strategy (defended here because it decides what users feel):

* **Keyset pages on (x, y)** when an index leads with ``x`` (and always on SQLite,
  whose demo table has one).  Each page is an index range scan
  ``WHERE y > :t AND (x, y) >= (:last_x, :last_y) ORDER BY x, y LIMIT :n OFFSET :run``,
  so the first screen costs one small query whatever the table's size, a "go to x"
  is the same query started at ``x >= :x``, and no transaction stays open between
  pages.  The table has no key and repeats rows: ``OFFSET :run`` skips the rows of
  the last, possibly unfinished, run of identical ``(x, y)`` already loaded, so a
  page boundary inside such a run neither drops nor repeats a row (the offset is
  bounded by the length of one run, not by the position in the table).
* **One sorted pass through a WITH HOLD cursor** when no index can give that order
  (PostgreSQL only).  Keyset pages would then re-sort the whole table per page.  The
  cursor sorts once; its first page is read inside the transaction, after which the
  transaction is committed (PostgreSQL materialises the held cursor) so nothing sits
  idle in a transaction while the user reads; later pages are ``FETCH`` on that one
  dedicated connection, outside any transaction.

Rows are read through the DBAPI cursor (statements are still built by SQLAlchemy
with bound parameters): SQLAlchemy's Row objects would double the cost of a full
load, and the rows go straight into NumPy arrays (16 bytes a row).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import psycopg2
from sqlalchemy import Connection, Engine, func, select, text, tuple_

from .config import TableSpec
from .connection import CancelToken
from .errors import user_errors

EMPTY = np.empty(0, dtype=np.int64)


def browse_query(spec: TableSpec, threshold: int):
    """``SELECT x, y FROM some_table WHERE y > :y ORDER BY x, y`` with the threshold bound.

    Rows whose key is NULL cannot be addressed by ``WHERE x = :x``, so they are not
    listed (and not counted).
    """
    x, y = spec.key_col, spec.value_col
    return select(x, y).where(y > threshold, x.is_not(None)).order_by(x, y)


def count_query(spec: TableSpec, threshold: int):
    x, y = spec.key_col, spec.value_col
    return select(func.count()).select_from(spec.sa_table).where(y > threshold, x.is_not(None))


def count_rows(engine: Engine, spec: TableSpec, threshold: int, cancel: CancelToken | None = None) -> int:
    with user_errors(), engine.connect() as conn:
        if cancel is not None:
            cancel.attach(conn)
        return int(conn.execute(count_query(spec, threshold)).scalar_one())


def _compile(dialect, stmt) -> tuple[str, object]:
    """SQL text and DBAPI parameters of a SQLAlchemy statement (values stay bound)."""
    compiled = stmt.compile(dialect=dialect)
    params = compiled.params
    if compiled.positional:
        return str(compiled), tuple(params[name] for name in compiled.positiontup)
    return str(compiled), params


def _to_arrays(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    n = len(rows)
    if n == 0:
        return EMPTY, EMPTY
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * n)
    pairs = flat.reshape(n, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def fetch_raw(conn: Connection, stmt) -> list[tuple]:
    """Run a SQLAlchemy statement through the DBAPI cursor and return plain tuples."""
    sql, params = _compile(conn.dialect, stmt)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def has_order_index(conn: Connection, spec: TableSpec) -> bool:
    """Whether an index can return rows in ``(x, y)`` order without sorting the table."""
    if conn.dialect.name != "postgresql":
        return True
    name = "quote_ident(:table)" if spec.schema is None else "quote_ident(:schema) || '.' || quote_ident(:table)"
    sql = text(
        f"""
        SELECT EXISTS (
            SELECT 1 FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = to_regclass({name})
              AND i.indpred IS NULL AND i.indexprs IS NULL
              AND a.attname = :key
        )
        """
    )
    params = {"table": spec.table, "key": spec.key}
    if spec.schema is not None:
        params["schema"] = spec.schema
    return bool(conn.execute(sql, params).scalar_one())


@dataclass
class KeysetCursor:
    """Where the next keyset page starts: after ``run`` rows equal to ``last``."""

    start_key: int | None = None
    last: tuple[int, int] | None = None
    run: int = 0

    def page_query(self, spec: TableSpec, threshold: int, limit: int):
        x, y = spec.key_col, spec.value_col
        stmt = browse_query(spec, threshold)
        if self.last is not None:
            stmt = stmt.where(tuple_(x, y) >= tuple_(*self.last)).offset(self.run)
        elif self.start_key is not None:
            stmt = stmt.where(x >= self.start_key)
        return stmt.limit(limit)

    def advance(self, xs: np.ndarray, ys: np.ndarray) -> None:
        if len(xs) == 0:
            return
        last = (int(xs[-1]), int(ys[-1]))
        same = (xs == last[0]) & (ys == last[1])
        # length of the trailing run of rows equal to the page's last row
        trailing = len(same) - int(np.flatnonzero(~same)[-1]) - 1 if not same.all() else len(same)
        if trailing == len(xs) and last == self.last:
            self.run += trailing
        else:
            self.run = trailing
        self.last = last


class RowSource:
    """Pages of the browse query, for one threshold (and optional start key).

    ``fetch`` runs on a worker thread; one call at a time.
    """

    def __init__(self, engine: Engine, spec: TableSpec, threshold: int, start_key: int | None = None):
        self.engine = engine
        self.spec = spec
        self.threshold = threshold
        self.start_key = start_key
        self.exhausted = False
        self._keyset = KeysetCursor(start_key=start_key)
        self._strategy: str | None = None  # "keyset" or "held"
        self._held_raw = None
        self._held_cursor = None

    def count(self, cancel: CancelToken | None = None) -> int:
        """Rows of the whole result (ignoring the start key), counted on its own connection."""
        return count_rows(self.engine, self.spec, self.threshold, cancel)

    @property
    def strategy(self) -> str | None:
        return self._strategy

    def fetch(self, limit: int, cancel: CancelToken | None = None) -> tuple[np.ndarray, np.ndarray]:
        if self.exhausted:
            return EMPTY, EMPTY
        with user_errors():
            if self._strategy == "held":
                xs, ys = self._fetch_held(limit)
            else:
                xs, ys = self._fetch_first_or_keyset(limit, cancel)
        if len(xs) < limit:
            self.exhausted = True
            self.close()
        return xs, ys

    def _fetch_first_or_keyset(self, limit: int, cancel: CancelToken | None):
        with self.engine.connect() as conn:
            if cancel is not None:
                cancel.attach(conn)
            if self._strategy is None:
                use_keyset = self.start_key is not None or has_order_index(conn, self.spec)
                if not use_keyset:
                    conn.rollback()
                    return self._open_held(limit)
                self._strategy = "keyset"
            xs, ys = _to_arrays(fetch_raw(conn, self._keyset.page_query(self.spec, self.threshold, limit)))
            conn.rollback()  # reads only: end the transaction before the user reads
        self._keyset.advance(xs, ys)
        return xs, ys

    def _open_held(self, limit: int):
        self._strategy = "held"
        raw = self.engine.raw_connection()
        # this connection belongs to the cursor until it is closed; it never returns to the pool
        raw.detach()
        self._held_raw = raw
        try:
            sql, params = _compile(self.engine.dialect, browse_query(self.spec, self.threshold))
            cursor = raw.dbapi_connection.cursor(name="table_editor_rows", withhold=True)
            self._held_cursor = cursor
            cursor.execute(sql, params)
            rows = cursor.fetchmany(limit)
            raw.dbapi_connection.commit()  # the result is materialised; no transaction is left open
            raw.dbapi_connection.autocommit = True  # later FETCHes must not open one either
        except BaseException:
            self.close()
            raise
        return _to_arrays(rows)

    def _fetch_held(self, limit: int):
        return _to_arrays(self._held_cursor.fetchmany(limit))

    def close(self) -> None:
        """Release the held cursor's connection, if any (safe to call twice)."""
        cursor, raw = self._held_cursor, self._held_raw
        self._held_cursor = self._held_raw = None
        if raw is not None:
            try:
                if cursor is not None and not raw.dbapi_connection.closed:
                    cursor.close()
            except psycopg2.Error:
                pass  # the server went away: closing the connection below frees everything
            finally:
                raw.close()

