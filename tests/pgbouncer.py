"""A throwaway PgBouncer in front of a started :class:`~pgcluster.PgCluster`.

Qt-free and pytest-free, like ``pgcluster.py``::

    with PgCluster() as cluster, PgBouncer(cluster, pool_mode="transaction") as bouncer:
        cluster.create_role("alice", "s3cret")
        cluster.create_database("scratch", owner="alice")
        engine = create_engine(bouncer.url("scratch", "alice", "s3cret"))

PgBouncer listens on 127.0.0.1 only, on a free port (never the 6432 of a
system service), with its config, log and pid file in a temp dir and no Unix
socket of its own.  A wildcard entry (``* = ...``) makes every database of the
cluster reachable, including those created after PgBouncer started.

Authentication, as a hosted pooler does it:

* clients log in with ``auth_type = scram-sha-256``, so passwords are really
  checked.  The secrets come from the server: ``auth_query`` reads
  ``pg_shadow`` as ``auth_user`` (the cluster's superuser), so a role created
  on the cluster at any time can log in through PgBouncer with its password;
* PgBouncer reaches the server through the cluster's Unix socket, which
  trusts, so no password is stored for the server side;
* the ``auth_file`` holds only the superuser with its plain password: that is
  what the admin console (database ``pgbouncer``, ``admin_users``) checks,
  since ``auth_query`` cannot run against PgBouncer's own fake database.

PgBouncer refuses to run as root, so as root it runs as the account the
cluster runs as (``postgres``, or ``nobody`` where there is no such user): it
needs to reach the cluster's socket in the cluster's temp dir.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg2
import psycopg2.extras
from sqlalchemy import URL

from pgcluster import PgCluster, service_account

_DEBIAN_BINARY = Path("/usr/sbin/pgbouncer")
_LOG_TAIL_LINES = 40
_START_ATTEMPTS = 3
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 10.0

POOL_MODES = ("session", "transaction", "statement")


class PgBouncerError(RuntimeError):
    """PgBouncer could not be found, started or stopped."""


class PgBouncer:
    """One PgBouncer process and its temp dir, both disposable."""

    host = "127.0.0.1"
    admin_database = "pgbouncer"

    def __init__(
        self,
        cluster: PgCluster,
        *,
        pool_mode: str = "transaction",
        default_pool_size: int = 4,
        max_client_conn: int = 200,
        binary: str | os.PathLike[str] | None = None,
        extra_settings: dict[str, str] | None = None,
    ) -> None:
        if pool_mode not in POOL_MODES:
            raise ValueError(f"pool_mode must be one of {POOL_MODES}, not {pool_mode!r}")
        found = Path(binary) if binary is not None else self.find()
        if found is None:
            raise PgBouncerError(
                f"pgbouncer not found: install the pgbouncer package ({_DEBIAN_BINARY}), "
                "or set PGBOUNCER to the program's path"
            )
        self.binary = found
        self.cluster = cluster
        self.pool_mode = pool_mode
        self.default_pool_size = default_pool_size
        self.max_client_conn = max_client_conn
        self.extra_settings = dict(extra_settings or {})
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0

    # -- discovery -------------------------------------------------------------

    @classmethod
    def find(cls) -> Path | None:
        """``$PGBOUNCER``, else ``/usr/sbin/pgbouncer``, else ``pgbouncer`` on ``PATH``."""
        env = os.environ.get("PGBOUNCER")
        if env:
            path = Path(env)
            return path if os.access(path, os.X_OK) else None
        if os.access(_DEBIAN_BINARY, os.X_OK):
            return _DEBIAN_BINARY
        on_path = shutil.which("pgbouncer")
        return Path(on_path) if on_path else None

    @classmethod
    def available(cls) -> bool:
        """Whether the program can be found (see :meth:`find`)."""
        return cls.find() is not None

    # -- paths -----------------------------------------------------------------

    @property
    def config_file(self) -> Path:
        return self._base() / "pgbouncer.ini"

    @property
    def log_file(self) -> Path:
        return self._base() / "pgbouncer.log"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise PgBouncerError("pgbouncer is not started")
        return self.base_dir

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> PgBouncer:
        """Write the config into a new temp dir and start PgBouncer on a free port."""
        if self.base_dir is not None:
            raise PgBouncerError("pgbouncer is already started")
        if self.cluster.port is None or self.cluster.base_dir is None:
            raise PgBouncerError("the cluster is not started")
        self.base_dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        try:
            self._write_auth_file()
            # A port picked by bind(0) can be taken before PgBouncer binds it.
            for attempt in range(1, _START_ATTEMPTS + 1):
                self.port = _free_port(self.host)
                self._write_config()
                try:
                    self._launch()
                except PgBouncerError:
                    if attempt < _START_ATTEMPTS and _port_clash(self.log_file):
                        continue
                    raise
                break
        except BaseException:
            self._discard()
            raise
        return self

    def stop(self) -> None:
        """Kill PgBouncer (clients are cut) and delete the temp dir."""
        self._discard()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _write_auth_file(self) -> None:
        path = self._base() / "userlist.txt"
        path.write_text(
            f"{_quote(self.cluster.superuser)} {_quote(self.cluster.superuser_password)}\n",
            encoding="utf-8",
        )
        path.chmod(0o600)

    def _write_config(self) -> None:
        base = self._base()
        settings = {
            "listen_addr": self.host,
            "listen_port": str(self.port),
            "unix_socket_dir": "",  # no socket of our own: TCP only
            "logfile": str(self.log_file),
            "pidfile": str(base / "pgbouncer.pid"),
            "auth_type": "scram-sha-256",
            "auth_file": str(base / "userlist.txt"),
            "auth_user": self.cluster.superuser,
            "auth_query": "SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = $1",
            "admin_users": self.cluster.superuser,
            "stats_users": self.cluster.superuser,
            "pool_mode": self.pool_mode,
            "default_pool_size": str(self.default_pool_size),
            "max_client_conn": str(self.max_client_conn),
            "max_db_connections": "0",
            "server_reset_query": "DISCARD ALL",
            # JDBC and some drivers send it; psycopg2 does not.  "options" is
            # deliberately not ignored: real poolers refuse it too.
            "ignore_startup_parameters": "extra_float_digits",
            "server_login_retry": "1",
            "log_connections": "1",
            "log_disconnections": "1",
            "log_pooler_errors": "1",
            **self.extra_settings,
        }
        lines = ["[databases]"]
        # The cluster's socket dir: PgBouncer connects over the trusted socket.
        lines.append(f"* = host={self.cluster.base_dir} port={self.cluster.port}")
        lines += ["", "[pgbouncer]"]
        lines += [f"{key} = {value}" for key, value in settings.items()]
        self.config_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _launch(self) -> None:
        base = self._base()
        kwargs: dict[str, Any] = {}
        if self._as_root:
            # The cluster's account, which can enter its socket's folder.
            user = self.cluster.service_user
            account = pwd.getpwnam(user) if user else service_account()
            for path in (base, *base.iterdir()):
                os.chown(path, account.pw_uid, account.pw_gid)
            # Popen's user/group rather than runuser: then the pid we hold is
            # PgBouncer's own, and stop() kills exactly that process.
            kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        with contextlib.suppress(FileNotFoundError):
            self.log_file.unlink()
        self._process = subprocess.Popen(
            [str(self.binary), str(self.config_file)],
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # it logs to logfile as well
            start_new_session=True,  # a Ctrl-C in the terminal is for pytest, not for it
            **kwargs,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                self._process = None
                raise PgBouncerError(f"pgbouncer exited at start (exit {code})\n{self._log_tail()}")
            if _accepts(self.host, self.port):
                return
            time.sleep(0.05)
        self._kill()
        raise PgBouncerError(f"pgbouncer did not listen within {_START_TIMEOUT:.0f} s\n{self._log_tail()}")

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # SIGTERM: immediate shutdown
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _discard(self) -> None:
        base = self.base_dir
        try:
            self._kill()
        finally:
            self.base_dir = None
            self.port = None
            if base is not None:
                shutil.rmtree(base, ignore_errors=True)

    def _log_tail(self) -> str:
        return f"--- last lines of {self.log_file} ---\n{_tail(self.log_file)}"

    def log_text(self) -> str:
        """The whole PgBouncer log so far (for a failing test's message)."""
        return _tail(self.log_file, lines=None)

    # -- clients ---------------------------------------------------------------

    def url(self, database: str, user: str | None = None, password: str | None = None) -> URL:
        """A SQLAlchemy URL through PgBouncer; with no ``user``, the cluster's superuser."""
        if self.port is None:
            raise PgBouncerError("pgbouncer is not started")
        if user is None:
            user, password = self.cluster.superuser, self.cluster.superuser_password
        return URL.create(
            "postgresql+psycopg2",
            username=user,
            password=password,
            host=self.host,
            port=self.port,
            database=database,
        )

    def connect(
        self, database: str, user: str | None = None, password: str | None = None, **kwargs: Any
    ) -> psycopg2.extensions.connection:
        """A psycopg2 connection through PgBouncer; the caller closes it."""
        if self.port is None:
            raise PgBouncerError("pgbouncer is not started")
        if user is None:
            user, password = self.cluster.superuser, self.cluster.superuser_password
        kwargs.setdefault("connect_timeout", 10)
        return psycopg2.connect(
            host=self.host, port=self.port, user=user, password=password, dbname=database, **kwargs
        )

    def admin_connect(self) -> psycopg2.extensions.connection:
        """An autocommit connection to the admin console (``SHOW POOLS`` ...); the caller closes it."""
        connection = self.connect(self.admin_database)
        connection.autocommit = True
        return connection

    def show(self, what: str) -> list[dict[str, Any]]:
        """The rows of ``SHOW <what>`` on the admin console, e.g. ``show("POOLS")``."""
        if not what.replace("_", "").isalpha():
            raise ValueError(f"not a SHOW command: {what!r}")
        connection = self.admin_connect()
        try:
            # The admin console speaks the simple query protocol only; no
            # parameters, hence the check above.
            with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                cursor.execute(f"SHOW {what}")
                return [dict(row) for row in cursor.fetchall()]
        finally:
            connection.close()


def _quote(value: str) -> str:
    """A userlist.txt field: double quotes, with ``"`` doubled."""
    return '"' + value.replace('"', '""') + '"'


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _accepts(host: str, port: int | None) -> bool:
    if port is None:
        return False
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _port_clash(log_file: Path) -> bool:
    return "Address already in use" in _tail(log_file)


def _tail(path: Path, lines: int | None = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"(no pgbouncer log: {error.strerror})"
    shown = text if lines is None else text[-lines:]
    return "\n".join(shown) or "(pgbouncer log is empty)"
