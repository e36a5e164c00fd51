"""Every window and dialog within the screen, checked on one screen configuration.

Not collected by itself (its name does not start with ``test_``): ``test_gui_fit.py``
runs it in a process of its own per screen (800×600; 1366×768; 1366×768 at 2×
scaling, 683×384 logical pixels), since the offscreen platform's screen is chosen when the
application starts.  ``FIT_SCREEN`` says which screen the process must be on
(``WIDTHxHEIGHT@SCALE``, logical pixels), so a configuration the platform ignored
fails instead of passing on the default screen.

What a user would notice is checked: a window's frame (its title bar and close
button) and a dialog's buttons on screen, the plot whole inside its window, the
fields wide enough to type in, the connection dialog's fields scrolling only where
the screen is short and each one in view when it has the focus (the Tab key, or
the field to correct after a failed test), a window reopened where it was closed,
and plot markers and lines as big beside the text at 2× as at 1×.
"""

from __future__ import annotations

import os
import socket

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)
from sqlalchemy import create_engine, text

from gui_helpers import (  # noqa: F401 - fixture
    WAIT_MS,
    activate,
    child,
    choose_kind,
    click,
    dialog_status,
    make_editor,
    type_field,
    wait_attr,
    wait_dialog_idle,
    wait_loaded,
)
from gui.data.connection import POSTGRESQL
from gui.qt.plot import BASE_COLOR, FEW_POINT_SIZE, THRESHOLD_COLOR
from gui.qt.table_window import TableWindow
from test_gui_connect import fill_pg

FIELD_CHARACTERS = 6  # a field narrower than this many characters is no longer usable


def _expected():
    written = os.environ.get("FIT_SCREEN")
    if not written:
        pytest.skip("run by test_gui_fit.py, on a screen of its choosing")
    size, scale = written.split("@")
    width, height = size.split("x")
    return int(width), int(height), float(scale)


def settle() -> None:
    """Let queued work run (a window put back within the screen after it is shown)."""
    for _ in range(3):
        QApplication.processEvents()


def room() -> QRect:
    return QGuiApplication.primaryScreen().availableGeometry()


def assert_on_screen(widget: QWidget, what: str) -> None:
    settle()
    frame = widget.frameGeometry()
    assert room().contains(frame), f"{what}: frame {frame.getRect()} not within {room().getRect()}"


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def assert_whole(widget: QWidget, window: QWidget, what: str) -> None:
    """``widget`` is shown, inside its window and on screen (not cut off)."""
    settle()
    assert widget.isVisible() and widget.width() > 0 and widget.height() > 0, what
    rect = global_rect(widget)
    assert global_rect(window).contains(rect), f"{what}: {rect.getRect()} outside its window {global_rect(window).getRect()}"
    assert room().contains(rect), f"{what}: {rect.getRect()} off the screen {room().getRect()}"


def assert_usable(edit: QWidget, what: str) -> None:
    wide = edit.fontMetrics().averageCharWidth() * FIELD_CHARACTERS
    assert edit.width() >= wide, f"{what} is {edit.width()} px wide, less than {FIELD_CHARACTERS} characters ({wide} px)"


@pytest.fixture
def screen():
    width, height, scale = _expected()
    app_screen = QGuiApplication.primaryScreen()
    assert (app_screen.availableGeometry().width(), app_screen.availableGeometry().height()) == (width, height)
    assert app_screen.devicePixelRatio() == scale
    return width, height, scale


def connect_demo(qtbot, make_editor, *argv):
    editor = make_editor(*argv)
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    assert_on_screen(dialog, "the connection dialog")
    click(qtbot, child(dialog, QPushButton, "Connect"))
    # closed, or gone with the window it belonged to (another kind of window took its place)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=WAIT_MS)
    return editor


def wait_table(qtbot, editor) -> TableWindow:
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    qtbot.waitUntil(
        lambda: not window.model.loading and window.model.total is not None and window.writability is not None,
        timeout=WAIT_MS,
    )
    return window


def close_button(dialog) -> QPushButton:
    buttons = dialog.findChild(QDialogButtonBox)
    return buttons.button(QDialogButtonBox.StandardButton.Close)


# -- the windows -----------------------------------------------------------------------------


def test_the_tutorials_window_with_the_plot_fits(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    assert_on_screen(window, "the tutorial's window")
    # a pending value: the plot's caption says so, and is longer for it
    assert window.model.setData(window.model.index(2, 1), "11")
    editor.tools.plot_action.trigger()
    dock = editor.tools.plot_dock
    qtbot.waitUntil(lambda: dock.isVisible() and dock.plot.base_item.count() > 0, timeout=WAIT_MS)
    assert_on_screen(window, "the tutorial's window with the plot open")
    assert_whole(dock.plot.widget, dock if dock.isFloating() else window, "the plot")
    assert_whole(window.view, window, "the rows")
    for edit in (window.threshold_edit, window.goto_edit, window.commit_button):
        assert_whole(edit, window, edit.accessibleName())
    assert_usable(window.threshold_edit, "the threshold")
    assert_usable(window.goto_edit, "Go to x")


def test_the_window_for_any_table_with_a_filter_and_the_plot_fits(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor, "--table", "customers")
    window = wait_table(qtbot, editor)
    assert_on_screen(window, "the window for any table")
    qtbot.mouseClick(window.filter_bar.add_button, Qt.MouseButton.LeftButton)
    editor.table_plot.view_action.trigger()
    dock = editor.table_plot
    qtbot.waitUntil(lambda: dock.isVisible() and dock.base_item is not None and dock.base_item.count() > 0, timeout=WAIT_MS)
    assert_on_screen(window, "the window for any table with the plot open")
    assert_whole(dock.plot_widget, dock if dock.isFloating() else window, "the plot")
    assert_whole(window.view, window, "the rows")
    bar = window.filter_bar
    for widget in (bar.add_button, bar.apply_button, window.goto_edit, window.commit_button, window.table_chooser):
        assert_whole(widget, window, widget.accessibleName())
    value = child(bar, QLineEdit, "Filter value")
    assert_whole(value, window, "the filter's value")
    assert_usable(value, "the filter's value")
    assert_usable(window.goto_edit, "Go to")
    for box in bar.findChildren(QComboBox):
        assert_whole(box, window, box.accessibleName())


def test_the_window_first_opens_at_a_size_that_suits_the_screen_and_later_where_it_was(qtbot, make_editor, screen):
    """Nothing remembered: about 2/3 of the available area, centred, and all of it
    where 2/3 would be less than the window's base size (a small screen); never less
    than its minimum.  Remembered geometry wins on later starts."""
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    settle()
    area, frame = room(), window.frameGeometry()
    assert area.contains(frame), f"{frame.getRect()} not within {area.getRect()}"
    for got, whole, base in ((frame.width(), area.width(), 720), (frame.height(), area.height(), 560)):
        if whole * 2 // 3 >= base:
            assert abs(got - whole * 2 // 3) <= 40, f"{frame.getRect()} in {area.getRect()}: not about 2/3 of it"
        else:
            assert got >= whole - 40, f"{frame.getRect()} in {area.getRect()}: a small screen's room left unused"
    assert window.width() >= window.minimumSizeHint().width() and window.height() >= window.minimumSizeHint().height()
    # centred (placed before the window manager's frame is known: a frame assumed)
    assert abs(frame.center().x() - area.center().x()) <= 20 and abs(frame.center().y() - area.center().y()) <= 20, (
        f"{frame.getRect()} not centred in {area.getRect()}"
    )
    # the user makes it smaller and moves it: it opens so again
    where = QRect(area.x() + 30, area.y() + 40, window.minimumSizeHint().width() + 20, window.minimumSizeHint().height() + 10)
    window.setGeometry(where)
    settle()
    where = window.geometry()
    window.close()
    editor.shutdown()
    again = connect_demo(qtbot, make_editor)
    wait_loaded(qtbot, again.window)
    settle()
    assert again.window.geometry() == where


def first_row_at(window) -> QPoint:
    """Where the first row is drawn, in the window's coordinates."""
    settle()
    view = window.view
    return view.viewport().mapTo(window, view.visualRect(window.model.index(0, 0)).topLeft())


def assert_the_plot_leaves_the_rows_in_place(qtbot, window, action, plot_shown, what: str) -> None:
    before, size = first_row_at(window), window.size()
    action.trigger()  # View → Plot
    qtbot.waitUntil(plot_shown, timeout=WAIT_MS)
    after = first_row_at(window)
    assert after == before, f"{what} ({size.width()}x{size.height()}): View → Plot moved the first row from {before.toTuple()} to {after.toTuple()}"
    assert_on_screen(window, f"{what} with the plot")
    docks = [d for d in window.findChildren(QDockWidget) if d.isVisible()]
    for dock in docks:
        assert_on_screen(dock, f"{what}: its plot")
    # beside or below the rows where there is room; floating over them only where there is none
    assert any(d.isFloating() for d in docks) == (room().height() < 500), [d.isFloating() for d in docks]
    action.trigger()  # closed again: the rows stay too
    qtbot.waitUntil(lambda: not plot_shown(), timeout=WAIT_MS)
    assert first_row_at(window) == before, f"{what}: closing the plot moved the first row"


def test_showing_the_plot_does_not_move_the_rows(qtbot, make_editor, screen):
    """Issue 13: nothing moves the rows while the user works.  View → Plot at the
    window's first size, and at the 720 px it used to open at, leaves the first row
    where it was (the bar above the rows wrapped to a second row, 56 px lower).  At
    683x384 (2x on 1366x768) a window 348 px high has room for the plot neither
    beside the rows nor below them: it floats over the window instead."""
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    dock = editor.tools.plot_dock
    shown = lambda: dock.isVisible() and dock.plot_made and dock.plot.widget.isVisible()  # noqa: E731
    assert_the_plot_leaves_the_rows_in_place(qtbot, window, editor.tools.plot_action, shown, "the tutorial's window")
    if room().width() >= 740:
        window.resize(720, window.height())
        assert_the_plot_leaves_the_rows_in_place(qtbot, window, editor.tools.plot_action, shown, "the tutorial's window")

    editor.open_table("customers")
    window = wait_table(qtbot, editor)
    plot = editor.table_plot
    assert_the_plot_leaves_the_rows_in_place(qtbot, window, plot.view_action, plot.isVisible, "the window for any table")


def test_a_window_reopens_where_it_was_within_the_screen(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    # made larger than the screen (another monitor, since unplugged): it must come back on this one
    window.setGeometry(QRect(40, 30, 2400, 1600))
    window.close()
    editor.shutdown()
    again = connect_demo(qtbot, make_editor)
    wait_loaded(qtbot, again.window)
    assert_on_screen(again.window, "the window opened again")


# -- the dialogs --------------------------------------------------------------------------------


def _change_behind_the_editors_back(editor, statement: str) -> None:
    engine = create_engine(f"sqlite:///{editor.paths.demo}")
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_the_tutorials_review_conflicts_and_audit_log_fit(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    window.model.setData(window.model.index(0, 1), "7")
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    review.show_sql.setChecked(True)
    assert_on_screen(review, "the review")
    assert_whole(review.commit_button, review, "the review's Commit")
    review.reject()
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)

    # another client changes the row: the commit finds a conflict
    _change_behind_the_editors_back(editor, "UPDATE some_table SET y = 99 WHERE x = 6")
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.commit_button)
    conflicts = wait_attr(qtbot, window, "conflicts_dialog")
    assert_on_screen(conflicts, "the conflicts")
    for button in conflicts.findChildren(QPushButton):
        if button.isVisible():
            assert_whole(button, conflicts, f"the conflicts' {button.text()}")
    conflicts.reject()

    (action,) = [a for a in window.view_menu.actions() if a.text().replace("&", "") == "Audit log"]
    action.trigger()  # View → Audit log, as the user opens it
    log = wait_attr(qtbot, editor.tools.audit, "audit_dialog")
    qtbot.waitUntil(log.isVisible, timeout=WAIT_MS)
    assert_on_screen(log, "the audit log")
    assert_whole(close_button(log), log, "the audit log's Close")
    assert_whole(log.export_button, log, "the audit log's Export")
    assert_columns_whole(log.table, elided={1}, what="the audit log")  # the connection's URL may be elided


def assert_columns_whole(table, elided: set[int], what: str) -> None:
    """Every column but those in ``elided`` is as wide as its header and its texts, the
    last one included, and in view without scrolling sideways."""
    settle()
    header, model = table.horizontalHeader(), table.model()
    for column in range(model.columnCount()):
        title = model.headerData(column, Qt.Orientation.Horizontal)
        width = header.sectionSize(column)
        assert width >= header.sectionSizeHint(column), f"{what}: the header {title!r} is cut off ({width} px)"
        if column in elided:
            continue
        for row in range(model.rowCount()):
            index = model.index(row, column)
            needed = table.itemDelegate().sizeHint(table.viewOptions() if hasattr(table, "viewOptions") else _option(table), index).width()
            assert width >= needed, f"{what}: {index.data()!r} under {title!r} is cut off ({width} px, needs {needed})"
    bar = table.horizontalScrollBar()
    assert not bar.isVisible(), f"{what}: scrolls sideways (up to {bar.maximum()} px) on a screen with room"


def _option(table):
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(table)
    option.font = table.font()
    return option


def test_the_review_conflicts_and_audit_log_of_any_table_fit(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor, "--table", "customers")
    window = wait_table(qtbot, editor)
    names = window.model.names
    row = next(r for r in range(window.model.rowCount()) if window.model.index(r, names.index("id")).data() == "1")
    assert window.model.set_cell(row, names.index("note"), "a note long enough to need some room in the review")
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert_on_screen(review, "the review of any table")
    assert_whole(review.commit_button, review, "the review's Commit")
    review.reject()
    qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is None, timeout=WAIT_MS)

    # another client changes the row: the review finds the conflict
    _change_behind_the_editors_back(editor, "UPDATE customers SET note = 'theirs' WHERE id = 1")
    click(qtbot, window.commit_button)
    conflicts = wait_attr(qtbot, window, "conflicts_dialog")
    assert_on_screen(conflicts, "the conflicts of any table")
    for button in conflicts.findChildren(QPushButton):
        if button.isVisible():
            assert_whole(button, conflicts, f"the conflicts' {button.text()}")
    conflicts.reject()

    log = editor.table_audit.show_audit_log()
    qtbot.waitUntil(log.isVisible, timeout=WAIT_MS)
    assert_on_screen(log, "the audit log of any table")
    assert_whole(close_button(log), log, "the audit log's Close")


def open_shortcuts_from_the_help_menu(qtbot, window):
    """Help → Keyboard shortcuts, as the user opens it (the menu's action)."""
    (action,) = [a for a in window.help_menu.actions() if a.text().replace("&", "") == "Keyboard shortcuts"]
    action.trigger()
    dialog = wait_attr(qtbot, window, "shortcuts_box")
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def assert_shortcuts_fit(qtbot, window, what: str) -> None:
    dialog = open_shortcuts_from_the_help_menu(qtbot, window)
    assert_on_screen(dialog, f"{what}'s keyboard shortcuts")
    assert_whole(dialog.close_button, dialog, f"{what}'s keyboard shortcuts' Close")
    table = dialog.table
    assert_whole(table, dialog, f"{what}'s list of shortcuts")
    # every row can be read: the list scrolls to its last row where the screen is short
    last = table.model().index(table.rowCount() - 1, 1)
    table.scrollTo(last)
    settle()
    assert table.viewport().rect().contains(table.visualRect(last)), f"{what}: the last shortcut cannot be scrolled into view"
    assert table.horizontalScrollBar().maximum() == 0 or not table.horizontalScrollBar().isVisible()
    click(qtbot, dialog.close_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


def test_the_keyboard_shortcuts_fit_in_both_windows(qtbot, make_editor, screen):
    editor = connect_demo(qtbot, make_editor)
    wait_loaded(qtbot, editor.window)
    assert_shortcuts_fit(qtbot, editor.window, "the tutorial's window")
    editor.open_table("customers")
    window = wait_table(qtbot, editor)
    assert_shortcuts_fit(qtbot, window, "the window for any table")


def postgresql_page(qtbot, make_editor):
    """The connection dialog, open on a PostgreSQL server's fields and active (typed into)."""
    editor = make_editor()
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    choose_kind(qtbot, dialog, POSTGRESQL)
    activate(qtbot, dialog)
    settle()
    return dialog


def fields_of(dialog) -> QScrollArea:
    return child(dialog, QScrollArea, "Connection fields")


def assert_in_view(widget: QWidget, fields: QScrollArea, what: str) -> None:
    """``widget``, a field inside the scroll area, is wholly in its visible part."""
    settle()
    viewport = fields.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    assert viewport.rect().contains(rect), f"{what}: {rect.getRect()} not in view in {viewport.rect().getRect()}"


def test_the_connection_dialog_fits_for_a_postgresql_server(qtbot, make_editor, screen):
    dialog = postgresql_page(qtbot, make_editor)
    assert_on_screen(dialog, "the connection dialog, PostgreSQL server chosen")
    buttons = [child(dialog, QPushButton, "Test connection"), child(dialog, QPushButton, "Connect")]
    buttons.append(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel))
    for button in buttons:
        assert_whole(button, dialog, button.text())
    # its ~590 px of fields scroll where the screen has less room (683x384: 1366x768 at 2x),
    # and only there: no scroll bar, nothing cut off, where they fit (800x600 and 1366x768;
    # the offscreen platform's frame is 2 px, not a window manager's title bar)
    fields = fields_of(dialog)
    short = screen[1] < 500
    assert fields.verticalScrollBar().isVisible() == short
    assert_whole(fields, dialog, "the fields")
    for edit in (child(dialog, QLineEdit, "Host"), child(dialog, QLineEdit, "CA certificate")):
        assert_usable(edit, edit.accessibleName())  # the scroll bar takes no room from them


def test_every_connection_field_comes_into_view_as_the_tab_key_reaches_it(qtbot, make_editor, screen):
    dialog = postgresql_page(qtbot, make_editor)
    fields = fields_of(dialog)
    kind = child(dialog, QComboBox, "Database type")
    kind.setFocus()
    reached = []
    for _ in range(40):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        focused = dialog.focusWidget()
        if not fields.widget().isAncestorOf(focused):
            break  # on to the buttons
        assert_in_view(focused, fields, focused.accessibleName() or focused.text())
        reached.append(focused.accessibleName())
    assert {"Host", "Password", "Client key", "Connect timeout", "Statement timeout"} <= set(reached), reached
    # and back up from the buttons with Shift+Tab, and with a field's mnemonic (Alt+H: Host)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Backtab)
    assert fields.widget().isAncestorOf(dialog.focusWidget())
    assert_in_view(dialog.focusWidget(), fields, dialog.focusWidget().accessibleName())
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is child(dialog, QLineEdit, "Host")
    assert_in_view(dialog.focusWidget(), fields, "Host")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.postgres
def test_after_a_failed_test_the_field_to_correct_is_in_view(qtbot, make_editor, screen, pg_db):
    dialog = postgresql_page(qtbot, make_editor)
    fields = fields_of(dialog)
    fill_pg(qtbot, dialog, pg_db, "not-the-password")
    bar = fields.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolled down to the options, then Test connection
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert "Authentication failed" in dialog_status(dialog)
    assert dialog.focusWidget() is child(dialog, QLineEdit, "Password")
    assert_in_view(dialog.focusWidget(), fields, "Password")

    # nothing listens on the port: the host (and port) to correct, at the top
    port = child(dialog, QSpinBox, "Port")
    port.setValue(_closed_port())
    bar.setValue(bar.maximum())
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert dialog_status(dialog) and "Authentication" not in dialog_status(dialog)
    assert dialog.focusWidget() is child(dialog, QLineEdit, "Host")
    assert_in_view(dialog.focusWidget(), fields, "Host")


def test_the_connection_dialog_grows_for_a_failed_tests_message(qtbot, make_editor, screen):
    """The status line that a failed Test connection fills takes room: the dialog grows
    for it where the screen has room (1366x768 had ~175 px to spare, yet the fields
    scrolled and the options were cut off), and scrolls only where it has not (683x384;
    800x600, where the fields and a three-line message need ~633 px)."""
    dialog = postgresql_page(qtbot, make_editor)
    fields = fields_of(dialog)
    type_field(qtbot, dialog, "Host", "127.0.0.1")
    child(dialog, QSpinBox, "Port").setValue(_closed_port())  # nothing listens: refused
    type_field(qtbot, dialog, "Database", "nothing")
    type_field(qtbot, dialog, "User", "nobody")
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    settle()
    assert dialog_status(dialog), "no message after the failed test"
    assert_whole(child(dialog, QLabel, "Connection status"), dialog, "the failed test's message")
    assert_on_screen(dialog, "the connection dialog after a failed test")
    for button in (child(dialog, QPushButton, "Test connection"), child(dialog, QPushButton, "Connect")):
        assert_whole(button, dialog, button.text())
    if screen[1] < 700:
        return  # 683x384, and 800x600 (fields and a three-line message need ~633 px): they may scroll
    assert not fields.verticalScrollBar().isVisible(), "the fields scroll on a screen with room for them"
    content = fields.widget()
    for field in content.findChildren(QWidget):
        if field.isVisible() and field.accessibleName() and isinstance(field, (QLineEdit, QSpinBox, QComboBox, QCheckBox)):
            assert_in_view(field, fields, field.accessibleName())


# -- the plot at this scale -----------------------------------------------------------------------


def _like(image, x: int, y: int, colour: QColor) -> bool:
    """The pixel is ``colour``, or nearly (the grid is drawn over the points, faintly)."""
    if not (0 <= x < image.width() and 0 <= y < image.height()):
        return False
    pixel = QColor(image.pixel(x, y))
    return all(abs(a - b) <= 16 for a, b in zip(pixel.getRgb()[:3], colour.getRgb()[:3]))


def _run_across(image, y: int, x: int, colour: QColor) -> int:
    """How many pixels of ``colour`` run across row ``y`` of ``image`` through ``x``."""
    same = lambda at: _like(image, at, y, colour)  # noqa: E731
    left = right = x
    while same(left - 1):
        left -= 1
    while same(right + 1):
        right += 1
    return right - left + 1 if same(x) else 0


def test_plot_markers_and_lines_scale_with_the_screen(qtbot, make_editor, screen):
    _, _, scale = screen
    editor = connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    editor.tools.plot_action.trigger()
    plot = editor.tools.plot_dock.plot
    qtbot.waitUntil(lambda: plot.isVisible() and plot.base_item.count() == window.model.rowCount(), timeout=WAIT_MS)
    settle()
    image = plot.widget.grab().toImage()  # in device pixels
    ratio = image.devicePixelRatio()
    assert ratio == scale
    where = plot.point_position(0)
    x, y = round(where.x() * ratio), round(where.y() * ratio)
    # a point of the few-rows size, in logical pixels, is that many times the scale in device pixels
    assert _run_across(image, y, x, BASE_COLOR) >= (FEW_POINT_SIZE - 1) * scale
    # the threshold's dashed line is as thick as the scale
    line_y = round(plot.widget.mapFromScene(plot.widget.getViewBox().mapViewToScene(
        plot.threshold_line.pos())).y() * ratio)
    thick = max(
        sum(_like(image, column, row, THRESHOLD_COLOR) for row in range(line_y - 4, line_y + 5))
        for column in range(image.width() // 4, image.width() * 3 // 4)
    )
    assert thick >= scale
