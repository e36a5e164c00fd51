"""The window for any table (``gui/qt/table_window.py``), measured on the user's path.

Everything is driven through what a user reaches: ``Editor.connect_url`` (what
``--url URL --table NAME`` does at startup, then ``show()`` and the event loop as
``main()`` does), a name typed into the table chooser and Enter, View → Reload (F5)
and View → Load everything (Ctrl+Shift+End) triggered as actions, a mouse click on
a column header, the filter bar's Apply button clicked, a value typed into Go to
and Enter, the view scrolled to its bottom (its own ``fetchMore``), cells typed
through the model's ``set_cell`` (what the cell editor commits through ``setData``)
and columns pasted (the clipboard set, a cell clicked, Edit → Paste), the Commit
button and the review dialog's Commit button clicked.  Each time runs from that
action to the signal that the rows are in the model (``rows_loaded``), the review
dialog's Show event, or the window's ``committed`` signal.  The window is shown
(offscreen) with its table view attached, as on a desktop.

The baselines run in the same process on the same rows: ``QSqlQueryModel``
(``setQuery`` + ``fetchMore`` until done, as :func:`bench.measure.qsql_query_model`
does for the tutorial's table), psycopg2 ``execute`` + ``fetchall()``, and the server
alone (``COPY (query) TO '/dev/null'``), all on ``SELECT <every column> FROM t
ORDER BY id``: every row in the window's order.

Tables (:func:`build_mixed_tables`): ``id bigint PRIMARY KEY, sensor text (12
characters, 1,000 distinct), taken_at timestamptz (random over a year), value
numeric(12,3), ok boolean, note text (70 % NULL)``, with indexes on ``sensor`` and
``taken_at``; UNLOGGED, one ``CREATE TABLE AS`` from ``generate_series`` each, then
key, indexes, ``VACUUM ANALYZE``, autovacuum off.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from psycopg2 import sql
from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtSql import QSqlDatabase, QSqlQueryModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import URL, event

from gui.data.paging import Condition, SortKey
from gui.qt.app import Editor, freeze_startup_objects, parse_args
from gui.qt.cell_review import CellReviewDialog
from gui.qt.main_window import Paths
from gui.qt.table_window import TableWindow

from .dialogs import dialog_figures
from .qt import pump, wait_signal, wait_until
from .gui_thread import gui_thread_at_scale
from .report import Figure, median, ms, runs
from .scale import paste_at_scale
from .tables import Target

MIXED_TABLES = {"mixed_1m": 1_000_000, "mixed_10m": 10_000_000}
BIG, LOAD = "mixed_10m", "mixed_1m"
COLUMNS = ("id", "sensor", "taken_at", "value", "ok", "note")
SENSORS = 1_000
FILTER = Condition("sensor", "=", "sensor-00042")
SORT_COLUMN = "taken_at"
FIRST_SCREEN_GOAL = 0.150
GO_TO_GOAL = 0.200  # the tutorial's goal for its go to
GO_TO_TIME = "2024-07-01 00:00:00+00"  # taken_at is random over 2024: about half way
COMMIT_ROWS = 5_000  # two cells a row (value and note): 10,000 changes
COMMIT_COLUMNS = ("value", "note")
TYPING_LOOPS, TYPING_LOOPS_SMOKE = (1_000, 2_000), (100, 200)  # cells typed one after another
LOAD_TIMEOUT = 300.0
SECTION_FIRST = "Any table, first screen on {table} ({rows:,} rows), through the window"
SECTION_LOAD = "Any table, Load everything on {table} ({rows:,} rows), through the window"
SECTION_MEMORY = "Any table, memory for {table} ({rows:,} rows) loaded whole (a fresh process per method)"
SECTION_COMMIT = "Any table, commit of {changes:,} changes (value and note of {rows:,} rows) through the window"


# -- the tables -------------------------------------------------------------------------


def build_mixed_tables(target: Target, log, sizes: dict[str, int]) -> dict[str, float]:
    """Create the mixed tables (``{name: rows}``); returns seconds per step."""
    times: dict[str, float] = {}
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")
        cur.execute("SELECT setseed(0.24)")

        def step(name: str, statement) -> None:
            started = time.perf_counter()
            cur.execute(statement)
            times[name] = time.perf_counter() - started
            log(f"  {name}: {times[name]:.1f} s")

        for name, rows in sizes.items():
            ident = sql.Identifier(name)
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
            step(
                f"create {name}",
                sql.SQL(
                    "CREATE UNLOGGED TABLE {} AS SELECT"
                    " g::bigint AS id,"
                    " 'sensor-' || lpad(floor(random() * {s})::integer::text, 5, '0') AS sensor,"
                    " timestamptz '2024-01-01 00:00:00+00' + random() * interval '366 days' AS taken_at,"
                    " round((random() * 2000000 - 1000000)::numeric, 3)::numeric(12,3) AS value,"
                    " random() < 0.5 AS ok,"
                    " CASE WHEN random() < 0.7 THEN NULL ELSE 'note ' || left(md5(g::text), 4 + g % 24) END AS note"
                    " FROM generate_series(1, {n}) AS g"
                ).format(ident, s=sql.Literal(SENSORS), n=sql.Literal(rows)),
            )
            step(f"key {name}", sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (id)").format(ident))
            for column in ("sensor", "taken_at"):
                step(f"index {name} ({column})", sql.SQL("CREATE INDEX ON {} ({})").format(ident, sql.Identifier(column)))
            cur.execute(sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = off)").format(ident))
            step(f"vacuum {name}", sql.SQL("VACUUM ANALYZE {}").format(ident))
    finally:
        conn.close()
    return times


def baseline_sql(table: str) -> str:
    """Every row of ``table`` in the window's order (by its key)."""
    return f"SELECT {', '.join(COLUMNS)} FROM {table} ORDER BY id"


def url_of(target: Target) -> str:
    return URL.create(
        "postgresql", username=target.user, password=target.password, host=target.host, port=target.port, database=target.database
    ).render_as_string(hide_password=False)


# -- the window, as a user drives it ----------------------------------------------------


def open_window(url: str, table: str, home: Path) -> tuple[Editor, float]:
    """``main()``'s path for ``--url URL --table TABLE``: the Editor, ``connect_url``,
    ``show()``, the startup objects frozen, the event loop; returns the editor and the
    seconds from ``connect_url`` to the first rows in the model."""
    editor = Editor(parse_args(["--url", url, "--table", table]), paths=Paths(data=home / "data", config=home / "config"))
    started = time.perf_counter()
    editor.connect_url(url)
    window = editor.window
    if not isinstance(window, TableWindow):
        raise RuntimeError(f"{table} opened in {type(window).__name__}, not the window for any table")
    window.show()
    freeze_startup_objects()
    model = window.model
    if model.rowCount():
        raise RuntimeError("rows arrived before the event loop ran")
    ended = wait_signal(model.rows_loaded, lambda n: n > 0 or not model.canFetchMore(), LOAD_TIMEOUT)
    settle(editor)
    return editor, ended - started


def settle(editor: Editor) -> None:
    """Until nothing runs: the page, the background count, the relations list, the journal."""
    window = editor.window
    model = window.model
    wait_until(
        lambda: not editor.runner.busy and not model.loading and (model.total is not None or model.count_failed),
        LOAD_TIMEOUT,
        poll_ms=5,
    )


def close_window(editor: Editor) -> None:
    window = editor.window
    window._close_confirmed = True  # noqa: SLF001 - no "pending changes?" question at the end of a run
    window.close()
    editor.shutdown()
    window.deleteLater()
    pump(0.05)


def first_rows(window: TableWindow, action: Callable[[], None], until: Callable[[], bool] | None = None) -> float:
    """``action()`` → the model's first ``rows_loaded`` with rows (or an empty result)."""
    model = window.model
    started = time.perf_counter()
    ended = wait_signal(
        model.rows_loaded,
        lambda n: (n > 0 or not model.canFetchMore()) and (until is None or until()),
        LOAD_TIMEOUT,
        start=action,
    )
    return ended - started


def click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_header(window: TableWindow, column: str) -> None:
    """A left click in the middle of ``column``'s header section."""
    header = window.view.horizontalHeader()
    section = window.model.names.index(column)
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    if not 0 <= x < header.viewport().width():
        raise RuntimeError(f"the header of {column} is not on screen (x = {x})")
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, header.height() // 2))


def choose_table(window: TableWindow, name: str) -> None:
    """The name typed into the table chooser, then Enter."""
    line = window.table_chooser.lineEdit()
    line.setFocus()
    line.setText(name)
    QTest.keyClick(line, Qt.Key.Key_Return)


def apply_filter(window: TableWindow, conditions: list[Condition]) -> None:
    """The conditions set in the filter bar, then Apply clicked."""
    window.filter_bar.set_conditions(conditions)
    click(window.filter_bar.apply_button)


def column_values(window: TableWindow, column: str, rows: int) -> list[object]:
    col = window.model.names.index(column)
    return [window.model.value_at(r, col) for r in range(min(rows, window.model.rowCount()))]


def type_cell(editor: Editor, row: int, column: int, text: str) -> float:
    """``text`` typed into a cell (what the cell editor's commit calls); returns the
    seconds ``set_cell`` holds the GUI thread, once the journal write it queued is done."""
    model = editor.window.model
    started = time.perf_counter()
    if not model.set_cell(row, column, text):
        raise RuntimeError(f"the window refused {text!r}: {editor.window.message.text()}")
    elapsed = time.perf_counter() - started
    settle(editor)
    return elapsed


def paste_column(editor: Editor, column: int, texts: list[str]) -> float:
    """``texts`` put on the clipboard as one column, the column's first cell
    clicked, Edit → Paste triggered: the seconds the paste holds the GUI thread."""
    window = editor.window
    QApplication.clipboard().setText("\n".join(texts) + "\n")
    view = window.view
    index = window.model.index(0, column)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view.visualRect(index).center())
    if view.currentIndex() != index:
        raise RuntimeError("the click did not make the cell current")
    paste = editor.table_tools.paste_action
    started = time.perf_counter()
    paste.trigger()
    elapsed = time.perf_counter() - started
    settle(editor)
    return elapsed


def explain_go_to(target: Target, window: TableWindow, value: int) -> str:
    """How the server runs the window's page from ``value`` of its first order column:
    the statement :class:`~gui.data.paging.PagePlan` writes for it (a diagnosis for the
    notes, outside every timing), under ``EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)``."""
    from sqlalchemy.dialects import postgresql

    from gui.data.result import TableResult

    result = TableResult(window.engine, window.schema, window.model.conditions, window.model.sort)
    stmt = result.plan.page(result.plan.start_at([value]), 1000)
    sql_text = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql_text)
        lines = [row[0].strip().removeprefix("->").strip() for row in cur.fetchall()]
    finally:
        conn.close()
    where = sql_text.split("WHERE", 1)[1].split("ORDER BY", 1)[0] if "WHERE" in sql_text else ""
    return f"`WHERE{' '.join(where.split())}` → " + "; ".join(f"`{line}`" for line in lines if not line.startswith("Planning"))


class ShowWatcher(QObject):
    """Notes when a widget of ``kind`` is shown (the review dialog on screen)."""

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind
        self.shown_at: float | None = None

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        if self.shown_at is None and ev.type() == QEvent.Type.Show and isinstance(obj, self.kind):
            self.shown_at = time.perf_counter()
        return False


class StatementCounter:
    """Statements SQLAlchemy sends on ``engine`` while it is active (DBAPI calls that
    bypass SQLAlchemy, such as the pool's pre-ping, are not seen: the proxy counts
    round trips)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0
        self.active = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args) -> None:
        if self.active:
            self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)


# -- baselines ----------------------------------------------------------------------------


def qsql_query_model(db: QSqlDatabase, query: str, expected: int) -> float:
    """``QSqlQueryModel.setQuery`` then ``fetchMore`` until ``canFetchMore`` is false,
    then the last row read."""
    model = QSqlQueryModel()
    started = time.perf_counter()
    model.setQuery(query, db)
    while model.canFetchMore():
        model.fetchMore()
    last = model.data(model.index(model.rowCount() - 1, 0))
    elapsed = time.perf_counter() - started
    if model.lastError().isValid():
        raise RuntimeError(model.lastError().text())
    if model.rowCount() != expected or last is None:
        raise RuntimeError(f"QSqlQueryModel holds {model.rowCount():,} rows, expected {expected:,}")
    model.clear()
    return elapsed


def psycopg2_fetchall(conn, query: str, expected: int) -> float:
    cur = conn.cursor()
    started = time.perf_counter()
    cur.execute(query)
    rows = cur.fetchall()
    elapsed = time.perf_counter() - started
    conn.rollback()
    if len(rows) != expected:
        raise RuntimeError(f"fetchall() gave {len(rows):,} rows, expected {expected:,}")
    del rows
    return elapsed


def server_only(admin_conn, query: str) -> float:
    cur = admin_conn.cursor()
    started = time.perf_counter()
    cur.execute(f"COPY ({query}) TO '/dev/null'")
    return time.perf_counter() - started


# -- memory, in a fresh process (``python -m bench.memory``) -------------------------------


def _reset_peak() -> bool:
    """Start the process's RSS high-water mark (VmHWM) afresh (Linux ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def measure_memory(method: str, table: str, rows: int, target: Target) -> dict:
    """One whole load of ``table`` by ``method`` (``window``, ``qsqlquerymodel``,
    ``fetchall``); RSS before (connected, the window showing its first screen),
    after, and the peak in between."""
    from .memory import current_rss, peak_rss

    app = QApplication.instance()
    assert app is not None
    out: dict = {}
    home = tempfile.TemporaryDirectory(prefix="bench-mixed-memory-")
    if method == "window":
        editor, _ = open_window(url_of(target), table, Path(home.name))
        window = editor.window
        gc.collect()
        before = current_rss()
        out["peak_reset"] = _reset_peak()
        first_rows(window, window.load_all_action.trigger, lambda: not window.model.canFetchMore())
        if window.model.rowCount() != rows:
            raise RuntimeError(f"the window holds {window.model.rowCount():,} rows, expected {rows:,}")
        pages = window.model.loaded_pages()  # as the window holds them: joining would copy
        out["model_bytes"] = pages.nbytes
        out["column_bytes"] = {name: sum(p.columns[k].nbytes for p in pages.pages) for k, name in enumerate(pages.names)}
        out["pages"] = len(pages.pages)
    elif method == "qsqlquerymodel":
        db = QSqlDatabase.addDatabase("QPSQL", "memory")
        db.setHostName(target.host)
        db.setPort(target.port)
        db.setDatabaseName(target.database)
        db.setUserName(target.user)
        db.setPassword(target.password)
        if not db.open():
            raise RuntimeError(db.lastError().text())
        gc.collect()
        before = current_rss()
        out["peak_reset"] = _reset_peak()
        model = QSqlQueryModel()
        model.setQuery(baseline_sql(table), db)
        while model.canFetchMore():
            model.fetchMore()
        if model.rowCount() != rows:
            raise RuntimeError(f"QSqlQueryModel holds {model.rowCount():,} rows")
    elif method == "fetchall":
        conn = target.connect(autocommit=False)
        gc.collect()
        before = current_rss()
        out["peak_reset"] = _reset_peak()
        cur = conn.cursor()
        cur.execute(baseline_sql(table))
        kept = cur.fetchall()
        if len(kept) != rows:
            raise RuntimeError(f"fetchall() gave {len(kept):,} rows")
    else:
        raise SystemExit(f"unknown method {method!r}")
    out.update(rows=rows, rss_before=before, rss_after=current_rss(), peak=peak_rss())
    try:
        # a diagnosis, after the figures: how much of the RSS is memory freed but kept by malloc
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        out["rss_trimmed"] = current_rss()
    except (OSError, AttributeError):
        pass
    home.cleanup()
    return out


def memory_in_subprocess(method: str, table: str, rows: int, target: Target) -> dict:
    args = json.dumps({"method": f"mixed-{method}", "table": table, "rows": rows, "target": target.__dict__})
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", args],
        cwd=Path(__file__).resolve().parent.parent,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory run {method} {table} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the section ----------------------------------------------------------------------------


class MixedBench:
    """The figures for any table; ``bench`` is the :class:`bench.run.Bench` collecting them."""

    def __init__(self, bench, target: Target, sizes: dict[str, int]) -> None:
        self.bench = bench
        self.target = target
        self.sizes = sizes
        self.url = url_of(target)
        self.home = tempfile.TemporaryDirectory(prefix="bench-mixed-")
        bench.cleanups.append(self.home.cleanup)
        self.log = bench.log

    def reps(self, n: int) -> int:
        return self.bench.reps(n)

    def add(self, *args, **kwargs) -> Figure:
        return self.bench.add(*args, **kwargs)

    def note(self, text: str) -> None:
        self.bench.notes.append(text)

    def _home(self, name: str) -> Path:
        path = Path(self.home.name) / name
        path.mkdir(exist_ok=True)
        return path

    def _log_runs(self, label: str, values: list[float]) -> None:
        self.log(f"  {label}: median {ms(median(values))} of {[round(v * 1000) for v in values]} ms")

    def run(self) -> None:
        self.log("Building the mixed tables …")
        built = build_mixed_tables(self.target, self.log, self.sizes)
        self.note(
            "Any table: "
            + ", ".join(f"{name} ({rows:,} rows)" for name, rows in self.sizes.items())
            + ", columns `id bigint PRIMARY KEY, sensor text (12 characters, 1,000 distinct), taken_at timestamptz (random over a year),"
            " value numeric(12,3), ok boolean, note text (70 % NULL)`, indexes on sensor and on taken_at."
            f" Built in {sum(built.values()):.0f} s (UNLOGGED + CREATE TABLE AS from generate_series, then key, indexes, VACUUM ANALYZE)."
        )
        self.note(
            "Any table, how it is driven: only what a user reaches. `Editor(parse_args(['--url', URL, '--table', NAME]))`,"
            " `connect_url`, `show()` and the startup objects frozen, as `main()` does; View → Reload (F5) and View → Load everything"
            " triggered as actions; a mouse click on the header; the filter bar's conditions set and its Apply button clicked;"
            " a table name typed into the chooser and Enter; a value typed into Go to and Enter; the view scrolled to its bottom;"
            " cells typed through the model's `set_cell` and columns pasted with Edit → Paste; the Commit button and the"
            " review's Commit button clicked.  The window is shown (offscreen platform) with its view attached.  Each time ends at"
            " the model's `rows_loaded` (first rows, or no more to fetch), the review dialog's Show event, or the window's"
            " `committed` signal.  Between runs the background count and every other task finish first."
        )
        self.first_screens()
        self.load_everything()
        self.memory()
        paste_at_scale(self)
        gui_thread_at_scale(self)
        self.commits()
        dialog_figures(self, self.url, LOAD)  # the review and conflicts dialogs with 100,000 entries

    # -- 1. first screen -----------------------------------------------------------------
    def first_screens(self) -> None:
        rows = self.sizes[BIG]
        section = SECTION_FIRST.format(table=BIG, rows=rows)
        self.log(f"Any table: first screen on {BIG} …")

        opens = []
        page = 0
        for i in range(self.reps(5) + 1):  # the first one warms the server's caches
            editor, seconds = open_window(self.url, BIG, self._home("first"))
            page = editor.window.model.rowCount()
            close_window(editor)
            if i:
                opens.append(seconds)
        self._log_runs("connect_url → first rows", opens)
        self.add(
            section,
            "start-up: `Editor.connect_url` → first rows (new engine and connections, catalog read, first page)",
            ms(median(opens)),
            note=runs(opens),
        )

        editor, _ = open_window(self.url, BIG, self._home("first"))
        try:
            self._first_screen_actions(editor, section, page, rows)
        finally:
            close_window(editor)
        self.note(
            f"Any table, first screen: the first page is {page:,} rows.  Start-up and choosing a table read the catalog (schema, codecs,"
            " time zone, privileges) before the first page; the goal is counted from the query's start (F5, Apply, header click)."
            " The background row count starts with each page query and runs beside it on the other core."
        )

    def _first_screen_actions(self, editor: Editor, section: str, page: int, rows: int) -> None:
        goal = f"< {ms(FIRST_SCREEN_GOAL)}"
        window = editor.window
        model = window.model

        def runs_of(label: str, action: Callable[[], None], check: Callable[[], None], n: int, until=None) -> list[float]:
            values = []
            for i in range(n + 1):  # + a warm-up
                seconds = first_rows(window, action, until)
                check()
                settle(editor)
                if i:
                    values.append(seconds)
            self._log_runs(label, values)
            return values

        def check_plain() -> None:
            if model.rowCount() != min(page, rows) or column_values(window, "id", 2) != [1, 2][: min(2, rows)]:
                raise RuntimeError("F5 did not show the first rows by id")

        plain = runs_of("F5 → first rows", window.reload_action.trigger, check_plain, self.reps(7))
        self.add(section, "no filter: View → Reload (F5) → first rows", ms(median(plain)), goal=goal, met=median(plain) < FIRST_SCREEN_GOAL, note=runs(plain))

        def check_filter() -> None:
            values = column_values(window, "sensor", 1000)
            if not values or any(v != FILTER.value for v in values):
                raise RuntimeError("the filter did not show only its sensor's rows")

        filtered = runs_of("filter applied → first rows", lambda: apply_filter(window, [FILTER]), check_filter, self.reps(7))
        self.add(
            section,
            f"filter `{FILTER.column} = '{FILTER.value}'` (indexed, ~{rows // SENSORS:,} rows): Apply clicked → first rows",
            ms(median(filtered)),
            goal=goal,
            met=median(filtered) < FIRST_SCREEN_GOAL,
            note=runs(filtered),
        )
        apply_filter(window, [])
        settle(editor)

        def check_sorted() -> None:
            values = column_values(window, SORT_COLUMN, 1000)
            descending = window.sort[0].descending
            if window.sort[0].column != SORT_COLUMN or values != sorted(values, reverse=descending):
                raise RuntimeError(f"the header click did not sort by {SORT_COLUMN}")

        ordered = runs_of("header click → first rows", lambda: click_header(window, SORT_COLUMN), check_sorted, self.reps(7))
        self.add(
            section,
            f"sort by `{SORT_COLUMN}` (indexed): header clicked → first rows (each click reverses the order: ascending and descending alternate)",
            ms(median(ordered)),
            goal=goal,
            met=median(ordered) < FIRST_SCREEN_GOAL,
            note=runs(ordered),
        )

        self._deep_pages(editor, section, rows)

        # choosing the table in the chooser: from another table to this one
        chosen = []
        for i in range(self.reps(5) + 1):
            choose_table(window, LOAD)
            wait_until(lambda: model.schema is not None and model.schema.name == LOAD and model.rowCount() > 0, LOAD_TIMEOUT, poll_ms=5)
            settle(editor)
            seconds = first_rows(window, lambda: choose_table(window, BIG), lambda: model.schema.name == BIG)
            settle(editor)
            if i:
                chosen.append(seconds)
        self._log_runs("table chosen → first rows", chosen)
        self.add(
            section,
            f"{BIG} typed into the table chooser + Enter (from {LOAD}) → first rows (catalog read, then the first page)",
            ms(median(chosen)),
            note=runs(chosen),
        )

    def _deep_pages(self, editor: Editor, section: str, rows: int) -> None:
        """Go to (Ctrl+G, a value, Enter) half way into the table, by the key and by a
        sorted column, and the next page a scroll to the bottom asks for there and at
        the start: keyset pages, whose cost should not grow with the position."""
        window = editor.window
        model = window.model
        goal = f"< {ms(GO_TO_GOAL)}"
        middle = rows // 2

        def go_to(text: str) -> None:
            window.goto_edit.setFocus()
            window.goto_edit.setText(text)
            QTest.keyClick(window.goto_edit, Qt.Key.Key_Return)

        def scroll_down() -> float:
            loaded = model.rowCount()
            seconds = first_rows(window, window.view.scrollToBottom, lambda: model.rowCount() > loaded)
            settle(editor)
            return seconds

        def measure(label: str, action, check, n: int) -> tuple[list[float], list[float]]:
            """``action`` → first rows, then a scroll to the bottom → the next page, ``n`` times (+ a warm-up)."""
            firsts, nexts = [], []
            for i in range(n + 1):
                seconds = first_rows(window, action)
                check()
                settle(editor)
                following = scroll_down()
                if i:
                    firsts.append(seconds)
                    nexts.append(following)
            self._log_runs(label, firsts)
            self._log_runs(f"{label}, then the next page", nexts)
            return firsts, nexts

        def sort_by(column: str) -> None:
            """Header clicks until the rows are sorted by ``column``, ascending."""
            for _ in range(2):
                if window.sort and window.sort[0] == SortKey(column):
                    return
                click_header(window, column)
                settle(editor)
            raise RuntimeError(f"two clicks did not sort by {column} ascending")

        sort_by("id")  # the order the table opens in, after the header-click runs

        def check_start() -> None:
            if column_values(window, "id", 1) != [1]:
                raise RuntimeError("F5 did not start at the first id")

        def check_middle() -> None:
            if column_values(window, "id", 1) != [middle]:
                raise RuntimeError(f"Go to did not start at id {middle}")

        def f5_at_the_top() -> None:
            # F5 keeps the user's place: at the top, that is the first row
            window.view.scrollToTop()
            window.reload_action.trigger()

        _, near = measure("F5", f5_at_the_top, check_start, self.reps(5))
        gone, far = measure(f"go to id {middle}", lambda: go_to(str(middle)), check_middle, self.reps(5))
        self.add(
            section,
            f"Go to `id` {middle:,} (Ctrl+G, typed, Enter) → first rows",
            ms(median(gone)),
            goal=goal,
            met=median(gone) < GO_TO_GOAL,
            note=runs(gone),
        )
        self.add(
            section,
            f"  then scrolled to the bottom (the view's fetchMore) → the next page, from id {middle:,}",
            ms(median(far)),
            f"{ms(median(near))} from the start",
            f"{median(far) / median(near):.0f} ×",
            note=runs(far),
        )

        kept = self._f5_in_place(editor, middle)
        self.add(
            section,
            f"F5 with the current row at `id` {middle + 10:,} (gone to {middle:,}, 10 rows down) → that row current again at its"
            " place on screen (found by its key, the page after it and the page before it read)",
            ms(median(kept)),
            f"{ms(median(near))} F5 at the first row",
            f"{median(kept) / median(near):.1f} ×",
            goal=goal,
            met=median(kept) < GO_TO_GOAL,
            note=runs(kept),
        )

        by_id = median(gone)
        plan = explain_go_to(self.target, window, middle)
        self.log(f"  the plan of that page: {plan}")
        self.note(
            f"Any table, Go to: the server's plan for the page from id {middle:,} on {BIG} (the window's statement, compiled and run"
            f" under EXPLAIN ANALYZE for this note only): {plan}."
        )

        sort_by(SORT_COLUMN)
        when = GO_TO_TIME

        def check_time() -> None:
            first = column_values(window, SORT_COLUMN, 1)
            if window.sort[0].descending or not first or first[0] < model.codecs[SORT_COLUMN].parse(when):
                raise RuntimeError(f"Go to did not start at {SORT_COLUMN} {when}")

        gone, far = measure(f"go to {SORT_COLUMN} {when}", lambda: go_to(when), check_time, self.reps(5))
        self.add(
            section,
            f"sorted by `{SORT_COLUMN}`: Go to {when} (about half way) → first rows",
            ms(median(gone)),
            goal=goal,
            met=median(gone) < GO_TO_GOAL,
            note=runs(gone),
        )
        self.add(
            section,
            f"  then scrolled to the bottom → the next page, from {when}",
            ms(median(far)),
            f"{ms(median(near))} from the start by id",
            f"{median(far) / median(near):.0f} ×",
            note=runs(far),
        )
        if max(by_id, median(gone)) >= GO_TO_GOAL:
            self.note(
                "Any table, why Go to and the pages after it miss the goal: `gui/data/paging.py` (`PagePlan._after`) bounds the first"
                " order column with one index range (`c >= v`) when the column is NOT NULL (the key) or sorted descending, but"
                " with `c >= v OR c IS NULL` for a nullable column sorted ascending (taken_at here), which PostgreSQL cannot use as"
                " one index condition, so a page costs time in proportion to its position.  What would fix it: the NULL rows read"
                " as a range of their own after the non-NULL ones (a `UNION ALL` tried on 1,000,000 rows with 10 % NULL was slower"
                " still, the NULL rows being sorted by the key each page; see the docstring of gui/data/paging.py)."
            )

    def _f5_in_place(self, editor: Editor, middle: int) -> list[float]:
        """F5 deep in the table: Go to ``middle``, ten rows down, then F5 until that
        row is current again at the same height on screen (the rows before it are
        read too, to fill the screen above it)."""
        window = editor.window
        model, view = window.model, window.view
        window.goto_edit.setFocus()
        window.goto_edit.setText(str(middle))
        QTest.keyClick(window.goto_edit, Qt.Key.Key_Return)
        wait_until(lambda: view.currentIndex().isValid() and model.key_at(view.currentIndex().row()) == (middle,), LOAD_TIMEOUT)
        settle(editor)
        view.setFocus()
        for _ in range(10):
            QTest.keyClick(view, Qt.Key.Key_Down)
        row = view.currentIndex().row()
        key, height = model.key_at(row), view.rowViewportPosition(row)
        if key != (middle + 10,) or height <= 0:
            raise RuntimeError(f"ten rows down from id {middle} is {key} at {height} px")

        def in_place() -> bool:
            current = view.currentIndex()
            return current.isValid() and model.key_at(current.row()) == key and view.rowViewportPosition(current.row()) == height

        values = []
        for i in range(self.reps(5) + 1):  # + a warm-up
            seconds = first_rows(window, window.reload_action.trigger, in_place)
            settle(editor)
            if not in_place() or model.rowCount() >= self.sizes[BIG]:
                raise RuntimeError("F5 did not come back to the row by keyset")
            if i:
                values.append(seconds)
        self._log_runs(f"F5 at id {middle + 10}", values)
        return values

    # -- 2. load everything -----------------------------------------------------------------
    def load_everything(self) -> None:
        rows = self.sizes[LOAD]
        section = SECTION_LOAD.format(table=LOAD, rows=rows)
        self.log(f"Any table: Load everything on {LOAD} …")
        query = baseline_sql(LOAD)
        editor, _ = open_window(self.url, LOAD, self._home("load"))
        window = editor.window
        model = window.model
        db = QSqlDatabase.addDatabase("QPSQL", "mixed")
        db.setHostName(self.target.host)
        db.setPort(self.target.port)
        db.setDatabaseName(self.target.database)
        db.setUserName(self.target.user)
        db.setPassword(self.target.password)
        if not db.open():
            raise RuntimeError(f"QPSQL could not connect: {db.lastError().text()}")
        pg = self.target.connect(autocommit=False)
        admin = self.bench.cluster.connect(self.target.database)

        def everything() -> Callable[[], bool]:
            return lambda: not model.canFetchMore()

        def checked(seconds: float) -> float:
            if model.rowCount() != rows:
                raise RuntimeError(f"the window holds {model.rowCount():,} rows, expected {rows:,}")
            return seconds

        def action() -> float:
            # the window as a user sees it after F5: first screen shown, count done
            first_rows(window, window.reload_action.trigger)
            settle(editor)
            seconds = checked(first_rows(window, window.load_all_action.trigger, everything()))
            settle(editor)
            return seconds

        def from_f5() -> float:
            seconds = checked(first_rows(window, lambda: (window.reload_action.trigger(), window.load_all_action.trigger()), everything()))
            settle(editor)
            return seconds

        def drop() -> None:
            # the next method starts without the window's million rows in memory
            first_rows(window, window.reload_action.trigger)
            settle(editor)

        methods = {
            "action": (action, self.reps(7)),
            "F5 + action": (lambda: (from_f5(), drop())[0], self.reps(5)),
            "QSqlQueryModel": (lambda: qsql_query_model(db, query, rows), self.reps(7)),
            "fetchall": (lambda: psycopg2_fetchall(pg, query, rows), self.reps(3)),
            "server": (lambda: server_only(admin, query), self.reps(5)),
        }
        results: dict[str, list[float]] = {name: [] for name in methods}
        for fn, _n in methods.values():
            fn()  # warm-up
        drop()
        for i in range(max(n for _fn, n in methods.values())):
            for name, (fn, n) in methods.items():
                if i < n:
                    results[name].append(fn())
                    if name == "action":
                        drop()
        pg.close()
        admin.close()
        db.close()
        del db
        QSqlDatabase.removeDatabase("mixed")
        close_window(editor)
        for name, values in results.items():
            self._log_runs(f"{LOAD} {name}", values)

        ours = median(results["action"])
        fresh = median(results["F5 + action"])
        qsql = median(results["QSqlQueryModel"])
        fetchall = median(results["fetchall"])
        server = median(results["server"])
        self.add(section, "View → Load everything (first screen already shown) → last row in the model", ms(ours), note=runs(results["action"]))
        self.add(
            section,
            "  vs QSqlQueryModel (QPSQL): setQuery + fetchMore until done",
            ms(ours),
            f"{ms(qsql)} ({runs(results['QSqlQueryModel'])})",
            f"{ours / qsql:.2f} ×",
            "≤ 1.0 ×",
            ours / qsql <= 1.0,
        )
        self.add(
            section,
            "  vs psycopg2 execute + fetchall()",
            ms(ours),
            f"{ms(fetchall)} ({runs(results['fetchall'])})",
            f"{ours / fetchall:.2f} ×",
            "≤ 1.3 ×",
            ours / fetchall <= 1.3,
        )
        self.add(section, "  vs the server alone (COPY (query) TO '/dev/null')", ms(ours), f"{ms(server)} ({runs(results['server'])})", f"{ours / server:.2f} ×")
        self.add(
            section,
            "F5 then Load everything at once (the whole query from its start) → last row",
            ms(fresh),
            f"QSqlQueryModel {ms(qsql)}",
            f"{fresh / qsql:.2f} ×",
            "≤ 1.0 ×",
            fresh / qsql <= 1.0,
            note=runs(results["F5 + action"]),
        )
        self.note(
            f"Any table, Load everything: the baselines run `{query}` (every column, every row, in the window's order); the window"
            " reads the same rows through its own paged plan.  QSqlQueryModel and fetchall() hold no view; the window's view is"
            " attached and shown.  The methods' runs are interleaved."
        )
        if ours > qsql or fresh > qsql:
            self.note(
                "Any table, why Load everything is slower than QSqlQueryModel: after the first page the window asks `TableResult`"
                " for the rest as one page (`FETCH_ALL_PAGE`), read as two key ranges on two connections at once (split at the"
                " key's histogram) and each binary COPY walked as it arrives (`gui/data/transport.py`); the halves are then joined"
                f" and appended to the model's columns.  The server alone takes {ms(server)}; QSqlQueryModel only keeps libpq's"
                " text result."
            )

    # -- 3. memory ---------------------------------------------------------------------------
    def memory(self) -> None:
        rows = self.sizes[LOAD]
        section = SECTION_MEMORY.format(table=LOAD, rows=rows)
        self.log("Any table: memory (a fresh process per method) …")
        got = {}
        for method in ("window", "qsqlquerymodel", "fetchall"):
            got[method] = memory_in_subprocess(method, LOAD, rows, self.target)
            g = got[method]
            self.log(
                f"  {method}: before {g['rss_before'] / 2**20:.0f} MiB, peak {g['peak'] / 2**20:.0f} MiB, after {g['rss_after'] / 2**20:.0f} MiB"
            )

        def growth(g: dict, key: str) -> float:
            return (g[key] - g["rss_before"]) / rows

        ours, qsql, fetchall = got["window"], got["qsqlquerymodel"], got["fetchall"]
        for key, label in (("peak", "peak RSS growth"), ("rss_after", "RSS growth once loaded")):
            mine, base = growth(ours, key), growth(qsql, key)
            self.add(
                section,
                f"{label} per row: window (Load everything) vs QSqlQueryModel",
                f"{mine:.0f} B/row",
                f"{base:.0f} B/row",
                f"{mine / base:.2f} ×" if base > 0 else "",
                "≤ QSqlQueryModel's" if key == "peak" else "",
                (mine <= base) if key == "peak" else None,
            )
        self.add(
            section,
            "  for scale: psycopg2 fetchall() (peak RSS growth per row)",
            f"{growth(fetchall, 'peak'):.0f} B/row",
            note=f"{growth(fetchall, 'rss_after'):.0f} B/row once loaded",
        )
        self.add(section, "the window's loaded columns, `nbytes()` per row", f"{ours['model_bytes'] / rows:.1f} B/row")
        if "rss_trimmed" in ours:
            self.add(
                section,
                "  diagnosis: the window's RSS growth once loaded, after glibc's `malloc_trim(0)`",
                f"{growth(ours, 'rss_trimmed'):.0f} B/row",
                note="freed memory malloc had kept is returned; not on the user's path",
            )
        self.note(
            "Any table, memory: each method in a fresh process, connected (the window open and showing its first screen) before"
            " RSS is taken; the high-water mark (VmHWM) is reset through `/proc/self/clear_refs` just before the load"
            + ("" if all(g.get("peak_reset") for g in got.values()) else " (the reset failed here: the peaks include start-up)")
            + ", so peak growth is the load's own.  QSqlQueryModel holds libpq's text result (QPSQL reports the size, so the whole"
            " result arrives in `setQuery()`)."
        )
        if growth(ours, "peak") > growth(qsql, "peak"):
            columns = ours["model_bytes"] / rows
            trimmed = ""
            if "rss_trimmed" in ours:
                trimmed = f"; after `malloc_trim(0)` it holds {growth(ours, 'rss_trimmed'):.0f} B/row"
                if growth(ours, "rss_trimmed") - columns < (growth(ours, "rss_after") - columns) / 2:
                    trimmed += ", so most of the rest was freed memory malloc kept (the worker thread's)"
            self.note(
                "Any table, why the window's peak is above QSqlQueryModel's: `gui/data/transport.py` walks each COPY as it"
                " arrives (8 MB at a time), but the two halves of the page are read at once, then joined into one page (a copy),"
                " which the model then appends after its first screen (another copy), so the columns are held two or three times"
                f" over at the peak.  Once loaded the window's RSS is {growth(ours, 'rss_after'):.0f} B/row"
                f" above the start (QSqlQueryModel's {growth(qsql, 'rss_after'):.0f}), of which its columns are"
                f" {columns:.0f}{trimmed}.  What would fix it: hand the halves to the model as pages of their own and let the"
                " model adopt a big page's arrays instead of copying them; give freed buffers back after a big page."
                + (
                    f"  The numeric(12,3) column is kept as its text: {ours['column_bytes']['value'] / rows:.0f} B/row, where a"
                    " scaled int64 would take 8."
                    if "value" in ours.get("column_bytes", {})
                    else ""
                )
            )

    # -- 4. commit -----------------------------------------------------------------------------
    def commits(self) -> None:
        from .proxy import ProxyProcess

        n = self.reps(5)
        # every run (the warm-up, n timed, two through the proxy, the typing loops) on rows of its own
        rows = min(COMMIT_ROWS, self.sizes[LOAD] // (n + 4))
        changes = rows * len(COMMIT_COLUMNS)
        section = SECTION_COMMIT.format(changes=changes, rows=rows)
        self.log(f"Any table: commit of {changes:,} changes through the window …")
        timings: dict[str, list[float]] = {"typed_empty": [], "paste": [], "typed_full": [], "review": [], "commit": []}
        editor, _ = open_window(self.url, LOAD, self._home("commit"))
        try:
            for i in range(n + 1):  # + a warm-up
                got = self._commit_once(editor, run=i, rows=rows)
                if i:
                    for key in timings:
                        timings[key].append(got[key])
            journal_bytes = got["journal_bytes"]
            loops = self._typing_loops(editor, first_id=1 + (n + 3) * rows, rows=rows)
        finally:
            close_window(editor)
        for key, values in timings.items():
            self._log_runs(key, values)

        # round trips, through a zero-delay proxy in its own process (it counts the turns of every connection)
        proxy = ProxyProcess(self.target.host, self.target.port, delay=0, lifetime=900).start()
        try:
            via = Target(self.target.host, proxy.port, self.target.user, self.target.password, self.target.database)
            editor, _ = open_window(url_of(via), LOAD, self._home("commit-proxy"))
            try:
                for i in range(2):  # the second on a warm pool, as in use
                    trips = self._commit_once(editor, run=n + 1 + i, rows=rows, proxy=proxy)
            finally:
                close_window(editor)
        finally:
            proxy.stop()
        self.log(f"  round trips: review {trips['review_trips']}, commit {trips['commit_trips']} ({trips['statements']} statements)")

        self.add(
            section,
            "round trips of the commit (the review's Commit clicked → `committed`)",
            str(trips["commit_trips"]),
            goal="≤ 5",
            met=trips["commit_trips"] <= 5,
        )
        self.add(section, "round trips of the review (Commit clicked → the review shown)", str(trips["review_trips"]))
        self.add(section, "commit: the review's Commit clicked → `committed`", ms(median(timings["commit"])), note=runs(timings["commit"]))
        self.add(section, "review: Commit clicked → the review dialog shown", ms(median(timings["review"])), note=runs(timings["review"]))
        self.add(
            section,
            f"the {changes:,} changes pasted: a column of {rows:,} values into value, then into note (Edit → Paste twice, GUI thread)",
            ms(median(timings["paste"])),
            note=runs(timings["paste"]),
        )
        (small, small_loop, small_drained, small_rss), (big, big_loop, big_drained, big_rss) = loops
        self.add(
            section,
            f"{big:,} cells typed in a loop (`set_cell` after `set_cell`) → the journal written",
            ms(big_drained),
            f"{small:,} cells: {ms(small_drained)}",
            f"{big_drained / small_drained:.1f} ×",
            note=f"the loop itself {ms(big_loop)} against {ms(small_loop)}; RSS +{big_rss / 2**20:.0f} MiB against +{small_rss / 2**20:.0f} MiB at its end",
        )
        empty, full = median(timings["typed_empty"]), median(timings["typed_full"])
        self.add(
            section,
            f"one cell typed (`set_cell`, GUI thread) with {changes:,} changes pending",
            ms(full) if full >= 0.010 else f"{full * 1000:.1f} ms",
            f"{empty * 1000:.1f} ms with none pending",
            f"{full / empty:.0f} ×",
            note=f"{runs(timings['typed_full'])}; the journal then written holds {journal_bytes / 2**20:.1f} MiB",
        )
        self.note(
            f"Any table, commit: each run filters {LOAD} to {rows:,} rows no run edited before (`id ≥ a` and `id < a + {rows:,}` in"
            " the filter bar, Apply), loads them all (Load everything), types one cell, pastes a column of new values into value and"
            " one of new notes into note (the clipboard set, the column's first cell clicked, Edit → Paste), types one cell again,"
            " clicks Commit, then the review's Commit; the values are then read back from the database and compared."
            f"  The {changes:,} changes are pasted, as a user would; the typing loops show what typing cell after cell costs, and"
            " the typed-cell figure one keystroke's cost with them all pending: the GUI thread copies the pending set (a dict),"
            " and one queued journal write serializes the latest copy on its lane (when each keystroke serialized them all on the"
            " GUI thread, a keystroke cost 41 ms at 10,000 pending and a typing loop grew without bound).  Round trips are counted"
            " by a zero-delay proxy in its own process (each time a client speaks after the server did), on the second commit of"
            f" a window connected through it; SQLAlchemy's `before_cursor_execute` saw {trips['statements']} statement(s) during"
            " that commit (the pool's pre-ping, BEGIN and COMMIT do not pass through it)."
        )

    def _typing_loops(self, editor: Editor, first_id: int, rows: int) -> list[tuple[int, float, float, int]]:
        """Cells typed one after another as fast as ``set_cell`` returns, the journal
        left to catch up: (cells, seconds of the loop, seconds until the journal is
        written, RSS growth at the loop's end), for two counts, to show how the cost grows."""
        from .memory import current_rss

        window = editor.window
        model = window.model
        first_rows(window, lambda: apply_filter(window, [Condition("id", "≥", first_id), Condition("id", "<", first_id + rows)]))
        settle(editor)
        first_rows(window, window.load_all_action.trigger, lambda: not model.canFetchMore())
        settle(editor)
        column = model.names.index("note")
        out = []
        for cells in TYPING_LOOPS if self.bench.scale else TYPING_LOOPS_SMOKE:
            cells = min(cells, model.rowCount())
            gc.collect()
            before = peak = current_rss()
            started = time.perf_counter()
            for row in range(cells):
                if not model.set_cell(row, column, f"typed {cells}, row {row}"):
                    raise RuntimeError(f"the window refused an edit: {window.message.text()}")
                if row % 50 == 0:
                    peak = max(peak, current_rss())
            loop = time.perf_counter() - started
            peak = max(peak, current_rss())
            settle(editor)
            drained = time.perf_counter() - started
            out.append((cells, loop, drained, peak - before))
            self.log(f"  typing {cells:,} cells in a loop: {loop:.2f} s, journal written at {drained:.2f} s, RSS +{(peak - before) / 2**20:.0f} MiB")
            click(window.revert_button)
            box = window.revert_box
            box.button(QMessageBox.StandardButton.Discard).click()
            settle(editor)
            if window.edits:
                raise RuntimeError("Revert all left pending changes")
        return out

    def _commit_once(self, editor: Editor, run: int, rows: int, proxy=None) -> dict:
        window = editor.window
        model = window.model
        first = 1 + run * rows
        conditions = [Condition("id", "≥", first), Condition("id", "<", first + rows)]
        first_rows(window, lambda: apply_filter(window, conditions))
        settle(editor)
        first_rows(window, window.load_all_action.trigger, lambda: not model.canFetchMore())
        settle(editor)
        if model.rowCount() != rows:
            raise RuntimeError(f"the filter shows {model.rowCount():,} rows, expected {rows:,}")
        value_col, note_col = (model.names.index(c) for c in COMMIT_COLUMNS)
        keys = [model.key_at(row)[0] for row in range(rows)]
        values = [f"{(key * 7 + run) % 1_000_000}.{run % 1000:03d}" for key in keys]
        notes = [f"run {run}, row {key}" for key in keys]

        # one cell typed with nothing pending, then both columns pasted, then one cell typed again
        typed_empty = type_cell(editor, 0, value_col, "0.5")
        pasted = [paste_column(editor, value_col, values), paste_column(editor, note_col, notes)]
        if len(window.edits) != rows * 2:
            raise RuntimeError(f"{len(window.edits)} pending changes, expected {rows * 2}: {window.message.text()}")
        values[0] = f"{(keys[0] * 7 + run) % 1_000_000}.5"
        typed_full = type_cell(editor, 0, value_col, values[0])
        journal = window.journal.path.stat().st_size if window.journal.path.exists() else 0

        trips = [proxy.round_trips() if proxy else 0]
        watcher = ShowWatcher(CellReviewDialog)
        app = QApplication.instance()
        app.installEventFilter(watcher)
        try:
            started = time.perf_counter()
            click(window.commit_button)
            wait_until(lambda: watcher.shown_at is not None, LOAD_TIMEOUT, poll_ms=2)
            review = watcher.shown_at - started
        finally:
            app.removeEventFilter(watcher)
        dialog = window.review_dialog
        if dialog is None:
            raise RuntimeError(f"no review: {window.message.text()}")
        settle(editor)
        trips.append(proxy.round_trips() if proxy else 0)
        statements = StatementCounter(window.engine)
        results: list = []

        def on_committed(result, *_changes) -> bool:
            # taken in the slot: the window reloads its rows right after this signal
            statements.active = False
            trips.append(proxy.round_trips() if proxy else 0)
            results.append(result)
            return True

        try:
            statements.active = True
            started = time.perf_counter()
            ended = wait_signal(window.committed, on_committed, LOAD_TIMEOUT, start=lambda: click(dialog.commit_button))
        finally:
            statements.active = False
            statements.close()
        result = results[0]
        if result.changes != rows * 2 or result.rows != rows:
            raise RuntimeError(f"committed {result.changes} changes to {result.rows} rows, expected {rows * 2} to {rows}")
        settle(editor)
        if window.edits:
            raise RuntimeError(f"{len(window.edits)} changes still pending after the commit")
        self._verify(first, rows, dict(zip(keys, zip(values, notes))))
        return {
            "typed_empty": typed_empty,
            "paste": sum(pasted),
            "typed_full": typed_full,
            "journal_bytes": journal,
            "review": review,
            "commit": ended - started,
            "review_trips": trips[1] - trips[0],
            "commit_trips": trips[2] - trips[1],
            "statements": statements.count,
        }

    def _verify(self, first: int, rows: int, typed: dict[int, tuple[str, str]]) -> None:
        conn = self.target.connect()
        try:
            cur = conn.cursor()
            cur.execute(f"SELECT id, value::text, note FROM {LOAD} WHERE id >= %s AND id < %s", (first, first + rows))
            stored = {key: (value, note) for key, value, note in cur.fetchall()}
        finally:
            conn.close()
        wrong = [key for key, (value, note) in typed.items() if stored.get(key) != (f"{float(value):.3f}", note)]
        if wrong:
            raise RuntimeError(f"{len(wrong)} rows do not hold what was typed (id {wrong[:5]} …): {stored.get(wrong[0])} vs {typed[wrong[0]]}")
