"""The table model: a thin adapter over loaded rows and the pending-change set.

Rows live in two NumPy columns (16 bytes a row), appended page by page as Qt's
``canFetchMore``/``fetchMore`` protocol asks; pages are fetched on a worker thread.
``data()`` only reads those arrays and the pending set: it never blocks or raises.
``setData()`` only records a pending change (through the undo stack).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QUndoStack

from ..data.config import TableSpec
from ..data.errors import InvalidValue, UserError
from ..data.pending import PendingChanges
from ..data.rows import RowSource, column_dtype
from .column_marks import HEADER_ROLES, column_header_data
from .palette import PENDING_ROLE, state_colours
from .tasks import TaskRunner
from .undo import PendingEdit

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
        self._xs = np.empty(0, dtype=np.int64)
        self._ys = np.empty(0, dtype=np.int64)
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
        self._bold = QFont()
        self._bold.setBold(True)
        pending.subscribe(self._on_pending_changed)

    # -- loading -------------------------------------------------------------
    def load(self, engine, threshold: int, start_key: int | None = None) -> None:
        """Show the rows with value > ``threshold`` (from key ``start_key`` on, if given)."""
        self._stop()
        self.beginResetModel()
        try:
            dtype = column_dtype(self.spec)  # int32 for integer columns: 8 bytes a row
            self._xs = np.empty(FIRST_PAGE, dtype=dtype)
            self._ys = np.empty(FIRST_PAGE, dtype=dtype)
            self._n = 0
            self.threshold, self.start_key, self.total = threshold, start_key, None
            self.count_failed = False
            self._next_page = FIRST_PAGE
            self._failed = False
            self._source = RowSource(engine, self.spec, threshold, start_key)
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
        self._n = 0
        self._source = None
        self.total = None
        self.endResetModel()

    def fetch_all(self) -> None:
        """Keep fetching pages (of FETCH_ALL_PAGE rows) until the result is exhausted."""
        self._load_all = True
        if self._count_task is not None and self.start_key is None:
            # the full load ends with the exact total (_on_page sets it); a count
            # running alongside would only compete with it for the server
            self._count_task.discard()
            self._count_task.cancel()
            self._count_task = None
        if self._page_task is None and self.canFetchMore(QModelIndex()):
            self._request_page()

    @property
    def loading(self) -> bool:
        return self._page_task is not None

    def _stop(self) -> None:
        for task in (self._page_task, self._count_task):
            if task is not None:
                task.discard()
                task.cancel()
        self._page_task = self._count_task = None
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
        xs, ys = page
        count = len(xs)
        if count:
            self._ensure_capacity(self._n + count)
            self.beginInsertRows(QModelIndex(), self._n, self._n + count - 1)
            self._xs[self._n : self._n + count] = xs
            self._ys[self._n : self._n + count] = ys
            self._n += count
            self.endInsertRows()
        self._next_page = min(self._next_page * 2, MAX_PAGE)
        if source.exhausted and self.total is None and self.start_key is None:
            self._set_total(self._n)
        self.rows_loaded.emit(self._n)
        if self._load_all and not source.exhausted:
            self._request_page()
        else:
            self._load_all = False
            self.loading_changed.emit(False)

    def _on_page_failed(self, error: UserError) -> None:
        self._page_task = None
        self._failed = True
        self._load_all = False
        self.loading_changed.emit(False)
        self.load_failed.emit(error)

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
        if needed <= len(self._xs):
            return
        capacity = max(needed, int(len(self._xs) * 1.5) + 1)
        if self.total is not None and self.start_key is None and needed <= self.total:
            capacity = min(capacity, self.total)  # never more room than the result needs
        for name in ("_xs", "_ys"):
            old = getattr(self, name)
            grown = np.empty(capacity, dtype=old.dtype)
            grown[: self._n] = old[: self._n]
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
            key = self.spec.key
            reason = f"it identifies the rows (a change is written WHERE {key} = :{key})" if section == KEY_COLUMN else None
            name = (key, self.spec.value)[section]
            description = f"{name}: integer" + (f"\nRead-only: {reason}" if reason else "")
            return column_header_data(role, description, reason, self.read_only_reason if self.read_only else None)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return (self.spec.key, self.spec.value)[section] if 0 <= section < 2 else None
        return str(section + 1)

    def key_at(self, row: int) -> int:
        return int(self._xs[row])

    def value_at(self, row: int) -> int:
        """The value as loaded from the database (without pending changes)."""
        return int(self._ys[row])

    def rows_for_key(self, key: int) -> tuple[int, int]:
        """``[first, end)`` of the loaded rows with this key (rows are sorted by key)."""
        xs = self._xs[: self._n]
        return int(np.searchsorted(xs, key, "left")), int(np.searchsorted(xs, key, "right"))

    def run_continues(self, key: int) -> bool:
        """``key``'s rows reach the end of the rows loaded and more may follow: its run
        of rows is not all on screen yet."""
        _first, end = self.rows_for_key(key)
        return end == self._n and self._source is not None and not self._source.exhausted

    def loaded_values(self, key: int) -> list[int]:
        first, end = self.rows_for_key(key)
        return self._ys[first:end].tolist()

    def first_row_at_or_after(self, key: int) -> int:
        return int(np.searchsorted(self._xs[: self._n], key, "left"))

    def loaded_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Read-only views of the loaded keys and values (as in the database, without
        pending changes); valid until the model next changes."""
        xs, ys = self._xs[: self._n], self._ys[: self._n]
        xs.flags.writeable = ys.flags.writeable = False
        return xs, ys

    def nbytes(self) -> int:
        return self._xs.nbytes + self._ys.nbytes

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < self._n:
            return None
        row, col = index.row(), index.column()
        key = int(self._xs[row])
        change = self.pending.get(key) if col == VALUE_COLUMN else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == KEY_COLUMN:
                return str(key)
            return str(change.new if change is not None else int(self._ys[row]))
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
                f"Pending change (not committed): {self.spec.value} {int(self._ys[row])} → {change.new} "
                f"for every row with {self.spec.key} = {key}"
            )
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return f"pending, was {int(self._ys[row])}"
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
        for key in keys:
            first, end = self.rows_for_key(key)
            if end > first:
                self.dataChanged.emit(self.index(first, VALUE_COLUMN), self.index(end - 1, VALUE_COLUMN))
