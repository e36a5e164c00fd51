"""Review and commit of cell changes on any table: one transaction, all or nothing,
compare-and-set on what the user saw, conflicts never overwritten.

Tables are read as the application reads them (``read_schema``, then the rows
through ``transport.read_columns``), edited through :class:`CellEdits`, and every
database check is made from a second connection, as another user would see it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import column as sa_column
from sqlalchemy import select
from sqlalchemy import table as sa_table

from gui.data import cell_commit
from gui.data.cell_commit import (
    CellConflictError,
    commit_cells,
    confirm_cells,
    keep_mine_cell,
    preview_cells_sql,
    review_cells,
)
from gui.data.commit import ROW_SECURITY_NOTE, TRIGGER_NOTE
from gui.data.edits import CellChange, CellEdits, column_codecs
from gui.data.errors import ConstraintViolated, InvalidValue, QueryFailed
from gui.data.schema import TableSchema, read_schema
from gui.data.transport import read_columns
from test_data_support import wait_until


@dataclass
class Db:
    backend: str
    engine: Engine  # the application's
    other: Engine  # a second client

    @property
    def is_pg(self) -> bool:
        return self.backend == "postgresql"

    def run(self, *statements: str) -> None:
        """Statements committed by the second client."""
        with self.other.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))

    def rows(self, sql: str) -> list[tuple]:
        with self.other.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]

    def open(self, name: str, key: Sequence[str] | None = None) -> Table:
        with self.engine.connect() as conn:
            schema = read_schema(conn, name)
        if key is not None:
            schema = schema.with_key(key)
        return Table(self, schema, column_codecs(schema, dialect=self.backend))


@dataclass
class Table:
    db: Db
    schema: TableSchema
    codecs: dict

    def load(self, where: str = "") -> list[dict[str, object]]:
        """The rows as the application loads them (typed columns), optionally
        filtered as the user's filter would."""
        s = self.schema
        rel = sa_table(s.name, *(sa_column(c.name) for c in s.columns), schema=s.schema)
        stmt = select(*(rel.c[c.name] for c in s.columns))
        if where:
            stmt = stmt.where(text(where))
        types = [c.base_type if self.db.is_pg else c.type_name for c in s.columns]
        with self.db.engine.connect() as conn:
            loaded = read_columns(conn, stmt, types)
        return [dict(zip([c.name for c in s.columns], loaded.row(i))) for i in range(len(loaded))]

    def edits(self) -> CellEdits:
        return CellEdits(self.schema, self.codecs)

    def edit(self, edits: CellEdits, rows: list[dict], key: tuple, column: str, raw: str | None) -> None:
        """What typing ``raw`` into ``column`` of the row with ``key`` does."""
        seen = [r[column] for r in rows if tuple(r[k] for k in self.schema.key) == key]
        edits.apply(edits.plan_edit(key, column, raw, seen))

    def review(self, changes) -> list:
        return review_cells(self.db.engine, self.schema, self.codecs, list(changes))

    def commit(self, changes):
        return commit_cells(self.db.engine, self.schema, self.codecs, list(changes))


def _open(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    if backend == "sqlite":
        url = f"sqlite+pysqlite:///{tmp_path / 'demo.sqlite3'}"
        engine, other = create_engine(url), create_engine(url)
    else:
        pg_db = request.getfixturevalue("pg_db")
        engine, other = create_engine(pg_db.url, pool_pre_ping=True), create_engine(pg_db.url)
    try:
        yield Db(backend, engine, other)
    finally:
        engine.dispose()
        other.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    yield from _open(request.param, request, tmp_path)


@pytest.fixture
def pg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    yield from _open("postgresql", request, tmp_path)


@pytest.fixture
def lite(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    yield from _open("sqlite", request, tmp_path)


CUSTOMERS_PG = (
    "CREATE TABLE customers (id bigint PRIMARY KEY, email text, credit numeric(12,2), active boolean, updated_at timestamptz)",
    "INSERT INTO customers VALUES (1, 'ann@example.org', 10.00, true, '2024-01-01 10:00:00+00'),"
    " (2, 'bob@example.org', 20.50, false, NULL), (3, NULL, NULL, NULL, '2024-02-01 08:30:00+00')",
)
CUSTOMERS_SQLITE = (
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, credit REAL, active BOOLEAN, updated_at TIMESTAMP)",
    "INSERT INTO customers VALUES (1, 'ann@example.org', 10.0, 1, '2024-01-01 10:00:00'),"
    " (2, 'bob@example.org', 20.5, 0, NULL), (3, NULL, NULL, NULL, '2024-02-01 08:30:00')",
)


def customers(db: Db) -> Table:
    db.run(*(CUSTOMERS_PG if db.is_pg else CUSTOMERS_SQLITE))
    return db.open("customers")


# -- several columns, NULL ---------------------------------------------------------------


def test_edits_of_several_columns_commit_together(db: Db) -> None:
    table = customers(db)
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "email", "ann@new.example")
    table.edit(edits, rows, (1,), "credit", "12.50")
    table.edit(edits, rows, (2,), "active", None)
    table.edit(edits, rows, (2,), "email", None)
    stamp = "2024-05-01 12:00:00+02" if db.is_pg else "2024-05-01 12:00:00"
    table.edit(edits, rows, (3,), "updated_at", stamp)
    table.edit(edits, rows, (3,), "email", "")
    assert len(edits) == 6

    review = table.review(edits.changes())
    assert [(i.change.key, i.column, i.rows) for i in review] == [
        ((1,), "email", 1), ((1,), "credit", 1), ((2,), "email", 1), ((2,), "active", 1),
        ((3,), "email", 1), ((3,), "updated_at", 1),
    ]  # fmt: skip
    texts = {(i.key, i.column): i.stored_text for i in review}
    assert texts[((2,), "active")] == "NULL"
    assert texts[((3,), "email")] == ""
    if db.is_pg:
        assert texts[((1,), "credit")] == "12.50"
        assert texts[((3,), "updated_at")] == "2024-05-01 10:00:00+00"  # the server's own print, UTC session

    result = table.commit(confirm_cells(review))
    assert (result.changes, result.rows) == (6, 3)  # six cells in three rows
    assert result.altered == []
    if db.is_pg:
        assert db.rows("SELECT id, email, CAST(credit AS text), active, updated_at FROM customers ORDER BY id") == [
            (1, "ann@new.example", "12.50", True, dt.datetime(2024, 1, 1, 10, tzinfo=dt.timezone.utc)),
            (2, None, "20.50", None, None),
            (3, "", None, None, dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc)),
        ]
        assert result.stored[((1,), "credit")] == (Decimal("12.50"),)
        assert result.stored[((3,), "updated_at")] == (dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone.utc),)
    else:
        assert db.rows("SELECT id, email, credit, active, updated_at FROM customers ORDER BY id") == [
            (1, "ann@new.example", 12.5, 1, "2024-01-01 10:00:00"),
            (2, None, 20.5, None, None),
            (3, "", None, None, "2024-05-01 12:00:00"),
        ]
    assert result.stored[((2,), "active")] == (None,)
    # what is loaded now is what was committed: nothing would be pending again
    after = table.load()
    for change in edits.changes():
        assert after[change.key[0] - 1][change.column] == result.stored[change.cell][0]


def test_nothing_to_commit_or_review(db: Db) -> None:
    table = customers(db)
    assert table.review([]) == []
    result = table.commit([])
    assert (result.changes, result.rows, result.stored, result.altered) == (0, 0, {}, [])


@pytest.mark.postgres
def test_numeric_is_stored_exactly(pg: Db) -> None:
    pg.run("CREATE TABLE prices (id integer PRIMARY KEY, amount numeric(12,2), ratio numeric, f real)")
    pg.run("INSERT INTO prices VALUES (1, 1.00, 1.0, 0.1), (2, 2.00, 2, 0.5)")
    table = pg.open("prices")
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "amount", "12.50")
    table.edit(edits, rows, (1,), "ratio", "0.1000000000000000000000000001")
    table.edit(edits, rows, (2,), "ratio", "2.000")  # 2 and 2.000 are equal numbers, not the same text
    table.edit(edits, rows, (2,), "f", "0.3")
    assert len(edits) == 4
    result = table.commit(edits.changes())
    assert result.rows == 2
    assert pg.rows("SELECT id, CAST(amount AS text), CAST(ratio AS text), CAST(f AS text) FROM prices ORDER BY id") == [
        (1, "12.50", "0.1000000000000000000000000001", "0.1"),
        (2, "2.00", "2.000", "0.3"),
    ]
    assert result.stored[((2,), "f")] == (0.3,)
    assert result.altered == []


# -- a key the user chose, duplicate rows ------------------------------------------------------


def test_chosen_key_changes_duplicate_rows_together(db: Db) -> None:
    db.run(
        "CREATE TABLE readings (x integer, y integer, note text)",
        "INSERT INTO readings VALUES (1, 10, 'a'), (1, 10, 'a'), (1, 20, 'b'), (2, 5, 'c'), (NULL, 1, 'n')",
    )
    table = db.open("readings", key=["x"])
    assert not table.schema.unique_key
    edits = table.edits()
    # the user's filter shows y > 15 only: one of key 1's three rows
    table.edit(edits, table.load("y > 15"), (1,), "y", "7")
    (change,) = edits.changes()
    assert change.seen == (20,)

    # before a review the commit insists on what was seen: the hidden rows differ
    with pytest.raises(CellConflictError) as caught:
        table.commit([change])
    assert caught.value.conflicts == [(change, (10, 10, 20))]
    assert db.rows("SELECT y FROM readings WHERE x = 1 ORDER BY y") == [(10,), (10,), (20,)]

    (item,) = table.review([change])
    assert (item.rows, item.current, item.missing) == (3, (10, 10, 20), False)
    result = table.commit(confirm_cells([item]))
    assert (result.changes, result.rows) == (1, 3)
    assert result.stored == {((1,), "y"): (7, 7, 7)}
    assert sorted(db.rows("SELECT x, y, note FROM readings"), key=str) == sorted(
        [(1, 7, "a"), (1, 7, "a"), (1, 7, "b"), (2, 5, "c"), (None, 1, "n")], key=str
    )


def test_a_row_with_a_null_key_cannot_be_edited(db: Db) -> None:
    db.run("CREATE TABLE readings (x integer, y integer)", "INSERT INTO readings VALUES (NULL, 1)")
    table = db.open("readings", key=["x"])
    with pytest.raises(InvalidValue, match="key column x is NULL"):
        table.edits().plan_edit((None,), "y", "2", [1])


def test_two_key_columns(db: Db) -> None:
    db.run(
        "CREATE TABLE pairs (a text, b integer, v text, PRIMARY KEY (a, b))",
        "INSERT INTO pairs VALUES ('x', 1, 'one'), ('x', 2, 'two'), ('y', 1, 'three')",
    )
    table = db.open("pairs")
    assert table.schema.key == ("a", "b")
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, ("x", 2), "v", "deux")
    table.edit(edits, rows, ("y", 1), "v", "trois")
    result = table.commit(confirm_cells(table.review(edits.changes())))
    assert result.rows == 2
    assert db.rows("SELECT a, b, v FROM pairs ORDER BY a, b") == [("x", 1, "one"), ("x", 2, "deux"), ("y", 1, "trois")]


# -- conflicts ---------------------------------------------------------------------------


def test_conflict_writes_nothing_and_keep_mine_commits(db: Db) -> None:
    table = customers(db)
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "email", "mine@example.org")
    table.edit(edits, rows, (2,), "credit", "99.99")
    confirmed = confirm_cells(table.review(edits.changes()))
    # another client changes row 1 between the review and the commit
    db.run("UPDATE customers SET email = 'theirs@example.org' WHERE id = 1")

    with pytest.raises(CellConflictError) as caught:
        table.commit(confirmed)
    (conflict,) = caught.value.conflicts
    assert conflict == (confirmed[0], ("theirs@example.org",))
    assert "Nothing was written" in caught.value.message
    assert db.rows("SELECT id, email FROM customers WHERE id IN (1, 2) ORDER BY id") == [
        (1, "theirs@example.org"), (2, "bob@example.org"),
    ]  # fmt: skip
    assert db.rows("SELECT CAST(credit AS text) FROM customers WHERE id = 2") == [("20.50" if db.is_pg else "20.5",)]

    resolved = [keep_mine_cell(confirmed[0], conflict[1]), confirmed[1]]
    assert resolved[0].seen == resolved[0].confirmed == ("theirs@example.org",)
    result = table.commit(resolved)
    assert result.rows == 2
    assert db.rows("SELECT email FROM customers WHERE id = 1") == [("mine@example.org",)]


def test_deleted_row_is_a_conflict(db: Db) -> None:
    table = customers(db)
    edits = table.edits()
    table.edit(edits, table.load(), (3,), "email", "c@example.org")
    db.run("DELETE FROM customers WHERE id = 3")
    (item,) = table.review(edits.changes())
    assert item.missing and item.rows == 0
    with pytest.raises(CellConflictError) as caught:
        table.commit(edits.changes())
    assert caught.value.conflicts[0][1] == ()
    # accepting that the row is gone commits nothing, without complaint
    result = table.commit([keep_mine_cell(edits.changes()[0], ())])
    assert (result.changes, result.rows, result.stored) == (1, 0, {((3,), "email"): ()})


def test_every_conflict_of_every_chunk_is_listed(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cell_commit, "CHUNK", 2)
    monkeypatch.setattr(cell_commit, "SQLITE_CHUNK", 2)
    db.run("CREATE TABLE t (id integer PRIMARY KEY, v integer)", "INSERT INTO t VALUES " + ", ".join(f"({i}, {i})" for i in range(1, 8)))
    table = db.open("t")
    rows = table.load()
    edits = table.edits()
    for i in range(1, 8):
        table.edit(edits, rows, (i,), "v", str(100 + i))
    db.run("UPDATE t SET v = -1 WHERE id IN (2, 6)")
    with pytest.raises(CellConflictError) as caught:
        table.commit(edits.changes())
    assert [(c.key, now) for c, now in caught.value.conflicts] == [((2,), (-1,)), ((6,), (-1,))]
    assert db.rows("SELECT v FROM t ORDER BY id") == [(1,), (-1,), (3,), (4,), (5,), (-1,), (7,)]
    # without them, all chunks commit in one transaction
    result = table.commit([c for c in edits.changes() if c.key not in ((2,), (6,))])
    assert result.rows == 5
    assert db.rows("SELECT v FROM t ORDER BY id") == [(101,), (-1,), (103,), (104,), (105,), (-1,), (107,)]


@pytest.mark.postgres
def test_a_change_made_while_the_commit_waits_is_a_conflict(pg: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another client has changed row 1 but not committed yet when the commit
    starts: the commit waits for its row, finds on it another value than it
    compared, leaves it alone, starts over and reports the conflict."""
    attempts: list[int] = []
    attempt = cell_commit._commit_postgresql
    monkeypatch.setattr(cell_commit, "_commit_postgresql", lambda *args: attempts.append(1) or attempt(*args))
    table = customers(pg)
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "email", "mine@example.org")
    table.edit(edits, rows, (2,), "email", "mine2@example.org")
    outcome: list[object] = []
    with pg.other.connect() as other:
        other.execute(text("UPDATE customers SET email = 'theirs@example.org' WHERE id = 1"))
        pid = other.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def commit() -> None:
            try:
                outcome.append(table.commit(edits.changes()))
            except CellConflictError as error:
                outcome.append(error)

        worker = threading.Thread(target=commit)
        worker.start()
        wait_until(lambda: _blocked_by(pg, pid), what="the commit to wait for the other client's row")
        other.commit()
    worker.join(timeout=30)
    (error,) = outcome
    assert isinstance(error, CellConflictError)
    assert [(c.key, now) for c, now in error.conflicts] == [((1,), ("theirs@example.org",))]
    assert len(attempts) == 2  # the first one found the row changed under it and started over
    assert pg.rows("SELECT id, email FROM customers WHERE id < 3 ORDER BY id") == [(1, "theirs@example.org"), (2, "bob@example.org")]


@pytest.mark.postgres
def test_a_change_of_another_column_meanwhile_is_kept(pg: Db) -> None:
    table = customers(pg)
    edits = table.edits()
    table.edit(edits, table.load(), (1,), "email", "mine@example.org")
    outcome: list[object] = []
    with pg.other.connect() as other:
        other.execute(text("UPDATE customers SET credit = 77 WHERE id = 1"))
        pid = other.execute(text("SELECT pg_backend_pid()")).scalar_one()
        worker = threading.Thread(target=lambda: outcome.append(table.commit(edits.changes())))
        worker.start()
        wait_until(lambda: _blocked_by(pg, pid), what="the commit to wait for the other client's row")
        other.commit()
    worker.join(timeout=30)
    assert outcome[0].rows == 1
    assert pg.rows("SELECT email, CAST(credit AS text) FROM customers WHERE id = 1") == [("mine@example.org", "77.00")]


def _blocked_by(db: Db, pid: int) -> bool:
    with db.other.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY (pg_blocking_pids(pid))"), {"pid": pid}).scalar_one())


# -- what the server decides --------------------------------------------------------------


@pytest.mark.postgres
def test_trigger_that_alters_the_value_is_reported(pg: Db) -> None:
    pg.run(
        "CREATE TABLE stock (id integer PRIMARY KEY, qty integer, label text)",
        "INSERT INTO stock VALUES (1, 5, 'a'), (2, 6, 'b')",
        "CREATE FUNCTION cap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.qty > 100 THEN NEW.qty := NEW.qty / 10; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER cap BEFORE UPDATE ON stock FOR EACH ROW EXECUTE FUNCTION cap()",
    )
    table = pg.open("stock")
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "qty", "500")
    table.edit(edits, rows, (2,), "qty", "60")
    table.edit(edits, rows, (2,), "label", "B")
    review = table.review(edits.changes())
    assert TRIGGER_NOTE in review.notes and ROW_SECURITY_NOTE not in review.notes
    result = table.commit(confirm_cells(review))
    assert [c.cell for c in result.altered] == [((1,), "qty")]
    assert result.stored[((1,), "qty")] == (50,)
    assert result.stored[((2,), "qty")] == (60,)
    assert pg.rows("SELECT id, qty, label FROM stock ORDER BY id") == [(1, 50, "a"), (2, 60, "B")]


def test_sqlite_trigger_is_noted(lite: Db) -> None:
    db = lite
    db.run(
        "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER)",
        "INSERT INTO stock VALUES (1, 5)",
        "CREATE TRIGGER cap AFTER UPDATE ON stock WHEN NEW.qty > 100 BEGIN UPDATE stock SET qty = NEW.qty / 10 WHERE id = NEW.id; END",
    )
    table = db.open("stock")
    edits = table.edits()
    table.edit(edits, table.load(), (1,), "qty", "500")
    assert TRIGGER_NOTE in table.review(edits.changes()).notes
    result = table.commit(edits.changes())
    assert result.altered == edits.changes()
    assert result.stored == {((1,), "qty"): (50,)}


@pytest.mark.postgres
def test_domain_check_is_judged_by_the_server(pg: Db) -> None:
    pg.run(
        "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
        "CREATE DOMAIN code AS varchar(8) NOT NULL CHECK (VALUE ~ '^[A-Z]+$')",
        "CREATE TABLE parts (id integer PRIMARY KEY, qty positive, tag code)",
        "INSERT INTO parts VALUES (1, 1, 'AB'), (2, 2, 'CD'), (3, 3, 'EF')",
    )
    table = pg.open("parts")
    assert table.codecs["qty"].type_name == "integer" and not table.codecs["tag"].nullable
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "qty", "10")
    table.edit(edits, rows, (2,), "qty", "-5")  # the integer codec takes it; the domain does not
    table.edit(edits, rows, (3,), "qty", "30")
    table.edit(edits, rows, (3,), "tag", "GH")
    with pytest.raises(InvalidValue) as caught:
        table.review(edits.changes())
    message = caught.value.message
    assert message.startswith("qty: the server refuses '-5': ")
    assert 'value for domain positive violates check constraint "positive_check"' in message

    edits.apply(edits.plan_edit((2,), "qty", "20", [2]))
    table.edit(edits, rows, (1,), "tag", "lower")
    with pytest.raises(InvalidValue, match=r"tag: the server refuses 'lower': .*domain code"):
        table.review(edits.changes())
    with pytest.raises(InvalidValue, match="NOT NULL"):
        edits.plan_edit((1,), "tag", None, ["AB"])

    edits.apply(edits.plan_edit((1,), "tag", "IJ", ["AB"]))
    review = table.review(edits.changes())
    assert {(i.key, i.column): i.stored_text for i in review} == {
        ((1,), "qty"): "10", ((1,), "tag"): "IJ", ((2,), "qty"): "20", ((3,), "qty"): "30", ((3,), "tag"): "GH",
    }  # fmt: skip
    result = table.commit(confirm_cells(review))
    assert result.rows == 3
    assert pg.rows("SELECT id, qty, tag FROM parts ORDER BY id") == [(1, 10, "IJ"), (2, 20, "CD"), (3, 30, "GH")]


@pytest.mark.postgres
def test_the_database_refusing_the_commit_writes_nothing(pg: Db) -> None:
    pg.run(
        "CREATE TABLE limits (id integer PRIMARY KEY, v integer CHECK (v < 100))",
        "INSERT INTO limits VALUES (1, 1), (2, 2)",
    )
    table = pg.open("limits")
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "v", "50")
    table.edit(edits, rows, (2,), "v", "500")
    with pytest.raises(ConstraintViolated, match="limits_v_check"):
        table.commit(edits.changes())
    assert pg.rows("SELECT v FROM limits ORDER BY id") == [(1,), (2,)]


@pytest.mark.postgres
def test_updatable_view_is_edited_through_its_key_columns(pg: Db) -> None:
    pg.run(
        "CREATE TABLE items (id integer PRIMARY KEY, name text, price numeric(8,2), secret text)",
        "INSERT INTO items VALUES (1, 'pen', 1.50, 's1'), (2, 'book', 12.00, 's2'), (3, 'car', 9000, 's3')",
        "CREATE VIEW cheap AS SELECT id, name, price FROM items WHERE price < 100",
    )
    table = pg.open("cheap", key=["id"])
    assert table.schema.kind == "view"
    rows = table.load()
    assert [r["id"] for r in rows] == [1, 2]
    edits = table.edits()
    table.edit(edits, rows, (1,), "name", "fountain pen")
    table.edit(edits, rows, (2,), "price", "11.99")
    table.edit(edits, rows, (2,), "name", "Book")
    result = table.commit(confirm_cells(table.review(edits.changes())))
    assert result.rows == 2
    assert pg.rows("SELECT id, name, CAST(price AS text), secret FROM items ORDER BY id") == [
        (1, "fountain pen", "1.50", "s1"), (2, "Book", "11.99", "s2"), (3, "car", "9000.00", "s3"),
    ]  # fmt: skip


@pytest.mark.postgres
def test_partitioned_and_inherited_tables(pg: Db) -> None:
    pg.run(
        "CREATE TABLE events (id integer, day date, what text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
        "CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
        "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "INSERT INTO events VALUES (1, '2023-05-01', 'a'), (1, '2024-05-01', 'b'), (2, '2024-06-01', 'c')",
        "CREATE TABLE base (id integer, v text)",
        "CREATE TABLE child (extra integer) INHERITS (base)",
        "INSERT INTO base VALUES (1, 'parent')",
        "INSERT INTO child VALUES (1, 'child', 0), (2, 'other', 0)",
    )
    events = pg.open("events")
    assert events.schema.kind == "partitioned table" and events.schema.key == ("id", "day")
    rows = events.load()
    edits = events.edits()
    events.edit(edits, rows, (1, dt.date(2023, 5, 1)), "what", "A")
    events.edit(edits, rows, (1, dt.date(2024, 5, 1)), "what", "B")
    assert events.commit(edits.changes()).rows == 2
    assert pg.rows("SELECT id, day, what FROM events ORDER BY day") == [
        (1, dt.date(2023, 5, 1), "A"), (1, dt.date(2024, 5, 1), "B"), (2, dt.date(2024, 6, 1), "c"),
    ]  # fmt: skip

    # a chosen key over a parent and its child: the rows of both with that key change together
    base = pg.open("base", key=["id"])
    edits = base.edits()
    base.edit(edits, base.load(), (1,), "v", "both")
    (item,) = base.review(edits.changes())
    assert item.current == ("child", "parent")
    assert base.commit(confirm_cells([item])).rows == 2
    assert pg.rows("SELECT id, v FROM base ORDER BY id, v") == [(1, "both"), (1, "both"), (2, "other")]


@pytest.mark.postgres
def test_many_types_round_trip_through_the_commit(pg: Db) -> None:
    """Keys and values of types read as text (time, uuid, json, enum), char(n)'s
    padding and a timestamp: compared and written exactly."""
    pg.run(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE TABLE misc (at time PRIMARY KEY, u uuid, j json, b jsonb, m mood, c char(4), ts timestamp(3), \"Odd:Name\" text)",
        "INSERT INTO misc VALUES ('13:45:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"b\": 1,  \"a\": 2}',"
        " '{\"b\": 1}', 'ok', 'ab', '2024-01-01 00:00:00.125', 'x')",
    )
    table = pg.open("misc")
    rows = table.load()
    (row,) = rows
    assert row["at"] == "13:45:00" and row["c"] == "ab  "
    key = (row["at"],)
    edits = table.edits()
    table.edit(edits, rows, key, "u", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12")
    table.edit(edits, rows, key, "j", '{"z": [1, 2]}')
    table.edit(edits, rows, key, "b", '{"c": 3, "a": 1}')
    table.edit(edits, rows, key, "m", "happy")
    table.edit(edits, rows, key, "c", "xy")
    table.edit(edits, rows, key, "ts", "2024-02-29 23:59:59.5")
    table.edit(edits, rows, key, "Odd:Name", "y")
    review = table.review(edits.changes())
    assert [i.current for i in review] == [
        ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",), ('{"b": 1,  "a": 2}',), ('{"b": 1}',), ("ok",), ("ab  ",),
        (dt.datetime(2024, 1, 1, 0, 0, 0, 125000),), ("x",),
    ]  # fmt: skip
    result = table.commit(confirm_cells(review))
    assert result.rows == 1 and result.altered == []
    assert pg.rows('SELECT CAST(at AS text), CAST(u AS text), CAST(j AS text), CAST(b AS text), CAST(m AS text), c, ts, "Odd:Name" FROM misc') == [
        ("13:45:00", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12", '{"z": [1, 2]}', '{"a": 1, "c": 3}', "happy", "xy  ",
         dt.datetime(2024, 2, 29, 23, 59, 59, 500000), "y"),
    ]  # fmt: skip
    assert table.load()[0]["b"] == '{"a": 1, "c": 3}'
    # the committed values are what is loaded now: a second commit of the same base conflicts
    with pytest.raises(CellConflictError):
        table.commit(edits.changes())


@pytest.mark.postgres
def test_ten_thousand_changes_over_two_columns_in_few_round_trips(pg: Db) -> None:
    pg.run(
        "CREATE TABLE big (id integer PRIMARY KEY, a integer, b text)",
        "INSERT INTO big SELECT i, i, 'v' || i FROM generate_series(1, 20000) AS i",
        "ANALYZE big",
    )
    table = pg.open("big")
    changes = [CellChange((i,), "a", -i, (i,)) for i in range(1, 5001)]
    changes += [CellChange((i,), "b", f"w{i}", (f"v{i}",)) for i in range(2501, 7501)]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(pg.engine, "before_cursor_execute", count)
    try:
        result = table.commit(changes)
    finally:
        event.remove(pg.engine, "before_cursor_execute", count)
    assert (result.changes, result.rows) == (10_000, 7_500)
    assert len(statements) <= 5, statements
    assert pg.rows("SELECT count(*) FROM big WHERE a = -id") == [(5000,)]
    assert pg.rows("SELECT count(*) FROM big WHERE b = 'w' || id") == [(5000,)]
    assert pg.rows("SELECT count(*) FROM big WHERE a = id AND b = 'v' || id") == [(20000 - 7500,)]


def test_preview_shows_the_statements_with_their_values(db: Db) -> None:
    table = customers(db)
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "email", "it's@example.org")
    table.edit(edits, rows, (2,), "credit", "3.25")
    sql = preview_cells_sql(db.engine.dialect, table.schema, edits.changes())
    assert "UPDATE" in sql and "it''s@example.org" in sql
    if db.is_pg:
        # it is the statement the commit runs, values in place: the server takes it
        body = sql.removeprefix("BEGIN;\n").removesuffix(";\nCOMMIT;")
        with db.other.connect() as conn:
            conn.exec_driver_sql(body)
            conn.rollback()
        assert db.rows("SELECT email FROM customers WHERE id = 1") == [("ann@example.org",)]


def test_changes_of_one_cell_twice_are_a_bug(db: Db) -> None:
    table = customers(db)
    change = CellChange((1,), "email", "x", ("ann@example.org",))
    with pytest.raises(ValueError, match="two changes"):
        table.commit([change, replace(change, new="y")])


def test_the_preview_of_many_changes_writes_out_the_first_rows_and_says_the_rest(db: Db, monkeypatch) -> None:
    import gui.data.cell_commit as cell_commit

    monkeypatch.setattr(cell_commit, "PREVIEW_ROWS", 1)
    table = customers(db)
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (1,), "email", "first@example.org")
    table.edit(edits, rows, (2,), "email", "second@example.org")
    sql = preview_cells_sql(db.engine.dialect, table.schema, edits.changes())
    assert sql.startswith("-- the values of the first 1 of 2 rows are written out here")
    assert "first@example.org" in sql and "second@example.org" not in sql


# -- infinite dates and timestamps ---------------------------------------------------------


@pytest.mark.postgres
def test_an_infinite_date_is_reviewed_as_infinity_and_changed_like_any_value(pg: Db) -> None:
    """psycopg2 alone reads infinity as 9999-12-31: the review would name a date the
    database does not hold, and a change from a loaded infinity was a conflict at
    every commit."""
    pg.run(
        "CREATE TABLE events (id int PRIMARY KEY, d date, at timestamptz)",
        "INSERT INTO events VALUES (1, 'infinity', '-infinity'), (2, '9999-12-31', '2024-01-01 00:00+00')",
    )
    table = pg.open("events")
    edits = table.edits()
    # seen as the window shows them (and an import reads them from its loaded rows): the words
    edits.apply(edits.plan_edit((1,), "d", "2024-02-29", ("infinity",)))
    edits.apply(edits.plan_edit((1,), "at", "2024-03-01 12:00:00+00", ("-infinity",)))
    items = table.review(edits.changes())
    assert sorted(item.current for item in items) == [("-infinity",), ("infinity",)]
    result = table.commit(confirm_cells(items))
    assert (result.changes, result.rows) == (2, 1)  # two cells of one row
    assert pg.rows("SELECT CAST(d AS text), CAST(at AS text) FROM events WHERE id = 1") == [("2024-02-29", "2024-03-01 12:00:00+00")]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("loaded", "theirs"),
    [
        ("9999-12-31", "infinity"),  # psycopg2 alone reads infinity as 9999-12-31, what was loaded
        ("2000-01-01", "0044-03-15 BC"),  # psycopg2 alone cannot read 44 BC (it raises for the whole result)
    ],
)
def test_another_clients_date_no_datetime_holds_is_a_conflict_that_says_it(pg: Db, loaded: str, theirs: str) -> None:
    """The review and the commit read such a date as the server's text, and say it."""
    pg.run("CREATE TABLE events (id int PRIMARY KEY, d date)", f"INSERT INTO events VALUES (2, '{loaded}')")
    table = pg.open("events")
    rows = table.load()
    edits = table.edits()
    table.edit(edits, rows, (2,), "d", "2024-01-01")
    pg.run(f"UPDATE events SET d = '{theirs}' WHERE id = 2")  # after the load, before the review
    (item,) = table.review(edits.changes())
    assert item.current == (theirs,)
    with pytest.raises(CellConflictError) as caught:
        table.commit(edits.changes())
    assert caught.value.conflicts[0][1] == (theirs,)
    assert pg.rows("SELECT CAST(d AS text) FROM events") == [(theirs,)]


def test_rows_a_row_policy_will_not_update_are_named_and_nothing_is_written(pg: Db) -> None:
    """The review counts the rows the role may see; the policy lets it update only
    its own: the commit writes nothing and names the rows left alone."""
    pg.run(
        "CREATE TABLE owned (id int PRIMARY KEY, owner text, v int)",
        "INSERT INTO owned VALUES (1, 'me', 1), (2, 'them', 2), (3, 'them', 3)",
        "ALTER TABLE owned ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE owned FORCE ROW LEVEL SECURITY",  # the owner too: the test's role owns it
        "CREATE POLICY see_all ON owned FOR SELECT USING (true)",
        "CREATE POLICY change_mine ON owned FOR UPDATE USING (owner = 'me')",
    )
    table = pg.open("owned")
    rows = table.load()
    edits = table.edits()
    for key, typed in (((1,), "10"), ((2,), "20"), ((3,), "30")):
        table.edit(edits, rows, key, "v", typed)
    assert [item.rows for item in table.review(edits.changes())] == [1, 1, 1]
    with pytest.raises(QueryFailed, match=r"row-level security.* Not updated: id = 2; id = 3\.$"):
        table.commit(edits.changes())
    assert pg.rows("SELECT id, v FROM owned ORDER BY id") == [(1, 1), (2, 2), (3, 3)]


def test_text_keys_left_alone_are_named_quoted_as_in_sql(pg: Db) -> None:
    pg.run(
        "CREATE TABLE named (k text PRIMARY KEY, v int)",
        "INSERT INTO named VALUES ('O''Brien', 1), ('a; k = b', 2), ('', 3)",
        "CREATE FUNCTION keep_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER keep_all BEFORE UPDATE ON named FOR EACH ROW EXECUTE FUNCTION keep_all()",
    )
    table = pg.open("named")
    rows = table.load()
    edits = table.edits()
    for key in (("O'Brien",), ("a; k = b",), ("",)):
        table.edit(edits, rows, key, "v", "9")
    with pytest.raises(QueryFailed, match=r" Not updated: k = ''; k = 'O''Brien'; k = 'a; k = b'\.$"):
        table.commit(edits.changes())
