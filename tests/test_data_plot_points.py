"""The points of View → Plot, made without Qt (on the plot's worker): pending values
found by key (a key of several rows too), the sample of a big result, what the
caption says, and the conversions kept per loaded page."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import numpy as np

from gui.data.codecs import codec_for
from gui.data.columns import ColumnData, LoadedColumns
from gui.data.edits import CellChange
from gui.data.plot_points import PlotPoints, PointsCache, PointsRequest, plot_points

CODECS = {"id": codec_for("integer"), "x": codec_for("numeric(10,2)"), "y": codec_for("double precision")}


def _page(ids, xs, ys) -> LoadedColumns:
    return LoadedColumns(
        ["id", "x", "y"],
        [ColumnData.from_values("int", ids), ColumnData.from_values("numeric", xs), ColumnData.from_values("float", ys)],
    )


def _change(key, column, new) -> CellChange:
    return CellChange(key=(key,), column=column, new=new, seen=(None,))


def _points(pages, pending=(), limit=None) -> PlotPoints:
    request = PointsRequest(
        pages=tuple(pages),
        x="x",
        y="y",
        codecs=CODECS,
        key=("id",),
        pending={c.cell: c for c in pending},
        **({} if limit is None else {"limit": limit}),
    )
    return plot_points(request)


def test_pending_values_replace_their_rows_points():
    first = _page([1, 2, 3], [Decimal("1.5"), None, Decimal("3.5")], [10.0, 20.0, 30.0])
    second = _page([4, 2], [Decimal("4.5"), Decimal("2.5")], [None, 25.0])  # id 2 twice: no key on the table
    points = _points(
        [first, second],
        [
            _change(2, "y", 40.0),  # both rows of id 2; one has no x: only the other is drawn
            _change(3, "x", None),  # set to NULL: not drawn at all
            _change(4, "y", 44.0),  # gives the row without a y a point
            _change(9, "x", 1),  # a key no loaded row has
            _change(1, "id", 7),  # not a plotted column: row 1 stays blue
        ],
    )
    assert points.loaded == 5
    assert points.base_rows.tolist() == [0] and (points.base_x.tolist(), points.base_y.tolist()) == ([1.5], [10.0])
    assert sorted(zip(points.pending_rows.tolist(), points.pending_x.tolist(), points.pending_y.tolist())) == [
        (3, 4.5, 44.0),
        (4, 2.5, 40.0),
    ]
    assert points.points == 3 and not points.sampled
    assert points.caption() == (
        "3 points of 5 loaded rows, 2 with a pending value (amber); 2 without both values (NULL, NaN or infinite)."
    )


def test_a_big_result_is_sampled_and_every_pending_value_drawn():
    n = 50_000
    page = _page(list(range(n)), [Decimal(i % 100) for i in range(n)], [float(i) for i in range(n)])
    pending = [_change(i, "y", -1.0) for i in range(0, n, 5)]  # 10,000
    points = _points([page], pending, limit=5_000)
    assert points.sampled and abs(len(points.base_rows) - 5_000) < 500
    assert len(points.pending_rows) == 10_000 and set(points.pending_y.tolist()) == {-1.0}
    assert not set(points.base_rows.tolist()) & set(points.pending_rows.tolist())
    assert points.points == n
    assert points.caption().endswith("More than 5,000 points: a sample of " + f"{len(points.base_rows):,}" + " is drawn, and every pending value.")


def test_conversions_are_kept_per_page():
    first = _page([1, 2], [Decimal("1"), Decimal("2")], [1.0, 2.0])
    cache = PointsCache()
    request = PointsRequest(pages=(first,), x="x", y="y", codecs=CODECS, key=("id",))
    assert plot_points(request, cache).base_x.tolist() == [1.0, 2.0]
    converted = []
    second = _page([3], [Decimal("3")], [3.0])
    more = PointsRequest(pages=(first, second), x="x", y="y", codecs=CODECS, key=("id",))
    points = plot_points(more, cache, check=lambda: converted.append(1))
    assert points.base_x.tolist() == [1.0, 2.0, 3.0]
    assert len(converted) == 2 + 1  # x and y of the new page only, then the step after them
    stopped = []

    def stop():
        stopped.append(1)
        raise InterruptedError

    try:
        plot_points(PointsRequest(pages=(_page([4], [Decimal("4")], [4.0]),), x="x", y="y", codecs=CODECS, key=("id",)), cache, stop)
    except InterruptedError:
        pass
    assert stopped == [1]  # a cancel stops it between steps


def test_the_module_imports_without_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.plot_points; "
        "del sys.modules['PySide6']; assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_numbers_over_several_chunks_are_all_cast():
    from gui.data import plot_points as module

    n = module.CHUNK * 2 + 7
    column = ColumnData.from_values("numeric", [Decimal(i) / 4 for i in range(n)])
    values, drawable = module.column_floats(column, CODECS["x"])
    assert drawable.all() and np.array_equal(values, np.arange(n) / 4)


def test_a_page_made_where_a_freed_one_was_is_never_taken_for_it():
    """A new page may get a freed page's ``id()``: the plot shows its own values."""
    codec = CODECS["x"]
    cache = PointsCache()
    old = _page([1, 2], [Decimal("1"), Decimal("2")], [1.0, 2.0])
    old_id = id(old)
    assert cache.floats([old], "x", codec, lambda: None)[0].tolist() == [1.0, 2.0]
    cache.keep_only([], ["x"])  # a reload: the old pages go
    del old
    made = []
    for _ in range(1000):  # CPython soon hands the freed address to an object of the same size
        page = _page([7, 8], [Decimal("7"), Decimal("8")], [7.0, 8.0])
        if id(page) == old_id:
            break
        made.append(page)
    assert cache.floats([page], "x", codec, lambda: None)[0].tolist() == [7.0, 8.0]
