"""The typed bulk transport and its column store, against psycopg2's ``fetchall()``.

Every PostgreSQL type the transport knows (and a few it reads as text) goes
through both paths, binary ``COPY`` and the cursor, with and without NULLs, and
each cell is compared with what psycopg2 returns for the same query (the oracle).
The binary ``COPY`` walk is also checked without a server against a small encoder
in this file, with windows small enough that rows straddle them and values that
imitate row starts.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from unittest import mock

import numpy as np
import psycopg2.errors
import psycopg2.extras
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Integer, case, column, create_engine, func, literal, select, table, text

from gui.data import rows as rows_module
from gui.data import transport
from gui.data.columns import NEG_INFINITY, POS_INFINITY, ColumnData, LoadedColumns, datetime_text
from gui.data.config import TableSpec
from gui.data.connection import CancelToken, attached
from gui.data.transport import CopyFormatError, TooLate, WireType, column_kind, parse_binary_copy, read_columns

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc
pg = pytest.mark.postgres


def test_transport_and_columns_import_without_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.columns, gui.data.transport; "
        "del sys.modules['PySide6']; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- comparing with the oracle -------------------------------------------------


def same_value(mine: object, theirs: object) -> bool:
    """Equal, and of the same type, with NaN equal to NaN, -0.0 apart from 0.0,
    and a Decimal's digits and exponent compared (not only its value)."""
    if theirs is None or mine is None:
        return mine is None and theirs is None
    if type(mine) is not type(theirs):
        return False
    if isinstance(theirs, float):
        if math.isnan(theirs):
            return math.isnan(mine)  # type: ignore[arg-type]
        return mine == theirs and math.copysign(1.0, mine) == math.copysign(1.0, theirs)  # type: ignore[arg-type]
    if isinstance(theirs, Decimal):
        return mine.as_tuple() == theirs.as_tuple() or (mine.is_nan() and theirs.is_nan())  # type: ignore[union-attr]
    if isinstance(theirs, dt.datetime) and theirs.tzinfo is not None:
        return mine == theirs and mine.utcoffset() == dt.timedelta(0)  # type: ignore[union-attr]
    return mine == theirs


def assert_matches(loaded: LoadedColumns, expected: list[tuple]) -> None:
    assert len(loaded) == len(expected)
    for k, column_data in enumerate(loaded.columns):
        for i, row in enumerate(expected):
            mine = column_data.value(i)
            assert same_value(mine, row[k]), (loaded.names[k], i, mine, row[k])
            assert column_data.is_null(i) == (row[k] is None)


# -- ColumnData without a server -------------------------------------------------

KIND_VALUES = {
    ("int", np.int16): [0, -32768, 32767],
    ("int", np.int32): [0, -(2**31), 2**31 - 1],
    ("int", np.int64): [0, -(2**63), 2**63 - 1],
    ("float", np.float64): [0.1, -0.0, float("inf"), 5e-324],
    ("float", np.float32): [0.1, 3.4028235e38, 1e-45],  # as a real prints, and psycopg2 reads it
    ("bool", None): [True, False],
    ("date", None): [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1), dt.date(1969, 12, 31)],
    ("timestamp", None): [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999), dt.datetime(1969, 12, 31, 23, 59, 59, 1)],
    ("timestamptz", None): [dt.datetime(2024, 3, 10, 7, 30, tzinfo=UTC), dt.datetime(1, 1, 1, tzinfo=UTC)],
    ("numeric", None): [Decimal("0.000"), Decimal("1E-20"), Decimal("123456789012345678901234567890.123"), Decimal("NaN"), Decimal("-Infinity")],
    ("text", None): ["", "plain", "ünïcødé 🙂", "tab\there\nnewline \\ backslash", "x" * 100_000],
}


@pytest.mark.parametrize(("kind", "dtype"), list(KIND_VALUES))
def test_values_round_trip_with_and_without_nulls(kind: str, dtype) -> None:
    values = KIND_VALUES[(kind, dtype)]
    plain = ColumnData.from_values(kind, values, dtype)
    assert plain.null_mask is None and all(same_value(plain.value(i), v) for i, v in enumerate(values))
    with_nulls = ColumnData.from_values(kind, [None, *values, None], dtype)
    assert with_nulls.null_count == 2 and with_nulls.value(0) is None and with_nulls.value(-1) is None
    assert all(same_value(with_nulls.value(i + 1), v) for i, v in enumerate(values))
    assert ColumnData.from_values(kind, [None, None], dtype).null_count == 2
    assert len(ColumnData.from_values(kind, [], dtype)) == 0


def test_a_timestamptz_value_is_aware_utc_whatever_offset_it_came_with() -> None:
    plus_five = dt.timezone(dt.timedelta(hours=5, minutes=30))
    column_data = ColumnData.from_values("timestamptz", [dt.datetime(2024, 1, 1, 5, 30, tzinfo=plus_five)])
    assert column_data.value(0) == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert column_data.value(0).tzinfo == UTC


def test_infinities_and_years_datetime_cannot_hold() -> None:
    dates = ColumnData.from_arrays("date", np.array([POS_INFINITY, NEG_INFINITY, -800_000], dtype=np.int64).view("datetime64[D]"))
    assert dates.value(0) == dt.date.max and dates.value(1) == dt.date.min
    assert dates.is_infinite(0) and dates.is_infinite(1) and not dates.is_infinite(2)
    with pytest.raises(ValueError, match="outside years 1 to 9999"):
        dates.value(2)
    stamps = ColumnData.from_arrays("timestamptz", np.array([POS_INFINITY, NEG_INFINITY], dtype=np.int64).view("datetime64[us]"))
    assert stamps.value(0) == dt.datetime.max.replace(tzinfo=UTC) and stamps.value(1) == dt.datetime.min.replace(tzinfo=UTC)


def test_wrong_values_are_refused() -> None:
    with pytest.raises(TypeError):
        ColumnData.from_values("int", [True])
    with pytest.raises(OverflowError):
        ColumnData.from_values("int", [2**31], np.int32)
    with pytest.raises(ValueError, match="naive"):
        ColumnData.from_values("timestamp", [dt.datetime(2024, 1, 1, tzinfo=UTC)])
    with pytest.raises(ValueError):
        ColumnData("int", np.float64)
    with pytest.raises(ValueError):
        ColumnData.from_values("int", [1]).append(ColumnData.from_values("int", [1], np.int32))
    with pytest.raises(IndexError):
        ColumnData.from_values("text", ["a"]).value(1)


def test_append_adopts_the_first_page_then_grows_by_doubling_and_compacts() -> None:
    first = ColumnData.from_values("text", ["a", None, "ccc"])
    total = ColumnData("text")
    total.append(first)
    assert total.data.base is first.data.base or total.data is first.data  # no copy
    for _ in range(10):
        total.append(ColumnData.from_values("text", ["dd", "e"]))
    assert total.to_pylist() == ["a", None, "ccc"] + ["dd", "e"] * 10
    assert first.to_pylist() == ["a", None, "ccc"]  # growing never wrote into it
    held = total.nbytes
    total.compact()
    assert total.nbytes <= held
    assert total.nbytes == 23 * 8 + 8 + len("accc" + "dde" * 10) + 23  # offsets, bytes, mask
    assert total.to_pylist() == ["a", None, "ccc"] + ["dd", "e"] * 10


def test_loaded_columns_rows_and_append() -> None:
    loaded = LoadedColumns(["id", "name"], [ColumnData.from_values("int", [1, 2]), ColumnData.from_values("text", ["a", None])])
    loaded.append(LoadedColumns(["id", "name"], [ColumnData.from_values("int", [3]), ColumnData.from_values("text", ["c"])]))
    assert list(loaded.rows()) == [(1, "a"), (2, None), (3, "c")]
    assert loaded["name"].value(2) == "c" and loaded[0].value(0) == 1
    with pytest.raises(ValueError, match="different lengths"):
        LoadedColumns(["a", "b"], [ColumnData.from_values("int", [1]), ColumnData.from_values("int", [])])
    with pytest.raises(KeyError):
        loaded["missing"]


def _kind_strategy(kind: str) -> st.SearchStrategy:
    return {
        "int": st.integers(-(2**63), 2**63 - 1),
        "float": st.floats(allow_nan=False),
        "bool": st.booleans(),
        "date": st.dates(),
        "timestamptz": st.datetimes(timezones=st.just(UTC)),
        "numeric": st.decimals(allow_nan=False, allow_infinity=False, places=4),
        "text": st.text(),
    }[kind]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_appended_pages_read_back_like_a_list(data) -> None:
    kind = data.draw(st.sampled_from(["int", "float", "bool", "date", "timestamptz", "numeric", "text"]))
    pages = data.draw(st.lists(st.lists(st.none() | _kind_strategy(kind), max_size=12), max_size=8))
    column_data = ColumnData(kind)
    expected: list[object] = []
    built = []
    for page in pages:
        part = ColumnData.from_values(kind, page)
        built.append((part, list(page)))
        column_data.append(part)
        expected.extend(page)
        if data.draw(st.booleans()):
            column_data.compact()
        assert len(column_data) == len(expected)
    assert all(same_value(column_data.value(i), v) for i, v in enumerate(expected))
    assert [column_data.is_null(i) for i in range(len(expected))] == [v is None for v in expected]
    for part, page in built:  # the pages themselves are untouched
        assert all(same_value(part.value(i), v) for i, v in enumerate(page))
    if expected:
        assert same_value(column_data.value(-1), expected[-1])
    start, stop = data.draw(st.integers(-3, len(expected) + 3)), data.draw(st.integers(-3, len(expected) + 3))
    part = column_data.slice(start, stop)
    assert len(part) == len(expected[start:stop])
    assert all(same_value(part.value(i), v) for i, v in enumerate(expected[start:stop]))


# -- the binary COPY walk without a server -----------------------------------------


def encode_copy(wire: list[WireType], rows: list[tuple]) -> bytes:
    """PostgreSQL's binary COPY of ``rows`` (raw wire values: ints, floats, bytes)."""
    out = [b"PGCOPY\n\xff\r\n\x00", struct.pack(">ii", 0, 0)]
    for row in rows:
        out.append(struct.pack(">h", len(wire)))
        for w, value in zip(wire, row):
            if value is None:
                out.append(struct.pack(">i", -1))
            elif w.wire == "text":
                out.append(struct.pack(">i", len(value)) + value)
            else:
                out.append(struct.pack(">i", w.width) + np.array([value], dtype=w.wire).tobytes())
    out.append(b"\xff\xff")
    return b"".join(out)


BIGINT, TEXT, INTEGER, BOOLEAN = column_kind("bigint"), column_kind("text"), column_kind("integer"), column_kind("boolean")


def _looks_like_a_row_start(fields: int) -> st.SearchStrategy[int]:
    """bigints whose bytes spell "<fields> fields, then a field of 8 bytes"."""
    head = struct.pack(">hi", fields, 8)
    return st.binary(min_size=2, max_size=2).map(lambda tail: int.from_bytes(head + tail, "big", signed=True))


def test_false_row_starts_that_walk_like_rows_are_left_out() -> None:
    # every bigint spells the start of a two-field row 6 bytes after a real one, so
    # a second, false chain of rows runs beside the real one
    wire = [BIGINT, BIGINT]
    a = int.from_bytes(struct.pack(">hi", 2, 8) + b"\x00\x00", "big", signed=True)
    b = int.from_bytes(b"\x12\x34" + struct.pack(">i", 8) + b"\x00\x00", "big", signed=True)
    rows = [(a, b)] * 50 + [(None, 7)]
    buffer = encode_copy(wire, rows)
    with mock.patch.object(transport, "_reachable", wraps=transport._reachable) as reachable:
        columns = parse_binary_copy(buffer, wire)
    assert reachable.called  # the slow path was needed
    assert [c.to_pylist() for c in columns] == [[a] * 50 + [None], [b] * 50 + [7]]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.none() | st.integers(-(2**63), 2**63 - 1) | _looks_like_a_row_start(4),
            st.none() | st.binary(max_size=40) | st.just(struct.pack(">hi", 4, 8)),
            st.none() | st.integers(-(2**31), 2**31 - 1),
            st.none() | st.booleans(),
        ),
        max_size=40,
    ),
    window=st.sampled_from([16, 64, 4096]),
)
def test_the_walk_finds_every_row_whatever_the_windows(rows: list[tuple], window: int) -> None:
    wire = [BIGINT, TEXT, INTEGER, BOOLEAN]
    buffer = encode_copy(wire, [(r[0], r[1], r[2], None if r[3] is None else int(r[3])) for r in rows])
    with mock.patch.object(transport, "WINDOW_BYTES", window):
        columns = parse_binary_copy(bytearray(buffer), wire)
    assert columns[0].to_pylist() == [r[0] for r in rows]
    assert [None if c.is_null(i) else c.raw_bytes(i) for c in columns[1:2] for i in range(len(c))] == [r[1] for r in rows]
    assert columns[2].to_pylist() == [r[2] for r in rows]
    assert columns[3].to_pylist() == [r[3] for r in rows]


def test_damaged_copy_output_is_refused() -> None:
    wire = [BIGINT, TEXT]
    good = encode_copy(wire, [(1, b"abc"), (2, None)])
    assert [c.to_pylist() for c in parse_binary_copy(good, wire)] == [[1, 2], ["abc", None]]
    for damaged in (good[:-1], good[:-5] + b"\xff\xff", b"PGCOPY\n\xff\r\n\x01" + good[11:], good.replace(b"\x00\x02\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x02", b"\x00\x03\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x02")):
        with pytest.raises(CopyFormatError):
            parse_binary_copy(damaged, wire)
    with pytest.raises(CopyFormatError):
        parse_binary_copy(good, [BIGINT, INTEGER])  # a field of another width


@pytest.mark.parametrize(
    ("type_name", "kind", "as_text"),
    [
        ("bigint", "int", False), ("INTEGER", "int", False), ("smallint", "int", False), ("real", "float", False),
        ("double precision", "float", False), ("boolean", "bool", False), ("date", "date", False),
        ("timestamp with time zone", "timestamptz", False), ("timestamp(3) with time zone", "timestamptz", False),
        ("timestamp without time zone", "timestamp", False), ("numeric(12,3)", "numeric", True), ("numeric", "numeric", True),
        ("text", "text", False), ("character varying(20)", "text", False), ("character(5)", "text", False),
        ("uuid", "text", True), ("json", "text", True), ("jsonb", "text", True), ("mood", "text", True),
        ("integer[]", "text", True), ("time without time zone", "text", True), ('"char"', "text", True),
    ],
)  # fmt: skip
def test_column_kinds(type_name: str, kind: str, as_text: bool) -> None:
    assert (column_kind(type_name).kind, column_kind(type_name).as_text) == (kind, as_text)


# -- through a real server ----------------------------------------------------------

# column, type, SQL literals cycled through the rows
COLUMNS: list[tuple[str, str, list[str]]] = [
    ("c_bigint", "bigint", ["0", "-9223372036854775808", "9223372036854775807", "42"]),
    ("c_integer", "integer", ["-2147483648", "2147483647", "7"]),
    ("c_smallint", "smallint", ["-32768", "32767", "0"]),
    ("c_double", "double precision", ["'NaN'", "'Infinity'", "'-Infinity'", "'-0'", "5e-324", "1.7976931348623157e308", "0.1"]),
    ("c_real", "real", ["'NaN'", "0.1", "3.4028235e38", "'-0'", "1e-45", "1.17549435e-38", "'-Infinity'"]),
    ("c_boolean", "boolean", ["true", "false"]),
    ("c_date", "date", ["'2000-01-01'", "'0001-01-01'", "'9999-12-31'", "'1970-01-01'", "'1969-12-31'", "'infinity'", "'-infinity'"]),
    ("c_timestamptz", "timestamp with time zone", [
        "'2024-03-10 02:30:00 America/New_York'",  # does not exist: the server moves it
        "'2024-11-03 01:30:00-04'", "'2024-11-03 01:30:00-05'",  # the same wall time twice
        "'2024-10-27 02:30:00 Europe/Amsterdam'", "'1900-01-01 00:00:00 Europe/Amsterdam'",  # local mean time
        "'0001-01-01 00:00:00+00'", "'9999-12-31 23:59:59.999999+00'", "'1969-12-31 23:59:59.999999+00'",
        "'infinity'", "'-infinity'",
    ]),
    ("c_timestamp", "timestamp without time zone", ["'2024-03-10 02:30:00'", "'0001-01-01'", "'9999-12-31 23:59:59.999999'", "'infinity'"]),
    ("c_numeric", "numeric(12,3)", ["0", "-0.000", "123456789.123", "-999999999.999", "0.001"]),
    ("c_numeric_any", "numeric", ["1e-20", "'-0.000'", "123456789012345678901234567890.123", "'NaN'", "'Infinity'", "'-Infinity'", "1e20", "-1.5"]),
    ("c_text", "text", ["''", "'plain'", "E'tab\\there\\nnewline \\\\ backslash \\001'", "'ünïcødé 🙂 日本語'", "repeat('long ✓ ', 50000)"]),
    ("c_varchar", "character varying(20)", ["'v'", "'äöü'", "''"]),
    ("c_char", "character(5)", ["'ab'", "'äbc'", "''"]),
    ("c_uuid", "uuid", ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'"]),
    ("c_json", "json", ["'{\"b\": 1,  \"a\": [1, 2.50]}'", "'null'", "'\"ü\"'"]),
    ("c_jsonb", "jsonb", ["'{\"b\": 1,  \"a\": [1, 2.50]}'", "'[]'"]),
    ("c_enum", "mood", ["'happy'", "'sad'"]),
    ("c_array", "integer[]", ["'{1,2,NULL}'", "'{}'"]),
    ("c_interval", "interval", ["'1 day 02:03:04.5'"]),
    ("c_time", "time without time zone", ["'12:34:56.789'", "'24:00'"]),
]  # fmt: skip
ROW_COUNT = 70

NULLS = {
    "none": lambda i, k: False,
    "some": lambda i, k: (i + k) % 3 == 0,
    "heavy": lambda i, k: (7 * i + k) % 10 != 0,
    "all": lambda i, k: True,
}


@pytest.fixture
def typed_engine(pg_engine: Engine) -> Engine:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TYPE mood AS ENUM ('sad', 'happy')"))
        columns = ", ".join(f"{name} {type_name}" for name, type_name, _ in COLUMNS)
        for nulls in NULLS:
            conn.execute(text(f"CREATE TABLE typed_{nulls} (id integer PRIMARY KEY, {columns})"))
            for i in range(ROW_COUNT):
                literals = ["NULL" if NULLS[nulls](i, k) else values[i % len(values)] for k, (_, _, values) in enumerate(COLUMNS)]
                conn.execute(text(f"INSERT INTO typed_{nulls} VALUES ({i}, {', '.join(literals)})"))
    return pg_engine


def _types_of(conn, table_name: str) -> list[str]:
    """The columns' ``format_type()`` names, as the schema reader gives them."""
    return list(
        conn.execute(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = to_regclass(:name) AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            ),
            {"name": table_name},
        ).scalars()
    )


def _oracle(conn, stmt, column_types: list[str]) -> list[tuple]:
    """psycopg2's ``fetchall()`` of the same query: json as its text (psycopg2
    would decode it), and the types read as text through the same cast."""
    sql, params = transport.sql_and_parameters(conn.dialect, transport._wire_query(stmt, [column_kind(t) for t in column_types]))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        psycopg2.extras.register_default_json(cursor, loads=lambda s: s)
        psycopg2.extras.register_default_jsonb(cursor, loads=lambda s: s)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    converted = []
    for row in rows:
        values = []
        for value, type_name in zip(row, column_types):
            if column_kind(type_name).kind == "numeric" and value is not None:
                value = Decimal(value)
            values.append(value)
        converted.append(tuple(values))
    return converted


def _typed_table(name: str):
    return table(name, column("id", Integer), *(column(c) for c, _, _ in COLUMNS))


PATHS = {"copy": None, "cursor": 1}


@pg
@pytest.mark.parametrize("nulls", list(NULLS))
@pytest.mark.parametrize("path", list(PATHS))
def test_every_type_matches_fetchall(typed_engine: Engine, nulls: str, path: str) -> None:
    t = _typed_table(f"typed_{nulls}")
    stmt = select(*t.c).order_by(t.c.id)
    with typed_engine.connect() as conn:
        types = _types_of(conn, f"typed_{nulls}")
        loaded = read_columns(conn, stmt, types, expected_rows=PATHS[path])
        expected = _oracle(conn, stmt, types)
        # psycopg2 reads numeric as Decimal itself: the exact same digits
        direct = conn.connection.dbapi_connection.cursor()
        direct.execute(f"SELECT c_numeric, c_numeric_any FROM typed_{nulls} ORDER BY id")
        decimals = direct.fetchall()
    assert loaded.names == ("id", *(c for c, _, _ in COLUMNS))
    assert loaded["id"].to_pylist() == list(range(ROW_COUNT))  # in the statement's order
    assert_matches(loaded, expected)
    for i, (fixed, free) in enumerate(decimals):
        assert same_value(loaded["c_numeric"].value(i), fixed) and same_value(loaded["c_numeric_any"].value(i), free)
    if nulls == "none":
        assert all(c.null_mask is None for c in loaded)
    if nulls == "all":
        assert all(c.null_count == ROW_COUNT for c in loaded.columns[1:])


def assert_same_storage(a: ColumnData, b: ColumnData) -> None:
    assert (a.kind, a.dtype) == (b.kind, b.dtype)
    mask_a = a.null_mask if a.null_mask is not None else np.zeros(len(a), dtype=bool)
    mask_b = b.null_mask if b.null_mask is not None else np.zeros(len(b), dtype=bool)
    np.testing.assert_array_equal(mask_a, mask_b)
    if a.dtype is None:
        np.testing.assert_array_equal(a.offsets, b.offsets)
        np.testing.assert_array_equal(a.data, b.data)
    else:
        # bit for bit: NaN payloads, -0.0, infinity sentinels
        raw_a, raw_b = a.values.view(f"u{a.dtype.itemsize}"), b.values.view(f"u{b.dtype.itemsize}")
        np.testing.assert_array_equal(raw_a[~mask_a], raw_b[~mask_b])


@pg
@pytest.mark.parametrize("nulls", list(NULLS))
def test_both_paths_store_the_same_bits(typed_engine: Engine, nulls: str) -> None:
    t = _typed_table(f"typed_{nulls}")
    stmt = select(*t.c).order_by(t.c.id)
    with typed_engine.connect() as conn:
        types = _types_of(conn, f"typed_{nulls}")
        by_copy = read_columns(conn, stmt, types)
        by_cursor = read_columns(conn, stmt, types, expected_rows=1)
    for a, b in zip(by_copy, by_cursor):
        assert_same_storage(a, b)
    if nulls == "none":
        assert by_copy["c_date"].is_infinite(5) and by_cursor["c_date"].is_infinite(5)  # 'infinity'


@pg
@pytest.mark.parametrize("path", list(PATHS))
def test_an_empty_result_has_every_column(typed_engine: Engine, path: str) -> None:
    t = _typed_table("typed_some")
    with typed_engine.connect() as conn:
        types = _types_of(conn, "typed_some")
        loaded = read_columns(conn, select(*t.c).where(t.c.id < 0), types, expected_rows=PATHS[path])
    assert len(loaded) == 0 and len(loaded.columns) == len(COLUMNS) + 1
    assert [c.kind for c in loaded] == [column_kind(t).kind for t in types]


@pg
def test_pages_append_into_one_result_like_one_read(typed_engine: Engine) -> None:
    t = _typed_table("typed_some")
    with typed_engine.connect() as conn:
        types = _types_of(conn, "typed_some")
        whole = read_columns(conn, select(*t.c).order_by(t.c.id), types)
        result = read_columns(conn, select(*t.c).order_by(t.c.id).limit(7), types, expected_rows=7)
        for start in range(7, ROW_COUNT, 20):
            stmt = select(*t.c).where(t.c.id >= start).order_by(t.c.id).limit(20)
            result.append(read_columns(conn, stmt, types, expected_rows=20 if start % 2 else None))
    assert_matches(result, list(whole.rows()))


@pg
@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kathmandu"])
def test_timestamps_are_utc_whatever_the_session_zone(pg_db, zone: str) -> None:
    """In a session zone where year 1 falls in year 0 (psycopg2 cannot make that
    datetime) the cursor path gives way to COPY; every instant stays exact."""
    engine = create_engine(pg_db.url, connect_args={"options": f"-c TimeZone={zone}"})
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE stamps (id integer PRIMARY KEY, t timestamptz)"))
            conn.execute(
                text(
                    "INSERT INTO stamps SELECT i, timestamptz '2024-03-09 00:00:00+00' + i * interval '37 minutes 0.000001 seconds' "
                    "FROM generate_series(1, 300) i"
                )
            )
        t = table("stamps", column("id"), column("t"))
        stmt = select(t.c.id, t.c.t).order_by(t.c.id)
        with engine.connect() as conn:
            expected = _oracle(conn, stmt, ["integer", "timestamp with time zone"])
            for rows in PATHS.values():
                assert_matches(read_columns(conn, stmt, ["integer", "timestamp with time zone"], expected_rows=rows), expected)
            with engine.begin() as write:
                write.execute(text("INSERT INTO stamps VALUES (0, '0001-01-01 00:00:00+00')"))
            with mock.patch.object(transport, "copy_pieces", wraps=transport.copy_pieces) as copy_pieces:
                small = read_columns(conn, stmt.limit(3), ["integer", "timestamp with time zone"], expected_rows=3)
            assert small["t"].value(0) == dt.datetime(1, 1, 1, tzinfo=UTC)
            # psycopg2 cannot make year 0, the local date of that instant in New York
            assert copy_pieces.called == (zone == "America/New_York")
    finally:
        engine.dispose()


@pg
def test_dates_outside_years_1_to_9999_load_and_say_so(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE far (id integer, d date, t timestamptz)"))
        conn.execute(text("INSERT INTO far VALUES (1, '0044-03-15 BC', '4713-01-01 00:00:00+00 BC'), (2, '10000-01-01', '294247-01-01 00:00:00+00'), (3, '2024-01-01', NULL)"))
    t = table("far", column("id"), column("d"), column("t"))
    with pg_engine.connect() as conn:
        for rows in PATHS.values():
            loaded = read_columns(conn, select(t.c.id, t.c.d, t.c.t).order_by(t.c.id), ["integer", "date", "timestamp with time zone"], expected_rows=rows)
            assert len(loaded) == 3 and loaded["d"].value(2) == dt.date(2024, 1, 1)
            assert loaded["d"].values[0] == np.datetime64("-0043-03-15")  # 44 BC is year -43
            for i in (0, 1):
                with pytest.raises(ValueError, match="outside years 1 to 9999"):
                    loaded["d"].value(i)
                with pytest.raises(ValueError, match="outside years 1 to 9999"):
                    loaded["t"].value(i)
                assert loaded["d"].is_beyond(i) and loaded["t"].is_beyond(i)
            assert not loaded["d"].is_beyond(2) and not loaded["t"].is_beyond(2)  # NULL
            # said as PostgreSQL prints them (DateStyle ISO, in UTC)
            assert [loaded["d"].text(i) for i in (0, 1)] == ["0044-03-15 BC", "10000-01-01"]
            assert [loaded["t"].text(i) for i in (0, 1)] == ["4713-01-01 00:00:00+00 BC", "294247-01-01 00:00:00+00"]
    # past what datetime64[us] holds (PostgreSQL goes on to 294,276): refused, never another value
    with pg_engine.begin() as conn:
        conn.execute(text("INSERT INTO far VALUES (4, NULL, '294276-12-31 23:59:59+00')"))
    with pg_engine.connect() as conn:
        for rows in PATHS.values():
            with pytest.raises(TooLate, match=r"^t holds a timestamp after the year 294,247.*\(t < 9999-12-31 does"):
                read_columns(conn, select(t.c.id, t.c.d, t.c.t).order_by(t.c.id), ["integer", "date", "timestamp with time zone"], expected_rows=rows)


@pg
def test_dates_beyond_datetime_are_printed_as_the_server_prints_them(pg_engine: Engine) -> None:
    """datetime_text against the server's own output, for dates and timestamps no
    datetime holds (and a few it does), both ways round the year 1 and year 10000."""
    dates = ["4713-01-01 BC", "0044-03-15 BC", "0001-12-31 BC", "0001-01-01", "9999-12-31", "10000-01-01", "5874897-12-31"]
    stamps = [
        "4713-01-01 00:00:00 BC", "0001-12-31 23:59:59.999999 BC", "0001-06-30 12:30:00.5 BC",
        "0001-01-01 00:00:00", "2024-02-29 13:45:07.25", "10000-01-01 00:00:00.000001", "292276-12-31 23:59:59",
    ]  # fmt: skip
    with pg_engine.connect() as conn:
        conn.execute(text("SET TIME ZONE 'UTC'"))
        for kind, cast, values in (("date", "date", dates), ("timestamp", "timestamp", stamps), ("timestamptz", "timestamptz", stamps)):
            literal = ", ".join(f"('{v}'::{cast})" for v in values)
            stmt = select(column("v")).select_from(text(f"(VALUES {literal}) AS far (v)"))
            server = [row[0] for row in conn.execute(text(f"SELECT v::text FROM (VALUES {literal}) AS far (v)"))]
            for rows in PATHS.values():
                loaded = read_columns(conn, stmt, [cast if cast != "timestamptz" else "timestamp with time zone"], expected_rows=rows)
                printed = [datetime_text(kind, int(v)) for v in loaded["v"].values.view(np.int64)]
                assert printed == server, kind


@pg
def test_long_text_across_many_windows_and_null_heavy_rows(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id bigint PRIMARY KEY, body text, n numeric, flag boolean)"))
        conn.execute(
            text(
                "INSERT INTO notes SELECT i, CASE WHEN i % 5 = 0 THEN repeat(chr(8364 + i % 40) || 'ä', i * 37) "
                "WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END, "
                "CASE WHEN i % 4 = 0 THEN NULL ELSE (i * 1.0001)::numeric END, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 2 = 0 END "
                "FROM generate_series(1, 3000) i"
            )
        )
    t = table("notes", column("id"), column("body"), column("n"), column("flag"))
    stmt = select(*t.c).order_by(t.c.id)
    types = ["bigint", "text", "numeric", "boolean"]
    with pg_engine.connect() as conn, mock.patch.object(transport, "WINDOW_BYTES", 1000):
        loaded = read_columns(conn, stmt, types)
        assert_matches(loaded, _oracle(conn, stmt, types))


@pg
def test_a_client_encoding_other_than_utf8(pg_db) -> None:
    engine = create_engine(pg_db.url, connect_args={"client_encoding": "LATIN1"})
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE latin (id integer, name text)"))
            conn.execute(text("INSERT INTO latin SELECT i, 'café ' || i FROM generate_series(1, 300) i"))
        t = table("latin", column("id"), column("name"))
        with engine.connect() as conn:
            for rows in PATHS.values():
                loaded = read_columns(conn, select(t.c.id, t.c.name).order_by(t.c.id), ["integer", "text"], expected_rows=rows)
                assert loaded["name"].value(0) == "café 1" and len(loaded) == 300
    finally:
        engine.dispose()


@pg
def test_the_integer_table_reads_as_the_packed_path_does(pg_engine: Engine) -> None:
    spec = TableSpec(table="tutorial")
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE tutorial (x integer, y integer)"))
        conn.execute(text("INSERT INTO tutorial SELECT (i * 7919) % 5000, i % 97 FROM generate_series(1, 20000) i"))
        conn.execute(text("INSERT INTO tutorial VALUES (NULL, 5), (6, NULL)"))
    stmt = rows_module.browse_query(spec, 3)
    with pg_engine.connect() as conn:
        xs, ys = rows_module.copy_packed(conn, spec, stmt)
        loaded = read_columns(conn, stmt, ["integer", "integer"])
        everything = read_columns(conn, select(spec.key_col, spec.value_col).order_by(spec.key_col, spec.value_col), ["integer", "integer"])
    assert loaded["x"].values.dtype == np.int32
    np.testing.assert_array_equal(loaded["x"].values, xs)
    np.testing.assert_array_equal(loaded["y"].values, ys)
    # the packed form drops rows with a NULL; this transport keeps them
    assert len(everything) == 20002 and everything["x"].null_count == 1 and everything["y"].null_count == 1


@pg
def test_cancel_stops_a_copy_read(pg_engine: Engine) -> None:
    token = CancelToken()
    stmt = select(func.pg_sleep(30).label("slept"), literal(1).label("one"))
    with pg_engine.connect() as conn:
        timer = threading.Timer(0.3, token.cancel)
        started = time.monotonic()
        timer.start()
        try:
            with attached(token, conn), pytest.raises(psycopg2.errors.QueryCanceled):
                read_columns(conn, stmt, ["void", "integer"])
        finally:
            timer.cancel()
        assert time.monotonic() - started < 10
        conn.connection.dbapi_connection.rollback()  # the read ran on the DBAPI cursor
        assert len(read_columns(conn, select(literal(1).label("one")), ["integer"])) == 1


# -- the COPY walked as it arrives ----------------------------------------------------


class _WalkSpy:
    """Counts the walks of a COPY stream that ran before it ended (``final`` false)."""

    def __init__(self) -> None:
        self.midway = 0
        self.final = 0
        self.real = transport._walk_rows

    def __call__(self, buffer, row, wire, pieces, final):
        if final:
            self.final += 1
        else:
            self.midway += 1
        return self.real(buffer, row, wire, pieces, final)


class _Collect:
    """A "file" keeping a whole COPY, as the reader did before it walked as it went."""

    def __init__(self, into: bytearray) -> None:
        self.write = into.extend


def _fed(wire: list[WireType], stream: bytes, cuts: list[int]) -> transport._CopyReader:
    """A reader given ``stream`` in the pieces ``cuts`` mark, as psycopg2 would,
    each taken by the walk as soon as it came (the walking thread's fastest)."""
    reader = transport._CopyReader(wire)
    previous = 0
    for cut in [*sorted(cuts), len(stream)]:
        if cut > previous:
            reader.write(stream[previous:cut])
            reader.pump()
            previous = cut
    return reader


def _joined(pieces: list[list[ColumnData]]) -> list[ColumnData]:
    """The reader's pieces as whole columns."""
    return [ColumnData.joined([p[k] for p in pieces]) for k in range(len(pieces[0]))]


def _same_columns(mine: list[ColumnData], theirs: list[ColumnData]) -> None:
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert len(a) == len(b)
        assert_same_storage(a, b)


MULTIBYTE = ["日本語", "🙂🙃", "ä", "€" * 9, "", "x"]


def test_multibyte_text_cut_anywhere_reads_as_in_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    # one byte a write and a walk after every byte: every boundary falls inside a
    # row, a length word or a character somewhere
    wire = [BIGINT, TEXT, INTEGER, BOOLEAN]
    rows = [(i, None if i % 4 == 3 else MULTIBYTE[i % len(MULTIBYTE)].encode(), None if i % 5 == 0 else -i, i % 2) for i in range(60)]
    stream = encode_copy(wire, rows)
    whole = parse_binary_copy(stream, wire)
    for chunk, window in ((1, 16), (7, 64), (50, 4096)):
        monkeypatch.setattr(transport, "CHUNK_BYTES", chunk)
        monkeypatch.setattr(transport, "WINDOW_BYTES", window)
        spy = _WalkSpy()
        monkeypatch.setattr(transport, "_walk_rows", spy)
        reader = _fed(wire, stream, list(range(len(stream))))
        columns = _joined(reader.finish())
        assert spy.midway > 20 and spy.final == 1
        _same_columns(columns, whole)
        assert [None if columns[1].is_null(i) else columns[1].value(i) for i in range(len(rows))] == [
            None if r[1] is None else r[1].decode() for r in rows
        ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.none() | st.integers(-(2**63), 2**63 - 1) | _looks_like_a_row_start(4),
            st.none() | st.text(max_size=12).map(str.encode) | st.just(struct.pack(">hi", 4, 8)),
            st.none() | st.integers(-(2**31), 2**31 - 1),
            st.none() | st.booleans(),
        ),
        max_size=40,
    ),
    chunk=st.sampled_from([1, 5, 30, 200, 1 << 20]),
    window=st.sampled_from([16, 64, 4096]),
    cuts=st.lists(st.integers(0, 3000), max_size=30),
)
def test_a_stream_in_any_pieces_reads_as_in_one(monkeypatch: pytest.MonkeyPatch, rows: list[tuple], chunk: int, window: int, cuts: list[int]) -> None:
    wire = [BIGINT, TEXT, INTEGER, BOOLEAN]
    stream = encode_copy(wire, [(r[0], r[1], r[2], None if r[3] is None else int(r[3])) for r in rows])
    monkeypatch.setattr(transport, "WINDOW_BYTES", window)
    whole = parse_binary_copy(stream, wire)
    monkeypatch.setattr(transport, "CHUNK_BYTES", chunk)
    _same_columns(_joined(_fed(wire, stream, [c for c in cuts if c < len(stream)]).finish()), whole)


def test_rows_all_of_one_size_read_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    # the record view path, a chunk at a time; then a NULL turns it to the walk
    wire = [INTEGER, BIGINT]
    for rows in ([(i, -i) for i in range(100)], [(i, None if i == 77 else -i) for i in range(100)]):
        stream = encode_copy(wire, rows)
        monkeypatch.setattr(transport, "CHUNK_BYTES", 100)
        columns = _joined(_fed(wire, stream, list(range(0, len(stream), 33))).finish())
        _same_columns(columns, parse_binary_copy(stream, wire))
        assert columns[1].to_pylist() == [r[1] for r in rows]


def test_a_damaged_stream_is_refused_midway_and_the_rest_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "CHUNK_BYTES", 64)
    wire = [BIGINT, TEXT]
    rows = [(i, b"abc" * (i % 4)) for i in range(200)]
    stream = bytearray(encode_copy(wire, rows))
    row_20 = stream.index(struct.pack(">hiq", 2, 8, 20))
    stream[row_20 : row_20 + 2] = struct.pack(">h", 3)  # a row of 3 fields
    reader = transport._CopyReader(wire)
    for i in range(0, len(stream), 10):
        reader.write(bytes(stream[i : i + 10]))
        reader.pump()  # the walking thread: never raises
        if i > row_20 + 200:
            assert isinstance(reader.error, CopyFormatError)
            assert len(reader.buffer) < 100  # what comes after the error is not kept
    with pytest.raises(CopyFormatError):
        reader.finish()
    for damaged in (b"PGCOPY\n\xff\r\n\x01" + bytes(64), encode_copy(wire, rows)[:-2]):
        with pytest.raises(CopyFormatError):
            _fed(wire, damaged, list(range(0, len(damaged), 7))).finish()


@pg
@pytest.mark.parametrize("nulls", list(NULLS))
def test_every_type_read_in_many_chunks_is_the_one_shot_read(typed_engine: Engine, nulls: str, monkeypatch: pytest.MonkeyPatch) -> None:
    t = _typed_table(f"typed_{nulls}")
    stmt = select(*t.c).order_by(t.c.id)
    with typed_engine.connect() as conn:
        types = _types_of(conn, f"typed_{nulls}")
        sql, params = transport.sql_and_parameters(conn.dialect, transport._wire_query(stmt, [column_kind(n) for n in types]))
        cursor = conn.connection.dbapi_connection.cursor()
        stream = bytearray()
        cursor.copy_expert(b"COPY (" + cursor.mogrify(sql, params) + b") TO STDOUT (FORMAT binary)", _Collect(stream))
        cursor.close()
        one_shot = parse_binary_copy(stream, [column_kind(n) for n in types])
        expected = _oracle(conn, stmt, types)
        for chunk, window in ((1, 4 << 20), (300, 1000), (5000, 64), (1 << 40, 4 << 20)):
            monkeypatch.setattr(transport, "CHUNK_BYTES", chunk)
            monkeypatch.setattr(transport, "WINDOW_BYTES", window)
            spy = _WalkSpy()
            monkeypatch.setattr(transport, "_walk_rows", spy)
            loaded = read_columns(conn, stmt, types)
            assert spy.final == 1
            if chunk > len(stream):
                assert spy.midway == 0  # one walk of the whole COPY, as before
            # where the walks fall depends on when the walking thread takes what
            # came: test_a_stream_in_any_pieces_reads_as_in_one tries any cuts
            _same_columns(list(loaded.columns), one_shot)
            assert_matches(loaded, expected)


@pg
def test_an_error_while_walking_midway_is_raised_and_leaves_the_connection_usable(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE many (id integer PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO many SELECT i, 'name ' || i FROM generate_series(1, 5000) i"))
    t = table("many", column("id"), column("name"))
    stmt = select(t.c.id, t.c.name).order_by(t.c.id)
    # the server pauses at row 4,000: the rows before it are walked meanwhile
    paused = select(t.c.id, t.c.name, func.pg_sleep(case((t.c.id == 4000, 0.5), else_=0)).label("slept")).order_by(t.c.id)
    monkeypatch.setattr(transport, "CHUNK_BYTES", 2000)
    monkeypatch.setattr(transport, "WINDOW_BYTES", 1000)
    real_column_of = transport._column_of
    calls = []

    def failing_column_of(*args):
        calls.append(len(calls))
        if len(calls) == 9:
            raise ZeroDivisionError("a bug in the walk")
        return real_column_of(*args)

    spy = _WalkSpy()
    monkeypatch.setattr(transport, "_walk_rows", spy)
    with pg_engine.connect() as conn:
        monkeypatch.setattr(transport, "_column_of", failing_column_of)
        with pytest.raises(ZeroDivisionError, match="a bug in the walk") as raised:
            read_columns(conn, paused, ["integer", "text", "void"])
        assert spy.final == 0 and spy.midway >= 1  # raised while the COPY was still coming
        assert any(frame.name == "failing_column_of" for frame in traceback.extract_tb(raised.value.__traceback__))
        # the COPY was read to its end: the same connection reads again
        monkeypatch.setattr(transport, "_column_of", real_column_of)
        assert read_columns(conn, stmt, ["integer", "text"])["name"].value(4999) == "name 5000"
        # a column declared of another width: refused midway, the connection still fine
        spy.midway = spy.final = 0
        with pytest.raises(CopyFormatError):
            read_columns(conn, paused, ["bigint", "text", "void"])
        assert spy.midway >= 1 and spy.final == 0
        assert len(read_columns(conn, stmt, ["integer", "text"])) == 5000


@pg
def test_cancel_stops_a_copy_read_midway(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE slow (id integer PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO slow SELECT i, repeat('ü', i % 50) FROM generate_series(1, 20000) i"))
    t = table("slow", column("id"), column("name"))
    # rows come, then the server sleeps on row 15,000
    stmt = select(t.c.id, t.c.name, func.pg_sleep(case((t.c.id == 15000, 30), else_=0)).label("slept")).order_by(t.c.id)
    monkeypatch.setattr(transport, "CHUNK_BYTES", 4096)
    spy = _WalkSpy()
    monkeypatch.setattr(transport, "_walk_rows", spy)
    token = CancelToken()
    with pg_engine.connect() as conn:
        timer = threading.Timer(1.0, token.cancel)
        started = time.monotonic()
        timer.start()
        try:
            with attached(token, conn), pytest.raises(psycopg2.errors.QueryCanceled):
                read_columns(conn, stmt, ["integer", "text", "void"])
        finally:
            timer.cancel()
        assert time.monotonic() - started < 10
        assert spy.midway >= 1 and spy.final == 0
        conn.connection.dbapi_connection.rollback()
        assert len(read_columns(conn, select(t.c.id, t.c.name).where(t.c.id < 200), ["integer", "text"])) == 199


# -- SQLite ------------------------------------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite+pysqlite:///{tmp_path / 'demo.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE demo (x INTEGER, y REAL, name TEXT, flag BOOLEAN, blob BLOB)"))
        conn.execute(text("INSERT INTO demo VALUES (1, 1.5, 'a', 1, x'00ff'), (2, NULL, NULL, 0, NULL), (3, 2, 'ü', NULL, 'text')"))
    yield engine
    engine.dispose()


def test_sqlite_rows_as_python_values(sqlite_engine: Engine) -> None:
    t = table("demo", column("x"), column("y"), column("name"), column("flag"), column("blob"))
    with sqlite_engine.connect() as conn:
        loaded = read_columns(conn, select(*t.c).order_by(t.c.x), ["integer", "real", "text", "boolean", "blob"])
    assert [c.kind for c in loaded] == ["int", "float", "text", "int", "text"]
    assert list(loaded.rows()) == [(1, 1.5, "a", 1, "x'00ff'"), (2, None, None, 0, None), (3, 2.0, "ü", None, "text")]


def test_sqlite_values_that_do_not_fit_the_declared_type_read_as_text(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(text("INSERT INTO demo (x) VALUES ('abc')"))
    t = table("demo", column("x"))
    with sqlite_engine.connect() as conn:
        loaded = read_columns(conn, select(t.c.x).order_by(t.c.x), ["integer"])
    assert loaded["x"].kind == "text" and loaded["x"].to_pylist() == ["1", "2", "3", "abc"]


def test_a_statement_and_types_of_different_lengths_are_refused(sqlite_engine: Engine) -> None:
    t = table("demo", column("x"), column("y"))
    with sqlite_engine.connect() as conn, pytest.raises(ValueError, match="2 column types for a statement of 1"):
        read_columns(conn, select(t.c.x), ["integer", "real"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.none() | st.integers(-(2**63), 2**63 - 1), st.none() | st.text()), max_size=30))
def test_sqlite_round_trips_whatever_is_stored(sqlite_engine: Engine, rows: list[tuple]) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(text("DELETE FROM demo"))
        for i, (x, name) in enumerate(rows):
            conn.execute(text("INSERT INTO demo (x, y, name) VALUES (:x, :y, :name)"), {"x": x, "y": i, "name": name})
    t = table("demo", column("x"), column("y"), column("name"))
    with sqlite_engine.connect() as conn:
        loaded = read_columns(conn, select(t.c.x, t.c.name).order_by(t.c.y), ["integer", "text"])
    assert list(loaded.rows()) == rows
