"""File → Import changes… and File → Export rows…: a CSV file of changes read and
previewed before it becomes pending (one undo step, all or nothing), and the rows of
the current threshold streamed to a CSV file off the GUI thread with progress and
Cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from ..data.commit import current_values
from ..data.connection import attached
from ..data.csvio import ImportedChanges, export_rows, read_changes
from ..data.errors import Cancelled, InvalidValue, UserError, user_errors
from ..data.wording import plural
from .icons import named_action
from .import_dialog import ImportDialog


class _Progress(QObject):
    """Carries progress from the export's worker thread to the GUI thread (queued)."""

    changed = Signal(int, object)  # rows written, rows in all (or None)


class ImportExport(QObject):
    exported = Signal(int)  # rows written by a finished export

    def __init__(self, window, runner, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.spec = window.spec
        self.import_dialog: ImportDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._import_task = None
        self._export_task = None
        self.import_action = named_action(window, "&Import changes…", "Import changes", self._on_import, icon_name="import")
        self.export_action = named_action(window, "&Export rows…", "Export rows", self._on_export, icon_name="export")
        quit_separator = next((a for a in window.file_menu.actions() if a.isSeparator()), None)
        window.file_menu.insertAction(quit_separator, self.import_action)
        window.file_menu.insertAction(quit_separator, self.export_action)
        window.file_menu.insertSeparator(self.import_action)

    # -- import ----------------------------------------------------------------
    def _on_import(self) -> None:
        if not self.window.can_edit("Import changes"):
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Import changes", "", "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Read ``path`` and count the rows each change touches (off the GUI thread), then preview."""
        if not self.window.can_edit("Import changes"):
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
        threshold = self.window.current_threshold()
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
        count = self.window.push_updates(updates, f"Import {plural(len(updates), 'change')} from {name}")
        self.window.show_status(
            f"Imported {plural(count, 'change')} from {name}." if count else f"{name}: nothing to change, every value already matches."
        )
        return count

    # -- export ----------------------------------------------------------------
    def _on_export(self) -> None:
        if self.window.engine is None:
            self.window.show_message("Export rows: connect to a database first.")
            return
        threshold = self.window.current_threshold()
        if threshold is None:
            return
        suggested = f"{self.spec.table}-{self.spec.value}-over-{threshold}.csv"
        path, _ = QFileDialog.getSaveFileName(self.window, "Export rows", suggested, "CSV files (*.csv);;All files (*)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Stream the rows of the current threshold to ``path`` with a progress dialog and Cancel."""
        threshold = self.window.current_threshold()
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
