"""The demo database through the real window: first run, browse, edit, revert, close, read-only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QTableView
from sqlalchemy import URL

from gui.data.connection import DEMO
from gui.qt.rows_model import VALUE_COLUMN
from gui_helpers import (
    activate,
    WAIT_MS,
    child,
    click,
    click_box,
    db_rows,
    edit_cell,
    editor_closed,
    make_editor,  # noqa: F401 - fixture
    open_editor,
    row_of,
    shown_rows,
    type_into,
    wait_attr,
    wait_loaded,
)

SHOWN_AT_6 = [(6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]


def connect_demo(qtbot, make_editor, *argv: str, read_only: bool = False):
    """First run: the window and the connection dialog, demo chosen; click Connect."""
    editor = make_editor(*argv)
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    kind = child(dialog, QComboBox, "Database type")
    assert kind.currentData() == DEMO
    if read_only:
        box = child(dialog, QCheckBox, "Read-only")
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        assert box.isChecked()
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    activate(qtbot, editor.window)
    wait_loaded(qtbot, editor.window)
    return editor


def demo_url(editor) -> URL:
    return URL.create("sqlite+pysqlite", database=str(editor.paths.demo))


def test_first_run_opens_the_demo_with_the_tutorial_rows(qtbot, make_editor, isolated_user_dirs):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    assert shown_rows(window) == SHOWN_AT_6
    assert editor.paths.demo.is_file()
    assert editor.paths.demo.is_relative_to(isolated_user_dirs.data)
    assert "demo" in window.windowTitle()
    assert window.rows_label.text() == "8 rows shown"
    assert child(window, QTableView, "Rows").model() is window.model


def test_threshold_field_reloads_on_enter(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    threshold = child(window, QLineEdit, "Threshold")
    assert threshold.text() == "6"
    type_into(qtbot, threshold, "50")
    qtbot.waitUntil(lambda: window.model.threshold == 50, timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    assert shown_rows(window) == [(100, 100), (100, 100)]
    assert window.rows_label.text() == "2 rows shown"
    type_into(qtbot, threshold, "0")
    qtbot.waitUntil(lambda: window.model.threshold == 0, timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    assert shown_rows(window) == [(1, 1), (2, 4), *SHOWN_AT_6]
    assert window.rows_label.text() == "10 rows shown"


def test_threshold_refuses_text(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    type_into(qtbot, child(window, QLineEdit, "Threshold"), "ten")
    message = child(window, QLabel, "Message")
    assert bool(message.text().strip()) and "whole number" in message.text()
    assert shown_rows(window) == SHOWN_AT_6


def test_starting_threshold_comes_from_the_command_line(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor, "--threshold", "15").window
    assert window.threshold_edit.text() == "15"
    assert shown_rows(window) == [(20, 20), (20, 20), (100, 100), (100, 100)]


def test_go_to_x_moves_to_its_row_among_all_the_rows(qtbot, make_editor):
    """Go to x is no filter: its row is the current one, the rows before it are
    there too, and the row numbers are the rows' places in the whole result."""
    window = connect_demo(qtbot, make_editor).window
    goto = child(window, QLineEdit, "Go to x")
    type_into(qtbot, goto, "20")
    model = window.model
    qtbot.waitUntil(lambda: model.start_key == 20 and not model.loading and model.rowCount() == 8, timeout=WAIT_MS)
    current = window.view.currentIndex()
    assert shown_rows(window)[current.row()] == (20, 20)
    assert shown_rows(window) == SHOWN_AT_6
    numbers = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    assert numbers == [str(n) for n in range(1, 9)] and numbers[current.row()] == "5"
    # emptied: from the start again, the first row current
    type_into(qtbot, goto, "")
    qtbot.waitUntil(lambda: model.start_key is None and not model.loading and model.rowCount() == 8, timeout=WAIT_MS)
    assert shown_rows(window)[0] == (6, 8) and window.view.currentIndex().row() == 0


@pytest.mark.parametrize("how", ["double-click", "F2"])
def test_edit_marks_every_row_of_that_x_pending(qtbot, make_editor, how):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 9, "11", how)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)
    assert shown_rows(window) == [(6, 8), (6, 8), (9, 11), (9, 11), (20, 20), (20, 20), (100, 100), (100, 100)]
    model = window.model
    for row in range(model.rowCount()):
        index = model.index(row, VALUE_COLUMN)
        if model.key_at(row) == 9:
            assert index.data(Qt.ItemDataRole.BackgroundRole) is not None
            assert "10" in index.data(Qt.ItemDataRole.ToolTipRole)
        else:
            assert index.data(Qt.ItemDataRole.BackgroundRole) is None
            assert index.data(Qt.ItemDataRole.ToolTipRole) is None
    pending_label = child(window, QLabel, "Pending changes")
    assert pending_label.text() == "1 pending change"
    assert child(window, QPushButton, "Commit").isEnabled()
    assert child(window, QPushButton, "Revert").isEnabled()
    # the database is untouched until a commit
    assert (9, 10) in db_rows(URL.create("sqlite+pysqlite", database=str(window.paths.demo)))

    # back to the original: no longer pending
    edit_cell(qtbot, window, 9, "10", how)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)
    assert shown_rows(window) == SHOWN_AT_6
    assert not window.pending
    assert pending_label.text() == "No pending changes"
    assert window.model.index(row_of(window, 9), VALUE_COLUMN).data(Qt.ItemDataRole.BackgroundRole) is None
    assert not window.commit_button.isEnabled()


def test_undo_and_redo_an_edit(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 20, "21")
    qtbot.waitUntil(lambda: window.pending.get(20) is not None, timeout=WAIT_MS)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.pending
    assert (20, 20) in shown_rows(window)
    qtbot.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.pending.get(20).new == 21


REFUSED = ["abc", "12.5", "1e3", "12abc", "", "2147483648", "-2147483649", " 1 2"]


@pytest.mark.parametrize("typed", REFUSED)
def test_refused_input_keeps_the_editor_open_with_the_text(qtbot, make_editor, typed):
    window = connect_demo(qtbot, make_editor).window
    message = child(window, QLabel, "Message")
    assert not bool(message.text().strip())
    edit = edit_cell(qtbot, window, 9, typed)
    assert bool(message.text().strip())
    assert message.text().strip()
    assert not window.pending
    assert window.pending_label.text() == "No pending changes"
    assert not editor_closed(window), "Enter with a refused value closed the editor"
    assert edit.text() == typed  # never '125' for '12.5'
    assert shown_rows(window) == SHOWN_AT_6


@pytest.mark.parametrize("typed", ["12.5", "abc"])
def test_refused_input_leaving_the_cell_records_nothing(qtbot, make_editor, typed):
    """Clicking elsewhere (not Enter) commits the editor's text through setData: still refused."""
    window = connect_demo(qtbot, make_editor).window
    edit = open_editor(qtbot, window, row_of(window, 9))
    edit.selectAll()
    qtbot.keyClicks(edit, typed)
    # a click on another cell ends the edit
    other = window.model.index(row_of(window, 100), 0)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=window.view.visualRect(other).center())
    qtbot.waitUntil(lambda: bool(window.message.text().strip()), timeout=WAIT_MS)
    assert not window.pending
    assert shown_rows(window) == SHOWN_AT_6


def test_revert_asks_then_shows_the_database_values(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 9, "11")
    edit_cell(qtbot, window, 100, "7")
    qtbot.waitUntil(lambda: len(window.pending) == 2, timeout=WAIT_MS)
    assert window.pending_label.text() == "2 pending changes"

    click(qtbot, child(window, QPushButton, "Revert"))
    box = wait_attr(qtbot, window, "revert_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Cancel)
    assert len(window.pending) == 2

    # a reflexive Enter keeps everything
    click(qtbot, window.revert_button)
    box = wait_attr(qtbot, window, "revert_box")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=WAIT_MS)
    assert len(window.pending) == 2

    click(qtbot, window.revert_button)
    box = wait_attr(qtbot, window, "revert_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not window.pending, timeout=WAIT_MS)
    assert shown_rows(window) == SHOWN_AT_6
    assert window.pending_label.text() == "No pending changes"
    qtbot.waitUntil(lambda: not window.journal.path.exists(), timeout=WAIT_MS)  # removed by the journal's lane


def test_pending_changes_survive_a_new_threshold_and_reload(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 100, "101")
    qtbot.waitUntil(lambda: window.pending.get(100) is not None, timeout=WAIT_MS)
    type_into(qtbot, window.threshold_edit, "50")
    qtbot.waitUntil(lambda: window.model.threshold == 50, timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    assert shown_rows(window) == [(100, 101), (100, 101)]
    assert window.model.index(0, VALUE_COLUMN).data(Qt.ItemDataRole.BackgroundRole) is not None
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.model.loading, timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    assert shown_rows(window) == [(100, 101), (100, 101)]
    assert window.pending_label.text() == "1 pending change"


def test_commit_on_the_demo(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 6, "7")
    edit_cell(qtbot, window, 20, "25")
    qtbot.waitUntil(lambda: len(window.pending) == 2, timeout=WAIT_MS)
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert review.windowTitle() == "Review changes"
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS) as signal:
        click(qtbot, review.commit_button)
    assert (signal.args[0].changes, signal.args[0].rows) == (2, 4)
    assert db_rows(demo_url(editor)) == [(1, 1), (2, 4), (6, 7), (6, 7), (9, 10), (9, 10), (20, 25), (20, 25), (100, 100), (100, 100)]
    wait_loaded(qtbot, window)
    assert not window.pending
    assert "2 changes" in window.statusBar().currentMessage() and "4 rows" in window.statusBar().currentMessage()
    assert shown_rows(window) == [(6, 7), (6, 7), (9, 10), (9, 10), (20, 25), (20, 25), (100, 100), (100, 100)]


# -- closing with pending changes ---------------------------------------------------


def _with_one_edit(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    return editor, window


def test_close_with_pending_cancel_keeps_the_window(qtbot, make_editor):
    _editor, window = _with_one_edit(qtbot, make_editor)
    assert not window.close()
    box = wait_attr(qtbot, window, "close_box")
    assert box.button(QMessageBox.StandardButton.Save).text() == "Commit…"
    click_box(qtbot, box, QMessageBox.StandardButton.Cancel)
    assert window.isVisible()
    assert window.pending.get(9).new == 12


def test_close_with_pending_discard_closes(qtbot, make_editor):
    editor, window = _with_one_edit(qtbot, make_editor)
    window.close()
    box = wait_attr(qtbot, window, "close_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert not window.pending
    assert (9, 10) in db_rows(demo_url(editor))
    qtbot.waitUntil(lambda: not window.journal.path.exists(), timeout=WAIT_MS)  # removed by the journal's lane


def test_close_with_pending_commit_reviews_then_closes(qtbot, make_editor):
    editor, window = _with_one_edit(qtbot, make_editor)
    window.close()
    box = wait_attr(qtbot, window, "close_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Save)
    review = wait_attr(qtbot, window, "review_dialog")
    assert window.isVisible()
    click(qtbot, review.commit_button)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert (9, 12) in db_rows(demo_url(editor))
    assert not window.pending


def test_close_commit_then_cancel_review_keeps_the_window(qtbot, make_editor):
    _editor, window = _with_one_edit(qtbot, make_editor)
    window.close()
    click_box(qtbot, wait_attr(qtbot, window, "close_box"), QMessageBox.StandardButton.Save)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.cancel_button)
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)
    assert window.isVisible()
    assert window.pending.get(9).new == 12


# -- read-only ------------------------------------------------------------------------


def test_read_only_from_the_dialog(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor, read_only=True)
    window = editor.window
    assert window.settings.read_only
    assert "read-only" in window.windowTitle().lower()
    assert "read-only" in window.mode_label.text().lower()
    # no editor opens on a double-click or F2
    index = window.model.index(row_of(window, 9), VALUE_COLUMN)
    rect = window.view.visualRect(index)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    window.view.setCurrentIndex(index)
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    qtbot.keyClicks(window.view, "5")
    assert editor_closed(window)
    assert not window.model.setData(index, "11")
    assert not window.pending
    assert not window.commit_button.isEnabled()
    assert db_rows(demo_url(editor))[4] == (9, 10)


def test_switching_connection_keeps_pending_changes_in_their_journal(qtbot, make_editor, tmp_path):
    """Connecting elsewhere with pending changes must not throw them away: the journal keeps
    them, and coming back to the first connection offers them again."""
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    first = window.settings
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    journal = window.journal.path
    qtbot.waitUntil(journal.exists, timeout=WAIT_MS)  # written on the journal's lane

    from gui.data.connection import ConnectionSettings, create_engine_for
    from gui.data.demo import reset_demo

    other = ConnectionSettings(kind=DEMO, demo_path=str(reset_demo(tmp_path / "other.sqlite3", editor.spec)))
    window.set_connection(other, create_engine_for(other))
    wait_loaded(qtbot, window)
    assert not window.pending  # pending changes belong to their own connection
    assert journal.exists(), "the first connection's pending change was lost"

    window.set_connection(first, create_engine_for(first))
    box = wait_attr(qtbot, window, "restore_box")
    assert "x = 9: y → 12" in box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert window.pending.get(9).new == 12


def test_typing_on_a_selected_cell_starts_editing(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    index = window.model.index(row_of(window, 20), VALUE_COLUMN)
    window.view.setFocus()
    window.view.setCurrentIndex(index)
    qtbot.keyClicks(window.view, "3")
    qtbot.waitUntil(lambda: not editor_closed(window), timeout=WAIT_MS)
    edit = window.view.focusWidget()
    qtbot.keyClicks(edit, "3")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)
    assert window.pending.get(20).new == 33


def test_escape_reverts_the_selected_pending_change(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit_cell(qtbot, window, 9, "11")
    edit_cell(qtbot, window, 20, "21")
    qtbot.waitUntil(lambda: len(window.pending) == 2 and editor_closed(window), timeout=WAIT_MS)
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(row_of(window, 9), VALUE_COLUMN))
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert [c.key for c in window.pending.changes()] == [20]
    assert [y for x, y in shown_rows(window) if x == 9] == [10, 10]
    # and it is one undo step
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [c.key for c in window.pending.changes()] == [9, 20]


def test_tab_with_a_refused_value_keeps_the_editor(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    edit = open_editor(qtbot, window, row_of(window, 9))
    edit.selectAll()
    qtbot.keyClicks(edit, "1e3")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert not editor_closed(window)
    assert edit.text() == "1e3"
    assert bool(window.message.text().strip())
    assert not window.pending
    # Escape gives up the edit: nothing recorded, and the refusal has had its moment
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)
    assert not window.pending
    assert not window.message.text().strip()
    assert window.statusBar().currentMessage() == ""  # nor its copy in the status bar


def test_read_only_session_leaves_journaled_changes_for_a_writable_one(qtbot, make_editor):
    """A read-only session cannot commit, so it does not take the journaled changes over:
    they stay in the journal and are offered when the connection is writable again."""
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    writable = window.settings
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    journal = window.journal.path

    from dataclasses import replace

    from gui.data.connection import create_engine_for

    read_only = replace(writable, read_only=True)
    window.restore_box = None
    window.set_connection(read_only, create_engine_for(read_only))
    wait_loaded(qtbot, window)
    assert window.restore_box is None
    assert not window.pending
    assert journal.exists()

    window.set_connection(writable, create_engine_for(writable))
    box = wait_attr(qtbot, window, "restore_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert window.pending.get(9).new == 12


def test_reset_demo_data_puts_the_tutorial_rows_back(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert (9, 12) in db_rows(demo_url(editor))
    action = window.findChild(type(window.reset_demo_action), "Reset demo data")
    assert action is not None and action.isEnabled()
    action.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Demo data restored.", timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    assert shown_rows(window) == SHOWN_AT_6
    assert db_rows(demo_url(editor)) == [(1, 1), (2, 4), *SHOWN_AT_6]


def test_enter_in_the_dialog_connects(qtbot, make_editor):
    """Enter presses Connect, not Test connection (after which the dialog would stay open)."""
    editor = make_editor()
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert dialog.connect_button.isDefault()
    qtbot.keyClick(child(dialog, QComboBox, "Database type"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_loaded(qtbot, editor.window)
    assert shown_rows(editor.window) == SHOWN_AT_6


def test_keyboard_only_commit_ctrl_return_then_enter(qtbot, make_editor):
    """Ctrl+Return opens the review; Enter there commits (not "Show SQL")."""
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1 and editor_closed(window), timeout=WAIT_MS)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    review = wait_attr(qtbot, window, "review_dialog")
    assert review.commit_button.isDefault()
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        qtbot.keyClick(review.table, Qt.Key.Key_Return)
    assert not review.sql.isVisible()
    assert (9, 12) in db_rows(demo_url(editor))


def test_keyboard_shortcuts_from_the_help(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    view = window.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.threshold_edit.hasFocus() and window.threshold_edit.selectedText() == "6"
    qtbot.keyClick(window.threshold_edit, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert window.goto_edit.hasFocus()

    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1 and editor_closed(window), timeout=WAIT_MS)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.pending
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.pending.get(9).new == 12

    first_dialog = editor.dialog
    qtbot.keyClick(view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    # with a change pending, Ctrl+O asks first (keep it for later, discard, or cancel)
    leave = wait_attr(qtbot, editor, "leave_box")
    assert "1 pending change" in leave.text() and editor.dialog is first_dialog  # no dialog yet
    assert leave.defaultButton() is leave.button(QMessageBox.StandardButton.Cancel)
    click_box(qtbot, leave, QMessageBox.StandardButton.Close)  # "Keep for later"
    qtbot.waitUntil(lambda: editor.dialog is not first_dialog and editor.dialog.isVisible(), timeout=WAIT_MS)
    # the dialog opens on the current connection
    assert editor.dialog.kind.currentData() == DEMO
    editor.dialog.reject()
    assert window.pending.get(9).new == 12

    window.findChild(type(window.reload_action), "Keyboard shortcuts").trigger()
    box = wait_attr(qtbot, window, "shortcuts_box")
    keys = [keys for keys, _what in box.texts()]
    assert "Ctrl+Return" in keys and "F5" in keys
    click(qtbot, box.close_button)
