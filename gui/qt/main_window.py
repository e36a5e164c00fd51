"""The main window: threshold, table, pending changes, commit through a review.

It holds no database logic: it asks the data layer (through the task runner, off the
GUI thread) and shows what comes back.  Dialogs are opened non-modally with
``open()`` so the event loop, and the rest of the window, keep running.

A reload (F5, after a commit or conflicts) keeps the user's place: the same row,
the same column, at the same height on screen; a new threshold keeps the current
row when it still shows; Go to x moves within the whole result, and the rows
before load as the user scrolls up (:mod:`gui.qt.keep_place`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from ..data.config import TableSpec
from ..data.connection import DEMO, ConnectionSettings, identity_name
from ..data.demo import reset_demo
from ..data.errors import ConflictError, InvalidValue, ReadOnly, UserError
from ..data.pending import PendingChanges, parse_value
from ..data.schema import list_relations
from ..data.journal import JournalWriter
from ..data.prepared import Changed
from ..data.storage import Journal
from ..data.wording import plural, verb
from .delegate import ValueDelegate
from .fit import FlowLayout, group, usable_width
from .keep_place import Place, PlacedView
from .restore_box import RestoreBox
from .rows_model import CHECKING_WRITABILITY, KEY_COLUMN, READ_ONLY_REASON, VALUE_COLUMN, RowsModel
from .table_chooser import TableChooser
from .tasks import Task, TaskRunner
from .window_base import EditorWindow, named
from .undo import PendingEdit

if TYPE_CHECKING:
    # imported when first used, not to start (the connection dialog is on screen sooner):
    # the catalog (NumPy), the session and the commit (SQLAlchemy's ORM), the review
    from ..data.catalog import ConnectionFacts, Writability
    from ..data.commit import CommitResult
    from ..data.session import EditingSession, FlowState

SHORTCUTS = [
    ("Ctrl+Return", "Commit (after the review)"),
    ("F5", "Reload the rows"),
    ("Ctrl+Shift+End", "Load every row"),
    ("Ctrl+F", "Focus the threshold"),
    ("Ctrl+G", "Focus “Go to x”"),
    ("Ctrl+Home", "Go to the first row (of all the rows, not just those loaded)"),
    ("Ctrl+Z", "Undo the last edit"),
    ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
    ("Escape", "Revert the selected pending change"),
    ("Ctrl+C / Ctrl+V", "Copy the selection / paste into y"),
    ("Ctrl+O", "Connect to another database"),
    ("Ctrl+T", "Choose another table"),
]


@dataclass
class Paths:
    data: Path
    config: Path

    @property
    def demo(self) -> Path:
        return self.data / "demo.sqlite3"

    @property
    def journal(self) -> Path:
        return self.data / "journal"

    @property
    def recent(self) -> Path:
        return self.config / "recent-connections.json"

    @property
    def audit(self) -> Path:
        return self.data / "audit.sqlite3"


class RowsView(PlacedView):
    """The table view; an attempt to edit a cell the model will not take says why
    (the key column, a read-only connection, a commit running) instead of doing nothing."""

    refused = Signal(str)  # why the cell cannot be edited: said until the next action

    _EDIT_TRIGGERS = (
        QAbstractItemView.EditTrigger.DoubleClicked,
        QAbstractItemView.EditTrigger.EditKeyPressed,
        QAbstractItemView.EditTrigger.AnyKeyPressed,
    )

    def edit(self, index, trigger=None, event=None):
        if trigger is None:  # the public edit(index) slot
            return super().edit(index)
        model = self.model()
        typed = trigger != QAbstractItemView.EditTrigger.AnyKeyPressed or (event is not None and event.text().strip())
        if trigger in self._EDIT_TRIGGERS and index.isValid() and typed and isinstance(model, RowsModel):
            reason = model.why_column_read_only(index.column())
            if reason is not None:
                self.refused.emit(f"{model.spec.key} cannot be changed here: {reason}.")
                return False
        if (
            trigger in self._EDIT_TRIGGERS
            and index.isValid()
            and index.column() == VALUE_COLUMN
            and getattr(model, "read_only", False)
            and (trigger != QAbstractItemView.EditTrigger.AnyKeyPressed or (event is not None and event.text().strip()))
        ):
            model.edit_refused.emit(model.read_only_reason)
            return False
        return super().edit(index, trigger, event)


class MainWindow(EditorWindow):
    SHORTCUTS = SHORTCUTS
    LAYOUT_KEY = "tutorial"
    committed = Signal(object)  # CommitResult
    connect_requested = Signal()
    table_requested = Signal(str)  # the user chose another relation (its qualified name)

    def __init__(self, spec: TableSpec, runner: TaskRunner, paths: Paths, threshold: int = 6, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.paths = paths
        # the connection's editing session (None: not connected)
        self.session: EditingSession | None = None
        self.pending = PendingChanges(spec)
        self._init_common(runner, QUndoStack(self))
        self.model = RowsModel(spec, self.pending, runner, self.undo_stack, self)
        self.pending.subscribe(self._on_pending_changed)

        self._build_widgets(threshold)
        self._build_actions()
        self._wire()
        self._update_state()
        self.setWindowTitle("Table Editor")
        self._restore_geometry(paths.config, QSize(720, 560))

    # -- construction --------------------------------------------------------
    def _build_widgets(self, threshold: int) -> None:
        self.threshold_edit = named(QLineEdit(str(threshold)), "Threshold")
        self.threshold_edit.setToolTip(f"Show rows with {self.spec.value} greater than this; Enter reloads")
        self.threshold_edit.setMaximumWidth(120)
        self.threshold_edit.setMinimumWidth(usable_width(self.threshold_edit))
        self.goto_edit = named(QLineEdit(), "Go to x")
        self.goto_edit.setPlaceholderText(f"{self.spec.key} ≥ …")
        self.goto_edit.setToolTip(f"Jump to the first row with {self.spec.key} at or above this value; empty: from the start")
        self.goto_edit.setMaximumWidth(120)
        self.goto_edit.setMinimumWidth(usable_width(self.goto_edit))
        self.commit_button = named(QPushButton("&Commit…"), "Commit")
        self.revert_button = named(QPushButton("&Revert"), "Revert")
        self.cancel_button = named(QPushButton("Cancel"), "Cancel")
        self.cancel_button.setToolTip("Cancel the running query or commit on the server")
        self.pending_label = named(QLabel(), "Pending changes")

        self.table_chooser = TableChooser()
        table_label = QLabel("T&able:")
        table_label.setBuddy(self.table_chooser)
        threshold_label = QLabel(f"&Threshold: {self.spec.value} >")
        threshold_label.setBuddy(self.threshold_edit)
        goto_label = QLabel(f"&Go to {self.spec.key}")
        goto_label.setBuddy(self.goto_edit)
        # groups that wrap to a second row in a narrow window (a small screen, the plot open)
        bar = FlowLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(group(table_label, self.table_chooser))
        bar.addWidget(group(threshold_label, self.threshold_edit))
        bar.addWidget(group(goto_label, self.goto_edit))
        bar.addItem(QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum))
        bar.addWidget(group(self.pending_label, self.revert_button, self.commit_button, self.cancel_button))

        self.view = named(RowsView(), "Rows")
        self.view.setModel(self.model)
        self.delegate = ValueDelegate(self.spec, self.view)
        self.view.setItemDelegateForColumn(VALUE_COLUMN, self.delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        # fixed-height rows and sections: no call ever walks every row of a large model
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(140)
        self.view.horizontalHeader().setStretchLastSection(True)

        self._build_message_line()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.view)
        self.setCentralWidget(central)

        self._build_status_bar()

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        self.connect_action = self._action(file_menu, "&Connect…", self.connect_requested.emit, QKeySequence.StandardKey.Open)
        self.reset_demo_action = self._action(file_menu, "Reset &demo data", self._on_reset_demo, name="Reset demo data")
        self.file_menu = file_menu
        file_menu.addSeparator()
        self._action(file_menu, "Open &table…", self._focus_chooser, "Ctrl+T", name="Open table")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, "Ctrl+Q")  # StandardKey.Quit is none on some platforms

        edit_menu = menus.addMenu("&Edit")
        self.edit_menu = edit_menu
        self._build_undo_actions(edit_menu)
        self.revert_one_action = self._action(edit_menu, "Revert selected change", self._on_revert_selected, Qt.Key.Key_Escape)
        self.revert_one_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.revert_one_action)
        self.commit_action = self._action(edit_menu, "&Commit…", self._on_commit_clicked, ["Ctrl+Return", "Ctrl+Enter"])
        self.revert_action = self._action(edit_menu, "Re&vert all…", self._on_revert_clicked)

        view_menu = menus.addMenu("&View")
        self.view_menu = view_menu
        # not ``self.reload`` itself: triggered(bool) would pass ``checked`` as the start key
        self.reload_action = self._action(view_menu, "&Reload", lambda: self.reload(), QKeySequence.StandardKey.Refresh)
        self.load_all_action = self._action(view_menu, "Load &everything", self._on_load_all, "Ctrl+Shift+End", name="Load everything")
        self.reload_action.setShortcuts([QKeySequence("F5")])
        self._action(view_menu, "Focus &threshold", lambda: self._focus(self.threshold_edit), "Ctrl+F")
        self._action(view_menu, "&Go to x", lambda: self._focus(self.goto_edit), "Ctrl+G")

        help_menu = menus.addMenu("&Help")
        self.help_menu = help_menu
        self._action(help_menu, "&Keyboard shortcuts", self._show_shortcuts, name="Keyboard shortcuts")

    def _wire(self) -> None:
        self.table_chooser.table_chosen.connect(self._on_table_chosen)
        self.table_chooser.refused.connect(self.show_message)
        self.threshold_edit.returnPressed.connect(lambda: self.reload(keep="row"))
        self.goto_edit.returnPressed.connect(self._on_goto)
        self.commit_button.clicked.connect(self._on_commit_clicked)
        self.revert_button.clicked.connect(self._on_revert_clicked)
        self.cancel_button.clicked.connect(self.cancel_running)
        self.view.first_row_requested.connect(lambda: self.reload(keep="first"))
        self.model.loading_changed.connect(lambda _loading: self._update_state())
        self._watch_end_key()
        self._keep_header_off_the_selection()
        self.model.rows_loaded.connect(lambda _n: self._update_state())
        self.model.total_counted.connect(lambda _n: self._update_state())
        self.model.total_unknown.connect(self._update_state)
        self.model.load_failed.connect(self._on_load_failed)
        self.model.edit_refused.connect(self.show_message)
        self.view.refused.connect(self.show_passing_message)
        self._clear_passing_at_the_next_action()
        self.delegate.refused.connect(self.show_message)
        self.delegate.settled.connect(self.clear_message)  # Escape, or a new edit: the refusal has had its moment
        self.model.modelReset.connect(self.delegate.forget_drafts)
        # drafts are kept by row number, which rows put before the first shift
        self.view.rows_prepended.connect(self.delegate.shift_drafts)
        self.undo_stack.indexChanged.connect(lambda _i: self.clear_message())

    def current_table_name(self) -> str:
        return self.spec.qualified_name

    def _on_table_chosen(self, name: str) -> None:
        if name != self.spec.qualified_name:
            self.table_requested.emit(name)

    def _list_relations(self) -> None:
        """Fill the table chooser from the server, off the GUI thread."""
        from ..data.opening import tutorial_key_noted  # noqa: PLC0415 - see the imports

        engine = self.engine

        def read(_token):
            with engine.connect() as conn:
                return tutorial_key_noted(list_relations(conn), self.spec)

        def listed(entries) -> None:
            if engine is self.engine:
                self.table_chooser.set_relations(entries)
                self.table_chooser.set_current(self.spec.qualified_name)

        self.runner.submit(read, lane="server", on_done=listed, on_error=lambda _error: None)

    def _focus_chooser(self) -> None:
        self.table_chooser.setFocus()
        self.table_chooser.showPopup()

    def _focus(self, edit: QLineEdit) -> None:
        edit.setFocus()
        edit.selectAll()

    # -- connection ----------------------------------------------------------
    @property
    def settings(self) -> ConnectionSettings | None:
        return self.session.settings if self.session is not None else None

    @property
    def engine(self):
        return self.session.engine if self.session is not None else None

    @property
    def journal(self) -> Journal | None:
        return self.session.journal if self.session is not None else None

    @property
    def writability(self) -> Writability | None:
        return self.session.writability if self.session is not None else None

    @property
    def committing(self) -> bool:
        """A commit is under way: counting, the review open, the transaction running,
        or conflicts to resolve.  The pending set belongs to it until it is idle."""
        return self.session is not None and not self.session.idle

    def set_connection(self, settings: ConnectionSettings, engine, facts: ConnectionFacts | None = None) -> None:
        """Use ``engine`` from now on; restore journaled changes; load the rows.
        ``facts``: what the server said about this connection and table as it was
        opened (:meth:`~gui.data.opening.OpenedTable.facts_for`); else it is asked."""
        if self.engine is not None and self.engine is not engine:
            old = self.engine
            self.runner.submit(lambda _t: old.dispose(), lane="server", on_error=lambda e: None)
        # the previous connection's pending changes stay in its journal, offered again on reconnect
        self._release_journal()
        self.session = None
        self.undo_stack.clear()
        self.pending.clear()
        from ..data.session import EditingSession  # noqa: PLC0415 - see the imports

        self.session = EditingSession(settings, engine, self.spec, self.pending, Journal(self.paths.journal, settings, self.spec))
        self.session.subscribe(self._on_flow_state)
        self.session.subscribe(self._follow_commit_for_leaving)
        self.reset_demo_action.setEnabled(settings.kind == DEMO)
        # no edit is taken before the server has said whether it could be committed
        self._set_writability(None)
        if facts is None:
            self._ask_writability(offer_restore=True)
        else:
            self._on_connection_facts(engine, True, facts)
        self.table_chooser.set_current(self.spec.qualified_name)
        self._list_relations()
        self.reload(keep=None)

    def _ask_writability(self, offer_restore: bool = False) -> None:
        """Ask the live connection what it may change and where it really is; the
        first answer also keys the journal (two servers reached through one service
        name, or through PGHOST, never share one) and offers what it holds."""
        from ..data.catalog import inspect_connection  # noqa: PLC0415 - see the imports

        engine, settings = self.engine, self.settings
        self.runner.submit(
            lambda _token: inspect_connection(engine, self.spec, settings),
            lane="server",
            on_done=partial(self._on_connection_facts, engine, offer_restore),
            on_error=partial(self._on_writability_failed, engine, offer_restore),
            # a bug goes on to the bug report; edits are then judged by the server at commit
            on_bug=partial(self._on_writability_failed, engine, offer_restore),
        )

    def _on_connection_facts(self, engine, offer_restore: bool, facts: ConnectionFacts) -> None:
        if engine is not self.engine:
            return  # an answer about a connection the window no longer uses
        if offer_restore:
            # no edit is taken before this answer, so the journal keyed by the settings holds nothing
            self._release_journal()
            self.session.journal = Journal(self.paths.journal, self.settings, self.spec, facts.identity)
            if self.settings.kind != DEMO:
                self.session.display_name = identity_name(facts.identity)
        self._set_writability(facts.writability)
        if offer_restore:
            self._offer_restore_soon(engine)

    def _on_writability_failed(self, engine, offer_restore: bool, error: UserError) -> None:
        if engine is not self.engine:
            return
        # the same error reaches the user with the first page; edits are then judged
        # by the server at commit, as before this was asked
        from ..data.catalog import Writability  # noqa: PLC0415 - see the imports

        self._set_writability(Writability())
        if offer_restore:
            self._offer_restore_soon(engine)

    def _set_writability(self, writability: Writability | None) -> None:
        self.session.writability = writability
        if writability is None:
            reason = CHECKING_WRITABILITY
        else:
            reason = writability.reason
            if self.message_text() == CHECKING_WRITABILITY:
                self.clear_message()  # an edit refused while the server was asked: it has answered
        self.model.read_only = reason is not None
        self.model.read_only_reason = reason or READ_ONLY_REASON
        read_only = writability is not None and not writability.writable
        title = f"{self.spec.qualified_name} — {self.session.display_name}"
        self.setWindowTitle(title + (" [read-only]" if read_only else "") + " — Table Editor")
        self.mode_label.setText(writability.reason if read_only else "")
        self._update_state()

    @property
    def writable(self) -> bool:
        """The server said edits on this connection can be committed."""
        return self.session is not None and self.session.writable

    def _offer_restore_soon(self, engine) -> None:
        """:meth:`_offer_restore` once the event loop runs: after the window is on
        screen when the facts came with the table (before it was shown)."""
        QTimer.singleShot(0, self, lambda: self._offer_restore() if engine is self.engine else None)

    def _offer_restore(self) -> None:
        """Offer what windows that no longer run left in their journals for this
        connection and table (a running window holds its own: never offered)."""
        journal = self.journal
        found = journal.left_behind()
        if not found:
            return
        count = sum(len(left.changes) for left in found)
        if not self.writable:
            # they could not be committed here: leave them for a writable session
            journal.let_go(found)
            self.show_status(
                f"{plural(count, 'uncommitted change')} from an earlier session "
                f"{verb(count, 'is', 'are')} kept for when you can edit on this connection."
            )
            return
        spec = self.spec
        box = RestoreBox(self, found, lambda c: f"{spec.key} = {c.key}: {spec.value} → {c.new}", "on this connection", 50)

        def decided(restore, chosen, others):
            journal.let_go(others)
            if journal is not self.journal or restore is None:
                journal.let_go(chosen)  # another connection since (or kept for later)
            elif restore:
                merged = {c.key: c for left in chosen for c in left.changes}  # oldest first: the last saved wins
                journal.take(chosen)  # removed once this window's journal holds them
                self.pending.apply(merged)
                self._save_journal(merged)  # also when they were pending already: the taken files go
                self.show_status(f"Restored {plural(len(merged), 'pending change')}.")
            else:
                journal.discard(chosen)

        box.decided.connect(decided)
        box.open()
        self.restore_box = box

    def _save_journal(self, keys) -> None:
        """Write what changed for ``keys`` to this window's journal on its lane; a
        journal that cannot be written is said at the edit, and the changes stay
        pending in memory (the next write that succeeds holds them all).

        The GUI thread only hands over the changed keys' changes; turning them into
        text and appending them (with its fsync) happen on the lane
        (:class:`~gui.data.journal.JournalWriter`), and a burst of edits queues one
        write: at 10,000 pending changes each keystroke cost the GUI thread 68 ms
        when it wrote them all itself.  The lane is flushed at shutdown
        (:data:`~gui.qt.tasks.FLUSHED_LANES`)."""
        journal = self.journal
        if journal is None:
            return
        writer = self._journal_writer
        if writer is None or writer.journal is not journal:
            writer = self._journal_writer = JournalWriter(journal, lambda changes: [c.to_json() for c in changes])
            queued = writer.offer(self.pending.snapshot())  # a new journal starts with all of them (a dict copied in C)
        elif isinstance(keys, Changed):
            queued = writer.offer(keys.to_set, keys.removed)  # as the pending set told them: nothing looked up here
        else:
            queued = writer.offer({key: self.pending.get(key) for key in keys})
        if not queued:
            return  # the write queued already takes this one
        self._queue_journal_write(journal, writer)

    # -- loading -------------------------------------------------------------
    def threshold(self) -> int | None:
        try:
            return parse_value(self.threshold_edit.text(), self.spec)
        except InvalidValue as error:
            self.show_message(f"Threshold: {error.message}")
            return None

    def reload(self, start_key: int | None = None, keep: str | None = "place") -> None:
        """Load the rows again: from ``start_key`` (Go to x: its first row selected
        at the top); else keeping the user's place (``keep="place"``: the row they
        were on, or the first row of its x, or after it), the current row if it
        still shows (``"row"``: a new threshold; else the first row), the real first
        row selected (``"first"``: Ctrl+Home), or from the start (``None``)."""
        if self.engine is None:
            return
        threshold = self.threshold()
        if threshold is None:
            return
        self.clear_message()
        column = self.view.current_column()
        if start_key is not None or keep == "first":
            place = Place(column=KEY_COLUMN if keep == "first" else column, select=True)
        elif keep is None:
            place = Place()
        else:
            place = self.view.remember_place(keep) or Place()
        anchor = place.anchor
        if anchor is not None and keep == "place":
            start_key = anchor[0]  # where the row is gone (its y committed): its x
        self.model.load(self.engine, threshold, start_key, anchor)
        self.view.restore_place(place)
        self._update_state()

    def _on_goto(self) -> None:
        text = self.goto_edit.text().strip()
        if not text:
            self.model.start_key = None
            self.reload(keep="first")
            return
        try:
            key = parse_value(text, self.spec, self.spec.key)
        except InvalidValue as error:
            self.show_message(f"Go to {self.spec.key}: {error.message}")
            return
        self.model.start_key = key
        self.reload(start_key=key)

    def _on_load_failed(self, error: UserError) -> None:
        self.show_message(f"{error.title}: {error.message}")
        self._update_state()

    # -- commit --------------------------------------------------------------
    def _on_commit_clicked(self) -> None:
        session = self.session
        if session is None or not session.can_commit() or self.model.read_only:
            return
        self.clear_message()
        threshold = self.model.threshold if self.model.threshold is not None else self.threshold()
        if threshold is None:
            return
        count = session.start_review(threshold)
        from .review import preview_text, review_summary  # noqa: PLC0415 - see the imports

        self.show_status("Counting the rows each change will update …")
        holder: dict[str, Task] = {}
        dialect, spec = self.engine.dialect, self.spec

        def work(token):
            # everything that walks the changes, here on the lane, as the window for
            # any table does: the review's list itself is a view over these items
            items = count(token)
            return items, review_summary(spec, items, threshold), preview_text(dialect, spec, [i.change for i in items])

        def done(reviewed):
            items, summary, sql = reviewed
            self._untrack(holder["task"])
            self.clear_status()
            self._show_review(items, threshold, sql, summary)

        def failed(error):
            session.review_failed(error)
            self._untrack(holder["task"])
            self._show_error(error)

        holder["task"] = self._track(
            self.runner.submit(work, on_done=done, on_error=failed, on_bug=lambda _bug: self._on_flow_bug(holder["task"]))
        )

    def _on_flow_bug(self, task: Task | None) -> None:
        """A bug in the review or the commit: back to a usable window, every change
        still pending; the bug itself goes on to the excepthook."""
        self._untrack(task)
        if self.session is not None:
            self.session.abort()
        self.show_message(
            "Something unexpected went wrong, so nothing was committed. Every change is still pending; "
            "you can commit again, or save your work by exporting it."
        )

    def _show_review(self, items, threshold: int, sql: str, summary) -> None:
        from .review import ReviewDialog  # noqa: PLC0415 - see the imports

        session = self.session
        dialog = ReviewDialog(self.spec, items, threshold, sql, self, summary)
        self.review_dialog = dialog

        def finished(result):
            self.review_dialog = None
            if session is not self.session:
                return  # the window moved on to another connection meanwhile
            if result == ReviewDialog.DialogCode.Accepted:
                self._run_commit(items)
            else:
                session.review_declined()
                self.show_passing_status("Commit cancelled: every change is still pending.")
                self.view.setFocus()  # back to the rows, not where the focus went while the controls were off

        dialog.finished.connect(finished)
        dialog.open()

    def _run_commit(self, items) -> None:
        session = self.session
        work = session.start_commit(items)
        self.show_status(f"Committing {plural(len(items), 'change')} …")
        holder: dict[str, Task] = {}

        def done(result: CommitResult):
            self._cancellable.discard(holder["task"])
            session.committed(result)
            self._on_committed(result)
            self._update_state()

        def failed(error):
            session.commit_failed(error)
            self._on_commit_failed(error)
            self._untrack(holder["task"])

        holder["task"] = self._track(
            self.runner.submit(work, on_done=done, on_error=failed, on_bug=lambda _bug: self._on_flow_bug(holder["task"]))
        )

    def _on_flow_state(self, state: FlowState) -> None:
        from ..data.session import FlowState  # noqa: PLC0415 - see the imports

        if state is FlowState.COMMITTING:
            self.model.read_only = True  # no edits while the transaction runs
            self.model.read_only_reason = "A commit is running: edits are possible again when it ends."
        elif self.session is not None:
            self._set_writability(self.session.writability)  # what the server allows, again
        self._update_state()

    def _on_committed(self, result: CommitResult) -> None:
        self.undo_stack.clear()  # the commit is in the database: it cannot be undone here
        self.undo_action.setText("Undo (nothing since the last commit)")
        done = f"Committed {plural(result.changes, 'change')}; {plural(result.rows, 'row')} updated."
        self.show_status(done)
        self.committed.emit(result)
        note = ""
        if result.altered:
            shown = "; ".join(
                f"{self.spec.key} = {c.key}: typed {c.new}, stored {', '.join('NULL' if v is None else str(v) for v in result.stored(c))}"
                for c in result.committed
                if result.stored(c)
            )
            note = (
                f"{done} The database stored other values than you typed for "
                f"{plural(len(result.altered), 'change')} (a trigger on the table, or the database itself): {shown}."
            )
        self.reload()
        if note:
            self.show_message(note)  # after the reload, which clears the message line

    def _on_commit_failed(self, error: UserError) -> None:
        if isinstance(error, ReadOnly):
            self._ask_writability()  # the server turned read-only since the window asked: say why
        if isinstance(error, ConflictError):
            self._show_conflicts(error)
            return
        self._show_error(error, "Nothing was written; every change is still pending.")

    def _show_conflicts(self, error: ConflictError) -> None:
        from .review import ConflictsDialog  # noqa: PLC0415 - see the imports

        session = self.session
        dialog = ConflictsDialog(self.spec, error.conflicts, self)
        self.conflicts_dialog = dialog
        self.show_message(error.message)

        def finished(result):
            self.conflicts_dialog = None
            if session is not self.session:
                return
            if result != ConflictsDialog.DialogCode.Accepted:
                session.resolve_later()
                return
            outcome = session.resolve(dialog.choices())
            undecided = f" {plural(outcome.later, 'conflict')} left to decide at the next commit." if outcome.later else ""
            self.reload()  # first: reloading clears the message line
            self.show_message(
                f"Conflicts resolved: kept {plural(outcome.kept, 'change')} of yours, took theirs for {plural(outcome.taken, 'change')}."
                f"{undecided} Press Commit to apply what is pending."
            )

        dialog.finished.connect(finished)
        dialog.open()

    # -- revert --------------------------------------------------------------
    def _on_revert_selected(self) -> None:
        index = self.view.currentIndex()
        if not index.isValid() or self.committing:
            return
        key = self.model.key_at(index.row())
        if key in self.pending:
            self.undo_stack.push(PendingEdit(self.pending, {key: None}, f"Revert change to {self.spec.key} = {key}"))

    # -- what the tools share ---------------------------------------------------
    def can_edit(self, what: str) -> bool:
        """Whether an action named ``what`` (a paste, an import) may change the pending
        set now; if not, says why in the message line."""
        if self.engine is None:
            self.show_message(f"{what}: connect to a database first.")
            return False
        if self.model.read_only:
            self.show_message(f"{what}: {self.model.read_only_reason}")
            return False
        return True

    def current_threshold(self) -> int | None:
        """The threshold of the rows on screen (else the one typed, or None if it is refused)."""
        return self.model.threshold if self.model.threshold is not None else self.threshold()

    def push_updates(self, updates: dict, text: str) -> int:
        """Push the updates that change something as one undo step named ``text``;
        returns how many."""
        effective = {k: v for k, v in updates.items() if self.pending.get(k) != v}
        if effective:
            self.undo_stack.push(PendingEdit(self.pending, effective, text))
        return len(effective)

    # -- state ---------------------------------------------------------------
    def _on_pending_changed(self, keys) -> None:
        self._save_journal(keys)
        self._update_state()

    def _update_state(self) -> None:
        count = len(self.pending)
        self.pending_label.setText(plural(count, "pending change") if count else "No pending changes")
        connected = self.engine is not None
        writable = connected and self.writable
        can_commit = writable and count > 0 and not self.committing
        self.commit_button.setEnabled(can_commit)
        self.commit_action.setEnabled(can_commit)
        self.revert_button.setEnabled(count > 0 and not self.committing)
        self.revert_action.setEnabled(count > 0 and not self.committing)
        # a commit's result belongs to this connection: no switching while it runs
        self.connect_action.setEnabled(not self.committing)
        # nor undo, redo or revert of a change the running transaction is writing:
        # the group's Undo/Redo actions are off while no stack is active
        self._set_undo_active(not self.committing)
        self.revert_one_action.setEnabled(not self.committing)
        running = bool(self._cancellable) or self.model.loading
        self.cancel_button.setEnabled(running)
        self.busy.setVisible(running)
        loaded, total = self.model.rowCount(), self.model.total
        if self.model.loading and loaded == 0:
            text = "Loading rows …"
        elif total is not None and total == loaded:
            text = f"{plural(loaded, 'row')} shown"
        elif total is not None:
            text = f"{loaded:,} of {total:,} rows loaded"
        elif self.model.count_failed:
            text = f"{loaded:,} rows loaded (the total could not be counted)"
        else:
            text = f"{loaded:,} rows loaded, counting …" if connected else "Not connected"
        self.rows_label.setText(text)

    def _on_reset_demo(self) -> None:
        if self.settings is None or self.settings.kind != DEMO:
            return
        path, spec = Path(self.settings.demo_path), self.spec
        self.runner.submit(lambda _t: reset_demo(path, spec), on_done=lambda _p: (self.show_status("Demo data restored."), self.reload()), on_error=self._show_error)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, VALUE_COLUMN)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)

    def _on_load_all(self) -> None:
        """View → Load everything: every row of the query, in the bulk pages of
        :meth:`RowsModel.fetch_all` (the status bar counts them; Cancel stops)."""
        self.model.fetch_all()
        self._update_state()

