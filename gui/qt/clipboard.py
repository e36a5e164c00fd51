"""Edit → Copy and Paste on the table: the selection as tab-separated text with a
header line, and one column of values pasted into y from the selected cell down,
checked first and applied as one undo step (anything refused applies nothing).
One value pasted into a selection of several rows sets y of each of them, as a
spreadsheet fills a selection.

A paste of many values is planned on the ``plan`` lane (:mod:`gui.qt.planned`,
:func:`gui.data.planning.plan_key_paste`) with its progress in the status bar and
Cancel, the window usable meanwhile; a short one at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence

from ..data.wording import plural
from .icons import named_action
from .rows_model import VALUE_COLUMN
from .undo import PendingEdit

if TYPE_CHECKING:  # made at the first paste: it brings the planning and the codecs
    from .planned import Planner


class Clipboard(QObject):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.spec = window.spec
        self._planner: Planner | None = None
        # on the table only: an open cell editor (a QLineEdit) keeps its own copy and paste
        self.copy_action = named_action(window, "&Copy", "Copy", self.copy_selection, QKeySequence.StandardKey.Copy, "copy")
        self.paste_action = named_action(window, "&Paste", "Paste", self.paste, QKeySequence.StandardKey.Paste, "paste")
        window.edit_menu.addSeparator()
        for action in (self.copy_action, self.paste_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            window.view.addAction(action)
            window.edit_menu.addAction(action)

    @property
    def planner(self) -> Planner:
        """Plans a paste off the GUI thread (made when first needed)."""
        if self._planner is None:
            from .planned import Planner  # noqa: PLC0415 - see the imports

            self._planner = Planner(self.window, self.window.runner, self)
        return self._planner

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
        """Paste one column of values into y from the selected row down, as one undo
        step; one value into every selected row when several are selected."""
        if not self.window.can_edit("Paste") or self.planner.busy("Paste"):
            return
        view = self.window.view
        start = view.currentIndex()
        if not start.isValid():
            self.window.show_message(f"Paste: select the {self.spec.value} cell to paste into first.")
            return
        from ..data.planning import block_rows  # noqa: PLC0415 - see paste_text

        selection = view.selectionModel().selection()
        selected = block_rows([(r.top(), r.bottom()) for r in selection]).tolist()
        self.paste_text(QGuiApplication.clipboard().text(), start.row(), selected)

    def paste_text(self, text: str, first_row: int, selected=()) -> str | None:
        """Apply ``text`` from ``first_row`` on (one value into each ``selected`` row
        when there are several); says why nothing was applied in the message line
        and returns it when that is known at once, else None (a big paste is
        planned on a worker and says so when it is done)."""
        # imported at the first paste, not to start (the planning brings the codecs)
        import numpy as np  # noqa: PLC0415

        from ..data.planning import INLINE_CELLS, KeyRows, PlanRefused, fields_in, plan_key_paste  # noqa: PLC0415

        window, model, spec = self.window, self.window.model, self.spec
        if self.planner.busy("Paste"):
            return "Paste: a paste is being checked."
        xs, ys = model.loaded_columns()  # views that later pages leave as they are
        rows = KeyRows(spec, xs, ys, model.canFetchMore(), model.threshold)
        outcome: dict[str, str | None] = {"refused": None}

        pending_set = window.pending

        def work(token, progress, pending, state):
            updates, count, filled = plan_key_paste(rows, text, first_row, pending, token, progress, selected)
            # made ready here for one quick apply, undo and redo on the GUI thread (gui.data.prepared)
            return pending_set.prepare(updates, pending, state), count, filled

        def same_rows() -> bool:
            """Whether the rows the plan read are still the rows loaded from the top."""
            xs_now, ys_now = model.loaded_columns()
            n = len(xs)
            return len(xs_now) >= n and np.array_equal(xs_now[:n], xs) and np.array_equal(ys_now[:n], ys)

        def refused(error: PlanRefused) -> None:
            outcome["refused"] = error.message
            window.show_message(error.message)

        def apply(planned) -> None:
            updates, count, filled = planned
            if not window.can_edit("Paste"):
                return
            if filled:
                text_ = f"Paste one value into {plural(len(selected), 'cell')} of {spec.value}"
            else:
                text_ = f"Paste {plural(count, 'value')} into {spec.value}"
            if updates:
                window.undo_stack.push(PendingEdit(window.pending, updates, text_))
            if not filled and same_rows():  # after a reload the rows may be elsewhere
                last = first_row + count - 1
                view = window.view
                view.selectionModel().select(self._range(first_row, last), view.selectionModel().SelectionFlag.ClearAndSelect)
            if filled:
                window.show_status(f"{text_}: {plural(len(updates), 'pending change')} changed." if updates else "Paste: the values are already there.")
            else:
                window.show_status(
                    f"Pasted {plural(count, 'value')}: {plural(len(updates), 'pending change')} changed." if updates else "Paste: the values are already there."
                )

        inline = fields_in(text) <= INLINE_CELLS and len(selected) <= INLINE_CELLS
        # rows loaded again meanwhile change nothing: the plan names its rows by x and
        # holds what was seen when the user pasted
        self.planner.run("Paste", work, window.pending, apply, refused, inline, label=f"Paste: checking the values for {spec.value}")
        return outcome["refused"] if inline else None

    def _range(self, first: int, last: int) -> QItemSelection:
        model = self.window.model
        return QItemSelection(model.index(first, VALUE_COLUMN), model.index(last, VALUE_COLUMN))
