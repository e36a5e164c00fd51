"""The tutorial's window (``gui/qt/main_window.py``) on its own table, measured on the
user's path, beside the baselines in the same run.

The table is the tutorial's ``some_table`` at scale: two ``integer`` columns, 2,000,000
random rows (x and y in [0, 1,000,000), so most x have two rows, as the tutorial's
rows repeat), an index on ``(x, y)``, no key: ``--url`` opens it in the tutorial's
window by default, ``y > 6`` (the default threshold) shows all but a handful.

Driven only through what a user reaches: ``Editor.connect_url`` then ``show()`` and
the event loop, as ``main()`` does for ``--url`` (the whole process is timed by
:mod:`bench.startup`); F5 (View → Reload) triggered; a value typed into Go to x and
Enter, or Go to x emptied and Enter (from the first row again); Ctrl+End pressed in
the table (the real last row: every row loaded, then the last selected) and View →
Load everything triggered; a column pasted into ``y`` (the clipboard set, the first
``y`` cell clicked, Edit → Paste); cells typed through the model's ``setData`` (what
the cell editor commits), Revert clicked and its question answered.  Each time ends
at what the user waits for: the model's ``rows_loaded`` with the rows, the last row
current once loading ends, the pending set holding the paste.

Baselines, their runs interleaved with the window's: ``QSqlQueryModel`` (QPSQL)
``setQuery`` + ``fetchMore`` until done + the last row read, psycopg2 ``execute`` +
``fetchall()``, and the server alone (``COPY (query) TO '/dev/null'``), all on
``SELECT x, y FROM some_table WHERE y > 6 ORDER BY x, y``: the window's rows, in its
order.  Memory is measured in a fresh process per method (``python -m
bench.memory``): RSS as ``ps`` shows it, before and after the whole table is loaded.
"""

from __future__ import annotations

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
from PySide6.QtCore import Qt
from PySide6.QtSql import QSqlDatabase
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.qt.app import Editor, freeze_startup_objects, parse_args
from gui.qt.main_window import MainWindow, Paths
from gui.qt.rows_model import VALUE_COLUMN

from .mixed import _reset_peak, psycopg2_fetchall, qsql_query_model, server_only, url_of
from .qt import GapMeter, pump, wait_signal, wait_until
from .report import Figure, median, ms, runs
from .tables import Target

TABLE = "some_table"
ROWS = 2_000_000
VALUE_RANGE = 1_000_000
THRESHOLD = 6  # the app's default --threshold
QUERY = f"SELECT x, y FROM {TABLE} WHERE y > {THRESHOLD} ORDER BY x, y"
LOAD_TIMEOUT = 300.0
LAST_ROW_GOAL = 1.1  # × QSqlQueryModel
MEMORY_GOAL = 40  # bytes a row, the process's growth
EDITS, PENDING = 10_000, 100_000
COMMIT_CHANGES = 10_000
EDIT_GOAL = 0.016
SECTION = "The tutorial's window on some_table ({rows:,} rows, index on (x, y)), through the window"
SECTION_MEMORY = "The tutorial's window: memory for some_table loaded whole ({rows:,} rows, a fresh process per method)"
SECTION_EDITS = "The tutorial's window: {edits:,} edits typed one after another, through the window"


# -- the table ------------------------------------------------------------------------


def build_tutorial_table(target: Target, log, rows: int) -> float:
    """``some_table`` with ``rows`` random rows and an index on ``(x, y)``; seconds taken."""
    started = time.perf_counter()
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SELECT setseed(0.14)")
        ident = sql.Identifier(TABLE)
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
        cur.execute(
            sql.SQL(
                "CREATE UNLOGGED TABLE {} AS SELECT (random() * {r})::integer AS x, (random() * {r})::integer AS y"
                " FROM generate_series(1, {n})"
            ).format(ident, r=sql.Literal(VALUE_RANGE - 1), n=sql.Literal(rows))
        )
        cur.execute(sql.SQL("CREATE INDEX ON {} (x, y)").format(ident))
        cur.execute(sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = off)").format(ident))
        cur.execute(sql.SQL("VACUUM ANALYZE {}").format(ident))
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    log(f"  {TABLE}: {rows:,} rows in {seconds:.1f} s")
    return seconds


def shown_rows(target: Target) -> int:
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT count(*) FROM {TABLE} WHERE y > {THRESHOLD}")
        return int(cur.fetchone()[0])
    finally:
        conn.close()


# -- the window, as a user drives it ----------------------------------------------------


def open_tutorial(url: str, home: Path) -> tuple[Editor, float]:
    """``main()``'s path for ``--url URL``: the Editor, ``connect_url``, ``show()``, the
    startup objects frozen, the event loop; returns the editor and the seconds from
    ``connect_url`` to the first rows in the model."""
    editor = Editor(parse_args(["--url", url]), paths=Paths(data=home / "data", config=home / "config"))
    started = time.perf_counter()
    editor.connect_url(url)
    window = editor.window
    if not isinstance(window, MainWindow):
        raise RuntimeError(f"{TABLE} opened in {type(window).__name__}, not the tutorial's window")
    window.show()
    freeze_startup_objects()
    model = window.model
    ended = wait_signal(model.rows_loaded, lambda n: n > 0 or not model.canFetchMore(), LOAD_TIMEOUT)
    settle(editor)
    return editor, ended - started


def settle(editor: Editor) -> None:
    """Until nothing runs: the pages, the background count, the relations list, the journal."""
    model = editor.window.model
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


def first_rows(window: MainWindow, action: Callable[[], None], until: Callable[[], bool] | None = None) -> float:
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


def go_to(window: MainWindow, text: str) -> None:
    """Go to x: ``text`` typed into its field, then Enter (empty: from the first row)."""
    window.goto_edit.setFocus()
    window.goto_edit.setText(text)
    QTest.keyClick(window.goto_edit, Qt.Key.Key_Return)


def from_the_start(editor: Editor) -> None:
    """Back to a first screen from the first row: Go to x emptied, Enter."""
    window = editor.window
    first_rows(window, lambda: go_to(window, ""), lambda: window.model.at_start)
    settle(editor)
    if window.model.offset != 0:
        raise RuntimeError("Go to x emptied did not show a first screen from the first row")


def last_row(editor: Editor, meter: GapMeter | None = None) -> float:
    """Ctrl+End pressed in the table → every row loaded and the last one current."""
    window = editor.window
    model, view = window.model, window.view

    def reached(loading: bool) -> bool:
        return not loading and not model.canFetchMore() and view.currentIndex().row() == model.rowCount() - 1

    def press() -> None:
        QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)

    started = time.perf_counter()
    if meter is None:
        ended = wait_signal(model.loading_changed, reached, LOAD_TIMEOUT, start=press)
    else:
        with meter:
            ended = wait_signal(model.loading_changed, reached, LOAD_TIMEOUT, start=press)
    return ended - started


def load_everything(editor: Editor) -> float:
    """View → Load everything → the last row in the model."""
    window = editor.window
    model = window.model
    return first_rows(window, window.load_all_action.trigger, lambda: not model.canFetchMore())


def click_cell(window: MainWindow, row: int, column: int) -> None:
    view = window.view
    index = window.model.index(row, column)
    view.scrollTo(index)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view.visualRect(index).center())
    if view.currentIndex() != index:
        raise RuntimeError(f"the click did not make the cell ({row}, {column}) current")


def revert_all(editor: Editor) -> None:
    """Revert clicked, Discard answered."""
    window = editor.window
    QTest.mouseClick(window.revert_button, Qt.MouseButton.LeftButton)
    window.revert_box.button(QMessageBox.StandardButton.Discard).click()
    settle(editor)
    if window.pending:
        raise RuntimeError(f"Revert left {len(window.pending):,} pending changes")


# -- memory, in a fresh process (``python -m bench.memory``) -------------------------------


def measure_memory(method: str, rows: int, target: Target) -> dict:
    """One whole load of some_table by ``method`` (``window``: Ctrl+End in the tutorial's
    window; ``qsqlquerymodel``; ``fetchall``): RSS before (connected, the window showing
    its first screen), after, and the peak in between."""
    from .memory import current_rss, peak_rss

    out: dict = {}
    home = tempfile.TemporaryDirectory(prefix="bench-tutorial-memory-")
    kept = None
    if method == "window":
        editor, _ = open_tutorial(url_of(target), Path(home.name))
        gc.collect()
        before = current_rss()
        out["peak_reset"] = _reset_peak()
        last_row(editor)
        model = editor.window.model
        if model.rowCount() != rows:
            raise RuntimeError(f"the window holds {model.rowCount():,} rows, expected {rows:,}")
        out["model_bytes"] = model.nbytes()
    elif method == "qsqlquerymodel":
        from PySide6.QtSql import QSqlQueryModel

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
        kept = QSqlQueryModel()
        kept.setQuery(QUERY, db)
        while kept.canFetchMore():
            kept.fetchMore()
        if kept.rowCount() != rows:
            raise RuntimeError(f"QSqlQueryModel holds {kept.rowCount():,} rows")
    elif method == "fetchall":
        conn = target.connect(autocommit=False)
        gc.collect()
        before = current_rss()
        out["peak_reset"] = _reset_peak()
        cur = conn.cursor()
        cur.execute(QUERY)
        kept = cur.fetchall()
        if len(kept) != rows:
            raise RuntimeError(f"fetchall() gave {len(kept):,} rows")
    else:
        raise SystemExit(f"unknown method {method!r}")
    pump(0.2)  # what the event loop does next (a repaint, the journal) is part of "after"
    out.update(rows=rows, rss_before=before, rss_after=current_rss(), peak=peak_rss())
    try:
        # a diagnosis, after the figures: how much of the growth is memory freed but kept by malloc
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        out["rss_trimmed"] = current_rss()
    except (OSError, AttributeError):
        pass
    home.cleanup()
    return out


def memory_in_subprocess(method: str, rows: int, target: Target) -> dict:
    args = json.dumps({"method": f"tutorial-{method}", "table": TABLE, "rows": rows, "target": target.__dict__})
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
        raise RuntimeError(f"memory run {method} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the section ----------------------------------------------------------------------------


class TutorialBench:
    """The figures for the tutorial's window; ``bench`` is the :class:`bench.run.Bench`
    collecting them.  :attr:`figures` keeps them by name, so the sections that time
    an internal call can show them beside it."""

    def __init__(self, bench, target: Target, rows: int = ROWS) -> None:
        self.bench = bench
        self.target = target
        self.rows_built = rows
        self.url = url_of(target)
        self.home = tempfile.TemporaryDirectory(prefix="bench-tutorial-")
        bench.cleanups.append(self.home.cleanup)
        self.log = bench.log
        self.figures: dict[str, Figure] = {}
        self.rows = 0

    def reps(self, n: int) -> int:
        return self.bench.reps(n)

    def add(self, key: str, *args, **kwargs) -> Figure:
        fig = self.bench.add(*args, **kwargs)
        self.figures[key] = fig
        return fig

    def note(self, text: str) -> None:
        self.bench.notes.append(text)

    def _home(self, name: str) -> Path:
        path = Path(self.home.name) / name
        path.mkdir(exist_ok=True)
        return path

    def _log_runs(self, label: str, values: list[float]) -> None:
        self.log(f"  {label}: median {ms(median(values))} of {[round(v * 1000) for v in values]} ms")

    def build(self) -> None:
        self.log(f"Building {TABLE} …")
        seconds = build_tutorial_table(self.target, self.log, self.rows_built)
        self.rows = shown_rows(self.target)
        self.note(
            f"The tutorial's window: `{TABLE}` ({self.rows_built:,} rows, x and y random integers in [0, {VALUE_RANGE:,}), index on"
            f" (x, y), no key; {self.rows:,} rows have y > {THRESHOLD}), built in {seconds:.0f} s.  Driven as a user does:"
            " `Editor(parse_args(['--url', URL]))`, `connect_url`, `show()` and the startup objects frozen, as `main()` does;"
            " F5 and View → Load everything triggered; Go to x typed and Enter; Ctrl+End pressed in the table; Edit → Paste"
            " after a click in the y column; cells typed through the model's `setData` (the cell editor's commit); Revert"
            " clicked and Discard answered.  The window is shown (offscreen platform) with its view attached; between runs"
            " every task (page, count, journal) finishes first."
        )

    def run(self) -> None:
        self.build()
        self.first_screens()
        self.last_row()
        self.commits()
        self.memory()
        self.edits()

    # -- 1. first rows --------------------------------------------------------------------
    def first_screens(self) -> None:
        section = SECTION.format(rows=self.rows_built)
        self.log(f"Tutorial window: first rows on {TABLE} …")
        opens = []
        for i in range(self.reps(5) + 1):  # + a warm-up
            editor, seconds = open_tutorial(self.url, self._home("first"))
            close_window(editor)
            if i:
                opens.append(seconds)
        self._log_runs("connect_url → first rows", opens)
        self.add(
            "connect",
            section,
            "`--url`, in the process: `Editor.connect_url` → first rows in the model (engine, connection, catalog, first page)",
            ms(median(opens)),
            note=runs(opens),
        )
        editor, _ = open_tutorial(self.url, self._home("first"))
        try:
            window = editor.window
            model = window.model

            def check_start() -> None:
                if model.offset != 0 or model.rowCount() < 1:
                    raise RuntimeError("F5 did not show the first rows")

            values = []
            for i in range(self.reps(7) + 1):
                seconds = first_rows(window, window.reload_action.trigger)
                check_start()
                settle(editor)
                if i:
                    values.append(seconds)
            self._log_runs("F5 → first rows", values)
            self.add("f5", section, "View → Reload (F5) → first rows in the model", ms(median(values)), goal="< 150 ms", met=median(values) < 0.150, note=runs(values))

            keys = iter(range(VALUE_RANGE // 3, VALUE_RANGE, 9_973))
            gone = []
            for i in range(self.reps(7) + 1):
                key = next(keys)
                seconds = first_rows(window, lambda k=key: go_to(window, str(k)))
                if model.key_at(0) < key:
                    raise RuntimeError(f"Go to x {key} started at x = {model.key_at(0)}")
                settle(editor)
                if i:
                    gone.append(seconds)
            self._log_runs("go to x → first rows", gone)
            self.add("goto", section, "Go to x (a value typed, Enter) → first rows in the model", ms(median(gone)), goal="< 200 ms", met=median(gone) < 0.200, note=runs(gone))
        finally:
            close_window(editor)

    def f5_through(self, target: Target, n: int, key: str, section: str) -> None:
        """The window connected through ``target`` (the delay proxy): F5 → first rows."""
        editor, _ = open_tutorial(url_of(target), self._home(key))
        try:
            window = editor.window
            values = []
            for i in range(n + 1):
                seconds = first_rows(window, window.reload_action.trigger)
                settle(editor)
                if i:
                    values.append(seconds)
        finally:
            close_window(editor)
        self._log_runs(f"{key}: F5 → first rows", values)
        self.add(key, section, "the tutorial's window: View → Reload (F5) → first rows in the model", ms(median(values)), note=runs(values))

    # -- 2. the last row --------------------------------------------------------------------
    def last_row(self) -> None:
        rows = self.rows
        section = SECTION.format(rows=self.rows_built)
        self.log(f"Tutorial window: the last row of {TABLE} …")
        editor, _ = open_tutorial(self.url, self._home("last"))
        window = editor.window
        model = window.model
        db = QSqlDatabase.addDatabase("QPSQL", "tutorial")
        db.setHostName(self.target.host)
        db.setPort(self.target.port)
        db.setDatabaseName(self.target.database)
        db.setUserName(self.target.user)
        db.setPassword(self.target.password)
        if not db.open():
            raise RuntimeError(f"QPSQL could not connect: {db.lastError().text()}")
        pg = self.target.connect(autocommit=False)
        admin = self.bench.cluster.connect(self.target.database)
        gaps: list[float] = []

        def checked(seconds: float) -> float:
            if model.rowCount() != rows:
                raise RuntimeError(f"the window holds {model.rowCount():,} rows, expected {rows:,}")
            return seconds

        def ctrl_end() -> float:
            # the window as a user finds it (drop() ran before): the first screen shown, the count done
            meter = GapMeter()
            seconds = checked(last_row(editor, meter))
            gaps.append(meter.longest)
            settle(editor)
            return seconds

        def load_all() -> float:
            seconds = checked(load_everything(editor))
            settle(editor)
            return seconds

        def drop() -> None:
            # the next method starts without the window's rows in memory
            from_the_start(editor)

        methods = {
            "Ctrl+End": (ctrl_end, self.reps(7)),
            "Load everything": (load_all, self.reps(5)),
            "QSqlQueryModel": (lambda: qsql_query_model(db, QUERY, rows), self.reps(7)),
            "fetchall": (lambda: psycopg2_fetchall(pg, QUERY, rows), self.reps(5)),
            "server": (lambda: server_only(admin, QUERY), self.reps(5)),
        }
        results: dict[str, list[float]] = {name: [] for name in methods}
        try:
            for fn, _n in methods.values():
                fn()  # warm-up
                drop()
            gaps.clear()
            for i in range(max(n for _fn, n in methods.values())):
                for name, (fn, n) in methods.items():
                    if i < n:
                        results[name].append(fn())
                        if name in ("Ctrl+End", "Load everything"):
                            drop()
        finally:
            pg.close()
            admin.close()
            db.close()
            del db
            QSqlDatabase.removeDatabase("tutorial")
            close_window(editor)
        for name, values in results.items():
            self._log_runs(f"{TABLE} {name}", values)
        self.log(f"  longest gaps during Ctrl+End: {[round(g * 1000) for g in gaps]} ms")

        ours = median(results["Ctrl+End"])
        qsql, fetchall, server = (median(results[k]) for k in ("QSqlQueryModel", "fetchall", "server"))
        self.add("last_row", section, "Ctrl+End in the table → every row loaded, the last row current", ms(ours), note=runs(results["Ctrl+End"]))
        self.add(
            "last_row_qsql",
            section,
            "  vs QSqlQueryModel (QPSQL): setQuery + fetchMore until done + the last row read",
            ms(ours),
            f"{ms(qsql)} ({runs(results['QSqlQueryModel'])})",
            f"{ours / qsql:.2f} ×",
            f"≤ {LAST_ROW_GOAL} ×",
            ours / qsql <= LAST_ROW_GOAL,
        )
        self.add(
            "last_row_fetchall",
            section,
            "  vs psycopg2 execute + fetchall()",
            ms(ours),
            f"{ms(fetchall)} ({runs(results['fetchall'])})",
            f"{ours / fetchall:.2f} ×",
        )
        self.add(
            "last_row_server",
            section,
            "  vs the server alone (COPY (query) TO '/dev/null')",
            ms(ours),
            f"{ms(server)} ({runs(results['server'])})",
            f"{ours / server:.2f} ×",
        )
        everything = median(results["Load everything"])
        self.add(
            "load_all",
            section,
            "View → Load everything → the last row in the model",
            ms(everything),
            f"QSqlQueryModel {ms(qsql)}",
            f"{everything / qsql:.2f} ×",
            note=runs(results["Load everything"]),
        )
        self.add(
            "last_row_gap",
            section,
            "longest stop of the GUI thread (a 10 ms timer) during Ctrl+End",
            ms(max(gaps)),
            goal="< 50 ms",
            met=max(gaps) < 0.050,
            note=f"worst of {runs(gaps)}",
        )
        self.note(
            f"The tutorial's window, the last row: each run starts from a first screen of the first row (Go to x emptied, Enter;"
            f" the count done), then Ctrl+End is pressed in the table; it ends when loading has ended with every row in the model"
            f" and the last row current.  The baselines run `{QUERY}` and hold no view; the window's view is attached and shown."
            " The methods' runs are interleaved."
        )

    # -- 3. memory -----------------------------------------------------------------------------
    def memory(self) -> None:
        rows = shown_rows(self.target)  # a commit may have shown rows of its keys that y > 6 hid
        section = SECTION_MEMORY.format(rows=rows)
        self.log("Tutorial window: memory (a fresh process per method) …")
        got = {}
        for method in ("window", "qsqlquerymodel", "fetchall"):
            got[method] = memory_in_subprocess(method, rows, self.target)
            g = got[method]
            self.log(
                f"  {method}: before {g['rss_before'] / 2**20:.0f} MiB, peak {g['peak'] / 2**20:.0f} MiB, after {g['rss_after'] / 2**20:.0f} MiB"
            )

        def growth(g: dict, key: str) -> float:
            return (g[key] - g["rss_before"]) / rows

        ours, qsql, fetchall = got["window"], got["qsqlquerymodel"], got["fetchall"]
        mine = growth(ours, "rss_after")
        self.add(
            "memory",
            section,
            "the process's growth per loaded row (RSS as ps shows it, after Ctrl+End − before)",
            f"{mine:.0f} B/row",
            f"QSqlQueryModel {growth(qsql, 'rss_after'):.0f} B/row, fetchall() {growth(fetchall, 'rss_after'):.0f} B/row",
            f"{mine / growth(qsql, 'rss_after'):.2f} ×",
            f"≤ {MEMORY_GOAL} B/row",
            mine <= MEMORY_GOAL,
        )
        self.add(
            "memory_peak",
            section,
            "peak RSS growth per row while loading",
            f"{growth(ours, 'peak'):.0f} B/row",
            f"QSqlQueryModel {growth(qsql, 'peak'):.0f} B/row, fetchall() {growth(fetchall, 'peak'):.0f} B/row",
            f"{growth(ours, 'peak') / growth(qsql, 'peak'):.2f} ×",
        )
        self.add("memory_columns", section, "  of which the window's two columns (`RowsModel.nbytes()`)", f"{ours['model_bytes'] / rows:.1f} B/row")
        self.note(
            "The tutorial's window, memory: each method in a fresh process, connected (the window open on its first screen)"
            " before RSS is taken; the high-water mark (VmHWM) is reset through `/proc/self/clear_refs` just before the load"
            + ("" if all(g.get("peak_reset") for g in got.values()) else " (the reset failed here: the peaks include start-up)")
            + "; after the load the event loop runs 0.2 s before RSS is read again."
        )

    # -- 4. commit ------------------------------------------------------------------------------
    def commits(self, target: Target | None = None, n: int | None = None, key: str = "commit", section: str | None = None) -> None:
        """10,000 changes pasted, then Commit clicked, the review shown, its Commit clicked;
        against the one bare ``UPDATE ... FROM unnest`` of as many keys (autocommit).
        ``target``: another way to the server (the delay proxy), whose runs take rows
        from the table's start, the others from its end."""
        from gui.qt.review import ReviewDialog

        from .mixed import ShowWatcher

        changes = COMMIT_CHANGES if self.bench.scale else 500
        n = n or self.reps(5)
        section = section or SECTION.format(rows=self.rows_built)
        self.log(f"Tutorial window: commit of {changes:,} changes{' through the proxy' if target else ''} …")
        editor, _ = open_tutorial(url_of(target) if target else self.url, self._home(key))
        window = editor.window
        model = window.model
        bare_conn = (target or self.target).connect()
        timings: dict[str, list[float]] = {"review": [], "commit": [], "bare": []}
        try:
            last_row(editor)
            settle(editor)
            keys = model_keys(window)
            # every run (and the bare statement between) on rows no other touched: from the end back
            blocks = blocks_from_end(keys if target is None else keys[::-1], changes, 2 * (n + 1))
            if target is not None:  # from the start instead
                blocks = [(len(keys) - end, len(keys) - first) for first, end in blocks]
            for i in range(n + 1):  # + a warm-up
                first, end = blocks[2 * i]
                if model.canFetchMore() or model.can_fetch_before():
                    # the commit reloaded the rows around the user's place: all of them again
                    first_rows(window, window.load_all_action.trigger, lambda: not model.canFetchMore() and model.at_start)
                    settle(editor)
                # rows change after a commit (hidden rows of a key committed show) and may be
                # missed or seen twice where the bare statement moved them while the window
                # held only part of the result (as between any two pages): all of it after
                # this run's block; the block itself must be where it was

                if keys_of(window, first, end) != keys[first:end]:
                    raise RuntimeError("the rows moved since their keys were read")
                paste_keys(editor, keys[first:end], first_row=first)
                if len(window.pending) != changes:
                    raise RuntimeError(f"{len(window.pending):,} pending before the commit, expected {changes:,}")
                watcher = ShowWatcher(ReviewDialog)
                app = QApplication.instance()
                app.installEventFilter(watcher)
                try:
                    started = time.perf_counter()
                    QTest.mouseClick(window.commit_button, Qt.MouseButton.LeftButton)
                    wait_until(lambda: watcher.shown_at is not None, LOAD_TIMEOUT, poll_ms=2)
                    review = watcher.shown_at - started
                finally:
                    app.removeEventFilter(watcher)
                dialog = window.review_dialog
                if dialog is None:
                    raise RuntimeError(f"no review: {window.message.text()}")
                settle(editor)
                started = time.perf_counter()
                ended = wait_signal(window.committed, lambda *_a: True, LOAD_TIMEOUT, start=lambda: QTest.mouseClick(dialog.commit_button, Qt.MouseButton.LeftButton))
                commit = ended - started
                settle(editor)
                if window.pending:
                    raise RuntimeError(f"{len(window.pending):,} changes still pending after the commit")
                bare_first, bare_end = blocks[2 * i + 1]
                bare_keys = sorted(set(keys[bare_first:bare_end]))
                bare = bare_update(bare_conn, bare_keys, [new_value(k, 11 + i) for k in bare_keys])
                if i:
                    timings["review"].append(review)
                    timings["commit"].append(commit)
                    timings["bare"].append(bare)
        finally:
            bare_conn.close()
            close_window(editor)
        for what, values in timings.items():
            self._log_runs(f"commit {what}", values)
        mine, bare = median(timings["commit"]), median(timings["bare"])
        self.add(
            key,
            section,
            f"commit of {changes:,} changes: the review's Commit clicked → `committed`",
            ms(mine),
            f"the bare `UPDATE ... FROM unnest` of {changes:,} keys, autocommit: {ms(bare)}",
            f"{mine / bare:.2f} ×",
            note=runs(timings["commit"]),
        )
        self.add(f"{key}_review", section, f"  its review: Commit clicked → the review dialog shown ({changes:,} changes counted by the server)", ms(median(timings["review"])), note=runs(timings["review"]))
        self.note(
            f"The tutorial's window, commit: each run pastes {changes:,} new values (keys no run touched before) into y with"
            " every row loaded, clicks Commit, waits for the review, clicks its Commit; the bare statement runs on as many other"
            " keys between the window's runs."
        )

    # -- 5. edits typed one after another ---------------------------------------------------
    def edits(self) -> None:
        edits = EDITS if self.bench.scale else 500
        pending = PENDING if self.bench.scale else 2_000
        section = SECTION_EDITS.format(edits=edits)
        self.log(f"Tutorial window: {edits:,} edits typed, with none and with {pending:,} pending …")
        editor, _ = open_tutorial(self.url, self._home("edits"))
        try:
            window = editor.window
            model = window.model
            last_row(editor)
            settle(editor)
            keys = model_keys(window)
            # the rows pasted: as many from the first as hold `pending` keys
            pasted_rows = row_after_keys(keys, 0, pending)
            # the rows typed into, after them: `edits` keys no paste touches, twice
            first_typed = pasted_rows
            none_rows = rows_of_distinct_keys(keys, first_typed, edits)
            full_rows = rows_of_distinct_keys(keys, none_rows[-1] + 1, edits)

            empty = type_cells(editor, none_rows)
            revert_all(editor)

            paste = paste_keys(editor, keys[:pasted_rows])
            if len(window.pending) != pending:
                raise RuntimeError(f"{len(window.pending):,} pending after the paste, expected {pending:,}")
            full = type_cells(editor, full_rows)
            if len(window.pending) != pending + edits:
                raise RuntimeError(f"{len(window.pending):,} pending after typing, expected {pending + edits:,}")
            journal = window.journal.path.stat().st_size if window.journal is not None and window.journal.path.exists() else 0
            revert_all(editor)
        finally:
            close_window(editor)

        def per_edit(got: dict) -> float:
            return got["drained"] / edits

        self.log(
            f"  none pending: {ms(empty['loop'])} loop, {ms(empty['drained'])} until the journal was written;"
            f" {pending:,} pending: {ms(full['loop'])} loop, {ms(full['drained'])}; the paste {ms(paste)}"
        )
        value = per_edit(full)
        self.add(
            "edits",
            section,
            f"per edit with {pending:,} pending: the {edits:,} edits from the first `setData` until the journal holds them all, ÷ {edits:,}",
            f"{value * 1000:.2f} ms",
            f"{per_edit(empty) * 1000:.2f} ms with none pending",
            f"{value / per_edit(empty):.1f} ×",
            f"< {EDIT_GOAL * 1000:.0f} ms",
            value < EDIT_GOAL,
            note=f"the journal then {journal / 2**20:.1f} MiB",
        )
        slowest, slowest_empty = max(full["each"]), max(empty["each"])
        self.add(
            "edit_slowest",
            section,
            f"  the slowest single edit on the GUI thread (`setData`), with {pending:,} pending",
            f"{slowest * 1000:.1f} ms",
            f"{slowest_empty * 1000:.1f} ms with none pending",
            f"{slowest / slowest_empty:.1f} ×",
            f"< {EDIT_GOAL * 1000:.0f} ms",
            slowest < EDIT_GOAL,
            note=f"median {median(full['each']) * 1000:.2f} ms against {median(empty['each']) * 1000:.2f} ms",
        )
        self.add(
            "edit_gap",
            section,
            f"  the longest stop of the GUI thread (a 10 ms timer) while typing them, with {pending:,} pending",
            ms(full["gap"]),
            f"{ms(empty['gap'])} with none pending",
            goal="< 50 ms",
            met=full["gap"] < 0.050,
        )
        self.add("paste", section, f"  (set-up) a column of {pasted_rows:,} values pasted: Edit → Paste → {pending:,} changes pending", ms(paste))
        self.note(
            f"The tutorial's window, typing: with every row loaded (Ctrl+End), {edits:,} cells of y typed one after another through"
            f" the model's `setData` (one row for each of {edits:,} x no other edit touched, each a new value), first with nothing"
            f" pending, then after a column of {pasted_rows:,} values pasted from the first row (Edit → Paste: {pending:,} x pending);"
            " timed from the first `setData` to the journal lane having written the last edit, each `setData` timed on its own too."
            "  Revert clicked (Discard) after each.  The longest stop of the GUI thread while typing with 100,000 pending was"
            " a full collection of Python's cyclic garbage collector (62 ms measured with gc's callbacks) walking the journal"
            " writer's copy of the pending set as JSON-ready dicts and lists (300,000 objects); the writer now keeps the"
            " changes themselves, which the paste's plan froze out of the collector's walks (`gui.data.threads.long_lived`),"
            " as `freeze_startup_objects` does start-up's objects, and a full collection with 100,000 pending takes a few"
            " milliseconds."
        )


def model_keys(window: MainWindow) -> list[int]:
    """Every loaded row's x, as the window shows them (its key column's text)."""
    model = window.model
    return [int(model.data(model.index(row, 0))) for row in range(model.rowCount())]


def keys_of(window: MainWindow, first: int, end: int) -> list[int]:
    model = window.model
    return [int(model.data(model.index(row, 0))) for row in range(first, end)]


def new_value(key: int, salt: int = 3) -> int:
    """A value for ``key``'s y that the threshold still shows (so no row leaves the window)."""
    return THRESHOLD + 1 + (key * 7 + salt) % (VALUE_RANGE - THRESHOLD - 1)


def row_after_keys(keys: list[int], start: int, count: int) -> int:
    """The row after the first ``count`` distinct keys from ``start`` (rows are sorted by key)."""
    seen, row = 0, start
    while row < len(keys):
        if row == start or keys[row] != keys[row - 1]:
            seen += 1
            if seen > count:
                return row
        row += 1
    raise RuntimeError(f"fewer than {count:,} keys after row {start:,}")


def rows_of_distinct_keys(keys: list[int], start: int, count: int) -> list[int]:
    """The first row of each of ``count`` keys from row ``start`` on (not sharing the key of row ``start - 1``)."""
    out, row = [], start
    while len(out) < count and row < len(keys):
        if row == 0 or keys[row] != keys[row - 1]:
            out.append(row)
        row += 1
    if len(out) < count:
        raise RuntimeError(f"fewer than {count:,} keys after row {start:,}")
    return out


def type_cells(editor: Editor, rows: list[int]) -> dict:
    """y of each row typed one after another (``setData``, what the cell editor commits),
    each a value the row does not hold: each call's seconds, the loop's, until the
    journal has written them, and the longest stop of the GUI thread meanwhile."""
    window = editor.window
    model = window.model
    each = []
    perf = time.perf_counter
    with GapMeter() as meter:
        started = perf()
        for row in rows:
            index = model.index(row, VALUE_COLUMN)
            y = model.value_at(row)
            text = str(y + 1 if y + 1 < VALUE_RANGE else y - 1)
            begun = perf()
            if not model.setData(index, text, Qt.ItemDataRole.EditRole):
                raise RuntimeError(f"the window refused {text!r} at row {row}: {window.message.text()}")
            each.append(perf() - begun)
            QApplication.processEvents()  # the next keystroke comes after the event loop has run
        loop = perf() - started
        settle(editor)
        drained = perf() - started
    return {"each": each, "loop": loop, "drained": drained, "gap": meter.longest}


def blocks_from_end(keys: list[int], count: int, blocks: int) -> list[tuple[int, int]]:
    """``blocks`` consecutive row ranges ``[first, end)`` from the last row back, each
    holding every row of ``count`` keys (rows are sorted by key)."""
    out, end = [], len(keys)
    for _ in range(blocks):
        seen, row = 0, end
        while row > 0:
            if row == end or keys[row - 1] != keys[row]:
                if seen == count:
                    break
                seen += 1
            row -= 1
        if seen < count:
            raise RuntimeError(f"fewer than {count * blocks:,} keys in the table")
        out.append((row, end))
        end = row
    return out


def bare_update(conn, keys: list[int], values: list[int]) -> float:
    """The one ``UPDATE some_table ... FROM unnest`` of ``keys`` (arrays sent as text), autocommit."""
    cur = conn.cursor()
    started = time.perf_counter()
    cur.execute(
        f"UPDATE {TABLE} AS t SET y = u.y FROM unnest(%s::integer[], %s::integer[]) AS u(x, y) WHERE t.x = u.x",
        ("{" + ",".join(map(str, keys)) + "}", "{" + ",".join(map(str, values)) + "}"),
    )
    elapsed = time.perf_counter() - started
    if cur.rowcount < len(keys):
        raise RuntimeError(f"the bare UPDATE touched {cur.rowcount} rows for {len(keys)} keys")
    return elapsed


def paste_keys(editor: Editor, keys: list[int], first_row: int = 0) -> float:
    """A column of values for y pasted from ``first_row`` (``keys``: the x of each row
    from there): the clipboard set, that y cell clicked, Edit → Paste; the seconds
    until the paste is pending and settled."""
    window = editor.window
    model = window.model
    held: dict[int, set[int]] = {}
    for row, key in enumerate(keys, start=first_row):
        held.setdefault(key, set()).add(model.value_at(row))
    values = {}
    for key, ys in held.items():  # a value none of the key's rows holds: each key changes
        value, salt = new_value(key), 3
        while value in ys:
            salt += 1
            value = new_value(key, salt)
        values[key] = value
    QApplication.clipboard().setText("\n".join(str(values[k]) for k in keys) + "\n")
    click_cell(window, first_row, VALUE_COLUMN)
    before = len(window.pending)
    started = time.perf_counter()
    editor.tools.clipboard.paste_action.trigger()
    wait_until(lambda: len(window.pending) > before, LOAD_TIMEOUT, poll_ms=5)
    settle(editor)
    return time.perf_counter() - started


