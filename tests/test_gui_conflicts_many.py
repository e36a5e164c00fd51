"""The review and the conflicts of 100,000 changes, in both windows, on PostgreSQL.

The changes are made as a user makes that many: a CSV file imported (File → Import
changes).  Another client then changes the rows, and the commit finds conflicts
(the window for any table lists all 100,000; the tutorial's commit stops at its
first statement with conflicts, so it lists those of its first 10,000 changes, and
its dialog is also built with 100,000 as the window would build it).  The dialogs must show every entry (the first and the last read as
they should), and what the user chooses — *Take all theirs*, *Keep all mine*, a
choice made in one row's combo box or typed on a row — must be what ends up in
the pending set and, after the next commit, in the database.  The list itself is
checked with Qt's model tester.  How fast they open is the benchmark's
(``bench/dialogs.py``), not asserted here.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QMainWindow, QPushButton
from sqlalchemy import text

from gui.data.commit import CHUNK
from gui.data.config import DEFAULT_SPEC
from gui.data.errors import Conflict
from gui.qt.conflicts import ConflictsModel
from gui.qt.main_window import MainWindow
from gui.qt.review import ConflictsDialog
from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, activate, click, make_editor, wait_attr  # noqa: F401 - fixture

MANY = 100_000
LONG_MS = 120_000  # 100,000 changes imported, reviewed and committed on 2 shared cores


def cells(view, row: int) -> list[str]:
    model = view.model()
    return [model.index(row, c).data() for c in range(model.columnCount())]


def headers(view) -> list[str]:
    model = view.model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def button(dialog, name: str) -> QPushButton:
    found = [b for b in dialog.findChildren(QPushButton) if b.accessibleName() == name]
    assert len(found) == 1, [b.accessibleName() for b in dialog.findChildren(QPushButton)]
    return found[0]


def choose_with_the_combo(qtbot, dialog, row: int, label: str) -> str:
    """Select the row's Resolution cell, press F2 and choose ``label`` in the combo box
    by its first letter; returns the combo's accessible name."""
    view = dialog.table
    index = view.model().index(row, headers(view).index("Resolution"))
    view.setFocus()
    view.scrollTo(index)
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox)
    name = combo.accessibleName()
    qtbot.keyClicks(combo, label[0].lower())
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=WAIT_MS)  # taken at once, the combo closed
    return name


def type_on_row(qtbot, dialog, row: int, letter: str) -> None:
    """Go to the row (its first cell) and type a letter, as a keyboard user goes down the list."""
    view = dialog.table
    index = view.model().index(row, 0)
    view.setFocus()
    view.scrollTo(index)
    view.setCurrentIndex(index)
    qtbot.keyClicks(view, letter)


# -- the list, without a database -----------------------------------------------------------


def test_the_conflicts_list_passes_the_model_tester_and_keep_all_is_one_change(qtmodeltester):
    conflicts = [Conflict(k, (k,), (k + 1,), k + 2) for k in range(1000)]
    model = ConflictsModel(["x", "loaded", "now", "mine"], conflicts, lambda c: [str(c.key), "", "", ""], lambda c: f"x = {c.key}")
    qtmodeltester.check(model)
    changed = []
    model.dataChanged.connect(lambda top, bottom, _roles: changed.append((top.row(), top.column(), bottom.row(), bottom.column())))
    model.choose_all(1)
    assert changed == [(0, 4, 999, 4)]  # one signal for the whole column
    assert model.choices() == [True] * 1000
    assert not model.setData(model.index(3, 4), 7) and not model.setData(model.index(3, 0), 0)
    assert model.setData(model.index(3, 4), "Take theirs") and model.choice(3) is False
    qtmodeltester.check(model)


def test_the_conflicts_dialog_is_used_from_the_keyboard(qtbot):
    """Enter applies with nothing chosen (decide later); letters typed on rows choose;
    every control has an accessible name."""
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    conflicts = [Conflict(k, (k,), (k + 1,), k + 2) for k in range(1, 6)]
    dialog = ConflictsDialog(DEFAULT_SPEC, conflicts, parent)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    for widget in [dialog.table, dialog.intro, dialog.counts, *dialog.findChildren(QPushButton)]:
        assert widget.accessibleName(), widget
    type_on_row(qtbot, dialog, 1, "k")
    type_on_row(qtbot, dialog, 2, "t")
    assert [cells(dialog.table, r)[-1] for r in range(5)] == ["Decide later", "Keep mine", "Take theirs", "Decide later", "Decide later"]
    assert dialog.counts.text() == "Keep mine: 1 · Take theirs: 1 · Decide later: 3"
    type_on_row(qtbot, dialog, 1, "d")  # changed again
    assert dialog.choices() == {1: None, 2: None, 3: False, 4: None, 5: None}
    assert choose_with_the_combo(qtbot, dialog, 4, "Keep mine") == "Resolution for x = 5"
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # the list has the focus: Enter applies
    assert dialog.result() == ConflictsDialog.DialogCode.Accepted
    assert dialog.choices() == {1: None, 2: None, 3: False, 4: None, 5: True}


# -- the tutorial's window -----------------------------------------------------------------------


def open_window(qtbot, make_editor, pg_db, *argv: str):
    """The editor on the test's database, its window shown with its first rows."""
    url = pg_db.url.render_as_string(hide_password=False)
    editor = make_editor("--url", url, *argv)
    editor.connect_url(url)
    qtbot.waitUntil(lambda: editor.window.engine is not None, timeout=WAIT_MS)
    window = editor.window
    window.show()
    activate(qtbot, window)
    qtbot.waitUntil(lambda: not window.model.loading and window.writability is not None and window.model.rowCount() > 0, timeout=WAIT_MS)
    return editor


def import_changes(qtbot, monkeypatch, window, files, path) -> None:
    """File → Import changes, ``path`` chosen in the file dialog, then the preview's Apply."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    [action] = [a for a in window.file_menu.actions() if a.objectName() == "Import changes"]
    action.trigger()
    qtbot.waitUntil(lambda: files.import_dialog is not None and files.import_dialog.isVisible(), timeout=LONG_MS)
    click(qtbot, files.import_dialog.apply_button)


def commit_through_review(qtbot, window) -> object:
    """Commit, and the review's Commit; returns the review as it was shown."""
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    click(qtbot, review.commit_button)
    return review


def test_the_tutorial_conflicts_dialog_lists_100000_and_keep_all_or_take_all_choose_every_row(qtbot):
    """Built as the window builds it when a commit reports 100,000 conflicts."""
    parent = QMainWindow()
    qtbot.addWidget(parent)
    parent.show()
    conflicts = [Conflict(x, (x + 10, x + 10), (x + 11, x + 11), x + 20) for x in range(1, MANY + 1)]
    dialog = ConflictsDialog(DEFAULT_SPEC, conflicts, parent)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    view = dialog.table
    assert view.model().rowCount() == MANY
    assert cells(view, 0) == ["1", "11, 11", "12, 12", "21", "Decide later"]
    assert cells(view, MANY - 1) == [str(MANY), f"{MANY + 10}, {MANY + 10}", f"{MANY + 11}, {MANY + 11}", str(MANY + 20), "Decide later"]
    assert dialog.counts.text() == f"Keep mine: 0 · Take theirs: 0 · Decide later: {MANY:,}"
    click(qtbot, button(dialog, "Keep all mine"))
    assert cells(view, 0)[-1] == cells(view, MANY - 1)[-1] == "Keep mine"
    assert set(dialog.choices().values()) == {True} and len(dialog.choices()) == MANY
    click(qtbot, button(dialog, "Take all theirs"))
    type_on_row(qtbot, dialog, MANY - 1, "k")
    assert dialog.counts.text() == f"Keep mine: 1 · Take theirs: {MANY - 1:,} · Decide later: 0"
    choices = dialog.choices()
    assert choices[MANY] is True and choices[1] is False and sum(c is False for c in choices.values()) == MANY - 1
    click(qtbot, button(dialog, "Cancel"))
    assert dialog.result() == ConflictsDialog.DialogCode.Rejected


@pytest.mark.postgres
def test_the_review_of_100000_changes_and_their_conflicts_in_the_tutorial_window(qtbot, make_editor, pg_db, pg_engine, monkeypatch, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE some_table (x integer, y integer)"))
        conn.execute(text("INSERT INTO some_table SELECT g, g + 10 FROM generate_series(1, :n) AS g"), {"n": MANY})
    editor = open_window(qtbot, make_editor, pg_db)
    window = editor.window
    assert isinstance(window, MainWindow)
    path = tmp_path / "changes.csv"
    path.write_text("x,y\n" + "".join(f"{x},{x + 20}\n" for x in range(1, MANY + 1)), encoding="utf-8")
    import_changes(qtbot, monkeypatch, window, editor.tools.files, path)
    qtbot.waitUntil(lambda: len(window.pending) == MANY, timeout=LONG_MS)
    with pg_engine.begin() as conn:  # another client changes the first CHUNK rows after they were read
        conn.execute(text("UPDATE some_table SET y = y + 1 WHERE x <= :n"), {"n": CHUNK})

    # the review lists every change
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert review.table.model().rowCount() == MANY
    assert cells(review.table, 0)[:4] == ["1", "12", "21", "1"]
    assert cells(review.table, MANY - 1)[:4] == [str(MANY), str(MANY + 10), str(MANY + 20), "1"]
    assert f"{MANY:,} changes will update {MANY:,} rows" in review.summary.text()
    assert "100 of 100,000 changes are written out here" in review.sql.toPlainText()
    click(qtbot, review.commit_button)

    # the commit finds the changed rows: nothing written, each of them listed
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    view = dialog.table
    assert view.model().rowCount() == CHUNK
    assert headers(view) == ["x", "you loaded", "now in the database", "your value", "Resolution"]
    assert cells(view, 0) == ["1", "11", "12", "21", "Decide later"]
    assert cells(view, CHUNK - 1) == [str(CHUNK), str(CHUNK + 10), str(CHUNK + 11), str(CHUNK + 20), "Decide later"]
    click(qtbot, button(dialog, "Take all theirs"))
    assert cells(view, 0)[-1] == cells(view, CHUNK - 1)[-1] == "Take theirs"
    assert choose_with_the_combo(qtbot, dialog, 0, "Keep mine") == "Resolution for x = 1"
    type_on_row(qtbot, dialog, CHUNK - 1, "d")
    assert dialog.counts.text() == f"Keep mine: 1 · Take theirs: {CHUNK - 2:,} · Decide later: 1"
    click(qtbot, button(dialog, "Apply choices"))
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and window.session.idle, timeout=LONG_MS)

    # x = 1 kept over theirs, x = CHUNK left to decide, the other conflicts dropped
    pending = window.pending.snapshot()
    assert len(pending) == MANY - CHUNK + 2 and 2 not in pending and CHUNK - 1 not in pending
    assert pending[1].new == 21 and pending[1].confirmed == (12,)
    assert pending[CHUNK].new == CHUNK + 20 and pending[CHUNK].seen == (CHUNK + 10,)  # as loaded: it conflicts again
    assert pending[MANY].new == MANY + 20
    message = window.message.text()
    assert f"kept 1 change of yours, took theirs for {CHUNK - 2:,} changes. 1 conflict left to decide" in message, message
    with pg_engine.connect() as conn:  # nothing written yet
        assert conn.execute(text("SELECT count(*) FROM some_table WHERE y = x + 10")).scalar() == MANY - CHUNK

    # the one left to decide conflicts again; Keep all mine, then everything is committed
    commit_through_review(qtbot, window)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    assert dialog.table.model().rowCount() == 1 and cells(dialog.table, 0)[0] == str(CHUNK)
    click(qtbot, button(dialog, "Keep all mine"))
    click(qtbot, button(dialog, "Apply choices"))
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and window.session.idle, timeout=WAIT_MS)
    with qtbot.waitSignal(window.committed, timeout=LONG_MS):
        commit_through_review(qtbot, window)
    assert not window.pending
    with pg_engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT x, y FROM some_table")).all())
    assert stored == {x: x + (11 if 1 < x < CHUNK else 20) for x in range(1, MANY + 1)}


# -- the window for any table -------------------------------------------------------------------


@pytest.mark.postgres
def test_100000_conflicts_in_the_window_for_any_table(qtbot, make_editor, pg_db, pg_engine, tmp_path):
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id integer PRIMARY KEY, note text, n integer)"))
        conn.execute(text("INSERT INTO notes SELECT g, 'note ' || g, g FROM generate_series(1, :n) AS g"), {"n": MANY})
    editor = open_window(qtbot, make_editor, pg_db, "--table", "notes")
    window = editor.window
    assert isinstance(window, TableWindow)
    tools = editor.table_tools
    path = tmp_path / "notes.csv"
    path.write_text("id,note\n" + "".join(f"{i},mine {i}\n" for i in range(1, MANY + 1)), encoding="utf-8")
    tools.import_file(str(path))
    qtbot.waitUntil(lambda: tools.import_preview is not None and tools.import_preview.isVisible(), timeout=LONG_MS)
    click(qtbot, tools.import_preview.apply_button)
    qtbot.waitUntil(lambda: len(window.edits) == MANY, timeout=LONG_MS)

    # the review lists every change; declined, everything stays pending
    click(qtbot, window.commit_button)
    review = wait_attr(qtbot, window, "review_dialog")
    assert review.table.model().rowCount() == MANY
    assert cells(review.table, 0) == ["id = 1", "note", "1", "'note 1'", "'mine 1'"]  # text quoted, as the review shows it
    assert cells(review.table, MANY - 1) == [f"id = {MANY}", "note", "1", f"'note {MANY}'", f"'mine {MANY}'"]
    click(qtbot, review_cancel(review))
    qtbot.waitUntil(lambda: window.review_dialog is None and window.session.idle, timeout=WAIT_MS)
    assert len(window.edits) == MANY

    with pg_engine.begin() as conn:  # another client changes every row the user saw
        conn.execute(text("UPDATE notes SET note = 'theirs ' || id"))
    click(qtbot, window.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")  # found at the review: no review shown
    view = dialog.table
    assert view.model().rowCount() == MANY
    assert headers(view) == ["Row", "Column", "You saw", "Now in the database", "Yours", "Resolution"]
    assert cells(view, 0) == ["id = 1", "note", "'note 1'", "'theirs 1'", "'mine 1'", "Decide later"]
    assert cells(view, MANY - 1) == [f"id = {MANY}", "note", f"'note {MANY}'", f"'theirs {MANY}'", f"'mine {MANY}'", "Decide later"]
    click(qtbot, button(dialog, "Keep all mine"))
    assert cells(view, 0)[-1] == cells(view, MANY - 1)[-1] == "Keep mine"
    assert choose_with_the_combo(qtbot, dialog, 1, "Take theirs") == "Resolution for id = 2, note"
    type_on_row(qtbot, dialog, 2, "d")
    assert dialog.counts.text() == f"Keep mine: {MANY - 2:,} · Take theirs: 1 · Decide later: 1"
    click(qtbot, button(dialog, "Apply choices"))
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and window.session.idle, timeout=LONG_MS)
    message = window.message.text()
    assert f"Kept your values for {MANY - 2:,} changes" in message and "database's values for 1 change" in message, message
    assert "1 conflicting change is still pending" in message, message
    assert len(window.edits) == MANY - 1 and window.edits.get((2,), "note") is None
    assert window.edits.get((1,), "note").confirmed == ("theirs 1",)
    assert window.edits.get((3,), "note").confirmed is None  # decided later: as it was

    # the one left to decide conflicts again (the others were kept knowingly): Cancel
    # leaves it pending; then it is taken, and the rest committed over theirs
    click(qtbot, window.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    assert dialog.table.model().rowCount() == 1 and cells(dialog.table, 0)[0] == "id = 3"
    click(qtbot, button(dialog, "Cancel"))
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and window.session.idle, timeout=WAIT_MS)
    assert len(window.edits) == MANY - 1 and window.edits.get((3,), "note") is not None
    click(qtbot, window.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")
    click(qtbot, button(dialog, "Take all theirs"))
    click(qtbot, button(dialog, "Apply choices"))
    qtbot.waitUntil(lambda: window.conflicts_dialog is None and window.session.idle, timeout=WAIT_MS)
    assert len(window.edits) == MANY - 2
    with qtbot.waitSignal(window.committed, timeout=LONG_MS):
        commit_through_review(qtbot, window)
    assert not window.edits
    with pg_engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, note FROM notes")).all())
    assert rows == {i: (f"theirs {i}" if i in (2, 3) else f"mine {i}") for i in range(1, MANY + 1)}


def review_cancel(review) -> QPushButton:
    [cancel] = [b for b in review.findChildren(QPushButton) if b.text().replace("&", "") == "Cancel"]
    return cancel


@pytest.mark.postgres
def test_a_bug_while_the_choices_are_applied_leaves_every_change_pending_and_the_window_usable(qtbot, make_editor, pg_db, pg_engine, monkeypatch):
    import gui.data.cell_session as cell_session

    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id integer PRIMARY KEY, note text)"))
        conn.execute(text("INSERT INTO notes VALUES (1, 'one'), (2, 'two')"))
    window = open_window(qtbot, make_editor, pg_db, "--table", "notes").window
    note = window.model.names.index("note")
    assert window.model.set_cell(0, note, "mine")
    with pg_engine.begin() as conn:
        conn.execute(text("UPDATE notes SET note = 'theirs' WHERE id = 1"))
    click(qtbot, window.commit_button)
    dialog = wait_attr(qtbot, window, "conflicts_dialog")

    def bug(*_args, **_kwargs):
        raise ZeroDivisionError("a bug (injected)")

    monkeypatch.setattr(cell_session, "plan_resolution", bug)
    with qtbot.capture_exceptions() as bugs:
        click(qtbot, button(dialog, "Keep all mine"))
        click(qtbot, button(dialog, "Apply choices"))
        qtbot.waitUntil(lambda: window.session.idle and not window.runner.busy, timeout=WAIT_MS)
    assert [type(b[1]) for b in bugs] == [ZeroDivisionError]
    assert "Something unexpected went wrong" in window.message.text()
    change = window.edits.get((1,), "note")
    assert len(window.edits) == 1 and change.new == "mine" and change.confirmed is None  # as it was
    assert window.commit_button.isEnabled() and not window.model.read_only
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM notes WHERE id = 1")).scalar() == "theirs"
