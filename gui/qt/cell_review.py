"""The review before a commit and the conflicts after one, for any table.

Both list their entries through a table model (never a widget per row), so a review
of 100,000 changes opens as fast as one of ten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from ..data.audit import SHOWN_VALUES
from ..data.codecs import Codec
from ..data.schema import TableSchema
from ..data.wording import plural, verb
from .review import toggle_sql
from .table_model import described, one_line, shown


class _ListModel(QAbstractTableModel):
    """Rows of text made on demand from ``entries`` by ``cells(entry)``."""

    def __init__(self, headers: Sequence[str], entries: Sequence, cells: Callable[[object], Sequence[str]], parent=None):
        super().__init__(parent)
        self._headers = list(headers)
        self._entries = entries
        self._cells = cells

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        try:
            text = self._cells(self._entries[index.row()])[index.column()]
        except Exception:  # noqa: BLE001 - data() never raises
            return "?"
        return one_line(text, 120) if role == Qt.ItemDataRole.DisplayRole else text


def _list_view(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setObjectName(name)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setDefaultSectionSize(130)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def values_text(codec: Codec, values: Sequence[object]) -> str:
    """``12.50`` / ``12.50, 12.50`` / ``1, 2, NULL (no value)`` / ``(no rows)``: one
    per row, as the audit log lists them (the first few, and how many in all)."""
    if not values:
        return "(no rows)"
    texts = [described(codec, v) for v in values[:SHOWN_VALUES]]
    return ", ".join(texts) + (f", … ({len(values):,} in all)" if len(values) > SHOWN_VALUES else "")


def key_text(schema: TableSchema, codecs: Mapping[str, Codec], key: Sequence[object]) -> str:
    return ", ".join(f"{name} = {shown(codecs[name], value)}" for name, value in zip(schema.key, key))


def review_summary(schema: TableSchema, items) -> str:
    """What the review says above its list: changes, rows, those that update several
    rows or none, and the review's notes.  A walk over every item: run it off the
    GUI thread for a big review (any thread: no Qt)."""
    rows_by_key: dict = {}
    for item in items:  # several columns of one row are one row
        rows_by_key[item.change.key] = max(rows_by_key.get(item.change.key, 0), item.rows)
    rows = sum(rows_by_key.values())
    missing = sum(1 for item in items if item.missing)
    several = sum(1 for item in items if item.rows > 1)
    text = f"{plural(len(items), 'change')} will update {plural(rows, 'row')} in {schema.qualified_name}."
    if several:
        text += (
            f" {plural(several, 'change')} {verb(several, 'updates', 'update')} several rows at once: "
            f"every row with the same {', '.join(schema.key)} changes together."
        )
    if missing:
        text += f" {plural(missing, 'change')} {verb(missing, 'matches', 'match')} no row and will update nothing."
    for note in getattr(items, "notes", ()):
        text += f"\n{note}"
    return text


class CellReviewDialog(QDialog):
    """What the commit will do, counted and checked by the database; Commit applies
    it, Cancel keeps every change pending.  ``summary``: :func:`review_summary`
    made beforehand (else made here)."""

    def __init__(self, schema: TableSchema, codecs: Mapping[str, Codec], items, sql: str, parent=None, summary: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Review changes")
        self.setAccessibleName("Review changes")
        self.setObjectName("Review changes")
        self.items = items
        text = summary if summary is not None else review_summary(schema, items)
        self.summary = QLabel(text)
        self.summary.setAccessibleName("Review summary")
        self.summary.setWordWrap(True)

        def cells(item):
            change = item.change
            codec = codecs[change.column]
            return [
                key_text(schema, codecs, change.key),
                change.column,
                str(item.rows),
                values_text(codec, item.current),
                described(codec, change.new) if change.new is None or codec.text_like else item.stored_text,
            ]

        self.list_model = _ListModel(["Row", "Column", "Rows", "Now", "Will be stored"], items, cells, self)
        self.table = _list_view(self.list_model, "Changes to commit")
        self.table.horizontalHeader().resizeSection(2, 50)
        self.table.horizontalHeader().resizeSection(3, 220)
        self.sql = QPlainTextEdit(sql)
        self.sql.setReadOnly(True)
        self.sql.setAccessibleName("SQL")
        self.sql.setToolTip("The statement: values are sent as bound parameters.")
        self.sql.setMaximumHeight(120)
        self.show_sql = QPushButton()
        self.show_sql.setObjectName("Show SQL")
        toggle_sql(self.show_sql, self.sql)  # as in the tutorial's review: hidden until asked for
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.commit_button = QPushButton(f"Commit {plural(len(items), 'change')}")
        self.commit_button.setAccessibleName("Commit changes")
        self.commit_button.setObjectName("Commit changes")
        buttons.addButton(self.commit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.show_sql, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.sql)
        layout.addWidget(buttons)
        self.commit_button.setDefault(True)  # once in the dialog: set before, it does not stick
        self.resize(720, 420)


class CellConflictsDialog(QDialog):
    """Another client changed rows the user edited: keep the user's values over
    theirs, take theirs (drop those changes), or decide at the next commit."""

    KEEP, TAKE = 1, 2

    def __init__(self, schema: TableSchema, codecs: Mapping[str, Codec], conflicts, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Conflicts")
        self.setAccessibleName("Conflicts")
        self.setObjectName("Conflicts")
        self.conflicts = conflicts
        self.choice = 0
        summary = QLabel(
            f"Another client changed {plural(len(conflicts), 'row')} you edited since you loaded "
            f"{verb(len(conflicts), 'it', 'them')}. Nothing was written."
        )
        summary.setWordWrap(True)

        def cells(conflict):
            change, current = conflict
            codec = codecs[change.column]
            seen = change.confirmed if change.confirmed is not None else change.seen
            return [
                key_text(schema, codecs, change.key),
                change.column,
                values_text(codec, seen),
                values_text(codec, current),
                described(codec, change.new),
            ]

        self.list_model = _ListModel(["Row", "Column", "You saw", "Now in the database", "Yours"], conflicts, cells, self)
        self.table = _list_view(self.list_model, "Conflicting changes")
        buttons = QDialogButtonBox()
        keep = buttons.addButton("Keep mine", QDialogButtonBox.ButtonRole.AcceptRole)
        take = buttons.addButton("Take theirs", QDialogButtonBox.ButtonRole.AcceptRole)
        later = buttons.addButton("Decide later", QDialogButtonBox.ButtonRole.RejectRole)
        for button, name in ((keep, "Keep mine"), (take, "Take theirs"), (later, "Decide later")):
            button.setAccessibleName(name)
            button.setObjectName(name)
        keep.clicked.connect(lambda: self._choose(self.KEEP))
        take.clicked.connect(lambda: self._choose(self.TAKE))
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        # once in the dialog (set before, it does not stick): Enter neither overwrites theirs nor drops yours
        later.setDefault(True)
        self.resize(720, 360)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()
