"""Nothing moves the rows while the user works: a message (a refusal, an error) is
shown and cleared in a line that is always there, so the row under the mouse stays
under the mouse — in the tutorial's window and in the window for any table."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gui_helpers import WAIT_MS, make_editor  # noqa: F401  (fixture)
from test_day_support import close_window, day_window  # noqa: F401  (fixture)


def _first_row_at(window):
    view = window.view
    rect = view.visualRect(window.model.index(0, 0))
    QApplication.processEvents()
    return view.viewport().mapTo(window, rect.topLeft())


def _check_steady(qtbot, window):
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=WAIT_MS)
    before = _first_row_at(window)
    window.show_message("y: 'abc' is not a whole number: y takes whole numbers only. " * 3)  # long, and then some
    assert _first_row_at(window) == before and window.message_text()
    window.clear_message()
    assert _first_row_at(window) == before and not window.message_text()


def test_a_message_does_not_move_the_tutorials_rows(qtbot, day_window):
    _check_steady(qtbot, day_window.window)


def test_a_message_does_not_move_the_rows_of_any_table(qtbot, make_editor, tmp_path):
    from gui.data.config import DEFAULT_SPEC
    from gui.data.demo import ensure_demo
    from gui.qt.table_window import TableWindow

    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    editor = make_editor("--table", "customers")
    editor.connect_url(f"sqlite:///{path}")
    assert isinstance(editor.window, TableWindow)
    _check_steady(qtbot, editor.window)
