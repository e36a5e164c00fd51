"""The table model for any relation: a thin adapter over a loaded result
(:mod:`gui.data.result`) and the pending cell edits (:mod:`gui.data.edits`).

Pages come in through Qt's ``canFetchMore``/``fetchMore`` protocol, are read on a
worker thread into typed columns and appended; a load may start in the middle of
the result (go to, or the row the user was on: :mod:`gui.qt.keep_place`), and then
the pages before it are prepended as the view asks for them (``fetch_before``) and
the vertical header shows each row's position in the whole result once the rows
before the first are counted (blank until then).  ``data()`` reads those columns and
the pending set through each column's codec and never blocks or raises (a value a
codec cannot show is shown with ``str``).  ``setData()`` only records an edit,
through the undo stack.

How cells look: NULL is a dimmed, italic *NULL* (never an empty cell or 0); a long
or multi-line value is cut to one line in the cell and shown whole in the tooltip
and the editor; a pending value is bold on amber, its tooltip says what it was; a
cell that cannot be edited (its column, or a row whose key is NULL) is on a tint
of its own and says why in its tooltip.  The colours come from
:mod:`gui.qt.palette`, derived from the light or dark palette.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QUndoStack

from ..data.codecs import Codec
from ..data.columns import LoadedColumns, PagedColumns
from ..data.edits import CellEdits
from ..data.errors import InvalidValue, UserError
from ..data.paging import Condition, SortKey
from ..data.planning import unshown_value_reason, unusable_key_reason
from ..data.result import TableResult
from ..data.schema import TableSchema
from .column_marks import HEADER_ROLES, column_header_data
from .palette import PENDING_ROLE, state_colours
from .rows_model import CHECKING_WRITABILITY
from .tasks import TaskRunner
from .undo import PendingEdit

FIRST_PAGE = 1_000
MAX_PAGE = 100_000
FETCH_ALL_PAGE = 1_000_000
# characters of a value shown in its cell (the tooltip and the editor show it whole)
CELL_CHARS = 200
TOOLTIP_CHARS = 4_000
NULL_TEXT = "NULL"

_NUMERIC_KINDS = ("int", "float", "numeric")


def shown(codec: Codec, value: object) -> str:
    """``value`` as its column's codec prints it; never raises (a value of another
    type than the column's, which SQLite allows, is shown with ``str``)."""
    if value is None:
        return NULL_TEXT
    try:
        return codec.format(value)
    except Exception:  # noqa: BLE001 - data() must not raise; the value is still shown
        return str(value)


def described(codec: Codec, value: object) -> str:
    """A value for a sentence: NULL said as such, text quoted so that the text
    'NULL' or an empty string cannot pass for it."""
    if value is None:
        return "NULL (no value)"
    text = one_line(shown(codec, value), 80)
    return f"'{text}'" if codec.text_like else text


def one_line(text: str, limit: int = CELL_CHARS) -> str:
    line = text.replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\r", " ⏎ ")
    return line if len(line) <= limit else line[: limit - 1] + "…"


class TableModel(QAbstractTableModel):
    """Rows of one relation, as loaded so far, with the pending edits over them."""

    loading_changed = Signal(bool)
    rows_loaded = Signal(int)
    total_counted = Signal(int)
    total_unknown = Signal()
    load_failed = Signal(object)  # a UserError
    edit_refused = Signal(str)

    def __init__(self, runner: TaskRunner, undo_stack: QUndoStack, parent=None):
        super().__init__(parent)
        self._runner = runner
        self.undo_stack = undo_stack
        self.schema: TableSchema | None = None
        self.codecs: Mapping[str, Codec] = {}
        self.edits: CellEdits | None = None
        self._loaded: PagedColumns | None = None  # the pages as they came (no copy)
        self._names: tuple[str, ...] = ()
        self._key_index: tuple[int, ...] = ()
        self._result: TableResult | None = None
        self._page_task = None
        self._count_task = None
        self._next_page = FIRST_PAGE
        self._load_all = False
        self._failed = False
        # the pages before the start: one in flight, doubling like the pages after
        self._before_task = None
        self._position_task = None
        self._next_before = FIRST_PAGE
        self._before_failed = False
        self._prepended = 0  # rows put before the first since the load (for the count before)
        self._first_pending = False  # the load's first page has not come yet
        self.offset: int | None = 0  # rows of the result before the first loaded (None: not counted yet)
        self.conditions: tuple[Condition, ...] = ()
        self.sort: tuple[SortKey, ...] = ()
        self.start_at: tuple[object, ...] | None = None
        self.total: int | None = None
        self.count_failed = False
        self.read_only = True
        self.read_only_reason = CHECKING_WRITABILITY
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._bold_italic = QFont(self._bold)
        self._bold_italic.setItalic(True)

    # -- the table -------------------------------------------------------------
    def set_table(self, schema: TableSchema, codecs: Mapping[str, Codec], edits: CellEdits) -> None:
        """Show ``schema``'s relation (nothing loaded until :meth:`load`)."""
        self._stop()
        self.beginResetModel()
        try:
            if self.edits is not None:
                self.edits.unsubscribe(self._on_edits_changed)
            self.schema, self.codecs, self.edits = schema, codecs, edits
            self._names = tuple(c.name for c in schema.columns if c.may_select)
            self._key_index = tuple(self._names.index(k) for k in schema.key if k in self._names)
            if len(self._key_index) != len(schema.key):
                self._key_index = ()  # a key column the role cannot read: no row can be identified
            self._loaded = None
            self._result = None
            self.total = None
            self.offset = 0
            edits.subscribe(self._on_edits_changed)
        finally:
            self.endResetModel()

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    # -- loading ---------------------------------------------------------------
    def load(
        self,
        engine,
        conditions: Sequence[Condition] = (),
        sort: Sequence[SortKey] = (),
        start_at: Sequence[object] | None = None,
        place: Mapping[str, object] | None = None,
        keep: str = "place",
    ) -> None:
        """Show the rows matching ``conditions`` in ``sort`` order: from ``start_at``
        (the leading order values) if given; else from the row ``place`` names
        (:meth:`place_at`), found by its key, and where it is gone the row at or
        after its values (``keep="place"``) or the first row (``keep="row"``)."""
        if self.schema is None:
            return
        self._stop()
        self.beginResetModel()
        try:
            self.conditions, self.sort = tuple(conditions), tuple(sort)
            anchor = None
            if start_at is None and place is not None:
                plan = TableResult(engine, self.schema, self.conditions, self.sort).plan  # no query: the order's columns
                anchor = tuple(place[name] for name in plan.anchor_columns)
                if keep == "place":
                    start_at = tuple(place[name] for name in plan.order_columns)
            self.start_at = None if start_at is None else tuple(start_at)
            self._loaded = None
            self.total = None
            self.count_failed = False
            self._next_page = FIRST_PAGE
            self._failed = False
            self._next_before = FIRST_PAGE
            self._before_failed = False
            self._prepended = 0
            self._first_pending = True
            self._result = TableResult(engine, self.schema, self.conditions, self.sort, self.start_at, anchor)
            self.offset = 0 if self._result.at_start else None
        finally:
            self.endResetModel()
        self._request_page()
        result = self._result
        self._count_task = self._runner.submit(
            lambda token: result.count(token),
            lane="count",
            on_done=partial(self._on_counted, result),
            on_error=lambda _error: self._on_count_failed(result),
            on_bug=lambda _bug: self._on_count_failed(result),
        )

    def clear(self) -> None:
        self._stop()
        self.beginResetModel()
        self._loaded = None
        self._result = None
        self.total = None
        self.offset = 0
        self.endResetModel()

    def fetch_all(self) -> None:
        """Keep fetching (pages of FETCH_ALL_PAGE rows) until the result is exhausted,
        then the rows before the first loaded one, up to the result's start."""
        self._load_all = True
        if self._page_task is None and self.canFetchMore(QModelIndex()):
            self._request_page()
        elif self._page_task is None and self._before_task is None and self.can_fetch_before():
            self._request_before()

    @property
    def result(self) -> TableResult | None:
        """The result being shown (a new one after every load)."""
        return self._result

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
        if self._result is not None:
            self._runner.submit(lambda _t, result=self._result: result.close(), lane="rows", on_error=lambda e: None)

    def _request_page(self) -> None:
        result = self._result
        size = max(self._next_page, FETCH_ALL_PAGE) if self._load_all else self._next_page
        self._page_task = self._runner.submit(
            lambda token: result.fetch_pieces(size, token),
            lane="rows",
            on_done=partial(self._on_page, result),
            on_error=partial(self._on_page_failed, result),
            on_bug=lambda _bug: self._on_page_failed(
                result, UserError("Something unexpected went wrong while loading the rows. Press F5 to load them again.")
            ),
        )
        self.loading_changed.emit(True)

    def _on_page(self, result: TableResult, pieces: list[LoadedColumns]) -> None:
        if result is not self._result:
            return
        self._page_task = None
        first, self._first_pending = self._first_pending, False
        if first and self.offset is None:
            if result.at_start:  # the row it was to start at is gone: from the start
                self._set_offset(0)
            else:
                self._count_before(result)
        count = sum(len(piece) for piece in pieces)
        if count:
            start = self.rowCount()
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
            if self._loaded is None:
                self._loaded = PagedColumns(pieces[0].names)
            self._loaded.extend(pieces)  # kept as they came: no row copied
            self.endInsertRows()
        self._next_page = min(self._next_page * 2, MAX_PAGE)
        if result.exhausted:
            if self._loaded is not None:
                self._loaded.compact()
            self._total_if_whole(result)
        self.rows_loaded.emit(self.rowCount())
        self._go_on(result)

    def _go_on(self, result: TableResult) -> None:
        """After a page: the next one of a full load (after the window, then before
        it), or loading is over."""
        if self._load_all and not result.exhausted and not self._failed:
            if self._page_task is None:
                self._request_page()
        elif self._load_all and self.can_fetch_before():
            if self._before_task is None:
                self._request_before()
        elif self._page_task is None and self._before_task is None:
            self._load_all = False
            self.loading_changed.emit(False)

    def _total_if_whole(self, result: TableResult) -> None:
        """Every row of the result is loaded: that is the total (no count needed)."""
        if result.exhausted and result.at_start and self.total is None:
            self._set_total(self.rowCount())

    # -- the rows before the first loaded one ----------------------------------------------
    @property
    def at_start(self) -> bool:
        """The first loaded row is the result's first (or nothing is loaded)."""
        return self._result is None or self._result.at_start

    @property
    def anchor_found(self) -> bool | None:
        """Whether the load found the row it was to start at (``None``: it was not
        to start at a row, or has not looked yet)."""
        return None if self._result is None else self._result.anchor_found

    def can_fetch_before(self) -> bool:
        return self._result is not None and not self._result.at_start and not self._before_failed

    def fetch_before(self) -> None:
        """Ask for the page before the first loaded row (one at a time)."""
        if self._before_task is None and self.can_fetch_before():
            self._request_before()

    def _request_before(self) -> None:
        result = self._result
        size = max(self._next_before, FETCH_ALL_PAGE) if self._load_all else self._next_before
        self._before_task = self._runner.submit(
            lambda token: result.fetch_before(size, token),
            lane="rows",
            on_done=partial(self._on_before_page, result),
            on_error=partial(self._on_before_failed, result),
            on_bug=lambda _bug: self._on_before_failed(
                result, UserError("Something unexpected went wrong while loading the rows. Press F5 to load them again.")
            ),
        )
        self.loading_changed.emit(True)

    def _on_before_page(self, result: TableResult, pieces: list[LoadedColumns]) -> None:
        if result is not self._result:
            return
        self._before_task = None  # first: the view may ask for the next page as these go in
        count = sum(len(piece) for piece in pieces)
        self._next_before = min(self._next_before * 2, MAX_PAGE)
        if count:
            if self.offset is not None:
                self.offset = max(self.offset - count, 0)
            self._prepended += count
            self.beginInsertRows(QModelIndex(), 0, count - 1)
            loaded = PagedColumns(pieces[0].names)
            loaded.extend([*pieces, *(self._loaded.pages if self._loaded is not None else ())])  # no row copied
            self._loaded = loaded
            self.endInsertRows()
        if result.at_start and self.offset != 0:
            self._set_offset(0)  # the start is reached: the positions are known exactly
        self._total_if_whole(result)
        self.rows_loaded.emit(self.rowCount())
        self._go_on(result)

    def _on_before_failed(self, result: TableResult, error: UserError) -> None:
        if result is not self._result:
            return
        self._before_task = None
        self._before_failed = True
        self._load_all = False
        if self._page_task is None:
            self.loading_changed.emit(False)
        self.load_failed.emit(error)

    def _count_before(self, result: TableResult) -> None:
        """Count the rows before the start on a lane of its own (the total's count
        may take longer): the row numbers wait for it, never a wrong one shown."""
        self._position_task = self._runner.submit(
            lambda token: result.count_before(token),
            lane="position",
            on_done=partial(self._on_counted_before, result),
            on_error=lambda _error: None,  # the numbers stay blank; the rows are there
        )

    def _on_counted_before(self, result: TableResult, before: int) -> None:
        if result is not self._result:
            return
        self._position_task = None
        if self.offset is None:
            self._set_offset(max(before - self._prepended, 0))

    def _set_offset(self, offset: int) -> None:
        self.offset = offset
        if self.rowCount():
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self.rowCount() - 1)

    def place_at(self, row: int) -> dict[str, object]:
        """Every column of a loaded row as values to find it again (its key among
        them) and start a load at it (:meth:`load`'s ``place``)."""
        return self._result.row_values(lambda i: self._loaded.locate(row, i))

    def _on_page_failed(self, result: TableResult, error: UserError) -> None:
        if result is not self._result:
            return
        self._page_task = None
        self._failed = True
        self._load_all = False
        if self._before_task is None:
            self.loading_changed.emit(False)
        self.load_failed.emit(error)

    def _on_counted(self, result: TableResult, total: int) -> None:
        if result is not self._result:
            return
        self._count_task = None
        self._set_total(total)

    def _on_count_failed(self, result: TableResult) -> None:
        if result is not self._result:
            return
        self._count_task = None
        self.count_failed = True
        self.total_unknown.emit()

    def _set_total(self, total: int) -> None:
        self.total = total
        self.total_counted.emit(total)

    # -- Qt's fetch protocol -------------------------------------------------------
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        if parent.isValid() or self._result is None or self._failed:
            return False
        return not self._result.exhausted

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or self._page_task is not None or not self.canFetchMore(parent):
            return
        self._request_page()

    # -- reading -------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.isValid() or self._loaded is None:
            return 0
        return len(self._loaded)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._names)

    def column_name(self, section: int) -> str:
        return self._names[section]

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            if role != Qt.ItemDataRole.DisplayRole:
                return None
            # the row's position in the whole result; blank while the rows before are counted
            return "" if self.offset is None else str(self.offset + section + 1)
        if not 0 <= section < len(self._names) or self.schema is None:
            return None
        name = self._names[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return name
        if role not in HEADER_ROLES:
            return None
        # which columns can be edited: a lock, italics and the read-only tint (gui/qt/column_marks.py)
        whole = self.read_only_reason if self.read_only else self.schema.why_not_editable()
        return column_header_data(role, self.column_description(name), self.why_column_read_only(name), whole)

    def column_description(self, name: str) -> str:
        """The column's type and what may be done with it, for its header's tooltip."""
        column = self.schema.column(name)
        parts = [f"{name}: {column.type_name}" + ("" if column.nullable else " NOT NULL")]
        if column.is_domain:
            parts.append(f"a domain over {column.base_type}")
        if name in self.schema.key:
            parts.append(f"identifies the row ({self.schema.key_source or 'key'})")
        reason = self.why_column_read_only(name)
        if reason:
            parts.append(f"read-only: {reason}")
        return "\n".join(parts)

    def why_column_read_only(self, name: str) -> str | None:
        reason = self.schema.why_column_read_only(name) if self.schema is not None else None
        if reason is None:
            reason = self.codecs[name].read_only_reason
        return reason

    def cell_name(self, row: int, column: int) -> str:
        """The cell in words, for a message about it: ``email on id = 3``."""
        name = self._names[column]
        key = self.key_at(row)
        if key is None or self.schema is None:
            return f"{name} on row {row + 1}"
        return f"{name} on " + ", ".join(f"{k} = {one_line(shown(self.codecs[k], v), 30)}" for k, v in zip(self.schema.key, key))

    def key_at(self, row: int) -> tuple[object, ...] | None:
        """The key of the row (``None`` when the relation has none, or a part is NULL)."""
        if not self._key_index or self._loaded is None:
            return None
        key = []
        for i in self._key_index:
            data, j = self._loaded.locate(row, i)
            if data.is_null(j) or data.is_beyond(j):
                # NULL, or infinity (which would come back as the largest date, another
                # row's key), or a date outside years 1 to 9999 (no date holds it)
                return None
            key.append(data.value(j))
        return tuple(key)

    def value_at(self, row: int, column: int) -> object:
        """The value loaded from the database (``None`` for NULL), without pending edits;
        a date or timestamp that no ``date`` or ``datetime`` holds is PostgreSQL's
        text of it: ``infinity`` or ``-infinity`` (never the largest or smallest date,
        which a real value could be), ``0045-03-15 BC``, ``10000-01-01``."""
        data, i = self._loaded.locate(row, column)
        if data.is_beyond(i):
            return data.text(i)
        return data.value(i)

    def pending_at(self, row: int, column: int):
        """The pending change on this cell, or ``None``."""
        if self.edits is None or not self.edits:
            return None
        key = self.key_at(row)
        return None if key is None else self.edits.get(key, self._names[column])

    def rows_with_key(self, key: tuple[object, ...]) -> list[int]:
        """The loaded rows whose key is ``key`` (one for a unique key)."""
        if self._loaded is None:
            return []
        # in the arrays: a Python step a loaded row froze the window for seconds at a million
        return self._loaded.rows_where(self._key_index, key)

    def loaded_pages(self) -> PagedColumns | None:
        """The loaded rows as the pages they came in (nothing joined, nothing copied)."""
        return self._loaded

    def loaded_columns(self) -> LoadedColumns | None:
        """Every loaded row as whole columns (joined once after new pages came)."""
        return self._loaded.combined() if self._loaded is not None and len(self._loaded) else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._loaded is None or not 0 <= index.row() < len(self._loaded):
            return None
        try:
            return self._data(index.row(), index.column(), role)
        except Exception:  # noqa: BLE001 - a cell that cannot be shown must not take the view down
            return "?" if role == Qt.ItemDataRole.DisplayRole else None

    def _data(self, row: int, col: int, role):
        name = self._names[col]
        codec = self.codecs[name]
        change = self.pending_at(row, col)
        value = change.new if change is not None else self.value_at(row, col)
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(shown(codec, value))
        if role == Qt.ItemDataRole.EditRole:
            return "" if value is None else shown(codec, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            kind = self._loaded.locate(row, col)[0].kind
            horizontal = Qt.AlignmentFlag.AlignRight if kind in _NUMERIC_KINDS else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return state_colours().null_brush if value is None else None
        if role == Qt.ItemDataRole.FontRole:
            if change is not None:
                return self._bold_italic if value is None else self._bold
            return self._italic if value is None else None
        if role == Qt.ItemDataRole.BackgroundRole:
            if change is not None:
                return state_colours().pending_brush
            return state_colours().read_only_brush if self._tinted_read_only(row, col) else None
        if role == PENDING_ROLE:
            return change is not None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col, codec, value, change)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            if change is not None:
                return f"pending, was {shown(codec, self.value_at(row, col))}"
            return "NULL" if value is None else None
        return None

    def _tooltip(self, row: int, col: int, codec: Codec, value: object, change) -> str | None:
        lines = []
        text = shown(codec, value)
        if value is not None and (len(text) > CELL_CHARS or "\n" in text or "\r" in text):
            lines.append(text if len(text) <= TOOLTIP_CHARS else text[: TOOLTIP_CHARS - 1] + "…")
        if change is not None:
            was = self.value_at(row, col)
            rows = "" if self.schema.unique_key else " for every row with this key"
            lines.append(f"Pending change (not committed): {described(codec, was)} → {described(codec, value)}{rows}")
        reason = self.why_cell_read_only(row, col)
        if reason and not self.read_only:
            lines.append(f"Read-only: {reason}")
        return "\n".join(lines) or None

    def _tinted_read_only(self, row: int, col: int) -> bool:
        """Whether the cell is drawn as read-only: its column may not be changed, or
        its row cannot be singled out.  A connection or a relation that is read-only
        as a whole is said by the window's title and status bar instead."""
        if self.why_column_read_only(self._names[col]) is not None:
            return True
        return bool(self._key_index) and self.key_at(row) is None

    def why_cell_read_only(self, row: int, col: int) -> str | None:
        """Why this cell cannot be edited (the connection, the relation, the column,
        or a NULL in the row's key); ``None`` when it can."""
        if self.read_only:
            return self.read_only_reason
        if self.schema is None:
            return "No table is open."
        reason = self.schema.why_not_editable()
        if reason:
            return reason
        reason = self.why_column_read_only(self._names[col])
        if reason:
            return reason
        if not self._key_index:
            return "Your role may not read the columns that identify a row."
        if self.key_at(row) is None:
            cells = (self._loaded.locate(row, i) for i in self._key_index)
            held = next((data.text(j) for data, j in cells if data.is_beyond(j)), None)
            return unusable_key_reason(self.schema.key, held)
        data, i = self._loaded.locate(row, col)
        if data.is_beyond(i):
            return unshown_value_reason(data.text(i))
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        try:
            if self.why_cell_read_only(index.row(), index.column()) is None:
                flags |= Qt.ItemFlag.ItemIsEditable
        except Exception:  # noqa: BLE001 - flags() must not raise either
            pass
        return flags

    # -- editing ---------------------------------------------------------------------
    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        return self.set_cell(index.row(), index.column(), value)

    def set_cell(self, row: int, col: int, raw: str | None) -> bool:
        """Record ``raw`` (text as typed; ``None`` sets NULL) as the cell's pending
        value, one undo step; says why through :attr:`edit_refused` and returns False
        when it is refused."""
        reason = self.why_cell_read_only(row, col)
        if reason is not None:
            self.edit_refused.emit(reason)
            return False
        updates = self.plan_cell(row, col, raw)
        if updates is None:
            return False
        name = self._names[col]
        key = self.key_at(row)
        if all(self.edits.get(*cell) == change for cell, change in updates.items()):
            return True  # nothing changes: no undo step
        change = updates.get((key, name))
        new = "NULL" if change is not None and change.new is None else one_line(raw or "", 40) if change else "its value"
        self.undo_stack.push(PendingEdit(self.edits, updates, f"Set {name} = {new} where {self.describe_key(key)}"))
        return True

    def check_text(self, col: int, text: str) -> str | None:
        """Why the column's codec refuses ``text`` (``None``: it takes it), for the
        editor to stay open with what was typed."""
        name = self._names[col]
        try:
            self.codecs[name].parse(text)
        except InvalidValue as error:
            return f"{name}: {error.message}"
        return None

    def plan_cell(self, row: int, col: int, raw: str | None) -> dict | None:
        """The pending-set update for one cell (``None``, said through
        :attr:`edit_refused`, when the value is refused)."""
        key = self.key_at(row)
        name = self._names[col]
        rows = [row] if self.schema.unique_key else self.rows_with_key(key)
        seen = [self.value_at(r, col) for r in rows]
        try:
            return self.edits.plan_edit(key, name, raw, seen)
        except InvalidValue as error:
            self.edit_refused.emit(f"{name}: {error.message}")
            return None

    def describe_key(self, key: tuple[object, ...] | None) -> str:
        if key is None or self.schema is None:
            return "(no key)"
        return " and ".join(
            f"{name} = {one_line(shown(self.codecs[name], value), 40)}" for name, value in zip(self.schema.key, key)
        )

    def _on_edits_changed(self, _cells) -> None:
        # the view repaints what it shows; no walk over the loaded rows
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
