"""Review and commit of pending changes: one transaction, a constant number of round trips.

On PostgreSQL the changes are applied by one ``UPDATE ... FROM unnest(:xs, :ys)`` per
chunk of up to 10,000, after ``SELECT ... FOR UPDATE`` has locked the affected rows and
their values have been compared with what the user saw.  Any difference (another
client changed, deleted or added rows) aborts the whole transaction with a
:class:`~gui.data.errors.ConflictError`; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, Engine, Integer, any_, bindparam, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from .config import TableSpec
from .connection import CancelToken, attached
from .errors import Conflict, ConflictError, user_errors
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


def _chunks(seq: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def values_statement(dialect_name: str, spec: TableSpec, keys: Sequence[int], *, lock: bool = False):
    x, y = spec.key_col, spec.value_col
    # Sorted: callers group values by key, and two commits over the same keys lock
    # their rows in the same order (neither waits on the other in a deadlock).
    if dialect_name == "postgresql":
        stmt = select(x, y).where(x == any_(bindparam("keys", list(keys), type_=ARRAY(x.type)))).order_by(x, y)
        return stmt.with_for_update() if lock else stmt
    # SQLite has no row locks; commit_changes holds the database's write lock instead.
    return select(x, y).where(x.in_(list(keys))).order_by(x, y)


def current_values(conn: Connection, spec: TableSpec, keys: Sequence[int], *, lock: bool = False) -> dict[int, tuple[int, ...]]:
    """All values for ``keys``, sorted; with ``lock``, the rows are locked FOR UPDATE."""
    name = conn.dialect.name
    found: dict[int, list[int]] = {}
    for chunk in _chunks(list(keys), CHUNK if name == "postgresql" else SQLITE_CHUNK):
        # rows come sorted by (key, value): the lists below need no sorting
        for key, value in conn.execute(values_statement(name, spec, chunk, lock=lock)):
            values = found.get(key)
            if values is None:
                found[key] = [value]
            else:
                values.append(value)
    return {key: tuple(found.get(key, ())) for key in keys}


def review(engine: Engine, spec: TableSpec, changes: Sequence[PendingChange], threshold: int, cancel: CancelToken | None = None) -> list[ReviewItem]:
    """What committing ``changes`` would do, counted in the database now."""
    with user_errors(), engine.connect() as conn, attached(cancel, conn):
        current = current_values(conn, spec, [c.key for c in changes])
    return [ReviewItem(c, current[c.key], sum(1 for v in current[c.key] if v <= threshold)) for c in changes]


def confirm(items: Iterable[ReviewItem]) -> list[PendingChange]:
    """The changes with the reviewed database state recorded: the commit insists on it."""
    return [replace(item.change, confirmed=item.current) for item in items]


def find_conflicts(changes: Sequence[PendingChange], current: dict[int, tuple[int, ...]]) -> list[Conflict]:
    conflicts = []
    for change in changes:
        now = current.get(change.key, ())
        shown_now = now if change.threshold is None else tuple(v for v in now if v > change.threshold)
        changed_since_load = (change.seen or change.threshold is not None) and shown_now != change.seen
        changed_since_review = change.confirmed is not None and now != change.confirmed
        if changed_since_load or changed_since_review:
            conflicts.append(Conflict(change.key, change.seen, now, change.new))
    return conflicts


def keep_mine(change: PendingChange, conflict: Conflict) -> PendingChange:
    """Accept the database's current rows as the base of ``change`` (commit over them knowingly)."""
    seen = conflict.current if change.threshold is None else tuple(v for v in conflict.current if v > change.threshold)
    return replace(change, seen=seen, confirmed=conflict.current)


def update_statements(dialect_name: str, spec: TableSpec, changes: Sequence[PendingChange]):
    """``(statement, executemany parameters or None)`` pairs that apply ``changes``.

    PostgreSQL: one ``UPDATE ... FROM unnest(:xs, :ys)`` per chunk of :data:`CHUNK`
    (one round trip each).  SQLite (the local demo): one executemany.
    """
    t, x, y = spec.sa_table, spec.key_col, spec.value_col
    if dialect_name != "postgresql":
        stmt = update(t).values({y: bindparam("new_value")}).where(x == bindparam("key_value"))
        yield stmt, [{"key_value": c.key, "new_value": c.new} for c in changes]
        return
    for chunk in _chunks(list(changes), CHUNK):
        v = (
            func.unnest(
                bindparam("xs", [c.key for c in chunk], type_=ARRAY(x.type)),
                bindparam("ys", [c.new for c in chunk], type_=ARRAY(y.type)),
            )
            .table_valued(column(spec.key, x.type), column(spec.value, y.type))
            .render_derived(name="v")
        )
        yield update(t).values({y: v.c[spec.value]}).where(x == v.c[spec.key]), None


def preview_sql(dialect, spec: TableSpec, changes: Sequence[PendingChange]) -> str:
    """The statements the commit will run, with their values, for the "Show SQL" view."""
    keys = [c.key for c in changes]
    chunk = CHUNK if dialect.name == "postgresql" else SQLITE_CHUNK
    parts = [_literal_sql(values_statement(dialect.name, spec, part, lock=True), dialect) for part in _chunks(keys, chunk)]
    for stmt, many in update_statements(dialect.name, spec, changes):
        if many is None:
            parts.append(_literal_sql(stmt, dialect))
        else:
            sql = str(stmt.compile(dialect=dialect))
            parts.append(f"{sql}\n  -- executed once per change, with ({spec.value}, {spec.key}) = " + ", ".join(
                f"({p['new_value']}, {p['key_value']})" for p in many))
    begin = "BEGIN IMMEDIATE" if dialect.name == "sqlite" else "BEGIN"  # as commit_changes does
    return f"{begin};\n" + ";\n".join(parts) + ";\nCOMMIT;"


def _literal_sql(stmt, dialect) -> str:
    return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def apply_changes(conn: Connection, spec: TableSpec, changes: Sequence[PendingChange]) -> int:
    """Run the UPDATEs inside the caller's transaction; returns the number of rows updated."""
    rows = 0
    for stmt, many in update_statements(conn.dialect.name, spec, changes):
        result = conn.execute(stmt, many) if many is not None else conn.execute(stmt)
        rows += result.rowcount
    return rows


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
    with user_errors(), Session(engine) as session, session.begin():
        conn = session.connection()
        with attached(cancel, conn):
            if conn.dialect.name == "sqlite":
                # pysqlite begins its transaction only before the first UPDATE, so the
                # comparison below would run outside it and another client could write
                # in between, to be overwritten unseen.  SQLite has no row locks: taking
                # the write lock first is its SELECT ... FOR UPDATE.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            current = current_values(conn, spec, [c.key for c in changes], lock=True)
            conflicts = find_conflicts(changes, current)
            if conflicts:
                raise ConflictError(conflicts)
            rows = apply_changes(conn, spec, changes)
            if cancel is not None:
                # Cancel pressed between statements reached no running statement:
                # roll back here rather than commit what the user asked to stop.
                cancel.check()
    return CommitResult(len(changes), rows, tuple(changes), current)
