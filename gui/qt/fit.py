"""Windows, dialogs and bars that fit the screen they are on.

A laptop at 800×600, or a 1366×768 screen at 2× scaling (683×384 logical pixels),
has less room than a row of fields, a table and a plot side by side would take.
So:

* :func:`suited_size` and :func:`centre_on_screen` place a main window opened for
  the first time (about 2/3 of the screen, centred);
* :func:`fit_to_screen` shrinks a window or dialog that is larger than the screen's
  available area (less its frame) and moves it back within that area;
* :class:`DialogFitter` does it for every dialog of a window as it is shown (the
  window installs it: see :class:`gui.qt.window_base.EditorWindow`), so that a
  dialog sized for a large screen still fits a small one;
* :class:`FlowLayout` lays a bar's groups of controls out in rows, wrapping to the
  next row when the window is too narrow for one, so that a bar's minimum width is
  that of its widest group, not of all of them together;
* :func:`usable_width` is the width a field keeps however narrow its window is;
* :class:`ElidedLabel` shows one line cut with "…" to the room it is given, whole
  in its tooltip, so a long text never widens a bar nor lies over its neighbours;
* :class:`FitScrollArea` holds a dialog's fields: as tall as they are where there is
  room (no scroll bar, nothing wasted), scrolling where the screen holds the dialog
  shorter, while what is outside it (a dialog's buttons) stays in view.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QWidget,
)

# the frame a window manager adds, assumed until the real one is known (a title bar)
ASSUMED_FRAME = QMargins(4, 32, 4, 4)


def available_geometry(widget: QWidget) -> QRect:
    """The available area (without panels and docks) of the screen ``widget`` is on."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def frame_margins(widget: QWidget) -> QMargins:
    """The window frame around ``widget`` (a window): the real one once shown, else
    its parent window's, else :data:`ASSUMED_FRAME`."""
    for window in (widget.window(), widget.parentWidget().window() if widget.parentWidget() else None):
        if window is not None and window.isVisible():
            frame, inner = window.frameGeometry(), window.geometry()
            margins = QMargins(
                inner.left() - frame.left(),
                inner.top() - frame.top(),
                frame.right() - inner.right(),
                frame.bottom() - inner.bottom(),
            )
            if window is widget or margins != QMargins():
                return margins
    return QMargins(ASSUMED_FRAME)


def largest_size(widget: QWidget) -> QSize:
    """The largest client size whose frame fits the available area."""
    room, margins = available_geometry(widget), frame_margins(widget)
    return QSize(
        room.width() - margins.left() - margins.right(),
        room.height() - margins.top() - margins.bottom(),
    )


def fit_to_screen(widget: QWidget, preferred: QSize | None = None) -> None:
    """Resize window ``widget`` to ``preferred`` (else its size), no larger than the
    available area less its frame, and move its frame within that area."""
    size = preferred if preferred is not None else widget.size()
    largest = largest_size(widget)
    fitted = size.boundedTo(largest).expandedTo(widget.minimumSize())
    if fitted != widget.size():
        widget.resize(fitted)
    keep_within_screen(widget)


def suited_size(widget: QWidget, base: QSize) -> QSize:
    """The size a main window opens at when nothing is remembered: about 2/3 of the
    available area in each direction, or all of it (less the frame) where 2/3 would be
    less than ``base`` (a small screen: 800×600, or 1366×768 at 2×); never less than
    the window's minimum, never more than the available area."""
    room, margins = available_geometry(widget), frame_margins(widget)
    largest = largest_size(widget)

    def side(whole: int, chrome: int, least: int, most: int) -> int:
        two_thirds = whole * 2 // 3 - chrome
        return min(most, two_thirds if two_thirds >= least else most)

    size = QSize(
        side(room.width(), margins.left() + margins.right(), base.width(), largest.width()),
        side(room.height(), margins.top() + margins.bottom(), base.height(), largest.height()),
    )
    return size.expandedTo(widget.minimumSizeHint()).expandedTo(widget.minimumSize())


def centre_on_screen(widget: QWidget) -> None:
    """Move window ``widget`` so that its frame is centred in the available area."""
    room, margins = available_geometry(widget), frame_margins(widget)
    width = widget.width() + margins.left() + margins.right()
    height = widget.height() + margins.top() + margins.bottom()
    widget.move(QPoint(room.left() + max(0, (room.width() - width) // 2), room.top() + max(0, (room.height() - height) // 2)))


def keep_within_screen(widget: QWidget) -> None:
    """Move window ``widget`` so that its frame lies within the available area (as
    far as its size allows: its top-left corner stays on screen)."""
    room, margins = available_geometry(widget), frame_margins(widget)
    inner = widget.geometry()
    width = inner.width() + margins.left() + margins.right()
    height = inner.height() + margins.top() + margins.bottom()
    left = inner.left() - margins.left() if widget.isVisible() else widget.x()
    top = inner.top() - margins.top() if widget.isVisible() else widget.y()
    x = max(room.left(), min(left, room.right() + 1 - width))
    y = max(room.top(), min(top, room.bottom() + 1 - height))
    if (x, y) != (left, top):
        widget.move(QPoint(x, y))  # a window's position is its frame's


def usable_width(widget: QWidget, characters: int = 8) -> int:
    """A field's minimum width: ``characters`` average characters and its margins."""
    metrics = widget.fontMetrics()
    return metrics.averageCharWidth() * characters + metrics.height()


class DialogFitter(QObject):
    """An event filter that fits a window to the screen as it is shown (before
    QDialog centres it over its parent, which keeps it within the screen too), and
    moves it back within the screen when it grows while shown (a page of more
    fields: on X11 it grows downwards, past the screen's edge)."""

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.Show, QEvent.Type.Resize) or not isinstance(watched, QWidget) or not watched.isWindow():
            return False
        if kind == QEvent.Type.Show:
            largest = largest_size(watched)
            size = watched.size()
            if size.width() > largest.width() or size.height() > largest.height():
                watched.resize(size.boundedTo(largest).expandedTo(watched.minimumSize()))
        elif not watched.isVisible():
            return False
        # once on screen its frame is known: within the available area, whoever placed it
        QTimer.singleShot(0, watched, lambda: keep_within_screen(watched) if watched.isVisible() else None)
        return False


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new row when the next does not fit.

    Each row's spare width goes to the items that expand horizontally (a spacer
    with an expanding policy pushes what follows it to the right edge); items are
    centred vertically in their row, or put at its top (``top=True``).  The minimum
    width is the widest item's."""

    def __init__(self, parent: QWidget | None = None, spacing: int = -1, top: bool = False):
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._top = top
        self.setSpacing(spacing)

    # -- QLayout's protocol ---------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        shown = self._shown()
        margins = self.contentsMargins()
        width = sum(i.sizeHint().width() for i in shown) + self._gap() * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        """The widest item on a row of its own."""
        shown = self._shown()
        margins = self.contentsMargins()
        width = max((i.minimumSize().width() for i in shown), default=0)
        height = max((i.minimumSize().height() for i in shown), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    # -- the arrangement ------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty() or i.spacerItem() is not None]

    def _gap(self) -> int:
        gap = self.spacing()
        if gap >= 0:
            return gap
        parent = self.parentWidget()
        if parent is None:
            return 6
        return max(0, parent.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing, None, parent))

    def _arrange(self, rect: QRect, apply: bool) -> int:
        """Lay the items out in ``rect`` (only measure unless ``apply``); the height used."""
        margins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        gap = self._gap()
        rows: list[list[tuple[QLayoutItem, int]]] = [[]]
        used = 0
        for item in self._shown():
            width = max(min(item.sizeHint().width(), area.width()), item.minimumSize().width())
            row = rows[-1]
            if row and used + gap + width > area.width():
                rows.append([])
                row, used = rows[-1], 0
            used += (gap if row else 0) + width
            row.append((item, width))
        y = area.top()
        for row in rows:
            # a spacer that wrapped to the start or stayed at the end of a row takes no room
            while row and row[0][0].spacerItem() is not None:
                row.pop(0)
            while row and row[-1][0].spacerItem() is not None:
                row.pop()
            if not row:
                continue
            height = max(item.sizeHint().height() for item, _ in row)
            spare = area.width() - sum(w for _, w in row) - gap * (len(row) - 1)
            growing = [k for k, (item, _) in enumerate(row) if item.expandingDirections() & Qt.Orientation.Horizontal]
            x = area.left()
            for k, (item, width) in enumerate(row):
                if spare > 0 and k in growing:
                    share = spare // len(growing) + (1 if growing.index(k) < spare % len(growing) else 0)
                    width += share
                if apply:
                    item_height = height
                    if not item.expandingDirections() & Qt.Orientation.Vertical:
                        item_height = min(height, max(item.sizeHint().height(), item.minimumSize().height()))
                    offset = 0 if self._top else (height - item_height) // 2
                    item.setGeometry(QRect(x, y + offset, width, item_height))
                x += width + gap
            y += height + gap
        return max(0, y - gap - area.top()) + margins.top() + margins.bottom()


def group(*widgets: QWidget, stretch: QWidget | None = None) -> QWidget:
    """``widgets`` side by side as one item of a :class:`FlowLayout` (a label stays
    with its field); ``stretch``, one of them, takes the group's spare width."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            # a field's caption given exactly its text's advance clips a final letter's
            # overhang ("Tabl"): a little more
            widget.setMinimumWidth(widget.sizeHint().width() + 2)
        layout.addWidget(widget, 1 if widget is stretch else 0)
    if stretch is not None:
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    else:
        box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return box


class FitScrollArea(QScrollArea):
    """A scroll area around ``content`` that asks for the content's whole size and
    settles for a few lines of it.

    A plain QScrollArea asks for a fixed size whatever it holds, so a dialog around it
    either wastes room or scrolls on a large screen.  This one's size hint is its
    content's (no frame, so on a large screen it looks as if it were not there); its
    minimum is ``least_lines`` lines of text high, so its window can be held as short
    as a small screen needs and the content scrolls.  Never horizontally: the minimum
    width is the content's, and with the vertical scroll bar shown, the content's and
    the bar's (not always: where nothing scrolls, the bar's width would be wasted).

    A field that takes the focus (Tab, a mnemonic, a click on a label, or a dialog
    putting it there after a failure: see :meth:`show_widget`) is scrolled into view.
    """

    def __init__(self, content: QWidget, parent: QWidget | None = None, least_lines: int = 6):
        super().__init__(parent)
        self._least_lines = least_lines
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setWidget(content)
        # the content's layout changed (a page of more fields): this one's hint changes too;
        # the content now scrolls, or no longer does: this one's minimum width changes
        content.installEventFilter(self)
        self.verticalScrollBar().rangeChanged.connect(self._on_range_changed)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def bar_width(self) -> int:
        return self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self.verticalScrollBar())

    def scrolls(self) -> bool:
        """Whether the content is taller than the room for it (the vertical bar is shown,
        or about to be: Qt shows it later, in a queued call).  Not before it is shown: its
        size until then is no measure of the room it will have."""
        bar = self.verticalScrollBar()
        return self.isVisible() and bar.maximum() > bar.minimum()

    def sizeHint(self) -> QSize:
        content = self.widget()
        hint = content.sizeHint()
        if content.hasHeightForWidth():
            hint.setHeight(content.heightForWidth(hint.width()))
        frame = 2 * self.frameWidth()
        return QSize(hint.width() + frame, hint.height() + frame)

    def minimumSizeHint(self) -> QSize:
        least = self.widget().minimumSizeHint()
        frame = 2 * self.frameWidth()
        lines = self.fontMetrics().lineSpacing() * self._least_lines
        bar = self.bar_width() if self.scrolls() else 0
        return QSize(least.width() + bar + frame, min(least.height(), lines) + frame)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def _on_range_changed(self, _least: int, _most: int) -> None:
        self.updateGeometry()

    def show_widget(self, widget: QWidget) -> None:
        """Scroll so that the whole of ``widget`` (inside the content) is in view, with a
        margin.  Not ``ensureWidgetVisible``, which for a field shows only its text cursor
        (a field's bottom edge was left cut off)."""
        content = self.widget()
        if content is None or not content.isAncestorOf(widget):
            return
        margin = self.fontMetrics().lineSpacing() // 2
        rect = QRect(widget.mapTo(content, QPoint(0, 0)), widget.size())
        centre = rect.center()
        self.ensureVisible(centre.x(), centre.y(), rect.width() // 2 + margin, rect.height() // 2 + margin)

    def _on_focus_changed(self, _old, new) -> None:
        if new is not None:
            self.show_widget(new)


class ElidedLabel(QLabel):
    """One line of text, cut with "…" at the width its layout gives it (at least
    ``least`` characters, at most ``most``), the whole text in its tooltip.

    A plain QLabel asks for its whole text's width; given less (an ``Ignored``
    size policy) a status bar's layout gives it none and the label, drawn at its
    minimum width anyway, lay over the row count beside it.  This one (QLabel's
    own Preferred policy) asks for what it can use and shrinks down to ``least``
    characters, so its neighbours keep their room."""

    def __init__(self, least: int = 12, most: int = 110, parent: QWidget | None = None):
        super().__init__(parent)
        self.least, self.most = least, most

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        metrics = self.fontMetrics()
        most = metrics.averageCharWidth() * self.most
        text = min(metrics.horizontalAdvance(self.text()), most) if self.text() else 0
        return QSize(text + 2 * self.margin() + 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        least = self.fontMetrics().averageCharWidth() * self.least if self.text() else 0
        return QSize(min(least, self.sizeHint().width()), super().minimumSizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
