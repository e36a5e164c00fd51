"""The one place that names the edited table and its columns.

Every query is built from a :class:`TableSpec` through SQLAlchemy's ``table()`` and
``column()`` constructs, so identifiers are quoted by SQLAlchemy and never pasted
into SQL text.  The editor will grow to other tables: only this object changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import BigInteger, Integer, column, table
from sqlalchemy.sql.expression import TableClause

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


@dataclass(frozen=True)
class TableSpec:
    """The edited table: ``key`` identifies rows (``WHERE key = :key``), ``value`` is edited."""

    table: str = "some_table"
    key: str = "x"
    value: str = "y"
    schema: str | None = None
    # PostgreSQL ``integer``; a bigint column would widen these.
    min_value: int = INT32_MIN
    max_value: int = INT32_MAX

    @cached_property
    def sa_table(self) -> TableClause:
        col_type = Integer if (self.min_value, self.max_value) == (INT32_MIN, INT32_MAX) else BigInteger
        return table(
            self.table,
            column(self.key, col_type),
            column(self.value, col_type),
            schema=self.schema,
        )

    @cached_property
    def sa_rows(self) -> TableClause:
        """The table with PostgreSQL's ``ctid`` and ``tableoid`` beside its columns:
        where each row version is stored, and in which table (a partitioned or
        inherited table spans several, each with its own ctids), for a statement that
        reads rows and updates exactly those."""
        return table(
            self.table,
            *(column(c.name, c.type) for c in self.sa_table.c),
            column("ctid"),
            column("tableoid"),
            schema=self.schema,
        )

    @property
    def key_col(self):
        return self.sa_table.c[self.key]

    @property
    def value_col(self):
        return self.sa_table.c[self.value]

    @property
    def qualified_name(self) -> str:
        """For display and journal keys, not for SQL: written as SQL would need it
        (``sales."Some Table"``), so that it names one table."""
        from .schema import quote_ident

        name = quote_ident(self.table)
        return f"{quote_ident(self.schema)}.{name}" if self.schema else name


DEFAULT_SPEC = TableSpec()


# -- the user's folders ------------------------------------------------------------------
#
# The app keeps its files in ``table-editor`` folders of the user's data, config, state
# and cache folders (``~/.local/share/table-editor``, ``~/.config/table-editor`` …), the
# name of its command.  Earlier versions let Qt name the data and config folders after
# the organization and the application, ``table-editor/Table Editor``: what is found
# there is moved up one level at start (see :func:`gui.data.storage.adopt_legacy_folder`).
APP_FOLDER = "table-editor"
LEGACY_SUBFOLDER = "Table Editor"
