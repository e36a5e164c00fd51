"""CSV and clipboard text for any table (Qt-free): a result exported to a file, a
file of changes read and checked, cells as tab-separated text.

NULL and the empty string in a CSV file
    NULL is an empty *unquoted* field, the empty string an empty *quoted* one
    (``""``), as PostgreSQL's ``COPY ... (FORMAT csv)`` writes them: ``1,,""``
    is id 1, a NULL, an empty string.  Every other value is the column codec's
    lossless text (``codec.to_text``: what PostgreSQL prints, timestamptz in UTC
    so the file does not depend on the session's time zone; a date or timestamp
    no codec parses as PostgreSQL prints it too: ``infinity``, ``0044-03-15 BC``,
    ``10000-01-01``); a value is quoted when it holds a comma, a quote, a line
    break or blanks at either end, and is written as is otherwise.

    Python 3.11's ``csv`` module cannot tell the two empty fields apart
    (``csv.QUOTE_NOTNULL`` is 3.12's), so the file is written by
    :func:`csv_field` and read by :func:`read_records`: a few lines of RFC 4180,
    checked against ``csv.reader`` by a differential test.  The separator of a
    file to import is still found by ``csv.Sniffer`` (:mod:`gui.data.csvio`'s
    sniffing, checked against the header line); the quote is always ``"``.

A file of changes (:func:`read_cell_changes`)
    Its first line names every key column and one or more columns to change, in
    any order; each following line sets those columns of the row(s) with that
    key.  Every value is checked by its column's codec as when typed (the empty
    string ``""`` is refused where typing nothing is refused; NULL is refused by
    a NOT NULL column); a key field may not be NULL.  Reading is all or
    nothing, as in :mod:`gui.data.csvio`: the result lists every accepted
    change and every refused line with its number, and the caller applies
    nothing while a line is refused.  A line that repeats a change with the same
    value is dropped; with another value it is refused (one cell takes one value).

Exporting (:func:`export_result`)
    The rows of a filter and sort, read page by page through
    :class:`~gui.data.result.TableResult` on the calling (worker) thread, so
    memory holds one page whatever the size of the result; written under a
    temporary name and renamed when complete (a cancelled or failed export
    leaves no file).  Values come from the loaded columns without a Python
    value per cell where the text is at hand: text and numeric columns hold the
    server's own text, integers and booleans print as they are, dates and
    timestamps are formatted by NumPy a page at a time (checked against the
    codecs by a property test); other types go through their codec.  Measured
    (PostgreSQL 15 on loopback, 200,000 rows of bigint, text with a third NULL,
    numeric(12,2), boolean, timestamptz with a fifth NULL): 0.85 s end to end,
    about half of it reading the pages; formatting every cell through
    ``codec.to_text`` took 2.2 s.

The clipboard (:func:`clipboard_text`, :func:`read_clipboard`)
    Tab-separated text in the ``excel-tab`` dialect, as spreadsheets copy and
    paste it: no header line, NULL as an empty field, values as the codec shows
    them.  A spreadsheet's empty cell cannot be told from an empty string, so a
    pasted empty field is the empty string for a text-like column (text,
    varchar, char) and NULL for every other (:func:`pasted_raw`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from itertools import islice
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from .codecs import Codec, TextCodec, TimeCodec
from .columns import DATETIME_KINDS, FIRST_DAY, FIRST_US, INFINITE_WORDS, LAST_DAY, LAST_US, ColumnData, LoadedColumns, PagedColumns
from .connection import CancelToken
from .csvio import (  # its sniffing, reused: a file of changes is found the same way
    EXPORT_PAGE,
    SEPARATORS,
    SNIFF_BYTES,
    CsvError,
    ExportFailed,
    RefusedLine,
    _describe_dialect,
    _sniff,
    _with_separator,
)
from .edits import CellChange, CellEdits, CellId, Key, loaded_value, value_text
from .errors import Cancelled, InvalidValue
from .paging import Condition, SortKey
from .planning import LONG_LIVED, PACE_STEP, LoadedRows, long_lived, pace
from .result import TableResult
from .schema import TableSchema
from .transport import column_kind
from .wording import plural

QUOTE = '"'
Progress = Callable[[int, int | None], None]  # (rows written, rows in all or None)

__all__ = [
    "NEW",
    "NO_ROW",
    "REPLACES",
    "REVERTS",
    "UNCHANGED",
    "CsvError",
    "ExportFailed",
    "ImportEntry",
    "ImportPlan",
    "ImportedCell",
    "ImportedCells",
    "Record",
    "RefusedLine",
    "cells_from_bytes",
    "cells_to_bytes",
    "clipboard_grid",
    "clipboard_text",
    "csv_field",
    "csv_line",
    "export_result",
    "page_lines",
    "pasted_raw",
    "plan_import",
    "read_cell_changes",
    "read_clipboard",
    "read_records",
    "seen_values",
]


# -- fields ----------------------------------------------------------------------------

# a value needing quotes: the separators we sniff, the quote, a line break, or blanks
# at an end (a reader told to skip initial spaces would drop them)
_NEEDS_QUOTES = re.compile(r"[,;\t|\"\r\n]|^\s|\s$")


def csv_field(value: str | None) -> str:
    """One field: ``None`` (NULL) as nothing, the empty string as ``""``, a value
    quoted when it must be (see the module docstring)."""
    if value is None:
        return ""
    if value == "" or _NEEDS_QUOTES.search(value):
        return QUOTE + value.replace(QUOTE, QUOTE + QUOTE) + QUOTE
    return value


def csv_line(values: Iterable[str | None], delimiter: str = ",") -> str:
    return delimiter.join(map(csv_field, values)) + "\n"


class _Malformed(Exception):
    pass


def _split(text: str, delimiter: str) -> list[str | None] | None:
    """The fields of one record (``text`` without its final line end): ``None`` for
    an empty unquoted field; ``None`` as a whole when a quoted field is still open
    at the end (the record goes on on the next line).  Raises :class:`_Malformed`."""
    fields: list[str | None] = []
    pos, n = 0, len(text)
    while True:
        if pos < n and text[pos] == QUOTE:
            parts, start = [], pos + 1
            while True:
                end = text.find(QUOTE, start)
                if end < 0:
                    return None
                parts.append(text[start:end])
                if end + 1 < n and text[end + 1] == QUOTE:
                    parts.append(QUOTE)
                    start = end + 2
                    continue
                pos = end + 1
                break
            fields.append("".join(parts))
            if pos < n and text[pos] != delimiter:
                raise _Malformed(f"text follows a closing quote (field {len(fields)}): a quote inside a quoted value is written twice")
        else:
            end = text.find(delimiter, pos)
            stop = n if end < 0 else end
            fields.append(text[pos:stop] or None)
            pos = stop
        if pos >= n:
            return fields
        pos += 1  # the delimiter
        if pos == n:
            fields.append(None)  # a delimiter at the end: one more empty field
            return fields


def _strip_line_end(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


@dataclass(frozen=True)
class Record:
    line: int  # the record's first line (1-based)
    fields: list[str | None]  # None: an empty unquoted field (NULL)
    error: str | None = None  # why the record cannot be read (then ``fields`` is empty)


def read_records(lines: Iterable[str], delimiter: str = ",") -> Iterator[Record]:
    """The records of CSV text (an open file with ``newline=""``, or its lines with
    their line ends), quoted fields spanning lines included.

    A blank line is a record of one ``None`` field.  A quoted field still open at
    the end of the text, or text after a closing quote, is a record with an
    ``error`` (the others are still read)."""
    line_number = 0
    pending: list[str] = []
    first = 0
    for line in lines:
        line_number += 1
        if not pending:
            first = line_number
        pending.append(line)
        if len(pending) > 1 and QUOTE not in line:
            continue  # a quoted value runs on: only a quote can close it
        text = "".join(pending)
        try:
            fields = _split(_strip_line_end(text), delimiter)
        except _Malformed as error:
            pending = []
            yield Record(first, [], str(error))
            continue
        if fields is None:
            continue  # a line break inside a quoted value
        pending = []
        yield Record(first, fields)
    if pending:
        yield Record(first, [], "a quoted value is not closed before the end of the file")


# -- the clipboard --------------------------------------------------------------------


def clipboard_text(rows: Sequence[Sequence[str | None]]) -> str:
    """Cells as tab-separated text (``excel-tab``), one line a row; NULL (``None``)
    as an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, "excel-tab", lineterminator="\n")
    for row in rows:
        values = ["" if v is None else v for v in row]
        if values == [""]:
            out.write("\n")  # the csv module writes a lone empty field as ""
        else:
            writer.writerow(values)
    return out.getvalue()


def read_clipboard(text: str) -> list[list[str]]:
    """Tab-separated text as rows of fields (``excel-tab``: a quoted field may hold
    tabs and line breaks).  A blank line inside is one empty field; blank lines at
    the end are dropped (an editor's trailing newline is not a row), except that
    text of line ends only is one empty cell (as a spreadsheet copies one).

    Read row by row in Python, not by ``list()`` in one C call: a worker reading
    100,000 lines that way held the GIL, and with it the GUI thread, for 100 ms.
    On a worker it pauses (:func:`gui.data.threads.pace`) every :data:`PACE_STEP`
    rows: a paste's first repaint (the whole window, once after a load) ran
    while these 100,000 lines were read and took 30-50 ms instead of 10, its
    thousand callbacks into Python each waiting for the GIL."""
    reader = csv.reader(io.StringIO(text, newline=""), "excel-tab")
    rows: list[list[str]] = []
    while True:
        chunk = [row for row in islice(reader, PACE_STEP)]
        rows += chunk
        if len(chunk) < PACE_STEP:
            break
        pace()
    while rows and not rows[-1]:
        rows.pop()
    if not rows and text:
        return [[""]]
    return [row or [""] for row in rows]


def clipboard_grid(text: str, cells: bytes | None) -> tuple[list[list[str | None]], bool]:
    """The cells on the clipboard and whether NULL is told apart in them: those of
    the editor's own Copy (``cells``, its private format as JSON: ``None`` is
    NULL) while the text is still what that Copy put there, else the text read as
    tab-separated fields (:func:`read_clipboard`)."""
    if cells is not None:
        try:
            grid = cells_from_bytes(cells)
        except (ValueError, UnicodeDecodeError):
            grid = None
        # ours, and still what the text says (not replaced by another program's text)
        if _is_grid(grid) and clipboard_text(grid) == text:
            return grid, True
    return read_clipboard(text), False  # type: ignore[return-value]


def cells_to_bytes(grid: Sequence[Sequence[str | None]]) -> bytes:
    """Cells in the editor's private clipboard format: one JSON array a row, one row
    a line (``null``: NULL)."""
    return "".join(json.dumps(list(row), ensure_ascii=False) + "\n" for row in grid).encode("utf-8")


def cells_from_bytes(data: bytes) -> list[list[str | None]]:
    """What :func:`cells_to_bytes` wrote, read a line at a time (one ``json.loads``
    of 100,000 cells held the GIL for 100 ms); the whole-grid JSON array of
    earlier versions is read too.  Raises :class:`ValueError` for anything else."""
    text = data.decode("utf-8")
    if text.startswith("[[") or text.strip() == "[]":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line]


def _is_grid(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(row, list) and all(v is None or isinstance(v, str) for v in row) for row in value
    )


def pasted_raw(text: str, codec: Codec) -> str | None:
    """A pasted field as :meth:`CellEdits.plan_edit` takes it: an empty field is the
    empty string for a text-like column, NULL (``None``) for any other."""
    if text == "" and not codec.text_like:
        return None
    return text


# -- export ----------------------------------------------------------------------------




def _datetime_texts(column: ColumnData) -> list[str | None] | None:
    """A date or timestamp column as PostgreSQL prints it (timestamptz in UTC, as
    ``to_text`` writes it), made by NumPy for the whole page; ``None`` when a cell
    is infinite or outside years 1 to 9999 (then each cell goes through its codec)."""
    values, mask = column.values, column.null_mask
    live = values if mask is None else values[~mask]
    if column.kind == "date":
        if len(live) and (live.min() < FIRST_DAY or live.max() > LAST_DAY):
            return None
        return np.datetime_as_string(values, unit="D").tolist()
    if len(live) and (live.min() < FIRST_US or live.max() > LAST_US):
        return None
    suffix = "+00" if column.kind == "timestamptz" else ""
    texts: list[str | None] = []
    for iso in np.datetime_as_string(values, unit="us").tolist():  # 2024-05-01T09:15:00.120000
        fraction = iso[19:].rstrip("0")
        texts.append(f"{iso[:10]} {iso[11:19]}{fraction if len(fraction) > 1 else ''}{suffix}")
    return texts


def _texts(column: ColumnData, codec: Codec, sqlite: bool) -> list[str | None]:
    """Every cell of one page's column as the codec's lossless text (``None``: NULL)."""
    n = len(column)
    mask = column.null_mask
    texts: list[str | None] | None = None
    if column.kind in ("text", "numeric") and (not sqlite or isinstance(codec, TextCodec)):
        # the server's own text output (PostgreSQL), which to_text reproduces
        data = column.data.tobytes()
        offsets = column.offsets.tolist()
        texts = [data[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    elif column.kind == "int" and not sqlite:
        texts = [str(v) for v in column.values.tolist()]
    elif column.kind == "bool" and not sqlite:
        texts = ["true" if v else "false" for v in column.values.tolist()]
    elif column.kind in DATETIME_KINDS and not sqlite:
        texts = _datetime_texts(column)
    if texts is None:
        texts = []
        for i in range(n):
            if column.is_null(i):
                texts.append(None)
            elif column.kind in DATETIME_KINDS and column.is_beyond(i):
                # infinity (value() gives date.max, a real date) or a year outside 1 to
                # 9999 (value() cannot give it): as PostgreSQL prints it
                texts.append(column.text(i))
            else:
                texts.append(value_text(codec, column.value(i)))
        return texts
    if mask is not None:
        for i in mask.nonzero()[0].tolist():
            texts[i] = None
    return texts


def page_lines(
    page: LoadedColumns,
    codecs: Mapping[str, Codec],
    sqlite: bool = False,
    overlay: Mapping[str, Mapping[int, str | None]] | None = None,
) -> str:
    """The CSV lines of one page of loaded columns; ``overlay`` gives, for a
    column, texts that replace its loaded ones (the page's row → the codec's
    lossless text, ``None``: NULL)."""
    columns = []
    for name in page.names:
        texts = _texts(page[name], codecs[name], sqlite)
        for i, text in (overlay or {}).get(name, {}).items():
            texts[i] = text
        if page[name].kind == "text" or sqlite:
            columns.append([csv_field(t) for t in texts])
        else:
            # numbers, booleans, dates and times never need quotes
            columns.append(["" if t is None else t for t in texts])
    return "".join(",".join(row) + "\n" for row in zip(*columns))


def export_result(
    engine: Engine,
    schema: TableSchema,
    codecs: Mapping[str, Codec],
    path: Path | str,
    conditions: Sequence[Condition] = (),
    sort: Sequence[SortKey] = (),
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    page: int = EXPORT_PAGE,
    total: int | None = None,
    pending: Mapping[CellId, CellChange] | None = None,
) -> int:
    """Write the rows matching ``conditions`` in ``sort`` order to ``path`` (a
    header of the columns the role may read, then one line a row); returns the
    rows written.  ``total``, when the caller knows it, spares the count.

    ``pending`` (a copy of the pending set) puts its values in the rows it
    changes, as the table shows them; without it the file holds the database's
    values.

    Raises :class:`Cancelled` (and leaves no file) when ``cancel`` is pressed,
    :class:`ExportFailed` when the file cannot be written, another
    :class:`UserError` for what the database says."""
    path = Path(path)
    result = TableResult(engine, schema, conditions, sort)
    sqlite = engine.dialect.name == "sqlite"
    written = 0
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    except OSError as error:
        raise ExportFailed.writing(path, error) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if total is None:
                total = result.count(cancel)
            if progress is not None:
                progress(0, total)
            handle.write(csv_line(result.names))
            by_column = _pending_texts(schema, codecs, pending)
            while not result.exhausted:
                _check(cancel)
                rows = result.fetch(page, cancel)
                handle.write(page_lines(rows, codecs, sqlite, _overlay(rows, schema, by_column)))
                written += len(rows)
                if progress is not None:
                    progress(written, max(total or 0, written))
            _check(cancel)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise ExportFailed.writing(path, error) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        result.close()
    return written


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise Cancelled("The export was cancelled; no file was written.")


def _pending_texts(
    schema: TableSchema, codecs: Mapping[str, Codec], pending: Mapping[CellId, CellChange] | None
) -> dict[str, dict[Key, str | None]]:
    """The pending values by column and key, as the codec's lossless text."""
    by_column: dict[str, dict[Key, str | None]] = {}
    for (key, column), change in (pending or {}).items():
        by_column.setdefault(column, {})[key] = value_text(codecs[column], change.new)
    return by_column


def _overlay(
    page: LoadedColumns, schema: TableSchema, by_column: Mapping[str, Mapping[Key, str | None]]
) -> dict[str, dict[int, str | None]]:
    """For each column of ``page`` with pending values, its rows that hold one."""
    if not by_column or not all(k in page.names for k in schema.key):
        return {}
    rows = LoadedRows([page])
    keys = rows.keys([page.names.index(k) for k in schema.key], np.arange(len(page)))
    overlay: dict[str, dict[int, str | None]] = {}
    for column, texts in by_column.items():
        if column in page.names:
            found = {i: texts[key] for i, key in enumerate(keys) if key is not None and key in texts}
            if found:
                overlay[column] = found
    return overlay


# -- import ----------------------------------------------------------------------------


# a date or timestamp as PostgreSQL prints one no datetime holds (BC, or a year of five
# digits or more): the time and offset after the date as they come
_BEYOND_YEARS = re.compile(r"(\d{4,}-\d\d-\d\d(?: \S+)?) BC|\d{5,}-\d\d-\d\d(?: \S+)?", re.IGNORECASE)


def _datetime_beyond(raw: str) -> str | None:
    """``raw`` as PostgreSQL prints a date or timestamp that no codec parses
    (:func:`~gui.data.columns.datetime_text`: ``infinity``, ``0044-03-15 BC``,
    ``10000-01-01``), blanks and the case of the words as PostgreSQL reads them;
    ``None`` for anything else."""
    text = " ".join(raw.split())
    if text.lower() in INFINITE_WORDS:
        return text.lower()
    match = _BEYOND_YEARS.fullmatch(text)
    if match is None:
        return None
    return f"{match.group(1)} BC" if match.group(1) else text


# the end of a day, which PostgreSQL's time holds and datetime.time does not
_END_OF_DAY = re.compile(r"\s*24:00(?::00(?:\.0*)?)?\s*")


def _held_as_text(raw: str, codec: Codec, kind: str) -> str | None:
    """``raw`` as PostgreSQL prints a value the column holds that its codec cannot
    parse (an export writes it so): a date or timestamp :func:`_datetime_beyond`
    reads, or a time of ``24:00:00``; ``None`` for anything else."""
    if kind in DATETIME_KINDS:
        return _datetime_beyond(raw)
    if isinstance(codec, TimeCodec) and _END_OF_DAY.fullmatch(raw):
        return "24:00:00"
    return None


@dataclass(frozen=True)
class ImportedCell:
    line: int
    key: Key  # as the loaded columns hold it (what the table model's key_at gives)
    column: str
    raw: str | None  # the field as written; None: NULL
    new: object  # what the column's codec parsed; None: NULL
    # a date or timestamp no codec parses, as PostgreSQL prints it and an export
    # writes it (new is that text: infinity, 0044-03-15 BC, 10000-01-01): a cell's
    # own value again, never a change to it (see plan_import)
    as_text: bool = False

    @property
    def cell(self) -> CellId:
        return (self.key, self.column)


@dataclass
class ImportedCells:
    """What a changes file asks for: ``cells`` (file order) and ``refused`` lines."""

    key_columns: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # the columns it changes, in the file's order
    cells: list[ImportedCell] = field(default_factory=list)
    refused: list[RefusedLine] = field(default_factory=list)
    lines: int = 0  # lines of values read (blank lines not counted)
    repeated: int = 0  # values given again, the same, on a later line (counted once)
    dialect: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused


def _header_columns(header: Sequence[str | None], schema: TableSchema, codecs: Mapping[str, Codec]) -> tuple[list[int], list[int]]:
    """The positions of the key columns (schema order) and of the columns to change
    (file order); raises :class:`CsvError` saying what is wrong with the header."""
    names = [h or "" for h in header]
    found = ", ".join(repr(n) for n in names) or "nothing"
    wanted = f"the key column{'s' if len(schema.key) > 1 else ''} ({', '.join(schema.key)}) and the columns to change"
    for name in names:
        if names.count(name) > 1:
            raise CsvError(f"The first line names the column {name!r} twice.")
    missing = [k for k in schema.key if k not in names]
    if missing:
        raise CsvError(f"The first line must name {wanted} (found: {found}).")
    keys = [names.index(k) for k in schema.key]
    changed = []
    for position, name in enumerate(names):
        if name in schema.key:
            continue
        try:
            column = schema.column(name)
        except KeyError:
            raise CsvError(f"{schema.qualified_name} has no column {name!r} (the first line names it).") from None
        if not column.may_select:
            raise CsvError(f"Column {name}: your role may not read it, so its changes cannot be checked.")
        reason = schema.why_column_read_only(name) or codecs[name].read_only_reason
        if reason is not None:
            raise CsvError(f"Column {name} cannot be changed: {reason[:1].lower() + reason[1:].rstrip('.')}.")
        changed.append(position)
    if not changed:
        raise CsvError(f"The first line names only the key ({found}): name one or more columns to change too.")
    return keys, changed


def _first_record(sample: str, delimiter: str) -> list[str | None]:
    for record in read_records(io.StringIO(sample, newline=""), delimiter):
        return record.fields
    return []


def _delimiter_and_header(sample: str, schema: TableSchema) -> tuple[str, list[str | None]]:
    """The sniffed separator, checked against the header: when it does not split the
    first line into the key columns, a separator that does wins."""
    sniffed = _sniff(sample).delimiter
    for delimiter in [sniffed] + [s for s in SEPARATORS if s != sniffed]:
        header = _first_record(sample, delimiter)
        if all(k in header for k in schema.key):
            return delimiter, header
    return sniffed, _first_record(sample, sniffed)


def read_cell_changes(path: Path | str, schema: TableSchema, codecs: Mapping[str, Codec]) -> ImportedCells:
    """Read a changes file (see the module docstring).

    Raises :class:`CsvError` when the file cannot be read at all (not UTF-8, a
    header that names no key or a column that cannot change, a table that cannot
    be edited); a bad line is listed in ``refused`` with its number instead."""
    reason = schema.why_not_editable()
    if reason is not None:
        raise CsvError(reason)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(SNIFF_BYTES)
            if not sample.strip():
                raise CsvError(
                    f"The file is empty: it needs a first line naming {', '.join(schema.key)} and the columns to change."
                )
            delimiter, header = _delimiter_and_header(sample, schema)
            keys, changed = _header_columns(header, schema, codecs)
            result = ImportedCells(
                key_columns=schema.key,
                columns=tuple(header[i] or "" for i in changed),
                dialect=_describe_dialect(_with_separator(delimiter)),
            )
            handle.seek(0)
            records = read_records(handle, delimiter)
            next(records)  # the header, read above
            given: dict[CellId, tuple[int, str | None]] = {}
            for record in records:
                _read_line(record, header, keys, changed, schema, codecs, given, result)
    except UnicodeDecodeError as error:
        raise CsvError(f"The file is not UTF-8 text (byte {error.start} cannot be read).") from None
    except OSError as error:
        raise CsvError(f"Cannot open the file: {error.strerror or error}.") from None
    return result


def _shown_fields(fields: Sequence[str | None], delimiter: str = ",") -> str:
    return delimiter.join("" if f is None else f for f in fields)


def _read_line(
    record: Record,
    header: Sequence[str | None],
    keys: Sequence[int],
    changed: Sequence[int],
    schema: TableSchema,
    codecs: Mapping[str, Codec],
    given: dict[CellId, tuple[int, str | None]],
    result: ImportedCells,
) -> None:
    line, fields = record.line, record.fields
    if record.error is not None:
        result.refused.append(RefusedLine(line, "", record.error[:1].upper() + record.error[1:] + "."))
        return
    if all(not f for f in fields):
        return  # a blank line is no change
    result.lines += 1
    if len(fields) < len(header) or any(f for f in fields[len(header) :]):
        shown = _shown_fields(fields)
        result.refused.append(
            RefusedLine(line, shown, f"{plural(len(fields), 'field')}; the first line names {plural(len(header), 'column')}.")
        )
        return
    key_values = []
    for position in keys:
        name, raw = schema.key[len(key_values)], fields[position]
        if raw is None:
            result.refused.append(RefusedLine(line, "", f"{name} is empty: every line needs its row's {', '.join(schema.key)}."))
            return
        codec = codecs[name]
        try:
            value = codec.from_text(raw)
        except InvalidValue as error:
            result.refused.append(RefusedLine(line, raw, f"{name}: {error.message}"))
            return
        key_values.append(loaded_value(codec, schema.column(name), value))
    key = tuple(key_values)
    cells = []
    for position in changed:
        name, raw = header[position] or "", fields[position]
        codec = codecs[name]
        if raw is None:
            if not codec.nullable or not schema.column(name).nullable:
                result.refused.append(RefusedLine(line, "", f"{name} cannot be NULL (an empty field): the column is NOT NULL."))
                return
            new = None
        else:
            try:
                new = codec.parse(raw)
            except InvalidValue as error:
                text = _held_as_text(raw, codec, column_kind(schema.column(name).base_type).kind)
                if text is None:
                    result.refused.append(RefusedLine(line, raw, f"{name}: {error.message}"))
                    return
                cells.append(ImportedCell(line, key, name, raw, text, as_text=True))  # as an export writes it
                continue
        cells.append(ImportedCell(line, key, name, raw, new))
    texts = [value_text(codecs[cell.column], cell.new) for cell in cells]
    for cell, text in zip(cells, texts):
        earlier = given.get(cell.cell)
        if earlier is not None and earlier[1] != text:
            shown = "NULL" if cell.raw is None else cell.raw
            before = "NULL" if earlier[1] is None else earlier[1]
            keys_shown = ", ".join(f"{n} = {f}" for n, f in zip(schema.key, (fields[p] for p in keys)))
            result.refused.append(
                RefusedLine(
                    line, shown, f"{keys_shown} is given {cell.column} = {shown} here but {before} on line {earlier[0]}."
                )
            )
            return
    for cell, text in zip(cells, texts):
        if cell.cell in given:
            result.repeated += 1  # the same value again
        else:
            given[cell.cell] = (line, text)
            result.cells.append(cell)


def seen_values(
    cells: Sequence[ImportedCell],
    schema: TableSchema,
    loaded: LoadedRows | PagedColumns | LoadedColumns | None,
    current: Mapping[CellId, Sequence[object]],
    token: CancelToken | None = None,
) -> dict[CellId, tuple[object, ...]]:
    """What the user is taken to have seen of each imported cell: the loaded rows'
    values when rows with its key are loaded (as for a typed edit, an infinite
    date as the word), else the database's ``current`` values (every row with
    the key; ``()`` for none).

    ``loaded`` may be the table model's pages taken on the GUI thread
    (:class:`~gui.data.planning.LoadedRows`), read here on a worker: the loaded
    rows' keys are read from the arrays a page at a time."""
    rows = loaded if isinstance(loaded, LoadedRows) else LoadedRows.of(loaded)
    names = rows.pages[0].names if rows.pages else ()
    found: dict[Key, list[int]] = {}
    if len(rows) and all(k in names for k in schema.key):
        key_index = [names.index(k) for k in schema.key]
        found = rows.rows_by_key(key_index, {c.key for c in cells}, token)
    # each column's values of the rows found, read once
    values: dict[str, dict[int, object]] = {}
    for name in {c.column for c in cells if c.key in found}:
        every = np.unique(np.array([r for c in cells if c.column == name for r in found.get(c.key, ())], dtype=np.int64))
        values[name] = dict(zip(every.tolist(), rows.values(names.index(name), every)))
    seen: dict[CellId, tuple[object, ...]] = {}
    for cell in cells:
        at = found.get(cell.key)
        if at:
            column = values[cell.column]
            seen[cell.cell] = tuple(column[r] for r in at)
        else:
            seen[cell.cell] = tuple(current.get(cell.cell, ()))
    return seen


# -- the plan of an import ---------------------------------------------------------------

NEW, REPLACES, REVERTS, UNCHANGED, NO_ROW = "new", "replaces", "reverts", "unchanged", "no row"


@dataclass(frozen=True)
class ImportEntry:
    cell: ImportedCell
    seen: tuple[object, ...]  # the values it was checked against (see seen_values)
    status: str  # NEW, REPLACES (a pending change), REVERTS (a pending change: the file has the database's value), UNCHANGED, NO_ROW
    pending: CellChange | None = None  # the cell's pending change when the file was planned


@dataclass
class ImportPlan:
    """What applying a changes file does to the pending set: ``updates`` (only
    those that change it, for one undo step; prepared against the pending set it
    was planned with) and one entry per imported cell."""

    updates: Mapping[CellId, CellChange | None] = field(default_factory=dict)
    entries: list[ImportEntry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # entries by status
    missing_lines: int = 0  # lines naming a key no row has

    def count(self, *statuses: str) -> int:
        return sum(self.counts.get(status, 0) for status in statuses)


def plan_import(
    edits: CellEdits,
    imported: ImportedCells,
    seen: Mapping[CellId, Sequence[object]],
    pending: Mapping[CellId, CellChange] | None = None,
    state: object = None,
) -> ImportPlan:
    """The pending-set update of ``imported`` (all its cells through one
    :meth:`CellEdits.plan_many`); a cell whose key no row has is left out
    (``NO_ROW``).  Raises :class:`InvalidValue` as ``plan_many`` does.

    ``pending`` and ``state`` are a copy of the pending set and its state taken
    for a worker thread (``CellEdits.snapshot``/``state``); the set itself by
    default.  The updates are prepared against it (``CellEdits.prepare``)."""
    if pending is None:
        pending, state = edits.view(), edits.state
    plan = ImportPlan()
    items, planned = [], []
    reverted: list[CellId] = []  # cells given their own value as text over a pending change
    kinds = {c.name: column_kind(c.base_type).kind for c in edits.schema.columns}
    for cell in imported.cells:
        values = tuple(seen.get(cell.cell, ()))
        if not values:
            plan.entries.append(ImportEntry(cell, values, NO_ROW, pending.get(cell.cell)))
            continue
        if cell.as_text:
            # a date no codec parses, as an export wrote it: the cell's own value (the
            # database's), so a pending change of the cell is dropped, as for any
            # value; the editor sets no cell to such a date (typing it is refused too)
            if any(value != cell.new for value in values):  # every row with the key holds it
                # what the cell holds, where it is such a date too (the same instant
                # spelled otherwise reads as a change): said, so the file can be mended
                holds = next((v for v in values if isinstance(v, str) and v != cell.new), None)
                holding = f"the cell holds {holds}, and " if holds is not None else ""
                raise InvalidValue(
                    f"line {cell.line}: {cell.column}: {holding}the editor sets no cell to {cell.new} "
                    "(a file may give it only where the cell holds it already, written as an export writes it)."
                )
            existing = pending.get(cell.cell)
            plan.entries.append(ImportEntry(cell, values, UNCHANGED if existing is None else REVERTS, existing))
            if existing is not None:
                reverted.append(cell.cell)
            continue
        held = next((v for v in values if isinstance(v, str) and _datetime_beyond(v) is not None), None)
        if held is not None and kinds.get(cell.column) in DATETIME_KINDS:
            # the cell holds what no date holds (infinity, a BC date): shown, not changed,
            # as typing and pasting refuse it
            raise InvalidValue(
                f"line {cell.line}: {cell.column}: the cell holds {held}, which the editor shows but cannot change."
            )
        items.append((cell.key, cell.column, cell.raw, values))
        planned.append((cell, values))
    with long_lived(len(items) >= LONG_LIVED):
        updates = edits.plan_many(items, pending)
        effective = {c: change for c, change in updates.items() if pending.get(c) != change}
        effective.update(dict.fromkeys(reverted))
        for cell, values in planned:
            existing, new = pending.get(cell.cell), updates.get(cell.cell)
            if new == existing:
                status = UNCHANGED
            elif existing is None:
                status = NEW
            else:
                status = REVERTS if new is None else REPLACES
            plan.entries.append(ImportEntry(cell, values, status, existing))
        plan.entries.sort(key=lambda e: e.cell.line)
        plan.updates = edits.prepare(effective, pending, state)
    for entry in plan.entries:
        plan.counts[entry.status] = plan.counts.get(entry.status, 0) + 1
    plan.missing_lines = len({e.cell.line for e in plan.entries if e.status == NO_ROW})
    return plan
