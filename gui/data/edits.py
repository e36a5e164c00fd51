"""The pending-change set for any table: one change per row key and column.

A :class:`CellChange` says "set ``column`` of the row(s) whose key columns hold
``key`` to ``new``".  A chosen key (``TableSchema.with_key``) may match several
rows, which then change together; so each change remembers the column's values the
user saw for *every* row with that key (``seen``), and, once reviewed, what the
review found in the database (``confirmed``): the commit writes only if the rows
still hold exactly those (see :mod:`gui.data.cell_commit`).

Three forms of a value meet here:

* ``key`` and ``seen`` hold values as the loaded columns give them
  (``ColumnData.value``): ``int``, ``Decimal``, ``float``, ``bool``, ``str``,
  ``date``, naive or UTC-aware ``datetime``; a column read as text (``time``,
  ``uuid``, ``json``, an enum ...) gives the server's text of it.
* ``new`` is what the column's codec parsed (``codec.parse``).
* The journal holds each as the codec's lossless text (``to_text``), NULL as JSON
  ``null``.

Values are compared through their text form (:func:`value_text`), not with
``==``: a ``time`` column gives ``'13:45:00'`` when loaded and
``datetime.time(13, 45)`` when parsed, and both are the same value.

Every mutation goes through :meth:`CellEdits.apply` (:class:`~gui.data.prepared.ChangeSet`), which returns what it
replaced: that is all an undo stack or a journal needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .codecs import Codec, DateCodec, TimeCodec, TimestampCodec, codec_for
from .errors import InvalidValue
from .prepared import ChangeSet
from .schema import Column, TableSchema
from .transport import column_kind

Key = tuple[object, ...]
CellId = tuple[Key, str]


@dataclass(frozen=True)
class CellChange:
    key: Key  # the key columns' values of the row(s), in schema.key order; never None
    column: str
    new: object  # the new value as the column's codec parses it; None = set to NULL
    # the column's values the user saw loaded for the rows with this key (one for a
    # unique key), sorted (NULL first); None = NULL
    seen: tuple[object, ...]
    # every row's value with this key (hidden rows too) as confirmed in the review,
    # sorted; None before a review
    confirmed: tuple[object, ...] | None = None

    @property
    def cell(self) -> CellId:
        return (self.key, self.column)

    @property
    def expected(self) -> tuple[object, ...]:
        """What the rows must hold for the commit to write: the reviewed values, else
        the ones seen."""
        return self.seen if self.confirmed is None else self.confirmed


# -- values ------------------------------------------------------------------------


def column_codecs(schema: TableSchema, time_zone: str = "UTC", dialect: str = "postgresql") -> dict[str, Codec]:
    """The codec of every column: a domain's is its base type's (the server checks
    the domain's constraints, see ``cell_commit.review_cells``); an enum's knows its
    labels; NOT NULL (the column's or the domain's) makes it refuse NULL."""
    return {
        c.name: codec_for(
            c.base_type, nullable=c.nullable, enum_labels=c.enum_labels, time_zone=time_zone, dialect=dialect  # type: ignore[arg-type]
        )
        for c in schema.columns
    }


def value_text(codec: Codec, value: object) -> str | None:
    """``value`` (loaded or parsed) as the codec's lossless text; ``None`` for NULL.

    A ``str`` the codec does not take as a value of its type is the server's own
    text of the value (the loaded columns read ``time``, ``uuid``, ``json``,
    enums ... as text), which the type's input reads back: it is its own text.
    """
    if value is None:
        return None
    try:
        return codec.to_text(value)
    except (TypeError, ValueError):
        if isinstance(value, str):
            return value
        raise


def loaded_value(codec: Codec, column: Column, value: object) -> object:
    """A parsed value in the form the loaded columns hold it (``ColumnData.value``),
    so a key read back from the journal finds its row again."""
    if value is None:
        return None
    if codec.dialect == "sqlite":
        # the demo keeps dates and times as ISO text
        return codec.to_bind(value) if isinstance(codec, (DateCodec, TimeCodec, TimestampCodec)) else value
    wire = column_kind(column.base_type)
    if wire.kind == "text" and not isinstance(value, str):
        return codec.format(value)  # read as the server's text of it
    if wire.kind == "float" and wire.dtype is not None and wire.dtype.itemsize == 4:
        return float(codec.format(value))  # a real is read as its shortest decimal
    return value


def sorted_values(values: Iterable[object]) -> tuple[object, ...]:
    """``values`` in a fixed order, NULL first (a multiset's canonical form)."""
    values = list(values)
    try:
        return tuple(sorted(values, key=lambda v: (v is not None, 0 if v is None else v)))
    except TypeError:  # SQLite lets one column hold values of several types
        return tuple(sorted(values, key=lambda v: (v is not None, type(v).__name__, repr(v))))


def sorted_keys(keys: Iterable[Key]) -> list[Key]:
    keys = list(keys)
    try:
        return sorted(keys)  # type: ignore[type-var]
    except TypeError:
        return sorted(keys, key=lambda k: tuple((type(v).__name__, repr(v)) for v in k))


def _shown_key(schema: TableSchema, key: Key) -> str:
    return ", ".join(f"{name} = {value!r}" for name, value in zip(schema.key, key))


def planned_change(
    codec: Codec,
    key: Key,
    column: str,
    new: object,
    new_text: str | None,
    seen: Sequence[object],
    existing: CellChange | None,
) -> CellChange | None:
    """The pending change (``None``: none) that setting the cell to ``new`` (whose
    lossless text is ``new_text``) means, given the values ``seen`` loaded for its
    rows and the cell's ``existing`` change: the value every seen row already holds
    drops the change; a cell changed again keeps the ``seen`` (and ``confirmed``)
    of its first change.  The one rule :meth:`CellEdits.plan_edit` and the bulk
    planners (:mod:`gui.data.planning`) share."""
    if existing is not None:
        seen_t = existing.seen
    elif len(seen) == 1:
        seen_t = (seen[0],)  # one row: nothing to sort
    else:
        seen_t = sorted_values(seen)
    if seen_t and all(value_text(codec, v) == new_text for v in seen_t):
        return None
    if existing is not None:
        return CellChange(existing.key, existing.column, new, existing.seen, existing.confirmed)
    return CellChange(key, column, new, seen_t)


# -- the pending set -----------------------------------------------------------------


def changes_to_json(schema: TableSchema, codecs: Mapping[str, Codec], changes: Iterable[CellChange]) -> list[dict[str, Any]]:
    """``changes`` as :meth:`CellEdits.to_json` writes them; safe on any thread for a
    list the caller no longer changes (a journal write works on a snapshot)."""
    entries = []
    for change in changes:
        codec = codecs[change.column]
        entries.append(
            {
                "key": [value_text(codecs[name], v) for name, v in zip(schema.key, change.key)],
                "column": change.column,
                "new": value_text(codec, change.new),
                "seen": [value_text(codec, v) for v in change.seen],
                "confirmed": None if change.confirmed is None else [value_text(codec, v) for v in change.confirmed],
            }
        )
    return entries


class CellEdits(ChangeSet):
    """The pending changes of one table, keyed by ``(key, column)``; listeners hear
    which cells changed."""

    def __init__(self, schema: TableSchema, codecs: Mapping[str, Codec]) -> None:
        super().__init__()
        self.schema = schema
        self.codecs = dict(codecs)
        self._changes: dict[CellId, CellChange]
        self._position = {c.name: i for i, c in enumerate(schema.columns)}

    @staticmethod
    def _check(cell: CellId, change: CellChange) -> None:
        _check_filed(cell, change)  # defined below the class

    # -- reading -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._changes)

    def __bool__(self) -> bool:
        return bool(self._changes)

    def __contains__(self, cell: object) -> bool:
        return cell in self._changes

    def __iter__(self) -> Iterator[CellChange]:
        return iter(self.changes())

    def get(self, key: Key, column: str) -> CellChange | None:
        return self._changes.get((tuple(key), column))

    def changes(self) -> list[CellChange]:
        """Every change, by key, then by the column's position in the table."""
        by_key: dict[Key, list[CellChange]] = {}
        for change in self._changes.values():
            by_key.setdefault(change.key, []).append(change)
        ordered = []
        for key in sorted_keys(by_key):
            ordered.extend(sorted(by_key[key], key=lambda c: self._position.get(c.column, len(self._position))))
        return ordered

    def snapshot(self) -> dict[CellId, CellChange]:
        """A copy of the pending set (a worker thread plans against it)."""
        return dict(self._changes)

    def view(self) -> Mapping[CellId, CellChange]:
        """The pending set, read-only and not copied (for planning on this thread)."""
        return MappingProxyType(self._changes)

    def changes_of(self, cells: Iterable[CellId]) -> dict[CellId, CellChange | None]:
        """Each of ``cells`` with its change (``None``: none), looked up by the dict
        in C (100,000 cells in a few milliseconds)."""
        cells = list(cells)
        return dict(zip(cells, map(self._changes.get, cells)))

    # -- planning (pure: validates and computes, changes nothing) -------------
    def plan_edit(
        self, key: Sequence[object], column: str, raw: str | None, seen: Sequence[object]
    ) -> dict[CellId, CellChange | None]:
        """The update that setting ``column`` of the rows with ``key`` to ``raw``
        means (``None``: set to NULL); raises :class:`InvalidValue` saying why not.

        ``seen`` are the column's values loaded for the rows with ``key``.  Setting
        the value every seen row already holds removes the pending change; a cell
        edited again keeps the ``seen`` (and ``confirmed``) of its first edit.
        """
        return self._plan(tuple(key), column, raw, seen, self._changes.get((tuple(key), column)))

    def _plan(
        self, key: Key, column: str, raw: str | None, seen: Sequence[object], existing: CellChange | None
    ) -> dict[CellId, CellChange | None]:
        self._check_key(key)
        codec = self.codecs[column]
        self._check_editable(column, codec)
        new = self._parsed(column, codec, raw)
        return {(key, column): planned_change(codec, key, column, new, value_text(codec, new), seen, existing)}

    def _parsed(self, column: str, codec: Codec, raw: str | None) -> object:
        """``raw`` as the column's codec parses it (``None``: NULL); raises
        :class:`InvalidValue`."""
        if raw is None:
            if not codec.nullable or not self.schema.column(column).nullable:
                raise InvalidValue(f"{column} cannot be set to NULL: the column is NOT NULL.")
            return None
        return codec.parse(raw)

    def plan_many(
        self,
        edits: Iterable[tuple[Sequence[object], str, str | None, Sequence[object]]],
        pending: Mapping[CellId, CellChange] | None = None,
    ) -> dict[CellId, CellChange | None]:
        """Plan several edits as one step (a paste); the first refused value raises
        :class:`InvalidValue` naming its position.  A cell given twice ends with the
        later value.

        ``pending`` is the pending set to plan against (a :meth:`snapshot` taken
        for a worker thread); this set by default.  Each column is checked once and
        each distinct text parsed once, so a paste of one value into many cells
        parses it once."""
        changes = self._changes if pending is None else pending
        updates: dict[CellId, CellChange | None] = {}
        editable: dict[str, Codec] = {}
        parsed: dict[tuple[str, str | None], tuple[object, str | None]] = {}
        for position, (key, column, raw, seen) in enumerate(edits, start=1):
            key = tuple(key)
            cell = (key, column)
            # an earlier item of this paste for the same cell counts as already there
            existing = updates[cell] if cell in updates else changes.get(cell)
            try:
                self._check_key(key)
                codec = editable.get(column)
                if codec is None:
                    codec = self.codecs[column]
                    self._check_editable(column, codec)
                    editable[column] = codec
                found = parsed.get((column, raw))
                if found is None:
                    new = self._parsed(column, codec, raw)
                    found = parsed[(column, raw)] = (new, value_text(codec, new))
                updates[cell] = planned_change(codec, key, column, found[0], found[1], seen, existing)
            except InvalidValue as error:
                raise InvalidValue(f"Item {position} ({column}, {_shown_key(self.schema, key)}): {error.message}") from None
        return updates

    def _check_key(self, key: Key) -> None:
        if not self.schema.key:
            raise InvalidValue(self.schema.why_not_editable() or "No columns identify a row of this table.")
        if len(key) != len(self.schema.key):
            raise ValueError(f"a key of {len(key)} values for the {len(self.schema.key)} key columns {self.schema.key}")
        for name, value in zip(self.schema.key, key):
            if value is None:
                raise InvalidValue(f"This row cannot be edited: its key column {name} is NULL, so no key finds it.")

    def _check_editable(self, column: str, codec: Codec) -> None:
        reason = self.schema.why_column_read_only(column)
        if reason is None and codec.read_only_reason is not None:
            reason = codec.read_only_reason[:1].upper() + codec.read_only_reason[1:] + "."
        if reason is not None:
            raise InvalidValue(reason)

    # -- journal -------------------------------------------------------------
    def to_json(self) -> list[dict[str, Any]]:
        """Every change as JSON-ready dicts: values as their codec's lossless text,
        NULL as ``None``."""
        return changes_to_json(self.schema, self.codecs, self.changes())

    def from_json(self, data: object) -> list[CellChange]:
        """The changes :meth:`to_json` wrote (not applied); raises
        :class:`InvalidValue` for a damaged entry or one this table no longer takes
        (a column gone or now read-only, a value its type refuses)."""
        if not isinstance(data, list):
            raise InvalidValue("The saved changes are damaged: not a list of changes.")
        changes = []
        for position, entry in enumerate(data, start=1):
            try:
                changes.append(self._entry(entry))
            except InvalidValue as error:
                raise InvalidValue(f"Saved change {position} cannot be restored: {error.message}") from None
        return changes

    def _entry(self, entry: object) -> CellChange:
        if not isinstance(entry, dict) or not {"key", "column", "new", "seen"} <= entry.keys():
            raise InvalidValue("the entry is damaged (it lacks its key, column or values).")
        column, key_texts, seen, confirmed = entry["column"], entry["key"], entry["seen"], entry.get("confirmed")
        if not isinstance(column, str) or column not in self.codecs:
            raise InvalidValue(f"the table has no column {column!r}.")
        if not _texts(key_texts, nulls=False) or len(key_texts) != len(self.schema.key):
            raise InvalidValue(f"its key is damaged or does not fit the key columns ({', '.join(self.schema.key)}).")
        if not _texts(seen) or (confirmed is not None and not _texts(confirmed)):
            raise InvalidValue("its loaded values are damaged.")
        new = entry["new"]
        if new is not None and not isinstance(new, str):
            raise InvalidValue("its new value is damaged.")
        codec = self.codecs[column]
        self._check_editable(column, codec)
        key = tuple(self._loaded(name, text) for name, text in zip(self.schema.key, key_texts))
        self._check_key(key)
        if new is None and not codec.nullable:
            raise InvalidValue(f"{column} cannot be set to NULL: the column is NOT NULL.")
        return CellChange(
            key=key,
            column=column,
            new=None if new is None else codec.from_text(new),
            seen=sorted_values(self._loaded(column, t) for t in seen),
            confirmed=None if confirmed is None else sorted_values(self._loaded(column, t) for t in confirmed),
        )

    def _loaded(self, column: str, text: str | None) -> object:
        if text is None:
            return None
        codec = self.codecs[column]
        return loaded_value(codec, self.schema.column(column), codec.from_text(text))


def _check_filed(cell: CellId, change: CellChange) -> None:
    if change.key != cell[0] or change.column != cell[1]:
        raise ValueError(f"the change for {change.cell!r} filed under {cell!r}")


def _texts(value: object, nulls: bool = True) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) or (nulls and v is None) for v in value)
