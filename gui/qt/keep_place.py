"""Keeping the user's place: a table view over a window of a result that grows at
both ends, for both windows' models.

A model holds a window of its result: the pages after it come through Qt's
``canFetchMore``/``fetchMore`` as ever; the pages before it have no Qt protocol
(Qt's fetch protocol only appends), so the view asks for them
(``model.fetch_before()``) when its top comes within :data:`NEAR_TOP_SCREENS`
screens of the first loaded row — after a scroll, a page that arrived, or a
reload — and the model prepends them with ``beginInsertRows(parent, 0, n - 1)``.
The view then moves its scroll bar down by the inserted rows' height, so what the
user looks at (and the current row) stays where it is on screen.

A reload remembers a :class:`Place`: the current row (or, when it is scrolled out
of sight, the top row) as the model names it (``model.place_at(row)``: its key and
values), its column, and how far it is from the viewport's top.  The model loads
from that row by keyset (the row at or after it, or the row itself found by its
key), and when the first page arrives the view selects it, puts it back at the
same distance from the top and the same horizontal scroll, asking for the page
before it when rows above it are needed; from there, scrolling up reads the rows
before it.  A place kept for a filter or sort change (``keep="row"``) falls back
to the first row at the top when the row no longer matches (``model.anchor_found``
is false).

Ctrl+Home goes to the real first row: when rows before the first loaded one
exist, the view asks for it (:attr:`PlacedView.first_row_requested`) instead of
moving to the first loaded row.

The model side, as both :class:`~gui.qt.table_model.TableModel` and
:class:`~gui.qt.rows_model.RowsModel` provide it: ``place_at(row)``,
``anchor_found``, ``at_start``, ``can_fetch_before()``, ``fetch_before()``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView

# the rows before are asked for when the top of the view is this many screens
# (at least NEAR_TOP_ROWS rows) from the first loaded row
NEAR_TOP_SCREENS = 2
NEAR_TOP_ROWS = 50


@dataclass(frozen=True)
class Place:
    """Where the user is: the row (as the model names it, ``None``: the first row
    of the load), its column, its distance from the viewport's top in pixels, the
    horizontal scroll, and whether the row is the current one (selected again)."""

    anchor: object = None
    column: int = 0
    offset: int = 0
    horizontal: int = 0
    select: bool = False
    keep: str = "place"  # "place": the row or the one after it; "row": the row, else the first


class PlacedView(QTableView):
    """A table view that keeps the rows on screen still while rows are put before
    them, loads the rows before the first one as the user nears it, and puts a
    remembered place back after a reload."""

    first_row_requested = Signal()  # Ctrl+Home with rows before the first loaded one
    rows_prepended = Signal(int)  # rows went in before the first (row numbers shifted by this many)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._restoring: Place | None = None  # a place to put back when the load's first page comes
        self._target: tuple[QPersistentModelIndex, int] | None = None  # a row to hold at a distance from the top
        self._adjusting = False  # the scroll bar moves because of this view, not the user
        self._from_end = False  # the place is restored from the rows before it (none came after)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def setModel(self, model) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._on_reset)
            model.headerDataChanged.connect(lambda *_: self.updateGeometries())  # row numbers may widen the header
            model.rows_loaded.connect(self._on_rows_loaded)

    # -- remembering and restoring ------------------------------------------------------
    def current_column(self) -> int:
        index = self.currentIndex()
        return index.column() if index.isValid() else 0

    def remember_place(self, keep: str = "place") -> Place | None:
        """The current row if it is on screen, else the top row (``None`` when
        nothing is loaded); at the first row of the whole result, the start itself
        (a reload from the start shows what came before it since)."""
        model = self.model()
        if self._restoring is not None:  # reloaded again before the last one came: its place still
            return dataclasses.replace(self._restoring, keep=keep)
        if model is None or model.rowCount() == 0:
            return None
        if self._target is not None and self._target[0].isValid():  # on its way to its place: that place
            index, offset = self._target
            selected = self.currentIndex().row() == index.row()
            return Place(model.place_at(index.row()), index.column(), offset, self.horizontalScrollBar().value(), selected, keep)
        current = self.currentIndex()
        viewport = self.viewport().height()
        row = current.row() if current.isValid() else -1
        selected = row >= 0 and -self.rowHeight(row) < self.rowViewportPosition(row) < viewport
        if not selected:
            row = max(self.rowAt(0), 0)
        offset = self.rowViewportPosition(row)
        column = current.column() if current.isValid() else self.columnAt(0)
        anchor = None if row == 0 and offset >= 0 and model.at_start else model.place_at(row)
        return Place(anchor, max(column, 0), offset, self.horizontalScrollBar().value(), selected, keep)

    def restore_place(self, place: Place) -> None:
        """Put ``place`` back when the rows of the load just started arrive."""
        self._restoring = place
        self._from_end = False
        self._target = None

    def _on_reset(self) -> None:
        self._target = None  # the rows it named are gone; a place to restore waits for the new ones

    def _on_rows_loaded(self, rows: int) -> None:
        """After every page, also an empty one (which inserts nothing)."""
        model = self.model()
        if self._restoring is not None and rows == 0 and model.can_fetch_before():
            # nothing at or after the place (it was the last row, and is gone): the row before it
            self._from_end = True
            model.fetch_before()
        elif self._target is not None:
            self._hold()  # the page before asked for came empty: the start is reached
        else:
            self._near_top()

    def _first_page(self) -> None:
        place, self._restoring = self._restoring, None
        model = self.model()
        offset = place.offset if place.keep == "place" or model.anchor_found is not False else 0
        column = min(place.column, model.columnCount() - 1)
        # nothing came at or after the place, only rows before it: the last of them
        row = model.rowCount() - 1 if self._from_end else 0
        self._adjusting = True
        try:
            if place.select:
                index = model.index(row, column)
                self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.horizontalScrollBar().setValue(place.horizontal)
        finally:
            self._adjusting = False
        self._target = (QPersistentModelIndex(model.index(row, column)), offset)
        self._hold()

    def _hold(self) -> None:
        """Scroll so that the target row is at its distance from the top; ask for
        the rows before when there are not enough above it (then again when they
        come); done when it is there or nothing more can come."""
        if self._target is None:
            return
        index, offset = self._target
        if not index.isValid():
            self._target = None
            return
        row, bar = index.row(), self.verticalScrollBar()
        height = max(self.verticalHeader().defaultSectionSize(), 1)
        self.updateGeometries()  # the scroll bar's range takes rows just inserted
        if self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            # rows are whole at the top, but bottom-aligned at the end of the scroll: a
            # height between two rows is that end, which the floor reaches again
            wanted = row - offset // height
        else:
            wanted = self.verticalHeader().sectionPosition(row) - offset
        self._adjusting = True
        try:
            bar.setValue(max(0, min(wanted, bar.maximum())))
        finally:
            self._adjusting = False
        model = self.model()
        if wanted < 0 and model.can_fetch_before():
            model.fetch_before()  # then here again, when they are in
        else:
            self._target = None
            self._near_top()

    # -- the rows before ------------------------------------------------------------------
    def _on_scrolled(self, _value: int) -> None:
        if not self._adjusting:
            self._target = None  # the user moved: their scroll wins over a place being restored
        self._near_top()

    def _near_top(self) -> None:
        model = self.model()
        if model is None or self._target is not None or self._restoring is not None:
            return
        if model.rowCount() == 0 or not model.can_fetch_before():
            return
        if self.state() == QAbstractItemView.State.EditingState:
            return  # not under an open editor: asked again at the next scroll or page
        visible = self.viewport().height() // max(self.verticalHeader().defaultSectionSize(), 1)
        if max(self.rowAt(0), 0) < max(NEAR_TOP_ROWS, NEAR_TOP_SCREENS * visible):
            model.fetch_before()

    def rowsInserted(self, parent, start: int, end: int) -> None:
        super().rowsInserted(parent, start, end)
        model = self.model()
        count = end - start + 1
        if parent.isValid() or start != 0:
            return
        if model.rowCount() == count:  # the first rows of a load
            if self._restoring is not None:
                self._first_page()
            else:
                self._near_top()
            return
        self.rows_prepended.emit(count)
        if self._target is not None:
            self._hold()  # rows asked for to put a place back
            return
        # rows put before the first: keep what is on screen where it is
        bar = self.verticalScrollBar()
        self.updateGeometries()
        step = count if self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem else count * self.verticalHeader().defaultSectionSize()
        self._adjusting = True
        try:
            bar.setValue(bar.value() + step)
        finally:
            self._adjusting = False
        self._near_top()

    def closeEditor(self, editor, hint) -> None:
        super().closeEditor(editor, hint)
        self._near_top()  # it waited for the editor

    # -- Ctrl+Home ------------------------------------------------------------------------
    def moveCursor(self, action, modifiers):
        model = self.model()
        if (
            action == QAbstractItemView.CursorAction.MoveHome
            and modifiers & Qt.KeyboardModifier.ControlModifier
            and model is not None
            and not model.at_start
        ):
            self.first_row_requested.emit()  # the real first row: a load from the start
            return self.currentIndex()
        return super().moveCursor(action, modifiers)
