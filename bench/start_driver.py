"""One start of the app as a user starts it, in a fresh process, for :mod:`bench.startup`.

``python bench/start_driver.py WHAT [main.py's arguments]`` runs ``main.main(args)``
as ``python main.py args`` does and, once ``WHAT`` is on screen, prints one line of
JSON and ends the process at once (``os._exit``: the figure is taken, nothing of the
app's shutdown is timed):

* ``dialog``: the connection dialog has been painted (no ``--url``);
* ``rows``: a table view has painted its viewport with rows in its model (``--url``);
* ``bare-dialog`` / ``bare-rows``: the baselines, no project code.  A plain PySide6
  program: a ``QMainWindow`` shown, then a ``QDialog`` with a few fields opened; or a
  ``QTableView`` over a ``QSqlQueryModel`` (QPSQL) of the first 1,000 rows of the
  query given as ``--sql`` on the connection given as ``--url``.

The watch is an event filter installed on the application as it is made (the
driver hands the app a subclass of ``QApplication`` that installs it, so it sees the
app's own construction and nothing of the app is imported early); it looks only at
Paint events.  The subclass is put into ``PySide6.QtWidgets`` as the app imports it
(an import hook), not by importing PySide6 here first: PySide6 reads the source of
every module imported after it (its ``__feature__`` check, PYSIDE-2029: about 20 ms
over SQLAlchemy and psycopg2, 50 ms over all that ``--url`` imports first, medians
here), so importing it before the app does would time an import order no user has.

The line holds wall-clock times (``time.time()``) of when the driver started running
Python, when the ``QApplication`` was made and when the thing was painted, so the
parent, which notes the time before it spawned this process, can split the start
into its parts.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time

STARTED = time.time()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[0] = REPO  # as `python main.py` has it (not bench/, whose modules would shadow)
WHAT = sys.argv[1]
ARGS = sys.argv[2:]

marks = {"python": STARTED}


def done(**extra) -> None:
    marks["seen"] = time.time()
    sys.stdout.write(json.dumps({**marks, **extra}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def watched_application(QtWidgets):  # noqa: N803 - the module
    """A subclass of ``QtWidgets.QApplication`` that watches Paint events from its
    construction on."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
            if event.type() != QEvent.Type.Paint or not obj.isWidgetType():
                return False
            if WHAT in ("dialog", "bare-dialog"):
                if obj.isWindow() and isinstance(obj, QtWidgets.QDialog):
                    done(title=obj.windowTitle())
            else:
                view = obj.parent()
                if isinstance(view, QtWidgets.QAbstractItemView) and obj is view.viewport():
                    model = view.model()
                    if model is not None and model.rowCount() > 0:
                        done(rows=model.rowCount())
            return False

    class WatchedApplication(QtWidgets.QApplication):
        def __init__(self, *args) -> None:
            super().__init__(*args)
            marks["qapplication"] = time.time()
            self._watch = Watch()
            self.installEventFilter(self._watch)

    return WatchedApplication


class WatchQtWidgets(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Puts the watched ``QApplication`` into ``PySide6.QtWidgets`` when the app
    first imports it (the module is found and loaded as usual, then patched)."""

    NAME = "PySide6.QtWidgets"

    def find_spec(self, name, path, target=None):
        if name != self.NAME:
            return None
        sys.meta_path.remove(self)  # once
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        self.loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        module.QApplication = watched_application(module)


def bare(what: str, args: list[str]) -> int:
    """The baselines: what any PySide6 program pays for the same thing on screen."""
    from PySide6 import QtWidgets

    app = watched_application(QtWidgets)(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.setWindowTitle("Baseline")
    window.resize(720, 560)
    if what == "bare-dialog":
        window.setCentralWidget(QtWidgets.QTableView())
        window.show()
        dialog = QtWidgets.QDialog(window)
        dialog.setWindowTitle("Connect to a database")
        form = QtWidgets.QFormLayout(dialog)
        for label in ("Host", "Port", "Database", "User", "Password"):
            form.addRow(label, QtWidgets.QLineEdit())
        form.addRow(QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel))
        dialog.open()
    else:
        from urllib.parse import unquote, urlsplit

        from PySide6.QtSql import QSqlDatabase, QSqlQueryModel

        url = urlsplit(args[args.index("--url") + 1])
        sql = args[args.index("--sql") + 1]
        db = QSqlDatabase.addDatabase("QPSQL")
        db.setHostName(url.hostname or "")
        db.setPort(url.port or 5432)
        db.setDatabaseName(url.path.lstrip("/"))
        db.setUserName(unquote(url.username or ""))
        db.setPassword(unquote(url.password or ""))
        if not db.open():
            print(db.lastError().text(), file=sys.stderr)
            return 1
        model = QSqlQueryModel()
        model.setQuery(f"{sql} LIMIT 1000", db)
        view = QtWidgets.QTableView()
        view.setModel(model)
        window.setCentralWidget(view)
        window.show()
    return app.exec()


if __name__ == "__main__":
    if WHAT.startswith("bare-"):
        sys.exit(bare(WHAT, ARGS))
    sys.meta_path.insert(0, WatchQtWidgets())  # what the app makes is watched
    import main

    sys.exit(main.main(ARGS))
