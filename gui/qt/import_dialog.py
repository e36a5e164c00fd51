"""The preview shown before a changes file becomes pending changes.

It lists how many changes the file holds, how many rows each one touches (counted
in the database by a worker before the dialog opens) and every refused line with
its number.  While any line is refused, Apply stays disabled: nothing of the file
is imported, and the user fixes the file and imports again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..data.config import TableSpec
from ..data.csvio import ImportedChanges
from ..data.wording import plural, verb

SHOWN_LIMIT = 5_000  # rows listed in the preview tables; the summary counts them all


def _values(values: tuple[int, ...]) -> str:
    if not values:
        return "(no rows)"
    if len(set(values)) == 1:
        return f"{values[0]}" + (f" ×{len(values)}" if len(values) > 1 else "")
    return ", ".join(str(v) for v in values)


def _shown_already(key: int, value: int, current: dict[int, tuple[int, ...]], pending) -> bool:
    """Whether the table already shows ``value`` for ``key`` (pending, or in the database)."""
    change = pending.get(key) if pending is not None else None
    if change is not None:
        return change.new == value
    now = current.get(key, ())
    return bool(now) and all(v == value for v in now)


def _table(name: str, headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(min(len(rows), SHOWN_LIMIT), len(headers))
    table.setAccessibleName(name)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    for r, row in enumerate(rows[:SHOWN_LIMIT]):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c < len(row) - 1:  # numbers, right-aligned; the last column is words
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(text)
            table.setItem(r, c, item)
    # fixed widths: sizing to contents would walk every row of a large file
    table.horizontalHeader().setDefaultSectionSize(80)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ImportDialog(QDialog):
    """``accepted`` means: make ``self.imported`` pending, as one undo step."""

    def __init__(
        self,
        spec: TableSpec,
        file_name: str,
        imported: ImportedChanges,
        current: dict[int, tuple[int, ...]],
        pending=None,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Import changes")
        self.setAccessibleName("Import changes")
        self.setObjectName("Import changes")
        self.imported = imported
        self.current = current
        key, value = spec.key, spec.value
        self.unchanged = [k for k, v in imported.values.items() if _shown_already(k, v, current, pending)]
        self.missing = [k for k in imported.values if not current.get(k)]
        changing = [k for k in imported.values if k not in set(self.unchanged)]
        rows = sum(len(current.get(k, ())) for k in changing)

        if imported.refused:
            first = imported.refused[0]
            head = (
                f"{file_name}: {plural(len(imported.refused), 'refused line')}, so nothing will be imported. "
                f"First: line {first.line}: {first.reason} Fix the file and import it again."
            )
        else:
            head = f"{file_name} ({imported.dialect}): {plural(len(changing), 'change')} to {plural(rows, 'row')}."
            if self.unchanged:
                head += f" {plural(len(self.unchanged), 'line')} already {verb(len(self.unchanged), 'matches', 'match')} the database and {verb(len(self.unchanged), 'changes', 'change')} nothing."
            if self.missing:
                head += f" {plural(len(self.missing), 'change')} {verb(len(self.missing), 'matches', 'match')} no row and will update nothing."
        self.summary = QLabel(head)
        self.summary.setAccessibleName("Import summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        listed = []
        for k, v in imported.values.items():
            now = current.get(k, ())
            note = "unchanged" if k in self.unchanged else ("no row has this " + key if not now else "")
            listed.append([str(imported.lines[k]), str(k), str(v), _values(now), str(len(now)), note])
        self.table = _table("Changes to import", ["line", key, f"new {value}", f"{value} now", "rows", ""], listed)
        self.refused_table = _table(
            "Refused lines", ["line", "value", "why"], [[str(r.line), r.text, r.reason] for r in imported.refused]
        )
        self.refused_table.setVisible(bool(imported.refused))
        more = len(listed) - SHOWN_LIMIT
        self.more = QLabel(f"… and {more:,} more changes (all counted above)." if more > 0 else "")
        self.more.setVisible(more > 0)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply as pending changes", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setAccessibleName("Apply import")
        self.apply_button.setObjectName("Apply import")
        self.apply_button.setEnabled(imported.ok and bool(changing))
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if imported.refused:
            layout.addWidget(QLabel("Refused lines:"))
            layout.addWidget(self.refused_table)
        layout.addWidget(self.table)
        layout.addWidget(self.more)
        layout.addWidget(buttons)
        self.resize(620, 440)
