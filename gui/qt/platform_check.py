"""Whether Qt's X11 platform plugin can load, asked before a ``QApplication`` exists.

The PySide6 wheel brings Qt but not the system libraries its xcb plugin links
against.  Without them ``QApplication`` aborts the process with Qt's "could not load
the Qt platform plugin "xcb" … xcb-cursor0 or libxcb-cursor0 is needed" and a core
dump; a fresh Debian desktop lacks ``libxcb-cursor0``, a minimal one most of the
list.  So the entry point asks first and, when one is missing, prints the one apt
line that installs them all and exits non-zero.

The list is what ``ldd`` shows for ``PySide6/Qt/plugins/platforms/libqxcb.so`` and
``libQt6XcbQpa.so.6`` (PySide6 6.11 on Debian 12) beyond the C library: each
library by its soname, with the Debian package that holds it.  Loading a soname is
how the dynamic loader will look for it, so the answer is the one Qt would get;
they are small, and the plugin loads them anyway a moment later.

Nothing here imports Qt.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping

# soname → Debian package, in the order a reader of ``ldd`` meets them
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}



def apt_line(libraries: Mapping[str, str] = XCB_LIBRARIES) -> str:
    """The one command that installs the packages of ``libraries`` (the README shows it too)."""
    return "sudo apt-get install " + " ".join(dict.fromkeys(libraries.values()))


def platform_would_be_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether ``QApplication`` would start Qt's xcb (X11) plugin: ``QT_QPA_PLATFORM``
    names it first, or names nothing on Linux outside a Wayland session (there Qt
    takes its Wayland plugin, which needs none of these libraries)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        first = chosen.split(";")[0].split(":")[0].strip()
        return first == "xcb"
    if not platform.startswith("linux"):
        return False
    wayland = environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland


def missing_libraries(libraries: Mapping[str, str] = XCB_LIBRARIES) -> list[tuple[str, str]]:
    """The ``(soname, package)`` pairs of ``libraries`` the dynamic loader cannot find."""
    missing = []
    for soname, package in libraries.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append((soname, package))
    return missing


def platform_problem(libraries: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """What to tell the user when Qt's xcb plugin would fail to load: a system library
    is missing, or there is no X display (``None`` when it would load, or another
    plugin will be used)."""
    if not platform_would_be_xcb(environ):
        return None
    libraries = XCB_LIBRARIES if libraries is None else libraries
    missing = missing_libraries(libraries)
    if not missing:
        environ = os.environ if environ is None else environ
        if not environ.get("DISPLAY"):
            # Qt would blame xcb-cursor0 for this too, and the user install it in vain
            return (
                "table-editor: there is no display to open a window on (DISPLAY is not set): "
                "start it from a desktop session.\n"
            )
        return None
    names = ", ".join(soname for soname, _package in missing)
    return (
        f"table-editor: Qt cannot open a window: its X11 platform plugin needs system libraries "
        f"that are not installed ({names}).\n"
        f"On Debian or Ubuntu, install them with:\n\n    {apt_line(libraries)}\n"
    )
