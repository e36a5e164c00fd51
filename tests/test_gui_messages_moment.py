"""Messages that have had their moment go: a refused value left in its cell names the
cell and goes when another cell is edited or that cell is opened again (its draft
kept); "Commit cancelled" goes at the next edit; typing into x says why it cannot be
changed, and that goes at the next action; Go to x names x.  On the SQLite demo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.qt.rows_model import KEY_COLUMN, VALUE_COLUMN
from gui_helpers import WAIT_MS, _open_editor, click, edit_cell, make_editor, open_editor, row_of, type_into, wait_attr  # noqa: F401 - fixture
from test_gui_demo import connect_demo
from test_gui_journals import demo_path, open_customers, type_cell  # noqa: F401 - fixture


def shown(window) -> str:
    return window.message.text().strip()


def click_cell(qtbot, window, row: int, column: int) -> None:
    index = window.model.index(row, column)
    window.view.scrollTo(index)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=window.view.visualRect(index).center())


def refuse_and_leave(qtbot, window, key: int = 9, typed: str = "abc"):
    edit = open_editor(qtbot, window, row_of(window, key))
    edit.selectAll()
    qtbot.keyClicks(edit, typed)
    click_cell(qtbot, window, row_of(window, 100), KEY_COLUMN)  # away, without Enter
    qtbot.waitUntil(lambda: bool(shown(window)), timeout=WAIT_MS)


def test_a_refused_value_left_in_its_cell_names_it_and_goes_at_the_next_edit(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    window.resize(720, window.height())
    refuse_and_leave(qtbot, window)
    text = shown(window)
    assert "y on x = 9" in text and "F2" in text, text
    # the instruction is read whole in the message line at 720 px (the reason may be cut: whole in the tooltip)
    instruction = text[: text.index("(F2)") + 4]
    assert window.message.fontMetrics().horizontalAdvance(instruction) <= window.message.contentsRect().width(), text
    assert "is not a whole number" in window.message.toolTip()
    edit_cell(qtbot, window, 20, "21")  # another cell, accepted
    qtbot.waitUntil(lambda: window.pending.get(20) is not None, timeout=WAIT_MS)
    assert shown(window) == "" and "F2" not in window.statusBar().currentMessage()
    # the draft is still there for its cell
    edit = open_editor(qtbot, window, row_of(window, 9), how="F2")
    assert edit.text() == "abc"


def test_reopening_the_refused_cell_clears_its_message_and_keeps_the_draft(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    refuse_and_leave(qtbot, window)
    edit = open_editor(qtbot, window, row_of(window, 9), how="F2")
    assert edit.text() == "abc"
    assert shown(window) == "" and "F2" not in window.statusBar().currentMessage()


def test_typing_into_x_says_why_until_the_next_action(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    rows_before = window.view.viewport().mapTo(window, window.view.viewport().rect().topLeft())
    row = row_of(window, 9)
    click_cell(qtbot, window, row, KEY_COLUMN)
    qtbot.keyClicks(window.view, "5")
    reason = window.model.headerData(KEY_COLUMN, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert shown(window).startswith("x cannot be changed here: it identifies the rows"), shown(window)
    assert "it identifies the rows (a change is written WHERE x = :x)" in reason  # the same reason as the tooltip
    assert not window.pending and window.view.state() != window.view.State.EditingState
    assert window.view.viewport().mapTo(window, window.view.viewport().rect().topLeft()) == rows_before  # the rows stay put
    qtbot.keyClick(window.view, Qt.Key.Key_Down)  # the next action
    assert shown(window) == "" and "cannot be changed" not in window.statusBar().currentMessage()


def test_go_to_x_names_x(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    type_into(qtbot, window.goto_edit, "zz")
    assert shown(window) == "Go to x: 'zz' is not a whole number: x takes whole numbers only.", shown(window)


def test_commit_cancelled_goes_at_the_next_edit(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: window.commit_button.isEnabled(), timeout=WAIT_MS)
    click(qtbot, window.commit_button)
    click(qtbot, wait_attr(qtbot, window, "review_dialog").cancel_button)
    qtbot.waitUntil(lambda: window.review_dialog is None and not window.committing, timeout=WAIT_MS)
    assert window.statusBar().currentMessage().startswith("Commit cancelled")
    qtbot.waitUntil(lambda: window.focusWidget() is window.view, timeout=WAIT_MS)  # back on the rows
    edit_cell(qtbot, window, 20, "21")
    qtbot.waitUntil(lambda: window.pending.get(20) is not None, timeout=WAIT_MS)
    assert "Commit cancelled" not in window.statusBar().currentMessage()


# -- the window for any table -----------------------------------------------------------


def test_any_table_commit_cancelled_goes_and_a_refused_value_names_its_cell(qtbot, make_editor, demo_path):
    from PySide6.QtWidgets import QDialogButtonBox

    window = open_customers(qtbot, make_editor, demo_path)
    type_cell(qtbot, window, 3, "email", "grace@example.org")
    qtbot.waitUntil(lambda: window.commit_button.isEnabled(), timeout=WAIT_MS)
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel))
    qtbot.waitUntil(lambda: window.review_dialog is None and not window.committing, timeout=WAIT_MS)
    assert window.statusBar().currentMessage().startswith("Commit cancelled")
    qtbot.waitUntil(lambda: window.focusWidget() is window.view, timeout=WAIT_MS)  # back on the rows

    # a number refused in credit, left by a click elsewhere
    model, view = window.model, window.view
    row = next(r for r in range(model.rowCount()) if model.index(r, model.names.index("id")).data() == "1")
    index = model.index(row, model.names.index("credit"))
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    edit = _open_editor(view)
    edit.selectAll()
    qtbot.keyClicks(edit, "lots")
    assert "Commit cancelled" not in window.statusBar().currentMessage()  # an edit began
    other = model.index(row, model.names.index("id"))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(other).center())
    qtbot.waitUntil(lambda: bool(shown(window)), timeout=WAIT_MS)
    assert shown(window).startswith("Open credit on id = 1 again (F2)"), shown(window)
    type_cell(qtbot, window, 6, "note", "paid")  # another cell, accepted
    assert shown(window) == ""
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    assert _open_editor(view).text() == "lots"  # the draft kept
