"""Typed column storage for a loaded result: NumPy arrays and NULL masks, no Python
object per cell.  Qt-free.

A :class:`ColumnData` holds one column of one kind:

===============  ===========================  ======================  ============
kind             PostgreSQL types             storage                 bytes a row
===============  ===========================  ======================  ============
``int``          smallint, integer, bigint    int16 / int32 / int64   2 / 4 / 8
``float``        real, double precision       float32 / float64       4 / 8
``bool``         boolean                      bool                    1
``date``         date                         datetime64[D]           8
``timestamp``    timestamp                    datetime64[us], naive   8
``timestamptz``  timestamp with time zone     datetime64[us], UTC     8
``numeric``      numeric[(p,s)]               offsets + ASCII bytes   8 + its text
``text``         text, varchar, char, json,   offsets + UTF-8 bytes   8 + its UTF-8
                 uuid, enums, anything else
===============  ===========================  ======================  ============

Plus 1 byte a row for the NULL mask of a column that has a NULL (a column without
one keeps ``None``).  In use::

    column = ColumnData.from_values("numeric", [Decimal("1.50"), None])
    column.value(0), column.is_null(1)        # Decimal('1.50'), True
    column.append(next_page)                  # same kind: grows in place
    column.offsets, column.data, column.null_mask   # NumPy views, no copy
    loaded = LoadedColumns(["id", "price"], [ids, column])
    loaded.row(0), loaded["price"], loaded.slice(100, 200), loaded.nbytes

Offsets are int64 (``offsets[i]:offsets[i+1]`` is row ``i``'s
bytes), so a column may hold more than 2 GiB of text.  A numeric is kept as the
server's own text (``12.500``, ``NaN``, ``-Infinity``), so its digits and scale are
exact; :meth:`ColumnData.value` makes the ``Decimal`` only for the cell asked for.

Measured (``LoadedColumns.nbytes`` after a read) on a 1,000,000-row table of
``id bigint`` 8, ``sensor text`` of 12 characters 20, ``taken_at timestamptz`` 8,
``value numeric(12,3)`` (12.4 characters on average) 20.4, ``ok boolean`` 1 and
``note text`` (70 % NULL, 38.9 bytes when set) 20.7: 78.0 bytes a row, 78 MB in
all.  psycopg2's ``fetchall()`` tuples of the same rows (int, str, aware datetime,
Decimal, bool, str or None) hold 380 bytes a row (``tracemalloc``), and a read
through them peaks 700 MB above where it started.

Dates and timestamps: ``infinity`` and ``-infinity`` are kept apart as the largest
and smallest int64 (one above NaT); :meth:`ColumnData.value` gives ``date.max`` /
``datetime.max`` and ``date.min`` / ``datetime.min`` for them, as psycopg2 does.  A
date the server holds beyond ``datetime``'s years 1 to 9999 (BC, or year 10000 and
on) is stored exactly, but its ``value`` raises :class:`ValueError`, as psycopg2 does
for the whole result; :meth:`ColumnData.is_beyond` finds these cells and the
infinite ones, and :meth:`ColumnData.text` gives PostgreSQL's text of them.  (A
timestamp past year 294,247, which PostgreSQL allows up to 294,276 but
datetime64[us] cannot hold, is not read at all: see :mod:`gui.data.transport`.)  A
``real``'s value is the float of its shortest decimal, as the server prints it and
psycopg2 reads it (``0.1``, not ``0.10000000149011612``).

Growth.  :meth:`ColumnData.append` copies the other column's cells into spare
capacity that doubles when it runs out (amortised constant time a cell, never more
than twice the cells' size held); :meth:`ColumnData.compact` gives the spare back
once a result is complete.  The first append into an empty column adopts the arrays
without copying.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

import numpy as np

FIXED_KINDS = ("int", "float", "bool", "date", "timestamp", "timestamptz")
VAR_KINDS = ("numeric", "text")
KINDS = FIXED_KINDS + VAR_KINDS

# infinity / -infinity of date and timestamp columns (NaT is int64's smallest)
POS_INFINITY = np.iinfo(np.int64).max
NEG_INFINITY = np.iinfo(np.int64).min + 1
# how PostgreSQL writes them, and how the window, an export and the review show them
INFINITY_WORD, NEG_INFINITY_WORD = "infinity", "-infinity"
INFINITE_WORDS = (INFINITY_WORD, NEG_INFINITY_WORD)


def infinity_word(raw: int) -> str:
    """``"infinity"`` or ``"-infinity"`` for :data:`POS_INFINITY` / :data:`NEG_INFINITY`."""
    return INFINITY_WORD if raw == POS_INFINITY else NEG_INFINITY_WORD


DATETIME_KINDS = ("date", "timestamp", "timestamptz")
# the datetime64 values of years 1 to 9999: the ones Python's date and datetime hold
FIRST_DAY, LAST_DAY = np.datetime64("0001-01-01", "D"), np.datetime64("9999-12-31", "D")
FIRST_US, LAST_US = np.datetime64("0001-01-01T00:00:00", "us"), np.datetime64("9999-12-31T23:59:59.999999", "us")


_RAW_BOUNDS = {
    "date": (int(FIRST_DAY.view(np.int64)), int(LAST_DAY.view(np.int64))),
    "timestamp": (int(FIRST_US.view(np.int64)), int(LAST_US.view(np.int64))),
    "timestamptz": (int(FIRST_US.view(np.int64)), int(LAST_US.view(np.int64))),
}


def beyond_mask(kind: str, values: np.ndarray) -> np.ndarray:
    """True where a date or timestamp (``values``: datetime64 of ``kind``'s unit) is
    no ``date`` or ``datetime``: ``infinity``, ``-infinity``, or outside years 1 to
    9999 (BC, or year 10000 and on, which PostgreSQL holds).  NULL cells are not
    told apart here: mask them out."""
    first, last = (FIRST_DAY, LAST_DAY) if kind == "date" else (FIRST_US, LAST_US)
    return (values < first) | (values > last)  # NaT (NULL) compares False


def datetime_text(kind: str, raw: int) -> str:
    """A date or timestamp (``raw``: days or microseconds since 1970) as PostgreSQL
    prints it with ``DateStyle`` ISO: ``infinity``, ``0045-03-15 BC``, ``10000-01-01``,
    ``0045-03-15 12:00:00.5+00 BC`` (a ``timestamptz`` in UTC, its offset said).
    For the cells :func:`beyond_mask` finds, which no ``date`` or ``datetime``
    holds; any other is printed the same way."""
    if raw in (POS_INFINITY, NEG_INFINITY):
        return infinity_word(raw)
    unit = "D" if kind == "date" else "us"
    iso = str(np.datetime_as_string(np.datetime64(raw, unit), unit=unit))  # [-]YYYY[Y…]-MM-DD[THH:MM:SS.ffffff]
    sign = -1 if iso.startswith("-") else 1
    year_text, rest = iso.lstrip("-+").split("-", 1)
    year = sign * int(year_text)
    era = ""
    if year < 1:  # astronomical year 0 is 1 BC
        year, era = 1 - year, " BC"
    date_part = f"{year:04d}-{rest[:5]}"
    if kind == "date":
        return date_part + era
    clock, fraction = rest[6:14], rest[14:].rstrip("0")
    offset = "+00" if kind == "timestamptz" else ""
    return f"{date_part} {clock}{fraction if len(fraction) > 1 else ''}{offset}{era}"

_DEFAULT_DTYPES = {
    "int": np.dtype(np.int64),
    "float": np.dtype(np.float64),
    "bool": np.dtype(np.bool_),
    "date": np.dtype("datetime64[D]"),
    "timestamp": np.dtype("datetime64[us]"),
    "timestamptz": np.dtype("datetime64[us]"),
}
_ALLOWED_DTYPES = {
    "int": {np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int64)},
    "float": {np.dtype(np.float32), np.dtype(np.float64)},
}

_EPOCH_DATE = dt.date(1970, 1, 1)
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICROSECOND = dt.timedelta(microseconds=1)
_EMPTY_BYTES = np.empty(0, dtype=np.uint8)


def _grown(array: np.ndarray, used: int, needed: int) -> np.ndarray:
    """``array`` with room for ``needed`` items, its first ``used`` kept: the same
    array when it has the room, else a new one of at least twice the size."""
    if needed <= len(array) and array.flags.writeable:
        return array
    bigger = np.empty(max(needed, 2 * len(array), 16), dtype=array.dtype)
    bigger[:used] = array[:used]
    return bigger


class ColumnData:
    """One column of one kind (see the module docstring), growing by :meth:`append`."""

    __slots__ = ("kind", "dtype", "_n", "_values", "_offsets", "_data", "_mask")

    def __init__(self, kind: str, dtype: np.dtype | str | type | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown column kind {kind!r}")
        self.kind = kind
        if kind in VAR_KINDS:
            self.dtype = None
        else:
            self.dtype = np.dtype(dtype) if dtype is not None else _DEFAULT_DTYPES[kind]
            allowed = _ALLOWED_DTYPES.get(kind, {_DEFAULT_DTYPES[kind]})
            if self.dtype not in allowed:
                raise ValueError(f"a {kind} column cannot be stored as {self.dtype}")
        self._n = 0
        self._values: np.ndarray | None = None if self.dtype is None else np.empty(0, dtype=self.dtype)
        self._offsets: np.ndarray | None = np.zeros(1, dtype=np.int64) if self.dtype is None else None
        self._data: np.ndarray | None = _EMPTY_BYTES if self.dtype is None else None
        self._mask: np.ndarray | None = None

    # -- building ----------------------------------------------------------------

    @classmethod
    def from_arrays(cls, kind: str, values: np.ndarray, mask: np.ndarray | None = None) -> ColumnData:
        """A fixed-width column over ``values`` (adopted, not copied); ``mask`` is
        True where the cell is NULL (the value there is ignored), dropped when it
        has no True."""
        column = cls(kind, values.dtype)
        if column.dtype is None:
            raise ValueError(f"{kind} columns are built with from_buffers")
        column._values = values
        column._n = len(values)
        column._mask = _kept_mask(mask, len(values))
        return column

    @classmethod
    def from_buffers(cls, kind: str, offsets: np.ndarray, data: np.ndarray, mask: np.ndarray | None = None) -> ColumnData:
        """A text or numeric column: row ``i`` is ``data[offsets[i]:offsets[i+1]]``
        (UTF-8); ``offsets`` starts at 0 and has one more item than there are rows."""
        column = cls(kind)
        if column.dtype is not None:
            raise ValueError(f"{kind} columns are built with from_arrays")
        if len(offsets) == 0 or offsets[0] != 0:
            raise ValueError("offsets must start at 0")
        column._offsets = offsets.astype(np.int64, copy=False)
        column._data = data.view(np.uint8) if data.dtype != np.uint8 else data
        column._n = len(offsets) - 1
        column._mask = _kept_mask(mask, column._n)
        return column

    @classmethod
    def from_values(cls, kind: str, values: Sequence[object], dtype: np.dtype | str | type | None = None) -> ColumnData:
        """A column from Python values as psycopg2 or sqlite3 return them (``None``
        for NULL): ``int``, ``float``, ``bool``, ``date``, ``datetime`` (aware for
        ``timestamptz``) or the words ``"infinity"`` / ``"-infinity"``,
        ``Decimal`` or ``str`` for ``numeric``, ``str`` for text.

        Raises :class:`ValueError` or :class:`TypeError` for a value of another
        kind, :class:`OverflowError` for an integer the dtype cannot hold."""
        column = cls(kind, dtype)
        n = len(values)
        nulls = [v is None for v in values]
        mask = np.array(nulls, dtype=bool) if any(nulls) else None
        if column.dtype is None:
            encoded = [b"" if v is None else _text_of(kind, v).encode("utf-8") for v in values]
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
            return cls.from_buffers(kind, offsets, data, mask)
        to_raw = _TO_RAW[kind]
        if kind in ("date", "timestamp", "timestamptz"):
            to_raw = _with_infinity(to_raw)
        raw = [0 if v is None else to_raw(v) for v in values]
        if kind in ("date", "timestamp", "timestamptz"):
            ints = np.array(raw, dtype=np.int64) if n else np.empty(0, dtype=np.int64)
            array = ints.view(column.dtype)
        else:
            # NumPy raises OverflowError for an int the dtype cannot hold
            array = np.array(raw, dtype=column.dtype) if n else np.empty(0, dtype=column.dtype)
        return cls.from_arrays(kind, array, mask)

    def append(self, other: ColumnData) -> None:
        """Add ``other``'s cells after this column's (same kind and dtype)."""
        if other.kind != self.kind or other.dtype != self.dtype:
            raise ValueError(f"cannot append a {other.kind} column ({other.dtype}) to a {self.kind} column ({self.dtype})")
        m = len(other)
        if m == 0:
            return
        n = self._n
        if n == 0:
            # adopt: the first page costs no copy.  Views of exactly the cells, so
            # that growing later copies instead of writing into ``other``'s spare room.
            if other._values is not None:
                self._values = other._values[:m]
            else:
                assert other._offsets is not None and other._data is not None
                self._offsets = other._offsets[: m + 1]  # offsets always start at 0
                self._data = other._data[: int(other._offsets[m])]
            self._mask = None if other._mask is None else other._mask[:m]
            self._n = m
            return
        if self.dtype is not None:
            assert self._values is not None and other._values is not None
            self._values = _grown(self._values, n, n + m)
            self._values[n : n + m] = other._values[:m]
        else:
            assert self._offsets is not None and self._data is not None
            assert other._offsets is not None and other._data is not None
            used = int(self._offsets[n])
            size = int(other._offsets[m])
            self._data = _grown(self._data, used, used + size)
            self._data[used : used + size] = other._data[:size]
            self._offsets = _grown(self._offsets, n + 1, n + m + 1)
            self._offsets[n + 1 : n + m + 1] = other._offsets[1 : m + 1] + used
        if self._mask is not None or other._mask is not None:
            if self._mask is None:
                self._mask = np.zeros(n + m, dtype=bool)
            else:
                self._mask = _grown(self._mask, n, n + m)
            self._mask[n : n + m] = other._mask[:m] if other._mask is not None else False
        self._n = n + m

    @classmethod
    def joined(cls, parts: Sequence[ColumnData]) -> ColumnData:
        """One column of ``parts``' cells, one after another (at least one part; all
        of one kind and dtype), allocated once at its final size; a single part is
        returned as it is."""
        if not parts:
            raise ValueError("no parts to join")
        first = parts[0]
        if any(p.kind != first.kind or p.dtype != first.dtype for p in parts):
            raise ValueError("cannot join columns of different kinds")
        if len(parts) == 1:
            return first
        mask = None
        if any(p._mask is not None for p in parts):
            mask = np.concatenate([p.null_mask if p.null_mask is not None else np.zeros(len(p), dtype=bool) for p in parts])
        if first.dtype is not None:
            return cls.from_arrays(first.kind, np.concatenate([p.values for p in parts]), mask)
        data = np.concatenate([p.data for p in parts])
        offsets = np.empty(sum(len(p) for p in parts) + 1, dtype=np.int64)
        offsets[0] = 0
        row, base = 0, 0
        for p in parts:
            n = len(p)
            offsets[row + 1 : row + n + 1] = p.offsets[1:] + base
            row, base = row + n, base + int(p.offsets[-1])
        return cls.from_buffers(first.kind, offsets, data, mask)

    def compact(self) -> None:
        """Give back spare capacity (one copy of each grown array)."""
        n = self._n
        if self._values is not None and len(self._values) != n:
            self._values = self._values[:n].copy()
        if self._offsets is not None and self._data is not None:
            if len(self._offsets) != n + 1:
                self._offsets = self._offsets[: n + 1].copy()
            if len(self._data) != int(self._offsets[n]):
                self._data = self._data[: int(self._offsets[n])].copy()
        if self._mask is not None and len(self._mask) != n:
            self._mask = self._mask[:n].copy()

    def slice(self, start: int, stop: int) -> ColumnData:
        """Rows ``start`` to ``stop`` (clipped like a list slice) as a new column:
        views of this one's arrays, except text offsets (8 bytes a row, rebased)."""
        start, stop, _ = slice(start, stop).indices(self._n)
        stop = max(start, stop)
        mask = None if self._mask is None else self._mask[start:stop]
        if self._values is not None:
            return ColumnData.from_arrays(self.kind, self._values[start:stop], mask)
        assert self._offsets is not None and self._data is not None
        first, last = int(self._offsets[start]), int(self._offsets[stop])
        return ColumnData.from_buffers(self.kind, self._offsets[start : stop + 1] - first, self._data[first:last], mask)

    # -- reading -----------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"ColumnData({self.kind!r}, {self.dtype}, rows={self._n}, nulls={self.null_count})"

    @property
    def values(self) -> np.ndarray:
        """The fixed-width values (a view; NULL cells hold an arbitrary value)."""
        if self._values is None:
            raise TypeError(f"a {self.kind} column has offsets and data, not values")
        return self._values[: self._n]

    @property
    def offsets(self) -> np.ndarray:
        """Text and numeric: ``len(self) + 1`` int64 offsets into :attr:`data` (a view)."""
        if self._offsets is None:
            raise TypeError(f"a {self.kind} column has values, not offsets")
        return self._offsets[: self._n + 1]

    @property
    def data(self) -> np.ndarray:
        """Text and numeric: every cell's UTF-8 bytes, one after another (a view)."""
        if self._offsets is None or self._data is None:
            raise TypeError(f"a {self.kind} column has values, not data")
        return self._data[: int(self._offsets[self._n])]

    @property
    def null_mask(self) -> np.ndarray | None:
        """True where the cell is NULL; ``None`` when no cell is."""
        return None if self._mask is None else self._mask[: self._n]

    @property
    def null_count(self) -> int:
        return 0 if self._mask is None else int(np.count_nonzero(self._mask[: self._n]))

    @property
    def nbytes(self) -> int:
        """Bytes this column holds, spare capacity included."""
        return sum(a.nbytes for a in (self._values, self._offsets, self._data, self._mask) if a is not None)

    def _index(self, i: int) -> int:
        n = self._n
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"row {i} of a column of {n}")
        return i

    def is_null(self, i: int) -> bool:
        i = self._index(i)
        return self._mask is not None and bool(self._mask[i])

    def raw_bytes(self, i: int) -> bytes:
        """Text and numeric: the cell's UTF-8 bytes (``b""`` for NULL)."""
        i = self._index(i)
        if self._offsets is None or self._data is None:
            raise TypeError(f"a {self.kind} column has no bytes")
        return self._data[int(self._offsets[i]) : int(self._offsets[i + 1])].tobytes()

    def is_infinite(self, i: int) -> bool:
        """A date or timestamp cell holding ``infinity`` or ``-infinity``."""
        i = self._index(i)
        if self.kind not in ("date", "timestamp", "timestamptz") or self.is_null(i):
            return False
        raw = int(self._values[i].view(np.int64))  # type: ignore[index]
        return raw in (POS_INFINITY, NEG_INFINITY)

    def is_beyond(self, i: int) -> bool:
        """A date or timestamp cell that no ``date`` or ``datetime`` holds, so that
        :meth:`value` cannot give it as it is: ``infinity``, ``-infinity``, or
        outside years 1 to 9999 (see :func:`beyond_mask`)."""
        i = self._index(i)
        if self.kind not in DATETIME_KINDS or self.is_null(i):
            return False
        first, last = _RAW_BOUNDS[self.kind]  # ints: a cell at a time, as data() asks, without NumPy's per-call cost
        return not first <= int(self._values[i].view(np.int64)) <= last  # type: ignore[index]

    def text(self, i: int) -> str:
        """A date or timestamp cell as PostgreSQL prints it (:func:`datetime_text`)."""
        i = self._index(i)
        return datetime_text(self.kind, int(self._values[i].view(np.int64)))  # type: ignore[index]

    def value(self, i: int) -> object:
        """The cell as a Python value (``None`` for NULL), the type psycopg2 gives:
        ``int``, ``float``, ``bool``, ``date``, ``datetime`` (aware, UTC, for
        ``timestamptz``), ``Decimal`` for numeric, ``str`` for text."""
        i = self._index(i)
        if self._mask is not None and self._mask[i]:
            return None
        kind = self.kind
        if kind == "text":
            return self.raw_bytes(i).decode("utf-8")
        if kind == "numeric":
            return Decimal(self.raw_bytes(i).decode("ascii"))
        item = self._values[i]  # type: ignore[index]
        if kind == "int":
            return int(item)
        if kind == "float":
            # a real prints (and psycopg2 reads it) as its shortest decimal
            return float(item) if self.dtype == np.float64 else float(str(item))
        if kind == "bool":
            return bool(item)
        return _from_raw(kind, int(item.view(np.int64)))

    def equal_mask(self, value: object) -> np.ndarray:
        """True where the cell equals ``value`` (a non-NULL value as :meth:`value`
        gives it), as the server's ``=`` would: compared in the arrays for fixed
        widths; for text only the cells of the right byte length are looked at;
        numeric, whose equal values may be written with other scales, cell by cell."""
        n = self._n
        if self.dtype is not None:
            if self.kind in ("date", "timestamp", "timestamptz"):
                raw = _TO_RAW[self.kind](value)
                mask = self._values[:n].view(np.int64) == raw  # type: ignore[index]
            else:
                mask = self._values[:n] == value  # type: ignore[index]
        elif self.kind == "numeric":
            # 1.5 equals 1.50 (as on the server), though their texts differ: compared as numbers
            mask = np.array([not self.is_null(i) and self.value(i) == value for i in range(n)], dtype=bool)
        else:
            wanted = _text_of(self.kind, value).encode("utf-8")
            offsets = self._offsets[: n + 1]  # type: ignore[index]
            candidates = np.flatnonzero(np.diff(offsets) == len(wanted))
            mask = np.zeros(n, dtype=bool)
            data = self._data
            for i in candidates.tolist():
                mask[i] = data[int(offsets[i]) : int(offsets[i + 1])].tobytes() == wanted  # type: ignore[index]
        if self._mask is not None:
            mask &= ~self._mask[:n]
        return mask

    def __iter__(self) -> Iterator[object]:
        for i in range(self._n):
            yield self.value(i)

    def to_pylist(self) -> list[object]:
        return list(self)


def _kept_mask(mask: np.ndarray | None, n: int) -> np.ndarray | None:
    if mask is None:
        return None
    mask = np.asarray(mask, dtype=bool)
    if len(mask) != n:
        raise ValueError(f"a NULL mask of {len(mask)} for {n} rows")
    return mask if mask.any() else None


def _text_of(kind: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if kind == "numeric" and isinstance(value, Decimal):
        # the server's spelling: fixed point, never exponent notation
        return format(value, "f") if value.is_finite() else {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}[str(value)]
    if kind == "numeric" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"a {kind} column takes str values, not {type(value).__name__}")


def _int_of(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an int column takes int values, not {type(value).__name__}")
    return value


def _float_of(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a float column takes float values, not {type(value).__name__}")
    return float(value)


def _bool_of(value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"a bool column takes bool values, not {type(value).__name__}")
    return bool(value)


def _days_of(value: object) -> int:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"a date column takes date values, not {type(value).__name__}")
    return (value - _EPOCH_DATE).days


def _micros_of(value: object, aware: bool) -> int:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"a timestamp column takes datetime values, not {type(value).__name__}")
    if (value.tzinfo is not None) != aware:
        raise ValueError(f"a {'timestamptz' if aware else 'timestamp'} column takes {'aware' if aware else 'naive'} datetimes")
    return (value - (_EPOCH_UTC if aware else _EPOCH)) // _MICROSECOND


def _with_infinity(to_raw):
    def raw_of(value: object) -> int:
        if value == INFINITY_WORD:
            return POS_INFINITY
        if value == NEG_INFINITY_WORD:
            return NEG_INFINITY
        return to_raw(value)

    return raw_of


_TO_RAW = {
    "int": _int_of,
    "float": _float_of,
    "bool": _bool_of,
    "date": _days_of,
    "timestamp": lambda v: _micros_of(v, aware=False),
    "timestamptz": lambda v: _micros_of(v, aware=True),
}


def _from_raw(kind: str, raw: int) -> object:
    """A date or timestamp from its int64 count of days or microseconds since 1970."""
    if kind == "date":
        if raw in (POS_INFINITY, NEG_INFINITY):
            return dt.date.max if raw == POS_INFINITY else dt.date.min
        try:
            return _EPOCH_DATE + dt.timedelta(days=raw)
        except OverflowError:
            raise ValueError(f"a date {raw} days from 1970-01-01 is outside years 1 to 9999") from None
    aware = kind == "timestamptz"
    if raw in (POS_INFINITY, NEG_INFINITY):
        value = dt.datetime.max if raw == POS_INFINITY else dt.datetime.min
        return value.replace(tzinfo=dt.timezone.utc) if aware else value
    try:
        return (_EPOCH_UTC if aware else _EPOCH) + dt.timedelta(microseconds=raw)
    except OverflowError:
        raise ValueError(f"a timestamp {raw} µs from 1970-01-01 is outside years 1 to 9999") from None


class LoadedColumns:
    """Named columns of equal length: one loaded result (or one page of it)."""

    def __init__(self, names: Sequence[str], columns: Sequence[ColumnData]):
        if len(names) != len(columns):
            raise ValueError(f"{len(names)} names for {len(columns)} columns")
        lengths = {len(c) for c in columns}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self.names = tuple(names)
        self.columns = list(columns)

    @classmethod
    def empty(cls, names: Sequence[str], kinds: Sequence[tuple[str, np.dtype | None]]) -> LoadedColumns:
        return cls(names, [ColumnData(kind, dtype) for kind, dtype in kinds])

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, key: int | str) -> ColumnData:
        if isinstance(key, str):
            try:
                return self.columns[self.names.index(key)]
            except ValueError:
                raise KeyError(key) from None
        return self.columns[key]

    def __iter__(self) -> Iterator[ColumnData]:
        return iter(self.columns)

    def row(self, i: int) -> tuple[object, ...]:
        return tuple(c.value(i) for c in self.columns)

    def rows(self) -> Iterable[tuple[object, ...]]:
        for i in range(len(self)):
            yield self.row(i)

    @classmethod
    def joined(cls, pieces: Sequence[LoadedColumns]) -> LoadedColumns:
        """The rows of ``pieces`` (at least one, all with the same columns), one
        after another; each column allocated once (:meth:`ColumnData.joined`)."""
        if not pieces:
            raise ValueError("no pieces to join")
        names = pieces[0].names
        if any(p.names != names for p in pieces):
            raise ValueError("cannot join pieces with different columns")
        if len(pieces) == 1:
            return pieces[0]
        return cls(names, [ColumnData.joined([p.columns[k] for p in pieces]) for k in range(len(names))])

    def append(self, other: LoadedColumns) -> None:
        """Add ``other``'s rows after these (same columns, in the same order)."""
        if len(other.columns) != len(self.columns):
            raise ValueError(f"cannot append {len(other.columns)} columns to {len(self.columns)}")
        for mine, theirs in zip(self.columns, other.columns):
            mine.append(theirs)

    def compact(self) -> None:
        for column in self.columns:
            column.compact()

    def slice(self, start: int, stop: int) -> LoadedColumns:
        """Rows ``start`` to ``stop`` (a page of a held result), without copying values."""
        return LoadedColumns(self.names, [c.slice(start, stop) for c in self.columns])

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.columns)

    def __repr__(self) -> str:
        return f"LoadedColumns({len(self)} rows: {', '.join(f'{n} {c.kind}' for n, c in zip(self.names, self.columns))})"


class PagedColumns:
    """The pages of one result, kept as they came: appending a page copies nothing.

    A million-row page appended to the model's columns used to be copied into them
    (and its arrays held beside the copy until it was done), which set the peak
    memory of a full load (``make bench``); here a page is referenced as it is and
    a row is found by a binary search over the pages' starts.  :meth:`combined`
    gives one :class:`LoadedColumns` for readers that want whole arrays (the plot,
    an export of the selection): it joins the pages once, then keeps only the join.
    """

    def __init__(self, names: Sequence[str]):
        self.names = tuple(names)
        self.pages: list[LoadedColumns] = []
        self._starts: list[int] = [0]

    def extend(self, pages: Sequence[LoadedColumns]) -> None:
        """:meth:`append` each of ``pages``, in order."""
        for page in pages:
            self.append(page)

    def append(self, page: LoadedColumns) -> None:
        if page.names != self.names:
            raise ValueError(f"a page of {page.names} for columns {self.names}")
        if len(page):
            self.pages.append(page)
            self._starts.append(self._starts[-1] + len(page))

    def __len__(self) -> int:
        return self._starts[-1]

    def locate(self, row: int, column: int) -> tuple[ColumnData, int]:
        """The column of the page holding ``row``, and the row's index in it;
        ``IndexError`` outside ``0 <= row < len(self)``."""
        if not 0 <= row < self._starts[-1]:
            raise IndexError(f"row {row} of {self._starts[-1]}")
        k = bisect_right(self._starts, row) - 1
        return self.pages[k].columns[column], row - self._starts[k]

    def value(self, row: int, column: int) -> object:
        data, i = self.locate(row, column)
        return data.value(i)

    def rows_where(self, columns: Sequence[int], values: Sequence[object]) -> list[int]:
        """The rows whose cells in ``columns`` equal ``values`` (none of them NULL),
        found in the arrays page by page (see :meth:`ColumnData.equal_mask`)."""
        found: list[int] = []
        for start, page in zip(self._starts, self.pages):
            mask = np.ones(len(page), dtype=bool)
            for column, value in zip(columns, values):
                mask &= page.columns[column].equal_mask(value)
            found.extend((np.flatnonzero(mask) + start).tolist())
        return found

    def compact(self) -> None:
        for page in self.pages:
            page.compact()

    def combined(self) -> LoadedColumns:
        """Every row as one :class:`LoadedColumns` (joined once; the pages are then
        replaced by the join, so the rows are not held twice)."""
        if not self.pages:
            raise ValueError("no rows")
        if len(self.pages) > 1:
            joined = LoadedColumns.joined(self.pages)
            self.pages = [joined]
            self._starts = [0, len(joined)]
        return self.pages[0]

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.pages)
