"""Small files in the user's folders: the journal of pending changes and recent connections.

Both are written atomically (temporary file, flush, fsync, rename) so a crash or a
power cut leaves either the old file or the new one, never half of one.  Neither
ever holds a password.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .config import TableSpec
from .connection import ConnectionSettings
from .pending import PendingChange

RECENT_LIMIT = 8


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Journal:
    """The pending changes of one connection and table, saved the moment they change."""

    def __init__(self, folder: Path, settings: ConnectionSettings, spec: TableSpec, identity: dict | None = None):
        """``identity``: the server, database and role as the live connection resolved
        them (see :func:`~gui.data.connection.live_identity`); without it, as the
        settings name them."""
        self.spec = spec
        self.identity = {**(identity if identity is not None else settings.identity()), "table": spec.qualified_name}
        digest = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()[:24]
        self.path = folder / f"pending-{digest}.json"

    def save(self, changes: list[PendingChange]) -> None:
        if not changes:
            self.clear()
            return
        payload = {"version": 1, "identity": self.identity, "changes": [c.to_json() for c in changes]}
        atomic_write_text(self.path, json.dumps(payload, indent=1))

    def load(self) -> list[PendingChange]:
        """The journaled changes; an unreadable journal is kept aside, not deleted."""
        try:
            payload = json.loads(self.path.read_text(encoding="utf-8"))
            if payload.get("identity") != self.identity:
                return []
            return [PendingChange.from_json(item, self.spec) for item in payload["changes"]]
        except FileNotFoundError:
            return []
        except (ValueError, KeyError, TypeError, AttributeError):  # AttributeError: JSON but not an object
            self.path.replace(self.path.with_suffix(".unreadable"))
            return []

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class RecentConnections:
    """The last connections used (type, host, port, database, user, SSL mode); never a password."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> list[ConnectionSettings]:
        try:
            items = json.loads(self.path.read_text(encoding="utf-8"))
            return [ConnectionSettings.from_remembered(item) for item in items]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError, AttributeError):
            return []

    def remember(self, settings: ConnectionSettings) -> None:
        entry = settings.remembered()
        items = [s.remembered() for s in self.load()]
        items = [entry] + [item for item in items if item != entry]
        atomic_write_text(self.path, json.dumps(items[:RECENT_LIMIT], indent=1))


class LastTables:
    """The table last opened on each connection (by its settings' identity, never a
    password), so that reconnecting opens it again."""

    def __init__(self, path: Path):
        self.path = path

    @staticmethod
    def _key(settings: ConnectionSettings) -> str:
        return hashlib.sha256(json.dumps(settings.identity(), sort_keys=True, default=str).encode()).hexdigest()[:24]

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}

    def get(self, settings: ConnectionSettings) -> str | None:
        return self._load().get(self._key(settings))

    def remember(self, settings: ConnectionSettings, qualified_name: str) -> None:
        """Raises ``OSError`` when the file cannot be written."""
        data = self._load()
        data[self._key(settings)] = qualified_name
        atomic_write_text(self.path, json.dumps(data, indent=1))
