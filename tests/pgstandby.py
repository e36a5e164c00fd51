"""A hot standby of a running :class:`~pgcluster.PgCluster`, for read-only tests.

Qt-free and pytest-free::

    with PgCluster() as primary, PgStandby(primary) as standby:
        primary.create_database("late")
        standby.wait_for_database("late")
        assert standby.in_recovery()

``pg_basebackup -R`` copies the primary over its Unix socket (which trusts,
and whose default ``pg_hba.conf`` from ``initdb --auth-local=trust`` has
``local replication all trust``; ``wal_level = replica`` and
``max_wal_senders = 10`` are PostgreSQL's defaults) and writes
``standby.signal`` with a ``primary_conninfo`` that streams from the same
socket.  The standby then runs like any :class:`PgCluster`: on 127.0.0.1, on
its own free port, in its own temp dir, with ``hot_standby = on``.  The data
directory is a copy, so its ``pg_hba.conf`` and roles are the primary's: the
same superuser password, the same scram-sha-256 logins for every role,
including those created on the primary later.  It is read-only: ``create_role``
and the like fail on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import psycopg2

from pgcluster import PgCluster, PgClusterError


class PgStandby(PgCluster):
    """A streaming hot standby of ``primary``, started and stopped like a cluster."""

    _temp_prefix = "pgstandby-"

    def __init__(self, primary: PgCluster, *, settings: Mapping[str, str] | None = None) -> None:
        super().__init__(primary.bin_dir, settings={"hot_standby": "on", **(settings or {})})
        self.primary = primary
        # The catalog is a copy, so is the superuser's password.
        self.superuser_password = primary.superuser_password

    def _create_data_dir(self) -> None:
        primary = self.primary
        if primary.port is None or primary.base_dir is None:
            raise PgClusterError("the primary is not started")
        if self._as_root:
            self._hand_to_service_user(self._base())
        self._run(
            [
                str(self.bin_dir / "pg_basebackup"),
                "--pgdata", str(self.data_dir),
                "--host", str(primary.base_dir),  # the primary's socket dir
                "--port", str(primary.port),
                "--username", primary.superuser,
                "--wal-method=stream",
                "--write-recovery-conf",
                "--checkpoint=fast",
                "--no-sync",
            ],
            "pg_basebackup",
        )  # fmt: skip

    # -- replication -----------------------------------------------------------

    def _query_one(self, statement: str, params: tuple[object, ...] = ()) -> object:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                row = cursor.fetchone()
        finally:
            connection.close()
        return None if row is None else row[0]

    def in_recovery(self) -> bool:
        """``pg_is_in_recovery()`` on the standby (true while it is one)."""
        return bool(self._query_one("SELECT pg_is_in_recovery()"))

    def wait_for_database(self, name: str, timeout: float = 30.0) -> None:
        """Poll until a database (say, created on the primary after the backup)
        shows on the standby; :class:`PgClusterError` after ``timeout`` seconds."""
        self._wait(
            lambda: self._query_one("SELECT 1 FROM pg_database WHERE datname = %s", (name,)) == 1,
            timeout,
            f"database {name!r} did not reach the standby",
        )

    def wait_for_catchup(self, timeout: float = 30.0) -> None:
        """Poll until the standby has replayed everything the primary had
        written when this was called (e.g. rows committed just before)."""
        primary = self.primary.connect()
        try:
            with primary.cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                (target,) = cursor.fetchone()
        finally:
            primary.close()
        self._wait(
            lambda: bool(
                self._query_one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))
            ),
            timeout,
            f"the standby did not replay up to {target}",
        )

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                if done():
                    return
            except psycopg2.OperationalError as error:  # e.g. the standby restarting
                last_error = error
            if time.monotonic() >= deadline:
                detail = f" (last error: {last_error})" if last_error else ""
                raise PgClusterError(f"{what} within {timeout:g} s{detail}")
            time.sleep(0.05)
