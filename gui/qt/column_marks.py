"""How a column's header says whether its cells can be edited, in both windows.

As in pgAdmin's data grid, whose headers carry a lock on a column that cannot be
edited: a read-only column's header has a lock icon, its name in italics, and the
read-only tint its cells are drawn on (:mod:`gui.qt.palette`), so header and cells
read as one; its tooltip says why.  An editable column's header is plain, and its
tooltip says how to edit it.  What makes a column read-only is the column's own
nature — a key column, a generated or identity column, one the role may not update,
a type the editor cannot edit; a connection or a relation that is read-only as a
whole is said by the window's title and status bar instead, so the headers do not
change while the server is asked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from .icons import icon
from .palette import state_colours

HOW_TO_EDIT = "Editable: double-click a cell, press F2 or start typing."
# the roles column_header_data answers (a model asks only for these: the header asks
# for others, such as the size hint, on every paint)
HEADER_ROLES = frozenset(
    {
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.AccessibleDescriptionRole,
    }
)


def column_header_data(role, description: str, read_only_reason: str | None, whole_reason: str | None = None):
    """``headerData`` for a column header's ``role``, or ``None`` for a role this does
    not answer.  ``description``: the column's name and type, and why it is
    read-only if it is, for the tooltip; ``read_only_reason``: why the column's cells
    cannot be edited (``None``: they can); ``whole_reason``: why nothing can be edited
    now (the connection), said in the tooltip of a column that could be edited
    otherwise."""
    read_only = read_only_reason is not None
    if role == Qt.ItemDataRole.DecorationRole:
        return icon("lock") if read_only else None
    if role == Qt.ItemDataRole.FontRole:
        if not read_only:
            return None
        font = QFont()
        font.setItalic(True)
        return font
    if role == Qt.ItemDataRole.BackgroundRole:
        return state_colours().read_only_brush if read_only else None
    if role == Qt.ItemDataRole.ToolTipRole:
        if read_only:
            return description
        said = f"Not editable: {whole_reason}" if whole_reason else HOW_TO_EDIT
        return f"{description}\n{said}" if description else said
    if role == Qt.ItemDataRole.AccessibleDescriptionRole:
        return "read-only column" if read_only else "editable column"
    return None
