"""The steward's and the analyst's tools, installed on the main window.

File → Import changes… / Export rows…, Edit → Copy / Paste, the row context menu's
"Revert this change", View → Plot, Help → Audit log, and the audit entry written
after every commit.  Everything that changes the pending set goes through the
window's undo stack as *one* :class:`~gui.qt.undo.PendingEdit`, so a paste or an
import is undone with one Ctrl+Z; anything refused applies nothing at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QProgressDialog

from ..data.audit import AuditLog
from ..data.commit import current_values
from ..data.connection import attached
from ..data.csvio import ImportedChanges, export_rows, read_changes
from ..data.errors import Cancelled, InvalidValue, UserError, user_errors
from ..data.pending import parse_value
from ..data.wording import plural
from .audit_dialog import AuditDialog
from .icons import icon
from .import_dialog import ImportDialog
from .plot import PlotDock
from .rows_model import VALUE_COLUMN
from .undo import PendingEdit


class _Progress(QObject):
    """Carries progress from the export's worker thread to the GUI thread (queued)."""

    changed = Signal(int, object)  # rows written, rows in all (or None)


class DayTools(QObject):
    audit_written = Signal(int)  # id of the commit entry just written to the audit log
    exported = Signal(int)  # rows written by a finished export

    def __init__(self, window, runner, paths, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.paths = paths
        self.spec = window.spec
        self.audit = AuditLog(paths.audit)
        self.import_dialog: ImportDialog | None = None
        self.audit_dialog: AuditDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.row_menu: QMenu | None = None
        self._import_task = None
        self._export_task = None

        self.plot_dock = PlotDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.plot_dock)
        self.plot_dock.hide()  # drawn only when asked for: View → Plot
        self._build_actions()
        window.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.view.customContextMenuRequested.connect(self._on_context_menu)
        window.committed.connect(self._on_committed)

    # -- construction --------------------------------------------------------
    def _action(self, text: str, name: str, slot, shortcut=None, icon_name: str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.setToolTip(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        w = self.window
        self.import_action = self._action("&Import changes…", "Import changes", self._on_import, icon_name="import")
        self.export_action = self._action("&Export rows…", "Export rows", self._on_export, icon_name="export")
        quit_separator = next((a for a in w.file_menu.actions() if a.isSeparator()), None)
        w.file_menu.insertAction(quit_separator, self.import_action)
        w.file_menu.insertAction(quit_separator, self.export_action)
        w.file_menu.insertSeparator(self.import_action)

        # on the table only: an open cell editor (a QLineEdit) keeps its own copy and paste
        self.copy_action = self._action("&Copy", "Copy", self.copy_selection, QKeySequence.StandardKey.Copy, "copy")
        self.paste_action = self._action("&Paste", "Paste", self.paste, QKeySequence.StandardKey.Paste, "paste")
        w.edit_menu.addSeparator()
        for action in (self.copy_action, self.paste_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            w.view.addAction(action)
            w.edit_menu.addAction(action)

        self.plot_action = self.plot_dock.toggleViewAction()
        self.plot_action.setText("&Plot")
        self.plot_action.setObjectName("Plot")
        self.plot_action.setIcon(icon("plot"))
        w.view_menu.addSeparator()
        w.view_menu.addAction(self.plot_action)

        self.audit_action = self._action("&Audit log", "Audit log", self.show_audit_log, icon_name="audit")
        w.help_menu.addAction(self.audit_action)

    # -- guards --------------------------------------------------------------
    def _can_edit(self, what: str) -> bool:
        if self.window.engine is None:
            self.window.show_message(f"{what}: connect to a database first.")
            return False
        if self.window.model.read_only:
            self.window.show_message(f"{what}: {self.window.model.read_only_reason}")
            return False
        return True

    def _threshold(self) -> int | None:
        model = self.window.model
        return model.threshold if model.threshold is not None else self.window.threshold()

    def _push(self, updates: dict, text: str) -> int:
        """Push the updates that change something as one undo step; returns how many."""
        pending = self.window.pending
        effective = {k: v for k, v in updates.items() if pending.get(k) != v}
        if effective:
            self.window.undo_stack.push(PendingEdit(pending, effective, text))
        return len(effective)

    # -- import ----------------------------------------------------------------
    def _on_import(self) -> None:
        if not self._can_edit("Import changes"):
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Import changes", "", "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Read ``path`` and count the rows each change touches (off the GUI thread), then preview."""
        if not self._can_edit("Import changes"):
            return
        engine, spec = self.window.engine, self.spec
        self.window.clear_message()
        self.window.show_status(f"Reading {Path(path).name} …")

        def work(token):
            imported = read_changes(path, spec)
            keys = list(imported.values)
            if not keys:
                return imported, {}
            with user_errors(), engine.connect() as conn, attached(token, conn):
                return imported, current_values(conn, spec, keys)

        def failed(error: UserError) -> None:
            self._import_task = None
            self.window.show_message(f"Import changes: {error.title}: {error.message}")

        self._import_task = self.runner.submit(
            work, lane="import", on_done=lambda result: self._show_import(path, *result), on_error=failed
        )

    def _show_import(self, path: str, imported: ImportedChanges, current: dict[int, tuple[int, ...]]) -> None:
        self._import_task = None
        name = Path(path).name
        if imported.refused:
            first = imported.refused[0]
            self.window.show_message(
                f"Import refused, nothing was imported: {name} line {first.line}: {first.reason}"
                + (f" ({plural(len(imported.refused) - 1, 'more refused line')} in the preview.)" if len(imported.refused) > 1 else "")
            )
        elif not imported.values:
            self.window.show_message(f"{name} holds no changes (only a header line).")
        dialog = ImportDialog(self.spec, name, imported, current, self.window.pending, self.window)
        self.import_dialog = dialog

        def finished(result: int) -> None:
            self.import_dialog = None
            if result == ImportDialog.DialogCode.Accepted:
                self.apply_import(name, imported, current)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def apply_import(self, name: str, imported: ImportedChanges, current: dict[int, tuple[int, ...]]) -> int:
        """Make the file's changes pending as one undo step; returns how many changed."""
        if not imported.ok:
            return 0  # all or nothing
        threshold = self._threshold()
        pending = self.window.pending
        edits = []
        for key, value in imported.values.items():
            now = current.get(key, ())
            if key not in pending and now and all(v == value for v in now):
                continue  # already the database's value: not a change
            seen = tuple(v for v in now if threshold is None or v > threshold)
            edits.append((key, value, seen, threshold))
        try:
            updates = pending.plan_many(edits)
        except InvalidValue as error:
            self.window.show_message(f"Import refused, nothing was imported: {error.message}")
            return 0
        count = self._push(updates, f"Import {plural(len(updates), 'change')} from {name}")
        self.window.show_status(
            f"Imported {plural(count, 'change')} from {name}." if count else f"{name}: nothing to change, every value already matches."
        )
        return count

    # -- export ----------------------------------------------------------------
    def _on_export(self) -> None:
        if self.window.engine is None:
            self.window.show_message("Export rows: connect to a database first.")
            return
        threshold = self._threshold()
        if threshold is None:
            return
        suggested = f"{self.spec.table}-{self.spec.value}-over-{threshold}.csv"
        path, _ = QFileDialog.getSaveFileName(self.window, "Export rows", suggested, "CSV files (*.csv);;All files (*)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Stream the rows of the current threshold to ``path`` with a progress dialog and Cancel."""
        threshold = self._threshold()
        if self.window.engine is None or threshold is None or self._export_task is not None:
            return
        engine, spec = self.window.engine, self.spec
        name = Path(path).name
        dialog = QProgressDialog(f"Exporting the rows with {spec.value} > {threshold} to {name} …", "Cancel", 0, 0, self.window)
        dialog.setWindowTitle("Export rows")
        dialog.setObjectName("Export progress")
        dialog.setAccessibleName("Export progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.progress_dialog = dialog
        relay = _Progress(self)

        def on_progress(done: int, total) -> None:
            if total:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))
                dialog.setLabelText(f"Exported {done:,} of {total:,} rows to {name} …")

        relay.changed.connect(on_progress)

        def finish() -> None:
            self._export_task = None
            self.progress_dialog = None
            relay.deleteLater()
            dialog.hide()
            dialog.deleteLater()

        def done(rows: int) -> None:
            finish()
            self.window.show_status(f"Exported {plural(rows, 'row')} to {path}.")
            self.exported.emit(rows)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, Cancelled):
                self.window.show_status("Export cancelled; no file was written.")
            else:
                self.window.show_message(f"Export rows: {error.title}: {error.message}")

        task = self.runner.submit(
            lambda token: export_rows(engine, spec, threshold, path, relay.changed.emit, token),
            lane="export",
            on_done=done,
            on_error=failed,
        )
        self._export_task = task
        dialog.canceled.connect(task.cancel)
        dialog.show()

    # -- copy and paste --------------------------------------------------------
    def copy_selection(self) -> str:
        """Copy the selected cells as tab-separated text with a header line; returns the text."""
        view, model = self.window.view, self.window.model
        indexes = view.selectionModel().selectedIndexes() or ([view.currentIndex()] if view.currentIndex().isValid() else [])
        if not indexes:
            return ""
        columns = sorted({i.column() for i in indexes})
        cells: dict[int, dict[int, str]] = {}
        for index in indexes:
            cells.setdefault(index.row(), {})[index.column()] = model.data(index) or ""
        header = [(self.spec.key, self.spec.value)[c] for c in columns]
        lines = ["\t".join(header)]
        lines += ["\t".join(cells[row].get(c, "") for c in columns) for row in sorted(cells)]
        text = "\n".join(lines) + "\n"
        QGuiApplication.clipboard().setText(text)
        self.window.show_status(f"Copied {plural(len(cells), 'row')}.")
        return text

    def paste(self) -> None:
        """Paste one column of values into y from the selected row down, as one undo step."""
        if not self._can_edit("Paste"):
            return
        view, model = self.window.view, self.window.model
        start = view.currentIndex()
        if not start.isValid():
            self.window.show_message(f"Paste: select the {self.spec.value} cell to paste into first.")
            return
        error = self.paste_text(QGuiApplication.clipboard().text(), start.row())
        if error:
            self.window.show_message(error)

    def paste_text(self, text: str, first_row: int) -> str | None:
        """Apply ``text`` from ``first_row`` on; returns why nothing was applied, or None."""
        model, spec = self.window.model, self.spec
        lines = text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        numbered = list(enumerate(lines, start=1))
        if numbered and numbered[0][1].strip().lower() in (spec.value.lower(), f"{spec.key}\t{spec.value}".lower()):
            numbered = numbered[1:]  # our own Copy's header line
        if not numbered:
            return "Paste: the clipboard holds no values."
        refused = "Paste refused, nothing was changed: "
        edits, given = [], {}
        for offset, (line, raw) in enumerate(numbered):
            cells = raw.split("\t")
            while len(cells) > 1 and not cells[-1].strip():
                cells.pop()  # spreadsheets end some lines with empty cells
            if len(cells) > 1:
                return refused + f"line {line} ('{raw}') holds {len(cells)} values; paste one column of {spec.value} values."
            value_text = cells[0]
            try:
                value = parse_value(value_text, spec)
            except InvalidValue as error:
                return refused + f"line {line} ('{value_text}'): {error.message}"
            row = first_row + offset
            if row >= model.rowCount():
                more = " Scroll down to load more rows, then paste again." if model.canFetchMore() else ""
                return refused + (
                    f"the paste has {plural(len(numbered), 'value')} but only {plural(model.rowCount() - first_row, 'row')} "
                    f"from the selected one on.{more}"
                )
            key = model.key_at(row)
            if key in given and given[key][1] != value:
                return refused + (
                    f"line {line} ('{value_text}') is for a row with {spec.key} = {key}, which line {given[key][0]} "
                    f"already sets to {given[key][1]}; every row with one {spec.key} takes one {spec.value}."
                )
            if key not in given:
                given[key] = (line, value)
                edits.append((key, value, model.loaded_values(key), model.threshold))
        try:
            updates = self.window.pending.plan_many(edits)
        except InvalidValue as error:
            return refused + error.message
        count = self._push(updates, f"Paste {plural(len(numbered), 'value')} into {spec.value}")
        last = first_row + len(numbered) - 1
        view = self.window.view
        view.selectionModel().select(
            self._range(first_row, last), view.selectionModel().SelectionFlag.ClearAndSelect
        )
        self.window.show_status(
            f"Pasted {plural(len(numbered), 'value')}: {plural(count, 'pending change')} changed." if count else "Paste: the values are already there."
        )
        return None

    def _range(self, first: int, last: int) -> QItemSelection:
        model = self.window.model
        return QItemSelection(model.index(first, VALUE_COLUMN), model.index(last, VALUE_COLUMN))

    # -- revert one ------------------------------------------------------------
    def revert_key(self, key: int) -> None:
        if key in self.window.pending:
            self.window.undo_stack.push(
                PendingEdit(self.window.pending, {key: None}, f"Revert change to {self.spec.key} = {key}")
            )
            self.window.show_status(f"Reverted the pending change to {self.spec.key} = {key}; the others stay pending.")

    def _on_context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu(pos)
        if menu is not None:
            menu.popup(self.window.view.viewport().mapToGlobal(pos))

    def context_menu(self, pos: QPoint) -> QMenu | None:
        """The menu for the row under ``pos`` (viewport coordinates)."""
        view, model = self.window.view, self.window.model
        index = view.indexAt(pos)
        if not index.isValid():
            return None
        if not view.selectionModel().isSelected(index):
            view.setCurrentIndex(index)
        key = model.key_at(index.row())
        menu = QMenu(view)
        menu.setObjectName("Row menu")
        revert = menu.addAction(icon("revert"), "Revert this change")
        revert.setObjectName("Revert this change")
        change = self.window.pending.get(key)
        revert.setEnabled(change is not None)
        if change is not None:
            revert.setText(f"Revert this change ({self.spec.key} = {key}: {self.spec.value} → {change.new})")
        revert.triggered.connect(lambda: self.revert_key(key))
        menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.addAction(self.paste_action)
        menu.aboutToHide.connect(menu.deleteLater)
        self.row_menu = menu
        return menu

    # -- audit log -------------------------------------------------------------
    def _on_committed(self, result) -> None:
        if not result.committed:
            return
        settings = self.window.settings
        connection = settings.display_name() if settings is not None else "(unknown connection)"
        table = self.spec.qualified_name
        audit = self.audit

        def written(commit_id: int) -> None:
            if self.audit_dialog is not None:
                self.audit_dialog.refresh()
            self.audit_written.emit(commit_id)

        self.runner.submit(
            lambda _token: audit.append_result(connection, table, result),
            lane="audit",
            on_done=written,
            on_error=lambda error: self.window.show_message(f"The audit log could not be written: {error.message}"),
        )

    def show_audit_log(self) -> AuditDialog:
        if self.audit_dialog is None:
            dialog = AuditDialog(self.audit, self.spec, self.window)
            dialog.finished.connect(lambda _r: setattr(self, "audit_dialog", None))
            self.audit_dialog = dialog
        self.audit_dialog.refresh()
        self.audit_dialog.open()
        return self.audit_dialog
