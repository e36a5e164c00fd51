"""Any table through a transaction-mode pooler (a real PgBouncer, as Neon's
``-pooler`` hosts are), while two other clients share the pool: every way the
window for any table reads rows reads each row exactly once (pages read through
the cursor and through ``COPY``, a big page read as two key ranges at once, a sort
on a column with NULLs, a table without a key, a filter, go to with both ends of
the window, the count and the rows before a start), the export writes every row,
review, commit and a conflict behave as on a direct connection, read-only and a
statement timeout hold on every page, and nothing is left open on the server.

The tutorial's ``some_table`` has the same checks in ``test_data_pooler``.
"""

from __future__ import annotations

import csv
import dataclasses
import time
from decimal import Decimal
from pathlib import Path

import psycopg2.sql
import pytest
from sqlalchemy import Engine, text

from gui.data import result as result_module
from gui.data.cell_commit import CellConflictError, confirm_cells
from gui.data.connection import ConnectionSettings, create_engine_for, settings_from_url
from gui.data.errors import QueryFailed
from gui.data.paging import Condition, SortKey
from gui.data.result import TableResult
from gui.data.table_csv import export_result
from pgbouncer import PgBouncer
from test_data_cell_commit import Db
from test_data_pages_before import window_of
from test_data_pooler import assert_nothing_left_in_a_transaction, busy_pool  # noqa: F401 - busy_pool is a fixture
from test_data_result import normal, oracle, read_all, schema_of

pytestmark = pytest.mark.postgres

READINGS = 12_000


@pytest.fixture
def tables(pg_engine: Engine) -> Engine:
    """``readings``: a bigint key and text, timestamptz, numeric, boolean and a
    text 70 % NULL; ``bag``: no key, every row repeated, NULLs."""
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE readings (id bigint PRIMARY KEY, sensor text, taken_at timestamptz,"
                " value numeric(12,3), ok boolean, note text)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO readings SELECT g, 'sensor-' || (g % 37),"
                " timestamptz '2024-01-01 00:00+00' + g * interval '1 minute',"
                " round(((g * 7919) % 100000) / 1000.0, 3), g % 3 = 0,"
                " CASE WHEN g % 10 < 7 THEN NULL ELSE 'note ' || (g % 500) END"
                " FROM generate_series(1, :n) g"
            ),
            {"n": READINGS},
        )
        conn.execute(text("CREATE TABLE bag (a integer, b text)"))
        conn.execute(
            text(
                "INSERT INTO bag SELECT g % 50, CASE WHEN g % 4 = 0 THEN NULL ELSE 'b' || (g % 3) END"
                " FROM generate_series(1, 3000) g"
            )
        )
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE readings, bag"))  # the histogram that splits a big page
    return pg_engine


@pytest.fixture
def pooled(pgbouncer: PgBouncer, pg_db) -> ConnectionSettings:
    """The app's settings for ``pg_db`` through the transaction-mode PgBouncer."""
    return settings_from_url(pgbouncer.url(pg_db.name, pg_db.user, pg_db.password).render_as_string(hide_password=False))


def _engine(settings: ConnectionSettings, request, **changes) -> Engine:
    engine = create_engine_for(dataclasses.replace(settings, **changes))
    request.addfinalizer(engine.dispose)
    return engine


def _read_to_end(result: TableResult, page: int) -> list[tuple]:
    """Every page until the result says it is exhausted (a page read as two key
    ranges may be short: its second range is handed over as the next page)."""
    rows: list[tuple] = []
    for _ in range(10_000):
        loaded = result.fetch(page)
        assert len(loaded) <= page and loaded.names == result.names
        rows += loaded.rows()
        if result.exhausted:
            assert len(result.fetch(page)) == 0
            return rows
    raise AssertionError("paging did not end")


def _expected(pg_engine: Engine, name: str, sort: list[SortKey], where: list[str] = (), params: dict | None = None):
    with pg_engine.connect() as conn:
        return normal(oracle(conn, name, sort, list(where), params or {}))


# name: (relation, sort, conditions with their SQL, page, rows for a page to be split)
PATHS = {
    "cursor-pages": ("readings", [], None, 50, None),
    "copy-pages": ("readings", [], None, 3_000, None),
    "two-ranges-at-once": ("readings", [], None, 5_000, 2_000),
    "sorted-by-a-column-with-nulls": ("readings", [SortKey("note")], None, 2_500, None),
    "sorted-descending": ("readings", [SortKey("value", descending=True)], None, 2_500, None),
    "filtered": ("readings", [SortKey("taken_at")], (Condition("ok", "=", True), "ok = true"), 700, None),
    "no-key": ("bag", [], None, 700, None),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_every_page_of_any_table_comes_once_through_the_pooler(
    request, tables, pooled, busy_pool, monkeypatch, path: str  # noqa: F811 - busy_pool is a fixture
) -> None:
    name, sort, condition, page, split_from = PATHS[path]
    splits: list[int] = []
    if split_from is not None:
        monkeypatch.setattr(result_module, "PARALLEL_MIN_ROWS", split_from)
        read_halves = TableResult._read_halves

        def counted(self, conn, middle, limit, cancel):
            splits.append(middle)
            return read_halves(self, conn, middle, limit, cancel)

        monkeypatch.setattr(TableResult, "_read_halves", counted)
    engine = _engine(pooled, request)
    schema = schema_of(engine, name)
    conditions = [condition[0]] if condition else []
    expected = _expected(tables, name, sort, [condition[1]] if condition else [])
    assert len(expected) > 2 * page

    result = TableResult(engine, schema, conditions, sort)
    assert normal(_read_to_end(result, page)) == expected
    assert result.count() == len(expected)
    assert bool(splits) == (split_from is not None)  # the page was read as two ranges at once
    assert_nothing_left_in_a_transaction(tables)


@pytest.mark.parametrize("path", ["copy-pages", "sorted-by-a-column-with-nulls", "no-key"])
def test_go_to_reads_both_ends_of_the_window_through_the_pooler(
    request, tables, pooled, busy_pool, path: str  # noqa: F811 - busy_pool is a fixture
) -> None:
    """Go to a row half way down, then scroll up to the first row and down to the
    last: the window holds the whole query once, and the rows before the start are
    counted exactly."""
    name, sort, _condition, page, _split = PATHS[path]
    engine = _engine(pooled, request)
    schema = schema_of(engine, name)
    expected = _expected(tables, name, sort)
    plain = TableResult(engine, schema, (), sort)
    middle = expected[len(expected) // 2]
    names = list(plain.names)
    order = [names.index(column) for column in plain.plan.order_columns]
    start = [middle[i] for i in order]
    result = TableResult(engine, schema, (), sort, start_at=start)
    first = list(result.fetch(page).rows())
    assert normal(first)[0] == middle
    assert result.count_before() == expected.index(middle)
    assert normal(window_of(result, [("before", page), ("after", page)], after=first)) == expected
    assert_nothing_left_in_a_transaction(tables)


def test_export_of_any_table_through_the_pooler(request, tables, pooled, busy_pool, tmp_path: Path) -> None:  # noqa: F811
    from gui.data.edits import column_codecs

    engine = _engine(pooled, request)
    schema = schema_of(engine, "readings")
    path = tmp_path / "readings.csv"
    written = export_result(engine, schema, column_codecs(schema), path, sort=[SortKey("id")], page=2_500)
    assert written == READINGS
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [c.name for c in schema.columns]
    assert [int(line[0]) for line in lines[1:]] == list(range(1, READINGS + 1))
    by_id = {int(line[0]): line for line in lines[1:]}
    assert by_id[7][3] == str(Decimal((7 * 7919) % 100000) / 1000)  # numeric, exactly as stored
    assert by_id[7][5] == "note 7" and by_id[1][5] == ""  # NULL apart from any text
    assert_nothing_left_in_a_transaction(tables)


def test_review_commit_and_conflict_of_any_table_through_the_pooler(
    request, tables, pooled, busy_pool  # noqa: F811 - busy_pool is a fixture
) -> None:
    db = Db("postgresql", _engine(pooled, request), tables)
    table = db.open("readings")
    rows = table.load("id <= 20")
    edits = table.edits()
    table.edit(edits, rows, (3,), "value", "12.500")
    table.edit(edits, rows, (4,), "note", "mine")
    table.edit(edits, rows, (7,), "note", None)  # was 'note 7'

    result = table.commit(confirm_cells(table.review(edits.changes())))
    assert (result.changes, result.rows) == (3, 3)
    assert db.rows("SELECT id, CAST(value AS text), note FROM readings WHERE id IN (3, 4, 7) ORDER BY id") == [
        (3, "12.500", None),
        (4, str(Decimal((4 * 7919) % 100000) / 1000), "mine"),
        (7, str(Decimal((7 * 7919) % 100000) / 1000), None),
    ]

    rows = table.load("id <= 20")
    edits = table.edits()
    table.edit(edits, rows, (8,), "sensor", "mine")
    table.edit(edits, rows, (9,), "sensor", "also mine")
    confirmed = confirm_cells(table.review(edits.changes()))
    db.run("UPDATE readings SET sensor = 'theirs' WHERE id = 8")  # another client, between review and commit
    with pytest.raises(CellConflictError) as caught:
        table.commit(confirmed)
    assert [change.key for change, _current in caught.value.conflicts] == [(8,)]
    assert caught.value.conflicts[0][1] == ("theirs",)
    assert db.rows("SELECT id, sensor FROM readings WHERE id IN (8, 9) ORDER BY id") == [(8, "theirs"), (9, "sensor-9")]
    assert_nothing_left_in_a_transaction(tables)


@pytest.fixture
def sleepy(pg_engine: Engine) -> Engine:
    with pg_engine.begin() as conn:
        conn.execute(
            text(
                "CREATE VIEW probe AS SELECT g AS id, current_setting('transaction_read_only') AS ro,"
                " current_setting('statement_timeout') AS timeout FROM generate_series(1, 300) g"
            )
        )
        conn.execute(text("CREATE VIEW sleepy AS SELECT g AS id FROM generate_series(1, 3) g, pg_sleep(30) s"))
    return pg_engine


def test_read_only_and_a_statement_timeout_hold_on_every_page_of_any_table_through_the_pooler(
    request, sleepy, pooled, busy_pool  # noqa: F811 - busy_pool is a fixture
) -> None:
    engine = _engine(pooled, request, read_only=True, statement_timeout_ms=1500)
    probe = schema_of(engine, "probe")
    for page in (7, 150):  # through the cursor and through COPY
        rows = read_all(TableResult(engine, probe, sort=[SortKey("id")]), page)
        assert {(ro, timeout) for _id, ro, timeout in rows} == {("on", "1500ms")}
    with pytest.raises(QueryFailed, match="statement timeout"):
        TableResult(engine, schema_of(engine, "sleepy")).fetch(10)
    # nothing leaked into the pool: a plain client of the same pool gets the defaults
    plain = _engine(pooled, request)
    rows = read_all(TableResult(plain, probe, sort=[SortKey("id")]), 150)
    assert {(ro, timeout) for _id, ro, timeout in rows} == {("off", "0")}
    assert_nothing_left_in_a_transaction(sleepy)


@pytest.mark.parametrize("path", ["copy-pages", "two-ranges-at-once", "sorted-by-a-column-with-nulls", "no-key"])
def test_idle_session_timeout_between_pages_of_any_table_costs_nothing(
    request, pg_cluster, pg_db, tables, monkeypatch, path: str
) -> None:
    """The server (like Neon suspending an idle compute) closes the app's idle
    connections between two pages, on every way of reading any table, and between
    pages read backwards from a go-to: the load goes on, and the count is right."""
    name, sort, _condition, page, split_from = PATHS[path]
    if split_from is not None:
        monkeypatch.setattr(result_module, "PARALLEL_MIN_ROWS", split_from)
    pg_cluster.execute(
        psycopg2.sql.SQL("ALTER ROLE {} SET idle_session_timeout = '300ms'").format(psycopg2.sql.Identifier(pg_db.user))
    )
    engine = create_engine_for(settings_from_url(pg_db.url.render_as_string(hide_password=False)))
    request.addfinalizer(engine.dispose)
    schema = schema_of(engine, name)
    expected = _expected(tables, name, sort)
    page = max(page, len(expected) // 4)  # a few pages, each followed by a pause
    result = TableResult(engine, schema, (), sort)
    loaded: list[tuple] = []
    while not result.exhausted:
        loaded += result.fetch(page).rows()
        time.sleep(0.5)  # every pooled connection is closed by the server meanwhile
    assert normal(loaded) == expected
    assert result.count() == len(expected)

    names = list(result.names)
    middle = expected[len(expected) // 2]
    start = [middle[names.index(column)] for column in result.plan.order_columns]
    from_middle = TableResult(engine, schema, (), sort, start_at=start)
    after = list(from_middle.fetch(page).rows())
    time.sleep(0.5)
    assert from_middle.count_before() == expected.index(middle)
    before: list[list[tuple]] = []
    while not from_middle.at_start:
        time.sleep(0.5)
        before.append([row for piece in from_middle.fetch_before(page) for row in piece.rows()])
    assert normal([row for rows in reversed(before) for row in rows] + after) == expected[: expected.index(middle) + len(after)]
