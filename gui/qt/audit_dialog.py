"""View → Audit log: the local record of every commit, filterable by date and x.

The log is a small local SQLite file (not the edited database), read on the GUI
thread; at most :data:`SHOWN_LIMIT` entries are listed, newest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..data.audit import CSV_HEADER, AuditEntry, AuditLog, export_entries
from ..data.config import TableSpec
from ..data.errors import InvalidValue
from ..data.pending import parse_value
from ..data.wording import plural
from .fit import largest_size

SHOWN_LIMIT = 10_000
SIZE_SAMPLE = 50  # the entries the columns are sized to (not every one of up to SHOWN_LIMIT)
URL_COLUMN = 1  # the connection's URL: long, elided, whole in its tooltip
URL_CHARACTERS = 40


def _local_midnight(date: QDate) -> datetime:
    return datetime(date.year(), date.month(), date.day()).astimezone()


def _named(widget, name: str):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class AuditDialog(QDialog):
    def __init__(self, log: AuditLog, spec: TableSpec, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        _named(self, "Audit log")
        self.log = log
        self.spec = spec
        self.entries: list[AuditEntry] = []

        today = QDate.currentDate()
        self.from_check = _named(QCheckBox("From"), "From")
        self.from_edit = _named(QDateEdit(today.addDays(-30)), "From date")
        self.to_check = _named(QCheckBox("To"), "To")
        self.to_edit = _named(QDateEdit(today), "To date")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.key_edit = _named(QLineEdit(), f"Filter {spec.key}")
        self.key_edit.setPlaceholderText("any")
        self.key_edit.setMaximumWidth(120)
        self.key_edit.setClearButtonEnabled(True)

        filters = QHBoxLayout()
        filters.addWidget(self.from_check)
        filters.addWidget(self.from_edit)
        filters.addWidget(self.to_check)
        filters.addWidget(self.to_edit)
        filters.addSpacing(12)
        key_label = QLabel(f"&{spec.key} =")
        key_label.setBuddy(self.key_edit)
        filters.addWidget(key_label)
        filters.addWidget(self.key_edit)
        filters.addStretch(1)

        self.table = _named(QTableWidget(0, len(CSV_HEADER)), "Audit entries")
        self.table.setHorizontalHeaderLabels(
            ["when", "connection", "table", spec.key, f"old {spec.value}", f"new {spec.value}", "rows updated", f"stored {spec.value}"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = _named(QLabel(), "Audit summary")
        self.summary.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = _named(buttons.addButton("Export to CSV…", QDialogButtonBox.ButtonRole.ActionRole), "Export to CSV")
        self.export_button.clicked.connect(self._on_export)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)

        self.from_check.toggled.connect(self.from_edit.setEnabled)
        self.to_check.toggled.connect(self.to_edit.setEnabled)
        for signal in (
            self.from_check.toggled,
            self.to_check.toggled,
            self.from_edit.dateChanged,
            self.to_edit.dateChanged,
            self.key_edit.textChanged,
        ):
            signal.connect(self.refresh)
        self.refresh()
        self._size_to_entries()

    def _size_to_entries(self) -> None:
        """Columns as wide as their header and first entries (never measured over every
        entry), the connection's URL at most :data:`URL_CHARACTERS` characters (whole in
        its tooltip); the dialog as wide as its columns, within the screen's available
        width, the URL's column giving up what does not fit (elided)."""
        table, header = self.table, self.table.horizontalHeader()
        metrics = table.fontMetrics()
        padding = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1) + 4
        sample = min(SIZE_SAMPLE, table.rowCount())
        widths = []
        for c in range(table.columnCount()):
            width = header.sectionSizeHint(c)
            for r in range(sample):
                item = table.item(r, c)
                if item is not None:
                    width = max(width, metrics.horizontalAdvance(item.text()) + padding)
            widths.append(width)
        widths[URL_COLUMN] = min(widths[URL_COLUMN], metrics.averageCharWidth() * URL_CHARACTERS)
        margins = self.layout().contentsMargins()
        chrome = margins.left() + margins.right() + 2 * table.frameWidth() + table.verticalScrollBar().sizeHint().width()
        wanted = sum(widths) + chrome
        room = largest_size(self).width()
        if wanted > room:  # the URL's column gives way, down to a few characters
            least = max(header.sectionSizeHint(URL_COLUMN), metrics.averageCharWidth() * 8)
            widths[URL_COLUMN] = max(least, widths[URL_COLUMN] - (wanted - room))
            wanted = sum(widths) + chrome
        for c, width in enumerate(widths):
            header.resizeSection(c, width)
        self.resize(max(min(wanted, room), self.minimumSizeHint().width()), 460)

    def filters(self) -> dict[str, object] | None:
        """The filter as typed, or None (and a message in the summary) when x is not a number."""
        key = None
        text = self.key_edit.text().strip()
        if text:
            try:
                key = parse_value(text, self.spec)
            except InvalidValue:
                self.summary.setText(f"{self.spec.key} = '{text}': type a whole number, or nothing for any {self.spec.key}.")
                return None
        since = _local_midnight(self.from_edit.date()) if self.from_check.isChecked() else None
        until = _local_midnight(self.to_edit.date()) + timedelta(days=1) if self.to_check.isChecked() else None
        return {"since": since, "until": until, "key": key}

    def refresh(self, *_args) -> None:
        chosen = self.filters()
        if chosen is None:
            self.entries = []
            self.table.setRowCount(0)
            return
        self.entries = self.log.entries(limit=SHOWN_LIMIT + 1, **chosen)
        more = len(self.entries) > SHOWN_LIMIT
        self.entries = self.entries[:SHOWN_LIMIT]
        self.table.setRowCount(len(self.entries))
        for r, e in enumerate(self.entries):
            cells = [e.local_time(), e.connection, e.table, str(e.key), e.old_text(), str(e.new), str(e.rows), e.stored_text()]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if c >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        commits = len({e.commit_id for e in self.entries})
        text = f"{plural(len(self.entries), 'change')} in {plural(commits, 'commit')}"
        text += " (the newest shown; narrow the filter to see older ones)." if more else "."
        if not self.log.path.exists():
            text = "Nothing has been committed yet: the audit log is empty."
        self.summary.setText(text)

    def _on_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export audit log", "audit-log.csv", "CSV files (*.csv);;All files (*)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        try:
            export_entries(self.entries, path)
        except OSError as error:
            self.summary.setText(f"Cannot write {path}: {error.strerror or error}.")
            return
        self.summary.setText(f"Exported {plural(len(self.entries), 'change')} to {path}.")
