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
