"""The preview shown before a changes file becomes pending changes.

It lists how many changes the file holds, how many rows each one touches (counted
in the database by a worker before the dialog opens), the pending value each one
replaces beside the database's values, and every refused line with its number.
While any line is refused, Apply stays disabled: nothing of the file is imported,
and the user fixes the file and imports again.

The lists are views over models that make a row's text when it is shown, so a
file of 100,000 lines opens as quickly as one of ten (the plan itself is made by
the worker that read the file, :func:`gui.data.csvio.plan_key_import`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ..data.config import TableSpec
from ..data.audit import values_shown
from ..data.csvio import NO_ROW, REPLACES, REVERTS, UNCHANGED, ImportedChanges, KeyImportPlan
from ..data.wording import plural, verb
from .cell_review import _list_view, _ListModel
from .conflicts import fit_headers


def _values(values: tuple[int, ...]) -> str:
    """``10, 10`` as the review and the audit log write them; ``(no rows)``."""
    return values_shown([str(v) for v in values]) if values else "(no rows)"


class ImportDialog(QDialog):
    """``accepted`` means: make ``self.plan``'s updates pending, as one undo step."""

    def __init__(self, spec: TableSpec, file_name: str, imported: ImportedChanges, plan: KeyImportPlan, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import changes")
        self.setAccessibleName("Import changes")
        self.setObjectName("Import changes")
        self.imported = imported
        self.plan = plan
        key, value = spec.key, spec.value

        if imported.refused:
            first = imported.refused[0]
            head = (
                f"{file_name}: {plural(len(imported.refused), 'refused line')}, so nothing will be imported. "
                f"First: line {first.line}: {first.reason} Fix the file and import it again."
            )
        else:
            head = f"{file_name} ({imported.dialect}): {plural(plan.changes, 'change')} to {plural(plan.rows, 'row')}, "
            if plan.replaced:
                head += (
                    f"replacing {plural(plan.replaced, 'pending change')} (the list shows "
                    f"{verb(plan.replaced, 'its', 'their')} pending {value} beside the database's)."
                )
            else:
                head += "replacing no pending change."
            if plan.unchanged:
                head += (
                    f" {plural(plan.unchanged, 'line')} already {verb(plan.unchanged, 'matches', 'match')} "
                    f"what the table shows and {verb(plan.unchanged, 'changes', 'change')} nothing."
                )
            if plan.missing:
                head += f" {plural(plan.missing, 'change')} {verb(plan.missing, 'matches', 'match')} no row and will update nothing."
        self.summary = QLabel(head)
        self.summary.setAccessibleName("Import summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        notes = {
            UNCHANGED: "unchanged",
            NO_ROW: f"no row has this {key}",
            REPLACES: "replaces a pending change",
            REVERTS: "the database's value: drops a pending change",
        }

        def cells(entry) -> list[str]:
            return [
                str(entry.line),
                str(entry.key),
                str(entry.new),
                _values(entry.now),
                str(len(entry.now)),
                "" if entry.pending is None else str(entry.pending),
                notes.get(entry.status, ""),
            ]

        headers = ["line", key, f"new {value}", f"{value} in the database", "rows", f"pending {value}", ""]
        self.changes_model = _ListModel(headers, plan.entries, cells, self)
        self.table = _list_view(self.changes_model, "Changes to import")
        self.table.horizontalHeader().setDefaultSectionSize(90)
        fit_headers(self.table)  # no narrower than its title
        self.refused_model = _ListModel(["line", "value", "why"], imported.refused, lambda r: [str(r.line), r.text, r.reason], self)
        self.refused_table = _list_view(self.refused_model, "Refused lines")
        self.refused_table.setVisible(bool(imported.refused))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.addButton("Apply as pending changes", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setAccessibleName("Apply import")
        self.apply_button.setObjectName("Apply import")
        self.apply_button.setEnabled(imported.ok and plan.changes > 0)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if imported.refused:
            layout.addWidget(QLabel("Refused lines:"))
            layout.addWidget(self.refused_table)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 440)
