"""What the server lets this connection change, asked at connect, and the window that follows.

A hot standby, ``default_transaction_read_only`` on the role or the database, a
role that may SELECT but not UPDATE the edited column, the user's own choice of
read-only: each opens a read-only window that names its reason, takes no edit and
offers no commit.  A writable owner and a role granted ``UPDATE (y)`` edit and
commit as usual; a server that turns read-only after connect refuses the commit
in the user's terms and every change stays pending.

Every server here is real (the session's cluster and its hot standby); the
database is checked from connections of the test's own.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from psycopg2 import sql
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QLabel, QMessageBox, QPushButton
from sqlalchemy import URL, Engine, event, text
from sqlalchemy.exc import ProgrammingError

from gui.data.catalog import (
    CHOSEN_READ_ONLY_REASON,
    READ_ONLY_ROLE_REASON,
    STANDBY_REASON,
    Writability,
    inspect_connection,
    no_update_reason,
    writability,
)
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import APPLICATION_NAME, POSTGRESQL, create_engine_for, settings_from_url
from gui.data.errors import READ_ONLY_TRANSACTION_MESSAGE, ConnectionFailed
from gui.data.opening import open_table
from gui.qt.main_window import MainWindow
from gui.qt.rows_model import VALUE_COLUMN
from gui_helpers import (
    TUTORIAL,
    WAIT_MS,
    activate,
    child,
    choose_kind,
    click,
    connect_pg,
    db_rows,
    edit_cell,
    editor_closed,
    make_editor,  # noqa: F401 - fixture
    open_connect_dialog,
    row_of,
    seed_table,
    shown_rows,
    type_field,
    type_spin,
    wait_attr,
    wait_loaded,
)

pytestmark = pytest.mark.postgres

SPEC = DEFAULT_SPEC
# what the window shows at the default threshold (y > 6)
SHOWN = [(x, y) for x, y in TUTORIAL if y > 6]
# @ : / # ? & and a space: the second role's URL must be built, not formatted
READER_PASSWORD = "r3@d:er/#?& x"
_readers = itertools.count(1)


def url_text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@contextmanager
def app_engine(url: URL, **settings) -> Iterator[Engine]:
    """The Engine the application builds for this URL pasted as is."""
    engine = create_engine_for(settings_from_url(url_text(url), **settings))
    try:
        yield engine
    finally:
        engine.dispose()


def answer_of(engine: Engine, url: URL, **settings) -> Writability:
    """What the window asks at connect (:func:`inspect_connection`) on ``engine``."""
    return inspect_connection(engine, SPEC, settings_from_url(url_text(url), **settings)).writability


def ask(url: URL, **settings) -> Writability:
    with app_engine(url, **settings) as engine, engine.connect() as conn:
        return writability(conn, SPEC)


def opened_says(url: URL, **settings) -> Writability:
    """What the window takes from opening the table (``OpenedTable.facts_for``) rather
    than asking again: it must be what :func:`ask` and :func:`answer_of` say."""
    with app_engine(url, **settings) as engine:
        opened = open_table(engine, settings_from_url(url_text(url), **settings), SPEC.qualified_name, None, SPEC)
        return opened.facts_for(SPEC).writability


def set_read_only_default(pg_cluster, pg_db, on: str = "role") -> None:
    """``default_transaction_read_only = on`` for the test's role or its database, as a DBA would."""
    if on == "role":
        target = sql.SQL("ROLE {}").format(sql.Identifier(pg_db.user))
    else:
        target = sql.SQL("DATABASE {}").format(sql.Identifier(pg_db.name))
    pg_cluster.execute(sql.SQL("ALTER {} SET default_transaction_read_only = on").format(target))


def terminate_app_sessions(pg_cluster, pg_db) -> None:
    """End the application's server connections and wait until they are gone: its next
    ones start with the role's settings of now."""
    conn = pg_cluster.connect()
    try:
        with conn.cursor() as cur:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                (pg_db.name, APPLICATION_NAME),
            )
            deadline = time.monotonic() + 10
            while True:
                cur.execute(query, (pg_db.name, APPLICATION_NAME))
                if cur.fetchone()[0] == 0:
                    return
                assert time.monotonic() < deadline, "the application's sessions did not end"
                time.sleep(0.05)
    finally:
        conn.close()


@pytest.fixture
def make_reader(pg_cluster, pg_db):
    """``make_reader(*privileges) -> URL``: a new login role that may connect to
    ``pg_db`` and SELECT ``some_table``, plus each extra privilege on the table
    (``sql.SQL("UPDATE (y)")`` ...); dropped afterwards."""
    made: list[str] = []

    def make(*privileges: sql.Composable) -> URL:
        name = f"reader_{os.getpid()}_{next(_readers)}"
        pg_cluster.create_role(name, READER_PASSWORD)
        made.append(name)
        role, table = sql.Identifier(name), sql.Identifier(SPEC.table)
        for statement in (
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(pg_db.name), role),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
            *(sql.SQL("GRANT {} ON {} TO {}").format(p, table, role) for p in (sql.SQL("SELECT"), *privileges)),
        ):
            pg_cluster.execute(statement, database=pg_db.name)
        return pg_cluster.url(pg_db.name, name, READER_PASSWORD)

    yield make
    for name in made:
        role = sql.Identifier(name)
        pg_cluster.execute(
            sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = {}").format(sql.Literal(name))
        )
        pg_cluster.execute(sql.SQL("DROP OWNED BY {}").format(role), database=pg_db.name)
        pg_cluster.drop_role(name)


def update_of(*columns: str) -> sql.Composable:
    return sql.SQL("UPDATE ({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))


@pytest.fixture
def standby_db(pg_standby, pg_db, pg_engine):
    """``pg_db`` with the tutorial's table, as the hot standby replays it: its URL there."""
    seed_table(pg_engine)
    pg_standby.wait_for_database(pg_db.name)
    pg_standby.wait_for_catchup()
    url = pg_standby.url(pg_db.name, pg_db.user, pg_db.password)
    # wait_for_catchup alone is not enough: with synchronous_commit=off on the primary
    # the commit record may lie past pg_current_wal_lsn() when it is read
    deadline = time.monotonic() + 30
    while True:
        try:
            if db_rows(url) == sorted(TUTORIAL):
                return url
        except ProgrammingError:  # some_table not replayed yet
            pass
        assert time.monotonic() < deadline, "the table did not reach the standby"
        time.sleep(0.05)


# -- the data layer: what the server says ------------------------------------------------


def test_owner_may_change_the_table(pg_db, pg_engine):
    seed_table(pg_engine)
    assert ask(pg_db.url) == Writability() == opened_says(pg_db.url)
    with app_engine(pg_db.url) as engine:
        assert answer_of(engine, pg_db.url).writable


@pytest.mark.parametrize("kind", ["VIEW", "MATERIALIZED VIEW"])
def test_a_view_named_like_the_table_is_browsed_not_edited(pg_db, pg_engine, kind):
    """The commit finds rows by where a table stores them, which a view has not:
    the window says so at connect instead of failing at every commit."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE base_rows (x integer, y integer)"))
        conn.execute(text(f"CREATE {kind} some_table AS SELECT x, y FROM base_rows"))
    reason = ask(pg_db.url).reason
    assert reason is not None and ("a view" in reason or "a materialized view" in reason)
    assert opened_says(pg_db.url).reason == reason


def test_a_partitioned_table_commits_exactly(pg_db, pg_engine):
    """A partitioned table is writable and its commit updates exactly the rows of
    the changed keys, in whichever partition they are (rows are found by ctid
    within their partition, tableoid)."""
    from gui.data.commit import commit_changes
    from test_data_support import seen_change

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer) PARTITION BY RANGE (x)"))
        conn.execute(text("CREATE TABLE low PARTITION OF some_table FOR VALUES FROM (MINVALUE) TO (10)"))
        conn.execute(text("CREATE TABLE high PARTITION OF some_table FOR VALUES FROM (10) TO (MAXVALUE)"))
        conn.execute(text("INSERT INTO some_table VALUES (1, 7), (2, 8), (11, 7), (12, 8)"))
    assert ask(pg_db.url) == Writability() == opened_says(pg_db.url)
    rows = [(1, 7), (2, 8), (11, 7), (12, 8)]
    with app_engine(pg_db.url) as engine:
        result = commit_changes(engine, SPEC, [seen_change(rows, 1, 70, 6), seen_change(rows, 12, 80, 6)])
    assert result.rows == 2
    assert db_rows(pg_db.url) == [(1, 70), (2, 8), (11, 7), (12, 80)]


@pytest.mark.parametrize("on", ["role", "database"])
def test_read_only_by_default_for_the_role_or_database(pg_cluster, pg_db, pg_engine, on):
    seed_table(pg_engine)
    set_read_only_default(pg_cluster, pg_db, on)
    assert ask(pg_db.url) == Writability(READ_ONLY_ROLE_REASON) == opened_says(pg_db.url)
    with app_engine(pg_db.url) as engine:
        assert answer_of(engine, pg_db.url) == Writability(READ_ONLY_ROLE_REASON)


def test_read_only_by_the_users_own_url_options(pg_db, pg_engine):
    """``options=-c default_transaction_read_only=on`` in a pasted URL reaches the
    server, and the server's answer is what counts."""
    seed_table(pg_engine)
    answer = ask(pg_db.url.update_query_dict({"options": "-c default_transaction_read_only=on"}))
    assert not answer.writable
    assert "default_transaction_read_only" in answer.reason


def test_a_hot_standby_says_so(standby_db):
    assert ask(standby_db) == Writability(STANDBY_REASON) == opened_says(standby_db)


@pytest.mark.parametrize(
    "privileges, writable",
    [
        pytest.param((), False, id="select-only"),
        pytest.param((update_of("x"),), False, id="update-of-x-only"),
        pytest.param((update_of("y"),), True, id="update-of-y-only"),
        pytest.param((sql.SQL("UPDATE"),), True, id="update-of-the-table"),
    ],
)
def test_update_privilege_on_the_edited_column(pg_engine, make_reader, privileges, writable):
    seed_table(pg_engine)
    url = make_reader(*privileges)
    answer = ask(url)
    assert opened_says(url) == answer
    if writable:
        assert answer == Writability()
    else:
        assert answer == Writability(no_update_reason(SPEC))
        assert "UPDATE" in answer.reason and "not change" in answer.reason


def test_chosen_read_only_is_the_users_reason_not_the_servers(pg_db, pg_engine):
    seed_table(pg_engine)
    with app_engine(pg_db.url, read_only=True) as engine:
        assert answer_of(engine, pg_db.url, read_only=True) == Writability(CHOSEN_READ_ONLY_REASON)
        assert opened_says(pg_db.url, read_only=True) == Writability(CHOSEN_READ_ONLY_REASON)
        with engine.connect() as conn:
            # every transaction of this engine is read-only by the user's choice ...
            assert conn.execute(text("SHOW transaction_read_only")).scalar_one() == "on"
            # ... which the server's answer does not mistake for its own
            assert writability(conn, SPEC) == Writability()


def test_a_missing_table_is_left_to_the_first_page(pg_db):
    assert ask(pg_db.url) == Writability()


def test_an_unreachable_server_is_a_connection_error(pg_db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    unreachable = pg_db.url.set(host="127.0.0.1", port=closed_port)
    with app_engine(unreachable) as engine:
        with pytest.raises(ConnectionFailed) as failed:
            answer_of(engine, unreachable)
    assert pg_db.password not in str(failed.value)


# -- the window ------------------------------------------------------------------------


def open_app(qtbot, make_editor, url: URL, *argv: str) -> MainWindow:
    """Start on ``url`` as ``--url`` does; wait for the rows and the server's answer."""
    window = connect_pg(qtbot, make_editor, url, *argv).window
    qtbot.waitUntil(lambda: window.writability is not None, timeout=WAIT_MS)
    return window


def assert_read_only_window(qtbot, window: MainWindow, reason: str) -> None:
    """The reason is shown before any edit; every way a user edits y is refused."""
    assert window.mode_label.isVisible() and window.mode_label.text() == reason
    assert child(window, QLabel, "Mode").text() == reason
    assert window.windowTitle().count("[read-only]") == 1
    assert not window.writable
    assert not window.commit_button.isEnabled() and not window.commit_action.isEnabled()
    assert shown_rows(window) == SHOWN  # browsing works

    view, model = window.view, window.model
    index = model.index(row_of(window, 9), VALUE_COLUMN)
    view.scrollTo(index)
    # a double-click opens no editor, and says why
    center = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    window.clear_message()
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    assert editor_closed(window)
    assert bool(window.message.text().strip()) and window.message.text() == reason
    # nor F2, nor typing a number onto the cell
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.keyClicks(view, "11")
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert editor_closed(window)
    # a paste says why
    QGuiApplication.clipboard().setText("11\n")
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert bool(window.message.text().strip()) and window.message.text() == f"Paste: {reason}"
    # a value reaching the model (as the cell editor hands it over on Enter) is refused with the reason
    with qtbot.waitSignal(model.edit_refused, timeout=WAIT_MS) as refused:
        assert not model.setData(index, "11")
    assert refused.args == [reason]
    assert window.message.text() == reason
    assert not window.pending and window.pending_label.text() == "No pending changes"
    # Ctrl+Return has nothing to review
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert getattr(window, "review_dialog", None) is None
    assert not window.commit_button.isEnabled()


def edit_and_wait(qtbot, window: MainWindow, key: int, typed: str) -> None:
    """Type ``typed`` into y of the row with ``key``; wait until it is pending and the editor closed."""
    edit_cell(qtbot, window, key, typed)
    qtbot.waitUntil(lambda: window.pending.get(key) is not None and window.pending.get(key).new == int(typed), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: editor_closed(window), timeout=WAIT_MS)


def commit_through_review(qtbot, window: MainWindow):
    """Commit…, then Commit in the review; returns the review dialog."""
    click(qtbot, child(window, QPushButton, "Commit"))
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.commit_button)
    return review


def assert_writable_window_commits(qtbot, window: MainWindow, url: URL) -> None:
    assert window.writable and window.writability == Writability()
    assert window.mode_label.text() == ""
    assert "[read-only]" not in window.windowTitle()
    edit_and_wait(qtbot, window, 9, "11")
    assert window.commit_button.isEnabled()
    with qtbot.waitSignal(window.committed, timeout=WAIT_MS):
        commit_through_review(qtbot, window)
    assert db_rows(url) == sorted((x, 11 if x == 9 else y) for x, y in TUTORIAL)
    assert not window.pending


def test_no_edit_is_taken_before_the_server_answers(qtbot, make_editor, pg_db, pg_engine):
    """The rows may be on screen before the server has said whether edits could be
    committed; until then no edit is taken.  The server's answer is held back on the
    application's own engine (a slow answer, without a slow server)."""
    seed_table(pg_engine)
    editor = make_editor()
    window = editor.window
    settings = settings_from_url(url_text(pg_db.url))
    engine = create_engine_for(settings)
    gate = threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def _slow_answer(_conn, _cursor, statement, *_args) -> None:
        if "pg_is_in_recovery()" in statement:
            gate.wait(30)

    try:
        window.set_connection(settings, engine)
        window.show()
        activate(qtbot, window)
        model = window.model
        qtbot.waitUntil(lambda: not model.loading and model.total is not None and model.rowCount() == model.total, timeout=WAIT_MS)
        assert shown_rows(window) == SHOWN
        assert window.writability is None and not window.writable
        assert not window.commit_button.isEnabled()
        # not read-only either: nothing is known yet
        assert "[read-only]" not in window.windowTitle() and window.mode_label.text() == ""
        index = window.model.index(row_of(window, 9), VALUE_COLUMN)
        center = window.view.visualRect(index).center()
        qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
        assert editor_closed(window)
        with qtbot.waitSignal(window.model.edit_refused, timeout=WAIT_MS) as refused:
            assert not window.model.setData(index, "11")
        assert refused.args[0].startswith("Checking what this connection may change")
        assert not window.pending
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.writability is not None, timeout=WAIT_MS)
    assert window.writable
    edit_and_wait(qtbot, window, 9, "11")
    assert window.commit_button.isEnabled()


@pytest.mark.parametrize("on", ["role", "database"])
def test_read_only_by_default_opens_a_read_only_window(qtbot, make_editor, pg_cluster, pg_db, pg_engine, on):
    seed_table(pg_engine)
    set_read_only_default(pg_cluster, pg_db, on)
    window = open_app(qtbot, make_editor, pg_db.url)
    assert_read_only_window(qtbot, window, READ_ONLY_ROLE_REASON)
    assert db_rows(pg_db.url) == sorted(TUTORIAL)


def test_a_hot_standby_opens_a_read_only_window(qtbot, make_editor, standby_db, pg_db):
    window = open_app(qtbot, make_editor, standby_db)
    assert_read_only_window(qtbot, window, STANDBY_REASON)
    assert db_rows(pg_db.url) == sorted(TUTORIAL)


def test_a_select_only_role_browses_but_cannot_edit(qtbot, make_editor, pg_db, pg_engine, make_reader):
    seed_table(pg_engine)
    window = open_app(qtbot, make_editor, make_reader())
    reason = no_update_reason(SPEC)
    assert "UPDATE" in reason
    assert_read_only_window(qtbot, window, reason)
    assert db_rows(pg_db.url) == sorted(TUTORIAL)


def test_a_role_granted_update_of_y_edits_and_commits(qtbot, make_editor, pg_engine, make_reader):
    seed_table(pg_engine)
    url = make_reader(update_of("y"))
    window = open_app(qtbot, make_editor, url)
    assert_writable_window_commits(qtbot, window, url)


def test_the_owner_edits_and_commits(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = open_app(qtbot, make_editor, pg_db.url)
    assert_writable_window_commits(qtbot, window, pg_db.url)


def test_read_only_command_line_shows_the_chosen_reason(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    window = open_app(qtbot, make_editor, pg_db.url, "--read-only")
    assert_read_only_window(qtbot, window, CHOSEN_READ_ONLY_REASON)


def test_chosen_read_only_wins_over_the_servers_reason(qtbot, make_editor, standby_db):
    window = open_app(qtbot, make_editor, standby_db, "--read-only")
    assert window.mode_label.text() == CHOSEN_READ_ONLY_REASON


def fill_login(qtbot, dialog, host: str, port: int, database: str, user: str, password: str) -> None:
    """Type a PostgreSQL login into the dialog's fields, as a user does."""
    choose_kind(qtbot, dialog, POSTGRESQL)
    for name, value in (("Host", host), ("Database", database), ("User", user), ("Password", password)):
        type_field(qtbot, dialog, name, value)
    assert type_spin(qtbot, dialog, "Port", str(port)).value() == port


def test_read_only_checkbox_shows_the_chosen_reason(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, pg_db.host, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
    box = child(dialog, QCheckBox, "Read-only")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = editor.window
    activate(qtbot, window)
    wait_loaded(qtbot, window)
    qtbot.waitUntil(lambda: window.writability is not None, timeout=WAIT_MS)
    assert_read_only_window(qtbot, window, CHOSEN_READ_ONLY_REASON)


def test_a_server_turned_read_only_after_connect_refuses_the_commit(qtbot, make_editor, pg_cluster, pg_db, pg_engine):
    """Connected writable; then the DBA makes the role read-only and the sessions start
    over.  The commit fails in the user's words and keeps every change pending."""
    seed_table(pg_engine)
    window = open_app(qtbot, make_editor, pg_db.url)
    assert window.writable
    set_read_only_default(pg_cluster, pg_db, "role")
    terminate_app_sessions(pg_cluster, pg_db)

    edit_and_wait(qtbot, window, 9, "11")
    edit_and_wait(qtbot, window, 20, "21")
    before = [(c.key, c.new) for c in window.pending.changes()]
    commit_through_review(qtbot, window)
    box = wait_attr(qtbot, window, "error_box")
    assert box.windowTitle() == "Read-only connection"
    assert READ_ONLY_TRANSACTION_MESSAGE in box.text()
    for shown in (box.text(), window.message.text()):
        assert "read-only" in shown and "SELECT" not in shown, shown
    assert "still pending" in box.text()
    box.button(QMessageBox.StandardButton.Ok).click()

    assert [(c.key, c.new) for c in window.pending.changes()] == before == [(9, 11), (20, 21)]
    assert window.pending_label.text() == "2 pending changes"
    assert db_rows(pg_db.url) == sorted(TUTORIAL)
    # the window asks the server again and now says why it is read-only
    qtbot.waitUntil(lambda: not window.writable, timeout=WAIT_MS)
    assert window.mode_label.text() == READ_ONLY_ROLE_REASON
    assert not window.commit_button.isEnabled()


def test_a_select_only_role_on_any_table_is_told_it_may_read_but_not_change_it(qtbot, make_editor, pg_cluster, pg_db, pg_engine, make_reader):
    """A table of the user's own (the window for any table): the reason is said in
    words before any edit, and a double-click on a cell says it again."""
    from gui.qt.table_window import TableWindow

    seed_table(pg_engine)  # the reader is granted SELECT on it
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id integer PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'one'), (2, 'two')"))
    url = make_reader()
    pg_cluster.execute(sql.SQL("GRANT SELECT ON items TO {}").format(sql.Identifier(url.username)), database=pg_db.name)
    editor = connect_pg(qtbot, make_editor, url, "--table", "items")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow) and editor.window.writability is not None, timeout=WAIT_MS)
    window = editor.window
    qtbot.waitUntil(lambda: window.model.rowCount() == 2 and not window.model.loading, timeout=WAIT_MS)
    reason = "Your role may read this table but not change it (it has no UPDATE privilege on it)."
    assert window.mode_label.text() == reason
    assert window.windowTitle().count("[read-only]") == 1
    index = window.model.index(0, 1)
    center = window.view.visualRect(index).center()
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.waitUntil(lambda: reason in window.message.text(), timeout=WAIT_MS)
    assert not window.pending and not window.commit_button.isEnabled()


def test_a_long_read_only_reason_and_the_row_count_never_overlap(qtbot, make_editor, pg_db, pg_engine, make_reader):
    """The reason is cut to the room the status bar has (whole in its tooltip); the
    row count beside it stays readable at a laptop's window width."""
    from gui.qt.table_window import TableWindow

    seed_table(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id integer PRIMARY KEY, name text); INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 50) g"))
    url = make_reader()
    pg_cluster_grant = sql.SQL("GRANT SELECT ON items TO {}").format(sql.Identifier(url.username))
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(pg_cluster_grant.as_string(conn.connection.dbapi_connection))
    editor = connect_pg(qtbot, make_editor, url, "--table", "items")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow) and editor.window.writability is not None, timeout=WAIT_MS)
    window = editor.window
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 50 and not window.model.loading, timeout=WAIT_MS)
    for width in (902, 700, 1366):
        window.resize(width, 500)
        qtbot.wait(50)
        mode, rows = window.mode_label, window.rows_label
        assert mode.toolTip().startswith("Your role may read this table")
        assert mode.isVisible() and rows.isVisible()
        assert mode.geometry().right() < rows.geometry().left(), (width, mode.geometry(), rows.geometry())
        assert rows.width() >= rows.fontMetrics().horizontalAdvance(rows.text()), (width, rows.geometry(), rows.text())
        if width == 1366:  # room enough: the reason is whole, not cut
            assert mode.width() >= mode.fontMetrics().horizontalAdvance(mode.toolTip()), (mode.geometry(), mode.toolTip())
