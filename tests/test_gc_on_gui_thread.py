"""Cyclic garbage is collected on the GUI thread only: a collection on a worker
freed Qt wrappers from the wrong thread (a deadlock and segfaults in the suite)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication

from gui.qt.app import GuiThreadCollector
from gui_helpers import make_editor  # noqa: F401 - fixture


def test_the_editor_turns_automatic_collection_off_and_collects_on_the_gui_thread(qtbot, make_editor):
    make_editor()
    assert not gc.isenabled()  # no collection can start on a worker
    collectors = QCoreApplication.instance().findChildren(GuiThreadCollector)
    assert len(collectors) == 1  # one for the process, however many windows
    make_editor()
    assert len(QCoreApplication.instance().findChildren(GuiThreadCollector)) == 1

    class Cycle:
        pass

    for _ in range(gc.get_threshold()[0] * 2):
        a, b = Cycle(), Cycle()
        a.b, b.a = b, a
    assert gc.get_count()[0] > gc.get_threshold()[0]
    qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)  # collected by the timer
