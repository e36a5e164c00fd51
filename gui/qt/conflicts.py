"""The lists the dialogs show (a review, conflicts, an import preview) and the one
conflicts dialog both windows use.

A list is a table model over the entries as they are: a row's text is made when
the view asks for it, so a list of 100,000 opens as fast as one of ten, and
nothing sizes itself by walking every row (column widths come from the header and
the first :data:`SIZE_SAMPLE` entries).

The conflicts dialog adds a last column, *Resolution*, held for every row in one
``bytearray`` (not an object or a widget per row) and edited by a combo box
(:class:`ResolutionDelegate`): double-click the cell, or press F2, or type ``k``,
``t`` or ``d`` on a row.  *Keep all mine* and *Take all theirs* set every row at
once (one ``dataChanged``).  *Decide later* is every row's choice at first, so
Enter (*Apply choices*, the default) neither overwrites another client's value
nor drops what the user typed; Cancel leaves every change to the next commit too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
)

from .table_model import one_line

# column widths: the header and this many first entries, within bounds (px)
SIZE_SAMPLE = 50
MIN_WIDTH, MAX_WIDTH = 50, 320

# a row's resolution, as held in the model's bytearray
LATER, MINE, THEIRS = 0, 1, 2
LABELS = {MINE: "Keep mine", THEIRS: "Take theirs", LATER: "Decide later"}  # the combo's order
MEANING = (None, True, False)  # by code: what the sessions take (True: keep mine)
RESOLUTION = "Resolution"

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ListModel(QAbstractTableModel):
    """Rows of text made on demand from ``entries`` by ``cells(entry)``.

    ``right_aligned``: columns of numbers; ``background(entry)``: a brush for the
    whole row (``None``: none)."""

    def __init__(
        self,
        headers: Sequence[str],
        entries: Sequence,
        cells: Callable[[object], Sequence[str]],
        parent=None,
        *,
        right_aligned: Collection[int] = (),
        background: Callable[[object], object] | None = None,
    ):
        super().__init__(parent)
        self._headers = list(headers)
        self._entries = entries
        self._cells = cells
        self._right = frozenset(right_aligned)
        self._background = background
        self._cached: tuple[int, Sequence[str]] | None = None  # the last row asked for (each role asks again)

    @property
    def entries(self) -> Sequence:
        return self._entries

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return None

    def texts(self, row: int) -> Sequence[str]:
        """The row's texts, whole (raises for a bad entry: see :meth:`data`)."""
        if self._cached is None or self._cached[0] != row:
            self._cached = (row, self._cells(self._entries[row]))
        return self._cached[1]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        try:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                text = self.texts(index.row())[index.column()]
                return one_line(text, 120) if role == Qt.ItemDataRole.DisplayRole else text
            if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._right:
                return _RIGHT
            if role == Qt.ItemDataRole.BackgroundRole and self._background is not None:
                return self._background(self._entries[index.row()])
        except Exception:  # noqa: BLE001 - data() never raises: a bad entry shows as "?"
            return "?" if role == Qt.ItemDataRole.DisplayRole else None
        return None


def list_view(model: ListModel, name: str, view: QTableView | None = None) -> QTableView:
    """A view over ``model`` for a dialog: rows selected whole, rows of one fixed
    height, columns as wide as their header and first entries (never measured over
    every row), the last one stretched."""
    view = view if view is not None else QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setObjectName(name)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(130)
    header.setStretchLastSection(True)
    fit_headers(view)
    return view


def fit_headers(view: QTableView) -> None:
    """Every column at least as wide as its header's text (a title is never clipped:
    "y in the database" was "in the databas" in a 90 px column).  Call it again after
    ``setDefaultSectionSize``, which resizes the columns."""
    header = view.horizontalHeader()
    for column in range(header.count()):
        least = header.sectionSizeHint(column)
        if header.sectionSize(column) < least:
            header.resizeSection(column, least)


def fit_columns(view: QTableView, columns: Sequence[int]) -> None:
    """``columns`` as wide as their header and first :data:`SIZE_SAMPLE` rows' texts."""
    model, metrics = view.model(), view.fontMetrics()
    header_metrics = view.horizontalHeader().fontMetrics()
    padding = 2 * metrics.averageCharWidth() + 8
    rows = min(SIZE_SAMPLE, model.rowCount())
    for column in columns:
        title = model.headerData(column, Qt.Orientation.Horizontal)
        width = header_metrics.horizontalAdvance(str(title)) + padding + 12  # room for a sort mark
        for row in range(rows):
            text = model.index(row, column).data()
            if text:
                width = max(width, metrics.horizontalAdvance(str(text)) + padding)
        view.horizontalHeader().resizeSection(column, max(MIN_WIDTH, min(MAX_WIDTH, width)))


# -- conflicts -------------------------------------------------------------------------


class ConflictsModel(ListModel):
    """The conflicts (columns made by ``cells(entry)``) and a last column, Resolution:
    each row's choice, one byte each (:data:`LATER`, :data:`MINE`, :data:`THEIRS`).
    ``describe(entry)`` names a row for its editor (``x = 9``)."""

    def __init__(
        self,
        headers: Sequence[str],
        entries: Sequence,
        cells: Callable[[object], Sequence[str]],
        describe: Callable[[object], str],
        parent=None,
        *,
        right_aligned: Collection[int] = (),
    ):
        super().__init__([*headers, RESOLUTION], entries, cells, parent, right_aligned=right_aligned)
        self.resolution_column = len(headers)
        self._describe = describe
        self._choices = bytearray(len(entries))  # LATER for every row

    # -- the choices ------------------------------------------------------------------
    def code(self, row: int) -> int:
        return self._choices[row]

    def choice(self, row: int) -> bool | None:
        """``True``: keep mine, ``False``: take theirs, ``None``: decide later."""
        return MEANING[self._choices[row]]

    def choices(self) -> list[bool | None]:
        """Every row's choice, in the entries' order."""
        return list(map(MEANING.__getitem__, self._choices))

    def counts(self) -> dict[int, int]:
        """How many rows have each code (counted in C: microseconds for 100,000)."""
        return {code: self._choices.count(code) for code in LABELS}

    def choose(self, row: int, code: int) -> None:
        self.setData(self.index(row, self.resolution_column), code)

    def choose_all(self, code: int) -> None:
        """Every row's choice at once: one ``dataChanged`` over the column."""
        n = len(self._choices)
        if not n:
            return
        self._choices[:] = bytes((code,)) * n
        column = self.resolution_column
        self.dataChanged.emit(self.index(0, column), self.index(n - 1, column), [Qt.ItemDataRole.DisplayRole])

    def describe(self, row: int) -> str:
        try:
            return self._describe(self._entries[row])
        except Exception:  # noqa: BLE001 - a name for an editor never fails the view
            return f"row {row + 1}"

    # -- Qt ---------------------------------------------------------------------------
    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal and section == self.resolution_column:
            return "What to do with each change: double-click, F2, or type k (keep mine), t (take theirs) or d (decide later)"
        return super().headerData(section, orientation, role)

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and index.column() == self.resolution_column:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.column() != self.resolution_column:
            return super().data(index, role)
        code = self._choices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return LABELS[code]
        if role == Qt.ItemDataRole.EditRole:
            return code
        if role == Qt.ItemDataRole.ToolTipRole:
            return {
                MINE: "Your value overwrites theirs at the next commit",
                THEIRS: "Your change is dropped: the database's value stays",
                LATER: "Your change stays pending and is checked again at the next commit",
            }[code]
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.resolution_column:
            return False
        code = next((c for c, label in LABELS.items() if label == value), value)
        if code not in LABELS:
            return False
        if self._choices[index.row()] != code:
            self._choices[index.row()] = code
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])
        return True


class ResolutionDelegate(QStyledItemDelegate):
    """A combo box of Keep mine / Take theirs / Decide later; a choice (a click in its
    list, an arrow key, or a letter typed) is taken at once and closes it."""

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        for code, label in LABELS.items():
            combo.addItem(label, code)
        model = index.model()
        combo.setAccessibleName(f"{RESOLUTION} for {model.describe(index.row())}")
        combo.setToolTip(model.headerData(index.column(), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole))

        def chosen(_position: int) -> None:
            self.commitData.emit(combo)
            self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

        combo.activated.connect(chosen)
        return combo

    def setEditorData(self, editor, index):
        position = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(position, 0))

    def setModelData(self, editor, model, index):
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index):
        editor.setGeometry(option.rect)


class ConflictsView(QTableView):
    """The conflicts list: any cell of a row opens (or types into) that row's
    Resolution, so a keyboard user can go down the rows typing k, t or d."""

    _REDIRECTED = (
        QAbstractItemView.EditTrigger.DoubleClicked,
        QAbstractItemView.EditTrigger.EditKeyPressed,
        QAbstractItemView.EditTrigger.AnyKeyPressed,
    )

    def edit(self, index, trigger=None, event=None):
        if trigger is None:  # the public edit(index) slot
            return super().edit(index)
        model = self.model()
        if trigger in self._REDIRECTED and index.isValid() and isinstance(model, ConflictsModel):
            if index.column() != model.resolution_column:
                if trigger == QAbstractItemView.EditTrigger.AnyKeyPressed and not (event is not None and event.text().strip()):
                    return super().edit(index, trigger, event)
                index = index.siblingAtColumn(model.resolution_column)
                self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        return super().edit(index, trigger, event)

    def open_editor(self):
        """The editor open on the current row, if any."""
        return self.indexWidget(self.currentIndex()) if self.currentIndex().isValid() else None


class ResolveConflictsDialog(QDialog):
    """Another client changed rows of pending changes: per change, keep mine, take
    theirs or decide later (see the module docstring).  ``intro`` says what happened;
    ``stretch``: the columns that share the width left."""

    def __init__(self, intro: str, model: ConflictsModel, parent=None, stretch: Collection[int] = ()):
        super().__init__(parent)
        self.setWindowTitle("Conflicts")
        self.setAccessibleName("Conflicts")
        self.setObjectName("Conflicts")
        self.list_model = model
        model.setParent(self)
        self.intro = QLabel(intro)
        self.intro.setAccessibleName("What happened")
        self.intro.setWordWrap(True)

        self.table = list_view(model, "Conflicting changes", ConflictsView())
        self.table.setItemDelegateForColumn(model.resolution_column, ResolutionDelegate(self.table))
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        combo = QComboBox()
        combo.addItems(list(LABELS.values()))
        self.table.verticalHeader().setDefaultSectionSize(max(self.table.verticalHeader().defaultSectionSize(), combo.sizeHint().height()))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        fit_columns(self.table, [c for c in range(model.resolution_column) if c not in stretch])
        for column in stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(model.resolution_column, combo.sizeHint().width() + 8)
        if model.rowCount():  # a keyboard user starts on the first row's choice (nothing selected)
            self.table.selectionModel().setCurrentIndex(
                model.index(0, model.resolution_column), QItemSelectionModel.SelectionFlag.NoUpdate
            )

        self.counts = QLabel()
        self.counts.setAccessibleName("Choices")
        self.keep_all_button = self._button("Keep all &mine", "Keep all mine", "Every change keeps your value over theirs")
        self.take_all_button = self._button("Take all &theirs", "Take all theirs", "Every change is dropped for the database's value")
        self.keep_all_button.clicked.connect(lambda: model.choose_all(MINE))
        self.take_all_button.clicked.connect(lambda: model.choose_all(THEIRS))
        choose_all = QHBoxLayout()
        choose_all.addWidget(self.counts, 1)
        choose_all.addWidget(self.keep_all_button)
        choose_all.addWidget(self.take_all_button)

        buttons = QDialogButtonBox()
        self.apply_button = buttons.addButton("&Apply choices", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setAccessibleName("Apply choices")
        self.apply_button.setObjectName("Apply choices")
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setObjectName("Cancel")
        self.cancel_button.setToolTip("Close without choosing: every conflicting change stays pending")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table)
        layout.addLayout(choose_all)
        layout.addWidget(buttons)
        model.dataChanged.connect(self._show_counts)
        self._show_counts()
        self.apply_button.setDefault(True)  # once in the dialog (set before, it does not stick): Enter applies
        self.resize(760, 360)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)  # Enter applies the choices; it never presses these
        return button

    def _show_counts(self, *_args) -> None:
        counts = self.list_model.counts()
        self.counts.setText(" · ".join(f"{label}: {counts[code]:,}" for code, label in LABELS.items()))

    def accept(self) -> None:
        editor = self.table.open_editor()
        if editor is not None:  # a choice shown in an open combo box counts
            self.table.commitData(editor)
        super().accept()

    def row_choices(self) -> list[bool | None]:
        """Every row's choice, in the order of the conflicts: ``True`` keep mine,
        ``False`` take theirs, ``None`` decide later."""
        return self.list_model.choices()
