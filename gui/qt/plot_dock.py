"""View → Plot on the tutorial's window: the dock, installed with the window, and
its plot (:class:`gui.qt.plot.ScatterPlot`), made when the dock is first shown.

The plot needs pyqtgraph, whose import alone took 0.17–0.5 s of a start that must
put the connection dialog on screen within 0.5 s (``make bench``, bench/startup.py):
so this module imports neither, and :mod:`gui.qt.plot` is imported the first time the
plot is wanted (View → Plot, the window reopened with the plot left open, or
:attr:`PlotDock.plot` asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from .plot import ScatterPlot

CLICK_TOLERANCE = 8  # pixels: a click this near a point picks its row


def point_position(widget, layers: Sequence[tuple], row: int) -> QPointF:
    """Where the point of loaded ``row`` is, in plot ``widget``'s coordinates (a
    pyqtgraph ``PlotWidget``); ``layers``: ``(item, rows)`` pairs, topmost first, an
    item's ``xs``/``ys`` beside the loaded row of each point.  Raises ``KeyError``
    when no layer draws the row."""
    import numpy as np  # not at start (this module is imported with the window): the plot has it loaded

    for item, rows in layers:
        found = np.flatnonzero(rows == row)
        if len(found):
            i = int(found[0])
            scene = widget.getViewBox().mapViewToScene(QPointF(item.xs[i], item.ys[i]))
            return widget.mapFromScene(scene).toPointF()
    raise KeyError(row)


def row_at(widget, layers: Sequence[tuple], scene_pos: QPointF) -> int | None:
    """The loaded row of the point nearest ``scene_pos`` (scene coordinates) within
    :data:`CLICK_TOLERANCE` pixels, the first layer's on a tie; ``None`` if none is."""
    import numpy as np

    box = widget.getViewBox()
    where = box.mapSceneToView(scene_pos)
    px, py = box.viewPixelSize()
    best: tuple[float, int] | None = None
    for item, rows in layers:
        if not item.count() or not px or not py:
            continue
        distance = np.hypot((item.xs - where.x()) / px, (item.ys - where.y()) / py)
        i = int(np.argmin(distance))
        if distance[i] <= CLICK_TOLERANCE and (best is None or distance[i] < best[0]):
            best = (float(distance[i]), int(rows[i]))
    return None if best is None else best[1]


def add_plot_dock(window, dock: QDockWidget, tooltip: str | None = None) -> None:
    """Put ``dock`` on ``window``'s right, hidden until View → Plot (added to the
    window's View menu, as ``dock.view_action``) shows it."""
    from .icons import icon

    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # drawn only when asked for: View → Plot
    action = dock.toggleViewAction()
    action.setText("&Plot")
    action.setObjectName("Plot")
    if tooltip:
        action.setToolTip(tooltip)
    action.setIcon(icon("plot"))
    window.view_menu.addSeparator()
    window.view_menu.addAction(action)
    dock.view_action = action


class PlacedDock(QDockWidget):
    """A dock that View → Plot shows beside the rows, or below them where beside would
    move them (see :meth:`gui.qt.window_base.EditorWindow.place_dock`)."""

    def _make_content(self) -> None:
        """Make what the dock shows, so that its size hint is its own (the user asked for it)."""

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        window = self.parentWidget()
        if not (visible and self.isHidden()) or not hasattr(window, "place_dock"):
            super().setVisible(visible)
            return
        window.place_dock(self, self._expected_width())
        super().setVisible(visible)
        window.dock_shown(self)

    def _expected_width(self) -> int:
        """The width the dock will take on the right: its last one there, or its size hint."""
        if getattr(self, "_shown_width", 0):
            return self._shown_width
        self._make_content()
        return max(self.sizeHint().width(), self.minimumSizeHint().width(), self.minimumWidth())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        window = self.parentWidget()
        if self.isVisible() and hasattr(window, "dockWidgetArea") and window.dockWidgetArea(self) == Qt.DockWidgetArea.RightDockWidgetArea:
            self._shown_width = self.width()


class PlotDock(PlacedDock):
    """The dock shown by View → Plot."""

    def __init__(self, window):
        super().__init__("Plot", window)
        self.setObjectName("Plot")
        self.setAccessibleName("Plot")
        self._window = window
        self._plot: ScatterPlot | None = None
        self.visibilityChanged.connect(self._on_visibility)

    def _make_content(self) -> None:
        self.plot  # noqa: B018

    @property
    def plot(self) -> ScatterPlot:
        """The plot (made, and pyqtgraph imported, the first time it is asked for)."""
        if self._plot is None:
            from .plot import ScatterPlot  # noqa: PLC0415 - it imports pyqtgraph

            window = self._window
            self._plot = ScatterPlot(window.model, window.pending, window.spec, self)
            self._plot.row_clicked.connect(window.select_row)
            self.setWidget(self._plot)
        return self._plot

    @property
    def plot_made(self) -> bool:
        """Whether the plot exists yet (it does once the dock has been shown)."""
        return self._plot is not None

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self.plot  # noqa: B018 - made now, drawn by its own show event
            # a window that grew to make room for the dock shrinks back within the screen
            QTimer.singleShot(0, self._window, self._window.keep_on_screen)


def install_plot(window) -> PlotDock:
    """The plot dock on ``window``'s right, hidden until View → Plot shows it."""
    dock = PlotDock(window)
    add_plot_dock(window, dock)
    return dock
