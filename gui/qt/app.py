"""The one place that builds the application and wires it together."""

from __future__ import annotations

import argparse
import gc
import re
from dataclasses import dataclass
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..data.config import DEFAULT_SPEC, TableSpec
from ..data.connection import ConnectionSettings, check_connection, create_engine_for, settings_from_url
from ..data.errors import UserError
from ..data.storage import RecentConnections
from .audit_writer import AuditWriter
from .clipboard import Clipboard
from .connect_dialog import ConnectDialog
from .import_export import ImportExport
from .main_window import MainWindow, Paths
from .plot import PlotDock, install_plot
from .row_menu import RowMenu
from .tasks import TaskRunner

APP_NAME = "Table Editor"
ORGANIZATION = "table-editor"
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="table-editor", description="Browse and edit a PostgreSQL table.")
    parser.add_argument("--url", help="connect straight away, e.g. postgresql://user:pass@host/db?sslmode=require")
    parser.add_argument("--threshold", type=int, default=6, help="show rows with y greater than this (default 6)")
    parser.add_argument("--read-only", action="store_true", help="browse only: no edits, no commit")
    parser.add_argument(
        "--table", help='the table to open, written as in SQL: some_table, sales."Some Table" (default some_table)'
    )
    parser.add_argument("--key", help="the column that identifies a row, for a table without a key (default x)")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="'COLUMN OP VALUE'",
        help="show only the rows where COLUMN OP VALUE; repeatable (this version: the value column with >, e.g. 'y > 6')",
    )
    return parser.parse_args(argv)


_FILTER = re.compile(r"\s*(\S+?)\s*(>=|<=|<>|!=|=|>|<|≥|≤|≠)\s*(.+?)\s*$")


def spec_from_args(args: argparse.Namespace) -> TableSpec:
    """The table named by ``--table`` and ``--key`` (SQL syntax, quoted parts kept);
    raises :class:`UserError` for what this version cannot open.

    This version edits tables with the tutorial's shape: a key column (``x``) and an
    integer value column (``y``); the value column is the one that is not the key.
    """
    from ..data.errors import QueryFailed
    from ..data.schema import parse_qualified_name

    spec = DEFAULT_SPEC
    if getattr(args, "table", None):
        schema, name = parse_qualified_name(args.table)
        spec = TableSpec(table=name, schema=schema, key=spec.key, value=spec.value)
    key = getattr(args, "key", None)
    if key:
        columns = [c.strip() for c in key.split(",") if c.strip()]
        if len(columns) != 1:
            raise QueryFailed("--key: this version identifies rows by one column (e.g. --key x).")
        qualifier, column_name = parse_qualified_name(columns[0])
        if qualifier is not None:
            raise QueryFailed(f"--key {key!r}: name a column of the table (e.g. --key x), not {columns[0]!r}.")
        value = spec.value if column_name != spec.value else spec.key
        spec = TableSpec(table=spec.table, schema=spec.schema, key=column_name, value=value)
    return spec


def threshold_from_args(args: argparse.Namespace, spec: TableSpec) -> int:
    """``--threshold``, or the ``--filter 'y > N'`` that means the same; raises
    :class:`UserError` for a filter this version cannot apply."""
    from ..data.errors import QueryFailed
    from ..data.pending import parse_value
    from ..data.schema import parse_qualified_name

    bounds = []
    for text_ in getattr(args, "filter", None) or []:
        match = _FILTER.fullmatch(text_)
        if match is None:
            raise QueryFailed(f"--filter {text_!r}: write it as COLUMN OP VALUE, e.g. --filter '{spec.value} > 6'.")
        written, op, value = match.groups()
        try:
            qualifier, column_name = parse_qualified_name(written)  # SQL's rules: Y is y, "Y" is Y
        except QueryFailed:
            qualifier, column_name = None, written
        if qualifier is not None or column_name != spec.value or op != ">":
            raise QueryFailed(
                f"--filter {text_!r}: this version filters by '{spec.value} > N' only; "
                "filters on any column come with the table chooser."
            )
        bounds.append(parse_value(value, spec))
    # filters hold together: y > a AND y > b is y > max(a, b); they replace --threshold's default
    return max(bounds) if bounds else args.threshold


def user_paths() -> Paths:
    data = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    config = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppConfigLocation))
    return Paths(data=data, config=config)


def ensure_qapplication() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APP_NAME)
    icon = RESOURCES / "icons" / "app.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def freeze_startup_objects() -> None:
    """Take what startup built (modules, Qt wrappers, the window) out of the cyclic
    garbage collector's walks.

    A full collection walks every tracked object, holding the GIL, on whichever
    thread happens to trigger it: a worker parsing 10,000 rows of a commit triggers
    one now and then, and the GUI thread stood still for it (46 ms measured with
    the benchmark's commit of 10,000 changes; none after freezing).  Startup objects
    live as long as the app, so the collector has nothing to find among them.
    """
    gc.collect()
    gc.freeze()


@dataclass
class Tools:
    """What is installed on the main window beside its own actions."""

    files: ImportExport
    clipboard: Clipboard
    row_menu: RowMenu
    audit: AuditWriter
    plot_dock: PlotDock

    @property
    def plot_action(self):
        return self.plot_dock.view_action


def install_tools(window: MainWindow, runner: TaskRunner, paths: Paths) -> Tools:
    """File → Import/Export, Edit → Copy/Paste, the row menu, View → Plot and the
    audit log, installed on ``window``."""
    files = ImportExport(window, runner)
    clipboard = Clipboard(window)
    row_menu = RowMenu(window, clipboard)
    plot_dock = install_plot(window)
    audit = AuditWriter(window, runner, paths.audit)
    return Tools(files, clipboard, row_menu, audit, plot_dock)


class Editor:
    """Owns the runner, the window and the dialog; connects them."""

    def __init__(self, args: argparse.Namespace, spec: TableSpec | None = None, paths: Paths | None = None):
        """Raises :class:`UserError` for a ``--table``, ``--key`` or ``--filter`` this
        version cannot open."""
        spec = spec if spec is not None else spec_from_args(args)
        threshold = threshold_from_args(args, spec)
        self.spec = spec
        self.read_only = bool(getattr(args, "read_only", False))
        self.paths = paths or user_paths()
        self.runner = TaskRunner()
        self.recent = RecentConnections(self.paths.recent)
        self.window = MainWindow(spec, self.runner, self.paths, threshold=threshold)
        self.window.connect_requested.connect(self.show_connect_dialog)
        self.window.destroyed.connect(lambda *_: None)
        self.tools = install_tools(self.window, self.runner, self.paths)
        self.dialog: ConnectDialog | None = None

    def connect_url(self, url: str, read_only: bool = False) -> None:
        """Connect from the command line; raises :class:`UserError` with a one-line reason."""
        settings = settings_from_url(url, read_only=read_only)
        engine = create_engine_for(settings)
        try:
            check_connection(engine)
        except UserError:
            engine.dispose()
            raise
        self.recent.remember(settings)
        self.window.set_connection(settings, engine)

    def show_connect_dialog(self) -> ConnectDialog:
        dialog = ConnectDialog(self.runner, self.recent, str(self.paths.demo), self.spec, self.window)
        if self.window.settings is not None:
            dialog.fill(self.window.settings)
        if self.read_only:
            # --read-only holds for every connection of this session, not only for --url
            dialog.force_read_only("Started with --read-only")
        dialog.connected.connect(self._on_connected)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _on_connected(self, settings: ConnectionSettings, engine) -> None:
        self.window.set_connection(settings, engine)
        self.window.show()

    def shutdown(self) -> None:
        self.runner.shutdown()
        if self.window.engine is not None:
            self.window.engine.dispose()
