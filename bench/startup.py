"""Start-up, measured as a user meets it: a fresh process each time, from before the
spawn to the moment the thing is painted.

* ``python main.py`` until the connection dialog is on screen;
* ``python main.py --url URL`` until the first rows of the tutorial's table are on
  screen (its table view painted with rows in its model).

Each start is ``bench/start_driver.py``, which runs ``main.main(args)`` as ``python
main.py args`` does, watches Paint events and prints the moment it sees the thing
painted (then ends at once).  The baselines run the same way in the same loop, one
start of each after the other: the interpreter alone (``python -c pass``, the venv's
``site`` included), the libraries the first rows need imported alone in the app's
order (:data:`LIBRARIES`: the floor under the ``--url`` figure, whatever the app's own
code does), and a bare PySide6 program showing the same thing: a main window
and a dialog of five fields, or a ``QTableView`` over a ``QSqlQueryModel`` (QPSQL) of
the first 1,000 rows of the same query.

The platform is Qt's ``xcb`` under a private ``Xvfb`` when there is one (as on a
desktop: the plugin, its X connection and fonts are part of the start), else
``offscreen``.  The user's folders are a temporary ``XDG_*`` home shared by the runs,
so every start but the first finds the config, recent connections and window
geometry a returning user has, and the compiled bytecode of every module (in a
``PYTHONPYCACHEPREFIX`` of its own); the first (a warm-up for the page cache, too) is
not counted.  Nothing is cold in the sense of an empty page cache: dropping it needs
root and would time the disk.

``python -m bench.startup [--url URL] [--runs N]`` prints the figures alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .report import Figure, median, ms

ROOT = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).with_name("start_driver.py")
DIALOG_GOAL = 0.5
ROWS_GOAL = 0.3
START_TIMEOUT = 60.0
SECTION = "Start-up: a fresh process each time, until it is on screen"
# the tutorial's query, as the bare baseline asks it (the window's first page is these rows)
TUTORIAL_SQL = "SELECT x, y FROM some_table WHERE y > 6 ORDER BY x, y"


class Xvfb:
    """A private X server for the runs (``-displayfd``: it picks a free display)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.display: str | None = None

    def __enter__(self) -> Xvfb:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        if not number:
            self.__exit__()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        return self

    def __exit__(self, *_exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Starts:
    """The seconds of each counted start of one kind, and of its parts."""

    total: list[float] = field(default_factory=list)
    python: list[float] = field(default_factory=list)  # spawn → the driver's first line runs
    qapplication: list[float] = field(default_factory=list)  # spawn → QApplication made (imports done)

    def add(self, got: dict[str, float]) -> None:
        self.total.append(got["total"])
        if "python" in got:
            self.python.append(got["python"])
        if "qapplication" in got:
            self.qapplication.append(got["qapplication"])

    def spread(self) -> str:
        ordered = sorted(self.total)
        return f"{len(ordered)} starts, {ordered[0] * 1000:,.0f}–{ordered[-1] * 1000:,.0f} ms"


def start_once(what: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    """One start of ``bench/start_driver.py what args``: seconds from before the spawn
    to the line that says it was painted, and to the driver's marks."""
    begun_wall = time.time()
    begun = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(DRIVER), what, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    total = time.perf_counter() - begun
    try:
        _out, err = process.communicate(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    if not line.strip():
        raise RuntimeError(f"start_driver {what} {' '.join(args)} saw nothing (exit {process.returncode}):\n{err[-3000:]}")
    marks = json.loads(line)
    return {
        "total": total,
        "python": marks["python"] - begun_wall,
        "qapplication": marks["qapplication"] - begun_wall,
    }


def interpreter_once(env: dict[str, str], code: str = "pass") -> dict[str, float]:
    """Seconds for ``python -c code`` in a fresh process, spawn to exit."""
    begun = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    return {"total": time.perf_counter() - begun}


# What showing the first rows cannot do without, imported in the app's order (the data
# layer before PySide6, see gui/data/connecting.py) and nothing else: the floor under
# the --url figure, whatever the app itself does.
# os._exit, as the driver ends its starts: the interpreter's shutdown is not timed
LIBRARIES = "import sqlalchemy, sqlalchemy.dialects.postgresql.psycopg2, psycopg2, numpy, PySide6.QtWidgets, os; os._exit(0)"


class StartupBench:
    """Every start of one run, interleaved: each round starts each kind once."""

    def __init__(self, log: Callable[[str], None], url: str | None, runs: int) -> None:
        self.log = log
        self.url = url
        self.runs = runs
        self.platform = "offscreen"
        self.results: dict[str, Starts] = {}

    def run(self) -> list[Figure]:
        home = tempfile.mkdtemp(prefix="bench-startup-")
        try:
            env = dict(os.environ)
            for name in ("DATA", "CONFIG", "CACHE"):
                env[f"XDG_{name}_HOME"] = os.path.join(home, name.lower())
            # compiled bytecode, as an installed copy (or a second `python main.py`) has it:
            # kept in the run's own folder, written by the warm-up start (this machine's
            # environment sets PYTHONDONTWRITEBYTECODE, which would compile every module
            # from source at every start)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = os.path.join(home, "pycache")
            if shutil.which("Xvfb"):
                with Xvfb() as xvfb:
                    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=xvfb.display)
                    self.platform = "xcb under Xvfb"
                    self._rounds(env)
            else:
                env["QT_QPA_PLATFORM"] = "offscreen"
                self._rounds(env)
        finally:
            shutil.rmtree(home, ignore_errors=True)
        return self.figures()

    def _rounds(self, env: dict[str, str]) -> None:
        kinds: dict[str, Callable[[], dict[str, float]]] = {
            "python -c pass": lambda: interpreter_once(env),
            "libraries": lambda: interpreter_once(env, LIBRARIES),
            "main.py": lambda: start_once("dialog", [], env),
            "bare dialog": lambda: start_once("bare-dialog", [], env),
        }
        if self.url:
            kinds["main.py --url"] = lambda: start_once("rows", ["--url", self.url], env)
            kinds["bare rows"] = lambda: start_once("bare-rows", ["--url", self.url, "--sql", TUTORIAL_SQL], env)
        self.results = {name: Starts() for name in kinds}
        for fn in kinds.values():
            fn()  # warm-up: the page cache, the user's folders made
        for _ in range(self.runs):
            for name, fn in kinds.items():
                self.results[name].add(fn())
        for name, starts in self.results.items():
            self.log(f"  {name}: median {ms(median(starts.total))} ({starts.spread()})")

    def figures(self) -> list[Figure]:
        r = self.results
        section = f"{SECTION} ({self.platform})"
        python = median(r["python -c pass"].total)
        out = []

        def parts(starts: Starts) -> str:
            return (
                f"{starts.spread()}; Python running after {ms(median(starts.python))},"
                f" QApplication made (imports done) after {ms(median(starts.qapplication))}"
            )

        mine, bare = r["main.py"], r["bare dialog"]
        value = median(mine.total)
        out.append(
            Figure(
                section,
                "`python main.py` → the connection dialog painted",
                ms(value),
                f"a bare PySide6 window and dialog: {ms(median(bare.total))}",
                f"{value / median(bare.total):.1f} ×",
                f"≤ {ms(DIALOG_GOAL)}",
                value <= DIALOG_GOAL,
                note=parts(mine),
            )
        )
        if "main.py --url" in r:
            mine, bare = r["main.py --url"], r["bare rows"]
            value = median(mine.total)
            out.append(
                Figure(
                    section,
                    "`python main.py --url URL` → the first rows of some_table painted",
                    ms(value),
                    f"a bare PySide6 QTableView over QSqlQueryModel, LIMIT 1000: {ms(median(bare.total))}",
                    f"{value / median(bare.total):.1f} ×",
                    f"≤ {ms(ROWS_GOAL)}",
                    value <= ROWS_GOAL,
                    note=parts(mine),
                )
            )
        out.append(Figure(section, "  for scale: `python -c pass` (the venv's interpreter alone)", ms(python), note=r["python -c pass"].spread()))
        out.append(
            Figure(
                section,
                "  for scale: the libraries alone, imported as the app imports them (SQLAlchemy and its psycopg2 dialect,"
                " psycopg2, NumPy, then PySide6's QtWidgets), nothing else",
                ms(median(r["libraries"].total)),
                note=r["libraries"].spread(),
            )
        )
        return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a database with the tutorial's some_table: also time --url")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    bench = StartupBench(lambda line: print(line, file=sys.stderr, flush=True), args.url, args.runs)
    for fig in bench.run():
        print(f"{fig.what}: {fig.value} | {fig.baseline} | {fig.ratio} | goal {fig.goal} | {fig.note}")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
