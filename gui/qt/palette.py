"""The colours that say what state a cell or a message is in, derived from the
application's palette in one place, so that they read as well on a dark theme as on
a light one.

Each state keeps its hue (amber for a pending change, red for an error, grey for
NULL, a neutral tint for a read-only cell) and is made light or dark enough to
meet WCAG's 4.5:1 contrast for text against the background it is drawn on:

* pending: the palette's text on an amber tint of the base colour;
* error: red text on the window colour (the message line);
* NULL: grey text on the base colour, on the pending tint (a pending NULL) and on
  the read-only tint;
* read-only: the palette's text on a tint of the base colour towards the text.

A selected cell is drawn in the palette's highlight, which hides any background:
a pending cell therefore also carries a mark that the delegate draws on top
(:func:`paint_pending_mark`), an amber corner outlined in the text colour.

The colours are computed once per palette (:func:`state_colours` keeps them by the
palette colours they come from), so ``data()`` can ask for them on every call.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette, QPen, QPolygonF

MINIMUM_CONTRAST = 4.5  # WCAG 2 AA, normal text
PENDING_ROLE = int(Qt.ItemDataRole.UserRole) + 0x50  # True for a cell with a pending change

AMBER = QColor("#f0a000")  # the hue of a pending change (the plot's pending points too)
ERROR_RED = QColor("#c0392b")
PENDING_TINT = 0.45  # how much amber is mixed into the base colour, at most
READ_ONLY_TINT = 0.07  # how much of the text colour is mixed into the base colour
NULL_TINT = 0.45  # how far NULL's grey is from the text towards the base colour, at most


# -- colour arithmetic ----------------------------------------------------------------------


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG relative luminance of an opaque colour."""
    return 0.2126 * _linear(colour.redF()) + 0.7152 * _linear(colour.greenF()) + 0.0722 * _linear(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way to ``b`` (opaque)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def readable(colour: QColor, backgrounds: list[QColor], minimum: float = MINIMUM_CONTRAST) -> QColor:
    """``colour``, darkened (on light backgrounds) or lightened (on dark ones) just
    enough to reach ``minimum`` contrast against every one of ``backgrounds``."""
    # towards black on a light background, towards white on a dark one
    light = luminance(backgrounds[0]) > 0.18
    target = QColor(Qt.GlobalColor.black) if light else QColor(Qt.GlobalColor.white)
    for step in range(51):
        candidate = blend(colour, target, step / 50)
        if all(contrast(candidate, b) >= minimum for b in backgrounds):
            return candidate
    return target


def is_dark(palette: QPalette) -> bool:
    return luminance(palette.color(QPalette.ColorRole.Base)) < luminance(palette.color(QPalette.ColorRole.Text))


# -- the state colours ------------------------------------------------------------------------


@dataclass(frozen=True)
class StateColours:
    """The state colours of one palette (see the module docstring)."""

    text: QColor  # the palette's text: on the pending and read-only tints
    base: QColor
    window: QColor
    highlight: QColor
    pending_background: QColor
    pending_mark: QColor
    error_text: QColor
    null_text: QColor
    read_only_background: QColor

    @property
    def pending_brush(self) -> QBrush:
        return QBrush(self.pending_background)

    @property
    def null_brush(self) -> QBrush:
        return QBrush(self.null_text)

    @property
    def read_only_brush(self) -> QBrush:
        return QBrush(self.read_only_background)

    def error_style(self) -> str:
        """A style sheet for a label that says what went wrong."""
        return f"color: {self.error_text.name()}; font-weight: bold;"

    def pairs(self) -> dict[str, tuple[QColor, QColor]]:
        """Every state's (text, background) pair, named: what must reach 4.5:1."""
        return {
            "pending": (self.text, self.pending_background),
            "error": (self.error_text, self.window),
            "error on base": (self.error_text, self.base),
            "NULL": (self.null_text, self.base),
            "pending NULL": (self.null_text, self.pending_background),
            "read-only NULL": (self.null_text, self.read_only_background),
            "read-only": (self.text, self.read_only_background),
        }


def derive_state_colours(palette: QPalette) -> StateColours:
    """The state colours for ``palette`` (light or dark, any hue)."""
    role = QPalette.ColorRole
    text, base = palette.color(role.Text), palette.color(role.Base)
    window, highlight = palette.color(role.Window), palette.color(role.Highlight)
    text.setAlpha(255)
    base.setAlpha(255)
    window.setAlpha(255)

    # as much amber as the text still reads on
    pending = base
    for step in range(round(PENDING_TINT * 100), -1, -1):
        pending = blend(base, AMBER, step / 100)
        if contrast(text, pending) >= MINIMUM_CONTRAST:
            break
    read_only = blend(base, text, READ_ONLY_TINT)
    if contrast(text, read_only) < MINIMUM_CONTRAST:
        read_only = base
    null = readable(blend(text, base, NULL_TINT), [base, pending, read_only])
    error = readable(ERROR_RED, [window, base])
    return StateColours(
        text=text,
        base=base,
        window=window,
        highlight=highlight,
        pending_background=pending,
        pending_mark=QColor(AMBER),
        error_text=error,
        null_text=null,
        read_only_background=read_only,
    )


_cache: dict[tuple[int, ...], StateColours] = {}
_ROLES = (QPalette.ColorRole.Text, QPalette.ColorRole.Base, QPalette.ColorRole.Window, QPalette.ColorRole.Highlight)


def state_colours(palette: QPalette | None = None) -> StateColours:
    """The state colours of ``palette`` (the application's when none is given)."""
    if palette is None:
        palette = QGuiApplication.palette()
    # by the colours they come from: a view's style option carries a copy of the
    # palette, a new cache key each time, for every cell it paints
    key = tuple(palette.color(role).rgba() for role in _ROLES)
    colours = _cache.get(key)
    if colours is None:
        if len(_cache) > 16:
            _cache.clear()
        colours = _cache[key] = derive_state_colours(palette)
    return colours


def paint_pending_mark(painter, rect, colours: StateColours) -> None:
    """The pending mark: an amber triangle in the cell's top-left corner, outlined in
    the text colour, so it shows on the pending tint and on the selection alike."""
    size = max(6.0, min(rect.height(), rect.width()) * 0.45)
    left, top = float(rect.left()), float(rect.top())
    triangle = QPolygonF([QPointF(left, top), QPointF(left + size, top), QPointF(left, top + size)])
    painter.save()
    painter.setRenderHint(painter.RenderHint.Antialiasing, False)
    painter.setBrush(colours.pending_mark)
    painter.setPen(QPen(colours.text, 1))
    painter.drawPolygon(triangle)
    painter.restore()
