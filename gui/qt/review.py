"""The tutorial window's "Review changes" dialog, shown before every commit, and its
"Conflicts" dialog (the one both windows use, :mod:`gui.qt.conflicts`).

Both are views over a table model of the list as it came back from the review or
the commit: a review or a conflict list of 100,000 changes opens as fast as one of
ten.  What walks every change (the summary, the SQL preview) is made beforehand on
the worker's lane: :func:`review_summary`, :func:`preview_text`.

Values are listed as the audit log lists them (``8, 8``: one per row, the first
:data:`~gui.data.audit.SHOWN_VALUES` and how many in all), so what the review promised
reads the same as what the log recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..data.audit import SHOWN_VALUES, values_shown
from ..data.commit import CHUNK, ReviewItem, preview_sql
from ..data.config import TableSpec
from ..data.errors import Conflict
from ..data.pending import PendingChange
from ..data.wording import plural, verb
from .conflicts import LATER, MINE, THEIRS, ConflictsModel, ListModel, ResolveConflictsDialog, fit_columns, list_view

WARNING_BRUSH = QBrush(QColor(220, 60, 40, 70))

# changes whose values "Show SQL" writes out (the rest are said): written whole for
# 100,000 changes the text is over a megabyte, and showing it held the GUI thread 0.4 s
PREVIEW_CHANGES = 100
NOTE_COLUMN = 4


def _values(values: Sequence[int]) -> str:
    """``8, 8`` as the audit log writes them; ``(no rows)``.  Only the values shown
    are made text (a key may have a million rows)."""
    if not values:
        return "(no rows)"
    shown = values_shown([str(v) for v in values[:SHOWN_VALUES]])
    return shown if len(values) <= SHOWN_VALUES else f"{shown}, … ({len(values):,} in all)"


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


# -- made on the lane (no Qt) ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    text: str  # what the review says above its list
    notes: bool  # some change has a note (rows hidden by the threshold, or no row at all)


def review_summary(spec: TableSpec, items: Sequence[ReviewItem], threshold: int) -> ReviewSummary:
    """A walk over every item: run it off the GUI thread for a big review."""
    total_rows = hidden = missing = 0
    for item in items:
        total_rows += item.rows
        hidden += item.hidden
        missing += item.missing
    text = f"{plural(len(items), 'change')} will update {plural(total_rows, 'row')} in {spec.qualified_name}."
    if hidden:
        text += f" {hidden} of those rows have {spec.value} ≤ {threshold} and are not shown in the table."
    if missing:
        text += f" {plural(missing, 'change')} {verb(missing, 'matches', 'match')} no row and will update nothing."
    for note in getattr(items, "notes", ()):
        text += f"\n{note}"
    return ReviewSummary(text, bool(hidden or missing))


def preview_text(dialect, spec: TableSpec, changes: Sequence[PendingChange]) -> str:
    """The "Show SQL" text: the statements with the values of the first
    :data:`PREVIEW_CHANGES` changes, and a comment saying how many more the commit
    sends and how."""
    if len(changes) <= PREVIEW_CHANGES:
        return preview_sql(dialect, spec, changes)
    if dialect.name == "postgresql":
        sent = f"in {plural(-(-len(changes) // CHUNK), 'statement')} like this one ({CHUNK:,} changes each)"
    else:
        sent = "one UPDATE a change, as below"
    return (
        f"-- the values of the first {PREVIEW_CHANGES:,} of {len(changes):,} changes are written out here;"
        f" the commit sends them all, {sent}\n" + preview_sql(dialect, spec, changes[:PREVIEW_CHANGES])
    )


# -- the dialogs ---------------------------------------------------------------------------


class ReviewDialog(QDialog):
    """Lists what the commit will do, counted in the database; Commit applies, Cancel
    keeps all pending.  ``summary``: :func:`review_summary` made beforehand (else made
    here, walking every item)."""

    def __init__(
        self,
        spec: TableSpec,
        items: Sequence[ReviewItem],
        threshold: int,
        sql: str,
        parent=None,
        summary: ReviewSummary | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Review changes")
        self.setAccessibleName("Review changes")
        self.setObjectName("Review changes")
        self.items = items
        summary = summary if summary is not None else review_summary(spec, items, threshold)
        self.summary = QLabel(summary.text)
        self.summary.setAccessibleName("Review summary")
        self.summary.setWordWrap(True)

        def cells(item: ReviewItem) -> list[str]:
            note = ""
            if item.missing:
                note = f"No row has {spec.key} = {item.key}: nothing will be updated"
            elif item.hidden:
                note = f"{item.hidden} hidden by the threshold"
            return [str(item.key), _values(item.current), str(item.change.new), str(item.rows), note]

        self.list_model = ListModel(
            [spec.key, f"{spec.value} now in the database", f"new {spec.value}", "rows updated", "note"],
            items,
            cells,
            self,
            right_aligned=(0, 1, 2, 3),
            background=lambda item: WARNING_BRUSH if item.missing else None,
        )
        self.table = list_view(self.list_model, "Changes to commit")
        # the values now in the database take the width left, or the note when there is
        # one (it is most often empty, and then hidden)
        stretch = NOTE_COLUMN if summary.notes else 1
        self.table.horizontalHeader().setStretchLastSection(False)
        fit_columns(self.table, [c for c in range(NOTE_COLUMN + 1) if c != stretch])
        self.table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(NOTE_COLUMN, not summary.notes)

        self.show_sql = QPushButton()
        self.show_sql.setObjectName("Show SQL")
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


class ConflictsDialog(ResolveConflictsDialog):
    """Per conflict: keep mine (commit over it, knowingly), take theirs (drop my change),
    or decide later (the change stays pending and conflicts again at the next commit).

    "Decide later" is chosen at first, so Enter or a reflexive click on Apply
    neither overwrites another client's value nor drops what the user typed.
    """

    def __init__(self, spec: TableSpec, conflicts: Sequence[Conflict], parent=None):
        model = ConflictsModel(
            [spec.key, "you loaded", "now in the database", "your value"],
            conflicts,
            lambda c: [str(c.key), _values(c.loaded), _values(c.current), str(c.mine)],
            lambda c: f"{spec.key} = {c.key}",
            right_aligned=(0, 1, 2, 3),
        )
        intro = (
            f"Another client changed the rows of {plural(len(conflicts), 'pending change')} after you loaded "
            f"{verb(len(conflicts), 'it', 'them')}. Nothing was written. "
            "Choose for each: keep your value (it will overwrite theirs at the next commit), take theirs "
            "(your pending change is dropped), or decide later (your change stays pending). "
            "The other changes stay pending."
        )
        super().__init__(intro, model, parent, stretch=(1, 2))
        self.conflicts = conflicts

    def choose(self, key: int, keep_mine: bool | None) -> None:
        """``None``: decide later."""
        code = LATER if keep_mine is None else MINE if keep_mine else THEIRS
        for row, conflict in enumerate(self.conflicts):
            if conflict.key == key:
                self.list_model.choose(row, code)

    def choices(self) -> dict[int, bool | None]:
        """key → True to keep mine, False to take theirs, None to decide later."""
        return dict(zip((c.key for c in self.conflicts), self.list_model.choices()))
