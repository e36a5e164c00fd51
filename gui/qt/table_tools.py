"""Copy, paste, fill down, CSV export and CSV import of changes for the window of
any table (:class:`~gui.qt.table_window.TableWindow`).

:func:`install_table_tools` adds the actions to the window's Edit and File menus
and to the table's context menu; the text and files they read and write are
:mod:`gui.data.table_csv`'s.

* Copy (Ctrl+C): the bounding rectangle of the selection as tab-separated text,
  each value whole as its codec shows it (pending values as shown), NULL as an
  empty field.  The same cells go on the clipboard a second time in a private
  format (:data:`CELLS_MIME`) that keeps NULL apart from the empty string, so a
  paste of what was copied here puts back exactly those values.
* Paste (Ctrl+V): the clipboard's cells from the current cell on, as typed into
  each cell (its column's codec), one undo step.  A pasted empty field is NULL
  for a column that is not text-like and the empty string for text, varchar and
  char (a spreadsheet's empty cell cannot be told from an empty string).  One
  refused value (the codec, a read-only cell, a row whose key is NULL, a cell
  beyond the loaded rows or the columns) refuses the whole paste, and the message
  names its row and column.  One value pasted into a selection of several cells
  fills every selected cell with it, as in a spreadsheet.
* Fill down (Ctrl+D): in each column of the selection, its topmost selected
  cell's value into the selected cells below it, one undo step.
* Export CSV…: the rows of the window's filter and sort (the whole result, not
  only the loaded rows) written off the GUI thread with progress and Cancel.
  With pending changes on screen it first asks which values the file is to
  hold: the values as shown (the pending ones where there are some) or the
  database's; the dialogs and the status bar say which it holds.
* Import changes from CSV…: a file naming the key columns and the columns to
  change, read and checked off the GUI thread, with the database's values of the
  rows it names (one query per 10,000 keys, through the commit's review, which
  also checks every new value with the server's own cast); the rows loaded in
  the table count as seen with their loaded values, as for a typed edit.
  Previewed in a list (a view over a model) that says how many pending changes
  it replaces and shows each one's pending value beside the database's, applied
  as one undo step.

Paste, fill down and import are planned off the GUI thread when they are big
(:mod:`gui.qt.planned`, :mod:`gui.data.planning`): progress in the status bar,
Cancel, the window usable meanwhile, then one undo step applied at once.  Paste
and fill down change at most :data:`EDIT_LIMIT` cells, copy copies at most
:data:`COPY_LIMIT` (it runs on the GUI thread): a bigger selection is refused
with a word on Export CSV.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QMessageBox, QProgressDialog, QVBoxLayout

from ..data.cell_commit import review_cells
from ..data.codecs import Codec
from ..data.edits import CellChange, CellEdits
from ..data.errors import Cancelled, InvalidValue, UserError
from ..data.planning import (
    EDIT_LIMIT,
    INLINE_CELLS,
    Block,
    CellTable,
    LoadedRows,
    PlanRefused,
    block_rows,
    fields_in,
    fill_blocks,
    off_the_gui_thread,
    paste_blocks,
    plan_prepared,
)
from ..data.schema import TableSchema
from ..data.table_csv import (
    NEW,
    NO_ROW,
    REPLACES,
    REVERTS,
    UNCHANGED,
    ImportedCells,
    ImportPlan,
    cells_to_bytes,
    clipboard_grid,
    clipboard_text,
    export_result,
    pasted_raw,  # noqa: F401 - how a pasted empty field is read (the docstrings name it)
    plan_import,
    read_cell_changes,
    seen_values,
)
from ..data.wording import plural, verb
from .cell_review import _list_view, _ListModel, key_text, values_text
from .export_run import ExportProgress
from .icons import named_action
from .planned import Planner, PlannedEdit
from .table_model import described, shown

CELLS_MIME = "application/x-table-editor-cells+json"
COPY_LIMIT = 200_000  # cells copied at once
# what an export writes when changes are pending
DATABASE_VALUES, SHOWN_VALUES = "database", "shown"


class ImportPreview(QDialog):
    """What a changes file will do, before it becomes pending: ``accepted`` means
    apply :attr:`plan` as one undo step."""

    def __init__(
        self,
        schema: TableSchema,
        codecs: Mapping[str, Codec],
        file_name: str,
        imported: ImportedCells,
        plan: ImportPlan,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Import changes from CSV")
        self.setAccessibleName("Import changes from CSV")
        self.setObjectName("Import changes from CSV")
        self.imported, self.plan = imported, plan
        changes = plan.count(NEW, REPLACES, REVERTS)
        replaced = plan.count(REPLACES, REVERTS)
        unchanged = plan.count(UNCHANGED)
        missing = plan.missing_lines
        if imported.refused:
            first = imported.refused[0]
            text = (
                f"{file_name}: {plural(len(imported.refused), 'refused line')}, so nothing will be imported. "
                f"First: line {first.line}: {first.reason} Fix the file and import it again."
            )
        else:
            text = (
                f"{file_name} ({imported.dialect}, {plural(imported.lines, 'line')} of "
                f"{', '.join(imported.columns)}): {plural(changes, 'change')} to make pending, "
                + (
                    f"replacing {plural(replaced, 'pending change')}. The list shows {verb(replaced, 'its', 'their')} "
                    f"pending {verb(replaced, 'value', 'values')} beside the database's."
                    if replaced
                    else "replacing no pending change."
                )
            )
            if unchanged:
                text += f" {plural(unchanged, 'value')} already {verb(unchanged, 'holds', 'hold')} what the file says."
            if missing:
                text += (
                    f" {plural(missing, 'line')} {verb(missing, 'names', 'name')} a row that does not exist "
                    f"(no row has its {', '.join(schema.key)}): skipped."
                )
            if imported.repeated:
                text += f" {plural(imported.repeated, 'repeated value')} counted once."
        self.summary = QLabel(text)
        self.summary.setAccessibleName("Import summary")
        self.summary.setObjectName("Import summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        notes = {
            NEW: "",
            REPLACES: "replaces a pending change",
            REVERTS: "the database's value: drops a pending change",
            UNCHANGED: "unchanged",
            NO_ROW: "no row has this key: skipped",
        }

        def change_cells(entry):
            cell = entry.cell
            codec = codecs[cell.column]
            return [
                str(cell.line),
                key_text(schema, codecs, cell.key),
                cell.column,
                described(codec, cell.new),  # NULL said as such, text quoted: 'NULL' is not NULL
                values_text(codec, entry.seen),
                "" if entry.pending is None else described(codec, entry.pending.new),
                notes[entry.status],
            ]

        self.changes_model = _ListModel(
            ["Line", "Row", "Column", "New value", "In the database", "Pending now", ""], plan.entries, change_cells, self
        )
        self.table = _list_view(self.changes_model, "Changes to import")
        self.refused_model = _ListModel(
            ["Line", "Value", "Why"], imported.refused, lambda r: [str(r.line), r.text, r.reason], self
        )
        self.refused_table = _list_view(self.refused_model, "Refused lines")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply as pending changes", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setAccessibleName("Apply import")
        self.apply_button.setObjectName("Apply import")
        self.apply_button.setEnabled(imported.ok and bool(plan.updates))
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if imported.refused:
            layout.addWidget(QLabel("Refused lines:"))
            layout.addWidget(self.refused_table)
        else:
            self.refused_table.hide()
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(760, 460)


class TableTools(QObject, ExportProgress):
    """The actions; see the module docstring.  Paste and fill down return why they
    changed nothing (also shown in the window), or ``None``."""

    exported = Signal(int)  # rows written by a finished export
    imported = Signal(int)  # pending changes an applied import changed

    def __init__(self, window, runner, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.file_dialog: QFileDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.import_preview: ImportPreview | None = None
        self._export_task = None
        self._import_task = None
        self.export_question: QMessageBox | None = None
        self.planner = Planner(window, runner, self)

        self.copy_action = named_action(window, "&Copy", "Copy", self.copy_selection, QKeySequence.StandardKey.Copy, "copy")
        self.paste_action = named_action(window, "&Paste", "Paste", self.paste, QKeySequence.StandardKey.Paste, "paste")
        self.fill_down_action = named_action(window, "Fill &down", "Fill down", self.fill_down, "Ctrl+D")
        window.edit_menu.addSeparator()
        for action in (self.copy_action, self.paste_action, self.fill_down_action):
            # on the table only: the filter's fields and an open cell editor keep
            # their own copy and paste
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.edit_menu.addAction(action)
            window.view.addAction(action)

        self.export_action = named_action(window, "&Export CSV…", "Export CSV", self.choose_export_file, icon_name="export")
        self.import_action = named_action(
            window, "&Import changes from CSV…", "Import changes from CSV", self.choose_import_file, icon_name="import"
        )
        quit_separator = next((a for a in window.file_menu.actions() if a.isSeparator()), None)
        window.file_menu.insertAction(quit_separator, self.export_action)
        window.file_menu.insertAction(quit_separator, self.import_action)
        window.file_menu.insertSeparator(self.export_action)

    # -- state -------------------------------------------------------------------
    @property
    def _model(self):
        return self.window.model

    @property
    def _codecs(self) -> Mapping[str, Codec]:
        return self.window.opened.codecs

    def _table_open(self, what: str) -> bool:
        if self.window.engine is None or self.window.opened is None or self.window.edits is None:
            self.window.show_message(f"{what}: open a table first.")
            return False
        return True

    def _can_edit(self, what: str) -> bool:
        """Whether edits are possible now; says why not."""
        if not self._table_open(what):
            return False
        window = self.window
        if window.committing:
            self.window.show_message(f"{what}: {window.model.read_only_reason}")
            return False
        if not window.writable:
            reason = window.model.read_only_reason if window.model.read_only else window.schema.why_not_editable()
            window.show_message(f"{what}: {reason or 'this table cannot be edited here.'}")
            return False
        return True

    def _refuse(self, text: str) -> str:
        self.window.show_message(text)
        return text

    def _selected_ranges(self) -> list[tuple[int, int, int, int]]:
        """The selection as (top, left, bottom, right) ranges; the current cell when
        nothing is selected."""
        view = self.window.view
        selection = view.selectionModel()
        ranges = [(r.top(), r.left(), r.bottom(), r.right()) for r in selection.selection()] if selection else []
        if not ranges and view.currentIndex().isValid():
            index = view.currentIndex()
            ranges = [(index.row(), index.column(), index.row(), index.column())]
        return ranges

    def _select(self, top: int, left: int, bottom: int, right: int) -> None:
        model = self._model
        selection = QItemSelection(model.index(top, left), model.index(bottom, right))
        selection_model = self.window.view.selectionModel()
        selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        selection_model.setCurrentIndex(model.index(top, left), QItemSelectionModel.SelectionFlag.NoUpdate)

    def _value(self, row: int, col: int) -> object:
        """The cell's value as the table shows it: its pending value, else the loaded one."""
        change = self._model.pending_at(row, col)
        return change.new if change is not None else self._model.value_at(row, col)

    # -- copy ----------------------------------------------------------------------
    def copy_selection(self) -> str:
        """Copy the selection's bounding rectangle; returns the text put on the clipboard."""
        if self.window.opened is None:
            return ""
        ranges = self._selected_ranges()
        if not ranges:
            self._refuse("Copy: select the cells to copy first.")
            return ""
        top, left = min(r[0] for r in ranges), min(r[1] for r in ranges)
        bottom, right = max(r[2] for r in ranges), max(r[3] for r in ranges)
        rows, columns = bottom - top + 1, right - left + 1
        if rows * columns > COPY_LIMIT:
            self._refuse(
                f"Copy: {rows * columns:,} cells are selected; Copy takes at most {COPY_LIMIT:,} at a time. "
                "Export CSV writes any number of rows."
            )
            return ""
        model = self._model
        codecs = [self._codecs[model.column_name(c)] for c in range(left, right + 1)]
        grid: list[list[str | None]] = []
        for row in range(top, bottom + 1):
            line: list[str | None] = []
            for codec, col in zip(codecs, range(left, right + 1)):
                value = self._value(row, col)
                line.append(None if value is None else shown(codec, value))
            grid.append(line)
        text = clipboard_text(grid)
        mime = QMimeData()
        mime.setText(text)
        mime.setData(CELLS_MIME, QByteArray(cells_to_bytes(grid)))
        QGuiApplication.clipboard().setMimeData(mime)
        self.window.show_status(f"Copied {plural(rows, 'row')} × {plural(columns, 'column')}.")
        return text

    # -- paste -----------------------------------------------------------------------
    def paste(self) -> str | None:
        """Paste the clipboard from the current cell on (one value into every
        selected cell when several are selected)."""
        if not self._can_edit("Paste") or self.planner.busy("Paste"):
            return "not editable"
        start = self.window.view.currentIndex()
        if not start.isValid():
            return self._refuse("Paste: select the cell to paste into first.")
        mime = QGuiApplication.clipboard().mimeData()
        text = mime.text() if mime is not None else ""
        cells = bytes(mime.data(CELLS_MIME).data()) if mime is not None and mime.hasFormat(CELLS_MIME) else None
        return self._paste(text, cells, start.row(), start.column(), self._selected_ranges())

    def paste_text(self, text: str, row: int, column: int) -> str | None:
        """Paste tab-separated ``text`` with its first value at (``row``, ``column``)."""
        return self._paste(text, None, row, column, [])

    def paste_cells(self, grid: Sequence[Sequence[str | None]], row: int, column: int, nulls_marked: bool) -> str | None:
        """Paste ``grid`` (rows of fields) at (``row``, ``column``): with
        ``nulls_marked`` a ``None`` field is NULL and ``""`` the empty string, else
        an empty field is read by :func:`pasted_raw`."""
        text = clipboard_text(grid)
        cells = cells_to_bytes(grid) if nulls_marked else None
        return self._paste(text, cells, row, column, [])

    def _paste(self, text: str, cells: bytes | None, row: int, column: int, ranges) -> str | None:
        """Read the clipboard's text (and the cells of our own Copy) and plan the
        paste; on a worker when it is big."""
        if not self._can_edit("Paste") or self.planner.busy("Paste"):
            return "not editable"
        table, edits = self._table(), self.window.edits
        selected = sum((bottom - top + 1) * (right - left + 1) for top, left, bottom, right in ranges)

        def blocks_of() -> tuple[list[Block], str, tuple[int, int, int, int] | None]:
            grid, nulls_marked = clipboard_grid(text, cells)
            if selected > 1 and len(grid) == 1 and len(grid[0]) == 1:
                # one value into a selection of several cells: every selected cell takes it
                blocks = fill_blocks(table, ranges, grid[0][0], nulls_marked)
                count = sum(len(b.rows) for b in blocks)
                return blocks, f"Paste one value into {plural(count, 'cell')}", None
            blocks = paste_blocks(table, grid, row, column, nulls_marked)
            height, width = len(grid), max(len(fields) for fields in grid)
            count = sum(len(b.rows) for b in blocks)
            return blocks, f"Paste {plural(count, 'value')}", (row, column, row + height - 1, column + width - 1)

        def work(token, progress, pending, state):
            blocks, undo_text, pasted = blocks_of()
            return plan_prepared(edits, table, blocks, pending, state, token, progress), undo_text, pasted

        inline = fields_in(text) <= INLINE_CELLS and selected <= INLINE_CELLS
        return self._plan("Paste", work, inline, label="Paste: checking the clipboard's values")

    # -- fill down -------------------------------------------------------------------
    def fill_down(self) -> str | None:
        """In each selected column, the topmost selected cell's value into the selected
        cells below it."""
        if not self._can_edit("Fill down") or self.planner.busy("Fill down"):
            return "not editable"
        ranges = self._selected_ranges()
        cells = sum((bottom - top + 1) * (right - left + 1) for top, left, bottom, right in ranges)
        if cells > EDIT_LIMIT:
            return self._refuse(f"Fill down: {cells:,} cells are selected; Fill down takes at most {EDIT_LIMIT:,}.")
        table, edits = self._table(), self.window.edits
        blocks = []
        count = 0
        for col in sorted({c for _top, left, _bottom, right in ranges for c in range(left, right + 1)}):
            rows = block_rows([(top, bottom) for top, left, bottom, right in ranges if left <= col <= right])
            if len(rows) < 2:
                continue
            value = self._value(int(rows[0]), col)
            raw = None if value is None else shown(self._codecs[self._model.column_name(col)], value)
            blocks.append(Block(col, rows[1:], None, np.arange(count, count + len(rows) - 1), raw=raw))
            count += len(rows) - 1
        if not blocks:
            return self._refuse("Fill down: select a cell and the cells below it to fill with its value.")

        def work(token, progress, pending, state):
            prepared = plan_prepared(edits, table, blocks, pending, state, token, progress)
            return prepared, f"Fill down {plural(count, 'cell')}", None

        return self._plan("Fill down", work, count <= INLINE_CELLS, label=f"Fill down: checking {plural(count, 'cell')}")

    # -- paste and fill down: plan, then one undo step -----------------------------------
    def _table(self) -> CellTable:
        """What planning needs of the window, taken now (the loaded pages by reference)."""
        model = self._model
        return CellTable(
            self.window.schema,
            dict(self._codecs),
            model.names,
            LoadedRows.of(model.loaded_pages()),
            model.read_only_reason if model.read_only else None,
            model.canFetchMore(),
        )

    def _refused(self, what: str, error: PlanRefused) -> str:
        """Say why ``what`` changed nothing, naming the cell as the table shows it."""
        if error.complete:
            return self._refuse(error.message)
        refused = f"{what} refused, nothing was changed: "
        if error.row is None or error.column is None:
            return self._refuse(refused + error.message)
        # as the rows were when the user acted (they may have been loaded again since)
        shown_key = f" ({self._model.describe_key(error.key)})" if error.key is not None else ""
        where = f"row {error.row + 1}{shown_key}, column {self._model.column_name(error.column)}"
        if error.other_row is not None:
            return self._refuse(
                refused + f"{where} and row {error.other_row + 1} are one change (every row with "
                f"{self._model.describe_key(error.key)} takes one value), but are given different values."
            )
        return self._refuse(refused + f"{where}: {error.message}")

    def _plan(self, what: str, work, inline: bool, label: str = "") -> str | None:
        """Plan ``what`` (``work`` gives the prepared updates, the undo step's name
        and the rectangle to select) and push it as one undo step; returns why
        nothing changed when that is known at once."""
        window, model = self.window, self._model
        edits, pages = window.edits, model.loaded_pages()
        outcome: dict[str, str | None] = {"refused": None}

        def fresh() -> str | None:
            # rows loaded again meanwhile (F5, rows put before them) change nothing: the
            # plan names its cells by key and holds what was seen when the user pasted
            if window.edits is not edits:
                return f"{what}: another table was opened while it was checked, so nothing was changed."
            return None

        def refused(error: PlanRefused) -> None:
            outcome["refused"] = self._refused(what, error)

        def apply(planned) -> None:
            prepared, undo_text, pasted = planned
            if window.edits is not edits or not self._can_edit(what):
                outcome["refused"] = "not editable"
                return
            if prepared.changed:
                window.undo_stack.push(PlannedEdit(edits, prepared, undo_text))
                window.show_status(f"{undo_text}: {plural(len(prepared.changed), 'pending change')} changed.")
            else:
                window.show_status(f"{what}: the cells already hold these values.")
            if pasted is not None and model.loaded_pages() is pages:
                self._select(*pasted)  # the same rows (after a reload they may be elsewhere)

        self.planner.run(what, work, edits, apply, refused, inline, fresh, label)
        return outcome["refused"]

    # -- export ----------------------------------------------------------------------
    def _pending_note(self, values: str = DATABASE_VALUES) -> str:
        count = len(self.window.edits or ())
        if not count:
            return ""
        if values == SHOWN_VALUES:
            return (
                f"The file holds the values as the table shows them: with the {plural(count, 'pending change')}, "
                f"which {verb(count, 'is', 'are')} not committed."
            )
        return (
            f"The file holds the database's values: the {plural(count, 'pending change')} "
            f"{verb(count, 'is', 'are')} not in it (commit first to export {verb(count, 'it', 'them')})."
        )

    def choose_export_file(self) -> None:
        """With pending changes, ask which values to write; then ask where (a
        non-modal file dialog), then :meth:`export_to`."""
        if not self._table_open("Export CSV"):
            return
        count = len(self.window.edits or ())
        if not count:
            self._choose_export_path(DATABASE_VALUES)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Export CSV",
            f"The table shows {plural(count, 'pending change')} that {verb(count, 'is', 'are')} not committed. "
            "Which values should the file hold?",
            QMessageBox.StandardButton.Cancel,
            self.window,
        )
        box.setObjectName("Export which values")
        box.setAccessibleName("Export which values")
        shown_button = box.addButton(f"As shown, with the {plural(count, 'pending change')}", QMessageBox.ButtonRole.AcceptRole)
        shown_button.setObjectName("Export as shown")
        database_button = box.addButton("The database's values", QMessageBox.ButtonRole.AcceptRole)
        database_button.setObjectName("Export the database's values")
        box.setDefaultButton(shown_button)
        self.export_question = box

        def answered(button) -> None:
            self.export_question = None
            box.deleteLater()
            if button is shown_button:
                self._choose_export_path(SHOWN_VALUES)
            elif button is database_button:
                self._choose_export_path(DATABASE_VALUES)

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "export_question", None))
        box.open()

    def _choose_export_path(self, values: str) -> None:
        note = self._pending_note(values)
        title = "Export CSV"
        if note:
            title += " — the values as shown, with the pending changes" if values == SHOWN_VALUES else " — the database's values, not the pending changes"
        dialog = QFileDialog(self.window, title)
        dialog.setObjectName("Export CSV file")
        dialog.setAccessibleName("Export CSV file")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV files (*.csv)", "All files (*)"])
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(f"{self.window.schema.name}.csv")
        dialog.fileSelected.connect(lambda path: self.export_to(path, values))
        dialog.finished.connect(lambda _result: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()
        if note:
            self.window.show_status(note)

    def export_to(self, path: str, values: str = DATABASE_VALUES) -> None:
        """Write the rows of the window's filter and sort to ``path`` off the GUI
        thread, with a progress dialog and Cancel: the database's values, or with
        ``values`` :data:`SHOWN_VALUES` the pending ones where there are some."""
        if not self._table_open("Export CSV"):
            return
        if self._export_task is not None:
            self._refuse("Export CSV: an export is running; wait for it or cancel it first.")
            return
        window, model = self.window, self._model
        engine, schema, codecs = window.engine, window.schema, dict(self._codecs)
        conditions, sort, total = model.conditions, model.sort, model.total
        # a copy of the pending set (a dict copy): the worker reads it while edits go on
        pending = window.edits.snapshot() if values == SHOWN_VALUES and window.edits else None
        name = Path(path).name
        what = "the filtered rows" if conditions else "every row"
        note = self._pending_note(values)
        self.start_export(
            "Export CSV",
            f"Exporting {what} of {schema.qualified_name} to {name} …",
            note,
            path,
            lambda progress, token: export_result(
                engine, schema, codecs, path, conditions, sort, progress, token, total=total, pending=pending
            ),
        )

    # -- import -----------------------------------------------------------------------
    def choose_import_file(self) -> None:
        """Ask for the file (a non-modal file dialog), then :meth:`import_file`."""
        if not self._can_edit("Import changes from CSV"):
            return
        dialog = QFileDialog(self.window, "Import changes from CSV")
        dialog.setObjectName("Import CSV file")
        dialog.setAccessibleName("Import CSV file")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(["CSV files (*.csv *.txt)", "All files (*)"])
        dialog.fileSelected.connect(self.import_file)
        dialog.finished.connect(lambda _result: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()

    def import_file(self, path: str) -> None:
        """Read and check ``path`` and the rows it names, and plan it, off the GUI
        thread (Cancel stops it); then show the preview."""
        if not self._can_edit("Import changes from CSV"):
            return
        if self._import_task is not None or self.planner.busy("Import changes from CSV"):
            self._refuse("Import changes from CSV: a file is being read; wait for it first.")
            return
        window = self.window
        engine, schema, codecs, edits = window.engine, window.schema, dict(self._codecs), window.edits
        table = self._table()  # the loaded pages, read by the worker as they are now
        pending, state = edits.snapshot(), edits.state
        changed = {"since": False}

        def edits_changed(_cells) -> None:
            changed["since"] = True

        window.clear_message()
        window.show_status(f"Reading {Path(path).name} … (Cancel stops it)")

        def work(token):
            with off_the_gui_thread():
                imported = read_cell_changes(path, schema, codecs)
                if not imported.ok or not imported.cells:
                    return imported, {}, ImportPlan()
                token.check()
                probes = [CellChange(c.key, c.column, c.new, ()) for c in imported.cells]
                # every row's value now for each key (and each new value checked by the
                # server's own cast): one query per chunk of keys
                review = review_cells(engine, schema, codecs, probes, token)
                current = {item.change.cell: item.current for item in review}
                seen = seen_values(imported.cells, schema, table.loaded, current, token)
                token.check()
                return imported, seen, plan_import(edits, imported, seen, pending, state)

        def finish() -> None:
            edits.unsubscribe(edits_changed)
            window._untrack(self._import_task)  # noqa: SLF001 - the window's Cancel button stops tracked tasks
            self._import_task = None
            window.clear_status()

        def done(result) -> None:
            again, cancelled = changed["since"], self._import_task.token.cancelled
            finish()
            imported, seen, plan = result
            if cancelled:  # Cancel pressed after the worker's last look
                window.show_status("Import cancelled: nothing was imported.")
            elif again and imported.ok and imported.cells:
                # the pending set changed while the file was read: planned again against it
                self._plan_import(Path(path).name, edits, imported, seen, lambda plan: self._show_import(path, edits, imported, seen, plan))
            else:
                self._show_import(path, edits, imported, seen, plan)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, Cancelled):
                window.show_status("Import cancelled: nothing was imported.")
            elif isinstance(error, InvalidValue):  # the plan refused a value of the file
                window.show_message(_import_refused(Path(path).name, error))
            else:
                window.show_message(f"Import changes from CSV: {error.title}: {error.message}")

        edits.subscribe(edits_changed)
        self._import_task = self.runner.submit(work, lane="import", on_done=done, on_error=failed, on_bug=lambda _bug: finish())
        window._track(self._import_task)  # noqa: SLF001 - enables the window's Cancel button

    def _plan_import(self, name: str, edits: CellEdits, imported: ImportedCells, seen, then) -> None:
        """Plan ``imported`` against the pending set as it is now (on the lane when
        it is big), then ``then(plan)``."""

        def work(_token, _progress, pending, state):
            try:
                return plan_import(edits, imported, seen, pending, state)
            except InvalidValue as error:
                raise PlanRefused(_import_refused(name, error), complete=True) from None

        self.planner.run(
            "Import changes from CSV",
            work,
            edits,
            then,
            lambda error: self._refuse(error.message),
            len(imported.cells) <= INLINE_CELLS,
            lambda: None if self.window.edits is edits else "Import changes from CSV: another table was opened meanwhile; nothing was imported.",
            label=f"Import changes from CSV: planning {plural(len(imported.cells), 'change')}",
        )

    def _show_import(self, path: str, edits: CellEdits, imported: ImportedCells, seen, plan: ImportPlan) -> None:
        window = self.window
        if window.edits is not edits:
            return  # another table was opened meanwhile
        name = Path(path).name
        if imported.refused:
            first = imported.refused[0]
            more = len(imported.refused) - 1
            window.show_message(
                f"Import refused, nothing was imported: {name} line {first.line}: {first.reason}"
                + (f" ({plural(more, 'more refused line')} in the preview.)" if more else "")
            )
        elif not imported.cells:
            window.show_message(f"{name} holds no changes (only its first line).")
        dialog = ImportPreview(window.schema, self._codecs, name, imported, plan, window)
        self.import_preview = dialog
        changed = {"since": False}

        def edits_changed(_cells) -> None:
            changed["since"] = True

        edits.subscribe(edits_changed)

        def finished(result: int) -> None:
            edits.unsubscribe(edits_changed)
            self.import_preview = None
            dialog.deleteLater()
            if result == QDialog.DialogCode.Accepted:
                self._apply_import(name, edits, imported, seen, plan if not changed["since"] else None)

        dialog.finished.connect(finished)
        dialog.open()

    def _apply_import(self, name: str, edits: CellEdits, imported: ImportedCells, seen, plan: ImportPlan | None) -> int:
        """Make the file's changes pending as one undo step (planned again first when
        the pending set changed under the preview); returns how many changed, ``0``
        also while a plan made again is still running."""
        window = self.window
        if window.edits is not edits or not imported.ok or not self._can_edit("Import changes from CSV"):
            return 0
        if plan is None:  # the pending set changed under the preview: plan again
            self._plan_import(name, edits, imported, seen, lambda plan: self._apply_import(name, edits, imported, seen, plan))
            return 0
        count = len(plan.updates.changed) if hasattr(plan.updates, "changed") else len(plan.updates)
        if count:
            window.undo_stack.push(PlannedEdit(edits, plan.updates, f"Import {plural(count, 'change')} from {name}"))
            window.show_status(f"Imported {plural(count, 'change')} from {name}.")
        else:
            window.show_status(f"{name}: nothing to change, every value already matches.")
        self.imported.emit(count)
        return count


def _import_refused(name: str, error: InvalidValue) -> str:
    """What the window says when planning an import refused one of its values."""
    return f"Import refused, nothing was imported: {name}: {error.message}"


def install_table_tools(window, runner) -> TableTools:
    """Add Copy, Paste, Fill down, Export CSV… and Import changes from CSV… to
    ``window`` (a :class:`~gui.qt.table_window.TableWindow`); the tools live as long
    as the window."""
    return TableTools(window, runner, window)
