"""CSV files: changes read from a file, rows streamed from the database into one.

Reading is all-or-nothing by design: :func:`read_changes` returns every accepted
change *and* every refused line, and the caller applies nothing while any line is
refused.  The dialect (separator, quoting) is found by :class:`csv.Sniffer`; a
UTF-8 byte-order mark and CRLF line ends are handled by opening the file with
``utf-8-sig`` and ``newline=""`` as the ``csv`` module asks.

What a file does to the pending set is planned on the worker that reads it
(:func:`plan_key_import`), against a copy of the pending set: the preview shows,
for each change, the database's values beside the pending value it replaces, and
applying it is one quick undo step on the GUI thread.

Exporting reads the rows page by page through :class:`~gui.data.rows.RowSource`
(keyset pages, or one sorted pass held on the client without an index), so memory holds
one page whatever the size of the table.  The file is written under a temporary
name and renamed when complete: a cancelled or failed export leaves no half file.
With ``pending`` the pending values replace the database's in the rows they
change, as the table shows them.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import TableSpec
from .connection import CancelToken
from .errors import Cancelled, InvalidValue, UserError
from .pending import PendingChange, PendingChanges, parse_value
from .rows import RowSource
from .wording import plural

SNIFF_BYTES = 64 * 1024
SEPARATORS = ",;\t|"
EXPORT_PAGE = 10_000  # rows held in memory at a time while exporting

Progress = Callable[[int, int | None], None]  # (rows written, rows in all or None)


class CsvError(UserError):
    """The file as a whole cannot be read as a changes file (not its single lines)."""

    title = "Cannot read the file"


class ExportFailed(UserError):
    title = "Cannot write the file"

    @classmethod
    def writing(cls, path: Path, error: OSError) -> ExportFailed:
        """``path`` could not be written: the system's reason, and what to do about it."""
        hint = "Choose a shorter name." if error.errno == errno.ENAMETOOLONG else "Choose another folder."
        return cls(f"Cannot write {path.name} in {path.parent}: {error.strerror or error}. {hint}")


@dataclass(frozen=True)
class RefusedLine:
    line: int  # 1-based line number in the file (the header is line 1)
    text: str  # the offending value or line, as written
    reason: str

    def describe(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportedChanges:
    """What a changes file asks for: ``values`` (x → y, file order) and ``refused`` lines."""

    values: dict[int, int] = field(default_factory=dict)
    refused: list[RefusedLine] = field(default_factory=list)
    lines: dict[int, int] = field(default_factory=dict)  # x → line it was read from
    dialect: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused


def _sniff(sample: str):
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS)
    except csv.Error:
        # a file of one column, or too short to guess: the first line decides
        first = sample.splitlines()[0] if sample else ""
        for separator in SEPARATORS:
            if separator in first:
                return _with_separator(separator)
        return csv.excel


def _with_separator(separator: str) -> type[csv.Dialect]:
    class Chosen(csv.excel):
        delimiter = separator

    return Chosen


def _columns(header: list[str], spec: TableSpec) -> tuple[int, int] | None:
    names = [name.strip().lower() for name in header]
    try:
        return names.index(spec.key.lower()), names.index(spec.value.lower())
    except ValueError:
        return None


def _dialect_and_header(sample: str, spec: TableSpec):
    """The sniffed dialect, checked against the header line: when its separator does
    not split the header into the key and value columns, a separator that does wins."""
    sniffed = _sniff(sample)
    first = sample.splitlines()[0]
    for dialect in [sniffed] + [_with_separator(s) for s in SEPARATORS if s != sniffed.delimiter]:
        header = next(csv.reader([first], dialect))
        found = _columns(header, spec)
        if found is not None:
            return dialect, found
    header = next(csv.reader([first], sniffed))
    raise CsvError(
        f"The first line must name the columns “{spec.key}” and “{spec.value}” "
        f"(found: {', '.join(repr(h) for h in header) or 'nothing'})."
    )


def _describe_dialect(dialect) -> str:
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
    return f"{names.get(dialect.delimiter, repr(dialect.delimiter))}-separated"


def read_changes(path: Path | str, spec: TableSpec) -> ImportedChanges:
    """Read a file with a header naming the key and value columns (``x,y``).

    Raises :class:`CsvError` when the file cannot be read at all (not UTF-8, no such
    header); a bad line is reported in ``refused`` with its line number instead.
    """
    key_spec = dataclasses.replace(spec, value=spec.key)  # parse x with x's name in messages
    result = ImportedChanges()
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(SNIFF_BYTES)
            if not sample.strip():
                raise CsvError(f"The file is empty: it needs a header line “{spec.key},{spec.value}” and one change per line.")
            dialect, (key_at, value_at) = _dialect_and_header(sample, spec)
            result.dialect = _describe_dialect(dialect)
            handle.seek(0)
            reader = csv.reader(handle, dialect)
            next(reader)  # the header, read above
            needed = max(key_at, value_at) + 1
            line = reader.line_num
            for record in reader:
                first_line, line = line + 1, reader.line_num
                if not any(cell.strip() for cell in record):
                    continue  # blank lines are not changes
                if len(record) < needed:
                    shown = dialect.delimiter.join(record)
                    result.refused.append(
                        RefusedLine(first_line, shown, f"'{shown}' has {plural(len(record), 'field')}; expected {spec.key} and {spec.value}.")
                    )
                    continue
                _read_record(record[key_at], record[value_at], first_line, spec, key_spec, result)
    except UnicodeDecodeError as error:
        raise CsvError(f"The file is not UTF-8 text (byte {error.start} cannot be read).") from None
    except csv.Error as error:
        raise CsvError(f"The file is not valid CSV: {error}.") from None
    except OSError as error:
        raise CsvError(f"Cannot open the file: {error.strerror or error}.") from None
    return result


def _read_record(raw_key: str, raw_value: str, line: int, spec: TableSpec, key_spec: TableSpec, result: ImportedChanges) -> None:
    try:
        key = parse_value(raw_key, key_spec)
    except InvalidValue as error:
        result.refused.append(RefusedLine(line, raw_key, error.message))
        return
    try:
        value = parse_value(raw_value, spec)
    except InvalidValue as error:
        result.refused.append(RefusedLine(line, raw_value, error.message))
        return
    earlier = result.values.get(key)
    if earlier is None:
        result.values[key] = value
        result.lines[key] = line
    elif earlier != value:
        # a change sets every row with this key: two different values cannot both hold
        result.refused.append(
            RefusedLine(
                line,
                raw_value,
                f"{spec.key} = {key} is given {spec.value} = {value} here but {earlier} on line {result.lines[key]}.",
            )
        )


# -- what a file does to the pending set -----------------------------------------
UNCHANGED, NO_ROW, NEW, REPLACES, REVERTS = "unchanged", "no row", "new", "replaces", "reverts"


@dataclass(frozen=True)
class KeyImportEntry:
    key: int
    line: int
    new: int
    now: tuple[int, ...]  # every row's value in the database (hidden rows too)
    pending: int | None  # the key's pending value when the file was planned
    status: str  # UNCHANGED (the table shows it already), NO_ROW, NEW, REPLACES (a pending value), REVERTS (to the database's)


@dataclass
class KeyImportPlan:
    """What applying a changes file does to the pending set: ``updates`` (only those
    that change it, one undo step) and one entry per key of the file, in its order."""

    entries: list[KeyImportEntry] = field(default_factory=list)
    updates: dict[int, PendingChange | None] = field(default_factory=dict)
    changes: int = 0  # keys whose value the table does not show yet
    rows: int = 0  # rows those keys touch in the database
    unchanged: int = 0
    missing: int = 0  # keys no row has
    replaced: int = 0  # pending changes replaced (or dropped: the file has the database's value)


def plan_key_import(
    spec: TableSpec,
    imported: ImportedChanges,
    current: Mapping[int, tuple[int, ...]],
    threshold: int | None,
    pending: Mapping[int, PendingChange],
    cancel: CancelToken | None = None,
) -> KeyImportPlan:
    """Plan ``imported`` against ``pending`` (a copy of the pending set), with
    ``current`` the values each key's rows hold in the database: a key whose rows
    hold the file's value already is no change (unless a pending change is to be
    replaced), the values above ``threshold`` are the ones the user is taken to
    have seen.  Raises :class:`InvalidValue` as ``PendingChanges.plan_many`` does."""
    plan = KeyImportPlan()
    edits = []
    statuses: dict[int, str] = {}
    for key, value in imported.values.items():
        now = tuple(current.get(key, ()))
        change = pending.get(key)
        if (change.new == value) if change is not None else (bool(now) and all(v == value for v in now)):
            statuses[key] = UNCHANGED  # the table shows this value already
            continue
        statuses[key] = NEW if change is None else REPLACES
        edits.append((key, value, tuple(v for v in now if threshold is None or v > threshold), threshold))
    if cancel is not None:
        cancel.check()
    against = PendingChanges(spec)
    against.apply({key: pending[key] for key, *_rest in edits if key in pending})
    updates = against.plan_many(edits)
    plan.updates = {key: change for key, change in updates.items() if pending.get(key) != change}
    for key, value in imported.values.items():
        now = tuple(current.get(key, ()))
        change = pending.get(key)
        status = statuses[key]
        if status == REPLACES and key in updates and updates[key] is None:
            status = REVERTS  # the file has the database's value: the pending change goes
        elif status == NEW and not now:
            status = NO_ROW
        plan.entries.append(KeyImportEntry(key, imported.lines.get(key, 0), value, now, None if change is None else change.new, status))
        if status == UNCHANGED:
            plan.unchanged += 1
        else:
            plan.changes += 1
            plan.rows += len(now)
        plan.missing += not now
    plan.replaced = sum(1 for key in plan.updates if key in pending)
    return plan


# -- export -------------------------------------------------------------------
def export_rows(
    engine,
    spec: TableSpec,
    threshold: int,
    path: Path | str,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    page: int = EXPORT_PAGE,
    pending: Mapping[int, int] | None = None,
) -> int:
    """Write the rows with value > ``threshold`` (``x,y`` header) to ``path``; returns the row count.

    ``pending`` (key → pending value) puts the pending values in the rows they
    change, as the table shows them.  Raises :class:`Cancelled` (and leaves no
    file) when ``cancel`` is cancelled.
    """
    path = Path(path)
    try:
        return _export(engine, spec, threshold, path, progress, cancel, page, pending)
    except OSError as error:
        raise ExportFailed.writing(path, error) from None


def _with_pending(xs: np.ndarray, ys: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``ys`` with the pending value (``keys`` sorted, ``values`` theirs) in every
    row whose key has one: found in the arrays, no Python step a row."""
    if not len(keys) or not len(xs):
        return ys
    at = np.minimum(np.searchsorted(keys, xs), len(keys) - 1)
    hit = keys[at] == xs
    if not hit.any():
        return ys
    ys = ys.astype(np.int64, copy=True)
    ys[hit] = values[at[hit]]
    return ys


def _export(engine, spec, threshold, path: Path, progress, cancel, page, pending=None) -> int:
    source = RowSource(engine, spec, threshold)
    written = 0
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            total = source.count(cancel)
            if progress is not None:
                progress(0, total)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([spec.key, spec.value])
            order = sorted(pending or ())
            keys = np.array(order, dtype=np.int64)
            values = np.array([pending[k] for k in order], dtype=np.int64) if pending else keys
            while not source.exhausted:
                _check(cancel)
                xs, ys = source.fetch(page, cancel)
                ys = _with_pending(xs, ys, keys, values)
                writer.writerows(zip(xs.tolist(), ys.tolist()))
                written += len(xs)
                if progress is not None:
                    progress(written, total)
            _check(cancel)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        source.close()
    return written


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise Cancelled("The export was cancelled; no file was written.")
