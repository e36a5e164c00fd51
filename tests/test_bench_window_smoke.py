"""Keeps the benchmark's user-path sections for the tutorial's window from rotting
between ``make bench`` runs: ``python -m bench --quick --sections window`` on a
small ``some_table`` starts the app as processes (the dialog, ``--url``) and drives
the real window (F5, Go to x, Ctrl+End, Load everything, paste, Commit and its
review, typing, Revert), so a change to the window's controls breaks it here.

No performance figures are checked: those are the benchmark's job.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
@pytest.mark.slow
def test_the_window_and_startup_sections_run_end_to_end(pg_cluster, isolated_user_dirs, tmp_path: Path) -> None:
    """The bench starts its own server; ``pg_cluster`` is asked for its rule on a missing PostgreSQL."""
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--sections", "window", "--window-rows", "30000", "--output", str(out)],
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Start-up: a fresh process each time, until it is on screen",
        "## The tutorial's window on some_table (30,000 rows, index on (x, y)), through the window",
        "## The tutorial's window: memory for some_table loaded whole",
        "## The tutorial's window: 500 edits typed one after another, through the window",
    ):
        assert heading in text
    for row in ("| `python main.py` → the connection dialog painted", "| `python main.py --url URL` → the first rows", "| Ctrl+End in the table"):
        assert row in text
    assert "## Internal call" not in text  # --sections window: not the internal calls
