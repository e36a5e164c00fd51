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
  names its row and column.
* Fill down (Ctrl+D): in each column of the selection, its topmost selected
  cell's value into the selected cells below it, one undo step.
* Export CSV…: the rows of the window's filter and sort (the whole result, not
  only the loaded rows) written off the GUI thread with progress and Cancel.  The
  file holds the database's values: pending changes are not in it, and the
  dialogs say so when there are some.
* Import changes from CSV…: a file naming the key columns and the columns to
  change, read and checked off the GUI thread, with the database's values of the
  rows it names (one query per 10,000 keys, through the commit's review, which
  also checks every new value with the server's own cast); the rows loaded in
  the table count as seen with their loaded values, as for a typed edit.
  Previewed in a list (a view over a model) that says how many pending changes
  it replaces, applied as one undo step.

Paste and fill down change at most :data:`EDIT_LIMIT` cells, copy copies at most
:data:`COPY_LIMIT`: they run on the GUI thread, and a bigger selection is refused
with a word on Export CSV rather than freezing the window.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QMimeData, QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QProgressDialog, QVBoxLayout

from ..data.cell_commit import review_cells
from ..data.codecs import Codec
from ..data.edits import CellChange, CellEdits, value_text
from ..data.errors import Cancelled, InvalidValue, UserError
from ..data.schema import TableSchema
from ..data.table_csv import (
    NEW,
    NO_ROW,
    REPLACES,
    REVERTS,
    UNCHANGED,
    ImportedCells,
    ImportPlan,
    clipboard_text,
    export_result,
    pasted_raw,
    plan_import,
    read_cell_changes,
    read_clipboard,
    seen_values,
)
from ..data.wording import plural, verb
from .cell_review import _list_view, _ListModel, key_text, values_text
from .icons import named_action
from .table_model import described, shown
from .undo import PendingEdit

CELLS_MIME = "application/x-table-editor-cells+json"
COPY_LIMIT = 200_000  # cells copied at once
EDIT_LIMIT = 100_000  # cells one paste or fill down may change


class _Progress(QObject):
    """Carries an export's progress from its worker thread to the GUI thread: the
    signal is emitted there, the slot (this object's, so queued) runs here."""

    changed = Signal(int, object)  # rows written, rows in all (or None)

    def __init__(self, callback, parent=None):
        super().__init__(parent)
        self._callback = callback
        self.changed.connect(self._deliver)

    @Slot(int, object)
    def _deliver(self, done: int, total) -> None:
        self._callback(done, total)


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
        missing = len({e.cell.line for e in plan.entries if e.status == NO_ROW})
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
                + (f"replacing {plural(replaced, 'pending change')}." if replaced else "replacing no pending change.")
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
                notes[entry.status],
            ]

        self.changes_model = _ListModel(["Line", "Row", "Column", "New value", "Now", ""], plan.entries, change_cells, self)
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


class TableTools(QObject):
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
        mime.setData(CELLS_MIME, QByteArray(json.dumps(grid, ensure_ascii=False).encode("utf-8")))
        QGuiApplication.clipboard().setMimeData(mime)
        self.window.show_status(f"Copied {plural(rows, 'row')} × {plural(columns, 'column')}.")
        return text

    # -- paste -----------------------------------------------------------------------
    def paste(self) -> str | None:
        """Paste the clipboard from the current cell on."""
        if not self._can_edit("Paste"):
            return "not editable"
        start = self.window.view.currentIndex()
        if not start.isValid():
            return self._refuse("Paste: select the cell to paste into first.")
        mime = QGuiApplication.clipboard().mimeData()
        text = mime.text() if mime is not None else ""
        if mime is not None and mime.hasFormat(CELLS_MIME):
            try:
                grid = json.loads(bytes(mime.data(CELLS_MIME).data()).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                grid = None
            # ours, and still what the text says (not replaced by another program's text)
            if _is_grid(grid) and clipboard_text(grid) == text:
                return self.paste_cells(grid, start.row(), start.column(), nulls_marked=True)
        return self.paste_text(text, start.row(), start.column())

    def paste_text(self, text: str, row: int, column: int) -> str | None:
        """Paste tab-separated ``text`` with its first value at (``row``, ``column``)."""
        return self.paste_cells(read_clipboard(text), row, column, nulls_marked=False)

    def paste_cells(self, grid: Sequence[Sequence[str | None]], row: int, column: int, nulls_marked: bool) -> str | None:
        """Paste ``grid`` (rows of fields) at (``row``, ``column``): with
        ``nulls_marked`` a ``None`` field is NULL and ``""`` the empty string, else
        an empty field is read by :func:`pasted_raw`."""
        if not self._can_edit("Paste"):
            return "not editable"
        refused = "Paste refused, nothing was changed: "
        if not grid or not any(grid):
            return self._refuse("Paste: the clipboard holds no values.")
        model = self._model
        height, width = len(grid), max(len(fields) for fields in grid)
        if height * width > EDIT_LIMIT:
            return self._refuse(refused + f"{height * width:,} values; a paste takes at most {EDIT_LIMIT:,}.")
        if column + width > model.columnCount():
            return self._refuse(
                refused + f"the clipboard holds {plural(width, 'column')} but there "
                f"{verb(model.columnCount() - column, 'is', 'are')} {plural(model.columnCount() - column, 'column')} "
                f"from {model.column_name(column)} on."
            )
        if row + height > model.rowCount():
            more = " Scroll down to load more rows, then paste again." if model.canFetchMore() else ""
            return self._refuse(
                refused + f"the clipboard holds {plural(height, 'row')} but {plural(model.rowCount() - row, 'row')} "
                f"{verb(model.rowCount() - row, 'is', 'are')} loaded from row {row + 1} on.{more}"
            )
        items = []
        for i, fields in enumerate(grid):
            for j, field in enumerate(fields):
                codec = self._codecs[model.column_name(column + j)]
                raw = field if nulls_marked else pasted_raw(field or "", codec)
                items.append((row + i, column + j, raw))
        error = self._plan_and_push(items, "Paste", f"Paste {plural(len(items), 'value')}")
        if error is None:
            self._select(row, column, row + height - 1, column + width - 1)
        return error

    # -- fill down -------------------------------------------------------------------
    def fill_down(self) -> str | None:
        """In each selected column, the topmost selected cell's value into the selected
        cells below it."""
        if not self._can_edit("Fill down"):
            return "not editable"
        ranges = self._selected_ranges()
        cells = sum((bottom - top + 1) * (right - left + 1) for top, left, bottom, right in ranges)
        if cells > EDIT_LIMIT:
            return self._refuse(f"Fill down: {cells:,} cells are selected; Fill down takes at most {EDIT_LIMIT:,}.")
        rows_of: dict[int, set[int]] = {}
        for top, left, bottom, right in ranges:
            for col in range(left, right + 1):
                rows_of.setdefault(col, set()).update(range(top, bottom + 1))
        items = []
        for col in sorted(rows_of):
            rows = sorted(rows_of[col])
            if len(rows) < 2:
                continue
            value = self._value(rows[0], col)
            raw = None if value is None else shown(self._codecs[self._model.column_name(col)], value)
            items.extend((row, col, raw) for row in rows[1:])
        if not items:
            return self._refuse("Fill down: select a cell and the cells below it to fill with its value.")
        return self._plan_and_push(items, "Fill down", f"Fill down {plural(len(items), 'cell')}")

    # -- paste and fill down: check, plan, one undo step -----------------------------
    def _where(self, row: int, col: int) -> str:
        key = self._model.key_at(row)
        shown_key = f" ({self._model.describe_key(key)})" if key is not None else ""
        return f"row {row + 1}{shown_key}, column {self._model.column_name(col)}"

    def _plan_and_push(self, items: Sequence[tuple[int, int, str | None]], what: str, undo_text: str) -> str | None:
        """Check every (row, column, raw) as typed, plan them as one update of the
        pending set and push it as one undo step; returns why nothing changed."""
        model, edits, schema = self._model, self.window.edits, self.window.schema
        refused = f"{what} refused, nothing was changed: "
        given: dict = {}
        plan = []
        rows_by_key = None
        for row, col, raw in items:
            name = model.column_name(col)
            reason = model.why_cell_read_only(row, col)
            if reason is not None:
                return self._refuse(refused + f"{self._where(row, col)}: {reason}")
            codec = self._codecs[name]
            if raw is None:
                if not codec.nullable or not schema.column(name).nullable:
                    return self._refuse(refused + f"{self._where(row, col)}: NULL, and the column is NOT NULL.")
                text = None
            else:
                try:
                    text = value_text(codec, codec.parse(raw))
                except InvalidValue as error:
                    return self._refuse(refused + f"{self._where(row, col)}: {error.message}")
            key = model.key_at(row)
            cell = (key, name)
            if cell in given:
                if given[cell][1] != text:
                    # a chosen key may match several loaded rows: they change together
                    return self._refuse(
                        refused + f"{self._where(row, col)} and row {given[cell][0] + 1} are one change (every row with "
                        f"{model.describe_key(key)} takes one value), but are given different values."
                    )
                continue
            given[cell] = (row, text)
            if schema.unique_key:
                seen = [model.value_at(row, col)]
            else:
                if rows_by_key is None:
                    rows_by_key = _rows_by_key(model)
                seen = [model.value_at(r, col) for r in rows_by_key.get(key, [row])]
            plan.append((key, name, raw, seen))
        try:
            updates = edits.plan_many(plan)
        except InvalidValue as error:
            return self._refuse(refused + error.message)
        effective = {cell: change for cell, change in updates.items() if edits.get(*cell) != change}
        if effective:
            self.window.undo_stack.push(PendingEdit(edits, effective, undo_text))
            self.window.show_status(f"{undo_text}: {plural(len(effective), 'pending change')} changed.")
        else:
            self.window.show_status(f"{what}: the cells already hold these values.")
        return None

    # -- export ----------------------------------------------------------------------
    def _pending_note(self) -> str:
        count = len(self.window.edits or ())
        if not count:
            return ""
        return (
            f"The file holds the database's values: the {plural(count, 'pending change')} "
            f"{verb(count, 'is', 'are')} not in it (commit first to export {verb(count, 'it', 'them')})."
        )

    def choose_export_file(self) -> None:
        """Ask where to write (a non-modal file dialog), then :meth:`export_to`."""
        if not self._table_open("Export CSV"):
            return
        note = self._pending_note()
        dialog = QFileDialog(self.window, "Export CSV" + (" — the database's values, not the pending changes" if note else ""))
        dialog.setObjectName("Export CSV file")
        dialog.setAccessibleName("Export CSV file")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilters(["CSV files (*.csv)", "All files (*)"])
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(f"{self.window.schema.name}.csv")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(lambda _result: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()
        if note:
            self.window.show_status(note)

    def export_to(self, path: str) -> None:
        """Write the rows of the window's filter and sort to ``path`` off the GUI
        thread, with a progress dialog and Cancel."""
        if not self._table_open("Export CSV"):
            return
        if self._export_task is not None:
            self._refuse("Export CSV: an export is running; wait for it or cancel it first.")
            return
        window, model = self.window, self._model
        engine, schema, codecs = window.engine, window.schema, dict(self._codecs)
        conditions, sort, total = model.conditions, model.sort, model.total
        name = Path(path).name
        what = "the filtered rows" if conditions else "every row"
        note = self._pending_note()
        label = f"Exporting {what} of {schema.qualified_name} to {name} …"
        dialog = QProgressDialog(label + (f"\n{note}" if note else ""), "Cancel", 0, 0, window)
        dialog.setWindowTitle("Export CSV")
        dialog.setObjectName("Export progress")
        dialog.setAccessibleName("Export progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.progress_dialog = dialog

        def on_progress(done: int, all_rows) -> None:
            if self.progress_dialog is dialog and all_rows:
                dialog.setMaximum(all_rows)
                dialog.setValue(min(done, all_rows))
                dialog.setLabelText(f"Exported {done:,} of {all_rows:,} rows to {name} …" + (f"\n{note}" if note else ""))

        relay = _Progress(on_progress, self)

        def finish() -> None:
            self._export_task = None
            self.progress_dialog = None
            relay.deleteLater()
            dialog.hide()
            dialog.deleteLater()

        def done(rows: int) -> None:
            finish()
            self.window.show_status(f"Exported {plural(rows, 'row')} to {path}." + (f" {note}" if note else ""))
            self.exported.emit(rows)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, Cancelled):
                self.window.show_status("Export cancelled; no file was written.")
            else:
                self.window.show_message(f"Export CSV: {error.title}: {error.message}")

        task = self.runner.submit(
            lambda token: export_result(engine, schema, codecs, path, conditions, sort, relay.changed.emit, token, total=total),
            lane="export",
            on_done=done,
            on_error=failed,
            on_bug=lambda _bug: finish(),
        )
        self._export_task = task
        dialog.canceled.connect(task.cancel)
        dialog.show()

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
        """Read and check ``path`` and the rows it names off the GUI thread, then
        show the preview."""
        if not self._can_edit("Import changes from CSV"):
            return
        if self._import_task is not None:
            self._refuse("Import changes from CSV: a file is being read; wait for it first.")
            return
        window, model = self.window, self._model
        engine, schema, codecs, edits = window.engine, window.schema, dict(self._codecs), window.edits
        loaded = model.loaded_columns()
        # views of the rows loaded so far: later pages are appended after them, so a
        # worker may read these while the GUI thread loads more
        snapshot = loaded.slice(0, len(loaded)) if loaded is not None else None
        window.clear_message()
        window.show_status(f"Reading {Path(path).name} …")

        def work(token):
            imported = read_cell_changes(path, schema, codecs)
            if not imported.ok or not imported.cells:
                return imported, {}
            token.check()
            probes = [CellChange(c.key, c.column, c.new, ()) for c in imported.cells]
            # every row's value now for each key (and each new value checked by the
            # server's own cast): one query per chunk of keys
            review = review_cells(engine, schema, codecs, probes, token)
            current = {item.change.cell: item.current for item in review}
            return imported, seen_values(imported.cells, schema, snapshot, current)

        def failed(error: UserError) -> None:
            self._import_task = None
            window.clear_status()
            window.show_message(f"Import changes from CSV: {error.title}: {error.message}")

        def bug(_bug) -> None:
            self._import_task = None
            window.clear_status()

        self._import_task = self.runner.submit(
            work,
            lane="import",
            on_done=lambda result: self._show_import(path, edits, *result),
            on_error=failed,
            on_bug=bug,
        )

    def _show_import(self, path: str, edits: CellEdits, imported: ImportedCells, seen) -> None:
        self._import_task = None
        window = self.window
        window.clear_status()
        if window.edits is not edits:
            return  # another table was opened meanwhile
        name = Path(path).name
        try:
            plan = plan_import(edits, imported, seen) if imported.ok else ImportPlan()
        except InvalidValue as error:
            window.show_message(f"Import refused, nothing was imported: {name}: {error.message}")
            return
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
        """Make the file's changes pending as one undo step; returns how many changed."""
        window = self.window
        if window.edits is not edits or not imported.ok or not self._can_edit("Import changes from CSV"):
            return 0
        if plan is None:  # the pending set changed under the preview: plan again
            try:
                plan = plan_import(edits, imported, seen)
            except InvalidValue as error:
                window.show_message(f"Import refused, nothing was imported: {name}: {error.message}")
                return 0
        count = len(plan.updates)
        if count:
            window.undo_stack.push(PendingEdit(edits, plan.updates, f"Import {plural(count, 'change')} from {name}"))
            window.show_status(f"Imported {plural(count, 'change')} from {name}.")
        else:
            window.show_status(f"{name}: nothing to change, every value already matches.")
        self.imported.emit(count)
        return count


def _is_grid(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(row, list) and all(v is None or isinstance(v, str) for v in row) for row in value
    )


def _rows_by_key(model) -> dict:
    """Loaded rows by key (a chosen key may match several), walked once."""
    rows: dict = {}
    for row in range(model.rowCount()):
        key = model.key_at(row)
        if key is not None:
            rows.setdefault(key, []).append(row)
    return rows


def install_table_tools(window, runner) -> TableTools:
    """Add Copy, Paste, Fill down, Export CSV… and Import changes from CSV… to
    ``window`` (a :class:`~gui.qt.table_window.TableWindow`); the tools live as long
    as the window."""
    return TableTools(window, runner, window)
