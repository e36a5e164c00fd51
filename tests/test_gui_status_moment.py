"""A message that says what is under way goes once its moment has passed (issue 13,
item 8), in both windows, on the real PostgreSQL: "Counting the rows each change will
update …" once the review (or the conflicts it found) is shown; "Reading good.csv …"
once the import preview is shown; "Loading every row to reach the last one …" once
Ctrl+End has reached it; an edit refused with "Checking what this connection may
change …" once the server has answered.  Left there, they read as if the work were
still going on behind what the user is looking at."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton
from sqlalchemy import event, text

from gui.data.connection import create_engine_for, settings_from_url
from gui.qt.rows_model import CHECKING_WRITABILITY, FIRST_PAGE, VALUE_COLUMN
from gui.qt.table_window import TableWindow
from gui_helpers import (
    WAIT_MS,
    activate,
    child,
    click,
    connect_pg,
    edit_cell,
    editor_closed,
    make_editor,  # noqa: F401 - fixture
    row_of,
    seed_table,
    wait_attr,
)

pytestmark = pytest.mark.postgres

CUSTOMERS = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text,
    credit numeric(12,2),
    note text
);
INSERT INTO customers VALUES
    (1, 'ada@example.org', 12.50, 'first'),
    (2, NULL, 6.50, ''),
    (3, 'grace@example.org', 7.99, NULL);
"""


def status(window) -> str:
    """What the status bar says now (its temporary message)."""
    return window.statusBar().currentMessage()


def said(window, seen: list[str]):
    """Record every status the window shows from now on, in ``seen``."""
    window.statusBar().messageChanged.connect(lambda message: seen.append(message) if message else None)


def tutorial(qtbot, make_editor, pg_db, pg_engine):
    """The tutorial's window on some_table: ``(editor, window)``."""
    seed_table(pg_engine)
    editor = connect_pg(qtbot, make_editor, pg_db.url)
    return editor, editor.window


def any_table(qtbot, make_editor, pg_db, pg_engine, rows: int = 3):
    """The window for any table, on customers of ``rows`` rows, its first page loaded:
    ``(editor, window)``."""
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        conn.execute(text(f"INSERT INTO customers SELECT g, 'c' || g || '@example.org', g, NULL FROM generate_series(4, {rows}) g"))
    url = pg_db.url.render_as_string(hide_password=False)
    editor = make_editor("--table", "customers")
    editor.connect_url(url)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    window.show()
    activate(qtbot, window)
    first_page(qtbot, window)
    return editor, window


def first_page(qtbot, window) -> None:
    """Until the first rows are in, and the server has said what may change."""
    model = window.model
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() > 0 and window.writability is not None, timeout=WAIT_MS)


def type_in_cell(qtbot, window: TableWindow, key: int, column: str, typed: str) -> None:
    """Select the cell, F2, type, Enter: a pending change."""
    model = window.model
    row = next(r for r in range(model.rowCount()) if model.key_at(r) == (key,))
    index = model.index(row, model.names.index(column))
    window.view.setFocus()
    window.view.setCurrentIndex(index)
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.view.state() == window.view.State.EditingState, timeout=WAIT_MS)
    editor = window.view.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.edits) > 0, timeout=WAIT_MS)


def commit_to_review(qtbot, window):
    seen: list[str] = []
    said(window, seen)
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    return review, seen


# -- the review ---------------------------------------------------------------------------------


def test_counting_is_gone_once_the_tutorials_review_is_shown(qtbot, make_editor, pg_db, pg_engine):
    editor, window = tutorial(qtbot, make_editor, pg_db, pg_engine)
    edit_cell(qtbot, window, 6, "7")
    qtbot.waitUntil(lambda: editor_closed(window) and window.pending.get(6) is not None, timeout=WAIT_MS)
    review, seen = commit_to_review(qtbot, window)
    assert any(s.startswith("Counting the rows each change will update") for s in seen)  # it was said
    assert status(window) == ""  # and is gone: the review says what counting found
    review.reject()
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)
    assert status(window) == "Commit cancelled: every change is still pending."


def test_counting_is_gone_once_the_review_of_any_table_is_shown(qtbot, make_editor, pg_db, pg_engine):
    editor, window = any_table(qtbot, make_editor, pg_db, pg_engine)
    type_in_cell(qtbot, window, 2, "note", "now set")
    review, seen = commit_to_review(qtbot, window)
    assert any(s.startswith("Counting the rows each change will update") for s in seen)
    assert status(window) == ""
    review.reject()
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)
    assert status(window) == "Commit cancelled: every change is still pending."


def test_counting_is_gone_once_the_conflicts_it_found_are_shown(qtbot, make_editor, pg_db, pg_engine):
    editor, window = any_table(qtbot, make_editor, pg_db, pg_engine)
    type_in_cell(qtbot, window, 2, "note", "mine")
    with pg_engine.begin() as conn:  # another client, meanwhile
        conn.execute(text("UPDATE customers SET note = 'theirs' WHERE id = 2"))
    seen: list[str] = []
    said(window, seen)
    click(qtbot, child(window, QPushButton, "Commit"))
    conflicts = wait_attr(qtbot, window, "conflicts_dialog")
    assert any(s.startswith("Counting the rows each change will update") for s in seen)
    assert "Counting" not in status(window)
    conflicts.reject()


# -- the import preview ---------------------------------------------------------------------------


def test_reading_is_gone_once_the_tutorials_import_preview_is_shown(qtbot, make_editor, pg_db, pg_engine, tmp_path, monkeypatch):
    editor, window = tutorial(qtbot, make_editor, pg_db, pg_engine)
    path = tmp_path / "good.csv"
    path.write_text("x,y\n6,16\n9,19\n")
    # the file the user picks in File → Import changes… (a native file dialog, modal)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    seen: list[str] = []
    said(window, seen)
    menu_action(window, "Import changes").trigger()
    files = editor.tools.files
    qtbot.waitUntil(lambda: files.import_dialog is not None and files.import_dialog.isVisible(), timeout=WAIT_MS)
    preview = files.import_dialog
    assert any(s.startswith("Reading good.csv") for s in seen)  # it was said
    assert status(window) == ""  # and is gone: the preview says what reading found
    click(qtbot, child(preview, QPushButton, "Apply import"))
    qtbot.waitUntil(lambda: files.import_dialog is None, timeout=WAIT_MS)
    assert status(window) == "Imported 2 changes from good.csv."  # 6 and 9, two rows each


def test_reading_is_gone_once_the_import_preview_of_any_table_is_shown(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    editor, window = any_table(qtbot, make_editor, pg_db, pg_engine)
    path = tmp_path / "good.csv"
    path.write_text("id,note\n2,now set\n3,also\n")
    seen: list[str] = []
    said(window, seen)
    tools = editor.table_tools
    menu_action(window, "Import changes from CSV").trigger()
    qtbot.waitUntil(lambda: tools.file_dialog is not None and tools.file_dialog.isVisible(), timeout=WAIT_MS)
    tools.file_dialog.selectFile(str(path))
    tools.file_dialog.accept()
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    preview = tools.import_preview
    assert any(s.startswith("Reading good.csv") for s in seen)
    assert status(window) == ""
    click(qtbot, child(preview, QPushButton, "Apply import"))
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert status(window) == "Imported 2 changes from good.csv."


def menu_action(window, name: str):
    """The File menu's action named ``name`` (what a click on its entry triggers)."""
    found = [a for a in window.file_menu.actions() if a.objectName() == name]
    assert len(found) == 1, [a.objectName() for a in window.file_menu.actions()]
    return found[0]


# -- Ctrl+End -----------------------------------------------------------------------------------


def test_loading_every_row_is_gone_once_the_tutorials_last_row_is_reached(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, [(x, 10 + x % 50) for x in range(1, MANY + 1)])
    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    editor.window.show()
    activate(qtbot, editor.window)
    first_page(qtbot, editor.window)
    _to_the_last_row(qtbot, editor.window, 1)


def test_loading_every_row_is_gone_once_the_last_row_of_any_table_is_reached(qtbot, make_editor, pg_db, pg_engine):
    _editor, window = any_table(qtbot, make_editor, pg_db, pg_engine, rows=MANY)
    _to_the_last_row(qtbot, window, 1)


MANY = FIRST_PAGE * 3 + 7  # more than the first page: Ctrl+End loads the rest first


def _to_the_last_row(qtbot, window, column: int) -> None:
    assert window.model.canFetchMore()  # only the first page so far
    seen: list[str] = []
    said(window, seen)
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0, column))
    qtbot.keyClick(window.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.view.currentIndex().row() == MANY - 1, timeout=WAIT_MS)
    assert any(s.startswith("Loading every row to reach the last one") for s in seen)
    assert status(window) == ""  # the last row is there, selected


# -- an edit refused while the server is asked what may change -------------------------------------


def test_checking_is_gone_once_the_server_has_answered(qtbot, make_editor, pg_db, pg_engine):
    """The tutorial's window asks the server what this connection may change after it
    shows the rows; an edit before the answer is refused with "Checking …".  The answer
    is held back here by the application's own engine (a slow server, without one)."""
    seed_table(pg_engine)
    editor = make_editor()
    window = editor.window
    engine = create_engine_for(settings_from_url(pg_db.url.render_as_string(hide_password=False)))
    gate = threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def _slow_answer(_conn, _cursor, statement, *_args) -> None:
        if "pg_is_in_recovery()" in statement:
            gate.wait(30)

    try:
        window.set_connection(settings_from_url(pg_db.url.render_as_string(hide_password=False)), engine)
        window.show()
        activate(qtbot, window)
        model = window.model
        qtbot.waitUntil(lambda: not model.loading and model.rowCount() > 0, timeout=WAIT_MS)
        index = model.index(row_of(window, 9), VALUE_COLUMN)
        window.view.setFocus()
        window.view.setCurrentIndex(index)
        qtbot.keyClick(window.view, Qt.Key.Key_F2)  # refused: not known yet whether it could be committed
        assert window.message_text() == CHECKING_WRITABILITY
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.writability is not None, timeout=WAIT_MS)
    assert window.message_text() == ""  # answered: F2 now edits
    assert CHECKING_WRITABILITY not in status(window)
    window._close_confirmed = True
    window.close()
    engine.dispose()
