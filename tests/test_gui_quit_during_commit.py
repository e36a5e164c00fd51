"""Quitting while a commit waits on a lock: the window asks, "Cancel the commit and
quit" rolls the commit back and closes once it has ended, the database stays as it
was and the pending changes are offered again at the next start; "Keep waiting"
leaves the commit running.  Both windows, on the real PostgreSQL."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_helpers import WAIT_MS, click, click_box, connect_pg, db_rows, make_editor, seed_table, wait_attr  # noqa: F401 - fixture
from test_gui_any_table import CUSTOMERS, _row_with, _type_into, _url, _wait_table
from test_gui_commit import _app_waiting_on_a_lock, _commit, edit_and_wait
from gui.qt.main_window import MainWindow
from gui.qt.table_window import TableWindow
from gui_helpers import TUTORIAL
from sqlalchemy import text

pytestmark = pytest.mark.postgres


def _button(box: QMessageBox, label: str):
    found = [b for b in box.buttons() if b.text() == label]
    assert found, [b.text() for b in box.buttons()]
    return found[0]


def _quit_and_cancel(qtbot, window) -> None:
    """Close: the question, "Keep waiting" first (nothing happens), then close again
    and "Cancel the commit and quit"."""
    assert not window.close()
    box = wait_attr(qtbot, window, "cancel_quit_box")
    assert box.isVisible() and "commit is running" in window.message.text()
    assert box.defaultButton() is _button(box, "Keep waiting")  # Enter must not throw the commit away
    click(qtbot, _button(box, "Keep waiting"))
    qtbot.wait(200)
    assert window.isVisible() and window.commit_running()
    assert "commit is running" not in window.message.text()  # said once: the status bar goes on saying it
    assert not window.close()
    box = window.cancel_quit_box
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    click(qtbot, _button(box, "Cancel the commit and quit"))
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert not window.commit_running()


def test_quitting_the_tutorial_window_during_a_commit_cancels_it_and_keeps_the_changes(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    assert isinstance(window, MainWindow)
    edit_and_wait(qtbot, window, 9, "11")
    lock = "SELECT x, y FROM some_table WHERE x = 9 FOR UPDATE"
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock, _commit(qtbot, window)):
        _quit_and_cancel(qtbot, window)
    assert db_rows(pg_db.url) == sorted(TUTORIAL)  # rolled back

    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    editor.window.show()  # a restore box takes the focus: no waiting for an active window
    box = wait_attr(qtbot, editor.window, "restore_box")
    assert "x = 9: y → 11" in box.text(), box.text()


def test_quitting_the_window_for_any_table_during_a_commit_cancels_it_and_keeps_the_changes(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    url = _url(pg_db)
    editor = make_editor("--url", url, "--table", "customers")
    editor.connect_url(url)
    window = _wait_table(qtbot, editor)
    assert isinstance(window, TableWindow)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "13.00")
    qtbot.waitUntil(lambda: len(window.edits) == 1, timeout=WAIT_MS)

    def commit() -> None:
        click(qtbot, window.commit_button)
        review = wait_attr(qtbot, window, "review_dialog")
        click(qtbot, review.commit_button)

    lock = "SELECT * FROM customers WHERE id = 1 FOR UPDATE"
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock, commit):
        _quit_and_cancel(qtbot, window)
    with pg_engine.connect() as conn:
        assert str(conn.execute(text("SELECT credit FROM customers WHERE id = 1")).scalar()) == "12.50"

    editor = make_editor("--url", url, "--table", "customers")
    editor.connect_url(url)
    again = _wait_table(qtbot, editor)
    box = wait_attr(qtbot, again, "restore_box")
    assert "13.00" in box.text(), box.text()


def test_quitting_the_window_for_any_table_while_its_review_is_counted_or_read_cancels_it(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    """A commit under way is also its review being counted (here waiting on a lock) or
    read: closing asks to cancel it, never offers to discard the changes (a review
    left behind by a closed window could still commit them), and once cancelled
    nothing is written and the changes are offered again."""
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    url = _url(pg_db)
    editor = make_editor("--url", url, "--table", "customers")
    editor.connect_url(url)
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "13.00")
    qtbot.waitUntil(lambda: len(window.edits) == 1, timeout=WAIT_MS)

    lock = "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"  # the review's count waits
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock, lambda: click(qtbot, window.commit_button)):
        assert not window.close()
        assert getattr(window, "close_box", None) is None  # no Discard offered
        box = wait_attr(qtbot, window, "cancel_quit_box")
        click(qtbot, _button(box, "Cancel the commit and quit"))
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert getattr(window, "review_dialog", None) is None
    assert getattr(window, "error_box", None) is None  # the cancelled count opens no box over a closing window

    editor = make_editor("--url", url, "--table", "customers")
    editor.connect_url(url)
    window = _wait_table(qtbot, editor)
    box = wait_attr(qtbot, window, "restore_box")
    assert "13.00" in box.text(), box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: len(window.edits) == 1, timeout=WAIT_MS)
    # the review open and waiting for the user: closing closes it, and nothing is written
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert not window.close()
    click(qtbot, _button(wait_attr(qtbot, window, "cancel_quit_box"), "Cancel the commit and quit"))
    qtbot.waitUntil(lambda: not window.isVisible() and not review.isVisible(), timeout=WAIT_MS)
    with pg_engine.connect() as conn:
        assert str(conn.execute(text("SELECT credit FROM customers WHERE id = 1")).scalar()) == "12.50"
