"""Commit through the real window on PostgreSQL: review, all or nothing, conflicts, locks, read-only.

The database is always checked from a connection of the test's own, never the application's.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import psycopg2
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton

from gui.qt.rows_model import VALUE_COLUMN
from gui_helpers import (
    TUTORIAL,
    WAIT_MS,
    child,
    click,
    click_box,
    connect_pg,
    db_rows,
    edit_cell,
    editor_closed,
    make_editor,  # noqa: F401 - fixture
    row_of,
    seed_table,
    shown_rows,
    type_into,
    wait_attr,
    wait_loaded,
)

pytestmark = pytest.mark.postgres


def psycopg2_connect(db):
    """A second client, as the test's role, on its own psycopg2 connection."""
    return psycopg2.connect(host=db.host, port=db.port, dbname=db.name, user=db.user, password=db.password)


def edit_and_wait(qtbot, window, key: int, typed: str) -> None:
    edit_cell(qtbot, window, key, typed)
    qtbot.waitUntil(lambda: window.pending.get(key) is not None and window.pending.get(key).new == int(typed), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)


def open_review(qtbot, window):
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    assert review.windowTitle() == "Review changes"
    return review


def list_cells(view, rows=None, columns=None) -> list[list[str]]:
    """What a dialog's list shows (every row and column unless told)."""
    model = view.model()
    rows = range(model.rowCount()) if rows is None else rows
    columns = range(model.columnCount()) if columns is None else columns
    return [[model.index(r, c).data() for c in columns] for r in rows]


def review_cells(review) -> list[list[str]]:
    return list_cells(review.table)


def choose_in_row(qtbot, dialog, row: int, label: str, named: str) -> None:
    """Select the row's Resolution cell, open its combo box (F2) and choose ``label``
    by its first letter, as a keyboard user does; ``named``: the combo's accessible name."""
    view = dialog.table
    model = view.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    index = model.index(row, headers.index("Resolution"))
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox) and combo.accessibleName() == named
    assert [combo.itemText(i) for i in range(combo.count())] == ["Keep mine", "Take theirs", "Decide later"]
    qtbot.keyClicks(combo, label[0].lower())
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=WAIT_MS)  # taken at once
    assert index.data() == label


def test_commit_two_changes_end_to_end(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")
    assert child(window, QLabel, "Pending changes").text() == "2 pending changes"
    review = open_review(qtbot, window)
    assert review_cells(review) == [["9", "10, 10", "11", "2", ""], ["20", "20, 20", "21", "2", ""]]  # as the audit log lists them
    assert "2 changes will update 4 rows" in review.summary.text()
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    expected = sorted([(x, {9: 11, 20: 21}.get(x, y)) for x, y in TUTORIAL])
    assert db_rows(pg_db.url) == expected
    assert not window.pending
    assert window.pending_label.text() == "No pending changes"
    status = window.statusBar().currentMessage()
    assert "2 changes" in status and "4 rows" in status, status
    wait_loaded(qtbot, window)
    assert shown_rows(window) == [(6, 8), (6, 8), (9, 11), (9, 11), (20, 21), (20, 21), (100, 100), (100, 100)]
    for row in range(window.model.rowCount()):
        assert window.model.index(row, VALUE_COLUMN).data(Qt.ItemDataRole.BackgroundRole) is None
    qtbot.waitUntil(lambda: not window.journal.path.exists(), timeout=WAIT_MS)  # removed by the journal's lane


def test_commit_keyboard_shortcut_opens_the_review(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.cancel_button)


def test_constraint_violation_applies_nothing(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, check="y < 1000")
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "5000")  # the second change breaks the CHECK
    review = open_review(qtbot, window)
    click(qtbot, review.commit_button)
    box = wait_attr(qtbot, window, "error_box")
    assert "y_check" in box.text(), box.text()
    message = child(window, QLabel, "Message")
    assert bool(message.text().strip()) and "y_check" in message.text()
    assert "still pending" in message.text()
    assert db_rows(pg_db.url) == sorted(TUTORIAL)
    assert [c.key for c in window.pending.changes()] == [9, 20]
    assert window.pending_label.text() == "2 pending changes"
    assert window.commit_button.isEnabled()
    click_box(qtbot, box, QMessageBox.StandardButton.Ok)
    # fix the value, commit again: now both land
    edit_and_wait(qtbot, window, 20, "500")
    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == sorted((x, {9: 11, 20: 500}.get(x, y)) for x, y in TUTORIAL)


def test_cancel_in_the_review_keeps_everything_pending(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    review = open_review(qtbot, window)
    click(qtbot, review.cancel_button)
    qtbot.waitUntil(lambda: window.review_dialog is None, timeout=WAIT_MS)
    assert window.pending.get(9).new == 11
    assert window.commit_button.isEnabled()
    assert db_rows(pg_db.url) == sorted(TUTORIAL)
    # and a second try works
    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert (9, 11) in db_rows(pg_db.url)


def test_review_counts_hidden_rows_and_shows_the_sql(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, [(6, 8), (6, 3)])
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    assert shown_rows(window) == [(6, 8)]
    edit_and_wait(qtbot, window, 6, "77")
    review = open_review(qtbot, window)
    assert review_cells(review) == [["6", "3, 8", "77", "2", "1 hidden by the threshold"]]
    assert "1 change will update 2 rows" in review.summary.text()
    assert "1 of those rows" in review.summary.text() and "6" in review.summary.text()
    show_sql = review.show_sql
    assert show_sql.accessibleName() == "Show SQL"
    assert not review.sql.isVisible()
    click(qtbot, show_sql)
    assert review.sql.isVisible()
    sql = review.sql.toPlainText()
    assert "UPDATE some_table" in sql and "unnest" in sql
    assert "77" in sql and "6" in sql
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == [(6, 77), (6, 77)]


def test_review_flags_a_change_that_matches_no_row(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 100, "5")
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM some_table WHERE x = 100")
    review = open_review(qtbot, window)
    assert "No row has x = 100" in review_cells(review)[0][4]
    assert "1 change matches no row" in review.summary.text()
    click(qtbot, review.cancel_button)


def _conflict_round(qtbot, window, pg_db, pg_engine, theirs: int, mine: int, keep_mine: bool) -> None:
    loaded = [y for x, y in shown_rows(window) if x == 9]
    with pg_engine.begin() as conn:  # another client changes x = 9 after we loaded it
        conn.exec_driver_sql(f"UPDATE some_table SET y = {theirs} WHERE x = 9")
    edit_and_wait(qtbot, window, 9, str(mine))
    review = open_review(qtbot, window)
    click(qtbot, review.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    assert dialog.windowTitle() == "Conflicts"
    assert list_cells(dialog.table) == [["9", f"{loaded[0]}, {loaded[1]}", f"{theirs}, {theirs}", str(mine), "Decide later"]]
    # nothing was written
    assert [y for x, y in db_rows(pg_db.url) if x == 9] == [theirs, theirs]
    assert window.pending.get(9).new == mine
    choose_in_row(qtbot, dialog, 0, "Keep mine" if keep_mine else "Take theirs", "Resolution for x = 9")
    assert dialog.choices() == {9: keep_mine}
    ok = next(b for b in dialog.findChildren(QPushButton) if b.accessibleName() == "Apply choices")
    click(qtbot, ok)
    qtbot.waitUntil(lambda: window.conflicts_dialog is None, timeout=WAIT_MS)
    wait_loaded(qtbot, window)


def test_enter_in_the_conflicts_dialog_overwrites_nothing_and_drops_nothing(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    with pg_engine.begin() as conn:  # another client changes x = 9 after we loaded it
        conn.exec_driver_sql("UPDATE some_table SET y = 30 WHERE x = 9")
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")
    review = open_review(qtbot, window)
    click(qtbot, review.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.conflicts_dialog is None, timeout=WAIT_MS)
    assert "1 conflict left to decide" in window.message.text(), window.message.text()
    assert window.pending.get(9).new == 11 and window.pending.get(20).new == 21
    assert [y for x, y in db_rows(pg_db.url) if x in (9, 20)] == [30, 30, 20, 20]
    # undecided, it conflicts again at the next commit
    wait_loaded(qtbot, window)
    review = open_review(qtbot, window)
    click(qtbot, review.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    assert list_cells(dialog.table, columns=[0]) == [["9"]]
    click(qtbot, next(b for b in dialog.findChildren(QPushButton) if b.accessibleName() == "Apply choices"))


def test_conflict_take_theirs_then_keep_mine(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window

    _conflict_round(qtbot, window, pg_db, pg_engine, theirs=30, mine=11, keep_mine=False)
    assert not window.pending
    assert [y for x, y in db_rows(pg_db.url) if x == 9] == [30, 30]
    assert [y for x, y in shown_rows(window) if x == 9] == [30, 30]

    _conflict_round(qtbot, window, pg_db, pg_engine, theirs=40, mine=12, keep_mine=True)
    assert window.pending.get(9).new == 12
    assert [y for x, y in db_rows(pg_db.url) if x == 9] == [40, 40]
    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert [y for x, y in db_rows(pg_db.url) if x == 9] == [12, 12]
    assert not window.pending


def test_other_pending_changes_stay_after_a_conflict(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 20, "22")
    _conflict_round(qtbot, window, pg_db, pg_engine, theirs=30, mine=11, keep_mine=False)
    assert [c.key for c in window.pending.changes()] == [20]
    assert db_rows(pg_db.url) == sorted((x, {9: 30}.get(x, y)) for x, y in TUTORIAL)


def test_read_only_command_line(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url, "--read-only").window
    assert "read-only" in window.windowTitle().lower()
    assert "read-only" in window.mode_label.text().lower()
    index = window.model.index(row_of(window, 9), VALUE_COLUMN)
    rect = window.view.visualRect(index)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    window.view.setCurrentIndex(index)
    qtbot.keyClick(window.view, Qt.Key.Key_F2)
    assert editor_closed(window)
    assert not window.model.setData(index, "11")
    assert not window.pending
    assert not window.commit_button.isEnabled()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert getattr(window, "review_dialog", None) is None
    assert db_rows(pg_db.url) == sorted(TUTORIAL)


# -- locks: the window keeps running, Cancel stops the wait -------------------------


TABLE_LOCK = "LOCK TABLE some_table IN ACCESS EXCLUSIVE MODE"


def _commit(qtbot, window):
    return lambda: click(qtbot, open_review(qtbot, window).commit_button)


def _reload_all(qtbot, window):
    return lambda: type_into(qtbot, window.threshold_edit, "0")


def _app_waits_for_lock(admin) -> bool:
    with admin.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'table-editor' AND wait_event_type = 'Lock'"
        )
        return cur.fetchone()[0] > 0


@contextmanager
def _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock_sql: str, start):
    """``start()`` what the user does (a commit, a reload) while a second connection
    holds ``lock_sql``'s locks.

    Yields ``admin`` (a superuser connection) once the app waits on the lock; on the
    way out the lock is released and both connections are closed."""
    locker = psycopg2_connect(pg_db)
    admin = pg_cluster.connect(pg_db.name)
    try:
        with locker.cursor() as cur:
            cur.execute(lock_sql)
        start()
        qtbot.waitUntil(lambda: _app_waits_for_lock(admin), timeout=WAIT_MS)
        yield admin
    finally:
        locker.rollback()  # releases the lock
        locker.close()
        admin.close()


def test_commit_waiting_on_a_lock_keeps_the_window_responsive_and_cancels(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")

    lock = "SELECT x, y FROM some_table WHERE x IN (9, 20) FOR UPDATE"
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock, _commit(qtbot, window)) as admin:
        cancel = child(window, QPushButton, "Cancel")
        assert cancel.isEnabled()
        assert window.busy.isVisible()  # progress is shown while it waits
        assert "Committing" in window.statusBar().currentMessage()
        assert not window.commit_button.isEnabled()
        assert not window.revert_button.isEnabled()
        assert not window.connect_action.isEnabled()
        # no edit can start, and none can be undone, while the transaction runs
        assert not window.model.flags(window.model.index(0, VALUE_COLUMN)) & Qt.ItemFlag.ItemIsEditable
        assert not window.model.setData(window.model.index(0, VALUE_COLUMN), "5")
        assert "commit is running" in window.message.text()
        assert not window.undo_action.isEnabled()
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        window.view.setCurrentIndex(window.model.index(row_of(window, 9), VALUE_COLUMN))
        qtbot.keyClick(window.view, Qt.Key.Key_Escape)
        assert [c.key for c in window.pending.changes()] == [9, 20]
        # closing now would have to guess the outcome: it says so instead
        assert not window.close()
        assert window.isVisible() and "commit is running" in window.message.text()

        # the event loop keeps running while the commit waits
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        start = time.perf_counter()
        qtbot.waitUntil(lambda: time.perf_counter() - start > 1.0, timeout=WAIT_MS)
        timer.stop()
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert len(ticks) > 20
        assert max(gaps) < 0.2, f"longest gap {max(gaps):.3f} s"
        assert _app_waits_for_lock(admin)

        clicked = time.perf_counter()
        click(qtbot, cancel)
        qtbot.waitUntil(lambda: not window.committing and not window._cancellable, timeout=2000)
        assert time.perf_counter() - clicked < 2.0
        assert "Cancel" in window.message.text(), window.message.text()
        assert [c.key for c in window.pending.changes()] == [9, 20]
        assert window.pending.get(9).new == 11 and window.pending.get(20).new == 21
        assert db_rows(pg_db.url) == sorted(TUTORIAL)
        assert window.commit_button.isEnabled() and window.connect_action.isEnabled()
        assert window.undo_action.isEnabled()
        if getattr(window, "error_box", None) is not None and window.error_box.isVisible():
            click_box(qtbot, window.error_box, QMessageBox.StandardButton.Ok)

    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == sorted((x, {9: 11, 20: 21}.get(x, y)) for x, y in TUTORIAL)
    assert not window.pending


@pytest.mark.parametrize("strategy", ["keyset-pages", "one-pass", "spilled-pass"])
def test_a_slow_load_can_be_cancelled(qtbot, make_editor, pg_db, pg_engine, pg_cluster, monkeypatch, strategy):
    """A reload blocked by an exclusive lock shows progress and ends on Cancel, window alive.

    With an index the rows come in keyset pages; without one, from one sorted pass held
    in memory or (past PASS_MAX_ROWS, forced here) in spill files."""
    from gui.data import rows as rows_module

    seed_table(pg_engine)
    if strategy == "spilled-pass":
        monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", -1)
    if strategy == "keyset-pages":
        with pg_engine.begin() as conn:
            conn.exec_driver_sql("CREATE INDEX some_table_x_y ON some_table (x, y)")
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, TABLE_LOCK, _reload_all(qtbot, window)) as admin:
        assert window.model.loading
        assert window.cancel_button.isEnabled()
        click(qtbot, window.cancel_button)
        qtbot.waitUntil(lambda: not window.model.loading, timeout=2000)
        # and it stays stopped: nothing asks the server again until the user reloads
        qtbot.waitUntil(lambda: not _app_waits_for_lock(admin), timeout=2000)
        assert not window.model.loading
        assert bool(window.message.text().strip())
    window.reload()
    wait_loaded(qtbot, window)
    assert len(shown_rows(window)) == 10


def test_commit_after_the_server_dropped_the_connection(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    """pg_terminate_backend on the app's connections between load and commit: the commit
    reconnects (pool_pre_ping) and succeeds, or fails clearly with everything pending; never half."""
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")
    admin = pg_cluster.connect(pg_db.name)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'table-editor'")
    finally:
        admin.close()
    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == sorted((x, {9: 11, 20: 21}.get(x, y)) for x, y in TUTORIAL)
    assert not window.pending


def test_commit_after_a_server_restart(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    review = open_review(qtbot, window)
    pg_cluster.restart()
    pg_engine.dispose()
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == sorted((x, {9: 11}.get(x, y)) for x, y in TUTORIAL)
    assert not window.pending
    wait_loaded(qtbot, window)
    assert [y for x, y in shown_rows(window) if x == 9] == [11, 11]


def test_a_blocked_load_shows_progress_and_the_window_keeps_running(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, TABLE_LOCK, _reload_all(qtbot, window)) as admin:
        assert window.model.loading and window.busy.isVisible()
        assert window.rows_label.text() == "Loading rows …"
        assert window.cancel_button.isEnabled()
        # typing still works while the query waits
        type_into(qtbot, window.goto_edit, "20", enter=False)
        assert window.goto_edit.text() == "20"
    wait_loaded(qtbot, window)
    assert len(shown_rows(window)) == 10
    assert not window.busy.isVisible()
    assert window.rows_label.text() == "10 rows shown"


def test_connection_killed_during_the_commit_keeps_everything_pending(qtbot, make_editor, pg_db, pg_engine, pg_cluster):
    """The server ends the app's session mid-transaction: the window says the connection was
    lost, nothing is written, every change stays pending, and the next commit goes through."""
    seed_table(pg_engine)
    window = connect_pg(qtbot, make_editor, pg_db.url).window
    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")
    lock = "SELECT x, y FROM some_table WHERE x = 20 FOR UPDATE"
    with _app_waiting_on_a_lock(qtbot, pg_db, pg_cluster, lock, _commit(qtbot, window)) as admin:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'table-editor' AND wait_event_type = 'Lock'"
            )
        box = wait_attr(qtbot, window, "error_box")
        assert "lost" in box.text().lower() or "connection" in box.text().lower(), box.text()
        assert "still pending" in box.text()
        assert [c.key for c in window.pending.changes()] == [9, 20]
        click_box(qtbot, box, QMessageBox.StandardButton.Ok)
    assert db_rows(pg_db.url) == sorted(TUTORIAL)
    review = open_review(qtbot, window)
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert db_rows(pg_db.url) == sorted((x, {9: 11, 20: 21}.get(x, y)) for x, y in TUTORIAL)
