"""Planning a paste, a fill or an import of many cells, off the GUI thread (Qt-free).

What a paste of a column of 100,000 values means for the pending set used to be
worked out on the GUI thread, a cell at a time through the Qt model: its codec
parsed each value twice, ``why_cell_read_only`` ran twice, the key was built three
times and every value turned into text three times, and the window stood still
for 8.8 s (1,000,000 rows loaded, issue 12).  Here the same plan is made on a
worker from what the GUI thread hands over in a few milliseconds:

* the loaded pages (:class:`LoadedRows`): pages are never changed once they are
  appended and a reload makes new ones, so a worker may read a reference taken
  on the GUI thread;
* a copy of the pending set and its state (``CellEdits.snapshot``/``state``):
  the set itself is not thread-safe, and the window checks on return that it is
  still in that state (else it plans again);
* what the window is (its columns, whether it is read-only, whether more rows
  could be fetched).

And the per-cell work is cut down: whether a column may be edited is asked once
per column; keys and the values the user saw come from the pages' NumPy arrays a
column at a time (:meth:`LoadedRows.values`, :meth:`LoadedRows.keys`); each
distinct text is parsed once per column (a fill parses its one value once).  The
first refused cell is still the one the cell-by-cell walk met first, and its
message the same.

The result is prepared for one quick apply on the GUI thread
(``CellEdits.prepare``).  The plan's objects are long-lived (they become the
pending set), so the cyclic garbage collector is kept from walking them: a full
collection over 100,000 pending changes held the GIL, and with it the GUI thread,
for about 100 ms (:func:`long_lived`).

The tutorial's window (``x``/``y``, :class:`~gui.data.pending.PendingChanges`)
plans its paste and fill the same way from its two loaded arrays
(:func:`plan_key_paste`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .codecs import Codec
from .columns import DATETIME_KINDS, ColumnData, LoadedColumns, PagedColumns, beyond_mask
from .config import TableSpec
from .connection import CancelToken
from .edits import CellChange, CellEdits, CellId, Key, planned_change, value_text
from .prepared import Prepared
from .errors import InvalidValue, UserError
from .pending import PendingChange, PendingChanges, parse_value
from .schema import TableSchema
from .threads import long_lived, pace, paced, sharing_the_gil  # noqa: F401 - the planners' surroundings, used here and by callers
from .wording import plural, verb

Progress = Callable[[int, int], None]  # (steps done, steps in all)

EDIT_LIMIT = 100_000  # cells one paste or fill may change
PROGRESS_STEP = 5_000  # cells between two progress reports (and cancel checks)
PACE_STEP = 1_000  # cells between two pauses of a worker (gui.data.threads.pace): about a millisecond
# a plan of at most this many cells is made at once on the GUI thread (a few
# milliseconds); a bigger one on a worker, with progress and Cancel
INLINE_CELLS = 1_000
LONG_LIVED = 10_000  # cells from which a plan is kept out of the garbage collector's walks


class PlanRefused(UserError):
    """Why a paste, a fill or an import changes nothing.

    ``complete``: ``message`` is the whole sentence.  Otherwise it is the reason a
    cell was refused: ``row`` and ``column`` (the model's, when the action began)
    and ``key`` (its row's, ``None`` for a NULL one) name the cell, and
    ``other_row`` says, for two cells of one change (a chosen key matching
    several rows) given different values, which other row."""

    title = "Refused"

    def __init__(
        self,
        message: str,
        row: int | None = None,
        column: int | None = None,
        other_row: int | None = None,
        key: Key | None = None,
        complete: bool = False,
    ):
        super().__init__(message)
        self.row, self.column, self.other_row, self.key, self.complete = row, column, other_row, key, complete


@contextmanager
def off_the_gui_thread() -> Iterator[None]:
    """What a plan made on a worker runs in: its objects kept out of the garbage
    collector's walks (:func:`long_lived`: a full collection there held the GUI
    thread 100 ms), the GIL shared more often (:func:`sharing_the_gil`) and let go
    between steps (:func:`paced`)."""
    with long_lived(), sharing_the_gil(), paced():
        yield


def fields_in(text: str) -> int:
    """About how many fields tab-separated ``text`` holds (at least as many), counted
    in C: whether a paste is small enough to plan at once."""
    return text.count("\t") + text.count("\n") + text.count("\r") + 1


def _check(token: CancelToken | None) -> None:
    if token is not None:
        token.check()


# -- the loaded rows, as a worker reads them ------------------------------------------


def _beyond(data: ColumnData, idx: np.ndarray) -> np.ndarray:
    """True where a date or timestamp cell is no ``date`` or ``datetime``:
    ``infinity``, ``-infinity``, or outside years 1 to 9999 (:func:`beyond_mask`)."""
    if data.kind not in DATETIME_KINDS:
        return np.zeros(len(idx), dtype=bool)
    found = beyond_mask(data.kind, data.values[idx])
    mask = data.null_mask
    return found if mask is None else found & ~mask[idx]


def _cell_values(data: ColumnData, idx: np.ndarray, words: bool) -> list[object]:
    """The cells ``idx`` of one page's column as :meth:`ColumnData.value` gives them
    (``None`` for NULL), made from the arrays a column at a time where the kind
    allows.  A date or timestamp that no ``date`` or ``datetime`` holds is
    PostgreSQL's text of it (``"0045-03-15 BC"``), as the table model's ``value_at``
    gives it; an infinite one is ``"infinity"`` or ``"-infinity"`` with ``words``,
    else ``date.max`` / ``date.min`` (or ``datetime``'s) as :meth:`ColumnData.value`
    gives it."""
    kind = data.kind
    mask = data.null_mask
    nulls = np.zeros(len(idx), dtype=bool) if mask is None else mask[idx]
    beyond = _beyond(data, idx)
    out: list[object]
    if kind in ("int", "bool") or (kind == "float" and data.dtype == np.float64):
        out = data.values[idx].tolist()
    elif kind in ("text", "numeric"):
        offsets = data.offsets
        starts, ends = offsets[idx].tolist(), offsets[idx + 1].tolist()
        buffer = memoryview(data.data)
        if kind == "text":
            out = [str(buffer[a:b], "utf-8") for a, b in zip(starts, ends)]
        else:
            out = [None if n else Decimal(str(buffer[a:b], "ascii")) for a, b, n in zip(starts, ends, nulls.tolist())]
    elif kind in DATETIME_KINDS:
        values = data.values[idx]
        live = ~(nulls | beyond)
        safe = np.where(live, values, np.zeros(1, dtype=values.dtype))
        out = safe.astype(object).tolist()
        if kind == "timestamptz":
            utc = dt.timezone.utc
            out = [v.replace(tzinfo=utc) for v in out]
        for i in np.flatnonzero(beyond).tolist():
            j = int(idx[i])
            out[i] = data.value(j) if data.is_infinite(j) and not words else data.text(j)
    else:  # a real, whose value is its shortest decimal: cell by cell
        out = [data.value(i) for i in idx.tolist()]
    for i in np.flatnonzero(nulls).tolist():
        out[i] = None
    return out


class LoadedRows:
    """The loaded pages as they were when taken (a tuple of them: pages appended
    later are not seen), read a column at a time."""

    def __init__(self, pages: Sequence[LoadedColumns] = ()):
        self.pages = tuple(p for p in pages if len(p))
        starts = [0]
        for page in self.pages:
            starts.append(starts[-1] + len(page))
        self.starts = np.array(starts, dtype=np.int64)

    @classmethod
    def of(cls, loaded: PagedColumns | LoadedColumns | None) -> LoadedRows:
        if loaded is None:
            return cls()
        if isinstance(loaded, LoadedColumns):
            return cls([loaded])
        return cls(list(loaded.pages))

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _pieces(self, rows: np.ndarray) -> Iterator[tuple[LoadedColumns, np.ndarray, np.ndarray]]:
        """For each page holding some of ``rows``: the page, the rows' indexes in it
        and their positions in ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError(f"rows outside 0 to {len(self) - 1}")
        page = np.searchsorted(self.starts, rows, "right") - 1
        order = np.argsort(page, kind="stable")
        bounds = np.searchsorted(page[order], np.arange(len(self.pages) + 1))
        for k in range(len(self.pages)):
            at = order[bounds[k] : bounds[k + 1]]
            if len(at):
                yield self.pages[k], rows[at] - self.starts[k], at

    def values(self, column: int, rows: np.ndarray, words: bool = True) -> list[object]:
        """The loaded values of ``rows`` in ``column``, as the table model's
        ``value_at`` gives them (``words``: infinity as a word)."""
        out: list[object] = [None] * len(rows)
        for page, idx, at in self._pieces(rows):
            for position, value in zip(at.tolist(), _cell_values(page.columns[column], idx, words)):
                out[position] = value
        return out

    def beyond(self, column: int, rows: np.ndarray) -> np.ndarray:
        """True where the cell is a date or timestamp that no ``date`` or
        ``datetime`` holds (infinite, or outside years 1 to 9999)."""
        out = np.zeros(len(rows), dtype=bool)
        for page, idx, at in self._pieces(rows):
            out[at] = _beyond(page.columns[column], idx)
        return out

    def keys(self, key_index: Sequence[int], rows: np.ndarray) -> list[Key | None]:
        """The key of each of ``rows`` as the table model's ``key_at`` gives it:
        ``None`` where a key column is NULL, infinite or outside years 1 to 9999."""
        if not key_index:
            return [None] * len(rows)
        out: list[Key | None] = [None] * len(rows)
        for page, idx, at in self._pieces(rows):
            parts = []
            bad = np.zeros(len(idx), dtype=bool)
            for i in key_index:
                data = page.columns[i]
                parts.append(_cell_values(data, idx, words=False))
                if data.null_mask is not None:
                    bad |= data.null_mask[idx]
                bad |= _beyond(data, idx)
            for position, key, invalid in zip(at.tolist(), zip(*parts), bad.tolist()):
                if not invalid:
                    out[position] = key
        return out

    def rows_by_key(self, key_index: Sequence[int], wanted: set[Key], token: CancelToken | None = None) -> dict[Key, list[int]]:
        """Every loaded row whose key is one of ``wanted`` (a chosen key may match
        several rows), walked a page at a time."""
        found: dict[Key, list[int]] = {}
        for k, page in enumerate(self.pages):
            _check(token)
            start = int(self.starts[k])
            for row, key in enumerate(self.keys(key_index, np.arange(start, start + len(page))), start=start):
                if key is not None and key in wanted:
                    found.setdefault(key, []).append(row)
        return found


# -- the window for any table ------------------------------------------------------------


@dataclass(frozen=True)
class CellTable:
    """What planning needs of the window for any table, taken on the GUI thread."""

    schema: TableSchema
    codecs: Mapping[str, Codec]
    names: tuple[str, ...]  # the model's columns, in its order
    loaded: LoadedRows
    read_only_reason: str | None = None  # the model's reason while it is read-only
    more_rows: bool = False  # the model could fetch more rows

    @property
    def key_index(self) -> tuple[int, ...]:
        """The key columns' positions among :attr:`names`; ``()`` when the role
        cannot read one of them (as the table model has it)."""
        index = tuple(self.names.index(k) for k in self.schema.key if k in self.names)
        return index if len(index) == len(self.schema.key) else ()

    def why_column_read_only(self, name: str) -> str | None:
        """As the table model says it (``TableModel.why_column_read_only``)."""
        return self.schema.why_column_read_only(name) or self.codecs[name].read_only_reason


@dataclass
class Block:
    """Cells of one column to set: ``rows`` (ascending) each to its ``raws`` item
    (text as typed, ``None``: NULL), or all to ``raw`` when ``raws`` is ``None``.
    ``positions`` order the cells of every block as the user's action meets them,
    so the refused cell named is the first one met."""

    column: int
    rows: np.ndarray
    raws: Sequence[str | None] | None
    positions: np.ndarray
    raw: str | None = None

    def raw_at(self, i: int) -> str | None:
        return self.raw if self.raws is None else self.raws[i]


def block_rows(ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """The rows of ``(top, bottom)`` ranges, ascending, each once."""
    if not ranges:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate([np.arange(top, bottom + 1, dtype=np.int64) for top, bottom in ranges]))


def paste_blocks(table: CellTable, grid: Sequence[Sequence[str | None]], row: int, column: int, nulls_marked: bool) -> list[Block]:
    """The blocks of ``grid`` (rows of fields) pasted with its first field at (``row``,
    ``column``): with ``nulls_marked`` a ``None`` field is NULL, else an empty
    field is read by :func:`gui.data.table_csv.pasted_raw`.  Raises
    :class:`PlanRefused` when the grid is empty or does not fit."""
    from .table_csv import pasted_raw  # table_csv plans imports with this module

    if not grid or not any(grid):
        raise PlanRefused("Paste: the clipboard holds no values.", complete=True)
    height, width = len(grid), max(len(fields) for fields in grid)
    columns, rows = len(table.names), len(table.loaded)
    if height * width > EDIT_LIMIT:
        raise PlanRefused(f"{height * width:,} values; a paste takes at most {EDIT_LIMIT:,}.")
    if column + width > columns:
        raise PlanRefused(
            f"the clipboard holds {plural(width, 'column')} but there "
            f"{verb(columns - column, 'is', 'are')} {plural(columns - column, 'column')} "
            f"from {table.names[column]} on."
        )
    if row + height > rows:
        more = " Scroll down to load more rows, then paste again." if table.more_rows else ""
        raise PlanRefused(
            f"the clipboard holds {plural(height, 'row')} but {plural(rows - row, 'row')} "
            f"{verb(rows - row, 'is', 'are')} loaded from row {row + 1} on.{more}"
        )
    blocks = []
    for j in range(width):
        codec = table.codecs[table.names[column + j]]
        at, raws = [], []
        for start in range(0, len(grid), PACE_STEP):  # paced: a worker's paste lets a repaint take the GIL
            part = [i for i in range(start, min(start + PACE_STEP, len(grid))) if j < len(grid[i])]
            at += part
            if nulls_marked:
                raws += [grid[i][j] for i in part]
            else:
                raws += [pasted_raw(grid[i][j] or "", codec) for i in part]
            pace()
        offsets = np.array(at, dtype=np.int64)
        blocks.append(Block(column + j, row + offsets, raws, offsets * width + j))
    return blocks


def fill_blocks(table: CellTable, ranges: Sequence[tuple[int, int, int, int]], field: str | None, nulls_marked: bool) -> list[Block]:
    """The blocks of one pasted ``field`` set into every cell of the selection
    ``ranges`` ((top, left, bottom, right), as a spreadsheet fills a selection
    with one value), read as :func:`paste_blocks` reads a field."""
    from .table_csv import pasted_raw

    width = len(table.names)
    blocks = []
    for col in sorted({c for _top, left, _bottom, right in ranges for c in range(left, right + 1)}):
        rows = block_rows([(top, bottom) for top, left, bottom, right in ranges if left <= col <= right])
        raw = field if nulls_marked else pasted_raw(field or "", table.codecs[table.names[col]])
        blocks.append(Block(col, rows, None, rows * width + col, raw=raw))
    count = sum(len(b.rows) for b in blocks)
    if count > EDIT_LIMIT:
        raise PlanRefused(f"{count:,} cells are selected; a paste takes at most {EDIT_LIMIT:,}.")
    return blocks


def unusable_key_reason(key: Sequence[str], held: str | None = None) -> str:
    """Why a row cannot be edited: a NULL in its ``key`` columns, or (``held``) a
    key value no ``date`` or ``datetime`` holds, as PostgreSQL prints it.  The
    window's tooltip and a refused paste say it alike."""
    names = ", ".join(key)
    if held is not None:
        return f"This row's {names} holds {held}, which the editor cannot use to single the row out: it is shown, but cannot be edited here."
    return f"This row's {names} is NULL, so no UPDATE can single it out: it is shown, but cannot be edited here."


def unshown_value_reason(held: str) -> str:
    """Why a cell holding ``held`` (a date no ``date`` holds, as PostgreSQL prints it) is not edited."""
    return f"The cell holds {held}, which the editor shows but cannot edit here."


def _describe_unusable_key(table: CellTable, loaded: LoadedRows, row: int) -> str:
    rows = np.array([row], dtype=np.int64)
    held = next((loaded.values(i, rows)[0] for i in table.key_index if loaded.beyond(i, rows)[0]), None)
    return unusable_key_reason(table.schema.key, held)


@dataclass
class _Cell:
    key: Key
    row: int
    new: object
    text: str | None


def plan_cells(
    table: CellTable,
    blocks: Sequence[Block],
    pending: Mapping[CellId, CellChange],
    token: CancelToken | None = None,
    progress: Progress | None = None,
) -> dict[CellId, CellChange | None]:
    """What setting every cell of ``blocks`` as typed means for the pending set
    ``pending``: only the updates that change it.  Raises :class:`PlanRefused`
    for the first cell (by ``positions``) that cannot take its value, as the
    table model would refuse it typed: a read-only connection, relation or
    column, a row whose key is NULL or infinite, a cell holding infinity, NULL
    for a NOT NULL column, a value its codec refuses, or two cells of one change
    given different values."""
    schema, codecs, loaded = table.schema, table.codecs, table.loaded
    blocks = [b for b in blocks if len(b.rows)]
    if not blocks:
        return {}
    first = min(blocks, key=lambda b: int(b.positions[0]))
    whole = table.read_only_reason or schema.why_not_editable()
    if whole is None and not table.key_index:
        whole = "Your role may not read the columns that identify a row."
    if whole:
        raise PlanRefused(whole, int(first.rows[0]), first.column, key=loaded.keys(table.key_index, first.rows[:1])[0])
    total = sum(len(b.rows) for b in blocks)
    done = 0
    failures: list[tuple[int, PlanRefused]] = []
    planned: list[tuple[Block, str, Codec, list[_Cell]]] = []
    for block in sorted(blocks, key=lambda b: int(b.positions[0])):
        if failures and min(f[0] for f in failures) < int(block.positions[0]):
            break  # a cell met before any of these is refused already
        name = table.names[block.column]
        codec = codecs[name]
        reason = table.why_column_read_only(name)
        if reason is not None:
            key = loaded.keys(table.key_index, block.rows[:1])[0]
            failures.append((int(block.positions[0]), PlanRefused(reason, int(block.rows[0]), block.column, key=key)))
            continue
        _check(token)
        rows = block.rows
        keys = loaded.keys(table.key_index, rows)
        blocked = loaded.beyond(block.column, rows)
        stop = len(rows)
        stop_reason: PlanRefused | None = None
        invalid = next((i for i, key in enumerate(keys) if key is None), None)
        if invalid is not None:
            stop, stop_reason = invalid, PlanRefused(_describe_unusable_key(table, loaded, int(rows[invalid])), int(rows[invalid]), block.column)
        held = np.flatnonzero(blocked[:stop])
        if len(held):
            i = int(held[0])
            value = loaded.values(block.column, rows[i : i + 1])[0]
            why = unshown_value_reason(value)
            stop, stop_reason = i, PlanRefused(why, int(rows[i]), block.column, key=keys[i])
        not_null = not codec.nullable or not schema.column(name).nullable
        parsed: dict[str | None, tuple[object, str | None] | str] = {}
        given: dict[Key, tuple[int, str | None]] = {}
        cells: list[_Cell] = []
        for i in range(stop):
            if i % PACE_STEP == 0 and i:
                pace()  # the GUI thread takes the GIL between steps
                if i % PROGRESS_STEP == 0:
                    _check(token)
                    if progress is not None:
                        progress(done + i, 2 * total)  # checking is the first half of the work
            raw = block.raw_at(i)
            found = parsed.get(raw)
            if found is None:
                if raw is None:
                    found = "NULL, and the column is NOT NULL." if not_null else (None, None)
                else:
                    try:
                        new = codec.parse(raw)
                        found = (new, value_text(codec, new))
                    except InvalidValue as error:
                        found = error.message
                parsed[raw] = found
            row = int(rows[i])
            if isinstance(found, str):
                stop, stop_reason = i, PlanRefused(found, row, block.column, key=keys[i])
                break
            key = keys[i]
            earlier = given.get(key)  # type: ignore[arg-type]
            if earlier is not None:
                if earlier[1] != found[1]:
                    # a chosen key may match several loaded rows: they change together
                    stop, stop_reason = i, PlanRefused("", row, block.column, other_row=earlier[0], key=key)
                    break
                continue
            given[key] = (row, found[1])  # type: ignore[index]
            cells.append(_Cell(key, row, found[0], found[1]))  # type: ignore[arg-type]
        done += len(rows)
        if stop_reason is not None:
            failures.append((int(block.positions[stop]), stop_reason))
        elif not failures:
            planned.append((block, name, codec, cells))
    if failures:
        raise min(failures, key=lambda f: f[0])[1]
    return _changes_of(table, planned, pending, token, progress, total)


def _changes_of(
    table: CellTable,
    planned: Sequence[tuple[Block, str, Codec, list[_Cell]]],
    pending: Mapping[CellId, CellChange],
    token: CancelToken | None,
    progress: Progress | None,
    total: int,
) -> dict[CellId, CellChange | None]:
    """The pending-set updates of checked cells: what each row was seen holding
    (every loaded row with its key, for a chosen key), then the one rule of
    :func:`gui.data.edits.planned_change`."""
    loaded = table.loaded
    unique = table.schema.unique_key
    rows_by_key: dict[Key, list[int]] = {}
    if not unique:
        wanted = {cell.key for _b, _n, _c, cells in planned for cell in cells}
        rows_by_key = loaded.rows_by_key(table.key_index, wanted, token)
    updates: dict[CellId, CellChange | None] = {}
    done = 0
    for block, name, codec, cells in planned:
        _check(token)
        if unique:
            values = loaded.values(block.column, np.array([c.row for c in cells], dtype=np.int64))
            seen_of: list[Sequence[object]] = [(v,) for v in values]
        else:
            rows_of = [rows_by_key.get(c.key, [c.row]) for c in cells]
            every = np.unique(np.array([r for rows in rows_of for r in rows], dtype=np.int64))
            value_of = dict(zip(every.tolist(), loaded.values(block.column, every)))
            seen_of = [[value_of[r] for r in rows] for rows in rows_of]
        for i, (cell, seen) in enumerate(zip(cells, seen_of)):
            if i % PACE_STEP == 0 and i:
                pace()  # the GUI thread takes the GIL between steps
                if i % PROGRESS_STEP == 0:
                    _check(token)
                    if progress is not None:
                        progress(total + done + i, 2 * total)
            existing = pending.get((cell.key, name))
            change = planned_change(codec, cell.key, name, cell.new, cell.text, seen, existing)
            if change is None:
                if existing is not None:
                    updates[(cell.key, name)] = None
            elif existing is None or change != existing:
                updates[(cell.key, name)] = change
        done += len(cells)
    if progress is not None:
        progress(2 * total, 2 * total)
    return updates


def plan_prepared(
    edits: CellEdits,
    table: CellTable,
    blocks: Sequence[Block],
    pending: Mapping[CellId, CellChange],
    state: object,
    token: CancelToken | None = None,
    progress: Progress | None = None,
) -> Prepared:
    """:func:`plan_cells`, prepared for one quick apply to ``edits`` in ``state``
    (``CellEdits.prepare``); a plan of many cells is kept out of the garbage
    collector's walks (:func:`long_lived`)."""
    cells = sum(len(b.rows) for b in blocks)
    with long_lived(cells >= LONG_LIVED):
        return edits.prepare(plan_cells(table, blocks, pending, token, progress), pending, state)


# -- the tutorial's window (x, y) ------------------------------------------------------------


@dataclass(frozen=True)
class KeyRows:
    """What planning needs of the tutorial's window, taken on the GUI thread: the
    loaded keys and values (views that later pages do not change), whether more
    rows follow, and the threshold they were loaded with."""

    spec: TableSpec
    xs: np.ndarray
    ys: np.ndarray
    more_rows: bool
    threshold: int | None

    def seen(self, keys: Sequence[int]) -> tuple[list[list[int]], list[bool]]:
        """For each key, its loaded values, and whether its run of rows reaches the
        end of the loaded rows while more may follow (``RowsModel.run_continues``)."""
        wanted = np.asarray(keys, dtype=self.xs.dtype if len(self.xs) else np.int64)
        firsts = np.searchsorted(self.xs, wanted, "left").tolist()
        ends = np.searchsorted(self.xs, wanted, "right").tolist()
        n = len(self.xs)
        return [self.ys[a:b].tolist() for a, b in zip(firsts, ends)], [b == n and self.more_rows for b in ends]


def _key_updates(
    rows: KeyRows, planned: Sequence[tuple[int, int]], pending: Mapping[int, PendingChange], token: CancelToken | None
) -> dict[int, PendingChange | None]:
    """``planned`` (key, value) through ``PendingChanges.plan_many`` against a copy
    of ``pending``; only the updates that change it."""
    values, partial = rows.seen([key for key, _value in planned])
    _check(token)
    with long_lived(len(planned) >= LONG_LIVED):
        against = PendingChanges(rows.spec)
        against.apply({key: pending[key] for key, _value in planned if key in pending})
        edits = [(key, value, seen, rows.threshold, part) for (key, value), seen, part in zip(planned, values, partial)]
        updates = against.plan_many(edits)
        return {key: change for key, change in updates.items() if pending.get(key) != change}


def _key_lines(spec: TableSpec, text: str) -> list[tuple[int, str]]:
    """The pasted lines with their numbers: trailing blank lines and our own Copy's
    header line dropped."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    numbered = list(enumerate(lines, start=1))
    if numbered and numbered[0][1].strip().lower() in (spec.value.lower(), f"{spec.key}\t{spec.value}".lower()):
        numbered = numbered[1:]  # our own Copy's header line
    return numbered


def plan_key_paste(
    rows: KeyRows,
    text: str,
    first_row: int,
    pending: Mapping[int, PendingChange],
    token: CancelToken | None = None,
    progress: Progress | None = None,
    selected: Sequence[int] = (),
) -> tuple[dict[int, PendingChange | None], int, bool]:
    """A column of values pasted into ``y`` from ``first_row`` on: the updates that
    change ``pending``, how many values were pasted, and whether one value
    filled the ``selected`` rows (one value pasted into a selection of several
    rows sets each of them, as a spreadsheet fills a selection).  Raises
    :class:`PlanRefused` (a whole sentence) for the first line refused."""
    spec = rows.spec
    numbered = _key_lines(spec, text)
    if not numbered:
        raise PlanRefused("Paste: the clipboard holds no values.", complete=True)
    refused = "Paste refused, nothing was changed: "
    if len(numbered) == 1 and len(selected) > 1 and "\t" not in numbered[0][1].rstrip():
        line, typed = numbered[0]
        try:
            value = parse_value(typed, spec)
        except InvalidValue as error:
            raise PlanRefused(refused + f"line {line} ('{typed}'): {error.message}", complete=True) from None
        keys = np.unique(rows.xs[np.asarray(selected, dtype=np.int64)]).tolist()
        try:
            return _key_updates(rows, [(key, value) for key in keys], pending, token), 1, True
        except InvalidValue as error:
            raise PlanRefused(refused + error.message, complete=True) from None
    loaded = len(rows.xs)
    keys = rows.xs[first_row : first_row + len(numbered)].tolist()
    parsed: dict[str, int | str] = {}
    given: dict[int, tuple[int, int]] = {}
    planned: list[tuple[int, int]] = []
    for offset, (line, raw) in enumerate(numbered):
        if offset % PACE_STEP == 0 and offset:
            pace()  # the GUI thread takes the GIL between steps
            if offset % PROGRESS_STEP == 0:
                _check(token)
                if progress is not None:
                    progress(offset, 2 * len(numbered))
        cells = raw.split("\t")
        while len(cells) > 1 and not cells[-1].strip():
            cells.pop()  # spreadsheets end some lines with empty cells
        if len(cells) > 1:
            raise PlanRefused(refused + f"line {line} ('{raw}') holds {len(cells)} values; paste one column of {spec.value} values.", complete=True)
        typed = cells[0]
        value = parsed.get(typed)
        if value is None:
            try:
                value = parse_value(typed, spec)
            except InvalidValue as error:
                value = error.message
            parsed[typed] = value
        if isinstance(value, str):
            raise PlanRefused(refused + f"line {line} ('{typed}'): {value}", complete=True)
        if first_row + offset >= loaded:
            more = " Scroll down to load more rows, then paste again." if rows.more_rows else ""
            raise PlanRefused(
                refused
                + f"the paste has {plural(len(numbered), 'value')} but only {plural(loaded - first_row, 'row')} "
                f"from the selected one on.{more}",
                complete=True,
            )
        key = keys[offset]
        earlier = given.get(key)
        if earlier is not None:
            if earlier[1] != value:
                raise PlanRefused(
                    refused
                    + f"line {line} ('{typed}') is for a row with {spec.key} = {key}, which line {earlier[0]} "
                    f"already sets to {earlier[1]}; every row with one {spec.key} takes one {spec.value}.",
                    complete=True,
                )
            continue
        given[key] = (line, value)
        planned.append((key, value))
    if progress is not None:
        progress(len(numbered), 2 * len(numbered))
    try:
        updates = _key_updates(rows, planned, pending, token)
    except InvalidValue as error:
        raise PlanRefused(refused + error.message, complete=True) from None
    if progress is not None:
        progress(2 * len(numbered), 2 * len(numbered))
    return updates, len(numbered), False
