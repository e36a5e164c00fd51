"""The connection dialog against the real PostgreSQL: typed fields, a pasted URL, errors, no password on disk."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox

from gui.data.connection import POSTGRESQL, URL_KIND
from gui_helpers import (
    WAIT_MS,
    activate,
    child,
    choose_kind,
    click,
    dialog_status,
    make_editor,  # noqa: F401 - fixture
    open_connect_dialog,
    seed_table,
    shown_rows,
    type_field,
    type_into,
    wait_dialog_idle,
    wait_loaded,
    walk_bytes,
)

pytestmark = pytest.mark.postgres


def fill_pg(qtbot, dialog, db, password: str) -> None:
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Host", db.host)
    port = child(dialog, QSpinBox, "Port")
    assert port.value() == 5432
    port.setFocus()
    port.lineEdit().selectAll()
    qtbot.keyClicks(port, str(db.port))
    assert port.value() == db.port
    type_field(qtbot, dialog, "Database", db.name)
    type_field(qtbot, dialog, "User", db.user)
    password_edit = type_field(qtbot, dialog, "Password", password)
    assert password_edit.echoMode() == QLineEdit.EchoMode.Password
    ssl = child(dialog, QComboBox, "SSL mode")
    assert ssl.currentText() == "prefer"
    ssl.setCurrentText("disable")


def assert_no_password_on_disk(dirs, password: str) -> None:
    needles = [password.encode(), password.encode("utf-16-le"), password.replace(" ", "%20").encode()]
    from urllib.parse import quote, quote_plus

    needles += [quote(password, safe="").encode(), quote_plus(password).encode()]
    found = [str(path) for path, data in walk_bytes(dirs.config, dirs.data, dirs.home, dirs.cache, dirs.state) if any(n in data for n in needles)]
    assert found == []


def test_typed_fields_test_wrong_password_then_connect(qtbot, make_editor, pg_db, pg_engine, isolated_user_dirs):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)

    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert dialog_status(dialog).startswith("Connection works: PostgreSQL"), dialog_status(dialog)
    assert dialog.isVisible()

    # wrong password: shown in the dialog, which stays open with every field as typed
    wrong = pg_db.password + "nope"
    type_field(qtbot, dialog, "Password", wrong)
    assert dialog_status(dialog) == ""  # "Connection works" was said of the password before

    click(qtbot, dialog.connect_button)
    wait_dialog_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert "password" in dialog_status(dialog).lower(), dialog_status(dialog)
    assert wrong not in dialog_status(dialog)
    assert editor.window.engine is None
    assert dialog.host.text() == pg_db.host
    assert dialog.port.value() == pg_db.port
    assert dialog.database.text() == pg_db.name
    assert dialog.user.text() == pg_db.user
    assert dialog.password.text() == wrong
    assert dialog.sslmode.currentText() == "disable"
    assert dialog.kind.currentData() == POSTGRESQL

    password = type_field(qtbot, dialog, "Password", pg_db.password)
    qtbot.keyClick(password, Qt.Key.Key_Return)  # Enter connects
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = editor.window
    activate(qtbot, window)
    wait_loaded(qtbot, window)
    assert shown_rows(window)[0] == (6, 8) and len(shown_rows(window)) == 8
    assert pg_db.password not in window.windowTitle()
    assert pg_db.name in window.windowTitle()
    # an edit journals to disk: the journal must not hold the password either
    window.model.setData(window.model.index(0, 1), "7")
    qtbot.waitUntil(window.journal.path.exists, timeout=WAIT_MS)  # written on the journal's lane
    assert editor.paths.recent.exists()
    assert_no_password_on_disk(isolated_user_dirs, pg_db.password)

    # the next dialog offers the recent connection, without its password
    again = editor.show_connect_dialog()
    recent = child(again, QComboBox, "Recent connections")
    assert any(pg_db.name in recent.itemText(i) for i in range(recent.count()))
    again.reject()


def test_pasted_url_with_the_password_connects(qtbot, make_editor, pg_db, pg_engine, isolated_user_dirs):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, URL_KIND)
    url = pg_db.url.render_as_string(hide_password=False)
    assert pg_db.password not in url  # URL-escaped, as a user would paste it
    type_field(qtbot, dialog, "URL", url)
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = editor.window
    wait_loaded(qtbot, window)
    assert len(shown_rows(window)) == 8
    title = window.windowTitle()
    assert pg_db.password not in title and url not in title
    assert f"some_table — {pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}" in title
    recent = editor.paths.recent.read_text()
    assert pg_db.name in recent
    assert_no_password_on_disk(isolated_user_dirs, pg_db.password)
    from urllib.parse import quote

    assert quote(pg_db.password, safe="") not in recent


def test_bad_url_is_refused_in_the_dialog(qtbot, make_editor):
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, URL_KIND)
    type_field(qtbot, dialog, "URL", "not a url")
    click(qtbot, dialog.connect_button)
    wait_dialog_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert "URL" in dialog_status(dialog)
    assert dialog.url.text() == "not a url"
    assert editor.window.engine is None


def test_refused_port_is_reported_in_the_dialog(qtbot, make_editor, pg_db):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    dialog.port.setValue(closed_port)
    click(qtbot, dialog.connect_button)
    wait_dialog_idle(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog_status(dialog).strip()
    assert pg_db.password not in dialog_status(dialog)
    assert dialog.host.text() == pg_db.host and dialog.password.text() == pg_db.password


def test_read_only_checkbox_through_the_dialog(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    box = child(dialog, QCheckBox, "Read-only")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = editor.window
    wait_loaded(qtbot, window)
    assert "read-only" in window.windowTitle().lower()
    assert not window.model.setData(window.model.index(0, 1), "7")
    assert bool(window.message.text().strip()) and "read-only" in window.message.text().lower()
    assert not window.pending and not window.commit_button.isEnabled()


def test_remember_password_is_hidden_without_a_keyring(qtbot, make_editor):
    from gui.data import secrets

    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    box = child(dialog, QCheckBox, "Remember password")
    assert box.isVisible() == secrets.keyring_available()


def test_statement_timeout_from_the_dialog_ends_a_blocked_commit(qtbot, make_editor, pg_db, pg_engine):
    import psycopg2

    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    timeout = child(dialog, QSpinBox, "Statement timeout")
    assert timeout.value() == 0
    timeout.setValue(1)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    window = editor.window
    activate(qtbot, window)
    wait_loaded(qtbot, window)
    window.model.setData(window.model.index(2, 1), "11")  # x = 9
    assert window.pending.get(9).new == 11
    locker = psycopg2.connect(host=pg_db.host, port=pg_db.port, dbname=pg_db.name, user=pg_db.user, password=pg_db.password)
    try:
        with locker.cursor() as cur:
            cur.execute("SELECT * FROM some_table WHERE x = 9 FOR UPDATE")
        click(qtbot, window.commit_button)
        qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
        click(qtbot, window.review_dialog.commit_button)
        qtbot.waitUntil(lambda: getattr(window, "error_box", None) is not None and window.error_box.isVisible(), timeout=WAIT_MS)
        assert "timeout" in window.error_box.text().lower(), window.error_box.text()
        assert window.pending.get(9).new == 11
    finally:
        locker.rollback()
        locker.close()


def test_without_the_tutorials_table_the_window_asks_to_choose_one(qtbot, make_editor, pg_db, pg_engine):
    from sqlalchemy import text

    from gui.qt.table_window import TableWindow

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2))"))
    editor = make_editor()
    editor.connect_url(pg_db.url.render_as_string(hide_password=False))
    window = editor.window
    assert isinstance(window, TableWindow)
    window.show()
    assert "Choose a table" in child(window, QLabel, "Message").text()
    chooser = window.table_chooser
    qtbot.waitUntil(lambda: chooser.count() == 1, timeout=WAIT_MS)
    assert chooser.itemText(0) == "public.orders"
    assert window.model.rowCount() == 0 and window.rows_label.text() == "No table open"
    assert not window.commit_button.isEnabled()


def test_a_missing_table_named_on_the_command_line_is_one_line_and_nonzero(qtbot, make_editor, pg_db):
    from gui.data.errors import NoSuchRelation

    editor = make_editor("--table", "nosuch")
    with pytest.raises(NoSuchRelation, match='no table or view nosuch '):
        editor.connect_url(pg_db.url.render_as_string(hide_password=False))


def test_cancelling_the_dialog_while_connecting_leaves_no_connection_open(qtbot, make_editor, pg_db, pg_cluster):
    import threading

    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    # hold the connect lane so the attempt is still queued when the user gives up
    gate = threading.Event()
    editor.runner.submit(lambda _t: gate.wait(30), lane="connect")
    click(qtbot, dialog.connect_button)
    dialog.reject()
    gate.set()
    qtbot.waitUntil(lambda: not editor.runner.busy, timeout=WAIT_MS)
    assert editor.window.engine is None
    admin = pg_cluster.connect(pg_db.name)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'table-editor'")
            assert cur.fetchone()[0] == 0
    finally:
        admin.close()


def test_reopening_the_dialog_keeps_the_session_password_but_a_recent_entry_does_not_inherit_it(
    qtbot, make_editor, pg_db, pg_engine, isolated_user_dirs
):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_loaded(qtbot, editor.window)

    # Ctrl+O again, e.g. to switch to read-only: the fields are those of the open connection
    again = editor.show_connect_dialog()
    assert again.password.text() == pg_db.password
    box = child(again, QCheckBox, "Read-only")
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(box.sizeHint().width() // 2, box.height() // 2))
    assert box.isChecked()
    click(qtbot, again.connect_button)
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=WAIT_MS)
    assert editor.window.settings.read_only

    # a remembered connection (never with a password) clears the field
    third = editor.show_connect_dialog()
    type_field(qtbot, third, "Password", "typed for another server")
    recent = child(third, QComboBox, "Recent connections")
    index = next(i for i in range(recent.count()) if recent.itemData(i) is not None)
    recent.setCurrentIndex(index)
    recent.activated.emit(index)
    assert third.host.text() == pg_db.host
    assert third.password.text() == ""
    third.reject()
    assert_no_password_on_disk(isolated_user_dirs, pg_db.password)
