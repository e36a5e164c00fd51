"""The connection dialog keeps what was typed: Enter after a failed test or connect
never closes it (the focus goes to the field to correct, Connect stays the default),
and adding to a URL never wipes it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QToolButton

from gui.data.connection import URL_KIND
from gui_helpers import WAIT_MS, child, choose_kind, click, make_editor, open_connect_dialog, type_field, wait_dialog_idle  # noqa: F401
from test_gui_connect import fill_pg

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("button", ["Test connection", "Connect"])
def test_enter_after_a_failure_keeps_the_dialog_and_what_was_typed(qtbot, make_editor, pg_db, button):
    from PySide6.QtWidgets import QPushButton

    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_pg(qtbot, dialog, pg_db, "not-the-password")
    click(qtbot, child(dialog, QPushButton, button))
    wait_dialog_idle(qtbot, dialog)
    assert "Authentication failed" in child(dialog, type(dialog.status), "Connection status").text()
    assert dialog.focusWidget() is dialog.password and dialog.connect_button.isDefault()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)  # Connect again, not Cancel
    wait_dialog_idle(qtbot, dialog)
    assert dialog.isVisible() and dialog.host.text() == pg_db.host and dialog.user.text() == pg_db.user
    # the right password, and Enter connects
    type_field(qtbot, dialog, "Password", pg_db.password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.window.engine is not None, timeout=WAIT_MS)


def test_typing_at_the_end_of_a_url_keeps_it(qtbot, make_editor, pg_db):
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, URL_KIND)
    url = pg_db.url.render_as_string(hide_password=False).replace("postgresql+psycopg2://", "postgresql://")
    edit = type_field(qtbot, dialog, "URL", url)
    assert edit.echoMode() == QLineEdit.EchoMode.Password  # it may hold a password
    dialog.connect_button.setFocus()  # away, and back: PasswordEchoOnEdit wiped the URL here
    edit.setFocus()
    edit.end(False)
    qtbot.keyClicks(edit, "?sslmode=disable")
    assert edit.text() == url + "?sslmode=disable"
    show = child(dialog, QToolButton, "Show URL")
    qtbot.mouseClick(show, Qt.MouseButton.LeftButton)
    assert edit.echoMode() == QLineEdit.EchoMode.Normal and edit.text() == url + "?sslmode=disable"


def test_a_failures_message_goes_when_the_user_changes_what_failed(qtbot, make_editor, pg_db):
    from PySide6.QtWidgets import QLabel, QPushButton

    from gui.data.connection import DEMO

    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    status = child(dialog, QLabel, "Connection status")
    fill_pg(qtbot, dialog, pg_db, pg_db.password)
    type_field(qtbot, dialog, "Database", "nosuchdb")
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert 'database "nosuchdb" does not exist' in status.text(), status.text()
    assert dialog.focusWidget() is dialog.database  # the field to correct, not Host
    qtbot.keyClick(dialog.database, Qt.Key.Key_Backspace)  # the user corrects it
    assert status.text() == "" and status.styleSheet() == ""

    # wrong password, then another database type: the message said nothing of the demo
    type_field(qtbot, dialog, "Database", pg_db.name)
    type_field(qtbot, dialog, "Password", "not-the-password")
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert "Authentication failed" in status.text()
    assert dialog.focusWidget() is dialog.password
    dialog.kind.setFocus()
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Home)  # the first type: the demo
    assert dialog.kind.currentData() == DEMO
    assert status.text() == "" and status.styleSheet() == ""

    # a URL's failure goes when the URL is edited
    choose_kind(qtbot, dialog, URL_KIND)
    url = pg_db.url.set(database="nosuchdb").render_as_string(hide_password=False).replace("postgresql+psycopg2://", "postgresql://")
    type_field(qtbot, dialog, "URL", url)
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    assert 'database "nosuchdb" does not exist' in status.text(), status.text()
    assert dialog.focusWidget() is dialog.url
    qtbot.keyClick(dialog.url, Qt.Key.Key_End)
    assert "does not exist" in status.text()  # moving in the field changes nothing
    qtbot.keyClicks(dialog.url, "x")
    assert status.text() == ""
