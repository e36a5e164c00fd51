"""View → Plot for any table: one column against another for the loaded rows, the
pending values in amber, a click on a point selecting its row.

The columns offered are the numeric ones (integer, floating point, ``numeric``) and
the dates and timestamps, whichever the table has; ``x`` and ``y`` are chosen when
the table has them, else its first two such columns.

Nothing that grows with the rows runs on the GUI thread.  View → Plot shows the
dock at once, saying it is drawing; pyqtgraph is then imported on the GUI thread
in steps of an event-loop turn each (:class:`~gui.qt.plot_import.PyqtgraphImport`: it
cannot be imported on a worker, and in one go it held the GUI thread 85-120 ms), the plot widget is
made, and the points are made on the plot's lane (:data:`LANE`) by
:func:`gui.data.plot_points.plot_points` from the loaded pages and a copy of the
pending set.  The finished arrays are handed to :class:`gui.qt.plot.PointsItem`
(one copy into a polygon; more than 50,000 points are drawn as a density image,
counted when painted: 5-15 ms for 300,000).  One computation runs at a time: what
changes meanwhile (an edit, a page, another column) starts the next one when it
ends, so the plot catches up without a queue.  The GUI thread's part: a copy of the
pending set (a dict, a few ms for 100,000) and handing over the arrays.  The
lane shares the GIL every 1 ms (:func:`~gui.data.threads.sharing_the_gil`): the
GUI thread waits for it at every call into Python, so a repaint during a worker's
Python loop took up to 125 ms at the default 5 ms.

Measured with 1,000,000 rows loaded and 100,000 changes pending (``python -m bench
--sections mixed``, until the points are drawn): View → Plot held the GUI thread
120 ms on one call (the import and the drawing, which the benchmark did not wait
for, came on top: 0.1-0.3 s more); now the longest stop is in ``bench/results.md``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..data.codecs import TimestampTzCodec
from ..data.threads import sharing_the_gil
from ..data.plot_points import (  # noqa: F401 - the pieces the plot is made of, for their tests
    FLOAT_NOTE,
    MAX_POINTS,
    TEXT_WIDTH,
    KeyIndex,
    PlotPoints,
    PointsCache,
    PointsRequest,
    column_floats,
    default_axes,
    drawing_caption,
    fixed_width,
    is_time,
    plot_points,
    plottable_columns,
    sample_rows,
    value_float,
)
from .plot_dock import PlacedDock, add_plot_dock, point_position, row_at
from .plot_import import PyqtgraphImport

# another screen, scale or theme: markers, lines and axes are drawn again to suit it
_RESTYLE_EVENTS = (QEvent.Type.DevicePixelRatioChange, QEvent.Type.PaletteChange, QEvent.Type.ScreenChangeInternal)
LANE = "plot"  # the worker the points are made on


# -- the dock ---------------------------------------------------------------------------------


def _named(widget, name: str):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class TablePlotDock(PlacedDock):
    """The dock shown by View → Plot; ``row_clicked(row)`` when a point is clicked
    (the window's cell of that row in the y column is then selected)."""

    row_clicked = Signal(int)

    def __init__(self, window):
        super().__init__("Plot", window)
        _named(self, "Plot")
        self.table_window = window
        self.model = window.model
        self.x_chooser = _named(QComboBox(), "Plot x")
        self.y_chooser = _named(QComboBox(), "Plot y")
        for chooser in (self.x_chooser, self.y_chooser):
            # a long column name must not widen the dock (and the window) off screen
            chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            chooser.setMinimumContentsLength(10)
            chooser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            chooser.setToolTip("Numbers, dates and timestamps of this table can be plotted.\n" + FLOAT_NOTE)
        form = QFormLayout()
        form.addRow("&x", self.x_chooser)
        form.addRow("&y", self.y_chooser)
        self.caption = _named(QLabel(), "Plot caption")
        self.caption.setWordWrap(True)
        self.caption.setToolTip(FLOAT_NOTE)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        content = QWidget()
        self._layout = QVBoxLayout(content)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.addLayout(form)
        self._layout.addStretch(1)  # replaced by the plot when it is first shown
        self._layout.addWidget(self.caption)
        self.setWidget(content)
        self.setMinimumWidth(220)

        self.plot_widget = None  # pyqtgraph's PlotWidget, made once pyqtgraph is imported
        self.base_item = None
        self.pending_item = None
        self._axis_kinds: dict[str, str] = {}
        self._schema = None
        self._codecs: dict = {}
        self._cache = PointsCache()  # used by one computation at a time, on the plot's lane
        self._generation = 0  # a new table (or model reset): results made before are dropped
        self._loading = False  # pyqtgraph is being imported (PyqtgraphImport)
        self._task = None  # the computation under way
        self.drawn: PlotPoints | None = None  # what the plot shows (None: nothing yet)
        self._base_rows = np.empty(0, dtype=np.int64)
        self._pending_rows = np.empty(0, dtype=np.int64)
        self.sampled = False
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.model.modelReset.connect(self._on_reset)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.dataChanged):
            signal.connect(self._schedule)
        self.x_chooser.currentIndexChanged.connect(self._schedule)
        self.y_chooser.currentIndexChanged.connect(self._schedule)
        self.visibilityChanged.connect(self._on_visibility)
        self.row_clicked.connect(self._select_row)
        self._on_reset()

    # -- the columns ---------------------------------------------------------------------
    @property
    def x_column(self) -> str | None:
        return self.x_chooser.currentData()

    @property
    def y_column(self) -> str | None:
        return self.y_chooser.currentData()

    def _on_reset(self) -> None:
        self._generation += 1
        self._cache = PointsCache()  # the old rows' conversions (and pages) are let go
        schema = self.model.schema
        if schema is not self._schema:
            self._schema = schema
            self._codecs = dict(self.model.codecs)
            columns = plottable_columns(self.model.names, self._codecs) if schema is not None else []
            x, y = default_axes(columns)
            for chooser, chosen in ((self.x_chooser, x), (self.y_chooser, y)):
                chooser.blockSignals(True)
                try:
                    chooser.clear()
                    for name in columns:
                        chooser.addItem(name, name)
                        chooser.setItemData(chooser.count() - 1, self._codecs[name].type_name, Qt.ItemDataRole.ToolTipRole)
                    chooser.setCurrentIndex(max(chooser.findData(chosen), 0) if columns else -1)
                finally:
                    chooser.blockSignals(False)
        self._schedule()

    # -- updates -------------------------------------------------------------------------
    @property
    def up_to_date(self) -> bool:
        """The plot shows the loaded rows and pending values as they are now (nothing
        being made or waiting to be)."""
        return (
            self.plot_widget is not None
            and not self._stale
            and self._task is None
            and not self._timer.isActive()
        )

    def _schedule(self, *_args) -> None:
        self._stale = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            if self.drawn is None:
                self.caption.setText(drawing_caption(self.model.rowCount()))
            if self._stale or self.plot_widget is None:
                self._timer.start()  # in a later turn: the window lays out and paints the dock first
            self.restyle()
            # a window that grew to make room for the dock shrinks back within the screen
            QTimer.singleShot(0, self.table_window, self.table_window.keep_on_screen)

    def event(self, event) -> bool:
        if getattr(self, "plot_widget", None) is not None and event.type() in _RESTYLE_EVENTS:
            self.restyle()  # another screen, scale or theme
        return super().event(event)

    def restyle(self) -> None:
        """Markers and axes sized for the screen's scale, in the palette's colours."""
        if self.plot_widget is None:
            return
        from .plot import plot_scale, style_axes  # noqa: PLC0415 - it imports pyqtgraph

        scale = plot_scale(self)
        for item in (self.base_item, self.pending_item):
            item.set_scale(scale)
        style_axes(self.plot_widget, scale)

    def _load_pyqtgraph(self) -> None:
        """Import pyqtgraph and :mod:`gui.qt.plot` a step an event-loop turn
        (:class:`~gui.qt.plot_import.PyqtgraphImport`), once; the widget is made when
        they are in."""
        if self.plot_widget is not None or self._loading:
            return  # made, or being imported
        self._loading = True

        def failed() -> None:
            self._loading = False
            self.caption.setText("The plot could not be drawn.")

        PyqtgraphImport(self.table_window.runner, LANE, self._make_plot, failed, self)

    def _make_plot(self) -> None:
        self._loading = False
        if self.plot_widget is not None:
            return
        import pyqtgraph as pg  # noqa: PLC0415 - imported by PyqtgraphImport just now

        from .plot import BASE_COLOR, PENDING_COLOR, PointsItem, spaced_axes  # noqa: PLC0415 - it imports pyqtgraph

        widget = pg.PlotWidget(background=None, axisItems=spaced_axes())
        _named(widget, "Table plot")
        widget.setMinimumSize(160, 120)
        widget.showGrid(x=True, y=True, alpha=0.2)
        widget.setToolTip(FLOAT_NOTE)
        self.base_item = PointsItem(BASE_COLOR)
        self.pending_item = PointsItem(PENDING_COLOR)
        widget.addItem(self.base_item)
        widget.addItem(self.pending_item)  # on top
        widget.scene().sigMouseClicked.connect(self._on_clicked)
        stretch = self._layout.itemAt(1)
        self._layout.removeItem(stretch)
        self._layout.insertWidget(1, widget, 1)
        self.plot_widget = widget
        self.restyle()
        self._schedule()  # the points are made now, with the widget's first paint out of the way

    def _set_axis(self, side: str, name: str) -> None:
        import pyqtgraph as pg  # noqa: PLC0415 - already loaded by _make_plot

        from .plot import SpacedAxis  # noqa: PLC0415 - it imports pyqtgraph

        codec = self._codecs[name]
        kind = "time" if is_time(codec) else "number"
        if self._axis_kinds.get(side) != kind:
            # utcOffset 0: the seconds are UTC (naive values as if they were); a date
            # axis spaces its labels by their width itself
            axis = pg.DateAxisItem(orientation=side, utcOffset=0) if kind == "time" else SpacedAxis(orientation=side)
            self.plot_widget.getPlotItem().setAxisItems({side: axis})
            self._axis_kinds[side] = kind
            self.restyle()
        label = f"{name} (UTC)" if isinstance(codec, TimestampTzCodec) else name
        self.plot_widget.setLabel(side, label)

    def _request(self) -> PointsRequest | None:
        """What the next points are made of, taken now: the loaded pages as a list (no
        row copied) and a copy of the pending set (a dict: a few ms for 100,000)."""
        x, y = self.x_column, self.y_column
        pages = self.model.loaded_pages()
        schema = self.model.schema
        if x is None or y is None or schema is None or pages is None or not len(pages):
            return None
        edits = self.table_window.edits
        key = tuple(schema.key) if all(k in pages.names for k in schema.key) else ()
        return PointsRequest(
            pages=tuple(pages.pages),
            x=x,
            y=y,
            codecs={x: self._codecs[x], y: self._codecs[y]},
            key=key,
            pending=edits.snapshot() if edits else {},
        )

    def refresh(self) -> None:
        """Make the points again from the loaded columns and the pending edits
        (normally once per burst of model changes, while the dock is shown): on the
        plot's lane, drawn when they are made.  While points are being made, the next
        start when they are done."""
        if not self.isVisible():
            self._stale = True  # drawn when shown: no work for a hidden plot
            return
        if self._task is not None or self.plot_widget is None:
            self._stale = True  # again once this one is done, or once the plot is made
            self._load_pyqtgraph()
            return
        self._stale = False
        request = self._request()
        if request is None:
            self._draw_nothing()
            return
        if self.drawn is None:
            self.caption.setText(drawing_caption(sum(len(page) for page in request.pages)))
        generation, cache = self._generation, self._cache

        def work(token):
            with sharing_the_gil():  # the GUI thread gets the GIL back within 1 ms
                return plot_points(request, cache, token.check)

        def done(points: PlotPoints) -> None:
            self._task = None
            if generation == self._generation and (points.x, points.y) == (self.x_column, self.y_column):
                self._draw(points)
            if self._stale and self.isVisible():
                self._timer.start()

        def cancelled(_error) -> None:  # Cancel while rows load cancels every task: made again
            self._task = None
            self._schedule()

        def failed(_bug) -> None:  # a bug (the excepthook shows it): made again at the next change
            self._task = None
            self._stale = True
            self.caption.setText("The plot could not be drawn.")

        self._task = self.table_window.runner.submit(work, lane=LANE, on_done=done, on_error=cancelled, on_bug=failed)

    def _draw_nothing(self) -> None:
        self.drawn = None
        self._base_rows = self._pending_rows = np.empty(0, dtype=np.int64)
        self.sampled = False
        if self.plot_widget is not None:
            empty = np.empty(0)
            self.base_item.set_points(empty, empty)
            self.pending_item.set_points(empty, empty)
        if self.x_column is None:
            self.caption.setText("This table has no numbers, dates or timestamps to plot.")
        else:
            self.caption.setText("No rows loaded.")

    def _draw(self, points: PlotPoints) -> None:
        """Hand the made arrays to the plot (a copy into a polygon, no Python per point)."""
        self._set_axis("bottom", points.x)
        self._set_axis("left", points.y)
        self.base_item.set_points(points.base_x, points.base_y, points.size)
        self.pending_item.set_points(points.pending_x, points.pending_y, points.size)
        self._base_rows, self._pending_rows = points.base_rows, points.pending_rows
        self.sampled = points.sampled
        self.caption.setText(points.caption())
        self.drawn = points

    # -- clicks ---------------------------------------------------------------------------
    def _layers(self) -> tuple:
        return ((self.pending_item, self._pending_rows), (self.base_item, self._base_rows))  # pending points first

    def point_position(self, row: int) -> QPointF:
        """Where the point of loaded ``row`` is, in the plot widget's coordinates."""
        return point_position(self.plot_widget, self._layers(), row)

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The row of the point nearest ``scene_pos`` within a few pixels, pending points first."""
        return row_at(self.plot_widget, self._layers(), scene_pos)

    def _on_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self.row_at(event.scenePos())
        if row is not None:
            self.row_clicked.emit(row)

    def _select_row(self, row: int) -> None:
        y = self.y_column
        if y is not None and y in self.model.names and row < self.model.rowCount():
            self.table_window.select_cell(row, self.model.names.index(y))


def install_table_plot(window) -> TablePlotDock:
    """The plot dock on ``window``'s right (a :class:`~gui.qt.table_window.TableWindow`),
    hidden until View → Plot shows it.  Installing twice gives the first dock back."""
    dock = getattr(window, "table_plot_dock", None)
    if dock is not None:
        return dock
    dock = TablePlotDock(window)
    add_plot_dock(window, dock, "Plot one column against another (numbers, dates, timestamps)")
    window.table_plot_dock = dock
    return dock
