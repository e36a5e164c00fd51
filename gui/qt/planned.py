"""Pastes, fills and imports planned off the GUI thread, then applied as one undo
step (both windows).

:class:`Planner` runs one plan at a time for a window's tools.  A small one (a few
hundred cells, a few milliseconds) is made at once, on the GUI thread, against
the pending set itself; a bigger one on the ``plan`` lane against a copy of the
pending set (``snapshot()``), with its progress in the status bar and the window's
Cancel button to stop it.  The window stays usable meanwhile.  When the plan comes
back:

* Cancel was pressed: nothing changes (also when the worker had finished);
* the pending set changed meanwhile (an edit, an undo): planned again, on the
  lane, against the set as it is now;
* another table was opened: refused in words;
* otherwise applied, one undo step, by the caller's ``apply``.  Rows loaded again
  meanwhile (F5, rows put before them) change nothing: a plan names its cells by
  their key and holds the values the user saw when they pasted (the commit's
  compare-and-set catches a row changed since).

:class:`PlannedEdit` is the undo step of a plan of the window for any table:
its updates are ``CellEdits.prepare``'d on the worker, so the GUI thread applies
100,000 of them, and undoes and redoes them, in a few dict operations.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand

from ..data.edits import CellEdits
from ..data.prepared import Prepared
from ..data.errors import Cancelled, UserError
from ..data.planning import PlanRefused, off_the_gui_thread

PLAN_LANE = "plan"


class PlannedEdit(QUndoCommand):
    """Apply prepared updates to the pending set; undo applies their prepared
    inverse (what ``apply`` returns)."""

    def __init__(self, edits: CellEdits, updates: Prepared, text: str):
        super().__init__(text)
        self._edits = edits
        self._updates = updates
        self._previous = None

    def redo(self) -> None:
        self._previous = self._edits.apply(self._updates)

    def undo(self) -> None:
        self._edits.apply(self._previous)


class Planner(QObject):
    """One plan at a time for a window (see the module docstring)."""

    _progressed = Signal(int, int)  # emitted on the worker, delivered here (queued)

    def __init__(self, window, runner, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.task = None  # the plan running on the lane, if any
        self._what = ""
        self._label = ""  # what the status bar says while a plan runs
        self._progressed.connect(self._on_progress)

    @property
    def running(self) -> bool:
        return self.task is not None

    def busy(self, what: str) -> bool:
        """Whether a plan runs (then says so, naming ``what`` was asked)."""
        if self.task is None:
            return False
        self.window.show_message(f"{what}: {self._what.lower()} is being checked; wait for it or press Cancel.")
        return True

    def run(
        self,
        what: str,
        work: Callable,
        pending,
        apply: Callable[[object], None],
        refused: Callable[[PlanRefused], None],
        inline: bool,
        fresh: Callable[[], str | None] = lambda: None,
        label: str = "",
    ) -> None:
        """Make ``work(token, progress, pending_copy, state)``'s plan and hand it to
        ``apply`` (``refused`` for a :class:`PlanRefused`).

        ``pending`` is the window's pending set (``CellEdits`` or
        ``PendingChanges``); ``inline`` makes the plan here and now; ``fresh()``
        says why a plan that comes back cannot be applied any more (another
        table is open), ``None`` when it can; ``label`` says in the status bar
        what is being checked."""
        self._what = what
        if inline:
            try:
                plan = work(None, None, *_copy(pending, inline=True))
            except PlanRefused as error:
                refused(error)
                return
            apply(plan)
            return
        window = self.window
        changed = {"since": False}

        def on_change(_cells) -> None:
            changed["since"] = True

        def finish() -> None:
            pending.unsubscribe(on_change)
            window._untrack(self.task)  # noqa: SLF001 - the window's Cancel button stops tracked tasks
            self.task = None
            window.clear_status(self._label)  # "… checking … %" has had its moment, however it ended

        def done(plan) -> None:
            again, cancelled = changed["since"], self.task.token.cancelled
            finish()
            why = fresh()
            if cancelled:  # Cancel pressed after the worker's last look: still nothing changes
                window.show_status(f"{what} cancelled: nothing was changed.")
            elif why is not None:
                refused(PlanRefused(why, complete=True))
            elif again:
                window.show_status(f"{what}: the pending changes changed while it was checked; checking it again …")
                self.run(what, work, pending, apply, refused, False, fresh, label)
            else:
                window.clear_status()
                apply(plan)

        def failed(error: UserError) -> None:
            finish()
            if isinstance(error, PlanRefused):
                refused(error)
            elif isinstance(error, Cancelled):
                window.show_status(f"{what} cancelled: nothing was changed.")
            else:
                window.show_message(f"{what}: {error.title}: {error.message}")

        snapshot, state = _copy(pending, inline=False)
        pending.subscribe(on_change)
        progress = self._progressed.emit
        self.task = self.runner.submit(
            lambda token: _planned(work, token, progress, snapshot, state),
            lane=PLAN_LANE,
            on_done=done,
            on_error=failed,
            on_bug=lambda _bug: finish(),
        )
        self._label = label or f"{what}: checking"
        window.show_status(f"{self._label} … (Cancel stops it)")
        window._track(self.task)  # noqa: SLF001 - enables the window's Cancel button

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.task is not None and total:
            self.window.show_status(f"{self._label} … {100 * done // total} % (Cancel stops it)")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()


def _planned(work: Callable, *args):
    """``work(*args)`` on the worker (see :func:`gui.data.planning.off_the_gui_thread`)."""
    with off_the_gui_thread():
        return work(*args)


def _copy(pending, inline: bool) -> tuple:
    """The pending set to plan against and its state: the set itself (read-only)
    for a plan made here (the tutorial's set: a copy), a copy for a worker."""
    if inline and hasattr(pending, "view"):
        return pending.view(), pending.state
    return pending.snapshot(), getattr(pending, "state", None)
