"""The review → commit → conflicts flow of any table, without Qt: every exit returns
to idle with the pending edits intact, only what was committed leaves them (on the
SQLite demo's customers table; the commit itself is tested on PostgreSQL in
test_data_cell_commit.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from gui.data.cell_commit import CellConflictError
from gui.data.cell_session import CellSession
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken, settings_from_url
from gui.data.demo import ensure_demo
from gui.data.edits import CellEdits
from gui.data.opening import open_table
from gui.data.session import FlowError, FlowState


@pytest.fixture
def demo(tmp_path):
    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    opened = open_table(engine, settings_from_url(url), "customers", None, DEFAULT_SPEC)
    edits = CellEdits(opened.schema, opened.codecs)
    session = CellSession(engine, opened, edits)
    states: list[FlowState] = []
    session.subscribe(states.append)
    yield engine, edits, session, states
    engine.dispose()


def _email(engine, id_: int):
    with engine.connect() as conn:
        return conn.execute(text("SELECT email FROM customers WHERE id = :id"), {"id": id_}).scalar()


def test_a_commit_goes_through_the_states_and_takes_only_what_it_committed(demo):
    engine, edits, session, states = demo
    edits.apply(edits.plan_edit((3,), "email", "grace@example.org", [None]))
    items = session.start_review()(CancelToken())
    assert [i.rows for i in items] == [1] and session.state is FlowState.REVIEWING
    changes, work = session.start_commit(items)
    result = work(CancelToken())
    session.committed(changes)
    assert states == [FlowState.REVIEWING, FlowState.COMMITTING, FlowState.IDLE]
    assert not edits and result.rows == 1 and _email(engine, 3) == "grace@example.org"


def test_declining_the_review_or_a_failure_keeps_every_edit(demo):
    _engine, edits, session, states = demo
    edits.apply(edits.plan_edit((3,), "email", "a@b", [None]))
    session.start_review()
    session.review_declined()
    assert session.idle and len(edits) == 1
    session.start_review()
    session.review_failed(RuntimeError("the server went away"))
    assert session.idle and len(edits) == 1
    items = session.start_review()(CancelToken())
    session.start_commit(items)
    session.commit_failed(RuntimeError("read-only"))
    assert session.idle and len(edits) == 1
    with pytest.raises(FlowError):
        session.committed([])  # not committing any more


def test_conflicts_then_keep_mine_or_take_theirs(demo):
    engine, edits, session, _states = demo
    edits.apply(edits.plan_edit((3,), "email", "mine@example.org", [None]))
    items = session.start_review()(CancelToken())
    changes, work = session.start_commit(items)
    with engine.begin() as conn:  # another client, between the review and the commit
        conn.execute(text("UPDATE customers SET email = 'theirs@example.org' WHERE id = 3"))
    with pytest.raises(CellConflictError) as raised:
        work(CancelToken())
    session.commit_failed(raised.value)
    assert session.state is FlowState.RESOLVING and len(session.conflicts) == 1
    outcome = session.resolve(True)
    assert outcome.kept == 1 and session.idle
    items = session.start_review()(CancelToken())
    changes, work = session.start_commit(items)
    work(CancelToken())
    session.committed(changes)
    assert _email(engine, 3) == "mine@example.org" and not edits


def test_a_bug_in_the_work_aborts_back_to_idle(demo):
    _engine, edits, session, _states = demo
    edits.apply(edits.plan_edit((3,), "email", "a@b", [None]))
    session.start_review()
    session.abort()
    assert session.idle and len(edits) == 1
    with pytest.raises(FlowError):
        CellSession(session.engine, session.opened, CellEdits(session.opened.schema, session.opened.codecs)).start_review()


def test_a_conflict_names_the_rows_by_their_key_columns(demo):
    engine, edits, session, _states = demo
    edits.apply(edits.plan_edit((3,), "email", "mine@example.org", [None]))
    items = session.start_review()(CancelToken())
    _changes, work = session.start_commit(items)
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET email = 'theirs@example.org' WHERE id = 3"))
    with pytest.raises(CellConflictError, match=r"email of id = 3"):
        work(CancelToken())


def _three_conflicts(demo):
    """Three pending emails whose rows another client changed after they were loaded."""
    engine, edits, session, _states = demo
    for id_ in (1, 2, 3):
        edits.apply(edits.plan_edit((id_,), "email", f"mine{id_}@example.org", [_email(engine, id_)]))
    items = session.start_review()(CancelToken())
    _changes, work = session.start_commit(items)
    with engine.begin() as conn:
        conn.execute(text("UPDATE customers SET email = 'theirs' || id || '@example.org' WHERE id IN (1, 2, 3)"))
    with pytest.raises(CellConflictError) as raised:
        work(CancelToken())
    session.commit_failed(raised.value)
    assert [c.key for c, _now in session.conflicts] == [(1,), (2,), (3,)]


@pytest.mark.parametrize("planned_on_a_worker", [False, True])
def test_each_conflict_resolved_by_its_own_choice(demo, planned_on_a_worker):
    engine, edits, session, _states = demo
    _three_conflicts(demo)
    if planned_on_a_worker:
        work = session.start_resolving([True, False, None])
        assert session.state is FlowState.RESOLVING and len(edits) == 3  # nothing changes until it is applied
        outcome = session.resolved(work(CancelToken()))
    else:
        outcome = session.resolve_each({((1,), "email"): True, ((2,), "email"): False})  # 3: no entry, decide later
    assert (outcome.kept, outcome.taken, outcome.later) == (1, 1, 1) and session.idle
    assert edits.get((1,), "email").confirmed == ("theirs1@example.org",)  # kept, over their value knowingly
    assert edits.get((2,), "email") is None  # taken: their value stays
    later = edits.get((3,), "email")
    assert later.new == "mine3@example.org" and later.confirmed is None  # as the user made it: not confirmed over theirs
    # the next review finds it again (else it would confirm their value and write over
    # it without a conflict); kept this time, it is committed
    items = session.start_review()(CancelToken())
    stale = session.stale(items)
    assert [c.key for c, _now in stale] == [(3,)]
    session.review_found_conflicts(stale)
    session.resolve(True)
    items = session.start_review()(CancelToken())
    changes, work = session.start_commit(items)
    work(CancelToken())
    session.committed(changes)
    assert [_email(engine, i) for i in (1, 2, 3)] == ["mine1@example.org", "theirs2@example.org", "mine3@example.org"]
    assert not edits


def test_a_change_reverted_while_resolving_is_left_alone(demo):
    _engine, edits, session, _states = demo
    _three_conflicts(demo)
    edits.apply({((2,), "email"): None})  # reverted (the window allows no edit then: the data layer copes anyway)
    outcome = session.resolve_each({((1,), "email"): True, ((2,), "email"): True, ((3,), "email"): True})
    assert (outcome.kept, outcome.taken, outcome.later) == (2, 0, 0)
    assert edits.get((2,), "email") is None and len(edits) == 2
    with pytest.raises(FlowError):
        session.start_resolving([True])  # not resolving any more
