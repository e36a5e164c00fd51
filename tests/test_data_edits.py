"""The pending-change set for any table (``CellEdits``): planning refuses what the
column cannot take, ``apply`` returns what undo needs, the journal form round-trips.

No database: the schemas are written out as ``read_schema`` would return them.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.data.codecs import EnumCodec, IntegerCodec
from gui.data.edits import CellChange, CellEdits, column_codecs, loaded_value, sorted_values, value_text
from gui.data.errors import InvalidValue
from gui.data.schema import Column, TableSchema

UTC = dt.timezone.utc

CUSTOMERS = TableSchema(
    "public", "customers", "table",
    (
        Column("id", "bigint", "bigint", nullable=False),
        Column("email", "text", "text"),
        Column("credit", "numeric(12,2)", "numeric(12,2)"),
        Column("active", "boolean", "boolean"),
        Column("updated_at", "timestamp with time zone", "timestamp with time zone"),
        Column("name", "character varying(4)", "character varying(4)", nullable=False),
        Column("total", "integer", "integer", generated=True),
        Column("opens", "time without time zone", "time without time zone"),
        Column("span", "interval", "interval"),
        Column("secret", "text", "text", may_update=False),
        Column("qty", "positive", "integer", nullable=False),
        Column("mood", "mood", "mood", enum_labels=("sad", "ok", "happy")),
        Column("ratio", "real", "real"),
    ),
    key=("id",), key_source="primary key",
)  # fmt: skip
# a time key: the loaded columns give its server text ('13:45:00'), the codec a datetime.time
SHIFTS = TableSchema(
    None, "shifts", "table",
    (Column("starts", "time without time zone", "time without time zone", nullable=False),
     Column("day", "date", "date", nullable=False), Column("who", "text", "text")),
    key=("starts", "day"), key_source="primary key",
)  # fmt: skip


def customers() -> CellEdits:
    return CellEdits(CUSTOMERS, column_codecs(CUSTOMERS))


# -- codecs per column -------------------------------------------------------------------


def test_column_codecs_follow_the_schema() -> None:
    codecs = column_codecs(CUSTOMERS, time_zone="Europe/Paris")
    assert isinstance(codecs["qty"], IntegerCodec) and not codecs["qty"].nullable  # a domain: its base type
    assert isinstance(codecs["mood"], EnumCodec) and codecs["mood"].labels == ("sad", "ok", "happy")
    assert codecs["updated_at"].time_zone == "Europe/Paris"
    assert not codecs["span"].editable
    assert column_codecs(SHIFTS, dialect="sqlite")["who"].dialect == "sqlite"


# -- planning ------------------------------------------------------------------------------


def test_plan_apply_and_undo() -> None:
    edits = customers()
    heard: list[frozenset] = []
    edits.subscribe(heard.append)
    plan = edits.plan_edit((1,), "credit", " 12.5 ", [Decimal("10.00")])
    assert plan == {((1,), "credit"): CellChange((1,), "credit", Decimal("12.50"), (Decimal("10.00"),))}
    assert len(edits) == 0  # planning changes nothing
    undo_first = edits.apply(plan)
    assert undo_first == {((1,), "credit"): None}
    assert heard == [frozenset({((1,), "credit")})]
    assert edits.get((1,), "credit").new == Decimal("12.50") and bool(edits) and ((1,), "credit") in edits

    undo_second = edits.apply(edits.plan_edit((1,), "credit", "13", [Decimal("99.00")]))
    change = edits.get((1,), "credit")
    assert change.new == Decimal("13.00") and change.seen == (Decimal("10.00"),)  # an edited cell keeps its seen
    edits.apply(undo_second)
    assert edits.get((1,), "credit").new == Decimal("12.50")
    edits.apply(undo_first)
    assert len(edits) == 0 and not edits
    assert len(heard) == 4

    edits.unsubscribe(heard.append)
    edits.apply(edits.plan_edit((2,), "email", "x", ["y"]))
    assert len(heard) == 4


def test_changes_come_in_key_order_then_column_order() -> None:
    edits = customers()
    for key, column in [((10,), "email"), ((2,), "qty"), ((2,), "email"), ((1,), "opens")]:
        edits.apply(edits.plan_edit(key, column, "1" if column == "qty" else "12:00" if column == "opens" else "a", [None]))
    assert [(c.key, c.column) for c in edits] == [((1,), "opens"), ((2,), "email"), ((2,), "qty"), ((10,), "email")]
    assert list(edits.snapshot()) == [c.cell for c in edits.snapshot().values()]


@pytest.mark.parametrize(
    ("column", "raw", "seen"),
    [
        ("credit", "10.0", [Decimal("10.00")]),  # the value it holds, typed another way
        ("email", None, [None]),  # NULL over NULL
        ("opens", "13:45", ["13:45:00"]),  # time is loaded as the server's text
        ("updated_at", "2024-01-01 11:00+01", [dt.datetime(2024, 1, 1, 10, tzinfo=UTC)]),
        ("email", "same", ["same", "same"]),  # every row with the key holds it
        ("ratio", "0.1", [0.1]),
    ],
)
def test_typing_what_every_row_holds_removes_the_change(column: str, raw: str | None, seen: list) -> None:
    edits = customers()
    assert edits.plan_edit((1,), column, raw, seen) == {((1,), column): None}
    edits.apply(edits.plan_edit((1,), column, None if raw is not None else "1", seen))  # edited, then typed back
    assert edits.get((1,), column) is not None
    edits.apply(edits.plan_edit((1,), column, raw, seen))
    assert edits.get((1,), column) is None


def test_rows_of_one_key_holding_different_values_keep_the_change() -> None:
    edits = customers()
    plan = edits.plan_edit((1,), "email", "a", ["b", "a", None])
    assert plan[((1,), "email")].seen == (None, "a", "b")


@pytest.mark.parametrize(
    ("column", "raw", "message"),
    [
        ("name", None, "name cannot be set to NULL: the column is NOT NULL."),
        ("qty", None, "qty cannot be set to NULL"),  # a NOT NULL domain
        ("name", "toolong", "'toolong' is 7 characters long: character varying(4) takes at most 4."),
        ("credit", "12.345", "has more digits than numeric(12,2) keeps"),
        ("active", "maybe", "is not a boolean"),
        ("mood", "angry", "is not a value of mood"),
        ("id", "5", "This column identifies the row: it cannot be changed here."),
        ("total", "5", "A generated column: the database computes its value."),
        ("secret", "x", "Your role has no UPDATE privilege on this column."),
        ("span", "1 day", "Intervals are shown as text and cannot be edited here."),
    ],
)
def test_refusals_say_why(column: str, raw: str | None, message: str) -> None:
    edits = customers()
    with pytest.raises(InvalidValue) as caught:
        edits.plan_edit((1,), column, raw, [None])
    assert message in caught.value.message
    assert len(edits) == 0


def test_a_null_key_or_no_key_is_refused() -> None:
    with pytest.raises(InvalidValue, match="key column id is NULL"):
        customers().plan_edit((None,), "email", "x", [])
    keyless = TableSchema(None, "t", "table", (Column("x", "integer", "integer"),))
    with pytest.raises(InvalidValue, match="No columns identify a row"):
        CellEdits(keyless, column_codecs(keyless)).plan_edit((), "x", "1", [])


def test_plan_many_names_the_refused_item_and_takes_the_last_of_a_cell() -> None:
    edits = customers()
    with pytest.raises(InvalidValue, match=r"^Item 2 \(credit, id = 7\): 'abc' is not a number"):
        edits.plan_many([((1,), "email", "a", ["x"]), ((7,), "credit", "abc", [None]), ((8,), "email", "c", ["x"])])
    plan = edits.plan_many([((1,), "email", "a", ["x"]), ((1,), "email", "b", ["ignored"]), ((2,), "email", "y", ["y"])])
    assert plan == {((1,), "email"): CellChange((1,), "email", "b", ("x",)), ((2,), "email"): None}
    assert len(edits) == 0


def test_clear_is_undone_by_what_it_returns() -> None:
    edits = customers()
    edits.apply(edits.plan_many([((1,), "email", "a", ["x"]), ((2,), "active", "yes", [False])]))
    before = edits.snapshot()
    heard: list[frozenset] = []
    edits.subscribe(heard.append)
    undo = edits.clear()
    assert len(edits) == 0 and heard == [frozenset(before)]
    edits.apply(undo)
    assert edits.snapshot() == before


# -- journal ---------------------------------------------------------------------------------


def test_journal_round_trip() -> None:
    edits = customers()
    edits.apply(
        edits.plan_many(
            [
                ((1,), "credit", "12.50", [Decimal("10.00")]),
                ((1,), "email", None, ["a@example.org"]),
                ((2,), "updated_at", "2024-03-31 02:30:00+02", [None, dt.datetime(2024, 1, 1, tzinfo=UTC)]),
                ((2,), "opens", "08:00", ["07:30:00"]),
                ((3,), "ratio", "0.3", [0.1]),
                ((3,), "mood", "happy", ["ok"]),
            ]
        )
    )
    confirmed = CellChange((4,), "email", "", ("x", "y"), confirmed=(None, "x", "y"))
    edits.apply({confirmed.cell: confirmed})
    entries = edits.to_json()
    assert entries[0] == {"key": ["1"], "column": "email", "new": None, "seen": ["a@example.org"], "confirmed": None}
    assert entries[1]["new"] == "12.50"
    assert entries[-1]["confirmed"] == [None, "x", "y"]
    restored = edits.from_json(json.loads(json.dumps(entries)))
    assert restored == edits.changes()
    assert restored[2].seen == (None, dt.datetime(2024, 1, 1, tzinfo=UTC))


def test_journal_keeps_keys_as_loaded() -> None:
    edits = CellEdits(SHIFTS, column_codecs(SHIFTS))
    key = ("13:45:00", dt.date(2024, 1, 31))  # as the loaded columns hold them
    edits.apply(edits.plan_edit(key, "who", "ann", ["bob"]))
    (entry,) = edits.to_json()
    assert entry["key"] == ["13:45:00", "2024-01-31"]
    (change,) = edits.from_json(json.loads(json.dumps([entry])))
    assert change.key == key


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": ["1"]}, "not a list"),
        (["nonsense"], "Saved change 1 cannot be restored: the entry is damaged"),
        ([{"key": ["1"], "column": "gone", "new": "x", "seen": []}], "no column 'gone'"),
        ([{"key": ["1", "2"], "column": "email", "new": "x", "seen": []}], "its key is damaged"),
        ([{"key": [None], "column": "email", "new": "x", "seen": []}], "its key is damaged"),
        ([{"key": ["1"], "column": "email", "new": 5, "seen": []}], "its new value is damaged"),
        ([{"key": ["1"], "column": "email", "new": "x", "seen": "x"}], "its loaded values are damaged"),
        ([{"key": ["one"], "column": "email", "new": "x", "seen": []}], "'one' is not a whole number"),
        ([{"key": ["1"], "column": "credit", "new": "12.345", "seen": []}], "has more digits"),
        ([{"key": ["1"], "column": "total", "new": "1", "seen": []}], "A generated column"),
        ([{"key": ["1"], "column": "name", "new": None, "seen": ["ab"]}], "NOT NULL"),
    ],
)
def test_damaged_journal_entries_are_refused(data: object, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        customers().from_json(data)
    assert message in caught.value.message


def test_loaded_value_matches_what_the_columns_hold() -> None:
    codecs = column_codecs(CUSTOMERS)
    assert loaded_value(codecs["ratio"], CUSTOMERS.column("ratio"), codecs["ratio"].parse("0.1")) == 0.1
    assert loaded_value(codecs["opens"], CUSTOMERS.column("opens"), dt.time(8, 0)) == "08:00:00"
    assert value_text(codecs["opens"], "08:00:00") == "08:00:00"
    assert value_text(codecs["email"], None) is None
    assert sorted_values([3, None, 1]) == (None, 1, 3)
    assert sorted_values([1, "a", None]) == (None, 1, "a")  # SQLite may mix types in a column


# -- fuzz ----------------------------------------------------------------------------------

_CELLS = [((k,), c) for k in (1, 2, 3) for c in ("email", "credit", "active", "opens")]
_RAW = {
    "email": st.one_of(st.none(), st.text(alphabet="ab\"\\' ", max_size=3)),
    "credit": st.one_of(st.none(), st.sampled_from(["1", "1.5", "-2.25", "0", "x"])),
    "active": st.one_of(st.none(), st.sampled_from(["t", "no", "1", "maybe"])),
    "opens": st.one_of(st.none(), st.sampled_from(["08:00", "8:00:00", "25:00"])),
}
_SEEN = {
    "email": st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "ab"])), max_size=3),
    "credit": st.lists(st.one_of(st.none(), st.sampled_from([Decimal("1.00"), Decimal("0.00")])), max_size=3),
    "active": st.lists(st.one_of(st.none(), st.booleans()), max_size=3),
    "opens": st.lists(st.one_of(st.none(), st.sampled_from(["08:00:00", "09:30:00"])), max_size=3),
}


@st.composite
def _edit(draw):
    cell = draw(st.sampled_from(_CELLS))
    return cell, draw(_RAW[cell[1]]), draw(_SEEN[cell[1]])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_edit(), min_size=1, max_size=4), max_size=12))
def test_fuzz_undo_restores_every_state_and_the_journal_round_trips(steps) -> None:
    edits = customers()
    states = [edits.snapshot()]
    undos = []
    for step in steps:
        try:
            plan = edits.plan_many((key, column, raw, seen) for (key, column), raw, seen in step)
        except InvalidValue:
            assert edits.snapshot() == states[-1]  # a refused step changes nothing
            continue
        undos.append(edits.apply(plan))
        states.append(edits.snapshot())
        for change in edits:
            assert change.seen == sorted_values(change.seen)
        assert edits.from_json(json.loads(json.dumps(edits.to_json()))) == edits.changes()
    while undos:
        edits.apply(undos.pop())
        states.pop()
        assert edits.snapshot() == states[-1]
    assert len(edits) == 0


def test_the_module_imports_without_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.edits, gui.data.cell_commit; "
        "del sys.modules['PySide6']; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
