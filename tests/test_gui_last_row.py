"""Ctrl+End goes to the real last row, in both windows: every row is loaded first
(the rows past the first page included), then the last is selected in the current
column; View → Load everything loads them all in the tutorial's window too."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui_helpers import WAIT_MS, activate, make_editor, seed_table  # noqa: F401 - fixture
from gui.qt.rows_model import FIRST_PAGE, VALUE_COLUMN
from test_gui_any_table import _url, _wait_table
from sqlalchemy import text

pytestmark = pytest.mark.postgres

ROWS = FIRST_PAGE * 3 + 7


def _tutorial(qtbot, make_editor, pg_db):
    """The tutorial's window on its first page (the rest not loaded yet)."""
    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and not window.model.loading, timeout=WAIT_MS)
    return window


def test_ctrl_end_in_the_tutorial_window_reaches_the_last_row_of_the_query(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, [(x, 10 + x % 50) for x in range(1, ROWS + 1)])
    window = _tutorial(qtbot, make_editor, pg_db)
    assert window.model.rowCount() < ROWS  # only the first page so far
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0, VALUE_COLUMN))
    qtbot.keyClick(window.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.view.currentIndex().row() == ROWS - 1, timeout=WAIT_MS)
    assert window.model.rowCount() == ROWS and not window.model.canFetchMore()
    assert window.view.currentIndex().column() == VALUE_COLUMN
    assert window.model.index(ROWS - 1, 0).data() == str(ROWS)  # the query's last x


def test_load_everything_in_the_tutorial_window(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, [(x, 10) for x in range(1, ROWS + 1)])
    window = _tutorial(qtbot, make_editor, pg_db)
    assert window.load_all_action.shortcut().toString() == "Ctrl+Shift+End"
    assert window.load_all_action in window.view_menu.actions()
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == ROWS and not window.model.loading, timeout=WAIT_MS)
    assert not window.model.canFetchMore() and window.reload_action.isEnabled()


def test_ctrl_end_in_the_window_for_any_table_reaches_the_last_row(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE many (id integer PRIMARY KEY, name text)"))
        conn.execute(text(f"INSERT INTO many SELECT g, 'name ' || g FROM generate_series(1, {ROWS}) g"))
    url = _url(pg_db)
    editor = make_editor("--url", url, "--table", "many")
    editor.connect_url(url)
    qtbot.waitUntil(lambda: editor.window is not None and hasattr(editor.window, "schema"), timeout=WAIT_MS)
    window = editor.window
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and not window.model.loading, timeout=WAIT_MS)
    assert window.model.rowCount() < ROWS
    window.show()
    activate(qtbot, window)
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0, 1))
    qtbot.keyClick(window.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.view.currentIndex().row() == ROWS - 1, timeout=WAIT_MS)
    assert window.model.index(ROWS - 1, 1).data() == f"name {ROWS}" and window.view.currentIndex().column() == 1
