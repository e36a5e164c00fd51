"""The table is read, not assumed: kinds, columns and types, keys, privileges,
triggers and row security, from PostgreSQL's catalog and from SQLite's pragmas."""

from __future__ import annotations

import psycopg2
import pytest
from sqlalchemy import create_engine, text

from gui.data.errors import QueryFailed
from gui.data.schema import Column, list_relations, parse_qualified_name, quote_ident, read_schema
from pgcluster import PgCluster, PgDatabase


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("some_table", (None, "some_table")),
        ("Some_Table", (None, "some_table")),
        ('"Some Table"', (None, "Some Table")),
        ('sales."Some Table"', ("sales", "Some Table")),
        ('"Sales"."Some Table"', ("Sales", "Some Table")),
        ('  sales . orders ', ("sales", "orders")),
        ('"a""b"."c.d"', ('a"b', "c.d")),
    ],
)
def test_table_names_as_sql_writes_them(written: str, parsed) -> None:
    assert parse_qualified_name(written) == parsed


@pytest.mark.parametrize("written", ["", "a.b.c", '"unclosed', "a..b", ".a", "a.", 'a"b'])
def test_names_sql_would_refuse_are_refused(written: str) -> None:
    with pytest.raises(QueryFailed):
        parse_qualified_name(written)


@pytest.mark.parametrize("name", ["plain", "Mixed", "with space", 'quo"te', "select_1", "1abc"])
def test_quote_ident_round_trips(name: str) -> None:
    assert parse_qualified_name(quote_ident(name)) == (None, name)


SETUP = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN money2 AS numeric(12,2) NOT NULL CHECK (VALUE >= 0);
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    credit money2 DEFAULT 0,
    active boolean,
    feeling mood,
    updated_at timestamptz,
    code varchar(4),
    tags text[],
    doubled bigint GENERATED ALWAYS AS (id * 2) STORED,
    serial_no integer GENERATED ALWAYS AS IDENTITY
);
CREATE TABLE keyed_by_unique (a integer NOT NULL, b integer NOT NULL, c integer, UNIQUE (a, b), UNIQUE (c));
CREATE TABLE some_table (x integer, y integer);
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Some Table" ("Id" integer PRIMARY KEY, "Amount" numeric);
CREATE VIEW active_customers AS SELECT id, email, credit FROM customers WHERE active;
CREATE VIEW credit_totals AS SELECT active, sum(credit) AS total FROM customers GROUP BY active;
CREATE MATERIALIZED VIEW emails AS SELECT email FROM customers;
CREATE TABLE measurements (id integer, taken date, v numeric, PRIMARY KEY (id, taken)) PARTITION BY RANGE (taken);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE FUNCTION halve() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.y := NEW.y / 2; RETURN NEW; END $$;
CREATE TRIGGER halve BEFORE UPDATE ON some_table FOR EACH ROW EXECUTE FUNCTION halve();
ALTER TABLE keyed_by_unique ENABLE ROW LEVEL SECURITY;
"""


@pytest.fixture
def catalog_db(pg_engine):
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(SETUP)
    return pg_engine


pg = pytest.mark.postgres


@pg
def test_a_table_with_every_kind_of_column(catalog_db) -> None:
    with catalog_db.connect() as conn:
        schema = read_schema(conn, "customers")
    assert (schema.schema, schema.name, schema.kind) == ("public", "customers", "table")
    assert [c.name for c in schema.columns] == [
        "id", "email", "credit", "active", "feeling", "updated_at", "code", "tags", "doubled", "serial_no",
    ]  # fmt: skip
    by_name = {c.name: c for c in schema.columns}
    assert by_name["id"] == Column("id", "bigint", "bigint", nullable=False)
    assert by_name["credit"].type_name == "money2" and by_name["credit"].base_type == "numeric(12,2)"
    assert by_name["credit"].is_domain and not by_name["credit"].nullable  # the domain's NOT NULL
    assert by_name["credit"].default == "0"
    assert by_name["feeling"].enum_labels == ("sad", "ok", "happy")
    assert by_name["updated_at"].type_name == "timestamp with time zone"
    assert by_name["code"].type_name == "character varying(4)"
    assert by_name["tags"].type_name == "text[]"
    assert by_name["doubled"].generated and by_name["serial_no"].identity == "always"
    assert (schema.key, schema.key_source, schema.unique_key) == (("id",), "primary key", True)
    assert schema.why_not_editable() is None
    assert schema.why_column_read_only("id") is not None  # the key
    assert "generated" in schema.why_column_read_only("doubled")
    assert "identity" in schema.why_column_read_only("serial_no")
    assert schema.why_column_read_only("email") is None
    assert not schema.has_update_triggers and not schema.row_security


@pg
def test_keys_unique_indexes_chosen_and_none(catalog_db) -> None:
    with catalog_db.connect() as conn:
        unique = read_schema(conn, "keyed_by_unique")
        tutorial = read_schema(conn, "some_table")
        quoted = read_schema(conn, '"Sales"."Some Table"')
    # (c) is unique but nullable: not a key; (a, b) is
    assert unique.key == ("a", "b") and unique.key_source.startswith("unique index")
    assert unique.row_security
    assert tutorial.key == () and "identify a row" in tutorial.why_not_editable()
    assert tutorial.has_update_triggers
    chosen = tutorial.with_key(["x"])
    assert chosen.key == ("x",) and chosen.key_source == "chosen" and not chosen.unique_key
    assert chosen.why_not_editable() is None
    with pytest.raises(QueryFailed, match="no column z"):
        tutorial.with_key(["z"])
    assert (quoted.schema, quoted.name, quoted.key) == ("Sales", "Some Table", ("Id",))
    assert quoted.qualified_name == '"Sales"."Some Table"'


@pg
def test_views_materialized_views_and_partitioned_tables(catalog_db) -> None:
    with catalog_db.connect() as conn:
        view = read_schema(conn, "active_customers")
        aggregate = read_schema(conn, "credit_totals")
        materialized = read_schema(conn, "emails")
        partitioned = read_schema(conn, "measurements")
    assert view.kind == "view" and view.updatable and view.key == ()
    assert view.with_key(["id"]).why_not_editable() is None
    assert aggregate.kind == "view" and not aggregate.updatable
    assert "cannot be updated" in aggregate.with_key(["active"]).why_not_editable()
    assert materialized.kind == "materialized view" and not materialized.updatable
    assert partitioned.kind == "partitioned table" and partitioned.key == ("id", "taken")


@pg
def test_a_missing_relation_says_so_in_words(catalog_db) -> None:
    with catalog_db.connect() as conn, pytest.raises(QueryFailed, match='no table or view nope '):
        read_schema(conn, "nope")


@pg
def test_column_privileges_of_a_role_that_may_update_one_column(catalog_db, pg_cluster: PgCluster, pg_db: PgDatabase) -> None:
    role = f"{pg_db.user}_clerk"
    pg_cluster.create_role(role, "clerk pw")
    try:
        with catalog_db.begin() as conn:
            conn.exec_driver_sql(f'GRANT SELECT ON customers, some_table TO "{role}"')
            conn.exec_driver_sql(f'GRANT UPDATE (email) ON customers TO "{role}"')
        engine = create_engine(pg_db.url.set(username=role, password="clerk pw"))
        try:
            with engine.connect() as conn:
                customers = read_schema(conn, "customers")
                tutorial = read_schema(conn, "some_table")
                listed = {e.name: e for e in list_relations(conn)}
        finally:
            engine.dispose()
        assert customers.why_column_read_only("email") is None
        assert "UPDATE privilege" in customers.why_column_read_only("active")
        assert customers.why_not_editable() is None
        assert tutorial.with_key(["x"]).why_not_editable() == (
            "Your role may read this table but not change it (it has no UPDATE privilege on it)."
        )
        assert set(listed) == {"customers", "some_table"}  # what the role may read
        assert listed["customers"].why_not_editable is None
        assert "UPDATE" in listed["some_table"].why_not_editable
    finally:
        pg_cluster.execute(psycopg2.sql.SQL("DROP OWNED BY {}").format(psycopg2.sql.Identifier(role)), pg_db.name)
        pg_cluster.drop_role(role)


@pg
def test_the_table_chooser_lists_every_kind(catalog_db) -> None:
    with catalog_db.begin() as conn:
        conn.exec_driver_sql("ANALYZE customers")
        entries = {(e.schema, e.name): e for e in list_relations(conn)}
    assert ("public", "measurements_2024") not in entries  # reached through its parent
    assert entries[("public", "customers")].kind == "table"
    assert entries[("public", "customers")].estimated_rows == 0
    assert entries[("public", "some_table")].estimated_rows is None  # never analyzed
    assert "choose the columns" in entries[("public", "some_table")].why_not_editable
    assert entries[("public", "credit_totals")].why_not_editable == "This view cannot be updated."
    assert entries[("public", "emails")].kind == "materialized view"
    assert entries[("public", "measurements")].kind == "partitioned table"
    assert entries[("Sales", "Some Table")].qualified_name == '"Sales"."Some Table"'


def test_the_sqlite_demo_through_its_pragmas(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE some_table (x INTEGER, y INTEGER)")
            conn.exec_driver_sql(
                "CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value NUMERIC, ok BOOLEAN,"
                " doubled INTEGER GENERATED ALWAYS AS (id * 2) STORED)"
            )
            conn.exec_driver_sql("CREATE TABLE pairs (a INTEGER NOT NULL, b TEXT NOT NULL, UNIQUE (a, b))")
            conn.exec_driver_sql("CREATE VIEW good AS SELECT * FROM readings WHERE ok")
        with engine.connect() as conn:
            readings = read_schema(conn, "readings")
            tutorial = read_schema(conn, "some_table")
            pairs = read_schema(conn, "pairs")
            view = read_schema(conn, "good")
            listed = [e.name for e in list_relations(conn)]
    finally:
        engine.dispose()
    assert [c.name for c in readings.columns] == ["id", "sensor", "value", "ok", "doubled"]
    assert readings.key == ("id",) and readings.column("sensor").type_name == "text"
    assert not readings.column("sensor").nullable and readings.column("doubled").generated
    assert tutorial.key == () and tutorial.with_key(["x"]).why_not_editable() is None
    assert pairs.key == ("a", "b")
    assert view.kind == "view" and not view.updatable
    assert listed == ["good", "pairs", "readings", "some_table"]
