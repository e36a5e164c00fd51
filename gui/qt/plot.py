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

More than :data:`DENSITY_POINTS` points would paint a solid block where they
overlap: they are drawn as their density instead, the points counted per cell of
two pixels (``np.bincount``) and each cell shaded by the logarithm of its count, a
single point still visible.  Measured for 1,000,000 points (this machine, offscreen):
0.015–0.06 s to count and shade in a 600×400 or a 220×300 plot, at 1× and 2×, redone
only when the view moves or the points change; the repaint itself then draws one
image (5–7 ms for the whole plot).

Markers and lines are sized in logical pixels times the screen's scale (device
pixels per logical pixel, and a font DPI above 96): pyqtgraph's cosmetic pens are
device pixels, so at 2× they would otherwise be half as big as the text.  The axes'
tick labels are spaced by their own width (:class:`SpacedAxis`), so long numbers do
not run together on a narrow plot, and drawn in the palette's text colour.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as pg_functions
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..data.plot_points import FEW_POINT_SIZE, FEW_POINTS, POINT_SIZE
from .palette import AMBER
from .plot_dock import point_position, row_at

BASE_COLOR = QColor("#2f7fc1")  # blue: database values
PENDING_COLOR = QColor(AMBER)  # amber, as the pending cells in the table
THRESHOLD_COLOR = QColor("#d0563b")
DENSITY_POINTS = 50_000  # more points than this are drawn as their density
DENSITY_CELL = 2  # logical pixels a side of a density cell
DENSITY_FLOOR = 0.3  # the opacity of a cell with one point (full: the densest cell)


def plot_scale(widget: QWidget) -> float:
    """Device pixels per logical pixel of ``widget``'s screen, times its font DPI
    over 96 when larger (text scaled by a DPI setting rather than the ratio)."""
    screen = widget.screen()
    dpi = screen.logicalDotsPerInchX() if screen is not None else 96.0
    return widget.devicePixelRatioF() * max(1.0, dpi / 96.0)


class SpacedAxis(pg.AxisItem):
    """An axis whose major ticks are far enough apart for their labels.

    pyqtgraph always labels the first tick level, however close its ticks are: on a
    narrow plot of large numbers (x up to 1,000,000 on a 200 pixel axis) the labels
    ran together.  Here the major interval is widened (×2, ×2.5, ×2 …, the nice
    steps) until the widest label and a gap fit between two ticks."""

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or size <= 0 or not span or self._tickSpacing is not None:
            return levels
        font = self.style.get("tickFont") or (self.scene().font() if self.scene() is not None else QFont())
        metrics = QFontMetricsF(font)
        major = levels[0][0]
        widened = False
        for _ in range(12):  # at most four powers of ten wider
            if self.orientation in ("bottom", "top"):
                values = [minVal, maxVal, minVal + major, maxVal - major]
                labels = self.tickStrings(values, self.autoSIPrefixScale * self.scale, major)
                room = max(metrics.horizontalAdvance(str(t)) for t in labels) + metrics.averageCharWidth() * 2
            else:
                room = metrics.height() * 1.6
            if major / span * size >= room:
                break
            mantissa = round(major / 10 ** math.floor(math.log10(major)))
            major *= 2.5 if mantissa == 2 else 2  # 1 → 2 → 5 → 10
            widened = True
        if not widened:
            return levels
        return [(major, 0), (major / 2, 0)]


def style_axes(widget, scale: float) -> None:
    """The plot's axes drawn in the palette's text colour, their lines ``scale``
    pixels wide (see the module docstring)."""
    colour = widget.palette().color(QPalette.ColorRole.WindowText)
    plot_item = widget.getPlotItem()
    for side in ("left", "bottom"):
        axis = plot_item.getAxis(side)
        pen = QPen(colour)
        pen.setWidthF(scale)
        pen.setCosmetic(True)
        axis.setPen(pen)
        axis.setTextPen(colour)


def spaced_axes() -> dict:
    return {"left": SpacedAxis("left"), "bottom": SpacedAxis("bottom")}


class PointsItem(pg.GraphicsObject):
    """Many same-coloured points, drawn with one ``drawPoints`` call, or as their
    density when there are more than :data:`DENSITY_POINTS` (see the module docstring)."""

    def __init__(self, color: QColor, size: int = POINT_SIZE):
        super().__init__()
        self.color = QColor(color)
        self._size = size  # logical pixels
        self._scale = 1.0  # device pixels per logical pixel (see plot_scale)
        self._pen = QPen(self.color)
        self._pen.setCosmetic(True)  # size in pixels at any zoom
        self._pen.setCapStyle(Qt.PenCapStyle.SquareCap)  # several times faster than round points
        self._set_pen_width()
        self.xs = np.empty(0)
        self.ys = np.empty(0)
        self._polygon = pg_functions.create_qpolygonf(0)
        self._bounds = QRectF()
        self._density: tuple[tuple, QImage, QRectF] | None = None  # (what it was made for, image, where)

    def _set_pen_width(self) -> None:
        self._pen.setWidthF(self._size * self._scale)

    def set_scale(self, scale: float) -> None:
        """Device pixels per logical pixel: the points' size follows the screen's scale."""
        if scale != self._scale:
            self._scale = scale
            self._set_pen_width()
            self._density = None
            self.update()

    def set_points(self, xs: np.ndarray, ys: np.ndarray, size: int | None = None) -> None:
        self.prepareGeometryChange()
        if size is not None:
            self._size = size
            self._set_pen_width()
        self.xs = np.asarray(xs, dtype=float)
        self.ys = np.asarray(ys, dtype=float)
        self._density = None
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

    @property
    def dense(self) -> bool:
        """Drawn as a density (more than :data:`DENSITY_POINTS` points)."""
        return len(self.xs) > DENSITY_POINTS

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
        if not len(self.xs):
            return
        if self.dense:
            self._paint_density(painter)
            return
        painter.setPen(self._pen)
        painter.drawPoints(self._polygon)

    # -- density ------------------------------------------------------------------------
    def density_image(self) -> tuple[QImage, QRectF] | None:
        """The density of the visible points: an image of cells of
        :data:`DENSITY_CELL` logical pixels, each as opaque as the logarithm of its
        count allows, and the rectangle (in data units) it covers."""
        view = self.viewRect()
        px, py = self.pixelWidth(), self.pixelHeight()
        if view is None or not px or not py or view.width() <= 0 or view.height() <= 0:
            return None
        cell_x, cell_y = px * DENSITY_CELL, py * DENSITY_CELL
        width = min(4_096, max(1, math.ceil(view.width() / cell_x)))
        height = min(4_096, max(1, math.ceil(view.height() / cell_y)))
        made_for = (view.left(), view.top(), view.width(), view.height(), width, height, self.color.rgba())
        if self._density is not None and self._density[0] == made_for:
            return self._density[1], self._density[2]
        with np.errstate(invalid="ignore"):
            cx = np.floor((self.xs - view.left()) / cell_x)
            cy = np.floor((self.ys - view.top()) / cell_y)
            inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
        cells = cy[inside].astype(np.int64) * width + cx[inside].astype(np.int64)
        counts = np.bincount(cells, minlength=width * height).reshape(height, width)
        densest = counts.max(initial=0)
        alpha = np.zeros(counts.shape, dtype=np.float64)
        if densest:
            filled = counts > 0
            alpha[filled] = DENSITY_FLOOR + (1 - DENSITY_FLOOR) * np.log1p(counts[filled]) / math.log1p(densest)
        a = np.round(alpha * 255).astype(np.uint32)
        r, g, b = (np.round(channel * alpha).astype(np.uint32) for channel in self.color.getRgb()[:3])
        pixels = np.ascontiguousarray((a << 24) | (r << 16) | (g << 8) | b)  # premultiplied ARGB
        image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied).copy()
        where = QRectF(view.left(), view.top(), width * cell_x, height * cell_y)
        self._density = (made_for, image, where)
        return image, where

    def _paint_density(self, painter) -> None:
        made = self.density_image()
        if made is None:
            return
        image, where = made
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(where, image)


_RESTYLE_EVENTS = (QEvent.Type.DevicePixelRatioChange, QEvent.Type.PaletteChange, QEvent.Type.ScreenChangeInternal)


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
        self.widget = pg.PlotWidget(background=None, axisItems=spaced_axes())
        self.widget.setAccessibleName("Scatter plot")
        self.widget.setObjectName("Scatter plot")
        self.widget.setLabel("bottom", spec.key)
        self.widget.setLabel("left", spec.value)
        self.widget.showGrid(x=True, y=True, alpha=0.2)
        self.base_item = PointsItem(BASE_COLOR)
        self.pending_item = PointsItem(PENDING_COLOR)
        self.widget.addItem(self.base_item)
        self.widget.addItem(self.pending_item)  # on top
        self._threshold_pen = pg.mkPen(THRESHOLD_COLOR, width=1, style=Qt.PenStyle.DashLine)
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, pen=self._threshold_pen)
        self.threshold_line.setVisible(False)
        self.widget.addItem(self.threshold_line, ignoreBounds=True)
        self.caption = QLabel()
        self.caption.setAccessibleName("Plot caption")
        # wrapped, as the plot for any table's: on one line, "…, 4 with a pending value
        # (amber); dashed line: y = 6" held the window 796 px wide on a 683 px screen (2x)
        self.caption.setWordWrap(True)
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
        self.restyle()
        if self._stale:
            self._timer.start()

    def event(self, event) -> bool:
        if event.type() in _RESTYLE_EVENTS:
            self.restyle()  # another screen, scale or theme
        return super().event(event)

    def restyle(self) -> None:
        """Markers, lines and axes sized for the screen's scale, in the palette's colours."""
        if not hasattr(self, "threshold_line"):
            return  # an event while it is being built
        scale = plot_scale(self)
        for item in (self.base_item, self.pending_item):
            item.set_scale(scale)
        self._threshold_pen.setWidthF(scale)
        self.threshold_line.setPen(self._threshold_pen)
        style_axes(self.widget, scale)

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
    def _layers(self) -> tuple:
        return ((self.pending_item, self._pending_rows), (self.base_item, self._base_rows))  # pending points first

    def point_position(self, row: int) -> QPointF:
        """Where the point of loaded ``row`` is, in the plot widget's coordinates."""
        return point_position(self.widget, self._layers(), row)

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The row of the point nearest ``scene_pos`` within a few pixels, pending points first."""
        return row_at(self.widget, self._layers(), scene_pos)

    def _on_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is not None:
            self.row_clicked.emit(row)


# The dock and install_plot live in gui/qt/plot_dock.py, which imports this module (and
# pyqtgraph) only when the plot is first shown; kept importable from here.
from .plot_dock import PlotDock, install_plot  # noqa: E402, F401
