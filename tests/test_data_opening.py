"""Opening a relation: which window serves it, the key it gets, --filter read against
its columns — on the real PostgreSQL and the SQLite demo."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from gui.data.config import DEFAULT_SPEC
from gui.data.connection import settings_from_url
from gui.data.errors import InvalidValue, QueryFailed, UserError
from gui.data.opening import merge_bounds, open_table, parse_filter, tutorial_key_noted
from gui.data.paging import Condition
from gui.data.schema import RelationEntry


def _open(engine, url, name="some_table", key=None):
    return open_table(engine, settings_from_url(url), name, key, DEFAULT_SPEC)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("ddl", "rows", "tutorial"),
    [
        ("x integer, y integer", "(1, 7), (2, 9)", True),
        ("x integer NOT NULL, y integer", "(1, 7)", True),
        ("x integer, y integer", "(1, 7), (NULL, 9)", False),  # a NULL key: only the window for any table shows it
        ("x integer, y numeric(10,2)", "(1, 7.5)", False),
        ("x integer, y bigint", "(1, 3000000000)", False),
        ("x integer, y smallint", "(1, 7)", False),
        ("x integer, y integer, z text", "(1, 7, 'a')", False),
    ],
)
def test_the_tutorials_window_serves_only_the_tutorials_exact_shape(pg_engine, pg_db, ddl, rows, tutorial):
    with pg_engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE some_table ({ddl})"))
        conn.execute(text(f"INSERT INTO some_table VALUES {rows}"))
    opened = _open(pg_engine, pg_db.url.render_as_string(hide_password=False))
    assert opened.tutorial is tutorial
    assert opened.schema.key == ("x",) and opened.schema.key_source == "chosen"  # as UPDATE ... WHERE x = :x


@pytest.mark.postgres
def test_a_view_named_some_table_opens_as_any_table_and_keys_are_checked(pg_engine, pg_db):
    url = pg_db.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE base (x integer, y integer)"))
        conn.execute(text("CREATE VIEW some_table AS SELECT x, y FROM base"))
        conn.execute(text("CREATE TABLE keyed (id bigint PRIMARY KEY, v text)"))
    assert _open(pg_engine, url).tutorial is False
    with pytest.raises(QueryFailed, match="primary key"):
        _open(pg_engine, url, "keyed", ("v",))  # a table with its own key: --key is not for it
    with pytest.raises(QueryFailed, match="no column"):
        _open(pg_engine, url, "base", ("nosuch",))
    with pytest.raises(UserError, match="nosuch"):
        _open(pg_engine, url, "nosuch")
    opened = _open(pg_engine, url, "keyed")
    assert opened.schema.key == ("id",) and opened.facts.writability.writable


def test_the_demo_customers_table_opens_with_its_primary_key(tmp_path):
    from gui.data.demo import ensure_demo

    path = ensure_demo(tmp_path / "demo.sqlite3", DEFAULT_SPEC)
    engine = create_engine(f"sqlite:///{path}")
    try:
        opened = _open(engine, f"sqlite:///{path}", "customers")
        assert opened.schema.key == ("id",) and not opened.tutorial and opened.time_zone == "UTC"
        assert _open(engine, f"sqlite:///{path}").tutorial is True
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_filters_are_read_against_the_columns_and_their_types(pg_engine, pg_db):
    with pg_engine.begin() as conn:
        conn.execute(text('CREATE TABLE t (id bigint PRIMARY KEY, credit numeric(12,2), "Note" text)'))
    opened = _open(pg_engine, pg_db.url.render_as_string(hide_password=False), "t")
    schema, codecs = opened.schema, opened.codecs
    assert parse_filter("credit >= 10.5", schema, codecs) == Condition("credit", "≥", Decimal("10.50"))
    assert parse_filter("CREDIT <> 1", schema, codecs) == Condition("credit", "≠", Decimal("1.00"))
    assert parse_filter('"Note" is not null', schema, codecs) == Condition("Note", "is not NULL")
    assert parse_filter('"Note" contains a b', schema, codecs) == Condition("Note", "contains", "a b")
    # as in the filter bar: nothing after = in a text column is the empty string ...
    assert parse_filter('"Note" = ', schema, codecs) == Condition("Note", "=", "")
    with pytest.raises(InvalidValue, match="contains"):
        parse_filter('"Note" contains ', schema, codecs)  # ... but there is nothing to look for
    with pytest.raises(InvalidValue, match="credit"):
        parse_filter("credit = ", schema, codecs)
    # only what the filter bar offers: contains on text
    with pytest.raises(QueryFailed, match="“contains” is for text columns; credit is numeric"):
        parse_filter("credit contains 1", schema, codecs)
    with pytest.raises(InvalidValue, match="credit"):
        parse_filter("credit > 1.234", schema, codecs)  # numeric(12,2) would round it
    with pytest.raises(QueryFailed, match="no column"):
        parse_filter("Note is null", schema, codecs)  # unquoted: note, which t does not have
    with pytest.raises(QueryFailed, match="COLUMN OP VALUE"):
        parse_filter("credit", schema, codecs)


def test_repeated_lower_bounds_hold_together():
    kept = merge_bounds([Condition("y", ">", 20), Condition("y", ">", 50), Condition("x", "=", 1), Condition("y", ">", 30)])
    assert kept == [Condition("y", ">", 50), Condition("x", "=", 1)]


def test_the_chooser_says_the_tutorials_table_is_keyed_by_x():
    entries = [
        RelationEntry("public", "some_table", "table", None, "No primary key or unique index on NOT NULL columns: choose the columns that identify a row."),
        RelationEntry("public", "other", "table", None, "No primary key or unique index on NOT NULL columns: choose the columns that identify a row."),
    ]
    noted = tutorial_key_noted(entries, DEFAULT_SPEC)
    assert "identified by x" in noted[0].why_not_editable
    assert noted[1] == entries[1]


@pytest.mark.postgres
def test_a_json_column_cannot_identify_rows_but_can_be_filtered_by_its_text(pg_engine, pg_db):
    from gui.data.result import TableResult

    url = pg_db.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("CREATE TABLE docs (j json, n int)"))
        conn.execute(text("""INSERT INTO docs VALUES ('{"a": 1}', 1), ('{"b": 2}', 2)"""))
    with pytest.raises(QueryFailed, match="no equality"):
        _open(pg_engine, url, "docs", ("j",))
    opened = _open(pg_engine, url, "docs", ("n",))
    condition = parse_filter('j = {"a": 1}', opened.schema, opened.codecs)
    assert TableResult(pg_engine, opened.schema, [condition]).count() == 1
