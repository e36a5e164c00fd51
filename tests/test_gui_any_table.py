"""Any table in the real window: the columns and types the server reports, NULLs,
edits of any column, set to NULL, the review and commit, the table chooser, and the
shapes of ``some_table`` the tutorial's window cannot serve.  Driven like a user
(the Editor built from command-line arguments, keys typed, buttons pressed) against
the real PostgreSQL and the SQLite demo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QPushButton
from sqlalchemy import create_engine, text

from gui_helpers import WAIT_MS, _open_editor, make_editor, open_table, seed_table  # noqa: F401 - fixtures
from test_data_pooler import assert_nothing_left_in_a_transaction, busy_pool  # noqa: F401 - busy_pool is a fixture
from gui.qt.main_window import MainWindow
from gui.qt.table_model import PENDING_ROLE
from gui.qt.table_window import TableWindow

pytestmark = pytest.mark.postgres

CUSTOMERS = """
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text,
    credit numeric(12,2),
    active boolean NOT NULL DEFAULT true,
    updated_at timestamptz
);
INSERT INTO customers VALUES
    (1, 'ada@example.org', 12.50, true, '2024-05-01 09:15:00+00'),
    (2, NULL, 6.50, false, NULL),
    (3, 'grace@example.org', 7.99, true, '2024-04-01 00:00:00+02'),
    (9007199254740993, 'big@example.org', 99999999.99, true, NULL);
"""


def _url(pg_db) -> str:
    return pg_db.url.render_as_string(hide_password=False)


def _wait_table(qtbot, editor) -> TableWindow:
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    model = window.model
    qtbot.waitUntil(
        lambda: not model.loading and model.total is not None and model.rowCount() == model.total
        and window.writability is not None,
        timeout=WAIT_MS,
    )
    return window


def _open_with(qtbot, make_editor, pg_db, pg_engine, table: str, *statements: str):
    """Run ``statements`` on the test database, then start on it with ``--table
    table``; the editor, once its window has loaded the table."""
    with pg_engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    editor = open_table(qtbot, make_editor, pg_db.url, table)
    _wait_table(qtbot, editor)
    return editor


def _column(window, name: str) -> int:
    return window.model.names.index(name)


def _row_with(window, column: str, shown: str) -> int:
    col = _column(window, column)
    rows = [r for r in range(window.model.rowCount()) if window.model.index(r, col).data() == shown]
    assert rows, f"no row shows {column} = {shown}"
    return rows[0]


def _type_into(qtbot, window, row: int, column: str, typed: str) -> QLineEdit:
    """Double-click the cell, select what the editor holds, type, Enter (as a user)."""
    window.show()
    view = window.view
    index = window.model.index(row, _column(window, column))
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    editor = _open_editor(view)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, typed)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # Qt commits the editor's text on the next turn of the event loop
    qtbot.waitUntil(lambda: _open_editor(view) is None or bool(window.message.text().strip()), timeout=WAIT_MS)
    return editor


def _commit_through_review(qtbot, window) -> QDialog:
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
    review = window.review_dialog
    qtbot.mouseClick(review.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.committing and not window.pending, timeout=WAIT_MS)
    return review


def test_a_customers_table_shows_every_column_exactly_and_edits_commit(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    model = window.model
    assert model.names == ("id", "email", "credit", "active", "updated_at")
    assert "customers" in window.windowTitle()
    # exact values: numeric with its scale, a bigint beyond 2^53, NULL dimmed and named
    big = _row_with(window, "id", "9007199254740993")
    assert model.index(big, _column(window, "credit")).data() == "99999999.99"
    ada = _row_with(window, "id", "1")
    assert model.index(ada, _column(window, "credit")).data() == "12.50"
    assert model.index(ada, _column(window, "updated_at")).data() == "2024-05-01 09:15:00+00"
    assert model.index(ada, _column(window, "active")).data() == "true"
    nobody = _row_with(window, "id", "2")
    email = model.index(nobody, _column(window, "email"))
    assert email.data() == "NULL" and email.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "NULL"
    assert "numeric(12,2)" in model.headerData(_column(window, "credit"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    # the key identifies the row: it cannot be edited, and says why
    assert not (model.flags(model.index(ada, _column(window, "id"))) & Qt.ItemFlag.ItemIsEditable)

    # a value numeric(12,2) would round is refused at once, with why; what was typed stays
    editor_ = _type_into(qtbot, window, ada, "credit", "1.234")
    assert "1.234" in window.message.text() and editor_.isVisible() and editor_.text() == "1.234"
    qtbot.keyClick(editor_, Qt.Key.Key_Escape)
    assert not window.pending
    _type_into(qtbot, window, ada, "credit", "13")
    assert model.index(ada, _column(window, "credit")).data() == "13.00"
    # set to NULL from the Edit menu's action, on the selected cell
    window.select_cell(ada, _column(window, "email"))
    window.set_null_action.trigger()
    assert model.index(ada, _column(window, "email")).data() == "NULL"
    assert len(window.pending) == 2 and window.commit_button.isEnabled()
    # a NOT NULL column refuses NULL, saying why
    window.select_cell(ada, _column(window, "active"))
    window.set_null_action.trigger()
    assert len(window.pending) == 2 and "NULL" in window.message.text()

    review = _commit_through_review(qtbot, window)
    assert "2 changes" in review.summary.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT email, credit FROM customers WHERE id = 1")).one() == (None, Decimal("13.00"))
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 4, timeout=WAIT_MS)
    assert model.index(_row_with(window, "id", "1"), _column(window, "credit")).data() == "13.00"


def test_rows_whose_key_is_null_are_shown_counted_and_read_only(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine, [(1, 10), (2, 20), (None, 30), (None, 40)])
    editor = make_editor("--url", _url(pg_db))
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    model = window.model
    assert model.rowCount() == 4 and model.total == 4
    qtbot.waitUntil(lambda: "2 with a NULL x (read-only)" in window.rows_label.text(), timeout=WAIT_MS)
    assert "4 rows shown" in window.rows_label.text()
    null_row = _row_with(window, "x", "NULL")
    y = model.index(null_row, _column(window, "y"))
    assert not (model.flags(y) & Qt.ItemFlag.ItemIsEditable)
    assert "NULL" in model.why_cell_read_only(null_row, _column(window, "y"))
    # the filter is the tutorial's y > 6, its value field named Threshold
    assert window.findChild(QLineEdit, "Threshold") is not None
    assert window.findChild(QLineEdit, "Threshold").text() == "6"


def test_a_numeric_y_is_shown_exactly_and_13_over_12_50_is_a_change(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y numeric(10,2))"))
        conn.execute(text("INSERT INTO some_table VALUES (1, 6.50), (2, 12.50), (3, 7.99), (2, 12.50)"))
    editor = make_editor("--url", _url(pg_db))
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    model = window.model
    shown = sorted(model.index(r, _column(window, "y")).data() for r in range(model.rowCount()))
    assert shown == ["12.50", "12.50", "6.50", "7.99"]
    row = _row_with(window, "y", "12.50")
    _type_into(qtbot, window, row, "y", "13")
    assert len(window.pending) == 1  # one change: every row with x = 2 changes together
    review = _commit_through_review(qtbot, window)
    assert "2 rows" in review.summary.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT y FROM some_table WHERE x = 2")).scalars().all() == [Decimal("13.00")] * 2


def test_the_table_chooser_switches_between_the_tutorial_window_and_any_table(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db))
    editor.connect_url(_url(pg_db))
    assert isinstance(editor.window, MainWindow)
    chooser = editor.window.table_chooser
    assert chooser.accessibleName() == "Table"
    qtbot.waitUntil(lambda: chooser.count() >= 2, timeout=WAIT_MS)
    chooser.table_chosen.emit("public.customers")  # as the user's pick does
    window = _wait_table(qtbot, editor)
    assert window.model.names[0] == "id" and window.table_chooser.accessibleName() == "Table"
    # and back: the tutorial's table opens in its own window, remembered for the connection
    window.table_chooser.table_chosen.emit("public.some_table")
    qtbot.waitUntil(lambda: isinstance(editor.window, MainWindow), timeout=WAIT_MS)
    # remembered on a lane of its own
    qtbot.waitUntil(lambda: editor.last_tables.get(editor.window.settings) == "public.some_table", timeout=WAIT_MS)


def test_a_trigger_that_stores_another_value_is_said_after_the_commit(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        conn.execute(text(
            "CREATE FUNCTION cap() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.credit := least(NEW.credit, 50); RETURN NEW; END $$"
        ))
        conn.execute(text("CREATE TRIGGER cap BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION cap()"))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "3"), "credit", "500")
    review = _commit_through_review(qtbot, window)
    assert "trigger" in review.summary.text().lower()
    qtbot.waitUntil(lambda: "stored" in window.message.text(), timeout=WAIT_MS)
    assert "500" in window.message.text() and "50.00" in window.message.text()


def test_what_a_views_instead_of_trigger_stored_is_said_not_what_it_returned(qtbot, make_editor, pg_db, pg_engine):
    """An INSTEAD OF trigger's RETURNING row is what it returns (NEW, as typed): what
    was stored is read back from the view, told, and written in the audit log."""
    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "shouting",
        "CREATE TABLE quiet (id int PRIMARY KEY, v text)",
        "INSERT INTO quiet VALUES (1, 'a'), (2, 'b')",
        "CREATE VIEW shouting AS SELECT id, upper(v) AS v FROM quiet",
        "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE quiet SET v = lower(NEW.v) WHERE id = OLD.id; RETURN NEW; END $$",
        "CREATE TRIGGER shout INSTEAD OF UPDATE ON shouting FOR EACH ROW EXECUTE FUNCTION shout()",
    )  # fmt: skip
    editor.shutdown()  # a view has no key of its own: its rows by id
    editor = open_table(qtbot, make_editor, pg_db.url, "shouting", "--key", "id")
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "v", "Zed")
    review = _commit_through_review(qtbot, window)
    assert "trigger" in review.summary.text().lower()
    qtbot.waitUntil(lambda: "stored" in window.message.text(), timeout=WAIT_MS)
    assert "Zed" in window.message.text() and "ZED" in window.message.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM quiet WHERE id = 1")).scalar() == "zed"


def test_an_updatable_view_is_edited_through_its_key_columns(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        conn.execute(text("CREATE VIEW active_customers AS SELECT id, email, credit FROM customers WHERE active"))
    editor = make_editor("--url", _url(pg_db), "--table", "active_customers", "--key", "id")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    assert window.model.rowCount() == 3
    _type_into(qtbot, window, _row_with(window, "id", "1"), "email", "lovelace@example.org")
    _commit_through_review(qtbot, window)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT email FROM customers WHERE id = 1")).scalar() == "lovelace@example.org"


def test_the_demo_has_a_mixed_table_to_edit(qtbot, make_editor, isolated_user_dirs, tmp_path):
    from gui.data.config import DEFAULT_SPEC
    from gui.data.demo import ensure_demo

    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    editor = make_editor("--table", "customers")
    editor.connect_url(f"sqlite:///{path}")
    window = _wait_table(qtbot, editor)
    model = window.model
    assert model.names == ("id", "name", "email", "credit", "active", "joined", "updated_at", "note")
    grace = _row_with(window, "name", "Grace Hopper")
    assert model.index(grace, _column(window, "email")).data() == "NULL"
    _type_into(qtbot, window, grace, "email", "grace@example.org")
    _commit_through_review(qtbot, window)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM customers WHERE id = 3")).scalar() == "grace@example.org"
    finally:
        engine.dispose()


def test_a_table_without_a_key_is_edited_through_the_columns_the_user_ticks(qtbot, make_editor, pg_db, pg_engine):
    from PySide6.QtWidgets import QDialogButtonBox

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE readings (sensor text, day date, value numeric(8,1))"))
        conn.execute(text(
            "INSERT INTO readings VALUES ('a', '2024-01-01', 1.5), ('a', '2024-01-02', 2.5), ('b', '2024-01-01', 3.5)"
        ))
    editor = make_editor("--url", _url(pg_db), "--table", "readings")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    assert "identify a row" in window.mode_label.text()
    row = _row_with(window, "value", "2.5")
    assert not (window.model.flags(window.model.index(row, _column(window, "value"))) & Qt.ItemFlag.ItemIsEditable)
    window.key_action.trigger()
    dialog = window.key_dialog
    for i in range(dialog.columns.count()):
        if dialog.columns.item(i).text() in ("sensor", "day"):
            dialog.columns.item(i).setCheckState(Qt.CheckState.Checked)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: editor.window.schema is not None and editor.window.schema.key == ("sensor", "day"), timeout=WAIT_MS)
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "value", "2.5"), "value", "2.6")
    review = _commit_through_review(qtbot, window)
    assert "1 change" in review.summary.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM readings WHERE sensor = 'a' ORDER BY day")).scalars().all() == [
            Decimal("1.5"), Decimal("2.6")
        ]


def test_a_change_made_by_another_client_before_the_review_is_a_conflict_not_overwritten(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "13")
    with pg_engine.begin() as conn:  # another client, after the user saw 12.50
        conn.execute(text("UPDATE customers SET credit = 50 WHERE id = 1"))
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "conflicts_dialog", None) is not None, timeout=WAIT_MS)
    assert getattr(window, "review_dialog", None) is None
    assert "Another client changed" in window.message.text()
    dialog = window.conflicts_dialog
    assert dialog.list_model.index(0, 3).data() == "50.00"  # now in the database
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT credit FROM customers WHERE id = 1")).scalar() == Decimal("50.00")
    assert dialog.list_model.index(0, 5).data() == "Decide later"
    qtbot.mouseClick(dialog.findChild(QPushButton, "Keep all mine"), Qt.MouseButton.LeftButton)
    assert dialog.list_model.index(0, 5).data() == "Keep mine"
    qtbot.mouseClick(dialog.findChild(QPushButton, "Apply choices"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.committing, timeout=WAIT_MS)
    assert "Kept your values for 1 change" in window.message.text()
    _commit_through_review(qtbot, window)  # knowingly over their 50.00
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT credit FROM customers WHERE id = 1")).scalar() == Decimal("13.00")


def test_a_citext_column_is_filtered_edited_and_committed_as_text_and_a_change_of_case_is_a_conflict(
    qtbot, make_editor, pg_db, pg_engine
):
    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "members",
        "CREATE EXTENSION IF NOT EXISTS citext",
        "CREATE TABLE members (id int PRIMARY KEY, email citext UNIQUE, nick citext)",
        "INSERT INTO members VALUES (1, 'Ada@Example.org', 'ada'), (2, 'grace@example.org', 'Grace'), (3, 'Bob@example.org', NULL)",
    )  # fmt: skip
    window = editor.window
    model = window.model
    assert "citext" in model.headerData(_column(window, "email"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    # shown as stored, case and all; editable like text
    ada = _row_with(window, "id", "1")
    assert model.index(ada, _column(window, "email")).data() == "Ada@Example.org"
    assert model.flags(model.index(ada, _column(window, "email"))) & Qt.ItemFlag.ItemIsEditable
    # a change of case only is a change (citext's = would call the two equal)
    _type_into(qtbot, window, ada, "email", "ada@example.org")
    grace = _row_with(window, "id", "2")
    _type_into(qtbot, window, grace, "nick", "grace")
    assert len(window.pending) == 2
    with pg_engine.begin() as conn:  # another client changes the case of what the user saw
        conn.execute(text("UPDATE members SET nick = 'GRACE' WHERE id = 2"))
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "conflicts_dialog", None) is not None, timeout=WAIT_MS)
    dialog = window.conflicts_dialog
    assert dialog.list_model.rowCount() == 1 and dialog.list_model.index(0, 3).data() == "'GRACE'"
    dialog.reject()
    qtbot.waitUntil(lambda: not window.committing, timeout=WAIT_MS)
    with pg_engine.connect() as conn:  # nothing written: the commit stopped at the conflict
        assert conn.execute(text("SELECT email FROM members WHERE id = 1")).scalar() == "Ada@Example.org"

    # a filter on citext: the server's comparison (case-insensitive), contains offered
    editor.shutdown()
    editor = open_table(qtbot, make_editor, pg_db.url, "members", "--filter", "email = BOB@EXAMPLE.ORG")
    window = _wait_table(qtbot, editor)
    assert window.model.rowCount() == 1
    assert window.model.index(0, _column(window, "email")).data() == "Bob@example.org"
    (operator,) = [box for box in window.filter_bar.findChildren(QComboBox) if box.accessibleName() == "Filter operator"]
    assert operator.currentText() == "=" and "contains" in [operator.itemText(i) for i in range(operator.count())]


def test_infinity_is_shown_as_such_and_not_edited_as_a_date(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id int PRIMARY KEY, d date, note text)"))
        conn.execute(text(
            "INSERT INTO events VALUES (1, 'infinity', NULL), (2, '-infinity', 'x'), (3, '9999-12-31', 'NULL')"
        ))
    editor = make_editor("--url", _url(pg_db), "--table", "events")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    model = window.model
    d = _column(window, "d")
    assert [model.index(r, d).data() for r in range(3)] == ["infinity", "-infinity", "9999-12-31"]
    assert not (model.flags(model.index(0, d)) & Qt.ItemFlag.ItemIsEditable)
    assert "infinity" in model.why_cell_read_only(0, d)
    assert model.flags(model.index(2, d)) & Qt.ItemFlag.ItemIsEditable
    # the text 'NULL' is not NULL, and opening a NULL cell and pressing Enter changes nothing
    note = _column(window, "note")
    assert model.index(2, note).data(Qt.ItemDataRole.AccessibleDescriptionRole) is None
    assert model.index(0, note).data(Qt.ItemDataRole.AccessibleDescriptionRole) == "NULL"
    window.show()
    index = model.index(0, note)
    rect = window.view.visualRect(index)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _open_editor(window.view) is not None, timeout=WAIT_MS)
    qtbot.keyClick(_open_editor(window.view), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _open_editor(window.view) is None, timeout=WAIT_MS)
    assert not window.pending and model.index(0, note).data() == "NULL"


def test_a_refused_value_is_kept_when_the_user_clicks_away(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    window.show()
    view, model = window.view, window.model
    ada, credit = _row_with(window, "id", "1"), _column(window, "credit")
    index = model.index(ada, credit)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    cell_editor = _open_editor(view)
    qtbot.keyClick(cell_editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(cell_editor, "1.234")
    other = view.visualRect(model.index(ada, _column(window, "email")))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=other.center())  # click away
    qtbot.waitUntil(lambda: window.message.text().startswith("Open credit on id = 1 again (F2)"), timeout=WAIT_MS)
    assert not window.pending
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: _open_editor(view) is not None, timeout=WAIT_MS)
    assert _open_editor(view).text() == "1.234"


def test_a_value_a_domain_check_refuses_is_pointed_at_after_the_review(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)"))
        conn.execute(text("CREATE TABLE stock (id int PRIMARY KEY, qty posint)"))
        conn.execute(text("INSERT INTO stock SELECT g, g FROM generate_series(1, 5) g"))
    editor = make_editor("--url", _url(pg_db), "--table", "stock")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "2"), "qty", "7")
    _type_into(qtbot, window, _row_with(window, "id", "4"), "qty", "-1")  # the codec takes it; the domain will not
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "posint_check" in window.message.text() and not window.committing, timeout=WAIT_MS)
    assert "id = 4" in window.message.text() and len(window.pending) == 2
    current = window.view.currentIndex()
    assert window.model.key_at(current.row()) == (4,) and window.model.column_name(current.column()) == "qty"


def _broken(*_args, **_kwargs):
    raise TypeError("an injected bug")


@pytest.mark.parametrize("where", ["review_cells", "commit_cells"])
def test_a_bug_in_the_review_or_the_commit_leaves_a_usable_window(qtbot, make_editor, pg_db, pg_engine, monkeypatch, where):
    from gui.data import cell_session

    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "credit", "13")
    _type_into(qtbot, window, _row_with(window, "id", "3"), "email", "g@example.org")
    before = [(c.key, c.column, c.new) for c in window.edits.changes()]
    monkeypatch.setattr(cell_session, where, _broken)
    with qtbot.capture_exceptions() as bugs:
        qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
        if where == "commit_cells":
            qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
            qtbot.mouseClick(window.review_dialog.commit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(bugs) > 0, timeout=WAIT_MS)
    assert isinstance(bugs[0][1], TypeError)  # reported, not swallowed
    assert not window.committing and [(c.key, c.column, c.new) for c in window.edits.changes()] == before
    assert window.commit_button.isEnabled() and not window.cancel_button.isEnabled()
    assert window.connect_action.isEnabled() and window.undo_action.isEnabled()
    assert "unexpected" in window.message.text() and "still pending" in window.message.text()
    assert window.model.flags(window.model.index(0, _column(window, "email"))) & Qt.ItemFlag.ItemIsEditable
    monkeypatch.undo()
    _commit_through_review(qtbot, window)  # and the user goes on
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT credit FROM customers WHERE id = 1")).scalar() == Decimal("13.00")


@pytest.mark.parametrize("where", ["fetch_pieces", "count"])
def test_a_bug_while_loading_or_counting_leaves_a_usable_window(qtbot, make_editor, pg_db, pg_engine, monkeypatch, where):
    from gui.data.result import TableResult

    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
    editor = make_editor("--url", _url(pg_db), "--table", "customers")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    monkeypatch.setattr(TableResult, where, _broken)
    with qtbot.capture_exceptions() as bugs:
        window.reload_action.trigger()
        qtbot.waitUntil(lambda: len(bugs) > 0 and not window.model.loading, timeout=WAIT_MS)
    assert isinstance(bugs[0][1], TypeError)
    assert not window.cancel_button.isEnabled() and window.reload_action.isEnabled()
    if where == "fetch_pieces":
        assert "unexpected" in window.message.text() and "F5" in window.message.text()
    else:  # the count failed, but the rows all came: their end is the total
        qtbot.waitUntil(lambda: window.rows_label.text() == "4 rows shown", timeout=WAIT_MS)
    monkeypatch.undo()
    window.reload_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 4 and window.model.total == 4, timeout=WAIT_MS)


def test_a_row_whose_key_is_infinity_is_read_only_and_never_taken_for_another(qtbot, make_editor, pg_db, pg_engine):
    window = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "kd",
        "CREATE TABLE kd (d date PRIMARY KEY, v int)",
        "INSERT INTO kd VALUES ('infinity', 1), ('2024-01-01', 2), ('9999-12-31', 3), ('-infinity', 4)",
    ).window  # fmt: skip
    model = window.model
    inf, last = _row_with(window, "d", "infinity"), _row_with(window, "d", "9999-12-31")
    v = _column(window, "v")
    assert model.key_at(inf) is None and "infinity" in model.why_cell_read_only(inf, v)
    assert not (model.flags(model.index(inf, v)) & Qt.ItemFlag.ItemIsEditable)
    _type_into(qtbot, window, last, "v", "55")
    assert model.index(last, v).data() == "55" and model.index(inf, v).data() == "1"
    _commit_through_review(qtbot, window)
    with pg_engine.connect() as conn:
        assert dict(conn.execute(text("SELECT d::text, v FROM kd")).all()) == {
            "infinity": 1, "2024-01-01": 2, "9999-12-31": 55, "-infinity": 4
        }


def test_dates_no_datetime_holds_are_shown_as_the_server_prints_them_and_the_window_goes_on(qtbot, make_editor, pg_db, pg_engine):
    """A date before year 1 or after 9999 (PostgreSQL holds them; Python's date does
    not): shown as psql shows it, read-only with the reason, and a row holding one
    can be current through F5, a sort and a commit of its other cells."""
    window = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "far",
        "CREATE TABLE far (id int PRIMARY KEY, d date, t timestamptz, v int)",
        "INSERT INTO far VALUES (1, '0044-03-15 BC', '0001-06-30 12:30:00+00 BC', 10), (2, '10000-01-01', NULL, 20),"
        " (3, '2024-01-01', '2024-01-01 00:00:00+00', 30)",
        "CREATE TABLE far_key (d date PRIMARY KEY, v int)",
        "INSERT INTO far_key VALUES ('0044-03-15 BC', 1), ('2024-01-01', 2)",
    ).window  # fmt: skip
    model = window.model
    d, t, v = _column(window, "d"), _column(window, "t"), _column(window, "v")
    bc, far = _row_with(window, "id", "1"), _row_with(window, "id", "2")
    assert [model.index(r, d).data() for r in (bc, far)] == ["0044-03-15 BC", "10000-01-01"]
    assert model.index(bc, t).data() == "0001-06-30 12:30:00+00 BC"
    assert not (model.flags(model.index(bc, d)) & Qt.ItemFlag.ItemIsEditable)
    assert "0044-03-15 BC" in model.index(bc, d).data(Qt.ItemDataRole.ToolTipRole)
    with qtbot.capture_exceptions() as bugs:
        _type_into(qtbot, window, bc, "v", "11")
        window.select_cell(bc, v)
        window.reload_action.trigger()  # the current row's place is its values, the dates among them
        qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 3, timeout=WAIT_MS)
        window.select_cell(_row_with(window, "id", "1"), v)
        window.view.horizontalHeader().sectionClicked.emit(d)  # sort by d: 44 BC, 2024, 10000
        qtbot.waitUntil(lambda: not model.loading and [model.index(r, 0).data() for r in range(3)] == ["1", "3", "2"], timeout=WAIT_MS)
        assert model.index(0, v).data() == "11"  # still pending
        _commit_through_review(qtbot, window)
        qtbot.waitUntil(lambda: not model.loading and model.index(0, v).data() == "11" and not model.index(0, v).data(PENDING_ROLE), timeout=WAIT_MS)
    assert not bugs, bugs
    assert "unexpected" not in window.message.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT d::text, v FROM far ORDER BY id")).all() == [("0044-03-15 BC", 11), ("10000-01-01", 20), ("2024-01-01", 30)]
    # a key holding such a date cannot single its row out: shown, not editable, said why
    window.table_chooser.table_chosen.emit("public.far_key")
    qtbot.waitUntil(lambda: window.schema is not None and window.schema.name == "far_key" and not model.loading and model.rowCount() == 2, timeout=WAIT_MS)
    row = _row_with(window, "d", "0044-03-15 BC")
    assert model.key_at(row) is None and "0044-03-15 BC" in model.why_cell_read_only(row, _column(window, "v"))


def test_threshold_is_the_filter_y_above_n_on_any_table_and_said_where_there_is_no_y(qtbot, make_editor, pg_db, pg_engine):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE scores (id int PRIMARY KEY, y numeric(5,1))"))
        conn.execute(text("INSERT INTO scores VALUES (1, 5), (2, 10.5), (3, 20), (4, NULL)"))
        conn.execute(text("CREATE TABLE names (id int PRIMARY KEY, name text)"))
        conn.execute(text("INSERT INTO names VALUES (1, 'a'), (2, 'b')"))
    window = _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "scores", "--threshold", "10", "--filter", "id < 3"))
    qtbot.waitUntil(lambda: not window.model.loading, timeout=WAIT_MS)
    assert [window.model.index(r, 0).data() for r in range(window.model.rowCount())] == ["2"]  # y > 10 and id < 3
    assert not window.message.text().strip()
    # a table without y: the option is not dropped without a word, and the filter given beside it holds
    window = _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "names", "--threshold", "10", "--filter", "id = 2"))
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 1, timeout=WAIT_MS)
    assert window.message.text() == "Not applied: --threshold 10 (the filter y > 10): public.names has no column y."
    assert window.model.index(0, 1).data() == "b"
    # not given, no filter: y > 6 is the tutorial's some_table's, not any table's with a y
    window = _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "scores"))
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 4, timeout=WAIT_MS)
    assert window.filter_bar.conditions() == []
    # nor on a some_table whose y is text (y > '6' would compare text)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA t3"))
        conn.execute(text("CREATE TABLE t3.some_table (x int PRIMARY KEY, y text)"))
        conn.execute(text("INSERT INTO t3.some_table VALUES (1, '10'), (2, '5'), (3, '7')"))
    window = _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "t3.some_table"))
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 3, timeout=WAIT_MS)
    assert window.filter_bar.conditions() == []
    # an operator the column does not offer is not applied, and said, never a crash
    window = _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "scores", "--filter", "id contains 1", "--filter", "id > 2"))
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 2, timeout=WAIT_MS)
    assert window.message.text().startswith("Not applied: --filter 'id contains 1': “contains” is for text columns")


def test_the_columns_chosen_to_identify_rows_are_remembered_with_the_changes_kept_for_them(qtbot, make_editor, pg_db, pg_engine):
    from PySide6.QtWidgets import QDialogButtonBox

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE nokey (a int, b text)"))
        conn.execute(text("INSERT INTO nokey VALUES (1, 'x'), (2, 'y')"))
        conn.execute(text("CREATE TABLE other (id int PRIMARY KEY)"))
    editor = make_editor("--url", _url(pg_db), "--table", "nokey")
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    window.key_action.trigger()
    dialog = window.key_dialog
    next(dialog.columns.item(i) for i in range(dialog.columns.count()) if dialog.columns.item(i).text() == "a").setCheckState(
        Qt.CheckState.Checked
    )
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: editor.window.schema is not None and editor.window.schema.key == ("a",), timeout=WAIT_MS)
    window = _wait_table(qtbot, editor)
    # another table, then back: the key chosen for nokey is used again
    window.table_chooser.table_chosen.emit("public.other")
    qtbot.waitUntil(lambda: editor.window.schema is not None and editor.window.schema.name == "other", timeout=WAIT_MS)
    editor.window.table_chooser.table_chosen.emit("public.nokey")
    qtbot.waitUntil(lambda: editor.window.schema is not None and editor.window.schema.name == "nokey", timeout=WAIT_MS)
    assert editor.window.schema.key == ("a",)


def test_any_table_through_a_transaction_pooler_loads_edits_and_commits(qtbot, make_editor, pg_db, pg_engine, pgbouncer, busy_pool):  # noqa: F811
    """Neon's pooled host, other clients on the pool: the window for any table
    loads every row (Load everything), and an edit is reviewed and committed."""
    with pg_engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE readings (id bigint PRIMARY KEY, value numeric(12,3), note text);"
            " INSERT INTO readings SELECT g, g / 8.0, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END"
            " FROM generate_series(1, 5000) g"
        ))  # fmt: skip
    pooled = pgbouncer.url(pg_db.name, pg_db.user, pg_db.password).render_as_string(hide_password=False)
    editor = make_editor("--url", pooled, "--table", "readings")
    editor.connect_url(pooled)
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow), timeout=WAIT_MS)
    window = editor.window
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and window.writability is not None and window.writability.writable, timeout=WAIT_MS)
    window.load_all_action.trigger()
    qtbot.waitUntil(lambda: not model.loading and not model.canFetchMore(), timeout=WAIT_MS)
    assert model.rowCount() == 5000
    assert [model.index(r, 0).data() for r in (0, 4999)] == ["1", "5000"]
    assert model.index(2, _column(window, "note")).data() == "NULL"

    _type_into(qtbot, window, 2, "note", "mine")
    _type_into(qtbot, window, 4999, "value", "0.125")
    assert len(window.pending) == 2
    review = _commit_through_review(qtbot, window)
    assert "2 changes" in review.summary.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT id, value, note FROM readings WHERE id IN (3, 5000) ORDER BY id")).all() == [
            (3, Decimal("0.375"), "mine"), (5000, Decimal("0.125"), "n5000"),
        ]  # fmt: skip
    assert_nothing_left_in_a_transaction(pg_engine)


def test_an_exported_table_with_infinite_dates_imports_back_and_infinity_over_a_date_is_refused(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    """File → export, one date edited in the file, File → import: only that date
    changes; a file giving infinity where a cell holds a date imports nothing and says why."""
    import datetime as dt

    from gui.data.paging import SortKey
    from gui.data.table_csv import export_result

    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "events",
        "CREATE TABLE events (id int PRIMARY KEY, d date, note text)",
        "INSERT INTO events VALUES (1, 'infinity', 'a'), (2, '2024-01-01', 'b')",
    )  # fmt: skip
    window, tools = editor.window, editor.table_tools
    exported = tmp_path / "events.csv"
    export_result(window.engine, window.schema, tools._codecs, exported, sort=[SortKey("id")])  # noqa: SLF001 - the window's codecs
    assert exported.read_text(encoding="utf-8").splitlines()[1] == "1,infinity,a"
    exported.write_text(exported.read_text(encoding="utf-8").replace("2024-01-01", "2024-02-29"), encoding="utf-8")

    tools.import_file(str(exported))
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    preview = tools.import_preview
    assert "1 change to make pending" in preview.summary.text(), preview.summary.text()
    qtbot.mouseClick(preview.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert [(c.key, c.column, c.new) for c in window.edits] == [((2,), "d", dt.date(2024, 2, 29))]
    window.edits.clear()

    to_infinity = tmp_path / "to-infinity.csv"
    to_infinity.write_text("id,d\n2,infinity\n", encoding="utf-8")
    tools.import_file(str(to_infinity))
    qtbot.waitUntil(lambda: window.message.text().startswith("Import refused"), timeout=WAIT_MS)
    assert window.message.text() == (
        "Import refused, nothing was imported: to-infinity.csv: line 2: d: the editor sets no cell to infinity "
        "(a file may give it only where the cell holds it already, written as an export writes it)."
    )
    assert not window.edits and tools.import_preview is None


def test_threshold_speaks_of_the_tutorials_table_as_filter_does_not_of_the_last_one_opened(qtbot, make_editor, pg_db, pg_engine):
    """Without --table the last table opened on the connection comes back, unless an
    option speaks of the tutorial's: --threshold does, as --filter does."""
    seed_table(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE names (id int PRIMARY KEY, name text)"))
    _wait_table(qtbot, open_table(qtbot, make_editor, pg_db.url, "names"))  # remembered as the last
    editor = make_editor("--url", _url(pg_db), "--threshold", "15")
    editor.connect_url(_url(pg_db))
    qtbot.waitUntil(lambda: isinstance(editor.window, MainWindow) and not editor.window.model.loading, timeout=WAIT_MS)
    assert editor.window.threshold_edit.text() == "15"
    assert editor.window.model.threshold == 15


def test_a_numeric_of_negative_scale_is_edited_committed_and_imported_back(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    """numeric(5,-2) keeps multiples of 100: its type name (a minus in the modifier)
    goes into the commit's and the import's SQL as format_type() prints it."""
    from gui.data.paging import SortKey
    from gui.data.table_csv import export_result

    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "hundreds",
        "CREATE TABLE hundreds (id int PRIMARY KEY, n numeric(5,-2))",
        "INSERT INTO hundreds VALUES (1, 1200), (2, 300)",
    )  # fmt: skip
    window, tools = editor.window, editor.table_tools
    editor_ = _type_into(qtbot, window, _row_with(window, "id", "1"), "n", "9999999")
    assert "rounded to multiples of 100 it is 10000000" in window.message.text()
    qtbot.keyClick(editor_, Qt.Key.Key_Escape)
    _type_into(qtbot, window, _row_with(window, "id", "1"), "n", "-9999900")
    _commit_through_review(qtbot, window)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM hundreds WHERE id = 1")).scalar() == Decimal("-9999900")

    exported = tmp_path / "hundreds.csv"
    export_result(window.engine, window.schema, tools._codecs, exported, sort=[SortKey("id")])  # noqa: SLF001 - the window's codecs
    exported.write_text(exported.read_text(encoding="utf-8").replace("2,300", "2,500"), encoding="utf-8")
    tools.import_file(str(exported))
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    assert "1 change to make pending" in tools.import_preview.summary.text(), tools.import_preview.summary.text()
    qtbot.mouseClick(tools.import_preview.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert [(c.key, c.column, c.new) for c in window.edits] == [((2,), "n", Decimal("500"))]


def test_timestamps_in_a_session_on_a_posix_zone_of_one_offset_are_shown_and_typed_in_it(qtbot, make_editor, pg_db, pg_engine):
    """``TimeZone = 'UTC+3'`` (POSIX: three hours west) from the URL's options: shown as
    psql shows them (-03), and a time typed without an offset is read in that zone."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stamps (id int PRIMARY KEY, at timestamptz)"))
        conn.execute(text("INSERT INTO stamps VALUES (1, '2024-01-01 12:00+00')"))
    url = pg_db.url.update_query_dict({"options": "-c TimeZone=UTC+3"})
    editor = open_table(qtbot, make_editor, url, "stamps")
    window = _wait_table(qtbot, editor)
    assert window.model.index(0, _column(window, "at")).data() == "2024-01-01 09:00:00-03"
    _type_into(qtbot, window, 0, "at", "2024-01-01 10:00")
    _commit_through_review(qtbot, window)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT at = '2024-01-01 13:00+00' FROM stamps")).scalar() is True


def test_a_definition_another_session_changed_is_read_again_on_reload_and_before_a_commit(qtbot, make_editor, pg_db, pg_engine):
    """Another session retypes, drops or adds columns while the window is open: F5
    and Commit read the definition again, the table is shown as it is now and says
    what changed, and the pending changes are offered back (never committed against
    the old definition, nor looping through conflicts that are none)."""
    from PySide6.QtWidgets import QMessageBox

    from gui_helpers import click_box, wait_attr

    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "ledger",
        "CREATE TYPE mood AS ENUM ('happy', 'sad')",
        "CREATE TABLE ledger (id int PRIMARY KEY, amt numeric(10,2), note text, m mood)",
        "INSERT INTO ledger VALUES (1, 1.50, 'a', 'happy'), (2, 2.25, 'b', 'sad')",
    )  # fmt: skip
    window = editor.window
    _type_into(qtbot, window, _row_with(window, "id", "1"), "amt", "12.34")
    with pg_engine.begin() as conn:
        conn.execute(text("ALTER TABLE ledger ALTER amt TYPE numeric(10,1)"))
    qtbot.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "definition of public.ledger changed" in window.message.text(), timeout=WAIT_MS)
    assert "amt is now numeric(10,1) (was numeric(10,2))" in window.message.text()
    assert getattr(window, "review_dialog", None) is None and getattr(window, "conflicts_dialog", None) is None
    assert "numeric(10,1)" in window.model.headerData(_column(window, "amt"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 2, timeout=WAIT_MS)
    assert window.model.index(_row_with(window, "id", "2"), _column(window, "amt")).data() == "2.3"
    # the change typed against numeric(10,2) is offered back, read with the new type: refused, said
    qtbot.waitUntil(lambda: "could not be read back" in window.message.text(), timeout=WAIT_MS)
    assert "definition of public.ledger changed" in window.message.text() and "would be stored as 12.3" in window.message.text()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT amt FROM ledger WHERE id = 1")).scalar() == Decimal("1.5")

    # a change that still fits is offered back and commits
    _type_into(qtbot, window, _row_with(window, "id", "2"), "note", "kept")
    with pg_engine.begin() as conn:
        conn.execute(text("ALTER TABLE ledger DROP COLUMN m, ADD COLUMN added int"))
        conn.execute(text("ALTER TYPE mood ADD VALUE 'calm'"))
    window.reload_action.trigger()
    qtbot.waitUntil(lambda: "definition of public.ledger changed" in window.message.text(), timeout=WAIT_MS)
    assert "column m is gone" in window.message.text() and "column added is new" in window.message.text()
    assert "added" in window.model.names and "m" not in window.model.names
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 2, timeout=WAIT_MS)
    box = wait_attr(qtbot, window, "restore_box")
    assert "note → kept" in box.text()
    click_box(qtbot, box, QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: len(window.pending) == 1, timeout=WAIT_MS)
    _commit_through_review(qtbot, window)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM ledger WHERE id = 2")).scalar() == "kept"


def test_a_time_of_24_00_exports_and_imports_back_as_no_change(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    """time holds 24:00:00 (datetime.time does not): an exported file imports back
    with it as no change, and a file cannot set another cell to it."""
    from gui.data.paging import SortKey
    from gui.data.table_csv import export_result

    editor = _open_with(
        qtbot, make_editor, pg_db, pg_engine, "shifts",
        "CREATE TABLE shifts (id int PRIMARY KEY, ends time, note text)",
        "INSERT INTO shifts VALUES (1, '24:00', 'a'), (2, '12:00', 'b')",
    )  # fmt: skip
    window, tools = editor.window, editor.table_tools
    assert window.model.index(_row_with(window, "id", "1"), _column(window, "ends")).data() == "24:00:00"
    exported = tmp_path / "shifts.csv"
    export_result(window.engine, window.schema, tools._codecs, exported, sort=[SortKey("id")])  # noqa: SLF001 - the window's codecs
    assert exported.read_text(encoding="utf-8").splitlines()[1] == "1,24:00:00,a"
    exported.write_text(exported.read_text(encoding="utf-8").replace("2,12:00:00,b", "2,12:00:00,c"), encoding="utf-8")
    tools.import_file(str(exported))
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=WAIT_MS)
    assert "1 change to make pending" in tools.import_preview.summary.text(), tools.import_preview.summary.text()
    qtbot.mouseClick(tools.import_preview.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tools.import_preview is None, timeout=WAIT_MS)
    assert [(c.key, c.column, c.new) for c in window.edits] == [((2,), "note", "c")]
    window.edits.clear()

    to_end = tmp_path / "to-end.csv"
    to_end.write_text("id,ends\n2,24:00\n", encoding="utf-8")
    tools.import_file(str(to_end))
    qtbot.waitUntil(lambda: window.message.text().startswith("Import refused"), timeout=WAIT_MS)
    assert "the editor sets no cell to 24:00:00" in window.message.text()
    assert not window.edits
