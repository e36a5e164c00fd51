"""Windows on small and scaled screens (issue 13, item 6), and where a window opens.

The screen of the offscreen platform is chosen when the application starts, so
each screen runs ``gui_fit_checks.py`` in a process of its own: an 800×600 screen,
a 1366×768 screen, and one at 2× scaling (``QT_SCALE_FACTOR=2``: 683×384 logical
pixels).  Each check there says what the user would see cut off.

In this process (the default screen): a window reopens where it was closed, with
its plot open again, and a narrow window does not grow when the plot is shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from gui_helpers import WAIT_MS, child, click, make_editor, wait_loaded  # noqa: F401 - fixture
from gui.qt.table_window import TableWindow

HERE = Path(__file__).resolve().parent

SCREENS = {
    "800x600": ({"width": 800, "height": 600}, "1", "800x600@1"),
    "1366x768": ({"width": 1366, "height": 768}, "1", "1366x768@1"),
    "1366x768 at 2x": ({"width": 1366, "height": 768}, "2", "683x384@2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCREENS))
def test_every_window_and_dialog_fits_the_screen(tmp_path, name):
    size, factor, expected = SCREENS[name]
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": name, "x": 0, "y": 0, "logicalDpi": 96, **size}]}))
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        QT_SCALE_FACTOR=factor,
        FIT_SCREEN=expected,
    )
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "gui_fit_checks.py"), "-q", "-p", "no:cacheprovider", "-rA"],
        cwd=HERE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, f"on the {name} screen:\n{report}"
    assert " passed" in result.stdout and "skipped" not in result.stdout.split("\n")[-2], report


def _connect_demo(qtbot, make_editor, *argv):
    editor = make_editor(*argv)
    editor.window.show()
    dialog = editor.show_connect_dialog()
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    from PySide6.QtWidgets import QPushButton

    click(qtbot, child(dialog, QPushButton, "Connect"))
    # closed, or gone with the window it belonged to (another kind of window took its place)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=WAIT_MS)
    return editor


def _settle():
    for _ in range(3):
        QApplication.processEvents()


def test_the_window_reopens_where_it_was_closed_with_its_plot(qtbot, make_editor):
    editor = _connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    window.setGeometry(QRect(60, 50, 640, 480))
    editor.tools.plot_action.trigger()
    qtbot.waitUntil(editor.tools.plot_dock.isVisible, timeout=WAIT_MS)
    _settle()
    where, dock_width = window.geometry(), editor.tools.plot_dock.width()
    window.close()
    editor.shutdown()

    again = _connect_demo(qtbot, make_editor)
    wait_loaded(qtbot, again.window)
    _settle()
    assert again.window.geometry() == where
    assert again.tools.plot_dock.isVisible()  # left open, so open again
    assert abs(again.tools.plot_dock.width() - dock_width) <= 2


def test_the_window_for_any_table_reopens_where_it_was_closed(qtbot, make_editor):
    editor = _connect_demo(qtbot, make_editor, "--table", "customers")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow) and editor.window.isVisible(), timeout=WAIT_MS)
    window = editor.window
    window.setGeometry(QRect(30, 40, 700, 500))
    _settle()
    where = window.geometry()
    window.close()
    editor.shutdown()

    again = _connect_demo(qtbot, make_editor, "--table", "customers")
    qtbot.waitUntil(lambda: isinstance(again.window, TableWindow) and again.window.isVisible(), timeout=WAIT_MS)
    _settle()
    assert again.window.geometry() == where
    assert not again.table_plot.isVisible()  # it was not open


def test_showing_the_plot_does_not_widen_a_narrow_window(qtbot, make_editor):
    editor = _connect_demo(qtbot, make_editor)
    window = editor.window
    wait_loaded(qtbot, window)
    window.resize(700, 500)
    _settle()
    editor.tools.plot_action.trigger()
    qtbot.waitUntil(editor.tools.plot_dock.isVisible, timeout=WAIT_MS)
    _settle()
    assert window.width() == 700  # 720 became 1053 when the bar could not wrap
    assert editor.tools.plot_dock.plot.widget.width() > 150
