"""Review and commit: one transaction, all or nothing, conflicts never overwritten.

Every database check is made from a second connection, as another user would see it.
"""

from __future__ import annotations

import sqlite3

import psycopg2

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from gui.data.catalog import lookups_by_key_sql
from gui.data import commit as commit_module
from gui.data.commit import CHUNK, commit_changes, confirm, keep_mine, preview_sql, review
from gui.data.config import DEFAULT_SPEC
from gui.data.errors import Conflict, ConflictError, ConstraintViolated, ReadOnly, UserError
from gui.data.pending import PendingChange
from gui.data.rows import RowSource, count_rows
from test_data_support import SEED, MakeDb, backend, make_db, read_all, seen_change  # noqa: F401

SPEC = DEFAULT_SPEC


def change(key: int, new: int, threshold: int = 6, rows=SEED) -> PendingChange:
    return seen_change(rows, key, new, threshold)


def with_values(rows, updates: dict[int, int]) -> list[tuple[int, int]]:
    return sorted((x, updates.get(x, y)) for x, y in rows)


# -- commit: before / after ---------------------------------------------------------


@pytest.mark.parametrize(
    ("updates", "updated_rows"),
    [
        ({9: 11, 13: 15}, 2),  # the tutorial's two updates: x=13 has no row
        ({1: 5}, 1),
        ({6: 7}, 2),
        ({6: 7, 9: 7, 20: 7, 100: 7}, 8),
        ({2: -2147483648, 100: 2147483647}, 3),
        ({13: 1}, 0),
    ],
)
def test_commit_before_after(make_db: MakeDb, updates: dict[int, int], updated_rows: int) -> None:
    db = make_db()
    changes = [change(k, v, threshold=0) for k, v in updates.items()]
    result = commit_changes(db.engine, SPEC, changes)
    assert (result.changes, result.rows) == (len(updates), updated_rows)
    assert db.table() == with_values(SEED, updates)
    assert set(result.committed) == set(changes)


def test_tutorial_updates_through_the_threshold_view(make_db: MakeDb) -> None:
    """Load at threshold 6, edit x=9 to 11 (and x=13, which has no row): 2 rows updated."""
    db = make_db()
    loaded = read_all(RowSource(db.engine, SPEC, 6), 1000)
    changes = [change(9, 11, rows=loaded), change(13, 15, rows=loaded)]
    assert changes[0].seen == (10, 10) and changes[1].seen == ()
    result = commit_changes(db.engine, SPEC, changes)
    assert (result.changes, result.rows) == (2, 2)
    assert db.values(9) == (11, 11)
    assert db.values(13) == ()
    assert result.old_values == {9: (10, 10), 13: ()}


def test_nothing_to_commit(make_db: MakeDb) -> None:
    db = make_db()
    result = commit_changes(db.engine, SPEC, [])
    assert (result.changes, result.rows) == (0, 0)
    assert db.table() == sorted(SEED)


def test_check_violation_applies_neither_change(make_db: MakeDb) -> None:
    db = make_db(check=1000)
    changes = [change(6, 7), change(9, 5000)]
    with pytest.raises(ConstraintViolated) as excinfo:
        commit_changes(db.engine, SPEC, changes)
    message = excinfo.value.message.lower()
    assert "check constraint" in message
    assert "insert into" not in message and "[sql:" not in message  # the server's words, not a dump
    assert db.table() == sorted(SEED)  # x=6 was not applied either
    # the same first change alone commits: the failure left nothing locked or broken
    assert commit_changes(db.engine, SPEC, changes[:1]).rows == 2
    assert db.values(6) == (7, 7)


# -- chunks ---------------------------------------------------------------------------

MANY = 25_000


@pytest.mark.slow
def test_changes_across_chunks_all_apply(make_db: MakeDb) -> None:
    rows = [(k, 0) for k in range(MANY)]
    db = make_db(rows, check=1_000_000)
    changes = [PendingChange(k, k + 1, (0,), -1) for k in range(MANY)]
    assert len(changes) > 2 * CHUNK
    result = commit_changes(db.engine, SPEC, changes)
    assert (result.changes, result.rows) == (MANY, MANY)
    assert db.table() == [(k, k + 1) for k in range(MANY)]


@pytest.mark.slow
@pytest.mark.parametrize("bad_at", [0, CHUNK, MANY - 1], ids=["first-chunk", "second-chunk", "last-chunk"])
def test_one_bad_value_in_any_chunk_applies_none(make_db: MakeDb, bad_at: int) -> None:
    rows = [(k, 0) for k in range(MANY)]
    db = make_db(rows, check=1_000_000)
    changes = [PendingChange(k, 5_000_000 if k == bad_at else k + 1, (0,), -1) for k in range(MANY)]
    with pytest.raises(ConstraintViolated):
        commit_changes(db.engine, SPEC, changes)
    assert db.table() == rows


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_conflicts_in_several_chunks_are_all_reported_by_one_commit(make_db: MakeDb, monkeypatch) -> None:
    """The user resolves every conflict at once, not one chunk's per commit."""
    monkeypatch.setattr(commit_module, "CHUNK", 3)
    rows = [(k, 0) for k in range(10)]
    db = make_db(rows, check=1_000_000)
    changes = [PendingChange(k, k + 1, (0,), -1) for k in range(10)]  # four chunks: 3, 3, 3, 1
    db.run("UPDATE some_table SET y = 50 WHERE x IN (1, 7, 9)")  # chunks one, three and four
    before = db.table()
    with pytest.raises(ConflictError) as excinfo:
        commit_changes(db.engine, SPEC, changes)
    assert [(c.key, c.loaded, c.current) for c in excinfo.value.conflicts] == [(1, (0,), (50,)), (7, (0,), (50,)), (9, (0,), (50,))]
    assert db.table() == before  # nothing written, not even the chunks without a conflict


def test_a_conflict_message_names_a_few_keys_and_counts_the_rest() -> None:
    conflicts = [Conflict(k, (0,), (1,), 2) for k in range(1, 10_001)]
    message = ConflictError(conflicts).message
    assert "x = 1, 2, 3, 4, 5 and 9,995 more" in message and len(message) < 200


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("n", [CHUNK, CHUNK + 1])
def test_commit_round_trips(make_db: MakeDb, n: int) -> None:
    """10,000 changes: one planner setting and one statement that reads and updates;
    one more statement per further chunk of 10,000."""
    db = make_db([(k, 0) for k in range(n)])
    changes = [PendingChange(k, 1, (0,), -1) for k in range(n)]
    with db.engine.connect():
        pass  # the application has connected (and loaded rows) before it commits
    statements: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    result = commit_changes(db.engine, SPEC, changes)
    assert result.rows == n
    assert db.values(0) == (1,) and db.values(n - 1) == (1,)
    work = [s for s in statements if s.strip().upper() not in ("BEGIN", "COMMIT", "SELECT 1")]
    chunks = -(-n // CHUNK)
    assert len(work) == 1 + chunks, work
    assert "set_config" in work[0]
    assert all("UPDATE" in s and "unnest" in s for s in work[1:])


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_key_lookups_planned_by_index_only_when_there_is_one(make_db: MakeDb, index: bool) -> None:
    """With an index on x, the commit's joins are index lookups whatever the planner's
    estimate; without one, hash joins stay on (a nested loop would scan the table once
    per key) and the commit still applies."""
    db = make_db(index=index)
    with db.engine.begin() as conn:
        conn.execute(lookups_by_key_sql(SPEC))
        assert conn.exec_driver_sql("SHOW enable_hashjoin").scalar_one() == ("off" if index else "on")
    with db.engine.connect() as conn:  # SET LOCAL: gone with the transaction
        assert conn.exec_driver_sql("SHOW enable_hashjoin").scalar_one() == "on"
    result = commit_changes(db.engine, SPEC, [change(9, 11), change(6, 7)])
    assert result.rows == 4
    assert db.table() == with_values(SEED, {9: 11, 6: 7})


# -- review ---------------------------------------------------------------------------

REVIEW_ROWS = [*SEED, (6, 3)]


@pytest.mark.parametrize(
    ("key", "threshold", "current", "rows", "hidden"),
    [
        (6, 6, (3, 8, 8), 3, 1),
        (1, 6, (1,), 1, 1),
        (9, 6, (10, 10), 2, 0),
        (100, 50, (100, 100), 2, 0),
        (20, 50, (20, 20), 2, 2),
        (6, 0, (3, 8, 8), 3, 0),
        (13, 6, (), 0, 0),
    ],
)
def test_review_counts_rows_and_hidden_rows(make_db: MakeDb, key, threshold, current, rows, hidden) -> None:
    db = make_db(REVIEW_ROWS)
    (item,) = review(db.engine, SPEC, [change(key, 555, threshold, REVIEW_ROWS)], threshold)
    assert (item.key, item.current, item.rows, item.hidden, item.missing) == (key, current, rows, hidden, rows == 0)


def test_review_two_rows_one_hidden(make_db: MakeDb) -> None:
    """The issue's case: rows (6, 8) and (6, 3), threshold 6 → 2 rows, 1 hidden."""
    rows = [(6, 8), (6, 3)]
    db = make_db(rows)
    items = review(db.engine, SPEC, [change(6, 9, 6, rows), change(7, 1, 6, rows)], 6)
    assert [(i.key, i.rows, i.hidden, i.missing) for i in items] == [(6, 2, 1, False), (7, 0, 0, True)]
    # confirmed changes commit, and update the hidden row too, as the review said
    result = commit_changes(db.engine, SPEC, confirm(items))
    assert result.rows == 2
    assert db.table() == [(6, 9), (6, 9)]


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=["postgresql", "sqlite"])
def test_preview_sql_shows_the_values(dialect) -> None:
    changes = [PendingChange(9, 11, (10, 10), 6), PendingChange(13, 15, (), 6), PendingChange(-4, -2147483648)]
    sql = preview_sql(dialect, SPEC, changes)
    for value in ("9", "11", "13", "15", "-4", "-2147483648"):
        assert value in sql
    assert "UPDATE some_table" in sql
    assert sql.startswith("BEGIN IMMEDIATE;" if dialect.name == "sqlite" else "BEGIN;")
    assert sql.rstrip().endswith("COMMIT;")
    if dialect.name == "postgresql":
        assert "unnest" in sql
    assert ":" + "xs" not in sql and "%(" not in sql  # no unfilled placeholders


def test_preview_sql_shows_one_update_per_chunk() -> None:
    changes = [PendingChange(k, k + 1) for k in range(CHUNK + 1)]
    sql = preview_sql(postgresql.dialect(), SPEC, changes)
    assert sql.count("UPDATE some_table") == 2


# -- conflicts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("other_client", "current"),
    [
        ("UPDATE some_table SET y = 12 WHERE x = 9", (12, 12)),
        ("DELETE FROM some_table WHERE x = 9", ()),
        ("INSERT INTO some_table VALUES (9, 10)", (10, 10, 10)),
        ("INSERT INTO some_table VALUES (9, 30)", (10, 10, 30)),
        ("UPDATE some_table SET y = 11 WHERE x = 9", (11, 11)),
    ],
    ids=["changed", "deleted", "added-same", "added-other", "changed-to-mine"],
)
def test_conflict_writes_nothing_and_lists_three_values(make_db: MakeDb, other_client: str, current) -> None:
    db = make_db()
    mine = [change(9, 11), change(20, 21)]
    db.run(other_client)
    before = db.table()
    with pytest.raises(ConflictError) as excinfo:
        commit_changes(db.engine, SPEC, mine)
    assert excinfo.value.conflicts == [Conflict(9, (10, 10), current, 11)]
    assert "9" in excinfo.value.message
    assert db.table() == before  # x=20 was not written either


@pytest.mark.parametrize(
    "other_client",
    [
        "UPDATE some_table SET y = 12 WHERE x = 6",  # another x
        "UPDATE some_table SET y = 10 WHERE x = 9",  # same values as loaded
        "INSERT INTO some_table VALUES (9, 3)",  # a row hidden at the threshold, before the review
        "INSERT INTO some_table VALUES (13, 13)",
    ],
)
def test_changes_that_are_not_conflicts(make_db: MakeDb, other_client: str) -> None:
    db = make_db()
    db.run(other_client)
    before = db.table()
    commit_changes(db.engine, SPEC, [change(9, 11)])
    assert db.table() == with_values(before, {9: 11})


@pytest.mark.parametrize(
    "other_client",
    [
        "INSERT INTO some_table VALUES (9, 3)",  # hidden: the review counted 2 rows
        "UPDATE some_table SET y = 12 WHERE x = 9",
        "DELETE FROM some_table WHERE x = 9",
    ],
)
def test_state_changed_since_review_is_a_conflict(make_db: MakeDb, other_client: str) -> None:
    db = make_db()
    confirmed = confirm(review(db.engine, SPEC, [change(9, 11)], 6))
    assert confirmed[0].confirmed == (10, 10)
    db.run(other_client)
    before = db.table()
    with pytest.raises(ConflictError) as excinfo:
        commit_changes(db.engine, SPEC, confirmed)
    assert [c.key for c in excinfo.value.conflicts] == [9]
    assert db.table() == before


def test_keep_mine_and_take_theirs(make_db: MakeDb) -> None:
    db = make_db()
    pending = {9: change(9, 11), 20: change(20, 21), 100: change(100, 99)}
    db.run("UPDATE some_table SET y = 12 WHERE x = 9")
    db.run("UPDATE some_table SET y = 30 WHERE x = 20")
    with pytest.raises(ConflictError) as excinfo:
        commit_changes(db.engine, SPEC, list(pending.values()))
    conflicts = {c.key: c for c in excinfo.value.conflicts}
    assert conflicts == {
        9: Conflict(9, (10, 10), (12, 12), 11),
        20: Conflict(20, (20, 20), (30, 30), 21),
    }
    assert db.values(100) == (100, 100)
    # x=9: keep mine (commit over theirs, knowingly); x=20: take theirs (drop mine)
    pending[9] = keep_mine(pending[9], conflicts[9])
    del pending[20]
    result = commit_changes(db.engine, SPEC, list(pending.values()))
    assert result.rows == 4
    assert (db.values(9), db.values(20), db.values(100)) == ((11, 11), (30, 30), (99, 99))


def test_keep_mine_still_detects_a_later_change(make_db: MakeDb) -> None:
    db = make_db()
    mine = change(9, 11)
    db.run("UPDATE some_table SET y = 12 WHERE x = 9")
    with pytest.raises(ConflictError) as excinfo:
        commit_changes(db.engine, SPEC, [mine])
    mine = keep_mine(mine, excinfo.value.conflicts[0])
    db.run("UPDATE some_table SET y = 13 WHERE x = 9")  # yet another change while deciding
    with pytest.raises(ConflictError):
        commit_changes(db.engine, SPEC, [mine])
    assert db.values(9) == (13, 13)


# -- read-only --------------------------------------------------------------------------


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_read_only_refuses_commit_but_browses(make_db: MakeDb, index: bool) -> None:
    db = make_db(index=index).reopen(read_only=True)
    with pytest.raises(UserError) as excinfo:
        commit_changes(db.engine, SPEC, [change(9, 11)])
    assert isinstance(excinfo.value, ReadOnly), repr(excinfo.value)
    assert excinfo.value.message
    assert db.table() == sorted(SEED)
    assert read_all(RowSource(db.engine, SPEC, 6), 3) == sorted(r for r in SEED if r[1] > 6)
    assert count_rows(db.engine, SPEC, 0) == len(SEED)
    (item,) = review(db.engine, SPEC, [change(9, 11)], 6)
    assert item.rows == 2


def other_client_write(db, sql: str) -> BaseException | None:
    """Try ``sql`` from another client without waiting for locks; the error, if refused."""
    if db.is_pg:
        conn = psycopg2.connect(
            host=db.settings.host, port=db.settings.port, dbname=db.settings.database,
            user=db.settings.user, password=db.settings.password,
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SET lock_timeout = '200ms'")
                cur.execute(sql)
        except psycopg2.Error as error:
            return error
        finally:
            conn.close()
        return None
    conn = sqlite3.connect(db.settings.demo_path, timeout=0, isolation_level=None)
    try:
        conn.execute(sql)
    except sqlite3.Error as error:
        return error
    finally:
        conn.close()
    return None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_write_between_check_and_update_is_never_overwritten(make_db: MakeDb) -> None:
    """Another client writes right after the commit compared the rows: it must wait or fail,
    not succeed and then be silently overwritten.  (On PostgreSQL one statement reads and
    updates; test_data_faults.py races a write against that statement.)"""
    db = make_db()
    outcome: list[BaseException | None] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def interleave(conn, cursor, statement, parameters, context, executemany):
        # the rows were read and compared; the UPDATE is about to run
        if not outcome and statement.lstrip().upper().startswith("UPDATE"):
            outcome.append(other_client_write(db, "UPDATE some_table SET y = 12 WHERE x = 9"))

    commit_changes(db.engine, SPEC, [change(9, 11)])
    assert len(outcome) == 1
    assert outcome[0] is not None, "the other client's write went through between check and update"
    assert db.values(9) == (11, 11)


def test_values_a_trigger_stored_instead_of_the_typed_ones_are_reported(make_db) -> None:
    """The commit reads back what was stored: the audit and the window say it."""
    from gui.data.commit import TRIGGER_NOTE, review

    db = make_db()
    if db.is_pg:
        db.run("CREATE FUNCTION tenth() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.y := NEW.y / 10; RETURN NEW; END $$")
        db.run("CREATE TRIGGER tenth BEFORE UPDATE ON some_table FOR EACH ROW EXECUTE FUNCTION tenth()")
    else:
        db.run("CREATE TRIGGER tenth AFTER UPDATE OF y ON some_table BEGIN UPDATE some_table SET y = NEW.y / 10 WHERE rowid = NEW.rowid; END")
    changes = [seen_change(SEED, 9, 500), seen_change(SEED, 20, 21)]
    assert review(db.engine, SPEC, changes, 6).notes == (TRIGGER_NOTE,)
    result = commit_changes(db.engine, SPEC, changes)
    assert result.altered == {9: (50, 50), 20: (2, 2)}
    assert result.stored(changes[0]) == (50, 50)
    assert db.values(9) == (50, 50)
