"""The editor for the value column: a plain line edit that never alters what was typed.

A spin box or an integer validator would silently drop characters (``12.5`` becoming
``125``); instead the text goes to the data layer's validation as typed.  Enter with
a refused value keeps the editor open with the text, and the reason is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate

from ..data.config import TableSpec
from ..data.errors import InvalidValue
from ..data.pending import parse_value


class ValueDelegate(QStyledItemDelegate):
    refused = Signal(str)

    def __init__(self, spec: TableSpec, parent=None):
        super().__init__(parent)
        self.spec = spec

    def createEditor(self, parent, option, index):
        editor = QLineEdit(parent)
        editor.setAccessibleName(f"Edit {self.spec.value}")
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.installEventFilter(self)
        return editor

    def setEditorData(self, editor, index):
        if not editor.isModified():
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
            editor.selectAll()

    def setModelData(self, editor, model, index):
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def eventFilter(self, editor, event):
        if (
            isinstance(editor, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        ):
            try:
                parse_value(editor.text(), self.spec)
            except InvalidValue as error:
                # keep the editor open with exactly what was typed
                self.refused.emit(error.message)
                return True
        return super().eventFilter(editor, event)


class CellDelegate(QStyledItemDelegate):
    """The editor for any cell of the table for any table: a plain line edit whose
    text goes to the column's codec as typed.  Enter (or Tab) with a value the codec
    refuses keeps the editor open with the text, and :attr:`refused` says why; the
    whole value is in the editor, however long (the cell shows one line of it)."""

    refused = Signal(str)
    # an edit began or was given up (Escape): an earlier refusal has had its moment
    settled = Signal()

    def createEditor(self, parent, option, index):
        self.settled.emit()
        editor = QLineEdit(parent)
        name = index.model().headerData(index.column(), Qt.Orientation.Horizontal)
        editor.setAccessibleName(f"Edit {name}")
        editor.setAlignment(Qt.AlignmentFlag(int(index.data(Qt.ItemDataRole.TextAlignmentRole) or 0)) or Qt.AlignmentFlag.AlignLeft)
        editor.setProperty("cell_column", index.column())
        editor.installEventFilter(self)
        return editor

    def setEditorData(self, editor, index):
        if not editor.isModified():
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
            editor.selectAll()

    def setModelData(self, editor, model, index):
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def eventFilter(self, editor, event):
        if (
            isinstance(editor, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        ):
            view = self.parent()
            model = view.model() if view is not None else None
            column = editor.property("cell_column")
            check = getattr(model, "check_text", None)
            if check is not None and column is not None:
                reason = check(int(column), editor.text())
                if reason is not None:
                    self.refused.emit(reason)
                    return True  # keep the editor open with exactly what was typed
        if isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.settled.emit()
        return super().eventFilter(editor, event)
