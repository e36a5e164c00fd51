"""Connection settings and the Engine built from them.

URLs are always built with ``URL.create`` (a password with ``@``, ``/`` or ``#`` needs
no escaping) and shown with the password hidden.  A plain ``postgresql://`` URL is
mapped to psycopg2, since SQLAlchemy 2.1 would otherwise pick psycopg 3.
"""

from __future__ import annotations

import dataclasses
import sqlite3
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
CONNECT_TIMEOUT_S = 10
PG_DRIVER = "postgresql+psycopg2"


@dataclass(frozen=True)
class ConnectionSettings:
    kind: str = DEMO
    host: str = ""
    port: int = DEFAULT_PORT
    database: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    sslmode: str = "prefer"
    url: str = field(default="", repr=False)  # as pasted; may hold a password
    demo_path: str = ""
    read_only: bool = False
    statement_timeout_ms: int = 0  # 0: no limit

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
        query = {"sslmode": self.sslmode} if self.sslmode else {}
        return URL.create(
            PG_DRIVER,
            username=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
            database=self.database or None,
            query=query,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.to_url().get_backend_name() == "sqlite"

    def display_name(self) -> str:
        """For the window title and messages: never shows the password."""
        try:
            url = self.to_url()
        except ConnectionFailed:
            return "(invalid URL)"
        if url.get_backend_name() == "sqlite":
            return f"demo database ({url.database})" if self.kind == DEMO else f"sqlite ({url.database})"
        shown = url.set(query={})
        return shown.render_as_string(hide_password=True)

    def identity(self) -> dict[str, object]:
        """Host, port, database, user: what a journal or a keyring entry is keyed by. No password."""
        url = self.to_url()
        if url.get_backend_name() == "sqlite":
            return {"backend": "sqlite", "database": str(Path(url.database or "").resolve())}
        return {
            "backend": "postgresql",
            "host": url.host or "",
            "port": url.port or DEFAULT_PORT,
            "database": url.database or "",
            "user": url.username or "",
        }

    def remembered(self) -> dict[str, object]:
        """What the recent-connections list stores: never the password, nor a URL holding one."""
        data: dict[str, object] = {"kind": self.kind}
        if self.kind == POSTGRESQL:
            data.update(host=self.host, port=self.port, database=self.database, user=self.user, sslmode=self.sslmode)
        elif self.kind == URL_KIND:
            data["url"] = without_password(parse_url(self.url)).render_as_string(hide_password=False)
        data["read_only"] = self.read_only
        data["statement_timeout_ms"] = self.statement_timeout_ms
        return data

    @classmethod
    def from_remembered(cls, data: dict[str, object]) -> ConnectionSettings:
        names = {f.name for f in dataclasses.fields(cls)} - {"password"}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


def parse_url(text_url: str) -> URL:
    """Parse a pasted URL, mapping ``postgresql://`` / ``postgres://`` to psycopg2."""
    text_url = text_url.strip()
    if not text_url:
        raise ConnectionFailed("The URL is empty.")
    try:
        url = make_url(text_url)
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
    options = []
    if settings.read_only:
        options.append("-c default_transaction_read_only=on")
    if settings.statement_timeout_ms:
        options.append(f"-c statement_timeout={int(settings.statement_timeout_ms)}")
    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "table-editor"}
    if options:
        connect_args["options"] = " ".join(options)
    with user_errors():  # the dialect reads the URL's options here (e.g. ?port=abc)
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


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
        self.cancelled = False

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
            if not self._attached:
                return  # not started (attach will refuse) or already done
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
