"""Through a transaction-mode pooler (a real PgBouncer, as Neon's ``-pooler`` hosts
are), everything works as on a direct connection: every paging path reads every row
exactly once while other clients share the pool, two readers of one big table both
finish, read-only and a statement timeout hold per transaction and leak into no
other client's transaction, and commits and conflicts behave as they do directly.

Also on the direct server: the user's own ``options`` and ``connect_timeout`` reach
the server unchanged, and a server that closes idle connections between pages
costs nothing.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import URL, create_engine, event, text

from conftest import PG_PASSWORD, require_pgbouncer
from gui.data import rows as rows_module
from gui.data.commit import commit_changes
from gui.data.config import DEFAULT_SPEC as SPEC
from gui.data.connection import ConnectionSettings, check_connection, create_engine_for, settings_from_url
from gui.data.csvio import export_rows
from gui.data.errors import ConflictError, ConnectionFailed, QueryFailed, ReadOnly, user_errors
from gui.data.rows import RowSource, count_rows
from pgbouncer import PgBouncer
from pgcluster import PgCluster, PgDatabase
from test_data_faults import InThread, locker, terminate_app, waiting_on_lock  # noqa: F401 - locker is a fixture
from test_data_support import read_all, seen_change, wait_until

pytestmark = pytest.mark.postgres

ROWS = 30_000  # 3 pages of the bulk size; runs of equal keys cross page bounds
SPILL_BUDGET = 10_000  # rows the tests let a sorted pass hold in memory


def _url(host: str, port: int, db: PgDatabase, **query: str) -> str:
    return URL.create(
        "postgresql", db.user, db.password, host, port, db.name, query=query
    ).render_as_string(hide_password=False)


def _fill(engine, rows: int, index: bool, bloat: int = 0) -> None:
    """``some_table`` with ``rows`` rows whose keys repeat in runs of up to 7; with
    ``bloat``, that many more rows are added and deleted again (the table keeps
    their space on disk, as a table does after a large DELETE)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        if bloat:  # first: VACUUM gives back empty pages only at the table's end
            conn.execute(text("INSERT INTO some_table SELECT -1, 1000 + g FROM generate_series(1, :n) g"), {"n": bloat})
        conn.execute(
            text("INSERT INTO some_table SELECT (g * 7919) % :n / 7, g % 1000 FROM generate_series(1, :n) g"),
            {"n": rows},
        )
        if bloat:
            conn.execute(text("DELETE FROM some_table WHERE x = -1"))
        if index:
            conn.execute(text("CREATE INDEX ON some_table (x, y)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE some_table"))  # statistics for the parallel split


def _direct(engine, threshold: int, start_key: int | None = None) -> list[tuple[int, int]]:
    sql = "SELECT x, y FROM some_table WHERE y > :t AND x IS NOT NULL AND x >= :k ORDER BY x, y"
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), {"t": threshold, "k": -(2**31) if start_key is None else start_key})]


def assert_nothing_left_in_a_transaction(pg_engine) -> None:
    """No other session of the test database sits in a transaction: a held cursor
    or a page left unfinished would, and through a transaction-mode pooler the
    next client of that server connection would meet it."""
    with pg_engine.connect() as conn:
        left_open = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
            )
        ).scalar_one()
    assert left_open == 0


@pytest.fixture
def busy_pool(pgbouncer: PgBouncer, pg_db: PgDatabase) -> Iterator[None]:
    """Two other clients of the same pool (same database and role) running short
    transactions the whole time, so that consecutive transactions of the app land
    on different server connections.  Each is one autocommitted statement: an
    explicit transaction would sit 'idle in transaction' between psycopg2's BEGIN
    and its query, which the checks below would take for the app's."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def churn() -> None:
        try:
            conn = pgbouncer.connect(pg_db.name, pg_db.user, PG_PASSWORD)
            conn.autocommit = True
            try:
                deadline = time.monotonic() + 120
                while not stop.is_set() and time.monotonic() < deadline:
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.002)")
            finally:
                conn.close()
        except BaseException as error:  # noqa: BLE001 - reported by the fixture
            errors.append(error)

    threads = [threading.Thread(target=churn, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not errors, errors


@pytest.fixture
def pooled(pgbouncer: PgBouncer, pg_db: PgDatabase, pg_engine) -> ConnectionSettings:
    """The app's settings for ``pg_db`` through the transaction-mode PgBouncer."""
    return settings_from_url(_url(pgbouncer.host, pgbouncer.port, pg_db))


@pytest.fixture(params=["transaction", "session"])
def any_pool(request, pg_db: PgDatabase, pg_engine) -> ConnectionSettings:
    """The app's settings for ``pg_db`` through PgBouncer in either pool mode."""
    bouncer = request.getfixturevalue("pgbouncer" if request.param == "transaction" else "pgbouncer_session")
    return settings_from_url(_url(bouncer.host, bouncer.port, pg_db))


def _app_engine(settings: ConnectionSettings, request: pytest.FixtureRequest, **changes):
    engine = create_engine_for(dataclasses.replace(settings, **changes))
    request.addfinalizer(engine.dispose)
    return engine


PATHS = {
    # name: (index, page, PASS_MAX_ROWS, PARALLEL_MIN_ROWS, bloat)
    "keyset-rows": (True, 700, None, None, 0),
    "keyset-copy": (True, 12_000, None, None, 0),
    "keyset-parallel": (True, 12_000, None, 5_000, 0),
    "sorted-in-memory": (False, 700, None, None, 0),
    "sorted-in-memory-parallel": (False, 5_000, None, 5_000, 0),
    "sorted-spilled-bloated": (False, 4_000, SPILL_BUDGET, None, 60_000),
    "sorted-spilled-parallel": (False, 4_000, SPILL_BUDGET, 5_000, 60_000),
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("start_key", [None, 1234], ids=["from-start", "go-to"])
def test_every_paging_path_reads_every_row_once_through_the_pooler(
    request, pooled, pg_engine, busy_pool, monkeypatch, tmp_path: Path, path: str, start_key: int | None
) -> None:
    index, page, budget, parallel, bloat = PATHS[path]
    if budget is not None:
        monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", budget)
    if parallel is not None:
        monkeypatch.setattr(rows_module, "PARALLEL_MIN_ROWS", parallel)
    _fill(pg_engine, ROWS, index=index, bloat=bloat)
    engine = _app_engine(pooled, request)
    source = RowSource(engine, SPEC, 100, start_key, spill_dir=tmp_path / "cache")
    first = source.fetch(page)
    assert source.spilled == (budget is not None)
    rest = read_all(source, page)
    assert list(zip(first[0].tolist(), first[1].tolist())) + rest == _direct(pg_engine, 100, start_key)
    assert source.strategy == ("keyset" if index else "held")
    assert source.exhausted and not source.spilled  # spill files go with the result
    if start_key is None:
        assert count_rows(engine, SPEC, 100) == len(_direct(pg_engine, 100))
    assert_nothing_left_in_a_transaction(pg_engine)


def test_a_bloated_table_is_paged_from_a_spill_file_in_the_cache_folder(request, pooled, pg_engine, monkeypatch, tmp_path):
    """The memory budget is judged from the table's size on disk, so a table that
    was once big takes the spilled path; its file lives in the cache folder, has no
    name there, and goes when the result is closed."""
    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", SPILL_BUDGET)
    _fill(pg_engine, 3_000, index=False, bloat=60_000)
    cache = tmp_path / "cache"
    source = RowSource(_app_engine(pooled, request), SPEC, 100, spill_dir=cache)
    first = source.fetch(1_000)
    assert source.spilled and len(first[0]) == 1_000
    assert list(cache.iterdir()) == []  # unnamed: nothing to leave behind after a crash
    rest = read_all(source, 1_000)
    assert list(zip(first[0].tolist(), first[1].tolist())) + rest == _direct(pg_engine, 100)
    assert not source.spilled


def test_two_readers_of_one_big_table_both_finish(request, any_pool, pg_engine, busy_pool, monkeypatch, tmp_path) -> None:
    """Two windows (or two colleagues) on one table through the same pool."""
    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", SPILL_BUDGET)
    _fill(pg_engine, ROWS, index=False, bloat=60_000)
    assert two_readers(any_pool, tmp_path, 2_000) == [_direct(pg_engine, 100)] * 2


def two_readers(settings: ConnectionSettings, tmp_path: Path, page: int) -> list[object]:
    """What two readers (two windows, or two colleagues) of ``some_table`` above 100,
    each with an engine of its own, read at the same time: their rows, or the error."""
    results: dict[int, object] = {}

    def read(n: int) -> None:
        try:
            engine = create_engine_for(settings)
            try:
                results[n] = read_all(RowSource(engine, SPEC, 100, spill_dir=tmp_path / f"cache{n}"), page)
            finally:
                engine.dispose()
        except BaseException as error:  # noqa: BLE001 - compared by the caller
            results[n] = error

    threads = [threading.Thread(target=read, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return [results.get(1), results.get(2)]


def _settings_in_a_transaction(engine) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT current_setting('transaction_read_only'), current_setting('statement_timeout'),"
                 " current_setting('search_path')")
        ).one()
    return tuple(row)


def test_read_only_and_statement_timeout_hold_per_transaction_through_the_pooler(
    request, any_pool, pg_engine, busy_pool
) -> None:
    _fill(pg_engine, 100, index=True)
    engine = _app_engine(any_pool, request, read_only=True, statement_timeout_ms=1500)
    assert check_connection(engine).startswith("PostgreSQL")
    for _ in range(5):  # whichever server connection each transaction lands on
        assert _settings_in_a_transaction(engine)[:2] == ("on", "1500ms")
    assert read_all(RowSource(engine, SPEC, 0), 30) == _direct(pg_engine, 0)
    with pytest.raises(QueryFailed, match="statement timeout"):
        with engine.connect() as conn, user_errors():
            conn.execute(text("SELECT pg_sleep(3)"))
    with pytest.raises(ReadOnly) as refused:
        commit_changes(engine, SPEC, [seen_change([(k, v) for k, v in _direct(pg_engine, -1)], 1, 5, None)])
    assert "SELECT" not in refused.value.message
    # nothing leaked into the pool: a plain client of the same pool gets the defaults
    plain = _app_engine(any_pool, request)
    for _ in range(5):
        assert _settings_in_a_transaction(plain)[:2] == ("off", "0")


def test_commit_and_conflict_through_the_pooler(request, any_pool, pg_engine, busy_pool) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table VALUES (1, 10), (1, 11), (2, 20), (3, 30)"))
    engine = _app_engine(any_pool, request)
    loaded = read_all(RowSource(engine, SPEC, 0), 2)
    result = commit_changes(engine, SPEC, [seen_change(loaded, 1, 15, 0)])
    assert result.rows == 2
    with pg_engine.begin() as conn:  # another client changes x = 2 behind the editor's back
        conn.execute(text("UPDATE some_table SET y = 21 WHERE x = 2"))
    with pytest.raises(ConflictError) as conflict:
        commit_changes(engine, SPEC, [seen_change(loaded, 2, 25, 0), seen_change(loaded, 3, 35, 0)])
    assert [c.key for c in conflict.value.conflicts] == [2]
    assert _direct(pg_engine, 0) == [(1, 15), (1, 15), (2, 21), (3, 30)]  # nothing of the second commit


def test_export_through_the_pooler(request, pooled, pg_engine, busy_pool, tmp_path) -> None:
    _fill(pg_engine, ROWS, index=False)
    path = tmp_path / "rows.csv"
    rows = export_rows(_app_engine(pooled, request), SPEC, 100, path)
    expected = _direct(pg_engine, 100)
    assert rows == len(expected)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [tuple(map(int, line.split(","))) for line in lines[1:]] == expected


# -- the user's options, on the direct server ------------------------------------------


@pytest.mark.parametrize("read_only", [False, True], ids=["writable", "read-only"])
def test_the_urls_options_and_timeout_reach_the_server(request, pg_db, pg_engine, read_only: bool) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA sales"))
    pasted = _url(pg_db.host, pg_db.port, pg_db, options="-c search_path=sales,public", connect_timeout="7")
    engine = _app_engine(settings_from_url(pasted), request, read_only=read_only, statement_timeout_ms=2000)
    used: dict = {}
    event.listen(engine, "do_connect", lambda dialect, record, cargs, cparams: used.update(cparams))
    read_only_now, timeout, search_path = _settings_in_a_transaction(engine)
    assert search_path == "sales,public"  # the URL's options, not replaced by ours
    assert (read_only_now, timeout) == ("on" if read_only else "off", "2s")
    assert used["connect_timeout"] == "7" and used["options"] == "-c search_path=sales,public"


@pytest.mark.parametrize("path", ["keyset", "keyset-parallel", "sorted-pass", "sorted-spilled"])
def test_idle_session_timeout_between_pages_costs_nothing(
    request, pg_cluster: PgCluster, pg_db, pg_engine, monkeypatch, tmp_path, path: str
) -> None:
    """The server (like Neon suspending an idle compute) closes the app's idle
    connections between two pages, on every paging path: the load goes on."""
    if path == "keyset-parallel":
        monkeypatch.setattr(rows_module, "PARALLEL_MIN_ROWS", 500)
    if path == "sorted-spilled":
        monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", 1_000)
    _fill(pg_engine, 3_000, index=path.startswith("keyset"), bloat=60_000 if path == "sorted-spilled" else 0)
    pg_cluster.execute(psycopg2.sql.SQL("ALTER ROLE {} SET idle_session_timeout = '300ms'").format(psycopg2.sql.Identifier(pg_db.user)))
    engine = _app_engine(settings_from_url(_url(pg_db.host, pg_db.port, pg_db)), request)
    source = RowSource(engine, SPEC, 100, spill_dir=tmp_path / "cache")
    loaded = []
    while not source.exhausted:
        xs, ys = source.fetch(500)
        loaded += list(zip(xs.tolist(), ys.tolist()))
        time.sleep(0.5)  # every pooled connection is closed by the server meanwhile
    assert loaded == _direct(pg_engine, 100)
    time.sleep(0.5)
    assert count_rows(engine, SPEC, 100) == len(loaded)


@pytest.mark.parametrize("what", ["page", "count"])
def test_a_read_whose_connection_the_server_closes_midway_is_read_again(
    request, pg_cluster: PgCluster, pg_db, pg_engine, locker, what: str
) -> None:
    """The server ends the app's connection while a page (or the count) is being
    read: it is read again on a fresh connection, from where the load stopped."""
    _fill(pg_engine, 3_000, index=True)
    engine = _app_engine(settings_from_url(_url(pg_db.host, pg_db.port, pg_db)), request)
    source = RowSource(engine, SPEC, 100)
    first = source.fetch(500)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    read = InThread(lambda: source.fetch(500) if what == "page" else source.count())
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what=f"the {what} to wait on the lock")
    assert terminate_app(pg_cluster, pg_db.name) == 1
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what=f"the {what} to be read again")
    lock.rollback()
    assert read.join(10) and read.error is None, repr(read.error)
    expected = _direct(pg_engine, 100)
    if what == "count":
        assert read.result == len(expected)
        return
    second = read.result
    rest = read_all(source, 500)
    got = list(zip(first[0].tolist(), first[1].tolist())) + list(zip(second[0].tolist(), second[1].tolist())) + rest
    assert got == expected


def test_a_second_closed_connection_says_so_and_that_f5_reloads(request, pg_cluster: PgCluster, pg_db, pg_engine, locker) -> None:
    _fill(pg_engine, 3_000, index=True)
    engine = _app_engine(settings_from_url(_url(pg_db.host, pg_db.port, pg_db)), request)
    source = RowSource(engine, SPEC, 100)
    source.fetch(500)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    read = InThread(lambda: source.fetch(500))
    for attempt in ("first", "second"):
        wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what=f"the {attempt} attempt to wait on the lock")
        assert terminate_app(pg_cluster, pg_db.name) == 1
    assert read.join(10)
    lock.rollback()
    assert isinstance(read.error, ConnectionFailed)
    assert "closed the connection" in read.error.message and "F5" in read.error.message
    assert not source.exhausted  # F5 (a new load) reads everything
    assert read_all(RowSource(engine, SPEC, 100), 1_000) == _direct(pg_engine, 100)


def test_review_and_cancel_through_the_pooler(request, pooled, pg_cluster: PgCluster, pg_db, pg_engine, locker, busy_pool) -> None:
    """The review counts through the pooler; Cancel reaches a page that waits on a
    lock through it (PgBouncer forwards the cancel request to the right server
    connection), and the same source reads everything afterwards."""
    from gui.data.commit import review
    from gui.data.connection import CancelToken
    from gui.data.errors import Cancelled

    _fill(pg_engine, 3_000, index=True)
    engine = _app_engine(pooled, request)
    loaded = _direct(pg_engine, 100)
    items = review(engine, SPEC, [seen_change(loaded, loaded[0][0], 5, 100)], 100)
    assert items[0].rows == sum(1 for x, _ in _direct(pg_engine, -10) if x == loaded[0][0])
    source = RowSource(engine, SPEC, 100)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    token = CancelToken()
    page = InThread(lambda: source.fetch(500, token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the page to wait on the lock")
    token.cancel()
    assert page.join(5) and isinstance(page.error, Cancelled), repr(page.error)
    lock.rollback()
    assert read_all(source, 500) == loaded


@pytest.fixture(scope="module")
def tiny_pool(pg_cluster: PgCluster) -> Iterator[PgBouncer]:
    """A transaction pool of one server connection per database and role: the
    smallest a hosted pooler may give one user."""
    require_pgbouncer()
    with PgBouncer(pg_cluster, pool_mode="transaction", default_pool_size=1, extra_settings={"query_wait_timeout": "20"}) as bouncer:
        yield bouncer


@pytest.mark.parametrize("index", [True, False], ids=["keyset", "sorted-pass"])
@pytest.mark.parametrize("options", ["read-only", "statement-timeout", "none"])
def test_parallel_reads_through_a_pool_of_one_never_wait_on_themselves(
    request, tiny_pool: PgBouncer, pg_db, pg_engine, monkeypatch, tmp_path, index: bool, options: str
) -> None:
    """A page read in parts never holds its connection in a transaction while it
    waits for another: with one server connection in the pool, two readers with
    read-only or a statement timeout (both per transaction) both finish."""
    monkeypatch.setattr(rows_module, "PARALLEL_MIN_ROWS", 5_000)
    _fill(pg_engine, ROWS, index=index)
    settings = dataclasses.replace(
        settings_from_url(_url(tiny_pool.host, tiny_pool.port, pg_db)),
        read_only=options == "read-only",
        statement_timeout_ms=20_000 if options == "statement-timeout" else 0,
    )
    assert two_readers(settings, tmp_path, 12_000) == [_direct(pg_engine, 100)] * 2


def test_every_page_honours_the_statement_timeout(request, pooled, pg_cluster: PgCluster, pg_db, pg_engine, locker) -> None:
    """The timeout is set in every transaction, the later pages' too (they go
    straight through the DBAPI cursor), and read-only with it."""
    _fill(pg_engine, 3_000, index=True)
    engine = _app_engine(pooled, request, read_only=True, statement_timeout_ms=1_000)
    source = RowSource(engine, SPEC, 100)
    source.fetch(500)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    started = time.monotonic()
    with pytest.raises(QueryFailed, match="statement timeout"):
        source.fetch(500)
    assert time.monotonic() - started < 5
    lock.rollback()
    assert len(read_all(source, 500)) == len(_direct(pg_engine, 100)) - 500


def test_a_cache_folder_that_cannot_be_written_says_so(request, pg_db, pg_engine, monkeypatch, tmp_path) -> None:
    from gui.data.errors import StorageFailed

    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", SPILL_BUDGET)
    _fill(pg_engine, 3_000, index=False, bloat=60_000)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    engine = _app_engine(settings_from_url(_url(pg_db.host, pg_db.port, pg_db)), request)
    source = RowSource(engine, SPEC, 100, spill_dir=blocker / "cache")
    with pytest.raises(StorageFailed) as refused:
        source.fetch(500)
    assert str(blocker / "cache") in refused.value.message and "F5" in refused.value.message
    assert source.strategy is None  # nothing half-opened: another try starts over
    ok = RowSource(engine, SPEC, 100, spill_dir=tmp_path / "cache")
    assert read_all(ok, 1_000) == _direct(pg_engine, 100)


def test_a_cancelled_read_in_parts_through_a_pool_of_one_ends_at_once(
    request, tiny_pool: PgBouncer, pg_cluster: PgCluster, pg_db, pg_engine, locker, monkeypatch
) -> None:
    """Cancel while the first part waits on a lock and the second waits for the
    pool's one server connection: the first part's transaction ends before anything
    waits for the second, so Cancel ends the read at once (not after PgBouncer's
    query_wait_timeout)."""
    from gui.data.connection import CancelToken
    from gui.data.errors import Cancelled

    monkeypatch.setattr(rows_module, "PARALLEL_MIN_ROWS", 5_000)
    _fill(pg_engine, ROWS, index=True)
    engine = _app_engine(settings_from_url(_url(tiny_pool.host, tiny_pool.port, pg_db)), request, read_only=True)
    source = RowSource(engine, SPEC, 100)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    token = CancelToken()
    read = InThread(lambda: source.fetch(12_000, token))
    wait_until(lambda: waiting_on_lock(pg_cluster, pg_db.name), what="the first part to wait on the lock")
    started = time.monotonic()
    token.cancel()
    assert read.join(10), "the read is still waiting"
    assert isinstance(read.error, Cancelled), repr(read.error)
    assert time.monotonic() - started < 5
    lock.rollback()
    assert read_all(source, 12_000) == _direct(pg_engine, 100)
