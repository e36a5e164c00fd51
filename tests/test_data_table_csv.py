"""CSV and clipboard text for any table (:mod:`gui.data.table_csv`): fields that keep
NULL apart from the empty string (checked against ``csv.reader``), an export of
every PostgreSQL type read back exactly, an export of a filter and sort on
PostgreSQL and SQLite, and files of changes refused line by line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, text

from gui.data.codecs import codec_for
from gui.data.columns import ColumnData, LoadedColumns
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken
from gui.data.demo import ensure_demo
from gui.data.edits import CellEdits, column_codecs, value_text
from gui.data.errors import Cancelled
from gui.data.paging import Condition, SortKey
from gui.data.result import TableResult, session_time_zone
from gui.data.schema import Column, TableSchema, read_schema
from gui.data.table_csv import (
    NEW,
    NO_ROW,
    REPLACES,
    REVERTS,
    UNCHANGED,
    CsvError,
    ExportFailed,
    clipboard_text,
    csv_field,
    csv_line,
    export_result,
    page_lines,
    pasted_raw,
    plan_import,
    read_cell_changes,
    read_clipboard,
    read_records,
    seen_values,
)

UTC = dt.timezone.utc

# -- fields ------------------------------------------------------------------------------

FIELD = st.one_of(st.none(), st.text(alphabet=st.sampled_from('ab ,;\t|"\r\n\u00e9'), max_size=6))


def records(text_: str, delimiter: str = ",") -> list[list[str | None]]:
    out = []
    for record in read_records(io.StringIO(text_, newline=""), delimiter):
        assert record.error is None, record
        out.append(record.fields)
    return out


@given(st.lists(st.lists(FIELD, min_size=1, max_size=5), min_size=1, max_size=6))
def test_written_fields_read_back_exactly_and_as_csv_reader_reads_them(rows) -> None:
    written = "".join(csv_line(row) for row in rows)
    assert records(written) == rows
    # the standard reader reads the same text, NULL and "" both as "" (a line of
    # one NULL is a blank line, which it reads as no field)
    standard = [row or [""] for row in csv.reader(io.StringIO(written, newline=""), strict=True)]
    assert standard == [["" if v is None else v for v in row] for row in rows]


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from('a,"\n\r '), max_size=14))
def test_any_text_reads_as_csv_reader_reads_it_or_is_refused_where_it_refuses(raw: str) -> None:
    ours = list(read_records(io.StringIO(raw, newline="")))
    try:
        standard = list(csv.reader(io.StringIO(raw, newline=""), strict=True))
    except csv.Error:
        assert any(r.error for r in ours)
        return
    assert not any(r.error for r in ours)
    assert [["" if v is None else v for v in r.fields] for r in ours] == [row or [""] for row in standard]


def test_null_is_an_empty_unquoted_field_and_the_empty_string_a_quoted_one() -> None:
    assert csv_line(["1", None, "", "a,b", 'say "hi"', " lead", "two\nlines"]) == (
        '1,,"","a,b","say ""hi"""," lead","two\nlines"\n'
    )
    assert records('1,,"",x\n2,"",,\n') == [["1", None, "", "x"], ["2", "", None, None]]
    assert csv_field(None) == "" and csv_field("") == '""' and csv_field("plain") == "plain"


def test_records_know_their_first_line_and_say_what_is_wrong() -> None:
    text_ = 'id,note\n1,"two\nlines"\n2,"a"b\n3,ok\n4,"never closed\n5,x\n'
    got = list(read_records(io.StringIO(text_, newline="")))
    assert [(r.line, r.fields) for r in got[:3]] == [(1, ["id", "note"]), (2, ["1", "two\nlines"]), (4, [])]
    assert "closing quote" in got[2].error
    assert (got[3].line, got[3].fields) == (5, ["3", "ok"])
    assert got[4].line == 6 and "not closed" in got[4].error


# -- the clipboard -----------------------------------------------------------------------


def test_clipboard_text_is_tab_separated_without_a_header_and_reads_back() -> None:
    grid = [["12.50", None, "true"], ["a\tb", "two\nlines", ""]]
    text_ = clipboard_text(grid)
    assert text_ == '12.50\t\ttrue\n"a\tb"\t"two\nlines"\t\n'
    assert read_clipboard(text_) == [["12.50", "", "true"], ["a\tb", "two\nlines", ""]]
    # a lone NULL cell is an empty line, not the csv module's ""
    assert clipboard_text([[None]]) == "\n"
    # blank lines inside are empty fields; blank lines at the end are not rows
    assert read_clipboard("1\n\n3\n\n\n") == [["1"], [""], ["3"]]
    assert read_clipboard("") == []
    assert read_clipboard("\r\n") == [[""]]  # one empty cell, as a spreadsheet copies it
    assert read_clipboard("\t\r\n\r\n") == [["", ""]]  # a row of two empty cells is a row


def test_a_pasted_empty_field_is_null_except_for_text() -> None:
    codecs = column_codecs(CUSTOMERS)
    assert pasted_raw("", codecs["credit"]) is None
    assert pasted_raw("", codecs["active"]) is None
    assert pasted_raw("", codecs["email"]) == ""
    assert pasted_raw("", codecs["name"]) == ""  # varchar(4)
    assert pasted_raw("7", codecs["credit"]) == "7"


# -- files of changes (no database) --------------------------------------------------------

CUSTOMERS = TableSchema(
    "public", "customers", "table",
    (
        Column("id", "bigint", "bigint", nullable=False),
        Column("email", "text", "text"),
        Column("credit", "numeric(12,2)", "numeric(12,2)"),
        Column("active", "boolean", "boolean", nullable=False),
        Column("updated_at", "timestamp with time zone", "timestamp with time zone"),
        Column("name", "character varying(4)", "character varying(4)"),
        Column("total", "integer", "integer", generated=True),
        Column("span", "interval", "interval"),
        Column("secret", "text", "text", may_update=False),
    ),
    key=("id",), key_source="primary key",
)  # fmt: skip
SHIFTS = TableSchema(
    None, "shifts", "table",
    (Column("starts", "time without time zone", "time without time zone", nullable=False),
     Column("day", "date", "date", nullable=False), Column("who", "text", "text")),
    key=("starts", "day"), key_source="primary key",
)  # fmt: skip


def write(tmp_path: Path, content: str | bytes, name: str = "changes.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def read(tmp_path: Path, content: str | bytes, schema: TableSchema = CUSTOMERS):
    return read_cell_changes(write(tmp_path, content), schema, column_codecs(schema, time_zone="Europe/Paris"))


def test_a_changes_file_gives_typed_cells_with_null_and_empty_apart(tmp_path) -> None:
    imported = read(
        tmp_path,
        'email,id,credit,updated_at\n'
        'ada@example.org,1, 12.5 ,2024-05-01 11:15:00\n'
        ',2,,\n'
        '"",3,7,"2024-01-01 00:00:00+00"\n'
        '\n'
        '"multi\nline",4,1,\n',
    )
    assert imported.ok, imported.refused
    assert imported.key_columns == ("id",) and imported.columns == ("email", "credit", "updated_at")
    assert imported.dialect == "comma-separated" and imported.lines == 4
    cells = {(c.key[0], c.column): (c.line, c.raw, c.new) for c in imported.cells}
    assert cells[(1, "credit")] == (2, " 12.5 ", Decimal("12.50"))
    # a time without an offset is read in the session's zone (Paris, summer: +02)
    assert cells[(1, "updated_at")][2] == dt.datetime(2024, 5, 1, 9, 15, tzinfo=UTC)
    assert cells[(2, "email")] == (3, None, None)  # NULL
    assert cells[(2, "credit")] == (3, None, None)
    assert cells[(3, "email")] == (4, "", "")  # the empty string
    assert cells[(4, "email")] == (6, "multi\nline", "multi\nline")  # line 6: the blank line 5 counts


def test_refused_lines_are_listed_with_their_numbers_and_nothing_else_stops(tmp_path) -> None:
    imported = read(
        tmp_path,
        "id;credit;active;name\n"  # semicolons, found by the sniffer
        "1;12.50;true;ab\n"
        "2;1.234;true;ab\n"  # numeric(12,2) would round it
        ";5;true;ab\n"  # no key
        "4;5;;ab\n"  # NULL into NOT NULL
        "5;5;true;abcde\n"  # varchar(4)
        "6;5;true\n"  # a field missing
        '7;"5"x;true;ab\n'  # text after a closing quote
        "8;\"\";true;ab\n"  # "" is no number, as typing nothing is none
        "1;12.50;true;ab\n"  # the same again: counted once
        "1;13;true;ab\n"  # another value for a cell given on line 2
        "9;1;yes;\"\"\n",
    )
    assert not imported.ok and imported.dialect == "semicolon-separated"
    reasons = {r.line: r.reason for r in imported.refused}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 11]
    assert "1.234" in reasons[3] and reasons[3].startswith("credit:")
    assert "id is empty" in reasons[4]
    assert "active cannot be NULL" in reasons[5]
    assert "at most 4" in reasons[6]
    assert "3 fields" in reasons[7]
    assert "closing quote" in reasons[8]
    assert reasons[9].startswith("credit: A value is required")
    assert "line 2" in reasons[11] and "12.50" in reasons[11]
    assert imported.repeated == 3  # line 10's three values
    assert {(c.key, c.column, c.new) for c in imported.cells if c.line == 12} == {
        ((9,), "credit", Decimal("1.00")), ((9,), "active", True), ((9,), "name", "")
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("credit,email\n1,2\n", r"must name the key column \(id\)"),
        ("id\n1\n", "names only the key"),
        ("id,nope\n1,2\n", "no column 'nope'"),
        ("id,total\n1,2\n", "generated column"),
        ("id,span\n1,1 day\n", "intervals"),
        ("id,secret\n1,x\n", "no UPDATE privilege"),
        ("id,credit,credit\n1,2,3\n", "twice"),
        (b"id,email\n1,caf\xe9\n", "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_at_all_says_why(tmp_path, content, message) -> None:
    with pytest.raises(CsvError, match=message):
        read(tmp_path, content)


def test_a_byte_order_mark_crlf_and_a_two_column_time_key(tmp_path) -> None:
    imported = read(tmp_path, "\ufeffday,starts,who\r\n2024-02-29,13:45,Ada\r\n2024-03-01, 9:00:00 ,\r\n", SHIFTS)
    assert imported.ok, imported.refused
    # keys as the loaded columns hold them: a time is read as the server's text, a date as a date
    assert [(c.key, c.new) for c in imported.cells] == [
        (("13:45:00", dt.date(2024, 2, 29)), "Ada"),
        (("09:00:00", dt.date(2024, 3, 1)), None),
    ]


def test_seen_values_and_the_plan_of_an_import(tmp_path) -> None:
    codecs = column_codecs(CUSTOMERS)
    edits = CellEdits(CUSTOMERS, codecs)
    # pending already: id 1's credit (the file sets another value) and id 2's
    # (the file sets the database's value back)
    edits.apply(edits.plan_edit((1,), "credit", "99", [Decimal("12.50")]))
    edits.apply(edits.plan_edit((2,), "credit", "50", [Decimal("6.50")]))
    imported = read(tmp_path, "id,credit\n1,13\n2,6.50\n3,7.99\n4,1\n5,2\n")
    assert imported.ok
    # rows 1 and 2 are loaded (under a filter); 3 and 4 only the database has; 5 none
    loaded = LoadedColumns(
        ["id", "credit"],
        [ColumnData.from_values("int", [2, 1]), ColumnData.from_values("numeric", [Decimal("6.50"), Decimal("12.50")])],
    )
    current = {((3,), "credit"): (Decimal("7.99"),), ((4,), "credit"): (Decimal("0.50"),), ((1,), "credit"): (Decimal("20.00"),)}
    seen = seen_values(imported.cells, CUSTOMERS, loaded, current)
    # a loaded row counts as seen loaded, even if the database has changed since
    assert seen[((1,), "credit")] == (Decimal("12.50"),)
    assert seen[((3,), "credit")] == (Decimal("7.99"),)
    assert seen[((5,), "credit")] == ()
    plan = plan_import(edits, imported, seen)
    assert [(e.cell.key[0], e.status) for e in plan.entries] == [
        (1, REPLACES), (2, REVERTS), (3, UNCHANGED), (4, NEW), (5, NO_ROW)
    ]  # fmt: skip
    assert plan.updates.keys() == {((1,), "credit"), ((2,), "credit"), ((4,), "credit")}
    assert plan.updates[((2,), "credit")] is None
    # a replaced change keeps what was seen when it was first made
    assert plan.updates[((1,), "credit")].seen == (Decimal("12.50"),)
    assert plan.updates[((4,), "credit")].seen == (Decimal("0.50"),)
    edits.apply(plan.updates)
    assert {c.key[0]: c.new for c in edits} == {1: Decimal("13.00"), 4: Decimal("1.00")}


def test_the_data_layer_imports_no_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.table_csv; "
        "del sys.modules['PySide6']; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the text of a page ----------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999_999))


@given(st.lists(st.one_of(st.none(), MOMENTS), max_size=12))
def test_dates_and_timestamps_are_written_as_their_codecs_write_them(moments) -> None:
    cases = [
        ("date", codec_for("date"), [None if m is None else m.date() for m in moments]),
        ("timestamp", codec_for("timestamp(6) without time zone"), moments),
        # written in UTC whatever the session's zone
        ("timestamptz", codec_for("timestamp with time zone", time_zone="Europe/Paris"),
         [None if m is None else m.replace(tzinfo=UTC) for m in moments]),
    ]  # fmt: skip
    for kind, codec, values in cases:
        page = LoadedColumns(["v"], [ColumnData.from_values(kind, values)])
        assert page_lines(page, {"v": codec}) == "".join(("" if v is None else codec.to_text(v)) + "\n" for v in values)


def test_dates_no_codec_parses_are_written_as_postgresql_prints_them() -> None:
    codec = codec_for("date")
    page = LoadedColumns(["v"], [ColumnData.from_values("date", ["infinity", dt.date(2024, 2, 29), None, "-infinity"])])
    assert page_lines(page, {"v": codec}) == "infinity\n2024-02-29\n\n-infinity\n"
    far = ColumnData.from_arrays("date", np.array(["-0043-03-15", "2024-01-01", "10000-01-01"], dtype="datetime64[D]"))
    assert page_lines(LoadedColumns(["v"], [far]), {"v": codec}) == "0044-03-15 BC\n2024-01-01\n10000-01-01\n"
    stamps = ColumnData.from_arrays("timestamptz", np.array(["-0043-03-15T12:00:00.5"], dtype="datetime64[us]"))
    assert page_lines(LoadedColumns(["v"], [stamps]), {"v": codec_for("timestamp with time zone")}) == "0044-03-15 12:00:00.5+00 BC\n"


# -- exports on the databases ----------------------------------------------------------------

EVERY_TYPE = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE every_type (
    id integer PRIMARY KEY,
    small smallint, big bigint, num numeric(12,2), free numeric, r real, d double precision,
    b boolean, t text, v varchar(5), c char(3), day date, at_time time, ts timestamp(3),
    tstz timestamptz, u uuid, j json, jb jsonb, m mood, span interval
);
INSERT INTO every_type VALUES
    (1, -32768, 9007199254740993, 12.50, 'NaN', 0.1, 1e300, true, 'a, "quoted"' || chr(10) || 'line', 'ab ',
     'x', '2024-02-29', '13:45:07.25', '2024-05-01 09:15:00.123', '2024-05-01 09:15:00+02',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": [1, 2]}', '{"b": 1, "a": 2}', 'happy', '1 day 02:00:00'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, 0, 0, -0.50, '-Infinity', '-0', 'Infinity', false, '', '', '', 'infinity', '00:00', '-infinity', 'infinity',
     '00000000-0000-0000-0000-000000000000', '[]', 'null', 'sad', '0');
"""


@pytest.mark.postgres
def test_every_type_round_trips_through_an_export_exactly(pg_engine: Engine, tmp_path) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text(EVERY_TYPE))
        schema = read_schema(conn, "every_type")
        codecs = column_codecs(schema, time_zone=session_time_zone(conn))
    path = tmp_path / "every_type.csv"
    progress: list[tuple[int, int | None]] = []
    assert export_result(pg_engine, schema, codecs, path, sort=[SortKey("id")], progress=lambda *a: progress.append(a)) == 3
    assert progress[0] == (0, 3) and progress[-1] == (3, 3)
    content = path.read_text(encoding="utf-8")
    lines = content.split("\n")
    assert lines[0] == "id,small,big,num,free,r,d,b,t,v,c,day,at_time,ts,tstz,u,j,jb,m,span"
    assert lines[1].startswith('1,-32768,9007199254740993,12.50,NaN,0.1,1e+300,true,"a, ""quoted""')
    # row 2: NULL everywhere, each an empty unquoted field
    assert "2" + "," * 19 in content
    # row 3: the empty strings quoted; char(3) keeps its padding; infinities as words; timestamptz in UTC
    row3 = next(r for r in records(content) if r[0] == "3")
    assert row3[8:11] == ["", "", "   "] and row3[11] == "infinity" and row3[13] == "-infinity"
    assert row3[5] == "-0" and row3[4] == "-Infinity"
    assert next(r for r in records(content) if r[0] == "1")[14] == "2024-05-01 07:15:00+00"

    loaded = TableResult(pg_engine, schema, sort=[SortKey("id")]).fetch(10)
    written = records(content)[1:]
    assert len(written) == len(loaded) == 3
    for i, row in enumerate(written):
        for name, field in zip(loaded.names, row):
            codec, value = codecs[name], loaded[name].value(i)
            if value is None:
                assert field is None, (name, i)
            elif loaded[name].is_infinite(i):
                assert field in ("infinity", "-infinity")
            else:
                # the file's text reads back as the very value the database holds
                assert value_text(codec, codec.from_text(field)) == value_text(codec, value), (name, i, field)
    # and a file of changes in that format is taken as it was written
    editable = [n for n in loaded.names if n != "span"]
    changes = tmp_path / "changes.csv"
    rows = [r for r in records(content) if r[0] != "3"]  # infinity is beyond what the codecs take
    header = rows[0]
    changes.write_text(
        "".join(csv_line([r[header.index(n)] for n in editable]) for r in rows), encoding="utf-8", newline=""
    )
    imported = read_cell_changes(changes, schema, codecs)
    assert imported.ok, imported.refused
    by_cell = {(c.key[0], c.column): c.new for c in imported.cells}
    for i in (0, 1):
        for name in editable[1:]:
            value = loaded[name].value(i)
            assert value_text(codecs[name], by_cell[(loaded["id"].value(i), name)]) == value_text(codecs[name], value)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def customers(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[Engine, TableSchema, dict]]:
    if request.param == "postgresql":
        engine = request.getfixturevalue("pg_engine")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text, "
                              "credit real, active boolean NOT NULL)"))  # fmt: skip
            conn.execute(text("INSERT INTO customers SELECT id, name, email, credit, active::boolean FROM (VALUES "
                              "(1, 'Ada', 'ada@example.org', 1200.5, 1), (2, 'Alan', '', 310.25, 1), "
                              "(3, 'Grace', NULL, 0, 1), (4, 'Edsger', 'ewd@example.org', NULL, 0)) AS v(id, name, email, credit, active)"))  # fmt: skip
        owned = None
    else:
        path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
        engine = owned = create_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.execute(text("UPDATE customers SET email = '' WHERE id = 2"))
    try:
        with engine.connect() as conn:
            schema = read_schema(conn, "customers")
        codecs = column_codecs(schema, dialect=engine.dialect.name)
        yield engine, schema, codecs
    finally:
        if owned is not None:
            owned.dispose()


def test_an_export_holds_exactly_the_filtered_rows_in_the_sorted_order(customers, tmp_path) -> None:
    engine, schema, codecs = customers
    path = tmp_path / "active.csv"
    conditions = [Condition("active", "=", True)]
    count = export_result(engine, schema, codecs, path, conditions, [SortKey("credit", descending=True)], page=2)
    content = path.read_text(encoding="utf-8")
    rows = records(content)
    assert rows[0][:5] == ["id", "name", "email", "credit", "active"][: len(rows[0][:5])]
    ids = [r[0] for r in rows[1:]]
    assert count == len(ids) and set(ids) >= {"1", "2", "3"} and "4" not in ids
    credits = [float(r[rows[0].index("credit")]) for r in rows[1:] if r[rows[0].index("credit")] is not None]
    assert credits == sorted(credits, reverse=True)
    email = rows[0].index("email")
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["2"][email] == "" and by_id["3"][email] is None  # "" and NULL apart
    assert "\n2,Alan" in content or "\n2,Alan Turing" in content
    assert ',"",' in content and ",," in content


def test_a_cancelled_or_failed_export_leaves_no_file(customers, tmp_path) -> None:
    engine, schema, codecs = customers
    path = tmp_path / "out.csv"
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_result(engine, schema, codecs, path, cancel=token)
    assert list(tmp_path.glob("out.csv*")) == []
    with pytest.raises(ExportFailed, match="Cannot write out.csv in .*missing: No such file.*Choose another folder"):
        export_result(engine, schema, codecs, tmp_path / "missing" / "out.csv")


def test_an_export_as_shown_holds_the_pending_values_where_there_are_some(customers, tmp_path) -> None:
    engine, schema, codecs = customers
    edits = CellEdits(schema, codecs)
    edits.apply(edits.plan_many([((2,), "email", None, [""]), ((3,), "email", "", [None]), ((1,), "name", "Ada L.", ["Ada"])]))
    path = tmp_path / "shown.csv"
    export_result(engine, schema, codecs, path, sort=[SortKey("id")], page=2, pending=edits.snapshot())
    rows = records(path.read_text(encoding="utf-8"))
    email, name = rows[0].index("email"), rows[0].index("name")
    by_id = {r[0]: r for r in rows[1:]}
    # NULL and "" kept apart in the pending values too; a page boundary (page=2) changes nothing
    assert by_id["2"][email] is None and by_id["3"][email] == "" and by_id["1"][name] == "Ada L."
    assert by_id["4"][email] == "ewd@example.org" and by_id["4"][name].startswith("Edsger")
    # without them, the database's values
    export_result(engine, schema, codecs, path, sort=[SortKey("id")], page=2)
    by_id = {r[0]: r for r in records(path.read_text(encoding="utf-8"))[1:]}
    assert by_id["2"][email] == "" and by_id["3"][email] is None and by_id["1"][name].startswith("Ada") and by_id["1"][name] != "Ada L."


def test_the_editors_own_clipboard_cells_read_back_with_null_apart() -> None:
    from gui.data.table_csv import cells_from_bytes, cells_to_bytes, clipboard_grid

    grid = [["a", None, ""], ["tab\there", "line\nbreak", "é"]]
    assert cells_from_bytes(cells_to_bytes(grid)) == grid
    assert cells_from_bytes(b'[["a", null]]') == [["a", None]]  # an earlier version's one document
    text_ = clipboard_text(grid)
    assert clipboard_grid(text_, cells_to_bytes(grid)) == (grid, True)
    # another program's text replaced ours: the text wins, an empty field is ""
    assert clipboard_grid("x\t\n", cells_to_bytes(grid)) == ([["x", ""]], False)
    assert clipboard_grid("x\n", b"not json") == ([["x"]], False)


@pytest.mark.parametrize("lines", [0, 1, 999, 1_000, 1_001, 2_500])
def test_read_clipboard_paces_a_worker_between_chunks(monkeypatch, lines):
    """Long clipboard text is read in chunks with the GIL let go between them (a
    repaint during a paste's first read took 30-50 ms instead of 10), rows unchanged."""
    import gui.data.table_csv as table_csv

    calls = []
    monkeypatch.setattr(table_csv, "pace", lambda: calls.append(1))
    text = "".join(f"{i}\t'x\"{i}\n" for i in range(lines))
    expected = [row for row in csv.reader(io.StringIO(text, newline=""), "excel-tab")] or ([[""]] if text else [])
    assert table_csv.read_clipboard(text) == expected
    assert len(calls) == lines // table_csv.PACE_STEP


@pytest.mark.postgres
def test_an_exported_file_with_infinite_dates_imports_back_changing_only_what_was_edited(pg_engine: Engine, tmp_path) -> None:
    """The app's own export writes ``infinity``: imported back, an infinite cell given
    its own value again is no change, an edited date is a change, and a cell given
    ``infinity`` where it holds a date is refused (no cell is set to infinity)."""
    from gui.data.errors import InvalidValue

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id int PRIMARY KEY, d date, at timestamptz)"))
        conn.execute(text("INSERT INTO events VALUES (1, 'infinity', '-infinity'), (2, '2024-01-01', '2024-01-01 00:00+00')"))
    with pg_engine.connect() as conn:
        schema = read_schema(conn, "events")
    codecs = column_codecs(schema)
    exported = tmp_path / "events.csv"
    assert export_result(pg_engine, schema, codecs, exported, sort=[SortKey("id")]) == 2
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "1,infinity,-infinity"
    edited = tmp_path / "edited.csv"
    edited.write_text("\n".join([lines[0], lines[1], lines[2].replace("2024-01-01,", "2024-02-29,", 1)]) + "\n", encoding="utf-8")

    imported = read_cell_changes(edited, schema, codecs)
    assert imported.ok, imported.refused
    current = {  # the database's values now, as the review reads them
        ((1,), "d"): ("infinity",),
        ((1,), "at"): ("-infinity",),
        ((2,), "d"): (dt.date(2024, 1, 1),),
        ((2,), "at"): (dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),),
    }
    plan = plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, current))
    assert {(e.cell.key[0], e.cell.column): e.status for e in plan.entries} == {
        (1, "d"): UNCHANGED, (1, "at"): UNCHANGED, (2, "d"): NEW, (2, "at"): UNCHANGED,
    }  # fmt: skip
    assert set(plan.updates.keys()) == {((2,), "d")}

    # over a pending change of the infinite cell, the file's word (the database's value) drops it
    edits = CellEdits(schema, codecs)
    edits.apply(edits.plan_edit((1,), "d", "2024-05-05", ("infinity",)))
    plan = plan_import(edits, imported, seen_values(imported.cells, schema, None, current))
    assert {(e.cell.key[0], e.cell.column): e.status for e in plan.entries}[(1, "d")] == REVERTS
    edits.apply(plan.updates)
    assert {c.cell: c.new for c in edits} == {((2,), "d"): dt.date(2024, 2, 29)}

    # PostgreSQL's spelling, any case: still the cell's own value
    capitals = tmp_path / "capitals.csv"
    capitals.write_text("id,d\n1, Infinity\n", encoding="utf-8")
    imported = read_cell_changes(capitals, schema, codecs)
    assert imported.ok, imported.refused
    plan = plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, current))
    assert [e.status for e in plan.entries] == [UNCHANGED]

    to_infinity = tmp_path / "to-infinity.csv"
    to_infinity.write_text("id,d\n2,infinity\n", encoding="utf-8")
    imported = read_cell_changes(to_infinity, schema, codecs)
    with pytest.raises(InvalidValue, match="sets no cell to infinity"):
        plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, {((2,), "d"): (dt.date(2024, 1, 1),)}))


@pytest.mark.postgres
def test_an_exported_file_with_dates_beyond_years_1_to_9999_imports_back_and_none_is_changed_by_a_file(pg_engine: Engine, tmp_path) -> None:
    """A BC date and a year-10000 one are written as PostgreSQL prints them; imported
    back they are no change (the app's own file, or PostgreSQL's spelling of them), and
    a file cannot change such a cell, as typing and pasting cannot."""
    from gui.data.errors import InvalidValue

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE far (id int PRIMARY KEY, d date, at timestamptz)"))
        conn.execute(text(
            "INSERT INTO far VALUES (1, '0044-03-15 BC', '0001-06-30 12:30:00.5+00 BC'), (2, '10000-01-01', '2024-01-01 00:00+00')"
        ))  # fmt: skip
    with pg_engine.connect() as conn:
        schema = read_schema(conn, "far")
    codecs = column_codecs(schema)
    exported = tmp_path / "far.csv"
    assert export_result(pg_engine, schema, codecs, exported, sort=[SortKey("id")]) == 2
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["1,0044-03-15 BC,0001-06-30 12:30:00.5+00 BC", "2,10000-01-01,2024-01-01 00:00:00+00"]
    current = {  # the database's values now, as the review reads them (the server's text, in UTC)
        ((1,), "d"): ("0044-03-15 BC",),
        ((1,), "at"): ("0001-06-30 12:30:00.5+00 BC",),
        ((2,), "d"): ("10000-01-01",),
        ((2,), "at"): (dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),),
    }
    imported = read_cell_changes(exported, schema, codecs)
    assert imported.ok, imported.refused
    plan = plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, current))
    assert [e.status for e in plan.entries] == [UNCHANGED] * 4 and not plan.updates

    spelled = tmp_path / "spelled.csv"
    spelled.write_text("id,d\n1,  0044-03-15   bc \n", encoding="utf-8")  # as PostgreSQL would read it
    imported = read_cell_changes(spelled, schema, codecs)
    assert imported.ok, imported.refused
    plan = plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, current))
    assert [e.status for e in plan.entries] == [UNCHANGED]

    for line, message in (("1,2020-01-01", "holds 0044-03-15 BC, which the editor shows but cannot change"),
                          ("2,0045-01-01 BC", "sets no cell to 0045-01-01 BC"),
                          # the same day spelled otherwise: what the cell holds is said, to mend the file by
                          ("1,0044-03-15 00:00 BC", r"the cell holds 0044-03-15 BC, and the editor sets no cell to 0044-03-15 00:00 BC")):  # fmt: skip
        changing = tmp_path / "changing.csv"
        changing.write_text(f"id,d\n{line}\n", encoding="utf-8")
        imported = read_cell_changes(changing, schema, codecs)
        assert imported.ok, imported.refused
        with pytest.raises(InvalidValue, match=message):
            plan_import(CellEdits(schema, codecs), imported, seen_values(imported.cells, schema, None, current))
    nonsense = tmp_path / "nonsense.csv"
    nonsense.write_text("id,d\n2,2024-02-30\n", encoding="utf-8")  # not a date at all: said as when typed
    assert not read_cell_changes(nonsense, schema, codecs).ok
