"""A fresh start imports what its first window needs, and the rest when first used.

The connection dialog must be on screen within 0.5 s of starting the app (issue 14;
measured by ``make bench``, bench/startup.py, never here).  What made the start slow
was imports the first window does not need: pyqtgraph for View → Plot (0.17–0.5 s
alone), the keyring for *Remember password* (0.25 s with its backend lookup), CSV,
the audit log, the commit's ORM, NumPy and the codecs, the window for any table.  These tests start
``main.py`` as a user does, in a fresh process (a module imported once stays
imported, so only a fresh process can tell), look at what is imported once the
window is on screen, then use the window: View → Plot draws its plot, View → Audit
log opens, the dialog's PostgreSQL page asks the keyring, and the tutorial's table
opens from ``--url`` with its rows; each brings in what it needs then.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from gui_helpers import seed_table

REPO = Path(__file__).resolve().parent.parent

# imported only when the user asks for what needs them
NOT_AT_START = (
    "pyqtgraph",  # View → Plot
    "gui.qt.plot",
    "keyring",  # Remember password, on the PostgreSQL page
    "gui.data.secrets",
    "gui.data.csvio",  # File → Import / Export
    "gui.qt.import_dialog",
    "gui.data.audit",  # View → Audit log, and the entry after a commit
    "gui.qt.audit_dialog",
    "gui.data.commit",  # the review and the commit (SQLAlchemy's ORM)
    "sqlalchemy.orm",
    "gui.qt.review",
    "gui.data.opening",  # opening a table, once connected
    "gui.data.catalog",
    "gui.data.codecs",
    "numpy",  # the loaded rows' columns, the first load
    "gui.data.rows",
    "gui.qt.planned",  # a paste or an import planned off the GUI thread
    "gui.data.planning",
    "gui.qt.table_window",  # the window for any table
    "gui.qt.table_tools",
    "gui.qt.table_plot",
)

# Runs main.main(argv) in this fresh process as `python main.py argv` does (main
# reuses the QApplication made here, so a timer can watch), and once the window
# is on screen (the dialog painted, or the table's rows shown) reports what is
# imported, then does what a user does next and reports again.
CHILD = r"""
import json, os, sys, traceback
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow

WANT = sys.argv[1]
HEAVY = json.loads(sys.argv[2])
app = QApplication(sys.argv[:1])
out = {}


def imported():
    return sorted(name for name in HEAVY if name in sys.modules)


def finish(code=0):
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(code)


def window():
    return next((w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()), None)


def action(win, name):
    return next(a for a in win.findChildren(type(win.view_menu.menuAction())) if a.objectName() == name)


def then(step):
    def run():
        try:
            step()
        except Exception:
            out["error"] = traceback.format_exc()
            finish(1)
    QTimer.singleShot(0, run)


class Painted(QObject):
    # the first paint of what the user waits for: the dialog, or the table's rows
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "at_start" not in out:
            win = window()
            if WANT == "dialog" and isinstance(obj, QDialog) and obj.isVisible():
                out["at_start"] = imported()
                then(use_the_window)
            elif WANT in ("rows", "table_plot") and win is not None and obj is win.view.viewport() and win.model.rowCount():
                out["at_start"] = imported()
                then(rows_shown)
        return False


def use_the_window():
    win = window()
    dialog = next(d for d in win.findChildren(QDialog) if d.isVisible())
    out["dialog"] = dialog.windowTitle()
    # the PostgreSQL page: Remember password is shown where there is a keyring
    dialog.kind.setCurrentIndex(dialog.kind.findData("postgresql"))
    out["remember_shown"] = dialog.remember_password.isVisible()
    out["after_postgresql_page"] = imported()
    from gui.data import secrets

    out["keyring_available"] = secrets.keyring_available()
    dialog.reject()
    # View → Plot: the dock shows its plot
    action(win, "Plot").trigger()

    def plot_shown():
        dock = next(d for d in win.findChildren(QObject) if d.objectName() == "Plot" and d.isWidgetType() and d.isVisible())
        out["plot"] = [w.objectName() for w in dock.findChildren(QObject) if w.objectName() == "Scatter plot" and w.isVisible()]
        out["after_plot"] = imported()
        action(win, "Audit log").trigger()
        out["audit_dialog"] = [d.windowTitle() for d in win.findChildren(QDialog) if d.isVisible()]
        out["after_audit"] = imported()
        finish()

    QTimer.singleShot(200, lambda: then(plot_shown))


def rows_shown():
    win = window()
    out["rows"] = win.model.rowCount()
    out["window"] = type(win).__name__
    if WANT != "table_plot":
        finish()
        return
    # View → Plot in the window for any table: pyqtgraph comes in a step at a time
    action(win, "Plot").trigger()
    dock = win.table_plot_dock
    out["plot_caption_at_once"] = dock.caption.text()

    def drawn():
        if not dock.up_to_date:
            QTimer.singleShot(20, lambda: then(drawn))
            return
        out["points"] = dock.base_item.count() + dock.pending_item.count()
        out["plot_caption"] = dock.caption.text()
        out["after_plot"] = imported()
        finish()

    then(drawn)


painted = Painted()  # kept: a filter object collected would stop watching
app.installEventFilter(painted)
QTimer.singleShot(30_000, lambda: (out.setdefault("error", "nothing was shown within 30 s"), finish(1)))
import main

sys.exit(main.main(sys.argv[3:]))
"""


def start(want: str, *argv: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, want, json.dumps(NOT_AT_START), *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    got = json.loads(lines[-1])
    assert "error" not in got, got["error"]
    return got


def test_the_dialog_comes_first_and_the_rest_when_first_used(isolated_user_dirs):
    got = start("dialog")
    assert got["dialog"] == "Connect to a database"
    assert got["at_start"] == []
    # the PostgreSQL page asks the keyring (and only that): the checkbox says what it found
    assert got["remember_shown"] == got["keyring_available"]
    assert set(got["after_postgresql_page"]) == {"keyring", "gui.data.secrets"}
    # View → Plot draws its plot with pyqtgraph, imported now
    assert got["plot"] == ["Scatter plot"]
    assert {"pyqtgraph", "gui.qt.plot"} <= set(got["after_plot"])
    # View → Audit log opens the log
    assert got["audit_dialog"] and {"gui.data.audit", "gui.qt.audit_dialog"} <= set(got["after_audit"])


@pytest.mark.postgres
def test_url_shows_the_rows_without_the_tools(pg_db, pg_engine, isolated_user_dirs):
    """``--url``: the tutorial's rows on screen; the plot, CSV, the audit log, the
    review and the commit (SQLAlchemy's ORM: imported when a review starts), the
    connection dialog and the window for any table are not imported for them."""
    seed_table(pg_engine)
    got = start("rows", "--url", pg_db.url.render_as_string(hide_password=False))
    assert got["window"] == "MainWindow"
    assert got["rows"] > 0
    tools = {"pyqtgraph", "gui.qt.plot", "keyring", "gui.data.secrets", "gui.data.csvio", "gui.qt.import_dialog"}
    tools |= {"gui.data.audit", "gui.qt.audit_dialog", "gui.qt.table_window", "gui.qt.table_tools", "gui.qt.table_plot"}
    tools |= {"gui.data.commit", "sqlalchemy.orm", "gui.qt.review", "gui.qt.connect_dialog"}
    assert not tools & set(got["at_start"]), got["at_start"]


# Runs main.main(argv) as `python main.py argv` does and, when PySide6 is first
# imported, reports which of the given modules are imported already, then ends.
BEFORE_QT = r"""
import importlib.abc, json, os, sys

WATCHED = json.loads(sys.argv[1])


class FirstQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "PySide6":
            sys.stdout.write(json.dumps(sorted(m for m in WATCHED if m in sys.modules)) + "\n")
            sys.stdout.flush()
            os._exit(0)
        return None


sys.meta_path.insert(0, FirstQt())
import main

main.main(sys.argv[2:])
"""

# what opening the table from --url uses: imported before PySide6, which reads the
# source of every module imported after it (gui/data/connecting.py)
DATA_LAYER_FIRST = (
    "sqlalchemy",
    "sqlalchemy.dialects.postgresql.psycopg2",
    "psycopg2",
    "numpy",
    "gui.data.connecting",
    "gui.data.opening",
    "gui.data.catalog",
    "gui.data.codecs",
    "gui.data.rows",
    "gui.data.session",
)


@pytest.mark.parametrize("with_url", [True, False])
def test_url_imports_the_data_layer_before_qt(with_url):
    """``--url`` imports what opens the table before PySide6 (nothing needs a server:
    the report comes before the connection would be used); without it, nothing of
    that is imported for the connection dialog."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    argv = ["--url", f"postgresql://someone:pw@127.0.0.1:{port}/db"] if with_url else []
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", BEFORE_QT, json.dumps(DATA_LAYER_FIRST), *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert lines, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    before_qt = set(json.loads(lines[-1]))
    if with_url:
        assert before_qt == set(DATA_LAYER_FIRST)
    else:
        assert not before_qt & {"numpy", "gui.data.connecting", "gui.data.opening", "gui.data.rows", "gui.data.session"}


@pytest.mark.postgres
def test_the_plot_of_any_table_brings_pyqtgraph_when_first_shown(pg_db, pg_engine, isolated_user_dirs):
    """View → Plot in the window for any table, in a fresh process: the dock says it
    is drawing at once, pyqtgraph is imported then (a step at a time, on the GUI
    thread), and the points are drawn."""
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE readings (id integer PRIMARY KEY, x numeric(10,2), y double precision)"))
        conn.execute(text("INSERT INTO readings SELECT i, i / 4.0, i * 2 FROM generate_series(1, 500) i"))
    url = pg_db.url.render_as_string(hide_password=False)
    got = start("table_plot", "--url", url, "--table", "readings")
    assert got["window"] == "TableWindow"
    assert "pyqtgraph" not in got["at_start"] and "gui.qt.table_plot" in got["at_start"]
    assert got["plot_caption_at_once"].startswith("Drawing ")
    assert {"pyqtgraph", "gui.qt.plot"} <= set(got["after_plot"])
    assert got["points"] > 0 and got["plot_caption"].startswith(f"{got['points']:,} points of ")
