"""The pending-change set: what the user has typed but not yet committed.

A change is keyed by ``x`` (as the tutorial's ``UPDATE ... WHERE x = :x``), so it
applies to every row with that ``x``.  Each change remembers the ``y`` values the
user saw for that ``x`` when it was loaded, so the commit can tell whether someone
else changed those rows in the meantime.

Every mutation goes through :meth:`PendingChanges.apply` (:class:`~gui.data.prepared.ChangeSet`), which returns the state it
replaced: that is all an undo stack or a journal needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from .config import TableSpec
from .errors import InvalidValue
from .prepared import ChangeSet
from .threads import pace

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# Longer than any 64-bit bound: out of range without calling int(), which refuses
# strings of more than 4,300 digits with a bare ValueError.
_MAX_SIGNIFICANT_DIGITS = 20
_SHOWN_CHARS = 40


def _shorten(text: str) -> str:
    """What the user typed, cut to fit a message line."""
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "\u2026"


def parse_value(raw: object, spec: TableSpec, column: str | None = None) -> int:
    """Validate what the user typed for the value column; never rounds or truncates.

    Accepts an ``int`` or text holding a whole number in the column's range
    (surrounding blanks are ignored).  Anything else raises :class:`InvalidValue`
    whose message says why, in words, naming ``column`` (the value column unless
    given: Go to x parses a key, of the same range).
    """
    name = column or spec.value
    if isinstance(raw, bool):
        raise InvalidValue(f"{raw!r} is not a whole number.")
    if isinstance(raw, int):
        value = raw
        shown = str(raw)
    elif isinstance(raw, str):
        shown = raw.strip()
        if not shown:
            raise InvalidValue(f"A value is required: {name} takes a whole number.")
        if not _WHOLE_NUMBER.fullmatch(shown):
            raise InvalidValue(f"'{_shorten(raw)}' is not a whole number: {name} takes whole numbers only.")
        digits = shown.lstrip("+-").lstrip("0") or "0"
        if len(digits) > _MAX_SIGNIFICANT_DIGITS:
            raise InvalidValue(
                f"{_shorten(shown)} is out of range: {name} takes whole numbers "
                f"from {spec.min_value} to {spec.max_value}."
            )
        value = -int(digits) if shown.startswith("-") else int(digits)
    else:
        raise InvalidValue(f"{raw!r} is not a whole number.")
    if not spec.min_value <= value <= spec.max_value:
        raise InvalidValue(
            f"{_shorten(shown)} is out of range: {name} takes whole numbers from {spec.min_value} to {spec.max_value}."
        )
    return value


@dataclass(frozen=True)
class PendingChange:
    key: int
    new: int
    # The values shown for this key when it was loaded (rows with value > threshold),
    # sorted; the commit compares them with the database to detect conflicts.
    seen: tuple[int, ...] = ()
    threshold: int | None = None
    # All values (hidden rows too) the user confirmed in the review, or None before a review.
    confirmed: tuple[int, ...] | None = None
    # ``seen`` is only the start of the key's rows: its run went on past the rows loaded
    # when the edit was made (a run of duplicates across a page boundary), so the rows
    # the filter shows must still hold those values, not those alone
    seen_partial: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "x": self.key,
            "y": self.new,
            "seen": list(self.seen),
            "threshold": self.threshold,
            "confirmed": None if self.confirmed is None else list(self.confirmed),
            "seen_partial": self.seen_partial,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object], spec: TableSpec) -> PendingChange:
        confirmed = data.get("confirmed")
        threshold = data.get("threshold")
        return cls(
            key=int(data["x"]),  # type: ignore[arg-type]
            new=parse_value(data["y"], spec),
            seen=tuple(sorted(int(v) for v in data.get("seen", ()))),  # type: ignore[union-attr]
            threshold=None if threshold is None else int(threshold),  # type: ignore[arg-type]
            confirmed=None if confirmed is None else tuple(sorted(int(v) for v in confirmed)),  # type: ignore[union-attr]
            seen_partial=bool(data.get("seen_partial", False)),
        )


Updates = Mapping[int, PendingChange | None]  # an undo step's changes (gui.qt.undo)


class PendingChanges(ChangeSet):
    """The set of pending changes, keyed by ``x``; listeners hear which keys changed."""

    def __init__(self, spec: TableSpec) -> None:
        super().__init__()
        self.spec = spec
        self._changes: dict[int, PendingChange]

    # -- reading -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._changes)

    def __bool__(self) -> bool:
        return bool(self._changes)

    def __contains__(self, key: object) -> bool:
        return key in self._changes

    def __iter__(self) -> Iterator[PendingChange]:
        return iter(self.changes())

    def get(self, key: int) -> PendingChange | None:
        return self._changes.get(key)

    def changes(self) -> list[PendingChange]:
        return [self._changes[k] for k in sorted(self._changes)]

    def snapshot(self) -> dict[int, PendingChange]:
        return dict(self._changes)

    # -- planning (pure: validates and computes, changes nothing) -------------
    def plan_edit(
        self, key: int, raw: object, seen: Iterable[int], threshold: int | None, seen_partial: bool = False
    ) -> dict[int, PendingChange | None]:
        """The update that setting ``key``'s value to ``raw`` means; raises :class:`InvalidValue`.

        ``seen`` are the database values loaded for ``key`` (``seen_partial``: only the
        start of its rows, the rest not loaded yet).  Setting a key back to the value
        all its rows had removes the pending change.
        """
        new = parse_value(raw, self.spec)
        existing = self._changes.get(key)
        if existing is not None:
            seen_t, threshold = existing.seen, existing.threshold
        else:
            seen_t = tuple(sorted(seen))
        if seen_t and all(v == new for v in seen_t) and not (existing is None and seen_partial):
            return {key: None}
        if existing is not None:
            return {key: replace(existing, new=new)}
        return {key: PendingChange(key, new, seen_t, threshold, seen_partial=seen_partial)}

    def plan_many(
        self, edits: Iterable[tuple[int, object, Iterable[int], int | None] | tuple[int, object, Iterable[int], int | None, bool]]
    ) -> dict[int, PendingChange | None]:
        """Plan several edits as one step, each ``(key, raw, seen, threshold)`` or
        with ``seen_partial`` as a fifth item (see :meth:`plan_edit`); the first
        refused value raises with its position."""
        updates: dict[int, PendingChange | None] = {}
        for position, (key, raw, seen, threshold, *partial) in enumerate(edits, start=1):
            if position % 1_000 == 0:
                pace()  # a worker's plan of a paste lets the GUI thread take the GIL (gui.data.threads)
            try:
                updates.update(self.plan_edit(key, raw, seen, threshold, bool(partial and partial[0])))
            except InvalidValue as error:
                raise InvalidValue(f"Item {position} ({self.spec.key} = {key}): {error.message}") from None
        return updates
