"""A bug in the background work of connecting, opening a table, asking the server
what may change, importing or exporting never wedges the window: it comes back
usable (the dialog's Connect enabled, no progress dialog, no status left over, the
next attempt runs), says in words that something unexpected happened where the
user was looking, keeps the pending changes, and the bug itself still reaches the
bug report (the excepthook).  The commit, review, load, count, conflicts and
journal have theirs in ``test_gui_flow_faults``, ``test_gui_any_table``,
``test_gui_conflicts_many``, ``test_gui_journals`` and ``test_gui_random_flows``."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import text

import gui.data.catalog as catalog_module
import gui.data.csvio as csvio_module
import gui.qt.connect_dialog as connect_dialog_module
import gui.qt.table_tools as table_tools_module
from gui.qt.app import Editor
from gui.qt.main_window import MainWindow
from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, child, click, dialog_status, make_editor, open_connect_dialog, open_table, seed_table  # noqa: F401
from test_day_editing import edit
from test_day_files import choose_file, menu_action
from test_day_support import close_window, day_window, open_window  # noqa: F401  (fixture)


def _broken(*_args, **_kwargs):
    raise TypeError("an injected bug")


def _bugs_reported(qtbot, bugs) -> None:
    qtbot.waitUntil(lambda: len(bugs) > 0, timeout=WAIT_MS)
    assert isinstance(bugs[0][1], TypeError)  # reported, not swallowed


# -- connecting, opening a table, asking what may change --------------------------------------


def test_a_bug_while_connecting_leaves_the_dialog_usable_and_the_next_attempt_connects(qtbot, make_editor, monkeypatch):
    editor, dialog = open_connect_dialog(qtbot, make_editor)  # the demo is chosen
    connect = child(dialog, QPushButton, "Connect")
    monkeypatch.setattr(connect_dialog_module, "check_connection", _broken)
    with qtbot.capture_exceptions() as bugs:
        click(qtbot, connect)
        _bugs_reported(qtbot, bugs)
    qtbot.waitUntil(lambda: connect.isEnabled(), timeout=WAIT_MS)
    assert dialog.isVisible() and child(dialog, QPushButton, "Test connection").isEnabled()
    assert "unexpected" in dialog_status(dialog) and "Try again" in dialog_status(dialog)
    monkeypatch.undo()
    click(qtbot, connect)
    qtbot.waitUntil(lambda: not dialog.isVisible() and editor.window.model.rowCount() > 0, timeout=WAIT_MS)


@pytest.mark.postgres
def test_a_bug_while_opening_a_chosen_table_leaves_the_open_table_usable(qtbot, make_editor, pg_db, pg_engine, monkeypatch):
    seed_table(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE other (id integer PRIMARY KEY, v integer); INSERT INTO other VALUES (1, 2)"))
    url = pg_db.url.render_as_string(hide_password=False)
    editor = make_editor("--url", url)
    editor.connect_url(url)
    window = editor.window
    assert isinstance(window, MainWindow)
    qtbot.waitUntil(lambda: window.writability is not None and window.table_chooser.count() >= 2, timeout=WAIT_MS)
    monkeypatch.setattr(Editor, "_open_keyed", _broken)
    with qtbot.capture_exceptions() as bugs:
        window.table_chooser.table_chosen.emit("public.other")  # as the user's pick does
        _bugs_reported(qtbot, bugs)
    qtbot.waitUntil(lambda: "unexpected" in window.message_text(), timeout=WAIT_MS)
    assert editor.window is window and "other" in window.message_text()
    assert window.table_chooser.currentText().endswith("some_table")  # the table still open
    assert not window.statusBar().currentMessage().startswith("Opening")
    monkeypatch.undo()
    window.table_chooser.table_chosen.emit("public.other")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)


def test_a_bug_while_asking_what_may_change_still_takes_edits(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_module, "inspect_connection", _broken)
    with qtbot.capture_exceptions() as bugs:
        day = open_window(qtbot, tmp_path)  # until the window knows what may change
        _bugs_reported(qtbot, bugs)
    try:
        edit(qtbot, day, day.row_of(9), "11")
        assert [(c.key, c.new) for c in day.window.pending.changes()] == [(9, 11)]
    finally:
        close_window(day)


# -- import and export, in both windows ---------------------------------------------------------


def test_a_bug_while_importing_or_exporting_leaves_the_tutorials_window_usable(qtbot, monkeypatch, day_window, tmp_path):
    day, window = day_window, day_window.window
    edit(qtbot, day, day.row_of(9), "11")
    files = day.tools.files
    path = tmp_path / "changes.csv"
    path.write_text("x,y\n20,25\n", encoding="utf-8")
    monkeypatch.setattr(csvio_module, "read_changes", _broken)
    monkeypatch.setattr(csvio_module, "export_rows", _broken)
    with qtbot.capture_exceptions() as bugs:
        choose_file(monkeypatch, path)
        menu_action(window.file_menu, "Import changes").trigger()
        _bugs_reported(qtbot, bugs)
        qtbot.waitUntil(lambda: files._import_task is None, timeout=WAIT_MS)  # noqa: SLF001
        choose_file(monkeypatch, tmp_path / "out.csv")
        menu_action(window.file_menu, "Export rows").trigger()
        if files.export_question is not None:
            click(qtbot, files.export_question.findChild(QPushButton, "Export the database's values"))
        qtbot.waitUntil(lambda: len(bugs) == 2, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: files.progress_dialog is None, timeout=WAIT_MS)
    assert files.import_dialog is None and not window.cancel_button.isEnabled()
    assert "Reading" not in window.statusBar().currentMessage()
    assert [(c.key, c.new) for c in window.pending.changes()] == [(9, 11)] and window.commit_button.isEnabled()
    assert not (tmp_path / "out.csv").exists()
    monkeypatch.undo()
    choose_file(monkeypatch, path)
    menu_action(window.file_menu, "Import changes").trigger()  # and the next one runs
    qtbot.waitUntil(lambda: files.import_dialog is not None and files.import_dialog.isVisible(), timeout=WAIT_MS)


CUSTOMERS = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
INSERT INTO customers VALUES (1, 'ada@example.org'), (2, NULL);
"""


@pytest.mark.postgres
def test_a_bug_while_importing_or_exporting_leaves_the_window_for_any_table_usable(qtbot, make_editor, pg_db, pg_engine, monkeypatch, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = open_table(qtbot, make_editor, pg_db.url, "customers")
    window, tools = editor.window, editor.table_tools
    qtbot.waitUntil(lambda: window.writability is not None and window.model.rowCount() == 2, timeout=WAIT_MS)
    window.model.set_cell(0, 1, "new@example.org")
    path = tmp_path / "changes.csv"
    path.write_text("id,email\n2,b@example.org\n", encoding="utf-8")
    monkeypatch.setattr(table_tools_module, "read_cell_changes", _broken)
    monkeypatch.setattr(table_tools_module, "export_result", _broken)
    with qtbot.capture_exceptions() as bugs:
        tools.import_file(str(path))
        _bugs_reported(qtbot, bugs)
        qtbot.waitUntil(lambda: tools._import_task is None, timeout=WAIT_MS)  # noqa: SLF001
        tools.export_to(str(tmp_path / "out.csv"))
        qtbot.waitUntil(lambda: len(bugs) == 2 and tools._export_task is None, timeout=WAIT_MS)  # noqa: SLF001
    assert tools.import_preview is None and tools.progress_dialog is None and not window.cancel_button.isEnabled()
    assert "Reading" not in window.statusBar().currentMessage()
    assert [(c.key, c.column, c.new) for c in window.edits.changes()] == [((1,), "email", "new@example.org")]
    assert window.commit_button.isEnabled() and not (tmp_path / "out.csv").exists()
    monkeypatch.undo()
    tools.import_file(str(path))  # and the next one runs
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    with qtbot.waitSignal(tools.exported, timeout=WAIT_MS):
        tools.export_to(str(tmp_path / "out.csv"))
