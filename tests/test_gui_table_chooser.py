"""The table chooser as a user meets it: the relations of a real PostgreSQL with their
kind, estimated rows and why they cannot be edited; typing part of a name and Enter;
a click in the list; what does not open a table (setting it, arrows, a name that
matches nothing, Escape); 5,000 relations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from gui.data.schema import RelationEntry, list_relations
from gui.qt.table_chooser import EDITABLE, EDITING_COLUMN, KIND_COLUMN, NAME_COLUMN, ROWS_COLUMN, TableChooser, estimated_rows_text

SETUP = """
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Some Table" ("Id" integer PRIMARY KEY, "Amount" numeric);
INSERT INTO "Sales"."Some Table" SELECT i, i / 100.0 FROM generate_series(1, 5000) AS i;
ANALYZE "Sales"."Some Table";
CREATE VIEW "Sales".big_amounts AS SELECT "Id", sum("Amount") AS total FROM "Sales"."Some Table" GROUP BY "Id";
CREATE MATERIALIZED VIEW "Sales".amounts AS SELECT "Amount" FROM "Sales"."Some Table";
CREATE TABLE measurements (id integer, taken date, v numeric, PRIMARY KEY (id, taken)) PARTITION BY RANGE (taken);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE some_table (x integer, y integer);
"""


@pytest.fixture
def relations(pg_engine) -> list[RelationEntry]:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(SETUP)
    with pg_engine.connect() as conn:
        return list_relations(conn)


@pytest.fixture
def chooser(qtbot) -> Iterator[TableChooser]:
    """A shown chooser with a line edit after it to move the focus to."""
    window = QWidget()
    layout = QVBoxLayout(window)
    chooser = TableChooser()
    layout.addWidget(chooser)
    layout.addWidget(QLineEdit(objectName="next field"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield chooser  # the window stays referenced, and so alive, until the test ends


def _press(qtbot, chooser: TableChooser, key: Qt.Key) -> None:
    """A key as the keyboard delivers it: to an open popup (the completer's list, the
    chooser's list) when there is one, else to the chooser."""
    popup = QApplication.activePopupWidget()
    qtbot.keyClick((popup.focusWidget() or popup) if popup is not None else chooser, key)


def _type(qtbot, chooser: TableChooser, text: str) -> None:
    chooser.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(chooser.hasFocus)
    qtbot.keyClick(chooser, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # typing replaces the name shown
    qtbot.keyClicks(chooser, text)


def _shown(chooser: TableChooser) -> dict[str, tuple[str, str, str, str]]:
    model = chooser.model()
    rows = {}
    for row in range(model.rowCount()):
        cells = tuple(model.index(row, c).data() for c in (NAME_COLUMN, KIND_COLUMN, ROWS_COLUMN, EDITING_COLUMN))
        rows[cells[0]] = cells
    return rows


def _synthetic(n: int) -> list[RelationEntry]:
    return [
        RelationEntry(f"schema_{i % 50}", f"table_{i}", "table", float(i * 1_000), None if i % 3 else "No primary key.")
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.postgres
def test_lists_each_relation_with_its_kind_rows_and_why_not_editable(qtbot, qtmodeltester, chooser, relations) -> None:
    chooser.set_relations(relations)
    shown = _shown(chooser)
    assert shown['"Sales"."Some Table"'] == ('"Sales"."Some Table"', "table", "≈ 5,000", EDITABLE)
    assert shown['"Sales".big_amounts'][1:] == ("view", "not analyzed", "This view cannot be updated.")
    assert shown['"Sales".amounts'][1] == "materialized view"
    assert shown['"Sales".amounts'][3] == "This materialized view cannot be updated."
    assert shown["public.measurements"][1] == "partitioned table"
    assert "public.measurements_2024" not in shown  # reached through its parent
    assert shown["public.some_table"][2] == "not analyzed"
    assert "choose the columns that identify a row" in shown["public.some_table"][3]
    # the reason is in the tooltip too: the column is narrower than a sentence
    row = chooser.findText("public.some_table")
    assert "choose the columns that identify a row" in chooser.model().index(row, NAME_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert chooser.accessibleName() == chooser.objectName() == "Table"
    assert chooser.isEditable() and chooser.toolTip()
    qtmodeltester.check(chooser.model(), force_py=True)


@pytest.mark.postgres
def test_typing_part_of_a_name_and_enter_opens_that_table(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    chooser.set_current("public.some_table")
    _type(qtbot, chooser, "some ta")
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        _press(qtbot, chooser, Qt.Key.Key_Return)
    assert chosen.args == ['"Sales"."Some Table"']
    assert chooser.current_name() == '"Sales"."Some Table"'
    assert chooser.lineEdit().text() == '"Sales"."Some Table"'


@pytest.mark.postgres
def test_a_name_as_sql_writes_it_opens_that_table(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    _type(qtbot, chooser, "MEASUREMENTS")  # folded to lower case, found in one schema
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        _press(qtbot, chooser, Qt.Key.Key_Return)
    assert chosen.args == ["public.measurements"]


@pytest.mark.postgres
def test_a_completion_chosen_with_the_arrow_keys_opens_that_table(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    _type(qtbot, chooser, "amounts")  # big_amounts and amounts: the user picks one
    popup = chooser.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 2
    _press(qtbot, chooser, Qt.Key.Key_Down)
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        _press(qtbot, chooser, Qt.Key.Key_Return)
    assert chosen.args == [popup.model().index(0, 0).data()]


@pytest.mark.postgres
def test_a_click_in_the_list_opens_that_table(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    chooser.set_current("public.some_table")
    chooser.showPopup()
    view = chooser.view()
    qtbot.waitUntil(view.isVisible)
    row = chooser.findText("public.measurements")
    # on the Kind column: still the table's name that is chosen
    cell = view.visualRect(chooser.model().index(row, KIND_COLUMN))
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    assert chosen.args == ["public.measurements"]
    assert chooser.currentText() == "public.measurements"


@pytest.mark.postgres
def test_setting_the_table_or_the_list_opens_nothing(qtbot, chooser, relations) -> None:
    with qtbot.assertNotEmitted(chooser.table_chosen):
        chooser.set_current("some_table")  # as --table may write it, before the list comes
        assert chooser.current_name() == chooser.lineEdit().text() == "some_table"
        chooser.set_relations(relations)
        assert chooser.current_name() == "public.some_table"  # the list's spelling
        assert chooser.lineEdit().text() == "public.some_table"
        chooser.set_current("measurements")
        assert chooser.current_name() == chooser.currentText() == "public.measurements"
        chooser.set_current("some_table")
        chooser.set_relations(list(reversed(relations)))  # a new list keeps the table shown
        assert chooser.currentText() == chooser.lineEdit().text() == "public.some_table"
        # choosing the table already open opens nothing again
        chooser.activated.emit(chooser.findText("public.some_table"))


@pytest.mark.postgres
def test_a_name_that_matches_nothing_is_refused_and_escape_restores(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    chooser.set_current("public.some_table")
    with qtbot.assertNotEmitted(chooser.table_chosen):
        _type(qtbot, chooser, "no such thing")
        with qtbot.waitSignal(chooser.refused) as refused:
            _press(qtbot, chooser, Qt.Key.Key_Return)
        assert "no such thing" in refused.args[0]
        assert chooser.lineEdit().text() == "no such thing"  # kept to correct it
        _press(qtbot, chooser, Qt.Key.Key_Escape)
        assert chooser.lineEdit().text() == "public.some_table"
        # several matches are refused too (the user picks one from the list)
        _type(qtbot, chooser, "Sales")
        with qtbot.waitSignal(chooser.refused) as refused:
            _press(qtbot, chooser, Qt.Key.Key_Return)
        assert "matches 3 tables" in refused.args[0]
        _press(qtbot, chooser, Qt.Key.Key_Escape)
        assert chooser.current_name() == "public.some_table"


@pytest.mark.postgres
def test_leaving_with_a_name_typed_opens_nothing(qtbot, chooser, relations) -> None:
    chooser.set_relations(relations)
    chooser.set_current("public.some_table")
    with qtbot.assertNotEmitted(chooser.table_chosen):
        _type(qtbot, chooser, "public.measurements")  # an exact name, but no Enter
        _press(qtbot, chooser, Qt.Key.Key_Escape)  # closes the completions
        qtbot.keyClick(chooser, Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda: not chooser.hasFocus())
    assert chooser.lineEdit().text() == "public.some_table"


def test_arrow_keys_and_the_wheel_open_no_table(qtbot, chooser) -> None:
    chooser.set_relations(_synthetic(10))
    chooser.set_current("schema_1.table_1")
    with qtbot.assertNotEmitted(chooser.table_chosen):
        chooser.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(chooser, Qt.Key.Key_Down)  # opens the list on the current table
        qtbot.waitUntil(chooser.view().isVisible)
        assert chooser.view().currentIndex().row() == chooser.findText("schema_1.table_1")
        _press(qtbot, chooser, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not chooser.view().isVisible())
        centre = QPointF(chooser.rect().center())
        wheel = QWheelEvent(
            centre, chooser.mapToGlobal(centre), QPoint(), QPoint(0, -120), Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(chooser, wheel)
    assert chooser.current_name() == chooser.currentText() == "schema_1.table_1"
    # in the open list, Down then Enter picks the next one
    qtbot.keyClick(chooser, Qt.Key.Key_Down)
    qtbot.waitUntil(chooser.view().isVisible)
    _press(qtbot, chooser, Qt.Key.Key_Down)
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        _press(qtbot, chooser, Qt.Key.Key_Return)
    assert chosen.args == ["schema_2.table_2"]


def test_five_thousand_relations(qtbot, chooser) -> None:
    chooser.set_current("schema_7.table_4007")
    with qtbot.assertNotEmitted(chooser.table_chosen):
        chooser.set_relations(_synthetic(5_000))
    assert chooser.count() == 5_000
    assert chooser.currentText() == "schema_7.table_4007"
    chooser.showPopup()
    qtbot.waitUntil(chooser.view().isVisible)
    chooser.hidePopup()
    # "table_49" is in table_490 ... table_4999 too: its own name decides
    _type(qtbot, chooser, "table_49")
    with qtbot.waitSignal(chooser.table_chosen) as chosen:
        _press(qtbot, chooser, Qt.Key.Key_Return)
    assert chosen.args == ["schema_49.table_49"]


def test_a_new_list_keeps_what_the_user_is_typing(qtbot, chooser) -> None:
    chooser.set_relations(_synthetic(10))
    chooser.set_current("schema_1.table_1")
    _type(qtbot, chooser, "table_")
    chooser.set_relations(_synthetic(20))  # the window's refresh arrives mid-search
    assert chooser.lineEdit().text() == "table_"
    assert chooser.current_name() == "schema_1.table_1"


@pytest.mark.parametrize(
    ("rows", "text"),
    [
        (None, "not analyzed"),
        (0.0, "≈ 0"),
        (5_000.0, "≈ 5,000"),
        (999_499.0, "≈ 999,499"),
        (1_234_567.0, "≈ 1.2 M"),
        (2.5e9, "≈ 2.5 B"),
    ],
)
def test_estimated_rows_in_words(rows, text) -> None:
    assert estimated_rows_text(rows) == text


def test_sqlite_tables_are_named_as_the_window_names_them(qtbot, chooser, tmp_path) -> None:
    """SQLite has one database: its tables are listed by name alone (the window's
    title says "customers", not "main.customers"); a name remembered as
    main.customers still finds its table."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE customers (id integer PRIMARY KEY, email text)"))
            conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        with engine.connect() as conn:
            entries = list_relations(conn)
    finally:
        engine.dispose()
    assert [e.qualified_name for e in entries] == ["customers", "some_table"]
    with qtbot.assertNotEmitted(chooser.table_chosen):
        chooser.set_relations(entries)
        assert set(_shown(chooser)) == {"customers", "some_table"}
        chooser.set_current("main.customers")
        assert chooser.current_name() == chooser.lineEdit().text() == "customers"
