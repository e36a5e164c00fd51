"""Orchestration: cluster, tables, every measurement, the table.  See ``__main__.py``."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .qt import GapMeter, application, pump

from PySide6.QtSql import QSqlDatabase  # noqa: E402  (after the offscreen platform is set)
from PySide6.QtWidgets import QTableView  # noqa: E402

from gui.data.config import TableSpec  # noqa: E402

from . import measure as m  # noqa: E402
from .proxy import DelayProxy, ProxyProcess  # noqa: E402
from .mixed import MIXED_TABLES, MixedBench  # noqa: E402
from .report import Figure, machine, median, ms, previous_figures, render, rendered_what, runs, seconds_of  # noqa: E402
from .tables import COMMIT_TABLE, READ_TABLES, Target, build_tables, start_cluster, vacuum  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.md"
COMMIT_CHANGES = 10_000
PROXY_DELAY = 0.020
PROXY_PER_ROW_CHANGES = 200  # one round trip per row through the proxy: measured on this many, scaled
SLOWER_ALLOWED = 1.1  # "no slower than before", allowing for run-to-run noise
ROUNDING_ALLOWED = 0.002  # the printed figures are whole milliseconds


SECTIONS = ("window", "tutorial", "mixed")
# the internal calls the tutorial's sections time: each is shown beside the figure a
# user meets for it (bench/tutorial_window.py, bench/startup.py), named by its key there
INTERNAL = "Internal call (no user reaches it; the user's path is the first row): "


class Bench:
    def __init__(
        self,
        reps: int,
        out: Path,
        log: Callable[[str], None],
        sections: tuple[str, ...] = SECTIONS,
        mixed_sizes: dict[str, int] | None = None,
        window_rows: int | None = None,
    ) -> None:
        self.scale = reps  # 1 = the normal counts; 0 = one run of everything (a smoke run)
        self.out = out
        self.log = log
        self.sections = sections
        self.mixed_sizes = dict(mixed_sizes or MIXED_TABLES)
        self.window_rows = window_rows
        self.user_path: dict[str, Figure] = {}  # the user-path figures by key (see INTERNAL)
        self.tutorial_figures: list[Figure] = []
        self.figures: list[Figure] = []
        self.window_bench = None  # bench.tutorial_window.TutorialBench, when "window" runs
        self.notes: list[str] = []
        self.cleanups: list[Callable[[], None]] = []

    def reps(self, normal: int) -> int:
        return max(1, normal * self.scale)

    def repeat(self, label: str, n: int, fn: Callable[[], float], warmup: bool = True) -> list[float]:
        if warmup:
            fn()
        values = [fn() for _ in range(n)]
        self.log(f"  {label}: median {ms(median(values))} of {[round(v * 1000) for v in values]} ms")
        return values

    def add(self, *args, **kwargs) -> Figure:
        fig = Figure(*args, **kwargs)
        self.figures.append(fig)
        return fig

    # -----------------------------------------------------------------------
    def run(self) -> None:
        started = time.perf_counter()
        previous = previous_figures(self.out)
        self.log("Starting PostgreSQL …")
        cluster, target = start_cluster()
        self.cleanups.append(cluster.stop)
        self.cluster = cluster
        conn = target.connect()
        cur = conn.cursor()
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
        conn.close()
        info = machine(pg_version)
        self.app = application()
        if "window" in self.sections:
            self.window_and_startup(target)
        if "tutorial" in self.sections:
            self.tutorial(target)
        if "mixed" in self.sections:
            MixedBench(self, target, self.mixed_sizes).run()
        if "tutorial" in self.sections and self.scale >= 1 and previous is not None:
            self.against_previous(*previous)
        elapsed = time.perf_counter() - started
        text = render(self.figures, info, self.notes, elapsed)
        self.out.write_text(text, encoding="utf-8")
        print("\n" + text)
        self.log(f"Written to {self.out}; the whole run took {elapsed / 60:.1f} min.")

    def window_and_startup(self, target: Target) -> None:
        """The user's path: the app started as a process, and the tutorial's window on
        its own table (bench/startup.py, bench/tutorial_window.py)."""
        from .startup import StartupBench
        from .tutorial_window import ROWS, TutorialBench

        window = self.window_bench = TutorialBench(self, target, self.window_rows or ROWS)
        window.build()
        self.log("Start-up, a fresh process each time …")
        startup = StartupBench(self.log, window.url, self.reps(7))
        figures = startup.run()
        self.figures += figures
        self.user_path.update(dict(zip(("start_dialog", "start_rows"), figures)))
        self.notes.append(
            f"Start-up: {startup.platform}; each start a fresh `python bench/start_driver.py` (it runs `main.main(args)` as"
            " `python main.py args` does and prints when the dialog, or a table view with rows, is first painted), timed from"
            " before the spawn to that line; the baselines' starts interleaved with the app's, one round after another, the"
            " first round not counted.  The starts share one temporary XDG home and a bytecode cache (PYTHONPYCACHEPREFIX),"
            " as a returning user's installed copy has them; nothing is cold in the page cache."
        )
        window.first_screens()
        window.last_row()
        window.commits()
        window.memory()
        window.edits()
        self.user_path.update(window.figures)

    def beside(self, section: str, *keys: str) -> None:
        """The user-path figures ``keys`` as the first rows of ``section`` (an internal
        call's), so the internal figure is read beside what a user meets."""
        for key in keys:
            fig = self.user_path.get(key)
            if fig is None:
                self.add(section, f"user path ({key}): not measured in this run (`--sections` without window)", "")
                continue
            self.add(section, f"user path: {fig.what}", fig.value, fig.baseline, fig.ratio, fig.goal, fig.met, fig.note)

    def tutorial(self, target: Target) -> None:
        """The tutorial's table (x integer, y integer) through internal calls, each beside
        the figure a user meets for it (:meth:`beside`)."""
        self.log("Building tables …")
        build = build_tables(target, self.log)
        self.notes.append(
            "Tables: " + ", ".join(f"{name} ({rows:,} rows, {'index on (x, y)' if idx else 'no index'})" for name, (rows, idx, _) in READ_TABLES.items())
            + f"; {COMMIT_TABLE} (1,000,000 rows, distinct x, PRIMARY KEY (x) so QSqlTableModel writes one `UPDATE ... WHERE x = ?` per row; the same key index serves every commit method)."
            + f" Built in {sum(build.values()):.0f} s (UNLOGGED + CREATE TABLE AS from generate_series, then indexes, VACUUM ANALYZE)."
        )
        self.notes += [
            "First screen and go to x: from `RowsModel.load()` to its `rows_loaded` signal with the first 1,000 rows, on a warm connection pool; the background row count runs alongside, as in the app.",
            "Full load: `load()` + `fetch_all()` until the last row is in the model (after the first page of 1,000 rows, the model reads the rest as two key ranges on two connections at once, each packed by the server and sent by binary COPY; the unindexed table is sorted the same way, in two ranges).  QSqlQueryModel: `setQuery()`, `fetchMore()` until `canFetchMore()` is false, then reading the last row (QPSQL reports the result's size, so the whole result arrives inside `setQuery()`).  psycopg2: `execute()` + `fetchall()`.  SQLAlchemy: `Session.execute(text(...)).all()`.  Same SQL (`WHERE y > -1 AND x IS NOT NULL ORDER BY x, y`, every row), the methods' runs interleaved.",
            "Memory: each method in a fresh process; peak RSS is the process's high-water mark (VmHWM) after the load, B/row is its growth over the RSS just before the load.",
            "Commit: every run updates 10,000 keys no other run touched, and the values are checked afterwards.  `commit_changes` gets the changes as the editor records them (with the values the user saw), so it reads, compare-and-sets and compares in one transaction (see `gui/data/commit.py`).  The bare statement is the issue's `UPDATE ... FROM unnest(%s, %s)` with Python lists as parameters; psycopg2 adapts those item by item, so it is also measured with the arrays sent as text, as the editor sends them.",
            "Timer gaps: a 10 ms `Qt.PreciseTimer` on the GUI thread; the figure is the longest time between two ticks (or from start to the first tick) while the operation runs.  A QTableView, when attached, is shown and laid out before the clock starts.",
        ]
        engine = m.engine_for(target)
        self.cleanups.append(engine.dispose)
        db = m.qsql_database(target, "bench")
        self.cleanups.append(lambda: self._drop_qsql("bench"))
        editors: dict[str, m.Editor] = {}

        def editor(table: str, eng=engine) -> m.Editor:
            key = f"{table}@{id(eng)}"
            if key not in editors:
                editors[key] = m.Editor(eng, TableSpec(table=table))
                self.cleanups.append(editors[key].close)
            return editors[key]

        self.first_screens(editor, "")
        self.go_to(editor("t10m"))
        self.full_loads(editor, target, engine, db)
        self.memory(target)
        self.responsiveness(editor, target)
        self.commits(target, engine, db, editor)
        self.over_proxy(target)
        self.tutorial_figures = list(self.figures)

    def against_previous(self, when: str, before: dict[tuple[str, str], str]) -> None:
        """The tutorial's headline times (those without a baseline of their own) beside
        the same figures of the previous run, read from the results file it wrote."""
        section = f"The tutorial's table against the previous run ({when})"
        for fig in self.tutorial_figures:
            if fig.baseline:
                continue
            now, old = seconds_of(fig.value), seconds_of(before.get((fig.section, rendered_what(fig)), ""))
            if now is None or old is None or old <= 0:
                continue
            self.add(
                section,
                f"{fig.section}: {fig.what}",
                fig.value,
                ms(old),
                f"{now / old:.2f} ×",
                f"≤ {SLOWER_ALLOWED} × before",
                now <= old * SLOWER_ALLOWED or now - old <= ROUNDING_ALLOWED,
            )
        self.notes.append(
            f"Against the previous run: \"no slower than before\" is read as at most {SLOWER_ALLOWED} × the previous run's figure"
            f" (or {ms(ROUNDING_ALLOWED)} more, the printed values being whole milliseconds).  Only figures of the same name and"
            " run count are compared.  The machine is shared: other processes' load (the load averages in the heading and the"
            " Machine line) slows most the methods that use both cores at once (the split full loads, the sorted pass), so"
            " compare the baselines of the same sections before reading a miss here as a change in the code."
        )

    def round_trips(self, target: Target, sets) -> None:
        counts = _count_round_trips(target, sets)
        self.log(f"  round trips: {counts}")
        section = INTERNAL + f"through a proxy adding {PROXY_DELAY * 1000:.0f} ms each way (40 ms round trip)"
        self.add(section, "round trips of the first page (pooled connection: pre-ping, index check, page)", str(counts["first page"]))
        self.add(section, f"round trips of a commit of {COMMIT_CHANGES:,} changes", str(counts["commit"]), goal="≤ 5", met=counts["commit"] <= 5)

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as error:  # noqa: BLE001 - every cleanup must get its turn
                self.log(f"cleanup failed: {error!r}")
        self.cleanups.clear()

    @staticmethod
    def _drop_qsql(name: str) -> None:
        QSqlDatabase.database(name, False).close()
        QSqlDatabase.removeDatabase(name)

    # -- reading ---------------------------------------------------------------
    def first_screens(self, editor, suffix: str, section: str = INTERNAL + "first screen (first 1,000 rows in the model, from load())") -> None:
        self.log("First screen …")
        self.beside(section, "start_rows", "connect", "f5")
        for table, goal in (("t10m", 0.150), ("t1m_noidx", None)):
            values = self.repeat(f"first screen {table}{suffix}", self.reps(7 if goal else 5), lambda t=table: m.first_screen(editor(t)))
            self.add(
                section,
                f"{table}: {READ_TABLES[table][0]:,} rows, {'indexed' if READ_TABLES[table][1] else 'no index (one sorted pass)'}{suffix}",
                ms(median(values)),
                goal=f"< {ms(goal)}" if goal else "",
                met=(median(values) < goal) if goal else None,
                note=runs(values),
            )

    def go_to(self, ed: m.Editor) -> None:
        self.log("Go to x …")
        rng = random.Random(7)
        keys = iter([rng.randrange(1_000_000) for _ in range(100)])
        values = self.repeat("go to x on t10m", self.reps(7), lambda: m.first_screen(ed, start_key=next(keys)))
        self.beside(INTERNAL + "go to x", "goto")
        self.add(INTERNAL + "go to x", "t10m: first 1,000 rows from a random x", ms(median(values)), goal="< 200 ms", met=median(values) < 0.200, note=runs(values))

    def full_loads(self, editor, target: Target, engine, db) -> None:
        self.log("Full load of 1,000,000 rows …")
        section = INTERNAL + "full load of 1,000,000 rows (`load()` + `fetch_all()` → last row in the model)"
        self.beside(section, "last_row", "last_row_qsql", "load_all")
        for table in ("t1m", "t1m_noidx"):
            rows = READ_TABLES[table][0]
            ed = editor(table)
            fast = READ_TABLES[table][1]
            pg = target.connect(autocommit=False)
            admin = self.cluster.connect(target.database)
            methods = {
                "model": (lambda: self._model_full(ed, rows), self.reps(9 if fast else 5)),
                "QSqlQueryModel": (lambda: m.qsql_query_model(db, table, rows), self.reps(9 if fast else 5)),
                "fetchall": (lambda: m.psycopg2_fetchall(target, table, pg), self.reps(3)),
                "SQLAlchemy .all()": (lambda: m.sqlalchemy_all(engine, table), self.reps(3)),
                "server": (lambda: m.server_only(admin, table), self.reps(5)),
            }
            results: dict[str, list[float]] = {name: [] for name in methods}
            for fn, _n in methods.values():
                fn()  # warm-up
            for i in range(max(n for _fn, n in methods.values())):
                for name, (fn, n) in methods.items():
                    if i < n:
                        results[name].append(fn())
            pg.close()
            admin.close()
            for name, values in results.items():
                self.log(f"  {table} {name}: median {ms(median(values))} of {[round(v * 1000) for v in values]} ms")
            ours = median(results["model"])
            kind = "indexed" if READ_TABLES[table][1] else "no index"
            self.add(section, f"{table} ({kind}): RowsModel.fetch_all", ms(ours), note=runs(results["model"]))
            for name, goal in (("QSqlQueryModel", 1.1), ("fetchall", 1.3), ("SQLAlchemy .all()", None), ("server", None)):
                base = median(results[name])
                label = {
                    "fetchall": "psycopg2 fetchall()",
                    "QSqlQueryModel": "QSqlQueryModel (QPSQL)",
                    "server": "the server alone (COPY (query) TO '/dev/null')",
                }.get(name, "SQLAlchemy Session .all()")
                self.add(
                    section,
                    f"{table} ({kind}): vs {label}",
                    ms(ours),
                    f"{ms(base)} ({runs(results[name])})",
                    f"{ours / base:.2f} ×",
                    f"≤ {goal} ×" if goal else "",
                    (ours / base <= goal) if goal else None,
                )

    @staticmethod
    def _model_full(ed: m.Editor, rows: int) -> float:
        elapsed = m.full_load(ed, rows)
        ed.settle()
        return elapsed

    def memory(self, target: Target) -> None:
        self.log("Memory (a fresh process per method) …")
        section = INTERNAL + "memory for 1,000,000 rows loaded by `fetch_all()` (a fresh process per method)"
        self.beside(section, "memory", "memory_peak")
        for table in ("t1m", "t1m_noidx"):
            rows = READ_TABLES[table][0]
            per_method = {}
            for method in ("model", "qsqlquerymodel", "fetchall", "sqlalchemy"):
                per_method[method] = self._subprocess_memory(method, table, rows, target)
                got = per_method[method]
                self.log(f"  {table} {method}: peak {got['peak'] / 2**20:.0f} MiB, +{(got['peak'] - got['rss_before']) / rows:.0f} B/row")
            ours = per_method["model"]
            per_row = ours["model_bytes"] / rows
            self.add(section, f"{table}: model.nbytes() per loaded row", f"{per_row:.1f} B", goal="≤ 40 B", met=per_row <= 40)
            for method, label in (("model", "RowsModel"), ("qsqlquerymodel", "QSqlQueryModel"), ("fetchall", "psycopg2 fetchall()"), ("sqlalchemy", "SQLAlchemy .all()")):
                got = per_method[method]
                growth = (got["peak"] - got["rss_before"]) / rows
                self.add(section, f"{table}: peak RSS, {label}", f"{got['peak'] / 2**20:.0f} MiB", note=f"{growth:.0f} B/row above the process before loading")

    def _subprocess_memory(self, method: str, table: str, rows: int, target: Target) -> dict:
        args = json.dumps({"method": method, "table": table, "rows": rows, "target": target.__dict__})
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", args],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"memory run {method} {table} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def responsiveness(self, editor, target: Target) -> None:
        self.log("GUI thread responsiveness …")
        section = INTERNAL + "longest gap between ticks of a 10 ms timer on the GUI thread"
        self.beside(section, "last_row_gap", "edit_gap")
        for table in ("t1m", "t1m_noidx"):
            rows = READ_TABLES[table][0]
            ed = editor(table)
            gaps, view_gaps = [], []
            for _ in range(self.reps(3)):
                meter = GapMeter()
                m.full_load(ed, rows, meter=meter)
                gaps.append(meter.longest)
                ed.settle()
                view = self._view()
                meter = GapMeter()
                m.full_load(ed, rows, view=view, meter=meter)
                view_gaps.append(meter.longest)
                ed.settle()
                self._drop_view(view)
            self.log(f"  load {table}: gaps {[round(g * 1000) for g in gaps]} ms, with a view {[round(g * 1000) for g in view_gaps]} ms")
            self.add(section, f"loading {table} into the model (fetch_all)", ms(max(gaps)), goal="< 50 ms", met=max(gaps) < 0.050, note=f"worst of {runs(gaps)}")
            self.add(section, f"loading {table}, a QTableView attached (it paints the first page)", ms(max(view_gaps)), note=f"worst of {runs(view_gaps)}")
        ed = editor("t1m")
        gaps, times = [], []
        for _ in range(self.reps(2)):
            view = self._view()
            meter = GapMeter()
            times.append(m.scroll_to_end(ed, READ_TABLES["t1m"][0], view, meter))
            gaps.append(meter.longest)
            ed.settle()
            self._drop_view(view)
        self.log(f"  scroll to end t1m: {[round(t * 1000) for t in times]} ms, gaps {[round(g * 1000) for g in gaps]} ms")
        self.add(section, "scrolling a QTableView to the end of t1m (the view's fetchMore pages)", ms(max(gaps)), note=f"worst of {runs(gaps)}; the scroll took {ms(median(times))}")

    @staticmethod
    def _view() -> QTableView:
        """A shown table view that has finished its first layout and paint."""
        view = QTableView()
        view.resize(600, 800)
        view.show()
        pump(0.2)
        return view

    @staticmethod
    def _drop_view(view: QTableView) -> None:
        view.setModel(None)
        view.deleteLater()
        pump(0.05)

    # -- committing --------------------------------------------------------------
    def commits(self, target: Target, engine, db, editor) -> None:
        self.log(f"Commit of {COMMIT_CHANGES:,} changes …")
        section = INTERNAL + f"commit of {COMMIT_CHANGES:,} changes (`commit_changes`, one transaction)"
        self.beside(section, "commit", "commit_review")
        spec = TableSpec(table=COMMIT_TABLE)
        sets = m.ChangeSets()
        vacuum(target, COMMIT_TABLE)
        bare_conn = target.connect()
        ed = editor(COMMIT_TABLE)
        results: dict[str, list[float]] = {"ours": [], "bare": [], "bare, text arrays": [], "executemany": [], "QSqlTableModel": [], "gaps": []}
        self.notes.append(f"The bare statement's plan on `{COMMIT_TABLE}`: {m.bare_plan(bare_conn, sets.take(COMMIT_CHANGES))}.")

        ours = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.editor_commit(engine, spec, m.pending_changes(target, u)))
        bare = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.bare_unnest(bare_conn, u))
        bare_text = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.bare_unnest(bare_conn, u, text_arrays=True))
        executemany = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.sqlalchemy_executemany(engine, u))
        table_model = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.qsql_table_model_submit(db, u))

        def in_runner_once(updates: dict[int, int]) -> float:
            meter = GapMeter()
            value = m.editor_commit_in_runner(ed, m.pending_changes(target, updates), meter)
            results["gaps"].append(meter.longest)
            return value

        in_runner = m.checked_commit(target, sets, COMMIT_CHANGES, in_runner_once)

        for fn in (ours, bare, bare_text, in_runner):
            fn()  # warm-up
        plan = {
            "ours": (ours, self.reps(9)),
            "bare": (bare, self.reps(9)),
            "bare, text arrays": (bare_text, self.reps(9)),
            "executemany": (executemany, self.reps(2)),
            "QSqlTableModel": (table_model, 1),
        }
        for i in range(max(n for _fn, n in plan.values())):
            for name, (fn, n) in plan.items():
                if i < n:
                    results[name].append(fn())
        for _ in range(self.reps(3)):
            in_runner()
        bare_conn.close()
        for name, values in results.items():
            self.log(f"  {name}: median {ms(median(values))} of {[round(v * 1000) for v in values]} ms")
        mine = median(results["ours"])
        self.add(
            section,
            "gui.data.commit.commit_changes (read + compare-and-set UPDATE ... FROM unnest in one statement, then compare)",
            ms(mine),
            note=runs(results["ours"]),
        )
        for name, label, goal, mine_over in (
            ("QSqlTableModel", "QSqlTableModel.submitAll() (one UPDATE per row)", 10, False),
            ("executemany", 'SQLAlchemy executemany text("UPDATE ... WHERE x=:x")', 2, False),
            ("bare", "bare single UPDATE ... FROM unnest (autocommit)", 1.3, True),
            ("bare, text arrays", "the same bare UPDATE, its arrays sent as text as the editor sends them", None, True),
        ):
            base = median(results[name])
            if mine_over:
                ok, goal_text, ratio_text = (mine / base <= goal) if goal else None, f"≤ {goal} × bare" if goal else "", f"{mine / base:.2f} × bare"
            else:
                ok, goal_text, ratio_text = base / mine >= goal, f"≥ {goal} × faster", f"{base / mine:.1f} × faster"
            self.add(section, f"vs {label}", ms(mine), f"{ms(base)} ({runs(results[name])})", ratio_text, goal_text, ok)
        gaps = results["gaps"]
        self.add(
            INTERNAL + "longest gap between ticks of a 10 ms timer on the GUI thread",
            f"committing {COMMIT_CHANGES:,} changes through TaskRunner",
            ms(max(gaps)),
            goal="< 50 ms",
            met=max(gaps) < 0.050,
            note=f"worst of {runs(gaps)}",
        )
        vacuum(target, COMMIT_TABLE)
        self.sets = sets

    # -- over a slow link -------------------------------------------------------
    def over_proxy(self, target: Target) -> None:
        self.log(f"Through the proxy ({PROXY_DELAY * 1000:.0f} ms each way) …")
        section = INTERNAL + f"through a proxy adding {PROXY_DELAY * 1000:.0f} ms each way (40 ms round trip)"
        proxy = ProxyProcess(target.host, target.port, delay=PROXY_DELAY, lifetime=900).start()
        self.cleanups.append(proxy.stop)
        slow = target.via(proxy.port)
        if self.window_bench is not None:
            self.window_bench.f5_through(slow, self.reps(5), "proxy_f5", section)
            self.window_bench.commits(slow, self.reps(2), "proxy_commit", section)
            self.user_path.update(self.window_bench.figures)
        else:
            self.beside(section, "proxy_f5", "proxy_commit")
        engine = m.engine_for(slow)
        self.cleanups.append(engine.dispose)
        eds: dict[str, m.Editor] = {}

        def editor(table: str) -> m.Editor:
            if table not in eds:
                eds[table] = m.Editor(engine, TableSpec(table=table))
                self.cleanups.append(eds[table].close)
            return eds[table]

        for table in ("t10m", "t1m_noidx"):
            values = self.repeat(f"proxy first screen {table}", self.reps(5 if table == "t10m" else 3), lambda t=table: m.first_screen(editor(t)))
            self.add(section, f"first screen, {table} ({'indexed' if READ_TABLES[table][1] else 'no index'})", ms(median(values)), note=runs(values))
        spec = TableSpec(table=COMMIT_TABLE)
        sets = self.sets
        bare_conn = slow.connect()
        db = m.qsql_database(slow, "slow")
        self.cleanups.append(lambda: self._drop_qsql("slow"))

        ours = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.editor_commit(engine, spec, m.pending_changes(target, u)))
        bare = m.checked_commit(target, sets, COMMIT_CHANGES, lambda u: m.bare_unnest(bare_conn, u))

        self.round_trips(target, sets)
        mine = self.repeat("proxy commit ours", self.reps(5), ours)
        base = self.repeat("proxy commit bare", self.reps(5), bare)
        n = PROXY_PER_ROW_CHANGES
        scale = COMMIT_CHANGES / n
        many = [m.sqlalchemy_executemany(engine, sets.take(n)) * scale]
        table_model = [m.qsql_table_model_submit(db, sets.take(n)) * scale]
        bare_conn.close()
        self.log(f"  proxy executemany ×{scale:.0f}: {ms(many[0])}; QSqlTableModel ×{scale:.0f}: {ms(table_model[0])}")
        mine_m = median(mine)
        self.add(section, f"commit of {COMMIT_CHANGES:,} changes: commit_changes", ms(mine_m), note=runs(mine))
        self.add(section, "  vs bare single UPDATE ... FROM unnest (autocommit, 1 round trip)", ms(mine_m), f"{ms(median(base))} ({runs(base)})", f"{mine_m / median(base):.2f} × bare", "", None)
        self.add(section, "  vs SQLAlchemy executemany", ms(mine_m), f"{ms(many[0])} (measured on {n} changes, scaled)", f"{many[0] / mine_m:.0f} × faster", "", None)
        self.add(section, "  vs QSqlTableModel.submitAll()", ms(mine_m), f"{ms(table_model[0])} (measured on {n} changes, scaled)", f"{table_model[0] / mine_m:.0f} × faster", "", None)
        self.notes.append(
            f"Through the proxy, the per-row baselines (one round trip per change) are measured on {n} changes and scaled to {COMMIT_CHANGES:,}: a full run would take minutes each."
        )


def _count_round_trips(target: Target, sets) -> dict[str, int]:
    """Round trips of a first page and of a commit, counted by a zero-delay proxy in
    this process (nothing here cancels, so psycopg2's GIL-holding cancel cannot
    block it)."""
    from gui.data.commit import commit_changes
    from gui.data.rows import RowSource

    counts = {}
    with DelayProxy(target.host, target.port, delay=0, lifetime=120) as proxy:
        engine = m.engine_for(target.via(proxy.port))
        try:
            for _ in range(2):  # the second time on a pooled connection, as in use
                before = proxy.round_trips
                source = RowSource(engine, TableSpec(table="t10m"), m.THRESHOLD)
                source.fetch(1000)
                source.close()
                counts["first page"] = proxy.round_trips - before
            for _ in range(2):
                changes = m.pending_changes(target, sets.take(COMMIT_CHANGES))
                before = proxy.round_trips
                commit_changes(engine, TableSpec(table=COMMIT_TABLE), changes)
                counts["commit"] = proxy.round_trips - before
        finally:
            engine.dispose()
    return counts


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run of everything (checks the benchmark, figures are rough)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"Markdown file for the table (default {RESULTS})")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help="comma-separated: window (start-up as a process, and the tutorial's window on some_table: the user's path),"
        " tutorial (the integer tables through internal calls, each beside its user-path figure), mixed (any table,"
        f" through the window); default {','.join(SECTIONS)}",
    )
    parser.add_argument(
        "--window-rows",
        type=int,
        metavar="N",
        help="build some_table with N rows instead of 2,000,000 (a smoke run)",
    )
    parser.add_argument(
        "--mixed-rows",
        type=int,
        metavar="N",
        help=f"build every mixed table with N rows instead of {', '.join(f'{n:,}' for n in MIXED_TABLES.values())} (a smoke run)",
    )
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.sections.split(",") if s.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown or not sections:
        parser.error(f"--sections: choose from {', '.join(SECTIONS)}")
    sizes = {name: args.mixed_rows for name in MIXED_TABLES} if args.mixed_rows else None

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    # SIGTERM (a killed `make bench`) unwinds like Ctrl+C, so the cluster and proxy stop
    signal.signal(signal.SIGTERM, _interrupt)
    bench = Bench(0 if args.quick else 1, args.output, log, sections, sizes, args.window_rows)
    try:
        bench.run()
    finally:
        bench.close()
    return 0
