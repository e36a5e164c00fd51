"""What a relation is, read from the server: its kind, its columns in order with
their types, nullability, defaults, generated and identity columns, the role's
privileges per column, the key that identifies a row, and what may change a stored
value behind the user's back (triggers, row security).

Everything downstream asks a :class:`TableSchema` instead of assuming two integer
columns.  PostgreSQL answers from its catalog (``pg_class``, ``pg_attribute``,
``format_type``, ``pg_index``, ``pg_enum``, ``pg_type`` for domains, ``pg_trigger``,
``has_column_privilege``, ``pg_relation_is_updatable``); the SQLite demo from its
pragmas.  Names are bound as values (``to_regclass(:name)``), never pasted into SQL.

The key, in order of preference (PostgreSQL's own notion of what identifies a row):
the primary key; else the unique index, without a predicate or expressions, on NOT
NULL columns with the fewest columns; else the columns the user chose
(``--key``); else none, and the relation can be browsed but not edited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from .errors import NoSuchRelation, QueryFailed

# pg_class.relkind, in words a person reads in the table chooser
RELATION_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
}
# pg_relation_is_updatable()'s bit for UPDATE: 1 << CMD_UPDATE (src/include/nodes/nodes.h)
_UPDATABLE_BIT = 1 << 2
# pg_trigger.tgtype's bit for an UPDATE trigger (src/include/catalog/pg_trigger.h)
_TRIGGER_TYPE_UPDATE = 1 << 4


@dataclass(frozen=True)
class Column:
    """One column as the server describes it.

    ``type_name`` is ``format_type()``'s text (``numeric(12,2)``, ``character
    varying(4)``, ``timestamp with time zone``, a domain's or an enum's name);
    ``base_type`` is the same for the type a domain is over (the type a codec
    parses), ``enum_labels`` the labels in their order when the base type is an enum.
    """

    name: str
    type_name: str
    base_type: str
    nullable: bool = True
    default: str | None = None
    generated: bool = False  # GENERATED ALWAYS AS (...) STORED
    identity: str = ""  # "always", "by default" or ""
    may_select: bool = True
    may_update: bool = True
    enum_labels: tuple[str, ...] | None = None

    @property
    def is_domain(self) -> bool:
        return self.type_name != self.base_type


@dataclass(frozen=True)
class TableSchema:
    """A relation and what the editor may do with it."""

    schema: str | None  # None: SQLite, or a name found through the search path
    name: str
    kind: str  # a value of RELATION_KINDS
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # the columns that identify a row; () when none does
    key_source: str = ""  # "primary key", "unique index <name>", "chosen", or ""
    updatable: bool = True  # the relation takes UPDATE at all (a view may not)
    has_update_triggers: bool = False
    row_security: bool = False
    estimated_rows: float | None = None  # reltuples; None when never analyzed
    _by_name: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update((c.name, c) for c in self.columns)

    def column(self, name: str) -> Column:
        """Raises ``KeyError`` for a name the relation does not have."""
        return self._by_name[name]

    @property
    def qualified_name(self) -> str:
        """For display and journal keys (quoted as SQL would need), not for SQL."""
        name = quote_ident(self.name)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name

    @property
    def unique_key(self) -> bool:
        """The key identifies at most one row (a primary key or a unique index); a
        chosen key may match several rows, which then change together."""
        return self.key_source not in ("", "chosen")

    def why_not_editable(self) -> str | None:
        """Why no cell of this relation can be edited here; ``None`` when some can."""
        if not self.updatable:
            return f"This {self.kind} cannot be updated (PostgreSQL cannot pass an UPDATE through it)."
        if not self.key:
            return (
                f"No columns identify a row of this {self.kind}: it has no primary key and no unique index "
                "on NOT NULL columns. Choose the columns that identify a row (--key) to edit it."
            )
        if not any(c.may_update for c in self.columns):
            return f"Your role may read this {self.kind} but not change it (it has no UPDATE privilege on it)."
        if not any(self.why_column_read_only(c.name) is None for c in self.columns):
            return "Your role may not change any column of this table that could be edited here."
        return None

    def why_column_read_only(self, name: str) -> str | None:
        """Why the column cannot be edited; ``None`` when it can."""
        col = self.column(name)
        if name in self.key:
            return "This column identifies the row: it cannot be changed here."
        if col.generated:
            return "A generated column: the database computes its value."
        if col.identity == "always":
            return "An identity column (GENERATED ALWAYS): the database assigns its value."
        if not col.may_update:
            return "Your role has no UPDATE privilege on this column."
        return None

    def with_key(self, key: Sequence[str]) -> TableSchema:
        """This schema with ``key`` as the columns the user chose to identify a row;
        raises :class:`QueryFailed` for a name the relation does not have."""
        missing = [k for k in key if k not in self._by_name]
        if missing:
            raise QueryFailed(f"{self.qualified_name} has no column {', '.join(missing)} to identify rows by.")
        return TableSchema(
            self.schema, self.name, self.kind, self.columns, tuple(key), "chosen", self.updatable,
            self.has_update_triggers, self.row_security, self.estimated_rows,
        )  # fmt: skip


# -- names ---------------------------------------------------------------------------

_IDENT = re.compile(r'\s*(?:"((?:[^"]|"")+)"|([^".\s]+))\s*')


def parse_qualified_name(name: str) -> tuple[str | None, str]:
    """``sales."Some Table"`` → ``("sales", "Some Table")``: SQL's rules, as
    PostgreSQL's ``parse_ident`` applies them (quoted parts keep their case and
    ``""`` stands for ``"``; unquoted parts are folded to lower case).  Raises
    :class:`QueryFailed` for anything else (three parts, an empty part, a stray quote).
    """
    parts: list[str] = []
    pos = 0
    while True:
        match = _IDENT.match(name, pos)
        if match is None:
            raise QueryFailed(f"Not a table name: {name!r}. Write it as in SQL, e.g. sales.\"Some Table\".")
        quoted, plain = match.groups()
        parts.append(quoted.replace('""', '"') if quoted is not None else plain.lower())
        pos = match.end()
        if pos == len(name):
            break
        if name[pos] != ".":
            raise QueryFailed(f"Not a table name: {name!r}. Write it as in SQL, e.g. sales.\"Some Table\".")
        pos += 1
    if len(parts) > 2:
        raise QueryFailed(f"Not a table name: {name!r}: at most a schema and a table.")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def quote_ident(name: str) -> str:
    """``name`` as SQL would need it written: bare when it is a plain lower-case word."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


# -- PostgreSQL ----------------------------------------------------------------------

_RELATION_SQL = """
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity,
       EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
               AND (t.tgtype & :update_bit) <> 0) AS update_triggers,
       (pg_relation_is_updatable(c.oid, false) & :updatable_bit) <> 0 AS updatable,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples END AS reltuples
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass(:name)
"""

_COLUMNS_SQL = """
SELECT a.attname,
       format_type(a.atttypid, a.atttypmod),
       format_type(base.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
       NOT a.attnotnull AND NOT (t.typtype = 'd' AND t.typnotnull),
       pg_get_expr(d.adbin, d.adrelid),
       a.attgenerated <> '',
       a.attidentity,
       has_column_privilege(a.attrelid, a.attnum, 'SELECT'),
       has_column_privilege(a.attrelid, a.attnum, 'UPDATE'),
       CASE WHEN base.typtype = 'e' THEN
           ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = base.oid ORDER BY e.enumsortorder)
       END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type base ON base.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# unique indexes usable as a key: immediate, whole-table, on plain columns; the
# primary key first, then the fewest columns, then by name for a stable choice
_KEYS_SQL = """
SELECT ic.relname, i.indisprimary,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord),
       bool_and(a.attnotnull)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = :oid AND i.indisunique AND i.indimmediate AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL
GROUP BY ic.relname, i.indisprimary, i.indkey, i.indrelid
ORDER BY i.indisprimary DESC, array_length(i.indkey, 1), ic.relname
"""


def read_schema(conn: Connection, name: str | tuple[str | None, str]) -> TableSchema:
    """The schema of relation ``name`` (SQL syntax, or ``(schema, table)``); raises
    :class:`QueryFailed` when there is no such relation the role can see."""
    schema_name, table_name = parse_qualified_name(name) if isinstance(name, str) else name
    if conn.dialect.name == "sqlite":
        return _read_sqlite(conn, table_name)
    regclass = quote_ident(table_name) if schema_name is None else f"{quote_ident(schema_name)}.{quote_ident(table_name)}"
    row = conn.execute(
        text(_RELATION_SQL), {"name": regclass, "update_bit": _TRIGGER_TYPE_UPDATE, "updatable_bit": _UPDATABLE_BIT}
    ).first()
    if row is None:
        shown = regclass
        raise NoSuchRelation(f"There is no table or view {shown} that your role can see (names are written as in SQL: quote one with capitals).")
    oid, nspname, relname, relkind, row_security, triggers, updatable, reltuples = row
    columns = tuple(
        Column(
            name=r[0], type_name=r[1], base_type=r[2], nullable=bool(r[3]), default=r[4], generated=bool(r[5]),
            identity={"a": "always", "d": "by default"}.get(r[6], ""), may_select=bool(r[7]), may_update=bool(r[8]),
            enum_labels=tuple(r[9]) if r[9] is not None else None,
        )  # fmt: skip
        for r in conn.execute(text(_COLUMNS_SQL), {"oid": oid})
    )
    key, source = (), ""
    for index_name, primary, names, not_null in conn.execute(text(_KEYS_SQL), {"oid": oid}):
        if primary or not_null:
            key, source = tuple(names), "primary key" if primary else f"unique index {index_name}"
            break
    return TableSchema(
        nspname, relname, RELATION_KINDS.get(relkind, "relation"), columns, key, source,
        # a table's UPDATE may be refused by privileges, not by its kind
        bool(updatable) or relkind in ("r", "p"), bool(triggers), bool(row_security),
        float(reltuples) if reltuples is not None else None,
    )  # fmt: skip


@dataclass(frozen=True)
class RelationEntry:
    """One line of the table chooser."""

    schema: str  # "" for SQLite's one database, as the window names its tables
    name: str
    kind: str
    estimated_rows: float | None
    why_not_editable: str | None  # None: it can be edited here (some column, given a key)

    @property
    def qualified_name(self) -> str:
        """Quoted as SQL would need; the name alone when there is no schema (as
        :attr:`TableSchema.qualified_name` says it)."""
        name = quote_ident(self.name)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name


_LIST_SQL = """
SELECT n.nspname, c.relname, c.relkind,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples END,
       (pg_relation_is_updatable(c.oid, false) & :updatable_bit) <> 0 OR c.relkind IN ('r', 'p'),
       has_table_privilege(c.oid, 'UPDATE')
           OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped AND has_column_privilege(c.oid, a.attnum, 'UPDATE')),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indimmediate
               AND i.indpred IS NULL AND i.indexprs IS NULL
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                               AND a.attnum = ANY (i.indkey) AND NOT a.attnotnull))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname
"""


def list_relations(conn: Connection) -> list[RelationEntry]:
    """Every table, view, materialized view, partitioned and foreign table the role
    may read, with its estimated rows and, when it cannot be edited here, why.

    A relation without a unique key is listed as editable only through chosen key
    columns (its reason says so); partitions are reached through their parent.
    """
    if conn.dialect.name == "sqlite":
        names = conn.execute(
            text("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
        ).all()
        entries = []
        for name, kind in names:
            schema = _read_sqlite(conn, name)
            entries.append(RelationEntry("", name, schema.kind, None, schema.why_not_editable()))
        return entries
    entries = []
    for nspname, relname, relkind, reltuples, updatable, may_update, has_key in conn.execute(
        text(_LIST_SQL), {"updatable_bit": _UPDATABLE_BIT}
    ):
        kind = RELATION_KINDS[relkind]
        reason = None
        if not updatable:
            reason = f"This {kind} cannot be updated."
        elif not may_update:
            reason = "Your role may read it but not change it (no UPDATE privilege)."
        elif not has_key:
            reason = "No primary key or unique index on NOT NULL columns: choose the columns that identify a row."
        entries.append(RelationEntry(nspname, relname, kind, float(reltuples) if reltuples is not None else None, reason))
    return entries


# -- SQLite (the demo) -------------------------------------------------------------------


def _read_sqlite(conn: Connection, name: str) -> TableSchema:
    kind = conn.execute(text("SELECT type FROM sqlite_master WHERE name = :name AND type IN ('table', 'view')"), {"name": name}).scalar()
    if kind is None:
        raise NoSuchRelation(f'There is no table or view "{name}" in this database.')
    # table_xinfo lists generated columns too (hidden = 2 or 3); SQLite 3.26+
    info = conn.execute(text("SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(:name)"), {"name": name}).all()
    columns = tuple(
        Column(
            name=col_name, type_name=(col_type or "").lower(), base_type=(col_type or "").lower(),
            nullable=not notnull and not pk, default=default, generated=hidden in (2, 3),
        )  # fmt: skip
        for col_name, col_type, notnull, default, pk, hidden in info
        if hidden != 1
    )
    key = tuple(col_name for col_name, *_rest, pk, _hidden in sorted(info, key=lambda r: r[4]) if pk)
    source = "primary key" if key else ""
    if not key:
        for index_name, unique, partial in conn.execute(
            text("SELECT name, \"unique\", partial FROM pragma_index_list(:name) ORDER BY name"), {"name": name}
        ):
            if not unique or partial:
                continue
            names = [r[0] for r in conn.execute(text("SELECT name FROM pragma_index_info(:index) ORDER BY seqno"), {"index": index_name})]
            if names and all(n is not None and not schema_column(columns, n).nullable for n in names):
                key, source = tuple(names), f"unique index {index_name}"
                break
    return TableSchema(None, name, "table" if kind == "table" else "view", columns, key, source, kind == "table")


def schema_column(columns: Sequence[Column], name: str) -> Column:
    return next(c for c in columns if c.name == name)
