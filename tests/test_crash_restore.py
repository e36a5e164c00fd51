"""A killed editor loses nothing: the next start on the same connection offers the journaled changes.

A subprocess starts the real application (``main.main(['--url', ...])``), makes two
edits, waits until the journal on disk holds them, and is killed with SIGKILL: no
shutdown code runs.  A new start on the same user folders and connection then shows
``restore_box`` listing the changes; Yes brings back exactly those pending changes.
Two copies running at once on the same table keep a journal each (the second is
offered nothing of the first's); killed together, both are offered and restored.
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


class Child:
    """The app in a child process (tests/crash_child.py) making ``edits`` on ``url``."""

    def __init__(self, url: str, edits: str = "9=11,20=-5"):
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), url, edits], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in self.proc.stdout], daemon=True)
        self.said: list[str] = []

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """The child's stdout lines up to READY (a deadline, not a sleep: the queue waits for output)."""
        self.reader.start()
        deadline = time.monotonic() + timeout_s
        while not self.said or not self.said[-1].startswith("READY\t"):
            try:
                self.said.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(f"child never got READY; said {self.said!r}; stderr: {self.proc.stderr.read()}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        if self.reader.ident is not None:  # started
            self.reader.join(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        assert self.proc.returncode == -signal.SIGKILL

    def said_value(self, tag: str) -> list[str]:
        return next(line for line in self.said if line.startswith(tag + "\t")).split("\t")[1:]

    @property
    def paths(self) -> Paths:
        data, config = self.said_value("PATHS")
        return Paths(data=Path(data), config=Path(config))

    @property
    def journal(self) -> Path:
        return Path(self.said_value("READY")[0])


@pytest.fixture
def killed_child(pg_db, pg_engine, isolated_user_dirs):
    seed_table(pg_engine)
    url = pg_db.url.render_as_string(hide_password=False)
    child = Child(url)
    try:
        child.wait_ready()
    finally:
        child.kill()
    return child.paths, child.journal, url


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


def test_two_copies_killed_together_are_both_offered_and_restored_exactly(qtbot, pg_db, pg_engine, isolated_user_dirs):
    """Two copies of the app edit the same database and table at once, each with its
    own journal; the second is offered nothing of the first's (it runs).  Both are
    killed; the next start offers both journals and restores both sets exactly."""
    seed_table(pg_engine)
    url = pg_db.url.render_as_string(hide_password=False)
    first = Child(url, "9=11,20=-5")
    try:
        first.wait_ready()
        second = Child(url, "6=7,100=1")
        try:
            second.wait_ready()
        finally:
            second.kill()
    finally:
        first.kill()
    assert first.said_value("OFFERED") == ["0"] and second.said_value("OFFERED") == ["0"]
    assert first.journal != second.journal and first.journal.exists() and second.journal.exists()
    assert db_rows(pg_db.url) == sorted(TUTORIAL)

    from gui.qt.app import Editor, parse_args

    editor = Editor(parse_args([]), paths=first.paths)
    window = editor.window
    qtbot.addWidget(window)
    try:
        editor.connect_url(url)
        window.show()
        box = wait_attr(qtbot, window, "restore_box")
        text = box.text()
        assert "2 earlier sessions left 4 pending changes" in text
        for line in ("x = 9: y → 11", "x = 20: y → -5", "x = 6: y → 7", "x = 100: y → 1"):
            assert line in text
        sessions = box.sessions
        assert sessions.isVisible() and sessions.count() == 2
        assert all("2 pending changes" in sessions.item(row).text() for row in range(2))
        assert not window.pending
        click_box(qtbot, box, QMessageBox.StandardButton.Yes)
        qtbot.waitUntil(lambda: len(window.pending) == 4, timeout=WAIT_MS)
        assert {c.key: (c.new, c.seen) for c in window.pending.changes()} == {
            9: (11, (10, 10)),
            20: (-5, (20, 20)),
            6: (7, (8, 8)),
            100: (1, (100, 100)),
        }
        # both now live in this window's journal; theirs are gone
        qtbot.waitUntil(lambda: not first.journal.exists() and not second.journal.exists(), timeout=WAIT_MS)
        assert {c.key for c in window.journal.load()} == {6, 9, 20, 100}
        wait_loaded(qtbot, window)
        assert window.pending_label.text() == "4 pending changes"
        assert window.commit_button.isEnabled()
    finally:
        window._close_confirmed = True
        editor.shutdown()
