"""The one place that builds the application and wires it together."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import gc
from dataclasses import dataclass
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

# the command line is read without Qt (main.py reads it first); named here too for callers
from ..data.command_line import TableRequest, parse_args, request_from_args, tutorial_spec  # noqa: F401
from ..data.config import APP_FOLDER, DEFAULT_SPEC, TableSpec
from ..data.errors import NoSuchRelation, UserError
from ..data.schema import parse_qualified_name
from ..data.storage import LAST_TABLES_FILE, ChosenKeys, LastTables, RecentConnections, adopt_legacy_folders
from ..data.threads import building_long_lived
from ..data.wording import plural, verb
from .platform_check import platform_problem
from .main_window import MainWindow, Paths
from .tasks import TaskRunner

# What the first window does not need is imported when first used, not at start (the
# connection dialog is on screen sooner: bench/startup.py measures it): the tools of
# File, Edit and View (CSV, the audit log, the plot with pyqtgraph), opening a table
# (the catalog, codecs and paging), and the window for any table with its tools; with
# --url, the connection dialog.
if TYPE_CHECKING:
    from ..data.connecting import Connecting
    from ..data.connection import ConnectionSettings
    from ..data.opening import OpenedTable
    from .connect_dialog import ConnectDialog
    from .audit_writer import AuditWriter
    from .clipboard import Clipboard
    from .import_export import ImportExport
    from .plot_dock import PlotDock
    from .row_menu import RowMenu
    from .table_window import TableWindow

APP_NAME = APP_FOLDER  # the command's name: Qt names folders and the X11 window class by it
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def user_paths() -> Paths:
    """``~/.local/share/table-editor`` and ``~/.config/table-editor`` (the XDG
    variables move them), whatever the application's name says; what an earlier
    version kept in ``…/table-editor/Table Editor`` is moved there first."""
    generic = QStandardPaths.StandardLocation
    data = Path(QStandardPaths.writableLocation(generic.GenericDataLocation)) / APP_FOLDER
    config = Path(QStandardPaths.writableLocation(generic.GenericConfigLocation)) / APP_FOLDER
    adopt_legacy_folders(data, config)
    return Paths(data=data, config=config)


def startup_problem() -> str | None:
    """Why no window could open, said before ``QApplication`` is made (which would
    abort the process instead): Qt's X11 plugin lacks a system library.  ``None``
    when an application exists already, or nothing is missing."""
    if QApplication.instance() is not None:
        return None
    return platform_problem()


def ensure_qapplication() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("")
    QCoreApplication.setApplicationName(APP_NAME)
    QApplication.setDesktopFileName(APP_NAME)  # resources/table-editor.desktop
    icon = RESOURCES / "icons" / "app.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


WALK_LIMIT = 100_000  # tracked objects one collection may walk on the GUI thread (15-30 ms here)


def collect_or_freeze(threshold: tuple[int, int, int], limit: int = WALK_LIMIT) -> tuple[str, int, int]:
    """One check of :class:`GuiThreadCollector`: ``("collect", generation, objects)``
    when the counts are past ``threshold`` and that generation and the younger ones
    hold at most ``limit`` objects, ``("freeze", generation, objects)`` when they hold
    more, ``("none", -1, objects in the youngest)`` when nothing is due.  Qt-free.

    Why freeze: a collection walks every object of the generations it collects,
    holding the GIL.  Timed every second instead of every 700 allocations, the
    youngest generation holds whatever the workers built meanwhile: 300,000 to
    640,000 objects after a paste of 100,000 values, a review of 100,000 changes or
    pyqtgraph's import, and walking them stopped the GUI thread 60-100 ms (gc's
    callbacks, with 1,000,000 rows loaded); once they were older, a full collection
    walked them again (110-180 ms).  So many new objects are a build's result, held
    (a pending set, a review, modules), or freed by reference counting when dropped:
    ``gc.freeze()`` (constant time) moves them out of every later walk instead.  What
    it costs: cyclic garbage made in the same second is frozen with them and is
    never freed for the rest of the process.  Nothing bounds it: each freeze keeps
    what it finds (the collections above found 8 to 96 objects of it each time, but
    a cycle holding a big page would be kept whole)."""
    counts = gc.get_count()
    if counts[0] <= threshold[0]:
        return "none", -1, counts[0]
    generation = 0
    if counts[1] > threshold[1]:
        generation = 1
        if counts[2] > threshold[2]:
            generation = 2
    objects = counts[0]  # the youngest: tracked allocations less deallocations since its last collection
    for older in range(1, generation + 1):
        objects += len(gc.get_objects(older))  # a few ms for 100,000, once in 10 or 100 checks
    if objects > limit:
        gc.freeze()
        return "freeze", generation, objects
    gc.collect(generation)
    return "collect", generation, objects


class GuiThreadCollector(QObject):
    """Python's cyclic garbage collection, run on the GUI thread only.

    Left automatic, a collection runs on whichever thread allocates when a
    threshold is passed: a worker (a page's COPY walk, the journal's writer, a
    paste's planning) then freed the Qt wrappers and connections in the cycles it
    found, from the wrong thread.  Seen in the test suite: a worker's collection
    disconnecting a Qt connection while the GUI thread held Qt's connection lock
    and waited for the GIL (a deadlock; gdb), and segfaults inside a collection
    while a worker ran.  So automatic collection is off and this timer collects
    on the GUI thread whenever the counts pass the usual thresholds, the way
    pyqtgraph's GarbageCollector does, unless that would walk more than
    :data:`WALK_LIMIT` objects: those are frozen instead (:func:`collect_or_freeze`).
    Install once per process (:func:`collect_on_the_gui_thread`).

    It waits while a worker builds long-lived objects
    (:func:`gui.data.threads.building_long_lived`: a plan of a paste, which is
    frozen out of the walks when built): collecting then walked the plan built so
    far, 30-90 ms at a time on the GUI thread with 100,000 cells pasted."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        if building_long_lived():
            return
        collect_or_freeze(self.threshold)


def collect_on_the_gui_thread() -> None:
    """Install :class:`GuiThreadCollector` on the running QApplication (once)."""
    app = QCoreApplication.instance()
    if app is not None and app.findChild(GuiThreadCollector) is None:
        GuiThreadCollector(parent=app)


def freeze_startup_objects() -> None:
    """Take what startup built (modules, Qt wrappers, the window) out of the cyclic
    garbage collector's walks.

    A full collection walks every tracked object, holding the GIL, on whichever
    thread happens to trigger it: a worker parsing 10,000 rows of a commit triggers
    one now and then, and the GUI thread stood still for it (46 ms measured with
    the benchmark's commit of 10,000 changes; none after freezing).  Startup objects
    live as long as the app, so the collector has nothing to find among them.

    No collection first: at this point (``--url``, the window built, the first page
    asked for) a full one walked the ~105,000 tracked objects for 40–60 ms, before
    the first rows could be painted, and found about 100 unreachable ones.  Those
    few are frozen with the rest and kept until the app ends, as
    :func:`gui.data.planning.long_lived` keeps a plan's.
    """
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
    from .audit_writer import AuditWriter
    from .clipboard import Clipboard
    from .import_export import ImportExport
    from .plot_dock import install_plot
    from .row_menu import RowMenu

    files = ImportExport(window, runner)
    clipboard = Clipboard(window)
    row_menu = RowMenu(window, clipboard)
    plot_dock = install_plot(window)
    audit = AuditWriter(window, runner, paths.audit)
    return Tools(files, clipboard, row_menu, audit, plot_dock)


class Editor:
    """Owns the runner, the window and the dialog; connects them.

    The window is the tutorial's (:class:`MainWindow`, with the integer fast paths
    and the day tools) for a relation of the tutorial's exact shape, and the window
    for any table (:class:`TableWindow`) for every other; choosing another table may
    swap one for the other (:attr:`window` is always the one on screen).
    """

    def __init__(
        self,
        args: argparse.Namespace,
        spec: TableSpec | None = None,
        paths: Paths | None = None,
        connecting: Connecting | None = None,
    ):
        """Raises :class:`UserError` for a ``--table``, ``--key`` or ``--filter`` not
        written as SQL would.  ``connecting``: the connection ``main.py`` began for
        ``--url`` (:meth:`connect_url` shows it); the table is opened on its thread
        while the window is built."""
        self.request = request_from_args(args)
        spec = spec if spec is not None else tutorial_spec(self.request)
        self.spec = spec
        self.read_only = bool(getattr(args, "read_only", False))
        self.paths = paths or user_paths()
        collect_on_the_gui_thread()  # never on a worker: see GuiThreadCollector
        self.runner = TaskRunner()
        self.recent = RecentConnections(self.paths.recent)
        self.last_tables = LastTables(self.paths.config / LAST_TABLES_FILE)
        self.chosen_keys = ChosenKeys(self.paths.config / "chosen-keys.json")
        self._connecting = connecting
        if connecting is not None:
            connecting.open_with(self.prepare)  # what prepare reads is set: the request, the folders
        self.dialog: ConnectDialog | None = None
        self._engines: list = []  # every engine connected: all disposed at shutdown
        self.tools: Tools | None = None  # the tutorial window's
        # the window for any table's: copy, paste, CSV; the audit log; the plot
        self.table_tools = self.table_audit = self.table_plot = None
        self.window: MainWindow | TableWindow = self._tutorial_window(spec)

    def _tutorial_window(self, spec: TableSpec) -> MainWindow:
        window = MainWindow(spec, self.runner, self.paths, threshold=self.request.tutorial_threshold)
        window.connect_requested.connect(self._on_connect_requested)
        window.table_requested.connect(self.open_table)
        self.tools = install_tools(window, self.runner, self.paths)
        return window

    def _table_window(self) -> TableWindow:
        from .table_audit import install_table_audit
        from .table_plot import install_table_plot
        from .table_tools import install_table_tools
        from .table_window import TableWindow

        window = TableWindow(self.runner, self.paths)
        window.connect_requested.connect(self._on_connect_requested)
        window.table_requested.connect(self.open_table)
        window.key_requested.connect(self.open_table)
        self.table_tools = install_table_tools(window, self.runner)
        self.table_plot = install_table_plot(window)  # View → Plot, then View → Audit log, as in the tutorial's
        self.table_audit = install_table_audit(window, self.runner, self.paths.audit)
        return window

    # -- connecting ------------------------------------------------------------------
    def connect_url(self, url: str, read_only: bool = False) -> None:
        """Connect from the command line and open the table (the connection begun
        for it, else a new one), waiting for both; raises :class:`UserError` with a
        one-line reason."""
        from ..data.connecting import Connecting

        connecting, self._connecting = self._connecting, None
        if connecting is None or not connecting.asks_for(url, read_only):
            if connecting is not None:
                connecting.abandon()
            connecting = Connecting(url, read_only=read_only)
            connecting.open_with(self.prepare)
        opened = connecting.result()  # raises what failed; the engine is then disposed
        settings, engine = connecting.settings, connecting.engine
        self._engines.append(engine)

        def remember(_token) -> None:
            # written (with fsync) on a lane, not on the GUI thread before the first
            # paint; a convenience, as the last table is: a file that cannot be
            # written does not stop the connection
            try:
                self.recent.remember(settings)
            except OSError:
                pass

        self.runner.submit(remember, lane="server")
        self._show_prepared(settings, engine, opened)

    def _on_connect_requested(self) -> None:
        """File → Connect (Ctrl+O): with changes pending, ask first whether to keep
        them for later (in the journal, offered when the table is opened again) or
        discard them, as choosing another table does."""
        self._confirm_leave(self.show_connect_dialog)

    def show_connect_dialog(self) -> ConnectDialog:
        from .connect_dialog import ConnectDialog  # noqa: PLC0415 - not needed to start with --url

        # the demo is made with the tutorial's own table, whatever --table names
        dialog = ConnectDialog(self.runner, self.recent, str(self.paths.demo), DEFAULT_SPEC, self.window)
        if self.window.settings is not None:
            dialog.fill(self.window.settings)
        if self.read_only:
            # --read-only holds for every connection of this session, not only for --url
            dialog.force_read_only("Started with --read-only")
        dialog.prepare = self.prepare
        if self.request.name:
            dialog.set_table_note(f"{self.request.name} (chosen with --table)")
        else:
            dialog.set_table_note(
                f"the table last opened on that connection, else {self.spec.qualified_name}; "
                "choose another in the window's Table list"
            )
        dialog.connected.connect(lambda settings, engine: self._on_connected(dialog, settings, engine))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _on_connected(self, dialog: ConnectDialog, settings: ConnectionSettings, engine) -> None:
        self._engines.append(engine)
        old = self.window.engine
        self._show_prepared(settings, engine, dialog.prepared)
        if old is not None and old is not engine:
            self.runner.submit(lambda _t: old.dispose(), lane="server", on_error=lambda e: None)

    def prepare(self, settings: ConnectionSettings, engine) -> OpenedTable | None:
        """Open the table for a new connection (on a worker thread): ``--table``; else,
        unless ``--key``, ``--filter`` or ``--threshold`` speak of the tutorial's
        table, the one last opened there; else the tutorial's.  ``None`` when none
        of those is there (the user then chooses one).  Raises :class:`UserError`
        when ``--table`` cannot be opened."""
        from ..data.opening import open_table

        request = self.request
        if request.name:
            return open_table(engine, settings, request.name, request.key, self._spec_for(request.name))
        last = self.last_tables.get(settings)
        if last and last != self.spec.qualified_name and not (request.key or request.filters or request.threshold is not None):
            try:
                return self._open_keyed(engine, settings, last, None)
            except NoSuchRelation:
                pass  # dropped since: the tutorial's, or the chooser
        try:
            return open_table(engine, settings, self.spec.qualified_name, request.key, self.spec)
        except NoSuchRelation:
            return None

    def _open_keyed(self, engine, settings: ConnectionSettings, name: str, key, spec: TableSpec | None = None) -> OpenedTable:
        """:func:`open_table`; for a relation without a key of its own and no ``key``
        given, with the columns the user chose for it last time (on a worker thread)."""
        from ..data.opening import open_table

        spec = spec or self._spec_for(name, key=None)
        opened = open_table(engine, settings, name, key, spec)
        if key is None and opened.schema.key_source in ("", "chosen"):
            chosen = self.chosen_keys.get(settings, opened.schema.qualified_name)
            if chosen and chosen != opened.schema.key:
                try:
                    return open_table(engine, settings, opened.schema.qualified_name, chosen, spec)
                except UserError:
                    pass  # a column gone since: open it as the catalog says
        return opened

    def _show_prepared(self, settings: ConnectionSettings, engine, opened: OpenedTable | None, chosen: bool = False) -> None:
        """Show ``opened`` (``None``: the connection without a table); the command
        line's filters apply to the table it named, not to one ``chosen`` since."""
        if opened is None:
            self._show_connection_only(settings, engine)
            return
        named = parse_qualified_name(self.request.name or self.spec.qualified_name)[1]
        asked = not chosen and opened.schema.name == named
        conditions, refused = self._conditions(opened, self.request.filters if asked else (), threshold=asked)
        self._show(settings, engine, opened, conditions)
        if refused:
            # the table is shown with the conditions that could be read, and says which could not
            self.window.show_message("Not applied: " + " ".join(error.message for error in refused))

    def _spec_for(self, name: str, key: tuple[str, ...] | None | bool = True) -> TableSpec:
        """The tutorial window's spec for ``name`` (with ``--key`` unless ``key`` is given)."""
        key = self.request.key if key is True else key
        return tutorial_spec(TableRequest(name, key, (), self.request.threshold))

    # -- opening a table -------------------------------------------------------------
    def open_table(self, name: str, key: tuple[str, ...] | None = None) -> None:
        """Open relation ``name`` (chosen in the window) on the current connection,
        its rows identified by ``key`` when it has no key of its own."""
        window = self.window
        if window.engine is None:
            return
        self._confirm_leave(lambda: self._open(window.settings, window.engine, name, key))

    def _open(self, settings: ConnectionSettings, engine, name: str, key: tuple[str, ...] | None = None) -> None:
        """Open ``name`` off the GUI thread, then show it in the window that suits it."""
        spec = self._spec_for(name, key=key)
        self.window.show_status(f"Opening {name} …")

        def failed(error: UserError) -> None:
            self.window.clear_status(f"Opening {name}")
            self.window.table_chooser.set_current(self.window.current_table_name())
            self.window.show_message(f"{error.title}: {' '.join(error.message.split())}")

        def bug(_bug: BaseException) -> None:  # the bug itself goes on to the bug report
            failed(UserError(f"Something unexpected went wrong while opening {name}; the table open is unchanged."))

        self.runner.submit(
            lambda _token: self._open_keyed(engine, settings, name, key, spec),
            lane="server",
            on_done=lambda opened: self._show_prepared(settings, engine, opened, chosen=True),
            on_error=failed,
            on_bug=bug,
        )

    def _conditions(self, opened: OpenedTable, filters: Sequence[str], threshold: bool = False) -> tuple[list, list[UserError]]:
        """``filters`` (as written on the command line) read against ``opened``, and
        with ``threshold`` a ``--threshold N`` given as the filter ``y > N``; else, on
        the tutorial's table (``some_table`` with a ``y`` of numbers, or a table of its
        shape that ``--table`` names), ``y > 6``.  Returns the conditions read, and
        why each of the others could not be (:class:`UserError`, its message naming
        the option)."""
        from ..data.opening import merge_bounds, parse_filter
        from ..data.paging import Condition
        from ..data.schema import quote_ident
        from ..data.transport import column_kind

        schema, codecs = opened.schema, opened.codecs
        spec, given = self.spec, self.request.threshold
        asked = [(text_, None) for text_ in filters]
        if threshold and given is not None:
            asked.append((f"{quote_ident(spec.value)} > {given}", f"--threshold {given} (the filter {spec.value} > {given})"))
        written, refused = [], []
        for text_, option in asked:
            try:
                written.append(parse_filter(text_, schema, codecs, option=option))
            except UserError as error:
                refused.append(error)
        if asked:
            return merge_bounds(written), refused
        if spec.value not in {c.name for c in schema.columns} or schema.name != spec.table:
            return [], []
        numbers = column_kind(schema.column(spec.value).base_type).kind in ("int", "float", "numeric")
        # its shape, or its name with a y of numbers (a text y > '6' would compare as text)
        if opened.tutorial or (schema.name == DEFAULT_SPEC.table and numbers):
            try:
                return [Condition(spec.value, ">", codecs[spec.value].parse(str(self.request.tutorial_threshold)))], []
            except UserError:
                return [], []
        return [], []

    def _show(self, settings: ConnectionSettings, engine, opened: OpenedTable, conditions) -> None:
        self.window.clear_status()  # "Opening …" has had its moment
        name = opened.schema.qualified_name
        chosen = opened.schema.key if opened.schema.key_source == "chosen" else None

        def remember(_token) -> None:
            # written (with fsync) on a lane, not on the GUI thread; a convenience: a file
            # that cannot be written does not stop the table
            try:
                self.last_tables.remember(settings, name)
                if chosen:
                    self.chosen_keys.remember(settings, name, chosen)
            except OSError:
                pass

        self.runner.submit(remember, lane="server")  # before the next table is opened there
        tutorial_filters = all(c.column == self.spec.value and c.op == ">" for c in conditions)
        if opened.tutorial and tutorial_filters:
            spec = self._spec_for(self.request.name or name) if self.request.name else self.spec
            if spec.table != opened.schema.name:
                spec = TableSpec(table=opened.schema.name, schema=opened.schema.schema)
            window = self.window
            if not isinstance(window, MainWindow) or window.spec != spec:
                window = self._tutorial_window(spec)
            if conditions:
                window.threshold_edit.setText(str(max(c.value for c in conditions)))
            self._use(window)
            window.set_connection(settings, engine, opened.facts_for(spec))  # read as it was opened: not asked again
            return
        # the one window that is not the tutorial's is the window for any table
        window = self._table_window() if isinstance(self.window, MainWindow) else self.window
        self._use(window)
        window.open_table(settings, engine, opened, conditions)
        if opened.schema.name == self.spec.table and conditions and conditions[0].column == self.spec.value:
            window.filter_bar.name_first_value("Threshold")

    def _show_connection_only(self, settings: ConnectionSettings, engine) -> None:
        window = self._table_window() if isinstance(self.window, MainWindow) else self.window
        self._use(window)
        window.open_connection(settings, engine)

    def _use(self, window) -> None:
        """Make ``window`` the one on screen (the other closes; what it had pending
        stays in its journal)."""
        old = self.window
        if old is window:
            return
        self.window = window
        if old.isVisible():
            window.setGeometry(old.geometry())
            window.show()
        old.close_without_asking()
        old.deleteLater()

    def _confirm_leave(self, then) -> None:
        """``then()`` once the user agreed to leave the current table: its pending
        changes committed (through the window's review; ``then()`` only once the commit
        leaves nothing pending), kept for later, or discarded; nothing when they cancel."""
        window = self.window
        count = len(window.pending)
        if not count:
            then()
            return
        if window.committing:
            window.show_message("A commit is running: wait for it to finish before opening another table.")
            return
        box = window.pending_choices_box(
            "Pending changes",
            f"{plural(count, 'pending change')} not committed. Commit {verb(count, 'it', 'them')} first, keep "
            f"{verb(count, 'it', 'them')} for when you open this table again, or discard?",
            "Keep for later",
            "Discard",
            "Leave with pending changes",
        )

        def answered(button):
            choice = box.standardButton(button)
            if choice == QMessageBox.StandardButton.Discard:
                window.pending.clear()
            if choice in (QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Close):
                then()
                return
            # the table still open (a commit first, or cancelled), whatever the chooser was left showing
            window.table_chooser.set_current(window.current_table_name())
            if choice == QMessageBox.StandardButton.Save:
                window.commit_then(then)

        box.buttonClicked.connect(answered)
        box.open()
        self.leave_box = box

    def shutdown(self) -> None:
        if self._connecting is not None:  # begun, never shown
            self._connecting.abandon()
        self.runner.shutdown()
        # every engine this editor was given: a replaced one's dispose, queued on a
        # lane, may have been dropped by the shutdown (its connections then stayed open)
        for engine in {id(e): e for e in [*self._engines, self.window.engine] if e is not None}.values():
            engine.dispose()
