"""What the user sees when the editor itself fails (a bug, not a database error):
a message that says something unexpected happened and what to do, with the details
(copyable) — and the same details appended to a log file in the user's state folder
(``$XDG_STATE_HOME/table-editor/errors.log``).  Neither ever holds a password: a URL's
password is replaced by ``***`` before anything is shown or written.

The windows already return to a usable state on a bug in their background work (each
task's ``on_bug``); this is the word to the user that goes with it, installed once by
``main()`` as ``sys.excepthook``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox

LOG_NAME = "errors.log"
# scheme://user:password@host → scheme://user:***@host; also password=... in a query or a DSN
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@]*(@)", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"(\bpassword\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def without_passwords(text: str) -> str:
    """``text`` with every password in a URL or a ``password=`` parameter hidden."""
    return _PASSWORD_PARAM.sub(r"\1***", _URL_PASSWORD.sub(r"\1***\2", text))


def state_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericStateLocation)) / "table-editor"


def write_bug(details: str, folder: Path | None = None) -> Path | None:
    """Append ``details`` (passwords hidden) to the log; returns its path, or
    ``None`` when it cannot be written (the message then says only what it shows)."""
    path = (folder or state_dir()) / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {dt.datetime.now().astimezone().isoformat(timespec='seconds')}\n{without_passwords(details)}\n")
    except OSError:
        return None
    return path


class BugReporter:
    """``sys.excepthook`` for the running app (see the module docstring)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.box: QMessageBox | None = None
        self._previous = sys.excepthook  # still called: the traceback goes to stderr too

    def install(self) -> None:
        sys.excepthook = self

    def __call__(self, kind, error, tb) -> None:
        details = without_passwords("".join(traceback.format_exception(kind, error, tb)))
        path = write_bug(details, self.folder)
        self._previous(kind, error, tb)  # and on stderr, as before
        if QApplication.instance() is None or issubclass(kind, KeyboardInterrupt):
            return
        if self.box is not None and self.box.isVisible():
            self.box.setDetailedText(self.box.detailedText() + "\n" + details)
            return
        parent = QApplication.activeWindow()
        text = (
            "Something unexpected went wrong in the editor. Your pending changes are kept; "
            "the window is usable: you can go on, commit, or close it."
        )
        where = f" The details are also in {path}." if path is not None else ""
        box = QMessageBox(QMessageBox.Icon.Critical, "Something unexpected happened", text, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("Something unexpected happened")
        box.setInformativeText("If it happens again, please report it with the details below." + where)
        box.setDetailedText(details)
        box.open()
        self.box = box
