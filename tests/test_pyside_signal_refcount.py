"""Regression test for the reference-count bug in PySide6 6.12.0's Signal.emit().

On 6.12.0 every emit unbalanced the reference count of ``True``.  The editor's
models emit ``dataChanged`` for every edit and their own signals for every
batch of rows, so the count drifts until the interpreter frees an object it is
still using and crashes far from the cause.  pyproject.toml excludes 6.12.0;
this test fails if an installed PySide6 brings the bug (back).

On Python 3.12+ ``True`` is immortal and its count never moves, so there the
test passes whatever PySide6 does; so does the bug, which is then harmless.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QStandardItemModel

EMITS = 20_000
# Other code (pytest, the garbage collector, Qt's own Python objects) may take
# or drop a few references to True while the loop runs; a broken emit moves
# the count by about one per emit, i.e. by thousands.
TOLERANCE = 10


class _Emitter(QObject):
    value_changed = Signal(int)


def _emit_custom_signal(received: list[int]) -> Callable[[], None]:
    emitter = _Emitter()
    emitter.value_changed.connect(lambda value: received.append(value))

    def emit_all() -> None:
        for value in range(EMITS):
            emitter.value_changed.emit(value)

    emit_all.keepalive = emitter  # type: ignore[attr-defined]
    return emit_all


def _emit_data_changed(received: list[int]) -> Callable[[], None]:
    model = QStandardItemModel(1, 1)
    index = model.index(0, 0)
    model.dataChanged.connect(lambda top_left, bottom_right, roles: received.append(top_left.row()))

    def emit_all() -> None:
        for _ in range(EMITS):
            model.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    emit_all.keepalive = model  # type: ignore[attr-defined]
    return emit_all


@pytest.mark.parametrize("make_emitter", [_emit_custom_signal, _emit_data_changed])
def test_emit_keeps_refcount_of_true(
    qapp: object, make_emitter: Callable[[list[int]], Callable[[], None]]
) -> None:
    received: list[int] = []
    emit_all = make_emitter(received)
    emit_all()  # warm-up: first emits may build caches that hold references
    received.clear()
    gc.collect()
    before = sys.getrefcount(True)

    emit_all()

    gc.collect()
    after = sys.getrefcount(True)
    assert len(received) == EMITS, "the slot was not called for every emit"
    assert abs(after - before) <= TOLERANCE, (
        f"sys.getrefcount(True) went from {before} to {after} over {EMITS} emits"
    )
