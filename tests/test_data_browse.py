"""Browsing: the threshold query through RowSource pages, on SQLite and PostgreSQL.

Every page boundary is checked against one plain ``ORDER BY x, y`` query: a run of
thousands of identical rows must be neither cut short nor repeated.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gui.data.config import DEFAULT_SPEC
from gui.data.rows import RowSource, count_rows
from test_data_support import SEED, Db, MakeDb, backend, expected_rows, make_db, read_all  # noqa: F401

SPEC = DEFAULT_SPEC


@pytest.mark.parametrize(
    ("threshold", "rows"),
    [
        (6, [(6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]),
        (50, [(100, 100), (100, 100)]),
        (0, [(1, 1), (2, 4), (6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]),
        (100, []),
        (-2147483648, list(SEED)),
    ],
)
@pytest.mark.parametrize("page", [1, 3, 1000])
def test_seed_rows_and_order(make_db: MakeDb, threshold: int, rows, page: int) -> None:
    db = make_db()
    source = RowSource(db.engine, SPEC, threshold)
    assert read_all(source, page) == rows
    assert source.exhausted
    assert count_rows(db.engine, SPEC, threshold) == len(rows)
    assert RowSource(db.engine, SPEC, threshold).count() == len(rows)


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_fetch_after_the_end_returns_nothing(make_db: MakeDb, index: bool) -> None:
    db = make_db(index=index)
    source = RowSource(db.engine, SPEC, 6)
    xs, _ = source.fetch(8)
    assert len(xs) == 8 and not source.exhausted  # a full page: there may be more
    xs, ys = source.fetch(8)
    assert len(xs) == len(ys) == 0 and source.exhausted
    xs, _ = source.fetch(8)
    assert len(xs) == 0


@pytest.mark.parametrize("page", [1, 2, 1000])
def test_rows_with_nulls_are_skipped(make_db: MakeDb, page: int) -> None:
    rows = [*SEED, (None, 50), (7, None), (None, None), (7, 7)]
    db = make_db(rows)
    source = RowSource(db.engine, SPEC, 6)
    assert read_all(source, page) == expected_rows(rows, 6)
    assert count_rows(db.engine, SPEC, 6) == len(expected_rows(rows, 6))


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_strategy(make_db: MakeDb, index: bool) -> None:
    """Keyset pages only where an index gives (x, y) order; else one sorted pass."""
    db = make_db(index=index)
    source = RowSource(db.engine, SPEC, 0)
    source.fetch(3)
    expected = "keyset" if (index or not db.is_pg) else "held"
    assert source.strategy == expected
    source.close()


# -- runs of identical rows (issue 4) --------------------------------------------

RUN = 5000


def run_rows() -> list[tuple[int, int]]:
    """Rows before, a run of 5,000 identical (5, 7), rows after, and hidden rows mixed in."""
    return (
        [(1, 1), (1, 9), (2, 8), (5, 6)]
        + [(5, 7)] * RUN
        + [(5, 0)] * 10  # hidden at threshold 0, same x as the run
        + [(5, 8), (5, 8), (6, 1), (9, 9)]
        + [(9, 10)] * 13
        + [(10, -1)]
    )


def full_query(db: Db, threshold: int) -> list[tuple[int, int]]:
    with db.other.connect() as conn:
        sql = text("SELECT x, y FROM some_table WHERE y > :t AND x IS NOT NULL ORDER BY x, y")
        return [tuple(r) for r in conn.execute(sql, {"t": threshold})]


@pytest.mark.slow
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize("page", [7, 100])
def test_a_run_of_identical_rows_is_neither_dropped_nor_repeated(make_db: MakeDb, index: bool, page: int) -> None:
    rows = run_rows()
    db = make_db(rows, index=index)
    wanted = full_query(db, 0)
    assert wanted == expected_rows(rows, 0)
    assert wanted.count((5, 7)) == RUN
    source = RowSource(db.engine, SPEC, 0)
    got = read_all(source, page)
    assert source.strategy == ("keyset" if index or not db.is_pg else "held")
    assert len(got) == len(wanted)
    assert got == wanted
    assert count_rows(db.engine, SPEC, 0) == len(wanted)


@pytest.mark.parametrize(
    ("start_key", "first"),
    [
        (-100, (1, 1)),
        (1, (1, 1)),
        (2, (2, 4)),
        (3, (6, 8)),
        (6, (6, 8)),
        (100, (100, 100)),
        (101, None),
    ],
)
@pytest.mark.parametrize("page", [1, 3, 1000])
def test_go_to_x(make_db: MakeDb, start_key: int, first, page: int) -> None:
    db = make_db()
    source = RowSource(db.engine, SPEC, 0, start_key=start_key)
    got = read_all(source, page)
    assert got == expected_rows(SEED, 0, start_key)
    assert (got[0] if got else None) == first
    # the total still counts the whole result, not just from x on
    assert source.count() == len(SEED)


@pytest.mark.slow
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize(("start_key", "page"), [(5, 7), (5, 100), (6, 7), (2, 100)])
def test_go_to_x_into_a_run(make_db: MakeDb, index: bool, start_key: int, page: int) -> None:
    rows = run_rows()
    db = make_db(rows, index=index)
    got = read_all(RowSource(db.engine, SPEC, 0, start_key=start_key), page)
    assert got == [r for r in full_query(db, 0) if r[0] >= start_key]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_no_transaction_left_open_between_pages(make_db: MakeDb, index: bool) -> None:
    """While the user reads, no connection of ours sits idle in a transaction."""
    db = make_db(run_rows(), index=index)
    source = RowSource(db.engine, SPEC, 0)
    source.fetch(100)
    source.fetch(100)
    with db.other.connect() as conn:
        states = conn.execute(
            text(
                "SELECT state FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'table-editor'"
            )
        ).scalars().all()
    assert states, "the application's connection should be visible"
    assert not [s for s in states if s.startswith("idle in transaction")]
    rest = read_all(source, 1000)
    assert len(rest) == len(expected_rows(run_rows(), 0)) - 200


EXTREMES = [
    (-2147483648, 2147483647),
    (-2147483648, -2147483647),
    (-1, 0),
    (0, -1),
    (2147483647, 2147483647),
    (2147483647, -2147483648),
    (7, 2147483647),
]


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize("page", [1, 1000, 20_000])
@pytest.mark.parametrize("threshold", [-2147483648, -1, 0, 2147483646])
def test_extreme_values(make_db: MakeDb, index: bool, page: int, threshold: int) -> None:
    db = make_db(EXTREMES, index=index)
    assert read_all(RowSource(db.engine, SPEC, threshold), page) == expected_rows(EXTREMES, threshold)


@pytest.mark.slow
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize("page", [10_000, 25_000])
def test_big_pages_across_a_long_run(make_db: MakeDb, index: bool, page: int) -> None:
    """Pages big enough for bulk transfer, with a boundary inside a run of 15,000."""
    rows = [(k % 97, k % 89) for k in range(4000)] + [(50, 50)] * 15_000 + [(60, 1)] * 3
    db = make_db(rows, index=index)
    got = read_all(RowSource(db.engine, SPEC, 0), page)
    assert got == full_query(db, 0)
    got = read_all(RowSource(db.engine, SPEC, 0, start_key=50), page)
    assert got == [r for r in full_query(db, 0) if r[0] >= 50]


def replace_rows(db: Db, rows) -> None:
    with db.other.begin() as conn:
        conn.execute(text("DELETE FROM some_table"))
        if rows:
            conn.execute(text("INSERT INTO some_table (x, y) VALUES (:x, :y)"), [{"x": x, "y": y} for x, y in rows])


@pytest.fixture
def empty_db(make_db: MakeDb, index: bool) -> Db:
    return make_db([], index=index)


@pytest.mark.slow
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.integers(0, 4), st.integers(-2, 3)), max_size=40),
    page=st.integers(1, 9),
    threshold=st.integers(-3, 3),
    start_key=st.none() | st.integers(-1, 5),
)
def test_any_rows_any_page_size(empty_db: Db, rows, page, threshold, start_key) -> None:
    """Whatever the duplicates, pages concatenate to exactly the ORDER BY result."""
    db = empty_db  # one table per test; each example replaces its rows
    replace_rows(db, rows)
    got = read_all(RowSource(db.engine, SPEC, threshold, start_key=start_key), page, most=len(rows))
    assert got == expected_rows(rows, threshold, start_key)
