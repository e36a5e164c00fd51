"""The data layer on its own: no Qt, value validation, the pending-change set."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gui.data.config import DEFAULT_SPEC, INT32_MAX, INT32_MIN, TableSpec
from gui.data.errors import InvalidValue
from gui.data.pending import PendingChange, PendingChanges, parse_value

ROOT = Path(__file__).resolve().parent.parent
# every module of the data layer, new ones included
DATA_MODULES = sorted(path.stem for path in (ROOT / "gui" / "data").glob("*.py") if path.stem != "__init__")


def test_data_layer_imports_without_qt() -> None:
    """Every data module imports with PySide6 made unimportable, and none pulls it in."""
    assert {"connection", "rows", "schema", "catalog"} <= set(DATA_MODULES)
    imports = "; ".join(f"import gui.data.{name}" for name in DATA_MODULES)
    code = (
        "import sys; sys.modules['PySide6'] = None; "  # any `import PySide6...` now fails
        f"{imports}; "
        "del sys.modules['PySide6']; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), sorted(sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- parse_value --------------------------------------------------------------

REFUSED = [
    "abc",
    "12.5",
    "1e3",
    "12abc",
    "abc12",
    "",
    " ",
    "\t\n",
    "2147483648",
    "-2147483649",
    "99999999999999999999",
    "1_000",
    "1,000",
    "1 000",
    "0x10",
    "--1",
    "+-1",
    "+",
    "-",
    "١٢",  # Arabic-Indic digits: int() would accept them
    "１２",  # full-width digits
    "²",
    "12.",
    ".5",
    "1" * 5000,  # more digits than int() converts
    True,
    False,
    None,
    12.0,
    12.5,
    2**31,
    -(2**31) - 1,
    b"12",
]


@pytest.mark.parametrize("raw", REFUSED, ids=lambda v: repr(v)[:30])
def test_refused_values(raw: object) -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_value(raw, DEFAULT_SPEC)
    assert excinfo.value.message.strip()
    assert len(excinfo.value.message) < 300  # fits a message line, whatever was typed


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (" 42 ", 42),
        ("+7", 7),
        ("-7", -7),
        ("0", 0),
        ("-0", 0),
        ("007", 7),
        ("0" * 5000 + "42", 42),
        ("-2147483648", INT32_MIN),
        ("2147483647", INT32_MAX),
        ("\t12\n", 12),
        (42, 42),
        (INT32_MIN, INT32_MIN),
        (INT32_MAX, INT32_MAX),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_accepted_values(raw: object, value: int) -> None:
    parsed = parse_value(raw, DEFAULT_SPEC)
    assert parsed == value
    assert type(parsed) is int


def test_range_follows_the_spec() -> None:
    small = TableSpec(min_value=0, max_value=100)
    assert parse_value("100", small) == 100
    with pytest.raises(InvalidValue, match="out of range"):
        parse_value("101", small)
    with pytest.raises(InvalidValue, match="out of range"):
        parse_value("-1", small)


_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


@given(st.one_of(st.text(), st.from_regex(r"\A\s*[+-]?[0-9]{1,12}\s*\Z"), st.integers().map(str)))
@example("12.5")
@example("1e3")
@example("١٢")
@example("2147483648")
def test_text_is_accepted_only_as_an_in_range_whole_number(raw: str) -> None:
    stripped = raw.strip()
    whole = bool(_WHOLE.fullmatch(stripped))
    in_range = whole and INT32_MIN <= int(stripped) <= INT32_MAX
    try:
        value = parse_value(raw, DEFAULT_SPEC)
    except InvalidValue as error:
        assert error.message
        assert not in_range, f"{raw!r} should have been accepted"
    else:
        assert in_range, f"{raw!r} accepted as {value}"
        assert value == int(stripped)


@given(st.integers())
def test_integers_are_accepted_only_in_range(raw: int) -> None:
    try:
        value = parse_value(raw, DEFAULT_SPEC)
    except InvalidValue:
        assert not INT32_MIN <= raw <= INT32_MAX
    else:
        assert value == raw
        assert INT32_MIN <= value <= INT32_MAX


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_never_accepted(raw: float) -> None:
    with pytest.raises(InvalidValue):
        parse_value(raw, DEFAULT_SPEC)


# -- PendingChanges -----------------------------------------------------------


@pytest.fixture
def pending() -> PendingChanges:
    return PendingChanges(DEFAULT_SPEC)


def test_edit_records_a_change_with_what_was_seen(pending: PendingChanges) -> None:
    pending.apply(pending.plan_edit(9, " 11 ", [10, 10], 6))
    assert pending.changes() == [PendingChange(9, 11, (10, 10), 6)]
    assert 9 in pending and len(pending) == 1 and pending


@pytest.mark.parametrize(
    ("seen", "edits", "expected"),
    [
        # key 6 shows (8, 8): editing back to 8 removes the change
        ((8, 8), ["9", "8"], None),
        ((8, 8), ["9", "+8"], None),
        ((8, 8), ["9", "10", " 8 "], None),
        ((8, 8), ["9", "10"], 10),
        ((8, 8), ["8"], None),
        # mixed values: setting one of them is still a change (the other row changes)
        ((8, 10), ["8"], 8),
        ((8, 10), ["10"], 10),
        ((8, 10), ["9", "8"], 8),
        # nothing loaded for the key (all rows hidden): always a change
        ((), ["5"], 5),
    ],
)
def test_edit_sequences(pending: PendingChanges, seen, edits, expected) -> None:
    for raw in edits:
        pending.apply(pending.plan_edit(6, raw, seen, 6))
    change = pending.get(6)
    if expected is None:
        assert change is None and 6 not in pending
    else:
        assert change == PendingChange(6, expected, tuple(sorted(seen)), 6)


def test_second_edit_keeps_the_values_first_seen(pending: PendingChanges) -> None:
    """After a reload the model shows the pending value; the original stays the base."""
    pending.apply(pending.plan_edit(9, "11", [10, 10], 6))
    pending.apply(pending.plan_edit(9, "12", [11, 11], 50))
    assert pending.get(9) == PendingChange(9, 12, (10, 10), 6)
    pending.apply(pending.plan_edit(9, "10", [12, 12], 50))
    assert pending.get(9) is None


def test_refused_edit_changes_nothing(pending: PendingChanges) -> None:
    pending.apply(pending.plan_edit(9, "11", [10, 10], 6))
    before = pending.snapshot()
    heard = []
    pending.subscribe(heard.append)
    with pytest.raises(InvalidValue):
        pending.plan_edit(9, "12.5", [10, 10], 6)
    assert pending.snapshot() == before and heard == []


def test_plan_many_names_the_refused_item(pending: PendingChanges) -> None:
    edits = [(1, "2", [1], 0), (2, "abc", [4], 0), (6, "9", [8, 8], 0)]
    with pytest.raises(InvalidValue, match=r"Item 2 \(x = 2\)"):
        pending.plan_many(edits)
    assert len(pending) == 0
    updates = pending.plan_many([(1, "2", [1], 0), (6, "9", [8, 8], 0)])
    pending.apply(updates)
    assert [c.key for c in pending.changes()] == [1, 6]


A = PendingChange(1, 5, (1,), 0)
B = PendingChange(6, 9, (8, 8), 6)
B2 = PendingChange(6, 7, (8, 8), 6)
C = PendingChange(100, -3, (100, 100), 6)


@pytest.mark.parametrize(
    ("start", "updates", "after"),
    [
        ({}, {1: A}, {1: A}),
        ({1: A}, {1: None}, {}),
        ({1: A}, {6: B, 100: C}, {1: A, 6: B, 100: C}),
        ({6: B}, {6: B2}, {6: B2}),
        ({6: B, 1: A}, {6: None, 1: None, 100: C}, {100: C}),
        ({6: B}, {6: B}, {6: B}),  # no-op
        ({}, {1: None}, {}),  # removing what is not there
    ],
)
def test_apply_then_undo_restores_exactly(pending: PendingChanges, start, updates, after) -> None:
    pending.apply(start)
    previous = pending.apply(updates)
    assert pending.snapshot() == after
    redo = pending.apply(previous)
    assert pending.snapshot() == start
    pending.apply(redo)
    assert pending.snapshot() == after


@pytest.mark.parametrize(
    ("start", "updates", "heard"),
    [
        ({}, {1: A}, [{1}]),
        ({1: A}, {1: None, 6: B}, [{1, 6}]),
        ({6: B}, {6: B2}, [{6}]),
        ({6: B}, {6: B}, []),  # nothing changed: nobody is told
        ({}, {1: None}, []),
    ],
)
def test_listeners_hear_the_changed_keys(pending: PendingChanges, start, updates, heard) -> None:
    pending.apply(start)
    calls = []
    pending.subscribe(calls.append)
    pending.apply(updates)
    assert [set(keys) for keys in calls] == heard
    pending.unsubscribe(calls.append)
    pending.apply({k: None for k in pending.snapshot()})
    assert len(calls) == len(heard)


def test_clear_returns_what_it_removed(pending: PendingChanges) -> None:
    pending.apply({1: A, 6: B, 100: C})
    calls = []
    pending.subscribe(calls.append)
    previous = pending.clear()
    assert len(pending) == 0 and calls == [frozenset({1, 6, 100})]
    pending.apply(previous)
    assert pending.changes() == [A, B, C]


def test_changes_are_sorted_by_key(pending: PendingChanges) -> None:
    pending.apply({100: C, 1: A, 6: B})
    assert [c.key for c in pending.changes()] == [1, 6, 100]
    assert list(pending) == [A, B, C]


@pytest.mark.parametrize("change", [A, B, C, PendingChange(7, 0), PendingChange(7, 1, (), None, (1, 2, 3))])
def test_change_json_round_trip(change: PendingChange) -> None:
    assert PendingChange.from_json(change.to_json(), DEFAULT_SPEC) == change
