"""A bug in the editor is said in words, with copyable details, and logged in the
user's state folder — never with a password."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QMessageBox

from gui.qt.bug_report import BugReporter, without_passwords


def test_passwords_are_hidden_in_urls_and_parameters():
    text = (
        "engine postgresql+psycopg2://alice:s3cr%40t@db.example.com:5432/neondb failed; "
        "dsn host=db user=alice password=hunter2 port=5432; password = 'two words'"
    )
    hidden = without_passwords(text)
    assert "s3cr" not in hidden and "hunter2" not in hidden and "two words" not in hidden
    assert "postgresql+psycopg2://alice:***@db.example.com" in hidden and "password=***" in hidden


def test_a_bug_is_shown_with_its_details_and_logged_without_the_password(qtbot, isolated_user_dirs, monkeypatch, capsys):
    reporter = BugReporter(folder=isolated_user_dirs.state / "table-editor")
    monkeypatch.setattr(reporter, "_previous", lambda *a: None)
    try:
        raise RuntimeError("could not reach postgresql://bob:topsecret@db.internal/prod")
    except RuntimeError:
        reporter(*sys.exc_info())
    box = reporter.box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "pending changes are kept" in box.text()
    assert "RuntimeError" in box.detailedText() and "topsecret" not in box.detailedText()
    log = (isolated_user_dirs.state / "table-editor" / "errors.log").read_text()
    assert "RuntimeError" in log and "bob:***@db.internal" in log and "topsecret" not in log
    assert str(isolated_user_dirs.state) in box.informativeText()
    box.close()
