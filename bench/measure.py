"""The measurements: each returns seconds (or bytes) per run; the caller takes medians.

Every timing starts where the user's action starts (``load()``, ``execute()``,
``setQuery()``, ``submitAll()``) and ends when the last row is in the model or the
transaction is committed.  Connections are opened before the clock starts (the
editor keeps a pool), except where a figure says otherwise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QUndoStack
from PySide6.QtSql import QSqlDatabase, QSqlQueryModel, QSqlTableModel
from PySide6.QtWidgets import QTableView
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gui.data.commit import commit_changes
from gui.data.config import TableSpec
from gui.data.connection import ConnectionSettings, create_engine_for
from gui.data.pending import PendingChange, PendingChanges
from gui.qt.app import freeze_startup_objects
from gui.qt.rows_model import RowsModel
from gui.qt.tasks import TaskRunner

from .qt import GapMeter, pump, wait_signal, wait_until
from .tables import COMMIT_ROWS, COMMIT_TABLE, VALUE_RANGE, Target

THRESHOLD = -1  # every row: y is never negative
LOAD_TIMEOUT = 120.0


def browse_sql(table: str, placeholder: str = "%s") -> str:
    """The editor's browse query, written out for the baselines."""
    return f"SELECT x, y FROM {table} WHERE y > {placeholder} AND x IS NOT NULL ORDER BY x, y"


def engine_for(target: Target) -> Engine:
    """An Engine built the way the editor builds it (pool, pre-ping, timeouts)."""
    settings = ConnectionSettings(
        kind="postgresql",
        host=target.host,
        port=target.port,
        database=target.database,
        user=target.user,
        password=target.password,
    )
    return create_engine_for(settings)


def qsql_database(target: Target, name: str) -> QSqlDatabase:
    db = QSqlDatabase.addDatabase("QPSQL", name)
    db.setHostName(target.host)
    db.setPort(target.port)
    db.setDatabaseName(target.database)
    db.setUserName(target.user)
    db.setPassword(target.password)
    if not db.open():
        raise RuntimeError(f"QPSQL could not connect: {db.lastError().text()}")
    return db


@dataclass
class Editor:
    """The editor's model and worker threads, without a window."""

    engine: Engine
    spec: TableSpec
    runner: TaskRunner = field(default_factory=TaskRunner)
    model: RowsModel = field(init=False)

    def __post_init__(self) -> None:
        self.pending = PendingChanges(self.spec)
        self.undo = QUndoStack()
        self.model = RowsModel(self.spec, self.pending, self.runner, self.undo)
        freeze_startup_objects()  # as main() does before the event loop starts

    def settle(self) -> None:
        """Stop what the model started (the background count) and wait for the workers."""
        self.model.clear()
        wait_until(lambda: not self.runner.busy, LOAD_TIMEOUT)

    def close(self) -> None:
        self.settle()
        self.runner.shutdown()


# -- reading ------------------------------------------------------------------


def first_screen(editor: Editor, rows: int = 1000, start_key: int | None = None) -> float:
    """``load()`` → the model signals its first page (``rows_loaded``)."""
    model = editor.model
    started = time.perf_counter()
    ended = wait_signal(
        model.rows_loaded,
        lambda n: n >= rows or not model.canFetchMore(),
        LOAD_TIMEOUT,
        start=lambda: model.load(editor.engine, THRESHOLD, start_key),
    )
    if model.rowCount() < min(rows, 1):
        raise RuntimeError("the first page is empty")
    editor.settle()
    return ended - started


def full_load(editor: Editor, expected: int, view: QTableView | None = None, meter: GapMeter | None = None) -> float:
    """``load()`` + ``fetch_all()`` → the last row is in the model."""
    model = editor.model
    if view is not None:
        view.setModel(model)
        pump(0.05)

    def start() -> None:
        model.load(editor.engine, THRESHOLD)
        model.fetch_all()

    started = time.perf_counter()
    if meter is not None:
        with meter:
            ended = wait_signal(model.rows_loaded, lambda n: not model.canFetchMore(), LOAD_TIMEOUT, start=start)
    else:
        ended = wait_signal(model.rows_loaded, lambda n: not model.canFetchMore(), LOAD_TIMEOUT, start=start)
    if model.rowCount() != expected:
        raise RuntimeError(f"the model holds {model.rowCount():,} rows, expected {expected:,}")
    return ended - started


def scroll_to_end(editor: Editor, expected: int, view: QTableView, meter: GapMeter) -> float:
    """``load()``, then the view scrolled to its bottom each time a page arrives:
    the view's own ``fetchMore`` calls load the rest, page by page."""
    model = editor.model
    view.setModel(model)
    pump(0.05)

    def on_rows(_n: int) -> None:
        view.scrollToBottom()

    model.rows_loaded.connect(on_rows)
    try:
        started = time.perf_counter()
        with meter:
            ended = wait_signal(
                model.rows_loaded,
                lambda n: not model.canFetchMore(),
                LOAD_TIMEOUT,
                start=lambda: model.load(editor.engine, THRESHOLD),
            )
    finally:
        model.rows_loaded.disconnect(on_rows)
    if model.rowCount() != expected:
        raise RuntimeError(f"the view scrolled to row {model.rowCount():,}, expected {expected:,}")
    return ended - started


def psycopg2_fetchall(target: Target, table: str, conn=None) -> float:
    own = conn is None
    conn = conn or target.connect(autocommit=False)
    try:
        cur = conn.cursor()
        started = time.perf_counter()
        cur.execute(browse_sql(table), (THRESHOLD,))
        rows = cur.fetchall()
        elapsed = time.perf_counter() - started
        conn.rollback()
        assert rows
        del rows
        return elapsed
    finally:
        if own:
            conn.close()


def server_only(admin_conn, table: str) -> float:
    """The query run to completion by the server, its rows sent nowhere (a superuser
    ``COPY ... TO '/dev/null'``): the floor every client method stands on."""
    cur = admin_conn.cursor()
    started = time.perf_counter()
    cur.execute(f"COPY ({browse_sql(table, str(THRESHOLD))}) TO '/dev/null'")
    return time.perf_counter() - started


def sqlalchemy_all(engine: Engine, table: str) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        rows = session.execute(text(browse_sql(table, ":t")), {"t": THRESHOLD}).all()
    elapsed = time.perf_counter() - started
    assert rows
    del rows
    return elapsed


def qsql_query_model(db: QSqlDatabase, table: str, expected: int) -> float:
    """``QSqlQueryModel.setQuery`` then ``fetchMore`` until ``canFetchMore`` is false."""
    model = QSqlQueryModel()
    started = time.perf_counter()
    model.setQuery(browse_sql(table, str(THRESHOLD)), db)
    while model.canFetchMore():
        model.fetchMore()
    last = model.data(model.index(model.rowCount() - 1, 1))  # the last row is really there
    elapsed = time.perf_counter() - started
    if model.lastError().isValid():
        raise RuntimeError(model.lastError().text())
    if model.rowCount() != expected or last is None:
        raise RuntimeError(f"QSqlQueryModel holds {model.rowCount():,} rows, expected {expected:,}")
    model.clear()
    return elapsed


# -- committing -----------------------------------------------------------------


class ChangeSets:
    """Fresh keys for every commit run, so no run updates rows another just updated.

    The keys are a NumPy array, not a list of a million Python ints: the garbage
    collector's full passes walk every item of a list, and that walk (55 ms here)
    landed inside whichever measured commit happened to trigger one.
    """

    def __init__(self, seed: int = 4) -> None:
        self._keys = np.random.default_rng(seed).permutation(np.arange(1, COMMIT_ROWS + 1))
        self._rng = random.Random(seed)
        self._next = 0

    def take(self, n: int) -> dict[int, int]:
        """``{key: new value}`` for ``n`` unused keys."""
        if self._next + n > len(self._keys):
            self._next = 0  # wrapped: the table was vacuumed in between
        keys = sorted(self._keys[self._next : self._next + n].tolist())
        self._next += n
        return {key: self._rng.randrange(VALUE_RANGE) for key in keys}


def current_values(target: Target, keys: list[int]) -> dict[int, tuple[int, ...]]:
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT x, y FROM {COMMIT_TABLE} WHERE x = ANY(%s)", (keys,))
        found: dict[int, list[int]] = {}
        for x, y in cur.fetchall():
            found.setdefault(x, []).append(y)
    finally:
        conn.close()
    return {key: tuple(sorted(found.get(key, ()))) for key in keys}


def pending_changes(target: Target, updates: dict[int, int]) -> list[PendingChange]:
    """The changes as the editor records them: each with the values the user saw."""
    seen = current_values(target, list(updates))
    return [PendingChange(key, new, seen[key], None) for key, new in updates.items()]


def verify(target: Target, updates: dict[int, int]) -> None:
    now = current_values(target, list(updates))
    wrong = [key for key, new in updates.items() if now[key] != (new,)]
    if wrong:
        raise RuntimeError(f"{len(wrong)} changes were not applied (x = {wrong[:5]} …)")


def checked_commit(
    target: Target, sets: ChangeSets, changes: int, commit: Callable[[dict[int, int]], float]
) -> Callable[[], float]:
    """A timed run of ``commit`` on ``changes`` fresh keys, its values checked in the database after."""

    def run() -> float:
        updates = sets.take(changes)
        value = commit(updates)
        verify(target, updates)
        return value

    return run


def editor_commit(engine: Engine, spec: TableSpec, changes: list[PendingChange]) -> float:
    started = time.perf_counter()
    result = commit_changes(engine, spec, changes)
    elapsed = time.perf_counter() - started
    if result.rows != len(changes):
        raise RuntimeError(f"commit updated {result.rows} rows for {len(changes)} changes")
    return elapsed


def editor_commit_in_runner(editor: Editor, changes: list[PendingChange], meter: GapMeter) -> float:
    """The commit as the window runs it: on a worker lane, result back on the GUI thread."""
    runner = editor.runner
    done: list[object] = []
    started = time.perf_counter()
    with meter:
        ended = wait_signal(
            runner.busy_changed,
            lambda busy: not busy and bool(done),
            LOAD_TIMEOUT,
            start=lambda: runner.submit(
                lambda token: commit_changes(editor.engine, editor.spec, changes, token),
                lane="commit",
                on_done=done.append,
                on_error=done.append,
            ),
        )
    if not done or not hasattr(done[0], "rows"):
        raise RuntimeError(f"commit failed: {done[0] if done else 'no result'}")
    return ended - started


BARE_UNNEST = f"UPDATE {COMMIT_TABLE} AS t SET y = v.y FROM unnest(%s::integer[], %s::integer[]) AS v(x, y) WHERE t.x = v.x"


def bare_unnest(conn, updates: dict[int, int], text_arrays: bool = False) -> float:
    """The single ``UPDATE ... FROM unnest`` statement, autocommit: one round trip.

    With ``text_arrays``, its arrays go as one string each (``'{1,2,3}'``), as the
    editor sends them, instead of Python lists that psycopg2 adapts item by item."""
    cur = conn.cursor()
    started = time.perf_counter()
    xs, ys = list(updates), list(updates.values())
    if text_arrays:
        xs, ys = ("{" + ",".join(map(str, values)) + "}" for values in (xs, ys))
    cur.execute(BARE_UNNEST, (xs, ys))
    elapsed = time.perf_counter() - started
    if cur.rowcount != len(updates):
        raise RuntimeError(f"bare UPDATE touched {cur.rowcount} rows")
    return elapsed


def bare_plan(conn, updates: dict[int, int]) -> str:
    """How the server plans the bare statement (its join), for the notes."""
    cur = conn.cursor()
    cur.execute("EXPLAIN (COSTS OFF) " + BARE_UNNEST, (list(updates), list(updates.values())))
    lines = [row[0].strip().lstrip("-> ").strip() for row in cur.fetchall()]
    return "; ".join(line for line in lines[1:] if line and not line.startswith(("Index Cond", "Hash Cond", "Merge Cond")))


def sqlalchemy_executemany(engine: Engine, updates: dict[int, int]) -> float:
    params = [{"x": key, "y": new} for key, new in updates.items()]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {COMMIT_TABLE} SET y = :y WHERE x = :x"), params)
    return time.perf_counter() - started


def qsql_table_model_submit(db: QSqlDatabase, updates: dict[int, int]) -> float:
    """``QSqlTableModel`` (OnManualSubmit) holding the changed rows, edited, then
    ``submitAll()`` inside a transaction as Qt's cachedtable example does; only the
    transaction is timed (selecting and editing are the user's part)."""
    model = QSqlTableModel(None, db)
    model.setTable(COMMIT_TABLE)
    model.setEditStrategy(QSqlTableModel.EditStrategy.OnManualSubmit)
    model.setFilter("x IN (" + ",".join(str(int(key)) for key in updates) + ")")
    if not model.select():
        raise RuntimeError(model.lastError().text())
    while model.canFetchMore():
        model.fetchMore()
    if model.rowCount() != len(updates):
        raise RuntimeError(f"QSqlTableModel selected {model.rowCount()} rows for {len(updates)} keys")
    for row in range(model.rowCount()):
        key = int(model.data(model.index(row, 0)))
        model.setData(model.index(row, 1), updates[key])
    started = time.perf_counter()
    if not db.transaction():
        raise RuntimeError(db.lastError().text())
    if not model.submitAll():
        error = model.lastError().text()
        db.rollback()
        raise RuntimeError(f"submitAll failed: {error}")
    if not db.commit():
        raise RuntimeError(db.lastError().text())
    elapsed = time.perf_counter() - started
    model.clear()
    return elapsed

