"""The row context menu: revert this row's pending change (the others stay), copy,
paste."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtWidgets import QMenu

from .icons import icon
from .undo import PendingEdit


class RowMenu(QObject):
    def __init__(self, window, clipboard, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.spec = window.spec
        self.copy_action = clipboard.copy_action
        self.paste_action = clipboard.paste_action
        self.row_menu: QMenu | None = None
        window.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.view.customContextMenuRequested.connect(self._on_context_menu)

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
