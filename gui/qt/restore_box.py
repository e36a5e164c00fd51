"""The question after a crash: what windows that no longer run left unsaved.

One journal per window (:class:`~gui.data.storage.WindowJournal`) means a table can
have several left: two windows killed together, or one closed keeping its changes
for later and another crashed.  The box lists each with when it was last saved and
how many changes it holds, all ticked; Restore or Discard acts on the ticked ones,
the others (and all of them on *Keep for later* or Escape) are kept for the next
time the table is opened.  Journals are few (one per window that ended), so a list
widget serves; the changes themselves are shown up to a limit.

It answers like a :class:`QMessageBox` where the windows' tests press it
(``text()``, ``button(QMessageBox.StandardButton.Yes)``) and is opened the same way,
window-modal with ``open()``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QMessageBox, QVBoxLayout

from ..data.storage import LeftJournal
from ..data.wording import plural, verb
from .window_base import named


def saved_when(left: LeftJournal) -> str:
    """When ``left`` was last written, in local time to the second (two windows
    killed together were saved within the same minute): ISO order, which reads the
    same in every locale (the short date of some locales came out as "30 11 2026")."""
    return QDateTime.fromSecsSinceEpoch(int(left.written)).toString("yyyy-MM-dd HH:mm:ss")


class RestoreBox(QDialog):
    # True: restore the chosen; False: discard them; None: keep every journal for later.
    # Then the journals chosen and the others (kept for later).
    decided = Signal(object, object, object)

    def __init__(self, parent, found: list[LeftJournal], describe: Callable[[object], str], where: str, limit: int):
        """``found``: oldest first; ``describe(change)``: one line for a change;
        ``where``: "on this connection", "to public.customers"; ``limit``: how many
        changes are listed."""
        super().__init__(parent)
        named(self, "Restore unsaved changes")
        self.setWindowTitle("Restore unsaved changes")
        self.found = found
        count = sum(len(left.changes) for left in found)
        listed = self._listing(found, describe, limit)
        if len(found) == 1:
            intro = (
                f"{plural(count, 'pending change')} {where} from an earlier session (last saved {saved_when(found[0])}) "
                f"{verb(count, 'was', 'were')} not committed."
            )
            question = f"Restore {verb(count, 'it', 'them')} as pending?"
        else:
            intro = (
                f"{len(found)} earlier sessions left {plural(count, 'pending change')} {where} "
                f"that {verb(count, 'was', 'were')} not committed."
            )
            question = (
                "Restore or discard the ticked sessions; the others are kept for the next time you open this table. "
                "Where two change the same value, the one saved last is restored."
            )
        self.label = named(QLabel(f"{intro}\n\n{listed}\n\n{question}"), "Restore text")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sessions = named(QListWidget(), "Sessions")
        for left in found:
            item = QListWidgetItem(f"Saved {saved_when(left)} — {plural(len(left.changes), 'pending change')}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.sessions.addItem(item)
        self.sessions.setVisible(len(found) > 1)
        self.sessions.setMaximumHeight(6 * self.sessions.sizeHintForRow(0) + 2 * self.sessions.frameWidth())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Yes | QDialogButtonBox.StandardButton.Discard | QDialogButtonBox.StandardButton.Ignore
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Yes).setText("&Restore")
        self.buttons.button(QDialogButtonBox.StandardButton.Discard).setText("&Discard")
        self.buttons.button(QDialogButtonBox.StandardButton.Ignore).setText("Keep for &later")
        self.buttons.clicked.connect(self._on_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.sessions)
        layout.addWidget(self.buttons)
        self._answered = False
        self.rejected.connect(lambda: self._answer(None))  # Escape, or the window's close button

    @staticmethod
    def _listing(found: list[LeftJournal], describe, limit: int) -> str:
        count = sum(len(left.changes) for left in found)
        blocks, shown = [], 0
        for left in found:
            lines = [describe(c) for c in left.changes[: max(0, limit - shown)]]
            shown += len(lines)
            if len(found) > 1:
                lines.insert(0, f"Saved {saved_when(left)}:")
            if lines:
                blocks.append("\n".join(lines))
        more = "" if shown == count else f"\n… and {count - shown} more"
        return "\n\n".join(blocks) + more

    # -- what QMessageBox offers the tests --------------------------------------------
    def text(self) -> str:
        return self.label.text()

    def button(self, which: QMessageBox.StandardButton):
        return self.buttons.button(QDialogButtonBox.StandardButton(which.value))

    # -- answering -------------------------------------------------------------------------
    def chosen(self) -> list[LeftJournal]:
        return [left for row, left in enumerate(self.found) if self.sessions.item(row).checkState() == Qt.CheckState.Checked]

    def _on_clicked(self, button) -> None:
        which = self.buttons.standardButton(button)
        self._answer({QDialogButtonBox.StandardButton.Yes: True, QDialogButtonBox.StandardButton.Discard: False}.get(which))
        self.accept()

    def _answer(self, restore: bool | None) -> None:
        if self._answered:
            return
        self._answered = True
        chosen = self.chosen() if restore is not None else []
        others = [left for left in self.found if not any(left is c for c in chosen)]
        self.decided.emit(restore, chosen, others)
