"""The loaded result of any relation (:class:`TableResult`), on the real PostgreSQL and
on SQLite: successive pages of any size hold exactly the rows of a direct ``SELECT
... ORDER BY`` (a property test over small tables with NULLs and duplicate rows, with
a primary key, a two-column key or none), every PostgreSQL type comes back exact and
pages in any order, only readable columns are read, "go to", count, Cancel, a
dropped connection and the user's read-only and timeout options."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from gui.data.codecs import codec_for
from gui.data.connection import CancelToken, create_engine_for, settings_from_url
from gui.data.errors import Cancelled, PermissionDenied, QueryFailed
from gui.data.paging import Condition, SortKey
from gui.data.result import TableResult, session_time_zone
from gui.data.schema import read_schema

UTC = dt.timezone.utc


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    sqlite = create_engine(f"sqlite:///{tmp_path / 'result.db'}")
    try:
        yield sqlite
    finally:
        sqlite.dispose()


def read_all(result: TableResult, page: int) -> list[tuple]:
    rows: list[tuple] = []
    for _ in range(10_000):
        loaded = result.fetch(page)
        assert len(loaded) <= page and loaded.names == result.names
        rows += loaded.rows()
        assert result.exhausted == (len(loaded) < page)
        if result.exhausted:
            assert len(result.fetch(page)) == 0
            return rows
    raise AssertionError("paging did not end")


def normal(rows) -> list[tuple]:
    """NaN as a word: it equals itself in PostgreSQL's order, not in Python."""
    return [tuple("NaN" if v != v else v for v in row) for row in rows]


def schema_of(engine: Engine, name: str):
    with engine.connect() as conn:
        return read_schema(conn, name)


# -- every row once, in order: a property test against the whole query -----------------

# values few enough that rows repeat, and NULL in every column
VALUES = {
    "a": st.one_of(st.none(), st.integers(-2, 2)),
    "b": st.one_of(st.none(), st.sampled_from(["", "x", "X", "é"])),
    "c": st.one_of(st.none(), st.sampled_from([Decimal("0.00"), Decimal("1.50"), Decimal("-2.25"), Decimal("NaN")])),
    "d": st.one_of(st.none(), st.sampled_from([0.0, -0.5, 1e300, float("inf"), float("nan")])),
    "e": st.one_of(st.none(), st.sampled_from([0.1, -0.5, 3.4e38])),  # real: 0.1 is not exact
}
TYPES = {"a": "integer", "b": "text", "c": "numeric(6,2)", "d": "double precision", "e": "real"}
SQLITE_LEFT_OUT = {"c"}  # sqlite3 binds no Decimal
# name -> (key columns, SQLite table suffix)
TABLES = {"bag": ((), ""), "keyed": (("id",), ""), "pair": (("k1", "k2"), " WITHOUT ROWID")}
CONDITIONS = {
    ">": ("a > :v", Condition("a", ">", 0)),
    "≠": ("a IS DISTINCT FROM :v", Condition("a", "≠", 1)),
    "is NULL": ("b IS NULL", Condition("b", "is NULL")),
    "is not NULL": ("d IS NOT NULL", Condition("d", "is not NULL")),
    "≤ text": ("b <= :v", Condition("b", "≤", "x")),
}


def columns_for(engine: Engine) -> list[str]:
    return [c for c in TYPES if not (engine.dialect.name == "sqlite" and c in SQLITE_LEFT_OUT)]


@pytest.fixture
def tables(engine: Engine) -> Engine:
    cols = ", ".join(f"{c} {TYPES[c]}" for c in columns_for(engine))
    with engine.begin() as conn:
        for name, (key, suffix) in TABLES.items():
            key_cols = "".join(f"{k} {'text' if k == 'k2' else 'integer'} NOT NULL, " for k in key)
            primary = f", PRIMARY KEY ({', '.join(key)})" if key else ""
            if engine.dialect.name != "sqlite":
                suffix = ""
            conn.execute(text(f"CREATE TABLE {name} ({key_cols}{cols}{primary}){suffix}"))
    return engine


def fill(conn, name: str, columns: list[str], rows: list[tuple]) -> None:
    conn.execute(text(f"DELETE FROM {name}"))
    key = TABLES[name][0]
    names = list(key) + columns
    records = []
    for i, row in enumerate(rows):
        keys = {"id": i, "k1": i // 3, "k2": "abc"[i % 3]}
        records.append({**{k: keys[k] for k in key}, **dict(zip(columns, row))})
    if records:
        conn.execute(text(f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"), records)


def oracle(conn, name: str, sort: list[SortKey], where: list[str], params: dict) -> list[tuple]:
    """The whole query, written out: the sort, then the key, else every column."""
    schema = read_schema(conn, name)
    sorted_names = [s.column for s in sort]
    rest = schema.key or tuple(c.name for c in schema.columns)
    order = [f"{s.column} DESC NULLS FIRST" if s.descending else f"{s.column} ASC NULLS LAST" for s in sort]
    order += [f"{c} ASC NULLS LAST" for c in rest if c not in sorted_names]
    sql = f"SELECT * FROM {name}" + (f" WHERE {' AND '.join(where)}" if where else "") + f" ORDER BY {', '.join(order)}"
    return [tuple(r) for r in conn.execute(text(sql), params)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pages_of_any_size_hold_exactly_the_whole_query(tables: Engine, data) -> None:
    engine = tables
    columns = columns_for(engine)
    name = data.draw(st.sampled_from(list(TABLES)), "table")
    rows = data.draw(st.lists(st.tuples(*(VALUES[c] for c in columns)), max_size=30), "rows")
    sort = [SortKey(c, d) for c, d in data.draw(st.lists(st.tuples(st.sampled_from(columns), st.booleans()), max_size=2, unique_by=lambda s: s[0]), "sort")]
    condition = data.draw(st.one_of(st.none(), st.sampled_from(list(CONDITIONS))), "condition")
    page = data.draw(st.sampled_from([1, 2, 7, 1000]), "page")
    with engine.begin() as conn:
        fill(conn, name, columns, rows)
    schema = schema_of(engine, name)
    where, params, conditions = [], {}, []
    if condition is not None:
        sql, cond = CONDITIONS[condition]
        where, params, conditions = [sql], {"v": cond.value}, [cond]
    with engine.connect() as conn:
        expected = oracle(conn, name, sort, where, params)

    result = TableResult(engine, schema, conditions, sort)
    assert normal(read_all(result, page)) == normal(expected)
    assert result.count() == len(expected)

    # go to a value of the first order column: the rows at or after it
    first = sort[0] if sort else SortKey(schema.key[0] if schema.key else columns[0])
    values = [r[list(result.names).index(first.column)] for r in expected]
    start = data.draw(st.sampled_from([v for v in values if v is not None] or [None]), "start")
    if start is None or start != start:  # NaN: equal to itself only in SQL
        return
    bound = f"{first.column} <= :s" if first.descending else f"({first.column} >= :s OR {first.column} IS NULL)"
    with engine.connect() as conn:
        expected_from = oracle(conn, name, sort, where + [bound], {**params, "s": start})
    result = TableResult(engine, schema, conditions, sort, start_at=[start])
    assert normal(read_all(result, page)) == normal(expected_from)
    assert result.count() == len(expected)  # start_at does not change the count


def test_a_run_of_identical_rows_across_page_bounds_comes_whole(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bag (a integer, b text)"))
        rows = [{"a": 1, "b": "x"}] * 25 + [{"a": None, "b": None}] * 13 + [{"a": 0, "b": "y"}]
        conn.execute(text("INSERT INTO bag VALUES (:a, :b)"), rows)
    schema = schema_of(engine, "bag")
    for page in (1, 4, 12, 13, 25, 26, 1000):
        got = read_all(TableResult(engine, schema), page)
        assert got == [(0, "y")] + [(1, "x")] * 25 + [(None, None)] * 13, page
    got = read_all(TableResult(engine, schema, sort=[SortKey("a", descending=True)]), 5)
    assert got == [(None, None)] * 13 + [(1, "x")] * 25 + [(0, "y")]
    # go to inside the run: the whole run, from its first row
    got = read_all(TableResult(engine, schema, sort=[SortKey("a")], start_at=[1, "x"]), 7)
    assert got == [(1, "x")] * 25 + [(None, None)] * 13


@pytest.mark.parametrize("page", [7, 1000])
def test_thousands_of_rows_in_runs_with_nulls(engine: Engine, page: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bag (a integer, b text)"))
        rows = [{"a": i % 37 if i % 11 else None, "b": None if i % 5 == 0 else str(i % 3)} for i in range(2500)]
        conn.execute(text("INSERT INTO bag VALUES (:a, :b)"), rows)
        expected = oracle(conn, "bag", [SortKey("b", descending=True)], [], {})
    result = TableResult(engine, schema_of(engine, "bag"), sort=[SortKey("b", descending=True)])
    assert read_all(result, page) == expected
    assert result.count() == 2500


def test_go_to_by_a_two_column_key_and_close(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE pair (k1 integer NOT NULL, k2 text NOT NULL, v real, PRIMARY KEY (k1, k2))"
                          f"{' WITHOUT ROWID' if engine.dialect.name == 'sqlite' else ''}"))  # fmt: skip
        conn.execute(text("INSERT INTO pair VALUES (:k1, :k2, :v)"), [{"k1": i // 3, "k2": "cab"[i % 3], "v": 0.1} for i in range(9)])
    schema = schema_of(engine, "pair")
    everything = [(i, k, 0.1) for i in range(3) for k in "abc"]
    assert read_all(TableResult(engine, schema, start_at=[1, "b"]), 2) == everything[4:]
    real = float(np.float32(0.1)) if engine.dialect.name == "postgresql" else 0.1  # what the codec parses "0.1" to
    assert read_all(TableResult(engine, schema, sort=[SortKey("v")], start_at=[real, 2]), 1) == everything[6:]
    result = TableResult(engine, schema)
    assert len(result.fetch(2)) == 2
    result.close()
    page = result.fetch(2)
    assert len(page) == 0 and page.names == ("k1", "k2", "v") and result.exhausted


# -- PostgreSQL types ----------------------------------------------------------------

TYPED_COLUMNS = (
    "i2 smallint, i8 bigint, n numeric(8,2), f8 double precision, f4 real, ok boolean, t text, v varchar(5), "
    "ch char(3), d date, ts timestamp, tz timestamptz, u uuid, j json, jb jsonb, m mood, price price, "
    "arr integer[], raw bytea"
)
TYPED_ROWS = [
    "2, 1099511627776, 12.50, 1.5, 0.1, true, 'é t', 'abc', 'ab', '2024-01-31', '2024-01-31 13:45:07.25', "
    "'2024-01-31 12:00+00', '0e5b4a1c-0000-4000-8000-000000000001', '{\"k\": [1, 2]}', '{\"k\": [1, 2]}', "
    "'sad', 3.10, '{1,NULL,3}', '\\x00ff'",
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
    "-32768, -9223372036854775808, 'NaN', 'NaN', 3.4e38, false, '', '', '', 'infinity', '-infinity', "
    "'2000-06-01 00:00:00.000001+05:30', 'ffffffff-ffff-4fff-bfff-ffffffffffff', '[]', 'null', 'happy', -0.5, '{}', ''",
]
TYPED_VALUES = [
    (2, 1 << 40, Decimal("12.50"), 1.5, 0.1, True, "é t", "abc", "ab ", dt.date(2024, 1, 31),
     dt.datetime(2024, 1, 31, 13, 45, 7, 250000), dt.datetime(2024, 1, 31, 12, tzinfo=UTC),
     "0e5b4a1c-0000-4000-8000-000000000001", '{"k": [1, 2]}', '{"k": [1, 2]}', "sad", Decimal("3.10"), "{1,NULL,3}", "\\x00ff"),
    (None,) * 19,
    (-32768, -(1 << 63), Decimal("NaN"), float("nan"), 3.4e38, False, "", "", "   ", dt.date.max, dt.datetime.min,
     dt.datetime(2000, 5, 31, 18, 30, 0, 1, tzinfo=UTC), "ffffffff-ffff-4fff-bfff-ffffffffffff", "[]", "null", "happy",
     Decimal("-0.50"), "{}", "\\x"),
]  # fmt: skip


@pytest.fixture
def typed(pg_engine: Engine) -> Engine:
    """Each row of TYPED_ROWS twice (ids 1..6): ties on every column, told apart by the key;
    ``typed_bag`` the same rows without a key."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TYPE mood AS ENUM ('sad', 'happy')"))
        conn.execute(text("CREATE DOMAIN price AS numeric(6,2) CHECK (VALUE > -100)"))
        conn.execute(text(f"CREATE TABLE typed (id integer PRIMARY KEY, {TYPED_COLUMNS})"))
        for i, row in enumerate(TYPED_ROWS * 2, start=1):
            conn.execute(text(f"INSERT INTO typed VALUES ({i}, {row})"))
        conn.execute(text("CREATE TABLE typed_bag AS SELECT * FROM typed"))
        conn.execute(text("ALTER TABLE typed_bag DROP COLUMN id"))
    return pg_engine


@pytest.mark.postgres
@pytest.mark.parametrize("page", [1, 1000], ids=["cursor", "copy"])
def test_every_postgresql_type_comes_back_exact(typed: Engine, page: int) -> None:
    result = TableResult(typed, schema_of(typed, "typed"))
    assert result.column_types[-3:] == ("numeric(6,2)", "integer[]", "bytea")  # a domain is read as its base
    assert result.column_types[16] == "mood"
    rows = read_all(result, page)
    assert normal(rows) == normal([(i, *v) for i, v in enumerate(TYPED_VALUES * 2, start=1)])
    assert str(rows[0][3]) == "12.50" and str(rows[0][17]) == "3.10"  # the scale kept


@pytest.mark.postgres
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_pages_in_the_order_of_any_type(typed: Engine, descending: bool) -> None:
    """A page boundary between two rows equal on the sort column: the position's
    value must compare equal on the server (a real, infinity, numeric NaN, json)."""
    schema = schema_of(typed, "typed")
    for col in schema.columns[1:]:
        expr = f"{col.name}::text" if col.base_type == "json" else col.name
        order = "DESC NULLS FIRST" if descending else "ASC NULLS LAST"
        with typed.connect() as conn:
            expected = conn.execute(text(f"SELECT id FROM typed ORDER BY {expr} {order}, id")).scalars().all()
        got = [r[0] for r in read_all(TableResult(typed, schema, sort=[SortKey(col.name, descending)]), 1)]
        assert got == expected, col.name
        # go to the first row's value (a boolean's too: SQLAlchemy takes no `column >= True`)
        start = TYPED_VALUES[0][schema.columns.index(col) - 1]
        bound = f"{expr} <= :s" if descending else f"({expr} >= :s OR {expr} IS NULL)"
        with typed.connect() as conn:
            expected = conn.execute(text(f"SELECT id FROM typed WHERE {bound} ORDER BY {expr} {order}, id"), {"s": start}).scalars().all()
        result = TableResult(typed, schema, sort=[SortKey(col.name, descending)], start_at=[start])
        assert [r[0] for r in read_all(result, 1)] == expected, col.name


@pytest.mark.postgres
def test_an_infinite_numeric_is_filtered_gone_to_and_paged_past_as_infinity_not_nan(pg_engine: Engine) -> None:
    """psycopg2 binds a non-finite Decimal as NaN: a filter ``n = Infinity`` listed the
    NaN rows, and a page ending on an infinite value went on after NaN."""
    values = ["1", "'Infinity'", "'Infinity'", "'NaN'", "'-Infinity'", "NULL", "2", "'Infinity'", "'NaN'", "'-Infinity'"]
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE infinite (id integer PRIMARY KEY, n numeric)"))
        conn.execute(text("INSERT INTO infinite VALUES " + ", ".join(f"({i}, {v})" for i, v in enumerate(values))))
    schema = schema_of(pg_engine, "infinite")
    codec = codec_for("numeric")

    def ids(sql: str, **params) -> list[int]:
        with pg_engine.connect() as conn:
            return conn.execute(text(f"SELECT id FROM infinite {sql}"), params).scalars().all()

    for word in ("Infinity", "-Infinity"):
        value = codec.parse(word)
        for op, sql_op in (("=", "="), ("≥", ">="), ("<", "<")):
            got = [r[0] for r in read_all(TableResult(pg_engine, schema, [Condition("n", op, value)]), 1000)]
            assert got == ids(f"WHERE n {sql_op} CAST(:v AS numeric) ORDER BY id", v=word), (op, word)
    for descending in (False, True):
        order = "DESC NULLS FIRST" if descending else "ASC NULLS LAST"
        sort = [SortKey("n", descending)]
        for page in (1, 2):
            got = [r[0] for r in read_all(TableResult(pg_engine, schema, sort=sort), page)]
            assert got == ids(f"ORDER BY n {order}, id"), (descending, page)
        start = codec.parse("Infinity")
        bound = "n <= 'Infinity'" if descending else "(n >= 'Infinity' OR n IS NULL)"
        got = [r[0] for r in read_all(TableResult(pg_engine, schema, sort=sort, start_at=[start]), 1)]
        assert got == ids(f"WHERE {bound} ORDER BY n {order}, id"), descending


@pytest.mark.postgres
@pytest.mark.parametrize("page", [1, 2, 5])
def test_identical_rows_of_every_type_without_a_key(typed: Engine, page: int) -> None:
    rows = read_all(TableResult(typed, schema_of(typed, "typed_bag")), page)
    assert len(rows) == 6
    assert Counter(normal(rows)) == Counter(normal(TYPED_VALUES * 2))


@pytest.mark.postgres
def test_session_time_zone(pg_db, tmp_path) -> None:
    zoned = create_engine(pg_db.url, connect_args={"options": "-c TimeZone=Asia/Kolkata"})
    try:
        with zoned.connect() as conn:
            assert session_time_zone(conn) == "Asia/Kolkata"
    finally:
        zoned.dispose()
    sqlite = create_engine(f"sqlite:///{tmp_path / 'tz.db'}")
    try:
        with sqlite.connect() as conn:
            assert session_time_zone(conn) == "UTC"
    finally:
        sqlite.dispose()


# -- privileges ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("readable", [("id", "a"), ("a",)], ids=["key-readable", "key-hidden"])
def test_only_the_columns_the_role_may_read_are_read(pg_engine: Engine, readable: tuple[str, ...]) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id integer PRIMARY KEY, a integer, secret text)"))
        conn.execute(text("INSERT INTO t SELECT g, g % 3, 'x' FROM generate_series(1, 20) g"))
        conn.execute(text("REVOKE SELECT ON t FROM CURRENT_USER"))
        conn.execute(text(f"GRANT SELECT ({', '.join(readable)}) ON t TO CURRENT_USER"))
    schema = schema_of(pg_engine, "t")
    result = TableResult(pg_engine, schema, [Condition("a", "≠", 0)])
    assert result.names == readable
    expected = [(g, g % 3) if "id" in readable else (g % 3,) for g in range(1, 21) if g % 3]
    got = read_all(result, 3)
    assert got == expected if "id" in readable else sorted(got) == sorted(expected)
    assert result.count() == len(expected)
    for conditions, sort in (([Condition("secret", "=", "x")], []), ([], [SortKey("secret")])):
        with pytest.raises(PermissionDenied):
            TableResult(pg_engine, schema, conditions, sort)


# -- the user's options, Cancel, a dropped connection ---------------------------------------


def app_engine(pg_db, **options) -> Engine:
    return create_engine_for(settings_from_url(pg_db.url.render_as_string(hide_password=False), **options))


@pytest.fixture
def probe(pg_engine: Engine) -> Engine:
    """A view that shows what the page's transaction is: read-only or not."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE VIEW probe AS SELECT g AS id, current_setting('transaction_read_only') AS ro "
                          "FROM generate_series(1, 5) g"))  # fmt: skip
    return pg_engine


@pytest.mark.postgres
@pytest.mark.parametrize("read_only", [False, True])
def test_pages_honour_the_read_only_option(probe: Engine, pg_db, read_only: bool) -> None:
    engine = app_engine(pg_db, read_only=read_only)
    try:
        result = TableResult(engine, schema_of(engine, "probe"), sort=[SortKey("id")])
        expected = [(g, "on" if read_only else "off") for g in range(1, 6)]
        assert read_all(result, 2) == expected
        assert read_all(TableResult(engine, result.plan.schema, sort=[SortKey("id")]), 1000) == expected
        assert result.count() == 5
    finally:
        engine.dispose()


@pytest.fixture
def sleepy(pg_engine: Engine) -> Engine:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE VIEW sleepy AS SELECT g AS id FROM generate_series(1, 3) g, pg_sleep(30) s"))
    return pg_engine


@pytest.mark.postgres
def test_a_statement_timeout_stops_a_page(sleepy: Engine, pg_db) -> None:
    engine = app_engine(pg_db, statement_timeout_ms=300)
    try:
        started = time.monotonic()
        with pytest.raises(QueryFailed, match="statement timeout"):
            TableResult(engine, schema_of(engine, "sleepy")).fetch(10)
        assert time.monotonic() - started < 10
    finally:
        engine.dispose()


def sleeping(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).scalar_one())


def in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as error:  # handed to the test thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


@pytest.mark.postgres
@pytest.mark.parametrize("call", ["fetch", "count"])
def test_cancel_stops_a_running_page_or_count(sleepy: Engine, call: str) -> None:
    result = TableResult(sleepy, schema_of(sleepy, "sleepy"))
    token = CancelToken()
    thread, errors = in_thread(lambda: result.fetch(10, token) if call == "fetch" else result.count(token))
    deadline = time.monotonic() + 10
    while not sleeping(sleepy):
        assert time.monotonic() < deadline, "the statement never started"
        time.sleep(0.05)
    started = time.monotonic()
    token.cancel()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert len(errors) == 1 and isinstance(errors[0], Cancelled), errors
    assert not result.exhausted


@pytest.mark.postgres
def test_a_page_is_read_again_when_the_server_closed_the_connection(pg_engine: Engine, pg_db) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id integer PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t SELECT generate_series(1, 10)"))
    # no pre-ping: the dead pooled connection is handed out, and the first attempt fails on it
    engine = create_engine(pg_db.url, connect_args={"application_name": "table-editor"})
    try:
        result = TableResult(engine, schema_of(engine, "t"))
        first = list(result.fetch(4).rows())
        with pg_engine.connect() as conn:  # the pooled connection the page used
            killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND application_name = 'table-editor'")).scalar_one()  # fmt: skip
        assert killed == 1
        assert first + read_all(result, 4) == [(i,) for i in range(1, 11)]
    finally:
        engine.dispose()
