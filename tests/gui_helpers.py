"""Shared pieces of the GUI tests: build the real application, seed a table, act like a user.

Test modules import the fixtures they use from here (``from gui_helpers import ...``);
conftest.py keeps only what every test needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget
from sqlalchemy import Engine, create_engine, text

from gui.qt.app import Editor, parse_args
from gui.qt.main_window import MainWindow, Paths
from gui.qt.rows_model import KEY_COLUMN, VALUE_COLUMN

TUTORIAL = [(1, 1), (2, 4), (6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]
WAIT_MS = 15_000


def seed_table(engine: Engine, rows: Iterable[tuple[int, int]] = TUTORIAL, check: str | None = None) -> None:
    """(Re)create ``some_table(x int, y int)`` without a key, optionally with a CHECK on y."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS some_table"))
        constraint = f", CONSTRAINT y_check CHECK ({check})" if check else ""
        conn.execute(text(f"CREATE TABLE some_table (x integer, y integer{constraint})"))
        rows = list(rows)
        if rows:
            conn.execute(text("INSERT INTO some_table (x, y) VALUES (:x, :y)"), [{"x": x, "y": y} for x, y in rows])


def db_rows(url) -> list[tuple[int, int]]:
    """Every row, read on a fresh engine of its own (not the application's)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT x, y FROM some_table ORDER BY x, y"))]
    finally:
        engine.dispose()


@pytest.fixture
def make_editor(isolated_user_dirs, qtbot, request) -> Iterator:
    """``make_editor(*argv) -> Editor`` on the test's own user folders; shut down at
    teardown, before the test's database is dropped: the shutdown is registered
    with the test when the editor is made, after the database fixture, so it runs
    first (a running editor could otherwise connect again after the database's
    sessions were ended, and the drop fail)."""

    def shut(editor: Editor) -> None:
        # no "pending changes" question at teardown: that is what the tests about closing
        # check; editor.window, not the first window: choosing a table may replace it
        editor.window._close_confirmed = True
        editor.window.close()
        editor.shutdown()

    def make(*argv: str) -> Editor:
        editor = Editor(parse_args(list(argv)), paths=Paths(data=isolated_user_dirs.data, config=isolated_user_dirs.config))
        request.node.addfinalizer(lambda: shut(editor))
        return editor

    yield make


def wait_loaded(qtbot, window: MainWindow) -> None:
    """Until the rows (all of them, for these small tables) are in and counted."""
    model = window.model
    qtbot.waitUntil(
        # and the server's answer on what may change: no edit is taken before it
        lambda: not model.loading and model.total is not None and model.rowCount() == model.total
        and window.writability is not None,
        timeout=WAIT_MS,
    )


def shown_rows(window: MainWindow) -> list[tuple[int, int]]:
    """What the table shows, as (x, y) integers."""
    model = window.model
    return [
        (int(model.index(r, KEY_COLUMN).data()), int(model.index(r, VALUE_COLUMN).data())) for r in range(model.rowCount())
    ]


def connect_pg(qtbot, make_editor, url, *argv: str) -> Editor:
    """Start the editor on ``url`` as ``--url`` does, show the window, wait for the rows."""
    editor = make_editor(*argv)
    editor.connect_url(url.render_as_string(hide_password=False), read_only="--read-only" in argv)
    editor.window.show()
    activate(qtbot, editor.window)
    wait_loaded(qtbot, editor.window)
    return editor


def open_table(qtbot, make_editor, url, table: str, *argv: str) -> Editor:
    """Start as ``main.py --url URL --table TABLE argv`` does; the editor once the
    window for any table has replaced the first one (its rows may still be loading)."""
    from gui.qt.table_window import TableWindow

    text_url = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    editor = make_editor("--url", text_url, "--table", table, *argv)
    editor.connect_url(text_url)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    return editor


def activate(qtbot, window) -> None:
    """Make ``window`` the active window, as the window manager does when a dialog closes
    (the offscreen platform does not), so its keyboard shortcuts work."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)


def child(parent: QWidget, cls, name: str):
    """The child widget with this accessible name (objectName mirrors it); asserts both."""
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    assert widget.accessibleName() == name
    return widget


def type_into(qtbot, edit: QLineEdit, text_: str, enter: bool = True) -> None:
    """Select all, type ``text_`` key by key, press Enter."""
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if text_:
        qtbot.keyClicks(edit, text_)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def row_of(window: MainWindow, key: int, value: int | None = None) -> int:
    for r, (x, y) in enumerate(shown_rows(window)):
        if x == key and (value is None or y == value):
            return r
    raise AssertionError(f"no row with x = {key}")


def open_editor(qtbot, window: MainWindow, row: int, how: str = "double-click") -> QLineEdit:
    """Open the y editor on ``row`` like a user (double-click or F2); return the line edit."""
    view = window.view
    index = window.model.index(row, VALUE_COLUMN)
    view.scrollTo(index)
    if how == "double-click":
        rect = view.visualRect(index)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    else:
        view.setFocus()
        view.setCurrentIndex(index)
        qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    editor = _open_editor(view)
    assert editor is not None
    return editor


def _open_editor(view) -> QLineEdit | None:
    for edit in view.viewport().findChildren(QLineEdit):
        if edit.isVisible() and edit.accessibleName().startswith("Edit "):
            return edit
    return None


def edit_cell(qtbot, window: MainWindow, key: int, typed: str, how: str = "double-click") -> QLineEdit:
    """Edit y on the first row with ``key``: open the editor, type, Enter."""
    edit = open_editor(qtbot, window, row_of(window, key), how)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    if typed:
        qtbot.keyClicks(edit, typed)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    return edit


def editor_closed(window: MainWindow) -> bool:
    return _open_editor(window.view) is None


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_box(qtbot, box: QMessageBox, which: QMessageBox.StandardButton) -> None:
    click(qtbot, box.button(which))


def wait_attr(qtbot, obj, name: str):
    """Wait until ``obj.name`` is set to a visible widget; return it."""
    qtbot.waitUntil(lambda: getattr(obj, name, None) is not None and getattr(obj, name).isVisible(), timeout=WAIT_MS)
    return getattr(obj, name)


def walk_bytes(*folders: Path) -> Iterator[tuple[Path, bytes]]:
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                yield path, path.read_bytes()



# -- the connection dialog ------------------------------------------------------


def open_connect_dialog(qtbot, make_editor):
    """A new editor with its window shown and the connection dialog open: ``(editor, dialog)``."""
    editor = make_editor()
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return editor, dialog


def choose_kind(qtbot, dialog, kind: str) -> None:
    """Pick the database type with the keyboard, as a user without a mouse would."""
    from PySide6.QtWidgets import QComboBox

    combo = child(dialog, QComboBox, "Database type")
    combo.setFocus()
    while combo.currentData() != kind:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{kind!r} not offered"


def type_field(qtbot, parent: QWidget, name: str, text_: str) -> QLineEdit:
    """Replace the text of the line edit named ``name`` by typing, without Enter."""
    edit = child(parent, QLineEdit, name)
    type_into(qtbot, edit, text_, enter=False)
    assert edit.text() == text_
    return edit


def type_spin(qtbot, parent: QWidget, name: str, text_: str):
    """Select all in the spin box named ``name`` and type ``text_`` (empty: just clear it)."""
    from PySide6.QtWidgets import QSpinBox

    box = child(parent, QSpinBox, name)
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Delete)
    if text_:
        qtbot.keyClicks(box, text_)
    return box


def dialog_status(dialog) -> str:
    from PySide6.QtWidgets import QLabel

    return child(dialog, QLabel, "Connection status").text()


def wait_dialog_idle(qtbot, dialog) -> None:
    """Until the dialog's attempt is over (Connect enabled again)."""
    from PySide6.QtWidgets import QPushButton

    qtbot.waitUntil(lambda: dialog._task is None and child(dialog, QPushButton, "Connect").isEnabled(), timeout=WAIT_MS)
