"""Small things a person notices, in both windows: the title, the recent list, the
review's columns and its SQL button, the keyboard shortcuts, where the audit log is,
which columns can be edited, the connection dialog's demo page."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QGroupBox, QPushButton

from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, child, click, connect_pg, edit_cell, make_editor, open_connect_dialog, seed_table, wait_attr, wait_loaded  # noqa: F401 - fixture
from test_gui_demo import connect_demo


def open_customers(qtbot, editor, name: str = "customers") -> TableWindow:
    """Choose the demo's customers table (or ``name``), as the Table list does; wait
    until its rows are in and counted."""
    editor.open_table(name)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    model = window.model
    qtbot.waitUntil(
        lambda: not model.loading and model.total is not None and model.rowCount() == model.total
        and window.writability is not None,
        timeout=WAIT_MS,
    )
    return window


def cell(table, row: int, column: int) -> str:
    """What a dialog's list shows in a cell (a list widget or a view over a model)."""
    return table.model().index(row, column).data()


def column_of(window, name: str) -> int:
    return window.model.names.index(name)


def type_cell(qtbot, window: TableWindow, row: int, column: str, typed: str) -> None:
    index = window.model.index(row, column_of(window, column))
    window.view.setCurrentIndex(index)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.view.indexWidget(index) is not None or window.view.state() == window.view.State.EditingState, timeout=WAIT_MS)
    editor = window.view.focusWidget()
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.pending) > 0, timeout=WAIT_MS)


# -- the title ---------------------------------------------------------------------------


def test_the_title_names_the_demo_without_its_path(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    assert editor.window.windowTitle() == "some_table — demo database — Table Editor"
    window = open_customers(qtbot, editor)
    assert window.windowTitle() == "customers — demo database — Table Editor"


def test_the_title_names_who_is_connected_where_without_the_driver(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    editor = connect_pg(qtbot, make_editor, pg_db.url)
    where = f"{pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}"
    assert editor.window.windowTitle() == f"some_table — {where} — Table Editor"
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id integer PRIMARY KEY, body text)")
    window = open_customers(qtbot, editor, "notes")
    assert window.windowTitle() == f"public.notes — {where} — Table Editor"
    assert "postgresql" not in window.windowTitle()


# -- the recent list -----------------------------------------------------------------------


def test_the_recent_list_names_the_demo(qtbot, make_editor):
    connect_demo(qtbot, make_editor)
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    recent = child(dialog, QComboBox, "Recent connections")
    assert [recent.itemText(i) for i in range(recent.count())] == ["—", "demo database"]


# -- the review ----------------------------------------------------------------------------


def test_the_tutorial_review_lists_values_as_the_audit_log_and_hides_an_empty_note(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 9, "12")
    qtbot.waitUntil(lambda: window.pending.get(9) is not None, timeout=WAIT_MS)
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    table = review.table
    assert [cell(table, 0, c) for c in range(4)] == ["9", "10, 10", "12", "2"]
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    widths = {h: table.columnWidth(c) for c, h in enumerate(headers) if not table.isColumnHidden(c)}
    assert "note" not in widths  # nothing to say: no empty column takes the width
    assert max(widths, key=widths.get) == "y now in the database"

    # Show SQL becomes Hide SQL, and back
    button = review.show_sql
    assert button.text().replace("&", "") == "Show SQL" and not review.sql.isVisible()
    click(qtbot, button)
    assert review.sql.isVisible() and button.text().replace("&", "") == "Hide SQL"
    assert button.accessibleName() == "Hide SQL"
    click(qtbot, button)
    assert not review.sql.isVisible() and button.text().replace("&", "") == "Show SQL"

    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    wait_loaded(qtbot, window)
    # the entry is written, and the log read, on the audit lane
    qtbot.waitUntil(lambda: len(editor.tools.audit.audit.entries()) == 1, timeout=WAIT_MS)
    audit = editor.tools.audit.show_audit_log()
    qtbot.waitUntil(lambda: audit.table.model().rowCount() == 1, timeout=WAIT_MS)
    assert [cell(audit.table, 0, c) for c in (3, 4)] == ["9", "10, 10"]  # as the review said


def test_the_tutorial_review_shows_the_note_when_there_is_one(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    edit_cell(qtbot, window, 100, "5")
    qtbot.waitUntil(lambda: window.pending.get(100) is not None, timeout=WAIT_MS)
    with sqlite3.connect(editor.paths.demo) as conn:  # another client deletes those rows
        conn.execute("DELETE FROM some_table WHERE x = 100")
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert not review.table.isColumnHidden(4)
    assert cell(review.table, 0, 4) == "No row has x = 100: nothing will be updated"
    review.reject()


def test_the_any_table_review_has_the_same_sql_button(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = open_customers(qtbot, editor)
    type_cell(qtbot, window, 0, "note", "called back")
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    button = child(review, QPushButton, "Show SQL")
    assert not review.sql.isVisible()
    click(qtbot, button)
    assert review.sql.isVisible() and button.text().replace("&", "") == "Hide SQL"
    assert "UPDATE" in review.sql.toPlainText()
    review.reject()


# -- the audit log -------------------------------------------------------------------------


def menu_texts(window, title: str) -> list[str]:
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title]
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_the_audit_log_is_under_view_beside_the_plot_in_both_windows(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    assert menu_texts(editor.window, "View")[-2:] == ["Plot", "Audit log"]
    assert "Audit log" not in menu_texts(editor.window, "Help")
    window = open_customers(qtbot, editor)
    assert menu_texts(window, "View")[-2:] == ["Plot", "Audit log"]
    assert "Audit log" not in menu_texts(window, "Help")
    (action,) = [a for a in window.view_menu.actions() if a.text().replace("&", "") == "Audit log"]
    action.trigger()
    dialog = wait_attr(qtbot, editor.table_audit, "audit_dialog")
    assert dialog.windowTitle() == "Audit log"


# -- keyboard shortcuts --------------------------------------------------------------------


def open_shortcuts(qtbot, window):
    (action,) = [a for a in window.help_menu.actions() if a.text().replace("&", "") == "Keyboard shortcuts"]
    action.trigger()
    return wait_attr(qtbot, window, "shortcuts_box")


def menu_shortcuts(window) -> set[str]:
    keys = set()
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            keys.update(s.toString() for s in action.shortcuts())
    return keys


def test_the_shortcuts_are_a_two_column_table_with_every_key_in_both_windows(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    for window in (editor.window, None):
        window = window or open_customers(qtbot, editor)
        dialog = open_shortcuts(qtbot, window)
        assert dialog.windowTitle() == "Keyboard shortcuts"
        rows = dict(dialog.texts())
        assert dialog.table.columnCount() == 2  # keys and actions in columns of their own: aligned
        assert "\t" not in "".join(rows) + "".join(rows.values())
        assert rows["F2"].startswith("Edit the selected cell")
        assert rows["Ctrl+Q"] == "Quit"
        assert rows["Ctrl+End"] == "Go to the last row (every row is loaded first)"
        listed = {QKeySequence(key.strip()).toString() for keys in rows for key in keys.split("/")}  # Escape is Esc
        # every menu shortcut is listed (Ctrl+Enter is the keypad's Ctrl+Return)
        assert menu_shortcuts(window) - {"Ctrl+Enter"} <= listed, menu_shortcuts(window) - listed
        click(qtbot, dialog.close_button)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert rows["Ctrl+D"] == "Fill down"  # the any-table window's, from its Edit menu


def test_ctrl_q_quits(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor).window
    assert window.isVisible()
    qtbot.keyClick(window.view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)


# -- which columns can be edited -------------------------------------------------------------


def header(window, column: int, role):
    return window.model.headerData(column, Qt.Orientation.Horizontal, role)


def looks_read_only(window, column: int) -> bool:
    """The header has a lock, its name in italics, and says why in its tooltip."""
    icon = header(window, column, Qt.ItemDataRole.DecorationRole)
    font = header(window, column, Qt.ItemDataRole.FontRole)
    tooltip = header(window, column, Qt.ItemDataRole.ToolTipRole)
    locked = icon is not None and not icon.isNull() and font is not None and font.italic()
    assert locked == ("read-only" in tooltip.lower()), tooltip
    assert locked != ("Editable: double-click a cell" in tooltip), tooltip
    return locked


def section_colour(window, column: int):
    """The colour the header paints near the bottom left of a column's section (no text there)."""
    view_header = window.view.horizontalHeader()
    image = view_header.grab().toImage()
    x = view_header.sectionViewportPosition(column) + 3
    return image.pixelColor(x, image.height() - 3)


def test_the_headers_say_which_columns_can_be_edited_in_both_windows(qtbot, make_editor):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    assert [looks_read_only(window, c) for c in range(2)] == [True, False]  # x identifies the rows
    assert "WHERE x = :x" in header(window, 0, Qt.ItemDataRole.ToolTipRole)
    assert section_colour(window, 0) != section_colour(window, 1)  # the read-only tint of its cells

    window = open_customers(qtbot, editor)
    names = window.model.names
    assert {n for c, n in enumerate(names) if looks_read_only(window, c)} == {"id"}
    assert section_colour(window, names.index("id")) != section_colour(window, names.index("name"))


def test_a_generated_column_is_marked_read_only(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE items (id integer PRIMARY KEY, price numeric(8,2), qty integer, "
            "total numeric(10,2) GENERATED ALWAYS AS (price * qty) STORED, note text)"
        )
    editor = make_editor("--table", "items")
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow) and editor.window.writability is not None, timeout=WAIT_MS)
    window = editor.window
    model = window.model
    qtbot.waitUntil(lambda: not model.loading and model.total is not None, timeout=WAIT_MS)
    marked = {n for c, n in enumerate(model.names) if looks_read_only(window, c)}
    assert marked == {"id", "total"}
    assert "generated" in header(window, model.names.index("total"), Qt.ItemDataRole.ToolTipRole).lower()


# -- the connection dialog -------------------------------------------------------------------


def test_the_demo_page_of_the_connection_dialog_has_no_empty_space(qtbot, make_editor):
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    kind = child(dialog, QComboBox, "Database type")
    demo_page = dialog.pages.currentWidget()

    def gap() -> int:
        """From the kind's row to the options: the demo page's height, and what is left empty."""
        options = next(w for w in dialog.findChildren(QGroupBox) if w.title() == "Options")
        return options.geometry().top() - kind.geometry().bottom()

    first = gap()
    assert first <= demo_page.sizeHint().height() + 30  # its two lines and the spacing, nothing more
    kind.setCurrentIndex(kind.findData("postgresql"))
    qtbot.waitUntil(lambda: gap() > first + 100, timeout=WAIT_MS)  # the PostgreSQL form is tall
    kind.setCurrentIndex(kind.findData("demo"))
    qtbot.waitUntil(lambda: gap() == first, timeout=WAIT_MS)  # and the demo's is not: the dialog shrinks back


def test_on_a_read_only_connection_the_header_says_why_the_column_is_not_editable(qtbot, make_editor):
    window = connect_demo(qtbot, make_editor, read_only=True).window
    tooltip = header(window, 1, Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("y: integer\nNot editable: ") and "read-only" in tooltip
    assert header(window, 1, Qt.ItemDataRole.DecorationRole) is None  # the column itself could be edited
