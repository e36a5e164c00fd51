"""Connection settings and the Engine built from them.

URLs are always built with ``URL.create`` (a password with ``@``, ``/`` or ``#`` needs
no escaping) and shown with the password hidden.  A plain ``postgresql://`` URL is
mapped to psycopg2, since SQLAlchemy 2.1 would otherwise pick psycopg 3.

The user's connection options win.  Every parameter of a pasted URL (``options``,
``connect_timeout``, ``sslrootcert``, ``target_session_attrs`` ...) and of the
dialog's fields reaches libpq unchanged; the app's defaults (a 10 s connect
timeout, ``application_name``) fill only what neither the URL, the fields nor a
``PG*`` environment variable set.

Nothing is left on the server between transactions, so a transaction-mode pooler
(Neon's ``-pooler`` hosts, PgBouncer) can hand each transaction to another server
connection: every transaction begins with ``SET TRANSACTION READ ONLY`` and
``set_config('statement_timeout', ..., true)`` when the user asked for them (see
:func:`transaction_setup_sql`), never a startup ``options`` or a session ``SET``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import urllib.parse
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy import exc as sa_exc

from .errors import Cancelled, ConnectionFailed, user_errors

DEMO = "demo"
POSTGRESQL = "postgresql"
URL_KIND = "url"
KINDS = (DEMO, POSTGRESQL, URL_KIND)

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORT = 5432
# libpq waits forever by default; a hosted server that is waking up takes a few
# seconds, an unreachable one should not hang the dialog.  Used only when the user
# set no timeout (field, URL or PGCONNECT_TIMEOUT).
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "table-editor"
PG_DRIVER = "postgresql+psycopg2"
# Connection parameters the dialog's fields map to, and the PG* environment
# variable with which a user sets each one for every libpq program.
_DEFAULTS_FROM_ENV = {"connect_timeout": "PGCONNECT_TIMEOUT", "application_name": "PGAPPNAME"}


@dataclass(frozen=True)
class ConnectionSettings:
    kind: str = DEMO
    host: str = ""  # a name, an address ("[::1]" too), a socket folder ("/run/postgresql"); empty: libpq's default
    port: int = DEFAULT_PORT  # 0: libpq's default (PGPORT, else 5432)
    database: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    sslmode: str = "prefer"  # empty: libpq's default (PGSSLMODE, else prefer)
    url: str = field(default="", repr=False)  # as pasted; may hold a password
    demo_path: str = ""
    read_only: bool = False
    statement_timeout_ms: int = 0  # 0: no limit
    connect_timeout_s: int = 0  # 0: the URL's or PGCONNECT_TIMEOUT, else CONNECT_TIMEOUT_S
    sslrootcert: str = ""  # CA certificate file, for verify-ca and verify-full
    sslcert: str = ""  # client certificate file
    sslkey: str = ""  # its private key
    service: str = ""  # a pg_service.conf entry

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown connection kind {self.kind!r}")

    # -- URL -----------------------------------------------------------------
    def to_url(self) -> URL:
        """The SQLAlchemy URL; raises :class:`ConnectionFailed` for an unusable pasted URL."""
        if self.kind == DEMO:
            if not self.demo_path:
                raise ConnectionFailed("No demo database file was chosen.")
            return URL.create("sqlite+pysqlite", database=self.demo_path)
        if self.kind == URL_KIND:
            return parse_url(self.url)
        host = self.host.strip()
        query = {
            name: value
            for name, value in (
                ("sslmode", self.sslmode),
                ("sslrootcert", self.sslrootcert),
                ("sslcert", self.sslcert),
                ("sslkey", self.sslkey),
                ("service", self.service),
                ("connect_timeout", str(self.connect_timeout_s) if self.connect_timeout_s else ""),
            )
            if value
        }
        hosts = [_unbracketed(h.strip()) for h in host.split(",")] if host else []
        if len(hosts) > 1 or (hosts and hosts[0].startswith(("/", "@"))):
            # a host list, or a Unix-socket folder (or Linux abstract socket), has no
            # place in a URL's authority: libpq takes it as the host parameter
            query["host"] = ",".join(hosts)
            hosts = []
        return URL.create(
            PG_DRIVER,
            username=self.user or None,
            password=self.password or None,
            host=hosts[0] if hosts else None,
            port=self.port or None,
            database=self.database or None,
            query=query,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.to_url().get_backend_name() == "sqlite"

    def display_name(self) -> str:
        """For the window title, the recent connections and messages: never shows the
        password, the driver or the demo file's path (it is one file per user)."""
        if self.kind == DEMO:
            return "demo database"
        try:
            url = self.to_url()
        except ConnectionFailed:
            return "(invalid URL)"
        if url.get_backend_name() == "sqlite":
            return f"sqlite ({url.database})"
        return server_name(url)

    def identity(self) -> dict[str, object]:
        """Host, port, database, user (and the service, if one is named), as the
        settings give them: what a keyring entry is keyed by, and a journal until the
        live connection says where it really is (:func:`live_identity`). No password."""
        url = self.to_url()
        if url.get_backend_name() == "sqlite":
            return {"backend": "sqlite", "database": str(Path(url.database or "").resolve())}
        identity: dict[str, object] = {
            "backend": "postgresql",
            "host": str(url.query.get("host") or "") or url.host or "",
            # a port list as given (one number stays a number, as before port lists were read)
            "port": _number_or_text(_query_ports(url)) or url.port or DEFAULT_PORT,
            "database": url.database or "",
            "user": url.username or "",
        }
        service = url.query.get("service") or os.environ.get("PGSERVICE")
        if service:
            identity["service"] = str(service)
        return identity

    def remembered(self) -> dict[str, object]:
        """What the recent-connections list stores: never the password, nor a URL holding one."""
        data: dict[str, object] = {"kind": self.kind}
        if self.kind == POSTGRESQL:
            data.update(
                host=self.host,
                port=self.port,
                database=self.database,
                user=self.user,
                sslmode=self.sslmode,
                sslrootcert=self.sslrootcert,
                sslcert=self.sslcert,
                sslkey=self.sslkey,
                service=self.service,
            )
        elif self.kind == URL_KIND:
            data["url"] = without_password(parse_url(self.url)).render_as_string(hide_password=False)
        data["read_only"] = self.read_only
        data["statement_timeout_ms"] = self.statement_timeout_ms
        data["connect_timeout_s"] = self.connect_timeout_s
        return data

    @classmethod
    def from_remembered(cls, data: dict[str, object]) -> ConnectionSettings:
        names = {f.name for f in dataclasses.fields(cls)} - {"password"}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def recent_labels(recent: list[ConnectionSettings]) -> list[str]:
    """A label for each of ``recent`` (the recent-connections list): its
    :meth:`~ConnectionSettings.display_name`, and where two or more share one, what
    tells them apart (read-only, the timeouts, the SSL mode and files, a URL's
    parameters), so no two entries that connect differently look the same."""
    names = [settings.display_name() for settings in recent]
    labels = list(names)
    for name in set(names):
        group = [i for i, n in enumerate(names) if n == name]
        if len(group) < 2:
            continue
        stored = [recent[i].remembered() for i in group]
        keys = dict.fromkeys(key for item in stored for key in item if key not in _NAMED_IN_LABEL)
        # an option left out and one left empty are the same (a URL entry has no SSL fields)
        differing = [key for key in keys if len({repr(item.get(key) or None) for item in stored}) > 1]
        for i, item in zip(group, stored):
            parts = [_option_said(key, item.get(key)) for key in differing]
            labels[i] = f"{name} ({', '.join(part for part in parts if part)})"
    return labels


# what display_name says already (two spellings of one place may share a label)
_NAMED_IN_LABEL = frozenset({"host", "port", "database", "user", "service", "demo_path"})


def _option_said(key: str, value: object) -> str:
    """One option of :meth:`ConnectionSettings.remembered` in words, for a label
    ('' for one this kind of entry does not have)."""
    if value is None:
        return ""
    if key == "read_only":
        return "read-only" if value else "read-write"
    if key == "statement_timeout_ms":
        return f"statement timeout {int(value) / 1000:g} s" if value else "no statement timeout"
    if key == "connect_timeout_s":
        return f"connect timeout {value} s" if value else "default connect timeout"
    if key == "sslmode":
        return f"SSL {value or 'default'}"
    if key in ("sslrootcert", "sslcert", "sslkey"):
        what = {"sslrootcert": "CA certificate", "sslcert": "client certificate", "sslkey": "client key"}[key]
        return f"{what} {Path(str(value)).name}" if value else f"no {what}"
    if key == "url":
        query = urllib.parse.urlsplit(str(value)).query
        return urllib.parse.unquote_plus(query) if query else "no parameters"
    if key == "kind":
        return "as a URL" if value == URL_KIND else "as fields"
    return f"{key} {value}" if value else ""


def parse_url(text_url: str) -> URL:
    """Parse a pasted URL, mapping ``postgresql://`` / ``postgres://`` to psycopg2."""
    text_url = text_url.strip()
    if not text_url:
        raise ConnectionFailed("The URL is empty.")
    try:
        url = _with_all_hosts_and_parameters(make_url(_one_host(text_url)), text_url)
    except (sa_exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        # SQLAlchemy's message repeats the URL, password included: say it in our words
        raise ConnectionFailed(
            "Could not read the URL: expected postgresql://user:password@host:port/database?sslmode=require"
        ) from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        url = url.set(drivername=PG_DRIVER)
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConnectionFailed(f"Unsupported database {url.get_backend_name()!r}: use a postgresql:// URL.")
    return url


_AUTHORITY = re.compile(r"^(?P<scheme>[^:/?#]+://)(?P<userinfo>[^@/?#]*@)?(?P<hosts>[^/?#]*)(?P<rest>.*)$", re.DOTALL)


def _one_host(text_url: str) -> str:
    """The URL with a libpq host list (``h1:5432,[::1]:5433``) or a percent-encoded
    socket folder (``%2Frun%2Fpostgresql``) taken out of its authority, which
    SQLAlchemy cannot read; :func:`_with_all_hosts_and_parameters` puts the hosts
    back as ``host`` and ``port`` parameters, a form SQLAlchemy passes to libpq."""
    match = _AUTHORITY.match(text_url)
    if match is None or not _hosts_for_libpq(match["hosts"]):
        return text_url
    return match["scheme"] + (match["userinfo"] or "") + match["rest"]


def _hosts_for_libpq(authority_hosts: str) -> bool:
    """The URL's hosts must reach libpq as parameters: a host list, or a host
    written percent-encoded (a socket folder)."""
    return "," in authority_hosts or "%" in authority_hosts


def host_list(authority_hosts: str) -> tuple[list[str], list[str]]:
    """The hosts and ports of a URL's authority as libpq reads it
    (``h1:5432,[::1]:5433,%2Frun%2Fpostgresql``): hosts percent-decoded and an IPv6
    address without its brackets, ports as written ('' where none is given).
    Raises ``ValueError`` for a port that is not a number."""
    hosts: list[str] = []
    ports: list[str] = []
    for entry in authority_hosts.split(","):
        if entry.startswith("["):
            address, _bracket, after = entry[1:].partition("]")
            host, port = address, after.removeprefix(":")
        else:
            host, _colon, port = entry.partition(":")
        if port and not port.isdigit():
            raise ValueError(f"port {port!r}")
        hosts.append(urllib.parse.unquote(host))
        ports.append(port)
    return hosts, ports


def _with_all_hosts_and_parameters(url: URL, text_url: str) -> URL:
    """``url`` with every query parameter as pasted, empty ones too (SQLAlchemy drops
    ``?application_name=``, which libpq takes as an empty name; a parameter given
    twice takes its last value, as in libpq), and the hosts of a libpq host list or
    a percent-encoded socket folder as libpq's ``host`` and ``port`` lists
    (``host=h1,::1&port=5432,5433``; see :func:`libpq_host_arguments`)."""
    match = _AUTHORITY.match(text_url)
    query = urllib.parse.urlsplit(text_url).query if match is not None else ""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    given = {name for name, _value in pairs}
    if match is not None and _hosts_for_libpq(match["hosts"]):
        # as in libpq, a host or port among the parameters wins over the authority's
        hosts, ports = host_list(match["hosts"])
        if "host" not in given:
            pairs.append(("host", ",".join(hosts)))
        if "port" not in given and (any(ports) or len(ports) > 1):
            # a list's ports as written, empty ones too: libpq reads a list with no
            # port as that many empty ports (its default, 5432, for each; not PGPORT)
            pairs.append(("port", ",".join(ports)))
    if not pairs:
        return url
    return url.set(query=dict(pairs))


def _unbracketed(host: str) -> str:
    """An IPv6 address as a URL writes it (``[::1]``) as libpq takes it (``::1``)."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def libpq_host_arguments(url: URL) -> tuple[URL, dict[str, str]]:
    """``url`` without a host list among its parameters, and that list (with the
    parameters' port or port list) as psycopg2 connect arguments, unchanged.

    SQLAlchemy reads a list itself and cannot pass every one libpq takes: it
    splits ``[::1]:5433`` at every colon, refuses a single port for several hosts,
    and sends an empty port list (``port=,``) when none is given, which libpq reads
    as 5432 where it would otherwise use ``PGPORT`` or the service's port.  libpq
    reads the lists as the user gave them: one port for every host or one a host,
    the authority's port when the parameters have none."""
    hosts = url.query.get("host")
    if not isinstance(hosts, str) or "," not in hosts:
        return url, {}
    arguments = {"host": hosts}
    port = url.query.get("port")
    if isinstance(port, str):
        arguments["port"] = port
    return url.difference_update_query(["host", "port"]), arguments


def live_identity(conn, settings: ConnectionSettings) -> dict[str, object]:
    """Host, port, database and role of an open connection (a SQLAlchemy
    ``Connection``) as libpq resolved them: after the service file, the ``PG*``
    variables and its defaults.  Two connections with the same identity reach the
    same database as the same role, whatever their settings looked like."""
    if conn.dialect.name != "postgresql":
        return settings.identity()
    info = conn.connection.dbapi_connection.info
    return {"backend": "postgresql", "host": info.host, "port": info.port, "database": info.dbname, "user": info.user}


def identity_name(identity: dict[str, object]) -> str:
    """``alice on db.example.com/neondb`` for a :func:`live_identity`."""
    return _described(identity.get("user"), str(identity.get("host") or ""), str(identity.get("port") or ""), identity.get("database"))


def server_name(url: URL) -> str:
    """``alice on db.example.com/neondb``: who is connected where, for titles and
    messages; never the password, the driver or the options.  A socket folder is
    named as such; parts libpq fills from its defaults are left out."""
    user = url.username or url.query.get("user")
    # as libpq reads a URL: a host or port among the parameters wins over the authority's
    hosts = url.query.get("host")
    host = str(hosts) if isinstance(hosts, str) and hosts else url.host or ""
    port = _query_ports(url) or (str(url.port) if url.port else "")
    service = url.query.get("service")
    if service and not host:
        return _described(user, f"service {service}", "", url.database)
    return _described(user, host, port, url.database)


def _query_ports(url: URL) -> str:
    """The port or port list given as a parameter (``?port=5434``, ``?port=1,2``), else ''."""
    port = url.query.get("port")
    return port if isinstance(port, str) else ""


def _number_or_text(port: str) -> int | str:
    return int(port) if port.isdigit() else port


def _host_and_port(host: str, port: str) -> str:
    """One host of a list as a URL writes it: ``[::1]:5433``, ``db:5432``, ``db``;
    an empty one is libpq's default host."""
    shown = f"[{host}]" if ":" in host else host or "the default host"
    return f"{shown}:{port}" if port else shown


def _described(user, host: str, port: str, database) -> str:
    """``user on host:port/database``, ``user on database through the socket in
    /dir (port N)``, ``user on h1:5432, [::1]:5433/database`` for a host list (one
    port, or one a host); an IPv6 address in brackets, the default port of a
    socket left out, parts nobody gave left out."""
    who = f"{user} on " if user else ""
    hosts = [_unbracketed(h.strip()) for h in host.split(",")]
    if len(hosts) == 1 and host.startswith(("/", "@")):
        shown_port = f" (port {port})" if port and port != str(DEFAULT_PORT) else ""
        return f"{who}{database or 'the default database'} through the socket in {host}{shown_port}"
    ports = [p.strip() for p in port.split(",")]
    if len(ports) == 1:
        ports *= len(hosts)  # one port for every host
    where = ", ".join(_host_and_port(h, p) for h, p in zip(hosts, ports))
    if where == "the default host":
        where = "the local server"
    return f"{who}{where}/{database}" if database else f"{who}{where}"


def without_password(url: URL) -> URL:
    """``url`` with no password anywhere.

    Not ``url.set(password=None)``: ``set`` treats None as "leave unchanged".  libpq
    also takes the password as a query parameter (``?password=...``).
    """
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).difference_update_query(["password"])


def settings_from_url(text_url: str, **extra) -> ConnectionSettings:
    return ConnectionSettings(kind=URL_KIND, url=text_url, **extra)


def create_engine_for(settings: ConnectionSettings) -> Engine:
    """Build (but do not connect) the one Engine the application shares."""
    url = settings.to_url()
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": CONNECT_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            if settings.read_only:
                dbapi_connection.execute("PRAGMA query_only = ON")

        return engine
    connect_args: dict[str, object] = {name: value for name, value in _app_defaults().items() if not _user_sets(url, name)}
    url, host_arguments = libpq_host_arguments(url)
    connect_args.update(host_arguments)
    setup = transaction_setup_sql(settings)
    with user_errors():  # the dialect reads the URL's options here (e.g. ?port=abc)
        engine = create_engine(
            url, pool_pre_ping=True, connect_args=connect_args, execution_options={TRANSACTION_SETUP: setup}
        )
    if setup:

        @event.listens_for(engine, "begin")
        def _per_transaction(conn) -> None:
            dbapi = conn.connection.dbapi_connection
            if dbapi.autocommit:
                return  # never: pages are read in autocommit only when there is no setup
            cursor = dbapi.cursor()
            try:
                cursor.execute(setup)  # psycopg2 sends BEGIN first: this is the transaction's first statement
            finally:
                cursor.close()

    return engine


def _app_defaults() -> dict[str, object]:
    return {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": APPLICATION_NAME}


def _user_sets(url: URL, name: str) -> bool:
    """Whether the user set connection parameter ``name``: in the URL or the fields,
    through its ``PG*`` environment variable, or in the service they named (an
    explicit parameter would override the service file's)."""
    if name in url.query or os.environ.get(_DEFAULTS_FROM_ENV[name]):
        return True
    service = url.query.get("service") or os.environ.get("PGSERVICE")
    return bool(service) and name in _service_parameters(str(service))


def _service_parameters(service: str) -> set[str]:
    """The parameters a ``pg_service.conf`` entry sets, from the files libpq reads
    (``PGSERVICEFILE`` or ``~/.pg_service.conf``, then ``PGSYSCONFDIR/pg_service.conf``);
    empty when none can be read."""
    import configparser

    files = [os.environ.get("PGSERVICEFILE") or str(Path.home() / ".pg_service.conf")]
    if os.environ.get("PGSYSCONFDIR"):
        files.append(str(Path(os.environ["PGSYSCONFDIR"]) / "pg_service.conf"))
    for path in files:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        if parser.has_section(service):
            return set(parser.options(service))  # libpq uses the first file that has it
    return set()


def transaction_setup_sql(settings: ConnectionSettings) -> str:
    """What every transaction on this connection starts with (PostgreSQL): read-only
    and the statement timeout, both scoped to the transaction; ``""`` when neither
    is asked for."""
    parts = []
    if settings.read_only:
        parts.append("SET TRANSACTION READ ONLY")
    if settings.statement_timeout_ms:
        parts.append(f"SELECT set_config('statement_timeout', '{int(settings.statement_timeout_ms)}', true)")
    return "; ".join(parts)


# The execution option that carries :func:`transaction_setup_sql` on an engine.
TRANSACTION_SETUP = "table_editor_transaction_setup"


def needs_transaction(conn) -> bool:
    """Whether every statement on ``conn`` (a SQLAlchemy ``Connection``) must run
    inside a transaction to honour the user's options (read-only, statement
    timeout): then no read may use autocommit."""
    return bool(conn.get_execution_options().get(TRANSACTION_SETUP))


def check_connection(engine: Engine) -> str:
    """Connect once and return the server's version string; raises a :class:`UserError`."""
    with user_errors(), engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.execute(text("select sqlite_version()")).scalar_one()
        return conn.execute(text("select version()")).scalar_one()


@contextmanager
def attached(cancel: CancelToken | None, sa_connection) -> Iterator[None]:
    """Let ``cancel`` stop the statements run on ``sa_connection`` inside the block.

    Detaching on the way out matters: the connection goes back to the pool, and a
    late Cancel must not reach whatever it runs next (another task's commit).
    """
    if cancel is None:
        yield
        return
    cancel.attach(sa_connection)
    try:
        yield
    finally:
        cancel.detach()


# How often a Cancel is repeated while the worker still holds its connection.
CANCEL_REPEAT_S = 0.2


class CancelToken:
    """Lets the GUI thread cancel the statements a task's worker threads are running.

    Each worker thread attaches its DBAPI connection while it runs and detaches it
    when done (a task may run parts of one result on several threads, each on its
    own connection); ``cancel()`` asks the server to stop every attached statement
    (psycopg2 ``connection.cancel()`` is thread-safe and made for this; SQLite has
    ``interrupt()``).

    A server drops a cancel request that arrives between two statements, so one
    request can miss: the worker would go on to its next statement (or wait on a
    lock there) as if Cancel had never been pressed.  The request is therefore
    repeated every :data:`CANCEL_REPEAT_S` until every worker lets go of its
    connection.  It is sent from a short-lived thread: ``PQcancel`` opens a new
    connection to the server (one round trip or more over a slow link, up to the
    connect timeout when the server is gone), which must not hold up the GUI thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attached: dict[int, object] = {}  # worker thread id -> its DBAPI connection
        self._released = threading.Event()
        self._linked: list[CancelToken] = []
        self.cancelled = False

    def linked(self) -> CancelToken:
        """A new token that a Cancel of this one cancels too, but that can be
        cancelled alone (to stop the other parts of a failed read, leaving this
        token usable for a retry)."""
        token = CancelToken()
        with self._lock:
            if self.cancelled:
                token.cancelled = True
            else:
                self._linked.append(token)
        return token

    def attach(self, sa_connection) -> None:
        """Raises :class:`Cancelled` if Cancel was pressed before the worker got here:
        a server-side cancel of an idle connection has nothing to stop, so the work
        would otherwise run anyway.

        Takes a SQLAlchemy ``Connection`` or a pool's raw connection; a second attach
        from the same thread replaces the first.  Whoever attaches must
        :meth:`detach` (from the same thread) when the statement is done, or a late
        Cancel would hit whatever the pooled connection runs next.
        """
        if hasattr(sa_connection, "dbapi_connection"):  # a pool's raw connection
            dbapi = sa_connection.dbapi_connection
        else:
            dbapi = sa_connection.connection.dbapi_connection
        with self._lock:
            if self.cancelled:
                raise Cancelled()
            self._attached[threading.get_ident()] = dbapi
            self._released.clear()

    def check(self) -> None:
        """Raise :class:`Cancelled` if Cancel was pressed; for the gaps between statements."""
        if self.cancelled:
            raise Cancelled()

    def detach(self) -> None:
        # waits for a cancel request being sent right now: once this returns, no
        # request for this task can reach whatever the connection runs next
        with self._lock:
            self._attached.pop(threading.get_ident(), None)
            if not self._attached:
                self._released.set()

    def cancel(self) -> None:
        """Returns at once; the workers then fail with :class:`Cancelled`."""
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            linked, self._linked = self._linked, []
            idle = not self._attached  # not started (attach will refuse) or already done
        for token in linked:
            token.cancel()
        if idle:
            return
        threading.Thread(target=self._keep_cancelling, name="cancel", daemon=True).start()

    def _keep_cancelling(self) -> None:
        while True:
            with self._lock:
                if not self._attached:
                    return
                for dbapi in self._attached.values():
                    self._cancel(dbapi)
            if self._released.wait(CANCEL_REPEAT_S):
                return

    @staticmethod
    def _cancel(dbapi) -> None:
        try:
            if hasattr(dbapi, "cancel"):
                dbapi.cancel()
            else:
                dbapi.interrupt()
        except (psycopg2.Error, sqlite3.Error):
            pass  # the connection is already gone: there is nothing left to cancel
