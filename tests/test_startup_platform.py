"""A fresh Linux desktop: when Qt's X11 plugin lacks a system library, the app says
which apt line installs them and exits, instead of Qt aborting with a core dump."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from gui.qt.platform_check import XCB_LIBRARIES, apt_line, missing_libraries, platform_problem, platform_would_be_xcb

ROOT = Path(__file__).resolve().parent.parent
MISSING = {"libtable-editor-test-missing.so.0": "libtable-editor-test-missing0"}


def _run_main(extra_library: dict[str, str], tmp_path: Path, argv: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess:
    """``python main.py`` as ``make run`` starts it, with ``extra_library`` added to
    what the probe looks for (as a fresh system would lack it)."""
    script = (
        "import sys\n"
        "import gui.qt.platform_check as probe\n"
        f"probe.XCB_LIBRARIES.update({extra_library!r})\n"
        "import main\n"
        f"sys.exit(main.main({list(argv)!r}))\n"
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environ.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_a_missing_library_prints_the_apt_line_instead_of_a_qt_abort(tmp_path):
    # no X server at :97 either: without the probe Qt would abort on the plugin
    done = _run_main(MISSING, tmp_path, QT_QPA_PLATFORM="xcb", DISPLAY=":97")
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "libtable-editor-test-missing.so.0" in done.stderr
    line = next(line.strip() for line in done.stderr.splitlines() if "apt-get install" in line)
    assert line.startswith("sudo apt-get install libxcb-cursor0 ")
    assert line.endswith(" libtable-editor-test-missing0")
    assert "Qt platform plugin" not in done.stderr and "core dumped" not in done.stderr
    assert done.stdout == ""


def test_nothing_is_said_when_qt_uses_another_plugin(tmp_path):
    # offscreen needs none of the X11 libraries: the app starts as usual, and ends on
    # a URL it cannot read (said in its own line)
    done = _run_main(MISSING, tmp_path, ("--url", "nonsense://"), QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 1, done.stderr
    assert "apt-get" not in done.stderr and "Unsupported database" in done.stderr


def test_the_probe_finds_what_the_loader_finds():
    assert missing_libraries(MISSING) == [("libtable-editor-test-missing.so.0", "libtable-editor-test-missing0")]
    assert missing_libraries({"libc.so.6": "libc6"}) == []
    problem = platform_problem({**MISSING, "libc.so.6": "libc6"}, environ={"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"})
    assert "libtable-editor-test-missing.so.0" in problem and "libc.so.6" not in problem.split("\n")[0]
    assert platform_problem(MISSING, environ={"QT_QPA_PLATFORM": "offscreen"}) is None
    assert platform_problem({"libc.so.6": "libc6"}, environ={"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}) is None
    # Qt blames xcb-cursor0 when there is no display at all: said as it is
    no_display = platform_problem({"libc.so.6": "libc6"}, environ={"QT_QPA_PLATFORM": "xcb"})
    assert "DISPLAY is not set" in no_display and "apt-get" not in no_display


def test_which_plugin_qt_would_take():
    assert platform_would_be_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert platform_would_be_xcb({"QT_QPA_PLATFORM": "xcb:nograb;wayland"}, "linux")
    assert not platform_would_be_xcb({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux")
    assert not platform_would_be_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert platform_would_be_xcb({"DISPLAY": ":0"}, "linux")
    assert not platform_would_be_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux")
    assert not platform_would_be_xcb({}, "darwin")


def test_the_readme_gives_the_same_apt_line():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line.strip() for line in readme.splitlines() if re.match(r"\s*sudo apt-get install libxcb", line)]
    assert lines == [apt_line()]
    assert "libxcb-cursor0" in apt_line() and len(XCB_LIBRARIES) == len(apt_line().split()) - 3
