"""The rows before a position, on the real PostgreSQL and on SQLite: a window of a
result that starts in the middle (go to, or a row found again by its key) and
grows at both ends holds exactly the whole query once both ends are reached, in
order, NULLs and runs of identical rows included, whatever the page sizes and
whichever end is read first; the rows before the start are counted exactly.

The oracle is the whole query written out in SQL (:func:`test_data_result.oracle`),
as for the forward pages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from gui.data import rows as rows_module
from gui.data.config import DEFAULT_SPEC as SPEC
from gui.data.paging import Condition, PagePlan, SortKey
from gui.data.result import TableResult
from gui.data.rows import RowSource
from gui.data.schema import read_schema
from gui.data.transport import read_columns
from test_data_browse import empty_db, replace_rows  # noqa: F401
from test_data_result import CONDITIONS, TABLES, VALUES, columns_for, engine, fill, normal, oracle, schema_of, tables  # noqa: F401
from test_data_support import Db, backend, expected_rows, make_db  # noqa: F401


def window_of(result: TableResult, moves: list[tuple[str, int]], before=(), after=()) -> list[tuple]:
    """Read ``result`` by ``moves`` ("after"/"before", page size) and then to both
    ends; the rows of the window as it grew (from the rows ``before`` and ``after``
    its start already read), checking each page's size."""
    before: list[list[tuple]] = [list(before)]
    after: list[tuple] = list(after)

    def step(way: str, page: int) -> None:
        if way == "before":
            pieces = result.fetch_before(page)
            rows = [r for piece in pieces for r in piece.rows()]
            assert len(rows) <= page and result.at_start == (len(rows) < page)
            before.append(rows)
        else:
            rows = list(result.fetch(page).rows())
            assert len(rows) <= page
            after.extend(rows)

    for way, page in moves:
        step(way, page)
    for _ in range(10_000):
        if result.exhausted and result.at_start:
            break
        step("after" if not result.exhausted else "before", moves[-1][1] if moves else 3)
    else:
        raise AssertionError("the window never reached both ends")
    assert len(result.fetch_before(5)[0]) == 0  # at the start: nothing more, no error
    return [r for rows in reversed(before) for r in rows] + after


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_window_from_any_row_grows_at_both_ends_into_exactly_the_whole_query(tables: Engine, data) -> None:
    engine = tables
    columns = columns_for(engine)
    name = data.draw(st.sampled_from(list(TABLES)), "table")
    rows = data.draw(st.lists(st.tuples(*(VALUES[c] for c in columns)), min_size=1, max_size=30), "rows")
    sort = [SortKey(c, d) for c, d in data.draw(st.lists(st.tuples(st.sampled_from(columns), st.booleans()), max_size=2, unique_by=lambda s: s[0]), "sort")]
    condition = data.draw(st.one_of(st.none(), st.sampled_from(list(CONDITIONS))), "condition")
    with engine.begin() as conn:
        fill(conn, name, columns, rows)
    schema = schema_of(engine, name)
    where, params, conditions = [], {}, []
    if condition is not None:
        sql, cond = CONDITIONS[condition]
        where, params, conditions = [sql], {"v": cond.value}, [cond]
    with engine.connect() as conn:
        expected = oracle(conn, name, sort, where, params)
    if not expected:
        return
    # a row of the result, found again by its key (by every order value without one)
    whole = TableResult(engine, schema, conditions, sort)
    loaded = whole.fetch(len(expected) + 1)
    k = data.draw(st.integers(0, len(expected) - 1), "row")
    anchor = whole.anchor_of(lambda j: (loaded[j], k))
    first = k if whole.plan.unique else next(i for i, r in enumerate(normal(expected)) if r == normal(expected)[k])
    moves = data.draw(st.lists(st.tuples(st.sampled_from(["after", "before"]), st.sampled_from([1, 2, 7, 1000])), max_size=4), "moves")

    result = TableResult(engine, schema, conditions, sort, anchor=anchor)
    assert result.count_before() == 0  # before the first fetch the anchor is not found yet: nothing to count from
    page = result.fetch_before(1)  # finds the anchor first
    assert result.anchor_found
    assert normal([r for p in page for r in p.rows()]) == normal(expected[max(first - 1, 0) : first])
    assert result.count_before() == first
    assert normal(window_of(result, moves, before=[r for p in page for r in p.rows()])) == normal(expected)

    # the same from the row's order values ("go to" a whole row): its run's first row
    result = TableResult(engine, schema, conditions, sort, start_at=whole.order_values(lambda j: (loaded[j], k)))
    head = list(result.fetch(1).rows())
    assert normal(head) == normal(expected[first : first + 1])
    assert result.count_before() == first
    assert normal(window_of(result, moves, after=head)) == normal(expected)


def test_an_anchor_the_filter_no_longer_holds_starts_where_start_at_says(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id integer PRIMARY KEY, a integer)"))
        conn.execute(text("INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (4, 40)"))
    schema = schema_of(engine, "t")
    hidden = [Condition("a", "≠", 30)]
    # found: starts at it, wherever its sort value went
    result = TableResult(engine, schema, sort=[SortKey("a")], anchor=(3,))
    assert list(result.fetch(10).rows()) == [(3, 30), (4, 40)] and result.anchor_found
    assert result.count_before() == 2 and not result.at_start
    # not found: the fallback, the row at or after the values it had
    result = TableResult(engine, schema, hidden, [SortKey("a")], start_at=(30, 3), anchor=(3,))
    assert list(result.fetch(10).rows()) == [(4, 40)] and result.anchor_found is False
    assert [r for p in result.fetch_before(10) for r in p.rows()] == [(1, 10), (2, 20)] and result.at_start
    # not found and no fallback: from the start
    result = TableResult(engine, schema, hidden, [SortKey("a")], anchor=(3,))
    assert list(result.fetch(10).rows()) == [(1, 10), (2, 20), (4, 40)] and result.at_start
    assert result.count_before() == 0


def test_a_run_of_identical_rows_before_the_start_comes_whole(engine: Engine) -> None:
    """Pages before the start cut a run of 25 identical rows anywhere: each comes once."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bag (a integer, b text)"))
        rows = [{"a": 1, "b": "x"}] * 25 + [{"a": None, "b": None}] * 13 + [{"a": 0, "b": "y"}] + [{"a": 2, "b": "z"}] * 3
        conn.execute(text("INSERT INTO bag VALUES (:a, :b)"), rows)
    schema = schema_of(engine, "bag")
    whole = [(0, "y")] + [(1, "x")] * 25 + [(2, "z")] * 3 + [(None, None)] * 13
    for page in (1, 4, 12, 25, 26, 1000):
        result = TableResult(engine, schema, start_at=[2, "z"])
        assert result.count_before() == 26
        assert window_of(result, [("before", page)] * 3) == whole, page
    # descending: NULLs first, so the rows before a value begin with them
    result = TableResult(engine, schema, sort=[SortKey("a", descending=True)], start_at=[0])
    assert result.count_before() == 41
    assert window_of(result, [("before", 5)] * 4) == whole[::-1][:13] + [(2, "z")] * 3 + [(1, "x")] * 25 + [(0, "y")]


@pytest.mark.postgres
def test_pages_before_a_value_in_a_nullable_sort_are_read_by_index_ranges(pg_engine: Engine) -> None:
    """Sorted descending by a nullable column, the rows before a value are the
    greater values and then every NULL: read as two index ranges, as the forward
    pages of an ascending sort are (see test_data_paging)."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stamps (id integer PRIMARY KEY, t integer)"))
        conn.execute(text("INSERT INTO stamps SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE g END FROM generate_series(1, 50000) g"))
        conn.execute(text("CREATE INDEX ON stamps (t)"))
        conn.execute(text("ANALYZE stamps"))
        schema = read_schema(conn, "stamps")
        plan = PagePlan(schema, sort=[SortKey("t", descending=True)])
        back = plan.reversed()
        past = back.past([25_001])
        assert back.nulls_apart(past)

        def explained(stmt) -> str:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))

        # one statement would be `t >= v OR t IS NULL`: no index range (see test_data_paging)
        assert "Index Cond: ((t >= 25001)" not in explained(plan.in_order(back.page(past, 1000)))
        assert "Index Cond: ((t >= 25001)" in explained(plan.in_order(back.page(past, 1000, values_only=True)))
        assert "Index Cond: (t IS NULL)" in explained(plan.in_order(back.nulls_page(1000)))
        types = [c.type_name for c in schema.columns]
        values = [r[1] for r in read_columns(conn, plan.in_order(back.page(past, 1000, values_only=True)), types).rows()]
        nearest = [v for v in range(25_002, 50_001) if v % 10][:1000]  # the values just before 25,001, descending
        assert values == nearest[::-1]
    greater = [g for g in range(50_000, 25_001, -1) if g % 10]  # t = g, descending
    result = TableResult(pg_engine, schema, sort=[SortKey("t", descending=True)], start_at=[25_001])
    assert result.count_before() == 5_000 + len(greater)
    assert list(result.fetch(1).rows()) == [(25_001, 25_001)]
    got = [r for p in result.fetch_before(50_000) for r in p.rows()]
    assert result.at_start
    assert got == [(g, None) for g in range(10, 50_001, 10)] + [(g, g) for g in greater]


# -- the tutorial's source: pages of (x, y) before a key or a row -------------------------


def source_window(source: RowSource, moves: list[tuple[str, int]], page: int) -> list[tuple[int, int]]:
    """:func:`window_of` for a :class:`RowSource`, on by pages of ``page`` rows after ``moves``."""
    before: list[list[tuple[int, int]]] = []
    after: list[tuple[int, int]] = []
    for _ in range(10_000):
        if moves:
            way, size = moves.pop(0)
        elif source.exhausted and source.at_start:
            break
        else:
            way, size = ("after" if not source.exhausted else "before"), page
        if way == "before":
            xs, ys = source.fetch_before(size)
            assert len(xs) <= size and source.at_start == (len(xs) < size)
            before.append(list(zip(xs.tolist(), ys.tolist())))
        else:
            xs, ys = source.fetch(size)
            after += list(zip(xs.tolist(), ys.tolist()))
    else:
        raise AssertionError("the window never reached both ends")
    return [r for rows in reversed(before) for r in rows] + after


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(st.integers(0, 3), st.integers(-1, 2)), min_size=1, max_size=40),
    threshold=st.integers(-2, 1),
    start=st.one_of(st.integers(-1, 4).map(lambda k: ("key", k)), st.integers(0, 39).map(lambda i: ("row", i))),
    moves=st.lists(st.tuples(st.sampled_from(["after", "before"]), st.sampled_from([1, 2, 5, 1000])), max_size=5),
    page=st.integers(1, 4),
    spilled=st.booleans(),
)
def test_the_tutorial_source_grows_at_both_ends_into_exactly_the_whole_query(
    empty_db: Db, monkeypatch, rows, threshold, start, moves, page, spilled
) -> None:
    """From "go to x" or a row (x, y) it was on (found again, else from x), with
    duplicates on both sides of the start: each row comes once, in order, and the
    rows before the start are counted."""
    db = empty_db
    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", -1 if spilled else 20_000_000)
    replace_rows(db, rows)
    whole = expected_rows(rows, threshold)
    if start[0] == "key":
        source = RowSource(db.engine, SPEC, threshold, start_key=start[1])
        first = sum(1 for r in whole if r[0] < start[1])
    else:
        x, y = rows[start[1] % len(rows)]
        source = RowSource(db.engine, SPEC, threshold, start_key=x, anchor=(x, y))
        shown = y > threshold
        first = sum(1 for r in whole if r < (x, y)) if shown else sum(1 for r in whole if r[0] < x)
    assert source_window(source, moves, page) == whole
    assert source.count_before() == first
    if start[0] == "row":
        assert source.anchor_found == (y > threshold)
    source.close()
