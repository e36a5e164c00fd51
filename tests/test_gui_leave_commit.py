"""Leaving a table with pending changes asks Commit… / Keep for later / Discard /
Cancel, in both windows and on every way out (Ctrl+O, another table chosen,
closing).  Commit… runs the window's review, and the window leaves only once the
commit has left nothing pending; a review cancelled or a conflict keeps the user
on the table with everything usable.  On the SQLite demo."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from gui_helpers import WAIT_MS, click, click_box, db_rows, edit_cell, make_editor, wait_attr  # noqa: F401 - fixture
from test_gui_demo import connect_demo, demo_url
from test_gui_journals import demo_path, open_customers, type_cell  # noqa: F401 - fixture

COMMIT, KEEP, DISCARD, CANCEL = (
    QMessageBox.StandardButton.Save,
    QMessageBox.StandardButton.Close,
    QMessageBox.StandardButton.Discard,
    QMessageBox.StandardButton.Cancel,
)


def texts(box: QMessageBox) -> list[str]:
    return sorted(b.text() for b in box.buttons())


def usable(window) -> bool:
    return (
        window.isVisible()
        and not window.committing
        and window.commit_button.isEnabled()
        and window.connect_action.isEnabled()
        and window.table_chooser.isEnabled()
        and window.undo_action.isEnabled()
    )


def tutorial_with_an_edit(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: len(window.pending) == 1 and window.commit_button.isEnabled(), timeout=WAIT_MS)
    return editor, window


def press_ctrl_o(qtbot, editor):
    first = editor.dialog
    qtbot.keyClick(editor.window.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    box = wait_attr(qtbot, editor, "leave_box")
    assert editor.dialog is first  # no connection dialog yet
    return box


# -- the tutorial's window ------------------------------------------------------------


def test_ctrl_o_offers_commit_and_opens_the_dialog_once_committed(qtbot, make_editor):
    editor, window = tutorial_with_an_edit(qtbot, make_editor)
    first = editor.dialog
    box = press_ctrl_o(qtbot, editor)
    assert texts(box) == ["Cancel", "Commit…", "Discard", "Keep for later"]
    assert box.defaultButton() is box.button(CANCEL)
    click_box(qtbot, box, COMMIT)
    review = wait_attr(qtbot, window, "review_dialog")
    assert editor.dialog is first  # the review first
    click(qtbot, review.commit_button)
    qtbot.waitUntil(lambda: editor.dialog is not first and editor.dialog.isVisible(), timeout=WAIT_MS)
    assert (9, 12) in db_rows(demo_url(editor))
    assert not window.pending
    editor.dialog.reject()


def test_ctrl_o_commit_then_review_cancelled_stays_usable(qtbot, make_editor):
    editor, window = tutorial_with_an_edit(qtbot, make_editor)
    first = editor.dialog
    click_box(qtbot, press_ctrl_o(qtbot, editor), COMMIT)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.cancel_button)
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)
    qtbot.wait(100)  # time for a connection dialog that should not come
    assert editor.dialog is first and editor.window is window
    assert window.pending.get(9).new == 12 and usable(window)
    # and a later commit of its own does not leave either
    click(qtbot, window.commit_button)
    click(qtbot, wait_attr(qtbot, window, "review_dialog").commit_button)
    qtbot.waitUntil(lambda: not window.pending and not window.committing, timeout=WAIT_MS)
    qtbot.wait(100)
    assert editor.dialog is first


def test_closing_offers_commit_keep_and_discard(qtbot, make_editor):
    _editor, window = tutorial_with_an_edit(qtbot, make_editor)
    assert not window.close()
    box = wait_attr(qtbot, window, "close_box")
    assert texts(box) == ["Cancel", "Commit…", "Discard and close", "Keep for later and close"]
    assert box.defaultButton() is box.button(CANCEL)
    qtbot.waitUntil(window.journal.path.exists, timeout=WAIT_MS)
    click_box(qtbot, box, KEEP)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert window.journal.path.exists()  # kept for the next time


# -- the window for any table -----------------------------------------------------------


def customers_with_an_edit(qtbot, make_editor, demo_path):
    window = open_customers(qtbot, make_editor, demo_path)
    type_cell(qtbot, window, 3, "email", "grace@example.org")
    qtbot.waitUntil(lambda: len(window.pending) == 1 and window.commit_button.isEnabled(), timeout=WAIT_MS)
    return window.test_editor, window


def email_of(demo_path, key: int) -> str:
    with sqlite3.connect(demo_path) as conn:
        return conn.execute("SELECT email FROM customers WHERE id = ?", (key,)).fetchone()[0]


def test_any_table_ctrl_o_commit_opens_the_dialog_once_committed(qtbot, make_editor, demo_path):
    editor, window = customers_with_an_edit(qtbot, make_editor, demo_path)
    first = editor.dialog
    box = press_ctrl_o(qtbot, editor)
    assert texts(box) == ["Cancel", "Commit…", "Discard", "Keep for later"]
    click_box(qtbot, box, COMMIT)
    click(qtbot, wait_attr(qtbot, window, "review_dialog").commit_button)
    qtbot.waitUntil(lambda: editor.dialog is not first and editor.dialog is not None and editor.dialog.isVisible(), timeout=WAIT_MS)
    assert email_of(demo_path, 3) == "grace@example.org" and not window.pending
    editor.dialog.reject()


def test_any_table_choosing_another_table_commit_with_a_conflict_stays(qtbot, make_editor, demo_path):
    editor, window = customers_with_an_edit(qtbot, make_editor, demo_path)
    with sqlite3.connect(demo_path) as conn:  # another client changes the row meanwhile
        conn.execute("UPDATE customers SET email = 'other@example.org' WHERE id = 3")
    window.table_chooser.table_chosen.emit("orders")  # as choosing it in the Table list does
    box = wait_attr(qtbot, editor, "leave_box")
    click_box(qtbot, box, COMMIT)
    conflicts = wait_attr(qtbot, window, "conflicts_dialog")
    conflicts.reject()  # decide later
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and not window.committing, timeout=WAIT_MS)
    qtbot.wait(200)  # time for a table that should not open
    assert window.schema.name == "customers" and editor.window is window
    assert window.table_chooser.current_name().endswith("customers")  # not orders
    assert len(window.pending) == 1 and usable(window)
    assert email_of(demo_path, 3) == "other@example.org"


def test_any_table_closing_commit_closes_once_committed(qtbot, make_editor, demo_path):
    _editor, window = customers_with_an_edit(qtbot, make_editor, demo_path)
    window.close()
    box = wait_attr(qtbot, window, "close_box")
    assert texts(box) == ["Cancel", "Commit…", "Discard and close", "Keep for later and close"]
    click_box(qtbot, box, COMMIT)
    review = wait_attr(qtbot, window, "review_dialog")
    assert window.isVisible()
    click(qtbot, review.commit_button)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert email_of(demo_path, 3) == "grace@example.org"


def test_any_table_closing_commit_then_review_cancelled_stays(qtbot, make_editor, demo_path):
    _editor, window = customers_with_an_edit(qtbot, make_editor, demo_path)
    window.close()
    click_box(qtbot, wait_attr(qtbot, window, "close_box"), COMMIT)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel))
    qtbot.waitUntil(lambda: window.review_dialog is None and not window.committing, timeout=WAIT_MS)
    qtbot.wait(100)
    assert window.isVisible() and len(window.pending) == 1 and usable(window)
