"""Connecting from the command line (``--url``), on a thread of its own, begun
before the window exists.

``main.py --url`` makes a :class:`Connecting` before it imports anything of Qt: the
server is reached and the table read from its catalog (TCP, authentication, the
dialect's first queries, the catalog's) while the GUI thread imports PySide6 and
builds the window, and libpq waits with the GIL released.  The window then shows
what was opened (:meth:`Connecting.result`), as it did when all this ran on the
GUI thread after the window was built.

Importing this module imports what connecting and opening a table use (SQLAlchemy
and psycopg2, the catalog and codecs with NumPy, the paging of the rows, the editing
session), so ``main.py`` has them imported before PySide6.  That order matters:
PySide6 reads the source of every module imported after it (its ``__feature__``
check, PYSIDE-2029).  Importing this module and the PostgreSQL dialect took 129 ms
before PySide6 and 163 ms after it (medians of 15 fresh processes here).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from sqlalchemy import Engine

# imported now, before Qt (see the docstring): the window uses them to show the table
from . import opening, rows, session  # noqa: F401
from .connection import ConnectionSettings, check_connection, create_engine_for, settings_from_url

if TYPE_CHECKING:
    from .opening import OpenedTable

Prepare = Callable[[ConnectionSettings, Engine], "OpenedTable | None"]


class Connecting:
    """One connection from a URL: the settings and the engine made at once (raising
    :class:`~gui.data.errors.UserError` for a URL that cannot be used), then, on a
    thread, the connection checked and the table opened with the function given to
    :meth:`open_with`.  Whatever fails there (a user error or a bug) is raised by
    :meth:`result`, the engine disposed."""

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        self.settings = settings_from_url(url, read_only=read_only)
        # the dialect is imported here, on the caller's thread (before Qt, from main.py)
        self.engine = create_engine_for(self.settings)
        self._prepare: Future[Prepare | None] = Future()
        self._opened: Future[OpenedTable | None] = Future()
        self._thread = threading.Thread(target=self._run, name="connecting", daemon=True)
        self._thread.start()

    def asks_for(self, url: str, read_only: bool) -> bool:
        """Made for ``url`` with ``read_only``."""
        return self.url == url and self.settings.read_only == read_only

    def _run(self) -> None:
        try:
            check_connection(self.engine)
            prepare = self._prepare.result()
            self._opened.set_result(None if prepare is None else prepare(self.settings, self.engine))
        except BaseException as error:  # noqa: BLE001 - handed to the caller of result(), who raises it
            self.engine.dispose()
            self._opened.set_exception(error)

    def open_with(self, prepare: Prepare) -> None:
        """Once connected, open the table with ``prepare(settings, engine)`` (on the
        connecting thread: it must not touch Qt)."""
        self._prepare.set_result(prepare)

    def result(self) -> OpenedTable | None:
        """What ``prepare`` opened, once it has; raises what connecting or opening
        raised (the engine is then disposed)."""
        return self._opened.result()

    def abandon(self) -> None:
        """Nothing will be shown (the start failed before the window): the table is
        not opened (unless it is being opened already), and the engine is disposed
        once the thread is done."""
        if not self._prepare.done():
            self._prepare.set_result(None)
        self._opened.add_done_callback(lambda _done: self.engine.dispose())
