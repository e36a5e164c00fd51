"""Copy, paste, fill down, CSV export and import of changes in the window for any
table, on a customers table of the real PostgreSQL (numeric, boolean, timestamptz,
text with NULL and the empty string), driven with the keyboard and the dialogs
where a user would use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from sqlalchemy import text

from gui_helpers import WAIT_MS, activate, make_editor, open_table  # noqa: F401 - fixture
from gui.data.paging import Condition
from gui.qt.table_tools import CELLS_MIME, TableTools
from gui.qt.table_window import TableWindow

pytestmark = pytest.mark.postgres

CUSTOMERS = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text,
    credit numeric(12,2),
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz,
    note text
);
INSERT INTO customers VALUES
    (1, 'ada@example.org', 12.50, true, '2024-05-01 09:15:00+00', 'first'),
    (2, NULL, 6.50, false, NULL, ''),
    (3, 'grace@example.org', 7.99, true, '2024-04-01 00:00:00+02', NULL),
    (4, 'big@example.org', 99999999.99, true, NULL, E'a, "quoted"\\nnote');
"""
NAMES = ("id", "email", "credit", "active", "updated_at", "note")


def wait_loaded(qtbot, window: TableWindow) -> None:
    model = window.model
    qtbot.waitUntil(
        lambda: not model.loading and model.total is not None and model.rowCount() == model.total
        and window.writability is not None,
        timeout=WAIT_MS,
    )


@pytest.fixture
def customers(qtbot, make_editor, pg_db, pg_engine) -> tuple[TableWindow, TableTools]:
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = open_table(qtbot, make_editor, pg_db.url, "customers")
    window = editor.window
    wait_loaded(qtbot, window)
    assert window.model.names == NAMES
    tools = editor.table_tools  # installed by the app on every window for any table
    window.show()
    activate(qtbot, window)
    window.view.setFocus()
    return window, tools


def col(name: str) -> int:
    return NAMES.index(name)


def row_of(window: TableWindow, key: int) -> int:
    model = window.model
    rows = [r for r in range(model.rowCount()) if model.key_at(r) == (key,)]
    assert len(rows) == 1, f"no row with id = {key}"
    return rows[0]


def shown(window: TableWindow, key: int, name: str) -> str:
    return window.model.index(row_of(window, key), col(name)).data()


def select(window: TableWindow, top: int, left: int, bottom: int, right: int) -> None:
    model, selection = window.model, window.view.selectionModel()
    selection.setCurrentIndex(model.index(top, left), QItemSelectionModel.SelectionFlag.NoUpdate)
    selection.select(QItemSelection(model.index(top, left), model.index(bottom, right)), QItemSelectionModel.SelectionFlag.ClearAndSelect)


def put_cursor(window: TableWindow, key: int, name: str) -> None:
    window.select_cell(row_of(window, key), col(name))


def press(qtbot, window: TableWindow, key: Qt.Key) -> None:
    qtbot.keyClick(window.view, key, Qt.KeyboardModifier.ControlModifier)


def pending(window: TableWindow) -> dict[tuple[int, str], object]:
    return {(c.key[0], c.column): c.new for c in window.edits}


# -- the actions --------------------------------------------------------------------------


def test_the_actions_are_in_the_menus_and_the_context_menu_with_their_names(customers):
    window, tools = customers
    edit_names = [a.objectName() for a in window.edit_menu.actions()]
    file_names = [a.objectName() for a in window.file_menu.actions()]
    assert {"Copy", "Paste", "Fill down"} <= set(edit_names)
    # before Quit, in a group of their own
    assert file_names.index("Export CSV") < file_names.index("Import changes from CSV") < file_names.index("Quit")
    for action in (tools.copy_action, tools.paste_action, tools.fill_down_action, tools.export_action, tools.import_action):
        assert action.toolTip() == action.objectName()
    assert {"Copy", "Paste", "Fill down"} <= {a.objectName() for a in window.view.actions()}
    assert tools.fill_down_action.shortcut().toString() == "Ctrl+D"


# -- copy and paste -------------------------------------------------------------------------


def test_copy_and_paste_between_cells_is_one_undo_step(customers, qtbot):
    window, _tools = customers
    ada, grace = row_of(window, 1), row_of(window, 3)
    select(window, ada, col("email"), ada, col("updated_at"))
    press(qtbot, window, Qt.Key.Key_C)
    assert QGuiApplication.clipboard().text() == "ada@example.org\t12.50\ttrue\t2024-05-01 09:15:00+00\n"

    put_cursor(window, 3, "email")
    press(qtbot, window, Qt.Key.Key_V)
    # active was true already: three cells change, in one step
    assert [shown(window, 3, n) for n in ("email", "credit", "active", "updated_at")] == [
        "ada@example.org", "12.50", "true", "2024-05-01 09:15:00+00"
    ]  # fmt: skip
    assert len(window.edits) == 3 and window.undo_stack.count() == 1
    assert window.undo_action.text().replace("&", "") == "Undo Paste 4 values"
    # the pasted cells are selected
    assert window.view.selectionModel().isSelected(window.model.index(grace, col("updated_at")))
    press(qtbot, window, Qt.Key.Key_Z)
    assert not window.edits and shown(window, 3, "credit") == "7.99"
    assert shown(window, 3, "email") == "grace@example.org"


def test_a_copied_null_pastes_as_null_and_pending_values_copy_as_shown(customers, qtbot):
    window, tools = customers
    # a pending value is copied as the table shows it
    window.model.set_cell(row_of(window, 2), col("credit"), "8")
    nobody = row_of(window, 2)
    select(window, nobody, col("email"), nobody, col("note"))
    press(qtbot, window, Qt.Key.Key_C)
    # NULL as an empty field, the empty string too (a spreadsheet cannot tell them apart)
    assert QGuiApplication.clipboard().text() == "\t8.00\tfalse\t\t\n"
    assert QGuiApplication.clipboard().mimeData().hasFormat(CELLS_MIME)

    put_cursor(window, 1, "email")
    press(qtbot, window, Qt.Key.Key_V)
    # copied here: NULL stays NULL and the empty string stays empty, even in a text column
    assert pending(window) == {(2, "credit"): Decimal("8.00"), (1, "email"): None, (1, "credit"): Decimal("8.00"),
                               (1, "active"): False, (1, "updated_at"): None, (1, "note"): ""}  # fmt: skip
    assert shown(window, 1, "email") == "NULL" and shown(window, 1, "note") == ""

    # another program's text: an empty field is "" in a text column, NULL elsewhere
    QGuiApplication.clipboard().setText("\r\n")  # one empty cell
    put_cursor(window, 3, "note")
    assert tools.paste() is None
    assert pending(window)[(3, "note")] == ""  # it was NULL
    QGuiApplication.clipboard().setText("\t\r\n")  # two
    put_cursor(window, 3, "email")
    press(qtbot, window, Qt.Key.Key_V)
    assert pending(window)[(3, "email")] == "" and pending(window)[(3, "credit")] is None


def test_copy_takes_whole_values_and_the_bounding_rectangle(customers, qtbot):
    window, tools = customers
    big = row_of(window, 4)
    selection = window.view.selectionModel()
    window.select_cell(big, col("note"))
    selection.select(window.model.index(big, col("email")), QItemSelectionModel.SelectionFlag.Select)
    text_ = tools.copy_selection()
    # email to note: the cells between them too; the note whole, quoted for its line break
    assert text_ == 'big@example.org\t99999999.99\ttrue\t\t"a, ""quoted""\nnote"\n'
    assert "⏎" in window.model.index(big, col("note")).data()  # the cell shows one line


def test_a_refused_paste_changes_nothing_and_names_the_row_and_column(customers, qtbot):
    window, _tools = customers
    window.model.set_cell(row_of(window, 4), col("note"), "kept")
    before = dict(pending(window))
    cases = [
        ("3\tabc\n", 1, "email", "column credit", "'abc'"),  # a codec refuses
        ("5\n", 1, "id", "column id", "identifies the row"),  # a key column
        ("\r\n", 1, "active", "column active", "NOT NULL"),  # NULL into NOT NULL
        ("1\n2\n", None, "credit", "loaded", ""),  # beyond the loaded rows (None: the last row)
        ("a\tb\tc\n", 1, "updated_at", "columns", ""),  # beyond the columns
    ]
    last_key = window.model.key_at(window.model.rowCount() - 1)[0]
    for clipboard, key, name, where, why in cases:
        QGuiApplication.clipboard().setText(clipboard)
        put_cursor(window, key if key is not None else last_key, name)
        press(qtbot, window, Qt.Key.Key_V)
        message = window.message.text()
        assert message.startswith("Paste refused, nothing was changed") and where in message and why in message, message
        assert pending(window) == before and window.undo_stack.count() == 1
    # the row is named as its header shows it, with its key
    QGuiApplication.clipboard().setText("1\nnope\n")
    put_cursor(window, 1, "credit")
    press(qtbot, window, Qt.Key.Key_V)
    second = window.model.key_at(row_of(window, 1) + 1)[0]
    assert f"row {row_of(window, 1) + 2} (id = {second}), column credit" in window.message.text()
    assert pending(window) == before


# -- fill down --------------------------------------------------------------------------------


def test_fill_down_fills_each_selected_column_from_its_top_cell_in_one_step(customers, qtbot):
    window, _tools = customers
    model = window.model
    select(window, 0, col("email"), model.rowCount() - 1, col("credit"))
    top_email, top_credit = model.index(0, col("email")).data(), model.index(0, col("credit")).data()
    press(qtbot, window, Qt.Key.Key_D)
    assert [model.index(r, col("credit")).data() for r in range(model.rowCount())] == [top_credit] * 4
    assert [model.index(r, col("email")).data() for r in range(model.rowCount())] == [top_email] * 4
    assert window.undo_stack.count() == 1 and len(window.edits) == 6
    press(qtbot, window, Qt.Key.Key_Z)
    assert not window.edits

    # a NULL fills as NULL; a NOT NULL column refuses it; one selected cell has nothing below it
    nobody = row_of(window, 2)
    select(window, nobody, col("updated_at"), nobody + 1, col("updated_at"))
    press(qtbot, window, Qt.Key.Key_D)
    assert model.index(nobody + 1, col("updated_at")).data() == "NULL"
    put_cursor(window, 1, "credit")
    press(qtbot, window, Qt.Key.Key_D)
    assert "select a cell and the cells below it" in window.message.text()


# -- one value into a selection ----------------------------------------------------------------


def test_one_value_pasted_into_a_selection_fills_every_selected_cell_as_one_step(customers, qtbot):
    window, tools = customers
    model = window.model
    first, last = row_of(window, 1), row_of(window, 3)
    select(window, first, col("email"), last, col("credit"))
    QGuiApplication.clipboard().setText("7\n")  # one cell, as a spreadsheet copies it
    press(qtbot, window, Qt.Key.Key_V)
    for row in range(first, last + 1):
        assert model.index(row, col("email")).data() == "7" and model.index(row, col("credit")).data() == "7.00"
    assert window.undo_stack.count() == 1 and len(window.edits) == 2 * (last - first + 1)
    assert window.undo_action.text().replace("&", "") == f"Undo Paste one value into {2 * (last - first + 1)} cells"
    press(qtbot, window, Qt.Key.Key_Z)
    assert not window.edits

    # a selection reaching a read-only cell refuses it all, naming the cell
    select(window, first, col("id"), last, col("email"))
    press(qtbot, window, Qt.Key.Key_V)
    assert window.message.text().startswith("Paste refused, nothing was changed: row") and "column id" in window.message.text()
    assert not window.edits
    # one selected cell takes the value as a paste does
    put_cursor(window, 2, "credit")
    assert tools.paste() is None and pending(window) == {(2, "credit"): Decimal("7.00")}


# -- big ones: off the GUI thread ----------------------------------------------------------------

BIG = 6_000  # rows pasted: more than a paste checks at once on the GUI thread


@pytest.fixture
def many(customers, qtbot, pg_engine) -> tuple[TableWindow, TableTools]:
    """The customers with BIG rows more (ids 10 on), every row loaded."""
    window, tools = customers
    with pg_engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, credit) SELECT g, g FROM generate_series(10, :last) AS g"), {"last": 9 + BIG})
    window.reload()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total == BIG + 4, timeout=WAIT_MS)
    window.load_all_action.trigger()
    wait_loaded(qtbot, window)
    return window, tools


def paste_column(qtbot, window: TableWindow, name: str, values: list[str]) -> None:
    """``values`` pasted as one column from id 1's cell in ``name`` on."""
    QGuiApplication.clipboard().setText("\n".join(values) + "\n")
    window.view.setFocus()  # back on the table (after a click on Cancel)
    put_cursor(window, 1, name)
    press(qtbot, window, Qt.Key.Key_V)


def test_a_big_paste_is_checked_off_the_gui_thread_with_progress_and_cancel_then_is_one_step(many, qtbot):
    window, tools = many
    model = window.model
    top = row_of(window, 1)
    values = [f"{i}.25" for i in range(model.rowCount() - top)]
    paste_column(qtbot, window, "credit", values)
    # the paste is being checked: the status bar says so, Cancel is offered, the window takes edits meanwhile
    assert tools.planner.running and "Paste: checking" in window.statusBar().currentMessage()
    assert window.cancel_button.isEnabled() and not window.edits
    model.set_cell(row_of(window, 3), col("note"), "typed meanwhile")
    model.set_cell(row_of(window, 4), col("credit"), "1")  # the paste sets this cell too: it planned again
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    assert len(window.edits) == len(values) + 1
    assert model.index(row_of(window, 4), col("credit")).data() == values[row_of(window, 4) - top]
    assert model.index(model.rowCount() - 1, col("credit")).data() == values[-1]
    assert window.undo_action.text().replace("&", "") == f"Undo Paste {len(values):,} values"
    assert f"{len(values):,} pending changes changed" in window.statusBar().currentMessage()
    assert not window.cancel_button.isEnabled()
    # one step: undo puts back what was typed meanwhile
    window.undo_action.trigger()
    assert pending(window) == {(3, "note"): "typed meanwhile", (4, "credit"): Decimal("1.00")}
    window.redo_action.trigger()
    assert len(window.edits) == len(values) + 1

    # Cancel: nothing changes
    window.undo_action.trigger()
    paste_column(qtbot, window, "credit", values)
    assert tools.planner.running
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    assert "Paste cancelled: nothing was changed." in window.statusBar().currentMessage()
    assert len(window.edits) == 2 and not window.cancel_button.isEnabled()

    # the rows loaded again meanwhile (F5): the plan names its cells by key, so the
    # values land in the rows pasted into, wherever they are now
    paste_column(qtbot, window, "credit", values)
    assert tools.planner.running
    window.reload_action.trigger()
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    assert len(window.edits) == len(values) + 1
    assert window.edits.get((1,), "credit").new == Decimal(values[0])
    qtbot.waitUntil(lambda: not model.loading, timeout=WAIT_MS)
    assert shown(window, 1, "credit") == values[0]


def journaled(qtbot, window: TableWindow) -> dict[tuple[int, str], object]:
    """What the window's journal holds once its writes are done, read back as a
    restore reads it."""
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
    journal = window.journal
    if not journal.path.exists():
        return {}
    return {(c.key[0], c.column): c.new for c in window.edits.from_json(journal.load())}


def test_a_big_paste_its_undo_redo_and_edits_meanwhile_leave_the_journal_holding_the_pending_set(many, qtbot):
    window, tools = many
    model = window.model
    top = row_of(window, 1)
    values = [f"{i}.75" for i in range(model.rowCount() - top)]
    model.set_cell(row_of(window, 2), col("note"), "typed before")
    paste_column(qtbot, window, "credit", values)
    assert tools.planner.running
    window.undo_action.trigger()  # the typed note undone while the paste is checked: planned again, nothing lost
    model.set_cell(row_of(window, 3), col("note"), "typed meanwhile")
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    assert len(window.edits) == len(values) + 1 and window.edits.get((2,), "note") is None
    assert journaled(qtbot, window) == pending(window)

    # undo, an edit, redo at once (one journal write may take them all), then undo to nothing
    window.undo_action.trigger()  # the paste
    assert pending(window) == {(3, "note"): "typed meanwhile"}
    window.redo_action.trigger()
    model.set_cell(row_of(window, 1), col("credit"), "5")  # a cell the paste set: typed over it
    assert window.edits.get((1,), "credit").new == Decimal("5.00")
    assert journaled(qtbot, window) == pending(window) and len(pending(window)) == len(values) + 1
    while window.undo_stack.canUndo():
        window.undo_action.trigger()
    assert not window.edits and journaled(qtbot, window) == {}
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert journaled(qtbot, window) == pending(window) and len(pending(window)) == len(values) + 1


def test_a_big_paste_refused_names_the_first_refused_cell(many, qtbot):
    window, tools = many
    top = row_of(window, 1)
    values = ["1"] * (window.model.rowCount() - top)
    values[4_000] = "abc"
    values[5_000] = "1.234"
    paste_column(qtbot, window, "credit", values)
    assert tools.planner.running
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    key = window.model.key_at(top + 4_000)[0]
    assert window.message.text().startswith(f"Paste refused, nothing was changed: row {top + 4_001} (id = {key}), column credit: 'abc'")
    assert not window.edits


def test_a_big_fill_down_and_import_run_off_the_gui_thread(many, qtbot, tmp_path):
    window, tools = many
    model = window.model
    select(window, 0, col("note"), model.rowCount() - 1, col("note"))
    top_note = model.index(0, col("note")).data()
    press(qtbot, window, Qt.Key.Key_D)
    assert tools.planner.running and "Fill down: checking" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not tools.planner.running, timeout=WAIT_MS)
    assert model.index(model.rowCount() - 1, col("note")).data() == top_note
    assert window.undo_stack.count() == 1 and window.undo_action.text().replace("&", "") == f"Undo Fill down {model.rowCount() - 1:,} cells"

    # an import of every row's credit: read, reviewed and planned on workers, previewed, one step
    path = tmp_path / "credit.csv"
    path.write_text("id,credit\n" + "".join(f"{model.key_at(r)[0]},{r}.5\n" for r in range(model.rowCount())), encoding="utf-8")
    tools.import_file(str(path))
    assert window.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    assert f"{model.rowCount():,} changes to make pending, replacing no pending change." in tools.import_preview.summary.text()
    qtbot.mouseClick(tools.import_preview.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert model.index(model.rowCount() - 1, col("credit")).data() == f"{model.rowCount() - 1}.50"
    assert window.undo_stack.count() == 2 and len(window.edits) == 2 * model.rowCount() - 1


# -- export ---------------------------------------------------------------------------------


def test_export_of_a_filter_writes_exactly_its_rows_with_nulls_as_empty_fields(customers, qtbot, tmp_path):
    window, tools = customers
    window.filter_bar.set_conditions([Condition("active", "=", True)])
    window.reload()
    wait_loaded(qtbot, window)
    assert window.model.rowCount() == 3
    window.model.set_cell(row_of(window, 1), col("credit"), "13")  # pending: not in the file
    path = tmp_path / "active.csv"

    # through the file dialog, as a user picks a file; with a change pending it asks which values first
    tools.export_action.trigger()
    answer(qtbot, tools, "Export the database's values")
    qtbot.waitUntil(lambda: tools.file_dialog is not None and tools.file_dialog.isVisible(), timeout=WAIT_MS)
    assert "database's values" in tools.file_dialog.windowTitle()
    tools.file_dialog.selectFile(str(path))
    with qtbot.waitSignal(tools.exported, timeout=WAIT_MS) as blocker:
        tools.file_dialog.accept()
        assert tools.progress_dialog is not None
        assert tools.progress_dialog.accessibleName() == "Export progress"
        assert "1 pending change is not in it" in tools.progress_dialog.labelText()
    assert blocker.args == [3]
    assert path.read_text(encoding="utf-8") == (
        "id,email,credit,active,updated_at,note\n"
        "1,ada@example.org,12.50,true,2024-05-01 09:15:00+00,first\n"
        "3,grace@example.org,7.99,true,2024-03-31 22:00:00+00,\n"
        '4,big@example.org,99999999.99,true,,"a, ""quoted""\nnote"\n'
    )
    assert "not in it" in window.statusBar().currentMessage()
    assert tools.progress_dialog is None and tools._export_task is None


def answer(qtbot, tools: TableTools, button: str) -> None:
    """Click ``button`` in Export's question of which values to write."""
    qtbot.waitUntil(lambda: tools.export_question is not None and tools.export_question.isVisible(), timeout=WAIT_MS)
    box = tools.export_question
    assert "1 pending change that is not committed" in box.text()
    qtbot.mouseClick(box.findChild(QPushButton, button), Qt.MouseButton.LeftButton)


def test_export_can_write_the_values_as_shown_with_the_pending_ones(customers, qtbot, tmp_path):
    window, tools = customers
    window.model.set_cell(row_of(window, 3), col("note"), "")  # NULL → the empty string, pending
    path = tmp_path / "shown.csv"
    tools.export_action.trigger()
    answer(qtbot, tools, "Export as shown")
    qtbot.waitUntil(lambda: tools.file_dialog is not None and tools.file_dialog.isVisible(), timeout=WAIT_MS)
    assert "with the pending changes" in tools.file_dialog.windowTitle()
    tools.file_dialog.selectFile(str(path))
    with qtbot.waitSignal(tools.exported, timeout=WAIT_MS):
        tools.file_dialog.accept()
        assert "with the 1 pending change" in tools.progress_dialog.labelText()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3] == '3,grace@example.org,7.99,true,2024-03-31 22:00:00+00,""'  # the pending empty string, not NULL
    assert lines[1].startswith("1,ada@example.org,12.50,")  # the others as the database holds them
    assert "as the table shows them" in window.statusBar().currentMessage()
    # Cancel in the question writes nothing and asks for no file
    tools.export_action.trigger()
    qtbot.waitUntil(lambda: tools.export_question is not None and tools.export_question.isVisible(), timeout=WAIT_MS)
    tools.export_question.reject()
    qtbot.waitUntil(lambda: tools.export_question is None or not tools.export_question.isVisible(), timeout=WAIT_MS)
    assert tools.file_dialog is None


def test_an_export_can_be_cancelled_and_leaves_no_file(customers, qtbot, tmp_path, pg_engine):
    window, tools = customers
    with pg_engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email) SELECT g, 'x' || g FROM generate_series(10, 200009) AS g"))
    window.reload()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.total is not None, timeout=WAIT_MS)
    path = tmp_path / "all.csv"
    tools.export_to(str(path))
    dialog = tools.progress_dialog
    # the worker has begun writing (under a temporary name): Cancel, as a user would
    qtbot.waitUntil(lambda: any(tmp_path.glob("all.csv.*.part")), timeout=WAIT_MS)
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools._export_task is None, timeout=WAIT_MS)
    assert "cancelled" in window.statusBar().currentMessage()
    assert list(tmp_path.glob("all.csv*")) == []


# -- import ---------------------------------------------------------------------------------


def write_csv(tmp_path, content: str):
    path = tmp_path / "changes.csv"
    path.write_text(content, encoding="utf-8", newline="")
    return path


def open_preview(qtbot, tools, path):
    tools.import_file(str(path))
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    return tools.import_preview


def test_an_import_is_previewed_then_pending_as_one_undo_step(customers, qtbot, qtmodeltester, tmp_path):
    window, tools = customers
    # id 2 is not loaded under this filter: the database's values are what it changes
    window.filter_bar.set_conditions([Condition("active", "=", True)])
    window.reload()
    wait_loaded(qtbot, window)
    window.model.set_cell(row_of(window, 1), col("credit"), "20")  # replaced by the file's 13
    path = write_csv(tmp_path, 'id,credit,email\n1,13,\n3,,""\n2,6.50,x\n99,1,y\n')
    preview = open_preview(qtbot, tools, path)
    qtmodeltester.check(preview.changes_model)
    summary = preview.summary.text()
    assert "4 lines of credit, email): 5 changes to make pending, replacing 1 pending change." in summary, summary
    assert "1 value already holds" in summary and "1 line names a row that does not exist" in summary
    assert preview.changes_model.rowCount() == 8
    assert not preview.refused_table.isVisible() and preview.apply_button.isEnabled()
    assert pending(window) == {(1, "credit"): Decimal("20.00")}  # nothing before Apply

    qtbot.mouseClick(preview.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert pending(window) == {
        (1, "credit"): Decimal("13.00"), (1, "email"): None, (3, "credit"): None, (3, "email"): "", (2, "email"): "x"
    }  # fmt: skip
    # what the user saw of a row not loaded is the database's value
    assert window.edits.get((2,), "email").seen == (None,)
    assert window.edits.get((1,), "credit").seen == (Decimal("12.50"),)
    assert shown(window, 1, "credit") == "13.00" and shown(window, 3, "email") == ""
    assert window.undo_stack.count() == 2
    window.undo_action.trigger()
    assert pending(window) == {(1, "credit"): Decimal("20.00")}


def test_an_import_with_refused_lines_imports_nothing_and_says_where(customers, qtbot, tmp_path):
    window, tools = customers
    path = write_csv(tmp_path, "id;credit;active\n1;12.345;true\n2;1;\n3;1;maybe\n4;2;true\n")
    preview = open_preview(qtbot, tools, path)
    assert "3 refused lines" in preview.summary.text() and "line 2" in preview.summary.text()
    assert preview.refused_table.isVisible() and preview.refused_model.rowCount() == 3
    assert [preview.refused_model.index(r, 0).data() for r in range(3)] == ["2", "3", "4"]
    assert not preview.apply_button.isEnabled()
    assert window.message.text().startswith("Import refused, nothing was imported: changes.csv line 2: credit:")
    preview.reject()
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert not window.edits and window.undo_stack.count() == 0

    # a header that cannot be read says so, and no preview opens
    tools.import_file(str(write_csv(tmp_path, "email,credit\nx,1\n")))
    qtbot.waitUntil(lambda: tools._import_task is None, timeout=WAIT_MS)
    assert "must name the key column (id)" in window.message.text()
    assert tools.import_preview is None


def test_import_goes_through_the_file_dialog(customers, qtbot, tmp_path):
    window, tools = customers
    path = write_csv(tmp_path, "id,note\n2,now set\n")
    tools.import_action.trigger()
    qtbot.waitUntil(lambda: tools.file_dialog is not None and tools.file_dialog.isVisible(), timeout=WAIT_MS)
    tools.file_dialog.selectFile(str(path))
    tools.file_dialog.accept()
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    tools.import_preview.accept()
    assert pending(window) == {(2, "note"): "now set"}


def test_a_failed_export_says_why_and_the_tools_are_idle_again(customers, qtbot, tmp_path):
    window, tools = customers
    tools.export_to(str(tmp_path / "missing" / "out.csv"))
    qtbot.waitUntil(lambda: tools._export_task is None, timeout=WAIT_MS)
    assert window.message.text().startswith("Export CSV: Cannot write the file: Cannot write out.csv in ")
    assert str(tmp_path / "missing") in window.message.text() and "Choose another folder" in window.message.text()
    assert tools.progress_dialog is None
    with qtbot.waitSignal(tools.exported, timeout=WAIT_MS):
        tools.export_to(str(tmp_path / "out.csv"))  # and the next one runs


def test_on_a_read_only_connection_paste_fill_and_import_say_why_and_export_works(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    url = pg_db.url.render_as_string(hide_password=False)
    editor = make_editor("--url", url, "--table", "customers", "--read-only")
    editor.connect_url(url, read_only=True)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    wait_loaded(qtbot, window)
    tools = editor.table_tools  # installed by the app on every window for any table
    window.select_cell(0, col("credit"))
    QGuiApplication.clipboard().setText("1\n")
    for act, what in ((tools.paste, "Paste"), (tools.fill_down, "Fill down"), (tools.choose_import_file, "Import changes from CSV")):
        act()
        assert window.message.text().startswith(f"{what}: ") and "read-only" in window.message.text().lower()
        assert tools.file_dialog is None
    assert not window.edits
    with qtbot.waitSignal(tools.exported, timeout=WAIT_MS) as blocker:
        tools.export_to(str(tmp_path / "out.csv"))
    assert blocker.args == [4]
