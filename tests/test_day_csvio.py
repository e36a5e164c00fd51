"""CSV reading and streaming export, and the audit log: the Qt-free data layer of issue 5."""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from gui.data.audit import AuditLog, export_entries
from gui.data.commit import CommitResult
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken
from gui.data.csvio import CsvError, export_rows, read_changes
from gui.data.demo import reset_demo
from gui.data.errors import Cancelled
from gui.data.pending import PendingChange

SPEC = DEFAULT_SPEC


def write(tmp_path: Path, data: bytes, name: str = "changes.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_data_layer_needs_no_qt():
    code = "import sys, gui.data.csvio, gui.data.audit; assert not any(m.startswith('PySide6') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


@pytest.mark.parametrize(
    "data, dialect",
    [
        (b"x,y\n6,16\n9,19\n", "comma-separated"),
        (b"\xef\xbb\xbfx,y\r\n6,16\r\n9,19\r\n", "comma-separated"),  # Excel's UTF-8: BOM and CRLF
        (b"x;y\r\n6;16\r\n9;19\r\n", "semicolon-separated"),  # a European spreadsheet
        (b'"x";"y"\n"6";"16"\n"9";" 19 "\n', "semicolon-separated"),
        (b'"x","y"\n"6","16"\n"9","19"\n', "comma-separated"),
        (b"x\ty\n6\t16\n9\t19\n", "tab-separated"),
        (b"y,x,note\n16,6,\"first, with a comma\"\n19,9,\"a \"\"quoted\"\" word\"\n", "comma-separated"),
        (b"X , Y\n6,16\n\n9,19\n\n", "comma-separated"),  # header case and blanks, blank lines
    ],
)
def test_reads_the_dialects_spreadsheets_write(tmp_path, data, dialect):
    imported = read_changes(write(tmp_path, data), SPEC)
    assert imported.refused == []
    assert imported.values == {6: 16, 9: 19}
    assert imported.dialect == dialect


@settings(max_examples=60, deadline=None)
@given(
    values=st.dictionaries(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1), max_size=30),
    separator=st.sampled_from([",", ";", "\t"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    bom=st.booleans(),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_file_a_spreadsheet_writes_reads_back_the_same_changes(values, separator, quoting, bom, line_end):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "changes.csv"
        with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=separator, quoting=quoting, lineterminator=line_end)
            writer.writerow(["x", "y"])
            writer.writerows(values.items())
        imported = read_changes(path, SPEC)
    assert imported.refused == [] and imported.values == values


def test_refused_lines_carry_their_line_numbers_and_values(tmp_path):
    data = b"x;y\r\n6;16\r\n9;abc\r\n20;12.5\r\n21;1e3\r\nseven;7\r\n100;2147483648\r\n22\r\n23;\r\n6;17\r\n9;9\r\n"
    imported = read_changes(write(tmp_path, data), SPEC)
    assert [(r.line, r.text) for r in imported.refused] == [
        (3, "abc"),
        (4, "12.5"),
        (5, "1e3"),
        (6, "seven"),
        (7, "2147483648"),
        (8, "22"),
        (9, ""),
        (10, "17"),
    ]
    reasons = {r.line: r.reason for r in imported.refused}
    assert "'abc' is not a whole number" in reasons[3]
    assert "'seven' is not a whole number: x takes" in reasons[6]  # the key is named as the key
    assert "out of range" in reasons[7]
    assert "1 field;" in reasons[8]
    assert "A value is required" in reasons[9]
    assert "line 2" in reasons[10]  # x = 6 cannot take both 16 and 17
    assert not imported.ok
    assert imported.values == {6: 16, 9: 9}  # the good lines are known, but the caller applies nothing


def test_decimal_commas_in_a_semicolon_file_are_refused_with_their_lines(tmp_path):
    imported = read_changes(write(tmp_path, b"x;y\n6;16,5\n9;19,25\n20;21\n"), SPEC)
    assert imported.dialect == "semicolon-separated"
    assert [(r.line, r.text) for r in imported.refused] == [(2, "16,5"), (3, "19,25")]
    assert imported.values == {20: 21}


def test_a_quoted_field_over_two_lines_keeps_the_numbering_right(tmp_path):
    data = b'x,y,note\n6,16,"two\nlines"\n9,oops,\n'
    imported = read_changes(write(tmp_path, data), SPEC)
    assert [(r.line, r.text) for r in imported.refused] == [(4, "oops")]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"a,b\n1,2\n", "must name the columns"),
        (b"x,y\n6,\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_changes_file_is_refused_whole(tmp_path, data, words):
    with pytest.raises(CsvError, match=words):
        read_changes(write(tmp_path, data), SPEC)


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(CsvError, match="Cannot open"):
        read_changes(tmp_path / "nope.csv", SPEC)


# -- export ---------------------------------------------------------------------
def big_demo(path: Path, n: int) -> None:
    """``n`` rows, ``x`` repeated in pairs and every ``y`` above 6, in a demo file."""
    reset_demo(path, SPEC)
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM some_table"))
        conn.execute(
            text("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < :last) "
                 "INSERT INTO some_table (x, y) SELECT i / 2, 1000 + (i / 2) % 997 FROM s"),
            {"last": n - 1},
        )
    engine.dispose()


def test_export_streams_100000_rows_in_bounded_memory(tmp_path):
    db = tmp_path / "big.sqlite3"
    big_demo(db, 100_000)
    engine = create_engine(f"sqlite+pysqlite:///{db}")
    out = tmp_path / "rows.csv"
    seen = []
    tracemalloc.start()
    try:
        written = export_rows(engine, SPEC, 6, out, progress=lambda done, total: seen.append((done, total)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.dispose()
    assert written == 100_000
    lines = out.read_text().splitlines()
    assert lines[:3] == ["x,y", "0,1000", "0,1000"] and lines[-1] == "49999,1149" and len(lines) == 100_001
    assert seen[0] == (0, 100_000) and seen[-1] == (100_000, 100_000) and len(seen) > 5
    # 100,000 (x, y) tuples of Python ints would take 100,000 × 112 bytes ≈ 11 MB
    all_rows = 100_000 * (sys.getsizeof((1, 2)) + 2 * sys.getsizeof(10**6))
    assert peak < all_rows / 4, f"peak {peak:,} bytes"


def test_export_then_read_back_gives_the_same_values(tmp_path):
    db = tmp_path / "demo.sqlite3"
    reset_demo(db, SPEC)
    engine = create_engine(f"sqlite+pysqlite:///{db}")
    out = tmp_path / "rows.csv"
    assert export_rows(engine, SPEC, 6, out) == 8
    engine.dispose()
    assert read_changes(out, SPEC).values == {6: 8, 9: 10, 20: 20, 100: 100}


def test_a_cancelled_export_leaves_no_file(tmp_path):
    db = tmp_path / "big.sqlite3"
    big_demo(db, 30_000)
    engine = create_engine(f"sqlite+pysqlite:///{db}")
    token = CancelToken()
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "rows.csv"

    def progress(done, _total):
        if done >= 10_000:
            token.cancel()

    with pytest.raises(Cancelled):
        export_rows(engine, SPEC, 6, out, progress=progress, cancel=token)
    engine.dispose()
    assert list(folder.iterdir()) == []  # neither the file nor its temporary part


@pytest.mark.postgres
def test_export_on_postgresql_without_an_index_uses_one_held_cursor(pg_engine, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table SELECT i / 3, 7 + i % 5 FROM generate_series(0, 24999) i"))
    out = tmp_path / "rows.csv"
    assert export_rows(pg_engine, SPEC, 6, out, page=4_000) == 25_000
    lines = out.read_text().splitlines()
    assert lines[1:4] == ["0,7", "0,8", "0,9"] and len(lines) == 25_001
    with pg_engine.connect() as conn:  # the export's connections were released
        assert conn.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one() == 0


# -- audit log ------------------------------------------------------------------
def result(*changes: tuple[int, tuple[int, ...], int]) -> CommitResult:
    committed = tuple(PendingChange(key, new) for key, _old, new in changes)
    return CommitResult(len(changes), sum(len(old) for _k, old, _n in changes), committed, {k: old for k, old, _n in changes})


def test_audit_log_records_filters_and_survives_reopening(tmp_path):
    path = tmp_path / "data" / "audit.sqlite3"
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=timezone.utc)
    log = AuditLog(path)
    log.append_result("demo database (demo.sqlite3)", "some_table", result((6, (8, 8), 16), (9, (10, 10), 19)), at=monday)
    log.append_result("postgresql+psycopg2://ann:***@db/prod", "some_table", result((6, (16, 16), 26)), at=monday + timedelta(days=2))

    reopened = AuditLog(path)
    everything = reopened.entries()
    assert [(e.key, e.old, e.new, e.rows) for e in everything] == [(6, (16, 16), 26, 2), (6, (8, 8), 16, 2), (9, (10, 10), 19, 2)]
    assert everything[0].connection == "postgresql+psycopg2://ann:***@db/prod"
    assert [e.key for e in reopened.entries(key=9)] == [9]
    assert [e.new for e in reopened.entries(since=monday + timedelta(days=1))] == [26]
    assert [e.new for e in reopened.entries(until=monday + timedelta(days=1))] == [16, 19]
    assert reopened.entries(key=6, until=monday + timedelta(days=1))[0].new == 16
    assert reopened.commit_count() == 2

    out = tmp_path / "audit.csv"
    export_entries(everything, out)
    lines = out.read_text().splitlines()
    assert lines[0] == "when,connection,table,x,old y,new y,rows updated,stored y"
    assert lines[1].endswith(",postgresql+psycopg2://ann:***@db/prod,some_table,6,16 16,26,2,")


def test_an_audit_log_that_does_not_exist_yet_is_empty(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite3")
    assert log.entries() == [] and log.commit_count() == 0
    assert not log.path.exists()  # reading never creates it
