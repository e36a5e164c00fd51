"""View → Plot for any table: one column against another for the loaded rows, the
pending values in amber, a click on a point selecting its row.

The columns offered are the numeric ones (integer, floating point, ``numeric``) and
the dates and timestamps, whichever the table has; ``x`` and ``y`` are chosen when
the table has them, else its first two such columns.  Everything drawn is read from
the loaded result's NumPy arrays (:class:`~gui.data.columns.LoadedColumns`), never
by asking the model for one cell after another:

* integers and floats are cast to ``float64``; dates and timestamps become seconds
  since 1970 (a naive timestamp or a date as if it were UTC, so the axis shows the
  stored wall time; a timestamptz in UTC, which the axis says);
* ``numeric`` is kept as the server's text, so its cells are turned into fixed-width
  byte strings in chunks and cast by NumPy (a cell of more than
  :data:`TEXT_WIDTH` characters, rare, is converted alone).  Numbers are then
  drawn as floating point: 15–17 significant digits, which the choosers' and the
  caption's tooltips say;
* NULL, NaN and infinite values are not drawn (the caption counts them);
* the rows of the pending changes are found by their key with a sort of the key
  columns and a binary search per change (:class:`KeyIndex`), not by a walk over
  the rows;
* more than :data:`MAX_POINTS` points: a fixed sample of about that many rows is
  drawn (which rows does not change as rows load or edits come and go), and the
  caption says so; pending values are always all drawn.

The conversions are kept per column and extended as pages arrive, so an edit or a
new page costs only what changed.  Measured (this machine, offscreen, 1,000,000
loaded rows of a ``numeric(10,3)`` against a ``timestamptz`` with an integer key,
one pending change): :meth:`TablePlotDock.refresh` takes 0.1 s from nothing and
0.015 s after an edit; converting 1,000,000 numeric texts alone 0.15 s.  pyqtgraph is imported when the dock is first
shown, not when the window opens.  The points are drawn by
:class:`gui.qt.plot.PointsItem` (one ``drawPoints`` of the whole array; measured
there at 0.05–0.08 s a repaint for 100,000 points).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QFormLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..data.codecs import Codec, DateCodec, FloatCodec, IntegerCodec, NumericCodec, TimestampCodec, TimestampTzCodec
from ..data.columns import NEG_INFINITY, POS_INFINITY, ColumnData, LoadedColumns

# another screen, scale or theme: markers, lines and axes are drawn again to suit it
_RESTYLE_EVENTS = (QEvent.Type.DevicePixelRatioChange, QEvent.Type.PaletteChange, QEvent.Type.ScreenChangeInternal)
MAX_POINTS = 200_000
TEXT_WIDTH = 48  # characters of a numeric (or SQLite) text cast in bulk
_CHUNK = 65_536  # rows a chunk when cells are made fixed-width
FEW_POINTS, FEW_POINT_SIZE, POINT_SIZE = 2_000, 8, 4  # as gui.qt.plot
CLICK_TOLERANCE = 8  # pixels
FLOAT_NOTE = (
    "The plot draws every value as floating point (about 15 significant digits): a numeric "
    "or a bigint beyond 2^53 is drawn rounded; the table shows it exactly."
)
_NUMBER_CODECS = (IntegerCodec, FloatCodec, NumericCodec)
_TIME_CODECS = (DateCodec, TimestampCodec, TimestampTzCodec)
_NAT = np.iinfo(np.int64).min
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)


# -- what can be drawn --------------------------------------------------------------------


def plottable_columns(names: Sequence[str], codecs) -> list[str]:
    """The columns of ``names`` that hold numbers, dates or timestamps, in order."""
    return [n for n in names if n in codecs and isinstance(codecs[n], _NUMBER_CODECS + _TIME_CODECS)]


def default_axes(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """``x`` and ``y`` when both are there, else the first two columns (or one twice)."""
    if "x" in columns and "y" in columns:
        return "x", "y"
    if not columns:
        return None, None
    return columns[0], columns[1] if len(columns) > 1 else columns[0]


def is_time(codec: Codec) -> bool:
    return isinstance(codec, _TIME_CODECS)


def fixed_width(column: ColumnData, width: int) -> np.ndarray:
    """The first ``width`` bytes of every cell of a text or numeric column as a
    NumPy bytes array (``S<width>``; NULL is empty), in chunks of rows."""
    n = len(column)
    width = max(int(width), 1)
    out = np.zeros(n, dtype=f"S{width}")
    data = column.data
    if n == 0 or len(data) == 0:
        return out
    offsets = column.offsets
    starts = offsets[:-1]
    lengths = np.minimum(np.diff(offsets), width)
    cells = out.view(np.uint8).reshape(n, width)
    span = np.arange(width)
    last = len(data) - 1
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        where = np.minimum(starts[start:stop, None] + span, last)
        block = data[where]
        block[span >= lengths[start:stop, None]] = 0
        cells[start:stop] = block
    return out


def _text_float(raw: bytes, time: bool) -> float:
    """One cell's text as a float (seconds for a date or time); NaN when it is none."""
    try:
        if not time:
            return float(raw)
        value = dt.datetime.fromisoformat(raw.decode("utf-8").strip())
    except (ValueError, UnicodeDecodeError):
        return float("nan")
    return value.timestamp() if value.tzinfo is not None else (value - _EPOCH).total_seconds()


def _text_floats(column: ColumnData, time: bool) -> np.ndarray:
    n = len(column)
    values = np.full(n, np.nan)
    if n == 0:
        return values
    lengths = np.diff(column.offsets)
    nulls = column.null_mask
    present = lengths > 0 if nulls is None else (lengths > 0) & ~nulls
    bulk = present & (lengths <= TEXT_WIDTH)
    placeholder = b"1970-01-01" if time else b"0"
    # as wide as the longest cell cast in bulk: one huge numeric must not widen them all
    cells = fixed_width(column, max(int(lengths[bulk].max()) if bulk.any() else 0, len(placeholder)))
    cells[~bulk] = placeholder
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warns about text with a time zone: do it one by one
            if time:
                micros = cells.astype("datetime64[us]").view(np.int64)
                values = micros.astype(np.float64) / 1e6
            else:
                values = cells.astype(np.float64)
    except (ValueError, OverflowError, Warning):
        # only SQLite (the demo) lets a number's or date's column hold other text
        values = np.fromiter((_text_float(c, time) for c in cells), dtype=np.float64, count=n)
    values[~bulk] = np.nan
    for i in np.flatnonzero(present & ~bulk):  # a numeric of more than TEXT_WIDTH characters
        values[i] = _text_float(column.raw_bytes(int(i)), time)
    return values


def column_floats(column: ColumnData, codec: Codec) -> tuple[np.ndarray, np.ndarray]:
    """``(values, drawable)``: each cell as ``float64`` (seconds since 1970 for dates
    and timestamps) and whether it has a finite value (not NULL, NaN or infinite)."""
    kind = column.kind
    if kind in ("int", "float", "bool"):
        values = column.values.astype(np.float64)
    elif kind in ("date", "timestamp", "timestamptz"):
        raw = column.values.view(np.int64)
        values = raw.astype(np.float64) * (86_400.0 if kind == "date" else 1e-6)
        values[(raw == POS_INFINITY) | (raw == NEG_INFINITY) | (raw == _NAT)] = np.nan
    else:  # numeric, and SQLite's numbers and dates, kept as text
        values = _text_floats(column, is_time(codec))
    drawable = np.isfinite(values)
    nulls = column.null_mask
    if nulls is not None:
        drawable &= ~nulls
    return values, drawable


def value_float(value: object) -> float:
    """A parsed value (a pending change's) as the plot draws it; NaN for NULL."""
    if value is None:
        return float("nan")
    if isinstance(value, (bool, int, float, Decimal, np.number)):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return float("nan")
    if isinstance(value, dt.datetime):
        return value.timestamp() if value.tzinfo is not None else (value - _EPOCH).total_seconds()
    if isinstance(value, dt.date):
        return (value - _EPOCH_DATE).days * 86_400.0
    if isinstance(value, str):
        number = _text_float(value.encode("utf-8"), time=False)
        return number if np.isfinite(number) else _text_float(value.encode("utf-8"), time=True)
    return float("nan")


def sample_rows(rows: np.ndarray, limit: int = MAX_POINTS) -> np.ndarray:
    """About ``limit`` of ``rows``, spread evenly: a row is kept by a hash of its
    number (Knuth's multiplicative hash), so the same rows stay drawn as rows load
    or edits come and go."""
    if len(rows) <= limit:
        return rows
    hashed = (rows.astype(np.uint64) * np.uint64(2_654_435_761)) & np.uint64(0xFFFFFFFF)
    return rows[hashed < np.uint64(int(limit / len(rows) * 2**32))]


# -- finding rows by key ------------------------------------------------------------------


class KeyIndex:
    """The loaded rows of any row keys, found with NumPy: built once for a loaded
    result of a given length (the key column sorted; several key columns each ranked
    with ``np.unique`` and the ranks combined into one number per row, sorted), then
    a lookup is a binary search per key.  Text keys are compared on their first
    :data:`TEXT_WIDTH` bytes and their length, and, when a key is longer than that,
    checked byte for byte on the rows found.  Measured on 1,000,000 rows: 0.14 s to
    build for a bigint key in random order, 0.6 s for a uuid (text) key; 10,000
    lookups 0.01 s."""

    def __init__(self, columns: Sequence[ColumnData]):
        self.columns = list(columns)
        self.n = len(self.columns[0]) if self.columns else 0
        self._widths: list[int | None] = []
        valid = np.ones(self.n, dtype=bool)
        components: list[np.ndarray] = []
        for column in self.columns:
            if column.null_mask is not None:
                valid &= ~column.null_mask
            width = None
            if column.dtype is None:
                longest = int(np.diff(column.offsets).max()) if self.n else 0
                width = min(longest, TEXT_WIDTH)
                if longest > TEXT_WIDTH:
                    width = -width  # negative: cut, so lengths take part and rows are checked
            self._widths.append(width)
            components += self._codes(column, width)
        # one component (a single key column, the usual case): sorted as it is;
        # several: each ranked, the ranks combined into one number per row
        self._steps: list[tuple[np.ndarray, np.ndarray | None]] = []
        if len(components) == 1:
            combined = components[0]
        else:
            combined = None
            for codes in components:
                uniq, inverse = np.unique(codes, return_inverse=True)
                inverse = inverse.ravel().astype(np.int64)
                if combined is None:
                    combined, regroup = inverse, None
                else:
                    regroup, combined = np.unique(combined * len(uniq) + inverse, return_inverse=True)
                    combined = combined.ravel().astype(np.int64)
                self._steps.append((uniq, regroup))
        kept = np.flatnonzero(valid)  # a row whose key has a NULL is never found
        self._order = kept[np.argsort(combined[kept], kind="stable")]
        self._sorted = combined[self._order]

    @staticmethod
    def _codes(column: ColumnData, width: int | None) -> list[np.ndarray]:
        if width is None:
            values = column.values
            return [values.view(np.int64) if values.dtype.kind == "M" else values]
        codes = [fixed_width(column, abs(width))]
        if width < 0:
            codes.append(np.diff(column.offsets))
        return codes

    def _key_columns(self, keys: Sequence[tuple]) -> tuple[list[ColumnData], np.ndarray]:
        """The keys as columns like the loaded ones, and which keys could be made so."""
        ok = np.ones(len(keys), dtype=bool)
        made = []
        for c, column in enumerate(self.columns):
            values = [k[c] for k in keys]
            try:
                made.append(ColumnData.from_values(column.kind, values, column.dtype))
                continue
            except (TypeError, ValueError, OverflowError, ArithmeticError):
                pass
            # one value that the column cannot hold: find it (a loop over the keys, not rows)
            fixed = []
            for i, value in enumerate(values):
                try:
                    ColumnData.from_values(column.kind, [value], column.dtype)
                    fixed.append(value)
                except (TypeError, ValueError, OverflowError, ArithmeticError):
                    ok[i] = False
                    fixed.append(None)
            made.append(ColumnData.from_values(column.kind, fixed, column.dtype))
        return made, ok

    def rows_of(self, keys: Sequence[tuple]) -> list[np.ndarray]:
        """For each key (values as the loaded columns give them), its loaded rows."""
        nothing = np.empty(0, dtype=np.int64)
        if not keys or self.n == 0 or not self.columns:
            return [nothing for _ in keys]
        made, ok = self._key_columns(keys)
        components = []
        for column, width in zip(made, self._widths):
            if column.null_mask is not None:
                ok &= ~column.null_mask
            components += self._codes(column, width)
        if not self._steps:
            found = components[0]
        else:
            found = np.zeros(len(keys), dtype=np.int64)
            for codes, (uniq, regroup) in zip(components, self._steps):
                at = np.minimum(np.searchsorted(uniq, codes), len(uniq) - 1)
                ok &= uniq[at] == codes
                if regroup is None:
                    found = at
                else:
                    mixed = found * len(uniq) + at
                    where = np.minimum(np.searchsorted(regroup, mixed), len(regroup) - 1)
                    ok &= regroup[where] == mixed
                    found = where
        left = np.searchsorted(self._sorted, found, side="left")
        right = np.searchsorted(self._sorted, found, side="right")
        result = []
        for i in range(len(keys)):
            rows = self._order[left[i] : right[i]] if ok[i] else nothing
            for c, width in enumerate(self._widths):
                if width is not None and width < 0 and len(rows):
                    wanted = made[c].raw_bytes(i)
                    rows = rows[[self.columns[c].raw_bytes(int(r)) == wanted for r in rows]]
            result.append(rows)
        return result


# -- the dock ---------------------------------------------------------------------------------


def _named(widget, name: str):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class TablePlotDock(QDockWidget):
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

        self.plot_widget = None  # pyqtgraph's PlotWidget, made when first shown
        self.base_item = None
        self.pending_item = None
        self._axis_kinds: dict[str, str] = {}
        self._schema = None
        self._codecs: dict = {}
        self._floats: dict[str, tuple[LoadedColumns, int, np.ndarray, np.ndarray]] = {}
        self._key_index: tuple[LoadedColumns, int, KeyIndex] | None = None
        self._base_rows = np.empty(0, dtype=np.int64)
        self._pending_rows = np.empty(0, dtype=np.int64)
        self.sampled = False
        self._stale = True
        self._joined = None  # (pages, their count, names, the joined columns): see _loaded_for
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
        self._floats.clear()
        self._key_index = None
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
    def _schedule(self, *_args) -> None:
        self._stale = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _on_visibility(self, visible: bool) -> None:
        if visible:
            self._ensure_plot()
            if self._stale:
                self._timer.start()
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

    def _ensure_plot(self) -> None:
        if self.plot_widget is not None:
            return
        import pyqtgraph as pg  # noqa: PLC0415 - imported when the plot is first shown

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

    def _set_axis(self, side: str, name: str) -> None:
        import pyqtgraph as pg  # noqa: PLC0415 - already loaded by _ensure_plot

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

    def _column_floats(self, loaded: LoadedColumns, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The column's floats, converting only the rows loaded since last time."""
        n = len(loaded)
        column = loaded[name]
        cached = self._floats.get(name)
        if cached is not None and cached[0] is loaded and cached[1] == n:
            return cached[2], cached[3]
        if cached is not None and cached[0] is loaded and cached[1] < n:
            values, drawable = column_floats(column.slice(cached[1], n), self._codecs[name])
            values = np.concatenate([cached[2], values])
            drawable = np.concatenate([cached[3], drawable])
        else:
            values, drawable = column_floats(column, self._codecs[name])
        self._floats[name] = (loaded, n, values, drawable)
        return values, drawable

    def _loaded_for(self, x: str | None, y: str | None) -> LoadedColumns | None:
        """The loaded rows' plotted columns and key columns, joined from the model's
        pages once (kept until rows come or go): joining every column of 1,000,000
        rows took 0.8 s on the GUI thread, these few are numbers and dates."""
        pages = self.model.loaded_pages()
        schema = self.model.schema
        if pages is None or not len(pages) or x is None or y is None or schema is None:
            return None
        names = tuple(dict.fromkeys([x, y, *[k for k in schema.key if k in pages.names]]))
        kept = self._joined
        if kept is not None and kept[0] is pages and kept[1:3] == (len(pages.pages), names):
            return kept[3]
        joined = LoadedColumns.joined([LoadedColumns(names, [page[name] for name in names]) for page in pages.pages])
        self._joined = (pages, len(pages.pages), names, joined)
        return joined

    def _rows_of(self, loaded: LoadedColumns, keys: list[tuple]) -> list[np.ndarray]:
        schema = self.model.schema
        if schema is None or not schema.key or any(k not in loaded.names for k in schema.key):
            return [np.empty(0, dtype=np.int64) for _ in keys]
        n = len(loaded)
        if self._key_index is None or self._key_index[0] is not loaded or self._key_index[1] != n:
            self._key_index = (loaded, n, KeyIndex([loaded[k] for k in schema.key]))
        return self._key_index[2].rows_of(keys)

    def refresh(self) -> None:
        """Redraw from the loaded columns and the pending edits now (normally once
        per burst of model changes, while the dock is shown)."""
        if not self.isVisible():
            self._stale = True  # drawn when shown: no GUI time for a hidden plot
            return
        self._stale = False
        if self.plot_widget is None:
            return
        x, y = self.x_column, self.y_column
        loaded = self._loaded_for(x, y)
        empty = np.empty(0)
        if loaded is None or not len(loaded) or x is None or y is None:
            self.base_item.set_points(empty, empty)
            self.pending_item.set_points(empty, empty)
            self._base_rows = self._pending_rows = np.empty(0, dtype=np.int64)
            self.sampled = False
            if x is None:
                self.caption.setText("This table has no numbers, dates or timestamps to plot.")
            else:
                self.caption.setText("No rows loaded.")
            return
        self._set_axis("bottom", x)
        self._set_axis("left", y)
        n = len(loaded)
        xs, x_ok = self._column_floats(loaded, x)
        ys, y_ok = self._column_floats(loaded, y)
        drawable = x_ok & y_ok

        pending_mask = np.zeros(n, dtype=bool)
        rows_p, xs_p, ys_p = [], [], []
        edits = self.table_window.edits
        by_key: dict[tuple, dict[str, object]] = {}
        if edits:
            for change in edits.snapshot().values():  # no order needed: not changes(), which sorts
                if change.column in (x, y):
                    by_key.setdefault(change.key, {})[change.column] = change.new
        if by_key:
            keys = list(by_key)
            for key, rows in zip(keys, self._rows_of(loaded, keys)):
                if not len(rows):
                    continue
                pending_mask[rows] = True
                news = by_key[key]
                px = np.full(len(rows), value_float(news[x])) if x in news else np.where(x_ok[rows], xs[rows], np.nan)
                py = np.full(len(rows), value_float(news[y])) if y in news else np.where(y_ok[rows], ys[rows], np.nan)
                keep = np.isfinite(px) & np.isfinite(py)
                rows_p.append(rows[keep])
                xs_p.append(px[keep])
                ys_p.append(py[keep])
        self._pending_rows = np.concatenate(rows_p) if rows_p else np.empty(0, dtype=np.int64)
        pending_x = np.concatenate(xs_p) if xs_p else empty
        pending_y = np.concatenate(ys_p) if ys_p else empty

        base = np.flatnonzero(drawable & ~pending_mask)
        points = len(base) + len(self._pending_rows)
        shown = sample_rows(base, MAX_POINTS)
        self.sampled = len(shown) < len(base)
        self._base_rows = shown
        size = FEW_POINT_SIZE if points <= FEW_POINTS else POINT_SIZE
        self.base_item.set_points(xs[shown], ys[shown], size)
        self.pending_item.set_points(pending_x, pending_y, size)

        caption = f"{points:,} points of {n:,} loaded rows"
        if len(self._pending_rows):
            caption += f", {len(self._pending_rows):,} with a pending value (amber)"
        missing = n - points  # every loaded row is one point, or has no value to draw
        if missing:
            caption += f"; {missing:,} without both values (NULL, NaN or infinite)"
        if self.sampled:
            caption += (
                f". More than {MAX_POINTS:,} points: a sample of {len(shown):,} is drawn"
                + (", and every pending value" if len(self._pending_rows) else "")
            )
        self.caption.setText(caption + ".")

    # -- clicks ---------------------------------------------------------------------------
    def point_position(self, row: int) -> QPointF:
        """Where the point of loaded ``row`` is, in the plot widget's coordinates."""
        for item, rows in ((self.pending_item, self._pending_rows), (self.base_item, self._base_rows)):
            found = np.flatnonzero(rows == row)
            if len(found):
                i = int(found[0])
                scene = self.plot_widget.getViewBox().mapViewToScene(QPointF(item.xs[i], item.ys[i]))
                return self.plot_widget.mapFromScene(scene).toPointF()
        raise KeyError(row)

    def row_at(self, scene_pos: QPointF) -> int | None:
        """The row of the point nearest ``scene_pos`` within a few pixels, pending first."""
        box = self.plot_widget.getViewBox()
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
    from .icons import icon

    dock = TablePlotDock(window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # drawn only when asked for
    action = dock.toggleViewAction()
    action.setText("&Plot")
    action.setObjectName("Plot")
    action.setToolTip("Plot one column against another (numbers, dates, timestamps)")
    action.setIcon(icon("plot"))
    window.view_menu.addSeparator()
    window.view_menu.addAction(action)
    dock.view_action = action
    window.table_plot_dock = dock
    return dock
