"""The filter bar as a user meets it, on the columns and codecs of a real PostgreSQL
table: conditions shown and read back, typed values parsed by the column's codec
(refused with the column's name), the NULL tests, Enter and Apply, the keyboard, a
height that does not move, and the conditions selecting rows on the server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QSizePolicy, QToolButton

from gui.data.codecs import codec_for
from gui.data.errors import InvalidValue
from gui.data.paging import OPERATORS, Condition, PagePlan
from gui.data.schema import TableSchema, read_schema
from gui.qt.filter_bar import EMPTY_TEXT, FilterBar

pytestmark = pytest.mark.postgres

SETUP = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    name text,
    credit numeric(12,2),
    code char(4),
    active boolean,
    seen timestamptz,
    doc bytea
);
INSERT INTO customers VALUES
    (1, 'Ada', 10.50, 'ab', true, '2024-05-01 10:00+00', NULL),
    (2, 'Grace', NULL, 'abc', false, NULL, '\\x00'),
    (3, NULL, 250.00, NULL, true, '2024-06-01 10:00+00', NULL),
    (4, 'adam', 99.99, 'zz', NULL, NULL, NULL),
    (5, '', NULL, NULL, false, NULL, NULL);
"""


@pytest.fixture
def customers(pg_engine) -> TableSchema:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(SETUP)
        return read_schema(conn, "customers")


@pytest.fixture
def bar(qtbot, customers) -> Iterator[FilterBar]:
    bar = FilterBar()
    codecs = {c.name: codec_for(c.base_type, nullable=c.nullable, enum_labels=c.enum_labels) for c in customers.columns}
    bar.set_columns([(c.name, c.type_name) for c in customers.columns], codecs)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    yield bar


def _lines(bar: FilterBar) -> list[tuple[QComboBox, QComboBox, QLineEdit]]:
    """(column, operator, value) of each condition shown, top to bottom."""
    lines = []
    for column in bar.findChildren(QComboBox):
        if column.accessibleName() == "Filter column" and column.isVisibleTo(bar):
            line = column.parentWidget()
            op = next(b for b in line.findChildren(QComboBox) if b.accessibleName() == "Filter operator")
            value = line.findChildren(QLineEdit, options=Qt.FindChildOption.FindDirectChildrenOnly)[0]
            lines.append((column, op, value))
    return lines


def _count(pg_engine, schema: TableSchema, conditions: list[Condition]) -> int:
    with pg_engine.connect() as conn:
        return conn.execute(PagePlan(schema, conditions).count()).scalar_one()


def test_conditions_shown_are_read_back(bar) -> None:
    shown = [
        Condition("credit", "≥", Decimal("10.50")),
        Condition("name", "contains", "ad"),
        Condition("active", "is not NULL"),
        Condition("seen", "<", datetime(2024, 6, 1, 10, tzinfo=timezone.utc)),
        Condition("code", "=", "ab  "),
    ]
    bar.set_conditions(shown)
    assert bar.conditions() == shown
    lines = _lines(bar)
    assert [(c.currentText(), o.currentText(), v.text()) for c, o, v in lines] == [
        ("credit", "≥", "10.50"),
        ("name", "contains", "ad"),
        ("active", "is not NULL", ""),
        ("seen", "<", "2024-06-01 10:00:00+00"),
        ("code", "=", "ab  "),
    ]
    bar.set_conditions([])
    assert bar.conditions() == []
    assert not _lines(bar)
    assert any(label.text() == EMPTY_TEXT and label.isVisibleTo(bar) for label in bar.findChildren(QLabel))


def test_conditions_select_rows_on_the_server(qtbot, bar, customers, pg_engine) -> None:
    bar.set_conditions([Condition("credit", ">", Decimal(0))])
    column, op, value = _lines(bar)[0]
    value.setFocus()
    qtbot.keyClick(value, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(value, "50")
    assert _count(pg_engine, customers, bar.conditions()) == 2  # 250.00 and 99.99
    bar.set_conditions([Condition("name", "contains", "AD")])  # any case
    assert _count(pg_engine, customers, bar.conditions()) == 2  # Ada and adam
    bar.set_conditions([Condition("code", "contains", "ab")])  # char(4): not padded
    assert _count(pg_engine, customers, bar.conditions()) == 2
    bar.set_conditions([Condition("credit", "≠", Decimal("10.50")), Condition("active", "is NULL")])
    assert _count(pg_engine, customers, bar.conditions()) == 1  # AND: adam only


def test_a_refused_value_names_its_column(qtbot, bar) -> None:
    bar.set_conditions([Condition("name", "=", "Ada"), Condition("credit", "=", Decimal(1))])
    _, _, credit = _lines(bar)[1]
    credit.setText("abc")
    with pytest.raises(InvalidValue, match=r"^Filter on credit: "):
        bar.conditions()
    with qtbot.assertNotEmitted(bar.applied), qtbot.waitSignal(bar.refused) as refused:
        qtbot.keyClick(credit, Qt.Key.Key_Return)
    assert refused.args[0].startswith("Filter on credit: ")
    assert credit.hasFocus() and credit.selectedText() == "abc"  # where to correct it
    # a value that needs rounding to fit numeric(12,2) is refused too, not altered
    credit.setText("1.005")
    with pytest.raises(InvalidValue, match="credit"):
        bar.conditions()


def test_an_empty_value_is_the_empty_string_in_text_and_refused_elsewhere(qtbot, bar, customers, pg_engine) -> None:
    """As when editing a cell: an empty entry in a text column is the empty string
    (the placeholder says so); in any other column, or after “contains”, it is refused."""
    bar.set_conditions([Condition("name", "=", "x")])
    column, op, value = _lines(bar)[0]
    value.clear()
    assert "empty string" in value.placeholderText()
    assert bar.conditions() == [Condition("name", "=", "")]
    assert _count(pg_engine, customers, bar.conditions()) == 1  # row 5, not the NULL of row 3
    op.setCurrentText("contains")
    with pytest.raises(InvalidValue, match="Filter on name: .*is NULL"):
        bar.conditions()
    op.setCurrentText("is NULL")
    assert not value.isEnabled()
    assert bar.conditions() == [Condition("name", "is NULL")]
    op.setCurrentText("contains")
    assert value.isEnabled()
    column.setCurrentText("credit")
    op.setCurrentText("=")
    value.clear()
    assert "empty" not in value.placeholderText()
    with pytest.raises(InvalidValue, match="Filter on credit: .*is NULL"):
        bar.conditions()


def test_contains_only_for_text_and_null_tests_only_for_types_shown_as_text(bar) -> None:
    bar.set_conditions([Condition("name", "=", "Ada")])
    column, op, value = _lines(bar)[0]
    ops = lambda: [op.itemText(i) for i in range(op.count())]  # noqa: E731
    assert ops() == list(OPERATORS)
    op.setCurrentText("<")
    column.setCurrentText("credit")
    assert "contains" not in ops() and op.currentText() == "<"  # kept when offered
    column.setCurrentText("doc")  # bytea: shown read-only, its codec parses nothing
    assert ops() == ["is NULL", "is not NULL"]
    assert not value.isEnabled()
    with pytest.raises(ValueError):
        bar.set_conditions([Condition("credit", "contains", "1")])


def test_enter_or_apply_emits_applied(qtbot, bar) -> None:
    bar.set_conditions([Condition("id", ">", 1)])
    _, op, value = _lines(bar)[0]
    with qtbot.waitSignal(bar.applied):
        qtbot.keyClick(value, Qt.Key.Key_Return)
    with qtbot.waitSignal(bar.applied):
        qtbot.mouseClick(bar.apply_button, Qt.MouseButton.LeftButton)
    op.setFocus()
    with qtbot.waitSignal(bar.applied):
        qtbot.keyClick(op, Qt.Key.Key_Return)
    assert bar.apply_button.accessibleName() == "Apply"


def test_add_remove_and_the_keyboard(qtbot, bar) -> None:
    assert bar.add_button.accessibleName() == "Add condition"
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.add_button, Qt.MouseButton.LeftButton)
    lines = _lines(bar)
    assert len(lines) == 2
    column, op, value = lines[1]
    assert column.hasFocus()  # the new line, from its column
    # Tab goes column → operator → value
    qtbot.keyClick(column, Qt.Key.Key_Down)  # the next column: name
    qtbot.keyClick(column, Qt.Key.Key_Tab)
    assert op.hasFocus()
    qtbot.keyClick(op, Qt.Key.Key_Tab)
    assert value.hasFocus()
    qtbot.keyClicks(value, "Ada")
    removes = [b for b in bar.findChildren(QToolButton) if b.accessibleName() == "Remove condition" and b.isVisible()]
    qtbot.mouseClick(removes[0], Qt.MouseButton.LeftButton)
    assert bar.conditions() == [Condition("name", "=", "Ada")]
    with qtbot.waitSignal(bar.applied):
        qtbot.keyClick(_lines(bar)[0][2], Qt.Key.Key_Return)


def test_the_height_does_not_move_while_typing(qtbot, bar) -> None:
    bar.set_conditions([Condition("credit", ">", Decimal(1))])
    QApplication.processEvents()  # the layout settles after the lines change
    hint, height = bar.sizeHint().height(), bar.height()
    _, op, value = _lines(bar)[0]
    qtbot.keyClicks(value, "a much longer value that is not a number at all, longer than the field")
    with qtbot.waitSignal(bar.refused):
        qtbot.keyClick(value, Qt.Key.Key_Return)
    op.setCurrentText("is NULL")
    QApplication.processEvents()
    assert (bar.sizeHint().height(), bar.height()) == (hint, height)
    assert bar.sizePolicy().verticalPolicy() == QSizePolicy.Policy.Fixed


def test_the_first_value_takes_the_windows_name(qtbot, bar) -> None:
    bar.name_first_value("Threshold")
    bar.set_conditions([Condition("credit", ">", Decimal(1)), Condition("id", ">", 2)])
    first, second = (v for _, _, v in _lines(bar))
    assert bar.findChild(QLineEdit, "Threshold") is first
    assert first.accessibleName() == "Threshold" and second.accessibleName() == "Filter value"
    # when the first line goes, the next one is the first
    removes = [b for b in bar.findChildren(QToolButton) if b.accessibleName() == "Remove condition" and b.isVisible()]
    qtbot.mouseClick(removes[0], Qt.MouseButton.LeftButton)
    assert bar.findChild(QLineEdit, "Threshold") is second


def test_an_empty_value_is_taken_where_the_type_takes_it_as_filter_reads_it(qtbot) -> None:
    """An enum with an '' label takes the empty value, as --filter 'm = ' does; one
    without it refuses it, saying how to test for NULL."""
    bar = FilterBar()
    codecs = {"m": codec_for("mood", enum_labels=("", "sad")), "n": codec_for("mood", enum_labels=("sad", "ok"))}
    bar.set_columns([("m", "mood"), ("n", "mood")], codecs)
    qtbot.addWidget(bar)
    bar.set_conditions([Condition("m", "=", "sad")])
    _column, _op, value = _lines(bar)[0]
    value.clear()
    assert bar.conditions() == [Condition("m", "=", "")]
    bar.set_conditions([Condition("n", "=", "sad")])
    _column, _op, value = _lines(bar)[0]
    value.clear()
    with pytest.raises(InvalidValue, match="Filter on n: .*is NULL"):
        bar.conditions()
