"""Every window and dialog within the screen, checked on one screen configuration.

Not collected by itself (its name does not start with ``test_``): ``test_gui_fit.py``
runs it in a process of its own per screen (800×600; 1366×768 at 2× scaling,
683×384 logical pixels), since the offscreen platform's screen is chosen when the
application starts.  ``FIT_SCREEN`` says which screen the process must be on
(``WIDTHxHEIGHT@SCALE``, logical pixels), so a configuration the platform ignored
fails instead of passing on the default screen.

What a user would notice is checked: a window's frame (its title bar and close
button) and a dialog's buttons on screen, the plot whole inside its window, the
fields wide enough to type in, a window reopened where it was closed, and plot
markers and lines as big beside the text at 2× as at 1×.
"""

from __future__ import annotations

import os

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLineEdit, QPushButton, QWidget
from sqlalchemy import create_engine, text

from gui_helpers import WAIT_MS, child, click, make_editor, wait_attr, wait_loaded  # noqa: F401 - fixture
from gui.data.connection import DEMO
from gui.qt.plot import BASE_COLOR, FEW_POINT_SIZE, THRESHOLD_COLOR
from gui.qt.table_window import TableWindow

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
    editor.tools.plot_action.trigger()
    dock = editor.tools.plot_dock
    qtbot.waitUntil(lambda: dock.isVisible() and dock.plot.base_item.count() > 0, timeout=WAIT_MS)
    assert_on_screen(window, "the tutorial's window with the plot open")
    assert_whole(dock.plot.widget, window, "the plot")
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
    assert_whole(dock.plot_widget, window, "the plot")
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

    log = editor.tools.audit.show_audit_log()
    qtbot.waitUntil(log.isVisible, timeout=WAIT_MS)
    assert_on_screen(log, "the audit log")
    assert_whole(close_button(log), log, "the audit log's Close")
    assert_whole(log.export_button, log, "the audit log's Export")


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


def test_the_connection_dialog_fits_for_a_postgresql_server(qtbot, make_editor, screen, request):
    if screen[1] < 565:
        # strict: once the dialog fits, this passes unexpectedly and the marker must go
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "the connection dialog (connect_dialog.py) needs 565 logical pixels of height for a "
            "PostgreSQL server's fields, more than the 384 of 1366x768 at 2x: it needs a scroll "
            "area or its fields in two columns"
        )))
    editor = make_editor()
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    kind = child(dialog, QComboBox, "Database type")
    kind.setCurrentIndex(kind.findData("postgresql"))
    assert kind.currentData() != DEMO
    assert_on_screen(dialog, "the connection dialog, PostgreSQL server chosen")
    assert_whole(child(dialog, QPushButton, "Connect"), dialog, "Connect")


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
