"""Undo and redo of pending edits: every change to the pending set is one QUndoCommand."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..data.pending import PendingChanges, Updates
from ..data.prepared import Prepared


class PendingEdit(QUndoCommand):
    """Apply ``updates`` to the pending set; undo restores exactly what they replaced.
    :class:`~gui.data.prepared.Prepared` updates (a paste planned on a worker) are
    kept as they are: applied, undone and redone in a few dict operations."""

    def __init__(self, pending: PendingChanges, updates: Updates, text: str):
        super().__init__(text)
        self._pending = pending
        self._updates = updates if isinstance(updates, Prepared) else dict(updates)
        self._previous: dict = {}

    def redo(self) -> None:
        self._previous = self._pending.apply(self._updates)

    def undo(self) -> None:
        self._pending.apply(self._previous)
