"""A hosted server waking up: its first answer comes 11 s late.

``SlowProxy(delay=11)`` in front of the test cluster imitates it (the TCP connect
succeeds at once, the server's first bytes come 11 s later).  The app's default
connect timeout is 10 s, so the user's own ``connect_timeout`` must win over it:
with 30 s in the pasted URL or the dialog's Connect timeout field the app
connects; without, it gives up after about 10 s with libpq's own words.

The slow connects overlap (the failing ones in a child process and a thread while
the window connects) so the file takes about two delays, not four.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton, QSpinBox
from sqlalchemy import URL

from gui.data.connection import POSTGRESQL, check_connection, create_engine_for, settings_from_url
from gui.data.errors import ConnectionFailed
from gui.qt.connect_dialog import WAKING_UP, WAKING_UP_AFTER_MS
from gui_helpers import (
    TUTORIAL,
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
    type_spin,
    wait_loaded,
)
from slowproxy import SlowProxy

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
WAKE_UP_S = 11  # longer than the app's default connect timeout (10 s)
SHOWN = [(x, y) for x, y in TUTORIAL if y > 6]


@pytest.fixture(autouse=True)
def no_timeout_from_the_environment(monkeypatch):
    """The test decides the timeout, not the developer's PGCONNECT_TIMEOUT or service file."""
    for name in ("PGCONNECT_TIMEOUT", "PGSERVICE", "PGSERVICEFILE"):
        monkeypatch.delenv(name, raising=False)


def through(proxy: SlowProxy, pg_db, **query: str) -> str:
    """``pg_db``'s URL through ``proxy``, as a user pastes it."""
    url = URL.create(
        "postgresql",
        username=pg_db.user,
        password=pg_db.password,
        host=proxy.host,
        port=proxy.port,
        database=pg_db.name,
        query=query,
    )
    return url.render_as_string(hide_password=False)


def start_main(*argv: str) -> subprocess.Popen:
    """``main.py`` as a user runs it, in a child process."""
    code = "import sys, main; sys.exit(main.main(sys.argv[1:]))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *argv], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_url_connect_timeout_outlasts_a_waking_server_and_the_default_gives_up(qtbot, make_editor, pg_db, pg_engine):
    """(a) ``connect_timeout=30`` in the URL: ``--url`` connects after the 11 s.
    (b) The same URL without it: after about 10 s a ConnectionFailed in libpq's
    words (``timeout expired``), from the data layer and from ``main.py --url``
    (one line on stderr, exit 1, no traceback)."""
    seed_table(pg_engine)
    with (
        SlowProxy(pg_db.host, pg_db.port, delay=WAKE_UP_S, first_only=True) as waking,
        SlowProxy(pg_db.host, pg_db.port, delay=WAKE_UP_S) as asleep,
    ):
        patient, impatient = through(waking, pg_db, connect_timeout="30"), through(asleep, pg_db)

        # (b) twice, in the background
        child_started = time.monotonic()
        child_process = start_main("--url", impatient)
        data_layer: dict[str, object] = {}

        def default_timeout() -> None:
            engine = create_engine_for(settings_from_url(impatient))
            started = time.monotonic()
            try:
                check_connection(engine)
            except ConnectionFailed as error:
                data_layer["error"] = error
            finally:
                data_layer["seconds"] = time.monotonic() - started
                engine.dispose()

        thread = threading.Thread(target=default_timeout, name="default-timeout")
        thread.start()

        # (a) as --url does: connect (blocking), then the window
        editor = make_editor()
        started = time.monotonic()
        editor.connect_url(patient)
        patient_seconds = time.monotonic() - started
        window = editor.window
        window.show()
        activate(qtbot, window)
        wait_loaded(qtbot, window)

        thread.join(30)
        try:
            _out, stderr = child_process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child_process.kill()
            child_process.communicate()
            pytest.fail("main.py --url without connect_timeout did not give up within 30 s (no default timeout?)")
        child_seconds = time.monotonic() - child_started

    assert patient_seconds >= WAKE_UP_S - 0.5, patient_seconds
    assert shown_rows(window) == SHOWN
    assert window.settings.to_url().query["connect_timeout"] == "30"
    assert waking.delayed == 1  # awake after the first connection, as a hosted server is

    assert not thread.is_alive()
    error = data_layer.get("error")
    assert isinstance(error, ConnectionFailed), data_layer
    assert 9.5 <= data_layer["seconds"] < WAKE_UP_S, data_layer["seconds"]
    assert "timeout expired" in error.message
    assert "Traceback" not in error.message and pg_db.password not in error.message

    assert child_process.returncode == 1, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip() and "propagateSizeHints" not in line]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("table-editor: connection failed: ") and "timeout expired" in lines[0], lines[0]
    assert pg_db.password not in stderr
    assert 9.5 <= child_seconds < 20, child_seconds  # 10 s, plus starting Python and Qt


def test_dialog_connect_timeout_outlasts_a_waking_server(qtbot, make_editor, pg_db, pg_engine):
    """(c) Connect timeout 30 in the dialog: after 3 s it says the server may be
    waking up; after the 11 s the window opens on the rows."""
    seed_table(pg_engine)
    editor, dialog = open_connect_dialog(qtbot, make_editor)
    if dialog.findChild(QSpinBox, "Connect timeout") is None:
        pytest.skip("the connection dialog has no Connect timeout field yet")
    with SlowProxy(pg_db.host, pg_db.port, delay=WAKE_UP_S, first_only=True) as proxy:
        choose_kind(qtbot, dialog, POSTGRESQL)
        for name, value in (("Host", proxy.host), ("Database", pg_db.name), ("User", pg_db.user), ("Password", pg_db.password)):
            type_field(qtbot, dialog, name, value)
        assert type_spin(qtbot, dialog, "Port", str(proxy.port)).value() == proxy.port
        assert type_spin(qtbot, dialog, "Connect timeout", "30").value() == 30

        cancel = child(dialog, QPushButton, "Cancel connecting")
        started = time.monotonic()
        click(qtbot, dialog.connect_button)
        qtbot.waitUntil(lambda: WAKING_UP in dialog_status(dialog), timeout=6_000)
        said_after = time.monotonic() - started
        # a coarse QTimer (Qt's default) may fire up to 5 % early
        assert WAKING_UP_AFTER_MS / 1000 * 0.95 <= said_after < 5, said_after
        assert "waking up" in dialog_status(dialog)
        assert cancel.isVisible() and not dialog.connect_button.isEnabled()
        assert editor.window.engine is None

        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=25_000)
        connected_after = time.monotonic() - started
        window = editor.window
        activate(qtbot, window)
        wait_loaded(qtbot, window)

    assert connected_after >= WAKE_UP_S - 0.5, connected_after
    assert window.settings.connect_timeout_s == 30
    assert window.settings.to_url().query["connect_timeout"] == "30"
    assert shown_rows(window) == SHOWN
    assert proxy.delayed == 1
