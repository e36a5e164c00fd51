"""The journal of one window's pending cell edits on one relation (any table).

Entries are the JSON form of :meth:`gui.data.edits.CellEdits.to_json` (values in
their codecs' lossless text), written atomically the moment the pending set
changes, so a crash loses nothing typed.  Each window writes its own file, held
while it runs (see :class:`~gui.data.storage.WindowJournal`); the files are named by
the server, database and role the live connection reached and by the relation, so an
edit saved for one table is offered only for that table on that database, and only
once its window no longer runs.  It never holds a password.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .errors import StorageFailed
from .storage import WindowJournal

FORMAT = 1


class TableJournal(WindowJournal):
    PREFIX = "cells"

    def __init__(self, folder: Path, identity: dict, relation: str):
        """``identity``: :func:`~gui.data.connection.live_identity` (or the settings'
        own); ``relation``: the relation's qualified name."""
        super().__init__(folder, {**identity, "table": relation})

    def save(self, entries: list[dict]) -> StorageFailed | None:
        """Replace this window's journal with ``entries`` (none: remove it); raises
        :class:`~gui.data.errors.StorageFailed`.  See :meth:`WindowJournal._write`."""
        return self._write(entries)

    def load(self) -> list[dict]:
        """What this window's journal holds (what other windows left: :meth:`left_behind`)."""
        return self._load()

    def _document(self, entries: list[dict]) -> dict:
        return {"format": FORMAT, "identity": self.identity, "changes": entries}

    def _changes(self, document: object) -> list[dict] | None:
        # entries are read back against the table's codecs by CellEdits.from_json
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a journal of cell edits")
        if document.get("identity") != self.stored_identity:
            return None
        changes = document.get("changes")
        if not isinstance(changes, list):
            raise ValueError("its changes are not a list")
        return changes


class JournalWriter:
    """Writes a window's journal off the GUI thread: the latest of a stream of
    snapshots of the pending set, never an older one after a newer.

    :meth:`offer` (GUI thread, a dict or list copy and a lock held for no write)
    records the latest snapshot and says whether a write must be queued (none is
    queued yet); :meth:`write_latest` (the journal's lane) writes the latest one not
    yet written, taken when it starts, so a burst of edits costs one write;
    :meth:`flush` (the window leaving its journal) waits for a running write and
    writes what came after it.  Writes are serialized, and a write never blocks
    :meth:`offer`.  ``encode`` turns a snapshot into what ``journal.save`` takes.
    """

    def __init__(self, journal, encode=lambda snapshot: snapshot):
        self.journal = journal
        self._encode = encode
        self._state = threading.Lock()  # the fields below; held briefly
        self._writing = threading.Lock()  # one write at a time
        self._latest: object = None
        self._version = 0
        self._written = 0
        self._queued = False

    def offer(self, snapshot: object) -> bool:
        """The pending set changed to ``snapshot``; True when the caller must queue
        :meth:`write_latest` (no write is queued that would take it)."""
        with self._state:
            self._latest = snapshot
            self._version += 1
            if self._queued:
                return False
            self._queued = True
            return True

    def write_latest(self):
        """Write the latest snapshot if it is not written yet; returns what
        ``journal.save`` returned (``None`` when nothing was to write); raises its
        :class:`~gui.data.errors.StorageFailed`."""
        with self._writing:
            with self._state:
                self._queued = False  # from here on, a change queues a write of its own
                if self._written == self._version:
                    return None
                version, snapshot = self._version, self._latest
            result = self.journal.save(self._encode(snapshot))
            with self._state:
                self._written = version
            return result

    def flush(self) -> StorageFailed | None:
        """:meth:`write_latest` now, on the caller's thread (after a running write);
        a failure is returned, not raised (it was said at the edit already)."""
        try:
            self.write_latest()
        except StorageFailed as failure:
            return failure
        return None
