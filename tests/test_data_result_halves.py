"""A big page of any table ordered by an integer key is read as two key ranges at
once; the rows are exactly those of one statement, whatever the statistics say."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gui.data import result as result_module
from gui.data.paging import Condition
from gui.data.result import TableResult
from gui.data.schema import read_schema

pytestmark = pytest.mark.postgres


def _all(result: TableResult, page: int) -> list[tuple]:
    rows = []
    while not result.exhausted:
        rows.extend(result.fetch(page).rows())
    return rows


@pytest.mark.parametrize("stale", [False, True], ids=["analyzed", "stale statistics"])
@pytest.mark.parametrize("page", [7, 100, 5000])
def test_pages_read_in_two_halves_hold_every_row_once_in_order(pg_engine, monkeypatch, stale, page):
    monkeypatch.setattr(result_module, "PARALLEL_MIN_ROWS", 5)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id bigint PRIMARY KEY, v text, n numeric(6,2))"))
        conn.execute(text("INSERT INTO t SELECT g * 3, CASE WHEN g % 4 = 0 THEN NULL ELSE 'r' || g END, g / 7.0 FROM generate_series(1, 2000) g"))
        conn.execute(text("ANALYZE t"))
        if stale:  # rows the statistics do not know of, below and above them
            conn.execute(text("INSERT INTO t SELECT -g, 'low', NULL FROM generate_series(1, 500) g"))
            conn.execute(text("INSERT INTO t SELECT 100000 + g, 'high', 1 FROM generate_series(1, 500) g"))
        expected = [tuple(r) for r in conn.execute(text("SELECT id, v, n FROM t WHERE v IS DISTINCT FROM 'r5' ORDER BY id"))]
        schema = read_schema(conn, "t")
    halves = []
    original = TableResult._read_halves

    def spy(self, *args, **kwargs):
        halves.append(args[0] if args else None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TableResult, "_read_halves", spy)
    result = TableResult(pg_engine, schema, [Condition("v", "≠", "r5")])
    assert _all(result, page) == expected
    assert halves  # the split was used


def test_a_small_page_or_a_sort_by_another_column_is_one_statement(pg_engine, monkeypatch):
    monkeypatch.setattr(result_module, "PARALLEL_MIN_ROWS", 5)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id bigint PRIMARY KEY, v text)"))
        conn.execute(text("INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 300) g"))
        conn.execute(text("ANALYZE t"))
        schema = read_schema(conn, "t")
    from gui.data.paging import SortKey

    monkeypatch.setattr(TableResult, "_read_halves", lambda *a, **k: pytest.fail("split"))
    assert len(_all(TableResult(pg_engine, schema, (), [SortKey("v")]), 50)) == 300
    assert len(_all(TableResult(pg_engine, schema), 4)) == 300  # below PARALLEL_MIN_ROWS


def test_the_second_half_is_the_next_page_read_ahead_and_never_copied(pg_engine, monkeypatch):
    """The halves come as two pages: the second without a query of its own, its
    arrays as read (joining them would copy every row at the peak of the load)."""
    monkeypatch.setattr(result_module, "PARALLEL_MIN_ROWS", 5)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id bigint PRIMARY KEY, v text)"))
        conn.execute(text("INSERT INTO t SELECT g, 'r' || g FROM generate_series(1, 1000) g"))
        conn.execute(text("ANALYZE t"))
        schema = read_schema(conn, "t")
    result = TableResult(pg_engine, schema)
    first = result.fetch(5000)
    assert 0 < len(first) < 1000 and not result.exhausted
    statements = []
    from sqlalchemy import event

    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(pg_engine, "before_cursor_execute", listener)
    try:
        second = result.fetch(5000)
    finally:
        event.remove(pg_engine, "before_cursor_execute", listener)
    assert not statements  # read ahead
    assert result.exhausted and len(first) + len(second) == 1000
    assert [r[0] for r in first.rows()] + [r[0] for r in second.rows()] == list(range(1, 1001))
