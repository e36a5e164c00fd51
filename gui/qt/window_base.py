"""What the tutorial's window and the window for any table share: named widgets and
actions, the status bar's row count, busy bar and mode, Undo/Redo over one undo
stack, the error and shortcut boxes, and the cancellable tasks behind Cancel.

And how a window sits on the screen: it opens at a size that suits the screen (about
2/3 of the available area, centred; all of it on a small screen), or where it was when it was
last closed (``saveGeometry``/``saveState`` in ``window.ini`` of the user's config
folder, restored within the available area); every dialog it parents is fitted to
the screen as it is shown (:class:`gui.qt.fit.DialogFitter`), so a dialog sized for
a large screen, of this module's or of another, fits a small one.
"""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QItemSelectionModel, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox, QProgressBar, QSizePolicy, QStyle, QWidget

from ..data.errors import StorageFailed, UserError
from ..data.journal import JournalWriter
from ..data.storage import WindowJournal
from ..data.wording import plural, verb
from .fit import DialogFitter, ElidedLabel, available_geometry, centre_on_screen, fit_to_screen, frame_margins, suited_size
from .palette import state_colours
from .shortcuts import show_shortcuts
from .tasks import Task

LAYOUT_FILE = "window.ini"
LOADING_FOR_LAST_ROW = "Loading every row to reach the last one … (Cancel stops)"


def named(widget, name: str):
    """``widget`` with ``name`` as its accessible name and object name."""
    widget.setAccessibleName(name)
    widget.setObjectName(name)
    return widget


class EditorWindow(QMainWindow):
    """The parts of a main window that do not depend on how its table is held."""

    SHORTCUTS: list[tuple[str, str]] = []

    # the key of this kind of window's dock layout in LAYOUT_FILE
    LAYOUT_KEY = "window"

    def _init_common(self, runner, undo_stack: QUndoStack) -> None:
        self.runner = runner
        self.undo_stack = undo_stack
        self._cancellable: set[Task] = set()
        self._close_confirmed = False
        self._quitting = False  # "Cancel the commit and quit" chosen: the window closes once the commit ends
        self._journal_writer: JournalWriter | None = None  # writes the journal on its lane
        # Commit… chosen on the way out: (the session, what to do once committed, its last state)
        self._leave_after_commit: tuple | None = None
        # said until the next action (a key, a click, an edit): the message line's, the status bar's
        self._passing_message = self._passing_status = ""
        self._dialog_fitter = DialogFitter(self)
        self._layout_file: Path | None = None
        self._state_restored = False

    # -- where the window sits ------------------------------------------------------------
    def _restore_geometry(self, config_folder: Path | None, base: QSize) -> None:
        """Open where the window was last closed (any kind of main window: they take
        each other's place), else at a size that suits the screen (about 2/3 of it, all
        of it where that is less than ``base``), centred; within the available area
        either way."""
        self._layout_file = Path(config_folder) / LAYOUT_FILE if config_folder is not None else None
        saved = self._layout_settings().value("main/geometry") if self._layout_file is not None else None
        if saved is None or not self.restoreGeometry(saved):
            self.resize(suited_size(self, base))
            centre_on_screen(self)
        fit_to_screen(self)

    def _layout_settings(self) -> QSettings:
        return QSettings(str(self._layout_file), QSettings.Format.IniFormat)

    def remember_layout(self) -> None:
        """Keep the window's geometry and its docks' layout for the next time it opens."""
        if self._layout_file is None:
            return
        settings = self._layout_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue(f"{self.LAYOUT_KEY}/state", self.saveState())
        settings.sync()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._state_restored:
            # the docks are installed once the window is built: their layout is restored
            # when it is first shown (a plot left open opens again)
            self._state_restored = True
            if self._layout_file is not None:
                state = self._layout_settings().value(f"{self.LAYOUT_KEY}/state")
                if state is not None:
                    self._restoring_layout = True  # the docks go where they were: see place_dock
                    try:
                        self.restoreState(state)
                    finally:
                        self._restoring_layout = False
        # the window manager's frame is known once the window is on screen
        QTimer.singleShot(0, self, self.keep_on_screen)

    def place_dock(self, dock: QDockWidget, width: int) -> None:
        """Before ``dock`` (about ``width`` wide) is shown by the user: on the right,
        unless it would narrow the rows' part of the window so much that a bar above the
        rows wraps to another line, moving the rows down under the mouse (issue 13: the
        plot at 720 px moved them 56 px); then below the rows, which takes room from
        their bottom and leaves the first row where it was.  A dock put below for that
        goes back to the right when there is room again; one the user moved stays.
        Where there is room for it neither beside nor below (683x384: 2x on a 1366x768
        screen), it floats over the window at the screen's right edge: it covers
        some columns but moves no row; docked again when there is room."""
        if not self.isVisible() or getattr(self, "_restoring_layout", False):
            return
        if dock.isFloating():
            if not getattr(dock, "_placed_floating", False):
                return  # floated by the user
            dock.setFloating(False)  # floated by us: judged again from where it was docked
            dock._placed_floating = False
        area = self.dockWidgetArea(dock)
        ours_below = getattr(dock, "_placed_below", False) and area == Qt.DockWidgetArea.BottomDockWidgetArea
        if area != Qt.DockWidgetArea.RightDockWidgetArea and not ours_below:
            return
        below = self._rows_would_move(width + self._separator())
        dock._room_before = self.centralWidget().height()
        if below and self._room_below(dock) < max(dock.minimumSizeHint().height(), self.fontMetrics().lineSpacing() * 10):
            self._float_over(dock, width)  # no room below either (683x384)
            return
        if below and area == Qt.DockWidgetArea.RightDockWidgetArea:
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            dock._placed_below = True
        elif not below and ours_below:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            dock._placed_below = False

    def _float_over(self, dock: QDockWidget, width: int) -> None:
        """``dock`` floating at the right of the screen's available area, its frame
        within it, at most half its width."""
        room, margins = available_geometry(self), frame_margins(self)
        wide = min(max(width, dock.minimumSizeHint().width()), room.width() // 2)
        high = room.height() - margins.top() - margins.bottom()
        dock.setFloating(True)
        dock._placed_floating = True
        dock.setGeometry(room.right() - margins.right() - wide + 1, room.top() + margins.top(), wide, high)

    def dock_shown(self, dock: QDockWidget) -> None:
        """After ``dock`` is shown below the rows: as tall as it likes, but not so tall
        that the bars above the rows are squeezed (they would move the rows up) or fewer
        than a few rows are left."""
        if not getattr(dock, "_placed_below", False) or self.dockWidgetArea(dock) != Qt.DockWidgetArea.BottomDockWidgetArea:
            return  # beside the rows, or put below by the user (who sizes it)
        room = self._room_below(dock)
        half = (room + self._rows_least_height()) // 2  # the rows keep at least half of what is below the bars
        height = max(dock.minimumSizeHint().height(), min(dock.sizeHint().height(), room, half))
        self.resizeDocks([dock], [height], Qt.Orientation.Vertical)

    def _room_below(self, dock: QDockWidget) -> int:
        """The height a dock below the rows can take leaving the bars above them and a
        few rows as they are (measured before the dock is shown: laid out later)."""
        central, view = self.centralWidget(), getattr(self, "view", None)
        if central is None or view is None:
            return 0
        rows_top = view.mapTo(central, view.rect().topLeft()).y()
        bottom = central.layout().contentsMargins().bottom() if central.layout() is not None else 0
        return getattr(dock, "_room_before", central.height()) - rows_top - self._rows_least_height() - bottom - self._separator()

    def _rows_least_height(self) -> int:
        """The header and four rows."""
        view = self.view
        return view.horizontalHeader().sizeHint().height() + 4 * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()

    def _separator(self) -> int:
        return self.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self)

    def _rows_would_move(self, narrower_by: int) -> bool:
        """Whether the rows' part of the window, ``narrower_by`` px narrower, would put
        the rows lower (a bar above them wrapped) or be narrower than its minimum."""
        central = self.centralWidget()
        layout = central.layout() if central is not None else None
        if layout is None:
            return False
        margins = layout.contentsMargins()
        width = central.width() - margins.left() - margins.right()
        narrower = width - narrower_by
        if central.width() - narrower_by < central.minimumSizeHint().width():
            return True
        for index in range(layout.count()):
            item = layout.itemAt(index)
            if item.widget() is getattr(self, "view", None):
                break
            if item.hasHeightForWidth() and item.heightForWidth(narrower) != item.heightForWidth(width):
                return True
        return False

    def keep_on_screen(self) -> None:
        """Shrink the window to the available area if it grew past it (a dock shown
        beside the table), and move it back within."""
        if self.isVisible() and not self.isMaximized() and not self.isFullScreen():
            fit_to_screen(self)

    def childEvent(self, event) -> None:
        super().childEvent(event)
        if event.type() == QEvent.Type.ChildPolished:
            child = event.child()
            if isinstance(child, QWidget) and child.isWindow():
                child.installEventFilter(self._dialog_fitter)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "message"):
            self._colour_message_line()  # a light or dark theme chosen while the app runs

    # -- the header ----------------------------------------------------------------
    def _keep_header_off_the_selection(self) -> None:
        """Give the column header a selection model of its own, always empty.

        The header never shows the selection, but Qt's header asks at each repaint
        whether the columns beside each one are wholly selected
        (``QHeaderView::initStyleOptionForIndex`` → ``isColumnSelected``), which asks
        the model's ``flags()`` of every row of a selected column: with a column of
        1,000,000 loaded rows selected, 1,000,000 calls into Python, 10 to 16 s of a
        frozen window each time it was activated or a dialog opened over it.  Call it
        after ``setModel`` (which hands the view's selection model to its headers)."""
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSelectionModel(QItemSelectionModel(self.model, header))

    # -- the last row ------------------------------------------------------------
    def _watch_end_key(self) -> None:
        """Ctrl+End in the table goes to the real last row: every row is loaded
        first (Load everything, with its progress and Cancel), then the last is
        selected in the current column.  Qt's own Ctrl+End stops at the last row
        loaded so far."""
        self._last_row_wanted = False
        self.view.installEventFilter(self)
        self.model.loading_changed.connect(self._on_loading_for_last_row)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        view = getattr(self, "view", None)
        if (
            event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress)
            and view is not None
            and (obj is view or obj is view.viewport())
        ):
            self._clear_passing()  # before the key or click is handled: what it causes is said after
        if (
            obj is getattr(self, "view", None)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_End
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.go_to_last_row()
            return True
        return super().eventFilter(obj, event)

    def go_to_last_row(self) -> None:
        """Select the last row of the whole result (loading every row first)."""
        if self.model.canFetchMore():
            self._last_row_wanted = True
            self.show_status(LOADING_FOR_LAST_ROW)
            self.model.fetch_all()
            self._update_state()
        else:
            self._select_last_row()

    def _on_loading_for_last_row(self, loading: bool) -> None:
        if loading or not self._last_row_wanted:
            return
        self._last_row_wanted = False
        self.clear_status(LOADING_FOR_LAST_ROW)  # done, cancelled or failed: no longer loading
        if not self.model.canFetchMore():  # not cancelled, not failed
            self._select_last_row()

    def _select_last_row(self) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.view.currentIndex()
        index = self.model.index(rows - 1, current.column() if current.isValid() else 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    # -- construction ------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self.rows_label = named(QLabel(), "Row count")
        self.busy = named(QProgressBar(), "Loading")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        # a long reason is cut to the room there is, whole in the tooltip: the label
        # never widens the window nor covers the row count
        self.mode_label = named(ElidedLabel(), "Mode")
        self.statusBar().addPermanentWidget(self.mode_label)
        self.statusBar().addPermanentWidget(self.rows_label)
        self.statusBar().addPermanentWidget(self.busy)

    def _action(self, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        action.setObjectName(name or text.replace("&", "").rstrip("…"))
        menu.addAction(action)
        return action

    def _build_undo_actions(self, edit_menu) -> None:
        """Undo and Redo of the window's undo stack (off while no stack is active)."""
        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.undo_stack)
        self.undo_group.setActiveStack(self.undo_stack)
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setObjectName("Undo")
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setObjectName("Redo")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()

    def _set_undo_active(self, active: bool) -> None:
        stack = self.undo_stack if active else None
        if self.undo_group.activeStack() is not stack:
            self.undo_group.setActiveStack(stack)

    # -- messages ---------------------------------------------------------------------
    def _build_message_line(self) -> QLabel:
        """The line above the rows that says what needs saying (a refusal, an error):
        always there, one line high, empty when there is nothing to say, so that a
        message never moves the rows under the mouse.  A long message is whole in
        its tooltip and in the status bar."""
        self.message = named(QLabel(" "), "Message")
        font = self.message.font()
        font.setBold(True)
        self.message.setFont(font)
        self._colour_message_line()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setFixedHeight(self.message.fontMetrics().height() + 6)
        # however long the message, it never widens the window (it is whole in the tooltip)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        return self.message

    def _colour_message_line(self) -> None:
        """The error colour of this palette (red, light enough on a dark theme)."""
        colour = state_colours(self.palette()).error_text
        palette = self.message.palette()
        if palette.color(QPalette.ColorRole.WindowText) != colour:
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.message.setPalette(palette)

    def show_message(self, text: str) -> None:
        line = " ".join(text.split())
        self.message.setText(line)
        self.message.setToolTip(text)
        self.statusBar().showMessage(line, 10_000)

    def clear_message(self) -> None:
        """The message has had its moment: gone from the line, and from the status bar
        unless something was said there since."""
        line = self.message.text()
        self.message.setText(" ")
        self.message.setToolTip("")
        if shiboken6.isValid(self):  # not while the window is destroyed (its undo stack goes with it and says so)
            self.clear_status(line)
            if self._passing_status:  # the next edit: a passing status has had its moment too
                self.clear_status(self._passing_status)
        self._passing_message = self._passing_status = ""

    def show_passing_message(self, text: str) -> None:
        """:meth:`show_message` for the moment only: gone at the next key or click in
        the rows, or the next edit."""
        self.show_message(text)
        self._passing_message = self.message.text()

    def show_passing_status(self, text: str) -> None:
        """A status for the moment only: gone after a few seconds, or at the next key or
        click in the rows, or the next edit, whichever comes first."""
        self.statusBar().showMessage(text, 5_000)
        self._passing_status = text

    def _clear_passing_at_the_next_action(self) -> None:
        """Keys and clicks in the rows clear a passing message (the view's own filter
        is this window: see :meth:`eventFilter`)."""
        self.view.installEventFilter(self)
        self.view.viewport().installEventFilter(self)

    def _clear_passing(self) -> None:
        if self._passing_message and self.message.text() == self._passing_message:
            self.clear_message()
        elif self._passing_status:
            self.clear_status(self._passing_status)
        self._passing_message = self._passing_status = ""

    def message_text(self) -> str:
        """What the message line says ("" when nothing)."""
        return self.message.text().strip()

    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 15_000)

    def clear_status(self, text: str | None = None) -> None:
        """Clear the status bar's message; with ``text``, only while it still says that
        (or begins so: a percentage may follow), so that what was said since stays."""
        bar = self.statusBar()
        if text is None or (text.strip() and bar.currentMessage().startswith(text)):
            bar.clearMessage()

    def _show_error(self, error: UserError, consequence: str = "") -> None:
        text = f"{error.title}: {error.message}" + (f"\n\n{consequence}" if consequence else "")
        self.show_message(text.replace("\n\n", " "))
        if self._quitting:
            return  # the window closes: no box to open over it
        box = QMessageBox(QMessageBox.Icon.Warning, error.title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("Error")
        box.open()
        self.error_box = box

    def _show_shortcuts(self) -> None:
        self.shortcuts_box = show_shortcuts(self)

    # -- tasks behind Cancel --------------------------------------------------------------
    def _update_state(self) -> None:  # pragma: no cover - each window says what it shows
        raise NotImplementedError

    def _track(self, task: Task) -> Task:
        self._cancellable.add(task)
        self._update_state()
        return task

    def _untrack(self, task: Task | None) -> None:
        self._cancellable.discard(task)
        self._update_state()

    def cancel_running(self) -> None:
        for task in list(self._cancellable):
            task.cancel()
        if self.model.loading:
            self.runner.cancel_all()

    def current_table_name(self) -> str:
        """The open relation's qualified name ("" when none is open)."""
        raise NotImplementedError

    # -- closing while a commit runs ------------------------------------------------------
    def commit_running(self) -> bool:
        """Whether a commit is under way: its review being counted or read, its
        transaction running, or its conflicts to resolve (the window's
        ``committing``).  Closing then first asks to cancel it: a review left behind
        by a closed window could still commit what was discarded."""
        return self.committing

    def _ask_cancel_commit_and_quit(self) -> None:
        """Closing while a commit is under way: its outcome decides what is still
        pending, so the window cannot just go.  Offer to cancel it (its work
        cancelled, rolled back: the database stays as it was; its review or
        conflicts closed; the pending changes stay in the journal) and close once the
        commit has ended, however it ends; or to keep waiting."""
        self.show_message("A commit is running: wait for it to finish, or cancel it and quit.")
        box = getattr(self, "cancel_quit_box", None)
        if box is not None and box.isVisible():
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "A commit is running",
            "A commit is running. Cancel it and quit?\n\nThe commit is rolled back, so the database stays as it was; "
            "your pending changes are kept and offered again the next time you open this table.",
            QMessageBox.StandardButton.NoButton,
            self,
        )
        quit_button = box.addButton("Cancel the commit and quit", QMessageBox.ButtonRole.DestructiveRole)
        wait_button = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(wait_button)
        box.setEscapeButton(wait_button)
        box.setObjectName("A commit is running")

        def answered(button) -> None:
            if button is not quit_button:
                self.clear_message()  # waiting: the status bar says the commit runs, and then how it ended
                return
            self._quitting = True  # what the cancelled work says goes to the message line, not a box
            self.show_message("Cancelling the commit, then quitting …")
            self.cancel_running()
            for name in ("review_dialog", "conflicts_dialog"):  # a step waiting for the user ends too
                dialog = getattr(self, name, None)
                if dialog is not None and dialog.isVisible():
                    dialog.reject()  # the review declined, the conflicts left for later
            self._close_when_commit_ends()

        box.buttonClicked.connect(answered)
        box.open()
        self.cancel_quit_box = box

    def _close_when_commit_ends(self) -> None:
        if self.commit_running():
            QTimer.singleShot(50, self._close_when_commit_ends)
            return
        self._close_confirmed = True  # what is pending now is in the journal
        self.close()

    # -- the journal ---------------------------------------------------------------------------
    def _queue_journal_write(self, journal: WindowJournal, writer: JournalWriter) -> None:
        """Write what ``writer`` was offered last into ``journal`` on the journal's
        lane; a failure is said in the message line, a recovery in the status bar."""
        self.runner.submit(
            lambda _token: writer.write_latest(),
            lane="journal",
            on_done=lambda recovered: self._on_journal_saved(journal, recovered),
            on_error=lambda error: self._on_journal_failed(journal, error),
        )

    def _on_journal_saved(self, journal: WindowJournal, recovered) -> None:
        if recovered is None or journal is not self.journal:
            return
        if self.message.toolTip() == recovered.message:
            self.clear_message()
        self.show_status("The pending changes are saved in the journal again.")

    def _on_journal_failed(self, journal: WindowJournal, error: UserError) -> None:
        if journal is not self.journal:
            return
        if isinstance(error, StorageFailed) and journal.failing is not error:
            return  # a later write has caught up since (or failed anew, and says so itself)
        self.show_message(error.message)

    def _release_journal(self) -> None:
        """This window leaves its journal (closed, or another connection or table):
        what it holds is offered the next time the table is opened."""
        if self.journal is not None:
            writer = self._journal_writer
            if writer is not None and writer.journal is self.journal:
                writer.flush()  # the last edits reach it before another window may take it
            self.journal.release()
        box = getattr(self, "restore_box", None)
        if box is not None and box.isVisible():
            box.reject()  # its journals were let go with the window's

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.commit_running() and not self._close_confirmed:
            # its outcome decides what is still pending: neither discard nor commit can be offered now
            event.ignore()
            self._ask_cancel_commit_and_quit()
            return
        if self.pending and not self._close_confirmed:
            event.ignore()
            self._ask_before_close()
            return
        self.model.clear()
        self._release_journal()
        self.remember_layout()
        event.accept()

    def _ask_before_close(self) -> None:
        count = len(self.pending)
        box = self.pending_choices_box(
            "Pending changes",
            f"{plural(count, 'pending change')} not committed. Commit {verb(count, 'it', 'them')} before closing, keep "
            f"{verb(count, 'it', 'them')} (offered again the next time you open this table), or discard?",
            "Keep for later and close",
            "Discard and close",
            "Close with pending changes",
        )

        def answered(button):
            choice = box.standardButton(button)
            if choice == QMessageBox.StandardButton.Save:
                self.commit_then(self.close)  # nothing pending then: it closes without asking
                return
            if choice == QMessageBox.StandardButton.Discard:
                self.pending.clear()
                if self.journal is not None:
                    self.journal.clear()
            if choice in (QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Close):
                self._close_confirmed = True  # kept: what is pending stays in the journal
                self.close()

        box.buttonClicked.connect(answered)
        box.open()
        self.close_box = box

    # -- leaving with pending changes ------------------------------------------------------
    def pending_choices_box(self, title: str, text: str, keep: str, discard: str, name: str) -> QMessageBox:
        """A question for leaving with pending changes: Commit… (``Save``), ``keep``
        (``Close``), ``discard`` (``Discard``) or Cancel, the default (Enter must not
        throw work away).  Commit… is off where the Commit button is (read-only)."""
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Close
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, self)
        box.button(QMessageBox.StandardButton.Save).setText("Commit…")
        box.button(QMessageBox.StandardButton.Save).setEnabled(self.commit_action.isEnabled())
        box.button(QMessageBox.StandardButton.Close).setText(keep)
        box.button(QMessageBox.StandardButton.Discard).setText(discard)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        named(box, name)
        return box

    def commit_then(self, then) -> None:
        """Commit… chosen on the way out (closing, another table or connection): the
        window's own commit flow, as the Commit button runs it (the review, then its
        Commit); ``then()`` once that commit has succeeded and nothing is pending.
        A review cancelled, an error, conflicts, a bug, or changes still pending: the
        window stays as it is, usable, and ``then`` is dropped."""
        self._leave_after_commit = None
        self._on_commit_clicked()
        session = self.session
        if session is None or session.idle:
            return  # the flow did not start: nothing to wait for
        self._leave_after_commit = (session, then, session.state)

    def _follow_commit_for_leaving(self, state) -> None:
        """Each state of the commit flow (its listener): on its way back to idle,
        leave if the transaction committed everything, else stay."""
        waiting = self._leave_after_commit
        if waiting is None:
            return
        session, then, was = waiting
        if session is not self.session:
            self._leave_after_commit = None  # another table or connection meanwhile
            return
        if state.value != "idle":
            self._leave_after_commit = (session, then, state)
            return
        self._leave_after_commit = None
        if was.value == "committing" and not self.pending:
            # once the window has taken the commit's result in (status, reload)
            QTimer.singleShot(0, self, then)
        # else the flow has said why (the review cancelled, the error, the conflicts)

    # -- revert ------------------------------------------------------------------------
    def _on_revert_clicked(self) -> None:
        if not self.pending:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Revert all changes",
            f"Discard {plural(len(self.pending), 'pending change')}? The rows will show the database's values again.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        named(box, "Revert all changes")
        # Enter must not throw work away: Discard takes a deliberate click or Alt+D
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered(button):
            if box.standardButton(button) == QMessageBox.StandardButton.Discard:
                self.revert_all()

        box.buttonClicked.connect(answered)
        box.open()
        self.revert_box = box

    def revert_all(self) -> None:
        count = len(self.pending)
        self.pending.clear()
        self.undo_stack.clear()
        self.show_status(f"Reverted {plural(count, 'pending change')}.")

    def close_without_asking(self) -> None:
        """Close for another window to take over (what is pending stays in the journal)."""
        self._close_confirmed = True
        self.close()
