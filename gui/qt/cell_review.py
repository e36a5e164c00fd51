"""The review before a commit and the conflicts after one, for any table.

Both list their entries through a table model (never a widget per row), so a review
of 100,000 changes opens as fast as one of ten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from ..data.audit import SHOWN_VALUES
from ..data.cell_commit import key_words
from ..data.codecs import Codec
from ..data.schema import TableSchema
from ..data.wording import plural, verb
from .conflicts import ConflictsModel, ListModel, ResolveConflictsDialog, list_view
from .review import toggle_sql
from .table_model import described, shown


# the list model and view every list dialog shares (the import previews import them from here)
_ListModel = ListModel
_list_view = list_view


def values_text(codec: Codec, values: Sequence[object]) -> str:
    """``12.50`` / ``12.50, 12.50`` / ``1, 2, NULL (no value)`` / ``(no rows)``: one
    per row, as the audit log lists them (the first few, and how many in all)."""
    if not values:
        return "(no rows)"
    texts = [described(codec, v) for v in values[:SHOWN_VALUES]]
    return ", ".join(texts) + (f", … ({len(values):,} in all)" if len(values) > SHOWN_VALUES else "")


def key_text(schema: TableSchema, codecs: Mapping[str, Codec], key: Sequence[object]) -> str:
    """A row's key as the review, conflicts and messages name it (text quoted as in
    SQL, so an empty or blank key is seen): :func:`~gui.data.cell_commit.key_words`."""
    return key_words(schema, codecs, tuple(key))


def review_summary(schema: TableSchema, items) -> str:
    """What the review says above its list: changes, rows, those that update several
    rows or none, and the review's notes.  A walk over every item: run it off the
    GUI thread for a big review (any thread: no Qt)."""
    rows_by_key: dict = {}
    for item in items:  # several columns of one row are one row
        rows_by_key[item.change.key] = max(rows_by_key.get(item.change.key, 0), item.rows)
    rows = sum(rows_by_key.values())
    missing = sum(1 for item in items if item.missing)
    several = sum(1 for item in items if item.rows > 1)
    text = f"{plural(len(items), 'change')} will update {plural(rows, 'row')} in {schema.qualified_name}."
    if several:
        text += (
            f" {plural(several, 'change')} {verb(several, 'updates', 'update')} several rows at once: "
            f"every row with the same {', '.join(schema.key)} changes together."
        )
    if missing:
        text += f" {plural(missing, 'change')} {verb(missing, 'matches', 'match')} no row and will update nothing."
    for note in getattr(items, "notes", ()):
        text += f"\n{note}"
    return text


class CellReviewDialog(QDialog):
    """What the commit will do, counted and checked by the database; Commit applies
    it, Cancel keeps every change pending.  ``summary``: :func:`review_summary`
    made beforehand (else made here)."""

    def __init__(self, schema: TableSchema, codecs: Mapping[str, Codec], items, sql: str, parent=None, summary: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Review changes")
        self.setAccessibleName("Review changes")
        self.setObjectName("Review changes")
        self.items = items
        text = summary if summary is not None else review_summary(schema, items)
        self.summary = QLabel(text)
        self.summary.setAccessibleName("Review summary")
        self.summary.setWordWrap(True)

        def cells(item):
            change = item.change
            codec = codecs[change.column]
            return [
                key_text(schema, codecs, change.key),
                change.column,
                str(item.rows),
                values_text(codec, item.current),
                described(codec, change.new) if change.new is None or codec.text_like else item.stored_text,
            ]

        self.list_model = _ListModel(["Row", "Column", "Rows", "Now", "Will be stored"], items, cells, self)
        self.table = _list_view(self.list_model, "Changes to commit")
        self.table.horizontalHeader().resizeSection(2, 50)
        self.table.horizontalHeader().resizeSection(3, 220)
        self.sql = QPlainTextEdit(sql)
        self.sql.setReadOnly(True)
        self.sql.setAccessibleName("SQL")
        self.sql.setToolTip("The statement: values are sent as bound parameters.")
        self.sql.setMaximumHeight(120)
        self.show_sql = QPushButton()
        self.show_sql.setObjectName("Show SQL")
        toggle_sql(self.show_sql, self.sql)  # as in the tutorial's review: hidden until asked for
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.commit_button = QPushButton(f"Commit {plural(len(items), 'change')}")
        self.commit_button.setAccessibleName("Commit changes")
        self.commit_button.setObjectName("Commit changes")
        buttons.addButton(self.commit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.show_sql, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.sql)
        layout.addWidget(buttons)
        self.commit_button.setDefault(True)  # once in the dialog: set before, it does not stick
        self.resize(720, 420)


class CellConflictsDialog(ResolveConflictsDialog):
    """Another client changed rows the user edited: per change, keep the user's value
    over theirs, take theirs (drop the change), or decide at the next commit
    (:mod:`gui.qt.conflicts`)."""

    def __init__(self, schema: TableSchema, codecs: Mapping[str, Codec], conflicts, parent=None):
        def cells(conflict):
            change, current = conflict
            codec = codecs[change.column]
            seen = change.confirmed if change.confirmed is not None else change.seen
            return [
                key_text(schema, codecs, change.key),
                change.column,
                values_text(codec, seen),
                values_text(codec, current),
                described(codec, change.new),
            ]

        def describe(conflict):
            change, _current = conflict
            return f"{key_text(schema, codecs, change.key)}, {change.column}"

        model = ConflictsModel(["Row", "Column", "You saw", "Now in the database", "Yours"], conflicts, cells, describe)
        intro = (
            f"Another client changed {plural(len(conflicts), 'row')} you edited since you loaded "
            f"{verb(len(conflicts), 'it', 'them')}. Nothing was written. Choose for each change: keep yours "
            "(it overwrites theirs at the next commit), take theirs (your change is dropped), or decide later "
            "(your change stays pending)."
        )
        super().__init__(intro, model, parent, stretch=(2, 3))
        self.conflicts = conflicts

    def choices(self) -> dict:
        """(key, column) → True to keep mine, False to take theirs, None to decide later."""
        return dict(zip((change.cell for change, _current in self.conflicts), self.list_model.choices()))
