"""The editing session of any table, Qt-free: the relation as it was opened, the
pending cell edits, and the review → commit → conflicts flow as the same explicit
state machine as the tutorial's (:class:`gui.data.session.FlowState`)::

    idle ──start_review──▶ reviewing ──start_commit──▶ committing ──committed──▶ idle
      ▲                       │ review_failed / review_declined      │ commit_failed (conflicts)
      │                       ▼                                      ▼
      └───────────── idle ◀── resolve / resolve_each / resolved ── resolving
                                         commit_failed (any other error) ──▶ idle

Every exit returns to idle with the pending edits intact — only what was committed
leaves them: success, an error the user can act on, a bug in the work
(:meth:`abort`), and Cancel.  Database work is handed out as a function of a
:class:`~gui.data.connection.CancelToken` for the caller to run off the GUI thread;
its outcome comes back through the method named for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from .cell_commit import (
    CellCommitResult,
    CellConflictError,
    CellReview,
    CellReviewItem,
    commit_cells,
    confirm_cells,
    keep_mine_cell,
    review_cells,
)
from .connection import CancelToken
from .edits import CellChange, CellEdits, CellId, Key, sorted_keys, value_text
from .opening import OpenedTable
from .session import CommitFlow, FlowError, FlowState



def ordered_changes(schema, changes) -> list[CellChange]:
    """``changes`` by key, then by the column's position in the table (the order of
    :meth:`CellEdits.changes`), for a snapshot taken on another thread."""
    position = {c.name: i for i, c in enumerate(schema.columns)}
    by_key: dict = {}
    for change in changes:
        by_key.setdefault(change.key, []).append(change)
    ordered: list[CellChange] = []
    for key in sorted_keys(by_key):
        ordered.extend(sorted(by_key[key], key=lambda c: position.get(c.column, len(position))))
    return ordered


@dataclass(frozen=True)
class CellResolution:
    kept: int  # changes kept over what the rows hold now
    taken: int  # changes dropped for the database's values
    later: int  # changes left as they were, checked again at the next commit


@dataclass(frozen=True)
class PlannedResolution:
    """What the user's choices do to the pending edits (:func:`plan_resolution`)."""

    updates: Mapping[CellId, CellChange | None]  # a dict, or Prepared from start_resolving
    outcome: CellResolution


def plan_resolution(
    conflicts: Sequence[tuple[CellChange, tuple[object, ...]]],
    choices: Sequence[bool | None],
    pending: Callable[[Key, str], CellChange | None],
) -> PlannedResolution:
    """The updates for one choice per conflict (``True`` keep mine over the rows'
    current values, ``False`` take theirs: the change is dropped, ``None`` decide
    later); a change no longer ``pending`` (reverted) is left alone.  Qt-free and
    pure: any thread.

    A change left for later stays pending as the user made it, checked again at the
    next commit against what they saw: what a review confirmed before this conflict
    (``confirmed``) is forgotten, else the next review would take the rows' values
    now as confirmed and the commit would write over theirs without a conflict."""
    updates: dict[CellId, CellChange | None] = {}
    kept = taken = later = 0
    for (change, now), choice in zip(conflicts, choices):
        current = pending(*change.cell)
        if current is None:
            continue
        if choice is None:
            later += 1
            if current.confirmed is not None:
                updates[change.cell] = replace(current, confirmed=None)
        elif choice:
            kept += 1
            updates[change.cell] = keep_mine_cell(change, now)
        else:
            taken += 1
            updates[change.cell] = None
    return PlannedResolution(updates, CellResolution(kept, taken, later))


class CellSession(CommitFlow):
    """The editing state of one relation on one connection (see the module docstring)."""

    conflict_error = CellConflictError

    def __init__(self, engine: Engine, opened: OpenedTable, edits: CellEdits) -> None:
        super().__init__()
        self.engine = engine
        self.opened = opened
        self.edits = edits
        self.conflicts: list[tuple[CellChange, tuple[object, ...]]] = []  # while resolving

    # -- review ------------------------------------------------------------------
    def start_review(self) -> Callable[[CancelToken], CellReview]:
        """idle → reviewing; the work counts each change's rows in the database
        (hidden ones too) and has the server check every new value."""
        self._expect(FlowState.IDLE)
        if not self.edits:
            raise FlowError("nothing is pending")
        pending = self.edits.snapshot()  # a dict copy; put in order on the lane (0.75 s for 100,000)
        engine, schema, codecs = self.engine, self.opened.schema, self.opened.codecs
        self._enter(FlowState.REVIEWING)
        return lambda token: review_cells(engine, schema, codecs, ordered_changes(schema, pending.values()), token)

    def stale(self, items: Sequence[CellReviewItem]) -> list[tuple[CellChange, tuple[object, ...]]]:
        """The reviewed changes whose rows no longer hold a value the user saw when
        they were loaded (another client changed or deleted them since), with what
        the rows hold now.  A change the user already decided to keep over the
        database's rows (``confirmed``) is not stale.  Rows the filter hid may hold
        anything: only the values the user saw must still be there."""
        found = []
        for item in items:
            change = item.change
            if change.confirmed is not None:
                continue
            codec = self.opened.codecs[change.column]
            now = Counter(value_text(codec, v) for v in item.current)
            seen = Counter(value_text(codec, v) for v in change.seen)
            if seen - now:
                found.append((change, item.current))
        return found

    def review_found_conflicts(self, conflicts: Sequence[tuple[CellChange, tuple[object, ...]]]) -> None:
        """reviewing → resolving: the review found rows changed since they were
        loaded; nothing is committed until the user decides."""
        self._expect(FlowState.REVIEWING)
        self.conflicts = list(conflicts)
        self._state = FlowState.RESOLVING
        for listener in list(self._listeners):
            listener(FlowState.RESOLVING)

    # -- commit ------------------------------------------------------------------
    def start_commit(self, items: Sequence[CellReviewItem]) -> tuple[list[CellChange], Callable[[CancelToken], CellCommitResult]]:
        """reviewing → committing: what the review showed becomes what each change
        insists on; returns the changes and the work that commits them."""
        self._expect(FlowState.REVIEWING)
        changes = confirm_cells(items)
        self.edits.apply({c.cell: c for c in changes})
        engine, schema, codecs = self.engine, self.opened.schema, self.opened.codecs
        self._enter(FlowState.COMMITTING)
        return changes, lambda token: commit_cells(engine, schema, codecs, changes, token)

    def committed(self, changes: Sequence[CellChange]) -> None:
        """committing → idle; what was committed leaves the pending edits (an edit
        made to the same cell since is not there: none can be made while committing)."""
        self._expect(FlowState.COMMITTING)
        self.edits.apply({c.cell: None for c in changes})
        self._enter(FlowState.IDLE)

    # -- conflicts ---------------------------------------------------------------
    def resolve(self, keep_mine: bool | None) -> CellResolution:
        """resolving → idle, one choice for every conflicting change: ``True`` keeps
        them over what the rows hold now, ``False`` drops them for the database's
        values, ``None`` leaves them to the next commit."""
        self._expect(FlowState.RESOLVING)
        return self.resolved(plan_resolution(self.conflicts, [keep_mine] * len(self.conflicts), self.edits.get))

    def resolve_each(self, choices: Mapping[CellId, bool | None]) -> CellResolution:
        """resolving → idle with the user's choice per conflicting change, by its cell
        ``(key, column)``: ``True`` keep mine (commit over the rows' current values
        knowingly), ``False`` take theirs (drop the change), ``None`` (or no entry)
        decide at the next commit.  Plans on this thread: for many, see
        :meth:`start_resolving`."""
        self._expect(FlowState.RESOLVING)
        per_conflict = [choices.get(change.cell) for change, _now in self.conflicts]
        return self.resolved(plan_resolution(self.conflicts, per_conflict, self.edits.get))

    def start_resolving(self, choices: Sequence[bool | None]) -> Callable[[CancelToken], PlannedResolution]:
        """The work that turns the user's choice per conflict (``choices``, in the
        order of :attr:`conflicts`; see :meth:`resolve_each`) into updates of the
        pending edits, to run off the GUI thread (100,000 changes kept over theirs
        take a second); :meth:`resolved` applies them.  The flow stays resolving
        meanwhile: the edits must not change until then."""
        self._expect(FlowState.RESOLVING)
        if len(choices) != len(self.conflicts):
            raise FlowError(f"{len(choices)} choices for {len(self.conflicts)} conflicts")
        edits, conflicts = self.edits, list(self.conflicts)
        pending, state = edits.snapshot(), edits.state  # a copy: planned on another thread

        def work(_token) -> PlannedResolution:
            planned = plan_resolution(conflicts, choices, lambda key, column: pending.get((key, column)))
            # what the updates replace worked out here too: applied by the dict in C
            return PlannedResolution(edits.prepare(planned.updates, pending, state), planned.outcome)

        return work

    def resolved(self, planned: PlannedResolution) -> CellResolution:
        """resolving → idle: the planned updates applied to the pending edits."""
        self._expect(FlowState.RESOLVING)
        self.edits.apply(planned.updates)
        self._enter(FlowState.IDLE)
        return planned.outcome
