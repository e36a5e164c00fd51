"""The table model: a thin adapter over loaded rows and the pending-change set.

Rows live in two NumPy columns (16 bytes a row), appended page by page as Qt's
``canFetchMore``/``fetchMore`` protocol asks; pages are fetched on a worker thread.
A load may start at a key ("go to x") or at the row the user was on
(:mod:`gui.qt.keep_place`); the pages before it are then put in front as the view
asks (``fetch_before``), into room kept at the arrays' front, and the vertical
header numbers each row by its position in the whole result once the rows before
the first are counted.
``data()`` only reads those arrays and the pending set: it never blocks or raises.
``setData()`` only records a pending change (through the undo stack).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QUndoStack

from ..data.config import TableSpec
from ..data.errors import InvalidValue, UserError
from ..data.pending import PendingChanges
from .column_marks import HEADER_ROLES, column_header_data
from .palette import PENDING_ROLE, state_colours
from .tasks import TaskRunner
from .undo import PendingEdit


class _NumPy:
    """``numpy``, imported when the model first holds rows: the first window (the
    connection dialog over an empty table) opens without it (0.05–0.1 s of the start)."""

    def __getattr__(self, name: str):
        import numpy  # noqa: PLC0415

        globals()["np"] = numpy
        return getattr(numpy, name)


np = _NumPy()

# The first page is one screen (quick whatever the table's size); pages then double
# as the user scrolls, up to MAX_PAGE.  fetch_all() asks for FETCH_ALL_PAGE rows a
# page: on PostgreSQL such a page is read as two key ranges at once, each packed
# through binary COPY (see gui/data/rows.py), so a million rows cost two queries
# running side by side rather than ten in a row.
FIRST_PAGE = 1_000
MAX_PAGE = 100_000
FETCH_ALL_PAGE = 1_000_000
KEY_COLUMN, VALUE_COLUMN = 0, 1

READ_ONLY_REASON = "This connection is read-only: edits are not possible."
# why an edit is refused until the server has said what this connection may change
CHECKING_WRITABILITY = "Checking what this connection may change …"


class RowsModel(QAbstractTableModel):
    loading_changed = Signal(bool)
    rows_loaded = Signal(int)  # rows now in the model
    total_counted = Signal(int)  # rows of the whole result, counted in the background
    total_unknown = Signal()  # the count failed (a timeout, Cancel): the total stays unknown
    load_failed = Signal(object)  # a UserError
    edit_refused = Signal(str)  # why a typed value was not accepted

    def __init__(self, spec: TableSpec, pending: PendingChanges, runner: TaskRunner, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.pending = pending
        self.undo_stack = undo_stack
        self._runner = runner
        # the loaded rows are _xs[_head : _head + _n]: room before them for the pages before
        self._xs = self._ys = None  # NumPy arrays from the first load() or clear() on
        self._head = 0
        self._n = 0
        self._source: RowSource | None = None
        self._page_task = None
        self._count_task = None
        self._next_page = FIRST_PAGE
        self._load_all = False
        # a page failed (error or Cancel): fetch nothing more until the next load(),
        # or the view would ask again at once and undo the Cancel
        self._failed = False
        self.threshold: int | None = None
        self.start_key: int | None = None
        self.total: int | None = None
        self.count_failed = False  # the total could not be counted (the status bar stops saying "counting")
        self.read_only = False
        # why edits are refused while read_only (the connection, or a commit running)
        self.read_only_reason = READ_ONLY_REASON
        # the pages before the start (one in flight), and the rows before the first loaded
        self._before_task = None
        self._position_task = None
        self._next_before = FIRST_PAGE
        self._before_failed = False
        self._prepended = 0
        self._first_pending = False
        self.offset: int | None = 0  # rows of the result before the first loaded (None: not counted yet)
        self._bold = QFont()
        self._bold.setBold(True)
        pending.subscribe(self._on_pending_changed)

    # -- loading -------------------------------------------------------------
    def load(self, engine, threshold: int, start_key: int | None = None, anchor: tuple[int, int] | None = None) -> None:
        """Show the rows with value > ``threshold``: from key ``start_key`` on, if
        given; from the row ``anchor`` (:meth:`place_at`) if the threshold shows it,
        else from ``start_key`` (or the first row)."""
        from ..data.rows import RowSource, column_dtype  # noqa: PLC0415 - with NumPy, at the first load

        self._stop()
        self.beginResetModel()
        try:
            dtype = column_dtype(self.spec)  # int32 for integer columns: 8 bytes a row
            self._xs = np.empty(FIRST_PAGE, dtype=dtype)
            self._ys = np.empty(FIRST_PAGE, dtype=dtype)
            self._head = self._n = 0
            self.threshold, self.start_key, self.total = threshold, start_key, None
            self.count_failed = False
            self._next_page = FIRST_PAGE
            self._failed = False
            self._next_before = FIRST_PAGE
            self._before_failed = False
            self._prepended = 0
            self._first_pending = True
            self._source = RowSource(engine, self.spec, threshold, start_key, anchor=anchor)
            self.offset = 0 if self._source.at_start else None
        finally:
            self.endResetModel()
        self._request_page()
        source = self._source
        self._count_task = self._runner.submit(
            lambda token: source.count(token),
            lane="count",
            on_done=self._on_counted,
            on_error=lambda _error: self._on_count_failed(source),
            on_bug=lambda _bug: self._on_count_failed(source),
        )

    def clear(self) -> None:
        self._stop()
        self.beginResetModel()
        self._xs = self._ys = np.empty(0, dtype=np.int64)
        self._head = self._n = 0
        self._source = None
        self.total = None
        self.offset = 0
        self.endResetModel()

    def fetch_all(self) -> None:
        """Keep fetching pages (of FETCH_ALL_PAGE rows) until the result is exhausted,
        then the rows before the first loaded one, up to the result's start."""
        self._load_all = True
        if self._count_task is not None and self.at_start:
            # the full load ends with the exact total (_on_page sets it); a count
            # running alongside would only compete with it for the server
            self._count_task.discard()
            self._count_task.cancel()
            self._count_task = None
        if self._page_task is None and self.canFetchMore(QModelIndex()):
            self._request_page()
        elif self._page_task is None and self._before_task is None and self.can_fetch_before():
            self._request_before()

    @property
    def loading(self) -> bool:
        return self._page_task is not None or self._before_task is not None

    def _stop(self) -> None:
        for task in (self._page_task, self._count_task, self._before_task, self._position_task):
            if task is not None:
                task.discard()
                task.cancel()
        self._page_task = self._count_task = self._before_task = self._position_task = None
        self._load_all = False
        if self._source is not None:
            # close on the rows lane: after any page still being fetched from it
            self._runner.submit(lambda token, source=self._source: source.close(), lane="rows", on_error=lambda e: None)

    def _request_page(self) -> None:
        source = self._source
        size = max(self._next_page, FETCH_ALL_PAGE) if self._load_all else self._next_page
        self._page_task = self._runner.submit(
            lambda token: source.fetch(size, token),
            lane="rows",
            on_done=partial(self._on_page, source),
            on_error=self._on_page_failed,
            on_bug=lambda _bug: self._on_page_failed(
                UserError("Something unexpected went wrong while loading the rows. Press F5 to load them again.")
            ),
        )
        self.loading_changed.emit(True)

    def _on_page(self, source: RowSource, page) -> None:
        if source is not self._source:
            return
        self._page_task = None
        first, self._first_pending = self._first_pending, False
        if first and self.offset is None:
            if source.at_start:  # the row it was to start at is gone: from the first row
                self._set_offset(0)
            else:
                self._count_before(source)
        xs, ys = page
        count = len(xs)
        if count:
            self._ensure_capacity(self._n + count)
            end = self._head + self._n
            self.beginInsertRows(QModelIndex(), self._n, self._n + count - 1)
            self._xs[end : end + count] = xs
            self._ys[end : end + count] = ys
            self._n += count
            self.endInsertRows()
        self._next_page = min(self._next_page * 2, MAX_PAGE)
        self._total_if_whole(source)
        self.rows_loaded.emit(self._n)
        self._go_on(source)

    def _go_on(self, source: RowSource) -> None:
        """After a page: the next one of a full load (after the rows, then before
        them), or loading is over."""
        if self._load_all and not source.exhausted and not self._failed:
            if self._page_task is None:
                self._request_page()
        elif self._load_all and self.can_fetch_before():
            if self._before_task is None:
                self._request_before()
        elif self._page_task is None and self._before_task is None:
            if self._load_all:
                self._give_back_freed_memory()
            self._load_all = False
            self.loading_changed.emit(False)

    def _give_back_freed_memory(self) -> None:
        """After a whole load: the pages' buffers and the arrays outgrown are freed;
        their memory goes back to the system on a worker (a malloc_trim, ~10 ms)."""
        from ..data.transport import return_freed_memory  # noqa: PLC0415 - loaded with the first page

        self._runner.submit(lambda token: return_freed_memory(), lane="rows")

    def _total_if_whole(self, source: RowSource) -> None:
        if source.exhausted and source.at_start and self.total is None:
            self._set_total(self._n)

    def _on_page_failed(self, error: UserError) -> None:
        self._page_task = None
        self._failed = True
        self._load_all = False
        if self._before_task is None:
            self.loading_changed.emit(False)
        self.load_failed.emit(error)

    # -- the rows before the first loaded one ------------------------------------------
    @property
    def at_start(self) -> bool:
        """The first loaded row is the result's first (or nothing is loaded)."""
        return self._source is None or self._source.at_start

    @property
    def anchor_found(self) -> bool | None:
        return None if self._source is None else self._source.anchor_found

    def can_fetch_before(self) -> bool:
        return self._source is not None and not self._source.at_start and not self._before_failed

    def fetch_before(self) -> None:
        """Ask for the page before the first loaded row (one at a time)."""
        if self._before_task is None and self.can_fetch_before():
            self._request_before()

    def _request_before(self) -> None:
        source = self._source
        size = max(self._next_before, FETCH_ALL_PAGE) if self._load_all else self._next_before
        self._before_task = self._runner.submit(
            lambda token: source.fetch_before(size, token),
            lane="rows",
            on_done=partial(self._on_before_page, source),
            on_error=partial(self._on_before_failed, source),
            on_bug=lambda _bug: self._on_before_failed(
                source, UserError("Something unexpected went wrong while loading the rows. Press F5 to load them again.")
            ),
        )
        self.loading_changed.emit(True)

    def _on_before_page(self, source: RowSource, page) -> None:
        if source is not self._source:
            return
        self._before_task = None  # first: the view may ask for the next page as these go in
        xs, ys = page
        count = len(xs)
        self._next_before = min(self._next_before * 2, MAX_PAGE)
        if count:
            if self.offset is not None:
                self.offset = max(self.offset - count, 0)
            self._prepended += count
            self._make_room_before(count)
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            self._head -= count
            self._xs[self._head : self._head + count] = xs
            self._ys[self._head : self._head + count] = ys
            self._n += count
            self.endInsertRows()
        if source.at_start and self.offset != 0:
            self._set_offset(0)  # the start is reached: the positions are known exactly
        self._total_if_whole(source)
        self.rows_loaded.emit(self._n)
        self._go_on(source)

    def _on_before_failed(self, source: RowSource, error: UserError) -> None:
        if source is not self._source:
            return
        self._before_task = None
        self._before_failed = True
        self._load_all = False
        if self._page_task is None:
            self.loading_changed.emit(False)
        self.load_failed.emit(error)

    def _count_before(self, source: RowSource) -> None:
        """The rows before the start, counted on a lane of their own: the row
        numbers wait for them (blank), never a wrong one shown."""
        self._position_task = self._runner.submit(
            lambda token: source.count_before(token),
            lane="position",
            on_done=partial(self._on_counted_before, source),
            on_error=lambda _error: None,
        )

    def _on_counted_before(self, source: RowSource, before: int) -> None:
        if source is not self._source:
            return
        self._position_task = None
        if self.offset is None:
            self._set_offset(max(before - self._prepended, 0))

    def _set_offset(self, offset: int) -> None:
        self.offset = offset
        if self._n:
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self._n - 1)

    def place_at(self, row: int) -> tuple[int, int]:
        """The row as a load finds it again (:meth:`load`'s ``anchor``): its (x, y)."""
        return self.key_at(row), self.value_at(row)

    def _make_room_before(self, count: int) -> None:
        """At least ``count`` free rows in front of the loaded ones (moved once, with
        room for as many more again, so that pages before cost no copy each)."""
        if self._head >= count:
            return
        front = max(count, self._n, FIRST_PAGE)
        tail = len(self._xs) - self._head - self._n
        for name in ("_xs", "_ys"):
            old = getattr(self, name)
            grown = np.empty(front + self._n + tail, dtype=old.dtype)
            grown[front : front + self._n] = old[self._head : self._head + self._n]
            setattr(self, name, grown)
        self._head = front

    def _on_count_failed(self, source) -> None:
        """The count failed (a timeout, Cancel, a bug): say no more that it runs."""
        if source is not self._source:
            return
        self._count_task = None
        self.count_failed = True
        self.total_unknown.emit()

    def _on_counted(self, total: int) -> None:
        self._count_task = None
        self._set_total(total)

    def _set_total(self, total: int) -> None:
        self.total = total
        self.total_counted.emit(total)

    def _ensure_capacity(self, needed: int) -> None:
        """Room for ``needed`` loaded rows (after the room kept before them)."""
        needed += self._head
        if needed <= len(self._xs):
            return
        capacity = max(needed, int(len(self._xs) * 1.5) + 1)
        if self.total is not None and self.at_start and needed <= self._head + self.total:
            capacity = min(capacity, self._head + self.total)  # never more room than the result needs
        for name in ("_xs", "_ys"):
            old = getattr(self, name)
            grown = np.empty(capacity, dtype=old.dtype)
            grown[self._head : self._head + self._n] = old[self._head : self._head + self._n]
            setattr(self, name, grown)

    # -- Qt's fetch protocol ---------------------------------------------------
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        if parent.isValid() or self._source is None or self._failed:
            return False
        return not self._source.exhausted

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or self._page_task is not None or not self.canFetchMore(parent):
            return
        self._request_page()

    # -- reading -------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else self._n

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else 2

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < 2 and role in HEADER_ROLES:
            # the key is never edited: its header says so (gui/qt/column_marks.py)
            reason = self.why_column_read_only(section)
            name = (self.spec.key, self.spec.value)[section]
            description = f"{name}: integer" + (f"\nRead-only: {reason}" if reason else "")
            return column_header_data(role, description, reason, self.read_only_reason if self.read_only else None)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return (self.spec.key, self.spec.value)[section] if 0 <= section < 2 else None
        # the row's position in the whole result; blank while the rows before are counted
        return "" if self.offset is None else str(self.offset + section + 1)

    def why_column_read_only(self, section: int) -> str | None:
        """Why the column is never edited (its header's tooltip says it too); ``None``: it may be."""
        key = self.spec.key
        return f"it identifies the rows (a change is written WHERE {key} = :{key})" if section == KEY_COLUMN else None

    def cell_name(self, row: int, column: int) -> str:
        """The cell in words, for a message about it: ``y on x = 9``."""
        return f"{(self.spec.key, self.spec.value)[column]} on {self.spec.key} = {self.key_at(row)}"

    def key_at(self, row: int) -> int:
        return int(self._xs[self._head + row])

    def value_at(self, row: int) -> int:
        """The value as loaded from the database (without pending changes)."""
        return int(self._ys[self._head + row])

    def rows_for_key(self, key: int) -> tuple[int, int]:
        """``[first, end)`` of the loaded rows with this key (rows are sorted by key)."""
        return self._search(key, "left"), self._search(key, "right")

    def _search(self, key: int, side: str) -> int:
        """Where ``key`` goes among the loaded keys, searched as a scalar of their own
        type: a Python int made NumPy cast the whole column to int64 first, 2 ms a search
        with 2,000,000 rows loaded, three searches an edit (``make bench``: 10 ms an edit)."""
        if not self._n:
            return 0
        xs = self._xs[self._head : self._head + self._n]
        try:
            key = xs.dtype.type(key)
        except OverflowError:  # beyond the column's type: before or after every loaded key
            return 0 if key < 0 else self._n
        return int(xs.searchsorted(key, side))

    def run_continues(self, key: int) -> bool:
        """``key``'s rows reach an end of the rows loaded and more may come there:
        its run of rows is not all on screen yet."""
        first, end = self.rows_for_key(key)
        source = self._source
        if source is None:
            return False
        return (end == self._n and not source.exhausted) or (first == 0 and not source.at_start)

    def loaded_values(self, key: int) -> list[int]:
        first, end = self.rows_for_key(key)
        return self._ys[self._head + first : self._head + end].tolist() if end > first else []

    def first_row_at_or_after(self, key: int) -> int:
        return self._search(key, "left")

    def loaded_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Read-only views of the loaded keys and values (as in the database, without
        pending changes); valid until the model next changes."""
        if self._xs is None:
            self._xs = self._ys = np.empty(0, dtype=np.int64)
        xs, ys = self._xs[self._head : self._head + self._n], self._ys[self._head : self._head + self._n]
        xs.flags.writeable = ys.flags.writeable = False
        return xs, ys

    def nbytes(self) -> int:
        if self._xs is None:
            return 0
        return self._xs.nbytes + self._ys.nbytes

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self._n:
            return None
        row, col = index.row(), index.column()
        key = int(self._xs[self._head + row])
        change = self.pending.get(key) if col == VALUE_COLUMN else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == KEY_COLUMN:
                return str(key)
            return str(change.new if change is not None else int(self._ys[self._head + row]))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and col == KEY_COLUMN:
            return state_colours().read_only_brush  # the key is never edited
        if role == PENDING_ROLE:
            return change is not None
        if change is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            return state_colours().pending_brush
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"Pending change (not committed): {self.spec.value} {self.value_at(row)} → {change.new} "
                f"for every row with {self.spec.key} = {key}"
            )
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"pending, was {self.value_at(row)}"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == VALUE_COLUMN and not self.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # -- editing -------------------------------------------------------------
    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != VALUE_COLUMN:
            return False
        if self.read_only:
            self.edit_refused.emit(self.read_only_reason)
            return False
        key = self.key_at(index.row())
        try:
            updates = self.pending.plan_edit(key, value, self.loaded_values(key), self.threshold, self.run_continues(key))
        except InvalidValue as error:
            self.edit_refused.emit(error.message)
            return False
        current = self.pending.get(key)
        if updates.get(key) == current:
            return True  # nothing changes: no undo step
        new = updates[key].new if updates[key] is not None else self.value_at(index.row())
        self.undo_stack.push(PendingEdit(self.pending, updates, f"Set {self.spec.value} = {new} where {self.spec.key} = {key}"))
        return True

    def _on_pending_changed(self, keys: frozenset[int]) -> None:
        if len(keys) > 100:
            # a paste or an import: one signal for the column (the view repaints what
            # it shows) instead of a search and a signal for each of 100,000 keys
            if self._n:
                self.dataChanged.emit(self.index(0, VALUE_COLUMN), self.index(self._n - 1, VALUE_COLUMN))
            return
        for key in keys:
            first, end = self.rows_for_key(key)
            if end > first:
                self.dataChanged.emit(self.index(first, VALUE_COLUMN), self.index(end - 1, VALUE_COLUMN))
