"""One full load of 1,000,000 rows in a fresh process, so each method's peak RSS is its own.
(Methods ``mixed-window``, ``mixed-qsqlquerymodel``, ``mixed-fetchall``: the window
for any table and its baselines, :func:`bench.mixed.measure_memory`; ``tutorial-window``,
``tutorial-qsqlquerymodel``, ``tutorial-fetchall``: the tutorial's window on some_table,
:func:`bench.tutorial_window.measure_memory`.)

``python -m bench.memory '{"method": ..., "table": ..., "rows": ..., "target": {...}}'``
prints one JSON line: rows, RSS before the load, peak RSS, and for the editor's model
``model.nbytes()``.  Connections are opened and warmed before the load.
"""

from __future__ import annotations

import json
import os
import resource
import sys

from .qt import application


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """This process's RSS high-water mark.  VmHWM, not getrusage's ru_maxrss: Linux
    carries ru_maxrss over from the parent through fork and exec, so a child of a big
    benchmark process would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(method: str, table: str, rows: int, target) -> dict[str, int]:
    from gui.data.config import TableSpec
    from sqlalchemy import text

    from .measure import Editor, engine_for, full_load, psycopg2_fetchall, qsql_database, qsql_query_model, sqlalchemy_all

    application()
    if method.startswith("mixed-"):
        from .mixed import measure_memory

        return measure_memory(method.removeprefix("mixed-"), table, rows, target)
    if method.startswith("tutorial-"):
        from .tutorial_window import measure_memory as measure_tutorial

        return measure_tutorial(method.removeprefix("tutorial-"), rows, target)
    out: dict[str, int] = {}
    if method == "model":
        engine = engine_for(target)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        editor = Editor(engine, TableSpec(table=table))
        before = current_rss()
        full_load(editor, rows)
        out["model_bytes"] = editor.model.nbytes()
    elif method == "fetchall":
        conn = target.connect(autocommit=False)
        before = current_rss()
        psycopg2_fetchall(target, table, conn)
    elif method == "sqlalchemy":
        engine = engine_for(target)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        before = current_rss()
        sqlalchemy_all(engine, table)
    elif method == "qsqlquerymodel":
        db = qsql_database(target, "memory")
        before = current_rss()
        qsql_query_model(db, table, rows)
    else:
        raise SystemExit(f"unknown method {method!r}")
    out.update(rows=rows, rss_before=before, peak=peak_rss())
    return out


def main() -> None:
    from .tables import Target

    args = json.loads(sys.argv[1])
    result = measure(args["method"], args["table"], args["rows"], Target(**args["target"]))
    print(json.dumps(result), flush=True)
    os._exit(0)  # skip Qt/driver teardown: the figure is taken


if __name__ == "__main__":
    main()
