"""Paging in the window, on the real PostgreSQL: the first screen arrives alone, the
rest as the view scrolls (Qt's canFetchMore/fetchMore), the status bar says how many
rows are loaded out of how many, and "load everything" reads its big page as key
ranges side by side.

pytest-qt's model tester calls ``fetchMore`` itself whenever it checks, so it would
load every page on its own: it checks the model once loading is over (and watches
the whole of the "load everything" test, where that does not matter).
"""

from __future__ import annotations

import pytest
from PySide6.QtTest import QTest
from PySide6.QtCore import Qt
from sqlalchemy import text

from gui.qt.rows_model import FIRST_PAGE
from gui_helpers import WAIT_MS, click, make_editor, seed_table, shown_rows  # noqa: F401
from test_gui_commit import edit_and_wait, open_review
from test_data_support import spy_on_ranges

pytestmark = pytest.mark.postgres

# 6,000 rows: distinct keys around a run of 2,500 identical rows, and rows hidden at
# the threshold; the statistics get a histogram to split by
ROWS = [(k, k % 50 + 1) for k in range(-1500, 0)] + [(7, 9)] * 2500 + [(7, 0)] * 20 + [(k, k % 40 + 1) for k in range(8, 2000)]
THRESHOLD = 0
SHOWN = sorted(r for r in ROWS if r[1] > THRESHOLD)


@pytest.fixture
def big_table(pg_engine):
    seed_table(pg_engine, ROWS)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE INDEX ON some_table (x, y)"))
        conn.execute(text("ANALYZE some_table"))
    return pg_engine


def open_window(qtbot, make_editor, pg_db):
    editor = make_editor("--threshold", str(THRESHOLD))
    window = editor.window
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window.resize(700, 500)
    window.show()
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.total is not None and not model.loading, timeout=WAIT_MS)
    return window


def test_first_screen_then_pages_as_the_view_scrolls(qtbot, qtmodeltester, make_editor, pg_db, big_table):
    window = open_window(qtbot, make_editor, pg_db)
    model = window.model
    # only the first page, though the whole result is counted
    assert model.rowCount() == FIRST_PAGE < len(SHOWN)
    assert model.total == len(SHOWN)
    assert model.canFetchMore()
    assert window.rows_label.text() == f"{FIRST_PAGE:,} of {len(SHOWN):,} rows loaded"
    # the user scrolls to the bottom, again and again: the view asks for more
    while model.canFetchMore() or model.loading:
        window.view.scrollToBottom()
        QTest.keyClick(window.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.wait(20)
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    assert model.rowCount() == len(SHOWN)
    assert shown_rows(window) == SHOWN  # the run of 2,500 neither cut nor repeated
    assert window.rows_label.text() == f"{len(SHOWN):,} rows shown"
    qtmodeltester.check(model, force_py=True)


def test_go_to_x_moves_within_the_whole_result(qtbot, make_editor, pg_db, big_table):
    """Go to x is no filter: its first row is current at the top, numbered by its
    place in the whole result, and scrolling up from there reaches the first row,
    every row before it loaded once, in order."""
    window = open_window(qtbot, make_editor, pg_db)
    model, view = window.model, window.view
    qtbot.keyClicks(window.goto_edit, "7")
    qtbot.keyClick(window.goto_edit, Qt.Key.Key_Return)
    # the rows from x = 7 on, and the page before them the view asked for at once
    qtbot.waitUntil(lambda: model.start_key == 7 and model.rowCount() > FIRST_PAGE and not model.loading, timeout=WAIT_MS)
    at = SHOWN.index((7, 9))  # the first row of x = 7 in the whole result
    current = view.currentIndex()
    assert shown_rows(window)[current.row()] == (7, 9)
    assert view.rowAt(0) == current.row()  # still at the top once the rows before it came
    qtbot.waitUntil(lambda: model.headerData(current.row(), Qt.Orientation.Vertical) == str(at + 1), timeout=WAIT_MS)
    assert window.rows_label.text().startswith(f"{model.rowCount():,} of {len(SHOWN):,} rows loaded")

    def dragged_to_the_top() -> bool:
        view.verticalScrollBar().setValue(0)  # as dragging the scroll bar up does
        return model.at_start and not model.loading

    qtbot.waitUntil(dragged_to_the_top, timeout=WAIT_MS)
    loaded = shown_rows(window)
    assert loaded == SHOWN[: len(loaded)] and len(loaded) > at  # all before it, in order, none twice
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in (0, 1, view.currentIndex().row())] == ["1", "2", str(at + 1)]
    assert shown_rows(window)[view.currentIndex().row()] == (7, 9)  # the current row is still the one gone to


def test_load_everything_reads_key_ranges_side_by_side(qtbot, qtmodeltester, make_editor, pg_db, big_table, monkeypatch):
    """fetch_all's big page is split (lowered threshold, as for a million rows) and
    arrives whole and in order; the count comes from the load itself."""
    ranges = spy_on_ranges(monkeypatch, FIRST_PAGE + 1)  # big pages only, not the first
    window = open_window(qtbot, make_editor, pg_db)
    model = window.model
    assert model.rowCount() == FIRST_PAGE
    qtmodeltester.check(model, force_py=True)  # and again on every signal of the load
    model.fetch_all()
    qtbot.waitUntil(lambda: not model.loading and not model.canFetchMore(), timeout=WAIT_MS)
    assert ranges.reads and max(ranges.reads) == 2
    assert shown_rows(window) == SHOWN
    assert model.total == len(SHOWN)


def test_two_windows_on_one_table_through_a_transaction_pooler(
    qtbot, make_editor, pg_db, pg_engine, pgbouncer, monkeypatch
):
    """Neon's pooled host: two windows on one unindexed table, big enough for the
    sorted pass to be spilled to the cache folder, both scroll to the end, and an
    edit made in one is committed through the pooler and seen by the other."""
    from gui.data import rows as rows_module

    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", 1_000)  # the table's size on disk is over it
    seed_table(pg_engine, ROWS)
    pooled = pgbouncer.url(pg_db.name, pg_db.user, pg_db.password).render_as_string(hide_password=False)
    windows = []
    for _ in range(2):
        editor = make_editor("--threshold", str(THRESHOLD))
        editor.connect_url(pooled)
        editor.window.show()
        windows.append(editor.window)
    for window in windows:
        qtbot.waitUntil(lambda w=window: w.model.rowCount() > 0 and w.writable, timeout=WAIT_MS)
        assert window.model._source.spilled
    for window in windows:  # each user scrolls to the end
        while window.model.canFetchMore() or window.model.loading:
            window.view.scrollToBottom()
            qtbot.wait(20)
    for window in windows:
        assert shown_rows(window) == SHOWN
        assert window.rows_label.text() == f"{len(SHOWN):,} rows shown"
    first, second = windows
    key = SHOWN[0][0]
    edit_and_wait(qtbot, first, key, "99")
    review = open_review(qtbot, first)
    with qtbot.waitSignal(first.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    assert not first.pending
    second.reload()
    qtbot.waitUntil(lambda: second.model.rowCount() > 0 and not second.model.loading, timeout=WAIT_MS)
    assert all(y == 99 for x, y in shown_rows(second)[:5] if x == key)


def test_a_cache_folder_that_cannot_be_written_is_reported_and_loading_stops(
    qtbot, make_editor, pg_db, pg_engine, monkeypatch, isolated_user_dirs
):
    from gui.data import rows as rows_module

    monkeypatch.setattr(rows_module, "PASS_MAX_ROWS", 1_000)
    blocker = isolated_user_dirs.home / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    seed_table(pg_engine, ROWS)
    editor = make_editor("--threshold", str(THRESHOLD))
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    window.show()
    qtbot.waitUntil(lambda: bool(window.message.text().strip()) and not window.model.loading, timeout=WAIT_MS)
    assert "Could not write a file" in window.message.text() and str(blocker) in window.message.text()
    assert not window.cancel_button.isEnabled()


def test_a_count_that_fails_no_longer_says_counting(qtbot, make_editor, pg_db, big_table, monkeypatch):
    from gui.data.errors import QueryFailed
    from gui.data.rows import RowSource

    def failing_count(self, cancel=None):
        raise QueryFailed("canceling statement due to statement timeout")

    monkeypatch.setattr(RowSource, "count", failing_count)
    editor = make_editor("--threshold", str(THRESHOLD))
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    window.show()
    qtbot.waitUntil(lambda: window.model.count_failed and not window.model.loading, timeout=WAIT_MS)
    assert window.rows_label.text() == f"{FIRST_PAGE:,} rows loaded (the total could not be counted)"
