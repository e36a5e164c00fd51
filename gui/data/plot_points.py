"""The points of View → Plot for any table, made from the loaded columns without Qt,
on a worker (:func:`plot_points`); the dock (:mod:`gui.qt.table_plot`) only hands
the finished arrays to pyqtgraph.

Everything drawn is read from the loaded pages' NumPy arrays
(:class:`~gui.data.columns.LoadedColumns`), never by asking for one cell after
another:

* integers and floats are cast to ``float64``; dates and timestamps become seconds
  since 1970 (a naive timestamp or a date as if it were UTC, so the axis shows the
  stored wall time; a timestamptz in UTC, which the axis says);
* ``numeric`` is kept as the server's text, so its cells are turned into fixed-width
  byte strings in chunks and cast by NumPy (a cell of more than
  :data:`TEXT_WIDTH` characters, rare, is converted alone).  Numbers are then
  drawn as floating point: 15–17 significant digits (:data:`FLOAT_NOTE`);
* NULL, NaN and infinite values are not drawn (the caption counts them);
* the rows of the pending changes are found by their key with a sort of the key
  columns and a binary search for all the changes at once (:class:`KeyIndex`), not
  by a walk over the rows;
* more than :data:`MAX_POINTS` points: a fixed sample of about that many rows is
  drawn (which rows does not change as rows load or edits come and go), and the
  caption says so; pending values are always all drawn.

The conversions are kept per loaded page (:class:`PointsCache`), so a new page or
an edit costs only what changed.  Why a worker: on the GUI thread, the first plot
of 1,000,000 loaded rows (a ``numeric`` against a ``timestamptz``) held it 0.1 s
and more, converting the numeric texts alone 0.15 s.  NumPy's casts of text hold
the GIL for the whole array, so they are done a chunk of :data:`CHUNK` rows at a
time: between two chunks the GUI thread can take the GIL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .codecs import Codec, DateCodec, FloatCodec, IntegerCodec, NumericCodec, TimestampCodec, TimestampTzCodec
from .columns import NEG_INFINITY, POS_INFINITY, ColumnData, LoadedColumns
from .edits import CellChange, CellId
from .wording import plural

MAX_POINTS = 200_000
TEXT_WIDTH = 48  # characters of a numeric (or SQLite) text cast in bulk
CHUNK = 65_536  # rows a chunk when cells are made fixed-width or cast from text
# in logical pixels; a handful of rows is drawn bigger, to be seen (gui.qt.plot draws them)
FEW_POINTS, FEW_POINT_SIZE, POINT_SIZE = 2_000, 8, 4
FLOAT_NOTE = (
    "The plot draws every value as floating point (about 15 significant digits): a numeric "
    "or a bigint beyond 2^53 is drawn rounded; the table shows it exactly."
)
_NUMBER_CODECS = (IntegerCodec, FloatCodec, NumericCodec)
_TIME_CODECS = (DateCodec, TimestampCodec, TimestampTzCodec)
_NAT = np.iinfo(np.int64).min
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)
_NO_ROWS = np.empty(0, dtype=np.int64)


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
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
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


def _with_zone(cells: np.ndarray) -> bool:
    """Whether a date or time text has a time zone (``Z``, ``+hh``, ``-hh`` after the
    date): NumPy would cast it with a warning, so such texts are read one by one."""
    width = cells.dtype.itemsize
    if width <= 10 or not len(cells):
        return False
    tail = cells.view(np.uint8).reshape(len(cells), width)[:, 10:]
    return bool(np.isin(tail, np.frombuffer(b"+-Z", dtype=np.uint8)).any())


def _cast(cells: np.ndarray, time: bool) -> np.ndarray:
    """``cells`` (fixed-width text) as floats, a chunk at a time (a cast of text holds
    the GIL for all it casts).  ``ValueError`` for text NumPy cannot read."""
    values = np.empty(len(cells))
    for start in range(0, len(cells), CHUNK):
        block = cells[start : start + CHUNK]
        if time:
            values[start : start + CHUNK] = block.astype("datetime64[us]").view(np.int64).astype(np.float64) / 1e6
        else:
            values[start : start + CHUNK] = block.astype(np.float64)
    return values


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
        if time and _with_zone(cells):
            raise ValueError("a time zone")
        values = _cast(cells, time)
    except (ValueError, OverflowError):
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
    the rows of many keys are two binary searches and a few whole-array operations.
    Text keys are compared on their first :data:`TEXT_WIDTH` bytes and their
    length, and, when a key is longer than that, checked byte for byte on the rows
    found.  Measured on 1,000,000 rows: 0.14 s to build for a bigint key in random
    order, 0.6 s for a uuid (text) key; 10,000 lookups 0.01 s."""

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

    def lookup(self, keys: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray]:
        """``(owners, rows)``: every loaded row of ``keys`` (values as the loaded
        columns give them) and, for each, the position of its key in ``keys``; the
        rows of one key together, in key order."""
        if not keys or self.n == 0 or not self.columns:
            return _NO_ROWS, _NO_ROWS
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
        counts = np.where(ok, right - left, 0)
        owners = np.repeat(np.arange(len(keys)), counts)
        firsts = np.cumsum(counts) - counts
        rows = self._order[np.repeat(left, counts) + np.arange(len(owners)) - np.repeat(firsts, counts)]
        for c, width in enumerate(self._widths):
            if width is not None and width < 0 and len(rows):
                # a key longer than the bytes compared: its rows checked byte for byte
                same = np.fromiter(
                    (self.columns[c].raw_bytes(int(r)) == made[c].raw_bytes(int(i)) for i, r in zip(owners, rows)),
                    dtype=bool,
                    count=len(rows),
                )
                owners, rows = owners[same], rows[same]
        return owners, rows

    def rows_of(self, keys: Sequence[tuple]) -> list[np.ndarray]:
        """For each key (values as the loaded columns give them), its loaded rows."""
        owners, rows = self.lookup(keys)
        bounds = np.searchsorted(owners, np.arange(len(keys) + 1))
        return [rows[bounds[i] : bounds[i + 1]] for i in range(len(keys))]


# -- the points of one plot -----------------------------------------------------------------


@dataclass(frozen=True)
class PointsRequest:
    """What a plot is made of, taken on the GUI thread without copying rows: the
    loaded pages (never changed once loaded), the two columns, the key, and a copy
    of the pending set."""

    pages: tuple[LoadedColumns, ...]
    x: str
    y: str
    codecs: Mapping[str, Codec]  # at least x's and y's
    key: tuple[str, ...]  # the key columns (none loaded: pending values are not found)
    pending: Mapping[CellId, CellChange] = field(default_factory=dict)
    limit: int = MAX_POINTS


@dataclass(frozen=True)
class PlotPoints:
    """The arrays the plot draws, ready for pyqtgraph, and what its caption says."""

    x: str
    y: str
    loaded: int  # loaded rows
    base_rows: np.ndarray  # the rows drawn in blue (a sample when sampled)
    base_x: np.ndarray
    base_y: np.ndarray
    pending_rows: np.ndarray  # the rows drawn in amber (every one)
    pending_x: np.ndarray
    pending_y: np.ndarray
    points: int  # drawable points in all: base ones (before sampling) and pending ones
    sampled: bool
    limit: int = MAX_POINTS

    @property
    def size(self) -> int:
        """Logical pixels a point: a few points are drawn bigger, to be seen."""
        return FEW_POINT_SIZE if self.points <= FEW_POINTS else POINT_SIZE

    def caption(self) -> str:
        caption = f"{self.points:,} points of {self.loaded:,} loaded rows"
        if len(self.pending_rows):
            caption += f", {len(self.pending_rows):,} with a pending value (amber)"
        missing = self.loaded - self.points  # every loaded row is one point, or has no value to draw
        if missing:
            caption += f"; {missing:,} without both values (NULL, NaN or infinite)"
        if self.sampled:
            caption += (
                f". More than {self.limit:,} points: a sample of {len(self.base_rows):,} is drawn"
                + (", and every pending value" if len(self.pending_rows) else "")
            )
        return caption + "."


def drawing_caption(rows: int) -> str:
    """What the plot says while its points are being made."""
    return f"Drawing {plural(rows, 'loaded row')} …"


class PointsCache:
    """The conversions of earlier plots, per loaded page and column, and the key
    index of the last set of pages.  Used by one computation at a time (the plot's
    lane).  Every entry holds the pages it was made from and is found by them (by
    identity), never by their ``id()`` alone, which a page freed meanwhile could
    hand on to a new one."""

    def __init__(self) -> None:
        self._floats: dict[tuple[int, str], tuple[LoadedColumns, np.ndarray, np.ndarray]] = {}
        self._joined: dict[str, tuple[tuple[LoadedColumns, ...], np.ndarray, np.ndarray]] = {}
        self._index: tuple[tuple[LoadedColumns, ...], tuple[str, ...], KeyIndex] | None = None

    def floats(self, pages: Sequence[LoadedColumns], name: str, codec: Codec, check: Callable[[], None]) -> tuple[np.ndarray, np.ndarray]:
        """Column ``name`` of every page as floats, converting only pages not seen before."""
        joined = self._joined.get(name)
        if joined is not None and _same_pages(joined[0], pages):
            return joined[1], joined[2]
        parts = []
        for page in pages:
            hit = self._floats.get((id(page), name))
            if hit is None or hit[0] is not page:
                check()
                hit = (page, *column_floats(page[name], codec))
                self._floats[(id(page), name)] = hit
            parts.append(hit)
        if len(parts) == 1:
            values, drawable = parts[0][1], parts[0][2]
        elif parts:
            values = np.concatenate([p[1] for p in parts])
            drawable = np.concatenate([p[2] for p in parts])
        else:
            values, drawable = np.empty(0), np.empty(0, dtype=bool)
        self._joined[name] = (tuple(pages), values, drawable)
        return values, drawable

    def keep_only(self, pages: Sequence[LoadedColumns], names: Sequence[str]) -> None:
        """Forget the conversions of other pages and columns (their memory, and the pages)."""
        ids = {id(page) for page in pages}
        self._floats = {k: v for k, v in self._floats.items() if k[0] in ids and k[1] in names}
        self._joined = {k: v for k, v in self._joined.items() if k in names and _same_pages(v[0], pages)}
        if self._index is not None and not _same_pages(self._index[0], pages):
            self._index = None

    def key_index(self, pages: Sequence[LoadedColumns], key: tuple[str, ...]) -> KeyIndex:
        if self._index is None or self._index[1] != key or not _same_pages(self._index[0], pages):
            columns = [ColumnData.joined([page[name] for page in pages]) for name in key]
            self._index = (tuple(pages), key, KeyIndex(columns))
        return self._index[2]


def _same_pages(held: Sequence[LoadedColumns], pages: Sequence[LoadedColumns]) -> bool:
    """The same page objects, in the same order."""
    return len(held) == len(pages) and all(a is b for a, b in zip(held, pages))


def plot_points(request: PointsRequest, cache: PointsCache | None = None, check: Callable[[], None] = lambda: None) -> PlotPoints:
    """The points of one plot (any thread: no Qt).  ``check`` is called between the
    steps and may raise to stop early (a cancel)."""
    cache = cache if cache is not None else PointsCache()
    pages = [page for page in request.pages if len(page)]
    x, y = request.x, request.y
    cache.keep_only(pages, (x, y))
    xs, x_ok = cache.floats(pages, x, request.codecs[x], check)
    ys, y_ok = cache.floats(pages, y, request.codecs[y], check)
    n = len(xs)
    drawable = x_ok & y_ok
    check()

    by_key: dict[tuple, dict[str, object]] = {}
    for change in request.pending.values():
        if change.column == x or change.column == y:
            by_key.setdefault(change.key, {})[change.column] = change.new
    pending_mask = np.zeros(n, dtype=bool)
    pending_rows, pending_x, pending_y = _NO_ROWS, np.empty(0), np.empty(0)
    key = request.key
    if by_key and n and key and all(name in pages[0].names for name in key):
        check()
        keys = list(by_key)
        owners, rows = cache.key_index(pages, key).lookup(keys)
        check()
        if len(rows):
            pending_mask[rows] = True
            news = [by_key[k] for k in keys]
            new_x = np.fromiter((value_float(v[x]) if x in v else np.nan for v in news), dtype=np.float64, count=len(keys))
            new_y = np.fromiter((value_float(v[y]) if y in v else np.nan for v in news), dtype=np.float64, count=len(keys))
            has_x = np.fromiter((x in v for v in news), dtype=bool, count=len(keys))
            has_y = np.fromiter((y in v for v in news), dtype=bool, count=len(keys))
            px = np.where(has_x[owners], new_x[owners], np.where(x_ok[rows], xs[rows], np.nan))
            py = np.where(has_y[owners], new_y[owners], np.where(y_ok[rows], ys[rows], np.nan))
            keep = np.isfinite(px) & np.isfinite(py)
            pending_rows, pending_x, pending_y = rows[keep], px[keep], py[keep]

    base = np.flatnonzero(drawable & ~pending_mask)
    shown = sample_rows(base, request.limit)
    return PlotPoints(
        x=x,
        y=y,
        loaded=n,
        base_rows=shown,
        base_x=xs[shown],
        base_y=ys[shown],
        pending_rows=pending_rows,
        pending_x=pending_x,
        pending_y=pending_y,
        points=len(base) + len(pending_rows),
        sampled=len(shown) < len(base),
        limit=request.limit,
    )
