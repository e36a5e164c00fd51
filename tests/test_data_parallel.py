"""Big pages read as key ranges on several connections at once (issue 4's full load).

The split is judged from the table's statistics; whatever the statistics say (fresh,
stale or missing), the pages must concatenate to exactly the plain ``ORDER BY x, y``
result: no row dropped or repeated at a range boundary, inside a run of identical
rows, from a "go to x" start, with or without an index.  Each test lowers
``PARALLEL_MIN_ROWS`` so that small tables take the parallel path.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gui.data import rows as rows_module
from gui.data.catalog import ColumnStats
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken
from gui.data.errors import Cancelled, QueryFailed
from gui.data.rows import RowSource, Split, split_keys
from pgcluster import PgCluster, PgDatabase
from test_data_browse import empty_db, full_query, replace_rows, run_rows  # noqa: F401
from test_data_faults import InThread, app_backends, locker  # noqa: F401
from test_data_support import Db, MakeDb, RangeSpy, backend, expected_rows, make_db, read_all, spy_on_ranges, wait_until  # noqa: F401

SPEC = DEFAULT_SPEC


# -- the split, from statistics alone ----------------------------------------------------


def stats(rows: float = 1_000_000, keys=(0, 1_000_000), values=(0, 1_000_000)) -> ColumnStats:
    """Statistics of ``rows`` rows with keys and values spread evenly over the ranges."""
    return ColumnStats(rows, np.linspace(*keys, 101), np.linspace(*values, 101))


@pytest.mark.parametrize(
    ("after", "limit", "parts", "expected"),
    [
        (None, 2_000_000, 2, Split((500_000,), None)),  # the rest fits the page: open end
        (None, 2_000_000, 4, Split((250_000, 500_000, 750_000), None)),
        (None, 400_000, 2, Split((200_000,), 400_000)),  # a page of the first 400,000
        (600_000, 2_000_000, 2, Split((800_000,), None)),
        (500_000, 200_000, 2, Split((600_000,), 700_000)),
    ],
)
def test_split_shares_the_next_page_evenly(after, limit, parts, expected) -> None:
    assert split_keys(stats(), -1, after, limit, parts) == expected


def test_split_counts_only_rows_above_the_threshold() -> None:
    # half the values are above 500,000: the next 400,000 rows span 800,000 keys
    assert split_keys(stats(), 500_000, None, 400_000, 2) == Split((400_000,), 800_000)


@pytest.mark.parametrize(
    ("table_stats", "after", "limit", "parts"),
    [
        (None, None, 1_000_000, 2),  # never analyzed
        (ColumnStats(1_000_000, None, None), None, 1_000_000, 2),  # no histogram
        (stats(), None, 1_000_000, 1),  # one part is no split
        (stats(rows=100_000), None, 1_000_000, 2),  # too few rows to be worth it
        (stats(), 950_000, 1_000_000, 2),  # too few left after the cursor
        (stats(keys=(5, 5)), None, 1_000_000, 2),  # every key the same: nothing to split on
    ],
)
def test_no_split(table_stats, after, limit, parts) -> None:
    assert split_keys(table_stats, -1, after, limit, parts) is None


@given(
    bounds=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=2, max_size=30).map(sorted),
    rows=st.floats(1, 1e9),
    after=st.none() | st.integers(-(2**31), 2**31 - 1),
    limit=st.integers(1, 10**8),
    parts=st.integers(2, 6),
)
def test_split_bounds_always_increase_after_the_cursor(bounds, rows, after, limit, parts) -> None:
    split = split_keys(ColumnStats(rows, np.array(bounds, dtype=float), None), 0, after, limit, parts)
    if split is None:
        return
    edges = [*split.bounds, *([split.end] if split.end is not None else [])]
    assert all(b > a for a, b in zip(edges, edges[1:]))
    assert after is None or edges[0] > after
    assert len(split.bounds) <= parts - 1


# -- pages through the parallel path, on PostgreSQL ----------------------------------------

@pytest.fixture
def parallel(monkeypatch) -> RangeSpy:
    """Every page of 2 rows or more may be split."""
    return spy_on_ranges(monkeypatch, 2)


# thousands of distinct keys around a run of 5,000 identical rows: the statistics have
# a histogram to split by (a table of a few distinct keys has none)
MANY_ROWS = [(k, 3) for k in range(-600, 0)] + run_rows() + [(k, k % 5) for k in range(11, 600)]


def analyze(db: Db) -> None:
    with db.other.begin() as conn:
        conn.execute(text("ANALYZE some_table"))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("page", [50, 100_000])
@pytest.mark.parametrize("start_key", [None, 5, 9])
def test_ranges_keep_a_run_of_identical_rows(make_db: MakeDb, parallel, monkeypatch, index, parts, page, start_key) -> None:
    """5,000 identical rows among thousands of distinct keys (so that the statistics
    have a histogram to split by): every row exactly once."""
    monkeypatch.setattr(rows_module, "PARALLEL_PARTS", parts)
    db = make_db(MANY_ROWS, index=index)
    source = RowSource(db.engine, SPEC, 0, start_key=start_key)
    got = read_all(source, page)
    assert got == [r for r in full_query(db, 0) if start_key is None or r[0] >= start_key]
    assert parallel.reads and max(parallel.reads) >= 2, "no page was read as parallel ranges"


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("page", [500, 4000, 1_000_000])
def test_full_pages_of_many_keys(make_db: MakeDb, parallel, page: int) -> None:
    """Thousands of distinct keys, a long run in the middle: big pages in ranges."""
    rows = [(k % 997, (k * 7) % 89) for k in range(20_000)] + [(500, 50)] * 6000
    db = make_db(rows, index=True)
    wanted = full_query(db, 3)
    source = RowSource(db.engine, SPEC, 3)
    pages = []
    while not source.exhausted:
        xs, _ys = source.fetch(page)
        pages.append(len(xs))
    source.close()
    assert sum(pages) == len(wanted)
    assert read_all(RowSource(db.engine, SPEC, 3), page) == wanted
    assert max(parallel.reads) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # keys mostly distinct, so that ANALYZE keeps a histogram to split by
    analyzed=st.lists(st.tuples(st.integers(0, 1000), st.integers(-2, 3)), min_size=20, max_size=80),
    rows=st.lists(st.tuples(st.integers(0, 1000), st.integers(-2, 3)), max_size=80),
    page=st.integers(2, 30),
    threshold=st.integers(-3, 3),
    start_key=st.none() | st.integers(-1, 41),
)
def test_any_rows_with_stale_statistics(empty_db: Db, parallel, analyzed, rows, page, threshold, start_key) -> None:
    """The statistics describe other rows than the table now holds: the split is off,
    the pages are still exactly the ORDER BY result."""
    db = empty_db
    replace_rows(db, analyzed)
    analyze(db)
    replace_rows(db, rows)
    got = read_all(RowSource(db.engine, SPEC, threshold, start_key=start_key), page, most=len(rows))
    assert got == expected_rows(rows, threshold, start_key)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
@pytest.mark.parametrize("now", [range(400, 500), range(-5000, -4000), range(900, 4000, 7)], ids=["inside", "below", "beyond"])
def test_statistics_of_other_rows(make_db: MakeDb, parallel, index: bool, now: range) -> None:
    """Analyzed with keys 0 to 999, then given keys inside, below or beyond that span:
    ranges are cut where the statistics say, and every row still comes exactly once."""
    db = make_db([(k, k % 3) for k in range(1000)], index=index)
    replace_rows(db, [(k, k % 4) for k in now] * 3)
    got = read_all(RowSource(db.engine, SPEC, 0), 40)
    assert got == full_query(db, 0)
    assert parallel.reads and max(parallel.reads) >= 2


# -- cancel and failures -------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("index", [True, False], ids=["index", "no-index"])
def test_cancel_stops_every_range(make_db: MakeDb, parallel, pg_cluster: PgCluster, pg_db: PgDatabase, locker, index) -> None:
    """Both ranges wait on a lock another client holds; Cancel stops both."""
    db = make_db(MANY_ROWS, index=index)
    source = RowSource(db.engine, SPEC, 0)
    if index:
        source.fetch(3)  # the first page; the next is split
    locks = []
    parallel.before_read = lambda: locks.append(locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE"))
    token = CancelToken()
    fetch = InThread(lambda: source.fetch(100_000, cancel=token))
    wait_until(lambda: len(waiting(pg_cluster, pg_db)) == 2, what="both ranges to wait on the lock")
    token.cancel()
    assert fetch.join(2), "the ranges did not stop within 2 s of Cancel"
    assert isinstance(fetch.error, Cancelled), repr(fetch.error)
    assert waiting(pg_cluster, pg_db) == []
    locks[0].rollback()
    source.close()
    parallel.before_read = lambda: None
    assert read_all(RowSource(db.engine, SPEC, 0), 100_000) == full_query(db, 0)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_failed_range_stops_the_others(make_db: MakeDb, parallel, monkeypatch, pg_cluster: PgCluster, pg_db: PgDatabase, locker) -> None:
    """The first range fails while the second waits on a lock: the page fails at once
    with the first range's error, instead of waiting for the lock to go."""
    db = make_db(MANY_ROWS, index=True)
    source = RowSource(db.engine, SPEC, 0)
    source.fetch(3)
    real = rows_module.copy_packed
    caller = threading.get_ident()

    def first_range_fails(conn, spec, stmt):
        if threading.get_ident() != caller:
            return real(conn, spec, stmt)  # a later range: waits on the lock
        wait_until(lambda: len(waiting(pg_cluster, pg_db)) == 1, what="the second range to wait on the lock")
        raise QueryFailed("the first range failed")

    monkeypatch.setattr(rows_module, "copy_packed", first_range_fails)
    lock = locker("LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE")
    started = time.monotonic()
    with pytest.raises(QueryFailed, match="the first range failed"):
        source.fetch(100_000)
    assert time.monotonic() - started < 5
    assert waiting(pg_cluster, pg_db) == []
    lock.rollback()


def waiting(cluster: PgCluster, db: PgDatabase) -> list[int]:
    """Our connections waiting on a lock."""
    return [pid for pid, wait, _state in app_backends(cluster, db.name) if wait == "Lock"]
