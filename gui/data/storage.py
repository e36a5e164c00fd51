"""Small files in the user's folders: the journals of pending changes, the recent
connections and the table last opened on each; and the move of what earlier
versions kept in ``table-editor/Table Editor`` (:func:`adopt_legacy_folders`).

Each is written atomically (temporary file, flush, fsync, rename) so a crash or a
power cut leaves either the old file or the new one, never half of one.  None ever
holds a password.

Journals are one per window (:class:`WindowJournal`): two windows, or two running
copies of the app, on the same database and table each write their own file and
never overwrite each other's.  A window holds an OS lock on its journal while it
runs, so what it has pending is never offered to another window as "from an earlier
session"; a journal nobody holds (its window crashed, was killed, or closed keeping
its changes for later) is offered when the table is opened again.
"""

from __future__ import annotations

import hashlib
import json
import errno
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: journals are written but not locked (see _hold)
    fcntl = None  # type: ignore[assignment]

from .config import LEGACY_SUBFOLDER, TableSpec
from .connection import ConnectionSettings
from .errors import StorageFailed
from .pending import PendingChange

RECENT_LIMIT = 8
LAST_TABLES_FILE = "last-tables.json"  # in the config folder
# entries a line of a journal written whole: each line is one json.dumps, a short
# hold of the GIL for the thread that writes it
ENTRIES_A_LINE = 1_000


def identity_digest(identity: dict) -> str:
    """What names the files of one identity (server, database, role, relation)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:24]


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


# -- one journal per window ------------------------------------------------------------
#
# A journal is two files: ``<prefix>-<identity digest>-<window>.json`` (the changes,
# replaced atomically) and ``<same>.lock``, which its window holds with flock(2) while
# it runs.  The lock is on a file of its own because the atomic rename puts a new
# inode under the data file's name with every write: a lock on the data file would
# be left on the old one.  flock locks belong to an open file description, so two
# windows of one process exclude each other just as two processes do, and the kernel
# drops a killed process's locks: what a SIGKILL leaves is never held.
#
# A lock file exists only while it is held (its holder removes it, then closes), with
# one exception: a process killed while holding one leaves it, unheld, and the next
# look for left journals removes it.  Whoever takes a lock checks, after flock, that
# the name still leads to the file it locked; a lock on a file removed in between
# would guard nothing, so it opens the name again.


def _hold(lock: Path) -> int | None:
    """A descriptor holding ``lock`` (created if missing), or ``None`` while another
    window holds it.  Raises ``OSError`` when the folder cannot be written.

    Without ``fcntl`` (Windows, which this app does not support) nothing is locked:
    journals are still written and offered, as when one window was all there was."""
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held, named = os.fstat(fd), os.stat(lock)
        except BlockingIOError:
            os.close(fd)
            return None
        except FileNotFoundError:  # removed by its holder after our open: open the name again
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):
            return fd
        os.close(fd)  # the name leads to a newer file now: lock that one


def _let_go(lock: Path, fd: int) -> None:
    """Remove the lock file, then close it (which drops the lock)."""
    try:
        lock.unlink(missing_ok=True)
    except OSError:
        pass  # a lock file left unheld is removed by the next look for left journals
    finally:
        os.close(fd)


@dataclass(eq=False)
class LeftJournal:
    """A journal whose window no longer runs (it crashed, was killed, or closed keeping
    its changes for later).  The window that found it holds it, so no other window
    offers it too, until it is taken, discarded or let go
    (:meth:`WindowJournal.take`, :meth:`~WindowJournal.discard`, :meth:`~WindowJournal.let_go`)."""

    path: Path
    written: float  # when its window last wrote it (seconds since the epoch)
    changes: list  # PendingChange for Journal, JSON entries for TableJournal
    _fd: int | None = field(default=None, repr=False)

    @property
    def _lock(self) -> Path:
        return self.path.with_suffix(".lock")

    def _let_go(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _let_go(self._lock, fd)

    def _remove(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass  # still there: offered again next time, which loses nothing
        self._let_go()

    def _set_aside(self) -> None:
        """Unreadable: kept beside, under another name, for a person to look at."""
        try:
            self.path.replace(self.path.with_suffix(".unreadable"))
        except OSError:
            pass  # left where it is, and found unreadable again next time
        self._let_go()


class WindowJournal:
    """The journal of one window on one identity (server, database, role, relation).

    Thread-safe: a window may write it on a worker thread and release it on the GUI
    thread.  Subclasses say how a document holds their changes."""

    PREFIX = "journal"

    def __init__(self, folder: Path, identity: dict):
        self.folder = folder
        self.identity = identity
        self.digest = identity_digest(identity)
        # as a journal holds it (a value JSON has no type for is written as text)
        self.stored_identity = json.loads(json.dumps(identity, default=str))
        # unique to this window: another window on the same identity never writes it
        self.path = folder / f"{self.PREFIX}-{self.digest}-{uuid.uuid4().hex[:16]}.json"
        # the last write that failed, until one succeeds (the edits are then only in memory)
        self.failing: StorageFailed | None = None
        self._fd: int | None = None  # the lock, from the first write until release()
        self._released = False
        self._found: list[LeftJournal] = []  # offered by left_behind(), not yet answered
        self._taken: list[LeftJournal] = []  # restored here: removed once this journal holds their changes
        self._mutex = threading.RLock()

    @property
    def lock_path(self) -> Path:
        return self.path.with_suffix(".lock")

    # -- subclasses --------------------------------------------------------------------
    def _document(self, changes: list) -> dict:
        raise NotImplementedError

    def _changes(self, document: object) -> list | None:
        """The changes ``document`` holds; ``None`` when it is another identity's (left
        alone); raises ``ValueError``, ``KeyError``, ``TypeError`` or ``AttributeError``
        when it is damaged (set aside)."""
        raise NotImplementedError

    # -- this window's journal ---------------------------------------------------------
    def _entry_id(self, entry: object) -> object:
        """The JSON value that names the cell or row of one JSON entry (what a
        ``drop`` line lists)."""
        raise NotImplementedError

    def _write(self, changes: list) -> StorageFailed | None:
        """Replace this window's journal with ``changes`` (none: remove it).  Returns
        the failure this write caught up after (``None`` when the last one did not
        fail), so that its message can go.  Raises
        :class:`StorageFailed` (a full disk, a folder that cannot be written): the
        changes are then only in the window, and the next write that succeeds holds
        them all."""
        if not changes:
            return self._writing(self._remove_file)
        return self._writing(lambda: self._write_text(json.dumps(self._document(changes), default=str)))

    def write_entries(self, entries: list) -> StorageFailed | None:
        """Replace this window's journal with ``entries`` (JSON-ready, as the journal
        holds them; none: remove it): the header line, then the entries
        :data:`ENTRIES_A_LINE` to a line (each line a short hold of the GIL for a
        writer thread).  Returns and raises as :meth:`_write`."""
        if not entries:
            return self._writing(self._remove_file)
        lines = [json.dumps(self._document([]), default=str)]
        for start in range(0, len(entries), ENTRIES_A_LINE):
            lines.append(json.dumps({"set": entries[start : start + ENTRIES_A_LINE]}, default=str))
        return self._writing(lambda: self._write_text("\n".join(lines) + "\n"))

    def append_entries(self, entries: list, dropped: list) -> StorageFailed | None:
        """Add one line to this window's journal: ``entries`` set (JSON-ready) and the
        cells or rows ``dropped`` (their :meth:`_entry_id`) gone from the pending set;
        the file must have been written by :meth:`write_entries` since this window
        holds it.  Returns and raises as :meth:`_write`."""
        # a big change (a paste of 100,000 cells) in lines of ENTRIES_A_LINE: one
        # json.dumps of it all held the GIL (and so the GUI thread) for 100 ms and more
        lines = [
            json.dumps({"set": entries[start : start + ENTRIES_A_LINE], "drop": dropped[start : start + ENTRIES_A_LINE]}, default=str)
            for start in range(0, max(len(entries), len(dropped), 1), ENTRIES_A_LINE)
        ]
        return self._writing(lambda: self._append_text("\n".join(lines) + "\n"))

    def _writing(self, write: Callable[[], None]) -> StorageFailed | None:
        with self._mutex:
            try:
                write()
            except OSError as error:
                self.failing = StorageFailed(
                    f"The pending changes could not be saved in {self.folder} ({error.strerror or error}). "
                    "They are kept in this window and saved with the next change once the folder can be "
                    "written; commit them, or free the folder, before closing."
                )
                raise self.failing from error
            # what this window restored is in its own journal now (or no longer pending)
            for left in self._taken:
                left._remove()
            self._taken.clear()
            recovered, self.failing = self.failing, None
            return recovered

    def _remove_file(self) -> None:
        try:
            self.path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            pass  # never written, or no folder to hold it: nothing to remove

    def _append_text(self, text: str) -> None:
        self._hold_for_writing()
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def _hold_for_writing(self) -> None:
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = _hold(self.lock_path)
            if fd is None:
                raise OSError(f"{self.path.name} was taken over by another window")
            if self._released:
                _let_go(self.lock_path, fd)
                raise OSError(f"{self.path.name} was let go by its window")
            self._fd = fd

    def _write_text(self, text: str) -> None:
        if self._fd is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = _hold(self.lock_path)
            if fd is None:
                # only after release(): another window found it meanwhile, and owns it now
                raise OSError(f"{self.path.name} was taken over by another window")
            if self._released:
                # a write queued before the window let its journal go: write it, but
                # leave the journal unheld, as release() did
                try:
                    atomic_write_text(self.path, text)
                finally:
                    _let_go(self.lock_path, fd)
                return
            self._fd = fd
        atomic_write_text(self.path, text)

    def _load(self) -> list:
        """What this window's journal holds now."""
        try:
            return self._changes(self._replayed(self.path.read_text(encoding="utf-8"))) or []
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return []

    def _replayed(self, text: str) -> object:
        """The journal document ``text`` holds: its first line (the document as
        :meth:`_write` writes it, or :meth:`write_entries`' header), with the
        entries of every later line set and dropped in order.  A last line cut short
        (the window killed in the middle of an append) is left out; a damaged line
        before it raises ``ValueError``."""
        lines = text.split("\n")
        document = json.loads(lines[0])
        if len(lines) == 1 or not any(line.strip() for line in lines[1:]):
            return document
        if not isinstance(document, dict) or not isinstance(document.get("changes", []), list):
            raise ValueError("the journal's first line is not a document of changes")
        entries = {json.dumps(self._entry_id(e), sort_keys=True): e for e in document.get("changes", [])}
        rest = [line for line in lines[1:] if line.strip()]
        for number, line in enumerate(rest, start=1):
            try:
                delta = json.loads(line)
            except ValueError:
                if number == len(rest) and not text.endswith("\n"):
                    break  # an append cut short by a crash: the edits before it are whole
                raise
            for gone in delta.get("drop", []):
                entries.pop(json.dumps(gone, sort_keys=True), None)
            for entry in delta.get("set", []):
                entries[json.dumps(self._entry_id(entry), sort_keys=True)] = entry
        return {**document, "changes": list(entries.values())}

    def clear(self) -> None:
        """Remove this window's journal (its changes were discarded or committed)."""
        self._write([])

    def release(self) -> None:
        """The window closes or leaves this table: its journal stays (if it holds
        anything) for the next time the table is opened, no longer held; what it found
        and did not take is let go too."""
        with self._mutex:
            for left in self._found + self._taken:
                left._let_go()
            self._found.clear()
            self._taken.clear()
            if self._fd is not None:
                fd, self._fd = self._fd, None
                _let_go(self.lock_path, fd)
            self._released = True

    # -- what other windows left -------------------------------------------------------
    def left_behind(self) -> list[LeftJournal]:
        """The journals of this identity that no window holds, oldest first, each now
        held by this window until :meth:`take`, :meth:`discard`, :meth:`let_go` or
        :meth:`release`.  A journal that cannot be read is set aside
        (``.unreadable``); one of another identity is left alone."""
        with self._mutex:
            if self._released:
                return []  # the window has gone (the look was queued before it closed)
            try:
                paths = sorted(self.folder.glob(f"{self.PREFIX}-{self.digest}*.json"))
            except OSError:
                return []
            mine = {self.path} | {left.path for left in self._found + self._taken}
            found = []
            for path in paths:
                if path in mine:
                    continue
                left = self._claim(path)
                if left is not None:
                    found.append(left)
            self._sweep_locks()
            found.sort(key=lambda left: (left.written, left.path.name))
            self._found.extend(found)
            return found

    def _claim(self, path: Path) -> LeftJournal | None:
        try:
            fd = _hold(path.with_suffix(".lock"))
        except OSError:
            return None  # a folder that cannot be written: nothing could be removed from it either
        if fd is None:
            return None  # its window still runs (or another window has just found it)
        left = LeftJournal(path, 0.0, [], fd)
        try:
            left.written = path.stat().st_mtime
            document = self._replayed(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # taken by another window meanwhile
            left._let_go()
            return None
        except OSError:
            left._let_go()
            return None
        except ValueError:
            left._set_aside()
            return None
        try:
            changes = self._changes(document)
        except (ValueError, KeyError, TypeError, AttributeError):
            left._set_aside()
            return None
        if changes is None:
            left._let_go()
            return None
        if not changes:
            left._remove()
            return None
        left.changes = changes
        return left

    def _sweep_locks(self) -> None:
        """Remove the lock files killed windows left (nobody holds them)."""
        try:
            locks = list(self.folder.glob(f"{self.PREFIX}-{self.digest}*.lock"))
        except OSError:
            return
        for lock in locks:
            if lock == self.lock_path:
                continue
            try:
                fd = _hold(lock)
            except OSError:
                continue
            if fd is not None:
                _let_go(lock, fd)

    def take(self, lefts: Iterable[LeftJournal]) -> None:
        """``lefts`` were restored into this window: they are removed once this
        window's journal has been written with their changes (until then, should the
        window crash, they are offered again)."""
        with self._mutex:
            for left in lefts:
                self._forget(left)
                self._taken.append(left)

    def discard(self, lefts: Iterable[LeftJournal]) -> None:
        """Remove ``lefts``: the user discarded their changes."""
        with self._mutex:
            for left in lefts:
                self._forget(left)
                left._remove()

    def let_go(self, lefts: Iterable[LeftJournal]) -> None:
        """Keep ``lefts`` for later: offered again the next time the table is opened."""
        with self._mutex:
            for left in lefts:
                self._forget(left)
                left._let_go()

    def _forget(self, left: LeftJournal) -> None:
        if left in self._found:
            self._found.remove(left)


class Journal(WindowJournal):
    """The pending changes of the tutorial's window on one connection and table,
    saved the moment they change."""

    PREFIX = "pending"

    def __init__(self, folder: Path, settings: ConnectionSettings, spec: TableSpec, identity: dict | None = None):
        """``identity``: the server, database and role as the live connection resolved
        them (see :func:`~gui.data.connection.live_identity`); without it, as the
        settings name them."""
        self.spec = spec
        super().__init__(folder, {**(identity if identity is not None else settings.identity()), "table": spec.qualified_name})

    def save(self, changes: list[PendingChange]) -> StorageFailed | None:
        """Replace this window's journal with ``changes``; see :meth:`WindowJournal._write`."""
        return self._write(changes)

    def load(self) -> list[PendingChange]:
        """What this window's journal holds (what other windows left: :meth:`left_behind`)."""
        return self._load()

    def _document(self, changes: list[PendingChange]) -> dict:
        return {"version": 1, "identity": self.identity, "changes": [c.to_json() for c in changes]}

    def _entry_id(self, entry: object) -> object:
        return entry["x"]

    def _changes(self, document: object) -> list[PendingChange] | None:
        if document.get("identity") != self.stored_identity:  # AttributeError: JSON, but not an object
            return None
        return [PendingChange.from_json(item, self.spec) for item in document["changes"]]


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
        return identity_digest(settings.identity())

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

    def move_sqlite(self, moves: dict[str, str]) -> None:
        """The SQLite files ``moves`` names (old resolved path → new) were moved: what was
        last opened in each is remembered under its new place.  Raises ``OSError``."""
        data = self._load()
        changed = False
        for old, new in moves.items():
            old_key = identity_digest({"backend": "sqlite", "database": old})
            new_key = identity_digest({"backend": "sqlite", "database": new})
            if old_key in data and new_key not in data:
                data[new_key] = data.pop(old_key)
                changed = True
        if changed:
            atomic_write_text(self.path, json.dumps(data, indent=1))


class ChosenKeys:
    """The columns the user chose to identify the rows of a relation without a key
    of its own, per connection (by its settings' identity, never a password) and
    relation, so that reopening it finds them — and the changes kept for it."""

    def __init__(self, path: Path):
        self.path = path

    @staticmethod
    def _key(settings: ConnectionSettings, relation: str) -> str:
        identity = json.dumps(settings.identity(), sort_keys=True, default=str)
        return hashlib.sha256(f"{identity}\n{relation}".encode()).hexdigest()[:24]

    def _load(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, list) and all(isinstance(c, str) for c in v)}

    def get(self, settings: ConnectionSettings, relation: str) -> tuple[str, ...] | None:
        columns = self._load().get(self._key(settings, relation))
        return tuple(columns) if columns else None

    def remember(self, settings: ConnectionSettings, relation: str, columns: tuple[str, ...] | None) -> None:
        """``None`` forgets them; raises ``OSError`` when the file cannot be written."""
        data = self._load()
        key = self._key(settings, relation)
        if columns:
            data[key] = list(columns)
        elif key not in data:
            return
        else:
            del data[key]
        atomic_write_text(self.path, json.dumps(data, indent=1))


# -- the folders of earlier versions ------------------------------------------------------
#
# Earlier versions kept their files in ``<data>/Table Editor`` and ``<config>/Table
# Editor`` (Qt's AppDataLocation for organization "table-editor", application "Table
# Editor").  At start everything there is moved into ``<data>`` and ``<config>``
# themselves, so the pending changes of every journal are offered as before, the audit
# log goes on, the recent connections and the window's place are kept.  Nothing is
# overwritten and nothing is lost: an entry whose name is taken in the new folder, or
# a journal whose window (of an earlier version still running) holds it, stays where
# it is, and is tried again at the next start.


@dataclass
class FolderMove:
    moved: list[Path] = field(default_factory=list)  # where they are now
    left: list[Path] = field(default_factory=list)  # still in the old folder


def move_folder_contents(old: Path, new: Path) -> FolderMove:
    """Move every entry of ``old`` into ``new`` (folders merged entry by entry), then
    remove ``old`` if nothing is left in it.  An unheld lock file (its window was
    killed) is removed; a journal another window holds, and an entry whose name is
    taken in ``new``, stay."""
    result = FolderMove()
    if old.is_dir() and not old.is_symlink():
        _merge(old, new, result)
    return result


def _merge(old: Path, new: Path, result: FolderMove) -> None:
    try:
        new.mkdir(parents=True, exist_ok=True)
        entries = sorted(old.iterdir())
    except OSError:
        result.left.append(old)
        return
    held = _held_journals(old)
    for entry in entries:
        target = new / entry.name
        if entry.name in held or new.is_relative_to(entry):
            result.left.append(entry)
        elif entry.is_dir() and not entry.is_symlink():
            if target.exists() and not target.is_dir():
                result.left.append(entry)
            else:
                _merge(entry, target, result)
        elif target.exists() or target.is_symlink():
            result.left.append(entry)
        else:
            try:
                _move(entry, target)
            except OSError:
                result.left.append(entry)  # taken meanwhile, or not ours to move: it stays
                continue
            result.moved.append(target)
    try:
        old.rmdir()
    except OSError:
        pass  # something stayed


def _move(entry: Path, target: Path) -> None:
    try:
        os.rename(entry, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.move(str(entry), str(target))


def _held_journals(folder: Path) -> set[str]:
    """The names of the journals (and their lock files) in ``folder`` that a running
    window holds; a lock file nobody holds is removed (see :func:`_hold`)."""
    held: set[str] = set()
    for lock in folder.glob("*.lock"):
        try:
            fd = _hold(lock)
        except OSError:
            held.update((lock.name, lock.with_suffix(".json").name))  # cannot tell: leave it
            continue
        if fd is None:
            held.update((lock.name, lock.with_suffix(".json").name))
        else:
            _let_go(lock, fd)
    return held


def _rehome_journals(paths: Iterable[Path], old_root: Path, new_root: Path) -> dict[str, str]:
    """A journal of a SQLite file that was moved from ``old_root`` to ``new_root`` (the
    demo database) is named by the file's path: say the new path in it and in its
    name, so that the demo offers its pending changes again.  Returns the SQLite
    paths so moved (old → new)."""
    moves: dict[str, str] = {}
    for path in paths:
        parts = path.name[: -len(".json")].split("-") if path.name.endswith(".json") else []
        if len(parts) != 3:
            continue
        try:
            # the first line is the document (with the identity); the lines after it,
            # if any, are the edits appended since: kept as they are
            first, newline, rest = path.read_text(encoding="utf-8").partition("\n")
            document = json.loads(first)
        except (OSError, ValueError):
            continue
        identity = document.get("identity") if isinstance(document, dict) else None
        if not isinstance(identity, dict) or identity.get("backend") != "sqlite":
            continue
        database = identity.get("database")
        try:
            relative = Path(str(database)).relative_to(old_root)
        except ValueError:
            continue  # another SQLite file: it did not move
        new_database = str(new_root / relative)
        identity = {**identity, "database": new_database}
        document["identity"] = identity
        prefix, _digest, window = parts
        try:
            text = json.dumps(document, default=str) + newline + rest
            atomic_write_text(path.with_name(f"{prefix}-{identity_digest(identity)}-{window}.json"), text)
            path.unlink()
        except OSError:
            continue  # offered under its old name no more, but kept: nothing is lost
        moves[str(database)] = new_database
    return moves


def adopt_legacy_folders(data: Path, config: Path) -> FolderMove:
    """Move what an earlier version kept in ``data/Table Editor`` and ``config/Table
    Editor`` into ``data`` and ``config`` (see above).  Never raises for a file it
    cannot move: that one stays, and is tried again next time."""
    result = FolderMove()
    old_data = data / LEGACY_SUBFOLDER
    if old_data.is_dir():
        old_root, new_root = old_data.resolve(), data.resolve()
        moved = move_folder_contents(old_data, data)
        result.moved += moved.moved
        result.left += moved.left
        sqlite_moves = _rehome_journals([p for p in moved.moved if p.suffix == ".json"], old_root, new_root)
        # the demo database itself, whether or not a journal named it
        for path in moved.moved:
            if path.suffix in (".sqlite3", ".sqlite", ".db"):
                old_path = str(old_root / path.relative_to(data))
                sqlite_moves.setdefault(old_path, str(new_root / path.relative_to(data)))
    else:
        sqlite_moves = {}
    old_config = config / LEGACY_SUBFOLDER
    if old_config.is_dir():
        moved = move_folder_contents(old_config, config)
        result.moved += moved.moved
        result.left += moved.left
    if sqlite_moves:
        try:
            LastTables(config / LAST_TABLES_FILE).move_sqlite(sqlite_moves)
        except OSError:
            pass  # a convenience: the table opened is the tutorial's
    return result
