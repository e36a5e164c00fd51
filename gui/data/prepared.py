"""Updates of a pending set made ready off the GUI thread, applied there in one go
(Qt-free; both windows' sets, :class:`~gui.data.edits.CellEdits` and
:class:`~gui.data.pending.PendingChanges`).

A paste, a fill or an import of 100,000 cells is planned on a worker; applied one
by one through Python on the GUI thread it took 300 ms there (issue 12: the GUI
thread is not to stop for more than 50 ms, and an undo or a redo is to cost it
under 16 ms).  :class:`Prepared` works out on the worker what the updates replace
and change, and their inverse, so the set applies them, undoes and redoes them
with a few dict operations in C (:func:`apply_prepared`) that reuse the hashes
the dicts and sets already hold.  Listeners then hear a :class:`Changed`, the
changed ids with what each now holds, so none of them needs to look 100,000 ids
up again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class Changed(frozenset):
    """What the listeners of a pending set hear: the ids (cells, keys) whose
    pending change was set or removed (this set), with :attr:`to_set` (``{id: its
    change now}``) and :attr:`removed` (the ids that have none now).  A listener
    that needs each one's change (the journal) takes these as they are: looking
    up 100,000 cells again held the GUI thread about 100 ms (their ids hashed anew)."""

    __slots__ = ("to_set", "removed")

    def __new__(cls, to_set: Mapping[Any, Any], removed: frozenset) -> Changed:
        changed = super().__new__(cls, removed.union(to_set))  # the set's and the dict's hashes, not hashed again
        changed.to_set, changed.removed = to_set, removed
        return changed


def split_updates(
    updates: Mapping[Any, Any], changes: Mapping[Any, Any], check: Callable[[Any, Any], None] | None = None
) -> tuple[dict, dict, list]:
    """What ``updates`` (``{id: change or None}``) do to ``changes``: what they
    replace (for every id they name), the changes they set (new or other than the
    one there) and the ids whose change they remove.  ``check(id, change)`` raises
    for a change filed under the wrong id."""
    previous: dict = {}
    to_set: dict = {}
    removed: list = []
    get = changes.get
    for id_, new in updates.items():
        old = get(id_)
        previous[id_] = old
        if new is None:
            if old is not None:
                removed.append(id_)
        elif old is None or (new is not old and new != old):
            if check is not None:
                check(id_, new)
            to_set[id_] = new
    return previous, to_set, removed


class Prepared(Mapping):
    """Updates of a pending set made ready to apply in one go (its ``prepare``):
    planned against the set in state :attr:`before`, they bring it to
    :attr:`after`; their :attr:`inverse` brings it back.  As a mapping they are
    the updates themselves, so a set in another state applies them as any updates.
    Pure: made on a worker from a copy of the set the caller no longer changes."""

    def __init__(
        self, updates: Mapping[Any, Any], pending: Mapping[Any, Any], before: object, check: Callable[[Any, Any], None] | None = None
    ) -> None:
        previous, self.to_set, removed = split_updates(updates, pending, check)
        self.removed = frozenset(removed)  # a set: its hashes are kept (see apply_prepared)
        self._updates = updates
        self.before, self.after = before, object()
        self.changed = Changed(self.to_set, self.removed)
        back = {id_: previous[id_] for id_ in self.changed}
        self.inverse = Prepared.__new__(Prepared)
        inverse = self.inverse
        inverse._updates = previous
        inverse.before, inverse.after = self.after, self.before
        inverse.to_set = {id_: old for id_, old in back.items() if old is not None}
        inverse.removed = frozenset(id_ for id_, old in back.items() if old is None)
        inverse.changed = Changed(inverse.to_set, inverse.removed)
        inverse.inverse = self

    def __getitem__(self, id_: Any) -> Any:
        return self._updates[id_]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._updates)

    def __len__(self) -> int:
        return len(self._updates)


def apply_prepared(changes: dict, updates: Prepared) -> None:
    """``updates`` applied to ``changes``, which must be in their :attr:`~Prepared.before`
    state, by the dict in C."""
    removed = updates.removed
    if len(removed) == len(changes):
        changes.clear()  # the undo of a paste into an empty set: no id hashed again
    elif len(removed) > len(changes) // 2:
        # most of it goes: keep the rest, found by the hashes the dict and the set hold
        kept = {id_: changes[id_] for id_ in changes.keys() - removed}
        changes.clear()
        changes.update(kept)
    else:
        deque(map(changes.__delitem__, removed), maxlen=0)
    changes.update(updates.to_set)


class ChangeSet:
    """A set of pending changes keyed by an id (the tutorial's ``x``, or a cell),
    the state that :class:`Prepared` updates are checked against, and listeners that
    hear what changed (a :class:`Changed`).  A subclass may give ``_check(id,
    change)``, raising for a change filed under the wrong id."""

    _check: Callable[[Any, Any], None] | None = None

    def __init__(self) -> None:
        self._changes: dict = {}
        self._state = object()
        self._listeners: list[Callable[[Changed], None]] = []

    @property
    def state(self) -> object:
        """What identifies the set's content now: a new object after every change,
        the one from before when an undo puts the content back (see :class:`Prepared`)."""
        return self._state

    def prepare(self, updates: Mapping[Any, Any], pending: Mapping[Any, Any] | None = None, state: object = None) -> Prepared:
        """``updates`` made ready to :meth:`apply` in one go: what they replace and
        what they change, worked out here rather than on the GUI thread.

        ``pending`` and ``state`` are the set the updates were planned against and
        its :attr:`state` when it was taken (a snapshot for a worker thread); this
        set and its state by default.  Pure: safe on any thread for a snapshot the
        caller no longer changes."""
        if pending is None:
            pending, state = self._changes, self._state
        return Prepared(updates, pending, state, self._check)

    def apply(self, updates: Mapping[Any, Any]) -> dict | Prepared:
        """Apply ``updates`` (``None`` removes an id's change); returns what they
        replaced, for undo (applying it restores the state before).

        :class:`Prepared` updates whose state is this set's now are applied by
        the dict in C (what they replace was worked out when they were prepared)
        and return their prepared inverse, so an undo and a redo are as quick: 100,000
        changes of a paste took 300 ms here when each went through Python, and
        the GUI thread is not to stop for more than 50 ms.  Any other updates, or
        prepared ones whose set has changed since, are applied one by one."""
        changes = self._changes
        if isinstance(updates, Prepared) and updates.before is self._state:
            apply_prepared(changes, updates)
            self._state = updates.after
            if updates.changed:
                self._notify(updates.changed)
            return updates.inverse
        previous, to_set, removed = split_updates(updates, changes, self._check)
        for id_ in removed:
            del changes[id_]
        changes.update(to_set)
        if removed or to_set:
            self._state = object()
            self._notify(Changed(to_set, frozenset(removed)))
        return previous

    def clear(self) -> dict:
        return self.apply({id_: None for id_ in self._changes})

    def subscribe(self, listener: Callable[[Changed], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Changed], None]) -> None:
        self._listeners.remove(listener)

    def _notify(self, changed: Changed) -> None:
        for listener in list(self._listeners):
            listener(changed)
