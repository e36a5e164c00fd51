"""The benchmark's database: its own throwaway cluster and the tables it measures.

* ``t10m``: 10,000,000 random rows, index on ``(x, y)``.
* ``t1m``: 1,000,000 random rows, index on ``(x, y)``; ``t1m_noidx``: the same rows, no index.
* ``commit_t``: 1,000,000 rows with distinct ``x`` (1 … 1,000,000) and ``PRIMARY KEY (x)``.
  ``QSqlTableModel`` needs a primary key to write ``UPDATE ... WHERE x = ?``
  (without one it compares every column); the key's index also lets every other
  method find its rows by ``x``, so all commit methods get the same access path.

The read tables are UNLOGGED and built with one ``CREATE TABLE AS`` from
``generate_series`` each (then indexed with parallel workers): building them is most
of the benchmark's fixed cost.  ``commit_t`` is a normal, logged table: commits
write WAL as they would on a real server.  Autovacuum is off on every table so it
cannot start in the middle of a measurement; the benchmark vacuums between phases.
"""

from __future__ import annotations

import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgcluster import PgCluster  # noqa: E402

DATABASE = "bench"
USER = "bench"
VALUE_RANGE = 1_000_000  # x and y are random in [0, VALUE_RANGE)

READ_TABLES = {
    # name: (rows, indexed, copy of)
    "t1m": (1_000_000, True, None),
    "t1m_noidx": (1_000_000, False, "t1m"),
    "t10m": (10_000_000, True, None),
}
COMMIT_TABLE = "commit_t"
COMMIT_ROWS = 1_000_000


@dataclass(frozen=True)
class Target:
    """Where to connect (the server itself, or the delay proxy in front of it)."""

    host: str
    port: int
    user: str
    password: str
    database: str

    def connect(self, autocommit: bool = True) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.database, connect_timeout=10
        )
        conn.autocommit = autocommit
        return conn

    def via(self, port: int) -> Target:
        return Target(self.host, port, self.user, self.password, self.database)


def start_cluster() -> tuple[PgCluster, Target]:
    cluster = PgCluster().start()
    try:
        password = secrets.token_urlsafe(16)
        cluster.create_role(USER, password)
        cluster.create_database(DATABASE, owner=USER)
    except BaseException:
        cluster.stop()
        raise
    return cluster, Target(cluster.host, cluster.port, USER, password, DATABASE)


def build_tables(target: Target, log) -> dict[str, float]:
    """Create every table; returns seconds per step."""
    times: dict[str, float] = {}
    conn = target.connect()
    try:
        cur = conn.cursor()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET max_parallel_maintenance_workers = 2")

        def step(name: str, statement) -> None:
            started = time.perf_counter()
            cur.execute(statement)
            times[name] = time.perf_counter() - started
            log(f"  {name}: {times[name]:.1f} s")

        cur.execute("SELECT setseed(0.42)")
        for name, (rows, indexed, source) in READ_TABLES.items():
            ident = sql.Identifier(name)
            if source is not None:
                step(f"create {name}", sql.SQL("CREATE UNLOGGED TABLE {} AS TABLE {}").format(ident, sql.Identifier(source)))
            else:
                step(
                    f"create {name}",
                    sql.SQL(
                        "CREATE UNLOGGED TABLE {} AS SELECT (random() * {r})::integer AS x, (random() * {r})::integer AS y"
                        " FROM generate_series(1, {n})"
                    ).format(ident, r=sql.Literal(VALUE_RANGE - 1), n=sql.Literal(rows)),
                )
            if indexed:
                step(f"index {name}", sql.SQL("CREATE INDEX ON {} (x, y)").format(ident))
        ident = sql.Identifier(COMMIT_TABLE)
        step(
            f"create {COMMIT_TABLE}",
            sql.SQL(
                "CREATE TABLE {} AS SELECT g AS x, (random() * {r})::integer AS y FROM generate_series(1, {n}) AS g"
            ).format(ident, r=sql.Literal(VALUE_RANGE - 1), n=sql.Literal(COMMIT_ROWS)),
        )
        step(f"key {COMMIT_TABLE}", sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (x)").format(ident))
        for name in (*READ_TABLES, COMMIT_TABLE):
            cur.execute(sql.SQL("ALTER TABLE {} SET (autovacuum_enabled = off)").format(sql.Identifier(name)))
            step(f"vacuum {name}", sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return times


def vacuum(target: Target, table: str) -> None:
    conn = target.connect()
    try:
        conn.cursor().execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
    finally:
        conn.close()
