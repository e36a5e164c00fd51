"""The throwaway PostgreSQL fixtures: real logins, quoted passwords, restarts."""

from __future__ import annotations

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from pgcluster import PgCluster, PgDatabase

pytestmark = pytest.mark.postgres


def test_special_character_password_logs_in(pg_db: PgDatabase) -> None:
    assert set("@:/#?&% ") <= set(pg_db.password)
    engine = create_engine(pg_db.url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT current_user, current_database()")).one()
    finally:
        engine.dispose()
    assert tuple(row) == (pg_db.user, pg_db.name)
    assert pg_db.password not in pg_db.url.render_as_string(hide_password=True)


def test_wrong_password_is_refused(pg_db: PgDatabase) -> None:
    engine = create_engine(pg_db.url.set(password=pg_db.password + "!"))
    try:
        with pytest.raises(OperationalError) as excinfo:
            engine.connect()
    finally:
        engine.dispose()
    assert isinstance(excinfo.value.orig, psycopg2.OperationalError)
    assert f'password authentication failed for user "{pg_db.user}"' in str(excinfo.value.orig)


def test_owner_can_create_tables(pg_engine: Engine) -> None:
    with pg_engine.begin() as connection:
        connection.execute(text("CREATE TABLE some_table (x integer PRIMARY KEY, y integer)"))
        connection.execute(text("INSERT INTO some_table VALUES (:x, :y)"), {"x": 1, "y": 2})
    with pg_engine.connect() as connection:
        assert connection.execute(text("SELECT y FROM some_table")).scalar_one() == 2


def test_admin_url_is_superuser(pg_db: PgDatabase) -> None:
    engine = create_engine(pg_db.admin_url)
    try:
        with engine.connect() as connection:
            is_superuser = connection.execute(text("SHOW is_superuser")).scalar_one()
            database = connection.execute(text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert (is_superuser, database) == ("on", pg_db.name)


def test_engine_survives_restart(pg_cluster: PgCluster, pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        before = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    pg_cluster.restart()

    # The pooled connection died with the old server; pre-ping replaces it.
    with pg_engine.connect() as connection:
        after = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert after != before
