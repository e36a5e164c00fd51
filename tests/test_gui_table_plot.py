"""View → Plot in the window for any table: the column choosers, the points from the
loaded arrays (NULLs skipped), pending values in amber, a click selecting its row,
the dock within a 1366×768 screen; and the NumPy pieces it is made of (numbers kept
as text, dates, rows found by key, the sample of a big result)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from sqlalchemy import text

from gui.data.codecs import codec_for
from gui.data.columns import ColumnData
from gui.qt.plot import BASE_COLOR, PENDING_COLOR
from gui.qt.table_plot import (
    FLOAT_NOTE,
    MAX_POINTS,
    TEXT_WIDTH,
    KeyIndex,
    column_floats,
    default_axes,
    fixed_width,
    install_table_plot,
    plottable_columns,
    sample_rows,
    value_float,
)
from gui_helpers import WAIT_MS, make_editor  # noqa: F401 - fixture
from test_day_files import menu_action
from test_gui_any_table import CUSTOMERS, _column, _row_with, _type_into, _url, _wait_table

UTC = dt.timezone.utc


# -- the arrays -------------------------------------------------------------------------------


def test_numeric_text_becomes_floats_without_its_nulls_nans_and_infinities():
    long = "1" + "0" * (TEXT_WIDTH + 10)
    column = ColumnData.from_values("numeric", [Decimal("12.50"), None, "NaN", long, "-Infinity", Decimal("-7.99")])
    assert fixed_width(column, 5).tolist() == [b"12.50", b"", b"NaN", b"10000", b"-Infi", b"-7.99"]
    values, drawable = column_floats(column, codec_for("numeric"))
    assert drawable.tolist() == [True, False, False, True, False, True]
    assert values[drawable].tolist() == [12.5, float(long), -7.99]


def test_dates_and_timestamps_are_seconds_since_1970():
    stamps = ColumnData.from_values("timestamptz", [dt.datetime(2024, 5, 1, 9, 15, tzinfo=UTC), None, "infinity"])
    values, drawable = column_floats(stamps, codec_for("timestamptz"))
    assert drawable.tolist() == [True, False, False] and values[0] == dt.datetime(2024, 5, 1, 9, 15, tzinfo=UTC).timestamp()
    days = ColumnData.from_values("date", [dt.date(1970, 1, 2), "-infinity"])
    values, drawable = column_floats(days, codec_for("date"))
    assert values[0] == 86_400.0 and drawable.tolist() == [True, False]
    # SQLite keeps dates as text (and lets a column hold other text)
    lite = ColumnData.from_values("text", ["2024-05-01 09:15:00", None, "1970-01-02", "not a date"])
    values, drawable = column_floats(lite, codec_for("TIMESTAMP", dialect="sqlite"))
    assert drawable.tolist() == [True, False, True, False] and values[2] == 86_400.0
    assert value_float(dt.date(1970, 1, 2)) == 86_400.0 and value_float(dt.datetime(1970, 1, 1, 0, 1)) == 60.0
    assert value_float(Decimal("2.5")) == 2.5 and np.isnan(value_float(None))


def test_rows_are_found_by_key_without_walking_them():
    ids = ColumnData.from_values("int", [5, 3, 9, 3, None])
    found = KeyIndex([ids]).rows_of([(3,), (9,), (4,), (0,)])
    assert [r.tolist() for r in found] == [[1, 3], [2], [], []]  # the NULL key's 0 is not a key
    long = "x" * (TEXT_WIDTH + 5)
    region = ColumnData.from_values("text", ["eu", long + "1", long + "2", None, "us"])
    number = ColumnData.from_values("int", [1, 1, 1, 1, 2])
    found = KeyIndex([region, number]).rows_of([("eu", 1), (long + "2", 1), (long + "3", 1), ("us", 2), ("us", 1)])
    assert [r.tolist() for r in found] == [[0], [2], [], [4], []]
    stamps = ColumnData.from_values("timestamptz", [dt.datetime(2024, 1, d, tzinfo=UTC) for d in (3, 1, 2)])
    found = KeyIndex([stamps]).rows_of([(dt.datetime(2024, 1, 2, tzinfo=UTC),), ("not a time",)])
    assert [r.tolist() for r in found] == [[2], []]


def test_a_sample_keeps_the_same_rows_as_more_load():
    rows = np.arange(1_000_000)
    sample = sample_rows(rows)
    assert abs(len(sample) - MAX_POINTS) < 1_000 and np.all(np.diff(sample) > 0)
    more = sample_rows(np.arange(1_200_000))
    assert set(more.tolist()) <= set(sample_rows(np.arange(1_200_000)).tolist())
    assert len(sample_rows(rows[:10])) == 10


def test_the_columns_offered_and_chosen_first():
    codecs = {
        "id": codec_for("bigint"),
        "email": codec_for("text"),
        "credit": codec_for("numeric(12,2)"),
        "active": codec_for("boolean"),
        "updated_at": codec_for("timestamptz"),
        "ratio": codec_for("real"),
    }
    names = ["id", "email", "credit", "active", "updated_at", "ratio"]
    assert plottable_columns(names, codecs) == ["id", "credit", "updated_at", "ratio"]
    assert default_axes(["id", "credit", "updated_at"]) == ("id", "credit")
    assert default_axes(["a", "y", "x"]) == ("x", "y")
    assert default_axes(["only"]) == ("only", "only") and default_axes([]) == (None, None)


# -- the window ---------------------------------------------------------------------------------

PLOT_TABLE = """
CREATE TABLE readings (id integer PRIMARY KEY, label text, x numeric(10,2), y double precision, taken date);
INSERT INTO readings VALUES (1, 'a', 1.5, 10, '2024-01-01'), (2, 'b', 2.5, 20, NULL),
    (3, 'c', NULL, 30, '2024-01-03'), (4, 'd', 4.5, NULL, '2024-01-04'), (5, 'e', 5.5, 15, '2024-01-05');
"""


def _open(qtbot, make_editor, pg_db, pg_engine, table: str):  # noqa: F811 - fixture passed in
    with pg_engine.begin() as conn:
        conn.execute(text(CUSTOMERS))
        conn.execute(text(PLOT_TABLE))
    editor = make_editor("--url", _url(pg_db), "--table", table)
    editor.connect_url(_url(pg_db))
    window = _wait_table(qtbot, editor)
    window.resize(900, 600)
    window.show()
    return editor, window


def _show(qtbot, window):
    dock = install_table_plot(window)
    assert install_table_plot(window) is dock  # once per window
    assert dock.plot_widget is None  # pyqtgraph is loaded when the plot is first shown
    action = menu_action(window.view_menu, "Plot")
    assert action.isCheckable()
    action.trigger()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.up_to_date, timeout=WAIT_MS)
    return dock


def _items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def _colours_near(image, point, radius: int = 1) -> set[str]:
    x, y = round(point.x()), round(point.y())
    return {QColor(image.pixel(x + dx, y + dy)).name() for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)}


def _click(qtbot, dock, row: int) -> None:
    where = dock.point_position(row).toPoint()
    qtbot.mouseClick(dock.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=where)


@pytest.mark.postgres
def test_the_plot_of_a_customers_table(qtbot, make_editor, pg_db, pg_engine):  # noqa: F811
    editor, window = _open(qtbot, make_editor, pg_db, pg_engine, "customers")
    dock = _show(qtbot, window)
    assert dock.accessibleName() == "Plot" and dock.x_chooser.accessibleName() == "Plot x"
    # numbers and timestamps only; no x or y here, so the first two
    assert _items(dock.x_chooser) == _items(dock.y_chooser) == ["id", "credit", "updated_at"]
    assert (dock.x_column, dock.y_column) == ("id", "credit")
    assert "floating point" in dock.x_chooser.toolTip() and dock.caption.toolTip() == FLOAT_NOTE
    assert dock.base_item.count() == 4 and dock.pending_item.count() == 0  # every credit is set
    assert sorted(dock.base_item.ys.tolist()) == [6.5, 7.99, 12.5, 99999999.99]

    # updated_at has two NULLs: two points
    dock.y_chooser.setCurrentIndex(dock.y_chooser.findData("updated_at"))
    qtbot.waitUntil(lambda: dock.base_item.count() == 2, timeout=WAIT_MS)
    assert "(UTC)" in dock.plot_widget.getPlotItem().getAxis("left").labelText
    assert "2 without both values" in dock.caption.text()

    # the window with the dock still fits a 1366×768 screen; the dock beside the table, or
    # below it where beside would wrap the bars above the rows (this 800×600 screen), takes
    # less than half the window
    for size in (window.size(), window.minimumSizeHint()):
        assert size.width() <= 1366 and size.height() <= 768, size
    if window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea:
        assert dock.width() < window.width() // 2
    else:
        assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
        assert dock.height() < window.height() // 2 and window.view.height() > dock.height() // 2


@pytest.mark.postgres
def test_pending_values_are_amber_and_a_click_selects_the_row(qtbot, make_editor, pg_db, pg_engine):  # noqa: F811
    editor, window = _open(qtbot, make_editor, pg_db, pg_engine, "readings")
    dock = _show(qtbot, window)
    assert _items(dock.x_chooser) == ["id", "x", "y", "taken"]
    assert (dock.x_column, dock.y_column) == ("x", "y")  # the table has both
    model = window.model
    assert model.rowCount() == 5  # no filter: y > 6 is only the tutorial's some_table's
    # row 3 (x NULL) is not drawn
    assert dock.base_item.count() == 3
    assert sorted(zip(dock.base_item.xs.tolist(), dock.base_item.ys.tolist())) == [(1.5, 10.0), (2.5, 20.0), (5.5, 15.0)]

    row_b = _row_with(window, "id", "2")
    _type_into(qtbot, window, row_b, "y", "40")
    qtbot.waitUntil(lambda: dock.pending_item.count() == 1, timeout=WAIT_MS)
    assert (dock.pending_item.xs.tolist(), dock.pending_item.ys.tolist()) == ([2.5], [40.0])
    assert dock.base_item.count() == 2 and "1 with a pending value (amber)" in dock.caption.text()
    # a pending value gives the row with a NULL x a point
    row_c = _row_with(window, "id", "3")
    _type_into(qtbot, window, row_c, "x", "3.5")
    qtbot.waitUntil(lambda: dock.pending_item.count() == 2, timeout=WAIT_MS)
    assert sorted(zip(dock.pending_item.xs.tolist(), dock.pending_item.ys.tolist())) == [(2.5, 40.0), (3.5, 30.0)]

    qtbot.waitUntil(lambda: dock.up_to_date, timeout=WAIT_MS)
    image = dock.plot_widget.grab().toImage()
    assert PENDING_COLOR.name() in _colours_near(image, dock.point_position(row_b))
    row_e = _row_with(window, "id", "5")
    assert BASE_COLOR.name() in _colours_near(image, dock.point_position(row_e))
    assert BASE_COLOR.name() not in _colours_near(image, dock.point_position(row_b), radius=0)

    for row in (row_e, row_b, _row_with(window, "id", "1")):
        _click(qtbot, dock, row)
        current = window.view.currentIndex()
        assert (current.row(), current.column()) == (row, _column(window, "y"))
    # undo: the database's value, in blue again
    window.undo_action.trigger()
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: dock.pending_item.count() == 0 and dock.base_item.count() == 3, timeout=WAIT_MS)

    # dates on x
    dock.x_chooser.setCurrentIndex(dock.x_chooser.findData("taken"))
    qtbot.waitUntil(lambda: dock.base_item.count() and dock.base_item.xs.min() > 1e9, timeout=WAIT_MS)
    assert dock.base_item.count() == 3  # row 2 has no date
    assert sorted(dock.base_item.xs.tolist()) == [dt.datetime(2024, 1, d, tzinfo=UTC).timestamp() for d in (1, 3, 5)]

    # another table in the same window: its own columns and defaults
    window.table_chooser.table_chosen.emit("public.customers")
    qtbot.waitUntil(lambda: _items(dock.x_chooser) == ["id", "credit", "updated_at"], timeout=WAIT_MS)
    assert editor.window is window and model is window.model
    qtbot.waitUntil(lambda: not model.loading and dock.base_item.count() == 4, timeout=WAIT_MS)
    assert (dock.x_column, dock.y_column) == ("id", "credit")


@pytest.mark.postgres
@pytest.mark.slow
def test_a_million_loaded_rows_are_drawn_as_a_sample(qtbot, make_editor, pg_db, pg_engine):  # noqa: F811
    with pg_engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE big AS SELECT i AS id, (i % 1000) / 7.0 AS x, "
            "timestamptz '2024-01-01' + i * interval '1 minute' AS y FROM generate_series(1, 1000000) i"
        ))
        conn.execute(text("ALTER TABLE big ADD PRIMARY KEY (id)"))
        conn.execute(text("ALTER TABLE big ALTER COLUMN x TYPE numeric(10,3)"))
    editor = make_editor("--url", _url(pg_db), "--table", "big")
    editor.connect_url(_url(pg_db))
    qtbot.waitUntil(lambda: editor.window.model.rowCount() > 0 and editor.window.writability is not None, timeout=60_000)
    window = editor.window
    window.model.fetch_all()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1_000_000 and not window.model.loading, timeout=120_000)
    window.show()
    dock = install_table_plot(window)
    menu_action(window.view_menu, "Plot").trigger()
    # shown at once, saying what it does while the points are made on a worker
    assert dock.isVisible() and dock.caption.text() == "Drawing 1,000,000 loaded rows …"
    row = _row_with_id(window, 500_000)
    _type_into(qtbot, window, row, "x", "999")  # typed while the plot is being made
    qtbot.waitUntil(lambda: dock.up_to_date, timeout=60_000)
    assert (dock.x_column, dock.y_column) == ("x", "y")
    assert dock.pending_item.xs.tolist() == [999.0]
    assert dock.sampled and abs(dock.base_item.count() - MAX_POINTS) < 1_000
    assert dock.caption.text().startswith("1,000,000 points of 1,000,000 loaded rows, 1 with a pending value (amber)")
    assert "a sample of" in dock.caption.text()
    _click(qtbot, dock, row)
    assert window.view.currentIndex().row() == row
    # another edit: the points are made again from the kept conversions
    other = _row_with_id(window, 10)
    _type_into(qtbot, window, other, "x", "-5")
    qtbot.waitUntil(lambda: dock.up_to_date and dock.pending_item.count() == 2, timeout=60_000)
    assert sorted(dock.pending_item.xs.tolist()) == [-5.0, 999.0]


@pytest.mark.postgres
def test_the_plot_closed_or_changed_while_its_points_are_made(qtbot, make_editor, pg_db, pg_engine):  # noqa: F811
    editor, window = _open(qtbot, make_editor, pg_db, pg_engine, "readings")
    dock = install_table_plot(window)
    action = menu_action(window.view_menu, "Plot")
    action.trigger()
    action.trigger()  # closed again before its points were made
    assert not dock.isVisible()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=WAIT_MS)
    assert not dock.isVisible() and not dock.up_to_date  # nothing drawn for a closed plot
    row_b = _row_with(window, "id", "2")
    _type_into(qtbot, window, row_b, "y", "40")  # edited while it is closed
    action.trigger()
    dock.y_chooser.setCurrentIndex(dock.y_chooser.findData("taken"))  # another column before any point is drawn
    qtbot.waitUntil(lambda: dock.up_to_date, timeout=WAIT_MS)
    assert dock.drawn is not None and (dock.drawn.x, dock.drawn.y) == ("x", "taken")
    assert dock.base_item.count() == 3 and dock.pending_item.count() == 0  # 1, 4 and 5 (3: x NULL; 2: no date)
    dock.y_chooser.setCurrentIndex(dock.y_chooser.findData("y"))
    _type_into(qtbot, window, _row_with(window, "id", "5"), "x", "6.5")  # while y's points are made
    qtbot.waitUntil(lambda: dock.up_to_date and dock.pending_item.count() == 2, timeout=WAIT_MS)
    assert sorted(zip(dock.pending_item.xs.tolist(), dock.pending_item.ys.tolist())) == [(2.5, 40.0), (6.5, 15.0)]
    assert "2 with a pending value (amber)" in dock.caption.text()


def _row_with_id(window, key: int) -> int:
    """The row of ``id = key`` in a big result, found in the arrays."""
    ids = window.model.loaded_columns()["id"].values
    return int(np.flatnonzero(ids == key)[0])


def test_the_demo_customers_plot_their_dates_kept_as_text(qtbot, make_editor, tmp_path):  # noqa: F811
    from gui.data.config import DEFAULT_SPEC
    from gui.data.demo import ensure_demo

    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    editor = make_editor("--table", "customers")
    editor.connect_url(f"sqlite:///{path}")
    window = _wait_table(qtbot, editor)
    window.show()
    dock = _show(qtbot, window)
    assert _items(dock.x_chooser) == ["id", "credit", "joined", "updated_at"]
    assert (dock.x_column, dock.y_column) == ("id", "credit")
    assert dock.base_item.count() == 8  # two customers have no credit
    dock.x_chooser.setCurrentIndex(dock.x_chooser.findData("joined"))
    dock.y_chooser.setCurrentIndex(dock.y_chooser.findData("updated_at"))
    qtbot.waitUntil(lambda: dock.up_to_date and dock.base_item.count() == 7, timeout=WAIT_MS)
    ada = _row_with(window, "name", "Ada Lovelace")
    box = dock.plot_widget.getViewBox()

    def where_ada_is():  # drawn where 2023-01-09 meets 2024-05-01 09:15
        view = box.mapSceneToView(dock.plot_widget.mapToScene(dock.point_position(ada).toPoint()))
        return view.x(), view.y()

    # the axes take the new columns' range when the view next lays out: wait for it
    qtbot.waitUntil(lambda: abs(where_ada_is()[0] - dt.datetime(2023, 1, 9, tzinfo=UTC).timestamp()) < 86_400 * 30, timeout=WAIT_MS)
    assert abs(where_ada_is()[1] - dt.datetime(2024, 5, 1, 9, 15, tzinfo=UTC).timestamp()) < 86_400 * 30
