"""Real faults on the real PostgreSQL: killed connections, a server restart, locks,
cancel and statement timeouts.  Whatever happens, a commit is all or nothing, and a
second attempt succeeds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import psycopg2
import pytest

from gui.data import commit as commit_module
from gui.data.commit import commit_changes, review
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken
from gui.data.errors import Cancelled, Conflict, ConflictError, ConnectionFailed, UserError, user_errors
from gui.data import rows as rows_module
from gui.data.rows import RowSource, count_rows
from pgcluster import PgCluster, PgDatabase
from test_data_support import SEED, Db, MakeDb, backend, make_db, read_all, seen_change, wait_until  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

SPEC = DEFAULT_SPEC
AFTER = sorted((x, {6: 7, 9: 11}.get(x, y)) for x, y in SEED)


def mine() -> list:
    """Two edits made after loading the seed at threshold 6."""
    return [seen_change(SEED, 6, 7), seen_change(SEED, 9, 11)]


def app_backends(cluster: PgCluster, database: str) -> list[tuple[int, str | None, str]]:
    """(pid, wait_event_type, state) of the application's connections."""
    conn = cluster.connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid, wait_event_type, state FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'table-editor'"
            )
            return cur.fetchall()
    finally:
        conn.close()


def terminate_app(cluster: PgCluster, database: str) -> int:
    conn = cluster.connect(database)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'table-editor'"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def waiting_on_lock(cluster: PgCluster, database: str) -> bool:
    return any(wait == "Lock" for _pid, wait, _state in app_backends(cluster, database))


@pytest.fixture
def locker(pg_cluster: PgCluster, pg_db: PgDatabase) -> Iterator[Callable[[str], psycopg2.extensions.connection]]:
    """``locker(sql)``: a second client that runs ``sql`` in a transaction it keeps open."""
    held: list[psycopg2.extensions.connection] = []

    def hold(sql: str) -> psycopg2.extensions.connection:
        conn = pg_cluster.connect(pg_db.name)
        conn.autocommit = False
        held.append(conn)
        with conn.cursor() as cur:
            cur.execute(sql)
        return conn

    yield hold
    for conn in held:
        conn.close()


class InThread:
    """Run ``fn`` on a worker thread, as the application's task runner does."""

    def __init__(self, fn: Callable[[], object]):
        self.result: object = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn) -> None:
        try:
            self.result = fn()
        except BaseException as error:  # handed to the test thread
            self.error = error

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


# -- lost connections ----------------------------------------------------------------


@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_terminated_connection_between_load_and_commit(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, index: bool
) -> None:
    db = make_db(index=index)
    source = RowSource(db.engine, SPEC, 6)
    source.fetch(3)  # loaded; with no index the sorted pass keeps its connection
    assert terminate_app(pg_cluster, pg_db.name) >= 1
    result = commit_changes(db.engine, SPEC, mine())
    assert result.rows == 4
    assert db.table() == AFTER
    source.close()


@pytest.fixture(params=["in-memory", "spilled"])
def unindexed_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Without an index the sorted pass is held in memory, or (for a table too big
    for that) in spill files; ``spilled`` forces the latter on a small table."""
    if request.param == "spilled":
        monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", -1)
    return request.param


def test_connection_terminated_while_paging_unindexed(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, unindexed_strategy: str
) -> None:
    """Killing the connection mid-result: the remaining pages come, or a ConnectionFailed."""
    db = make_db(index=False)
    source = RowSource(db.engine, SPEC, 0)
    xs, ys = source.fetch(3)
    assert source.strategy == "held"
    terminate_app(pg_cluster, pg_db.name)
    try:
        rest = read_all(source, 4)
    except ConnectionFailed:
        pass
    else:
        assert list(zip(xs.tolist(), ys.tolist())) + rest == sorted(SEED)
    source.close()
    # a new source on the same engine reads everything again
    assert read_all(RowSource(db.engine, SPEC, 0), 4) == sorted(SEED)


def test_a_cancelled_first_page_can_be_fetched_again(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker, unindexed_strategy: str
) -> None:
    """Cancel while the unindexed pass waits on a lock; the same source then reads
    everything once the lock is gone (nothing half-opened is left behind)."""
    db = make_db(index=False)
    source = RowSource(db.engine, SPEC, 0)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    token = CancelToken()
    page = InThread(lambda: source.fetch(4, cancel=token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the first page to wait on the lock")
    token.cancel()
    assert page.join(5)
    assert isinstance(page.error, Cancelled), repr(page.error)
    assert source.strategy is None
    lock.rollback()
    assert read_all(source, 4) == sorted(SEED)
    assert source.strategy == "held"


def test_server_restart_between_load_and_commit(make_db: MakeDb, pg_cluster: PgCluster) -> None:
    db = make_db()
    read_all(RowSource(db.engine, SPEC, 6), 3)
    pg_cluster.restart()
    try:
        commit_changes(db.engine, SPEC, mine())
    except ConnectionFailed:
        assert db.table() == sorted(SEED)
        commit_changes(db.engine, SPEC, mine())
    assert db.table() == AFTER


def test_connection_killed_during_commit(make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    """Killed after the first change's rows are locked: nothing half-applied, the retry works."""
    db = make_db()
    lock = locker("SELECT * FROM some_table WHERE x = 9 FOR UPDATE")
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine()))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the lock")
    terminate_app(pg_cluster, pg_db.name)
    assert commit.join(10)
    assert isinstance(commit.error, ConnectionFailed), repr(commit.error)
    lock.rollback()
    assert db.table() == sorted(SEED)
    assert commit_changes(db.engine, SPEC, mine()).rows == 4
    assert db.table() == AFTER


# -- locks and cancel -----------------------------------------------------------------


def test_cancel_a_commit_waiting_on_a_lock(make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    db = make_db()
    lock = locker("SELECT * FROM some_table WHERE x = 9 FOR UPDATE")
    token = CancelToken()
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine(), cancel=token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the lock")
    assert commit.join(0.2) is False  # really waiting
    token.cancel()
    assert commit.join(2), "the commit did not stop within 2 s of Cancel"
    assert isinstance(commit.error, Cancelled), repr(commit.error)
    assert "Nothing was changed" in commit.error.message
    lock.rollback()
    assert db.table() == sorted(SEED)
    # after the lock is released, the same changes commit, on the same engine
    assert commit_changes(db.engine, SPEC, mine()).rows == 4
    assert db.table() == AFTER


def test_commit_waits_for_the_lock_then_applies(make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    db = make_db()
    lock = locker("SELECT * FROM some_table WHERE x = 6 FOR UPDATE")
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine()))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the lock")
    assert db.table() == sorted(SEED)
    lock.rollback()
    assert commit.join(10) and commit.error is None, repr(commit.error)
    assert db.table() == AFTER


@pytest.mark.parametrize(
    ("other_client", "after"),
    [
        ("UPDATE some_table SET y = 12 WHERE x = 9", (12, 12)),
        ("DELETE FROM some_table WHERE x = 9", ()),
    ],
    ids=["changed", "deleted"],
)
def test_a_write_committed_while_the_commit_runs_is_never_overwritten(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker, other_client: str, after
) -> None:
    """The commit's statement has begun (it read x=9 as the user saw it) when another
    client's change to x=9 lands: that change is kept, reported as a conflict, and
    nothing of this commit is written."""
    db = make_db()
    other = locker(other_client)  # written, not yet committed: the commit waits for it
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine()))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the other write")
    other.commit()
    assert commit.join(10)
    assert isinstance(commit.error, ConflictError), repr(commit.error)
    assert commit.error.conflicts == [Conflict(9, (10, 10), after, 11)]
    assert db.values(9) == after
    assert db.values(6) == (8, 8)  # the other change of the commit was not written either


def test_a_concurrent_write_of_the_same_values_is_not_a_conflict(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker
) -> None:
    """Another client rewrote x=9 with the values it had while the commit waited: the
    commit starts over, finds the rows as the user saw them, and applies."""
    db = make_db()
    other = locker("UPDATE some_table SET y = y WHERE x = 9")
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine()))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the other write")
    other.commit()
    assert commit.join(10) and commit.error is None, repr(commit.error)
    assert commit.result.rows == 4
    assert db.table() == AFTER


def test_a_commit_that_keeps_losing_the_race_says_so(make_db: MakeDb, monkeypatch) -> None:
    """Every attempt refused as a serialization failure: a message in words, nothing written."""
    db = make_db()
    attempts: list[int] = []

    def refuse(engine, spec, changes, cancel):
        attempts.append(1)
        with engine.connect() as conn:
            conn.exec_driver_sql("DO $$ BEGIN RAISE EXCEPTION 'race' USING ERRCODE = 'serialization_failure'; END $$")

    monkeypatch.setattr(commit_module, "_commit_postgresql", refuse)
    with pytest.raises(UserError) as excinfo:
        commit_changes(db.engine, SPEC, mine())
    assert len(attempts) == commit_module.ATTEMPTS
    assert "Another client was changing the same rows" in excinfo.value.message
    assert db.table() == sorted(SEED)


def test_rows_a_trigger_refuses_to_update_fail_the_commit(make_db: MakeDb) -> None:
    """A trigger silently skips the update of x=9's rows: the commit does not report
    success with rows left as they were; it fails, says why, and writes nothing."""
    db = make_db()
    db.run(
        "CREATE FUNCTION keep_nine() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.x = 9 THEN RETURN NULL; END IF; RETURN NEW; END $$"
    )
    db.run("CREATE TRIGGER keep_nine BEFORE UPDATE ON some_table FOR EACH ROW EXECUTE FUNCTION keep_nine()")
    with pytest.raises(UserError) as excinfo:
        commit_changes(db.engine, SPEC, mine())
    assert "Some rows were not updated" in excinfo.value.message
    assert "trigger" in excinfo.value.message
    assert db.table() == sorted(SEED)  # x=6 was not written either


def test_a_token_cancelled_before_the_commit_starts_writes_nothing(make_db: MakeDb) -> None:
    """Cancel pressed before the worker reached the database: the commit must not run."""
    db = make_db()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        commit_changes(db.engine, SPEC, mine(), cancel=token)
    assert db.table() == sorted(SEED)


def test_cancel_a_count_waiting_on_a_table_lock(make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    db = make_db()
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    token = CancelToken()
    count = InThread(lambda: count_rows(db.engine, SPEC, 0, cancel=token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the count to wait on the lock")
    token.cancel()
    assert count.join(2)
    assert isinstance(count.error, Cancelled), repr(count.error)
    lock.rollback()
    assert count_rows(db.engine, SPEC, 0) == len(SEED)


def cancel_first_page(db: Db, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    """The first page (an index scan, or the one sorted pass) waits on a table lock; Cancel stops it."""
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    token = CancelToken()
    source = RowSource(db.engine, SPEC, 0)
    fetch = InThread(lambda: source.fetch(3, cancel=token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the page to wait on the lock")
    token.cancel()
    assert fetch.join(2)
    assert isinstance(fetch.error, Cancelled), repr(fetch.error)
    lock.rollback()
    source.close()
    assert read_all(RowSource(db.engine, SPEC, 0), 3) == sorted(SEED)


def test_cancel_a_page_waiting_on_a_table_lock(make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    cancel_first_page(make_db(index=True), pg_cluster, pg_db, locker)


def test_cancel_an_unindexed_pass_waiting_on_a_table_lock(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker, unindexed_strategy: str
) -> None:
    cancel_first_page(make_db(index=False), pg_cluster, pg_db, locker)


def test_statement_timeout(make_db: MakeDb, locker) -> None:
    db = make_db().reopen(statement_timeout_ms=300)
    lock = locker("SELECT * FROM some_table WHERE x = 9 FOR UPDATE")
    started = time.monotonic()
    with pytest.raises(UserError) as excinfo:
        commit_changes(db.engine, SPEC, mine())
    assert time.monotonic() - started < 5
    assert not isinstance(excinfo.value, Cancelled)
    assert "statement timeout" in excinfo.value.message
    lock.rollback()
    assert db.table() == sorted(SEED)
    assert commit_changes(db.engine, SPEC, mine()).rows == 4


def test_a_cancel_between_statements_stops_the_next_one(make_db: MakeDb) -> None:
    """The server drops a cancel that arrives while nothing runs; the token keeps
    asking until the worker lets go, so the statement after it is stopped too."""
    db = make_db()
    token = CancelToken()
    with db.engine.connect() as conn:
        token.attach(conn)
        token.cancel()  # nothing is running on the connection yet
        time.sleep(0.3)  # the first request has reached an idle server
        started = time.monotonic()
        with pytest.raises(Cancelled):
            with user_errors():
                conn.exec_driver_sql("SELECT pg_sleep(20)")
        assert time.monotonic() - started < 2
        token.detach()


def _review(db: Db, token: CancelToken) -> None:
    review(db.engine, SPEC, mine(), 6, cancel=token)


def _count(db: Db, token: CancelToken) -> None:
    count_rows(db.engine, SPEC, 0, cancel=token)


def _page(db: Db, token: CancelToken) -> None:
    RowSource(db.engine, SPEC, 0).fetch(3, cancel=token)


@pytest.mark.parametrize(
    "finished_task",
    [
        _review,
        _count,
        _page,
    ],
)
def test_cancelling_a_finished_task_does_not_cancel_the_next_one(
    make_db: MakeDb, pg_cluster: PgCluster, pg_db: PgDatabase, locker, finished_task
) -> None:
    """A late Cancel for a task that is done must not hit whatever its pooled connection runs next."""
    db = make_db()
    token = CancelToken()
    finished_task(db, token)
    lock = locker("SELECT * FROM some_table WHERE x = 9 FOR UPDATE")
    commit = InThread(lambda: commit_changes(db.engine, SPEC, mine()))  # reuses the pooled connection
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the commit to wait on the lock")
    token.cancel()
    lock.rollback()
    assert commit.join(10)
    assert commit.error is None, repr(commit.error)
    assert db.table() == AFTER
