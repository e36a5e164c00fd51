"""Undo and redo of pending edits: every change to the pending set is one QUndoCommand."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..data.pending import PendingChanges, Updates


class PendingEdit(QUndoCommand):
    """Apply ``updates`` to the pending set; undo restores exactly what they replaced."""

    def __init__(self, pending: PendingChanges, updates: Updates, text: str):
        super().__init__(text)
        self._pending = pending
        self._updates = dict(updates)
        self._previous: dict = {}

    def redo(self) -> None:
        self._previous = self._pending.apply(self._updates)

    def undo(self) -> None:
        self._pending.apply(self._previous)
