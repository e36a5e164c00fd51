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
