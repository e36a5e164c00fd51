"""Paging any relation with any filter and sort, on the real PostgreSQL: keyset pages
of any size give exactly the rows of the whole query, in its order, NULLs and runs
of identical rows included (a property test over generated tables), and "go to"
starts at the first row at or after a value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gui.data.paging import Condition, PagePlan, Position, SortKey
from gui.data.schema import read_schema
from gui.data.transport import read_columns

pytestmark = pytest.mark.postgres

COLUMNS = {"a": "integer", "b": "text", "c": "numeric(6,2)", "d": "double precision", "j": "json"}

values = {
    "a": st.one_of(st.none(), st.integers(-3, 3)),
    "b": st.one_of(st.none(), st.sampled_from(["", "x", "X", "y", "yy", "é"])),
    "c": st.one_of(st.none(), st.sampled_from([Decimal("0.00"), Decimal("1.50"), Decimal("-2.25")])),
    "d": st.one_of(st.none(), st.sampled_from([0.0, -0.5, 1e300, float("inf"), float("nan")])),
    "j": st.one_of(st.none(), st.sampled_from(['{"k": 1}', "[]", '"s"'])),
}
rows_strategy = st.lists(st.tuples(*values.values()), max_size=40)
sort_strategy = st.lists(
    st.tuples(st.sampled_from(list(COLUMNS)), st.booleans()), max_size=3, unique_by=lambda s: s[0]
)
condition_strategy = st.one_of(
    st.none(),
    st.sampled_from(
        [
            Condition("a", ">", 0),
            Condition("a", "≠", 1),
            Condition("b", "contains", "x"),
            Condition("c", "is NULL"),
            Condition("d", "is not NULL"),
            Condition("a", "≤", 2),
        ]
    ),
)


@pytest.fixture
def paged_db(pg_engine):
    with pg_engine.begin() as conn:
        cols = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        conn.execute(text(f"CREATE TABLE bag ({cols})"))
        conn.execute(text(f"CREATE TABLE keyed (id integer PRIMARY KEY, {cols})"))
    return pg_engine


def fill(conn, name: str, rows) -> None:
    conn.execute(text(f"TRUNCATE {name}"))
    if not rows:
        return
    keyed = name == "keyed"
    placeholders = ", ".join(f":{c}" for c in COLUMNS)
    sql = f"INSERT INTO {name} VALUES ({':id, ' if keyed else ''}{placeholders})"
    conn.execute(text(sql), [dict(zip(COLUMNS, row), id=i) for i, row in enumerate(rows)])


def read_pages(conn, plan: PagePlan, page: int, position: Position | None = None) -> list[tuple]:
    types = [plan.schema.column(name).type_name for name in plan.columns]
    position = position or Position()
    seen: list[tuple] = []
    for _ in range(1000):
        loaded = read_columns(conn, plan.page(position, page), types, expected_rows=page)
        rows = list(loaded.rows())
        seen += rows
        position = plan.advance(position, rows)
        if len(rows) < page:
            return seen
    raise AssertionError("paging did not end")


def whole(conn, plan: PagePlan) -> list[tuple]:
    stmt = plan.page(Position(), 1_000_000)
    types = [plan.schema.column(name).type_name for name in plan.columns]
    return list(read_columns(conn, stmt, types).rows())


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Equal, NaN included (NaN equals NaN in PostgreSQL's ordering)."""
    def norm(row):
        return tuple("NaN" if isinstance(v, float) and v != v else v for v in row)

    return [norm(r) for r in a] == [norm(r) for r in b]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, sort=sort_strategy, condition=condition_strategy, page=st.integers(1, 7), keyed=st.booleans())
def test_pages_of_any_size_give_exactly_the_whole_query(paged_db, rows, sort, condition, page, keyed) -> None:
    name = "keyed" if keyed else "bag"
    with paged_db.begin() as conn:
        fill(conn, name, rows)
        schema = read_schema(conn, name)
        plan = PagePlan(schema, [condition] if condition else [], [SortKey(c, d) for c, d in sort])
        assert same_rows(read_pages(conn, plan, page), whole(conn, plan))
        expected = [r for r in rows if condition is None or _matches(condition, r)]
        assert len(whole(conn, plan)) == len(expected) == conn.execute(plan.count()).scalar_one()


def _matches(condition: Condition, row) -> bool:
    value = dict(zip(COLUMNS, row))[condition.column]
    if condition.op == "is NULL":
        return value is None
    if condition.op == "is not NULL":
        return value is not None
    if condition.op == "≠":
        return value != condition.value  # NULL is "not 1"
    if value is None:
        return False
    if condition.op == "contains":
        return condition.value.lower() in value.lower()
    return {">": value > condition.value if condition.op == ">" else None, "≤": value <= condition.value}[condition.op]


def test_a_run_of_identical_rows_across_page_bounds_is_kept_whole(paged_db) -> None:
    with paged_db.begin() as conn:
        rows = [(1, "x", None, None, None)] * 25 + [(None, None, None, None, None)] * 13 + [(2, "y", None, None, None)]
        fill(conn, "bag", rows)
        plan = PagePlan(read_schema(conn, "bag"))
        for page in (1, 4, 10, 24, 25, 26, 100):
            got = read_pages(conn, plan, page)
            assert len(got) == len(rows) and same_rows(got, whole(conn, plan)), page


def test_rows_whose_key_or_sort_column_is_null_are_never_left_out(paged_db) -> None:
    """``(a, b) > (…)`` would drop them: the plan's predicate does not."""
    with paged_db.begin() as conn:
        rows = [(None, "n1", None, None, None), (1, None, None, None, None), (None, None, None, None, None), (2, "b", None, None, None)]
        fill(conn, "keyed", rows)
        for descending in (False, True):
            plan = PagePlan(read_schema(conn, "keyed"), sort=[SortKey("a", descending)])
            got = read_pages(conn, plan, 1)
            assert len(got) == 4
            nulls_first = [r[1] for r in got][: 2] == [None, None]
            assert nulls_first == descending  # ASC: NULLs last; DESC: NULLs first


def test_go_to_starts_at_the_first_row_at_or_after_a_value(paged_db) -> None:
    with paged_db.begin() as conn:
        fill(conn, "keyed", [(k, None, None, None, None) for k in (3, 1, 2, 2, None, 5)])
        plan = PagePlan(read_schema(conn, "keyed"), sort=[SortKey("a")])
        start = plan.start_at([2])
        assert [r[1] for r in read_pages(conn, plan, 2, start)] == [2, 2, 3, 5, None]


def test_a_page_in_a_nullable_ascending_sort_is_read_by_index_ranges(pg_engine) -> None:
    # ``c >= :v OR c IS NULL`` is no index range: the planner sorted the whole table
    # for it; the values and the NULLs are read as two statements, each a range
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stamps (id integer PRIMARY KEY, t timestamptz)"))
        conn.execute(
            text(
                "INSERT INTO stamps SELECT g, CASE WHEN g % 10 = 0 THEN NULL"
                " ELSE timestamptz '2024-01-01' + g * interval '1 minute' END FROM generate_series(1, 200000) g"
            )
        )
        conn.execute(text("CREATE INDEX ON stamps (t)"))
        conn.execute(text("ANALYZE stamps"))
        schema = read_schema(conn, "stamps")
        plan = PagePlan(schema, sort=[SortKey("t")])
        start = plan.start_at(["2024-03-01T00:00:00+00:00"])
        assert plan.nulls_apart(start) and not plan.nulls_apart(Position())

        def explained(stmt) -> str:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))

        # each read is an index range on t (an Index Cond), not a walk of every row
        # with a filter, as the one statement with OR IS NULL is
        assert "Index Cond: (t >=" not in explained(plan.page(start, 1000))
        assert "Index Cond: (t >=" in explained(plan.page(start, 1000, values_only=True))
        assert "Index Cond: (t IS NULL)" in explained(plan.nulls_page(1000))
        # the two reads together are the page the single statement gives
        types = [c.type_name for c in schema.columns]
        one = list(read_columns(conn, plan.page(start, 200_000), types).rows())
        values = list(read_columns(conn, plan.page(start, 200_000, values_only=True), types).rows())
        nulls = list(read_columns(conn, plan.nulls_page(200_000 - len(values)), types).rows())
        assert values + nulls == one and len(nulls) == 20_000 and all(r[1] is not None for r in values)
