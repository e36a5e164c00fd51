"""The connection dialog takes what libpq takes, on the real PostgreSQL.

An IPv6 address and a Unix-socket folder as Host; an empty Host and Port (PGHOST,
PGPORT and a password file fill in); a pg_service.conf service; the connect
timeout; CA and client certificates chosen with a file picker; and a connect that
goes unanswered, which after a few seconds says a hosted server may be waking up
and can be cancelled with the dialog kept as typed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSpinBox
from sqlalchemy import create_engine, text

from gui.data.connection import POSTGRESQL, ConnectionSettings
from gui.qt.connect_dialog import CANCELLED
from gui_helpers import (
    WAIT_MS,
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
    type_spin,
    wait_dialog_idle,
    wait_loaded,
    walk_bytes,
)

pytestmark = pytest.mark.postgres

# the abandoned attempt on a silent server ends by its connect timeout; then some slack
SILENT_TIMEOUT_S = 5


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that takes TCP connections and never says a word: a
    server that does not answer (the kernel completes the handshake for the backlog)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fill_login(qtbot, dialog, host: str, port: int | None, database: str = "", user: str = "", password: str = "") -> None:
    """PostgreSQL server, then the fields as a user types them; ``port=None`` clears Port."""
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Host", host)
    type_spin(qtbot, dialog, "Port", "" if port is None else str(port))
    type_field(qtbot, dialog, "Database", database)
    type_field(qtbot, dialog, "User", user)
    type_field(qtbot, dialog, "Password", password)


def choose_sslmode(qtbot, dialog, mode: str) -> None:
    """With the arrow keys (typed letters would join a search begun by the previous call)."""
    combo = child(dialog, QComboBox, "SSL mode")
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentText() != mode:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{mode!r} not offered"


def connect_and_wait(qtbot, editor, dialog) -> None:
    click(qtbot, child(dialog, QPushButton, "Connect"))
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    wait_loaded(qtbot, editor.window)


def run_test_connection(qtbot, dialog) -> str:
    click(qtbot, child(dialog, QPushButton, "Test connection"))
    wait_dialog_idle(qtbot, dialog)
    return dialog_status(dialog)




def assert_fields(dialog, **expected) -> None:
    settings = dialog.settings()
    assert {name: getattr(settings, name) for name in expected} == expected


def assert_no_password_on_disk(dirs, password: str) -> None:
    from urllib.parse import quote, quote_plus

    needles = {password.encode(), quote(password, safe="").encode(), quote_plus(password).encode()}
    found = [str(path) for path, data in walk_bytes(dirs.config, dirs.data, dirs.state) if any(n in data for n in needles)]
    assert found == []


def write_service_file(path: Path, service: str, pg_db) -> Path:
    path.write_text(f"[{service}]\nhost={pg_db.host}\nport={pg_db.port}\ndbname={pg_db.name}\nuser={pg_db.user}\n")
    return path


# -- Port: empty is libpq's default ---------------------------------------------


def test_port_can_be_cleared_for_libpqs_default(qtbot, make_editor):
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    port = child(dialog, QSpinBox, "Port")
    assert port.value() == 5432

    type_spin(qtbot, dialog, "Port", "")
    assert port.value() == 0
    qtbot.keyClick(port, Qt.Key.Key_Tab)  # leaving the field keeps it empty, not the old number
    assert port.value() == 0 and port.text() == ""
    assert dialog.settings().port == 0
    assert dialog.settings().to_url().port is None  # libpq decides: PGPORT, else 5432

    port.setFocus()
    qtbot.keyClick(port, Qt.Key.Key_Up)  # up from "default" is the usual port
    assert port.value() == 5432
    type_spin(qtbot, dialog, "Port", "6543")
    assert port.value() == 6543 and dialog.settings().port == 6543

    dialog.fill(ConnectionSettings(kind=POSTGRESQL, port=0))
    assert port.value() == 0 and port.text() == ""


# -- Host: IPv6, a socket folder, empty -----------------------------------------


@pytest.mark.parametrize("typed", ["[::1]", "::1"])
def test_an_ipv6_host_reaches_libpq_as_an_address(qtbot, make_editor, pg_db, typed):
    """The cluster listens on 127.0.0.1 only: libpq's own reason for ::1, not a name lookup."""
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, typed, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
    assert dialog.settings().to_url().host == "::1"
    assert dialog.settings().display_name() == f"{pg_db.user} on [::1]:{pg_db.port}/{pg_db.name}"

    status = run_test_connection(qtbot, dialog)
    assert status.startswith("Connection failed:"), status
    assert '"::1"' in status and str(pg_db.port) in status, status
    assert "translate host name" not in status
    assert dialog.host.text() == typed and dialog.port.value() == pg_db.port


def test_a_socket_folder_as_host_connects_and_is_named_in_the_title(qtbot, make_editor, pg_cluster, pg_db, pg_engine):
    seed_table(pg_engine)
    folder = str(pg_cluster.base_dir)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    # the local socket trusts: no password
    fill_login(qtbot, dialog, folder, pg_db.port, pg_db.name, pg_db.user)
    connect_and_wait(qtbot, editor, dialog)

    window = editor.window
    assert len(shown_rows(window)) == 8
    title = window.windowTitle()
    assert f"{pg_db.user} on {pg_db.name} through the socket in {folder} (port {pg_db.port})" in title, title
    assert "postgresql" not in title and "host=" not in title and "%2F" not in title
    with window.engine.connect() as conn:
        assert conn.execute(text("SELECT inet_client_addr()")).scalar() is None  # a Unix socket, not TCP


def test_empty_host_and_port_take_pghost_pgport_and_the_password_file(
    qtbot, make_editor, pg_db, pg_engine, isolated_user_dirs, monkeypatch
):
    seed_table(pg_engine)
    passfile = isolated_user_dirs.home / ".pgpass"
    escaped = pg_db.password.replace("\\", "\\\\").replace(":", "\\:")
    passfile.write_text(f"*:*:{pg_db.name}:{pg_db.user}:{escaped}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGHOST", pg_db.host)
    monkeypatch.setenv("PGPORT", str(pg_db.port))
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.setenv("PGSSLMODE", "disable")
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "9")

    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    # the user's PG* variables are not overridden by fields that start at fixed values
    assert dialog.port.value() == 0 and dialog.port.text() == "" and dialog.host.text() == ""
    assert dialog.sslmode.currentText() == "default"
    assert dialog.connect_timeout.value() == 0 and dialog.connect_timeout.text() == ""
    assert "PGCONNECT_TIMEOUT=9" in dialog.connect_timeout.lineEdit().placeholderText()
    type_field(qtbot, dialog, "Database", pg_db.name)
    type_field(qtbot, dialog, "User", pg_db.user)
    assert_fields(dialog, host="", port=0, password="", sslmode="", connect_timeout_s=0)
    connect_and_wait(qtbot, editor, dialog)

    assert len(shown_rows(editor.window)) == 8
    assert (editor.window.settings.host, editor.window.settings.port) == ("", 0)
    raw = editor.window.engine.raw_connection()
    try:
        assert raw.dbapi_connection.info.dsn_parameters["connect_timeout"] == "9"  # the user's variable, as libpq read it
    finally:
        raw.close()


@pytest.mark.parametrize("variable", ["0", "7200"])
def test_any_pgconnect_timeout_is_left_to_libpq(qtbot, make_editor, monkeypatch, variable):
    """libpq takes 0 as "wait for ever" and any number of seconds: the field starts
    empty, and the app's 10 s default does not replace the user's variable."""
    monkeypatch.setenv("PGCONNECT_TIMEOUT", variable)
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Host", "db.example.com")
    assert dialog.connect_timeout.value() == 0
    assert "connect_timeout" not in parameters_of(dialog.settings())


# -- a service --------------------------------------------------------------------


def test_a_service_from_pg_service_conf_connects(qtbot, make_editor, pg_db, pg_engine, tmp_path, monkeypatch):
    seed_table(pg_engine)
    monkeypatch.setenv("PGSERVICEFILE", str(write_service_file(tmp_path / "pg_service.conf", "editor_svc", pg_db)))
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    assert dialog.port.value() == 5432 and dialog.sslmode.currentText() == "prefer"

    type_field(qtbot, dialog, "Service", "editor_svc")
    # the service names its own port, SSL mode and connect timeout: the plain defaults step aside, visibly
    assert dialog.port.value() == 0 and dialog.port.text() == ""
    assert dialog.sslmode.currentText() == "default"
    assert dialog.connect_timeout.value() == 0 and dialog.connect_timeout.text() == ""
    type_field(qtbot, dialog, "Password", pg_db.password)
    assert_fields(dialog, service="editor_svc", host="", port=0, database="", user="", sslmode="")
    connect_and_wait(qtbot, editor, dialog)

    assert len(shown_rows(editor.window)) == 8
    # the title names where the service led, as the live connection resolved it
    assert f"{pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}" in editor.window.windowTitle()


def test_a_services_own_connect_timeout_is_what_libpq_uses(qtbot, make_editor, pg_db, pg_engine, tmp_path, monkeypatch):
    """The Connect timeout field steps aside for the service's own connect_timeout;
    a value typed into it still wins; cleared without a service, the app's 10 s."""
    seed_table(pg_engine)
    services = write_service_file(tmp_path / "pg_service.conf", "editor_svc", pg_db)
    services.write_text(services.read_text() + "connect_timeout=45\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Service", "editor_svc")
    type_field(qtbot, dialog, "Password", pg_db.password)
    assert dialog.settings().connect_timeout_s == 0
    connect_and_wait(qtbot, editor, dialog)
    raw = editor.window.engine.raw_connection()
    try:
        assert raw.dbapi_connection.info.dsn_parameters["connect_timeout"] == "45"  # the service's
    finally:
        raw.close()

    # typed into the field, the user's value wins over the service's
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Service", "editor_svc")
    type_spin(qtbot, dialog, "Connect timeout", "7")
    assert parameters_of(dialog.settings())["connect_timeout"] == "7"
    # no service and the field cleared: the app's default
    type_field(qtbot, dialog, "Service", "")
    type_spin(qtbot, dialog, "Connect timeout", "")
    assert dialog.settings().connect_timeout_s == 0
    assert parameters_of(dialog.settings())["connect_timeout"] == 10
    # up from empty is the usual 10 s, not 1 s
    dialog.connect_timeout.stepBy(1)
    assert dialog.connect_timeout.value() == 10


def parameters_of(settings) -> dict:
    """What the engine would hand libpq for ``settings`` (nothing is connected)."""
    from test_data_connection import parameters_passed

    return parameters_passed(settings)


def test_an_unknown_service_is_libpqs_message_in_the_dialog(qtbot, make_editor, tmp_path, monkeypatch):
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "pg_service.conf"))
    (tmp_path / "pg_service.conf").write_text("[other]\nhost=localhost\n")
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Service", "nonesuch")
    click(qtbot, dialog.connect_button)
    wait_dialog_idle(qtbot, dialog)
    assert "nonesuch" in dialog_status(dialog) and "not found" in dialog_status(dialog), dialog_status(dialog)
    assert dialog.isVisible() and editor.window.engine is None
    assert dialog.service.text() == "nonesuch"


# -- connect timeout --------------------------------------------------------------


def test_the_connect_timeout_field_reaches_libpq(qtbot, make_editor, pg_db, pg_engine):
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, pg_db.host, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
    timeout = child(dialog, QSpinBox, "Connect timeout")
    assert timeout.value() == 10 and dialog.settings().connect_timeout_s == 10

    type_spin(qtbot, dialog, "Connect timeout", "7")
    assert dialog.settings().connect_timeout_s == 7
    connect_and_wait(qtbot, editor, dialog)

    engine = editor.window.engine
    raw = engine.raw_connection()
    try:
        assert raw.dbapi_connection.info.dsn_parameters["connect_timeout"] == "7"  # what libpq used
    finally:
        raw.close()


# -- an unanswered connect: "may be waking up", Cancel connecting ------------------


def start_on_silent_server(qtbot, make_editor, port: int, timeout_s: int, button: str = "Connect"):
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, "127.0.0.1", port, "somedb", "someone", "not-the-password")
    type_spin(qtbot, dialog, "Connect timeout", str(timeout_s))
    started = time.monotonic()
    click(qtbot, child(dialog, QPushButton, button))
    cancel = child(dialog, QPushButton, "Cancel connecting")
    assert dialog_status(dialog).startswith("Connecting to someone on 127.0.0.1:")
    assert not cancel.isVisible() and "waking up" not in dialog_status(dialog)
    assert not dialog.connect_button.isEnabled() and not dialog.test_button.isEnabled()
    qtbot.waitUntil(cancel.isVisible, timeout=WAIT_MS)
    assert time.monotonic() - started >= 2.8  # not before the three seconds
    return editor, dialog, cancel, started


def test_a_silent_server_may_be_waking_up_and_cancel_connecting_keeps_the_dialog(qtbot, make_editor, silent_port):
    editor, dialog, cancel, _started = start_on_silent_server(qtbot, make_editor, silent_port, SILENT_TIMEOUT_S)
    status = dialog_status(dialog)
    assert "not answered yet" in status and "waking up" in status and "Neon" in status, status

    click(qtbot, cancel)
    assert dialog_status(dialog) == CANCELLED
    assert not cancel.isVisible()
    assert dialog.connect_button.isEnabled() and dialog.test_button.isEnabled()
    assert dialog.isVisible()
    assert_fields(
        dialog, host="127.0.0.1", port=silent_port, database="somedb", user="someone",
        password="not-the-password", connect_timeout_s=SILENT_TIMEOUT_S,
    )  # fmt: skip

    # the abandoned attempt ends by its timeout; its late failure changes nothing
    qtbot.waitUntil(lambda: not editor.runner.busy, timeout=(SILENT_TIMEOUT_S + 10) * 1000)
    qtbot.wait(100)
    assert dialog.isVisible() and dialog_status(dialog) == CANCELLED
    assert editor.window.engine is None and editor.window.settings is None
    assert dialog.connect_button.isEnabled() and not cancel.isVisible()


def test_after_cancel_connecting_a_retry_does_not_wait_for_the_abandoned_attempt(
    qtbot, make_editor, silent_port, pg_db, pg_engine
):
    seed_table(pg_engine)
    timeout_s = 8
    editor, dialog, cancel, started = start_on_silent_server(qtbot, make_editor, silent_port, timeout_s, "Test connection")
    click(qtbot, cancel)

    fill_login(qtbot, dialog, pg_db.host, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert time.monotonic() - started < timeout_s  # the abandoned attempt is still waiting
    window = editor.window
    engine = window.engine
    assert engine is not None and window.settings.port == pg_db.port
    wait_loaded(qtbot, window)
    qtbot.waitUntil(lambda: not editor.runner.busy, timeout=(timeout_s + 10) * 1000)
    assert window.engine is engine and len(shown_rows(window)) == 8


@pytest.mark.slow
def test_an_answer_within_three_seconds_never_says_waking_up(qtbot, make_editor, pg_db):
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, pg_db.host, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
    cancel = child(dialog, QPushButton, "Cancel connecting")

    assert run_test_connection(qtbot, dialog).startswith("Connection works")
    qtbot.wait(3500)
    assert dialog_status(dialog).startswith("Connection works") and not cancel.isVisible()

    type_spin(qtbot, dialog, "Port", str(closed_port()))
    assert run_test_connection(qtbot, dialog).startswith("Connection failed")
    qtbot.wait(3500)
    assert dialog_status(dialog).startswith("Connection failed") and not cancel.isVisible()


def test_a_server_that_wakes_up_connects_after_the_message(qtbot, make_editor, pg_db, pg_engine):
    slowproxy = pytest.importorskip("slowproxy")
    seed_table(pg_engine)
    with slowproxy.SlowProxy(pg_db.host, pg_db.port, delay=4.0, first_only=True) as proxy:
        editor, dialog = open_connect_dialog(qtbot, make_editor)
        fill_login(qtbot, dialog, proxy.host, proxy.port, pg_db.name, pg_db.user, pg_db.password)
        click(qtbot, dialog.connect_button)
        cancel = child(dialog, QPushButton, "Cancel connecting")
        qtbot.waitUntil(cancel.isVisible, timeout=WAIT_MS)
        assert "waking up" in dialog_status(dialog)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)  # it answered: connected
        wait_loaded(qtbot, editor.window)
        assert len(shown_rows(editor.window)) == 8
        assert not cancel.isVisible() and not dialog._slow_timer.isActive()


# -- certificates ---------------------------------------------------------------------


def pick_file(qtbot, dialog, name: str, path: Path) -> None:
    """Browse… next to ``name``, the path into the file picker's name field, Enter."""
    click(qtbot, child(dialog, QPushButton, f"Browse for {name}"))
    qtbot.waitUntil(lambda: dialog.file_dialog is not None and dialog.file_dialog.isVisible(), timeout=WAIT_MS)
    picker = dialog.file_dialog
    file_name = picker.findChild(QLineEdit, "fileNameEdit")
    assert file_name is not None, "expected Qt's own file dialog"
    # set, not typed: key by key, the picker's completer rewrites the text under the offscreen platform
    file_name.setText(str(path))
    qtbot.keyClick(file_name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=WAIT_MS)
    assert child(dialog, QLineEdit, name).text() == str(path)


def test_certificate_fields_with_a_file_picker_round_trip(qtbot, make_editor, tmp_path):
    files = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for path in files.values():
        path.write_text("not used: nothing connects here\n")
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    ca = child(dialog, QLineEdit, "CA certificate")
    client_cert = child(dialog, QLineEdit, "Client certificate")
    assert not ca.isEnabled()  # prefer checks no certificate
    assert client_cert.isEnabled()
    choose_sslmode(qtbot, dialog, "disable")
    assert not ca.isEnabled() and not client_cert.isEnabled()
    choose_sslmode(qtbot, dialog, "verify-full")
    assert ca.isEnabled() and client_cert.isEnabled()

    pick_file(qtbot, dialog, "CA certificate", files["ca"])
    type_field(qtbot, dialog, "Client certificate", str(files["cert"]))
    pick_file(qtbot, dialog, "Client key", files["key"])
    type_spin(qtbot, dialog, "Connect timeout", "25")
    settings = dialog.settings()
    assert (settings.sslmode, settings.sslrootcert, settings.sslcert, settings.sslkey, settings.connect_timeout_s) == (
        "verify-full", str(files["ca"]), str(files["cert"]), str(files["key"]), 25,
    )  # fmt: skip
    assert settings.to_url().query["sslrootcert"] == str(files["ca"])

    # fill() gives back every field; remembered settings too (without the password)
    for again in (settings, ConnectionSettings.from_remembered(settings.remembered())):
        other = editor.show_connect_dialog()
        other.fill(again)
        got = other.settings()
        assert got.remembered() == again.remembered() and got.password == again.password
        other.reject()


def test_verify_full_with_a_ca_from_the_file_picker(qtbot, make_editor, tls_cluster, tls_db):
    engine = create_engine(tls_db.url)
    try:
        seed_table(engine)
    finally:
        engine.dispose()
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, "localhost", tls_db.port, tls_db.name, tls_db.user, tls_db.password)
    choose_sslmode(qtbot, dialog, "verify-full")

    # no CA: libpq says what is missing (HOME is the test's own, with no ~/.postgresql)
    status = run_test_connection(qtbot, dialog)
    assert "root certificate" in status, status

    pick_file(qtbot, dialog, "CA certificate", tls_cluster.tls.ca_cert)
    connect_and_wait(qtbot, editor, dialog)
    window = editor.window
    assert len(shown_rows(window)) == 8
    assert f"{tls_db.user} on localhost:{tls_db.port}/{tls_db.name}" in window.windowTitle()
    with window.engine.connect() as conn:
        assert conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True


def test_a_client_certificate_logs_in_without_a_password(qtbot, make_editor, tls_cluster):
    tls = tls_cluster.tls
    _editor, dialog = open_connect_dialog(qtbot, make_editor)
    fill_login(qtbot, dialog, "127.0.0.1", tls_cluster.port, "postgres", tls.client_user)
    choose_sslmode(qtbot, dialog, "verify-full")
    pick_file(qtbot, dialog, "CA certificate", tls.ca_cert)
    pick_file(qtbot, dialog, "Client certificate", tls.client_cert)
    pick_file(qtbot, dialog, "Client key", tls.client_key)
    status = run_test_connection(qtbot, dialog)
    assert status.startswith("Connection works: PostgreSQL"), status


# -- recent connections ------------------------------------------------------------


def test_a_recent_connection_brings_back_service_and_certificates_but_no_password(
    qtbot, make_editor, pg_db, pg_engine, tmp_path, monkeypatch, isolated_user_dirs
):
    seed_table(pg_engine)
    monkeypatch.setenv("PGSERVICEFILE", str(write_service_file(tmp_path / "pg_service.conf", "editor_svc", pg_db)))
    ca = tmp_path / "root.crt"
    ca.write_text("not read: the test server offers no TLS, so sslmode prefer goes without\n")
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    choose_kind(qtbot, dialog, POSTGRESQL)
    type_field(qtbot, dialog, "Service", "editor_svc")
    type_field(qtbot, dialog, "CA certificate", str(ca))
    type_field(qtbot, dialog, "Password", pg_db.password)
    type_spin(qtbot, dialog, "Connect timeout", "12")
    connect_and_wait(qtbot, editor, dialog)
    assert_no_password_on_disk(isolated_user_dirs, pg_db.password)

    again = editor.show_connect_dialog()
    fill_login(qtbot, again, "elsewhere.example", 6000, "other", "someone", "typed for another server")
    choose_sslmode(qtbot, again, "require")
    type_field(qtbot, again, "Service", "")
    type_field(qtbot, again, "CA certificate", "")
    recent = child(again, QComboBox, "Recent connections")
    index = next(i for i in range(recent.count()) if recent.itemData(i) is not None)
    assert "service editor_svc" in recent.itemText(index)
    recent.setFocus()
    recent.setCurrentIndex(index)
    recent.activated.emit(index)
    assert_fields(
        again, service="editor_svc", sslrootcert=str(ca), sslmode="", host="", port=0,
        database="", user="", password="", connect_timeout_s=12,
    )  # fmt: skip
    assert again.sslmode.currentText() == "default" and again.port.text() == ""
    again.reject()


def test_two_recent_connections_to_one_place_with_other_options_say_what_differs(
    qtbot, make_editor, pg_db, pg_engine, isolated_user_dirs
):
    seed_table(pg_engine)
    for read_only, timeout in ((False, ""), (True, "5")):
        editor, dialog = open_connect_dialog(qtbot, make_editor)
        fill_login(qtbot, dialog, pg_db.host, pg_db.port, pg_db.name, pg_db.user, pg_db.password)
        read_only_box = child(dialog, QCheckBox, "Read-only")
        if read_only_box.isChecked() != read_only:
            click(qtbot, read_only_box)
        type_spin(qtbot, dialog, "Statement timeout", timeout)
        connect_and_wait(qtbot, editor, dialog)
        editor.shutdown()

    editor, dialog = open_connect_dialog(qtbot, make_editor)
    recent = child(dialog, QComboBox, "Recent connections")
    labels = [recent.itemText(i) for i in range(recent.count()) if recent.itemData(i) is not None]
    place = f"{pg_db.user} on {pg_db.host}:{pg_db.port}/{pg_db.name}"
    assert labels == [f"{place} (read-only, statement timeout 5 s)", f"{place} (read-write, no statement timeout)"]
    index = next(i for i in range(recent.count()) if recent.itemText(i) == labels[0])
    recent.setCurrentIndex(index)
    recent.activated.emit(index)
    assert child(dialog, QCheckBox, "Read-only").isChecked()
    dialog.reject()
