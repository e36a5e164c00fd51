"""Run by test_crash_restore.py: start the app with ``main.main(['--url', URL])``, make two
edits as a user would (through the model, so through the undo stack), wait until the
journal on disk holds both, print READY and wait to be killed.

Usage: python tests/crash_child.py URL
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import main  # noqa: E402
from gui.qt.main_window import MainWindow  # noqa: E402
from gui.qt.rows_model import VALUE_COLUMN  # noqa: E402

EDITS = {9: "11", 20: "-5"}


def window() -> MainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)


def step() -> None:
    win = window()
    if win is None or win.model.loading or win.model.rowCount() == 0:
        return
    if not win.pending:
        for key, typed in EDITS.items():
            first, _end = win.model.rows_for_key(key)
            assert win.model.setData(win.model.index(first, VALUE_COLUMN), typed)
        print(f"PATHS\t{win.paths.data}\t{win.paths.config}", flush=True)
    path = win.journal.path
    if not path.exists():
        return
    saved = {c["x"]: c["y"] for c in json.loads(path.read_text())["changes"]}
    if saved == {k: int(v) for k, v in EDITS.items()}:
        print(f"READY\t{path}", flush=True)
        timer.stop()


app = QApplication(sys.argv[:1])
timer = QTimer()
timer.setInterval(20)
timer.timeout.connect(step)
timer.start()
sys.exit(main.main(["--url", sys.argv[1]]))
