"""The command line: ``main.main(argv) -> int``.

Failures are checked in a subprocess (exit code and stderr as a user sees them); a good
start runs in-process, where a timer inspects and closes the window, since ``main``
blocks in ``app.exec()``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

import main
from gui.qt.main_window import MainWindow
from gui_helpers import seed_table, shown_rows

REPO = Path(__file__).resolve().parent.parent


def run_main(*argv: str) -> subprocess.CompletedProcess:
    code = "import sys, main; sys.exit(main.main(sys.argv[1:]))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def assert_one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "propagateSizeHints" not in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("table-editor: ")
    return lines[0]


def test_bad_url_is_one_line_and_nonzero():
    line = assert_one_line_error(run_main("--url", "not a url"))
    assert "URL" in line


def test_unsupported_database_is_one_line_and_nonzero():
    line = assert_one_line_error(run_main("--url", "mysql://u:secret@localhost/db"))
    assert "secret" not in line


def test_refused_connection_is_one_line_and_nonzero():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # nothing listens on the port once the socket is closed
    line = assert_one_line_error(run_main("--url", f"postgresql://someone:s3cr%40t@127.0.0.1:{port}/nowhere"))
    assert "s3cr" not in line
    assert "connection" in line.lower()


def test_bad_threshold_is_a_usage_error():
    result = run_main("--threshold", "ten")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--threshold" in result.stderr


def _run_in_process(qapp, argv: list[str], inspect) -> tuple[int, dict]:
    """Run ``main.main(argv)`` here; ``inspect(window, seen)`` is polled until it returns True, then the window closes."""
    seen: dict = {}
    # windows another test left open are not main()'s (and would keep app.exec() running)
    earlier = set(QApplication.topLevelWidgets())

    def window() -> MainWindow | None:
        return next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible() and w not in earlier),
            None,
        )

    def poll() -> None:
        win = window()
        if win is not None and inspect(win, seen):
            poller.stop()
            win.close()
            if any(w.isVisible() for w in QApplication.topLevelWidgets() if w is not win):
                QApplication.exit(0)  # closing main()'s window was not the last one

    def give_up() -> None:  # a broken start must fail the test, not hang it
        seen["gave_up"] = True
        for w in QApplication.topLevelWidgets():
            if w in earlier:
                continue
            if isinstance(w, MainWindow):
                w._close_confirmed = True
            w.close()
        QApplication.exit(1)

    poller = QTimer()
    poller.setInterval(20)
    poller.timeout.connect(poll)
    poller.start()
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(give_up)
    guard.start(30_000)
    try:
        code = main.main(argv)
    finally:
        poller.stop()
        guard.stop()
    assert QApplication.instance() is qapp  # reused, not a second one
    return code, seen


@pytest.mark.postgres
def test_threshold_and_url_start_the_window(qapp, pg_db, pg_engine, isolated_user_dirs):
    seed_table(pg_engine)

    def inspect(win: MainWindow, seen: dict) -> bool:
        model = win.model
        if model.loading or model.total is None or model.rowCount() != model.total:
            return False
        seen.update(threshold=win.threshold_edit.text(), rows=shown_rows(win), title=win.windowTitle())
        return True

    code, seen = _run_in_process(qapp, ["--threshold", "50", "--url", pg_db.url.render_as_string(hide_password=False)], inspect)
    assert "gave_up" not in seen
    assert code == 0
    assert seen["threshold"] == "50"
    assert seen["rows"] == [(100, 100), (100, 100)]
    assert pg_db.password not in seen["title"] and pg_db.name in seen["title"]
    # the user's folders are the isolated ones: the recent connection landed there
    assert any(isolated_user_dirs.config.rglob("recent-connections.json"))


def test_no_url_opens_the_connection_dialog(qapp):
    def inspect(win: MainWindow, seen: dict) -> bool:
        dialogs = [d for d in win.findChildren(QDialog) if d.windowTitle() == "Connect to a database" and d.isVisible()]
        if not dialogs:
            return False
        seen["kind"] = dialogs[0].kind.currentData()
        dialogs[0].reject()
        return True

    code, seen = _run_in_process(qapp, [], inspect)
    assert "gave_up" not in seen
    assert code == 0
    assert seen["kind"] == "demo"


def test_read_only_without_url_opens_the_dialog_read_only(qapp):
    """``--read-only`` must hold for a connection made in the dialog too, not only with ``--url``."""

    def inspect(win: MainWindow, seen: dict) -> bool:
        dialogs = [d for d in win.findChildren(QDialog) if d.windowTitle() == "Connect to a database" and d.isVisible()]
        if not dialogs:
            return False
        dialog = dialogs[0]
        seen["read_only"] = dialog.read_only.isChecked()
        # a remembered writable connection chosen from "Recent" stays read-only
        from gui.data.connection import ConnectionSettings

        dialog.fill(ConnectionSettings(kind="postgresql", host="db.example", database="d", user="u", read_only=False))
        seen["after_recent"] = dialog.settings().read_only and dialog.read_only.isChecked()
        dialog.reject()
        return True

    code, seen = _run_in_process(qapp, ["--read-only"], inspect)
    assert "gave_up" not in seen
    assert seen["read_only"] is True
    assert seen["after_recent"] is True


@pytest.mark.postgres
def test_table_key_and_filter_open_a_table_by_its_sql_name(qapp, pg_db, pg_engine, isolated_user_dirs):
    """``--table 'sales."Some Table"' --key x --filter 'y > 50'``: quoted parts kept."""
    from sqlalchemy import text

    with pg_engine.begin() as conn:
        conn.execute(text('CREATE SCHEMA sales'))
        conn.execute(text('CREATE TABLE sales."Some Table" (x integer, y integer)'))
        conn.execute(text('INSERT INTO sales."Some Table" VALUES (1, 10), (2, 60), (3, 70)'))

    def inspect(win: MainWindow, seen: dict) -> bool:
        model = win.model
        if model.loading or model.total is None or model.rowCount() != model.total:
            return False
        seen.update(rows=shown_rows(win), title=win.windowTitle(), threshold=win.threshold_edit.text())
        return True

    argv = [
        "--url", pg_db.url.render_as_string(hide_password=False), "--table", 'sales."Some Table"', "--key", "x",
        "--filter", "Y > 50", "--filter", "y > 20",  # both hold (y > 50); an unquoted Y is y, as in SQL
    ]  # fmt: skip
    code, seen = _run_in_process(qapp, argv, inspect)
    assert code == 0 and "gave_up" not in seen
    assert seen["rows"] == [(2, 60), (3, 70)] and seen["threshold"] == "50"
    assert seen["title"].startswith('sales."Some Table" — ')


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--filter", "nonsense"], "COLUMN OP VALUE"),
        (["--filter", "y 6"], "COLUMN OP VALUE"),
        (["--table", "a.b.c"], "at most a schema and a table"),
        (["--table", 'sales."unclosed'], "Not a table name"),
        (["--key", "t.x"], "name columns"),
        (["--key", ","], "name the columns"),
    ],
)
def test_options_not_written_as_sql_would_are_one_line_and_nonzero(argv, says):
    line = assert_one_line_error(run_main(*argv))
    assert says in line


def test_a_session_time_zone_the_editor_cannot_show_times_in_is_one_line_and_nonzero(pg_db, pg_engine):
    """A POSIX rule with daylight saving (``TimeZone = 'CET-1CEST,M3.5.0,M10.5.0/3'``):
    the table does not open, and the start says why in one line (it was a traceback)."""
    from sqlalchemy import text

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stamps (id int PRIMARY KEY, at timestamptz)"))
    url = pg_db.url.update_query_dict({"options": "-c TimeZone=CET-1CEST,M3.5.0,M10.5.0/3"})
    line = assert_one_line_error(run_main("--url", url.render_as_string(hide_password=False), "--table", "stamps"))
    assert "time zone not supported" in line and "CET-1CEST" in line
