"""One journal per window, in the windows: a second window on the same database and
table is offered nothing of a running one; what a closed window kept for later is
offered, one session or several, restored or discarded by ticking; a journal folder
that cannot be written is said at the edit and the edits stay.  The tutorial's
window and the window for any table, on the SQLite demo (two processes killed on
PostgreSQL: tests/test_crash_restore.py)."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from gui.data.config import DEFAULT_SPEC
from gui.data.demo import ensure_demo
from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, _open_editor, click, click_box, edit_cell, make_editor, wait_attr, wait_loaded  # noqa: F401 - fixture
from test_gui_demo import connect_demo
from gui.qt.main_window import MainWindow


def edit(qtbot, window: MainWindow, key: int, typed: str) -> None:
    """Type ``typed`` into y of ``key`` and wait until it is pending."""
    edit_cell(qtbot, window, key, typed)
    qtbot.waitUntil(lambda: window.pending.get(key) is not None and window.pending.get(key).new == int(typed), timeout=WAIT_MS)


def open_demo(qtbot, make_editor) -> MainWindow:
    """Another start on the demo (as the connection dialog's Connect does), without
    waiting for the window to be active: a restore box may hold the focus."""
    editor = make_editor()
    first = editor.window
    editor.connect_url(f"sqlite:///{editor.paths.demo}")
    editor.window.show()
    wait_loaded(qtbot, editor.window)
    assert editor.window is first
    return editor.window


def journal_files(folder) -> list[str]:
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


# -- the tutorial's window ---------------------------------------------------------------------


def test_a_second_window_is_offered_nothing_of_a_running_one(qtbot, make_editor):
    first = connect_demo(qtbot, make_editor).window
    edit(qtbot, first, 9, "12")
    qtbot.waitUntil(first.journal.path.exists, timeout=WAIT_MS)  # written on the journal's lane

    second = connect_demo(qtbot, make_editor).window
    assert getattr(second, "restore_box", None) is None  # the first still runs: its edits are its own
    edit(qtbot, second, 20, "21")
    assert first.journal.path != second.journal.path
    qtbot.waitUntil(lambda: second.journal.path.exists() and [c.key for c in second.journal.load()] == [20], timeout=WAIT_MS)
    assert [c.key for c in first.journal.load()] == [9]

    first.close_without_asking()  # as when another window takes over: kept for later
    third = open_demo(qtbot, make_editor)
    box = wait_attr(qtbot, third, "restore_box")
    assert "x = 9: y → 12" in box.text() and "x = 20" not in box.text()  # the second still runs
    assert not box.sessions.isVisible()  # one session: nothing to tick
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert {c.key: c.new for c in third.pending.changes()} == {9: 12}
    qtbot.waitUntil(lambda: not first.journal.path.exists(), timeout=WAIT_MS)  # in the third window's journal now
    assert [c.key for c in third.journal.load()] == [9]


def test_keep_for_later_leaves_the_journal_to_the_next_start(qtbot, make_editor):
    first = connect_demo(qtbot, make_editor).window
    edit(qtbot, first, 9, "12")
    first.close_without_asking()
    second = open_demo(qtbot, make_editor)
    box = wait_attr(qtbot, second, "restore_box")
    click(qtbot, box.button(QMessageBox.StandardButton.Ignore))  # Keep for later
    assert not second.pending
    assert first.journal.path.exists()
    second.close_without_asking()
    third = open_demo(qtbot, make_editor)
    box = wait_attr(qtbot, third, "restore_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Discard)
    assert not third.pending and not first.journal.path.exists()


def test_an_unwritable_journal_folder_is_said_at_the_edit_and_the_edits_stay(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    folder = editor.paths.journal
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the journal folder should be")
    edit(qtbot, window, 9, "12")  # kept in memory
    qtbot.waitUntil(lambda: str(folder) in window.message.text(), timeout=WAIT_MS)  # said once the lane's write failed
    assert "kept in this window" in window.message.text()
    edit(qtbot, window, 20, "21")

    folder.unlink()  # the user freed the folder
    edit(qtbot, window, 100, "101")
    qtbot.waitUntil(lambda: window.journal.path.exists() and {c.key for c in window.journal.load()} == {9, 20, 100}, timeout=WAIT_MS)  # caught up
    # said once the lane's write has reported back (the file is there a moment before)
    qtbot.waitUntil(lambda: "saved in the journal again" in window.statusBar().currentMessage(), timeout=WAIT_MS)
    assert not bool(window.message.text().strip())


# -- the window for any table ----------------------------------------------------------------


@pytest.fixture
def demo_path(tmp_path):
    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO orders VALUES (1, 'first')")
    return path


def open_customers(qtbot, make_editor, demo_path, table: str = "customers") -> TableWindow:
    editor = make_editor("--table", table)
    editor.connect_url(f"sqlite:///{demo_path}")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    model = window.model
    qtbot.waitUntil(
        lambda: not model.loading and model.total is not None and model.rowCount() == model.total
        and window.writability is not None,
        timeout=WAIT_MS,
    )
    window.show()
    window.test_editor = editor
    return window


def type_cell(qtbot, window: TableWindow, key: int, column: str, typed: str) -> None:
    """Double-click the cell of row ``id = key``, type, Enter (as a user)."""
    model, view = window.model, window.view
    row = next(r for r in range(model.rowCount()) if model.index(r, model.names.index("id")).data() == str(key))
    index = model.index(row, model.names.index(column))
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    editor: QLineEdit = _open_editor(view)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _open_editor(view) is None, timeout=WAIT_MS)


def pending_of(window: TableWindow) -> dict:
    return {(c.key, c.column): c.new for c in window.edits.changes()}


def close_keeping(qtbot, window: TableWindow) -> None:
    window.close()
    box = wait_attr(qtbot, window, "close_box")
    click_box(qtbot, box, QMessageBox.StandardButton.Close)  # Keep for later and close
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)


def test_several_sessions_are_offered_and_the_ticked_ones_restored(qtbot, make_editor, demo_path):
    first = open_customers(qtbot, make_editor, demo_path)
    type_cell(qtbot, first, 3, "email", "grace@example.org")
    second = open_customers(qtbot, make_editor, demo_path)
    qtbot.wait(200)  # time for a look on its journal lane
    assert getattr(second, "restore_box", None) is None  # the first runs
    type_cell(qtbot, second, 6, "note", "paid")
    type_cell(qtbot, second, 1, "credit", "13")
    for window in (first, second):
        qtbot.waitUntil(lambda window=window: window.journal.path.exists(), timeout=WAIT_MS)
    first_file, second_file = first.journal.path, second.journal.path
    close_keeping(qtbot, first)
    close_keeping(qtbot, second)

    third = open_customers(qtbot, make_editor, demo_path)
    box = wait_attr(qtbot, third, "restore_box")
    assert "2 earlier sessions left 3 pending changes to customers" in box.text()
    assert "id = 3: email → grace@example.org" in box.text()
    assert [box.sessions.item(r).text().endswith(n) for r, n in ((0, "1 pending change"), (1, "2 pending changes"))] == [True, True]
    box.sessions.item(1).setCheckState(Qt.CheckState.Unchecked)  # only the first session's
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert pending_of(third) == {((3,), "email"): "grace@example.org"}
    qtbot.waitUntil(lambda: not first_file.exists(), timeout=WAIT_MS)  # once the third's journal holds it
    assert second_file.exists()  # unticked: kept for later

    qtbot.waitUntil(third.journal.path.exists, timeout=WAIT_MS)
    third.close()
    click_box(qtbot, wait_attr(qtbot, third, "close_box"), QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not third.journal.path.exists(), timeout=WAIT_MS)  # discarded: gone
    fourth = open_customers(qtbot, make_editor, demo_path)
    box = wait_attr(qtbot, fourth, "restore_box")
    assert not box.sessions.isVisible() and "2 pending changes" in box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert pending_of(fourth) == {((6,), "note"): "paid", ((1,), "credit"): 13.0}
    qtbot.waitUntil(lambda: fourth.journal.path.exists() and not second_file.exists(), timeout=WAIT_MS)

    # a commit that leaves nothing pending leaves no journal
    qtbot.mouseClick(fourth.commit_button, Qt.MouseButton.LeftButton)
    review = wait_attr(qtbot, fourth, "review_dialog")
    qtbot.mouseClick(review.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not fourth.committing and not fourth.pending, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: journal_files(fourth.paths.journal) == [], timeout=WAIT_MS)
    with sqlite3.connect(demo_path) as conn:
        assert conn.execute("SELECT note, credit FROM customers WHERE id IN (6, 1) ORDER BY id").fetchall() == [
            (None, 13.0),
            ("paid", 2.56),
        ]


def test_a_table_left_for_another_and_opened_again_offers_its_changes(qtbot, make_editor, demo_path):
    """The same window opens another table (its journal let go) and comes back."""
    window = open_customers(qtbot, make_editor, demo_path)
    editor = window.test_editor
    type_cell(qtbot, window, 3, "email", "grace@example.org")
    kept = window.journal.path
    editor.open_table("orders")  # as the table chooser does
    click_box(qtbot, wait_attr(qtbot, editor, "leave_box"), QMessageBox.StandardButton.Close)  # Keep for later
    qtbot.waitUntil(lambda: window.schema.name == "orders", timeout=WAIT_MS)
    assert editor.window is window and not window.pending
    editor.open_table("customers")
    box = wait_attr(qtbot, window, "restore_box")
    assert "id = 3: email → grace@example.org" in box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert pending_of(window) == {((3,), "email"): "grace@example.org"}
    qtbot.waitUntil(lambda: not kept.exists(), timeout=WAIT_MS)


def test_an_unwritable_journal_folder_is_said_at_the_edit_in_any_table(qtbot, make_editor, demo_path, isolated_user_dirs):
    window = open_customers(qtbot, make_editor, demo_path)
    folder = window.paths.journal
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("")
    type_cell(qtbot, window, 3, "email", "grace@example.org")
    qtbot.waitUntil(lambda: str(folder) in window.message.text(), timeout=WAIT_MS)
    assert pending_of(window) == {((3,), "email"): "grace@example.org"}
    folder.unlink()
    type_cell(qtbot, window, 6, "note", "paid")
    qtbot.waitUntil(lambda: window.journal.path.exists(), timeout=WAIT_MS)
    assert len(window.journal.load()) == 2
    qtbot.waitUntil(lambda: not window.message.text().strip(), timeout=WAIT_MS)


def test_a_session_the_table_no_longer_takes_is_said_and_kept(qtbot, make_editor, demo_path):
    from gui.data.journal import TableJournal

    first = open_customers(qtbot, make_editor, demo_path)
    identity = {k: v for k, v in first.journal.identity.items() if k != "table"}
    crashed = TableJournal(first.paths.journal, identity, first.journal.identity["table"])
    crashed.save([{"key": ["3"], "column": "nickname", "new": "amazing", "seen": [None], "confirmed": None}])
    crashed.release()  # as a killed window leaves it
    second = open_customers(qtbot, make_editor, demo_path)
    qtbot.waitUntil(lambda: "could not be read back" in second.message.text(), timeout=WAIT_MS)
    assert getattr(second, "restore_box", None) is None and not second.pending
    assert crashed.path.exists()  # kept: nothing is thrown away unasked
