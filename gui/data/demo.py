"""The embedded demo database: a SQLite file holding the SQLAlchemy tutorial's rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Index, Integer, MetaData, Table, create_engine, delete, insert, inspect

from .config import TableSpec

TUTORIAL_ROWS = [(1, 1), (2, 4), (6, 8), (6, 8), (9, 10), (9, 10), (20, 20), (20, 20), (100, 100), (100, 100)]
DEMO_FILE = "demo.sqlite3"


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
    finally:
        engine.dispose()
    return path


def ensure_demo(path: Path, spec: TableSpec) -> Path:
    """The demo file, created and filled on first use.

    A file without the table (a first run killed while creating it leaves an empty
    file) is filled too; a file that has the table is left as the user edited it.
    """
    if not path.exists() or not _has_table(path, spec):
        reset_demo(path, spec)
    return path


def _has_table(path: Path, spec: TableSpec) -> bool:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    try:
        return inspect(engine).has_table(spec.table, schema=spec.schema)
    finally:
        engine.dispose()
