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

    def _entry_id(self, entry: object) -> object:
        return [entry["key"], entry["column"]]

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
    """Writes a window's journal off the GUI thread, append-only: each write adds
    one line with what changed since the last (the cells or rows set, and those
    gone), so an edit costs the same with 10 or 100,000 changes pending.

    :meth:`offer` (GUI thread) records what changed: ``{id: change or None}`` for
    the cells or rows whose pending change was set or dropped (what the pending
    set's listeners are told), and says whether a write must be queued;
    :meth:`write_latest` (the journal's lane) turns what came since the last write
    into JSON and appends it as one line, or writes the journal whole (entries
    :data:`~gui.data.storage.ENTRIES_A_LINE` to a line) the first time, after a
    failure, and once the appended lines outnumber the pending changes (the
    journal replayed would be mostly history); :meth:`flush` (the window leaving
    its journal) writes what is not written yet, after a running write.  Writes are
    serialized and never hold the lock :meth:`offer` takes.

    ``encode(changes)`` gives the JSON entries of a list of changes,
    ``encode_id(id)`` the JSON that names a cell or row in a ``drop`` (the
    journal's :meth:`~gui.data.storage.WindowJournal._entry_id` of its entry).

    Measured with 100,000 changes pending on a 1,000,000-row table: a keystroke
    held the GUI thread 14 ms, and the JSON of the whole set held the GIL for
    about 300 ms a write on the lane (the window froze that long), when each write
    rewrote the journal whole.
    """

    def __init__(self, journal, encode, encode_id=lambda id_: id_):
        self.journal = journal
        self._encode = encode
        self._encode_id = encode_id
        self._state = threading.Lock()  # the two fields below; held briefly
        self._writing = threading.Lock()  # one write at a time; the rest are the writer's
        self._delta: dict = {}  # id -> change or None, since the last write started
        self._queued = False
        self._entries: dict = {}  # id -> JSON entry: what the journal holds once written
        self._whole = True  # the next write rewrites the journal whole
        self._lines = 0  # lines appended since it was last written whole

    def offer(self, updates) -> bool:
        """``updates`` (``{id: change or None}``) happened to the pending set; True
        when the caller must queue :meth:`write_latest`."""
        with self._state:
            self._delta.update(updates)
            if self._queued:
                return False
            self._queued = True
            return True

    def write_latest(self):
        """Write what changed since the last write (nothing: no write); returns what
        the journal's write returned; raises its
        :class:`~gui.data.errors.StorageFailed` (the next write then rewrites the
        journal whole, with everything)."""
        with self._writing:
            with self._state:
                self._queued = False  # from here on, a change queues a write of its own
                delta, self._delta = self._delta, {}
            if not delta and not self._whole:
                return None
            ids = list(delta)
            set_ids = [i for i in ids if delta[i] is not None]
            entries = self._encode([delta[i] for i in set_ids])
            for id_ in ids:
                self._entries.pop(id_, None)
            self._entries.update(zip(set_ids, entries))
            whole = self._whole or (self._lines > 1_000 and self._lines > len(self._entries))
            try:
                if whole or not self._entries:
                    result = self.journal.write_entries(list(self._entries.values()))
                    self._lines = 0
                else:
                    dropped = [self._encode_id(i) for i in ids if delta[i] is None]
                    result = self.journal.append_entries(entries, dropped)
                    self._lines += 1
            except StorageFailed:
                self._whole = True  # the file may hold part of a line: rewrite it whole
                raise
            self._whole = not self._entries  # removed: the next write starts it again
            return result

    def flush(self) -> StorageFailed | None:
        """:meth:`write_latest` now, on the caller's thread (after a running write);
        a failure is returned, not raised (it was said at the edit already)."""
        try:
            self.write_latest()
        except StorageFailed as failure:
            return failure
        return None
