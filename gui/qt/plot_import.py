"""pyqtgraph imported for the window's plot without stopping the GUI thread for long.

pyqtgraph cannot be imported on a worker: done there, it crashed the process (a
segfault in ``pyqtgraph.Qt._copy_attrs`` while the GUI thread painted, twice in 12
runs), as PySide6 makes its classes and enums on first use without a lock against
the GUI thread using them.  In one go on the GUI thread it took 85-120 ms here.  So
:class:`PyqtgraphImport` does it on the GUI thread a step an event-loop turn, each
step a few milliseconds but the import itself, and makes that step cheaper with
what a worker may do:

* pyqtgraph's import reads every name of PySide6's QtCore, QtGui and QtWidgets
  (``_copy_attrs``), which makes PySide6 create each class not made yet: 38 ms of
  it.  Those names are read first, :data:`TOUCH_STEP` a turn;
* the extension modules it loads (QtSvg, QtOpenGL, …) are loaded a turn each;
* its 165 modules' code objects are unmarshalled from their ``.pyc`` files on a
  worker (no Qt there: files and ``marshal``), and a finder on ``sys.meta_path``
  hands them to the import (10 ms less); their sources are read into ``linecache``
  there too, since PySide6 reads the source of every module imported after it (to
  find whether it names PySide6) (another 10 ms less).

Measured (this machine, 2 cores, offscreen, in the window for any table): the
import step 25-32 ms, against 45-50 ms without the worker's part and 85-120 ms
for the import in one go.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import linecache
import marshal
import os
import sys
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QTimer

from ..data.threads import sharing_the_gil

TOUCH_STEP = 150  # PySide6 names read an event-loop turn (1-3 ms)
PACKAGE = "pyqtgraph"
EXTENSIONS = ("PySide6.QtSvg", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtTest")  # what pyqtgraph.Qt loads
_PYC_HEADER = 16


def imported() -> bool:
    return "gui.qt.plot" in sys.modules


# -- the worker's part (no Qt) -----------------------------------------------------------------


def _fresh_code(path: str):
    """The code object of ``path``'s ``.pyc``, when it is there and matches the
    source as the import system would check it (timestamp-based, same size); else
    ``None`` (the import then compiles as usual)."""
    try:
        cached = importlib.util.cache_from_source(path)
        with open(cached, "rb") as file:
            data = file.read()
        stat = os.stat(path)
    except (OSError, NotImplementedError, ValueError):
        return None
    if len(data) < _PYC_HEADER or data[:4] != importlib.util.MAGIC_NUMBER:
        return None
    flags = int.from_bytes(data[4:8], "little")
    mtime = int.from_bytes(data[8:12], "little")
    size = int.from_bytes(data[12:16], "little")
    if flags != 0 or mtime != (int(stat.st_mtime) & 0xFFFFFFFF) or size != (stat.st_size & 0xFFFFFFFF):
        return None
    try:
        code = marshal.loads(memoryview(data)[_PYC_HEADER:])
    except (EOFError, ValueError, TypeError):
        return None
    return code if getattr(code, "co_filename", None) == path else None


def prepare(package: str = PACKAGE) -> dict[str, object]:
    """On a worker: ``{source path: code object}`` for every module of ``package``,
    with their sources read into ``linecache``."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return {}
    codes: dict[str, object] = {}
    with sharing_the_gil():
        for root in spec.submodule_search_locations:
            for folder, _dirs, files in os.walk(root):
                for name in files:
                    if not name.endswith(".py"):
                        continue
                    path = os.path.join(folder, name)
                    linecache.getline(path, 1)  # PySide6 reads each imported module's source
                    code = _fresh_code(path)
                    if code is not None:
                        codes[path] = code
    return codes


class _Loader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, codes: dict[str, object]):
        super().__init__(fullname, path)
        self._codes = codes

    def get_code(self, fullname):
        code = self._codes.pop(self.path, None)
        return code if code is not None else super().get_code(fullname)


class _Finder:
    """Finds ``package``'s modules as the path finder does, loading the prepared code."""

    def __init__(self, package: str, codes: dict[str, object]):
        self.package = package
        self.codes = codes

    def find_spec(self, name, path=None, target=None):
        if name != self.package and not name.startswith(self.package + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _Loader(spec.loader.name, spec.loader.path, self.codes)
        return spec


def import_with(codes: dict[str, object], name: str, package: str = PACKAGE):
    """``importlib.import_module(name)``, ``package``'s modules loaded from ``codes``."""
    finder = _Finder(package, codes)
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(name)
    finally:
        sys.meta_path.remove(finder)


# -- the GUI thread's part -----------------------------------------------------------------------


class PyqtgraphImport(QObject):
    """Imports pyqtgraph and :mod:`gui.qt.plot` (see the module's docstring), then
    calls ``done()``; ``failed()`` when a step raised (a bug: it goes on to the
    excepthook).  ``runner``: the :class:`~gui.qt.tasks.TaskRunner` whose ``lane``
    prepares the code."""

    def __init__(self, runner, lane: str, done: Callable[[], None], failed: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._done, self._failed = done, failed
        self._codes: dict[str, object] | None = None
        self._prepared = False
        self._waiting = False
        self._steps = self._run()
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)
        if imported():
            self._prepared = True
            self._timer.start()
        else:
            # the worker's part first: beside it, each step of the GUI thread waited for the GIL
            self._waiting = True
            runner.submit(
                lambda _token: prepare(),
                lane=lane,
                on_done=self._on_prepared,
                on_error=self._on_unprepared,
                on_bug=self._on_unprepared,  # the excepthook shows it; the import goes on as usual
            )

    def _on_prepared(self, codes: dict[str, object]) -> None:
        self._codes = codes
        self._on_unprepared(None)

    def _on_unprepared(self, _error) -> None:  # cancelled, or a bug in preparing: imported as usual
        self._prepared = True
        if self._waiting:
            self._waiting = False
            self._timer.start()

    def _run(self) -> Iterator[bool]:
        """The steps; each yields whether it may go on (False: waiting for the worker)."""
        if imported():
            return
        import PySide6.QtCore  # noqa: PLC0415 - loaded already: reading their names is what costs
        import PySide6.QtGui  # noqa: PLC0415
        import PySide6.QtWidgets  # noqa: PLC0415

        for module in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets):
            names = dir(module)
            yield True
            for start in range(0, len(names), TOUCH_STEP):
                for name in names[start : start + TOUCH_STEP]:
                    getattr(module, name, None)
                yield True
        for name in EXTENSIONS:
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # pyqtgraph copes without it
            yield True
        while not self._prepared:
            yield False
        import_with(self._codes or {}, PACKAGE)
        self._codes = None
        yield True
        importlib.import_module("gui.qt.plot")
        yield True  # what is done with it (a plot widget made) in a turn of its own

    def _step(self) -> None:
        try:
            if not next(self._steps):
                self._timer.stop()  # the worker's part is not done: on again when it is
                self._waiting = True
        except StopIteration:
            self._timer.stop()
            self._clear_cache()
            self.deleteLater()
            self._done()
        except BaseException:
            self._timer.stop()
            self._clear_cache()
            self.deleteLater()
            self._failed()
            raise  # a bug: the excepthook shows it

    def _clear_cache(self) -> None:
        """The sources read for PySide6's check are not kept (a few MB)."""
        root = importlib.util.find_spec(PACKAGE)
        if root is None or not root.submodule_search_locations:
            return
        prefixes = tuple(os.path.join(p, "") for p in root.submodule_search_locations)
        for path in [p for p in linecache.cache if p.startswith(prefixes)]:
            linecache.cache.pop(path, None)
