"""A whole column selected over many loaded rows does not freeze the window when it
is activated or a dialog opens over it: Qt's column header asked the model's
flags() of every selected row at each repaint (isColumnSelected), 1,000,000 calls
into Python, 10 to 16 s, for a column of a million rows.  Counted here on 20,000
rows (the number of flags() calls is what grows; no timing in tests)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy import text

from gui.qt.rows_model import RowsModel
from gui.qt.table_model import TableModel
from gui_helpers import WAIT_MS, activate, make_editor, seed_table  # noqa: F401 - fixture
from test_gui_any_table import _url

pytestmark = pytest.mark.postgres

ROWS = 20_000


def _counted(monkeypatch, model_class) -> list[int]:
    calls = [0]
    real = model_class.flags

    def flags(self, index):
        calls[0] += 1
        return real(self, index)

    monkeypatch.setattr(model_class, "flags", flags)
    return calls


def _select_a_column_and_switch_windows(qtbot, window, column: int, calls: list[int]) -> int:
    window.show()
    activate(qtbot, window)
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == ROWS and not window.model.loading, timeout=WAIT_MS)
    window.view.selectColumn(column)
    qtbot.wait(50)
    calls[0] = 0
    other = QWidget()
    other.show()
    other.activateWindow()  # the window is deactivated: its header repaints
    qtbot.wait(100)
    dialog = QDialog(window)
    dialog.open()  # and a dialog opens over it
    qtbot.wait(100)
    dialog.close()
    activate(qtbot, window)
    qtbot.wait(100)
    other.close()
    return calls[0]


def test_the_window_for_any_table(qtbot, make_editor, pg_db, pg_engine, monkeypatch):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE many (id integer PRIMARY KEY, name text)"))
        conn.execute(text(f"INSERT INTO many SELECT g, 'name ' || g FROM generate_series(1, {ROWS}) g"))
    calls = _counted(monkeypatch, TableModel)
    url = _url(pg_db)
    editor = make_editor("--url", url, "--table", "many")
    editor.connect_url(url)
    qtbot.waitUntil(lambda: hasattr(editor.window, "schema") and editor.window.model.rowCount() > 0, timeout=WAIT_MS)
    asked = _select_a_column_and_switch_windows(qtbot, editor.window, 1, calls)
    assert asked < ROWS // 10, f"flags() asked {asked:,} times for a column of {ROWS:,} rows"


def test_the_tutorial_window(qtbot, make_editor, pg_db, pg_engine, monkeypatch):
    seed_table(pg_engine, [(x, 10) for x in range(1, ROWS + 1)])
    calls = _counted(monkeypatch, RowsModel)
    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    qtbot.waitUntil(lambda: editor.window.model.rowCount() > 0, timeout=WAIT_MS)
    asked = _select_a_column_and_switch_windows(qtbot, editor.window, 1, calls)
    assert asked < ROWS // 10, f"flags() asked {asked:,} times for a column of {ROWS:,} rows"
