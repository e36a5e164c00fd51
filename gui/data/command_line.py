"""The command line, read without Qt: its options, and the table they ask for.

``main.py`` reads it before anything of Qt is imported, so that with ``--url`` the
data layer can be imported and the connection begun first (see
:mod:`gui.data.connecting`).
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass

from .config import DEFAULT_SPEC, TableSpec
from .errors import QueryFailed
from .schema import parse_qualified_name, quote_ident


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="table-editor", description="Browse and edit a PostgreSQL table.")
    parser.add_argument("--url", help="connect straight away, e.g. postgresql://user:pass@host/db?sslmode=require")
    parser.add_argument(
        "--threshold", type=int, default=None, help="the filter y > N (on some_table, y > 6 unless given)"
    )
    parser.add_argument("--read-only", action="store_true", help="browse only: no edits, no commit")
    parser.add_argument(
        "--table", help='the table to open, written as in SQL: some_table, sales."Some Table" (default some_table)'
    )
    parser.add_argument(
        "--key",
        help="the columns that identify a row, for a table without a primary key, e.g. --key x or --key region,day "
        "(some_table: x by default)",
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="'COLUMN OP VALUE'",
        help="show only the rows where COLUMN OP VALUE (OP: = != < <= > >= 'is null' 'is not null' contains); "
        "repeatable, all must hold",
    )
    return parser.parse_args(argv)


# the tutorial's browse: SELECT x, y FROM some_table WHERE y > :y, :y = 6 there
TUTORIAL_THRESHOLD = 6

_FILTER_SHAPE = re.compile(r"\s*\S.*?\s*(>=|<=|<>|!=|=|>|<|≥|≤|≠|\bis\s+(not\s+)?null\b|\bcontains\b).*", re.IGNORECASE)


@dataclass(frozen=True)
class TableRequest:
    """What the command line asks to open: a relation (``None``: the one last opened
    on the connection, else the tutorial's ``some_table``), the columns that identify
    its rows, the filters as written, and ``--threshold`` (``None``: not given)."""

    name: str | None = None
    key: tuple[str, ...] | None = None
    filters: tuple[str, ...] = ()
    threshold: int | None = None

    @property
    def tutorial_threshold(self) -> int:
        """The tutorial's ``y > N`` on ``some_table``: ``--threshold``, else 6."""
        return TUTORIAL_THRESHOLD if self.threshold is None else self.threshold


def request_from_args(args: argparse.Namespace) -> TableRequest:
    """Raises :class:`UserError` for a ``--table``, ``--key`` or ``--filter`` that is
    not written as SQL would (the columns themselves are checked when the table is open)."""
    name = None
    if getattr(args, "table", None):
        schema, table_name = parse_qualified_name(args.table)
        name = quote_ident(table_name) if schema is None else f"{quote_ident(schema)}.{quote_ident(table_name)}"
    key = None
    if getattr(args, "key", None):
        columns = []
        for written in (c.strip() for c in args.key.split(",")):
            if not written:
                continue
            qualifier, column_name = parse_qualified_name(written)
            if qualifier is not None:
                raise QueryFailed(f"--key {args.key!r}: name columns of the table (e.g. --key x), not {written!r}.")
            columns.append(column_name)
        if not columns:
            raise QueryFailed("--key: name the columns that identify a row, e.g. --key x.")
        key = tuple(columns)
    filters = tuple(getattr(args, "filter", None) or ())
    for written in filters:
        if _FILTER_SHAPE.fullmatch(written) is None:
            raise QueryFailed(f"--filter {written!r}: write it as COLUMN OP VALUE, e.g. --filter 'y > 6'.")
    return TableRequest(name, key, filters, args.threshold)


def tutorial_spec(request: TableRequest) -> TableSpec:
    """The tutorial window's table: ``--table`` with ``x`` and ``y`` (or the one
    ``--key`` column as the key, the other as the value)."""
    spec = DEFAULT_SPEC
    if request.name:
        schema, name = parse_qualified_name(request.name)
        spec = TableSpec(table=name, schema=schema, key=spec.key, value=spec.value)
    if request.key and len(request.key) == 1 and request.key[0] in (spec.key, spec.value):
        key = request.key[0]
        spec = TableSpec(table=spec.table, schema=spec.schema, key=key, value=spec.value if key == spec.key else spec.key)
    return spec
