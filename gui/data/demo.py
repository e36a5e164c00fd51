"""The embedded demo database: a SQLite file holding the SQLAlchemy tutorial's rows,
and a second table of mixed types with NULLs (``customers``) that shows what the
editor does with any table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Index, Integer, MetaData, Table, create_engine, delete, insert, inspect, text

from .config import TableSpec

TUTORIAL_ROWS = [(1, 1), (2, 4), (6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]
DEMO_FILE = "demo.sqlite3"

# The mixed-type table, written as SQLite takes it (its type names decide the
# columns' codecs: see gui/data/codecs.py).
CUSTOMERS_TABLE = "customers"
_CUSTOMERS_DDL = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    credit REAL,
    active BOOLEAN NOT NULL DEFAULT 1,
    joined DATE,
    updated_at TIMESTAMP,
    note TEXT
)
"""
CUSTOMERS_ROWS = [
    (1, "Ada Lovelace", "ada@example.org", 1200.5, 1, "2023-01-09", "2024-05-01 09:15:00", None),
    (2, "Alan Turing", "alan@example.org", 310.25, 1, "2023-02-14", "2024-04-18 16:02:30", "prefers email"),
    (3, "Grace Hopper", None, 0.0, 1, "2023-03-03", None, None),
    (4, "Edsger Dijkstra", "ewd@example.org", None, 0, "2022-11-30", "2023-12-24 11:00:00", "account closed"),
    (5, "Barbara Liskov", "liskov@example.org", 87.9, 1, "2024-01-22", "2024-05-02 08:45:10", None),
    (6, "Donald Knuth", None, 2.56, 0, None, None, "cheques only; see letter of 1 March"),
    (7, "Frances Allen", "fran@example.org", 4500.0, 1, "2023-07-07", "2024-03-30 14:20:00", None),
    (8, "Ken Thompson", "ken@example.org", 15.75, 1, "2024-02-29", "2024-04-01 00:00:00", None),
    (9, "Margaret Hamilton", "mh@example.org", None, 1, "2023-09-12", None, "a long note that goes on: "
     "she led the team that wrote the on-board flight software for Apollo, and the note is long enough "
     "to be cut in its cell and shown whole in its tooltip"),
    (10, "Tony Hoare", "tony@example.org", 640.0, 1, "2022-06-01", "2024-01-15 10:10:10", None),
]


def _table(spec: TableSpec) -> Table:
    metadata = MetaData()
    table = Table(spec.table, metadata, Column(spec.key, Integer), Column(spec.value, Integer))
    # the keyset pages walk this index, as they would on a well-kept PostgreSQL table
    Index(f"{spec.table}_{spec.key}_{spec.value}_idx", table.c[spec.key], table.c[spec.value])
    return table


def reset_demo(path: Path, spec: TableSpec, rows=TUTORIAL_ROWS) -> Path:
    """Create the demo file if needed and put the tutorial's rows back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        table = _table(spec)
        with engine.begin() as conn:
            table.metadata.create_all(conn)
            conn.execute(delete(table))
            if rows:  # an empty executemany is deprecated in SQLAlchemy
                conn.execute(insert(table), [{spec.key: x, spec.value: y} for x, y in rows])
            _reset_customers(conn)
    finally:
        engine.dispose()
    return path


def _reset_customers(conn) -> None:
    conn.execute(text(_CUSTOMERS_DDL))
    conn.execute(text("DELETE FROM customers"))
    conn.execute(
        text(
            "INSERT INTO customers (id, name, email, credit, active, joined, updated_at, note)"
            " VALUES (:id, :name, :email, :credit, :active, :joined, :updated_at, :note)"
        ),
        [dict(zip(("id", "name", "email", "credit", "active", "joined", "updated_at", "note"), row)) for row in CUSTOMERS_ROWS],
    )


def ensure_demo(path: Path, spec: TableSpec) -> Path:
    """The demo file, created and filled on first use.

    A file without the table (a first run killed while creating it leaves an empty
    file) is filled too; a file that has the table is left as the user edited it.
    """
    if not path.exists() or not _has_table(path, spec):
        reset_demo(path, spec)
    elif not _has_table(path, TableSpec(table=CUSTOMERS_TABLE)):
        # a demo file from before the mixed-type table: add it, leave the rest as edited
        engine = create_engine(f"sqlite+pysqlite:///{path}")
        try:
            with engine.begin() as conn:
                _reset_customers(conn)
        finally:
            engine.dispose()
    return path


def _has_table(path: Path, spec: TableSpec) -> bool:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        return inspect(engine).has_table(spec.table, schema=spec.schema)
    finally:
        engine.dispose()
