"""Database work off the GUI thread, with results delivered back as queued signals.

Each *lane* is one worker thread, so the work of a lane runs in order (pages of one
result never overtake each other) while a slow count does not hold up the rows.
Errors the user can act on (:class:`~gui.data.errors.UserError`) go to the task's
``on_error``; anything else is a bug and is handed to ``sys.excepthook`` on the GUI
thread, never swallowed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from ..data.connection import CancelToken
from ..data.errors import UserError, translate


# lanes whose queued work runs to its end at shutdown instead of being dropped
FLUSHED_LANES = frozenset({"journal"})


@dataclass(eq=False)
class Task:
    fn: Callable[[CancelToken], object]
    on_done: Callable[[object], None] | None = None
    on_error: Callable[[UserError], None] | None = None
    lane: str = "db"
    # after a bug in ``fn`` (before it reaches the excepthook): put the caller back
    # into a usable state, since neither on_done nor on_error will run
    on_bug: Callable[[BaseException], None] | None = None
    token: CancelToken = field(default_factory=CancelToken)
    result: object = None
    error: UserError | None = None
    bug: BaseException | None = None
    discarded: bool = False

    def cancel(self) -> None:
        """Ask the server to stop the running statement; the task then fails with Cancelled."""
        self.token.cancel()

    def discard(self) -> None:
        """Its result is no longer wanted (a newer query replaced it): no callback will run."""
        self.discarded = True


class TaskRunner(QObject):
    busy_changed = Signal(bool)
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._lanes: dict[str, ThreadPoolExecutor] = {}
        self._active: set[Task] = set()
        self._finished.connect(self._on_finished)

    def submit(self, fn, *, on_done=None, on_error=None, lane: str = "db", on_bug=None) -> Task:
        task = Task(fn, on_done, on_error, lane, on_bug=on_bug)
        executor = self._lanes.get(lane)
        if executor is None:
            executor = self._lanes[lane] = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"db-{lane}")
        was_busy = bool(self._active)
        self._active.add(task)
        executor.submit(self._run, task)
        if not was_busy:
            self.busy_changed.emit(True)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def _run(self, task: Task) -> None:  # on a worker thread
        try:
            task.result = task.fn(task.token)
        except UserError as error:
            task.error = error
        except BaseException as error:  # noqa: BLE001 - re-raised on the GUI thread below
            mapped = translate(error)
            if mapped is not None:
                task.error = mapped
            else:
                task.bug = error
        self._finished.emit(task)

    @Slot(object)
    def _on_finished(self, task: Task) -> None:
        self._active.discard(task)
        try:
            if task.bug is not None:
                try:
                    if task.on_bug is not None and not task.discarded:
                        task.on_bug(task.bug)
                finally:
                    sys.excepthook(type(task.bug), task.bug, task.bug.__traceback__)
            elif task.discarded:
                pass
            elif task.error is not None:
                if task.on_error is None:
                    raise task.error
                task.on_error(task.error)
            elif task.on_done is not None:
                task.on_done(task.result)
        finally:
            if not self._active:
                self.busy_changed.emit(False)

    def cancel_all(self) -> None:
        for task in list(self._active):
            task.cancel()

    def shutdown(self) -> None:
        """Cancel what runs, wait for the threads, drop pending callbacks.  The work
        queued on a lane of :data:`FLUSHED_LANES` still runs to its end (a journal
        write holding the last edits must reach the disk before the app quits); only
        its callbacks are dropped."""
        for task in list(self._active):
            task.discard()
            if task.lane not in FLUSHED_LANES:
                task.cancel()
        for name, executor in self._lanes.items():  # every lane's queue dropped at once
            executor.shutdown(wait=False, cancel_futures=name not in FLUSHED_LANES)
        for executor in self._lanes.values():
            executor.shutdown(wait=True)
        self._lanes.clear()
