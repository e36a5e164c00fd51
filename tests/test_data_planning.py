"""Planning many cells at once (:mod:`gui.data.planning`) and applying them in one go
(``CellEdits.prepare``/``apply``), without a database or Qt.

The bulk planner is checked against the plain cell-by-cell walk the window used to
make on the GUI thread (written out here from the table model's rules): for any
loaded pages, keys (NULL, infinite, repeated under a chosen key), values typed
(refused ones too) and pending set, both give the same updates, or refuse the
same first cell with the same words.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys
import threading
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.data.columns import ColumnData, LoadedColumns, PagedColumns
from gui.data.config import DEFAULT_SPEC
from gui.data.connection import CancelToken
from gui.data.csvio import NEW, NO_ROW, REPLACES, REVERTS, UNCHANGED, ImportedChanges, plan_key_import
from gui.data.edits import CellChange, CellEdits, column_codecs
from gui.data.prepared import Prepared
from gui.data.errors import Cancelled, InvalidValue
from gui.data.pending import PendingChange, PendingChanges
from gui.data.planning import (
    Block,
    CellTable,
    KeyRows,
    LoadedRows,
    PlanRefused,
    block_rows,
    fill_blocks,
    long_lived,
    pace,
    paced,
    paste_blocks,
    plan_cells,
    plan_key_paste,
    sharing_the_gil,
)
from gui.data.schema import Column, TableSchema
from gui.data.table_csv import pasted_raw

UTC = dt.timezone.utc
INF, NEG_INF = "infinity", "-infinity"

COLUMNS = (
    Column("id", "bigint", "bigint"),
    Column("credit", "numeric(6,2)", "numeric(6,2)"),
    Column("name", "text", "text", nullable=False),
    Column("due", "date", "date"),
    Column("total", "integer", "integer", generated=True),
)
NAMES = tuple(c.name for c in COLUMNS)
UNIQUE = TableSchema("public", "t", "table", COLUMNS, key=("id",), key_source="primary key")
CHOSEN = TableSchema("public", "t", "table", COLUMNS, key=("id",), key_source="chosen")
KINDS = {"id": "int", "credit": "numeric", "name": "text", "due": "date", "total": "int"}

# mostly values a cell takes, now and then one it refuses (sampled with repeats as weights)
ID = st.sampled_from([1, 2, 3, 4, 1, 2, 3, 4, None])  # a chosen key: NULL, and several rows a key
CREDIT = st.sampled_from([None, Decimal("1.50"), Decimal("2.00"), Decimal("-3.25")])
NAME = st.sampled_from(["", "a", "b"])
DUE = st.sampled_from([None, dt.date(2024, 1, 1), dt.date(1999, 12, 31), dt.date(2024, 1, 1), dt.date(1999, 12, 31), INF, NEG_INF])
RAW = {
    "credit": st.sampled_from([None, "1.5", "1.50", "2", "2.00", "-3.25", "1.5", "2", "x", "1.234", ""]),
    "name": st.sampled_from([None, "a", "b", "", "c", "a", "b", "c"]),
    "due": st.sampled_from([None, "2024-01-01", "1999-12-31", "2024-01-01", "1999-12-31", "2024-02-30", "infinity"]),
    "total": st.sampled_from(["1"]),
    "id": st.sampled_from(["9"]),
}


def pages_of(rows: list[tuple], cuts: list[int]) -> PagedColumns:
    paged = PagedColumns(NAMES)
    bounds = sorted({0, len(rows), *[c for c in cuts if 0 < c < len(rows)]})
    for a, b in zip(bounds, bounds[1:]):
        part = rows[a:b]
        paged.append(LoadedColumns(NAMES, [ColumnData.from_values(KINDS[n], [r[i] for r in part]) for i, n in enumerate(NAMES)]))
    return paged


@st.composite
def loaded_rows(draw, unique: bool):
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n, unique=True)) if unique else draw(st.lists(ID, min_size=n, max_size=n))
    rows = [(i, draw(CREDIT), draw(NAME), draw(DUE), 7) for i in ids]
    return rows, draw(st.lists(st.integers(1, 11), max_size=3))


# -- the model's rules, a cell at a time (the reference) -----------------------------------------


# dates and timestamps no datetime holds, beside PostgreSQL's text of them (psql, DateStyle ISO, UTC)
BEYOND = {
    "date": [(np.datetime64("-0044-03-15", "D"), "0045-03-15 BC"), (np.datetime64("0000-12-31", "D"), "0001-12-31 BC"),
             (np.datetime64("10000-01-01", "D"), "10000-01-01")],
    "timestamp": [(np.datetime64("-4712-01-01T00:00:00.5", "us"), "4713-01-01 00:00:00.5 BC"),
                  (np.datetime64("10000-01-01T23:59:59.000001", "us"), "10000-01-01 23:59:59.000001")],
    "timestamptz": [(np.datetime64("0000-06-30T12:30:00", "us"), "0001-06-30 12:30:00+00 BC"),
                    (np.datetime64("12345-01-01T00:00:00", "us"), "12345-01-01 00:00:00+00")],
}  # fmt: skip
BEYOND_TEXT = {(kind, int(raw.view(np.int64))): text for kind, pairs in BEYOND.items() for raw, text in pairs}


def value_at(paged: PagedColumns, row: int, col: int) -> object:
    data, i = paged.locate(row, col)
    if data.is_infinite(i):
        return INF if int(data.values[i].view(np.int64)) > 0 else NEG_INF
    if data.kind in BEYOND and not data.is_null(i) and (data.kind, int(data.values[i].view(np.int64))) in BEYOND_TEXT:
        return BEYOND_TEXT[data.kind, int(data.values[i].view(np.int64))]
    return data.value(i)


def key_at(paged: PagedColumns, row: int) -> tuple | None:
    data, i = paged.locate(row, 0)
    return None if data.is_null(i) or isinstance(value_at(paged, row, 0), str) and data.kind in BEYOND else (data.value(i),)


def column_of(kind: str, values: list, dtype=None) -> ColumnData:
    """A column of ``values``, where a ``datetime64`` is a date or timestamp no datetime holds."""
    column = ColumnData.from_values(kind, [None if isinstance(v, np.datetime64) else v for v in values], dtype)
    beyond = [(i, v) for i, v in enumerate(values) if isinstance(v, np.datetime64)]
    if not beyond:
        return column
    raw = column.values.copy()
    mask = np.zeros(len(values), dtype=bool) if column.null_mask is None else column.null_mask.copy()
    for i, v in beyond:
        raw[i], mask[i] = v.astype(raw.dtype), False
    return ColumnData.from_arrays(kind, raw, mask)


def why_cell_read_only(table: CellTable, paged: PagedColumns, row: int, col: int) -> str | None:
    reason = table.schema.why_not_editable() or table.why_column_read_only(NAMES[col])
    if reason:
        return reason
    if key_at(paged, row) is None:
        return "This row's id is NULL, so no UPDATE can single it out: it is shown, but cannot be edited here."
    data, i = paged.locate(row, col)
    if data.is_infinite(i):
        return f"The cell holds {value_at(paged, row, col)}, which the editor shows but cannot edit here."
    return None


def walk(table: CellTable, paged: PagedColumns, items, pending) -> dict | tuple:
    """What the window did before: every (row, column, raw) in order, through
    ``CellEdits.plan_many``; a refusal as (row, column, words)."""
    edits = CellEdits(table.schema, table.codecs)
    given_, plan = {}, []
    for row, col, raw in items:
        name = NAMES[col]
        reason = why_cell_read_only(table, paged, row, col)
        if reason is not None:
            return (row, col, reason)
        codec = table.codecs[name]
        if raw is None:
            if not codec.nullable or not table.schema.column(name).nullable:
                return (row, col, "NULL, and the column is NOT NULL.")
            text = None
        else:
            try:
                text = codec.to_text(codec.parse(raw))
            except InvalidValue as error:
                return (row, col, error.message)
        key = key_at(paged, row)
        if (key, name) in given_:
            if given_[(key, name)][1] != text:
                return (row, col, f"and row {given_[(key, name)][0] + 1}")
            continue
        given_[(key, name)] = (row, text)
        rows = [row] if table.schema.unique_key else [r for r in range(len(paged)) if key_at(paged, r) == key]
        plan.append((key, name, raw, [value_at(paged, r, col) for r in rows]))
    updates = edits.plan_many(plan, pending)
    return {cell: change for cell, change in updates.items() if pending.get(cell) != change}


def planned(table: CellTable, blocks, pending) -> dict | tuple:
    try:
        return plan_cells(table, blocks, pending)
    except PlanRefused as error:
        if error.other_row is not None:
            return (error.row, error.column, f"and row {error.other_row + 1}")
        return (error.row, error.column, error.message)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), unique=st.booleans())
def test_the_bulk_plan_is_the_cell_by_cell_walk(data, unique) -> None:
    schema = UNIQUE if unique else CHOSEN
    rows, cuts = data.draw(loaded_rows(unique))
    paged = pages_of(rows, cuts)
    codecs = column_codecs(schema)
    table = CellTable(schema, codecs, NAMES, LoadedRows.of(paged))
    edits = CellEdits(schema, codecs)
    # something pending already, planned as a typed edit would be
    for row in data.draw(st.lists(st.integers(0, len(rows) - 1), max_size=3)):
        key = key_at(paged, row)
        if key is not None:
            try:
                edits.apply(edits.plan_edit(key, "credit", data.draw(st.sampled_from(["9", "1.5"])), [value_at(paged, row, 1)]))
            except InvalidValue:
                pass
    pending = edits.snapshot()
    # a paste: a grid at a cell, of the model's columns from there on
    top = data.draw(st.integers(0, len(rows) - 1))
    left = data.draw(st.sampled_from([1, 1, 1, 2, 2, 3, 0, 4]))  # mostly columns that can change
    width = data.draw(st.integers(1, len(NAMES) - left))
    height = data.draw(st.integers(1, len(rows) - top))
    grid = [[data.draw(RAW[NAMES[left + j]]) for j in range(width)] for _ in range(height)]
    blocks = paste_blocks(table, grid, top, left, nulls_marked=True)
    items = [(top + i, left + j, field) for i, fields in enumerate(grid) for j, field in enumerate(fields)]
    assert planned(table, blocks, pending) == walk(table, paged, items, pending)
    # the same cells as a spreadsheet's empty fields (NULL outside text columns)
    typed = [["" if f is None else f for f in fields] for fields in grid]
    blocks = paste_blocks(table, typed, top, left, nulls_marked=False)
    items = [(top + i, left + j, pasted_raw(f, codecs[NAMES[left + j]])) for i, fields in enumerate(typed) for j, f in enumerate(fields)]
    assert planned(table, blocks, pending) == walk(table, paged, items, pending)
    # one value into a selection: row by row, column by column
    raw = data.draw(RAW[NAMES[left]])
    blocks = fill_blocks(table, [(top, left, top + height - 1, left + width - 1)], raw, nulls_marked=True)
    items = [(r, c, raw) for r in range(top, top + height) for c in range(left, left + width)]
    assert planned(table, blocks, pending) == walk(table, paged, items, pending)


def test_a_paste_that_does_not_fit_says_so() -> None:
    paged = pages_of([(1, None, "a", None, 7), (2, None, "b", None, 7)], [])
    table = CellTable(UNIQUE, column_codecs(UNIQUE), NAMES, LoadedRows.of(paged), more_rows=True)
    with pytest.raises(PlanRefused, match="holds 3 rows but 1 row is loaded from row 2 on. Scroll down"):
        paste_blocks(table, [["1"], ["2"], ["3"]], 1, 1, False)
    with pytest.raises(PlanRefused, match="holds 2 columns but there is 1 column from total on"):
        paste_blocks(table, [["1", "2"]], 0, 4, False)
    with pytest.raises(PlanRefused) as caught:
        paste_blocks(table, [], 0, 0, False)
    assert caught.value.complete and caught.value.message == "Paste: the clipboard holds no values."
    read_only = CellTable(UNIQUE, column_codecs(UNIQUE), NAMES, LoadedRows.of(paged), read_only_reason="A commit is running.")
    with pytest.raises(PlanRefused, match="A commit is running") as caught:
        plan_cells(read_only, paste_blocks(read_only, [["1"]], 1, 1, False), {})
    assert (caught.value.row, caught.value.column) == (1, 1)


def test_a_cancelled_plan_stops_with_cancelled() -> None:
    rows = [(i, None, "a", None, 7) for i in range(1, 30_001)]
    table = CellTable(UNIQUE, column_codecs(UNIQUE), NAMES, LoadedRows.of(pages_of(rows, [10_000])))
    token = CancelToken()
    seen = []

    def progress(done, total):
        seen.append((done, total))
        token.cancel()

    with pytest.raises(Cancelled):
        plan_cells(table, [Block(1, np.arange(30_000), None, np.arange(30_000), raw="1")], {}, token, progress)
    assert seen and seen[0][1] == 60_000  # checking, then the changes: two steps a cell


# -- the loaded rows read a column at a time ------------------------------------------------------

VALUES = {
    "int": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    "float": st.one_of(st.none(), st.floats(allow_nan=False, width=32)),
    "bool": st.one_of(st.none(), st.booleans()),
    "text": st.one_of(st.none(), st.text(max_size=4)),
    "numeric": st.one_of(st.none(), st.sampled_from([Decimal("1.50"), Decimal("-0.001"), Decimal("NaN"), Decimal("12")])),
    "date": st.one_of(st.none(), st.dates(), st.sampled_from([INF, NEG_INF]), st.sampled_from([v for v, _ in BEYOND["date"]])),
    "timestamp": st.one_of(st.none(), st.datetimes(), st.sampled_from([INF, NEG_INF]), st.sampled_from([v for v, _ in BEYOND["timestamp"]])),
    "timestamptz": st.one_of(
        st.none(), st.datetimes(timezones=st.just(UTC)), st.sampled_from([INF]), st.sampled_from([v for v, _ in BEYOND["timestamptz"]])
    ),
}


@settings(max_examples=200, deadline=None)
@given(data=st.data(), kind=st.sampled_from(sorted(VALUES)))
def test_values_and_keys_read_in_bulk_are_the_cells_read_one_by_one(data, kind) -> None:
    values = data.draw(st.lists(VALUES[kind], min_size=1, max_size=20))
    dtype = np.float32 if kind == "float" and data.draw(st.booleans()) else None
    cuts = data.draw(st.lists(st.integers(1, len(values)), max_size=3))
    paged = PagedColumns(("c",))
    bounds = sorted({0, len(values), *cuts})
    for a, b in zip(bounds, bounds[1:]):
        paged.append(LoadedColumns(("c",), [column_of(kind, values[a:b], dtype)]))
    loaded = LoadedRows.of(paged)
    rows = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=25)), dtype=np.int64)
    # compared as repr: NaN is not equal to itself, and 1 == True
    assert list(map(repr, loaded.values(0, rows))) == [repr(value_at(paged, r, 0)) for r in rows.tolist()]
    assert list(map(repr, loaded.keys((0,), rows))) == [repr(key_at(paged, r)) for r in rows.tolist()]
    # the cells no datetime holds: the infinite ones and those outside years 1 to 9999
    expected = [kind in BEYOND and isinstance(value_at(paged, r, 0), str) for r in rows.tolist()]
    assert loaded.beyond(0, rows).tolist() == expected


def test_rows_by_key_finds_every_loaded_row_of_a_key_across_pages() -> None:
    paged = pages_of([(1, None, "a", None, 7), (2, None, "a", None, 7), (1, None, "a", None, 7), (None, None, "a", None, 7)], [1, 3])
    assert LoadedRows.of(paged).rows_by_key((0,), {(1,), (3,)}) == {(1,): [0, 2]}
    assert block_rows([(3, 5), (1, 3)]).tolist() == [1, 2, 3, 4, 5]


# -- applying in one go -----------------------------------------------------------------------------

CELLS = [((k,), c) for k in (1, 2, 3, 4) for c in ("credit", "name")]


def change(cell, n: int) -> CellChange:
    return CellChange(cell[0], cell[1], f"v{n}", ("seen",))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.dictionaries(st.sampled_from(CELLS), st.one_of(st.none(), st.integers(0, 2))), st.sampled_from(["plain", "prepared", "stale"])), max_size=10))
def test_prepared_updates_apply_undo_and_redo_as_plain_ones_do(steps) -> None:
    edits = CellEdits(UNIQUE, column_codecs(UNIQUE))
    heard: list[frozenset] = []
    edits.subscribe(heard.append)
    expected: dict = {}
    history = []
    old = (edits.snapshot(), edits.state)
    for spec, how in steps:
        updates = {cell: None if n is None else change(cell, n) for cell, n in spec.items()}
        before = dict(expected)
        if how == "prepared":
            updates = edits.prepare(updates, edits.snapshot(), edits.state)
        elif how == "stale":  # planned against an older state: applied as plain updates
            updates = edits.prepare(updates, *old)
        old = (edits.snapshot(), edits.state)
        heard.clear()
        undo = edits.apply(updates)
        for cell, new in updates.items():
            if new is None:
                expected.pop(cell, None)
            else:
                expected[cell] = new
        assert edits.snapshot() == expected
        assert set().union(*heard) == {c for c in set(before) | set(expected) if before.get(c) != expected.get(c)}
        history.append((undo, before, updates, dict(expected)))
    # undo everything, redo everything, undo again: each step restores its state exactly
    for undo, before, _updates, _after in reversed(history):
        redo = edits.apply(undo)
        assert edits.snapshot() == before
        history_redo = redo
    for i, (_undo, _before, updates, after) in enumerate(history):
        edits.apply(updates)
        assert edits.snapshot() == after
    if history:
        assert isinstance(history_redo, (dict, Prepared))


def test_a_prepared_paste_is_applied_by_the_dict_and_its_undo_clears_it() -> None:
    edits = CellEdits(UNIQUE, column_codecs(UNIQUE))
    edits.apply({((9,), "name"): change(((9,), "name"), 1)})
    big = {((k,), "credit"): change(((k,), "credit"), k) for k in range(1, 20_001)}
    prepared = edits.prepare(big, edits.snapshot(), edits.state)
    heard = []
    edits.subscribe(heard.append)
    undo = edits.apply(prepared)
    assert isinstance(undo, Prepared) and len(edits) == 20_001 and heard == [frozenset(big)]
    redo = edits.apply(undo)
    assert len(edits) == 1 and edits.get((9,), "name") is not None and redo is prepared
    edits.apply(prepared)
    edits.clear()
    assert len(edits) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.dictionaries(st.integers(1, 6), st.one_of(st.none(), st.integers(0, 2))), st.sampled_from(["plain", "prepared", "stale"])), max_size=8))
def test_the_tutorials_set_applies_prepared_updates_as_plain_ones(steps) -> None:
    """The tutorial's pending set (keyed by x) takes a paste prepared on a worker
    as it takes plain updates: the same content, listeners told the same keys (with
    what each now holds), and every undo and redo restoring its state exactly."""
    pending = PendingChanges(DEFAULT_SPEC)
    heard: list = []
    pending.subscribe(heard.append)
    expected: dict = {}
    history = []
    old = (pending.snapshot(), pending.state)
    for spec, how in steps:
        updates = {key: None if n is None else PendingChange(key, 10 + n, (1,)) for key, n in spec.items()}
        before = dict(expected)
        if how == "prepared":
            updates = pending.prepare(updates, pending.snapshot(), pending.state)
        elif how == "stale":
            updates = pending.prepare(updates, *old)
        old = (pending.snapshot(), pending.state)
        heard.clear()
        undo = pending.apply(updates)
        for key, new in updates.items():
            if new is None:
                expected.pop(key, None)
            else:
                expected[key] = new
        assert pending.snapshot() == expected
        assert set().union(*heard) == {k for k in set(before) | set(expected) if before.get(k) != expected.get(k)}
        for changed in heard:
            assert {**dict.fromkeys(changed.removed), **changed.to_set} == {k: expected.get(k) for k in changed}
        history.append((undo, before, updates, dict(expected)))
    for undo, before, _updates, _after in reversed(history):
        pending.apply(undo)
        assert pending.snapshot() == before
    for _undo, _before, updates, after in history:
        pending.apply(updates)
        assert pending.snapshot() == after


# -- the tutorial's table ------------------------------------------------------------------------------


def key_rows(more: bool = False) -> KeyRows:
    xs = np.array([1, 6, 6, 9, 9, 20], dtype=np.int32)
    ys = np.array([1, 8, 8, 10, 10, 20], dtype=np.int32)
    return KeyRows(DEFAULT_SPEC, xs, ys, more, 0)


def test_a_key_paste_fills_a_selection_and_refuses_the_first_bad_line() -> None:
    rows = key_rows(more=True)
    updates, count, filled = plan_key_paste(rows, "7\n", 0, {}, selected=[1, 2, 3])
    assert filled and count == 1 and {k: c.new for k, c in updates.items()} == {6: 7, 9: 7}
    updates, count, filled = plan_key_paste(rows, "y\n30\n31\n", 4, {})
    assert not filled and count == 2 and {k: c.new for k, c in updates.items()} == {9: 30, 20: 31}
    assert updates[20].seen_partial  # x = 20's rows run on past the loaded ones
    with pytest.raises(PlanRefused, match=r"line 2 \('x'\)") as caught:
        plan_key_paste(rows, "3\nx\n", 0, {})
    assert caught.value.complete
    with pytest.raises(PlanRefused, match="only 1 row from the selected one on. Scroll down"):
        plan_key_paste(rows, "3\n4\n", 5, {})
    # a pending change the paste leaves as it is is no update
    pending = PendingChanges(DEFAULT_SPEC)
    pending.apply(pending.plan_edit(6, "50", [8, 8], 0))
    updates, _count, _filled = plan_key_paste(rows, "50\n", 1, pending.snapshot())
    assert updates == {}


def test_a_key_import_says_which_pending_changes_it_replaces() -> None:
    pending = PendingChanges(DEFAULT_SPEC)
    pending.apply(pending.plan_edit(20, "30", [20, 20], 6))
    pending.apply(pending.plan_edit(9, "11", [10, 10], 6))
    pending.apply(pending.plan_edit(6, "16", [8, 8], 6))
    imported = ImportedChanges(values={20: 21, 9: 10, 6: 16, 1: 1, 2: 5, 555: 5}, lines={20: 2, 9: 3, 6: 4, 1: 5, 2: 6, 555: 7})
    current = {20: (20, 20), 9: (10, 10), 6: (8, 8), 1: (1,), 2: (4,)}
    plan = plan_key_import(DEFAULT_SPEC, imported, current, 6, pending.snapshot())
    assert [(e.key, e.status, e.pending) for e in plan.entries] == [
        (20, REPLACES, 30), (9, REVERTS, 11), (6, UNCHANGED, 16), (1, UNCHANGED, None), (2, NEW, None), (555, NO_ROW, None)
    ]  # fmt: skip
    assert (plan.changes, plan.rows, plan.unchanged, plan.missing, plan.replaced) == (4, 5, 2, 1, 2)
    assert plan.updates[9] is None and plan.updates[20].new == 21 and plan.updates[20].seen == (20, 20)
    assert set(plan.updates) == {20, 9, 2, 555}


# -- the worker's surroundings ----------------------------------------------------------------------------


def test_long_lived_and_sharing_the_gil_put_things_back_however_they_end() -> None:
    interval = sys.getswitchinterval()
    was = gc.isenabled()  # the app turns automatic collection off (gui.qt.app.GuiThreadCollector)
    gc.enable()
    try:
        with pytest.raises(RuntimeError), long_lived(), sharing_the_gil(0.001):
            assert not gc.isenabled() and sys.getswitchinterval() == pytest.approx(0.001)
            raise RuntimeError
        assert gc.isenabled() and sys.getswitchinterval() == interval
        with long_lived(many=False):
            assert gc.isenabled()
        gc.disable()
        with long_lived():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left off, as it was
    finally:
        gc.enable() if was else gc.disable()


def test_the_planning_module_imports_no_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.planning; "
        "del sys.modules['PySide6']; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_paced_worker_waits_while_the_gui_thread_goes_first(monkeypatch) -> None:
    from gui.data import threads

    started, passed = threading.Event(), threading.Event()

    def worker() -> None:
        with paced():
            started.set()
            pace()
            passed.set()

    with threads.gui_thread_first():
        with threads.gui_thread_first():  # re-entrant: the inner end lets no worker on
            thread = threading.Thread(target=worker)
            thread.start()
            assert started.wait(5)
        assert not passed.wait(0.05)
    assert passed.wait(5)  # on as soon as the GUI thread is done
    thread.join(5)

    with pytest.raises(RuntimeError), threads.gui_thread_first():
        raise RuntimeError
    assert threads._gui_free.is_set()  # noqa: SLF001 - however it ends

    monkeypatch.setattr(threads, "GUI_WAIT_LONGEST", 0.01)
    started.clear(), passed.clear()
    with threads.gui_thread_first():  # a GUI thread that takes long never stops a worker for good
        thread = threading.Thread(target=worker)
        thread.start()
        assert passed.wait(5)
    thread.join(5)
