"""One journal per window: two windows (or two processes) on the same database and
table never overwrite each other's pending changes, a journal is held while its
window runs and offered only once nobody holds it, and a journal that cannot be
written says so and catches up.  The data layer only (the windows:
tests/test_crash_restore.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gui.data.config import DEFAULT_SPEC
from gui.data.connection import ConnectionSettings
from gui.data.errors import StorageFailed
from gui.data.journal import TableJournal
from gui.data.pending import PendingChange
from gui.data.storage import Journal

REPO = Path(__file__).resolve().parent.parent
SETTINGS = ConnectionSettings(kind="postgresql", host="db.example.com", port=5432, database="prod", user="alice", password="s3cret")
MINE = [PendingChange(9, 11, (10, 10), 6), PendingChange(20, -5, (20, 20), 6)]
THEIRS = [PendingChange(6, 7, (8, 8), 6), PendingChange(100, 1, (100, 100), 6)]
IDENTITY = {"backend": "postgresql", "host": "db.example.com", "port": 5432, "database": "prod", "user": "alice"}
ENTRIES = [{"key": ["1"], "column": "email", "new": None, "seen": ["ada@example.org"], "confirmed": None}]


@pytest.fixture
def where(tmp_path: Path) -> Path:
    """The journal folder (tmp_path also holds the isolated user folders)."""
    folder = tmp_path / "journal"
    folder.mkdir()
    return folder


def journal(folder: Path, spec=DEFAULT_SPEC) -> Journal:
    return Journal(folder, SETTINGS, spec)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- one file per window, held while it runs ------------------------------------------------


def test_two_windows_write_their_own_files_and_neither_is_offered_while_both_run(where: Path) -> None:
    first, second = journal(where), journal(where)
    assert first.path != second.path and first.digest == second.digest
    for _ in range(3):  # each write renames a new file into place: the lock must outlive it
        first.save(MINE)
        second.save(THEIRS)
    assert first.load() == MINE and second.load() == THEIRS
    assert first.left_behind() == [] and second.left_behind() == []
    third = journal(where)
    assert third.left_behind() == []  # nothing of a running window is "from an earlier session"

    second.release()  # closed, keeping its changes for later
    (left,) = third.left_behind()
    assert left.changes == THEIRS and left.path == second.path
    assert first.left_behind() == []  # third holds it now
    third.let_go([left])
    (again,) = first.left_behind()
    assert again.changes == THEIRS


def test_a_found_journal_is_offered_to_one_window_at_a_time(where: Path) -> None:
    crashed = journal(where)
    crashed.save(MINE)
    crashed.release()
    a, b = journal(where), journal(where)
    (left,) = a.left_behind()
    assert b.left_behind() == []
    a.release()  # the window that found it closed without answering: kept for later
    assert [x.changes for x in b.left_behind()] == [MINE]


def test_left_journals_come_oldest_first_with_when_and_how_many(where: Path) -> None:
    old, new = journal(where), journal(where)
    old.save(MINE)
    new.save(THEIRS[:1])
    os.utime(old.path, (1_700_000_000, 1_700_000_000))
    os.utime(new.path, (1_700_000_600, 1_700_000_600))
    old.release()
    new.release()
    found = journal(where).left_behind()
    assert [(x.written, len(x.changes)) for x in found] == [(1_700_000_000, 2), (1_700_000_600, 1)]


def test_taken_journals_go_once_this_window_has_written_their_changes(where: Path) -> None:
    for crashed_changes in (MINE, THEIRS):
        crashed = journal(where)
        crashed.save(crashed_changes)
        crashed.release()
    window = journal(where)
    found = window.left_behind()
    window.take(found)
    assert all(x.path.exists() for x in found)  # not yet in this window's journal
    window.save(MINE + THEIRS)
    assert not any(x.path.exists() for x in found)
    assert files(where) == sorted([window.path.name, window.lock_path.name])


def test_taken_journals_stay_while_this_window_cannot_write(where: Path) -> None:
    folder = where / "sub"
    crashed = journal(folder)
    crashed.save(MINE)
    crashed.release()
    window = journal(folder)
    found = window.left_behind()
    window.take(found)
    window.path.mkdir()  # its own file cannot be written
    with pytest.raises(StorageFailed):
        window.save(MINE)
    assert crashed.path.exists()
    assert journal(folder).left_behind() == []  # still held: its changes are in this window
    window.release()  # the window goes before it could write: offered again, nothing lost
    assert [x.changes for x in journal(folder).left_behind()] == [MINE]


def test_discard_removes_and_let_go_keeps(where: Path) -> None:
    a, b = journal(where), journal(where)
    a.save(MINE)
    b.save(THEIRS)
    a.release()
    b.release()
    window = journal(where)
    first, second = sorted(window.left_behind(), key=lambda x: x.changes[0].key)
    window.discard([first])
    window.let_go([second])
    assert not first.path.exists()
    later = journal(where)
    assert [x.changes for x in later.left_behind()] == [MINE]
    later.release()
    assert not any(name.endswith(".lock") for name in files(where))


def test_closing_discards_committed_or_empty_journals(where: Path) -> None:
    window = journal(where)
    window.save(MINE)
    window.save([])  # committed or reverted: nothing to keep
    window.release()
    assert files(where) == []
    assert journal(where).left_behind() == []


def test_a_write_queued_before_release_leaves_the_journal_unheld(where: Path) -> None:
    window = TableJournal(where, IDENTITY, "public.customers")
    window.save(ENTRIES)
    window.release()
    window.save(ENTRIES * 2)  # the worker wrote it after the window had let go
    assert files(where) == [window.path.name]
    (left,) = TableJournal(where, IDENTITY, "public.customers").left_behind()
    assert left.changes == ENTRIES * 2


def test_lock_files_of_killed_windows_are_swept(where: Path) -> None:
    running = journal(where)
    running.save(MINE)
    stale = where / f"pending-{running.digest}-0123456789abcdef.lock"
    stale.touch()  # a window killed before it wrote anything
    assert journal(where).left_behind() == []
    assert not stale.exists()
    assert running.lock_path.exists()  # held: not swept


def test_a_journal_of_the_single_file_version_is_offered(where: Path) -> None:
    window = journal(where)
    legacy = where / f"pending-{window.digest}.json"
    legacy.write_text(json.dumps({"version": 1, "identity": window.identity, "changes": [c.to_json() for c in MINE]}))
    (left,) = window.left_behind()
    assert left.changes == MINE
    window.take([left])
    window.save(MINE)
    assert not legacy.exists()


# -- a journal that cannot be written ---------------------------------------------------------


def test_an_unwritable_folder_is_said_with_the_folder_and_the_next_write_catches_up(where: Path) -> None:
    folder = where / "sub"
    folder.write_text("a file where the folder should be")
    window = journal(folder)
    with pytest.raises(StorageFailed) as failed:
        window.save(MINE[:1])
    assert str(folder) in failed.value.message
    assert "kept in this window" in failed.value.message
    assert window.failing is failed.value
    with pytest.raises(StorageFailed) as again:
        window.save(MINE)
    folder.unlink()
    assert window.save(MINE) is again.value  # caught up: everything pending is on disk
    assert window.failing is None and window.load() == MINE
    assert window.save(MINE + THEIRS) is None


def test_an_unwritable_table_journal_is_said_too(where: Path) -> None:
    folder = where / "sub"
    folder.write_text("")
    window = TableJournal(folder, IDENTITY, "public.customers")
    with pytest.raises(StorageFailed, match="could not be saved"):
        window.save(ENTRIES)
    window.clear()  # nothing to remove: not an error


# -- the journal of any table -------------------------------------------------------------------


def test_table_journals_are_one_per_window_and_per_relation(where: Path) -> None:
    a = TableJournal(where, IDENTITY, "public.customers")
    b = TableJournal(where, IDENTITY, "public.customers")
    other = TableJournal(where, IDENTITY, "public.orders")
    a.save(ENTRIES)
    b.save(ENTRIES * 2)
    other.save(ENTRIES)
    assert len({a.path, b.path, other.path}) == 3
    assert TableJournal(where, IDENTITY, "public.customers").left_behind() == []
    a.release()
    b.release()
    found = TableJournal(where, IDENTITY, "public.customers").left_behind()
    assert sorted(len(x.changes) for x in found) == [1, 2]
    assert TableJournal(where, {**IDENTITY, "user": "bob"}, "public.customers").left_behind() == []


@pytest.mark.parametrize(
    "document",
    ["{broken", '{"format": 2, "changes": []}', '{"format": 1, "identity": IDENTITY, "changes": 7}', "[]"],
)
def test_damaged_table_journals_are_set_aside(where: Path, document: str) -> None:
    crashed = TableJournal(where, IDENTITY, "public.customers")
    crashed.path.write_text(document.replace("IDENTITY", json.dumps(crashed.identity)))
    assert TableJournal(where, IDENTITY, "public.customers").left_behind() == []
    assert crashed.path.with_suffix(".unreadable").exists()


# -- another process -------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from gui.data.config import DEFAULT_SPEC
    from gui.data.connection import ConnectionSettings
    from gui.data.pending import PendingChange
    from gui.data.storage import Journal

    settings = ConnectionSettings(kind="postgresql", host="db.example.com", port=5432, database="prod", user="alice")
    journal = Journal(Path(sys.argv[1]), settings, DEFAULT_SPEC)
    journal.save([PendingChange(int(sys.argv[2]), int(sys.argv[3]), (), 6)])
    print("READY", flush=True)
    time.sleep(120)
    """
)


@pytest.mark.slow
def test_a_running_process_holds_its_journal_and_a_killed_one_leaves_it(where: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(where), str(key), "1"], env=env, stdout=subprocess.PIPE, text=True)
        for key in (9, 20)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "READY"
        window = journal(where)
        assert window.left_behind() == []  # both run
        children[0].send_signal(signal.SIGKILL)
        children[0].wait(timeout=30)
        assert [[c.key for c in x.changes] for x in window.left_behind()] == [[9]]
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=30)
            child.stdout.close()
    assert [[c.key for c in x.changes] for x in journal(where).left_behind()] == [[20]]
