"""What work off the GUI thread runs in (Qt-free): the GIL shared more often
(:func:`sharing_the_gil`) and let go between steps while the GUI thread wants it
(:func:`paced`, :func:`pace`), and long-lived objects kept out of the cyclic
garbage collector's walks (:func:`long_lived`).

With automatic collection off (:class:`gui.qt.app.GuiThreadCollector`) and a
worker running Python, the GUI thread stops for the worker: each of its
callbacks into Python (a timer, a cell painted) waits for the GIL, and a
collection on the GUI thread walks what the worker built.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived(many: bool = True) -> Iterator[None]:
    """Build many long-lived objects (a plan that becomes the pending set) without
    the cyclic garbage collector walking them, now or later.

    A full collection walks every tracked object holding the GIL, on whichever
    thread triggers it: with 100,000 pending changes it took 80-110 ms here, and
    building them triggers one.  So automatic collection is off while they are
    built, and what was built is then moved out of the collector's walks
    (``gc.freeze``, as :func:`gui.qt.app.freeze_startup_objects` does at start):
    pending changes hold no reference cycles, and reference counting still frees
    them when they are dropped.  (Cyclic garbage the GUI thread makes while a plan
    runs is moved out of the walks with them, and kept until the app ends.)  With
    ``many`` false (a plan of a few cells) it does nothing.

    Meanwhile :func:`building_long_lived` is true, and the GUI thread's collector
    (:class:`gui.qt.app.GuiThreadCollector`) waits: with automatic collection off,
    everything a plan allocates between two of its ticks is young, and a tick
    that collected the youngest generation walked the plan built so far, 30-90 ms
    at a time on the GUI thread, only for it to be frozen a moment later."""
    global _building
    if not many:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    with _building_lock:
        _building += 1
    try:
        yield
        gc.freeze()
    finally:
        with _building_lock:
            _building -= 1
        if enabled:
            gc.enable()


_building_lock = threading.Lock()
_building = 0


def building_long_lived() -> bool:
    """Whether a worker is building long-lived objects (:func:`long_lived`) now."""
    return _building > 0


_gil_lock = threading.Lock()
_gil_users = 0
_gil_interval = 0.005


@contextmanager
def sharing_the_gil(interval: float = 0.001) -> Iterator[None]:
    """Let the GUI thread take the GIL sooner while a worker plans in Python.

    A thread waiting for the GIL gets it only after the switch interval (5 ms by
    default) has passed, and the GUI thread takes it once for every callback into
    Python (a timer, a signal, a cell painted): with a worker planning 100,000
    cells the GUI thread stood still 30-50 ms at a time, and a repaint of the
    table took 45 ms instead of 10-15.  With 1 ms most stops were gone and the
    repaint took 17 ms, the plan no slower (measured pasting 100,000 values with
    1,000,000 rows loaded).  The interval is the process's: it is put back when
    the last plan ends."""
    global _gil_users, _gil_interval
    with _gil_lock:
        if _gil_users == 0:
            _gil_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, _gil_interval))
        _gil_users += 1
    try:
        yield
    finally:
        with _gil_lock:
            _gil_users -= 1
            if _gil_users == 0:
                sys.setswitchinterval(_gil_interval)


class Pacer:
    """Long Python work on a worker, in steps with the GIL let go between them
    while another thread wants it.

    While a worker runs Python, each callback of the GUI thread into Python (a cell
    painted, a timer) waits for the worker to be made to let the GIL go, up to the
    switch interval, and a repaint of the table makes about a thousand of them:
    the GUI thread stopped 40-120 ms while the journal wrote the redo of a paste
    of 100,000 cells, mostly a repaint waiting.  Called between steps of a few
    milliseconds, the pacer sees whether the step took longer than the worker ran
    (another thread had the GIL, or the core, meanwhile: the GUI thread has
    work); then it sleeps twice the step, at most ``longest``, and the GUI
    thread's next callbacks find the GIL free.  When nothing else runs it never
    sleeps, so a paste is as quick as without it (sleeping as long as each step
    took, always, stopped the GUI thread as little and made a paste of 100,000
    cells take 2.0 s instead of 1.1-1.3 s)."""

    def __init__(self, longest: float = 0.005, noticed: float = 0.0003):
        self.longest = longest
        self.noticed = noticed  # seconds a step may lose before another thread counts as wanting the GIL
        self._since, self._ran = time.perf_counter(), time.thread_time()

    def __call__(self) -> None:
        if not _gui_free.is_set():
            # the GUI thread paints: it takes the GIL once for every cell, so wait till it is done
            _gui_free.wait(GUI_WAIT_LONGEST)
        else:
            step = time.perf_counter() - self._since
            if step - (time.thread_time() - self._ran) > self.noticed:
                time.sleep(min(2 * step, self.longest))
        self._since, self._ran = time.perf_counter(), time.thread_time()


_local = threading.local()

GUI_WAIT_LONGEST = 0.1  # seconds a paced worker waits at most for the GUI thread's work (a paint)
_gui_free = threading.Event()
_gui_free.set()
_gui_depth = 0


@contextmanager
def gui_thread_first() -> Iterator[None]:
    """The GUI thread's work that calls into Python many times (a repaint of the
    window: a thousand or more calls for the cells of a table): paced workers
    (:func:`pace`) wait at their next step until it is done, at most
    :data:`GUI_WAIT_LONGEST` seconds.

    Each of those calls takes the GIL, and while a worker runs Python it waits for
    the worker to be made to let it go (the switch interval, 1 ms while a worker
    shares it): the pacer's guess that the GUI thread wants the GIL let a repaint of
    the table on 1,000,000 rows take 30-70 ms, in pieces, while a paste of 100,000
    values was planned and its journal written (11 ms alone).  Only on the GUI
    thread; re-entrant."""
    global _gui_depth
    _gui_depth += 1
    _gui_free.clear()
    try:
        yield
    finally:
        _gui_depth -= 1
        if _gui_depth == 0:
            _gui_free.set()


@contextmanager
def paced() -> Iterator[None]:
    """This thread's work lets the GIL go, through :func:`pace` between its steps,
    while another thread wants it (:class:`Pacer`).  Not on the main thread (the
    GUI thread, when it writes a journal as its window closes): that would only
    stop it longer."""
    previous = getattr(_local, "pacer", None)
    _local.pacer = None if threading.current_thread() is threading.main_thread() else Pacer()
    try:
        yield
    finally:
        _local.pacer = previous


def pace() -> None:
    """Between two steps of long work: sleeps as :func:`paced` asked on this thread
    (a worker's); nothing anywhere else (the GUI thread)."""
    pacer = getattr(_local, "pacer", None)
    if pacer is not None:
        pacer()
