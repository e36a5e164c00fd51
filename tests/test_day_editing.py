"""Editing like in a spreadsheet: undo/redo, paste and copy, revert one change (issue 5)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu

from test_day_csvio import big_demo
from test_day_support import close_window, day_window, open_window  # noqa: F401  (fixture)


def _text(action) -> str:
    return action.text().replace("&", "")


def edit(qtbot, day, row: int, typed: str) -> None:
    """Select the y cell of ``row``, press F2, type, press Enter: as a user does."""
    view = day.window.view
    view.setFocus()
    view.setCurrentIndex(day.index(row))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(day.index(row))
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.indexWidget(day.index(row)) is None)


def right_click(day, row: int) -> QMenu:
    """Right-click the y cell of ``row``: the platform sends the view a context menu event."""
    viewport = day.window.view.viewport()
    where = day.window.view.visualRect(day.index(row)).center()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, viewport.mapToGlobal(where)))
    menu = day.tools.row_menu.row_menu
    assert isinstance(menu, QMenu) and menu.isVisible()
    return menu


def value_of(day, key: int) -> str:
    return day.window.model.data(day.index(day.row_of(key)))


def test_undo_and_redo_walk_back_and_forth_naming_each_edit(qtbot, day_window):
    day, w = day_window, day_window.window
    assert not w.undo_action.isEnabled()
    edit(qtbot, day, day.row_of(6), "50")
    edit(qtbot, day, day.row_of(9), "60")
    assert (value_of(day, 6), value_of(day, 9)) == ("50", "60")
    assert _text(w.undo_action) == "Undo Set y = 60 where x = 9"
    assert w.edit_menu.actions()[0] is w.undo_action  # the Edit menu shows these texts

    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (value_of(day, 6), value_of(day, 9)) == ("50", "10")
    assert _text(w.undo_action) == "Undo Set y = 50 where x = 6"
    assert _text(w.redo_action) == "Redo Set y = 60 where x = 9"

    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert value_of(day, 9) == "60"
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert (value_of(day, 6), value_of(day, 9)) == ("8", "10")
    assert not w.pending and not w.undo_action.isEnabled()
    assert w.pending_label.text() == "No pending changes"

    qtbot.keyClick(w.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert value_of(day, 6) == "50" and value_of(day, 9) == "10"
    assert _text(w.redo_action) == "Redo Set y = 60 where x = 9"
    # a new edit after an undo drops the redo branch, as in every editor
    edit(qtbot, day, day.row_of(20), "70")
    assert not w.redo_action.isEnabled()
    assert sorted(c.key for c in w.pending.changes()) == [6, 20]


def test_paste_of_a_column_is_one_undo_step(qtbot, day_window):
    day, w = day_window, day_window.window
    QGuiApplication.clipboard().setText("30\r\n40\r\n41\r\n")  # as a spreadsheet puts it
    w.view.setFocus()
    w.view.setCurrentIndex(day.index(1))  # the second row of x = 6
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    # rows 1, 2, 3 are x = 6, 9, 9: line 3 gives x = 9 a second, different value
    assert "line 3 ('41')" in w.message.text() and "x = 9" in w.message.text()
    assert not w.pending and w.undo_stack.count() == 0

    QGuiApplication.clipboard().setText("30\n40\n40\n21\n")
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [value_of(day, k) for k in (6, 9, 20)] == ["30", "40", "21"]
    assert w.pending_label.text() == "3 pending changes"
    assert w.undo_stack.count() == 1
    assert _text(w.undo_action) == "Undo Paste 4 values into y"

    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [value_of(day, k) for k in (6, 9, 20)] == ["8", "10", "20"] and not w.pending
    qtbot.keyClick(w.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert [value_of(day, k) for k in (6, 9, 20)] == ["30", "40", "21"]


def test_paste_with_a_refused_value_applies_nothing_and_names_line_and_value(qtbot, day_window):
    day, w = day_window, day_window.window
    edit(qtbot, day, day.row_of(100), "99")  # something already pending stays as it is
    for clipboard, line, shown in [
        ("30\nabc\n40\n", 2, "'abc'"),
        ("30\n40\n12.5\n", 3, "'12.5'"),
        ("1e3\n", 1, "'1e3'"),
        ("30\n\n40\n", 2, "''"),
        ("30\n2147483648\n", 2, "'2147483648'"),
    ]:
        QGuiApplication.clipboard().setText(clipboard)
        w.view.setCurrentIndex(day.index(1))
        qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert bool(w.message.text().strip())
        assert f"line {line} ({shown}" in w.message.text(), w.message.text()
        assert "nothing was changed" in w.message.text()
        assert [c.key for c in w.pending.changes()] == [100]
        assert [value_of(day, k) for k in (6, 9, 20)] == ["8", "10", "20"]
        assert w.undo_stack.count() == 1


def test_paste_past_the_loaded_rows_is_refused(qtbot, day_window):
    day, w = day_window, day_window.window
    QGuiApplication.clipboard().setText("1\n2\n3\n")
    w.view.setFocus()
    w.view.setCurrentIndex(day.index(w.model.rowCount() - 1))  # last row: x = 100
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "3 values" in w.message.text() and "only 1 row" in w.message.text()
    assert not w.pending


def test_copy_gives_tab_separated_text_with_a_header(qtbot, day_window):
    day, w = day_window, day_window.window
    edit(qtbot, day, day.row_of(9), "60")
    selection = w.view.selectionModel()
    w.view.setFocus()
    w.view.setCurrentIndex(day.index(1, 0))
    selection.select(day.index(1, 0), selection.SelectionFlag.ClearAndSelect)
    for index in (day.index(1, 1), day.index(2, 0), day.index(2, 1), day.index(3, 0), day.index(3, 1)):
        selection.select(index, selection.SelectionFlag.Select)
    qtbot.keyClick(w.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "x\ty\n6\t8\n9\t60\n9\t60\n"

    # one column copies as one column, and pastes back as no change at all
    selection.select(day.index(0, 1), selection.SelectionFlag.ClearAndSelect)
    selection.select(day.index(1, 1), selection.SelectionFlag.Select)
    qtbot.keyClick(w.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "y\n8\n8\n"
    before = w.undo_stack.count()
    w.view.setCurrentIndex(day.index(0))
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert w.undo_stack.count() == before and [c.key for c in w.pending.changes()] == [9]


def test_revert_one_of_three_from_the_row_context_menu(qtbot, day_window):
    day, w = day_window, day_window.window
    for key, typed in ((6, "16"), (9, "19"), (20, "29")):
        edit(qtbot, day, day.row_of(key), typed)
    assert w.pending_label.text() == "3 pending changes"

    menu = right_click(day, day.row_of(9))
    revert = menu.findChild(type(w.undo_action), "Revert this change")
    assert revert.isEnabled() and "x = 9" in revert.text()
    revert.trigger()
    menu.hide()

    assert sorted(c.key for c in w.pending.changes()) == [6, 20]
    assert [value_of(day, k) for k in (6, 9, 20)] == ["16", "10", "29"]
    assert w.pending_label.text() == "2 pending changes"
    assert _text(w.undo_action) == "Undo Revert change to x = 9"
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert value_of(day, 9) == "19" and len(w.pending) == 3

    # on a row without a pending change the entry is there but disabled
    menu = right_click(day, day.row_of(100))
    assert not menu.findChild(type(w.undo_action), "Revert this change").isEnabled()
    menu.hide()


def test_a_read_only_connection_refuses_paste_and_import(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path, read_only=True)
    try:
        w = day.window
        QGuiApplication.clipboard().setText("30\n")
        w.view.setFocus()
        w.view.setCurrentIndex(day.index(0))
        qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert "read-only" in w.message.text() and not w.pending
        path = tmp_path / "changes.csv"
        path.write_text("x,y\n6,16\n")
        day.tools.files.import_file(str(path))
        assert "read-only" in w.message.text() and day.tools.files.import_dialog is None
    finally:
        close_window(day)


def test_one_value_pasted_into_a_selection_of_rows_sets_each_as_one_step(qtbot, day_window):
    day, w = day_window, day_window.window
    selection = w.view.selectionModel()
    w.view.setFocus()
    w.view.setCurrentIndex(day.index(0))
    selection.select(QItemSelection(day.index(0), day.index(2)), selection.SelectionFlag.ClearAndSelect)  # x = 6, 6, 9
    QGuiApplication.clipboard().setText("50\r\n")  # one cell, as a spreadsheet copies it
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [value_of(day, k) for k in (6, 9, 20)] == ["50", "50", "20"]
    assert w.undo_stack.count() == 1 and _text(w.undo_action) == "Undo Paste one value into 3 cells of y"
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not w.pending
    # a value y does not take is refused, nothing changes
    QGuiApplication.clipboard().setText("5.5\n")
    qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "Paste refused, nothing was changed" in w.message.text() and "'5.5'" in w.message.text()
    assert not w.pending and w.undo_stack.count() == 1


def test_a_big_paste_is_checked_off_the_gui_thread_then_is_one_step(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path, fill=lambda path: big_demo(path, 10_000))
    try:
        w, planner = day.window, day.tools.clipboard.planner
        lines = 1_500  # more than a paste checks at once on the GUI thread
        while w.model.rowCount() < lines:  # scrolled down until the next page is in
            loaded = w.model.rowCount()
            w.view.scrollToBottom()
            qtbot.waitUntil(lambda: w.model.rowCount() > loaded and not w.model.loading)
        keys = [w.model.key_at(r) for r in range(lines)]
        QGuiApplication.clipboard().setText("".join(f"{5_000 + key}\n" for key in keys))
        w.view.setFocus()
        w.view.setCurrentIndex(day.index(0))
        qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert planner.running and "Paste: checking" in w.statusBar().currentMessage()
        assert w.cancel_button.isEnabled() and not w.pending
        last = w.model.rowCount() - 1
        assert w.model.setData(day.index(last), "77")  # the window takes an edit meanwhile (as the cell editor commits it)
        qtbot.waitUntil(lambda: not planner.running)
        assert len(w.pending) == len(set(keys)) + 1 and value_of(day, keys[-1]) == str(5_000 + keys[-1])
        assert w.undo_stack.count() == 2 and _text(w.undo_action) == f"Undo Paste {lines:,} values into y"
        assert not w.cancel_button.isEnabled()
        w.undo_action.trigger()
        assert len(w.pending) == 1 and w.model.data(day.index(last)) == "77"

        # Cancel: nothing changes
        w.view.setCurrentIndex(day.index(0))
        qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert planner.running
        qtbot.mouseClick(w.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not planner.running)
        assert "Paste cancelled: nothing was changed." in w.statusBar().currentMessage() and len(w.pending) == 1
    finally:
        close_window(day)


def test_a_big_paste_its_undo_and_redo_keep_the_journal_holding_the_pending_set(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path, fill=lambda path: big_demo(path, 10_000))
    try:
        w, planner = day.window, day.tools.clipboard.planner
        lines = 1_500  # more than a paste checks at once on the GUI thread
        while w.model.rowCount() < lines:
            loaded = w.model.rowCount()
            w.view.scrollToBottom()
            qtbot.waitUntil(lambda: w.model.rowCount() > loaded and not w.model.loading)
        keys = [w.model.key_at(r) for r in range(lines)]

        def journaled() -> dict:
            qtbot.waitUntil(lambda: not w.runner.busy)
            return {c.key: c.new for c in w.journal.load()} if w.journal.path.exists() else {}

        def pending() -> dict:
            return {c.key: c.new for c in w.pending}

        last = w.model.rowCount() - 1
        assert w.model.setData(day.index(last), "77")
        QGuiApplication.clipboard().setText("".join(f"{5_000 + key}\n" for key in keys))
        w.view.setFocus()
        w.view.setCurrentIndex(day.index(0))
        qtbot.keyClick(w.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert planner.running
        w.undo_action.trigger()  # the typed value undone while the paste is checked: nothing lost, nothing kept
        qtbot.waitUntil(lambda: not planner.running)
        assert len(w.pending) == len(set(keys)) and journaled() == pending()
        w.undo_action.trigger()
        assert not w.pending and journaled() == {}
        w.redo_action.trigger()
        assert w.model.setData(day.index(last), "78")  # typed right after the redo
        assert len(w.pending) == len(set(keys)) + 1 and journaled() == pending()
        assert value_of(day, keys[0]) == str(5_000 + keys[0]) and w.model.data(day.index(last)) == "78"
    finally:
        close_window(day)
