"""The journal's writer off the GUI thread: a burst of edits costs one write, the
file ends with the latest pending set (never an older one written after a newer),
the window leaving its journal writes what is not written yet, and a write that
fails is tried again with everything at the next edit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gui.data.errors import StorageFailed
from gui.data.journal import JournalWriter


class SlowJournal:
    """A journal whose save takes a while and records what it was given."""

    def __init__(self, seconds: float = 0.05, failures: int = 0):
        self.seconds = seconds
        self.failures = failures
        self.saved: list[object] = []
        self.on_disk: object = None
        self.lock = threading.Lock()

    def save(self, entries):
        time.sleep(self.seconds)
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise StorageFailed("the disk is full")
            self.saved.append(entries)
            self.on_disk = entries


def test_a_burst_of_edits_is_one_write_of_the_latest_and_flush_writes_the_rest() -> None:
    journal = SlowJournal()
    writer = JournalWriter(journal, encode=list)
    lane = ThreadPoolExecutor(1)
    queued = []
    for i in range(1, 21):
        if writer.offer((i,)):
            queued.append(lane.submit(writer.write_latest))
        time.sleep(0.005)  # typing while the first write runs
    for future in queued:
        future.result()
    lane.shutdown()
    assert journal.on_disk == [20]  # the latest, whatever the writes' order
    assert len(journal.saved) < 20 and len(queued) < 20  # a burst is not a write a keystroke
    assert journal.saved == sorted(journal.saved)  # never an older set after a newer
    writer.offer((21,))  # an edit whose write is queued but not run (the window closes)
    assert writer.flush() is None and journal.on_disk == [21]
    assert writer.flush() is None and len(journal.saved) == len(set(map(tuple, journal.saved)))  # nothing new: no write


def test_a_write_that_fails_is_tried_again_with_everything() -> None:
    journal = SlowJournal(seconds=0, failures=1)
    writer = JournalWriter(journal, encode=list)
    assert writer.offer((1,))
    try:
        writer.write_latest()
    except StorageFailed:
        pass
    else:
        raise AssertionError("the failure was not raised for the window to say")
    assert journal.on_disk is None
    assert writer.flush() is None and journal.on_disk == [1]  # tried again: written


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
