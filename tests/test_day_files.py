"""File → Import changes… and File → Export rows… in the real window (issue 5)."""

from __future__ import annotations

import sys
import tracemalloc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QStyle
from sqlalchemy import text


from test_day_csvio import big_demo
from test_day_support import close_window, day_window, open_pg_window, open_window  # noqa: F401  (fixture)


def choose_file(monkeypatch, path) -> None:
    """The file dialogs answer ``path``, as if the user picked it."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def menu_action(menu, name: str):
    found = [a for a in menu.actions() if a.objectName() == name]
    assert len(found) == 1, [a.objectName() for a in menu.actions()]
    return found[0]


def import_file(qtbot, monkeypatch, day, path):
    choose_file(monkeypatch, path)
    menu_action(day.window.file_menu, "Import changes").trigger()
    qtbot.waitUntil(lambda: day.tools.files.import_dialog is not None and day.tools.files.import_dialog.isVisible())
    return day.tools.files.import_dialog


def export_file(qtbot, monkeypatch, day, path, answer: str | None = None):
    """File → Export rows, the file chosen; with pending changes the question of
    which values to write is answered by clicking the button named ``answer``."""
    choose_file(monkeypatch, path)
    files = day.tools.files
    with qtbot.waitSignal(files.exported, timeout=60_000) as blocker:
        menu_action(day.window.file_menu, "Export rows").trigger()
        if answer is not None:
            box = files.export_question
            assert box is not None and box.isVisible()
            qtbot.mouseClick(box.findChild(QPushButton, answer), Qt.MouseButton.LeftButton)
        assert files.progress_dialog.accessibleName() == "Export progress"
    return blocker.args[0]


def column(table, c: int) -> list[str]:
    model = table.model()
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_import_previews_then_applies_as_one_undo_step(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    path = tmp_path / "changes.csv"
    path.write_bytes(b"\xef\xbb\xbf\"x\";\"y\"\r\n6;16\r\n9;19\r\n20;20\r\n555;5\r\n")
    dialog = import_file(qtbot, monkeypatch, day, path)

    assert dialog.accessibleName() == "Import changes"
    assert "3 changes to 4 rows" in dialog.summary.text()
    assert "1 line already matches" in dialog.summary.text()
    assert "1 change matches no row" in dialog.summary.text()
    assert column(dialog.table, 1) == ["6", "9", "20", "555"]
    assert column(dialog.table, 4) == ["2", "2", "2", "0"]  # rows each one touches, counted in the database
    assert not w.pending  # nothing before Apply

    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert sorted(c.key for c in w.pending.changes()) == [6, 9, 555]
    assert w.pending_label.text() == "3 pending changes"
    model = w.model
    assert model.data(day.index(day.row_of(6))) == "16" and model.data(day.index(day.row_of(9))) == "19"
    assert w.undo_stack.count() == 1
    assert w.undo_action.text().replace("&", "") == "Undo Import 3 changes from changes.csv"

    w.undo_action.trigger()  # Edit → Undo
    assert not w.pending and model.data(day.index(day.row_of(6))) == "8"


def test_import_with_refused_lines_imports_nothing_and_says_where(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    path = tmp_path / "changes.csv"
    path.write_text("x,y\n6,16\n9,abc\n20,21\n100,12.5\n")
    dialog = import_file(qtbot, monkeypatch, day, path)

    assert not dialog.apply_button.isEnabled()
    assert "2 refused lines, so nothing will be imported" in dialog.summary.text()
    assert column(dialog.refused_table, 0) == ["3", "5"] and column(dialog.refused_table, 1) == ["abc", "12.5"]
    assert "line 3" in w.message.text() and "'abc'" in w.message.text() and "nothing was imported" in w.message.text()
    dialog.reject()
    assert not w.pending and w.undo_stack.count() == 0


def test_a_file_without_the_header_is_refused_whole(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    path = tmp_path / "changes.csv"
    path.write_text("6,16\n9,19\n")
    choose_file(monkeypatch, path)
    menu_action(w.file_menu, "Import changes").trigger()
    qtbot.waitUntil(lambda: "must name the columns" in w.message.text())
    assert day.tools.files.import_dialog is None and not w.pending


def test_round_trip_export_then_import_gives_no_changes(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    path = tmp_path / "rows.csv"
    assert export_file(qtbot, monkeypatch, day, path) == 8
    assert path.read_text().splitlines() == ["x,y"] + [",".join(row) for row in day.shown()]
    assert "Exported 8 rows" in w.statusBar().currentMessage()

    dialog = import_file(qtbot, monkeypatch, day, path)
    assert "0 changes to 0 rows" in dialog.summary.text()
    assert "4 lines already match" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()
    dialog.reject()
    assert not w.pending and w.undo_stack.count() == 0


def test_export_with_pending_changes_asks_which_values_and_says_which_it_wrote(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    w.pending.apply(w.pending.plan_edit(6, "16", [8, 8], 6))
    path = tmp_path / "rows.csv"
    export_file(qtbot, monkeypatch, day, path, answer="Export the database's values")
    assert path.read_text().splitlines()[1:3] == ["6,8", "6,8"]
    assert "database's values: the 1 pending change is not in it" in w.statusBar().currentMessage()
    # importing it back proposes exactly the undoing of the pending change, and says so
    dialog = import_file(qtbot, monkeypatch, day, path)
    assert "replacing 1 pending change" in dialog.summary.text()
    assert column(dialog.table, 1)[0] == "6" and column(dialog.table, 5)[0] == "16"  # its pending y beside the database's
    assert "drops a pending change" in column(dialog.table, 6)[0]
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert not w.pending

    # as shown: the pending value in every row with its x, the others as in the database
    w.pending.apply(w.pending.plan_edit(6, "16", [8, 8], 6))
    export_file(qtbot, monkeypatch, day, path, answer="Export as shown")
    lines = path.read_text().splitlines()
    assert lines[1:3] == ["6,16", "6,16"] and lines[3:] == [f"{x},{y}" for x, y in day.db_rows() if y > 6][2:]
    assert "as the table shows them: with the 1 pending change" in w.statusBar().currentMessage()
    # nothing pending: no question
    w.pending.clear()
    assert export_file(qtbot, monkeypatch, day, path) == 8


def test_the_import_preview_shows_the_pending_value_it_replaces(qtbot, monkeypatch, day_window, tmp_path):
    # issue 13: a pending 30 was replaced by the file's 21 without a word
    day, w = day_window, day_window.window
    w.pending.apply(w.pending.plan_edit(20, "30", [20, 20], 6))
    path = tmp_path / "changes.csv"
    path.write_text("x,y\n20,21\n9,19\n")
    dialog = import_file(qtbot, monkeypatch, day, path)
    summary = dialog.summary.text()
    assert "2 changes to 4 rows, replacing 1 pending change" in summary and "pending y beside the database's" in summary
    assert column(dialog.table, 1) == ["20", "9"]
    assert column(dialog.table, 2) == ["21", "19"]  # the file's
    assert column(dialog.table, 3) == ["20, 20", "10, 10"]  # the database's, as the review and the audit log write them
    assert column(dialog.table, 5) == ["30", ""]  # pending now
    assert column(dialog.table, 6) == ["replaces a pending change", ""]
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert {c.key: c.new for c in w.pending.changes()} == {20: 21, 9: 19}
    assert w.undo_stack.count() == 1
    w.undo_action.trigger()
    assert {c.key: c.new for c in w.pending.changes()} == {20: 30}


@pytest.mark.slow
def test_export_of_100000_rows_streams_without_loading_them(qtbot, monkeypatch, tmp_path):
    day = open_window(qtbot, tmp_path, fill=lambda path: big_demo(path, 100_000))
    try:
        w = day.window
        first_page = w.model.rowCount()
        assert first_page <= 1_000
        path = tmp_path / "rows.csv"
        tracemalloc.start()
        try:
            assert export_file(qtbot, monkeypatch, day, path) == 100_000
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert w.model.rowCount() == first_page  # the export did not go through the table
        with path.open() as handle:
            assert sum(1 for _ in handle) == 100_001
        all_rows = 100_000 * (sys.getsizeof((1, 2)) + 2 * sys.getsizeof(10**6))
        assert peak < all_rows / 4, f"peak {peak:,} bytes"
        assert day.tools.files.progress_dialog is None  # closed when done
    finally:
        close_window(day)


def test_cancel_in_the_progress_dialog_writes_no_file(qtbot, monkeypatch, tmp_path):
    day = open_window(qtbot, tmp_path, fill=lambda path: big_demo(path, 50_000))
    try:
        w = day.window
        folder = tmp_path / "out"
        folder.mkdir()
        choose_file(monkeypatch, folder / "rows.csv")
        menu_action(w.file_menu, "Export rows").trigger()
        dialog = day.tools.files.progress_dialog
        assert dialog.isVisible()
        cancel = [b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel"]
        qtbot.mouseClick(cancel[0], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: day.tools.files.progress_dialog is None)
        assert "Export cancelled" in w.statusBar().currentMessage()
        assert list(folder.iterdir()) == []
    finally:
        close_window(day)


@pytest.mark.postgres
def test_on_postgresql_export_and_import_round_trip_and_count_rows(qtbot, monkeypatch, pg_db, pg_engine, tmp_path):
    with pg_engine.begin() as conn:  # no index: the export pages one sorted pass
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table SELECT i / 4, 10 + i / 4 FROM generate_series(0, 3999) i"))
        conn.execute(text("INSERT INTO some_table VALUES (7, 3)"))  # hidden at threshold 6, but updated too
    day = open_pg_window(qtbot, tmp_path, pg_db)
    window, tools = day.window, day.tools
    try:
        path = tmp_path / "rows.csv"
        choose_file(monkeypatch, path)
        with qtbot.waitSignal(tools.files.exported, timeout=30_000) as blocker:
            menu_action(window.file_menu, "Export rows").trigger()
        assert blocker.args == [4000]

        path.write_text("x,y\n7,70\n8,18\n")  # 8 already holds 18: no change
        menu_action(window.file_menu, "Import changes").trigger()
        qtbot.waitUntil(lambda: tools.files.import_dialog is not None)
        dialog = tools.files.import_dialog
        assert column(dialog.table, 4) == ["5", "4"]  # x = 7 touches its hidden row as well
        assert "1 change to 5 rows" in dialog.summary.text()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        assert [(c.key, c.new, c.seen) for c in window.pending.changes()] == [(7, 70, (17, 17, 17, 17))]
    finally:
        close_window(day)


def test_the_import_previews_column_headers_are_not_cut_off(qtbot, monkeypatch, day_window, tmp_path):
    """'y in the database' was shown as 'in the databas' in a 90 px column."""
    day = day_window
    path = tmp_path / "changes.csv"
    path.write_bytes(b"x;y\r\n6;16\r\n")
    dialog = import_file(qtbot, monkeypatch, day, path)
    header = dialog.table.horizontalHeader()
    model = dialog.table.model()
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "y in the database" in titles
    for c, title in enumerate(titles):
        needed = header.fontMetrics().horizontalAdvance(title) + 2 * margin
        assert header.sectionSize(c) >= needed, f"the header {title!r} is {header.sectionSize(c)} px wide, its text needs {needed}"
