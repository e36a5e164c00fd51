"""One editing session, Qt-free: the connection (settings and engine), the edited
table, the pending set and its journal, what the server allows, and the review →
commit → conflicts flow as an explicit state machine.

States::

    idle ──start_review──▶ reviewing ──start_commit──▶ committing ──committed──▶ idle
      ▲                       │ review_failed / review_declined      │ commit_failed (a conflict)
      │                       ▼                                      ▼
      └──────────────────── idle ◀──── resolved / resolve_later ── resolving
                                         commit_failed (any other error) ──▶ idle

Every exit returns to idle with the pending set intact (what was committed is the
only thing that leaves it): success, an error the user can act on, a bug in the
work (:meth:`abort`), and Cancel.  Work that talks to the database is handed out as
a function of a :class:`~gui.data.connection.CancelToken` for the caller to run off
the GUI thread; its outcome comes back through the methods named for it.  The
window observes :attr:`state` through :meth:`subscribe` and never keeps a flag of
its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from .catalog import Writability
from .config import TableSpec
from .connection import CancelToken, ConnectionSettings
from .errors import Conflict, ConflictError, UserError
from .pending import PendingChanges
from .storage import Journal

if TYPE_CHECKING:
    # the review and the commit (SQLAlchemy's ORM, 40–70 ms to import) are imported
    # when first used: a window shows its first rows without them (bench/startup.py)
    from .commit import CommitResult, ReviewItem


class FlowState(Enum):
    IDLE = "idle"
    REVIEWING = "reviewing"  # counting what the commit would do, then the user reads the review
    COMMITTING = "committing"  # the transaction runs
    RESOLVING = "resolving"  # the commit found conflicts; the user chooses per change


class FlowError(RuntimeError):
    """A step of the flow was asked for in a state that does not allow it (a bug)."""


@dataclass(frozen=True)
class Resolution:
    """What resolving conflicts did: changes kept over the database's rows, changes
    dropped for the database's values, and changes left to decide at the next commit."""

    kept: int
    taken: int
    later: int


Listener = Callable[[FlowState], None]


class CommitFlow:
    """The state machine both editing sessions run (see the module docstring): the
    state, its listeners, and the steps any flow has.  A subclass holds the pending
    set and says what review, commit and resolving do; ``conflicts`` is what a
    commit found, kept while resolving."""

    #: the conflict error whose ``conflicts`` a failed commit resolves
    conflict_error: type[BaseException] = ConflictError

    def __init__(self) -> None:
        self._state = FlowState.IDLE
        self._listeners: list[Listener] = []
        self.conflicts: list = []  # while resolving

    # -- observing ---------------------------------------------------------------
    @property
    def state(self) -> FlowState:
        return self._state

    @property
    def idle(self) -> bool:
        return self._state is FlowState.IDLE

    def subscribe(self, listener: Listener) -> None:
        """``listener(state)`` after every change of state."""
        self._listeners.append(listener)

    def _enter(self, state: FlowState) -> None:
        self._state = state
        if state is not FlowState.RESOLVING:
            self.conflicts = []
        for listener in list(self._listeners):
            listener(state)

    def _expect(self, *states: FlowState) -> None:
        if self._state not in states:
            raise FlowError(f"the commit flow is {self._state.value}, not {' or '.join(s.value for s in states)}")

    # -- the steps every flow has ------------------------------------------------
    def review_failed(self, _error: BaseException | None = None) -> None:
        """The review's work failed or was cancelled: reviewing → idle."""
        self._expect(FlowState.REVIEWING)
        self._enter(FlowState.IDLE)

    def review_declined(self) -> None:
        """The user closed the review without committing: reviewing → idle."""
        self._expect(FlowState.REVIEWING)
        self._enter(FlowState.IDLE)

    def commit_failed(self, error: BaseException) -> None:
        """committing → resolving for conflicts (nothing was written), else → idle;
        nothing leaves the pending set."""
        self._expect(FlowState.COMMITTING)
        if isinstance(error, self.conflict_error):
            self.conflicts = list(error.conflicts)
            self._enter(FlowState.RESOLVING)
        else:
            self._enter(FlowState.IDLE)

    def abort(self) -> None:
        """Back to idle from wherever the flow is, the pending set as it is: for a bug
        in the work, or a window that must let go."""
        if not self.idle:
            self._enter(FlowState.IDLE)


class EditingSession(CommitFlow):
    """The editing state of one connection and table (see the module docstring)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        engine: Engine,
        spec: TableSpec,
        pending: PendingChanges,
        journal: Journal,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.spec = spec
        self.pending = pending
        self.journal = journal
        # what the server says this connection may do (None: not asked yet)
        self.writability: Writability | None = None
        # who is connected where, for titles: from the settings until the live
        # connection says (user on host:port/database)
        self.display_name = settings.display_name()
        self.conflicts: list[Conflict] = []  # while resolving

    @property
    def writable(self) -> bool:
        """The server said edits on this connection can be committed."""
        return self.writability is not None and self.writability.writable

    # -- review ------------------------------------------------------------------
    def can_commit(self) -> bool:
        return self.idle and bool(self.pending) and self.writable

    def start_review(self, threshold: int) -> Callable[[CancelToken], list[ReviewItem]]:
        """idle → reviewing; returns the work that counts, in the database, what each
        pending change would update (hidden rows too)."""
        from .commit import review  # noqa: PLC0415 - see the imports

        self._expect(FlowState.IDLE)
        if not self.pending:
            raise FlowError("nothing is pending")
        changes = self.pending.changes()
        engine, spec = self.engine, self.spec
        self._enter(FlowState.REVIEWING)
        return lambda token: review(engine, spec, changes, threshold, token)

    # -- commit ------------------------------------------------------------------
    def start_commit(self, items: Sequence[ReviewItem]) -> Callable[[CancelToken], CommitResult]:
        """reviewing → committing: the reviewed database state becomes part of each
        change (the commit insists on it); returns the work that commits."""
        from .commit import commit_changes, confirm  # noqa: PLC0415 - see the imports

        self._expect(FlowState.REVIEWING)
        changes = confirm(items)
        self.pending.apply({c.key: c for c in changes})
        engine, spec = self.engine, self.spec
        self._enter(FlowState.COMMITTING)
        return lambda token: commit_changes(engine, spec, changes, token)

    def committed(self, result: CommitResult) -> None:
        """committing → idle; what was committed leaves the pending set."""
        self._expect(FlowState.COMMITTING)
        self.pending.apply({c.key: None for c in result.committed})
        self._enter(FlowState.IDLE)

    # -- conflicts ---------------------------------------------------------------
    def resolve(self, choices: Mapping[int, bool | None]) -> Resolution:
        """resolving → idle with the user's choice per conflicting key: ``True`` keep
        mine (commit over the database's current rows knowingly), ``False`` take
        theirs (drop the change), ``None`` decide at the next commit."""
        from .commit import keep_mine  # noqa: PLC0415 - see the imports

        self._expect(FlowState.RESOLVING)
        updates, later = {}, 0
        for conflict in self.conflicts:
            change = self.pending.get(conflict.key)
            if change is None:
                continue
            choice = choices.get(conflict.key)
            if choice is None:
                later += 1  # stays pending as it is: it conflicts again at the next commit
                continue
            updates[conflict.key] = keep_mine(change, conflict) if choice else None
        self.pending.apply(updates)
        kept = sum(1 for v in updates.values() if v is not None)
        self._enter(FlowState.IDLE)
        return Resolution(kept, len(updates) - kept, later)

    def resolve_later(self) -> None:
        """The user closed the conflicts without choosing: every change stays as it is."""
        self._expect(FlowState.RESOLVING)
        self._enter(FlowState.IDLE)
