"""The window for any table: every column with its type, NULLs, a filter bar, a
sort by header click, edits of any column the role may update, and the review →
commit → conflicts flow for cells.

The tutorial's ``some_table`` (two integer columns, no NULL key) keeps its own
window (:mod:`gui.qt.main_window`) with the integer fast paths and the day tools;
:class:`gui.qt.app.Editor` opens whichever suits the relation.  The controls a
user works with carry the same accessible names in both.

Nothing here moves the rows while the user works: messages go to a line that is
always there (empty when there is nothing to say) and to the status bar.  A reload
(F5, after a commit or conflicts) keeps the user's place: the same row, found by
its key, the same column, at the same height on screen; a filter or a sort keeps
the current row when it still matches; Go to moves within the whole result, and
the rows before load as the user scrolls up (:mod:`gui.qt.keep_place`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..data.catalog import Writability
from ..data.cell_commit import CellConflictError, preview_cells_sql
from ..data.cell_session import CellSession
from ..data.session import FlowState
from ..data.connection import DEMO, ConnectionSettings, identity_name
from ..data.edits import CellEdits, changes_to_json, value_text
from ..data.errors import InvalidValue, ReadOnly, UserError
from ..data.journal import JournalWriter, TableJournal
from ..data.prepared import Changed
from ..data.config import DEFAULT_SPEC
from ..data.opening import OpenedTable, definition_changes, open_again, tutorial_key_noted
from ..data.threads import gui_thread_first, sharing_the_gil
from ..data.paging import Condition, SortKey
from ..data.result import TableResult
from ..data.schema import list_relations
from ..data.wording import plural, verb
from .delegate import CellDelegate
from .cell_review import CellConflictsDialog, CellReviewDialog, key_text, review_summary
from .filter_bar import FilterBar
from .fit import FlowLayout, group, usable_width
from .keep_place import Place, PlacedView
from .restore_box import RestoreBox
from .table_chooser import TableChooser
from .rows_model import CHECKING_WRITABILITY
from .table_model import TableModel, one_line, shown
from .tasks import Task, TaskRunner
from .window_base import EditorWindow, named
from .undo import PendingEdit

# column widths are fitted to the header and this many first rows, within bounds (px)
SIZE_SAMPLE_ROWS = 50
MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH = 60, 320

SHORTCUTS = [
    ("Ctrl+Return", "Commit (after the review)"),
    ("F5", "Reload the rows"),
    ("Ctrl+F", "Focus the filter"),
    ("Ctrl+T", "Choose another table"),
    ("Ctrl+G", "Focus “Go to”"),
    ("Ctrl+Home", "Go to the first row (of all the rows, not just those loaded)"),
    ("Ctrl+Z", "Undo the last edit"),
    ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
    ("Ctrl+Shift+N", "Set the selected cells to NULL"),
    ("Escape", "Revert the pending change in the selected cell"),
    ("Ctrl+Shift+End", "Load every row"),
    ("Ctrl+O", "Connect to another database"),
    ("Click a column header", "Sort by it (again: reverse)"),
]


class CellsView(PlacedView):
    """The rows; an attempt to edit a cell that cannot be edited says why."""

    refused = Signal(str)
    _EDIT_TRIGGERS = (
        QAbstractItemView.EditTrigger.DoubleClicked,
        QAbstractItemView.EditTrigger.EditKeyPressed,
        QAbstractItemView.EditTrigger.AnyKeyPressed,
    )

    def edit(self, index, trigger=None, event=None):
        if trigger is None:
            return super().edit(index)
        model = self.model()
        if trigger in self._EDIT_TRIGGERS and index.isValid() and isinstance(model, TableModel):
            typed = trigger != QAbstractItemView.EditTrigger.AnyKeyPressed or (event is not None and event.text().strip())
            reason = model.why_cell_read_only(index.row(), index.column())
            if reason is not None and typed:
                self.refused.emit(reason)
                return False
        return super().edit(index, trigger, event)


class TableWindow(EditorWindow):
    SHORTCUTS = SHORTCUTS
    LAYOUT_KEY = "table"
    connect_requested = Signal()
    table_requested = Signal(str)  # the user chose another relation (its qualified name)
    key_requested = Signal(str, object)  # the relation, and the columns the user chose to identify its rows
    committed = Signal(object, object)  # CellCommitResult, the list of CellChange committed (as confirmed in the review)

    def __init__(self, runner: TaskRunner, paths, parent=None):
        super().__init__(parent)
        self.paths = paths
        self.settings: ConnectionSettings | None = None
        self.engine = None
        self.opened: OpenedTable | None = None
        self.edits: CellEdits | None = None
        self.journal: TableJournal | None = None
        self.writability: Writability | None = None
        self.display_name = ""
        self.session: CellSession | None = None  # the review → commit → conflicts flow of the open table
        self._init_common(runner, QUndoStack(self))
        self.model = TableModel(runner, self.undo_stack, self)
        self._size_columns = False
        self.null_key_rows = 0  # rows of the result whose key has a NULL (shown, read-only)
        self._build_widgets()
        self._build_actions()
        self._wire()
        self._update_state()
        self.setWindowTitle("Table Editor")
        self._restore_geometry(getattr(paths, "config", None), QSize(900, 600))

    def event(self, event) -> bool:
        # Qt paints the window's dirty widgets in the window's UpdateRequest: the cells,
        # the headers, a thousand calls into Python; workers wait meanwhile (gui_thread_first)
        if event.type() == QEvent.Type.UpdateRequest:
            with gui_thread_first():
                return super().event(event)
        return super().event(event)

    # -- construction ---------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.table_chooser = TableChooser()
        self.filter_bar = named(FilterBar(), "Filter")
        self.goto_edit = named(QLineEdit(), "Go to")
        self.goto_edit.setMaximumWidth(140)
        self.goto_edit.setMinimumWidth(usable_width(self.goto_edit))
        self.goto_edit.setToolTip("Jump to the first row at or after this value of the first sorted column; empty: from the start")
        self.commit_button = named(QPushButton("&Commit…"), "Commit")
        self.revert_button = named(QPushButton("&Revert"), "Revert")
        self.cancel_button = named(QPushButton("Cancel"), "Cancel")
        self.cancel_button.setToolTip("Cancel the running query or commit on the server")
        self.pending_label = named(QLabel(), "Pending changes")

        table_label = QLabel("&Table:")
        table_label.setBuddy(self.table_chooser)
        goto_label = QLabel("&Go to")
        goto_label.setBuddy(self.goto_edit)
        # groups that wrap to a second row in a narrow window (a small screen, the plot open)
        top = FlowLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(group(table_label, self.table_chooser, stretch=self.table_chooser))
        top.addWidget(group(goto_label, self.goto_edit))
        top.addWidget(group(self.pending_label, self.revert_button, self.commit_button, self.cancel_button))

        self.view = named(CellsView(), "Rows")
        self.view.setModel(self.model)
        self.delegate = CellDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(140)
        header.setStretchLastSection(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(False)

        self._build_message_line()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.message)
        layout.addWidget(self.view)
        self.setCentralWidget(central)

        self._build_status_bar()

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.file_menu = file_menu
        self.connect_action = self._action(file_menu, "&Connect…", self.connect_requested.emit, QKeySequence.StandardKey.Open)
        self._action(file_menu, "Open &table…", self._focus_chooser, "Ctrl+T", name="Open table")
        self.key_action = self._action(file_menu, "Identify rows &by…", self.choose_key, name="Identify rows by")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")  # StandardKey.Quit is none on some platforms

        edit_menu = menus.addMenu("&Edit")
        self.edit_menu = edit_menu
        self._build_undo_actions(edit_menu)
        self.set_null_action = self._action(edit_menu, "Set to &NULL", self.set_selection_null, "Ctrl+Shift+N", name="Set to NULL")
        self.view.addAction(self.set_null_action)
        self.revert_one_action = self._action(edit_menu, "Revert selected change", self._on_revert_selected, Qt.Key.Key_Escape)
        self.revert_one_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.revert_one_action)
        self.commit_action = self._action(edit_menu, "&Commit…", self._on_commit_clicked, ["Ctrl+Return", "Ctrl+Enter"])
        self.revert_action = self._action(edit_menu, "Re&vert all…", self._on_revert_clicked)

        view_menu = menus.addMenu("&View")
        self.view_menu = view_menu
        self.reload_action = self._action(view_menu, "&Reload", self.reload_from_server, "F5", name="Reload")
        self.load_all_action = self._action(view_menu, "Load &everything", self._on_load_all, "Ctrl+Shift+End", name="Load everything")
        self._action(view_menu, "Focus &filter", self.filter_bar.setFocus, "Ctrl+F", name="Focus filter")
        self._action(view_menu, "&Go to", lambda: (self.goto_edit.setFocus(), self.goto_edit.selectAll()), "Ctrl+G", name="Go to")

        help_menu = menus.addMenu("&Help")
        self.help_menu = help_menu
        self._action(help_menu, "&Keyboard shortcuts", self._show_shortcuts, name="Keyboard shortcuts")

        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in (self.set_null_action, self.revert_one_action, self.undo_action, self.redo_action):
            self.view.addAction(action)

    def _wire(self) -> None:
        self.table_chooser.table_chosen.connect(self._on_table_chosen)
        self.table_chooser.refused.connect(self.show_message)
        self.filter_bar.applied.connect(lambda: self.reload(keep="row"))
        self.filter_bar.refused.connect(self.show_message)
        self.goto_edit.returnPressed.connect(self._on_goto)
        self.commit_button.clicked.connect(self._on_commit_clicked)
        self.revert_button.clicked.connect(self._on_revert_clicked)
        self.cancel_button.clicked.connect(self.cancel_running)
        self.view.horizontalHeader().sectionClicked.connect(self._on_header_clicked)
        self.view.first_row_requested.connect(lambda: self.reload(keep="first"))
        self.view.refused.connect(self.show_passing_message)
        self._clear_passing_at_the_next_action()
        self.delegate.refused.connect(self.show_message)
        self.delegate.settled.connect(self.clear_message)
        self.model.modelReset.connect(self.delegate.forget_drafts)
        # drafts are kept by row number, which rows put before the first shift
        self.view.rows_prepended.connect(self.delegate.shift_drafts)
        self.model.loading_changed.connect(lambda _loading: self._update_state())
        self._watch_end_key()
        self._keep_header_off_the_selection()
        self.model.rows_loaded.connect(self._on_rows_loaded)
        self.model.total_counted.connect(lambda _n: self._update_state())
        self.model.total_unknown.connect(self._update_state)
        self.model.load_failed.connect(self._on_load_failed)
        self.model.edit_refused.connect(self.show_message)
        self.undo_stack.indexChanged.connect(lambda _i: self.clear_message())

    # -- the table ----------------------------------------------------------------------
    @property
    def schema(self):
        return self.opened.schema if self.opened is not None else None

    @property
    def committing(self) -> bool:
        """A commit is under way (review, transaction or conflicts): the pending edits
        belong to it until it is idle."""
        return self.session is not None and not self.session.idle

    def open_table(self, settings: ConnectionSettings, engine, opened: OpenedTable, conditions=()) -> None:
        """Show ``opened``'s relation on ``engine``, with ``conditions`` as the filter;
        offer what its journal holds."""
        self.settings, self.engine, self.opened = settings, engine, opened
        schema = opened.schema
        if self.session is not None:
            self.session.abort()
        self.edits = CellEdits(schema, opened.codecs)
        self.edits.subscribe(self._on_edits_changed)
        self.session = CellSession(engine, opened, self.edits)
        self.session.subscribe(self._on_flow_state)
        self.session.subscribe(self._follow_commit_for_leaving)
        self.undo_stack.clear()
        self.model.set_table(schema, opened.codecs, self.edits)
        self._size_columns = True
        self.filter_bar.set_columns([(c.name, c.type_name) for c in schema.columns if c.may_select], opened.codecs)
        self.filter_bar.set_conditions(list(conditions))
        self.sort: tuple[SortKey, ...] = ()
        self.view.horizontalHeader().setSortIndicatorShown(False)
        # changes are kept per key: those made through other chosen key columns do not fit these
        relation = schema.qualified_name + (f" by ({', '.join(schema.key)})" if schema.key_source == "chosen" else "")
        self._release_journal()  # the table left: what it had pending stays in its journal
        self.journal = TableJournal(self.paths.journal, opened.facts.identity, relation)
        self.display_name = settings.display_name() if settings.kind == DEMO else identity_name(opened.facts.identity)
        self.table_chooser.set_current(schema.qualified_name)
        self._set_writability(opened.facts.writability)
        self._list_relations()
        self.reload(keep=None)
        self._offer_restore()

    def open_connection(self, settings: ConnectionSettings, engine) -> None:
        """Connected, with no table open yet (the tutorial's is not there): list the
        relations and ask the user to choose one."""
        if self.session is not None:
            self.session.abort()
        self.settings, self.engine, self.opened = settings, engine, None
        self.session = None
        self.display_name = settings.display_name()
        self.model.clear()
        self.setWindowTitle(f"{self.display_name} — Table Editor")
        self._list_relations()
        self._update_state()
        self.show_message("Choose a table to open (Ctrl+T): this database has no some_table.")

    def _set_writability(self, writability: Writability) -> None:
        self.writability = writability
        if self.message_text() == CHECKING_WRITABILITY:
            self.clear_message()  # an edit refused while the server was asked: it has answered
        reason = writability.reason or (self.schema.why_not_editable() if self.schema is not None else None)
        self.model.read_only = writability.reason is not None
        self.model.read_only_reason = writability.reason or ""
        title = f"{self.schema.qualified_name} — {self.display_name}"
        self.setWindowTitle(title + (" [read-only]" if reason else "") + " — Table Editor")
        self.mode_label.setText(reason or "")  # its tooltip too (ElidedLabel)
        self._update_state()

    @property
    def writable(self) -> bool:
        return (
            self.writability is not None
            and self.writability.writable
            and self.schema is not None
            and self.schema.why_not_editable() is None
        )

    def _list_relations(self) -> None:
        engine = self.engine

        def listed(entries):
            if engine is self.engine:
                self.table_chooser.set_relations(entries)
                if self.schema is not None:
                    self.table_chooser.set_current(self.schema.qualified_name)

        def read(_token):
            with engine.connect() as conn:
                return tutorial_key_noted(list_relations(conn), DEFAULT_SPEC)

        self.runner.submit(read, lane="server", on_done=listed, on_error=lambda _e: None)

    def current_table_name(self) -> str:
        return self.schema.qualified_name if self.schema is not None else ""

    def _on_table_chosen(self, name: str) -> None:
        if self.schema is not None and name == self.schema.qualified_name:
            return
        self.table_requested.emit(name)

    def choose_key(self) -> None:
        """Ask which columns identify a row, for a relation without a primary key or a
        unique index on NOT NULL columns (a view, a table without a key); the table
        is opened again with them."""
        schema = self.schema
        if schema is None:
            return
        if schema.unique_key:
            self.show_message(
                f"{schema.qualified_name} has its own {schema.key_source} ({', '.join(schema.key)}), which identifies its rows."
            )
            return
        dialog = KeyColumnsDialog([c.name for c in schema.columns if c.may_select], schema.key, self)
        self.key_dialog = dialog

        def finished(result):
            self.key_dialog = None
            if result == KeyColumnsDialog.DialogCode.Accepted and dialog.chosen() and schema is self.schema:
                self.key_requested.emit(schema.qualified_name, tuple(dialog.chosen()))

        dialog.finished.connect(finished)
        dialog.open()

    def _focus_chooser(self) -> None:
        self.table_chooser.setFocus()
        self.table_chooser.showPopup()

    # -- loading ------------------------------------------------------------------------
    def reload(self, start_at=None, keep: str | None = "place") -> None:
        """Load the rows again: from ``start_at`` (Go to: its first row selected at
        the top); else keeping the user's place (``keep="place"``: the row they were
        on, or the one after it if it is gone), the current row if it still matches
        (``"row"``: a filter or sort changed, else the first row), the real first
        row selected (``"first"``: Ctrl+Home), or from the start (``None``)."""
        if self.engine is None or self.schema is None:
            return
        try:
            conditions = self.filter_bar.conditions()
        except InvalidValue as error:
            self.show_message(error.message)
            return
        self.clear_message()
        column = self.view.current_column()
        if start_at is not None or keep == "first":
            place = Place(column=0 if keep == "first" else column, select=True)
        elif keep is None:
            place = Place()
        else:
            place = self.view.remember_place(keep) or Place()
        self.model.load(self.engine, conditions, self.sort, start_at, place.anchor, keep or "place")
        self.view.restore_place(place)
        self._count_null_keys(conditions)
        self._update_state()

    def reload_from_server(self) -> None:
        """F5: the rows loaded again and, at the same time, the relation's definition
        read again from the catalog; when another session changed it (a column
        dropped, renamed, added or retyped, an enum's labels, the key), the table is
        opened again as it is now (:meth:`open_again`)."""
        self.reload()
        if self.engine is None or self.opened is None:
            return
        engine, settings, opened = self.engine, self.settings, self.opened

        def read(token):
            now = open_again(engine, settings, opened, token)
            return now, definition_changes(opened, now)

        def done(found) -> None:
            now, changes = found
            if changes and self.opened is opened and self.engine is engine:
                self.open_again(now, changes)

        # a definition that cannot be read (a dropped table) is said by the reload
        self.runner.submit(read, lane="definition", on_done=done, on_error=lambda _e: None)

    def open_again(self, now: OpenedTable, changes: Sequence[str]) -> None:
        """Show ``now``, the relation read again after another session changed its
        definition (``changes``, in words): the filter's conditions on columns it
        still has kept, its pending changes kept in its journal and offered back, to
        be checked against the definition as it is now."""
        if self.session is not None and not self.session.idle:
            return  # a commit's flow runs: the commit's review checks the definition itself
        try:
            conditions = [c for c in self.filter_bar.conditions() if c.column in now.codecs]
        except InvalidValue:
            conditions = []
        pending = len(self.edits) if self.edits is not None else 0
        name = now.schema.qualified_name
        self.open_table(self.settings, self.engine, now, conditions)
        kept = (
            f" Your {plural(pending, 'pending change')} {verb(pending, 'is', 'are')} kept and offered back, "
            "read as the definition is now."
            if pending
            else ""
        )
        self.show_message(
            f"The definition of {name} changed since it was opened ({'; '.join(changes)}): "
            f"it is shown again as it is now.{kept}"
        )

    def _count_null_keys(self, conditions) -> None:
        """How many of the result's rows have a NULL in a key column: they are shown,
        but no UPDATE can single them out, so the status bar says how many."""
        self.null_key_rows = 0
        schema, engine = self.schema, self.engine
        nullable = [name for name in schema.key if schema.column(name).nullable]
        if not nullable:
            return
        results = [
            TableResult(engine, schema, [*conditions, Condition(name, "is NULL")]) for name in nullable
        ]
        model_result = self.model.result

        def count(token) -> int:
            if len(results) == 1:
                return results[0].count(token)
            # rows with several NULL key columns must count once: any NULL is counted by the total minus none NULL
            total = TableResult(engine, schema, conditions).count(token)
            none_null = TableResult(engine, schema, [*conditions, *(Condition(n, "is not NULL") for n in nullable)])
            return total - none_null.count(token)

        def counted(rows: int) -> None:
            if self.model.result is model_result:
                self.null_key_rows = rows
                self._update_state()

        self.runner.submit(count, lane="count-null-keys", on_done=counted, on_error=lambda _e: None)

    def _on_header_clicked(self, section: int) -> None:
        if self.schema is None:
            return
        name = self.model.column_name(section)
        current = self.sort[0] if self.sort else None
        descending = current is not None and current.column == name and not current.descending
        self.sort = (SortKey(name, descending),)
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        self.reload(keep="row")

    def _on_goto(self) -> None:
        text = self.goto_edit.text().strip()
        if self.schema is None:
            return
        if not text:
            self.reload(keep="first")
            return
        name = self.sort[0].column if self.sort else (self.schema.key[0] if self.schema.key else self.model.column_name(0))
        try:
            value = self.opened.codecs[name].parse(text)
        except InvalidValue as error:
            self.show_message(f"Go to {name}: {error.message}")
            return
        self.reload(start_at=(value,))

    def _on_rows_loaded(self, count: int) -> None:
        if self._size_columns and count:
            self._size_columns = False
            self._fit_columns()
        self._update_state()

    def _fit_columns(self) -> None:
        """Each column as wide as its header and the first rows' text need (within
        bounds): measured on a sample, never by walking every row."""
        metrics = self.view.fontMetrics()
        header = self.view.horizontalHeader()
        sample = range(min(self.model.rowCount(), SIZE_SAMPLE_ROWS))
        for col in range(self.model.columnCount()):
            texts = [str(self.model.headerData(col, Qt.Orientation.Horizontal) or "")]
            texts += [str(self.model.index(row, col).data() or "") for row in sample]
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            header.resizeSection(col, max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, width)))

    def _on_load_all(self) -> None:
        self.model.fetch_all()
        self._update_state()

    def _on_load_failed(self, error: UserError) -> None:
        self.show_message(f"{error.title}: {' '.join(error.message.split())}")
        self._update_state()

    # -- editing --------------------------------------------------------------------------
    def set_selection_null(self) -> None:
        """Set every selected cell to NULL, as one undo step (refused with the reason
        when a column is NOT NULL or cannot be edited)."""
        indexes = self.view.selectionModel().selectedIndexes() if self.view.selectionModel() else []
        if not indexes and self.view.currentIndex().isValid():
            indexes = [self.view.currentIndex()]
        if not indexes:
            return
        updates: dict = {}
        for index in indexes:
            reason = self.model.why_cell_read_only(index.row(), index.column())
            if reason is not None:
                self.show_message(reason)
                return
            planned = self.model.plan_cell(index.row(), index.column(), None)
            if planned is None:
                return
            updates.update(planned)
        effective = {cell: change for cell, change in updates.items() if self.edits.get(*cell) != change}
        if effective:
            self.undo_stack.push(PendingEdit(self.edits, effective, f"Set {plural(len(indexes), 'cell')} to NULL"))

    def _on_revert_selected(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid() or self.committing or self.edits is None:
            return
        key = self.model.key_at(index.row())
        cell = (key, self.model.column_name(index.column()))
        if key is not None and self.edits.get(*cell) is not None:
            self.undo_stack.push(PendingEdit(self.edits, {cell: None}, f"Revert change to {cell[1]}"))

    def _on_edits_changed(self, cells) -> None:
        self._save_journal(cells)
        self._update_state()

    def _save_journal(self, cells) -> None:
        """Write what changed for ``cells`` to this window's journal on its lane; a
        journal that cannot be written is said at the edit, and the edits stay
        pending in memory (the next write that succeeds holds them all).

        The GUI thread only hands over the changed cells' changes; turning them into
        text and appending them happen on the lane
        (:class:`~gui.data.journal.JournalWriter`), and a burst of edits queues one
        write: with 100,000 changes pending, a keystroke held the GUI thread 14 ms
        and each write (the whole set as JSON) froze it for about 300 ms through the
        GIL, when every write rewrote the journal whole (``make bench``)."""
        journal = self.journal
        if journal is None:
            return
        writer = self._journal_writer
        if writer is None or writer.journal is not journal:
            schema, codecs = self.schema, self.opened.codecs

            def cell_id(cell):
                key, column = cell
                return [[value_text(codecs[name], v) for name, v in zip(schema.key, key)], column]

            writer = self._journal_writer = JournalWriter(journal, lambda changes: changes_to_json(schema, codecs, changes), cell_id)
            queued = writer.offer(self.edits.snapshot())  # a new journal starts with all of them (a dict copied in C)
        elif isinstance(cells, Changed):
            # what the pending set says changed, as it is: nothing hashed here (the lane merges it)
            queued = writer.offer(cells.to_set, cells.removed)
        else:
            queued = writer.offer(self.edits.changes_of(cells))
        if not queued:
            return  # the write queued already takes this one
        self._queue_journal_write(journal, writer)

    def _offer_restore(self) -> None:
        """Offer what windows that no longer run left in their journals for this table
        (a running window holds its own: never offered).  Looked for on the journal's
        lane, after the writes this window queued before (when it reopens a table)."""
        journal = self.journal
        self.runner.submit(
            lambda _t: journal.left_behind(),
            lane="journal",
            on_done=partial(self._on_left_behind, journal),
            on_error=lambda error: self.show_message(error.message),
        )

    def _on_left_behind(self, journal: TableJournal, found: list) -> None:
        if journal is not self.journal:
            journal.let_go(found)  # another table since
            return
        readable = []
        for left in found:
            try:
                left.changes = self.edits.from_json(left.changes)
            except InvalidValue as error:
                journal.let_go([left])
                # after what is shown already (why the table was opened again, say)
                said = self.message_text().strip()
                self.show_message(
                    (f"{said} " if said else "") + f"The saved pending changes of this table could not be read back ({error.message})."
                )
                continue
            readable.append(left)
        if not readable:
            return
        count = sum(len(left.changes) for left in readable)
        if not self.writable:
            journal.let_go(readable)
            self.show_status(
                f"{plural(count, 'uncommitted change')} from an earlier session "
                f"{verb(count, 'is', 'are')} kept for when you can edit this table."
            )
            return
        schema, codecs = self.schema, self.opened.codecs

        def describe(c) -> str:
            return f"{key_text(schema, codecs, c.key)}: {c.column} → {one_line(shown(codecs[c.column], c.new), 40)}"

        box = RestoreBox(self, readable, describe, f"to {schema.qualified_name}", 30)

        def decided(restore, chosen, others):
            journal.let_go(others)
            if journal is not self.journal or restore is None:
                journal.let_go(chosen)  # another table since (or kept for later)
            elif restore:
                merged = {(c.key, c.column): c for left in chosen for c in left.changes}  # oldest first: the last saved wins
                journal.take(chosen)  # removed once this window's journal holds them
                self.edits.apply(merged)
                self._save_journal(merged)  # also when they were pending already: the taken files go
                self.show_status(f"Restored {plural(len(merged), 'pending change')}.")
            else:
                journal.discard(chosen)

        box.decided.connect(decided)
        box.open()
        self.restore_box = box

    # -- commit ---------------------------------------------------------------------------
    def _on_flow_state(self, state: FlowState) -> None:
        if state in (FlowState.REVIEWING, FlowState.COMMITTING, FlowState.RESOLVING):
            # the review lists exactly what will be written, and the choices on conflicts
            # are planned against the edits as they are: no edits under either
            self.model.read_only = True
            self.model.read_only_reason = {
                FlowState.COMMITTING: "A commit is running: edits are possible again when it ends.",
                FlowState.REVIEWING: "The review of a commit is open: close it to edit again.",
                FlowState.RESOLVING: "The conflicts of a commit are being resolved: edits are possible again when that ends.",
            }[state]
        elif self.writability is not None:
            self._set_writability(self.writability)
        self._update_state()

    def _on_commit_clicked(self) -> None:
        session = self.session
        if session is None or self.committing or not self.edits or not self.writable:
            return
        self.clear_message()
        count = session.start_review()
        self.show_status("Counting the rows each change will update …")
        holder: dict[str, Task] = {}
        dialect, schema, codecs = self.engine.dialect, self.schema, self.opened.codecs
        engine, settings, opened = self.engine, self.settings, self.opened

        def work(token):
            # the changes were made against the definition read when the table was
            # opened: another session may have changed it since (a column dropped or
            # retyped, an enum's labels), and they are checked against it as it is now
            now = open_again(engine, settings, opened, token)
            changes = definition_changes(opened, now)
            if changes:
                return None, None, None, (now, changes)
            # everything that walks the changes, here on the lane: with 100,000 of
            # them, the staleness check and the SQL preview held the GUI thread 7 s.
            # Seconds of Python: the GUI thread gets the GIL back within 1 ms, not 5
            # (each paint, timer and signal of the GUI thread waits for it)
            with sharing_the_gil():
                items = count(token)
                stale = session.stale(items)
                if stale:
                    return items, stale, None, None
                sql = preview_cells_sql(dialect, schema, [item.change for item in items], codecs)
                return items, stale, sql, review_summary(schema, items)

        def done(reviewed):
            items, stale, sql, summary = reviewed
            self._untrack(holder["task"])
            self.clear_status()
            if items is None:
                session.review_failed()
                self.open_again(*summary)  # nothing was written: the changes are offered back
                return
            if stale:
                session.review_found_conflicts(stale)
                self._show_conflicts(
                    session,
                    stale,
                    f"Another client changed the rows of {plural(len(stale), 'pending change')} since you loaded "
                    f"{verb(len(stale), 'it', 'them')}. Nothing was written: choose what to keep.",
                )
                return
            self._show_review(session, items, sql, summary)

        def failed(error):
            session.review_failed(error)
            self._untrack(holder["task"])
            self._show_error(error, "Nothing was written; every change is still pending.")
            self._point_at_refused(error)

        holder["task"] = self._track(
            self.runner.submit(work, on_done=done, on_error=failed, on_bug=lambda _bug: self._on_flow_bug(session, holder["task"]))
        )

    def _point_at_refused(self, error) -> None:
        """After the server refused a new value, select the first loaded cell pending
        with it and say how many changes hold it, so it can be found among many."""
        column, text = getattr(error, "column", None), getattr(error, "text", None)
        if column is None or self.edits is None:
            return
        codec = self.opened.codecs[column]
        holding = [c for c in self.edits.changes() if c.column == column and value_text(codec, c.new) == text]
        if not holding:
            return
        col = self.model.names.index(column) if column in self.model.names else None
        rows = self.model.rows_with_key(holding[0].key) if col is not None else []  # in the arrays, not a row at a time
        if rows:
            self.select_cell(rows[0], col)
        rows = "; ".join(key_text(self.schema, self.opened.codecs, c.key) for c in holding[:5])
        self.show_message(
            f"{error.message} — pending in {plural(len(holding), 'change')} ({rows}{', …' if len(holding) > 5 else ''}): "
            "correct or revert them (Escape), then commit again."
        )

    def _on_flow_bug(self, session: CellSession, task: Task | None) -> None:
        """A bug in the review or the commit: back to a usable window, every change
        still pending; the bug itself goes on to the excepthook."""
        self._untrack(task)
        session.abort()
        self.show_message(
            "Something unexpected went wrong, so nothing was committed. Every change is still pending; you can commit again."
        )

    def _show_review(self, session: CellSession, items, sql: str, summary: str) -> None:
        dialog = CellReviewDialog(self.schema, self.opened.codecs, items, sql, self, summary)
        self.review_dialog = dialog

        def finished(result):
            self.review_dialog = None
            if session is not self.session:
                return  # the window moved on to another table or connection meanwhile
            if result == CellReviewDialog.DialogCode.Accepted:
                self._run_commit(session, items)
            else:
                session.review_declined()
                self.show_passing_status("Commit cancelled: every change is still pending.")
                self.view.setFocus()  # back to the rows, not where the focus went while the controls were off

        dialog.finished.connect(finished)
        dialog.open()

    def _run_commit(self, session: CellSession, items) -> None:
        changes, work = session.start_commit(items)
        self.show_status(f"Committing {plural(len(changes), 'change')} …")
        holder: dict[str, Task] = {}

        def done(result):
            self._cancellable.discard(holder["task"])
            session.committed(changes)
            self.undo_stack.clear()  # the commit is in the database: it cannot be undone here
            self._on_committed(result, changes)

        def failed(error):
            session.commit_failed(error)
            self._untrack(holder["task"])
            if isinstance(error, CellConflictError):
                self._show_conflicts(session, error.conflicts, error.message)
                return
            if isinstance(error, ReadOnly):
                self.show_message(error.message)
            self._show_error(error, "Nothing was written; every change is still pending.")

        holder["task"] = self._track(
            self.runner.submit(work, on_done=done, on_error=failed, on_bug=lambda _bug: self._on_flow_bug(session, holder["task"]))
        )

    def _on_committed(self, result, changes) -> None:
        done = f"Committed {plural(result.changes, 'change')}; {plural(result.rows, 'row')} updated."
        self.show_status(done)
        self.committed.emit(result, changes)
        self.reload()
        if result.altered:
            codecs = self.opened.codecs
            shown_changes = "; ".join(
                f"{key_text(self.schema, codecs, c.key)}: {c.column} typed {shown(codecs[c.column], c.new)}, stored "
                + ", ".join(shown(codecs[c.column], v) for v in result.stored.get((c.key, c.column), ()))
                for c in result.altered[:10]
            )
            self.show_message(f"{done} The database stored other values than you typed (a trigger on the table, or the database itself): {shown_changes}.")

    def _show_conflicts(self, session: CellSession, conflicts, message: str) -> None:
        dialog = CellConflictsDialog(self.schema, self.opened.codecs, conflicts, self)
        self.conflicts_dialog = dialog
        self.show_message(message)

        def finished(result):
            self.conflicts_dialog = None
            if session is not self.session:
                return
            if result != CellConflictsDialog.DialogCode.Accepted:  # Cancel: every change stays pending, as "Decide later"
                self._on_resolved(session.resolve(None))
                return
            # the changes kept are planned on the lane (100,000 took the GUI thread a second)
            work = session.start_resolving(dialog.row_choices())
            self.show_status("Applying your choices …")
            holder: dict[str, Task] = {}

            def planned(plan):
                if session is self.session and session.state is FlowState.RESOLVING:
                    self.clear_status()
                    self._on_resolved(session.resolved(plan))

            def failed(_error):
                self._on_flow_bug(session, holder.get("task"))

            holder["task"] = self.runner.submit(work, on_done=planned, on_error=failed, on_bug=failed)

        dialog.finished.connect(finished)
        dialog.open()

    def _on_resolved(self, outcome) -> None:
        """What resolving the conflicts did, said; the rows loaded again."""
        said = []
        if outcome.kept:
            said.append(f"Kept your values for {plural(outcome.kept, 'change')}: press Commit to apply them.")
        if outcome.taken:
            said.append(f"Took the database's values for {plural(outcome.taken, 'change')}.")
        if outcome.later:
            said.append(
                f"{plural(outcome.later, 'conflicting change')} {verb(outcome.later, 'is', 'are')} still pending: "
                f"{verb(outcome.later, 'it', 'they')} will be checked again at the next commit."
            )
        self.reload()
        self.show_message(" ".join(said) or "Nothing left to resolve: the conflicting changes were reverted meanwhile.")

    # -- revert ---------------------------------------------------------------------------
    # -- state ----------------------------------------------------------------------------
    def _update_state(self) -> None:
        count = len(self.edits) if self.edits is not None else 0
        self.pending_label.setText(plural(count, "pending change") if count else "No pending changes")
        connected = self.engine is not None
        can_commit = connected and self.writable and count > 0 and not self.committing
        self.commit_button.setEnabled(can_commit)
        self.commit_action.setEnabled(can_commit)
        self.revert_button.setEnabled(count > 0 and not self.committing)
        self.revert_action.setEnabled(count > 0 and not self.committing)
        self.connect_action.setEnabled(not self.committing)
        self.table_chooser.setEnabled(not self.committing)
        self._set_undo_active(not self.committing)
        self.revert_one_action.setEnabled(not self.committing)
        self.set_null_action.setEnabled(not self.committing)
        running = bool(self._cancellable) or self.model.loading
        self.cancel_button.setEnabled(running)
        self.busy.setVisible(running)
        loaded, total = self.model.rowCount(), self.model.total
        if not connected:
            text = "Not connected"
        elif self.opened is None:
            text = "No table open"
        elif self.model.loading and loaded == 0:
            text = "Loading rows …"
        elif total is not None and total == loaded:
            text = f"{plural(loaded, 'row')} shown"
        elif total is not None:
            text = f"{loaded:,} of {total:,} rows loaded"
        elif self.model.count_failed:
            text = f"{loaded:,} rows loaded (the total could not be counted)"
        else:
            text = f"{loaded:,} rows loaded, counting …"
        if connected and self.opened is not None and self.null_key_rows:
            key = ", ".join(self.schema.key)
            text += f" — {self.null_key_rows:,} with a NULL {key} (read-only)"
        self.rows_label.setText(text)

    def select_cell(self, row: int, column: int) -> None:
        index = self.model.index(row, column)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)

    # -- leaving ---------------------------------------------------------------------------
    @property
    def pending(self):
        return self.edits if self.edits is not None else ()



class KeyColumnsDialog(QDialog):
    """Tick the columns whose values identify a row: every row with the same values
    changes together, and the review counts them."""

    def __init__(self, columns: list[str], current: tuple[str, ...], parent=None):
        super().__init__(parent)
        named(self, "Identify rows by")
        self.setWindowTitle("Identify rows by")
        text = QLabel(
            "This relation has no primary key and no unique index on NOT NULL columns. Tick the columns "
            "whose values identify a row: an edit changes every row with the same values (the review counts them), "
            "and rows with a NULL in one of them cannot be edited."
        )
        text.setWordWrap(True)
        self.columns = named(QListWidget(), "Key columns")
        for name in columns:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in current else Qt.CheckState.Unchecked)
            self.columns.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.columns)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [
            self.columns.item(i).text()
            for i in range(self.columns.count())
            if self.columns.item(i).checkState() == Qt.CheckState.Checked
        ]
