"""A killed editor loses nothing: the next start on the same connection offers the journaled changes.

A subprocess starts the real application (``main.main(['--url', ...])``), makes two
edits, waits until the journal on disk holds them, and is killed with SIGKILL: no
shutdown code runs.  A new start on the same user folders and connection then shows
``restore_box`` listing the changes; Yes brings back exactly those pending changes.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from gui.qt.main_window import Paths
from gui_helpers import TUTORIAL, WAIT_MS, click_box, db_rows, seed_table, wait_attr, wait_loaded

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "crash_child.py"


def _read_until_ready(proc: subprocess.Popen, reader: threading.Thread, lines: queue.Queue, timeout_s: float = 60.0) -> list[str]:
    """The child's stdout lines up to READY (a deadline, not a sleep: the queue waits for output)."""
    reader.start()
    said: list[str] = []
    deadline = time.monotonic() + timeout_s
    while not said or not said[-1].startswith("READY\t"):
        try:
            said.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            proc.kill()
            raise AssertionError(f"child never got READY; said {said!r}; stderr: {proc.stderr.read()}") from None
    return said


@pytest.fixture
def killed_child(pg_db, pg_engine, isolated_user_dirs):
    seed_table(pg_engine)
    url = pg_db.url.render_as_string(hide_password=False)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), url], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    queued: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [queued.put(line.rstrip("\n")) for line in proc.stdout], daemon=True)
    try:
        lines = _read_until_ready(proc, reader, queued)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if reader.ident is not None:  # started
            reader.join(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    paths_line = next(line for line in lines if line.startswith("PATHS\t"))
    data, config = paths_line.split("\t")[1:3]
    journal = Path(lines[-1].split("\t", 1)[1])
    return Paths(data=Path(data), config=Path(config)), journal, url


def test_sigkill_then_restart_restores_exactly_the_pending_changes(qtbot, killed_child, pg_db, isolated_user_dirs):
    paths, journal, url = killed_child
    # the child used the user's data folder, which the test isolated
    assert paths.data.is_relative_to(isolated_user_dirs.data)
    assert journal.exists() and journal.is_relative_to(paths.data)
    assert pg_db.password.encode() not in journal.read_bytes()
    assert db_rows(pg_db.url) == sorted(TUTORIAL)  # nothing was committed

    from gui.qt.app import Editor, parse_args

    editor = Editor(parse_args([]), paths=paths)
    window = editor.window
    qtbot.addWidget(window)
    try:
        editor.connect_url(url)
        window.show()
        box = wait_attr(qtbot, window, "restore_box")
        text = box.text()
        assert "2 pending changes" in text
        assert "x = 9: y → 11" in text and "x = 20: y → -5" in text
        assert not window.pending  # nothing until the user says so
        click_box(qtbot, box, QMessageBox.StandardButton.Yes)
        qtbot.waitUntil(lambda: len(window.pending) == 2, timeout=WAIT_MS)
        assert {c.key: c.new for c in window.pending.changes()} == {9: 11, 20: -5}
        assert {c.key: c.seen for c in window.pending.changes()} == {9: (10, 10), 20: (20, 20)}
        wait_loaded(qtbot, window)
        assert window.pending_label.text() == "2 pending changes"
        assert window.commit_button.isEnabled()
    finally:
        window._close_confirmed = True
        editor.shutdown()


def test_restore_declined_discards_the_journal(qtbot, killed_child, pg_db):
    paths, journal, url = killed_child
    from gui.qt.app import Editor, parse_args

    editor = Editor(parse_args([]), paths=paths)
    window = editor.window
    qtbot.addWidget(window)
    try:
        editor.connect_url(url)
        window.show()
        box = wait_attr(qtbot, window, "restore_box")
        click_box(qtbot, box, QMessageBox.StandardButton.Discard)
        assert not window.pending
        assert not journal.exists()
    finally:
        editor.shutdown()
