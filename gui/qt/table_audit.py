"""The audit log of the window for any table: an entry appended after every commit
(written off the GUI thread, on the runner's "audit" lane, into the user's own
SQLite file, never the edited database), and View → Audit log, a non-modal dialog
listing the cell changes newest first through a view over a table model, with
filters (dates, table, text in the key or column) and Export CSV….

The log is read on the GUI thread when the dialog opens or a filter changes: a
local file and at most :data:`SHOWN_LIMIT` entries (a query of 10,000 entries
with their JSON takes tens of milliseconds).  Exporting writes every entry the
filter finds, on the audit lane.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from ..data.audit import NULL_TEXT, AuditLog, CellAuditEntry
from ..data.errors import UserError
from ..data.wording import plural
from .fit import FlowLayout, group, usable_width
from .icons import named_action
from .palette import state_colours

SHOWN_LIMIT = 10_000
TOOLTIP_VALUES = 40  # values listed in a tooltip of the old or stored values
ALL_TABLES = "All tables"
HEADERS = ("when", "connection", "table", "key", "column", "old", "new", "rows updated", "stored")
WHEN, CONNECTION, TABLE, KEY, COLUMN, OLD, NEW, ROWS, STORED = range(len(HEADERS))
WIDTHS = (140, 170, 120, 110, 90, 110, 110, 90)  # the last column stretches


def _named(widget, name: str):
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


def _local_midnight(date: QDate) -> datetime:
    return datetime(date.year(), date.month(), date.day()).astimezone()


def _values_tooltip(texts) -> str:
    lines = [
        "NULL (no value)" if t is None else "(the empty string)" if t == "" else t for t in texts[:TOOLTIP_VALUES]
    ]
    if len(texts) > TOOLTIP_VALUES:
        lines.append(f"… and {len(texts) - TOOLTIP_VALUES:,} more (Export CSV lists them all)")
    return "\n".join(lines)


class CellAuditModel(QAbstractTableModel):
    """The entries shown, one row per cell change; NULL drawn as in the table
    (dimmed, italic, named), the empty string as an empty cell that says so."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[CellAuditEntry] = []
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_entries(self, entries: list[CellAuditEntry]) -> None:
        self.beginResetModel()
        try:
            self.entries = entries
        finally:
            self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return str(section + 1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        e, col = self.entries[index.row()], index.column()
        is_null = col == NEW and e.new is None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(e, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == OLD:
                return _values_tooltip(e.old) if e.old else "No row had this key any more."
            if col == STORED:
                if not e.stored:
                    return "Stored as typed."
                return "What the database stored instead (a trigger):\n" + _values_tooltip(e.stored)
            if col == NEW:
                return "NULL (no value)" if e.new is None else "(the empty string)" if e.new == "" else e.new
            if col == WHEN:
                return e.at.astimezone().isoformat(sep=" ", timespec="seconds")
            return self._text(e, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return state_colours().null_brush if is_null else None
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if is_null else None
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            if is_null:
                return NULL_TEXT
            return "the empty string" if col == NEW and e.new == "" else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == ROWS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(e: CellAuditEntry, col: int) -> str:
        if col == WHEN:
            return e.local_time()
        if col == CONNECTION:
            return e.connection
        if col == TABLE:
            return e.table
        if col == KEY:
            return e.key_text
        if col == COLUMN:
            return e.column
        if col == OLD:
            return e.old_text()
        if col == NEW:
            return e.new_text()
        if col == ROWS:
            return str(e.rows)
        return e.stored_text()

    def row_texts(self, row: int) -> list[str]:
        """What a row shows, for tests and screen readers."""
        return [self._text(self.entries[row], c) for c in range(len(HEADERS))]


class TableAuditDialog(QDialog):
    """View → Audit log: the cell changes committed from this app, newest first."""

    def __init__(self, log: AuditLog, runner, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        _named(self, "Audit log")
        self.log = log
        self.runner = runner

        today = QDate.currentDate()
        self.from_check = _named(QCheckBox("From"), "From")
        self.from_edit = _named(QDateEdit(today.addDays(-30)), "From date")
        self.to_check = _named(QCheckBox("To"), "To")
        self.to_edit = _named(QDateEdit(today), "To date")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.table_combo = _named(QComboBox(), "Audit table")
        self.table_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.table_combo.setMinimumContentsLength(14)
        self.text_edit = _named(QLineEdit(), "Filter key or column")
        self.text_edit.setPlaceholderText("text in the key or column")
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.setToolTip(
            "Shows the changes whose key (as displayed, e.g. id = 7) or column name holds this text, in any case"
        )

        table_label = QLabel("&Table")
        table_label.setBuddy(self.table_combo)
        text_label = QLabel("&Key or column")
        text_label.setBuddy(self.text_edit)
        self.text_edit.setMinimumWidth(usable_width(self.text_edit, 12))
        # on one row, or on two on a small screen
        filters = FlowLayout()
        filters.addWidget(group(self.from_check, self.from_edit, self.to_check, self.to_edit))
        filters.addWidget(group(table_label, self.table_combo))
        filters.addWidget(group(text_label, self.text_edit, stretch=self.text_edit))

        self.model = CellAuditModel(self)
        self.view = _named(QTableView(), "Audit entries")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        # fixed row heights and column widths: nothing measures every entry
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for c, width in enumerate(WIDTHS):
            header.resizeSection(c, width)
        header.setStretchLastSection(True)
        self.summary = _named(QLabel(), "Audit summary")
        self.summary.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = _named(buttons.addButton("Export CSV…", QDialogButtonBox.ButtonRole.ActionRole), "Export CSV")
        self.export_button.setToolTip("Write every change the filter finds (not only those listed) to a CSV file")
        self.export_button.clicked.connect(self._on_export)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.view)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(1000, 480)  # smaller on a smaller screen: see gui.qt.fit.DialogFitter

        self.from_check.toggled.connect(self.from_edit.setEnabled)
        self.to_check.toggled.connect(self.to_edit.setEnabled)
        for signal in (
            self.from_check.toggled,
            self.to_check.toggled,
            self.from_edit.dateChanged,
            self.to_edit.dateChanged,
            self.text_edit.textChanged,
            self.table_combo.currentIndexChanged,
        ):
            signal.connect(self.refresh)
        self._export_task = None
        self.refresh()

    @property
    def entries(self) -> list[CellAuditEntry]:
        return self.model.entries

    def filters(self) -> dict[str, object]:
        since = _local_midnight(self.from_edit.date()) if self.from_check.isChecked() else None
        until = _local_midnight(self.to_edit.date()) + timedelta(days=1) if self.to_check.isChecked() else None
        table = self.table_combo.currentData()
        text = self.text_edit.text().strip() or None
        return {"since": since, "until": until, "table": table, "text": text}

    def _list_tables(self) -> None:
        """The tables in the log, keeping the one chosen (all of them at first)."""
        tables = self.log.cell_tables()
        chosen = self.table_combo.currentData()
        offered = [self.table_combo.itemData(i) for i in range(1, self.table_combo.count())]
        if offered == tables and self.table_combo.count():
            return
        self.table_combo.blockSignals(True)
        try:
            self.table_combo.clear()
            self.table_combo.addItem(ALL_TABLES, None)
            for name in tables:
                self.table_combo.addItem(name, name)
            where = self.table_combo.findData(chosen) if chosen is not None else 0
            self.table_combo.setCurrentIndex(max(where, 0))
        finally:
            self.table_combo.blockSignals(False)

    def refresh(self, *_args) -> None:
        try:
            self._list_tables()
            found = self.log.cell_entries(limit=SHOWN_LIMIT + 1, **self.filters())
        except UserError as error:
            self.model.set_entries([])
            self.summary.setText(error.message)
            return
        more = len(found) > SHOWN_LIMIT
        self.model.set_entries(found[:SHOWN_LIMIT])
        if not self.log.path.exists() or not self.table_combo.count() > 1:
            self.summary.setText("Nothing has been committed from a table yet: the audit log has no cell changes.")
            return
        commits = len({e.commit_id for e in self.entries})
        text = f"{plural(len(self.entries), 'change')} in {plural(commits, 'commit')}"
        text += " (the newest shown; narrow the filter, or export, to see older ones)." if more else "."
        self.summary.setText(text)

    # -- export -------------------------------------------------------------------------
    def _on_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export audit log", "audit-log.csv", "CSV files (*.csv);;All files (*)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write every entry the filter finds to ``path`` on the audit lane."""
        log, chosen = self.log, self.filters()
        self.export_button.setEnabled(False)
        self.summary.setText(f"Exporting to {path} …")

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self.summary.setText(f"Exported {plural(count, 'change')} to {path}.")

        def failed(error: UserError) -> None:
            self.export_button.setEnabled(True)
            self.summary.setText(error.message)

        self._export_task = self.runner.submit(
            lambda _token: log.export_cells(path, **chosen),
            lane="audit",
            on_done=done,
            on_error=failed,
            on_bug=lambda _bug: self.export_button.setEnabled(True),
        )


class TableAuditWriter(QObject):
    """Appends an entry to the audit log after each commit of ``window``; View → Audit log."""

    audit_written = Signal(int)  # id of the cell commit entry just written

    def __init__(self, window, runner, path, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.runner = runner
        self.audit = AuditLog(path)
        self.audit_dialog: TableAuditDialog | None = None
        self.audit_action = named_action(window, "&Audit log", "Audit log", self.show_audit_log, icon_name="audit")
        window.view_menu.addAction(self.audit_action)  # a view of what was committed, beside the plot
        window.committed.connect(self._on_committed)

    def _on_committed(self, result, changes) -> None:
        window = self.window
        if not changes or window.opened is None:
            return
        schema, codecs = window.schema, window.opened.codecs
        connection = window.display_name or (
            window.settings.display_name() if window.settings is not None else "(unknown connection)"
        )
        table = schema.qualified_name
        audit, committed = self.audit, list(changes)

        def written(commit_id: int) -> None:
            if self.audit_dialog is not None:
                self.audit_dialog.refresh()
            self.audit_written.emit(commit_id)

        # the values become text on the lane too: a commit may hold 10,000 changes
        self.runner.submit(
            lambda _token: audit.append_cell_commit(connection, table, schema.key, codecs, result, committed),
            lane="audit",
            on_done=written,
            on_error=lambda error: window.show_message(f"The audit log could not be written: {error.message}"),
        )

    def show_audit_log(self) -> TableAuditDialog:
        if self.audit_dialog is None:
            dialog = TableAuditDialog(self.audit, self.runner, self.window)
            dialog.finished.connect(lambda _r: setattr(self, "audit_dialog", None))
            self.audit_dialog = dialog
        self.audit_dialog.refresh()
        self.audit_dialog.open()
        return self.audit_dialog


def install_table_audit(window, runner, path) -> TableAuditWriter:
    """The audit log on ``window`` (a :class:`~gui.qt.table_window.TableWindow`),
    written to the SQLite file ``path`` (``Paths.audit``).  Installing twice on one
    window gives the first writer back (one entry per commit, one menu item)."""
    writer = getattr(window, "table_audit_writer", None)
    if writer is None:
        writer = TableAuditWriter(window, runner, path)
        window.table_audit_writer = writer
    return writer
