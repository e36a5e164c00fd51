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
