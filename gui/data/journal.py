"""The journal of one window's pending cell edits on one relation (any table).

Entries are the JSON form of :meth:`gui.data.edits.CellEdits.to_json` (values in
their codecs' lossless text), written atomically the moment the pending set
changes, so a crash loses nothing typed.  The file is named by the server, database
and role the live connection reached and by the relation, so an edit saved for one
table is offered only for that table on that database.  It never holds a password.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .storage import atomic_write_text

FORMAT = 1


class TableJournal:
    def __init__(self, folder: Path, identity: dict, relation: str):
        """``identity``: :func:`~gui.data.connection.live_identity` (or the settings'
        own); ``relation``: the relation's qualified name."""
        self.identity = {**identity, "table": relation}
        digest = hashlib.sha256(json.dumps(self.identity, sort_keys=True, default=str).encode()).hexdigest()[:24]
        self.path = folder / f"cells-{digest}.json"

    def save(self, entries: list[dict]) -> None:
        """Replace the journal with ``entries`` (none: remove it); raises ``OSError``."""
        if not entries:
            self.clear()
            return
        document = {"format": FORMAT, "identity": self.identity, "changes": entries}
        atomic_write_text(self.path, json.dumps(document, default=str))

    def load(self) -> list[dict]:
        """The saved entries; a missing or unreadable file holds none."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return []
        changes = document.get("changes")
        return changes if isinstance(changes, list) else []

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
