"""The one way icons are loaded: SVG files from ``resources/icons/``, cached by name.

SVG scales to any screen density; the action icons use a mid-tone blue that reads on
light and dark themes alike, so the same files serve both.

``resources/`` lies beside the ``gui`` package both in the repository and installed
(``table_editor/gui``, ``table_editor/resources``: see pyproject.toml), so it is found
relative to this file, never to the working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
ICONS = RESOURCES / "icons"


def icon_path(name: str) -> Path:
    return ICONS / f"{name}.svg"


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``; an empty icon if the file is missing."""
    path = icon_path(name)
    return QIcon(str(path)) if path.exists() else QIcon()


def named_action(parent, text: str, name: str, slot, shortcut=None, icon_name: str | None = None):
    """A ``QAction`` with an object name and tooltip (what tests and screen readers
    find it by), an optional shortcut and icon, triggering ``slot``."""
    from PySide6.QtGui import QAction, QKeySequence

    action = QAction(text, parent)
    action.setObjectName(name)
    action.setToolTip(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if icon_name:
        action.setIcon(icon(icon_name))
    action.triggered.connect(slot)
    return action
