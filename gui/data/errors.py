"""Errors the user can act on, carrying the database's own message.

The data layer raises only these for problems that come from outside the program
(wrong password, server gone, constraint violated, rows changed by someone else).
Anything else is a bug and propagates unchanged to the excepthook.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


class ConstraintViolated(UserError):
    """The database refused the data (CHECK, NOT NULL, unique, foreign key, out of range)."""

    title = "Change refused by the database"


class PermissionDenied(UserError):
    title = "Permission denied"


class ReadOnly(UserError):
    title = "Read-only connection"


CANCELLED_MESSAGE = "The statement was cancelled. Nothing was changed."


class Cancelled(UserError):
    title = "Cancelled"

    def __init__(self, message: str = CANCELLED_MESSAGE):
        super().__init__(message)


class QueryFailed(UserError):
    """Other errors reported by the server (missing table, syntax in a pasted URL's options ...)."""


@dataclass(frozen=True)
class Conflict:
    key: int
    loaded: tuple[int, ...]  # the values the user saw when the rows were loaded
    current: tuple[int, ...]  # the values in the database now (all rows with this key)
    mine: int  # the pending value


class ConflictError(UserError):
    title = "Conflicts"

    def __init__(self, conflicts: list[Conflict]):
        keys = ", ".join(str(c.key) for c in conflicts)
        super().__init__(
            f"Another client changed the rows for {plural(len(conflicts), 'pending change')} "
            f"since they were loaded (x = {keys}). Nothing was written."
        )
        self.conflicts = conflicts


# SQLSTATE classes: https://www.postgresql.org/docs/current/errcodes-appendix.html
_AUTH_CODES = {"28000", "28P01"}
_READ_ONLY_CODES = {"25006"}
_PERMISSION_CODES = {"42501"}
_CANCEL_CODES = {"57014"}
_CONCURRENT_CODES = {"40001", "40P01"}  # serialization failure, deadlock
_CONCURRENT_MESSAGE = (
    "Another client was changing the same rows at the same moment, so nothing was written. "
    "Your changes are still pending: commit again to see what changed."
)


def _db_message(orig: BaseException) -> str:
    """The server's own words, without SQLAlchemy's statement/parameter dump."""
    text = str(orig).strip()
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
    if code in _READ_ONLY_CODES or (isinstance(orig, sqlite3.OperationalError) and "readonly" in message):
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
