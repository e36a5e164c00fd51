"""The audit log of cell commits on any table: the data layer (append and read back,
NULL apart from the empty string, what a trigger stored, filters, CSV, a log of the
integer window's days migrated in place, two processes migrating at once) and the
window (two edits committed through the review, then Help → Audit log lists them)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy import column as sa_column
from sqlalchemy import select, text
from sqlalchemy import table as sa_table

from gui.data.audit import CELL_CSV_HEADER, AuditLog, CellAuditChange, cell_audit_changes
from gui.data.cell_commit import CellCommitResult, commit_cells, confirm_cells, review_cells
from gui.data.edits import CellChange, CellEdits, column_codecs
from gui.data.errors import StorageFailed
from gui.data.schema import read_schema
from gui.data.transport import read_columns
from gui_helpers import WAIT_MS, make_editor  # noqa: F401 - fixture
from test_day_files import choose_file, menu_action
from test_gui_any_table import CUSTOMERS, _column, _commit_through_review, _row_with, _type_into, _url, _wait_table

ROOT = Path(__file__).resolve().parent.parent

# the log as the integer window wrote it before cell commits were recorded
OLD_SCHEMA = """
CREATE TABLE commits (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, connection TEXT NOT NULL,
    table_name TEXT NOT NULL, changes INTEGER NOT NULL, rows INTEGER NOT NULL
);
CREATE TABLE changes (
    commit_id INTEGER NOT NULL REFERENCES commits(id), x INTEGER NOT NULL,
    old TEXT NOT NULL, new INTEGER NOT NULL, rows INTEGER NOT NULL
);
CREATE INDEX changes_x ON changes (x);
CREATE INDEX commits_at ON commits (at);
INSERT INTO commits VALUES (1, 1700000000.0, 'demo database (demo.sqlite3)', 'some_table', 1, 2);
INSERT INTO changes VALUES (1, 6, '8,8', 16, 2);
"""


def change(key: str, column: str, old, new, rows: int = 1, stored=()) -> CellAuditChange:
    return CellAuditChange(f"id = {key}", (("id", key),), column, tuple(old), new, rows, tuple(stored))


def tables_of(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


# -- the data layer ----------------------------------------------------------------------


def test_a_cell_commit_reads_back_with_null_apart_from_the_empty_string(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite3")
    at = datetime(2024, 5, 1, 9, 15, tzinfo=timezone.utc)
    commit_id = log.append_cells(
        "alice on db.example.org/shop",
        "public.customers",
        [
            change("1", "email", ["ada@example.org"], None),
            change("2", "email", [None], ""),
            change("3", "credit", ["7.99"], "500", stored=["50.00"]),
        ],
        rows=3,
        at=at,
    )
    entries = log.cell_entries()
    assert [e.commit_id for e in entries] == [commit_id] * 3
    first, second, third = entries
    assert (first.key_text, first.key, first.column) == ("id = 1", (("id", "1"),), "email")
    assert (first.old, first.new) == (("ada@example.org",), None)
    assert (second.old, second.new) == ((None,), "")  # NULL → the empty string, both kept
    assert first.new_text() == "NULL" and second.new_text() == "" and second.old_text() == "NULL"
    assert (third.new, third.stored, third.stored_text()) == ("500", ("50.00",), "50.00")
    assert first.stored == () and first.stored_text() == ""
    assert first.at == at and first.connection == "alice on db.example.org/shop" and first.table == "public.customers"
    assert log.cell_commit_count() == 1 and log.commit_count() == 0
    assert log.cell_tables() == ["public.customers"]


def test_entries_are_newest_first_and_filtered_by_date_table_and_text(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite3")
    day = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    log.append_cells("c", "public.customers", [change("7", "email", ["a"], "b")], 1, at=day)
    orders = [change("7", "Status", ["new"], "paid"), change("8", "total", ["1"], "2")]
    log.append_cells("c", "public.orders", orders, 2, at=day + timedelta(days=1))
    log.append_cells("c", "public.customers", [change("12", "credit", ["1.00"], "2.00")], 1, at=day + timedelta(days=2))

    assert [(e.table, e.key_text) for e in log.cell_entries()] == [
        ("public.customers", "id = 12"),
        ("public.orders", "id = 7"),  # a commit's changes in their order
        ("public.orders", "id = 8"),
        ("public.customers", "id = 7"),
    ]
    assert [e.key_text for e in log.cell_entries(table="public.customers")] == ["id = 12", "id = 7"]
    between = log.cell_entries(since=day + timedelta(hours=1), until=day + timedelta(days=2))
    assert [e.key_text for e in between] == ["id = 7", "id = 8"]
    assert [e.column for e in log.cell_entries(text="STATUS")] == ["Status"]  # the column, in any case
    assert [e.key_text for e in log.cell_entries(text="id = 7")] == ["id = 7", "id = 7"]
    assert [e.key_text for e in log.cell_entries(text="= 1")] == ["id = 12"]
    assert [e.key_text for e in log.cell_entries(limit=2)] == ["id = 12", "id = 7"]
    assert log.cell_tables() == ["public.customers", "public.orders"]
    assert log.cell_entries(text="nothing like it") == []


def test_csv_export_has_a_header_and_keeps_null_apart_from_the_empty_string(tmp_path):
    log = AuditLog(tmp_path / "audit.sqlite3")
    log.append_cells(
        "demo database (demo.sqlite3)",
        "customers",
        [
            change("1", "email", ["ada@example.org"], None),
            change("2", "note", [None, ""], "", rows=2),
            change("3", "note", ["x"], 'say "hi", then\ngo', stored=["SAY"]),
        ],
        rows=4,
    )
    out = tmp_path / "export.csv"
    assert log.export_cells(out) == 3
    raw = out.read_text(encoding="utf-8")
    lines = raw.splitlines()
    assert lines[0] == "when,connection,table,key,key values,column,old values,new value,rows updated,stored values"
    assert lines[0].split(",") == CELL_CSV_HEADER
    # NULL is an empty field, the empty string "" (as COPY ... CSV writes them)
    assert lines[1].endswith(',customers,id = 1,"{""id"": ""1""}",email,"[""ada@example.org""]",,1,')
    assert lines[2].endswith(',note,"[null, """"]","",2,')
    records = list(csv.reader(io.StringIO(raw)))
    assert len(records) == 4
    assert records[3][7] == 'say "hi", then\ngo' and json.loads(records[3][9]) == ["SAY"]
    assert json.loads(records[2][6]) == [None, ""] and json.loads(records[1][4]) == {"id": "1"}
    when = datetime.fromisoformat(records[1][0])
    assert when.tzinfo is not None and abs(when - datetime.now(timezone.utc)) < timedelta(minutes=5)
    # the filter holds for the export too; nothing is left behind when the folder is not there
    assert log.export_cells(out, text="id = 3") == 1
    assert [r[3] for r in csv.reader(io.StringIO(out.read_text(encoding="utf-8")))] == ["key", "id = 3"]
    with pytest.raises(StorageFailed):
        log.export_cells(tmp_path / "no such folder" / "x.csv")
    assert list((tmp_path).glob("*.tmp")) == []


def test_a_log_with_only_the_integer_tables_is_migrated_keeping_its_entries(tmp_path):
    path = tmp_path / "audit.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    assert tables_of(path) == {"commits", "changes"}
    log = AuditLog(path)

    old = log.entries()  # readable as before; the stored column is added on the way
    assert [(e.key, e.old, e.new, e.rows, e.stored) for e in old] == [(6, (8, 8), 16, 2, ())]
    assert log.cell_entries() == [] and log.cell_tables() == []
    log.append_cells("c", "public.customers", [change("1", "email", ["a"], "b")], 1)
    log.append(connection="demo", table="some_table", changes=[(9, (10, 10), 19)], rows=2)

    assert {"commits", "changes", "cell_commits", "cell_changes"} <= tables_of(path)
    assert [(e.key, e.new) for e in log.entries()] == [(9, 19), (6, 16)]
    assert [(e.key_text, e.new) for e in log.cell_entries()] == [("id = 1", "b")]
    assert log.commit_count() == 2 and log.cell_commit_count() == 1


def test_two_processes_migrating_an_old_log_at_once_both_succeed(tmp_path):
    path = tmp_path / "audit.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    start = tmp_path / "go"
    child = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from gui.data.audit import AuditLog, CellAuditChange
        while not Path({str(start)!r}).exists():
            time.sleep(0.001)
        log = AuditLog({str(path)!r})
        n = int(sys.argv[1])
        for i in range(5):
            log.append_cells("c", "t", [CellAuditChange(f"id = {{n}}", (("id", str(n)),), "v", (str(i),), str(i + 1), 1)], 1)
        print(len(log.cell_entries()))
        """
    )
    children = [
        subprocess.Popen([sys.executable, "-c", child, str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    start.touch()
    for process in children:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    log = AuditLog(path)
    assert log.cell_commit_count() == 20
    assert sorted({e.key_text for e in log.cell_entries()}) == ["id = 0", "id = 1", "id = 2", "id = 3"]
    assert [(e.key, e.new) for e in log.entries()] == [(6, 16)]


def test_an_unreadable_log_is_a_storage_error(tmp_path):
    path = tmp_path / "audit.sqlite3"
    path.write_bytes(b"this is not a database, it is a text file " * 100)
    log = AuditLog(path)
    with pytest.raises(StorageFailed, match="could not be written"):
        log.append_cells("c", "t", [change("1", "v", ["a"], "b")], 1)
    with pytest.raises(StorageFailed, match="could not be read"):
        log.cell_entries()


def test_the_entries_of_a_commit_are_made_from_its_changes_and_result():
    from gui.data.codecs import codec_for

    codecs = {
        "id": codec_for("bigint", nullable=False),
        "region": codec_for("text", nullable=False),
        "credit": codec_for("numeric(12,2)"),
        "seen_at": codec_for("timestamp with time zone", time_zone="Europe/Paris"),
    }
    key = (7, "eu-west")
    at = datetime(2024, 5, 1, 9, 15, tzinfo=timezone.utc)
    credit = CellChange(key, "credit", Decimal("500.00"), (Decimal("7.99"),), (Decimal("7.99"), None))
    seen = CellChange(key, "seen_at", None, (at,), (at,))
    result = CellCommitResult(2, 2, {credit.cell: (Decimal("50.00"), Decimal("50.00")), seen.cell: (None,)}, [credit])
    first, second = cell_audit_changes(("id", "region"), codecs, result, [credit, seen])
    assert first.key_text == "id = 7, region = eu-west" and first.key == (("id", "7"), ("region", "eu-west"))
    assert (first.old, first.new, first.rows, first.stored) == (("7.99", None), "500.00", 2, ("50.00", "50.00"))
    # timestamptz as its lossless text (UTC), whatever the session's zone
    assert (second.old, second.new, second.rows, second.stored) == (("2024-05-01 09:15:00+00",), None, 1, ())


@pytest.mark.postgres
def test_a_real_commit_with_a_trigger_records_what_was_stored(pg_engine, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        conn.execute(text(
            "CREATE FUNCTION cap() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.credit := least(NEW.credit, 50); RETURN NEW; END $$"
        ))
        conn.execute(text("CREATE TRIGGER cap BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION cap()"))
    with pg_engine.connect() as conn:
        schema = read_schema(conn, "customers")
        rel = sa_table("customers", *(sa_column(c.name) for c in schema.columns))
        loaded = read_columns(conn, select(*(rel.c[c.name] for c in schema.columns)), [c.base_type for c in schema.columns])
    codecs = column_codecs(schema)
    rows = {loaded.row(i)[0]: dict(zip([c.name for c in schema.columns], loaded.row(i))) for i in range(len(loaded))}
    edits = CellEdits(schema, codecs)
    for key, column, raw in ((3, "credit", "500"), (2, "email", ""), (1, "email", None)):
        edits.apply(edits.plan_edit((key,), column, raw, [rows[key][column]]))
    changes = confirm_cells(review_cells(pg_engine, schema, codecs, edits.changes()))
    result = commit_cells(pg_engine, schema, codecs, changes)

    log = AuditLog(tmp_path / "audit.sqlite3")
    log.append_cell_commit("me on here", schema.qualified_name, schema.key, codecs, result, changes)
    shown = [(e.key_text, e.column, e.old, e.new, e.rows, e.stored) for e in log.cell_entries()]
    assert shown == [
        ("id = 1", "email", ("ada@example.org",), None, 1, ()),
        ("id = 2", "email", (None,), "", 1, ()),
        ("id = 3", "credit", ("7.99",), "500.00", 1, ("50.00",)),
    ]


# -- the window ----------------------------------------------------------------------------


def _customers_window(qtbot, make_editor, pg_db, pg_engine, *extra: str):  # noqa: F811 - fixture passed in
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        for statement in extra:
            conn.execute(text(statement))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    from gui.qt.table_audit import install_table_audit

    writer = install_table_audit(window, editor.runner, editor.paths.audit)
    assert install_table_audit(window, editor.runner, editor.paths.audit) is writer  # once per window
    return editor, window, writer


def _commit_logged(qtbot, window, writer) -> None:
    with qtbot.waitSignal(writer.audit_written, timeout=WAIT_MS):
        _commit_through_review(qtbot, window)


def _rows(dialog) -> list[list[str]]:
    return [dialog.model.row_texts(r) for r in range(dialog.model.rowCount())]


@pytest.mark.postgres
def test_the_audit_dialog_lists_committed_edits_with_their_old_and_new_text(
    qtbot, qtmodeltester, monkeypatch, make_editor, pg_db, pg_engine, tmp_path  # noqa: F811
):
    editor, window, writer = _customers_window(qtbot, make_editor, pg_db, pg_engine)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "13")
    window.select_cell(_row_with(window, "id", "1"), _column(window, "email"))
    window.set_null_action.trigger()
    _commit_logged(qtbot, window, writer)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 4, timeout=WAIT_MS)
    _type_into(qtbot, window, _row_with(window, "id", "2"), "email", "nobody@example.org")
    _commit_logged(qtbot, window, writer)

    action = menu_action(window.view_menu, "Audit log")
    action.trigger()
    dialog = writer.audit_dialog
    assert dialog.isVisible() and dialog.accessibleName() == "Audit log"
    assert dialog.windowModality() != Qt.WindowModality.ApplicationModal  # open(), not exec(): the app goes on
    view = dialog.findChild(type(dialog.view), "Audit entries")
    assert view is dialog.view and view.model() is dialog.model
    qtmodel = dialog.model
    headers = [qtmodel.headerData(c, Qt.Orientation.Horizontal) for c in range(qtmodel.columnCount())]
    assert headers == ["when", "connection", "table", "key", "column", "old", "new", "rows updated", "stored"]
    identity = f"{pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}"
    assert [row[1:] for row in _rows(dialog)] == [  # newest first
        [identity, "public.customers", "id = 2", "email", "NULL", "nobody@example.org", "1", ""],
        [identity, "public.customers", "id = 1", "email", "ada@example.org", "NULL", "1", ""],
        [identity, "public.customers", "id = 1", "credit", "12.50", "13.00", "1", ""],
    ]
    null_new = qtmodel.index(1, 6)
    assert null_new.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "NULL" and null_new.data(Qt.ItemDataRole.FontRole).italic()
    assert qtmodel.index(0, 5).data(Qt.ItemDataRole.ToolTipRole) == "NULL (no value)"
    assert dialog.summary.text() == "3 changes in 2 commits."
    qtmodeltester.check(qtmodel)

    # filters: text in the key or column, the table, the dates
    dialog.text_edit.setText("CREDIT")
    assert [row[4] for row in _rows(dialog)] == ["credit"]
    dialog.text_edit.setText("id = 2")
    assert [row[3] for row in _rows(dialog)] == ["id = 2"]
    dialog.text_edit.clear()
    assert [dialog.table_combo.itemText(i) for i in range(dialog.table_combo.count())] == ["All tables", "public.customers"]
    dialog.table_combo.setCurrentIndex(1)
    assert qtmodel.rowCount() == 3
    dialog.from_check.setChecked(True)
    dialog.from_edit.setDate(QDate.currentDate().addDays(1))
    assert qtmodel.rowCount() == 0 and dialog.summary.text() == "0 changes in 0 commits."
    dialog.from_check.setChecked(False)
    assert qtmodel.rowCount() == 3

    # Export CSV…: every change the filter finds, on the audit lane
    out = tmp_path / "audit.csv"
    choose_file(monkeypatch, out)
    dialog.text_edit.setText("email")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.summary.text().startswith("Exported"), timeout=WAIT_MS)
    assert dialog.summary.text() == f"Exported 2 changes to {out}."
    records = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert records[0] == CELL_CSV_HEADER
    assert [r[3:9] for r in records[1:]] == [
        ["id = 2", '{"id": "2"}', "email", "[null]", "nobody@example.org", "1"],
        ["id = 1", '{"id": "1"}', "email", '["ada@example.org"]', "", "1"],
    ]
    dialog.reject()
    assert writer.audit_dialog is None

    # the log is the user's own file, never holding the password
    raw = editor.paths.audit.read_bytes()
    assert pg_db.password.encode() not in raw and b"p@ss" not in raw
    with pg_engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    assert tables == ["customers"]


@pytest.mark.postgres
def test_the_audit_dialog_shows_what_a_trigger_stored(qtbot, make_editor, pg_db, pg_engine):  # noqa: F811
    editor, window, writer = _customers_window(
        qtbot,
        make_editor,
        pg_db,
        pg_engine,
        "CREATE FUNCTION cap() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.credit := least(NEW.credit, 50); RETURN NEW; END $$",
        "CREATE TRIGGER cap BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION cap()",
    )
    _type_into(qtbot, window, _row_with(window, "id", "3"), "credit", "500")
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "20")
    _commit_logged(qtbot, window, writer)
    dialog = writer.show_audit_log()
    assert [row[3:] for row in _rows(dialog)] == [
        ["id = 1", "credit", "12.50", "20.00", "1", ""],
        ["id = 3", "credit", "7.99", "500.00", "1", "50.00"],
    ]
    assert "50.00" in dialog.model.index(1, 8).data(Qt.ItemDataRole.ToolTipRole)
    # a commit made while the dialog is open shows up in it
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 4, timeout=WAIT_MS)
    _type_into(qtbot, window, _row_with(window, "id", "2"), "credit", "1")
    _commit_logged(qtbot, window, writer)
    assert dialog.model.rowCount() == 3 and dialog.model.row_texts(0)[3:7] == ["id = 2", "credit", "6.50", "1.00"]
    dialog.reject()
