"""Opening a relation: everything the window needs to know before the first page,
asked of the server on one connection (Qt-free).

:func:`open_table` reads the relation's schema from the catalog, makes a codec per
column for the session's time zone, asks what the connection may change and where
it really is, and says whether the relation has the tutorial's exact shape (two
``integer`` columns ``x`` and ``y``, rows identified by ``x``, no row whose ``x`` is
NULL): the tutorial's window, with its integer fast paths, serves that shape; every
other relation gets the window for any table.

:func:`parse_filter` reads a ``--filter 'COLUMN OP VALUE'`` against the schema.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Engine, column, exists, select, table

from .catalog import ConnectionFacts, Writability, no_update_reason, not_a_table_reason, server_writability
from .codecs import Codec
from .config import TableSpec
from .connection import CancelToken, ConnectionSettings, attached, live_identity
from .edits import column_codecs
from .errors import InvalidValue, QueryFailed, user_errors
from .paging import TEXT_ORDERED, Condition, offered_operators
from .result import session_time_zone
from .schema import RELATION_KINDS, RelationEntry, TableSchema, parse_qualified_name, read_schema

TUTORIAL_TYPES = ("integer", "int", "int4")


@dataclass(frozen=True)
class OpenedTable:
    """A relation as the server described it when it was opened."""

    schema: TableSchema
    codecs: Mapping[str, Codec]
    time_zone: str
    facts: ConnectionFacts
    tutorial: bool  # the tutorial's shape: see the module docstring

    def facts_for(self, spec: TableSpec) -> ConnectionFacts:
        """What :func:`~gui.data.catalog.inspect_connection` answers for ``spec`` on
        this relation, from what opening it read: the connection's own answer (the
        user's choice, a standby, read-only by default), then, as
        :func:`~gui.data.catalog.writability` asks them, the relation's kind and the
        role's UPDATE privilege on ``spec.value``.  The tutorial's window takes these
        rather than asking the server again as its first rows are shown."""
        allowed = self.facts.writability
        if allowed.writable:
            relkind = next((k for k, word in RELATION_KINDS.items() if word == self.schema.kind), None)
            value = next((c for c in self.schema.columns if c.name == spec.value), None)
            if relkind is not None and relkind not in ("r", "p"):
                allowed = Writability(not_a_table_reason(spec, relkind))
            elif value is not None and not value.may_update:
                allowed = Writability(no_update_reason(spec))
        return ConnectionFacts(allowed, self.facts.identity)


def open_table(
    engine: Engine,
    settings: ConnectionSettings,
    name: str,
    key: Sequence[str] | None,
    spec: TableSpec,
    cancel: CancelToken | None = None,
) -> OpenedTable:
    """Open relation ``name`` (SQL syntax) with the chosen ``key`` columns when it has
    none of its own; raises :class:`~gui.data.errors.UserError` (no such relation, a
    key column it does not have, the connection failing; ``Cancelled`` when
    ``cancel`` stops it)."""
    with user_errors(), engine.connect() as conn, attached(cancel, conn):
        schema = read_schema(conn, name)
        if key and not schema.unique_key:
            schema = schema.with_key(tuple(key))
            for name in key:
                base = schema.column(name).base_type.split("(")[0].strip()
                if base in TEXT_ORDERED or base.endswith("[]"):
                    raise QueryFailed(
                        f"{name} ({schema.column(name).type_name}) cannot identify a row: PostgreSQL has no "
                        "equality for its values. Choose other columns."
                    )
        elif key and tuple(key) != schema.key:
            raise QueryFailed(
                f"{schema.qualified_name} has its own {schema.key_source} ({', '.join(schema.key)}), "
                "which identifies its rows: --key is for a table without one."
            )
        elif not schema.key and _is_tutorial_table(schema, spec):
            # the tutorial's UPDATE ... WHERE x = :x: rows with one x change together
            schema = schema.with_key((spec.key,))
        zone = session_time_zone(conn)
        dialect = "sqlite" if conn.dialect.name == "sqlite" else "postgresql"
        codecs = column_codecs(schema, time_zone=zone, dialect=dialect)
        facts = ConnectionFacts(server_writability(conn, settings.read_only), live_identity(conn, settings))
        tutorial = _is_tutorial_shape(conn, schema, spec)
    return OpenedTable(schema, codecs, zone, facts, tutorial)


def open_again(
    engine: Engine, settings: ConnectionSettings, opened: OpenedTable, cancel: CancelToken | None = None
) -> OpenedTable:
    """``opened``'s relation read from the catalog again, its rows identified by the
    same columns when it has no key of its own (raises as :func:`open_table`)."""
    schema = opened.schema
    spec = TableSpec(table=schema.name, schema=schema.schema)
    return open_table(engine, settings, schema.qualified_name, None if schema.unique_key else schema.key, spec, cancel)


def definition_changes(before: OpenedTable, now: OpenedTable) -> list[str]:
    """What differs between two readings of one relation's definition that the
    editor shows or edits by: columns gone, new or of another type, a column's other
    properties (NULLs, privileges, default, an enum's labels), the key, the kind, its
    triggers and row security, in words; ``[]`` when nothing does (its estimated row
    count is not part of it)."""
    old, new = before.schema, now.schema
    old_names = [c.name for c in old.columns]
    new_names = [c.name for c in new.columns]
    said = [f"column {name} is gone" for name in old_names if name not in new_names]
    said += [f"column {name} is new" for name in new_names if name not in old_names]
    for name in (n for n in old_names if n in new_names):
        was, is_ = old.column(name), new.column(name)
        if was.type_name != is_.type_name:
            said.append(f"{name} is now {is_.type_name} (was {was.type_name})")
        elif was != is_ or before.codecs.get(name) != now.codecs.get(name):
            said.append(f"column {name} is defined otherwise")
    if not said and [n for n in old_names if n in new_names] != [n for n in new_names if n in old_names]:
        said.append("its columns are in another order")
    if old.key != new.key:
        said.append(f"its rows are now identified by ({', '.join(new.key)})" if new.key else "no columns identify its rows now")
    if (old.kind, old.updatable, old.has_update_triggers, old.row_security) != (
        new.kind, new.updatable, new.has_update_triggers, new.row_security
    ):
        said.append("its kind, triggers or row security changed")
    return said


def _is_tutorial_table(schema: TableSchema, spec: TableSpec) -> bool:
    return schema.name == spec.table and {c.name for c in schema.columns} >= {spec.key, spec.value}


def _is_tutorial_shape(conn, schema: TableSchema, spec: TableSpec) -> bool:
    names = [c.name for c in schema.columns]
    if sorted(names) != sorted((spec.key, spec.value)) or schema.kind != "table":
        return False
    if schema.key not in ((spec.key,),) or not schema.updatable:
        return False
    if any(c.type_name.lower() not in TUTORIAL_TYPES or c.is_domain for c in schema.columns):
        return False
    if not schema.column(spec.key).nullable:
        return True
    # rows whose x is NULL: the tutorial's window cannot show them (an index on x finds them at once)
    relation = table(schema.name, column(spec.key), schema=schema.schema)
    return not conn.execute(select(exists().where(relation.c[spec.key].is_(None)))).scalar()


_OPERATOR = re.compile(
    r"\s*(\"(?:[^\"]|\"\")+\"|[^\s<>=!≠≤≥]+)\s*"
    r"(>=|<=|<>|!=|=|>|<|≥|≤|≠|is\s+not\s+null\b|is\s+null\b|contains\b)\s*(.*?)\s*$",
    re.IGNORECASE,
)
_OPERATOR_WORDS = {">=": "≥", "<=": "≤", "<>": "≠", "!=": "≠"}


def parse_filter(written: str, schema: TableSchema, codecs: Mapping[str, Codec], option: str | None = None) -> Condition:
    """``'credit >= 10.5'``, ``'note is null'``, ``'email contains @example'`` as a
    :class:`Condition`; the column is named as in SQL (``"Total"`` keeps its case), the
    value is checked by the column's codec.  Raises :class:`QueryFailed` or
    :class:`InvalidValue` saying why, starting with ``option`` (how the user gave the
    filter; default ``--filter 'WRITTEN'``)."""
    said = option or f"--filter {written!r}"
    match = _OPERATOR.fullmatch(written)
    if match is None:
        raise QueryFailed(f"{said}: write it as COLUMN OP VALUE, e.g. --filter 'y > 6'.")
    name_text, op_text, value_text = match.groups()
    qualifier, name = parse_qualified_name(name_text)
    if qualifier is not None:
        raise QueryFailed(f"{said}: name a column of the table, not {name_text!r}.")
    try:
        schema.column(name)
    except KeyError:
        raise QueryFailed(f"{said}: {schema.qualified_name} has no column {name_text}.") from None
    op = " ".join(op_text.split()).lower()
    if op in ("is null", "is not null"):
        if value_text:
            raise QueryFailed(f"{said}: nothing may follow {op_text}.")
        return Condition(name, "is NULL" if op == "is null" else "is not NULL")
    op = _OPERATOR_WORDS.get(op, op)
    codec = codecs[name]
    if op not in offered_operators(codec):  # as the filter bar offers them
        if codec.editable:
            raise QueryFailed(f"{said}: “contains” is for text columns; {name} is {codec.type_name}.")
        raise QueryFailed(f"{said}: {name} ({codec.type_name}) can only be tested for NULL (is null, is not null).")
    if op == "contains":
        if not value_text:
            raise InvalidValue(f"{said}: type the part of the text to look for after “contains”.")
        return Condition(name, op, value_text)
    try:
        value = codec.parse(value_text)
    except InvalidValue as error:
        raise InvalidValue(f"{said}: {error.message}") from None
    return Condition(name, op, value)


def merge_bounds(conditions: Sequence[Condition]) -> list[Condition]:
    """The conditions, without one that another makes redundant (``y > 20`` with
    ``y > 50``): all hold together, so only the tightest lower bound per column of
    ``>`` is kept, as the tutorial's threshold was."""
    kept: list[Condition] = []
    for condition in conditions:
        same = next((c for c in kept if c.column == condition.column and c.op == ">" == condition.op), None)
        if same is None:
            kept.append(condition)
        elif _greater(condition.value, same.value):
            kept[kept.index(same)] = condition
    return kept


def _greater(a: object, b: object) -> bool:
    try:
        return a > b  # type: ignore[operator]
    except TypeError:
        return False


def tutorial_key_noted(entries: Sequence[RelationEntry], spec: TableSpec) -> list[RelationEntry]:
    """The table chooser's entries, the tutorial's table without the "no key"
    reason: its rows are identified by ``x`` unless the user chooses otherwise."""
    return [
        replace(e, why_not_editable=f"editable: rows identified by {spec.key}, as the tutorial's UPDATE … WHERE {spec.key} = :{spec.key}")
        if e.name == spec.table and e.why_not_editable and "identif" in e.why_not_editable
        else e
        for e in entries
    ]
