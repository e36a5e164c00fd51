"""No false conflicts for a key whose run of rows crosses a page boundary (the
tutorial's ``some_table`` opened as any table, rows identified by ``x``): whatever
page the user stops at, an edit of a key they saw only part of commits without a
conflict and changes every row with that key, hidden and unloaded ones too; a
real change by another client to a row the user saw is still caught.  A property
test over generated runs on the real PostgreSQL (Qt-free: the window's flow is
:class:`CellSession`, its ``seen`` what the window's loaded pages hold)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from gui.data.cell_commit import CellConflictError
from gui.data.cell_session import CellSession
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken, settings_from_url
from gui.data.edits import CellEdits
from gui.data.opening import open_table
from gui.data.result import TableResult

pytestmark = pytest.mark.postgres

runs_strategy = st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=6), min_size=1, max_size=6)


@pytest.fixture
def runs_engine(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE runs (x integer, y integer)"))
    return pg_engine


def _loaded(engine, opened, page: int, pages: int) -> list[tuple[int, int]]:
    result = TableResult(engine, opened.schema)
    rows: list[tuple[int, int]] = []
    for _ in range(pages):
        got = result.fetch(page)
        rows += list(zip(got["x"].to_pylist(), got["y"].to_pylist()))
        if result.exhausted:
            break
    return rows


def _review_and_commit(session: CellSession):
    items = session.start_review()(CancelToken())
    stale = session.stale(items)
    if stale:
        session.review_found_conflicts(stale)
        return "stale"
    changes, work = session.start_commit(items)
    try:
        work(CancelToken())
    except CellConflictError as error:
        session.commit_failed(error)
        return "conflict"
    session.committed(changes)
    return "committed"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=runs_strategy, page=st.integers(1, 5), pages=st.integers(1, 4), pick=st.integers(0, 100), theirs=st.booleans())
def test_an_edit_of_a_key_seen_in_part_commits_to_all_its_rows(runs_engine, pg_db, runs, page, pages, pick, theirs) -> None:
    engine = runs_engine
    table_rows = [(x, y) for x, ys in enumerate(runs) for y in ys]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE runs"))
        conn.execute(text("INSERT INTO runs VALUES (:x, :y)"), [{"x": x, "y": y} for x, y in table_rows])
    url = pg_db.url.render_as_string(hide_password=False)
    opened = open_table(engine, settings_from_url(url), "runs", ("x",), DEFAULT_SPEC)
    loaded = _loaded(engine, opened, page, pages)
    # the key of the last loaded row: its run may go on past the page the user stopped at
    key = loaded[-1][0] if pick % 2 else loaded[pick % len(loaded)][0]
    seen = [y for x, y in loaded if x == key]
    edits = CellEdits(opened.schema, opened.codecs)
    edits.apply(edits.plan_edit((key,), "y", "9", seen))
    if not edits:
        return  # every row seen already holds 9
    session = CellSession(engine, opened, edits)
    if theirs:
        # another client changes, before the review, every row of the key holding a
        # value the user saw (rows with one x are told apart by their values only)
        with engine.begin() as conn:
            conn.execute(text("UPDATE runs SET y = 7 WHERE x = :x AND y = :y"), {"x": key, "y": seen[0]})
    outcome = _review_and_commit(session)
    with engine.connect() as conn:
        now = [tuple(r) for r in conn.execute(text("SELECT x, y FROM runs ORDER BY x, y"))]
    if theirs and seen[0] != 7:
        assert outcome in ("stale", "conflict")  # a real change is still caught
        assert now == sorted((x, 7 if (x, y) == (key, seen[0]) else y) for x, y in table_rows)  # nothing overwritten
    else:
        assert outcome == "committed", (runs, page, pages, key, seen)
        assert now == sorted((x, 9 if x == key else y) for x, y in table_rows)
