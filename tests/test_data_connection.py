"""Connection settings, URLs and connect errors: the server's words, never the password."""

from __future__ import annotations

import socket
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from sqlalchemy import URL, event, text

from gui.data.connection import (
    ConnectionSettings,
    check_connection,
    create_engine_for,
    parse_url,
    settings_from_url,
)
from gui.data.errors import AuthenticationFailed, ConnectionFailed, DatabaseMissing, UserError, user_errors
from pgcluster import PgDatabase
from slowproxy import SlowProxy

SECRET = "p@ss:w/rd#?&% x"


def assert_no_secret(text_: str, password: str = SECRET) -> None:
    """Not the password as typed, nor in any URL escaping."""
    for form in (text_, urllib.parse.unquote(text_), urllib.parse.unquote_plus(text_)):
        assert password not in form


def pg_settings(pg_db: PgDatabase, **kw) -> ConnectionSettings:
    base = dict(host=pg_db.host, port=pg_db.port, database=pg_db.name, user=pg_db.user, password=pg_db.password)
    return ConnectionSettings(kind="postgresql", **{**base, **kw})


def connect(settings: ConnectionSettings) -> str:
    """What the dialog's Connect does: build the engine, connect once; returns the version."""
    engine = create_engine_for(settings)
    try:
        return check_connection(engine)
    finally:
        engine.dispose()


def parameters_passed(settings: ConnectionSettings) -> dict:
    """The parameters the engine hands to libpq for ``settings`` (nothing is connected)."""
    engine = create_engine_for(settings)
    used: dict = {}

    @event.listens_for(engine, "do_connect")
    def capture(dialect, record, cargs, cparams):
        used.update(cparams)
        raise ConnectionFailed("not connecting: only the parameters are looked at")

    try:
        with pytest.raises(ConnectionFailed):
            check_connection(engine)
    finally:
        engine.dispose()
    return used


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- URLs and settings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg2"),
        ("postgres://u@h/db", "postgresql+psycopg2"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg2"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2"),
        ("  postgresql://u@h/db?sslmode=require  ", "postgresql+psycopg2"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg2(url: str, driver: str) -> None:
    assert parse_url(url).drivername == driver


def test_neon_style_url() -> None:
    url = parse_url("postgresql://user:pass@ep-x.us-east-2.aws.neon.tech/neondb?sslmode=require")
    assert (url.host, url.database, url.username, url.password, url.query["sslmode"]) == (
        "ep-x.us-east-2.aws.neon.tech",
        "neondb",
        "user",
        "pass",
        "require",
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "not a url",
        "://",
        "localhost:5432",
        "mysql://u:SECRETPW@h/db",
        "postgresql://u:SECRETPW@h:notaport/db",
        "postgresql://u:SECRETPW@[::1/db",
        "postgresql://u:SECRETPW@h:99999999999/db",
    ],
)
def test_garbage_url_is_a_connection_failure_without_the_password(url: str) -> None:
    settings = settings_from_url(url)
    with pytest.raises(ConnectionFailed) as excinfo:
        connect(settings)
    assert excinfo.value.message
    assert "SECRETPW" not in str(excinfo.value)
    assert "SECRETPW" not in settings.display_name()
    assert "SECRETPW" not in repr(settings)


@pytest.mark.parametrize(
    "settings",
    [
        ConnectionSettings(kind="postgresql", host="h", port=5432, database="d", user="u", password=SECRET),
        settings_from_url(
            URL.create("postgresql", "u", SECRET, "h", 5432, "d").render_as_string(hide_password=False)
        ),
        settings_from_url(f"postgresql://u@h/d?password={urllib.parse.quote(SECRET, safe='')}&sslmode=require"),
        settings_from_url(
            URL.create("postgresql", "u", SECRET, "h", 5432, "d").render_as_string(hide_password=False),
            read_only=True,
        ),
    ],
    ids=["fields", "url", "password-in-query", "url-read-only"],
)
def test_display_and_identity_never_hold_the_password(settings: ConnectionSettings) -> None:
    shown = settings.display_name()
    assert "h" in shown and "d" in shown
    for text_ in (shown, repr(settings), str(settings.identity()), str(settings.remembered())):
        assert_no_secret(text_)


def test_identity_ignores_the_password() -> None:
    a = ConnectionSettings(kind="postgresql", host="h", database="d", user="u", password="one")
    b = ConnectionSettings(kind="postgresql", host="h", database="d", user="u", password="two")
    c = ConnectionSettings(kind="postgresql", host="h", database="d", user="v", password="one")
    assert a.identity() == b.identity() != c.identity()


# -- against the server ---------------------------------------------------------------

pg = pytest.mark.postgres


@pg
def test_special_password_through_fields(pg_db: PgDatabase) -> None:
    assert set("@:/#?&% ") <= set(pg_db.password)
    settings = pg_settings(pg_db)
    assert "PostgreSQL" in connect(settings)
    assert_no_secret(settings.display_name(), pg_db.password)


@pg
@pytest.mark.parametrize("driver", ["postgresql", "postgresql+psycopg2"])
def test_special_password_through_a_pasted_url(pg_db: PgDatabase, driver: str) -> None:
    pasted = URL.create(
        driver, pg_db.user, pg_db.password, pg_db.host, pg_db.port, pg_db.name
    ).render_as_string(hide_password=False)
    settings = settings_from_url(pasted)
    engine = create_engine_for(settings)
    try:
        with engine.connect() as conn:
            who = conn.execute(text("SELECT current_user, current_database()")).one()
    finally:
        engine.dispose()
    assert tuple(who) == (pg_db.user, pg_db.name)
    assert_no_secret(settings.display_name(), pg_db.password)
    assert_no_secret(str(settings.remembered()), pg_db.password)


@pg
@pytest.mark.parametrize("how", ["fields", "url"])
def test_wrong_password(pg_db: PgDatabase, how: str) -> None:
    wrong = pg_db.password + "!"
    if how == "fields":
        settings = pg_settings(pg_db, password=wrong)
    else:
        settings = settings_from_url(
            URL.create("postgresql", pg_db.user, wrong, pg_db.host, pg_db.port, pg_db.name).render_as_string(
                hide_password=False
            )
        )
    with pytest.raises(AuthenticationFailed) as excinfo:
        connect(settings)
    message = str(excinfo.value)
    assert f'password authentication failed for user "{pg_db.user}"' in message
    assert_no_secret(message, wrong)
    assert_no_secret(message, pg_db.password)


@pg
def test_unknown_user(pg_db: PgDatabase) -> None:
    with pytest.raises(AuthenticationFailed):
        connect(pg_settings(pg_db, user="nobody_here"))


@pg
def test_unknown_database(pg_db: PgDatabase) -> None:
    with pytest.raises(DatabaseMissing) as excinfo:  # the dialog then puts the focus on Database
        connect(pg_settings(pg_db, database="no_such_db"))
    assert "no_such_db" in str(excinfo.value)


def test_connection_refused_is_quick() -> None:
    settings = ConnectionSettings(kind="postgresql", host="127.0.0.1", port=closed_port(), database="d", user="u",
                                  password=SECRET)
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as excinfo:
        connect(settings)
    assert time.monotonic() - started < 10
    assert not isinstance(excinfo.value, AuthenticationFailed)
    assert_no_secret(str(excinfo.value))
    # libpq's own words, each line without the tab libpq puts before its hint
    assert "Connection refused" in excinfo.value.message and "\t" not in excinfo.value.message


def test_unknown_host() -> None:
    settings = ConnectionSettings(kind="postgresql", host="no-such-host.invalid", database="d", user="u",
                                  password=SECRET)
    with pytest.raises(ConnectionFailed) as excinfo:
        connect(settings)
    assert "no-such-host.invalid" in str(excinfo.value)
    assert_no_secret(str(excinfo.value))


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.mark.slow
def test_silent_server_times_out_within_ten_seconds(silent_server: int) -> None:
    settings = ConnectionSettings(kind="postgresql", host="127.0.0.1", port=silent_server, database="d", user="u",
                                  password=SECRET, sslmode="disable")
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as excinfo:
        connect(settings)
    assert time.monotonic() - started < 12  # connect_timeout is 10 s
    assert_no_secret(str(excinfo.value))


def test_missing_demo_path() -> None:
    with pytest.raises(ConnectionFailed):
        connect(ConnectionSettings(kind="demo"))


def test_demo_connects(tmp_path) -> None:
    settings = ConnectionSettings(kind="demo", demo_path=str(tmp_path / "demo.sqlite3"))
    assert connect(settings).startswith("SQLite")
    assert "demo" in settings.display_name()


def test_bugs_are_not_user_errors() -> None:
    with pytest.raises(ZeroDivisionError):
        with user_errors():
            1 / 0  # noqa: B018


@pg
@pytest.mark.parametrize(
    "options",
    ["foo=bar", "sslmode=bogus", "sslmode=require", "sslmode=verify-full", "port=abc"],
)
def test_bad_url_options_fail_to_connect_in_words(pg_db: PgDatabase, options: str) -> None:
    pasted = URL.create("postgresql", pg_db.user, pg_db.password, pg_db.host, pg_db.port, pg_db.name)
    settings = settings_from_url(pasted.render_as_string(hide_password=False) + "?" + options)
    with pytest.raises(ConnectionFailed) as excinfo:
        connect(settings)
    assert excinfo.value.message
    assert_no_secret(str(excinfo.value), pg_db.password)


@pg
@pytest.mark.parametrize(
    ("query", "environment", "expected"),
    [
        ("", {}, {"connect_timeout": 10, "application_name": "table-editor"}),
        ("?connect_timeout=30", {}, {"connect_timeout": "30", "application_name": "table-editor"}),
        ("?connect_timeout=0&application_name=etl", {}, {"connect_timeout": "0", "application_name": "etl"}),
        ("", {"PGCONNECT_TIMEOUT": "45", "PGAPPNAME": "mine"}, {}),
        ("?service=nothing_here", {}, {"service": "nothing_here", "connect_timeout": 10, "application_name": "table-editor"}),
    ],
    ids=["defaults", "url-timeout", "url-zero-and-name", "environment", "service"],
)
def test_the_users_connection_parameters_win(
    pg_db: PgDatabase, monkeypatch: pytest.MonkeyPatch, query: str, environment: dict, expected: dict
) -> None:
    """The app's 10 s timeout and its application_name fill only what the URL, a
    PG* variable or a service file leave unset: whatever the user gave reaches libpq."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    pasted = URL.create("postgresql", pg_db.user, pg_db.password, pg_db.host, pg_db.port, pg_db.name)
    used = parameters_passed(settings_from_url(pasted.render_as_string(hide_password=False) + query))
    for name in ("connect_timeout", "application_name", "service"):
        assert used.get(name) == expected.get(name), name


@pg
def test_the_journal_is_keyed_by_where_the_connection_really_is(pg_cluster, pg_db: PgDatabase, tmp_path, monkeypatch) -> None:
    """Two services (or PGHOST/PGPORT) with the same empty fields reach different
    databases: their pending changes never share a journal, so changes typed
    against staging are never offered, and committed, on production."""
    from gui.data.catalog import inspect_connection
    from gui.data.config import DEFAULT_SPEC
    from gui.data.storage import Journal

    other = f"{pg_db.name}_staging"
    pg_cluster.create_database(other, owner=pg_db.user)
    try:
        services = tmp_path / "pg_service.conf"
        services.write_text(
            "".join(
                f"[{name}]\nhost={pg_db.host}\nport={pg_db.port}\ndbname={database}\nuser={pg_db.user}\nsslmode=disable\n"
                for name, database in (("prod", pg_db.name), ("staging", other))
            )
        )
        monkeypatch.setenv("PGSERVICEFILE", str(services))
        journals = {}
        for name in ("prod", "staging"):
            settings = ConnectionSettings(kind="postgresql", service=name, password=pg_db.password, port=0, sslmode="")
            engine = create_engine_for(settings)
            try:
                facts = inspect_connection(engine, DEFAULT_SPEC, settings)
            finally:
                engine.dispose()
            assert facts.identity == {
                "backend": "postgresql", "host": pg_db.host, "port": pg_db.port,
                "database": pg_db.name if name == "prod" else other, "user": pg_db.user,
            }  # fmt: skip
            # the digest names every journal of that server, database and table
            journals[name] = Journal(tmp_path / "journal", settings, DEFAULT_SPEC, facts.identity).digest
            assert journals[name] == Journal(tmp_path / "journal", settings, DEFAULT_SPEC, dict(facts.identity)).digest
        assert journals["prod"] != journals["staging"]
        # the settings alone (before connecting) tell the two services apart too
        assert ConnectionSettings(kind="postgresql", service="prod").identity() != ConnectionSettings(
            kind="postgresql", service="staging"
        ).identity()
    finally:
        pg_cluster.drop_database(other)


def test_a_service_that_sets_the_timeout_keeps_it(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's default fills only what the named service leaves unset."""
    services = tmp_path / "pg_service.conf"
    services.write_text("[slow]\nconnect_timeout=45\nhost=127.0.0.1\n[plain]\nhost=127.0.0.1\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    for service, expected in (("slow", None), ("plain", 10)):
        used = parameters_passed(ConnectionSettings(kind="postgresql", service=service, port=0, sslmode=""))
        assert used.get("connect_timeout") == expected, service


@pg
def test_a_libpq_host_list_tries_each_host(pg_db: PgDatabase) -> None:
    """``postgresql://u@h1:p1,h2:p2/db`` as psql takes it: the first host refuses,
    the second answers."""
    refused = closed_port()
    pasted = URL.create("postgresql", pg_db.user, pg_db.password, "HOSTS", None, pg_db.name).render_as_string(
        hide_password=False
    ).replace("HOSTS", f"127.0.0.1:{refused},{pg_db.host}:{pg_db.port}")
    settings = settings_from_url(pasted + "?application_name=&target_session_attrs=any")
    assert settings.display_name() == f"{pg_db.user} on 127.0.0.1:{refused}, {pg_db.host}:{pg_db.port}/{pg_db.name}"
    engine = create_engine_for(settings)
    try:
        with engine.connect() as conn:
            port, name = conn.execute(text("SELECT inet_server_port(), current_setting('application_name')")).one()
    finally:
        engine.dispose()
    assert port == pg_db.port
    assert name == ""  # the URL's empty application_name, not the app's default


def test_a_host_list_with_ipv6_addresses_and_socket_folders_reaches_libpq_as_lists() -> None:
    """Each host of a URL's list as libpq takes it: an IPv6 address without its
    brackets, a percent-encoded socket folder decoded, a port where one is given."""
    pasted = "postgresql://alice:pw@[::1]:5433,db.example.com,%2Frun%2Fpostgresql:5434/neondb?sslmode=disable"
    settings = settings_from_url(pasted)
    used = parameters_passed(settings)
    assert (used["host"], used["port"]) == ("::1,db.example.com,/run/postgresql", "5433,,5434")
    assert settings.display_name() == "alice on [::1]:5433, db.example.com, /run/postgresql:5434/neondb"
    single = settings_from_url("postgresql://alice@%2Frun%2Fpostgresql:5434/neondb")
    assert (parameters_passed(single)["host"], parameters_passed(single)["port"]) == ("/run/postgresql", "5434")
    assert single.display_name() == "alice on neondb through the socket in /run/postgresql (port 5434)"
    by_parameters = settings_from_url("postgresql://alice@/neondb?host=/run/postgresql&port=5434")
    assert by_parameters.display_name() == "alice on neondb through the socket in /run/postgresql (port 5434)"


@pg
def test_an_ipv6_address_in_a_host_list_connects(pg_db: PgDatabase) -> None:
    """``postgresql://u@127.0.0.1:<refused>,[::1]:<port>/db`` as psql takes it: the
    first host refuses, the second (the server, reached over IPv6) answers."""
    try:
        proxy = SlowProxy(pg_db.host, pg_db.port, delay=0, listen_host="::1").__enter__()
    except OSError as error:
        pytest.skip(f"this machine has no IPv6 loopback: {error}")
    try:
        refused = closed_port()
        pasted = URL.create("postgresql", pg_db.user, pg_db.password, "HOSTS", None, pg_db.name).render_as_string(
            hide_password=False
        ).replace("HOSTS", f"127.0.0.1:{refused},[::1]:{proxy.port}")
        engine = create_engine_for(settings_from_url(pasted))
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_database()")).scalar_one() == pg_db.name
                assert conn.connection.dbapi_connection.info.host == "::1"
        finally:
            engine.dispose()
    finally:
        proxy.__exit__(None, None, None)


@pg
def test_a_socket_folder_written_percent_encoded_in_a_url_connects(pg_cluster, pg_db: PgDatabase) -> None:
    """``postgresql://u@%2Fsocket%2Ffolder:port/db``, libpq's way to name a socket folder in a URL."""
    folder = urllib.parse.quote(str(pg_cluster.base_dir), safe="")
    settings = settings_from_url(f"postgresql://{pg_db.user}@{folder}:{pg_db.port}/{pg_db.name}")
    assert settings.display_name() == f"{pg_db.user} on {pg_db.name} through the socket in {pg_cluster.base_dir} (port {pg_db.port})"
    engine = create_engine_for(settings)
    try:
        with engine.connect() as conn:  # the local socket trusts: no password
            assert conn.execute(text("SELECT inet_client_addr() IS NULL, current_database()")).one() == (True, pg_db.name)
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("pasted", "host", "port", "shown"),
    [
        # one port among the parameters serves every host, as libpq has it
        ("postgresql://alice@127.0.0.1,[::1]/shop?port=5433", "127.0.0.1,::1", "5433", "alice on 127.0.0.1:5433, [::1]:5433/shop"),
        ("postgresql:///shop?host=127.0.0.1,::1&port=5433&user=alice", "127.0.0.1,::1", "5433", "alice on 127.0.0.1:5433, [::1]:5433/shop"),
        # a port list among the parameters wins over the authority's ports
        ("postgresql://alice@127.0.0.1:1,[::1]/shop?port=5433,5434", "127.0.0.1,::1", "5433,5434", "alice on 127.0.0.1:5433, [::1]:5434/shop"),
        # a list in the authority without ports: as many empty ports (libpq's 5432 for each, as psql has it)
        ("postgresql://alice@127.0.0.1,[::1]/shop", "127.0.0.1,::1", ",", "alice on 127.0.0.1, [::1]/shop"),
        # a socket folder in a list is one host of it
        ("postgresql://alice@%2Ftmp%2Fx:5433,127.0.0.1:1/shop", "/tmp/x,127.0.0.1", "5433,1", "alice on /tmp/x:5433, 127.0.0.1:1/shop"),
        # the authority's one port serves a host list among the parameters
        ("postgresql://alice@localhost:5433/shop?host=::1,127.0.0.1", "::1,127.0.0.1", 5433, "alice on [::1]:5433, 127.0.0.1:5433/shop"),
        ("postgresql://alice@:5433/shop?host=/tmp/a,/tmp/b", "/tmp/a,/tmp/b", 5433, "alice on /tmp/a:5433, /tmp/b:5433/shop"),
        # a host or port among the parameters wins over a single host's authority, in the name too
        ("postgresql://alice@[::1]:5433/shop?host=127.0.0.1", "127.0.0.1", 5433, "alice on 127.0.0.1:5433/shop"),
        ("postgresql://alice@127.0.0.1:5433/shop?port=5434", "127.0.0.1", "5434", "alice on 127.0.0.1:5434/shop"),
        # an empty host of a list is libpq's default host
        ("postgresql://alice@127.0.0.1,/shop?port=5433", "127.0.0.1,", "5433", "alice on 127.0.0.1:5433, the default host:5433/shop"),
    ],
)
def test_hosts_and_ports_among_the_parameters_are_read_as_libpq_reads_them(pasted, host, port, shown) -> None:
    settings = settings_from_url(pasted)
    used = parameters_passed(settings)
    assert (used.get("host"), used.get("port")) == (host, port)
    assert settings.display_name() == shown


@pytest.mark.parametrize(
    ("typed", "host", "shown"),
    [
        ("127.0.0.1,::1", "127.0.0.1,::1", "alice on 127.0.0.1:5433, [::1]:5433/shop"),
        ("[::1],127.0.0.1", "::1,127.0.0.1", "alice on [::1]:5433, 127.0.0.1:5433/shop"),
        ("127.0.0.1, ::1", "127.0.0.1,::1", "alice on 127.0.0.1:5433, [::1]:5433/shop"),
        ("/tmp/a,/tmp/b", "/tmp/a,/tmp/b", "alice on /tmp/a:5433, /tmp/b:5433/shop"),
    ],
)
def test_a_host_list_typed_into_host_reaches_libpq_host_by_host(typed, host, shown) -> None:
    """Brackets and spaces as a person types them; the one Port serves every host."""
    settings = ConnectionSettings(kind="postgresql", host=typed, port=5433, database="shop", user="alice")
    assert (parameters_passed(settings)["host"], parameters_passed(settings)["port"]) == (host, 5433)
    assert settings.display_name() == shown


@pytest.mark.parametrize(
    "settings",
    [
        settings_from_url("postgresql://alice@/shop?host=127.0.0.1,::1"),
        ConnectionSettings(kind="postgresql", host="127.0.0.1,[::1]", port=0, database="shop", user="alice"),
    ],
    ids=["url", "fields"],
)
def test_a_host_list_without_a_port_leaves_the_port_to_libpq(settings, monkeypatch) -> None:
    """No port sent at all: libpq then takes PGPORT (or the service's port), as psql
    does; an empty port list would make it 5432."""
    monkeypatch.setenv("PGPORT", "55431")
    used = parameters_passed(settings)
    assert used["host"] == "127.0.0.1,::1" and "port" not in used


def test_a_host_among_the_parameters_over_an_authoritys_list_keeps_its_ports_as_libpq_does() -> None:
    """libpq reads the authority's list as that many (empty) ports, and refuses them
    for the one host among the parameters; psql says "could not match 2 port numbers
    to 1 hosts"."""
    with pytest.raises(ConnectionFailed, match="ports"):
        parameters_passed(settings_from_url("postgresql://alice@localhost,[::1]/shop?host=127.0.0.1"))


def test_a_parameter_given_twice_takes_its_last_value_as_in_libpq() -> None:
    used = parameters_passed(settings_from_url("postgresql://alice@/shop?host=127.0.0.1&host=::1&port=55431"))
    assert (used["host"], str(used["port"])) == ("::1", "55431")


@pg
def test_a_list_of_socket_folders_with_the_authoritys_port_connects(pg_cluster, pg_db: PgDatabase, tmp_path) -> None:
    """``postgresql://u@:PORT/db?host=/no/server/here,/the/socket/folder`` as psql
    takes it: the first folder has no server, the second (at PORT) answers."""
    pasted = f"postgresql://{pg_db.user}@:{pg_db.port}/{pg_db.name}?host={tmp_path},{pg_cluster.base_dir}"
    engine = create_engine_for(settings_from_url(pasted))
    try:
        with engine.connect() as conn:  # the local socket trusts: no password
            assert conn.execute(text("SELECT inet_client_addr() IS NULL, current_database()")).one() == (True, pg_db.name)
    finally:
        engine.dispose()


@pg
def test_a_host_list_without_a_port_connects_on_pgport(pg_db: PgDatabase, monkeypatch) -> None:
    """``postgresql://u@/db?host=127.0.0.1,127.0.0.1`` with PGPORT set: psql connects on PGPORT, and so does the app."""
    monkeypatch.setenv("PGPORT", str(pg_db.port))
    pasted = URL.create("postgresql", pg_db.user, pg_db.password, None, None, pg_db.name).render_as_string(hide_password=False)
    engine = create_engine_for(settings_from_url(pasted + f"?host={pg_db.host},{pg_db.host}"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT inet_server_port()")).scalar_one() == pg_db.port
    finally:
        engine.dispose()


def test_the_identity_of_a_host_list_keeps_its_ports() -> None:
    """The keyring and the journals are keyed by it until the live connection says
    where it is: two port lists are two identities, and neither is port 5432."""
    first = settings_from_url("postgresql://alice@h1:5433,h2:5434/shop").identity()
    second = settings_from_url("postgresql://alice@h1:5435,h2:5436/shop").identity()
    assert (first["host"], first["port"]) == ("h1,h2", "5433,5434") and first != second
    assert settings_from_url("postgresql://alice@h1/shop?port=5434").identity()["port"] == 5434
