"""The cell editors: a plain line edit that never alters what was typed.

A spin box or an integer validator would silently drop characters (``12.5`` becoming
``125``); instead the text goes to the data layer's validation as typed.  Enter (or
Tab) with a refused value keeps the editor open with the text, and the reason is
shown (:attr:`CheckedLineDelegate.refused`).

A cell with a pending change carries a mark drawn over whatever the style drew (the
selection's highlight hides the amber background): see
:func:`gui.qt.palette.paint_pending_mark`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate

from ..data.config import TableSpec
from ..data.errors import InvalidValue
from ..data.pending import parse_value
from .palette import PENDING_ROLE, paint_pending_mark, state_colours

_COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


class CheckedLineDelegate(QStyledItemDelegate):
    """A line edit whose text is checked before Qt commits it (see the module docstring)."""

    refused = Signal(str)
    # an edit began or was given up (Escape): an earlier refusal has had its moment
    settled = Signal()

    def editor_name(self, index) -> str:
        raise NotImplementedError

    def paint(self, painter, option, index):
        super().paint(painter, option, index)
        if index.data(PENDING_ROLE):
            # the view's palette: the option's carries the cell's own text colour (NULL's grey)
            palette = option.widget.palette() if option.widget is not None else None
            paint_pending_mark(painter, option.rect, state_colours(palette))

    def why_refused(self, index, text: str) -> str | None:
        """Why ``text`` cannot be the cell's value; ``None`` when it can."""
        raise NotImplementedError

    def createEditor(self, parent, option, index):
        self.settled.emit()
        editor = QLineEdit(parent)
        editor.setAccessibleName(self.editor_name(index))
        alignment = index.data(Qt.ItemDataRole.TextAlignmentRole)
        editor.setAlignment(Qt.AlignmentFlag(int(alignment)) if alignment else Qt.AlignmentFlag.AlignLeft)
        editor.setProperty("cell_row", index.row())
        editor.setProperty("cell_column", index.column())
        editor.installEventFilter(self)
        return editor

    # What was typed and refused when the editor lost focus (a click elsewhere): Qt
    # closes the editor then, so the text is kept here, by cell, and is back in the
    # editor when that cell is opened again: moved down with its row when rows go in
    # before the first, forgotten when the rows are reloaded.
    _drafts: dict[tuple[int, int], str]

    def setEditorData(self, editor, index):
        if editor.isModified():
            return
        draft = self.__dict__.setdefault("_drafts", {}).pop((index.row(), index.column()), None)
        if draft is not None:
            editor.setText(draft)
            editor.setModified(True)
        else:
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.selectAll()

    def setModelData(self, editor, model, index):
        if not editor.isModified():
            return  # opened and left as it was (a NULL stays NULL, not an empty string)
        reason = self.why_refused(index, editor.text())
        if reason is not None:
            self.__dict__.setdefault("_drafts", {})[(index.row(), index.column())] = editor.text()
            # the instruction first (a long reason is cut at the window's edge; it is whole
            # in the tooltip), and the cell named: by now the selection is elsewhere
            cell = model.cell_name(index.row(), index.column())  # both models name their cells
            self.refused.emit(f"Open {cell} again (F2) to correct what you typed: {reason}")
            return
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def forget_drafts(self) -> None:
        self.__dict__.setdefault("_drafts", {}).clear()

    def shift_drafts(self, rows: int) -> None:
        """``rows`` rows went in before the first: each draft moves down with its row."""
        drafts = self.__dict__.setdefault("_drafts", {})
        moved = {(row + rows, column): text for (row, column), text in drafts.items()}
        drafts.clear()
        drafts.update(moved)

    def eventFilter(self, editor, event):
        if isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress:
            if event.key() in _COMMIT_KEYS and editor.isModified():
                view = self.parent()
                model = view.model() if view is not None else None
                if model is not None:
                    index = model.index(int(editor.property("cell_row")), int(editor.property("cell_column")))
                    reason = self.why_refused(index, editor.text())
                    if reason is not None:
                        self.refused.emit(reason)
                        return True  # keep the editor open with exactly what was typed
            elif event.key() == Qt.Key.Key_Escape:
                self.settled.emit()
        return super().eventFilter(editor, event)


class ValueDelegate(CheckedLineDelegate):
    """The tutorial's value column: a whole number in the column's range."""

    def __init__(self, spec: TableSpec, parent=None):
        super().__init__(parent)
        self.spec = spec

    def editor_name(self, index) -> str:
        return f"Edit {self.spec.value}"

    def why_refused(self, index, text: str) -> str | None:
        try:
            parse_value(text, self.spec)
        except InvalidValue as error:
            return error.message
        return None


class CellDelegate(CheckedLineDelegate):
    """Any cell of the table for any table: the text goes to the column's codec as
    typed (the model's ``check_text``); the whole value is in the editor, however
    long (the cell shows one line of it)."""

    def editor_name(self, index) -> str:
        return f"Edit {index.model().headerData(index.column(), Qt.Orientation.Horizontal)}"

    def why_refused(self, index, text: str) -> str | None:
        return index.model().check_text(index.column(), text)
