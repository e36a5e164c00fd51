"""Pages kept as they came: rows found across pages, joined once on demand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gui.data.columns import ColumnData, LoadedColumns, PagedColumns


def _page(ids, texts):
    return LoadedColumns(["id", "t"], [ColumnData.from_values("int", ids), ColumnData.from_values("numeric", texts)])


def test_rows_are_found_across_pages_and_joined_once():
    paged = PagedColumns(["id", "t"])
    paged.append(_page([1, 2], [Decimal("1.50"), None]))
    paged.append(_page([], []))  # an empty page adds nothing
    paged.append(_page([3, 4, 5], [Decimal("3"), Decimal("-0.25"), None]))
    assert len(paged) == 5 and len(paged.pages) == 2
    assert [paged.value(r, 0) for r in range(5)] == [1, 2, 3, 4, 5]
    assert paged.value(1, 1) is None and paged.value(3, 1) == Decimal("-0.25")
    data, i = paged.locate(4, 1)
    assert data.is_null(i)
    with pytest.raises(IndexError):
        paged.locate(5, 0)
    rows = [(paged.value(r, 0), paged.value(r, 1)) for r in range(5)]
    joined = paged.combined()
    assert list(joined.rows()) == rows
    assert len(paged.pages) == 1 and paged.combined() is joined  # joined once, kept instead of the pages


def test_a_page_of_other_columns_is_refused():
    paged = PagedColumns(["id", "t"])
    with pytest.raises(ValueError):
        paged.append(LoadedColumns(["x"], [ColumnData.from_values("int", [1])]))


def test_rows_are_found_by_key_values_as_a_scan_would_find_them():
    """rows_where (the arrays) against a plain scan of the values, every kind, NULLs,
    multi-byte text of the same byte length, over pages."""
    import datetime as dt

    utc = dt.timezone.utc
    kinds = {
        "int": [1, 2, 1, None, 1, 3],
        "text": ["é", "ab", "é", "e", None, "é"],
        "numeric": [Decimal("1.50"), Decimal("1.5"), Decimal("1.50"), None, Decimal("2.00"), Decimal("1.50")],
        "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 1), None, dt.date(2024, 1, 1), dt.date(2023, 1, 1)],
        "timestamptz": [dt.datetime(2024, 1, 1, 9, tzinfo=utc), None, dt.datetime(2024, 1, 1, 9, tzinfo=utc),
                        dt.datetime(2024, 1, 1, 10, tzinfo=utc), dt.datetime(2024, 1, 1, 9, tzinfo=utc), None],
        "bool": [True, False, True, True, None, True],
    }  # fmt: skip
    names = list(kinds)
    paged = PagedColumns(names)
    for start, stop in ((0, 2), (2, 6)):
        paged.append(LoadedColumns(names, [ColumnData.from_values(k, v[start:stop]) for k, v in kinds.items()]))
    for column, kind in enumerate(names):
        for value in {v for v in kinds[kind] if v is not None}:
            expected = [r for r in range(6) if kinds[kind][r] is not None and kinds[kind][r] == value]  # 1.5 = 1.50
            assert paged.rows_where([column], [value]) == expected, (kind, value)
    assert paged.rows_where([0, 1], [1, "é"]) == [0, 2]
