"""The table chooser: a combo box listing every relation the role may read, with
its kind, estimated rows and whether it can be edited here; type to search.

It does no database work: the window reads :func:`gui.data.schema.list_relations`
off the GUI thread and hands the list to :meth:`TableChooser.set_relations`.

The popup is a :class:`QTableView` over :class:`RelationsModel`, a table model over
the list rather than a ``QStandardItemModel``: 5,000 relations would be 20,000
items built on the GUI thread, where the model only keeps the list and a reset.
Column widths are fixed (nothing measures every row).

``table_chosen`` is emitted only for a user's choice of a table other than the
current one: a click or Enter in the list, a completion, or Enter on a typed name
that names one relation.  Arrow keys over the closed chooser open the list and the
mouse wheel scrolls the window instead of switching tables (QComboBox would open
each table in turn, and each opening is a query).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QCompleter, QTableView, QToolTip, QWidget

from ..data.errors import QueryFailed
from ..data.schema import RelationEntry, parse_qualified_name

NAME_COLUMN, KIND_COLUMN, ROWS_COLUMN, EDITING_COLUMN = range(4)
HEADERS = ("Table", "Kind", "Rows (estimated)", "Editing")
# fixed widths, measured on these texts rather than on the rows: a long
# schema-qualified name, the longest kind, the heading over the rows, and the start
# of a reason (the whole reason is in the tooltip; the last column stretches)
COLUMN_SAMPLES = ("sales_archive.customer_addresses_2024", "partitioned table", "Rows (estimated)", "No primary key or unique index")
EDITABLE = "editable"
TOOLTIP = (
    "The table or view to open.\n"
    "Type part of its name to search, then Enter; or open the list (Alt+Down) to see "
    "every table with its kind, estimated rows and whether it can be edited here."
)


def estimated_rows_text(rows: float | None) -> str:
    """``None`` → "not analyzed"; 5000 → "≈ 5,000"; 1_234_567 → "≈ 1.2 M"."""
    if rows is None:
        return "not analyzed"
    if rows >= 999_500_000:
        return f"≈ {rows / 1e9:,.1f} B"
    if rows >= 999_500:
        return f"≈ {rows / 1e6:.1f} M"
    return f"≈ {round(rows):,}"


def _tooltip(entry: RelationEntry) -> str:
    why = entry.why_not_editable or "It can be edited here."
    return f"{entry.qualified_name}: {entry.kind}, {estimated_rows_text(entry.estimated_rows)} rows\n{why}"


class RelationsModel(QAbstractTableModel):
    """The relations, one a row: name, kind, estimated rows, editable or why not."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[RelationEntry] = []
        self._rows: dict[str, int] = {}  # qualified name → row

    def set_entries(self, entries: Sequence[RelationEntry]) -> None:
        self.beginResetModel()
        try:
            self.entries = list(entries)
            self._rows = {e.qualified_name: row for row, e in enumerate(self.entries)}
        finally:
            self.endResetModel()

    def row_of(self, qualified_name: str) -> int:
        """The row of that qualified name, or -1."""
        return self._rows.get(qualified_name, -1)

    # -- Qt --------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        column = index.column()
        # EditRole too: an editable QComboBox and QCompleter read the text by it
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == NAME_COLUMN:
                return entry.qualified_name
            if column == KIND_COLUMN:
                return entry.kind
            if column == ROWS_COLUMN:
                return estimated_rows_text(entry.estimated_rows)
            if column == EDITING_COLUMN:
                return entry.why_not_editable or EDITABLE
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ROWS_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return entry.qualified_name
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class TableChooser(QComboBox):
    """Choose the relation to open; see the module docstring."""

    table_chosen = Signal(str)  # a RelationEntry.qualified_name the user picked
    refused = Signal(str)  # a typed name that names no relation (or several), with why

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("Table")
        self.setAccessibleName("Table")
        self.setToolTip(TOOLTIP)
        self._current: str | None = None

        self._model = RelationsModel(self)
        self.setModel(self._model)
        self.setModelColumn(NAME_COLUMN)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lineEdit().setPlaceholderText("Type to search tables")
        # AdjustToContents would measure every name
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(28)
        self.setMaxVisibleItems(20)

        view = QTableView(self)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 6)
        view.horizontalHeader().setStretchLastSection(True)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setView(view)
        self._set_column_widths()

        completer = QCompleter(self._model, self)
        completer.setCompletionColumn(NAME_COLUMN)
        completer.setCompletionRole(Qt.ItemDataRole.EditRole)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(15)
        self.setCompleter(completer)

        # a click or Enter in the list, a completion, Enter on an exact name
        self.activated.connect(self._on_activated)
        # Enter on part of a name: QComboBox (NoInsert) does nothing with it
        self.lineEdit().returnPressed.connect(self._on_return_pressed)

    # -- the API -----------------------------------------------------------------------
    def set_relations(self, entries: Sequence[RelationEntry]) -> None:
        """Lists ``entries``; the current table stays shown (in the list's spelling once
        it is listed), and so does what the user is typing."""
        typing = self._typed_text() if self._is_typing() else None
        self._model.set_entries(entries)
        if self._current is not None and (row := self._find(self._current)) >= 0:
            self._current = self._model.entries[row].qualified_name
        self._set_column_widths()  # a reset may bring back the header's defaults
        self._show_current()
        if typing is not None:
            self.lineEdit().setText(typing)

    def set_current(self, qualified_name: str) -> None:
        """Shows ``qualified_name`` as the open table; emits nothing.  A name in another
        spelling (``some_table`` for ``public.some_table``) is taken as the listed one."""
        row = self._find(qualified_name)
        self._current = self._model.entries[row].qualified_name if row >= 0 else qualified_name
        self._show_current()

    def current_name(self) -> str | None:
        """The open table as set or chosen (the list's spelling when it is listed)."""
        return self._current

    def relation(self, qualified_name: str) -> RelationEntry | None:
        row = self._model.row_of(qualified_name)
        return self._model.entries[row] if row >= 0 else None

    # -- Qt overrides --------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and self._is_typing():
            self._show_current()
            event.accept()
            return
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            # QComboBox would switch to the next table at once
            if self.count():
                self.showPopup()
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        # QComboBox would open table after table while the user scrolls the window
        event.ignore()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.lineEdit().selectAll()  # typing replaces the name shown: a search starts afresh

    def focusOutEvent(self, event: QFocusEvent) -> None:
        # leaving with half a name typed shows the open table again; before QComboBox
        # sees the focus leave, or it would open a table whose exact name was typed
        if event.reason() not in (Qt.FocusReason.PopupFocusReason, Qt.FocusReason.ActiveWindowFocusReason):
            if self._is_typing():
                self._show_current()
        super().focusOutEvent(event)

    def showPopup(self) -> None:
        self.view().setMinimumWidth(sum(self.view().columnWidth(c) for c in range(len(HEADERS))) + 24)
        super().showPopup()
        row = self._model.row_of(self._current) if self._current is not None else -1
        if row >= 0:
            self.view().scrollTo(self._model.index(row, NAME_COLUMN), QAbstractItemView.ScrollHint.PositionAtCenter)

    # -- slots -------------------------------------------------------------------------
    def _on_activated(self, row: int) -> None:
        if 0 <= row < len(self._model.entries):
            self._choose(self._model.entries[row])

    def _on_return_pressed(self) -> None:
        popup = self.completer().popup() if self.completer() is not None else None
        if popup is not None and popup.isVisible() and popup.selectionModel().isSelected(popup.currentIndex()):
            return  # the completer activates the row the user selected in it
        text = self._typed_text().strip()
        if not text:
            self._show_current()
            return
        entry, why = self._resolve(text)
        if entry is None:
            self._refuse(why)
        else:
            self._choose(entry)

    # -- helpers -------------------------------------------------------------------------
    def _choose(self, entry: RelationEntry) -> None:
        name = entry.qualified_name
        changed = name != self._current
        self._current = name
        self._show_current()
        QToolTip.hideText()
        if changed:
            self.table_chosen.emit(name)

    def _refuse(self, why: str) -> None:
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), why, self)
        self.refused.emit(why)

    def _show_current(self) -> None:
        row = self._model.row_of(self._current) if self._current is not None else -1
        self.setCurrentIndex(row)
        self.lineEdit().setText(self._current or "")

    def _typed_text(self) -> str:
        return self.lineEdit().text()

    def _is_typing(self) -> bool:
        return self._typed_text() != (self._current or "")

    def _find(self, name: str) -> int:
        """The row ``name`` stands for: its exact spelling, else SQL's reading of it
        (an unqualified name found in one schema only); -1 when none or several."""
        row = self._model.row_of(name)
        if row >= 0:
            return row
        try:
            schema, table = parse_qualified_name(name)
        except QueryFailed:
            return -1
        rows = [
            r for r, e in enumerate(self._model.entries)
            if e.name == table and (schema is None or e.schema == schema or (not e.schema and schema == "main"))
        ]  # fmt: skip  (SQLite's one database is "main": a name remembered as main.customers)
        return rows[0] if len(rows) == 1 else -1

    def _resolve(self, text: str) -> tuple[RelationEntry | None, str]:
        """The one relation a typed ``text`` names, or ``None`` and why not.

        In order: the exact name as listed; the name read as SQL (``sales.orders``,
        or ``orders`` when one schema has it); the only listed name containing the
        text, ignoring case and quotes (what the completer shows); among several,
        the only one whose own name is the text, ignoring case."""
        entries = self._model.entries
        row = self._find(text)
        if row >= 0:
            return entries[row], ""
        needle = text.casefold()
        unquoted = needle.replace('"', "")
        found = [
            e for e in entries
            if needle in e.qualified_name.casefold() or unquoted in f"{e.schema}.{e.name}".casefold()
        ]  # fmt: skip
        if len(found) == 1:
            return found[0], ""
        same_name = [e for e in found if e.name.casefold() == unquoted]
        if len(same_name) == 1:
            return same_name[0], ""
        if not found:
            return None, f"No table or view matches “{text}”."
        return None, f"“{text}” matches {len(found):,} tables: pick one from the list."

    def _set_column_widths(self) -> None:
        view = self.view()
        metrics = view.fontMetrics()
        padding = 3 * metrics.averageCharWidth()
        for column, sample in enumerate(COLUMN_SAMPLES):
            view.setColumnWidth(column, metrics.horizontalAdvance(sample) + padding)

