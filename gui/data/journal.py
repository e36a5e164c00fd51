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

import operator
import threading
from collections.abc import Sequence
from functools import partial
from itertools import islice
from pathlib import Path

from .errors import StorageFailed
from .storage import WindowJournal
from .threads import pace, paced, sharing_the_gil

FORMAT = 1
# changes from which a write shares the GIL more often and lets it go between its steps
# while the GUI thread wants it (gui.data.threads): turning 100,000 into JSON takes the
# lane about a second of Python
BIG_WRITE = 10_000


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
    set's listeners are told), and says whether a write must be queued; it only
    keeps what it is given, in order.  :meth:`write_latest` (the journal's lane)
    works out what that comes to and turns it into JSON as it appends it as one
    line, or writes the journal whole (entries :data:`~gui.data.storage.ENTRIES_A_LINE`
    to a line) the first time, after a failure, and once the appended lines
    outnumber the pending changes (the journal replayed would be mostly history);
    :meth:`flush` (the window leaving its journal) writes what is not written
    yet, after a running write.  Writes are serialized and never hold the lock
    :meth:`offer` takes.

    ``encode(changes)`` gives the JSON entries of a list of changes,
    ``encode_id(id)`` the JSON that names a cell or row in a ``drop`` (the
    journal's :meth:`~gui.data.storage.WindowJournal._entry_id` of its entry).

    Measured with 100,000 changes pending on a 1,000,000-row table: a keystroke
    held the GUI thread 14 ms, and the JSON of the whole set held the GIL for
    about 300 ms a write on the lane (the window froze that long), when each write
    rewrote the journal whole.  A paste of 100,000 cells, its undo and its redo
    each held the GUI thread about 100 ms when :meth:`offer` merged them into one
    dict there (100,000 ids hashed again); and the JSON-ready entries the writer
    kept (300,000 dicts and lists) made every full collection of the cyclic
    garbage collector on the GUI thread walk them, about 90 ms.  So the writer
    keeps the changes themselves (the pending set's own objects) and makes the
    JSON of one line at a time, as it writes it.
    """

    def __init__(self, journal, encode, encode_id=lambda id_: id_):
        self.journal = journal
        self._encode = encode
        self._encode_id = encode_id
        self._state = threading.Lock()  # the two fields below; held briefly
        self._writing = threading.Lock()  # one write at a time; the rest are the writer's
        self._offered: list = []  # what offer() was given since the last write started, in order
        self._queued = False
        self._entries: dict = {}  # id -> change: what the journal holds once written
        self._whole = True  # the next write rewrites the journal whole
        self._lines = 0  # lines appended since it was last written whole

    def offer(self, updates, dropped=()) -> bool:
        """``updates`` (``{id: change or None}``) and the ids ``dropped`` (their
        changes gone) happened to the pending set; True when the caller must queue
        :meth:`write_latest`.  Neither is read or copied here, but on the lane:
        the caller no longer changes them."""
        with self._state:
            self._offered.append((updates, dropped))
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
                offered, self._offered = self._offered, []
            sets, drops = _final(offered)
            if not sets and not drops and not self._whole:
                return None
            if len(sets) + len(drops) < BIG_WRITE:
                return self._write(sets, drops)
            with sharing_the_gil(), paced():
                return self._write(sets, drops)

    def _write(self, sets: dict, drops):
        """:meth:`write_latest`'s write of ``sets`` and ``drops`` (``_writing`` held),
        paced between its steps when it is big (:func:`~gui.data.threads.paced`)."""
        pop = self._entries.pop
        drops = list(drops)
        for start in range(0, len(drops), _STEP):
            for id_ in drops[start : start + _STEP]:
                pop(id_, None)
            pace()
        _update(self._entries, sets)
        whole = self._whole or (self._lines > 1_000 and self._lines > len(self._entries))
        try:
            if whole or not self._entries:
                result = self.journal.write_entries(_Encoded(list(self._entries.values()), self._encode))
                self._lines = 0
            else:
                encode_id = self._encode_id
                result = self.journal.append_entries(
                    _Encoded(list(sets.values()), self._encode),
                    _Encoded(drops, lambda ids: [encode_id(i) for i in ids]),
                )
                self._lines += 1
        except Exception:
            self._whole = True  # the file may hold part of a line (or none of these): rewrite it whole
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


_STEP = 1_000  # ids hashed in one C call on the lane (about a millisecond of the GIL)


def _final(offered: list) -> tuple[dict, object]:
    """What :meth:`JournalWriter.offer` was given comes to: ``({id: change}, ids
    dropped)``.  One offer of a big change (a paste, its undo) is taken as it is,
    a dict's own hashes reused; several are merged in order, a step at a time."""
    if len(offered) == 1:
        updates, dropped = offered[0]
        if isinstance(updates, dict) and not any(map(_is_none, updates.values())):
            return updates, dropped if isinstance(dropped, (list, tuple, set, frozenset)) else list(dropped)
    final: dict = {}
    for updates, dropped in offered:
        _update(final, dict.fromkeys(dropped) if isinstance(dropped, (set, frozenset)) else {i: None for i in dropped})
        _update(final, updates)
    return {i: c for i, c in final.items() if c is not None}, [i for i, c in final.items() if c is None]


_is_none = partial(operator.is_, None)


def _update(target: dict, source) -> None:
    """``target.update(source)`` without one long hold of the GIL: a dict is merged by
    its own hashes (milliseconds for 100,000), anything else a step at a time."""
    if isinstance(source, dict):
        target.update(source)
        return
    items = iter(source.items())
    while True:
        step = list(islice(items, _STEP))
        if not step:
            return
        target.update(step)


class _Encoded(Sequence):
    """``items`` as ``encode`` gives them, made a slice at a time when the journal
    asks for one (:data:`~gui.data.storage.ENTRIES_A_LINE` to a line): only one
    line's JSON-ready objects live at once, so the garbage collector's counts stay
    low and none of them is walked later; paced after each slice."""

    def __init__(self, items: list, encode) -> None:
        self._items = items
        self._encode = encode

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            encoded = self._encode(self._items[index])
            pace()
            return encoded
        return self._encode([self._items[index]])[0]
