"""Errors the user can act on, carrying the database's own message.

The data layer raises only these for problems that come from outside the program
(wrong password, server gone, constraint violated, rows changed by someone else).
Anything else is a bug and propagates unchanged to the excepthook.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import psycopg2
from sqlalchemy import exc as sa_exc

from .wording import plural


class UserError(Exception):
    """Base of every error shown to the user in words."""

    title = "Database error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidValue(UserError, ValueError):
    title = "Value refused"


class ConnectionFailed(UserError):
    """The server could not be reached, or went away (refused, unknown host, timeout, restart)."""

    title = "Connection failed"


class AuthenticationFailed(ConnectionFailed):
    title = "Authentication failed"


class DatabaseMissing(ConnectionFailed):
    """The server answered: it has no database of that name (the name is what to correct)."""


class ConstraintViolated(UserError):
    """The database refused the data (CHECK, NOT NULL, unique, foreign key, out of range)."""

    title = "Refused by the database"


class PermissionDenied(UserError):
    title = "Permission denied"


class ReadOnly(UserError):
    title = "Read-only connection"


CANCELLED_MESSAGE = "The statement was cancelled. Nothing was changed."


class Cancelled(UserError):
    title = "Cancelled"

    def __init__(self, message: str = CANCELLED_MESSAGE):
        super().__init__(message)


class StorageFailed(UserError):
    """A file of the app's own (a spill file in the cache folder, a journal) could not
    be written: a full disk, a read-only or missing folder."""

    title = "Could not write a file"


class QueryFailed(UserError):
    """Other errors reported by the server (missing table, syntax in a pasted URL's options ...)."""


class UnknownTimeZone(UserError, ValueError):
    """The session's ``TimeZone`` is one the editor cannot show times in (a POSIX
    rule with daylight saving): said when a table with a timestamptz column opens."""

    title = "Time zone not supported"


class NoSuchRelation(QueryFailed):
    """The relation named is not there (or the role cannot see it)."""


@dataclass(frozen=True)
class Conflict:
    key: int
    loaded: tuple[int, ...]  # the values the user saw when the rows were loaded
    current: tuple[int, ...]  # the values in the database now (all rows with this key)
    mine: int  # the pending value


# keys a conflict message names; the conflicts dialog lists them all
NAMED_KEYS = 5


class ConflictError(UserError):
    title = "Conflicts"

    def __init__(self, conflicts: list[Conflict]):
        shown = ", ".join(str(c.key) for c in conflicts[:NAMED_KEYS])
        keys = shown if len(conflicts) <= NAMED_KEYS else f"{shown} and {len(conflicts) - NAMED_KEYS:,} more"
        super().__init__(
            f"Another client changed the rows for {plural(len(conflicts), 'pending change')} "
            f"since they were loaded (x = {keys}). Nothing was written."
        )
        self.conflicts = conflicts


# SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
_AUTH_CODES = {"28000", "28P01"}
_MISSING_DATABASE_CODE = "3D000"  # invalid_catalog_name; psycopg2 gives no code for a refused connection, so its words too
_MISSING_DATABASE = re.compile(r'database ".*" does not exist')
_READ_ONLY_CODES = {"25006"}
_PERMISSION_CODES = {"42501"}
_CANCEL_CODES = {"57014"}
_CONCURRENT_CODES = {"40001", "40P01"}  # serialization failure, deadlock
_CONCURRENT_MESSAGE = (
    "Another client was changing the same rows at the same moment, so nothing was written. "
    "Your changes are still pending: commit again to see what changed."
)


READ_ONLY_TRANSACTION_MESSAGE = (
    "The server accepts no changes on this connection: its transactions are read-only "
    "(a read-only standby, or read-only by default for your role, your database or your connection options)."
)
SERVER_CLOSED_MESSAGE = (
    "The server closed the connection, and a second attempt on a new connection failed too. "
    "Press F5 to reload when the server is back."
)


def _db_message(orig: BaseException) -> str:
    """The server's own words, without SQLAlchemy's statement/parameter dump, and
    without the tab libpq puts before a line of its own (``...refused\n\tIs the
    server running...``), which a label shows as a wide gap; a caret line under a
    statement is indented with spaces and kept."""
    text = str(orig).strip().replace("\n\t", "\n")
    diag = getattr(orig, "diag", None)
    detail = getattr(diag, "message_detail", None) if diag is not None else None
    if detail and detail not in text:
        text = f"{text}\n{detail}"
    return text


def translate(error: BaseException) -> UserError | None:
    """Map a driver/SQLAlchemy exception to a :class:`UserError`, or ``None`` for a bug."""
    if isinstance(error, UserError):
        return error
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if isinstance(error, sa_exc.DBAPIError) and orig is None:
        return None
    message = _db_message(orig)
    code = getattr(orig, "pgcode", None)
    if code in _CANCEL_CODES or isinstance(orig, psycopg2.extensions.QueryCanceledError):
        if "statement timeout" in message:
            return QueryFailed(message)
        return Cancelled()
    if isinstance(orig, sqlite3.OperationalError) and "interrupted" in message:
        return Cancelled()
    if code in _CONCURRENT_CODES:
        return QueryFailed(f"{_CONCURRENT_MESSAGE}\n{message}")
    if code in _AUTH_CODES or "password authentication failed" in message:
        return AuthenticationFailed(message)
    if isinstance(orig, psycopg2.OperationalError) and (code == _MISSING_DATABASE_CODE or _MISSING_DATABASE.search(message)):
        return DatabaseMissing(message)
    if code in _READ_ONLY_CODES:
        # PostgreSQL names the statement's kind, and a commit's statement is a
        # SELECT around an UPDATE ("cannot execute SELECT in a read-only transaction"):
        # say what happened in the user's terms instead
        return ReadOnly(READ_ONLY_TRANSACTION_MESSAGE)
    if isinstance(orig, sqlite3.OperationalError) and "readonly" in message:
        return ReadOnly(message)
    if code in _PERMISSION_CODES:
        return PermissionDenied(message)
    if isinstance(orig, (psycopg2.IntegrityError, psycopg2.DataError, sqlite3.IntegrityError)):
        return ConstraintViolated(message)
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return ConnectionFailed(f"The connection to the server was lost: {message}")
    if isinstance(orig, psycopg2.ProgrammingError) and message.startswith("invalid dsn"):
        return ConnectionFailed(message)  # libpq refused a connection option (a pasted URL's ?...)
    if isinstance(orig, psycopg2.OperationalError):
        if code is None or code.startswith(("08", "57P")):
            return ConnectionFailed(message)
        return QueryFailed(message)
    if isinstance(orig, (psycopg2.Error, sqlite3.Error)):
        return QueryFailed(message)
    if isinstance(error, sa_exc.NoSuchModuleError | sa_exc.ArgumentError):
        return ConnectionFailed(str(error))
    return None


@contextmanager
def user_errors() -> Iterator[None]:
    """Re-raise database errors the user can act on as :class:`UserError`; bugs pass through."""
    try:
        yield
    except UserError:
        raise
    except (sa_exc.SQLAlchemyError, psycopg2.Error, sqlite3.Error) as error:
        mapped = translate(error)
        if mapped is None:
            raise
        raise mapped from error


def is_disconnect(error: BaseException) -> bool:
    """The server closed the connection (terminated, restarted, an idle timeout, the
    network): what a fresh connection may not meet again.  Not a cancel, a timeout
    or an error about the statement itself."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig
    if not isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError)):
        return False
    code = getattr(error, "pgcode", None)
    # 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash_shutdown,
    # 57P03 cannot_connect_now, 57P05 idle_session_timeout
    return code is None or code.startswith("57P") or code.startswith("08")


_T = TypeVar("_T")


def retry_once_if_disconnected(attempt: Callable[[], _T], cancel: CancelToken | None = None) -> _T:
    """``attempt()``, and once more if the server closed the connection under it (the
    pool then hands out a fresh one); raises :class:`ConnectionFailed` with
    :data:`SERVER_CLOSED_MESSAGE` if the second attempt meets the same."""
    for last in (False, True):
        try:
            return attempt()
        except (sa_exc.DBAPIError, psycopg2.Error) as error:
            if not is_disconnect(error) or (cancel is not None and cancel.cancelled):
                raise
            if last:
                message = _db_message(getattr(error, "orig", None) or error)
                raise ConnectionFailed(f"{SERVER_CLOSED_MESSAGE}\n{message}") from error
    raise AssertionError("unreachable")


if TYPE_CHECKING:
    from .connection import CancelToken
