"""The results table (Markdown, printed and written to ``bench/results.md``) and the machine."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class Figure:
    section: str
    what: str
    value: str  # this project's median, formatted
    baseline: str = ""  # name and median of what it is compared with
    ratio: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def runs(values: list[float]) -> str:
    return f"{len(values)} run" + ("s" if len(values) != 1 else "")


def machine(pg_version: str) -> dict[str, str]:
    info = {"processors (nproc)": str(os.cpu_count())}
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    info["RAM"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["CPU"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["OS"] = f"{platform.system()} {platform.release()}"
    info["PostgreSQL"] = pg_version
    import numpy
    import psycopg2
    import PySide6
    import sqlalchemy

    info["Python / PySide6 / SQLAlchemy / psycopg2 / NumPy"] = " / ".join(
        [platform.python_version(), PySide6.__version__, sqlalchemy.__version__, psycopg2.__version__.split()[0], numpy.__version__]
    )
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def render(figures: list[Figure], info: dict[str, str], notes: list[str], elapsed: float) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"`make bench`, {when}, whole run {elapsed / 60:.1f} min. Medians of several runs (the run counts are in the table).",
        "",
        "Machine: " + "; ".join(f"{key}: {value}" for key, value in info.items()) + ".",
        "",
    ]
    section = None
    for fig in figures:
        if fig.section != section:
            section = fig.section
            lines += ["", f"## {section}", "", "| Figure | This project | Baseline (median) | Ratio | Goal | Met |", "|---|---|---|---|---|---|"]
        met = "" if fig.met is None else ("yes" if fig.met else "**NO**")
        what = fig.what + (f" ({fig.note})" if fig.note else "")
        lines.append(f"| {what} | {fig.value} | {fig.baseline} | {fig.ratio} | {fig.goal} | {met} |")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"
