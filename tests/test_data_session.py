"""The editing session's commit flow, Qt-free: every exit — success, an error the user
can act on, a conflict resolved or left, Cancel, a bug — returns to idle with the
pending set intact (only what was committed leaves it); a step asked for in the
wrong state is a bug, never a silent no-op."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gui.data.catalog import Writability
from gui.data.config import DEFAULT_SPEC as SPEC
from gui.data.connection import CancelToken
from gui.data.errors import Cancelled, ConflictError, ConstraintViolated
from gui.data.pending import PendingChanges
from gui.data.session import EditingSession, FlowError, FlowState
from gui.data.storage import Journal
from test_data_support import SEED, make_db, backend, seen_change  # noqa: F401 - fixtures


def open_session(db, tmp_path) -> tuple[EditingSession, list[FlowState]]:
    pending = PendingChanges(SPEC)
    session = EditingSession(db.settings, db.engine, SPEC, pending, Journal(tmp_path / "journal", db.settings, SPEC))
    session.writability = Writability()
    seen: list[FlowState] = []
    session.subscribe(seen.append)
    pending.apply({9: seen_change(SEED, 9, 11), 20: seen_change(SEED, 20, 21)})
    return session, seen


def snapshot(session: EditingSession) -> list[tuple[int, int]]:
    return [(c.key, c.new) for c in session.pending.changes()]


def test_success_commits_and_leaves_only_what_was_not_committed(make_db, tmp_path) -> None:
    db = make_db()
    session, seen = open_session(db, tmp_path)
    assert session.can_commit()
    items = session.start_review(6)(CancelToken())
    assert [i.rows for i in items] == [2, 2]
    result = session.start_commit(items)(CancelToken())
    session.committed(result)
    assert seen == [FlowState.REVIEWING, FlowState.COMMITTING, FlowState.IDLE]
    assert not session.pending and session.idle
    assert db.values(9) == (11, 11)


@pytest.mark.parametrize("exit_", ["review-failed", "review-declined", "commit-failed", "bug-in-review", "bug-in-commit", "cancel"])
def test_every_other_exit_returns_to_idle_with_everything_pending(make_db, tmp_path, exit_: str) -> None:
    db = make_db()
    session, seen = open_session(db, tmp_path)
    before = snapshot(session)
    work = session.start_review(6)
    if exit_ == "review-failed":
        session.review_failed(ConstraintViolated("the server refused"))
    elif exit_ == "review-declined":
        session.review_declined()
    elif exit_ == "bug-in-review":
        session.abort()
    else:
        commit = session.start_commit(work(CancelToken()))
        if exit_ == "cancel":
            token = CancelToken()
            token.cancel()
            with pytest.raises(Cancelled):
                commit(token)
            session.commit_failed(Cancelled())
        elif exit_ == "commit-failed":
            session.commit_failed(ConstraintViolated("the server refused"))
        else:
            session.abort()
    assert session.idle and seen[-1] is FlowState.IDLE
    assert snapshot(session) == before
    assert db.values(9) == (10, 10)  # nothing written


@pytest.mark.parametrize(("choice", "left"), [(True, [(9, 11)]), (False, []), (None, [(9, 11)])], ids=["keep-mine", "take-theirs", "later"])
def test_conflicts_are_resolved_per_change(make_db, tmp_path, choice, left) -> None:
    db = make_db()
    session, seen = open_session(db, tmp_path)
    session.pending.apply({20: None})
    items = session.start_review(6)(CancelToken())
    db.run("UPDATE some_table SET y = 12 WHERE x = 9 AND y = 10")  # another client, after the review
    with pytest.raises(ConflictError) as conflict:
        session.start_commit(items)(CancelToken())
    session.commit_failed(conflict.value)
    assert session.state is FlowState.RESOLVING and [c.key for c in session.conflicts] == [9]
    outcome = session.resolve({9: choice})
    assert session.idle and not session.conflicts
    assert snapshot(session) == left
    assert (outcome.kept, outcome.taken, outcome.later) == {True: (1, 0, 0), False: (0, 1, 0), None: (0, 0, 1)}[choice]
    if choice:  # kept: the next commit writes over the other client's value knowingly
        session.committed(session.start_commit(session.start_review(6)(CancelToken()))(CancelToken()))
        assert db.values(9) == (11, 11)


def test_conflicts_left_without_choosing_stay_pending(make_db, tmp_path) -> None:
    db = make_db()
    session, _seen = open_session(db, tmp_path)
    items = session.start_review(6)(CancelToken())
    db.run("DELETE FROM some_table WHERE x = 20")
    with pytest.raises(ConflictError) as conflict:
        session.start_commit(items)(CancelToken())
    session.commit_failed(conflict.value)
    session.resolve_later()
    assert session.idle and snapshot(session) == [(9, 11), (20, 21)]


def test_steps_out_of_order_are_bugs(make_db, tmp_path) -> None:
    session, _seen = open_session(make_db(), tmp_path)
    for step in (lambda: session.start_commit([]), session.review_declined, lambda: session.resolve({}), session.resolve_later):
        with pytest.raises(FlowError):
            step()
    session.start_review(6)
    assert not session.can_commit()
    with pytest.raises(FlowError):
        session.start_review(6)
    session.abort()
    session.pending.clear()
    with pytest.raises(FlowError, match="nothing is pending"):
        session.start_review(6)


def test_nothing_to_commit_without_the_servers_yes(make_db, tmp_path) -> None:
    session, _seen = open_session(make_db(), tmp_path)
    session.writability = None  # not asked yet
    assert not session.can_commit()
    session.writability = Writability("a standby")
    assert not session.can_commit()
