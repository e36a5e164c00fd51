"""The other real test servers work as the app's tests will rely on them:
PgBouncer checks passwords and shares server connections, the hot standby
is one and follows its primary, the TLS cluster passes verify-full only with
its CA, and the slow proxy really holds a connection back."""

from __future__ import annotations

import time

import psycopg2
import pytest
from sqlalchemy import create_engine, text

from conftest import PG_PASSWORD, TLS_CERT_USER
from pgbouncer import PgBouncer
from pgcluster import PgCluster, PgDatabase
from pgstandby import PgStandby
from pgtls import TlsFiles
from slowproxy import SlowProxy

pytestmark = pytest.mark.postgres


def _one(connection: psycopg2.extensions.connection, statement: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        row = cursor.fetchone()
    assert row is not None
    return row[0]


# -- PgBouncer -----------------------------------------------------------------


def test_pgbouncer_checks_the_password(pgbouncer: PgBouncer, pg_db: PgDatabase) -> None:
    assert pgbouncer.port not in (pg_db.port, 6432)
    # Through a SQLAlchemy URL: the password's @ : / # ? & % and space survive.
    engine = create_engine(pgbouncer.url(pg_db.name, pg_db.user, pg_db.password))
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT current_user, current_database()")).one()
    finally:
        engine.dispose()
    assert tuple(row) == (pg_db.user, pg_db.name)

    with pytest.raises(psycopg2.OperationalError, match="authentication failed"):
        pgbouncer.connect(pg_db.name, pg_db.user, pg_db.password + "!")


def test_pgbouncer_transaction_mode_shares_server_connections(
    pgbouncer: PgBouncer, pg_cluster: PgCluster, pg_db: PgDatabase
) -> None:
    first = pgbouncer.connect(pg_db.name, pg_db.user, PG_PASSWORD)
    second = pgbouncer.connect(pg_db.name, pg_db.user, PG_PASSWORD)
    try:
        # One after the other, both clients run on the one server connection.
        pid_1 = _one(first, "SELECT pg_backend_pid()")
        first.commit()
        assert _one(second, "SELECT pg_backend_pid()") == pid_1
        second.commit()

        # While the first holds it in a transaction, the second gets another;
        # its next transaction gets the first one back (the pool is LIFO).
        assert _one(first, "SELECT pg_backend_pid()") == pid_1
        pid_2 = _one(second, "SELECT pg_backend_pid()")
        assert pid_2 != pid_1
        second.commit()
        first.commit()
        assert _one(second, "SELECT pg_backend_pid()") == pid_1
        second.commit()

        pools = [
            row
            for row in pgbouncer.show("POOLS")
            if (row["database"], row["user"]) == (pg_db.name, pg_db.user)
        ]
        assert len(pools) == 1
        assert pools[0]["pool_mode"] == "transaction"
        assert pools[0]["cl_active"] == 2
        assert pools[0]["sv_active"] + pools[0]["sv_idle"] + pools[0]["sv_used"] == 2
    finally:
        first.close()
        second.close()
    # The server saw two backends for the role, not one per transaction.
    admin = pg_cluster.connect(pg_db.name)
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (pg_db.user,)
            )
            assert cursor.fetchone() == (2,)
    finally:
        admin.close()


def test_pgbouncer_session_mode_keeps_a_server_per_client(
    pgbouncer_session: PgBouncer, pg_db: PgDatabase
) -> None:
    first = pgbouncer_session.connect(pg_db.name, pg_db.user, PG_PASSWORD)
    second = pgbouncer_session.connect(pg_db.name, pg_db.user, PG_PASSWORD)
    try:
        pid_1 = _one(first, "SELECT pg_backend_pid()")
        first.commit()
        assert _one(second, "SELECT pg_backend_pid()") != pid_1
        second.commit()
        assert _one(first, "SELECT pg_backend_pid()") == pid_1
    finally:
        first.close()
        second.close()


# -- hot standby -----------------------------------------------------------------


@pytest.mark.slow
def test_standby_follows_the_primary(pg_standby: PgStandby, pg_db: PgDatabase) -> None:
    assert pg_standby.port not in (None, pg_db.port)
    assert pg_standby.in_recovery()
    # pg_db (its role and database) was made after the standby's base backup.
    pg_standby.wait_for_database(pg_db.name)
    engine = create_engine(pg_db.url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x integer)"))
            connection.execute(text("INSERT INTO t VALUES (42)"))
    finally:
        engine.dispose()
    pg_standby.wait_for_catchup()

    engine = create_engine(pg_standby.url(pg_db.name, pg_db.user, pg_db.password))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
            assert connection.execute(text("SELECT x FROM t")).scalar_one() == 42
            with pytest.raises(Exception, match="read-only transaction"):
                connection.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()


# -- TLS -------------------------------------------------------------------------


def _tls_connect(cluster: PgCluster, **params: str) -> psycopg2.extensions.connection:
    assert cluster.port is not None
    return psycopg2.connect(
        host="localhost",  # the name verify-full checks against the certificate
        hostaddr="127.0.0.1",  # and no lookup that might try ::1 first
        port=cluster.port,
        dbname="postgres",
        connect_timeout=10,
        **params,
    )


def test_tls_verify_full_with_the_ca(tls_cluster: PgCluster) -> None:
    tls = tls_cluster.tls
    assert tls is not None
    connection = _tls_connect(
        tls_cluster,
        user=tls_cluster.superuser,
        password=tls_cluster.superuser_password,
        **tls.libpq_params("verify-full"),
    )
    try:
        assert connection.info.ssl_in_use
        with connection.cursor() as cursor:
            cursor.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ssl, version = cursor.fetchone()
    finally:
        connection.close()
    assert ssl is True
    assert version.startswith("TLS")


def test_tls_verify_full_without_the_ca_fails(tls_cluster: PgCluster) -> None:
    login = {"user": tls_cluster.superuser, "password": tls_cluster.superuser_password}
    # No sslrootcert: libpq looks for ~/.postgresql/root.crt (HOME is a fresh folder).
    with pytest.raises(psycopg2.OperationalError, match="root certificate file"):
        _tls_connect(tls_cluster, sslmode="verify-full", **login)
    # Another CA: the server's certificate does not verify.
    with TlsFiles() as other:
        with pytest.raises(psycopg2.OperationalError, match="certificate verify failed"):
            _tls_connect(tls_cluster, **other.libpq_params("verify-full"), **login)


def test_tls_client_certificate_login(tls_cluster: PgCluster) -> None:
    tls = tls_cluster.tls
    assert tls is not None
    connection = _tls_connect(tls_cluster, user=TLS_CERT_USER, **tls.libpq_params(client_cert=True))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            )
            assert cursor.fetchone() == (TLS_CERT_USER, f"/CN={TLS_CERT_USER}")
    finally:
        connection.close()
    with pytest.raises(psycopg2.OperationalError, match="requires a valid client certificate"):
        _tls_connect(tls_cluster, user=TLS_CERT_USER, **tls.libpq_params())


def test_tls_db_url_with_tls_params(tls_cluster: PgCluster, tls_db: PgDatabase) -> None:
    assert tls_cluster.tls is not None
    url = tls_db.url.set(host="localhost").update_query_dict(tls_cluster.tls.libpq_params())
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            used = connection.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar_one()
    finally:
        engine.dispose()
    assert used is True


# -- slow proxy ------------------------------------------------------------------


def test_slow_proxy_delays_the_connection(pg_db: PgDatabase) -> None:
    delay = 1.5
    with SlowProxy(pg_db.host, pg_db.port, delay=delay, first_only=True) as proxy:
        assert proxy.port is not None

        def connect_seconds() -> float:
            started = time.monotonic()
            connection = psycopg2.connect(
                host=proxy.host,
                port=proxy.port,
                user=pg_db.user,
                password=pg_db.password,
                dbname=pg_db.name,
                connect_timeout=10,
            )
            try:
                assert _one(connection, "SELECT current_user") == pg_db.user
            finally:
                connection.close()
            return time.monotonic() - started

        assert connect_seconds() >= delay
        assert connect_seconds() < delay  # awake now (first_only)
        assert (proxy.connections, proxy.delayed) == (2, 1)


def test_slow_proxy_stops_by_itself(pg_db: PgDatabase) -> None:
    proxy = SlowProxy(pg_db.host, pg_db.port, lifetime=0.2).start()
    try:
        deadline = time.monotonic() + 5
        while proxy.running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not proxy.running
    finally:
        proxy.stop()

