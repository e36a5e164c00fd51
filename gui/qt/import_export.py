"""File → Import changes… and File → Export rows…: a CSV file of changes read,
planned and previewed before it becomes pending (one undo step, all or nothing),
and the rows of the current threshold streamed to a CSV file off the GUI thread
with progress and Cancel.

The file is read, its rows counted in the database and its changes planned
against a copy of the pending set on the ``import`` lane (Cancel stops it); the
preview says which pending changes it replaces.  With pending changes on screen,
Export asks whether the file is to hold the values as shown or the database's,
and says which it holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from ..data.connection import attached
from ..data.errors import Cancelled, InvalidValue, UserError, user_errors
from ..data.wording import plural, verb
from .export_run import ExportProgress
from .icons import named_action
from .undo import PendingEdit

if TYPE_CHECKING:  # imported when first used (CSV, the commit's reads, the plan, the preview): not to start
    from ..data.csvio import ImportedChanges, KeyImportPlan
    from .import_dialog import ImportDialog
    from .planned import Planner


class ImportExport(QObject, ExportProgress):
    exported = Signal(int)  # rows written by a finished export

    def __init__(self, window, runner, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.spec = window.spec
        self.import_dialog: ImportDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.export_question: QMessageBox | None = None
        self._import_task = None
        self._export_task = None
        self._planner: Planner | None = None
        self.import_action = named_action(window, "&Import changes…", "Import changes", self._on_import, icon_name="import")
        self.export_action = named_action(window, "&Export rows…", "Export rows", self._on_export, icon_name="export")
        quit_separator = next((a for a in window.file_menu.actions() if a.isSeparator()), None)
        window.file_menu.insertAction(quit_separator, self.import_action)
        window.file_menu.insertAction(quit_separator, self.export_action)
        window.file_menu.insertSeparator(self.import_action)

    @property
    def planner(self) -> Planner:
        """Plans an import off the GUI thread (made when first needed)."""
        if self._planner is None:
            from .planned import Planner  # noqa: PLC0415 - see the imports

            self._planner = Planner(self.window, self.runner, self)
        return self._planner

    # -- import ----------------------------------------------------------------
    def _on_import(self) -> None:
        if not self.window.can_edit("Import changes"):
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Import changes", "", "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Read ``path``, count the rows each change touches and plan it (off the GUI
        thread, Cancel stops it), then preview."""
        from ..data.commit import current_values  # noqa: PLC0415 - see the imports
        from ..data.csvio import KeyImportPlan, read_changes  # noqa: PLC0415
        from ..data.planning import off_the_gui_thread  # noqa: PLC0415

        if not self.window.can_edit("Import changes"):
            return
        if self._import_task is not None or self.planner.busy("Import changes"):
            self.window.show_message("Import changes: a file is being read; wait for it first.")
            return
        window, engine, spec = self.window, self.window.engine, self.spec
        threshold = window.current_threshold()
        pending = window.pending.snapshot()  # a copy: the worker plans against it
        changed = {"since": False}

        def pending_changed(_keys) -> None:
            changed["since"] = True

        window.clear_message()
        window.show_status(f"Reading {Path(path).name} … (Cancel stops it)")

        def work(token):
            with off_the_gui_thread():
                imported = read_changes(path, spec)
                keys = list(imported.values)
                if not keys:
                    return imported, {}, KeyImportPlan()
                with user_errors(), engine.connect() as conn, attached(token, conn):
                    current = current_values(conn, spec, keys)
                token.check()
                return imported, current, self._plan(imported, current, threshold, pending, token)

        def finish() -> None:
            window.pending.unsubscribe(pending_changed)
            window._untrack(self._import_task)  # noqa: SLF001 - the window's Cancel button stops tracked tasks
            self._import_task = None
            window.clear_status()

        def done(result) -> None:
            again, cancelled = changed["since"], self._import_task.token.cancelled
            finish()
            imported, current, plan = result
            if cancelled:  # Cancel pressed after the worker's last look
                window.show_status("Import cancelled: nothing was imported.")
            elif again and imported.values:
                # the pending set changed while the file was read: planned again against it
                self._plan_again(path, imported, current, threshold, lambda plan: self._show_import(path, imported, current, plan))
            else:
                self._show_import(path, imported, current, plan)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, Cancelled):
                window.show_status("Import cancelled: nothing was imported.")
            else:
                window.show_message(f"Import changes: {error.title}: {error.message}")

        window.pending.subscribe(pending_changed)
        self._import_task = self.runner.submit(work, lane="import", on_done=done, on_error=failed, on_bug=lambda _bug: finish())
        window._track(self._import_task)  # noqa: SLF001 - enables the window's Cancel button

    def _plan(self, imported: ImportedChanges, current, threshold, pending, token=None) -> KeyImportPlan:
        from ..data.csvio import plan_key_import  # noqa: PLC0415 - see the imports
        from ..data.planning import PlanRefused  # noqa: PLC0415

        try:
            return plan_key_import(self.spec, imported, current, threshold, pending, token)
        except InvalidValue as error:
            raise PlanRefused(f"Import refused, nothing was imported: {error.message}", complete=True) from None

    def _plan_again(self, path: str, imported: ImportedChanges, current, threshold, then) -> None:
        """Plan ``imported`` against the pending set as it is now (on the plan lane
        when it is big), then ``then(plan)``."""
        from ..data.planning import INLINE_CELLS  # noqa: PLC0415 - see the imports

        self.planner.run(
            "Import changes",
            lambda token, _progress, pending, _state: self._plan(imported, current, threshold, pending, token),
            self.window.pending,
            then,
            lambda error: self.window.show_message(error.message),
            len(imported.values) <= INLINE_CELLS,
            label=f"Import changes: planning {plural(len(imported.values), 'change')} from {Path(path).name}",
        )

    def _show_import(self, path: str, imported: ImportedChanges, current: dict[int, tuple[int, ...]], plan: KeyImportPlan) -> None:
        from .import_dialog import ImportDialog  # noqa: PLC0415 - see the imports

        name = Path(path).name
        if imported.refused:
            first = imported.refused[0]
            self.window.show_message(
                f"Import refused, nothing was imported: {name} line {first.line}: {first.reason}"
                + (f" ({plural(len(imported.refused) - 1, 'more refused line')} in the preview.)" if len(imported.refused) > 1 else "")
            )
        elif not imported.values:
            self.window.show_message(f"{name} holds no changes (only a header line).")
        dialog = ImportDialog(self.spec, name, imported, plan, self.window)
        self.import_dialog = dialog
        threshold = self.window.current_threshold()
        changed = {"since": False}

        def pending_changed(_keys) -> None:
            changed["since"] = True

        self.window.pending.subscribe(pending_changed)

        def finished(result: int) -> None:
            self.window.pending.unsubscribe(pending_changed)
            self.import_dialog = None
            if result == ImportDialog.DialogCode.Accepted:
                if changed["since"]:  # the pending set changed under the preview: plan again
                    self._plan_again(path, imported, current, threshold, lambda again: self.apply_import(name, imported, again))
                else:
                    self.apply_import(name, imported, plan)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def apply_import(self, name: str, imported: ImportedChanges, plan: KeyImportPlan) -> int:
        """Make the file's changes pending as one undo step; returns how many changed."""
        if not imported.ok or not self.window.can_edit("Import changes"):
            return 0  # all or nothing
        count = len(plan.updates)
        if count:
            self.window.undo_stack.push(PendingEdit(self.window.pending, plan.updates, f"Import {plural(count, 'change')} from {name}"))
        self.window.show_status(
            f"Imported {plural(count, 'change')} from {name}." if count else f"{name}: nothing to change, every value already matches."
        )
        return count

    # -- export ----------------------------------------------------------------
    def _on_export(self) -> None:
        """With pending changes, ask which values to write; then where; then export."""
        if self.window.engine is None:
            self.window.show_message("Export rows: connect to a database first.")
            return
        if self.window.current_threshold() is None:
            return
        count = len(self.window.pending)
        if not count:
            self._choose_export_path(False)
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Export rows",
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
            if button is shown_button or button is database_button:
                self._choose_export_path(button is shown_button)

        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "export_question", None))
        box.open()

    def _choose_export_path(self, with_pending: bool) -> None:
        threshold = self.window.current_threshold()
        if threshold is None:
            return
        suggested = f"{self.spec.table}-{self.spec.value}-over-{threshold}.csv"
        title = "Export rows" + (" — the values as shown, with the pending changes" if with_pending else "")
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, "CSV files (*.csv);;All files (*)")
        if path:
            self.export_to(path, with_pending)

    def _pending_note(self, with_pending: bool) -> str:
        count = len(self.window.pending)
        if not count:
            return ""
        if with_pending:
            return (
                f"The file holds the values as the table shows them: with the {plural(count, 'pending change')}, "
                f"which {verb(count, 'is', 'are')} not committed."
            )
        return (
            f"The file holds the database's values: the {plural(count, 'pending change')} "
            f"{verb(count, 'is', 'are')} not in it (commit first to export {verb(count, 'it', 'them')})."
        )

    def export_to(self, path: str, with_pending: bool = False) -> None:
        """Stream the rows of the current threshold to ``path`` with a progress dialog
        and Cancel: the database's values, or with ``with_pending`` the pending
        ones where there are some."""
        from ..data.csvio import export_rows  # noqa: PLC0415 - see the imports

        threshold = self.window.current_threshold()
        if self.window.engine is None or threshold is None or self._export_task is not None:
            return
        engine, spec = self.window.engine, self.spec
        name = Path(path).name
        # a copy (key → value) the worker reads while edits go on
        pending = {change.key: change.new for change in self.window.pending.snapshot().values()} if with_pending else None
        note = self._pending_note(with_pending)
        self.start_export(
            "Export rows",
            f"Exporting the rows with {spec.value} > {threshold} to {name} …",
            note,
            path,
            lambda progress, token: export_rows(engine, spec, threshold, path, progress, token, pending=pending),
        )
