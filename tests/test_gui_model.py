"""The rows model passes pytest-qt's model tester, loaded and after edits, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from gui.data.connection import ConnectionSettings, create_engine_for
from gui.data.demo import reset_demo
from gui.qt.rows_model import KEY_COLUMN, VALUE_COLUMN
from gui_helpers import connect_pg, make_editor, seed_table, shown_rows, wait_loaded  # noqa: F401


def _check_with_edits(qtmodeltester, qtbot, qtlog, window):
    """The Python tester re-checks everything on each of the model's signals, and Qt's
    C++ tester (warnings checked at the end) watches too, through edits, undo and a reload."""
    model = window.model
    qtmodeltester.check(model, force_py=True)
    cxx = QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)
    x9 = next(r for r in range(model.rowCount()) if model.key_at(r) == 9)
    assert model.setData(model.index(x9, VALUE_COLUMN), "11")
    assert not model.setData(model.index(x9, VALUE_COLUMN), "12.5")
    assert not model.setData(model.index(x9, KEY_COLUMN), "3")  # x is not editable
    assert not model.flags(model.index(x9, KEY_COLUMN)) & Qt.ItemFlag.ItemIsEditable
    assert model.flags(model.index(x9, VALUE_COLUMN)) & Qt.ItemFlag.ItemIsEditable
    assert [y for x, y in shown_rows(window) if x == 9] == [11, 11]
    # a new threshold keeps the edit; the model stays consistent through the reset
    window.threshold_edit.setText("0")
    window.reload()
    wait_loaded(qtbot, window)
    assert model.rowCount() == 10
    assert [y for x, y in shown_rows(window) if x == 9] == [11, 11]
    window.undo_stack.undo()
    assert [y for x, y in shown_rows(window) if x == 9] == [10, 10]
    window.undo_stack.redo()
    assert [y for x, y in shown_rows(window) if x == 9] == [11, 11]
    window.revert_all()
    assert not window.pending
    failures = [r.message for r in qtlog.records if "FAIL" in r.message]
    assert failures == []
    del cxx


def test_model_on_the_demo(qtmodeltester, qtbot, qtlog, make_editor, isolated_user_dirs):
    editor = make_editor()
    reset_demo(editor.paths.demo, editor.spec)
    settings = ConnectionSettings(kind="demo", demo_path=str(editor.paths.demo))
    editor.window.set_connection(settings, create_engine_for(settings))
    wait_loaded(qtbot, editor.window)
    assert editor.window.model.rowCount() == 8
    _check_with_edits(qtmodeltester, qtbot, qtlog, editor.window)


@pytest.mark.postgres
def test_model_on_postgresql(qtmodeltester, qtbot, qtlog, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    editor = connect_pg(qtbot, make_editor, pg_db.url)
    assert editor.window.model.rowCount() == 8
    _check_with_edits(qtmodeltester, qtbot, qtlog, editor.window)


def test_model_data_for_rows_out_of_range_is_none(qtbot, make_editor):
    model = make_editor().window.model
    assert model.rowCount() == 0
    assert model.data(model.index(5, 1)) is None
    assert not model.canFetchMore()
