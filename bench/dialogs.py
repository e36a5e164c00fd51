"""The review and conflicts dialogs of both windows with 100,000 entries.

Each dialog is built as its window builds it, from entries of the types the data
layer returns (synthetic values; the any-table window's on the schema and codecs of
a mixed table opened on the benchmark's server): what walks every entry (the
summary, the SQL preview) first, as the window's lane does, and not timed; then,
timed on the GUI thread, the dialog's construction, ``open()`` over a shown
window, and the event loop until its list has painted.  The longest stop of the
GUI thread over that span is :class:`bench.qt.GapMeter`'s.  For the conflicts
dialogs also a click on *Keep all mine* until the list has painted again, and the
choices read back as the window reads them when *Apply choices* is pressed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMainWindow
from sqlalchemy.dialects import postgresql

from gui.data.cell_commit import CellReviewItem, preview_cells_sql
from gui.data.commit import Review, ReviewItem
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import create_engine_for, settings_from_url
from gui.data.edits import CellChange
from gui.data.errors import Conflict
from gui.data.opening import open_table
from gui.data.pending import PendingChange
from gui.qt.cell_review import CellConflictsDialog, CellReviewDialog, review_summary as cell_summary
from gui.qt.review import ConflictsDialog, ReviewDialog, preview_text, review_summary

from .qt import GapMeter, wait_until
from .report import median, ms, runs

ENTRIES = 100_000
GOAL = 0.200
SECTION = f"Review and conflicts dialogs with {ENTRIES:,} entries (built as the windows build them, offscreen)"


class _Painted(QObject):
    """Whether the watched viewport has painted since :meth:`reset`."""

    def __init__(self) -> None:
        super().__init__()
        self.done = False

    def eventFilter(self, _obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.done = True
        return False


def _open(build, parent) -> tuple[float, float, object]:
    """Seconds from construction to the list's first paint, the longest stop of the
    GUI thread meanwhile, and the dialog."""
    painted = _Painted()
    with GapMeter() as gaps:
        started = time.perf_counter()
        dialog = build(parent)
        dialog.table.viewport().installEventFilter(painted)
        dialog.open()
        wait_until(lambda: painted.done, 30, poll_ms=1)
        seconds = time.perf_counter() - started
    dialog.table.viewport().removeEventFilter(painted)
    return seconds, gaps.longest, dialog


def _keep_all(dialog) -> float:
    painted = _Painted()
    dialog.table.viewport().installEventFilter(painted)
    started = time.perf_counter()
    QTest.mouseClick(dialog.keep_all_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: painted.done, 30, poll_ms=1)
    seconds = time.perf_counter() - started
    dialog.table.viewport().removeEventFilter(painted)
    return seconds


def dialog_figures(bench, url: str, table: str) -> None:
    """The figures, added to ``bench`` (a :class:`bench.mixed.MixedBench`); the
    any-table dialogs on ``table``'s schema on the server at ``url``."""
    spec, n = DEFAULT_SPEC, ENTRIES
    settings = settings_from_url(url)
    engine = create_engine_for(settings)  # as the app makes it (psycopg2)
    try:
        opened = open_table(engine, settings, table, None, spec)
    finally:
        engine.dispose()
    schema, codecs = opened.schema, opened.codecs
    column = "note"
    dialect = postgresql.dialect()

    # what the lane makes before the dialog opens (not timed here)
    items = Review(ReviewItem(PendingChange(k, k + 1, (k + 10, k + 10), 6), (k + 10, k + 10), 0) for k in range(n))
    summary = review_summary(spec, items, 6)
    sql = preview_text(dialect, spec, [i.change for i in items])
    conflicts = [Conflict(k, (k + 10, k + 10), (k + 11, k + 11), k + 1) for k in range(n)]
    cell_items = [
        CellReviewItem(CellChange((k,), column, f"mine {k}", (f"seen {k}",)), (f"seen {k}",), f"mine {k}") for k in range(n)
    ]
    cell_text = cell_summary(schema, cell_items)
    cell_sql = preview_cells_sql(dialect, schema, [i.change for i in cell_items], codecs)
    cell_conflicts = [(CellChange((k,), column, f"mine {k}", (f"seen {k}",)), (f"theirs {k}",)) for k in range(n)]

    # each dialog, and how its window reads the choices when Apply is pressed
    dialogs = {
        "tutorial window, Review changes": (lambda p: ReviewDialog(spec, items, 6, sql, p, summary), None),
        "tutorial window, Conflicts": (lambda p: ConflictsDialog(spec, conflicts, p), lambda d: list(d.choices().values())),
        "any table, Review changes": (lambda p: CellReviewDialog(schema, codecs, cell_items, cell_sql, p, cell_text), None),
        "any table, Conflicts": (lambda p: CellConflictsDialog(schema, codecs, cell_conflicts, p), lambda d: d.row_choices()),
    }
    window = QMainWindow()
    window.resize(900, 600)
    window.show()
    try:
        for name, (build, read_choices) in dialogs.items():
            opens, stops, keeps, reads = [], [], [], []
            for i in range(bench.reps(5) + 1):  # + a warm-up
                seconds, longest, dialog = _open(build, window)
                if dialog.table.model().rowCount() != n:
                    raise RuntimeError(f"{name}: {dialog.table.model().rowCount():,} rows, expected {n:,}")
                if read_choices is not None:
                    keep = _keep_all(dialog)
                    started = time.perf_counter()
                    chosen = read_choices(dialog)
                    read = time.perf_counter() - started
                    if len(chosen) != n or not all(chosen):
                        raise RuntimeError(f"{name}: Keep all mine did not choose every row")
                dialog.reject()
                dialog.deleteLater()
                if i:
                    opens.append(seconds)
                    stops.append(longest)
                    if read_choices is not None:
                        keeps.append(keep)
                        reads.append(read)
            bench._log_runs(f"{name}: open → first paint", opens)
            bench.add(SECTION, f"{name}: built, opened, first paint", ms(median(opens)), goal="< 200 ms", met=median(opens) < GOAL, note=runs(opens))
            bench.add(SECTION, f"{name}: longest stop of the GUI thread meanwhile", ms(max(stops)), note=f"the longest of {runs(stops)}")
            if keeps:
                bench.add(SECTION, f"{name}: Keep all mine clicked → list painted", ms(median(keeps)), note=runs(keeps))
                bench.add(SECTION, f"{name}: choices read back (Apply choices)", ms(median(reads)), note=runs(reads))
    finally:
        window.close()
        window.deleteLater()
