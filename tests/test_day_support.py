"""Shared set-up for the tests of issue 5 (imported by the other ``test_day_*`` files).

``day_window`` is the real main window with the day tools installed, connected to a
fresh demo database (the tutorial's rows), shown and loaded, as a user finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from gui.data.config import DEFAULT_SPEC
from gui.data.connection import ConnectionSettings, create_engine_for
from gui.data.demo import reset_demo
from gui.qt.app import Tools, install_tools
from gui.qt.main_window import MainWindow, Paths
from gui.qt.rows_model import VALUE_COLUMN
from gui.qt.tasks import TaskRunner


@dataclass
class Day:
    window: MainWindow
    tools: Tools
    runner: TaskRunner
    engine: Engine
    paths: Paths
    settings: ConnectionSettings

    def index(self, row: int, column: int = VALUE_COLUMN):
        return self.window.model.index(row, column)

    def row_of(self, key: int) -> int:
        return self.window.model.rows_for_key(key)[0]

    def shown(self) -> list[tuple[str, str]]:
        model = self.window.model
        return [(model.data(model.index(r, 0)), model.data(model.index(r, 1))) for r in range(model.rowCount())]

    def db_rows(self) -> list[tuple[int, int]]:
        """The table as another client sees it."""
        other = create_engine(f"sqlite+pysqlite:///{self.paths.demo}")
        try:
            with other.connect() as conn:
                return [tuple(r) for r in conn.execute(text("SELECT x, y FROM some_table ORDER BY x, y"))]
        finally:
            other.dispose()


def open_window(qtbot, root: Path, fill=None, threshold: int = 6, read_only: bool = False) -> Day:
    """The window on a demo file holding the tutorial's rows, or filled by ``fill(path)``."""
    paths = Paths(data=root / "data", config=root / "config")
    if fill is None:
        reset_demo(paths.demo, DEFAULT_SPEC)
    else:
        fill(paths.demo)
    runner = TaskRunner()
    window = MainWindow(DEFAULT_SPEC, runner, paths, threshold=threshold)
    tools = install_tools(window, runner, paths)
    qtbot.addWidget(window)
    settings = ConnectionSettings(kind="demo", demo_path=str(paths.demo), read_only=read_only)
    engine = create_engine_for(settings)
    window.set_connection(settings, engine)
    window.show()
    # and until the server has said what may change (no edit is taken before)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() > 0 and window.writability is not None)
    return Day(window, tools, runner, engine, paths, settings)


def open_pg_window(qtbot, root: Path, pg_db, threshold: int = 6) -> Day:
    """The window connected to ``pg_db`` through the PostgreSQL fields, as typed in the dialog."""
    paths = Paths(data=root / "data", config=root / "config")
    runner = TaskRunner()
    window = MainWindow(DEFAULT_SPEC, runner, paths, threshold=threshold)
    qtbot.addWidget(window)
    tools = install_tools(window, runner, paths)
    settings = ConnectionSettings(
        kind="postgresql", host=pg_db.host, port=pg_db.port, database=pg_db.name,
        user=pg_db.user, password=pg_db.password, sslmode="disable",
    )
    engine = create_engine_for(settings)
    window.set_connection(settings, engine)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and not window.model.loading and window.writability is not None)
    return Day(window, tools, runner, engine, paths, settings)


def close_window(day: Day) -> None:
    day.window.pending.clear()  # no "commit before closing?" question at teardown
    day.runner.shutdown()
    day.engine.dispose()


@pytest.fixture
def day_window(qtbot, tmp_path):
    day = open_window(qtbot, tmp_path)
    yield day
    close_window(day)
