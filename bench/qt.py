"""Qt helpers for the benchmark: the offscreen application, waiting on signals
without busy loops, and the timer that measures how long the GUI thread stalls."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

# The offscreen platform says this each time a window is shown; nothing to act on.
_SILENCED = ("This plugin does not support propagateSizeHints()",)
_previous_handler = None


def _on_qt_message(kind, context, message: str) -> None:
    if message in _SILENCED:
        return
    if _previous_handler is not None:
        _previous_handler(kind, context, message)
    else:
        print(message, file=sys.stderr)


def application() -> QApplication:
    global _previous_handler
    app = QApplication.instance()
    if app is None:
        _previous_handler = qInstallMessageHandler(_on_qt_message)
        app = QApplication(sys.argv[:1])
    return app


class Timeout(RuntimeError):
    pass


def wait_signal(signal, done: Callable[..., bool], timeout: float, start: Callable[[], None] | None = None) -> float:
    """Run the event loop until ``signal`` fires with ``done(*args)`` true; returns
    ``time.perf_counter()`` taken inside that slot (so event-loop exit is not timed).

    ``start`` runs once the slot is connected (it may emit synchronously)."""
    loop = QEventLoop()
    result: list[float] = []

    def on_signal(*args) -> None:
        if not result and done(*args):
            result.append(time.perf_counter())
            loop.quit()

    signal.connect(on_signal)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    try:
        if start is not None:
            start()
        if not result:
            timer.start(int(timeout * 1000))
            loop.exec()
    finally:
        timer.stop()
        signal.disconnect(on_signal)
    if not result:
        raise Timeout(f"no signal within {timeout} s")
    return result[0]


def wait_until(predicate: Callable[[], bool], timeout: float, poll_ms: int = 20) -> None:
    """Run the event loop until ``predicate()`` holds (checked every ``poll_ms``)."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(poll_ms)

    def check() -> None:
        if predicate() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    if predicate():
        return
    timer.start()
    try:
        loop.exec()
    finally:
        timer.stop()
    if not predicate():
        raise Timeout(f"condition not reached within {timeout} s")


class GapMeter:
    """A 10 ms precise timer on the GUI thread; records the longest gap between ticks."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1

    def __enter__(self) -> GapMeter:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.ticks = 0
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()
        # the stretch after the last tick counts too
        self.longest = max(self.longest, time.perf_counter() - self.last)


def pump(seconds: float) -> None:
    """Run the event loop for ``seconds`` (lets a new window show and paint first)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
