"""Review and commit of pending changes: one transaction, a constant number of round trips.

On PostgreSQL each chunk of up to 10,000 changes is one statement that reads the rows
it is about to change and updates exactly those, in the same pass::

    WITH old_rows AS MATERIALIZED (
        SELECT t.ctid AS row_id, t.tableoid AS row_table, t.x AS key, t.y AS old_value, v.y AS new_value
        FROM some_table AS t JOIN unnest(:xs, :ys) AS v(x, y) ON t.x = v.x),
    updated AS (
        UPDATE some_table SET y = old_rows.new_value FROM old_rows
        WHERE ctid = old_rows.row_id AND tableoid = old_rows.row_table
          AND x = old_rows.key AND y IS NOT DISTINCT FROM old_rows.old_value
        RETURNING ctid)
    SELECT key, old_value, (SELECT count(*) FROM updated) FROM old_rows ORDER BY key, old_value

``old_rows`` are the rows as they were when the statement began; the UPDATE writes
each of those rows (found again by its address, ``ctid`` within its ``tableoid``: a
partitioned or inherited table spans several tables) only if its key and value
are still the ones read — a compare-and-set.  If another client changed or deleted
one of them in between, PostgreSQL waits for that client, then re-checks the
condition on the row's newest version and leaves it alone; the count of updated rows
then falls short, the transaction is rolled back and the commit starts over, and the
new attempt sees the other client's change.  The values returned are compared with
what the user saw (and confirmed in the review); any difference (another client
changed, deleted or added rows) raises a :class:`~gui.data.errors.ConflictError`
before COMMIT, so the transaction is rolled back and nothing is written.

Why not ``SELECT ... FOR UPDATE``, compare, then ``UPDATE``: that finds every row
twice and writes every row twice (a row lock is a write to the row), measured here
at 1.6 to 2.3 times the bare UPDATE; this costs about 1.1 times (``make bench``).
Round trips for up to 10,000 changes: the pool's check of the connection (BEGIN,
``SELECT 1``), one planner setting, the statement, COMMIT.

SQLite (the local demo) has no row locks and no ``ctid``: the commit takes the
database's write lock first, reads and compares, then runs one executemany.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from sqlalchemy import Connection, Engine, Text, any_, bindparam, cast, column, func, literal, select, union_all, update
from sqlalchemy import table as text_table
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .catalog import lookups_by_key_sql
from .config import TableSpec
from .connection import CancelToken, attached
from .errors import Conflict, ConflictError, QueryFailed, user_errors
from .pending import PendingChange

CHUNK = 10_000
SQLITE_CHUNK = 500  # stays under SQLite's bound-variable limit for IN (...)


@dataclass(frozen=True)
class ReviewItem:
    change: PendingChange
    current: tuple[int, ...]  # every value now in the database for this key, hidden rows too
    hidden: int  # rows with this key not shown at the current threshold

    @property
    def key(self) -> int:
        return self.change.key

    @property
    def rows(self) -> int:
        return len(self.current)

    @property
    def missing(self) -> bool:
        """The change would update no row at all."""
        return not self.current


@dataclass(frozen=True)
class CommitResult:
    changes: int
    rows: int
    committed: tuple[PendingChange, ...] = ()
    old_values: dict[int, tuple[int, ...]] | None = None  # for the audit trail
    # keys whose rows the database stored with other values than typed (a trigger),
    # with the values it stored (sorted, NULL first); empty when all is as typed
    altered: dict[int, tuple[int | None, ...]] = field(default_factory=dict)

    def stored(self, change: PendingChange) -> tuple[int | None, ...]:
        """What the database holds now for ``change``'s rows where it differs from
        the typed value; ``()`` when every row holds what was typed."""
        return self.altered.get(change.key, ())


def _chunks(seq: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def values_statement(dialect_name: str, spec: TableSpec, keys: Sequence[int]):
    """Every row's ``(key, value)`` for ``keys``, sorted (callers group values by key)."""
    x, y = spec.key_col, spec.value_col
    if dialect_name == "postgresql":
        return select(x, y).where(x == any_(int_array("keys", keys, x.type))).order_by(x, y)
    return select(x, y).where(x.in_(list(keys))).order_by(x, y)


def int_array(name: str, values: Iterable[int], item_type):
    """A bound parameter holding an integer array, sent as one string in PostgreSQL's
    array syntax (``'{1,2,3}'``) and cast on the server.

    psycopg2 adapts a Python list item by item: 17 ms for the two 10,000-item arrays
    of a commit, measured here, a quarter of the whole UPDATE.  The string is one value
    (1 ms), still bound, never part of the SQL; it holds nothing but integers.
    """
    text_value = "{" + ",".join(map(str, map(int, values))) + "}"
    return cast(bindparam(name, text_value, type_=Text), ARRAY(item_type))


def _group(rows: Iterable[tuple[int, int]], found: dict[int, list[int]]) -> None:
    for key, value in rows:
        values = found.get(key)
        if values is None:
            found[key] = [value]
        else:
            values.append(value)


def current_values(conn: Connection, spec: TableSpec, keys: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """All values now in the database for ``keys``, sorted, hidden rows included."""
    name = conn.dialect.name
    found: dict[int, list[int]] = {}
    for chunk in _chunks(list(keys), CHUNK if name == "postgresql" else SQLITE_CHUNK):
        _group(conn.execute(values_statement(name, spec, chunk)), found)
    return {key: tuple(found.get(key, ())) for key in keys}


class Review(list):
    """The :class:`ReviewItem` list, with ``notes``: what else may decide what is
    stored (a trigger, a row security policy), in words for the review."""

    notes: tuple[str, ...] = ()


def review(engine: Engine, spec: TableSpec, changes: Sequence[PendingChange], threshold: int, cancel: CancelToken | None = None) -> Review:
    """What committing ``changes`` would do, counted in the database now."""
    with user_errors(), engine.connect() as conn, attached(cancel, conn):
        current = current_values(conn, spec, [c.key for c in changes])
        notes = side_effects(conn, spec)
    items = Review(ReviewItem(c, current[c.key], sum(1 for v in current[c.key] if v <= threshold)) for c in changes)
    items.notes = notes
    return items


def side_effects(conn: Connection, spec: TableSpec) -> tuple[str, ...]:
    """What may store something other than the typed values, or skip rows: UPDATE
    triggers and row security on the table (from the catalog; SQLite: its triggers)."""
    from .schema import read_schema

    notes = []
    if conn.dialect.name == "sqlite":
        triggers = conn.execute(
            select(func.count()).select_from(text_table("sqlite_master")).where(
                column("type") == "trigger", column("tbl_name") == spec.table
            )
        ).scalar_one()
        if triggers:
            notes.append(TRIGGER_NOTE)
        return tuple(notes)
    schema = read_schema(conn, (spec.schema, spec.table))
    if schema.has_update_triggers:
        notes.append(TRIGGER_NOTE)
    if schema.row_security:
        notes.append(ROW_SECURITY_NOTE)
    return tuple(notes)


TRIGGER_NOTE = (
    "The table has an UPDATE trigger: it may store other values than the ones you typed. "
    "After the commit you are told what was stored, and the audit log records it."
)
ROW_SECURITY_NOTE = "The table has row-level security: a policy may refuse to update some rows (then nothing is written)."


def confirm(items: Iterable[ReviewItem]) -> list[PendingChange]:
    """The changes with the reviewed database state recorded: the commit insists on it."""
    return [replace(item.change, confirmed=item.current) for item in items]


def find_conflicts(changes: Sequence[PendingChange], current: dict[int, tuple[int, ...]]) -> list[Conflict]:
    conflicts = []
    for change in changes:
        now = current.get(change.key, ())
        shown_now = now if change.threshold is None else tuple(v for v in now if v > change.threshold)
        if change.seen_partial:
            # the user saw only the start of the key's rows: those values must still be shown
            changed_since_load = bool(Counter(change.seen) - Counter(shown_now))
        else:
            changed_since_load = (change.seen or change.threshold is not None) and shown_now != change.seen
        changed_since_review = change.confirmed is not None and now != change.confirmed
        if changed_since_load or changed_since_review:
            conflicts.append(Conflict(change.key, change.seen, now, change.new))
    return conflicts


def keep_mine(change: PendingChange, conflict: Conflict) -> PendingChange:
    """Accept the database's current rows as the base of ``change`` (commit over them knowingly)."""
    seen = conflict.current if change.threshold is None else tuple(v for v in conflict.current if v > change.threshold)
    return replace(change, seen=seen, confirmed=conflict.current)


def _sorted_by_key(changes: Sequence[PendingChange]) -> list[PendingChange]:
    # Two commits over the same keys then reach their rows in the same order, so
    # neither can hold a row the other waits for while waiting for one it holds.
    return sorted(changes, key=lambda change: change.key)


def apply_statement(spec: TableSpec, changes: Sequence[PendingChange]):
    """PostgreSQL: one statement that updates the rows of ``changes`` and returns
    their ``(key, old value)`` as they were when it began (see the module's docstring)."""
    x, y = spec.key_col, spec.value_col
    new = (
        func.unnest(int_array("xs", [c.key for c in changes], x.type), int_array("ys", [c.new for c in changes], y.type))
        .table_valued(column(spec.key, x.type), column(spec.value, y.type))
        .render_derived(name="v")
    )
    rows = spec.sa_rows.alias("t")
    old_rows = (
        select(
            rows.c.ctid.label("row_id"),
            rows.c.tableoid.label("row_table"),
            rows.c[spec.key].label("key"),
            rows.c[spec.value].label("old_value"),
            new.c[spec.value].label("new_value"),
        )
        .join_from(rows, new, rows.c[spec.key] == new.c[spec.key])
        # read once, used twice: by the UPDATE and by what the statement returns
        .cte("old_rows")
        .prefix_with("MATERIALIZED")
    )
    target = spec.sa_rows
    updated = (
        update(target)
        .values({target.c[spec.value]: old_rows.c.new_value})
        .where(
            target.c.ctid == old_rows.c.row_id,
            target.c.tableoid == old_rows.c.row_table,
            # Checked again on the row's newest version if another client changed it
            # meanwhile: a row whose key or value moved is then left alone (and the
            # count below tells), not updated over a value nobody compared.  (IS NOT
            # DISTINCT FROM, not =, for the key too: the row is found by its ctid,
            # and an indexable condition would tempt the planner to find it again
            # through the index.)
            target.c[spec.key].is_not_distinct_from(old_rows.c.key),
            target.c[spec.value].is_not_distinct_from(old_rows.c.old_value),
        )
        # what each row now holds, beside what was typed: a BEFORE UPDATE trigger may
        # have stored something else
        .returning(target.c.ctid, old_rows.c.key.label("key"), target.c[spec.value].label("stored"), old_rows.c.new_value.label("typed"))
        .cte("updated")
    )
    updated_rows = select(func.count()).select_from(updated).scalar_subquery()
    read = select(old_rows.c.key, old_rows.c.old_value.label("value"), updated_rows.label("updated"), literal(0).label("kind"))
    # only the rows whose stored value differs from the typed one (usually none)
    altered = select(updated.c.key, updated.c.stored, updated_rows, literal(1)).where(
        updated.c.stored.is_distinct_from(updated.c.typed)
    )
    both = union_all(read, altered).subquery("returned")
    return select(both.c.key, both.c.value, both.c.updated, both.c.kind).order_by(both.c.kind, both.c.key, both.c.value)


def sqlite_update(spec: TableSpec, changes: Sequence[PendingChange]):
    """SQLite: ``(UPDATE ... WHERE x = :key, executemany parameters)``."""
    x, y = spec.key_col, spec.value_col
    stmt = update(spec.sa_table).values({y: bindparam("new_value")}).where(x == bindparam("key_value"))
    return stmt, [{"key_value": c.key, "new_value": c.new} for c in changes]


def preview_sql(dialect, spec: TableSpec, changes: Sequence[PendingChange]) -> str:
    """The statements the commit will run, with their values, for the "Show SQL" view."""
    if dialect.name == "postgresql":
        parts = [
            "-- look rows up by the index on the key, if there is one\n"
            + _literal_sql(lookups_by_key_sql(spec), dialect),
            *(_literal_sql(apply_statement(spec, chunk), dialect) for chunk in _chunks(_sorted_by_key(changes), CHUNK)),
        ]
        return "BEGIN;\n" + ";\n".join(parts) + ";\nCOMMIT;"
    keys = [c.key for c in changes]
    parts = [_literal_sql(values_statement(dialect.name, spec, part), dialect) for part in _chunks(keys, SQLITE_CHUNK)]
    stmt, many = sqlite_update(spec, changes)
    parts.append(
        f"{stmt.compile(dialect=dialect)}\n  -- executed once per change, with ({spec.value}, {spec.key}) = "
        + ", ".join(f"({p['new_value']}, {p['key_value']})" for p in many)
    )
    # BEGIN IMMEDIATE: as commit_changes does
    return "BEGIN IMMEDIATE;\n" + ";\n".join(parts) + ";\nCOMMIT;"


def _literal_sql(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


class Raced(Exception):
    """The statement updated fewer rows than it read: another client changed or
    deleted one of them while it ran (or a trigger or row security policy skipped it).
    ``rows``: those rows, as a sentence names them (``"id = 2"``), where known."""

    def __init__(self, rows: Sequence[str] = ()):
        super().__init__(*rows)
        self.rows = tuple(rows)


def rows_left_alone_message(rows: Sequence[str] = ()) -> str:
    """Why a commit wrote nothing when rows it read were not updated, naming
    ``rows`` (up to five of them) where they are known."""
    named = ""
    if rows:
        named = " Not updated: " + "; ".join(rows[:5]) + (f"; and {len(rows) - 5:,} more" if len(rows) > 5 else "") + "."
    return (
        "Some rows were not updated, so nothing was written: another client kept changing them "
        "while the commit ran, or a trigger or row-level security policy on the table refused "
        f"the update.{named}"
    )  # the window adds that every change is still pending


# SQLSTATEs of a transaction PostgreSQL refused because another one touched the
# same rows at the same moment: running it again is the documented remedy.
_RETRY_CODES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
ATTEMPTS = 3

_T = TypeVar("_T")


def retrying(attempt: Callable[[], _T], cancel: CancelToken | None) -> _T:
    """Run ``attempt`` (one whole transaction) again when it lost a race, up to
    :data:`ATTEMPTS` times: the next attempt compares against the other client's
    committed change and reports it as a conflict, or applies if it changed nothing."""
    for remaining in range(ATTEMPTS - 1, -1, -1):
        try:
            return attempt()
        except Raced as raced:
            if remaining == 0:
                raise QueryFailed(rows_left_alone_message(raced.rows)) from None
        except sa_exc.DBAPIError as error:
            if remaining == 0 or getattr(error.orig, "pgcode", None) not in _RETRY_CODES:
                raise
        if cancel is not None:
            cancel.check()
    raise AssertionError("unreachable")


def commit_changes(
    engine: Engine,
    spec: TableSpec,
    changes: Sequence[PendingChange],
    cancel: CancelToken | None = None,
) -> CommitResult:
    """Apply every change in one transaction, or none; raises a :class:`UserError`."""
    changes = list(changes)
    if not changes:
        return CommitResult(0, 0)
    with user_errors():
        if engine.dialect.name == "postgresql":
            current, rows, altered = retrying(lambda: _commit_postgresql(engine, spec, changes, cancel), cancel)
        else:
            current, rows, altered = _commit_sqlite(engine, spec, changes, cancel)
    return CommitResult(len(changes), rows, tuple(changes), current, altered)


def _commit_postgresql(engine: Engine, spec: TableSpec, changes: list[PendingChange], cancel: CancelToken | None):
    found: dict[int, list[int]] = {}
    altered: dict[int, list[int | None]] = {}
    rows = 0
    conflicts: list[Conflict] = []
    with Session(engine) as session, session.begin():
        conn = session.connection()
        with attached(cancel, conn):
            conn.execute(lookups_by_key_sql(spec))
            # every chunk is compared, so that one commit reports every conflict
            for chunk in _chunks(_sorted_by_key(changes), CHUNK):
                returned = conn.execute(apply_statement(spec, chunk)).all()
                old = [(key, value, count) for key, value, count, kind in returned if kind == 0]
                if old and old[0][2] != len(old):
                    raise Raced()  # leaving the block rolls back what was updated so far
                rows += len(old)
                _group(((key, value) for key, value, _count in old), found)
                for key, value, _count, kind in returned:
                    if kind == 1:
                        altered.setdefault(key, []).append(value)
                conflicts += find_conflicts(chunk, {c.key: tuple(found.get(c.key, ())) for c in chunk})
            if conflicts:
                raise ConflictError(conflicts)  # leaving the block rolls back every chunk
            if cancel is not None:
                # Cancel pressed between statements reached no running statement:
                # roll back here rather than commit what the user asked to stop.
                cancel.check()
    return {c.key: tuple(found.get(c.key, ())) for c in changes}, rows, {k: tuple(v) for k, v in altered.items()}


def _commit_sqlite(engine: Engine, spec: TableSpec, changes: list[PendingChange], cancel: CancelToken | None):
    with Session(engine) as session, session.begin():
        conn = session.connection()
        with attached(cancel, conn):
            # pysqlite begins its transaction only before the first UPDATE, so the
            # comparison below would run outside it and another client could write
            # in between, to be overwritten unseen.  SQLite has no row locks: taking
            # the write lock first is its SELECT ... FOR UPDATE.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            current = current_values(conn, spec, [c.key for c in changes])
            conflicts = find_conflicts(changes, current)
            if conflicts:
                raise ConflictError(conflicts)
            stmt, many = sqlite_update(spec, changes)
            rows = conn.execute(stmt, many).rowcount
            # read back what was stored (a trigger may have stored something else)
            stored = current_values(conn, spec, [c.key for c in changes])
            if cancel is not None:
                cancel.check()
    altered = {
        c.key: tuple(v for v in stored[c.key] if v != c.new) for c in changes if any(v != c.new for v in stored[c.key])
    }
    return current, rows, altered
