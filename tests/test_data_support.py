"""Shared helpers for the data-layer tests (``test_data_*.py``): a seeded table on
SQLite or on the session's PostgreSQL, opened the way the application opens it
(``ConnectionSettings`` → ``create_engine_for``), plus a second client to look at
the database or change it behind the application's back.

Holds no tests; the other modules import the ``backend`` and ``make_db`` fixtures
from here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from gui.data.config import DEFAULT_SPEC
from gui.data.connection import ConnectionSettings, create_engine_for
from gui.data.demo import TUTORIAL_ROWS, reset_demo
from gui.data.pending import PendingChange
from gui.data import rows as rows_module
from gui.data.rows import RowSource

Row = tuple[int | None, int | None]
SEED: list[Row] = list(TUTORIAL_ROWS)


@dataclass
class Db:
    backend: str
    settings: ConnectionSettings
    engine: Engine  # the application's
    other: Engine  # a second client

    @property
    def is_pg(self) -> bool:
        return self.backend == "postgresql"

    def table(self) -> list[Row]:
        """Every row, sorted, as a separate connection sees it."""
        with self.other.connect() as conn:
            rows = conn.execute(text("SELECT x, y FROM some_table")).all()
        return sorted((tuple(r) for r in rows), key=lambda r: (r[0] is None, r[0] or 0, r[1] is None, r[1] or 0))

    def values(self, key: int) -> tuple[int, ...]:
        with self.other.connect() as conn:
            return tuple(conn.execute(text("SELECT y FROM some_table WHERE x = :x ORDER BY y"), {"x": key}).scalars())

    def run(self, sql: str, params: dict | None = None) -> None:
        """One statement, committed, from the second client."""
        with self.other.begin() as conn:
            conn.execute(text(sql), params or {})

    def reopen(self, **changes) -> Db:
        """The same database through other settings (read-only, a statement timeout ...)."""
        settings = dataclasses.replace(self.settings, **changes)
        engine = create_engine_for(settings)
        self._finalizers.append(engine.dispose)
        return Db(self.backend, settings, engine, self.other, self._finalizers)

    _finalizers: list[Callable[[], None]]


def _create_sqlite(path: Path, rows: Sequence[Row], check: int | None) -> None:
    if check is None:
        reset_demo(path, DEFAULT_SPEC, rows)
        return
    # SQLite cannot add a CHECK to an existing table: build it with one
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE some_table (x INTEGER, y INTEGER CHECK (y < {int(check)}))"))
            conn.execute(text("CREATE INDEX some_table_x_y_idx ON some_table (x, y)"))
            if rows:
                conn.execute(text("INSERT INTO some_table VALUES (:x, :y)"), [{"x": x, "y": y} for x, y in rows])
    finally:
        engine.dispose()


def _create_pg(url, rows: Sequence[Row], index: bool, check: int | None) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
            if rows:
                conn.execute(
                    text("INSERT INTO some_table SELECT * FROM unnest(CAST(:xs AS integer[]), CAST(:ys AS integer[]))"),
                    {"xs": [r[0] for r in rows], "ys": [r[1] for r in rows]},
                )
            if index:
                conn.execute(text("CREATE INDEX some_table_x_y_idx ON some_table (x, y)"))
            if check is not None:
                conn.execute(text(f"ALTER TABLE some_table ADD CHECK (y < {int(check)})"))
            conn.execute(text("ANALYZE some_table"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


MakeDb = Callable[..., Db]


@pytest.fixture
def make_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> MakeDb:
    """``make_db(rows=SEED, index=True, check=None, **settings)``: the table, seeded, and a :class:`Db`.

    ``index`` only matters on PostgreSQL (the demo file always has its index);
    ``check`` adds ``CHECK (y < check)``.
    """
    finalizers: list[Callable[[], None]] = []
    request.addfinalizer(lambda: [f() for f in reversed(finalizers)])

    def make(rows: Iterable[Row] = SEED, *, index: bool = True, check: int | None = None, **settings_kw) -> Db:
        rows = list(rows)
        if backend == "sqlite":
            path = tmp_path / "demo.sqlite3"
            _create_sqlite(path, rows, check)
            settings = ConnectionSettings(kind="demo", demo_path=str(path), **settings_kw)
            other = create_engine(f"sqlite+pysqlite:///{path}")
        else:
            pg_db = request.getfixturevalue("pg_db")
            _create_pg(pg_db.url, rows, index, check)
            settings = ConnectionSettings(
                kind="postgresql",
                host=pg_db.host,
                port=pg_db.port,
                database=pg_db.name,
                user=pg_db.user,
                password=pg_db.password,
                **settings_kw,
            )
            other = create_engine(pg_db.url)
        engine = create_engine_for(settings)
        finalizers.extend([other.dispose, engine.dispose])
        return Db(backend, settings, engine, other, finalizers)

    return make


def expected_rows(rows: Iterable[Row], threshold: int, start_key: int | None = None) -> list[tuple[int, int]]:
    """What ``WHERE y > :t [AND x >= :start] ORDER BY x, y`` returns, computed in Python."""
    return sorted(
        (x, y)
        for x, y in rows
        if x is not None and y is not None and y > threshold and (start_key is None or x >= start_key)
    )


def read_all(source: RowSource, page: int, most: int = 1_000_000) -> list[tuple[int, int]]:
    """Fetch pages of ``page`` rows until the source is exhausted; checks each page's shape.

    More than ``most`` rows (the table's size) means rows are repeated: stop there.
    """
    out: list[tuple[int, int]] = []
    try:
        while not source.exhausted:
            xs, ys = source.fetch(page)
            assert len(xs) == len(ys) <= page
            assert xs.dtype.kind == ys.dtype.kind == "i"
            out.extend(zip(xs.tolist(), ys.tolist(), strict=True))
            assert len(out) <= most, f"more rows than the table holds ({most}): rows are repeated"
    finally:
        source.close()
    return out


def seen_change(rows: Iterable[Row], key: int, new: int, threshold: int | None = 6) -> PendingChange:
    """The change an edit makes after loading ``rows`` at ``threshold`` (values shown for ``key``)."""
    seen = tuple(sorted(y for x, y in rows if x == key and y is not None and (threshold is None or y > threshold)))
    return PendingChange(key, new, seen, threshold)


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``predicate`` (a database state another thread is reaching) until it holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class RangeSpy:
    """How many key ranges each parallel read of a :class:`RowSource` had, and a hook
    (``before_read``) run just before one starts."""

    def __init__(self) -> None:
        self.reads: list[int] = []
        self.before_read: Callable[[], object] = lambda: None


def spy_on_ranges(monkeypatch: pytest.MonkeyPatch, min_rows: int) -> RangeSpy:
    """Pages of ``min_rows`` or more may be read as parallel key ranges (as a million
    rows are); returns the spy that records those reads."""
    monkeypatch.setattr(rows_module, "PARALLEL_MIN_ROWS", min_rows)
    spy = RangeSpy()
    real = RowSource._read_at_once

    def spying(self, conn, statements, cancel, read):
        spy.reads.append(len(statements))
        spy.before_read()
        return real(self, conn, statements, cancel, read)

    monkeypatch.setattr(RowSource, "_read_at_once", spying)
    return spy
