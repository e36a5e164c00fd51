"""Fixtures shared by every test: per-test user folders and a real PostgreSQL.

``pg_cluster`` starts one throwaway server per session (see ``pgcluster.py``);
``pg_db`` gives each test its own database, owned by its own login role whose
password holds every character that breaks a hand-built URL; ``pg_engine`` is
an Engine on it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from pgcluster import PgCluster, PgDatabase

# Before anything creates a QApplication; `make test` sets it too.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# @ : / # ? & % and a space: each one would break a URL built by formatting.
PG_PASSWORD = "p@ss:w/rd#?&% x"

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


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL server for the whole session."""
    if not PgCluster.available():
        reason = (
            "PostgreSQL server binaries not found (install the postgresql "
            "package, or set PG_BIN to the folder holding initdb and pg_ctl)"
        )
        # On CI a missing server is a broken machine, not a reason to pass.
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with PgCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_db(pg_cluster: PgCluster) -> Iterator[PgDatabase]:
    """A new database owned by a new role ``editor_<n>``; dropped afterwards."""
    n = next(_pg_names)
    name, user = f"editor_test_{n}", f"editor_{n}"
    pg_cluster.create_role(user, PG_PASSWORD)
    try:
        pg_cluster.create_database(name, owner=user)
        try:
            assert pg_cluster.port is not None
            yield PgDatabase(
                name=name,
                user=user,
                password=PG_PASSWORD,
                host=pg_cluster.host,
                port=pg_cluster.port,
                url=pg_cluster.url(name, user, PG_PASSWORD),
                admin_url=pg_cluster.url(name),
            )
        finally:
            pg_cluster.drop_database(name)
    finally:
        pg_cluster.drop_role(user)


@pytest.fixture
def pg_engine(pg_db: PgDatabase) -> Iterator[Engine]:
    """An Engine on ``pg_db`` as its owner; pre-ping so it survives a restart."""
    engine = create_engine(pg_db.url, pool_pre_ping=True)
    try:
        yield engine
    finally:
        engine.dispose()
