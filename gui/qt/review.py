"""The "Review changes" dialog shown before every commit, and the "Conflicts" dialog.

Values are listed as the audit log lists them (``8, 8``: one per row, the first
:data:`~gui.data.audit.SHOWN_VALUES` and how many in all), so what the review promised
reads the same as what the log recorded.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QHBoxLayout,
    QWidget,
)

from ..data.audit import values_shown
from ..data.commit import ReviewItem
from ..data.config import TableSpec
from ..data.errors import Conflict
from ..data.wording import plural, verb

WARNING_BRUSH = QBrush(QColor(220, 60, 40, 70))


def _values(values: tuple[int, ...]) -> str:
    """``8, 8`` as the audit log writes them; ``(no rows)``."""
    return values_shown([str(v) for v in values]) if values else "(no rows)"


def toggle_sql(button: QPushButton, sql: QWidget) -> None:
    """``button`` shows and hides ``sql``, and says which it will do next."""

    def shown(visible: bool) -> None:
        sql.setVisible(visible)
        text = "Hide SQL" if visible else "Show SQL"
        button.setText(text.replace("SQL", "&SQL"))
        button.setAccessibleName(text)

    button.setCheckable(True)
    button.setAutoDefault(False)  # Enter commits; it must not toggle the SQL instead
    button.toggled.connect(shown)
    shown(button.isChecked())


def _table(headers: list[str], rows: list[list[str]], name: str, stretch: int | None = None) -> QTableWidget:
    """``stretch``: the column that takes the width left (else the last one)."""
    table = QTableWidget(len(rows), len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c != len(row) - 1 or not text or not text[0].isalpha():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class ReviewDialog(QDialog):
    """Lists what the commit will do, counted in the database; Commit applies, Cancel keeps all pending."""

    def __init__(self, spec: TableSpec, items: list[ReviewItem], threshold: int, sql: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Review changes")
        self.setAccessibleName("Review changes")
        self.items = items
        total_rows = sum(item.rows for item in items)
        hidden = sum(item.hidden for item in items)
        missing = [item for item in items if item.missing]
        summary = f"{plural(len(items), 'change')} will update {plural(total_rows, 'row')} in {spec.qualified_name}."
        if hidden:
            summary += f" {hidden} of those rows have {spec.value} ≤ {threshold} and are not shown in the table."
        if missing:
            summary += f" {plural(len(missing), 'change')} {verb(len(missing), 'matches', 'match')} no row and will update nothing."
        for note in getattr(items, "notes", ()):
            summary += f"\n{note}"
        self.summary = QLabel(summary)
        self.summary.setAccessibleName("Review summary")
        self.summary.setWordWrap(True)

        rows = []
        for item in items:
            note = ""
            if item.missing:
                note = f"No row has {spec.key} = {item.key}: nothing will be updated"
            elif item.hidden:
                note = f"{item.hidden} hidden by the threshold"
            rows.append([str(item.key), _values(item.current), str(item.change.new), str(item.rows), note])
        # the values now in the database take the width left: the note is most often empty
        self.table = _table(
            [spec.key, f"{spec.value} now in the database", f"new {spec.value}", "rows updated", "note"],
            rows,
            "Changes to commit",
            stretch=1,
        )
        self.table.setColumnHidden(4, not any(row[4] for row in rows))
        for r, item in enumerate(items):
            if item.missing:
                for c in range(self.table.columnCount()):
                    self.table.item(r, c).setBackground(WARNING_BRUSH)

        self.show_sql = QPushButton()
        self.sql = QPlainTextEdit(sql)
        self.sql.setAccessibleName("SQL")
        self.sql.setReadOnly(True)
        self.sql.setFont(QFont("monospace"))
        toggle_sql(self.show_sql, self.sql)

        buttons = QDialogButtonBox()
        self.commit_button = buttons.addButton("&Commit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.commit_button.setAccessibleName("Commit")
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel review")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.show_sql, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.sql)
        layout.addWidget(buttons)
        self.commit_button.setDefault(True)  # once in the dialog: set before, it does not stick
        self.resize(640, 360)


class ConflictsDialog(QDialog):
    """Per conflict: keep mine (commit over it, knowingly), take theirs (drop my change),
    or decide later (the change stays pending and conflicts again at the next commit).

    "Decide later" is chosen at first, so Enter or a reflexive click on Apply
    neither overwrites another client's value nor drops what the user typed.
    """

    MINE, THEIRS, LATER = 1, 0, 2  # QButtonGroup ids: -1 would mean "assign one"
    _LABELS = ((MINE, "Keep mine"), (THEIRS, "Take theirs"), (LATER, "Decide later"))

    def __init__(self, spec: TableSpec, conflicts: list[Conflict], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Conflicts")
        self.setAccessibleName("Conflicts")
        self.conflicts = conflicts
        intro = QLabel(
            "Another client changed these rows after you loaded them. Nothing was written. "
            "Choose for each: keep your value (it will overwrite theirs at the next commit), take theirs "
            "(your pending change is dropped), or decide later (your change stays pending). "
            "The other changes stay pending."
        )
        intro.setWordWrap(True)
        rows = [[str(c.key), _values(c.loaded), _values(c.current), str(c.mine), ""] for c in conflicts]
        self.table = _table([spec.key, "you loaded", "now in the database", "your value", "resolve"], rows, "Conflicting changes")
        self._groups: list[QButtonGroup] = []
        for r, conflict in enumerate(conflicts):
            cell = QWidget()
            box = QHBoxLayout(cell)
            box.setContentsMargins(4, 0, 4, 0)
            group = QButtonGroup(cell)
            for choice, label in self._LABELS:
                radio = QRadioButton(label)
                radio.setAccessibleName(f"{label} for {spec.key} = {conflict.key}")
                radio.setChecked(choice == self.LATER)
                group.addButton(radio, choice)
                box.addWidget(radio)
            self._groups.append(group)
            self.table.setCellWidget(r, 4, cell)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText("&Apply choices")
        self.apply_button.setAccessibleName("Apply choices")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.apply_button.setDefault(True)  # Enter applies: with "Decide later" chosen, that changes nothing
        self.resize(720, 320)

    def choose(self, key: int, keep_mine: bool | None) -> None:
        """``None``: decide later."""
        choice = self.LATER if keep_mine is None else self.MINE if keep_mine else self.THEIRS
        for conflict, group in zip(self.conflicts, self._groups):
            if conflict.key == key:
                group.button(choice).setChecked(True)

    def choices(self) -> dict[int, bool | None]:
        """key → True to keep mine, False to take theirs, None to decide later."""
        meaning = {self.MINE: True, self.THEIRS: False, self.LATER: None}
        return {c.key: meaning[group.checkedId()] for c, group in zip(self.conflicts, self._groups)}
