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


def rendered_what(fig: Figure) -> str:
    """The first cell of the figure's row."""
    return fig.what + (f" ({fig.note})" if fig.note else "")


def seconds_of(value: str) -> float | None:
    """``"1,393 ms"`` or ``"7.1 s"`` as seconds; ``None`` for anything else."""
    number, _, unit = value.strip().partition(" ")
    try:
        amount = float(number.replace(",", ""))
    except ValueError:
        return None
    return {"ms": amount / 1000, "s": amount}.get(unit)


def previous_figures(path) -> tuple[str, dict[tuple[str, str], str]] | None:
    """What an earlier :func:`render` wrote to ``path``: its date and ``{(section,
    first cell): value}``; ``None`` when there is no such file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    when, load, section, values = "", "", "", {}
    for line in lines:
        if line.startswith("`make bench`, ") and not when:
            when = line.split(", ")[1]
        elif line.startswith("Machine: ") and "load average at start: " in line:
            load = line.split("load average at start: ", 1)[1].split()[0]
        elif line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("| ") and not line.startswith(("| Figure ", "|---")):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            if len(cells) >= 2:
                values[(section, cells[0])] = cells[1]
    if load:
        when = f"{when or 'date unknown'}, load average {load} at its start"
    return (when or "date unknown", values) if values else None


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
        what = rendered_what(fig)
        lines.append(f"| {what} | {fig.value} | {fig.baseline} | {fig.ratio} | {fig.goal} | {met} |")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"
