"""Help → Keyboard shortcuts: a small dialog with the keys in one column and what
they do in the other.

The rows are the window's own list (``SHORTCUTS``, in its words), the keys both
windows share that are not menu actions (F2, Ctrl+Home/End, Ctrl+Q), and then any
menu action with a shortcut neither names — so an action added to a menu with a
shortcut is listed even before someone writes it into the list.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

# what both windows do with these keys; not menu actions (but Quit), so no list names them
COMMON = [
    ("F2", "Edit the selected cell (or just start typing)"),
    ("Ctrl+Home", "Go to the first row (of all the rows, not just those loaded)"),
    ("Ctrl+End", "Go to the last row (every row is loaded first)"),
    ("Ctrl+Q", "Quit"),
]


def _keys(text: str) -> set[str]:
    """The key sequences a row's first column names, as Qt writes them ("Escape" is "Esc")."""
    keys = set()
    for part in text.split("/"):
        sequence = QKeySequence(part.strip())
        if not sequence.isEmpty():
            keys.add(sequence.toString(QKeySequence.SequenceFormat.PortableText))
    return keys


def shortcut_rows(window) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for ``window``, in the order the dialog lists them."""
    rows = list(getattr(window, "SHORTCUTS", []))
    named = set().union(*(_keys(keys) for keys, _what in rows)) if rows else set()
    for keys, what in COMMON:
        if not _keys(keys) & named:
            rows.append((keys, what))
            named |= _keys(keys)
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in menu.actions():
            if action.isSeparator() or not action.shortcuts():
                continue
            keys = [s.toString(QKeySequence.SequenceFormat.PortableText) for s in action.shortcuts()]
            if named.isdisjoint(keys):
                rows.append((" / ".join(keys), action.text().replace("&", "").rstrip("…")))
                named.update(keys)
    return rows


class ShortcutsDialog(QDialog):
    """The keys and what they do, two aligned columns; Close (or Escape) closes it."""

    def __init__(self, rows: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        self.rows = rows
        table = QTableWidget(len(rows), 2)
        table.setObjectName("Shortcuts")
        table.setAccessibleName("Shortcuts")
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a list to read: Escape and Enter go to the dialog
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        bold = table.font()
        bold.setBold(True)
        for r, (keys, what) in enumerate(rows):
            key_item = QTableWidgetItem(keys)
            key_item.setFont(bold)
            table.setItem(r, 0, key_item)
            table.setItem(r, 1, QTableWidgetItem(what))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        table.resizeColumnsToContents()  # a fixed list of some twenty rows
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        # every row in view without scrolling, where the screen allows: the dialog opens at
        # the list's whole size, but asks for no more than a few rows of it as its minimum,
        # so on a short screen (683x384 at 2x) it is held within the available height,
        # the list scrolls and Close stays in view (the window's DialogFitter bounds the
        # size as it is shown)
        row_height = table.verticalHeader().defaultSectionSize()
        height = table.horizontalHeader().sizeHint().height() + row_height * len(rows) + 2 * table.frameWidth()
        width = table.columnWidth(0) + table.columnWidth(1) + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        table.setMinimumSize(min(width, table.columnWidth(0) + 120), table.horizontalHeader().sizeHint().height() + row_height * 3)
        preferred = QSize(min(width, 640), min(height, 560))
        margins = layout.contentsMargins()
        self.resize(
            preferred.width() + margins.left() + margins.right(),
            preferred.height() + margins.top() + margins.bottom() + layout.spacing() + buttons.sizeHint().height(),
        )

    def texts(self) -> list[tuple[str, str]]:
        """What the dialog shows, row by row."""
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]


def show_shortcuts(window) -> ShortcutsDialog:
    """Open the dialog for ``window`` (non-modal, as the app's dialogs are)."""
    dialog = ShortcutsDialog(shortcut_rows(window), window)
    dialog.open()
    return dialog
