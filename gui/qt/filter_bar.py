"""The filter bar: conditions on the table's columns, one line each, combined with
AND; Enter or Apply asks the window to reload with :meth:`FilterBar.conditions`.

Each value is parsed by its column's codec (``gui/data/codecs.py``), so a value
the column could not hold is refused here, with the column's name, before any
query.  *contains* is offered for text-like columns only and takes the text as
typed (a part of a value, not a value: a ``char(n)`` codec would pad it); a
column whose codec cannot parse (a type shown read-only) offers only the NULL
tests.

The bar's height depends on the number of conditions and the window's width
alone: a refusal is reported through ``refused`` (the window shows it), never as a
line that appears under the fields, and lines come and go only through the
buttons.  In a narrow window (a small screen, the plot open) Add and Apply move
under the conditions, and each field keeps a usable width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..data.codecs import Codec, codec_for
from ..data.errors import InvalidValue
from ..data.paging import NULL_TESTS, Condition, offered_operators
from .fit import FlowLayout, group, usable_width

VALUE_NAME = "Filter value"
AND_TOOLTIP = "A row is shown when it meets every condition (the conditions combine with AND)."
FIRST_JOINER, JOINER = "Rows where", "and"
EMPTY_TEXT = "No filter: every row is shown."
# "contains" takes part of a value: checked as text (no NUL), never padded or cut
_PART_OF_TEXT = codec_for("text")


class _ConditionLine(QWidget):
    """column, operator, value, remove: one condition."""

    def __init__(self, bar: FilterBar):
        super().__init__(bar)
        self._bar = bar
        self.joiner = QLabel(JOINER)
        self.joiner.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.column_box = QComboBox()
        self.column_box.setAccessibleName("Filter column")
        self.column_box.setToolTip("The column this condition is on")
        # AdjustToContents would measure every column's name
        self.column_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.column_box.setMinimumContentsLength(10)
        self.op_box = QComboBox()
        self.op_box.setAccessibleName("Filter operator")
        self.op_box.setToolTip("How the column's value compares with yours; ≠ counts NULL as different")
        # as wide as its longest operator, "is not NULL", which every column offers:
        # the same width whether "contains" is offered or not, so the lines align
        self.op_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName(VALUE_NAME)
        self.value_edit.setAccessibleName(VALUE_NAME)
        self.value_edit.setClearButtonEnabled(True)
        self.value_edit.setMinimumWidth(usable_width(self.value_edit))
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAccessibleName("Remove condition")
        self.remove_button.setToolTip("Remove this condition (the rows reload when you apply)")
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.joiner)
        layout.addWidget(self.column_box, 1)
        layout.addWidget(self.op_box)
        layout.addWidget(self.value_edit, 2)
        layout.addWidget(self.remove_button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.column_box.currentIndexChanged.connect(self._on_column_changed)
        self.op_box.currentTextChanged.connect(self._on_operator_changed)
        self.value_edit.returnPressed.connect(bar._on_apply)
        self.remove_button.clicked.connect(lambda: bar._remove_line(self))

    @property
    def column(self) -> str | None:
        return self.column_box.currentData()

    @property
    def codec(self) -> Codec | None:
        return self._bar._codecs.get(self.column) if self.column is not None else None

    def fill_columns(self, columns: Sequence[tuple[str, str]], chosen: str | None) -> None:
        self.column_box.blockSignals(True)
        try:
            self.column_box.clear()
            for name, type_name in columns:
                self.column_box.addItem(name, name)
                self.column_box.setItemData(self.column_box.count() - 1, f"{name}: {type_name}", Qt.ItemDataRole.ToolTipRole)
            self.column_box.setCurrentIndex(max(self.column_box.findData(chosen), 0))
        finally:
            self.column_box.blockSignals(False)
        self._on_column_changed()

    def set_condition(self, op: str, text: str) -> None:
        self.op_box.setCurrentText(op)
        self.value_edit.setText(text)

    def parse(self) -> Condition:
        """This line as a condition; raises :class:`InvalidValue` naming the column."""
        column, op, codec = self.column, self.op_box.currentText(), self.codec
        assert column is not None and codec is not None
        if op in NULL_TESTS:
            return Condition(column, op)
        text = self.value_edit.text()
        try:
            if text == "" and op == "contains":
                raise InvalidValue("nothing to look for")
            value = (_PART_OF_TEXT if op == "contains" else codec).parse(text)
        except InvalidValue as error:
            if text == "":
                # empty is a value only where the type takes it (the empty string of a text
                # column, as when editing a cell; an enum's '' label), as --filter reads it
                raise InvalidValue(f"Filter on {column}: type a value to compare with, or choose “is NULL”.") from error
            raise InvalidValue(f"Filter on {column}: {error.message}") from error
        return Condition(column, op, value)

    def _on_column_changed(self) -> None:
        codec = self.codec
        offered = offered_operators(codec) if codec is not None else NULL_TESTS
        kept = self.op_box.currentText()
        self.op_box.blockSignals(True)
        try:
            self.op_box.clear()
            self.op_box.addItems(offered)
            self.op_box.setCurrentIndex(offered.index(kept) if kept in offered else 0)
        finally:
            self.op_box.blockSignals(False)
        type_name = codec.type_name if codec is not None else ""
        why = codec.read_only_reason if codec is not None and not codec.editable else None
        self.value_edit.setToolTip(
            f"A value of type {type_name}; Enter applies the filter" if why is None
            else f"Only the NULL tests are offered: {why}"
        )  # fmt: skip
        self._on_operator_changed(self.op_box.currentText())

    def _on_operator_changed(self, op: str) -> None:
        needs_value = op not in NULL_TESTS
        self.value_edit.setEnabled(needs_value)
        codec = self.codec
        if not needs_value:
            self.value_edit.setPlaceholderText("no value")
        elif op == "contains":
            self.value_edit.setPlaceholderText("part of the text")
        elif codec is not None and codec.text_like:
            self.value_edit.setPlaceholderText(f"{codec.type_name} (empty: the empty string)")
        else:
            self.value_edit.setPlaceholderText(codec.type_name if codec is not None else "")


class FilterBar(QWidget):
    """Conditions combined with AND; see the module docstring."""

    applied = Signal()  # Enter in a value field, or Apply: reload with conditions()
    refused = Signal(str)  # a value its column's codec refused, with why

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setToolTip(AND_TOOLTIP)
        self._columns: list[tuple[str, str]] = []
        self._codecs: dict[str, Codec] = {}
        self._lines: list[_ConditionLine] = []
        self._first_value_name: str | None = None

        self._empty = QLabel(EMPTY_TEXT)
        self._lines_box = QVBoxLayout()
        self._lines_box.setContentsMargins(0, 0, 0, 0)
        self._lines_box.setSpacing(2)
        self._lines_box.addWidget(self._empty)
        self.add_button = QPushButton("Add condition")
        self.add_button.setAccessibleName("Add condition")
        self.add_button.setToolTip("Add a condition; every condition must hold (AND)")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setAccessibleName("Apply")
        self.apply_button.setToolTip("Show the rows that meet every condition (Enter in a value does the same)")
        for button in (self.add_button, self.apply_button):
            button.setAutoDefault(True)  # Enter on a focused button presses it, outside dialogs too
        buttons = group(self.add_button, self.apply_button)
        lines = QWidget()
        lines.setLayout(self._lines_box)
        lines.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        # Add and Apply beside the conditions, or under them when the bar is narrow
        layout = FlowLayout(self, top=True)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(lines)
        layout.addWidget(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        self.add_button.clicked.connect(self._on_add)
        self.apply_button.clicked.connect(self._on_apply)
        self._relabel()

    # -- the API -----------------------------------------------------------------------
    def set_columns(self, columns: Sequence[tuple[str, str]], codecs: Mapping[str, Codec]) -> None:
        """The table's columns as ``(name, type_name)`` in table order, and each one's
        codec.  Conditions on columns the table still has are kept, the others removed."""
        self._columns = list(columns)
        self._codecs = {name: codecs[name] for name, _ in self._columns}
        for line in list(self._lines):
            if line.column in self._codecs:
                line.fill_columns(self._columns, line.column)
            else:
                self._remove_line(line, focus=False)
        self._relabel()

    def set_conditions(self, conditions: Sequence[Condition]) -> None:
        """Shows ``conditions``, one line each (values through the column's codec).
        Raises :class:`ValueError` for a column or an operator the table does not
        offer (a caller's mistake: the window checks a filter when it reads it)."""
        for condition in conditions:
            codec = self._codecs.get(condition.column)
            if codec is None:
                raise ValueError(f"No column {condition.column!r} to filter on")
            if condition.op not in offered_operators(codec):
                raise ValueError(f"{condition.op!r} is not offered for {condition.column} ({codec.type_name})")
        for line in list(self._lines):
            self._remove_line(line, focus=False)
        for condition in conditions:
            line = self._add_line(condition.column)
            if condition.op in NULL_TESTS:
                text = ""
            elif condition.op == "contains":
                text = str(condition.value)
            else:
                text = self._codecs[condition.column].format(condition.value)
            line.set_condition(condition.op, text)
        self._relabel()

    def conditions(self) -> list[Condition]:
        """Every line as a condition; raises :class:`InvalidValue` (its message names
        the column) for the first value its codec refuses or a missing value."""
        return [line.parse() for line in self._lines]

    def name_first_value(self, name: str) -> None:
        """The first condition's value field is called ``name`` (object and accessible
        name), now and whenever another line becomes the first."""
        self._first_value_name = name
        self._relabel()

    # -- Qt overrides ----------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        # the height at the bar's width: a Fixed height is its hint's, and one row's
        # would cut off Add and Apply once they wrap under the conditions
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()  # the buttons may have moved to another row

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter on a closed column or operator box (QComboBox passes it on) applies too
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if any(focused in (line.column_box, line.op_box) for line in self._lines):
                event.accept()
                self._on_apply()
                return
        super().keyPressEvent(event)

    # -- slots -----------------------------------------------------------------------------
    def _on_add(self) -> None:
        line = self._add_line(None)
        self._relabel()
        line.column_box.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_apply(self) -> None:
        for line in self._lines:
            try:
                line.parse()
            except InvalidValue as error:
                line.value_edit.setFocus(Qt.FocusReason.OtherFocusReason)
                line.value_edit.selectAll()
                self.refused.emit(error.message)
                return
        self.applied.emit()

    # -- lines -----------------------------------------------------------------------------
    def _add_line(self, column: str | None) -> _ConditionLine:
        line = _ConditionLine(self)
        line.fill_columns(self._columns, column)
        self._lines.append(line)
        self._lines_box.addWidget(line)
        line.setVisible(True)  # now, not when the layout's queued show comes
        return line

    def _remove_line(self, line: _ConditionLine, focus: bool = True) -> None:
        index = self._lines.index(line)
        self._lines.remove(line)
        self._lines_box.removeWidget(line)
        line.hide()
        # deleted later (its own button's click may be running): until then no name
        # of it is found by findChild
        line.value_edit.setObjectName("")
        line.deleteLater()
        self._relabel()
        if focus:
            following = self._lines[min(index, len(self._lines) - 1)].column_box if self._lines else self.add_button
            following.setFocus(Qt.FocusReason.OtherFocusReason)

    def _relabel(self) -> None:
        """Joiners, the first value's name, the empty note, the tab order: column →
        operator → value → remove, line after line, then Add and Apply."""
        self._empty.setVisible(not self._lines)
        self.add_button.setEnabled(bool(self._columns))
        width = max(self.fontMetrics().horizontalAdvance(t) for t in (FIRST_JOINER, JOINER))
        chain: list[QWidget] = []
        for i, line in enumerate(self._lines):
            line.joiner.setText(FIRST_JOINER if i == 0 else JOINER)
            line.joiner.setFixedWidth(width)
            name = self._first_value_name if i == 0 and self._first_value_name else VALUE_NAME
            line.value_edit.setObjectName(name)
            line.value_edit.setAccessibleName(name)
            chain += [line.column_box, line.op_box, line.value_edit, line.remove_button]
        chain += [self.add_button, self.apply_button]
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)
