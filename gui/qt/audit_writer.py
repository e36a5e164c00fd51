"""The audit log's writer and viewer: an entry appended after every commit (off the
GUI thread, never in the edited database), and View → Audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from .icons import named_action

if TYPE_CHECKING:  # imported when first used: the log after a commit, the dialog when asked for
    from ..data.audit import AuditLog
    from .audit_dialog import AuditDialog


class AuditWriter(QObject):
    audit_written = Signal(int)  # id of the commit entry just written to the audit log

    def __init__(self, window, runner, path, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.spec = window.spec
        self._path = path
        self._audit: AuditLog | None = None
        self.audit_dialog: AuditDialog | None = None
        self.audit_action = named_action(window, "&Audit log", "Audit log", self.show_audit_log, icon_name="audit")
        window.view_menu.addAction(self.audit_action)  # a view of what was committed, beside the plot
        window.committed.connect(self._on_committed)

    @property
    def audit(self) -> AuditLog:
        if self._audit is None:
            from ..data.audit import AuditLog  # noqa: PLC0415 - not needed to start

            self._audit = AuditLog(self._path)
        return self._audit

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
            from .audit_dialog import AuditDialog  # noqa: PLC0415 - not needed to start

            dialog = AuditDialog(self.audit, self.spec, self.window)
            dialog.finished.connect(lambda _r: setattr(self, "audit_dialog", None))
            self.audit_dialog = dialog
        self.audit_dialog.refresh()
        self.audit_dialog.open()
        return self.audit_dialog
