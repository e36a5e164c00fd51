"""Browsing: the threshold query, fetched in pages into compact column storage.

Paging strategy (defended here because it decides what users feel):

* **Keyset pages on (x, y)** when an index leads with ``x`` (and always on SQLite,
  whose demo table has one).  Each page is an index range scan
  ``WHERE y > :t AND (x, y) >= (:last_x, :last_y) ORDER BY x, y LIMIT :n OFFSET :run``,
  so the first screen costs one small query whatever the table's size, a "go to x"
  is the same query started at ``x >= :x``, and no transaction stays open between
  pages (pages are read in autocommit: one statement, no BEGIN/ROLLBACK round trips).
  The table has no key and repeats rows: ``OFFSET :run`` skips the rows of
  the last, possibly unfinished, run of identical ``(x, y)`` already loaded, so a
  page boundary inside such a run neither drops nor repeats a row (the offset is
  bounded by the length of one run, not by the position in the table).
* **One sorted pass, held on the client** when no index can give that order
  (PostgreSQL only).  Keyset pages would then re-sort the whole table per page.  The
  one sort is unavoidable before the first row (``ORDER BY`` needs every row), so its
  whole result is shipped at once in the packed form below (8 bytes a row for
  ``integer`` columns, less than the rows' own wire format) and held in client
  memory; pages are slices of it.  A table that could hold more rows than the memory
  budget (:data:`PASS_MAX_ROWS`, judged from its size on disk, so a table bloated by
  a large DELETE counts as big) streams the same sorted result through binary
  ``COPY`` into an unnamed file in the user's cache folder, memory-mapped and paged
  from there (see :class:`HeldRows`).  Either way nothing stays on the server
  between pages: no cursor, no transaction, no named object.

Where the rows start, and the rows before.  A source starts at the first row, at
the first row with ``x >= start_key`` ("go to x"), or at a row ``(x, y)`` the user
was on (``anchor``: a reload keeps the user's place; where the threshold no longer
shows that row, it starts at ``start_key`` instead).  :meth:`RowSource.fetch_before`
reads the rows before that start, nearest first: ``WHERE (x, y) <= (:x, :y) ORDER BY
x DESC, y DESC LIMIT :n OFFSET :run``, the index read backwards, the run of
identical rows counted from the other end; without an index, the rows before the
start are one more sorted pass, held as the rows after it are, and taken from its
end.  :meth:`RowSource.count_before` counts them (the first loaded row's position
in the whole result).

Parallel ranges.  A page of :data:`PARALLEL_MIN_ROWS` or more on PostgreSQL (what
"load everything" asks for) is bound by the server producing a sorted result on one
core, not by the network: it is read as :data:`PARALLEL_PARTS` consecutive key ranges,
split where the table's statistics put equal shares, each on its own pooled
connection at the same time (:meth:`RowSource._fetch_parts`).  The unindexed sorted
pass is split the same way, each range sorting only its own rows.  The split only
balances the work; the rows are exact whatever the statistics say.  Each range, like
each keyset page, is its own statement with its own snapshot: a row another client
moves across a range boundary while the ranges are read can be missed or seen twice,
as it can between two pages.

Transport.  Small pages are read through the DBAPI cursor as rows (statements are
still built by SQLAlchemy with bound parameters): SQLAlchemy's Row objects would
double the cost, and the rows go straight into NumPy arrays.  Big pages on
PostgreSQL (:data:`BULK_MIN_ROWS` and up) would spend most of their time turning
every row into Python objects, so they are packed by the server into one value,
``string_agg(int4send(x) || int4send(y))`` over the page's query, sent by binary
``COPY`` and read with one ``np.frombuffer`` (see :func:`copy_packed`).

Columns are ``int32`` when the spec's range is PostgreSQL's ``integer`` (8 bytes a
row for both columns), else ``int64``.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import BigInteger, Connection, Engine, Integer, LargeBinary, cast, func, literal, select, tuple_

from .catalog import ColumnStats, column_stats, has_key_index, max_rows
from .config import INT32_MAX, INT32_MIN, TableSpec
from .connection import CancelToken, attached, needs_transaction
from .errors import QueryFailed, StorageFailed, retry_once_if_disconnected, user_errors
from .transport import sql_and_parameters

EMPTY = np.empty(0, dtype=np.int64)

# Pages at least this long come through binary COPY on PostgreSQL.  Below it a row
# fetch is as fast and the first screen keeps the plainest possible path.
BULK_MIN_ROWS = 10_000
# The memory budget of an unindexed result: when its table could hold more rows than
# this, its one sorted pass is spilled to a file in the user's cache folder (18 or 26
# bytes a row on disk) rather than held in memory (8 or 16 bytes a row).
PASS_MAX_ROWS = 20_000_000
# Pages at least this long on PostgreSQL are read as PARALLEL_PARTS key ranges at
# once (see RowSource._fetch_parts); a "load everything" page is, a scroll page is not.
PARALLEL_MIN_ROWS = 200_000
PARALLEL_PARTS = 2

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


@dataclass(frozen=True)
class Split:
    """Key ranges for one page: ``[cursor, bounds[0])``, ``[bounds[0], bounds[1])`` ...
    ``[bounds[-1], end)``; ``end`` is ``None`` when the page should reach the end."""

    bounds: tuple[int, ...]
    end: int | None


def split_keys(stats: ColumnStats | None, threshold: int, after: int | None, limit: int, parts: int) -> Split | None:
    """Keys that divide the next ``limit`` rows after key ``after`` into ``parts``
    shares of about equal size, judged from the table's statistics; ``None`` when
    there are none, or when the page is too small to be worth splitting.

    The estimate only balances the work: any bounds give the right rows (each range
    is capped at ``limit`` and a short page is simply followed by the next).
    """
    if stats is None or stats.key_bounds is None or parts < 2:
        return None
    bounds = stats.key_bounds
    share = np.linspace(0.0, 1.0, len(bounds))
    passing = 1.0  # share of rows whose value is above the threshold
    if stats.value_bounds is not None:
        passing = 1.0 - float(np.interp(threshold, stats.value_bounds, np.linspace(0.0, 1.0, len(stats.value_bounds))))
    rows = stats.rows * max(passing, 1e-3)
    start = 0.0 if after is None else float(np.interp(after, bounds, share))
    remaining = rows * (1.0 - start)
    page = min(float(limit), remaining)
    if page < PARALLEL_MIN_ROWS:
        return None

    def key_at(position: float) -> int:
        return int(np.ceil(np.interp(min(position, 1.0), share, bounds)))

    # a range must start above the last, and above the cursor (or the smallest key)
    lowest = bounds[0] if after is None else max(after, bounds[0])
    keys: list[int] = []
    for i in range(1, parts):
        key = key_at(start + page * i / parts / rows)
        if key > (keys[-1] if keys else lowest):
            keys.append(key)
    if not keys:
        return None
    end = None
    if remaining > limit:
        end = key_at(start + page / rows)
        if end <= keys[-1]:
            return None
    return Split(tuple(keys), end)


def column_dtype(spec: TableSpec) -> np.dtype:
    """``int32`` when the spec's values are PostgreSQL ``integer``, else ``int64``."""
    fits = INT32_MIN <= spec.min_value and spec.max_value <= INT32_MAX
    return np.dtype(np.int32 if fits else np.int64)


def empty_columns(spec: TableSpec) -> tuple[np.ndarray, np.ndarray]:
    dtype = column_dtype(spec)
    return np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)


def browse_query(spec: TableSpec, threshold: int):
    """``SELECT x, y FROM some_table WHERE y > :y ORDER BY x, y`` with the threshold bound.

    Rows whose key is NULL cannot be addressed by ``WHERE x = :x``, so they are not
    listed (and not counted).
    """
    x, y = spec.key_col, spec.value_col
    return select(x, y).where(y > threshold, x.is_not(None)).order_by(x, y)


def result_query(spec: TableSpec, threshold: int, start_key: int | None = None):
    """The browse query from ``x >= start_key`` on (all of it without a start key)."""
    stmt = browse_query(spec, threshold)
    return stmt if start_key is None else stmt.where(spec.key_col >= start_key)


def at_or_after(spec: TableSpec, start: tuple[int, ...]):
    """``x >= :x`` for a start key, ``(x, y) >= (:x, :y)`` for a start row."""
    x, y = spec.key_col, spec.value_col
    return x >= start[0] if len(start) == 1 else tuple_(x, y) >= tuple_(*start)


def before(spec: TableSpec, start: tuple[int, ...]):
    """The rows strictly before :func:`at_or_after`'s."""
    x, y = spec.key_col, spec.value_col
    return x < start[0] if len(start) == 1 else tuple_(x, y) < tuple_(*start)


def count_query(spec: TableSpec, threshold: int):
    x, y = spec.key_col, spec.value_col
    return select(func.count()).select_from(spec.sa_table).where(y > threshold, x.is_not(None))


def count_rows(engine: Engine, spec: TableSpec, threshold: int, cancel: CancelToken | None = None) -> int:
    """Rows above ``threshold``; counted again on a fresh connection if the server
    closed the first one."""

    def count() -> int:
        with engine.connect() as conn, attached(cancel, conn):
            return int(conn.execute(count_query(spec, threshold)).scalar_one())

    with user_errors():
        return retry_once_if_disconnected(count, cancel)


def _to_arrays(rows: list[tuple], dtype: np.dtype = np.dtype(np.int64)) -> tuple[np.ndarray, np.ndarray]:
    n = len(rows)
    if n == 0:
        return np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)
    try:
        flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=dtype, count=2 * n)
    except OverflowError:
        raise _out_of_range(dtype) from None
    pairs = flat.reshape(n, 2)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _out_of_range(dtype: np.dtype) -> QueryFailed:
    return QueryFailed(f"The table holds values outside the range the editor expects for its columns ({dtype} integers).")


def fetch_raw(conn: Connection, stmt) -> list[tuple]:
    """Run a SQLAlchemy statement through the DBAPI cursor and return plain tuples."""
    sql, params = sql_and_parameters(conn.dialect, stmt)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


class _Chunks(list):
    """A write-only "file" for ``copy_expert``: keeps each chunk as it arrives."""

    write = list.append


def packed_query(spec: TableSpec, stmt):
    """One row, one ``bytea``: every row of ``stmt`` as big-endian ``x, y`` pairs, in order.

    ``int4send``/``int8send`` are the server's own binary output functions.  An
    aggregate over a sorted subquery consumes its rows in the subquery's order in
    practice, but SQL does not promise it, so :func:`copy_packed` checks the order
    and sorts if it ever differs (the page's *set* of rows is fixed by the
    subquery's ``ORDER BY ... LIMIT``, and identical rows are interchangeable).
    """
    page = stmt.subquery("page")
    wide = column_dtype(spec).itemsize == 8
    send, as_type = (func.int8send, BigInteger) if wide else (func.int4send, Integer)
    pair = send(cast(page.c[spec.key], as_type)).op("||")(send(cast(page.c[spec.value], as_type)))
    return select(func.string_agg(pair, literal(b"", LargeBinary)))


def copy_packed(conn: Connection, spec: TableSpec, stmt) -> tuple[np.ndarray, np.ndarray]:
    """All rows of ``stmt`` through one binary ``COPY`` of :func:`packed_query` (PostgreSQL)."""
    sql, params = sql_and_parameters(conn.dialect, packed_query(spec, stmt))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        # COPY takes no bind parameters (it is a utility statement), so the query is
        # rendered with mogrify.  That is not formatting values into SQL by hand:
        # psycopg2 never binds on the server, it renders every execute() exactly this
        # way, with its own quoting (the values here are the integers of the
        # threshold, keys and LIMIT/OFFSET); identifiers are quoted by SQLAlchemy.
        query = cursor.mogrify(sql, params)
        chunks = _Chunks()
        cursor.copy_expert(b"COPY (" + query + b") TO STDOUT (FORMAT binary)", chunks)
    finally:
        cursor.close()
    return _unpack(b"".join(chunks), column_dtype(spec))


def _unpack(buf: bytes, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Parse the binary COPY of one ``bytea`` column (header, one tuple, trailer)."""
    if not buf.startswith(_COPY_SIGNATURE) or len(buf) < 23:
        raise RuntimeError("unexpected COPY output: not PostgreSQL's binary format")
    pos = 19 + int.from_bytes(buf[15:19], "big")  # skip the header extension
    fields = int.from_bytes(buf[pos : pos + 2], "big", signed=True)
    length = int.from_bytes(buf[pos + 2 : pos + 6], "big", signed=True)
    if fields != 1:
        raise RuntimeError(f"unexpected COPY output: {fields} fields")
    if length < 0:  # string_agg over no rows is NULL
        return np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)
    pairs = np.frombuffer(buf, dtype=dtype.newbyteorder(">"), count=length // dtype.itemsize, offset=pos + 6)
    pairs = pairs.reshape(-1, 2)
    xs, ys = pairs[:, 0].astype(dtype), pairs[:, 1].astype(dtype)
    if not _in_order(xs, ys):
        order = np.lexsort((ys, xs))
        xs, ys = xs[order], ys[order]
    return xs, ys


def _in_order(xs: np.ndarray, ys: np.ndarray) -> bool:
    """Whether the pairs are sorted by ``(x, y)``."""
    if len(xs) < 2:
        return True
    x0, x1, y0, y1 = xs[:-1], xs[1:], ys[:-1], ys[1:]
    return bool(np.all((x1 > x0) | ((x1 == x0) & (y1 >= y0))))


@dataclass
class KeysetCursor:
    """Where the next keyset page starts: after ``run`` rows equal to ``last``."""

    start_key: int | None = None
    last: tuple[int, int] | None = None
    run: int = 0
    start_value: int | None = None  # with start_key: from the row (start_key, start_value) on

    def page_query(self, spec: TableSpec, threshold: int, limit: int, before: int | None = None):
        """The next ``limit`` rows (of those with key below ``before``, if given)."""
        x, y = spec.key_col, spec.value_col
        stmt = browse_query(spec, threshold)
        if self.last is not None:
            stmt = stmt.where(tuple_(x, y) >= tuple_(*self.last)).offset(self.run)
        elif self.start_key is not None:
            start = (self.start_key,) if self.start_value is None else (self.start_key, self.start_value)
            stmt = stmt.where(at_or_after(spec, start))
        if before is not None:
            stmt = stmt.where(x < before)
        return stmt.limit(limit)

    @property
    def key(self) -> int | None:
        """The smallest key the next page can hold (``None``: from the first)."""
        return self.last[0] if self.last is not None else self.start_key

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


@dataclass
class BackCursor:
    """Where the next page before the start begins, going back: before the start
    (``start``, a key or a row), then before ``first`` and the ``run`` loaded rows
    equal to it (counted from the start's side, as :class:`KeysetCursor` counts
    from the other)."""

    start: tuple[int, ...]
    first: tuple[int, int] | None = None
    run: int = 0

    def page_query(self, spec: TableSpec, threshold: int, limit: int):
        """The ``limit`` rows just before, nearest first (the index read backwards)."""
        x, y = spec.key_col, spec.value_col
        stmt = select(x, y).where(y > threshold, x.is_not(None)).order_by(x.desc(), y.desc())
        if self.first is None:
            stmt = stmt.where(before(spec, self.start))
        else:
            stmt = stmt.where(tuple_(x, y) <= tuple_(*self.first)).offset(self.run)
        return stmt.limit(limit)

    def retreat(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Move before a page (in ascending order) just read."""
        if len(xs) == 0:
            return
        first = (int(xs[0]), int(ys[0]))
        same = (xs == first[0]) & (ys == first[1])
        leading = int(np.flatnonzero(~same)[0]) if not same.all() else len(same)
        if leading == len(xs) and first == self.first:
            self.run += leading
        else:
            self.run = leading
        self.first = first


@contextmanager
def _page_reads(conn: Connection) -> Iterator[None]:
    """Run the reads of one page in autocommit when nothing asks for a transaction:
    each is a single statement, so a transaction would only add BEGIN and ROLLBACK
    round trips (and could be left open).

    When the user's options need one (read-only, a statement timeout: PostgreSQL
    scopes both to a transaction, and a pooler allows nothing longer), the block is
    one transaction begun through SQLAlchemy, so that the engine's ``begin`` hook
    sets them before the first statement, whether that statement then goes through
    SQLAlchemy or straight through the DBAPI cursor.

    The DBAPI flag is switched directly rather than through SQLAlchemy's
    ``isolation_level="AUTOCOMMIT"``: psycopg2 answers that (and its reset when the
    connection returns to the pool) with a ``SET default_transaction_isolation``
    round trip each, which would cost exactly what autocommit saves.
    """
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name != "postgresql" or dbapi.autocommit:
        yield
        return
    if needs_transaction(conn):
        conn.begin()
        try:
            yield
        finally:
            if conn.in_transaction() and not dbapi.closed:
                conn.rollback()  # reads only: nothing to keep
        return
    conn.rollback()  # nothing is open yet; makes sure psycopg2 accepts the switch
    dbapi.autocommit = True
    try:
        yield
    finally:
        if not dbapi.closed:
            dbapi.autocommit = False


class RowSource:
    """Pages of the browse query, for one threshold (and optional start key).

    ``fetch`` runs on a worker thread; one call at a time.  Pages are ``int32``
    columns for ``integer`` specs (see :func:`column_dtype`).
    """

    def __init__(
        self,
        engine: Engine,
        spec: TableSpec,
        threshold: int,
        start_key: int | None = None,
        spill_dir: Path | None = None,
        anchor: tuple[int, int] | None = None,
    ):
        self.engine = engine
        self.spec = spec
        self.threshold = threshold
        self.start_key = start_key
        self.spill_dir = spill_dir if spill_dir is not None else user_cache_dir()
        self.exhausted = False
        self.dtype = column_dtype(spec)
        self._keyset = KeysetCursor(start_key=start_key)
        self._strategy: str | None = None  # "keyset" or "held"
        # one sorted pass, held here: in memory, or memory-mapped from spill files
        self._held: HeldRows | None = None
        # the start: a key or a row (None: the first row); the anchor row is looked for first
        self._anchor = anchor
        self.anchor_found: bool | None = None
        self._start: tuple[int, ...] | None = None if start_key is None else (start_key,)
        self._before = None if self._start is None else BackCursor(self._start)
        self._held_before: HeldRows | None = None  # the rows before the start, without an index
        self._closed = False

    def count(self, cancel: CancelToken | None = None) -> int:
        """Rows of the whole result (ignoring the start key), counted on its own connection."""
        return count_rows(self.engine, self.spec, self.threshold, cancel)

    # -- the start, and the rows before it --------------------------------------------
    @property
    def at_start(self) -> bool:
        """No row of the result comes before the first one fetched."""
        return self._anchor is None and self._before is None

    def _locate(self, conn: Connection) -> None:
        """Start at the anchor row if the threshold still shows it, else at ``start_key``."""
        x, y = self.spec.key_col, self.spec.value_col
        ax, ay = self._anchor
        found = conn.execute(select(x).where(x == ax, y == ay, y > self.threshold).limit(1)).first() is not None
        self._anchor = None
        self.anchor_found = found
        if found:
            self._start = (ax, ay)
            self._keyset = KeysetCursor(start_key=ax, start_value=ay)
            self._before = BackCursor(self._start)

    def fetch_before(self, limit: int, cancel: CancelToken | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``limit`` rows just before the first one fetched so far, in order
        (fewer at the result's start: then :attr:`at_start` is set); each call moves
        further back.  Read again on a fresh connection, like :meth:`fetch`, when the
        server closed the first."""
        if self._closed or self.at_start:
            return empty_columns(self.spec)
        with user_errors():
            xs, ys = retry_once_if_disconnected(lambda: self._fetch_before(limit, cancel), cancel)
        if len(xs) < limit:
            self._before = None
            held, self._held_before = self._held_before, None
            if held is not None:
                held.close()
        return xs, ys

    def _fetch_before(self, limit: int, cancel: CancelToken | None):
        if self._held_before is not None:
            return self._held_before.take_last(limit, self.dtype)
        with self.engine.connect() as conn, _page_reads(conn), attached(cancel, conn):
            if self._anchor is not None:
                self._locate(conn)
                if self._before is None:
                    return empty_columns(self.spec)
            if self._strategy is None:
                self._strategy = "keyset" if has_key_index(conn, self.spec) else "held"
            if self._strategy == "held":
                query = browse_query(self.spec, self.threshold).where(before(self.spec, self._before.start))
                spill = max_rows(conn, self.spec) > PASS_MAX_ROWS
                self._held_before = self._sorted_pass(conn, cancel, spill, query, None)
                return self._held_before.take_last(limit, self.dtype)
            stmt = self._before.page_query(self.spec, self.threshold, limit)
            if limit >= BULK_MIN_ROWS and conn.dialect.name == "postgresql":
                xs, ys = copy_packed(conn, self.spec, stmt)  # in (x, y) order: it sorts what is not
            else:
                xs, ys = _to_arrays(fetch_raw(conn, stmt), self.dtype)
                xs, ys = xs[::-1].copy(), ys[::-1].copy()
        self._before.retreat(xs, ys)
        return xs, ys

    def count_before(self, cancel: CancelToken | None = None) -> int:
        """Rows of the result before its start (0 from the first row): call it
        after the first fetch, which finds an anchor."""
        if self._start is None:
            return 0
        stmt = count_query(self.spec, self.threshold).where(before(self.spec, self._start))

        def count() -> int:
            with self.engine.connect() as conn, _page_reads(conn), attached(cancel, conn):
                return int(conn.execute(stmt).scalar_one())

        with user_errors():
            return retry_once_if_disconnected(count, cancel)

    @property
    def strategy(self) -> str | None:
        """``"keyset"`` (pages by index), ``"held"`` (one sorted pass, paged from where it is held)."""
        return self._strategy

    @property
    def spilled(self) -> bool:
        """The sorted pass is held in files in :attr:`spill_dir` rather than in memory."""
        return self._held is not None and self._held.spilled

    def fetch(self, limit: int, cancel: CancelToken | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The next page: at most ``limit`` rows.  A page split across connections
        (see :meth:`_fetch_parts`) may hold fewer without the result being at its end:
        :attr:`exhausted` says when it is.

        A page that fails because the server closed the connection is read once
        more, from where it stopped, on a fresh connection; if that fails too, the
        :class:`ConnectionFailed` says so.
        """
        if self.exhausted or self._closed:
            return empty_columns(self.spec)
        with user_errors():
            xs, ys, done = retry_once_if_disconnected(lambda: self._fetch(limit, cancel), cancel)
        if done:
            self.exhausted = True
            self._release_after()  # the rows before the start may still be wanted
        return xs, ys

    def _fetch(self, limit: int, cancel: CancelToken | None):
        if self._held is not None:
            xs, ys = self._held.take(limit, self.dtype)
            return xs, ys, len(xs) < limit
        return self._fetch_first_or_keyset(limit, cancel)

    def _fetch_first_or_keyset(self, limit: int, cancel: CancelToken | None):
        with self.engine.connect() as conn, _page_reads(conn), attached(cancel, conn):
            if self._anchor is not None:
                self._locate(conn)
            if self._strategy != "keyset":
                # "held" with nothing held yet: decided by fetch_before, the pass not made
                if self._strategy == "held" or not has_key_index(conn, self.spec):
                    # the strategy is set only once what it pages from exists: a failed
                    # pass leaves the source as new, so the next fetch starts over
                    query = browse_query(self.spec, self.threshold)
                    if self._start is not None:
                        query = query.where(at_or_after(self.spec, self._start))
                    after = self._start[0] if self._start is not None else None
                    self._held = self._sorted_pass(conn, cancel, max_rows(conn, self.spec) > PASS_MAX_ROWS, query, after)
                    self._strategy = "held"
                    xs, ys = self._held.take(limit, self.dtype)
                    return xs, ys, len(xs) < limit
                self._strategy = "keyset"
            if conn.dialect.name == "postgresql" and limit >= PARALLEL_MIN_ROWS:
                split = split_keys(column_stats(conn, self.spec), self.threshold, self._keyset.key, limit, PARALLEL_PARTS)
                if split is not None:
                    return self._fetch_parts(conn, split, limit, cancel)
            stmt = self._keyset.page_query(self.spec, self.threshold, limit)
            if limit >= BULK_MIN_ROWS and conn.dialect.name == "postgresql":
                xs, ys = copy_packed(conn, self.spec, stmt)
            else:
                xs, ys = _to_arrays(fetch_raw(conn, stmt), self.dtype)
        self._keyset.advance(xs, ys)
        return xs, ys, len(xs) < limit

    def _fetch_parts(self, conn: Connection, split: Split, limit: int, cancel: CancelToken | None):
        """One page read as consecutive key ranges, each on its own connection at once.

        The server produces a sorted result on one core per query; a page of a
        million rows is bound by that, not by the network, so ranges read in
        parallel arrive sooner (about 1.8 times, measured here on 2 cores).  Every
        range is capped at ``limit`` rows: ranges are kept up to the first that hit
        the cap (what follows it is not contiguous), and the page is cut at ``limit``.
        Each range sorts only its own rows: the table is still sorted at most once.
        """
        edges = [*split.bounds, split.end]
        statements = [self._keyset.page_query(self.spec, self.threshold, limit, before=edges[0])]
        for low, high in zip(edges, edges[1:]):
            statements.append(self._key_range(browse_query(self.spec, self.threshold), low, high).limit(limit))
        parts = self._read_at_once(conn, statements, cancel, copy_packed)
        kept = []
        for xs, ys in parts:
            kept.append((xs, ys))
            if len(xs) >= limit:
                break
        xs, ys = np.concatenate([p[0] for p in kept]), np.concatenate([p[1] for p in kept])
        # cut: a range hit its cap, or together they hold more than a page
        cut = len(kept[-1][0]) >= limit or len(xs) > limit
        if cut:
            xs, ys = xs[:limit], ys[:limit]
            self._keyset.advance(xs, ys)
        elif split.end is not None:
            # every row below the last range's end is loaded: the next page starts there
            self._keyset = KeysetCursor(start_key=split.end)
        return xs, ys, not cut and split.end is None

    def _sorted_pass(self, conn: Connection, cancel: CancelToken | None, spill: bool, query, after: int | None) -> HeldRows:
        """Every row of ``query`` (the result from its start on, or before it),
        sorted once by the server and sent in one statement per key range; a big
        one as key ranges sorted at once, each on its own connection (each range's
        query scans the table but sorts only its own rows; ``after``: the smallest
        key it can hold).  With ``spill``, each range streams into a file in
        :attr:`spill_dir` instead of memory (see :class:`HeldRows`)."""
        split = split_keys(column_stats(conn, self.spec), self.threshold, after, PASS_MAX_ROWS, PARALLEL_PARTS)
        if split is None:
            statements = [query]
        else:
            # the last range is open whatever the estimate: no row may be left out
            edges = [None, *split.bounds, None]
            statements = [self._key_range(query, low, high) for low, high in zip(edges, edges[1:])]
        if not spill:
            if len(statements) == 1:
                return HeldRows([copy_packed(conn, self.spec, query)])
            return HeldRows(self._read_at_once(conn, statements, cancel, copy_packed))
        try:
            self.spill_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise _spill_failed(self.spill_dir, error) from error

        def spill_part(part_conn: Connection, spec: TableSpec, stmt):
            return copy_to_spill_file(part_conn, spec, stmt, self.spill_dir)

        if len(statements) == 1:
            files = [spill_part(conn, self.spec, query)]
        else:
            files = self._read_at_once(conn, statements, cancel, spill_part)
        return HeldRows([f.columns() for f in files], files)

    def _key_range(self, stmt, low: int | None, high: int | None):
        """``stmt`` limited to keys in ``[low, high)`` (``None``: unbounded on that side)."""
        x = self.spec.key_col
        if low is not None:
            stmt = stmt.where(x >= low)
        return stmt if high is None else stmt.where(x < high)

    def _read_at_once(self, conn: Connection, statements, cancel: CancelToken | None, read):
        """``read(conn, spec, statement)`` for every statement: the first on ``conn``,
        the others each on a pooled connection of its own, all at the same time.

        If one fails, the others are cancelled (one may be waiting on a lock) rather
        than waited for; through a token of their own, so that the caller's stays
        usable for a retry.  The caller's Cancel reaches all of them."""
        token = cancel.linked() if cancel is not None else CancelToken()
        with ThreadPoolExecutor(len(statements) - 1, thread_name_prefix="db-part") as pool:
            later = [pool.submit(self._read_part, read, stmt, token) for stmt in statements[1:]]
            try:
                with attached(token, conn):
                    first = read(conn, self.spec, statements[0])
                # end this connection's transaction (if the user's options opened one)
                # before waiting for the others: through a pooler with few server
                # connections, a part may be waiting for exactly this one
                if conn.in_transaction():
                    conn.commit()
                return [first, *(f.result() for f in later)]
            except BaseException:
                token.cancel()
                # end this connection's transaction first here too: a part waiting in
                # a small pool for a server connection may be waiting for this one
                if conn.in_transaction():
                    try:
                        conn.rollback()
                    except Exception:  # noqa: BLE001 - the first failure is the one raised
                        pass
                for future in later:  # every part ends before its connection is reused
                    try:
                        future.result()
                    except BaseException:  # noqa: BLE001 - the first failure is the one raised
                        pass
                raise

    def _read_part(self, read, stmt, cancel: CancelToken):
        with self.engine.connect() as conn, _page_reads(conn), attached(cancel, conn):
            return read(conn, self.spec, stmt)

    def close(self) -> None:
        """Release what holds the result (memory, spill files), the rows before its
        start included: nothing more is fetched either way.  Safe to call twice."""
        self._closed = True
        self._release_after()
        held, self._held_before = self._held_before, None
        if held is not None:
            held.close()

    def _release_after(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()


class HeldRows:
    """One sorted pass, held on the client and paged from there: nothing of it stays
    on the server, so no transaction, cursor or connection outlives the statement
    that read it (a transaction-mode pooler may hand the next statement to another
    server connection).

    Parts are consecutive key ranges, each a pair of columns: in memory (8 bytes a
    row for ``integer`` columns), or memory-mapped from a spill file (18 bytes a row,
    PostgreSQL's binary COPY rows as they came) when the table could hold more rows
    than :data:`PASS_MAX_ROWS`.  Spill files are unnamed temporary files in the
    user's cache folder: nothing is left behind, even after a crash.

    The sort still happens once per load, on the server.  A held cursor (``WITH
    HOLD``, what the editor used before) keeps the sorted result on one server
    connection between pages, which a transaction-mode pooler does not give back to
    the same client: as the bug report found through PgBouncer 1.18 with other
    clients on the pool, ``cursor "table_editor_rows" does not exist`` in 1 to 2 of 8
    loads, and a second window met ``already exists``.  Measured here (2 cores, PostgreSQL 15, loopback,
    an unindexed table of 2,000,000 rows of which 1,870,296 match, one range, median
    of 3): the held cursor showed its first page after 597 ms and the last after
    1,141 ms; held in memory, 401 ms for both; spilled, 594 ms and 606 ms.  The sort
    dominates the first page either way (``ORDER BY`` needs every row); streaming
    the sorted rows to a file costs about what materialising the cursor did, and
    every later page is a slice of a memory map instead of a round trip.
    """

    def __init__(self, parts: list[tuple[np.ndarray, np.ndarray]], files: list[SpillFile] | None = None):
        self._parts = parts
        self._files = files or []
        self._part = 0
        self._offset = 0

    @property
    def spilled(self) -> bool:
        return bool(self._files)

    def take(self, limit: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """The next ``limit`` rows (fewer at the end), as native ``dtype`` columns."""
        xs_parts, ys_parts, wanted = [], [], limit
        while wanted > 0 and self._part < len(self._parts):
            xs, ys = self._parts[self._part]
            end = min(self._offset + wanted, len(xs))
            xs_parts.append(np.asarray(xs[self._offset : end], dtype=dtype))
            ys_parts.append(np.asarray(ys[self._offset : end], dtype=dtype))
            wanted -= end - self._offset
            self._offset = end
            if end >= len(xs):
                self._part, self._offset = self._part + 1, 0
        if not xs_parts:
            return np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)
        if len(xs_parts) == 1:
            return xs_parts[0], ys_parts[0]
        return np.concatenate(xs_parts), np.concatenate(ys_parts)

    def take_last(self, limit: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        """The last ``limit`` rows not taken yet, counting from the end (fewer at the
        start), in order, as native ``dtype`` columns: the rows before a start."""
        if not hasattr(self, "_end"):
            self._end = [len(xs) for xs, _ys in self._parts]  # rows of each part not taken yet
        xs_parts, ys_parts, wanted = [], [], limit
        for k in range(len(self._parts) - 1, -1, -1):
            if wanted <= 0:
                break
            end = self._end[k]
            if end == 0:
                continue
            start = max(0, end - wanted)
            xs, ys = self._parts[k]
            xs_parts.append(np.asarray(xs[start:end], dtype=dtype))
            ys_parts.append(np.asarray(ys[start:end], dtype=dtype))
            wanted -= end - start
            self._end[k] = start
        if not xs_parts:
            return np.empty(0, dtype=dtype), np.empty(0, dtype=dtype)
        if len(xs_parts) == 1:
            return xs_parts[0], ys_parts[0]
        return np.concatenate(xs_parts[::-1]), np.concatenate(ys_parts[::-1])

    def close(self) -> None:
        self._parts = []
        for spill in self._files:
            spill.close()
        self._files = []


class SpillFile:
    """The rows of one statement as PostgreSQL's binary COPY wrote them, in an
    unnamed temporary file (it has no name on disk, so it vanishes with the process).

    Every row is ``int16 field count, int32 length, x, int32 length, y`` (big-endian):
    the query has no NULLs, so every row has the same size and the file is read as
    one NumPy record array, memory-mapped, without parsing.
    """

    def __init__(self, handle, dtype: np.dtype):
        self._handle = handle
        size = os.fstat(handle.fileno()).st_size
        header = os.pread(handle.fileno(), 19, 0)
        if not header.startswith(_COPY_SIGNATURE) or len(header) < 19:
            raise RuntimeError("unexpected COPY output: not PostgreSQL's binary format")
        start = 19 + int.from_bytes(header[15:19], "big")
        item = dtype.newbyteorder(">")
        self._record = np.dtype([("fields", ">i2"), ("xlen", ">i4"), ("x", item), ("ylen", ">i4"), ("y", item)])
        body = size - start - 2  # the trailer is int16 -1
        if body < 0 or body % self._record.itemsize or os.pread(handle.fileno(), 2, size - 2) != b"\xff\xff":
            raise RuntimeError("unexpected COPY output: rows of another size")
        rows = body // self._record.itemsize
        self._records = np.memmap(handle, dtype=self._record, mode="r", offset=start, shape=(rows,)) if rows else None
        if self._records is not None and rows and not (
            np.all(self._records["fields"][:1] == 2) and np.all(self._records["xlen"][:1] == item.itemsize)
        ):
            raise RuntimeError("unexpected COPY output: not two integer columns")

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        if self._records is None:
            empty = np.empty(0, dtype=self._record["x"])
            return empty, empty
        return self._records["x"], self._records["y"]

    def close(self) -> None:
        self._records = None
        self._handle.close()


def copy_to_spill_file(conn: Connection, spec: TableSpec, stmt, folder: Path) -> SpillFile:
    """Stream every row of ``stmt`` (sorted by the server) into a new spill file in
    ``folder`` through one binary ``COPY``; rows never sit in this process's memory."""
    page = stmt.subquery("page")
    wide = column_dtype(spec).itemsize == 8
    as_type = BigInteger if wide else Integer
    query = select(cast(page.c[spec.key], as_type), cast(page.c[spec.value], as_type))
    sql, params = sql_and_parameters(conn.dialect, query)
    try:
        handle = tempfile.TemporaryFile(prefix="rows-", suffix=".copy", dir=folder)
    except OSError as error:
        raise _spill_failed(folder, error) from error
    try:
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            # mogrify: see copy_packed
            cursor.copy_expert(b"COPY (" + cursor.mogrify(sql, params) + b") TO STDOUT (FORMAT binary)", handle)
        finally:
            cursor.close()
        handle.flush()
        return SpillFile(handle, column_dtype(spec))
    except OSError as error:
        _close_quietly(handle)
        raise _spill_failed(folder, error) from error
    except BaseException:
        _close_quietly(handle)
        raise


def _close_quietly(handle) -> None:
    """Close a spill file that failed: closing flushes its buffer, which fails again
    on a full disk; the first error is the one to report."""
    try:
        handle.close()
    except OSError:
        pass


def _spill_failed(folder: Path, error: OSError) -> StorageFailed:
    return StorageFailed(
        f"This table has no index for its order, so its rows are sorted once and kept in a temporary file "
        f"in {folder}, which could not be written ({error.strerror or error}). Free some space there, or set "
        "XDG_CACHE_HOME to a folder with room, then press F5."
    )


def user_cache_dir() -> Path:
    """The user's cache folder for this app (``$XDG_CACHE_HOME/table-editor``, else
    ``~/.cache/table-editor``): where spill files go."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "table-editor"
