"""No false conflicts: an edit of a key whose run of duplicate rows goes on past the
rows loaded so far (a page boundary) commits without a conflict, every row of the
run updated; a real change by another client to a row the user saw is still caught."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from sqlalchemy import text

from gui.qt.rows_model import FIRST_PAGE
from gui_helpers import WAIT_MS, activate, child, click, edit_cell, make_editor, seed_table, wait_attr  # noqa: F401

pytestmark = pytest.mark.postgres

RUN = FIRST_PAGE + 500  # rows with x = 7: the first page ends inside the run


def _seed(pg_engine) -> None:
    seed_table(pg_engine, [(1, 10)] + [(7, 20)] * RUN + [(9, 30)])


def _open(qtbot, make_editor, pg_db):
    """The window on the first page only (nothing scrolled), as a user sees it at first."""
    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(
        lambda: window.model.rowCount() >= FIRST_PAGE and not window.model.loading and window.writability is not None,
        timeout=WAIT_MS,
    )
    return window


def test_an_edit_inside_a_run_that_crosses_the_page_boundary_is_no_conflict(qtbot, make_editor, pg_db, pg_engine):
    _seed(pg_engine)
    window = _open(qtbot, make_editor, pg_db)
    assert window.model.rowCount() < RUN + 2  # the run is not all loaded
    edit_cell(qtbot, window, 7, "21")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM some_table WHERE x = 7 AND y = 21")).scalar() == RUN


def test_a_change_to_a_row_the_user_saw_is_still_a_conflict(qtbot, make_editor, pg_db, pg_engine):
    _seed(pg_engine)
    window = _open(qtbot, make_editor, pg_db)
    edit_cell(qtbot, window, 7, "21")
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    with pg_engine.begin() as conn:  # every row of the run, seen ones included
        conn.execute(text("UPDATE some_table SET y = 25 WHERE x = 7"))
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.commit_button)
    qtbot.waitUntil(lambda: getattr(window, "conflicts_dialog", None) is not None, timeout=WAIT_MS)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM some_table WHERE y = 21")).scalar() == 0


def test_a_value_pasted_into_a_run_that_crosses_the_page_boundary_is_no_conflict(qtbot, make_editor, pg_db, pg_engine):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from gui.qt.rows_model import VALUE_COLUMN

    _seed(pg_engine)
    window = _open(qtbot, make_editor, pg_db)
    assert window.model.rowCount() < RUN + 2  # the run is not all loaded
    QGuiApplication.clipboard().setText("21\n")
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(1, VALUE_COLUMN))  # a row of x = 7
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        click(qtbot, review.commit_button)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM some_table WHERE x = 7 AND y = 21")).scalar() == RUN
