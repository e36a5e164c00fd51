"""View → Plot and Help → Audit log in the real window (issue 5)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from sqlalchemy import create_engine, inspect, text

from gui.qt.plot import BASE_COLOR, PENDING_COLOR
from test_day_csvio import big_demo
from test_day_files import choose_file, menu_action
from test_day_support import close_window, day_window, open_pg_window, open_window  # noqa: F401  (fixture)


def show_plot(qtbot, day):
    action = menu_action(day.window.view_menu, "Plot")
    action.trigger()
    dock = day.tools.plot_dock
    assert dock.isVisible() and dock.accessibleName() == "Plot"
    plot = dock.plot
    qtbot.waitUntil(lambda: plot.base_item.count() + plot.pending_item.count() == day.window.model.rowCount())
    return plot


def colours_near(image, point, radius: int = 1) -> set[str]:
    x, y = round(point.x()), round(point.y())
    return {
        QColor(image.pixel(x + dx, y + dy)).name()
        for dx in range(-radius, radius + 1)
        for dy in range(-radius, radius + 1)
    }


def test_plot_shows_every_loaded_row_with_pending_values_in_amber(qtbot, day_window):
    day, w = day_window, day_window.window
    w.model.setData(day.index(day.row_of(9)), "60")  # typed into the y cell of x = 9
    plot = show_plot(qtbot, day)

    assert plot.base_item.count() == 6 and plot.pending_item.count() == 2  # both rows of x = 9
    assert list(plot.pending_item.xs) == [9, 9] and list(plot.pending_item.ys) == [60, 60]
    assert sorted(zip(plot.base_item.xs, plot.base_item.ys)) == [(6, 8), (6, 8), (20, 20), (20, 20), (100, 100), (100, 100)]
    assert plot.threshold_line.value() == 6 and plot.threshold_line.isVisible()
    assert "8 loaded rows, 2 with a pending value" in plot.caption.text()

    # what the user sees: amber where x = 9 now is, blue where x = 20 is
    image = plot.widget.grab().toImage()
    assert PENDING_COLOR.name() in colours_near(image, plot.point_position(day.row_of(9)))
    assert BASE_COLOR.name() in colours_near(image, plot.point_position(day.row_of(20)))
    assert BASE_COLOR.name() not in colours_near(image, plot.point_position(day.row_of(9)), radius=0)

    # undo: x = 9 is a database value again, drawn in blue
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: plot.pending_item.count() == 0)
    assert plot.base_item.count() == 8

    # a new threshold reloads the rows: the plot and its line follow
    w.threshold_edit.setText("15")
    qtbot.keyClick(w.threshold_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: plot.base_item.count() == 4 and plot.threshold_line.value() == 15)


def test_clicking_a_point_selects_its_row(qtbot, day_window):
    day, w = day_window, day_window.window
    plot = show_plot(qtbot, day)
    for key in (20, 6, 100):
        where = plot.point_position(day.row_of(key)).toPoint()
        qtbot.mouseClick(plot.widget.viewport(), Qt.MouseButton.LeftButton, pos=where)
        assert w.model.key_at(w.view.currentIndex().row()) == key
    # a click on empty space selects nothing new
    corner = plot.point_position(day.row_of(100)).toPoint()
    corner.setX(corner.x() - 60)
    qtbot.mouseClick(plot.widget.viewport(), Qt.MouseButton.LeftButton, pos=corner)
    assert w.model.key_at(w.view.currentIndex().row()) == 100


@pytest.mark.slow
def test_plot_of_100000_points_counts_and_clicks_right(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path, fill=lambda path: big_demo(path, 100_000))
    try:
        w = day.window
        w.model.fetch_all()
        qtbot.waitUntil(lambda: w.model.rowCount() == 100_000 and not w.model.loading, timeout=30_000)
        w.model.setData(day.index(day.row_of(25_000)), "5000")
        plot = show_plot(qtbot, day)
        assert plot.pending_item.count() == 2 and plot.base_item.count() == 99_998
        where = plot.point_position(day.row_of(25_000)).toPoint()
        qtbot.mouseClick(plot.widget.viewport(), Qt.MouseButton.LeftButton, pos=where)
        assert w.model.key_at(w.view.currentIndex().row()) == 25_000
    finally:
        close_window(day)


# -- audit log ------------------------------------------------------------------
def commit(qtbot, day, key: int, typed: str) -> None:
    w = day.window
    w.model.setData(day.index(day.row_of(key)), typed)
    with qtbot.waitSignal(day.tools.audit.audit_written, timeout=10_000):
        qtbot.mouseClick(w.commit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: getattr(w, "review_dialog", None) is not None)
        qtbot.mouseClick(w.review_dialog.commit_button, Qt.MouseButton.LeftButton)


def rows_of(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_audit_log_after_two_commits(qtbot, monkeypatch, day_window, tmp_path):
    day, w = day_window, day_window.window
    commit(qtbot, day, 6, "16")
    commit(qtbot, day, 9, "19")
    assert day.db_rows()[2:6] == [(6, 16), (6, 16), (9, 19), (9, 19)]
    assert not w.undo_action.isEnabled()  # a commit is in the database: not undone here

    menu_action(w.view_menu, "Audit log").trigger()
    dialog = day.tools.audit.audit_dialog
    assert dialog.isVisible() and dialog.accessibleName() == "Audit log"
    shown = rows_of(dialog.table)
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert headers == ["when", "connection", "table", "x", "old y", "new y", "rows updated", "stored y"]
    assert [row[3:] for row in shown] == [["9", "10, 10", "19", "2", ""], ["6", "8, 8", "16", "2", ""]]  # newest first; stored as typed
    assert all(row[1] == "demo database" and row[2] == "some_table" for row in shown)
    assert dialog.summary.text() == "2 changes in 2 commits."

    dialog.key_edit.setText("6")
    assert [row[3] for row in rows_of(dialog.table)] == ["6"]
    dialog.key_edit.setText("six")
    assert dialog.table.rowCount() == 0 and "whole number" in dialog.summary.text()
    dialog.key_edit.clear()

    dialog.from_check.setChecked(True)
    dialog.from_edit.setDate(QDate.currentDate().addDays(1))
    assert dialog.table.rowCount() == 0
    dialog.from_edit.setDate(QDate.currentDate())
    dialog.to_check.setChecked(True)
    dialog.to_edit.setDate(QDate.currentDate())
    assert dialog.table.rowCount() == 2
    dialog.to_edit.setDate(QDate.currentDate().addDays(-1))
    assert dialog.table.rowCount() == 0
    dialog.to_check.setChecked(False)

    out = tmp_path / "audit.csv"
    choose_file(monkeypatch, out)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    lines = out.read_text().splitlines()
    assert lines[0] == "when,connection,table,x,old y,new y,rows updated,stored y" and len(lines) == 3
    assert lines[1].endswith(",some_table,9,10 10,19,2,")
    dialog.reject()

    # the log is a file of its own in the user's data folder, not a table in the edited database
    assert day.paths.audit.exists() and day.paths.audit.parent == day.paths.data
    demo = create_engine(f"sqlite+pysqlite:///{day.paths.demo}")
    assert inspect(demo).get_table_names() == ["customers", "some_table"]  # the demo's own tables only
    demo.dispose()


def test_audit_log_survives_a_restart(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path)
    try:
        commit(qtbot, day, 20, "21")
    finally:
        close_window(day)
    day.window.close()

    again = open_window(qtbot, tmp_path)  # same user folders, new window and tools
    try:
        dialog = again.tools.audit.show_audit_log()
        assert [row[3:] for row in rows_of(dialog.table)] == [["20", "20, 20", "21", "2", ""]]
        dialog.reject()
    finally:
        close_window(again)


@pytest.mark.postgres
def test_audit_log_of_a_postgresql_commit_never_holds_the_password(qtbot, pg_db, pg_engine, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table VALUES (6, 8), (6, 8), (9, 10), (9, 2)"))
    day = open_pg_window(qtbot, tmp_path, pg_db)
    try:
        commit(qtbot, day, 9, "19")
        entry = day.tools.audit.audit.entries()[0]
        assert (entry.key, entry.old, entry.new, entry.rows) == (9, (2, 10), 19, 2)  # the hidden row too
        assert entry.connection == f"{pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}"
        raw = day.paths.audit.read_bytes()
        assert pg_db.password.encode() not in raw and b"p@ss" not in raw
    finally:
        close_window(day)
