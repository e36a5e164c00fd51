"""A bug in the review or the commit never wedges the window: it comes back usable
(Commit enabled, Cancel gone, Connect and Undo available, Quit possible) with every
change still pending, says that something unexpected happened, and the bug itself
still reaches the excepthook."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from gui.data import commit as commit_module
from gui_helpers import WAIT_MS, child, click, wait_attr
from test_day_editing import edit
from test_day_support import close_window, day_window  # noqa: F401  (fixture)


def _broken(*_args, **_kwargs):
    raise TypeError("an injected bug")


@pytest.mark.parametrize("where", ["review", "commit_changes"])
def test_a_bug_in_the_flow_leaves_a_usable_window(qtbot, day_window, monkeypatch, where: str) -> None:
    day = day_window
    window = day.window
    qtbot.waitUntil(lambda: window.writable, timeout=WAIT_MS)
    edit(qtbot, day, day.row_of(9), "11")
    edit(qtbot, day, day.row_of(20), "21")
    before = [(c.key, c.new) for c in window.pending.changes()]
    # the session imports these from gui.data.commit when the review or the commit starts
    monkeypatch.setattr(commit_module, where, _broken)
    with qtbot.capture_exceptions() as bugs:
        click(qtbot, child(window, QPushButton, "Commit"))
        if where == "commit_changes":
            review = wait_attr(qtbot, window, "review_dialog")
            click(qtbot, review.commit_button)
        qtbot.waitUntil(lambda: len(bugs) > 0, timeout=WAIT_MS)
    assert isinstance(bugs[0][1], TypeError)  # reported, not swallowed
    assert not window.committing
    assert [(c.key, c.new) for c in window.pending.changes()] == before
    assert window.commit_button.isEnabled() and not window.cancel_button.isEnabled()
    assert window.connect_action.isEnabled() and window.undo_action.isEnabled()
    assert "unexpected" in window.message.text() and "still pending" in window.message.text()
    assert not window.model.read_only  # edits are taken again
    # and the user can go on: a commit without the bug applies everything
    monkeypatch.undo()
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert not window.pending
    assert (9, 11) in day.db_rows() and (20, 21) in day.db_rows()


@pytest.mark.postgres
def test_a_trigger_that_stores_another_value_is_named_in_the_review_said_after_the_commit_and_audited(
    qtbot, pg_db, pg_engine, tmp_path
) -> None:
    """A BEFORE UPDATE trigger stores 50 when the user typed 500: the review warns
    that a trigger may change what is stored, the window says what was stored, and
    the audit log records 50 beside the 500 that was typed."""
    from sqlalchemy import text

    from test_day_support import open_pg_window

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table VALUES (9, 10), (9, 10), (20, 20)"))
        conn.execute(text("CREATE FUNCTION tenth() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.y := NEW.y / 10; RETURN NEW; END $$"))
        conn.execute(text("CREATE TRIGGER tenth BEFORE UPDATE ON some_table FOR EACH ROW EXECUTE FUNCTION tenth()"))
    day = open_pg_window(qtbot, tmp_path, pg_db)
    try:
        window = day.window
        window.model.setData(day.index(day.row_of(9)), "500")
        click(qtbot, child(window, QPushButton, "Commit"))
        review = wait_attr(qtbot, window, "review_dialog")
        assert "UPDATE trigger" in review.summary.text()
        with qtbot.waitSignal(day.tools.audit.audit_written, timeout=WAIT_MS):
            click(qtbot, review.commit_button)
        qtbot.waitUntil(lambda: "stored other values" in window.message.text(), timeout=WAIT_MS)
        assert "x = 9: typed 500, stored 50, 50" in window.message.text()
        entry = day.tools.audit.audit.entries()[0]
        assert (entry.key, entry.new, entry.stored) == (9, 500, (50, 50))
    finally:
        close_window(day)
