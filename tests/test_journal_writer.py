"""The journal's writer off the GUI thread, append-only: a burst of edits costs one
write; each write after the first appends one line with what changed, so the file
read back (as a restart reads it) is always the latest pending set, drops included;
a line cut short by a crash is left out; a write that fails is followed by one that
rewrites the journal whole; appended history is compacted; the window leaving its
journal writes what is not written yet; and the journal's lane runs to its end at
shutdown."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from gui.data.errors import StorageFailed
from gui.data.journal import JournalWriter, TableJournal

IDENTITY = {"host": "db.example.com", "database": "neondb", "user": "alice"}


def _entry(cell, new):
    key, column = cell
    return {"key": [str(key)], "column": column, "new": new, "seen": ["0"], "confirmed": None}


class SlowJournal(TableJournal):
    """A real journal whose writes take a while and are counted."""

    def __init__(self, folder, seconds: float = 0.0):
        super().__init__(folder, IDENTITY, "public.t")
        self.seconds = seconds
        self.whole = 0
        self.appends = 0
        self.fail_next = False

    def write_entries(self, entries):
        time.sleep(self.seconds)
        if self.fail_next:
            self.fail_next = False
            raise StorageFailed("the disk is full")
        self.whole += 1
        return super().write_entries(entries)

    def append_entries(self, entries, dropped):
        time.sleep(self.seconds)
        if self.fail_next:
            self.fail_next = False
            # a line cut short, as a full disk leaves it
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write('{"set": [{"key": ["9')
            raise StorageFailed("the disk is full")
        self.appends += 1
        return super().append_entries(entries, dropped)


def _writer(journal):
    return JournalWriter(journal, lambda changes: [_entry(cell, new) for cell, new in changes], lambda cell: [[str(cell[0])], cell[1]])


def _offer(writer, pending: dict, updates: dict) -> bool:
    """``updates`` ({cell: new or None}) applied to ``pending`` and offered, as a window does."""
    for cell, new in updates.items():
        if new is None:
            pending.pop(cell, None)
        else:
            pending[cell] = new
    return writer.offer({cell: (None if new is None else (cell, new)) for cell, new in updates.items()})


def _read_back(journal) -> dict:
    return {(int(e["key"][0]), e["column"]): e["new"] for e in journal.load()}


def test_edits_append_one_line_each_burst_and_read_back_as_the_pending_set(tmp_path) -> None:
    journal = SlowJournal(tmp_path, seconds=0.03)
    writer = _writer(journal)
    lane = ThreadPoolExecutor(1)
    pending: dict = {}
    queued = []
    for i in range(1, 41):
        updates = {(i % 7, "note"): f"v{i}"}
        if i % 5 == 0:
            updates[((i - 3) % 7, "note")] = None  # a change undone
        if _offer(writer, pending, updates):
            queued.append(lane.submit(writer.write_latest))
        time.sleep(0.003)  # typing while a write runs
    for future in queued:
        future.result()
    lane.shutdown()
    assert _read_back(journal) == pending
    assert journal.whole == 1 and journal.appends == len(queued) - 1 < 40  # a burst is one line, not one a keystroke
    assert len(journal.path.read_text().splitlines()) == 2 + journal.appends  # the header, the first write's entries, a line a write

    _offer(writer, pending, {(100, "note"): "queued, never run"})  # the window closes before its lane writes it
    assert writer.flush() is None and _read_back(journal) == pending
    appends = journal.appends
    assert writer.flush() is None and journal.appends == appends  # nothing new: no write


def test_a_line_cut_short_is_left_out_and_the_next_write_is_whole(tmp_path) -> None:
    journal = SlowJournal(tmp_path)
    writer = _writer(journal)
    pending: dict = {}
    _offer(writer, pending, {(1, "a"): "one"})
    writer.write_latest()
    journal.fail_next = True
    _offer(writer, pending, {(2, "a"): "two"})
    with pytest.raises(StorageFailed):
        writer.write_latest()
    assert _read_back(journal) == {(1, "a"): "one"}  # the torn line is left out, as after a crash
    _offer(writer, pending, {(3, "a"): "three", (1, "a"): None})
    writer.write_latest()
    assert journal.whole == 2 and _read_back(journal) == pending == {(2, "a"): "two", (3, "a"): "three"}


def test_appended_history_is_compacted_and_an_empty_set_removes_the_file(tmp_path) -> None:
    journal = SlowJournal(tmp_path)
    writer = _writer(journal)
    pending: dict = {}
    for i in range(1_100):
        _offer(writer, pending, {(1, "a"): f"v{i}"})  # one cell edited again and again
        writer.write_latest()
    assert journal.whole == 2  # the first write, then once the lines outnumbered the changes
    assert len(journal.path.read_text().splitlines()) < 100 and _read_back(journal) == pending
    _offer(writer, pending, {(1, "a"): None})
    writer.write_latest()
    assert not journal.path.exists()  # nothing pending: no journal
    _offer(writer, pending, {(2, "a"): "again"})
    writer.write_latest()
    assert _read_back(journal) == {(2, "a"): "again"}  # started again, whole


def test_a_damaged_line_in_the_middle_is_not_read_as_changes(tmp_path) -> None:
    journal = SlowJournal(tmp_path)
    writer = _writer(journal)
    pending: dict = {}
    for i in range(3):
        _offer(writer, pending, {(i, "a"): "x"})
        writer.write_latest()
    lines = journal.path.read_text().splitlines()
    lines[1] = lines[1][:10]
    journal.path.write_text("\n".join(lines) + "\n")
    assert journal.load() == []  # damaged, not guessed at (left journals are set aside)
    os.remove(journal.path)


def test_the_journal_lane_is_run_to_its_end_at_shutdown_and_other_lanes_dropped(qtbot) -> None:
    from gui.qt.tasks import TaskRunner

    runner = TaskRunner()
    done: list[str] = []
    runner.submit(lambda _t: (time.sleep(0.2), done.append("journal 1")), lane="journal")
    runner.submit(lambda _t: done.append("journal 2"), lane="journal")  # queued behind it
    runner.submit(lambda _t: time.sleep(0.2), lane="rows")
    runner.submit(lambda _t: done.append("rows 2"), lane="rows")  # queued: dropped
    runner.shutdown()
    assert done == ["journal 1", "journal 2"]


def test_a_big_change_is_appended_in_lines_of_a_thousand(tmp_path) -> None:
    journal = SlowJournal(tmp_path)
    writer = _writer(journal)
    pending: dict = {}
    _offer(writer, pending, {(0, "a"): "first"})
    writer.write_latest()
    _offer(writer, pending, {(i, "b"): f"v{i}" for i in range(2_500)})  # a paste
    writer.write_latest()
    lines = journal.path.read_text().splitlines()
    assert len(lines) == 2 + 3  # the header, the first write, then three lines for the paste
    assert max(len(line) for line in lines) < 200_000
    assert _read_back(journal) == pending


def test_what_a_paste_its_undo_and_edits_between_offer_reads_back_as_the_pending_set(tmp_path) -> None:
    """A paste's, an undo's and a redo's changes are offered as the pending set told
    them (``to_set`` and ``removed``, not copied), typed edits as single cells; a
    write that takes several of them, a cell set in one and dropped in the next or
    the other way round, leaves exactly the pending set, and so does each write of
    10,000 and more (those share the GIL between steps)."""
    journal = SlowJournal(tmp_path)
    writer = _writer(journal)
    pending: dict = {}

    def paste(cells: dict) -> tuple[dict, frozenset]:
        for cell, new in cells.items():
            pending[cell] = new
        return {cell: (cell, new) for cell, new in cells.items()}, frozenset()

    def undo(cells) -> tuple[dict, frozenset]:
        for cell in cells:
            pending.pop(cell, None)
        return {}, frozenset(cells)

    big = {(i, "b"): f"v{i}" for i in range(12_000)}
    writer.offer(*paste({(0, "a"): "first"}))
    writer.write_latest()
    writer.offer(*paste(big))
    writer.write_latest()  # one offer of 12,000: appended as it came
    assert _read_back(journal) == pending and len(pending) == 12_001
    writer.offer(*undo(big))
    writer.write_latest()
    assert _read_back(journal) == pending == {(0, "a"): "first"}

    # several offers in one write, in order
    writer.offer(*paste(big))  # redo
    _offer(writer, pending, {(5, "b"): "typed", (0, "a"): None})
    writer.offer(*undo([(6, "b"), (7, "b")]))
    writer.offer(*paste({(6, "b"): "again"}))
    _offer(writer, pending, {(5, "b"): None})
    writer.write_latest()
    assert _read_back(journal) == pending and (6, "b") in pending and (7, "b") not in pending and (5, "b") not in pending
    writer.offer(*undo(list(pending)))
    writer.write_latest()
    assert not journal.path.exists()  # nothing pending: no journal
