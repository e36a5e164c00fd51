"""Run by test_crash_restore.py: start the app with ``main.main(['--url', URL])``, make
edits as a user would (through the model, so through the undo stack), wait until the
window's journal on disk holds them, print READY and wait to be killed.

Before READY it says whether it was offered changes to restore (``OFFERED\t<n>``):
a second copy started while the first runs must be offered nothing of the first's.

Usage: python tests/crash_child.py URL [KEY=VALUE,...]   (default 9=11,20=-5)
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import main  # noqa: E402
from gui.qt.main_window import MainWindow  # noqa: E402
from gui.qt.rows_model import VALUE_COLUMN  # noqa: E402

EDITS = dict(pair.split("=") for pair in (sys.argv[2] if len(sys.argv) > 2 else "9=11,20=-5").split(","))
EDITS = {int(key): typed for key, typed in EDITS.items()}


def window() -> MainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)


def step() -> None:
    win = window()
    # edits are taken once the server has said they could be committed, and by then
    # the window has looked for journals to offer
    if win is None or win.model.loading or win.model.rowCount() == 0 or not win.writable:
        return
    if not win.pending:
        box = getattr(win, "restore_box", None)
        print(f"OFFERED\t{len(box.found) if box is not None else 0}", flush=True)
        for key, typed in EDITS.items():
            first, _end = win.model.rows_for_key(key)
            assert win.model.setData(win.model.index(first, VALUE_COLUMN), typed)
        print(f"PATHS\t{win.paths.data}\t{win.paths.config}", flush=True)
    path = win.journal.path
    if not path.exists():
        return
    saved = {c.key: c.new for c in win.journal.load()}  # as a restart reads it back
    if saved == {k: int(v) for k, v in EDITS.items()}:
        print(f"READY\t{path}", flush=True)
        timer.stop()


app = QApplication(sys.argv[:1])
timer = QTimer()
timer.setInterval(20)
timer.timeout.connect(step)
timer.start()
sys.exit(main.main(["--url", sys.argv[1]]))
