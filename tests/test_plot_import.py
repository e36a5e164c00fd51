"""pyqtgraph's import for the window's plot, made cheaper by a worker: the code of
each module is taken from its ``.pyc`` only when that matches the source (as the
import system checks it), so an edited module is never run from stale bytecode."""

from __future__ import annotations

import importlib
import linecache
import os
import py_compile
import sys
from pathlib import Path

from gui.qt.plot_import import import_with, prepare


def _package(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text("from . import first, second\nVALUE = first.VALUE + second.VALUE\n")
    (folder / "first.py").write_text("VALUE = 1\n")
    (folder / "second.py").write_text("VALUE = 10\n")
    for path in folder.glob("*.py"):
        py_compile.compile(str(path), invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    return folder


def test_the_prepared_code_is_used_only_when_it_matches_its_source(tmp_path, monkeypatch):
    folder = _package(tmp_path, "prepared_pkg")
    monkeypatch.syspath_prepend(str(tmp_path))
    second = folder / "second.py"
    second.write_text("VALUE = 100  # edited after it was compiled\n")  # its .pyc is stale now
    os.utime(second, (os.stat(second).st_atime, os.stat(second).st_mtime + 5))
    try:
        codes = prepare("prepared_pkg")
        assert set(codes) == {str(folder / "__init__.py"), str(folder / "first.py")}  # not the edited one
        assert linecache.getline(str(folder / "first.py"), 1) == "VALUE = 1\n"  # read for PySide6's check
        module = import_with(codes, "prepared_pkg", package="prepared_pkg")
        assert module.VALUE == 101  # the edited source ran
        assert not codes  # each prepared code object used once
        assert not [f for f in sys.meta_path if getattr(f, "package", None) == "prepared_pkg"]  # the finder is gone
    finally:
        for name in [n for n in sys.modules if n == "prepared_pkg" or n.startswith("prepared_pkg.")]:
            del sys.modules[name]
        importlib.invalidate_caches()


def test_a_bug_in_the_workers_part_is_reported_and_the_import_still_ends(qtbot, monkeypatch):
    """The plot must not say "drawing" for ever: a bug while the code is prepared on
    the worker goes to the excepthook, and the import goes on as a plain one."""
    from gui.qt import plot_import
    from gui.qt.tasks import TaskRunner

    def broken(*_args):
        raise TypeError("an injected bug")

    monkeypatch.setattr(plot_import, "imported", lambda: False)  # as at a fresh start
    monkeypatch.setattr(plot_import, "prepare", broken)
    runner = TaskRunner()
    ended = []
    try:
        with qtbot.capture_exceptions() as bugs:
            plot_import.PyqtgraphImport(runner, "plot", lambda: ended.append("done"), lambda: ended.append("failed"))
            qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
        assert ended == ["done"]
        assert [type(bug[1]) for bug in bugs] == [TypeError]  # reported, not swallowed
    finally:
        runner.shutdown()
