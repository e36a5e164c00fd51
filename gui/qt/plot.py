"""The "Plot" dock: x against y for the loaded rows, pending values in another colour.

Measured before choosing (2-core machine, offscreen platform, 100,000 points,
800×600 plot, PySide6 6.11, pyqtgraph 0.14):

* QtCharts ``QScatterSeries``: 20,000 points took 1.9 s to ``replace()``; 100,000
  took 38 s to add and 1.6 s to paint, and 1.7 s to repaint after one point moved
  (it keeps a graphics item per point; its OpenGL mode needs a GL context).
* pyqtgraph ``ScatterPlotItem``: 0.31–0.44 s per ``setData`` (it builds a record per
  point), 0.06–0.12 s per repaint; ``pointsAt`` for a click 0.44 s.
* pyqtgraph's plot (axes, pan, zoom) with the points drawn by :class:`PointsItem`
  below, one ``QPainter.drawPoints`` of a ``QPolygonF`` filled straight from the
  NumPy columns: 2 ms to set 100,000 points, 0.05–0.08 s per repaint (square
  4 px points; round ones cost 0.16–0.28 s), and a click is found with one
  vectorised distance computation.

So the plot uses pyqtgraph with :class:`PointsItem`.  End to end on 100,000 loaded
rows: :meth:`ScatterPlot.refresh` 2–7 ms, a repaint of the whole plot (axes, grid)
0.08–0.15 s, finding the clicked point 4 ms.  It is redrawn only while the
dock is visible, and model changes are coalesced into one redraw per event-loop turn.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as pg_functions
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget

BASE_COLOR = QColor("#2f7fc1")  # blue: database values
PENDING_COLOR = QColor("#f0a000")  # amber, as the pending cells in the table
THRESHOLD_COLOR = QColor("#d0563b")
POINT_SIZE = 4  # pixels
FEW_POINTS, FEW_POINT_SIZE = 2_000, 8  # a handful of rows is drawn bigger, to be seen
CLICK_TOLERANCE = 8  # pixels


class PointsItem(pg.GraphicsObject):
    """Many same-coloured points, drawn with one ``drawPoints`` call."""

    def __init__(self, color: QColor, size: int = POINT_SIZE):
        super().__init__()
        self.color = QColor(color)
        self._size = size
        self._pen = QPen(self.color)
        self._pen.setWidthF(size)
        self._pen.setCosmetic(True)  # size in pixels at any zoom
        self._pen.setCapStyle(Qt.PenCapStyle.SquareCap)  # several times faster than round points
        self.xs = np.empty(0)
        self.ys = np.empty(0)
        self._polygon = pg_functions.create_qpolygonf(0)
        self._bounds = QRectF()

    def set_points(self, xs: np.ndarray, ys: np.ndarray, size: int | None = None) -> None:
        self.prepareGeometryChange()
        if size is not None:
            self._size = size
            self._pen.setWidthF(size)
        self.xs = np.asarray(xs, dtype=float)
        self.ys = np.asarray(ys, dtype=float)
        self._polygon = pg_functions.create_qpolygonf(len(self.xs))
        if len(self.xs):
            coords = pg_functions.ndarray_from_qpolygonf(self._polygon)
            coords[:, 0] = self.xs
            coords[:, 1] = self.ys
            left, right = float(self.xs.min()), float(self.xs.max())
            bottom, top = float(self.ys.min()), float(self.ys.max())
            self._bounds = QRectF(left, bottom, right - left, top - bottom)
        else:
            self._bounds = QRectF()
        self.informViewBoundsChanged()
        self.update()

    def count(self) -> int:
        return len(self.xs)

    def boundingRect(self) -> QRectF:
        if not len(self.xs):
            return QRectF()
        # pad by a point's size in data units, so points at the edges are repainted whole
        dx, dy = self.pixelWidth() * self._size, self.pixelHeight() * self._size
        return self._bounds.adjusted(-dx, -dy, dx, dy)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding above depends on the zoom

    def dataBounds(self, axis, frac=1.0, orthoRange=None):
        if not len(self.xs):
            return (None, None)
        values = self.xs if axis == 0 else self.ys
        return (float(values.min()), float(values.max()))

    def pixelPadding(self) -> float:
        return self._size

    def paint(self, painter, *args) -> None:
        if len(self.xs):
            painter.setPen(self._pen)
            painter.drawPoints(self._polygon)


def pending_overlay(xs: np.ndarray, pending) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, values)``: which loaded rows have a pending change and the values they get."""
    changes = pending.changes()  # sorted by key
    if not changes or not len(xs):
        return np.zeros(len(xs), dtype=bool), np.empty(0, dtype=np.int64)
    keys = np.fromiter((c.key for c in changes), dtype=np.int64, count=len(changes))
    news = np.fromiter((c.new for c in changes), dtype=np.int64, count=len(changes))
    where = np.searchsorted(keys, xs)
    where[where == len(keys)] = 0
    mask = keys[where] == xs
    return mask, news[where[mask]]


class ScatterPlot(QWidget):
    """The plot of one window's model; ``row_clicked(row)`` when a point is clicked."""

    row_clicked = Signal(int)

    def __init__(self, model, pending, spec, parent=None):
        super().__init__(parent)
        self.model = model
        self.pending = pending
        self.spec = spec
        self.widget = pg.PlotWidget(background=None)
        self.widget.setAccessibleName("Scatter plot")
        self.widget.setObjectName("Scatter plot")
        self.widget.setLabel("bottom", spec.key)
        self.widget.setLabel("left", spec.value)
        self.widget.showGrid(x=True, y=True, alpha=0.2)
        self.base_item = PointsItem(BASE_COLOR)
        self.pending_item = PointsItem(PENDING_COLOR)
        self.widget.addItem(self.base_item)
        self.widget.addItem(self.pending_item)  # on top
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(THRESHOLD_COLOR, width=1, style=Qt.PenStyle.DashLine))
        self.threshold_line.setVisible(False)
        self.widget.addItem(self.threshold_line, ignoreBounds=True)
        self.caption = QLabel()
        self.caption.setAccessibleName("Plot caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.widget)
        layout.addWidget(self.caption)

        # row numbers of the points, in the order of each item's points
        self._base_rows = np.empty(0, dtype=np.int64)
        self._pending_rows = np.empty(0, dtype=np.int64)
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self._schedule)
        self.widget.scene().sigMouseClicked.connect(self._on_clicked)

    # -- updates ---------------------------------------------------------------
    def _schedule(self, *_args) -> None:
        self._stale = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._timer.start()

    def refresh(self) -> None:
        """Redraw from the model now (normally called once per burst of model changes)."""
        self._stale = False
        xs, ys = self.model.loaded_columns()  # beats 100,000 data() calls
        mask, new_values = pending_overlay(xs, self.pending)
        rows = np.arange(len(xs), dtype=np.int64)
        self._base_rows = rows[~mask]
        self._pending_rows = rows[mask]
        size = FEW_POINT_SIZE if len(xs) <= FEW_POINTS else POINT_SIZE
        self.base_item.set_points(xs[~mask], ys[~mask], size)
        self.pending_item.set_points(xs[mask], new_values, size)
        threshold = self.model.threshold
        self.threshold_line.setVisible(threshold is not None)
        if threshold is not None:
            self.threshold_line.setValue(threshold)
        caption = f"{len(xs):,} loaded rows"
        if mask.any():
            caption += f", {int(mask.sum()):,} with a pending value (amber)"
        if threshold is not None:
            caption += f"; dashed line: {self.spec.value} = {threshold}"
        self.caption.setText(caption)

    # -- clicks ----------------------------------------------------------------
    def point_position(self, row: int) -> QPointF:
        """Where the point of loaded ``row`` is, in the plot widget's coordinates."""
        for item, rows in ((self.pending_item, self._pending_rows), (self.base_item, self._base_rows)):
            found = np.flatnonzero(rows == row)
            if len(found):
                i = int(found[0])
                scene = self.widget.getViewBox().mapViewToScene(QPointF(item.xs[i], item.ys[i]))
                return self.widget.mapFromScene(scene).toPointF()
        raise KeyError(row)

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The row of the point nearest ``scene_pos`` within a few pixels, pending points first."""
        box = self.widget.getViewBox()
        where = box.mapSceneToView(scene_pos)
        px, py = box.viewPixelSize()
        best: tuple[float, int] | None = None
        for item, rows in ((self.pending_item, self._pending_rows), (self.base_item, self._base_rows)):
            if not item.count() or not px or not py:
                continue
            distance = np.hypot((item.xs - where.x()) / px, (item.ys - where.y()) / py)
            i = int(np.argmin(distance))
            if distance[i] <= CLICK_TOLERANCE and (best is None or distance[i] < best[0]):
                best = (float(distance[i]), int(rows[i]))
        return None if best is None else best[1]

    def _on_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is not None:
            self.row_clicked.emit(row)


class PlotDock(QDockWidget):
    """The dock shown by View → Plot."""

    def __init__(self, window):
        super().__init__("Plot", window)
        self.setObjectName("Plot")
        self.setAccessibleName("Plot")
        self.plot = ScatterPlot(window.model, window.pending, window.spec, self)
        self.plot.row_clicked.connect(window.select_row)
        self.setWidget(self.plot)


def install_plot(window) -> PlotDock:
    """The plot dock on ``window``'s right, hidden until View → Plot shows it."""
    from .icons import icon

    dock = PlotDock(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # drawn only when asked for: View → Plot
    action = dock.toggleViewAction()
    action.setText("&Plot")
    action.setObjectName("Plot")
    action.setIcon(icon("plot"))
    window.view_menu.addSeparator()
    window.view_menu.addAction(action)
    dock.view_action = action
    return dock
