"""Colours and scale (issue 13, item 9): every state colour readable on light and
dark themes, a selected pending cell still marked, and a plot of a million points
that shows where they are dense, its axis labels apart.

The colours are read from what a user's screen gets: the brushes the models give
the views and the message line's palette, under the application palette of each
theme; contrast is WCAG's (4.5:1 for text).  The scaling of markers and lines at
2× is checked on a 2× screen, in ``gui_fit_checks.py``."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
import shiboken6
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from gui_helpers import WAIT_MS, child, click, make_editor, wait_loaded  # noqa: F401 - fixture
from gui.qt.palette import AMBER, contrast
from gui.qt.plot import BASE_COLOR, PointsItem, spaced_axes
from gui.qt.rows_model import KEY_COLUMN, VALUE_COLUMN
from gui.qt.table_window import TableWindow

ROLE = QPalette.ColorRole


def _palette(window: str, base: str, text: str, highlight: str) -> QPalette:
    palette = QPalette(QColor(window))
    for role, colour in (
        (ROLE.Window, window), (ROLE.Base, base), (ROLE.AlternateBase, base), (ROLE.Button, window),
        (ROLE.Text, text), (ROLE.WindowText, text), (ROLE.ButtonText, text),
        (ROLE.Highlight, highlight), (ROLE.HighlightedText, "#ffffff"),
    ):  # fmt: skip
        palette.setColor(role, QColor(colour))
    return palette


PALETTES = {
    "light (Fusion)": None,  # the style's own
    "light (grey window)": lambda: _palette("#f0f0f0", "#ffffff", "#1a1a1a", "#0078d7"),
    "dark (Fusion-like)": lambda: _palette("#353535", "#232323", "#ffffff", "#2a82da"),
    "dark (Breeze-like)": lambda: _palette("#202326", "#141618", "#fcfcfc", "#3daee9"),
    "dark (black)": lambda: _palette("#121212", "#000000", "#e0e0e0", "#3a6ea5"),
}


@pytest.fixture
def theme(request):
    """The application palette of one theme, for the test's duration."""
    app = QApplication.instance()
    before = QPalette(app.palette())

    def use(name: str) -> QPalette:
        made = PALETTES[name]
        app.setPalette(app.style().standardPalette() if made is None else made())
        QApplication.processEvents()
        return app.palette()

    yield use
    app.setPalette(before)
    QApplication.processEvents()


def _connect_demo(qtbot, make_editor, *argv):
    editor = make_editor(*argv)
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=WAIT_MS)
    return editor


def _any_table(qtbot, make_editor) -> TableWindow:
    editor = _connect_demo(qtbot, make_editor, "--table", "customers")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    qtbot.waitUntil(
        lambda: not window.model.loading and window.model.total is not None and window.writability is not None,
        timeout=WAIT_MS,
    )
    return window


def _cell(window, name: str, value: str | None = None, null: bool = False):
    """The first cell of column ``name`` that shows ``value`` (or NULL)."""
    model = window.model
    col = model.names.index(name)
    for row in range(model.rowCount()):
        index = model.index(row, col)
        if (null and index.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "NULL") or (not null and index.data() == value):
            return index
    raise AssertionError(f"no {name} cell showing {'NULL' if null else value}")


def _brush(index, role) -> QColor:
    brush = index.data(role)
    assert brush is not None, f"{index.row()},{index.column()} has no {role}"
    return brush.color()


# -- the state colours -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PALETTES))
def test_every_state_colour_reads_on_light_and_dark_themes(qtbot, make_editor, theme, name):
    palette = theme(name)
    window = _any_table(qtbot, make_editor)
    model = window.model
    text, base = palette.color(ROLE.Text), palette.color(ROLE.Base)
    names = model.names

    # pending: the text on the amber tint, and the tint told apart from an unchanged cell
    ada = _cell(window, "name", "Ada Lovelace")
    assert model.set_cell(ada.row(), names.index("credit"), "315.75")
    pending = model.index(ada.row(), names.index("credit"))
    tint = _brush(pending, Qt.ItemDataRole.BackgroundRole)
    assert contrast(text, tint) >= 4.5, (name, "pending", text.name(), tint.name())
    assert contrast(tint, base) >= 1.3, (name, "the pending tint is not told apart from the base", tint.name())
    assert tint.red() > tint.blue(), (name, "the pending tint is not amber", tint.name())

    # NULL, on the base, and a NULL that is pending
    null = _cell(window, "email", null=True)
    grey = _brush(null, Qt.ItemDataRole.ForegroundRole)
    assert contrast(grey, base) >= 4.5, (name, "NULL", grey.name(), base.name())
    assert grey != text, (name, "NULL is not dimmed")
    window.select_cell(ada.row(), names.index("email"))
    window.set_selection_null()
    pending_null = model.index(ada.row(), names.index("email"))
    assert pending_null.data(Qt.ItemDataRole.AccessibleDescriptionRole).startswith("pending")
    assert contrast(_brush(pending_null, Qt.ItemDataRole.ForegroundRole), _brush(pending_null, Qt.ItemDataRole.BackgroundRole)) >= 4.5, (
        name, "a pending NULL")

    # read-only: the key column, on a tint of its own
    key = model.index(ada.row(), names.index("id"))
    shade = _brush(key, Qt.ItemDataRole.BackgroundRole)
    assert shade != base and contrast(text, shade) >= 4.5, (name, "read-only", shade.name())

    # an error in the message line, on the window's colour (the red was 2.4:1 on a dark theme)
    window.show_message("Filter on credit: 'abc' is not a number.")
    said = window.message.palette().color(ROLE.WindowText)
    assert contrast(said, palette.color(ROLE.Window)) >= 4.5, (name, "error", said.name())
    assert said.red() > said.green() and said.red() > said.blue(), (name, "the error is not red", said.name())


def test_the_tutorials_cells_follow_the_theme_chosen_while_it_runs(qtbot, make_editor, theme):
    editor = _connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    window.model.setData(window.model.index(0, VALUE_COLUMN), "7")
    for name in ("light (Fusion)", "dark (Fusion-like)"):
        palette = theme(name)  # switched with the window open
        pending = window.model.index(0, VALUE_COLUMN)
        tint = _brush(pending, Qt.ItemDataRole.BackgroundRole)
        assert contrast(palette.color(ROLE.Text), tint) >= 4.5, (name, tint.name())
        key = window.model.index(0, KEY_COLUMN)
        assert contrast(palette.color(ROLE.Text), _brush(key, Qt.ItemDataRole.BackgroundRole)) >= 4.5, name
        window.show_message("y: 'abc' is not a whole number.")
        said = window.message.palette().color(ROLE.WindowText)
        assert contrast(said, palette.color(ROLE.Window)) >= 4.5, (name, said.name())


# -- the pending mark under the selection ------------------------------------------------------


def _amber_pixels(view, index) -> int:
    """Pixels of the pending mark's amber in the cell as the view draws it."""
    QApplication.processEvents()
    image = view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    rect = view.visualRect(index)
    count = 0
    for y in range(int(rect.top() * ratio), int((rect.bottom() + 1) * ratio)):
        for x in range(int(rect.left() * ratio), int((rect.right() + 1) * ratio)):
            pixel = QColor(image.pixel(x, y))
            if all(abs(a - b) <= 8 for a, b in zip(pixel.getRgb()[:3], AMBER.getRgb()[:3])):
                count += 1
    return count


def _click(qtbot, view, index) -> None:
    view.setFocus()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert view.selectionModel().isSelected(index)


@pytest.mark.parametrize("name", ["light (Fusion)", "dark (Fusion-like)"])
def test_a_selected_pending_cell_keeps_its_mark_in_both_windows(qtbot, make_editor, theme, name):
    theme(name)
    editor = _connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    view, model = window.view, window.model
    model.setData(model.index(0, VALUE_COLUMN), "7")
    pending, plain = model.index(0, VALUE_COLUMN), model.index(model.rowCount() - 1, VALUE_COLUMN)
    assert _amber_pixels(view, pending) >= 10  # marked when not selected
    _click(qtbot, view, pending)
    assert _amber_pixels(view, pending) >= 10, "the selection hides the pending mark"
    _click(qtbot, view, plain)
    assert _amber_pixels(view, plain) == 0  # a selected cell without a change has no mark

    window.pending.clear()
    window.revert_all()
    table = _any_table_from(qtbot, editor)
    names = table.model.names
    ada = _cell(table, "name", "Ada Lovelace")
    assert table.model.set_cell(ada.row(), names.index("email"), "ada@example.net")
    pending = table.model.index(ada.row(), names.index("email"))
    plain = table.model.index(ada.row(), names.index("name"))
    _click(qtbot, table.view, pending)
    assert _amber_pixels(table.view, pending) >= 10, "the selection hides the pending mark"
    _click(qtbot, table.view, plain)
    assert _amber_pixels(table.view, plain) == 0


def _any_table_from(qtbot, editor) -> TableWindow:
    editor.window.table_chooser.table_chosen.emit("main.customers")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    window.show()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() > 0 and window.writability is not None, timeout=WAIT_MS)
    return window


# -- a million points ------------------------------------------------------------------------------


def _plot(xs, ys, width: int, height: int, axes=None):
    widget = pg.PlotWidget(background=None, axisItems=axes if axes is not None else spaced_axes())
    widget.resize(width, height)
    item = PointsItem(BASE_COLOR)
    widget.addItem(item)
    item.set_points(xs, ys)
    widget.show()
    QApplication.processEvents()
    return widget, item


def test_a_million_points_show_where_they_are_dense(qtbot):
    rng = np.random.default_rng(7)
    xs, ys = rng.normal(0, 1, 1_000_000), rng.normal(0, 1, 1_000_000)
    widget, item = _plot(xs, ys, 600, 400)
    qtbot.addWidget(widget)
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()

    def at(x: float, y: float) -> QColor:
        where = widget.mapFromScene(widget.getViewBox().mapViewToScene(pg.Point(x, y)))
        return QColor(image.pixel(round(where.x() * ratio), round(where.y() * ratio)))

    backdrop = widget.palette().color(QPalette.ColorRole.Window)

    def strength(colour: QColor) -> float:  # how far from the backdrop towards the points' blue
        return sum(abs(a - b) for a, b in zip(colour.getRgb()[:3], backdrop.getRgb()[:3]))

    centre, one, two, three = (strength(at(r, 0)) for r in (0.0, 1.0, 2.0, 3.0))
    # denser is darker, all the way out: not one solid block of blue
    assert centre > one > two > three > 0, (centre, one, two, three)
    shades = {QColor(image.pixel(x, y)).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert len(shades) > 30


def _label_rects(axis) -> list[QRectF]:
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [rect for rect, _flags, _text in specs[2]]


def _overlapping(rects: list[QRectF]) -> bool:
    ordered = sorted(rects, key=lambda r: r.left())
    return any(a.right() > b.left() for a, b in zip(ordered, ordered[1:]))


def test_axis_labels_of_large_numbers_stay_apart_on_a_narrow_plot(qtbot):
    xs = np.linspace(123_456, 987_654, 1_000_000)  # six-digit labels on a 260 pixel plot
    ys = xs * 3.0
    widget, _item = _plot(xs, ys, 260, 300)
    qtbot.addWidget(widget)
    labels = _label_rects(widget.getPlotItem().getAxis("bottom"))
    assert len(labels) >= 2 and not _overlapping(labels)

    # pyqtgraph's own axis ran them together here (what the issue saw)
    plain, _ = _plot(xs, ys, 260, 300, axes={"bottom": pg.AxisItem("bottom")})
    qtbot.addWidget(plain)
    assert _overlapping(_label_rects(plain.getPlotItem().getAxis("bottom")))
