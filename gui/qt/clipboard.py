"""Edit → Copy and Paste on the table: the selection as tab-separated text with a
header line, and one column of values pasted into y from the selected cell down,
checked first and applied as one undo step (anything refused applies nothing)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence

from ..data.errors import InvalidValue
from ..data.pending import parse_value
from ..data.wording import plural
from .icons import named_action
from .rows_model import VALUE_COLUMN


class Clipboard(QObject):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.spec = window.spec
        # on the table only: an open cell editor (a QLineEdit) keeps its own copy and paste
        self.copy_action = named_action(window, "&Copy", "Copy", self.copy_selection, QKeySequence.StandardKey.Copy, "copy")
        self.paste_action = named_action(window, "&Paste", "Paste", self.paste, QKeySequence.StandardKey.Paste, "paste")
        window.edit_menu.addSeparator()
        for action in (self.copy_action, self.paste_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.view.addAction(action)
            window.edit_menu.addAction(action)

    # -- copy and paste --------------------------------------------------------
    def copy_selection(self) -> str:
        """Copy the selected cells as tab-separated text with a header line; returns the text."""
        view, model = self.window.view, self.window.model
        indexes = view.selectionModel().selectedIndexes() or ([view.currentIndex()] if view.currentIndex().isValid() else [])
        if not indexes:
            return ""
        columns = sorted({i.column() for i in indexes})
        cells: dict[int, dict[int, str]] = {}
        for index in indexes:
            cells.setdefault(index.row(), {})[index.column()] = model.data(index) or ""
        header = [(self.spec.key, self.spec.value)[c] for c in columns]
        lines = ["\t".join(header)]
        lines += ["\t".join(cells[row].get(c, "") for c in columns) for row in sorted(cells)]
        text = "\n".join(lines) + "\n"
        QGuiApplication.clipboard().setText(text)
        self.window.show_status(f"Copied {plural(len(cells), 'row')}.")
        return text

    def paste(self) -> None:
        """Paste one column of values into y from the selected row down, as one undo step."""
        if not self.window.can_edit("Paste"):
            return
        view, model = self.window.view, self.window.model
        start = view.currentIndex()
        if not start.isValid():
            self.window.show_message(f"Paste: select the {self.spec.value} cell to paste into first.")
            return
        error = self.paste_text(QGuiApplication.clipboard().text(), start.row())
        if error:
            self.window.show_message(error)

    def paste_text(self, text: str, first_row: int) -> str | None:
        """Apply ``text`` from ``first_row`` on; returns why nothing was applied, or None."""
        model, spec = self.window.model, self.spec
        lines = text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        numbered = list(enumerate(lines, start=1))
        if numbered and numbered[0][1].strip().lower() in (spec.value.lower(), f"{spec.key}\t{spec.value}".lower()):
            numbered = numbered[1:]  # our own Copy's header line
        if not numbered:
            return "Paste: the clipboard holds no values."
        refused = "Paste refused, nothing was changed: "
        edits, given = [], {}
        for offset, (line, raw) in enumerate(numbered):
            cells = raw.split("\t")
            while len(cells) > 1 and not cells[-1].strip():
                cells.pop()  # spreadsheets end some lines with empty cells
            if len(cells) > 1:
                return refused + f"line {line} ('{raw}') holds {len(cells)} values; paste one column of {spec.value} values."
            value_text = cells[0]
            try:
                value = parse_value(value_text, spec)
            except InvalidValue as error:
                return refused + f"line {line} ('{value_text}'): {error.message}"
            row = first_row + offset
            if row >= model.rowCount():
                more = " Scroll down to load more rows, then paste again." if model.canFetchMore() else ""
                return refused + (
                    f"the paste has {plural(len(numbered), 'value')} but only {plural(model.rowCount() - first_row, 'row')} "
                    f"from the selected one on.{more}"
                )
            key = model.key_at(row)
            if key in given and given[key][1] != value:
                return refused + (
                    f"line {line} ('{value_text}') is for a row with {spec.key} = {key}, which line {given[key][0]} "
                    f"already sets to {given[key][1]}; every row with one {spec.key} takes one {spec.value}."
                )
            if key not in given:
                given[key] = (line, value)
                # a run of rows going on past the loaded ones: the user saw part of it
                edits.append((key, value, model.loaded_values(key), model.threshold, model.run_continues(key)))
        try:
            updates = self.window.pending.plan_many(edits)
        except InvalidValue as error:
            return refused + error.message
        count = self.window.push_updates(updates, f"Paste {plural(len(numbered), 'value')} into {spec.value}")
        last = first_row + len(numbered) - 1
        view = self.window.view
        view.selectionModel().select(
            self._range(first_row, last), view.selectionModel().SelectionFlag.ClearAndSelect
        )
        self.window.show_status(
            f"Pasted {plural(len(numbered), 'value')}: {plural(count, 'pending change')} changed." if count else "Paste: the values are already there."
        )
        return None

    def _range(self, first: int, last: int) -> QItemSelection:
        model = self.window.model
        return QItemSelection(model.index(first, VALUE_COLUMN), model.index(last, VALUE_COLUMN))
