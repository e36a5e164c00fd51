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


def test_many_new_objects_are_frozen_instead_of_walked(qtbot, make_editor):
    """A worker's build (a review, a plan, a module imported) leaves hundreds of
    thousands of new objects: walking them on the GUI thread stopped it 60-100 ms,
    so they are moved out of every walk; a handful is still collected."""
    from gui.qt.app import WALK_LIMIT, collect_or_freeze

    make_editor()
    frozen = gc.get_freeze_count()
    kept = [[i] for i in range(WALK_LIMIT + 10_000)]  # what a build holds
    assert gc.get_count()[0] > WALK_LIMIT
    qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=5000)  # by the timer
    assert gc.get_freeze_count() >= frozen + len(kept)
    assert kept[-1] == [WALK_LIMIT + 9_999]  # still there: frozen, not freed

    class Cycle:
        pass

    for _ in range(gc.get_threshold()[0] * 2):
        a, b = Cycle(), Cycle()
        a.b, b.a = b, a
    del a, b
    done, _generation, objects = collect_or_freeze(gc.get_threshold())
    assert done == "collect" and objects <= WALK_LIMIT
    assert not [o for o in gc.get_objects() if isinstance(o, Cycle)]  # the garbage is gone
