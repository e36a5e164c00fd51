"""A throwaway test CA with a server and a client certificate, made by openssl.

Qt-free and pytest-free::

    with TlsFiles() as tls, PgCluster(tls=tls) as cluster:
        psycopg2.connect(host="localhost", hostaddr="127.0.0.1", port=cluster.port,
                         ..., **tls.libpq_params())   # sslmode=verify-full

The server certificate is for ``CN=localhost`` with ``subjectAltName
DNS:localhost, IP:127.0.0.1``, so ``sslmode=verify-full`` passes for either
name.  The client certificate's CN is ``client_user`` (a role name, for a
``cert`` line in ``pg_hba.conf``).  Keys are EC P-256 (quick to make), every
private key file is mode 0600 and everything lives in a temp dir that
:meth:`TlsFiles.cleanup` (or leaving the ``with``) deletes.  The cluster copies
the server files into its own temp dir, owned by the server's user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

_DEBIAN_OPENSSL = Path("/usr/bin/openssl")
_DAYS = "7"
_KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


class TlsFilesError(RuntimeError):
    """openssl is missing or failed."""


class TlsFiles:
    """CA, server and client certificates with their keys, in one temp dir."""

    def __init__(
        self,
        *,
        client_user: str = "cert_user",
        server_names: tuple[str, ...] = ("DNS:localhost", "IP:127.0.0.1"),
        openssl: str | os.PathLike[str] | None = None,
        ca_name: str = "table-editor test CA",
    ) -> None:
        found = Path(openssl) if openssl is not None else self.find()
        if found is None:
            raise TlsFilesError("openssl not found: install the openssl package (/usr/bin/openssl)")
        self.openssl = found
        self.client_user = client_user
        self.server_names = server_names
        self.ca_name = ca_name
        self.dir: Path | None = None

    @classmethod
    def find(cls) -> Path | None:
        """``$OPENSSL``, else ``/usr/bin/openssl``, else ``openssl`` on ``PATH``."""
        env = os.environ.get("OPENSSL")
        if env:
            return Path(env) if os.access(env, os.X_OK) else None
        if os.access(_DEBIAN_OPENSSL, os.X_OK):
            return _DEBIAN_OPENSSL
        on_path = shutil.which("openssl")
        return Path(on_path) if on_path else None

    @classmethod
    def available(cls) -> bool:
        return cls.find() is not None

    # -- the files -------------------------------------------------------------

    def _path(self, name: str) -> Path:
        if self.dir is None:
            raise TlsFilesError("the files are not made yet (call create())")
        return self.dir / name

    @property
    def ca_cert(self) -> Path:
        """The CA certificate: a client's ``sslrootcert``."""
        return self._path("ca.crt")

    @property
    def ca_key(self) -> Path:
        return self._path("ca.key")

    @property
    def server_cert(self) -> Path:
        return self._path("server.crt")

    @property
    def server_key(self) -> Path:
        return self._path("server.key")

    @property
    def client_cert(self) -> Path:
        """For ``sslcert``: CN is :attr:`client_user`."""
        return self._path("client.crt")

    @property
    def client_key(self) -> Path:
        """For ``sslkey`` (mode 0600, as libpq demands)."""
        return self._path("client.key")

    def libpq_params(self, sslmode: str = "verify-full", *, client_cert: bool = False) -> dict[str, str]:
        """``sslmode`` and ``sslrootcert`` (and ``sslcert``/``sslkey`` with
        ``client_cert``), for ``psycopg2.connect(**...)`` or a URL's query."""
        params = {"sslmode": sslmode, "sslrootcert": str(self.ca_cert)}
        if client_cert:
            params.update(sslcert=str(self.client_cert), sslkey=str(self.client_key))
        return params

    # -- lifecycle -------------------------------------------------------------

    def create(self) -> TlsFiles:
        if self.dir is not None:
            raise TlsFilesError("the files are already made")
        self.dir = Path(tempfile.mkdtemp(prefix="pgtls-"))
        try:
            self._make()
        except BaseException:
            self.cleanup()
            raise
        return self

    def cleanup(self) -> None:
        directory, self.dir = self.dir, None
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> TlsFiles:
        return self.create()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    def _make(self) -> None:
        self._openssl(
            "req", "-x509", *_KEY_ARGS,
            "-keyout", self.ca_key, "-out", self.ca_cert, "-days", _DAYS,
            "-subj", f"/CN={self.ca_name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        self._signed(
            "server", "localhost",
            [
                f"subjectAltName={','.join(self.server_names)}",
                "extendedKeyUsage=serverAuth",
                "keyUsage=critical,digitalSignature,keyEncipherment",
                "basicConstraints=CA:FALSE",
            ],
        )  # fmt: skip
        self._signed(
            "client", self.client_user,
            [
                "extendedKeyUsage=clientAuth",
                "keyUsage=critical,digitalSignature,keyEncipherment",
                "basicConstraints=CA:FALSE",
            ],
        )  # fmt: skip
        for key in (self.ca_key, self.server_key, self.client_key):
            key.chmod(0o600)

    def _signed(self, name: str, common_name: str, extensions: list[str]) -> None:
        request, extfile = self._path(f"{name}.csr"), self._path(f"{name}.ext")
        extfile.write_text("\n".join(extensions) + "\n", encoding="utf-8")
        self._openssl(
            "req", "-new", *_KEY_ARGS,
            "-keyout", self._path(f"{name}.key"), "-out", request, "-subj", f"/CN={common_name}",
        )  # fmt: skip
        self._openssl(
            "x509", "-req", "-in", request, "-CA", self.ca_cert, "-CAkey", self.ca_key,
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
            "-days", _DAYS, "-extfile", extfile, "-out", self._path(f"{name}.crt"),
        )  # fmt: skip
        request.unlink()
        extfile.unlink()

    def _openssl(self, *args: str | Path) -> None:
        command = [str(self.openssl), *map(str, args)]
        result = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise TlsFilesError(
                f"openssl failed (exit {result.returncode}): {' '.join(command)}\n"
                f"{(result.stdout + result.stderr).strip()}"
            )
