"""An export running on its lane behind a progress dialog with Cancel, as both
windows' File menu runs it (the tutorial's Export rows…, the other's Export CSV…).

:class:`ExportProgress` is mixed into the tools object that owns the File menu's
actions: a ``QObject`` with ``window`` (the window: ``show_status``,
``show_message``), ``runner`` (:class:`~gui.qt.tasks.TaskRunner`) and an
``exported`` signal (rows written).  While an export runs it holds the dialog as
``progress_dialog`` and the task as ``_export_task``; both are ``None`` again on
every way out: done, a user error, Cancel, a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog

from ..data.errors import Cancelled, UserError
from ..data.wording import plural

# work(progress, token) -> rows written; progress(rows written, rows in all or None)
ExportWork = Callable[[Callable[[int, object], None], object], int]


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


class ExportProgress:
    """Runs an export with its progress dialog (see the module's docstring)."""

    progress_dialog: QProgressDialog | None
    _export_task: object | None

    def start_export(self, title: str, label: str, note: str, path: str, work: ExportWork) -> None:
        """Run ``work`` on the export lane writing ``path``: a window-modal progress
        dialog titled ``title`` says ``label`` (and ``note``, the pending changes'
        part in it), then how many rows are written of how many; its Cancel cancels
        the task (nothing written).  The outcome is said in the window's status bar
        (the row count, ``note``) or message line (``title``: the error)."""
        window = self.window
        name = Path(path).name
        suffix = f"\n{note}" if note else ""
        dialog = QProgressDialog(label + suffix, "Cancel", 0, 0, window)
        dialog.setWindowTitle(title)
        dialog.setObjectName("Export progress")
        dialog.setAccessibleName("Export progress")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.progress_dialog = dialog

        def on_progress(done: int, total) -> None:
            if self.progress_dialog is dialog and total:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))
                dialog.setLabelText(f"Exported {done:,} of {total:,} rows to {name} …{suffix}")

        relay = _Progress(on_progress, self)

        def finish() -> None:
            self._export_task = None
            self.progress_dialog = None
            relay.deleteLater()
            dialog.hide()
            dialog.deleteLater()

        def done(rows: int) -> None:
            finish()
            window.show_status(f"Exported {plural(rows, 'row')} to {path}." + (f" {note}" if note else ""))
            self.exported.emit(rows)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, Cancelled):
                window.show_status("Export cancelled; no file was written.")
            else:
                window.show_message(f"{title}: {error.title}: {error.message}")

        task = self.runner.submit(
            lambda token: work(relay.changed.emit, token),
            lane="export",
            on_done=done,
            on_error=failed,
            on_bug=lambda _bug: finish(),
        )
        self._export_task = task
        dialog.canceled.connect(task.cancel)
        dialog.show()
