"""Review and commit of cell changes (:mod:`gui.data.edits`) for any table: one
transaction, a constant number of round trips, nothing overwritten that the user
did not see.

A change applies only if the rows with its key hold, in its column, exactly the
multiset of values the user confirmed in the review (or saw, before a review).
Values are compared by the server as their text output (``CAST(col AS text)``):
exact (``1.0`` and ``1.00`` differ, ``-0`` and ``0`` too), defined for every type
(``json`` has no equality operator), and sorted by the server in collation ``"C"``
on both sides, so no Python ordering or collation is involved.  NULL is an element
like any other (arrays compare NULL elements as equal).

On PostgreSQL each chunk of up to :data:`CHUNK` row keys is one statement::

    WITH input AS MATERIALIZED (          -- the chunk: keys, which columns change, new values
        SELECT ... FROM unnest(CAST(:k0 AS text[]), ..., CAST(:s0 AS boolean[]), CAST(:n0 AS text[]), ...)
             WITH ORDINALITY AS u(k0, ..., s0, n0, ..., ord)),
    rows_now AS MATERIALIZED (            -- every row with those keys, hidden rows too
        SELECT i.*, CAST(t.c AS text) AS o0, ... FROM input i JOIN tbl t ON t.k = i.k0 ...),
    per_key AS (                          -- per key: the values now and the values expected,
        SELECT ord, array_agg(... ORDER BY ... COLLATE "C") FILTER (...) ...   -- sorted by the server
        FROM (rows_now UNION ALL unnest(:eo0, :ev0) UNION ALL ...) GROUP BY ord),
    conflicts AS (...),                   -- the changes whose two arrays differ
    groups AS (SELECT DISTINCT ON (ord, o0, ...) * FROM rows_now),
    updated AS (
        UPDATE tbl AS t SET c = CASE WHEN g.s0 THEN g.n0 ELSE t.c END, ...
        FROM groups g
        WHERE t.k = g.k0 AND :write AND NOT EXISTS (SELECT 1 FROM conflicts)
          AND (NOT g.s0 OR CAST(t.c AS text) IS NOT DISTINCT FROM g.o0) ...
        RETURNING g.ord, t.c, ...)        -- what was stored (a BEFORE trigger may differ)
    SELECT ... updated ... UNION ALL conflicts ... UNION ALL rows_now (when conflicts)
           UNION ALL (a row when count(updated) <> count(rows_now))

Several columns of one row change in the same UPDATE.  Rows are found by their key
columns (no ``ctid``), so views and partitioned or inherited tables work the same.
The UPDATE writes a row only if, on its newest version, the changed columns still
hold the values read at the start of the statement (PostgreSQL re-checks the WHERE
after waiting for a client that changed the row meanwhile).  So every overwritten
row held, when written, what was compared; a row another client changed in between
is left alone, the count of written rows falls short, the transaction rolls back
and starts over (commit.py's ``retrying``), and the new attempt reports the other
client's change as a conflict.  Any conflict raises :class:`CellConflictError`
listing every conflicting change of every chunk (later chunks run with
``:write = false``) before COMMIT: nothing is written.

Values travel as bound text arrays in PostgreSQL's array syntax (one string each,
see ``commit.int_array`` for why not a Python list) holding each value's lossless
text (``codec.to_text``), cast by the server to the column's type: exact, NULL
kept apart.  The SQL is text rather than SQLAlchemy Core because it needs
``WITH ORDINALITY``, ordered aggregates with ``COLLATE`` and ``FILTER``, and a
lateral ``VALUES``; identifiers in it are quoted by SQLAlchemy's preparer and type
names are ``format_type()``'s own (checked against a pattern of type syntax).

Round trips for up to 10,000 row keys: one planner setting (as commit.py), the
statement, COMMIT.  Measured here (PostgreSQL 15 on loopback, a 1,000,000-row
table with a primary key, 10,000 random keys): the statement runs 80 ms on the
server for 10,000 changes over two columns of 7,500 rows (index lookups, no join
that grows with the square of the chunk: everything else is grouped by ``ord``);
``commit_cells`` takes 0.21 s and ``review_cells`` 0.18 s end to end for 10,000
changes of one column, about half of it Python building the arrays and reading
the rows back.

SQLite (the demo) has no row locks: the commit takes the write lock first
(``BEGIN IMMEDIATE``), reads and compares, then runs one executemany.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import psycopg2
from sqlalchemy import Boolean, Connection, Engine, bindparam, case, column, func, literal, select, text, tuple_, update
from sqlalchemy import exc as sa_exc
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

from .codecs import Codec
from .commit import CHUNK, ROW_SECURITY_NOTE, SQLITE_CHUNK, TRIGGER_NOTE, Raced, retrying
from .connection import CancelToken, attached
from .edits import CellChange, CellId, Key, column_codecs, sorted_keys, sorted_values, value_text
from .errors import InvalidValue, UserError, translate, user_errors
from .schema import Column, TableSchema
from .transport import column_kind, unrepresentable_datetimes_as_text
from .wording import plural

# -- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class CellReviewItem:
    change: CellChange
    # every row's value of the column for this key now (hidden rows included),
    # sorted, NULL first; () when no row has this key any more
    current: tuple[object, ...]
    # what the server will store, as it prints CAST(new AS type); 'NULL' for NULL
    stored_text: str

    @property
    def key(self) -> Key:
        return self.change.key

    @property
    def column(self) -> str:
        return self.change.column

    @property
    def rows(self) -> int:
        return len(self.current)

    @property
    def missing(self) -> bool:
        """The change would update no row at all."""
        return not self.current


class CellReview(list):
    """The :class:`CellReviewItem` list, with ``notes``: what else may decide what is
    stored (an UPDATE trigger, a row security policy), in words for the review."""

    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellCommitResult:
    changes: int
    rows: int  # rows written
    # per change, the values the database stored in its rows (RETURNING), sorted
    stored: dict[CellId, tuple[object, ...]] = field(default_factory=dict)
    # the changes whose rows hold something other than the new value (a trigger)
    altered: list[CellChange] = field(default_factory=list)


class CellConflictError(UserError):
    """Another client changed rows of pending changes since they were loaded (or
    reviewed); nothing was written."""

    title = "Conflicts"

    def __init__(self, conflicts: list[tuple[CellChange, tuple[object, ...]]], key_names: Sequence[str] = ()):
        shown = ", ".join(f"{c.column} of {_shown_key(c.key, key_names)}" for c, _now in conflicts[:5])
        if len(conflicts) > 5:
            shown += ", \u2026"
        super().__init__(
            f"Another client changed the rows of {plural(len(conflicts), 'pending change')} "
            f"since they were loaded ({shown}). Nothing was written."
        )
        self.conflicts = conflicts


def _shown_key(key: Key, names: Sequence[str] = ()) -> str:
    """``id = 8`` (or ``(a, b) = (1, 2)``) when the key's columns are known."""
    values = "(" + ", ".join(map(str, key)) + ")" if len(key) > 1 else str(key[0])
    if not names:
        return values
    return f"{names[0] if len(names) == 1 else '(' + ', '.join(names) + ')'} = {values}"


def confirm_cells(items: Iterable[CellReviewItem]) -> list[CellChange]:
    """The changes with the reviewed database state recorded: the commit insists on it."""
    return [replace(item.change, confirmed=item.current) for item in items]


def keep_mine_cell(change: CellChange, current: Sequence[object]) -> CellChange:
    """``change`` re-based on the rows' current values: committed over them knowingly."""
    now = sorted_values(current)
    return replace(change, seen=now, confirmed=now)


# -- grouping ----------------------------------------------------------------------


@dataclass
class _Group:
    """The changes of one row key, by column."""

    key: Key
    changes: dict[str, CellChange]


def _groups(schema: TableSchema, changes: Iterable[CellChange]) -> list[_Group]:
    """By key, keys sorted: two commits over the same keys then reach their rows in
    the same order, so neither can hold a row the other waits for while waiting for
    one it holds."""
    by_key: dict[Key, dict[str, CellChange]] = {}
    for change in changes:
        if len(change.key) != len(schema.key) or any(v is None for v in change.key):
            raise ValueError(f"{change.key!r} is not a key of {schema.qualified_name} ({schema.key})")
        columns = by_key.setdefault(change.key, {})
        if change.column in columns:
            raise ValueError(f"two changes of {change.column} for the key {change.key!r}")
        columns[change.column] = change
    return [_Group(key, by_key[key]) for key in sorted_keys(by_key)]


def _chunks(seq: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def _columns_of(schema: TableSchema, groups: Sequence[_Group]) -> list[Column]:
    """The changed columns of ``groups``, in the table's order."""
    names = {name for g in groups for name in g.changes}
    return [c for c in schema.columns if c.name in names]


# -- SQL text (PostgreSQL) ------------------------------------------------------------

# format_type()'s output: words, quoted identifiers, modifiers (a negative scale:
# numeric(5,-2); a minus only before a digit, never the start of a comment), array brackets
_TYPE_SYNTAX = re.compile(r'(?:"(?:[^"]|"")+"|[A-Za-z0-9_$ .,()\[\]]|-(?=[0-9]))+')


class _Names:
    """Identifiers and type names of one relation, ready for :func:`text` SQL."""

    def __init__(self, dialect, schema: TableSchema):
        self._quote = dialect.identifier_preparer.quote
        name = self.ident(schema.name)
        self.relation = f"{self.ident(schema.schema)}.{name}" if schema.schema else name

    def ident(self, name: str) -> str:
        # text() reads ":word" as a bind parameter, even inside quotes: "\:" is a colon
        return self._quote(name).replace(":", "\\:")

    @staticmethod
    def type(type_name: str) -> str:
        if not _TYPE_SYNTAX.fullmatch(type_name):
            raise ValueError(f"not a type name as format_type() prints it: {type_name!r}")
        return type_name.replace(":", "\\:")


def _pg_array(values: Iterable[str | None]) -> str:
    """A text array in PostgreSQL's array syntax, every element quoted (bound as one
    value and cast on the server; see ``commit.int_array``)."""
    return "{" + ",".join(
        "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values
    ) + "}"


def _bool_array(values: Iterable[bool]) -> str:
    return "{" + ",".join("t" if v else "f" for v in values) + "}"


def _loaded_sql(names: _Names, col: Column, expr: str) -> str:
    """``expr`` (a value of ``col``) as the loaded columns read it: types read as
    text cast to text, a domain as its base type (psycopg2 knows no domain).
    numeric, which the loaded columns read as text for its exact digits, comes
    as psycopg2's Decimal, which has them too."""
    wire = column_kind(col.base_type)
    if wire.as_text and wire.kind == "text":
        return f"CAST({expr} AS text)"
    if col.is_domain:
        return f"CAST({expr} AS {names.type(col.base_type)})"
    return expr


def _from_server(value: object) -> object:
    """A value psycopg2 read as the loaded columns hold it: timestamptz in UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc)
    return value


def _key_params(
    schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group], columns: Sequence[Column] = ()
) -> dict[str, str]:
    """The values :func:`_keys_cte` reads: each group's key (``k{i}``) and, for each
    of ``columns``, whether the group changes it (``s{j}``) and its new value (``n{j}``)."""
    params = {f"k{i}": _pg_array(value_text(codecs[name], g.key[i]) for g in groups) for i, name in enumerate(schema.key)}
    for j, col in enumerate(columns):
        changes = [g.changes.get(col.name) for g in groups]
        params[f"s{j}"] = _bool_array(ch is not None for ch in changes)
        params[f"n{j}"] = _pg_array(None if ch is None else value_text(codecs[col.name], ch.new) for ch in changes)
    return params


def _key_join(names: _Names, schema: TableSchema, left: str) -> str:
    return " AND ".join(f"t.{names.ident(name)} = {left}.k{i}" for i, name in enumerate(schema.key))


def _keys_cte(names: _Names, schema: TableSchema, columns: Sequence[Column] = ()) -> str:
    """``input``: one row a group (``ord``, from 1), its key ``k{i}`` and, for each
    of ``columns``, ``s{j}`` (the group changes it) and ``n{j}`` (its new value, of
    the column's type); the values are :func:`_key_params`'."""
    keys = [schema.column(name) for name in schema.key]
    m = range(len(columns))
    args = [f"CAST(:k{i} AS text[])" for i in range(len(keys))]
    args += [arg for j in m for arg in (f"CAST(:s{j} AS boolean[])", f"CAST(:n{j} AS text[])")]
    aliases = [f"k{i}" for i in range(len(keys))] + [n for j in m for n in (f"s{j}", f"n{j}")] + ["ord"]
    selected = ["u.ord"] + [f"CAST(u.k{i} AS {names.type(c.base_type)}) AS k{i}" for i, c in enumerate(keys)]
    selected += [
        part
        for j, col in enumerate(columns)
        for part in (f"u.s{j}", f"CASE WHEN u.s{j} THEN CAST(u.n{j} AS {names.type(col.type_name)}) END AS n{j}")
    ]
    return (
        f"input AS MATERIALIZED (\n    SELECT {', '.join(selected)}\n"
        f"    FROM unnest({', '.join(args)}) WITH ORDINALITY AS u({', '.join(aliases)}))"
    )


def _sorted_agg(expr: str, condition: str) -> str:
    return f"coalesce(array_agg({expr} ORDER BY {expr} COLLATE \"C\" NULLS FIRST) FILTER (WHERE {condition}), '{{}}')"


def apply_statement(dialect, schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group], write: bool = True):
    """PostgreSQL: the one statement that compares and updates ``groups`` (see the
    module's docstring).  Returns ``(text clause with its values bound, changed columns)``.

    Its rows are ``(part, ord, col, value of each changed column ..., altered flag
    of each ...)``: part 3 a written row (``ord`` its key's position in ``groups``,
    from 1), 0 a conflicting change (``col`` its column's position in the list
    returned), 1 a row now (only when there is a conflict), 2 "the count of
    written rows fell short".
    """
    names = _Names(dialect, schema)
    columns = _columns_of(schema, groups)
    m = range(len(columns))
    key_join = _key_join(names, schema, "i")
    key_cols = ", ".join(f"i.k{i}" for i in range(len(schema.key)))
    c = [names.ident(col.name) for col in columns]
    rows_now = (
        "rows_now AS MATERIALIZED (\n    SELECT i.ord, " + key_cols
        + "".join(f", i.s{j}, i.n{j}" for j in m)
        + "".join(f", CASE WHEN i.s{j} THEN CAST(t.{c[j]} AS text) END AS o{j}" for j in m)
        + "".join(f", {_loaded_sql(names, col, f't.{c[j]}')} AS v{j}" for j, col in enumerate(columns))
        + f"\n    FROM input AS i JOIN {names.relation} AS t ON {key_join})"
    )  # fmt: skip
    # per key, one row for each row now (src 0) and one for each expected value of
    # column j (src j + 1), aggregated below without a join
    branches = [
        "SELECT r.ord, 0 AS src" + "".join(f", r.s{j}" for j in m) + "".join(f", r.o{j} AS x{j}" for j in m) + " FROM rows_now AS r"
    ]
    for j, col in enumerate(columns):
        flags = "".join(", true" if k == j else ", CAST(NULL AS boolean)" for k in m)
        values = "".join(
            f", CAST(CAST(e.val AS {names.type(col.base_type)}) AS text)" if k == j else ", CAST(NULL AS text)" for k in m
        )
        branches.append(
            f"SELECT e.ord, {j + 1}{flags}{values} FROM unnest(CAST(:eo{j} AS bigint[]), CAST(:ev{j} AS text[])) AS e(ord, val)"
        )
    per_key = (
        "per_key AS (\n    SELECT u.ord"
        + "".join(f", coalesce(bool_or(u.s{j}), false) AS s{j}" for j in m)
        + "".join(f", {_sorted_agg(f'u.x{j}', 'u.src = 0')} AS now{j}" for j in m)
        + "".join(f", {_sorted_agg(f'u.x{j}', f'u.src = {j + 1}')} AS exp{j}" for j in m)
        + "\n    FROM (" + "\n          UNION ALL ".join(branches) + ") AS u\n    GROUP BY u.ord)"
    )  # fmt: skip
    conflicts = (
        "conflicts AS MATERIALIZED (\n    SELECT p.ord, c.col FROM per_key AS p CROSS JOIN LATERAL (VALUES "
        + ", ".join(f"({j}, p.s{j} AND p.now{j} IS DISTINCT FROM p.exp{j})" for j in m)
        + ") AS c(col, differs) WHERE c.differs)"
    )
    groups_cte = "groups AS (SELECT DISTINCT ON (r.ord" + "".join(f", r.o{j}" for j in m) + ") r.* FROM rows_now AS r)"
    updated = (
        f"updated AS (\n    UPDATE {names.relation} AS t SET "
        + ", ".join(f"{c[j]} = CASE WHEN g.s{j} THEN g.n{j} ELSE t.{c[j]} END" for j in m)
        + "\n    FROM groups AS g\n    WHERE " + _key_join(names, schema, "g")
        + " AND CAST(:write AS boolean) AND NOT EXISTS (SELECT 1 FROM conflicts)"
        + "".join(f"\n      AND (NOT g.s{j} OR CAST(t.{c[j]} AS text) IS NOT DISTINCT FROM g.o{j})" for j in m)
        + "\n    RETURNING g.ord"
        + "".join(f", {_loaded_sql(names, col, f't.{c[j]}')} AS v{j}" for j, col in enumerate(columns))
        + "".join(f", g.s{j} AND CAST(t.{c[j]} AS text) IS DISTINCT FROM CAST(g.n{j} AS text) AS a{j}" for j in m)
        + ")"
    )  # fmt: skip
    no_flags = "".join(", CAST(NULL AS boolean)" for _ in m)
    no_values = "".join(", NULL" for _ in m)
    final = (
        "SELECT 3 AS part, u.ord, CAST(NULL AS integer) AS col"
        + "".join(f", u.v{j}" for j in m) + "".join(f", u.a{j}" for j in m) + " FROM updated AS u"
        + "\nUNION ALL SELECT 0, c.ord, c.col" + no_values + no_flags + " FROM conflicts AS c"
        + "\nUNION ALL SELECT 1, r.ord, NULL" + "".join(f", r.v{j}" for j in m) + no_flags
        + " FROM rows_now AS r WHERE EXISTS (SELECT 1 FROM conflicts)"
        + "\nUNION ALL SELECT 2, NULL, NULL" + no_values + no_flags
        + " WHERE CAST(:write AS boolean) AND NOT EXISTS (SELECT 1 FROM conflicts)"
        + " AND (SELECT count(*) FROM updated) <> (SELECT count(*) FROM rows_now)"
    )  # fmt: skip
    sql = "WITH " + ",\n".join(
        [_keys_cte(names, schema, columns), rows_now, per_key, conflicts, groups_cte, updated]
    ) + "\n" + final

    params = _key_params(schema, codecs, groups, columns)
    params["write"] = "true" if write else "false"
    for j, col in enumerate(columns):
        codec = codecs[col.name]
        changes = [g.changes.get(col.name) for g in groups]
        expected = [(ord_, v) for ord_, ch in enumerate(changes, start=1) if ch is not None for v in ch.expected]
        params[f"eo{j}"] = "{" + ",".join(str(ord_) for ord_, _v in expected) + "}"
        params[f"ev{j}"] = _pg_array(value_text(codec, v) for _o, v in expected)
    return text(sql).bindparams(**params), columns


def current_statement(dialect, schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group]):
    """PostgreSQL: every row with the keys of ``groups``: ``(ord, value of each
    changed column ...)``, values as the loaded columns hold them."""
    names = _Names(dialect, schema)
    columns = _columns_of(schema, groups)
    values = "".join(f", {_loaded_sql(names, col, 't.' + names.ident(col.name))}" for col in columns)
    sql = (
        f"WITH {_keys_cte(names, schema)}\n"
        f"SELECT i.ord{values}\nFROM input AS i JOIN {names.relation} AS t ON {_key_join(names, schema, 'i')}"
    )
    return text(sql).bindparams(**_key_params(schema, codecs, groups)), columns


def check_statement(dialect, columns: Sequence[Column], values: Sequence[Sequence[str | None]]):
    """PostgreSQL: each value cast by the server to its column's type (a domain's
    checks included) and printed back: ``(col, ord, text)``."""
    parts = [
        f"SELECT {j} AS col, u.ord, CAST(CAST(u.v AS {_Names.type(col.type_name)}) AS text)"
        f" FROM unnest(CAST(:v{j} AS text[])) WITH ORDINALITY AS u(v, ord)"
        for j, col in enumerate(columns)
    ]
    return text("\nUNION ALL ".join(parts)).bindparams(**{f"v{j}": _pg_array(vs) for j, vs in enumerate(values)})


_LOOKUPS_SQL = text(
    """SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)
WHERE EXISTS (
    SELECT 1 FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = to_regclass(:relation) AND i.indpred IS NULL AND i.indexprs IS NULL
      AND a.attname = :key)"""
)


def lookups_by_key(schema: TableSchema):
    """For the rest of the transaction, join on the key by index lookups when an
    index leads with the first key column (why: ``catalog.lookups_by_key_sql``).
    The statements here join nothing else that the setting could make slow."""
    return _LOOKUPS_SQL.bindparams(relation=schema.qualified_name, key=schema.key[0])


# -- review --------------------------------------------------------------------------


def review_cells(
    engine: Engine,
    schema: TableSchema,
    codecs: Mapping[str, Codec],
    changes: Sequence[CellChange],
    cancel: CancelToken | None = None,
) -> CellReview:
    """What committing ``changes`` would do, counted in the database now: every
    row's value for each change's key (hidden rows too), and each new value as the
    server would store it.  Raises :class:`InvalidValue` naming the column, the
    value and the server's message for a value the server refuses (a domain's
    CHECK), or another :class:`UserError`."""
    changes = list(changes)
    review = CellReview()
    if not changes:
        return review
    groups = _groups(schema, changes)
    with user_errors(), engine.connect() as conn, attached(cancel, conn):
        if conn.dialect.name == "postgresql":
            conn.execute(lookups_by_key(schema))
            current = _current_postgresql(conn, schema, codecs, groups)
            stored = _stored_texts(conn, schema, codecs, changes)
            # from the catalog, read when the table was opened
            notes = tuple(
                note
                for note, present in ((TRIGGER_NOTE, schema.has_update_triggers), (ROW_SECURITY_NOTE, schema.row_security))
                if present
            )
        else:
            current = _current_sqlite(conn, schema, groups)
            stored = {c.cell: "NULL" if c.new is None else codecs[c.column].format(c.new) for c in changes}
            notes = (TRIGGER_NOTE,) if _sqlite_has_triggers(conn, schema) else ()
    review.extend(CellReviewItem(c, current[c.cell], stored[c.cell]) for c in changes)
    review.notes = notes
    return review


def _current_postgresql(
    conn: Connection, schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group]
) -> dict[CellId, tuple[object, ...]]:
    """Each change's column values now, per chunk one statement."""
    found: dict[CellId, tuple[object, ...]] = {}
    for chunk in _chunks(groups, CHUNK):
        stmt, columns = current_statement(conn.dialect, schema, codecs, chunk)
        rows_by_ord: dict[int, list[tuple]] = {}
        with unrepresentable_datetimes_as_text(conn):
            rows = conn.execute(stmt).all()
        for row in rows:
            rows_by_ord.setdefault(row[0], []).append(row[1:])
        _collect(chunk, columns, rows_by_ord, found)
    return found


def _collect(
    groups: Sequence[_Group], columns: Sequence[Column], rows_by_ord: Mapping[int, list[Sequence]], found: dict
) -> None:
    position = {col.name: j for j, col in enumerate(columns)}
    for ord_, group in enumerate(groups, start=1):
        rows = rows_by_ord.get(ord_, ())
        for name, change in group.changes.items():
            j = position[name]
            found[change.cell] = sorted_values(_from_server(row[j]) for row in rows)


def _stored_texts(
    conn: Connection, schema: TableSchema, codecs: Mapping[str, Codec], changes: Sequence[CellChange]
) -> dict[CellId, str]:
    """Every distinct new value as the server stores and prints it, in one round
    trip; finds the one it refuses (halving) when it refuses one."""
    by_column: dict[str, list[str | None]] = {}
    for change in changes:
        by_column.setdefault(change.column, []).append(value_text(codecs[change.column], change.new))
    columns = [c for c in schema.columns if c.name in by_column]
    values = [list(dict.fromkeys(by_column[c.name])) for c in columns]  # distinct, in order
    try:
        rows = conn.execute(check_statement(conn.dialect, columns, values)).all()
    except sa_exc.DBAPIError as error:
        if not isinstance(error.orig, (psycopg2.DataError, psycopg2.IntegrityError)):
            raise
        conn.rollback()
        raise _refused(conn, columns, values, error) from None
    printed = {(columns[j].name, values[j][ord_ - 1]): "NULL" if out is None else out for j, ord_, out in rows}
    return {c.cell: printed[(c.column, value_text(codecs[c.column], c.new))] for c in changes}


def _refused(
    conn: Connection, columns: Sequence[Column], values: Sequence[Sequence[str | None]], first: sa_exc.DBAPIError
) -> InvalidValue:
    """The value the server refuses, found by checking halves (a failure costs
    about log2(values) round trips; success costs none)."""
    pairs = [(j, v) for j, vs in enumerate(values) for v in vs]
    error: sa_exc.DBAPIError = first
    while len(pairs) > 1:
        half = pairs[: len(pairs) // 2]
        try:
            _check_pairs(conn, columns, half)
        except sa_exc.DBAPIError as refused:
            if not isinstance(refused.orig, (psycopg2.DataError, psycopg2.IntegrityError)):
                raise
            conn.rollback()
            pairs, error = half, refused
        else:
            pairs = pairs[len(pairs) // 2 :]
    if pairs:
        try:
            _check_pairs(conn, columns, pairs)
        except sa_exc.DBAPIError as refused:
            if not isinstance(refused.orig, (psycopg2.DataError, psycopg2.IntegrityError)):
                raise
            conn.rollback()
            error = refused
            j, value = pairs[0]
            shown = "NULL" if value is None else repr(value if len(value) <= 40 else value[:39] + "\u2026")
            refused_value = InvalidValue(f"{columns[j].name}: the server refuses {shown}: {_message(error)}")
            # which cells: the caller can point at them (the column, and the value as sent)
            refused_value.column, refused_value.text = columns[j].name, value
            return refused_value
    return InvalidValue(f"The server refuses a new value: {_message(error)}")


def _check_pairs(conn: Connection, columns: Sequence[Column], pairs: Sequence[tuple[int, str | None]]) -> None:
    used = sorted({j for j, _v in pairs})
    values = [[v for k, v in pairs if k == j] for j in used]
    conn.execute(check_statement(conn.dialect, [columns[j] for j in used], values)).all()


def _message(error: BaseException) -> str:
    mapped = translate(error)
    return mapped.message if mapped is not None else str(error)


# -- commit --------------------------------------------------------------------------


def key_words(schema: TableSchema, codecs: Mapping[str, Codec], key: Key) -> str:
    """A row's key for a list in a sentence: ``id = 2``, ``region = 'eu', id = 7``; a
    text-like value quoted as in SQL (``'O''Brien'``, ``''``), so that no value can
    pass for the list's separators."""

    def said(name: str, value: object) -> str:
        text = value_text(codecs[name], value)
        if text is None:
            return "NULL"
        return "'" + text.replace("'", "''") + "'" if codecs[name].text_like else text

    return ", ".join(f"{name} = {said(name, value)}" for name, value in zip(schema.key, key))


def commit_cells(
    engine: Engine,
    schema: TableSchema,
    codecs: Mapping[str, Codec],
    changes: Sequence[CellChange],
    cancel: CancelToken | None = None,
) -> CellCommitResult:
    """Apply every change in one transaction, or none; raises
    :class:`CellConflictError` when rows changed since they were seen or
    confirmed, another :class:`UserError` for what the database refuses."""
    changes = list(changes)
    if not changes:
        return CellCommitResult(0, 0)
    groups = _groups(schema, changes)
    with user_errors():
        if engine.dialect.name == "postgresql":
            rows, stored, altered = retrying(lambda: _commit_postgresql(engine, schema, codecs, groups, cancel), cancel)
        else:
            rows, stored, altered = _commit_sqlite(engine, schema, codecs, groups, cancel)
    return CellCommitResult(len(changes), rows, stored, altered)


def _commit_postgresql(engine: Engine, schema: TableSchema, codecs: Mapping[str, Codec], groups: list[_Group], cancel):
    rows = 0
    stored: dict[CellId, tuple[object, ...]] = {}
    altered: list[CellChange] = []
    conflicts: list[tuple[CellChange, tuple[object, ...]]] = []
    with Session(engine) as session, session.begin():
        conn = session.connection()
        with attached(cancel, conn):
            conn.execute(lookups_by_key(schema))
            for chunk in _chunks(groups, CHUNK):
                stmt, columns = apply_statement(conn.dialect, schema, codecs, chunk, write=not conflicts)
                m = len(columns)
                written: dict[int, list[Sequence]] = {}
                now: dict[int, list[Sequence]] = {}
                differing: set[tuple[int, int]] = set()
                short = False
                with unrepresentable_datetimes_as_text(conn):
                    result = conn.execute(stmt).all()
                for part, ord_, col, *rest in result:
                    if part == 3:
                        written.setdefault(ord_, []).append(rest)
                    elif part == 0:
                        differing.add((ord_, col))
                    elif part == 1:
                        now.setdefault(ord_, []).append(rest[:m])
                    else:
                        short = True
                if short:
                    # named: the keys of which no row was written (with a key that is not
                    # unique, a key of which only some rows were is not told apart here);
                    # leaving the block rolls back what was written so far
                    raise Raced([key_words(schema, codecs, g.key) for o, g in enumerate(chunk, start=1) if o not in written])
                if differing:
                    found: dict[CellId, tuple[object, ...]] = {}
                    _collect(chunk, columns, now, found)
                    for ord_, col in sorted(differing):
                        change = chunk[ord_ - 1].changes[columns[col].name]
                        conflicts.append((change, found[change.cell]))
                    continue
                if conflicts:
                    continue
                if schema.kind == "view" and schema.has_update_triggers:
                    # an INSTEAD OF trigger's RETURNING is the row it returns (NEW, as
                    # typed), not what the view shows now: read that back instead
                    written = _read_back(conn, schema, codecs, chunk, {o: len(rs) for o, rs in written.items()})
                rows += sum(len(r) for r in written.values())
                _collect(chunk, columns, {o: [r[:m] for r in rs] for o, rs in written.items()}, stored)
                position = {c.name: j for j, c in enumerate(columns)}
                for ord_, group in enumerate(chunk, start=1):
                    for name, change in group.changes.items():
                        if any(r[m + position[name]] for r in written.get(ord_, ())):
                            altered.append(change)
            if conflicts:
                raise CellConflictError(conflicts, schema.key)
            if cancel is not None:
                # Cancel pressed between statements reached no running statement:
                # roll back here rather than commit what the user asked to stop.
                cancel.check()
    return rows, stored, altered


def _read_back(
    conn: Connection, schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group], counts: Mapping[int, int]
) -> dict[int, list[Sequence]]:
    """The rows of ``groups``' keys as the relation shows them now (in the commit's
    transaction, after its UPDATE), shaped as the UPDATE's RETURNING rows: the changed
    columns' values, then whether each differs from the value the user gave.  Keys
    the UPDATE wrote no row of (``counts``: rows written by key position) are left out."""
    names = _Names(conn.dialect, schema)
    columns = _columns_of(schema, groups)
    m = range(len(columns))
    c = [names.ident(col.name) for col in columns]
    sql = (
        "WITH "
        + _keys_cte(names, schema, columns)
        + "\nSELECT i.ord"
        + "".join(f", {_loaded_sql(names, col, f't.{c[j]}')}" for j, col in enumerate(columns))
        + "".join(f", i.s{j} AND CAST(t.{c[j]} AS text) IS DISTINCT FROM CAST(i.n{j} AS text)" for j in m)
        + f"\nFROM input AS i JOIN {names.relation} AS t ON {_key_join(names, schema, 'i')}"
    )  # fmt: skip
    params = _key_params(schema, codecs, groups, columns)
    read: dict[int, list[Sequence]] = {}
    with unrepresentable_datetimes_as_text(conn):
        for ord_, *rest in conn.execute(text(sql).bindparams(**params)):
            if counts.get(ord_):
                read.setdefault(ord_, []).append(rest)
    return read


# -- SQLite (the demo) -------------------------------------------------------------------


def _sqlite_relation(schema: TableSchema, names: Iterable[str]):
    return sa_table(schema.name, *(column(n) for n in dict.fromkeys(names)))


def _sqlite_has_triggers(conn: Connection, schema: TableSchema) -> bool:
    master = sa_table("sqlite_master", column("type"), column("tbl_name"))
    count = conn.execute(
        select(func.count()).select_from(master).where(master.c.type == "trigger", master.c.tbl_name == schema.name)
    ).scalar_one()
    return bool(count)


def _sqlite_select(schema: TableSchema, groups: Sequence[_Group]):
    columns = _columns_of(schema, groups)
    rel = _sqlite_relation(schema, [*schema.key, *(c.name for c in columns)])
    keys = [rel.c[name] for name in schema.key]
    where = keys[0].in_([g.key[0] for g in groups]) if len(keys) == 1 else tuple_(*keys).in_([g.key for g in groups])
    return select(*keys, *(rel.c[c.name] for c in columns)).where(where), columns


def _current_sqlite(conn: Connection, schema: TableSchema, groups: Sequence[_Group]) -> dict[CellId, tuple[object, ...]]:
    found: dict[CellId, tuple[object, ...]] = {}
    width = len(schema.key)
    for chunk in _chunks(groups, max(1, SQLITE_CHUNK // width)):
        stmt, columns = _sqlite_select(schema, chunk)
        by_key: dict[Key, list[Sequence]] = {}
        for row in conn.execute(stmt):
            by_key.setdefault(tuple(row[:width]), []).append(row[width:])
        ords = {ord_: by_key.get(g.key, []) for ord_, g in enumerate(chunk, start=1)}
        _collect(chunk, columns, ords, found)
    return found


def _canonical(codec: Codec, values: Iterable[object]) -> Counter:
    return Counter(value_text(codec, v) for v in values)


def _sqlite_update(schema: TableSchema, codecs: Mapping[str, Codec], groups: Sequence[_Group]):
    """``(UPDATE ... SET c = CASE WHEN :set THEN :new ELSE c END ... WHERE key, executemany parameters)``."""
    columns = _columns_of(schema, groups)
    rel = _sqlite_relation(schema, [*schema.key, *(c.name for c in columns)])
    stmt = (
        update(rel)
        .where(*(rel.c[name] == bindparam(f"_cell_key{i}") for i, name in enumerate(schema.key)))
        .values(
            {
                rel.c[c.name]: case((bindparam(f"_cell_set{j}", type_=Boolean), bindparam(f"_cell_new{j}")), else_=rel.c[c.name])
                for j, c in enumerate(columns)
            }
        )
    )
    many = []
    for g in groups:
        params: dict[str, object] = {f"_cell_key{i}": v for i, v in enumerate(g.key)}
        for j, c in enumerate(columns):
            change = g.changes.get(c.name)
            params[f"_cell_set{j}"] = change is not None
            params[f"_cell_new{j}"] = None if change is None or change.new is None else codecs[c.name].to_bind(change.new)
        many.append(params)
    return stmt, many


def _commit_sqlite(engine: Engine, schema: TableSchema, codecs: Mapping[str, Codec], groups: list[_Group], cancel):
    with Session(engine) as session, session.begin():
        conn = session.connection()
        with attached(cancel, conn):
            # pysqlite begins its transaction only before the first UPDATE, so the
            # comparison below would run outside it and another client could write
            # in between, to be overwritten unseen.  SQLite has no row locks: taking
            # the write lock first is its SELECT ... FOR UPDATE.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            current = _current_sqlite(conn, schema, groups)
            conflicts = [
                (change, current[change.cell])
                for g in groups
                for change in g.changes.values()
                if _canonical(codecs[change.column], current[change.cell]) != _canonical(codecs[change.column], change.expected)
            ]
            if conflicts:
                raise CellConflictError(conflicts, schema.key)
            stmt, many = _sqlite_update(schema, codecs, groups)
            rows = conn.execute(stmt, many).rowcount
            # read back what was stored (a trigger may have stored something else)
            stored = _current_sqlite(conn, schema, groups)
            if cancel is not None:
                cancel.check()
    altered = [
        change
        for g in groups
        for change in g.changes.values()
        if any(value_text(codecs[change.column], v) != value_text(codecs[change.column], change.new) for v in stored[change.cell])
    ]
    return rows, stored, altered


# -- preview -------------------------------------------------------------------------


# rows of changes the "Show SQL" view writes out with their values (the rest are said)
PREVIEW_ROWS = 100


def preview_cells_sql(
    dialect, schema: TableSchema, changes: Sequence[CellChange], codecs: Mapping[str, Codec] | None = None
) -> str:
    """The statements the commit will run, with their values, for the "Show SQL"
    view: for the changes of the first :data:`PREVIEW_ROWS` rows, and a comment saying
    how many more there are and in how many statements they go.  Written whole for
    100,000 changes it took 3.7 s and megabytes of text, on the GUI thread."""
    codecs = codecs if codecs is not None else column_codecs(schema, dialect=dialect.name)
    groups = _groups(schema, changes)
    note = ""
    if len(groups) > PREVIEW_ROWS:
        if dialect.name == "postgresql":
            sent = f"in {plural(-(-len(groups) // CHUNK), 'statement')} like this one ({CHUNK:,} rows each)"
        else:
            sent = "one UPDATE a row, as below"
        note = (
            f"-- the values of the first {PREVIEW_ROWS:,} of {len(groups):,} rows are written out here;"
            f" the commit sends them all, {sent}\n"
        )
        groups = groups[:PREVIEW_ROWS]
    return note + _preview(dialect, schema, codecs, groups)


def _preview(dialect, schema: TableSchema, codecs: Mapping[str, Codec], groups) -> str:
    if dialect.name == "postgresql":
        parts = ["-- look rows up by the index on the key, if there is one\n" + _literal_sql(lookups_by_key(schema), dialect)]
        parts += [_literal_sql(apply_statement(dialect, schema, codecs, chunk)[0], dialect) for chunk in _chunks(groups, CHUNK)]
        return "BEGIN;\n" + ";\n".join(parts) + ";\nCOMMIT;"
    width = len(schema.key)
    parts = [_literal_sql(_sqlite_select(schema, chunk)[0], dialect) for chunk in _chunks(groups, max(1, SQLITE_CHUNK // width))]
    stmt, _many = _sqlite_update(schema, codecs, groups)
    lines = []
    for g in groups:
        where = ", ".join(f"{k} = {_literal(dialect, v)}" for k, v in zip(schema.key, g.key))
        sets = ", ".join(
            f"{name} = {_literal(dialect, None if c.new is None else codecs[name].to_bind(c.new))}"
            for name, c in g.changes.items()
        )
        lines.append(f"\n  --   {where}: {sets}")
    header = f"{stmt.compile(dialect=dialect)}\n  -- executed once per row key ({plural(len(groups), 'time')}):"
    parts.append(header + "".join(lines))
    # BEGIN IMMEDIATE: as commit_cells does
    return "BEGIN IMMEDIATE;\n" + ";\n".join(parts) + ";\nCOMMIT;"


def _literal(dialect, value: object) -> str:
    return "NULL" if value is None else _literal_sql(literal(value), dialect)


def _literal_sql(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
