"""The user keeps their place, in both windows, on the real PostgreSQL: after F5, a
commit or a filter, the same row (by its key) is current, in the same column, at
the same height on screen, loaded from there rather than from the first row; Go
to moves within the whole result (scrolling up reaches the first row, the row
numbers are the rows' places in it) and Ctrl+Home goes to the real first row.

Driven like a user: keys pressed in the view, values typed, buttons clicked; what
is asserted is what a user sees (the current cell's values, its row number, where
it is on screen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import text

from gui.data.paging import Condition
from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, _open_editor, activate, make_editor, seed_table, shown_rows, type_into  # noqa: F401

pytestmark = pytest.mark.postgres

ROWS = 5_000


def value_of(i: int) -> int:
    return i * 7919 % 1000  # a sort by value shuffles the ids


@pytest.fixture
def readings(pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE readings (id integer PRIMARY KEY, value integer, note text)"))
        conn.execute(
            text(
                "INSERT INTO readings SELECT g, g * 7919 % 1000, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END"
                " FROM generate_series(1, :n) g"
            ),
            {"n": ROWS},
        )
    return pg_engine


def open_readings(qtbot, make_editor, pg_db) -> TableWindow:
    url = pg_db.url.render_as_string(hide_password=False)
    editor = make_editor("--url", url, "--table", "readings")
    editor.connect_url(url)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    window.resize(800, 500)
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and not window.model.loading and window.writable, timeout=WAIT_MS)
    return window


def cell(window, row: int, column: str) -> str:
    return window.model.index(row, window.model.names.index(column)).data()


def number(window, row: int) -> str:
    """The row's number in the vertical header."""
    return window.model.headerData(row, Qt.Orientation.Vertical)


def where_current(window) -> tuple[str, str, int]:
    """What the user sees of the current cell: its row's id, its column, and how far
    from the top of the rows it is drawn."""
    index = window.view.currentIndex()
    assert index.isValid()
    return cell(window, index.row(), "id"), window.model.column_name(index.column()), window.view.rowViewportPosition(index.row())


def idle(window) -> bool:
    return not window.model.loading and window.model.rowCount() > 0


def go_to(qtbot, window, typed: str) -> None:
    type_into(qtbot, window.goto_edit, typed)
    qtbot.waitUntil(lambda: idle(window) and window.view.currentIndex().isValid(), timeout=WAIT_MS)


def press(qtbot, window, key, times: int = 1, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    window.view.setFocus()
    for _ in range(times):
        qtbot.keyClick(window.view, key, modifier)


def reloaded_to(qtbot, window, place: tuple[str, str, int]) -> None:
    """Until the window shows ``place`` again (after a reload that keeps it)."""
    qtbot.waitUntil(lambda: idle(window) and window.view.currentIndex().isValid() and where_current(window) == place, timeout=WAIT_MS)


def test_go_to_moves_within_the_whole_result_and_ctrl_home_reaches_the_first_row(qtbot, make_editor, pg_db, readings):
    window = open_readings(qtbot, make_editor, pg_db)
    model, view = window.model, window.view
    go_to(qtbot, window, "1800")  # two pages before it: 1,000 rows, then the rest
    row = view.currentIndex().row()
    assert cell(window, row, "id") == "1800" and view.rowAt(0) == row  # the row gone to, at the top
    qtbot.waitUntil(lambda: number(window, view.currentIndex().row()) == "1800", timeout=WAIT_MS)  # its place in the result
    assert model.rowCount() < ROWS  # loaded from there: no walk from the first row
    # page up, as a user does, until the first row: the rows before it come as the view nears them
    qtbot.waitUntil(lambda: (press(qtbot, window, Qt.Key.Key_PageUp), number(window, view.currentIndex().row()) == "1")[1], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT_MS)
    ids = [int(cell(window, r, "id")) for r in range(model.rowCount())]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) > 1800  # every row before it, once, in order
    assert cell(window, view.currentIndex().row(), "id") == "1" and view.currentIndex().row() == 0
    assert [number(window, r) for r in (0, 1, 1799)] == ["1", "2", "1800"]

    # from deep down, Ctrl+Home is the real first row, not the first one loaded
    go_to(qtbot, window, "4000")
    assert cell(window, 0, "id") != "1"
    with qtbot.waitSignal(model.modelReset, timeout=WAIT_MS):  # a load from the start, not every row up to it
        press(qtbot, window, Qt.Key.Key_Home, modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: idle(window) and where_current(window) == ("1", "id", 0), timeout=WAIT_MS)
    assert number(window, 0) == "1" and model.at_start


def test_a_refused_value_left_in_a_cell_stays_with_its_row_when_rows_go_in_before(qtbot, make_editor, pg_db, readings):
    """What was typed and refused is kept when the user clicks away; paging up then
    puts rows before the first, and the cell opened again still holds the text."""
    window = open_readings(qtbot, make_editor, pg_db)
    model, view = window.model, window.view
    go_to(qtbot, window, "1800")
    press(qtbot, window, Qt.Key.Key_Right)  # value, on id 1800
    row = view.currentIndex().row()
    assert cell(window, row, "id") == "1800" and model.column_name(view.currentIndex().column()) == "value"
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    qtbot.keyClick(_open_editor(view), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(_open_editor(view), "12x")
    # a click on the next row's cell: the editor closes with the text refused
    below = view.visualRect(model.index(row + 1, view.currentIndex().column())).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=below)
    qtbot.waitUntil(lambda: _open_editor(view) is None, timeout=WAIT_MS)
    assert not window.edits and cell(window, row, "value") == str(value_of(1800))
    before = model.rowCount()
    qtbot.waitUntil(lambda: (press(qtbot, window, Qt.Key.Key_PageUp), number(window, view.currentIndex().row()) == "1")[1], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT_MS)
    assert model.rowCount() > before  # rows went in before the first
    moved = next(r for r in range(model.rowCount()) if cell(window, r, "id") == "1800")
    view.setCurrentIndex(model.index(moved, model.names.index("value")))
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    assert _open_editor(view).text() == "12x"
    qtbot.keyClick(_open_editor(view), Qt.Key.Key_Escape)
    # the row now at the draft's old number opens with its own value
    view.setCurrentIndex(model.index(row, model.names.index("value")))
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    assert _open_editor(view).text() == cell(window, row, "value")


def test_rows_put_before_the_first_pass_qts_model_tester(qtbot, qtmodeltester, make_editor, pg_db, readings):
    """Near the end, so that the tester's own fetchMore has little to load; it
    watches two pages put before the first (1,000 rows, then 2,000) as the user
    pages up."""
    window = open_readings(qtbot, make_editor, pg_db)
    model, view = window.model, window.view
    go_to(qtbot, window, "4990")
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(lambda: (press(qtbot, window, Qt.Key.Key_PageUp), model.rowCount() > 3000)[1], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: idle(window), timeout=WAIT_MS)
    ids = [int(cell(window, r, "id")) for r in range(model.rowCount())]
    assert ids == list(range(ids[0], ROWS + 1))


def test_f5_keeps_the_row_the_column_and_the_height_on_screen(qtbot, make_editor, pg_db, readings):
    window = open_readings(qtbot, make_editor, pg_db)
    go_to(qtbot, window, "3000")
    press(qtbot, window, Qt.Key.Key_Down, 7)
    press(qtbot, window, Qt.Key.Key_Right, 2)
    place = where_current(window)
    assert place[:2] == ("3007", "note") and place[2] > 0
    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not window.view.currentIndex().isValid() or window.model.loading, timeout=WAIT_MS)  # it reloads
    reloaded_to(qtbot, window, place)
    row = window.view.currentIndex().row()
    assert cell(window, row, "note") == "n3007"
    qtbot.waitUntil(lambda: number(window, row) == "3007", timeout=WAIT_MS)
    assert window.model.rowCount() < ROWS and cell(window, 0, "id") != "1"  # loaded from there by keyset


def test_a_row_another_client_deleted_leaves_the_place_to_its_neighbour(qtbot, make_editor, pg_db, readings):
    """The row at or after it takes its place; after the last row, the one before."""
    window = open_readings(qtbot, make_editor, pg_db)
    go_to(qtbot, window, "3000")
    press(qtbot, window, Qt.Key.Key_Down, 4)
    _key, column, height = where_current(window)
    with readings.begin() as conn:
        conn.execute(text("DELETE FROM readings WHERE id IN (3004, 5000)"))
    press(qtbot, window, Qt.Key.Key_F5)
    reloaded_to(qtbot, window, ("3005", column, height))
    go_to(qtbot, window, "4999")
    _key, column, height = where_current(window)
    with readings.begin() as conn:
        conn.execute(text("DELETE FROM readings WHERE id = 4999"))
    press(qtbot, window, Qt.Key.Key_F5)
    reloaded_to(qtbot, window, ("4998", column, height))


def test_a_commit_keeps_the_row_by_its_key_even_when_its_sort_value_moved_it(qtbot, make_editor, pg_db, readings):
    window = open_readings(qtbot, make_editor, pg_db)
    view = window.view
    header = view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=_section_centre(header, 1))  # sort by value
    qtbot.waitUntil(lambda: window.sort and window.sort[0].column == "value" and idle(window), timeout=WAIT_MS)
    go_to(qtbot, window, "500")
    press(qtbot, window, Qt.Key.Key_Down, 3)  # the fourth of the five rows with value 500
    press(qtbot, window, Qt.Key.Key_Home)  # the row's first cell, then the next: value
    press(qtbot, window, Qt.Key.Key_Right)
    row = view.currentIndex().row()
    key, column, height = where_current(window)
    assert column == "value" and cell(window, row, "value") == "500" and height > 0
    # the user types a value that sorts it far away (rows before and after it there), and commits
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    editor = _open_editor(view)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "250")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.edits), timeout=WAIT_MS)
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.review_dialog.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.committing and not window.edits, timeout=WAIT_MS)
    reloaded_to(qtbot, window, (key, "value", height))
    row = view.currentIndex().row()
    assert cell(window, row, "value") == "250"  # the same row, where it now sorts
    assert [int(cell(window, r, "value")) for r in range(max(row - 3, 0), row + 3)] == sorted(
        int(cell(window, r, "value")) for r in range(max(row - 3, 0), row + 3)
    )


def _section_centre(header, section: int) -> QPoint:
    return QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2, header.height() // 2)


def test_a_filter_keeps_the_current_row_while_it_matches(qtbot, make_editor, pg_db, readings):
    window = open_readings(qtbot, make_editor, pg_db)
    go_to(qtbot, window, "3001")
    press(qtbot, window, Qt.Key.Key_Right, 2)
    key, column, height = where_current(window)

    def apply(conditions) -> None:
        window.filter_bar.set_conditions(conditions)
        qtbot.mouseClick(window.filter_bar.apply_button, Qt.MouseButton.LeftButton)

    apply([Condition("note", "is not NULL")])  # id 3001's note is 'n3001': it stays
    reloaded_to(qtbot, window, (key, column, height))
    before = sum(1 for i in range(1, 3001) if i % 3)  # rows with a note before it
    qtbot.waitUntil(lambda: number(window, window.view.currentIndex().row()) == str(before + 1), timeout=WAIT_MS)
    apply([Condition("id", "<", 100)])  # it no longer matches: the first row, at the top
    qtbot.waitUntil(lambda: idle(window) and where_current(window) == ("1", column, 0), timeout=WAIT_MS)
    assert number(window, 0) == "1"


# -- the tutorial's window ---------------------------------------------------------------

TUTORIAL_ROWS = [(k, k % 40 + 1) for k in range(1, 4001)]  # one row a key


@pytest.fixture
def tutorial(pg_engine):
    seed_table(pg_engine, TUTORIAL_ROWS)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE INDEX ON some_table (x, y)"))
    return pg_engine


def open_tutorial(qtbot, make_editor, pg_db):
    editor = make_editor("--threshold", "0")
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    window.resize(700, 500)
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: idle(window) and window.writable, timeout=WAIT_MS)
    return window


def tutorial_current(window) -> tuple[tuple[int, int], int, int]:
    index = window.view.currentIndex()
    assert index.isValid()
    return shown_rows(window)[index.row()], index.column(), window.view.rowViewportPosition(index.row())


def test_the_tutorial_window_keeps_its_place_after_f5_a_commit_and_a_threshold(qtbot, make_editor, pg_db, tutorial):
    window = open_tutorial(qtbot, make_editor, pg_db)
    view, model = window.view, window.model
    go_to(qtbot, window, "2000")
    assert shown_rows(window)[view.currentIndex().row()] == (2000, 2000 % 40 + 1)
    press(qtbot, window, Qt.Key.Key_Down, 6)
    press(qtbot, window, Qt.Key.Key_End)  # the row's last cell: y
    place = tutorial_current(window)
    assert place[0] == (2006, 2006 % 40 + 1) and place[1] == 1 and place[2] > 0

    def back_at(row: tuple[int, int]) -> bool:
        return idle(window) and view.currentIndex().isValid() and tutorial_current(window) == (row, place[1], place[2])

    press(qtbot, window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: model.loading or not view.currentIndex().isValid(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: back_at(place[0]), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: model.headerData(view.currentIndex().row(), Qt.Orientation.Vertical) == "2006", timeout=WAIT_MS)
    assert shown_rows(window)[0][0] > 1  # loaded from there

    # a commit of this row's y: the same row after the reload, showing what was stored
    press(qtbot, window, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    editor = _open_editor(view)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.pending), timeout=WAIT_MS)
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
    qtbot.mouseClick(window.review_dialog.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.committing and not window.pending, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: back_at((2006, 5)), timeout=WAIT_MS)

    # a threshold that still shows it keeps it; one that hides it goes to the first row
    type_into(qtbot, window.threshold_edit, "3")
    qtbot.waitUntil(lambda: model.threshold == 3 and back_at((2006, 5)), timeout=WAIT_MS)
    type_into(qtbot, window.threshold_edit, "10")
    qtbot.waitUntil(lambda: model.threshold == 10 and idle(window) and view.currentIndex().isValid(), timeout=WAIT_MS)
    assert tutorial_current(window) == ((10, 11), place[1], 0)  # the first row above 10, at the top
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"
