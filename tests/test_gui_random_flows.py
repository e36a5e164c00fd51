"""Never stuck, never lost, in any order: a randomized run of what a user does in the
window for any table — edits, undo, redo, F5, commits, a review declined, and
failures injected into the review, the commit and the load (a refusal the user can
act on, and bugs) — checking after every step that the window is usable and that
the pending set, the journal on disk, what the view shows and the database agree.

On the SQLite demo's ``customers`` table (mixed types, NULLs), so many steps run in
a few seconds; the same window and flow serve PostgreSQL (the flow's faults there:
test_gui_any_table.py, test_gui_flow_faults.py).
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import create_engine, text

import gui.data.cell_session as cell_session
from gui.data.config import DEFAULT_SPEC
from gui.data.demo import ensure_demo
from gui.data.edits import value_text
from gui.data.errors import QueryFailed
from gui.data.result import TableResult
from gui.qt.table_model import one_line, shown
from gui.qt.table_window import TableWindow
from gui_helpers import WAIT_MS, make_editor  # noqa: F401 - fixture

NOTES = ["", "call back", "NULL", "ünïcode", "a\ttab"]
CREDITS = ["0", "12.5", "-3", "1e3", "310.25"]
STEPS = 45


def _refused(*_args, **_kwargs):
    raise QueryFailed("the database refused it (injected)")


def _bug(*_args, **_kwargs):
    raise ZeroDivisionError("a bug (injected)")


class Run:
    """The window, a shadow of what the database should hold, and the checks."""

    def __init__(self, qtbot, editor, path):
        self.qtbot = qtbot
        self.editor = editor
        self.window: TableWindow = editor.window
        self.engine = create_engine(f"sqlite:///{path}")
        self.database = self._read_database()

    # -- what the user does ---------------------------------------------------------
    def edit(self, rng: random.Random) -> None:
        model = self.window.model
        row = rng.randrange(model.rowCount())
        column = rng.choice(["note", "credit"])
        typed = rng.choice(NOTES if column == "note" else CREDITS)
        assert model.setData(model.index(row, model.names.index(column)), typed), self.window.message.text()

    def undo(self, _rng) -> None:
        self.window.undo_action.trigger()

    def redo(self, _rng) -> None:
        self.window.redo_action.trigger()

    def reload(self, _rng) -> None:
        self.window.reload_action.trigger()

    def commit(self, _rng) -> None:
        window = self.window
        if not window.commit_button.isEnabled():
            return
        expected = dict(self.database)
        for change in window.edits.changes():
            expected[(change.key[0], change.column)] = self._text(change.column, change.new)
        window.commit_button.click()
        self.qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
        window.review_dialog.commit_button.click()
        self.qtbot.waitUntil(lambda: not window.edits and window.session.idle, timeout=WAIT_MS)
        self.database = expected

    def decline_review(self, _rng) -> None:
        window = self.window
        if not window.commit_button.isEnabled():
            return
        window.commit_button.click()
        self.qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
        window.review_dialog.reject()

    def _fail(self, where: str, fault, is_bug: bool, monkeypatch) -> None:
        window = self.window
        if where == "load":
            monkeypatch.setattr(TableResult, "fetch_pieces", fault)
            start = window.reload_action.trigger
        else:
            if not window.commit_button.isEnabled():
                return
            monkeypatch.setattr(cell_session, where, fault)

            def start():
                window.commit_button.click()
                if where == "commit_cells":
                    self.qtbot.waitUntil(lambda: getattr(window, "review_dialog", None) is not None, timeout=WAIT_MS)
                    window.review_dialog.commit_button.click()

        with self.qtbot.capture_exceptions() as bugs:
            start()
            self.qtbot.waitUntil(lambda: window.session.idle and not window.model.loading and not window.runner.busy, timeout=WAIT_MS)
        monkeypatch.undo()
        assert [type(b[1]) for b in bugs] == ([ZeroDivisionError] if is_bug else [])
        assert window.message.text().strip()  # the window says what happened
        box = getattr(window, "error_box", None)
        if box is not None and box.isVisible():
            box.close()
        if where == "load":
            window.reload_action.trigger()  # what the message asks for (F5)

    # -- the checks -----------------------------------------------------------------
    def settle(self) -> None:
        window = self.window
        self.qtbot.waitUntil(
            lambda: window.session.idle and not window.model.loading and not window.runner.busy
            and getattr(window, "review_dialog", None) is None,
            timeout=WAIT_MS,
        )

    def check(self, step: str) -> None:
        self.settle()
        window, model = self.window, self.window.model
        pending = {(c.key, c.column): c.new for c in window.edits.changes()}
        # usable: Commit when something is pending, no Cancel, nothing running
        assert window.commit_button.isEnabled() == bool(pending), step
        assert not window.cancel_button.isEnabled() and window.reload_action.isEnabled(), step
        assert window.undo_action.isEnabled() == window.undo_stack.canUndo(), step
        assert model.rowCount() == len(self.database_ids()), step
        # the journal on disk holds the pending set exactly
        journal = window.journal
        self.qtbot.waitUntil(lambda: self._journaled(journal) == self._texts(pending), timeout=WAIT_MS)
        # the view shows each pending value, and the database's value elsewhere
        for row in range(model.rowCount()):
            key = model.key_at(row)
            for column in ("note", "credit"):
                col = model.names.index(column)
                codec = window.opened.codecs[column]
                if (key, column) in pending:
                    want = shown(codec, pending[(key, column)])
                else:
                    stored = self.database[(key[0], column)]
                    want = "NULL" if stored is None else shown(codec, codec.parse(stored)) if stored != "" else ""
                assert model.index(row, col).data() == one_line(want), (step, key, column)
        # the database holds what was committed, nothing else
        assert self._read_database() == self.database, step

    # -- helpers --------------------------------------------------------------------
    def _text(self, column: str, value) -> str | None:
        return None if value is None else value_text(self.window.opened.codecs[column], value)

    def _texts(self, pending: dict) -> set:
        return {(key, column, self._text(column, new)) for (key, column), new in pending.items()}

    def _journaled(self, journal) -> set:
        if not journal.path.exists():
            return set()
        restored = self.window.edits.from_json(journal.load())  # read back as a restore would
        return {(c.key, c.column, self._text(c.column, c.new)) for c in restored}

    def database_ids(self) -> list[int]:
        return sorted({key for key, _column in self.database})

    def _read_database(self) -> dict:
        codecs = self.editor.window.opened.codecs
        found = {}
        with self.engine.connect() as conn:
            for id_, note, credit in conn.execute(text("SELECT id, note, credit FROM customers")):
                found[(id_, "note")] = None if note is None else value_text(codecs["note"], codecs["note"].parse(note) if note != "" else "")
                found[(id_, "credit")] = None if credit is None else value_text(codecs["credit"], codecs["credit"].parse(repr(credit)))
        return found


@pytest.mark.parametrize("seed", range(4))
def test_any_order_of_edits_commits_reloads_and_failures_leaves_a_usable_window_that_agrees(
    qtbot, make_editor, tmp_path, monkeypatch, seed
):
    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    editor = make_editor("--table", "customers")
    editor.connect_url(f"sqlite:///{path}")
    qtbot.waitUntil(lambda: isinstance(editor.window, TableWindow) and editor.window.session is not None, timeout=WAIT_MS)
    run = Run(qtbot, editor, path)
    run.settle()
    run.check("opened")
    rng = random.Random(seed)
    actions = {
        "edit": (run.edit, 8),
        "undo": (run.undo, 3),
        "redo": (run.redo, 2),
        "reload": (run.reload, 2),
        "commit": (run.commit, 2),
        "decline the review": (run.decline_review, 1),
        "the review refused": (lambda r: run._fail("review_cells", _refused, False, monkeypatch), 1),
        "a bug in the review": (lambda r: run._fail("review_cells", _bug, True, monkeypatch), 1),
        "the commit refused": (lambda r: run._fail("commit_cells", _refused, False, monkeypatch), 1),
        "a bug in the commit": (lambda r: run._fail("commit_cells", _bug, True, monkeypatch), 1),
        "a bug while loading": (lambda r: run._fail("load", _bug, True, monkeypatch), 1),
    }
    names = list(actions)
    weights = [actions[n][1] for n in names]
    done = []
    for _ in range(STEPS):
        name = rng.choices(names, weights)[0]
        done.append(name)
        actions[name][0](rng)
        run.check(" → ".join(done[-6:]))
    run.engine.dispose()
