"""The app's folders are ``~/.local/share/table-editor`` and ``~/.config/table-editor``;
what an earlier version kept in ``…/table-editor/Table Editor`` moves there at start,
so nobody loses pending changes, the audit log or the recent connections."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QComboBox, QMessageBox, QPushButton

from gui.data.storage import adopt_legacy_folders, move_folder_contents
from gui.qt.app import Editor, parse_args
from gui.qt.main_window import Paths
from gui_helpers import WAIT_MS, child, click, click_box, edit_cell, make_editor, wait_attr, wait_loaded  # noqa: F401 - fixture
from test_gui_demo import connect_demo


@pytest.fixture
def start_editor(isolated_user_dirs, qtbot) -> Iterator:
    """``start_editor(paths=None) -> Editor`` as ``main`` makes it (its own folders
    when ``paths`` is None); shut down at teardown."""
    editors: list[Editor] = []

    def start(paths: Paths | None = None) -> Editor:
        editor = Editor(parse_args([]), paths=paths)
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        editor.window._close_confirmed = True
        editor.window.close()
        editor.shutdown()


def connect_in_dialog(qtbot, editor: Editor):
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_loaded(qtbot, editor.window)
    return editor.window


def test_the_folders_are_named_once_without_a_space(start_editor, isolated_user_dirs):
    editor = start_editor()
    assert editor.paths.data == isolated_user_dirs.data / "table-editor"
    assert editor.paths.config == isolated_user_dirs.config / "table-editor"


def test_pending_changes_audit_and_recent_connections_of_the_old_folder_are_kept(qtbot, start_editor, isolated_user_dirs):
    old = Paths(data=isolated_user_dirs.data / "table-editor" / "Table Editor",
                config=isolated_user_dirs.config / "table-editor" / "Table Editor")
    # an earlier version, in its folders: a commit (in the audit log), then a change
    # kept for later on the demo
    before = start_editor(old)
    window = connect_in_dialog(qtbot, before)
    edit_cell(qtbot, window, 20, "21")
    qtbot.waitUntil(lambda: window.pending.get(20) is not None, timeout=WAIT_MS)
    window._on_commit_clicked()
    review = wait_attr(qtbot, window, "review_dialog")
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    qtbot.waitUntil(lambda: len(before.tools.audit.audit.entries()) == 1, timeout=WAIT_MS)
    wait_loaded(qtbot, window)
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: window.journal is not None and len(window.journal.load()) == 1, timeout=WAIT_MS)
    window.close_without_asking()  # the change stays in its journal, for the next start
    before.shutdown()
    assert (old.data / "demo.sqlite3").is_file() and list(old.journal.glob("*.json"))

    after = start_editor()  # this version, in its own folders
    assert not old.data.exists() and not old.config.exists()
    dialog_recent = None
    after.window.show()
    dialog = after.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    dialog_recent = child(dialog, QComboBox, "Recent connections")
    assert [dialog_recent.itemText(i) for i in range(dialog_recent.count())] == ["—", "demo database"]
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = after.window
    wait_loaded(qtbot, window)
    # the demo kept the committed row, and its pending change is offered again
    assert (20, 21) in [(int(window.model.index(r, 0).data()), int(window.model.index(r, 1).data())) for r in range(window.model.rowCount())]
    box = wait_attr(qtbot, window, "restore_box")
    assert "x = 9: y → 12" in box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    assert {c.key: c.new for c in window.pending.changes()} == {9: 12}
    # the audit log goes on in the new folder
    assert [(e.key, e.new) for e in after.tools.audit.audit.entries()] == [(20, 21)]
    assert after.paths.audit.is_file()


def _journal(folder, name: str, identity: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"version": 1, "identity": identity, "changes": []}))


def test_a_journal_its_window_still_holds_stays_until_it_is_let_go(tmp_path):
    from gui.data.storage import _hold, _let_go

    new = tmp_path / "table-editor"
    old = new / "Table Editor"
    identity = {"backend": "postgresql", "host": "db", "port": 5432, "database": "d", "user": "u", "table": "t"}
    _journal(old / "journal", "pending-aaaa-held.json", identity)
    _journal(old / "journal", "pending-aaaa-left.json", identity)
    (old / "journal" / "pending-aaaa-killed.lock").write_text("")  # a killed window's lock: nobody holds it
    lock = old / "journal" / "pending-aaaa-held.lock"
    fd = _hold(lock)  # an earlier version's window, still running
    try:
        moved = adopt_legacy_folders(new, tmp_path / "config")
        assert sorted(p.name for p in (new / "journal").iterdir()) == ["pending-aaaa-left.json"]
        assert sorted(p.name for p in (old / "journal").iterdir()) == ["pending-aaaa-held.json", "pending-aaaa-held.lock"]
        assert old / "journal" / "pending-aaaa-held.json" in moved.left
    finally:
        _let_go(lock, fd)  # the window closes, keeping its change for later
    adopt_legacy_folders(new, tmp_path / "config")  # the next start
    assert sorted(p.name for p in (new / "journal").iterdir()) == ["pending-aaaa-held.json", "pending-aaaa-left.json"]
    assert not old.exists()


def test_nothing_is_overwritten(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    (old / "sub").mkdir(parents=True)
    (old / "recent-connections.json").write_text("old")
    (old / "sub" / "a").write_text("old a")
    (old / "sub" / "b").write_text("old b")
    (new / "sub").mkdir(parents=True)
    (new / "recent-connections.json").write_text("new")
    (new / "sub" / "a").write_text("new a")
    result = move_folder_contents(old, new)
    assert (new / "recent-connections.json").read_text() == "new" and (new / "sub" / "a").read_text() == "new a"
    assert (new / "sub" / "b").read_text() == "old b"
    assert (old / "recent-connections.json").read_text() == "old" and (old / "sub" / "a").read_text() == "old a"
    assert sorted(p.relative_to(old).as_posix() for p in result.left) == ["recent-connections.json", "sub/a"]


def test_the_demo_journal_and_last_table_follow_the_demo_file(tmp_path):
    from gui.data.connection import ConnectionSettings
    from gui.data.storage import LastTables, identity_digest

    data, config = tmp_path / "data" / "table-editor", tmp_path / "config" / "table-editor"
    old_demo = data / "Table Editor" / "demo.sqlite3"
    old_demo.parent.mkdir(parents=True)
    sqlite3.connect(old_demo).close()
    old_settings = ConnectionSettings(kind="demo", demo_path=str(old_demo))
    identity = {**old_settings.identity(), "table": "customers"}
    _journal(data / "Table Editor" / "journal", f"cells-{identity_digest(identity)}-w1.json", identity)
    old_journal = data / "Table Editor" / "journal" / f"cells-{identity_digest(identity)}-w1.json"
    appended = '{"set": [{"key": [1], "column": "note", "new": "x"}], "drop": []}\n'
    old_journal.write_text(old_journal.read_text() + "\n" + appended)  # edits appended after the header line
    LastTables(config / "Table Editor" / "last-tables.json").remember(old_settings, "customers")

    adopt_legacy_folders(data, config)
    new_settings = ConnectionSettings(kind="demo", demo_path=str(data / "demo.sqlite3"))
    new_identity = {**new_settings.identity(), "table": "customers"}
    (moved,) = (data / "journal").glob("*.json")
    assert moved.name == f"cells-{identity_digest(new_identity)}-w1.json"
    header, rest = moved.read_text().split("\n", 1)
    assert json.loads(header)["identity"] == new_identity
    assert rest == appended  # the appended edits kept as they were
    assert LastTables(config / "last-tables.json").get(new_settings) == "customers"
