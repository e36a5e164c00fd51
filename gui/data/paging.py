"""The paging plan for any relation: filter, sort, and keyset pages that never drop
or repeat a row, NULLs included.

A page is ``SELECT columns FROM relation WHERE conditions AND <after the last row>
ORDER BY order columns LIMIT n [OFFSET run]``:

* **Order.**  The user's sort columns, then the key when it is unique (a primary key
  or a unique index on NOT NULL columns): that order is total, and a page starts
  strictly after the last row.  Without a unique key every other column follows, so
  only rows identical in every column tie; a page then starts *at* the last row and
  skips the ``run`` rows equal to it already loaded (``OFFSET run``, bounded by the
  length of one run of identical rows, not by the position in the table) — the
  browse of the tutorial's ``some_table`` has worked this way since its first
  release.  ASC sorts NULLs last and DESC first, PostgreSQL's own defaults, so an
  index on the column can serve either.

* **After the last row, NULLs included.**  A row comparison ``(a, b) > (:a, :b)``
  is NULL, and so drops the row, as soon as any part is NULL.  The predicate is
  written out column by column instead: after ``(v1, v2 …)`` means ``c1`` strictly
  after ``v1``, or ``c1`` equal to ``v1`` (``IS NULL`` when ``v1`` is NULL) and the
  rest after ``(v2 …)``, where "strictly after" knows where NULLs sort (after every
  value ascending, before every value descending).  The first column also gets a
  bound an index can use as one range: ``c1 >= :v1`` for a NOT NULL column,
  ``c1 <= :v1`` descending (NULLs come first there).  Ascending on a nullable
  column ``c1 >= :v1 OR c1 IS NULL`` would not be one range (on 10,000,000 rows
  the planner sorted the whole table for it), so there a page is read as two
  statements (:meth:`PagePlan.nulls_apart`): the values after the position
  (``c1 >= :v1``), then, only if the page is not full yet, the rows whose ``c1``
  is NULL from their start.  One ``UNION ALL`` of the two was slower (the NULL
  rows sorted by the key each page).

* **Before a position.**  The rows before the first loaded one (a "go to" in the
  middle, a reload that keeps the user's place, scrolling up from there) are the
  pages of the :meth:`PagePlan.reversed` plan: every order column's direction
  flipped, and with it where its NULLs sort (ASC NULLS LAST read backwards is DESC
  NULLS FIRST, the plan's own convention for a descending column), so its pages
  keep every rule above: the NULL-aware predicate, the index bound, the values and
  the NULLs read apart, the ``OFFSET`` run of identical rows counted from the
  other end.  Read nearest first (``ORDER BY`` reversed, ``LIMIT``), each page is
  put back in the plan's order by the server (:meth:`PagePlan.in_order`).  A
  window of loaded rows always begins where a run of identical rows begins (the
  start of the result, or the first row at or after a position), so the runs
  counted forward and backward never share a row.

* **Types without an ordering** (``json``, ``xml``, geometric types) are ordered and
  compared by their text form.

* **Conditions** combine with AND; values are always bound parameters.  ``≠`` is
  ``IS DISTINCT FROM``: a row whose value is NULL is "not 5" to a person reading the
  filter, though ``<>`` would leave it out.  *contains* matches text case-
  insensitively (``ILIKE`` on PostgreSQL, ``lower() LIKE lower()`` on SQLite, the
  value's ``%``, ``_`` and ``/`` escaped so they match themselves).

Equality of two loaded values (to count the run of identical rows) is Python's,
except that NaN equals NaN as it does in PostgreSQL's ordering; text compares
exactly, as PostgreSQL's deterministic collations do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Text, and_, cast, column, false, func, or_, select, table, true
from sqlalchemy.sql.expression import ColumnElement

from .errors import QueryFailed
from .schema import TableSchema

OPERATORS = ("=", "≠", "<", "≤", ">", "≥", "is NULL", "is not NULL", "contains")
NULL_TESTS = ("is NULL", "is not NULL")
# format_type() names compared by their text form: they have no b-tree ordering
TEXT_ORDERED = _TEXT_ORDERED = ("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle")


def offered_operators(codec) -> tuple[str, ...]:
    """The operators a column of this codec (:class:`~gui.data.codecs.Codec`) can be
    filtered by: the NULL tests only where its codec reads no value (a type shown as
    text, read-only); ``contains`` only for a text-like type."""
    if not codec.editable:
        return NULL_TESTS  # its parse refuses every text
    if codec.text_like:
        return OPERATORS
    return tuple(op for op in OPERATORS if op != "contains")


@dataclass(frozen=True)
class Condition:
    """``column OP value``; ``value`` is a Python value the column's codec parsed
    (``None`` for the NULL tests)."""

    column: str
    op: str
    value: object = None

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise QueryFailed(f"Unknown operator {self.op!r}: use one of {', '.join(OPERATORS)}.")
        if self.op not in ("is NULL", "is not NULL") and self.value is None:
            raise QueryFailed(f"{self.column} {self.op} needs a value (use “is NULL” to find NULLs).")


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Position:
    """Where the next page starts: after the row whose order values are ``last``
    (and, without a unique key, after the ``run`` loaded rows equal to it)."""

    last: tuple[object, ...] | None = None
    run: int = 0


class PagePlan:
    """The queries that page through one relation with conditions and a sort."""

    def __init__(self, schema: TableSchema, conditions: Sequence[Condition] = (), sort: Sequence[SortKey] = ()):
        self.schema = schema
        self.conditions = tuple(conditions)
        self.sort = tuple(sort)
        for name in [c.column for c in self.conditions] + [s.column for s in self.sort]:
            schema.column(name)  # KeyError for a column the relation does not have
        self.relation = table(schema.name, *(column(c.name) for c in schema.columns), schema=schema.schema)
        self.unique = schema.unique_key
        sorted_names = [s.column for s in self.sort]
        rest = schema.key if self.unique else tuple(c.name for c in schema.columns)
        self.order = self.sort + tuple(SortKey(name) for name in rest if name not in sorted_names)

    # -- expressions -----------------------------------------------------------------
    def _expr(self, name: str, source=None) -> ColumnElement:
        col = (self.relation if source is None else source).c[name]
        base = self.schema.column(name).base_type
        if base.split("(")[0].strip() in _TEXT_ORDERED or base.endswith("[]") and base.split("[")[0] in _TEXT_ORDERED:
            return cast(col, Text)
        return col

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.schema.columns]

    @property
    def order_columns(self) -> list[str]:
        """The columns whose values place a row in the order (read from every page)."""
        return [s.column for s in self.order]

    def where(self) -> list[ColumnElement]:
        clauses = []
        for condition in self.conditions:
            # a type without equality or order (json, xml, geometric) compares by its text
            col = self._expr(condition.column)
            op, value = condition.op, condition.value
            if op == "is NULL":
                clauses.append(col.is_(None))
            elif op == "is not NULL":
                clauses.append(col.is_not(None))
            elif op == "contains":
                clauses.append(cast(col, Text).icontains(str(value), autoescape=True))
            elif op == "≠":
                clauses.append(col.is_distinct_from(value))
            else:
                clauses.append({"=": col.__eq__, "<": col.__lt__, "≤": col.__le__, ">": col.__gt__, "≥": col.__ge__}[op](value))
        return clauses

    def order_by(self, source=None) -> list[ColumnElement]:
        return [
            self._expr(s.column, source).desc().nulls_first() if s.descending else self._expr(s.column, source).asc().nulls_last()
            for s in self.order
        ]

    def _after(self, values: Sequence[object], inclusive: bool, values_only: bool = False) -> ColumnElement:
        """Rows after ``values`` in the order (at or after them when ``inclusive``);
        ``values_only``: only those whose first order column is not NULL."""
        clause: ColumnElement = true() if inclusive else false()
        for k, (key, value) in reversed(list(enumerate(zip(self.order, values)))):
            expr = self._expr(key.column)
            nullable = self.schema.column(key.column).nullable and not (values_only and k == 0)
            if value is None:
                equal = expr.is_(None)
                # ascending, NULLs come last: nothing is after NULL; descending, first
                strictly = expr.is_not(None) if key.descending else false()
            else:
                equal = expr == value
                if key.descending:
                    strictly = expr < value
                else:
                    strictly = or_(expr > value, expr.is_(None)) if nullable else expr > value
            clause = or_(strictly, and_(equal, clause))
        first_key, first_value = self.order[0], values[0]
        if first_value is not None:
            # a bound on the first column an index can use (implied by the above): one
            # range for a NOT NULL column or a descending sort (NULLs come first there)
            first = self._expr(first_key.column)
            if first_key.descending:
                bound = first <= first_value
            elif self.schema.column(first_key.column).nullable and not values_only:
                bound = or_(first >= first_value, first.is_(None))
            else:
                bound = first >= first_value
            clause = and_(bound, clause)
        return clause

    # -- statements ------------------------------------------------------------------
    def page(self, position: Position, limit: int, values_only: bool = False):
        """The next ``limit`` rows from ``position``; ``values_only`` (see
        :meth:`nulls_apart`): only rows whose first order column is not NULL."""
        stmt = select(*(self.relation.c[name] for name in self.columns)).select_from(self.relation)
        where = self.where()
        if position.last is not None:
            where.append(self._after(position.last, inclusive=self._inclusive(position), values_only=values_only))
        if where:
            stmt = stmt.where(*where)
        stmt = stmt.order_by(*self.order_by()).limit(limit)
        if position.last is not None and not self.unique and position.run:
            stmt = stmt.offset(position.run)
        return stmt

    def _inclusive(self, position: Position) -> bool:
        """Whether a page from ``position`` starts at the rows equal to its values:
        "go to" does; after a page it does only without a unique key (then the
        ``run`` loaded rows equal to it are skipped by ``OFFSET``); past a position
        never."""
        if isinstance(position, _Past):
            return False
        return not self.unique or isinstance(position, _StartAt)

    def in_order(self, stmt):
        """The rows of ``stmt`` (a page of :meth:`reversed`, nearest first) in this
        plan's order: sorted again by the server, a page at most, so that the
        pages before a position arrive as the pages after one do."""
        page = stmt.subquery("earlier")
        return select(*page.c).select_from(page).order_by(*self.order_by(page))

    def nulls_apart(self, position: Position) -> bool:
        """Whether the page after ``position`` is read as two ranges an index serves
        each: ``page(position, n, values_only=True)``, then, if that ends short,
        :meth:`nulls_page` for the rest.  So it is when the first order column is
        nullable and ascending (its NULLs come last) and ``position`` is among its
        values: there ``c1 >= :v1 OR c1 IS NULL`` is not one index range, and on
        10,000,000 rows sorted by an indexed ``timestamptz`` the planner sorted the
        whole table for it (10 s for a page half way down, ``make bench``)."""
        if position.last is None or position.last[0] is None:
            return False
        first = self.order[0]
        return not first.descending and self.schema.column(first.column).nullable

    def nulls_page(self, limit: int):
        """The first ``limit`` rows whose first order column is NULL, in order (the
        second range of :meth:`nulls_apart`)."""
        stmt = select(*(self.relation.c[name] for name in self.columns)).select_from(self.relation)
        stmt = stmt.where(*self.where(), self._expr(self.order[0].column).is_(None))
        return stmt.order_by(*self.order_by()).limit(limit)

    def start_at(self, values: Sequence[object]) -> Position:
        """The position just before the first row at or after ``values`` (for the
        leading order columns given): "go to"."""
        return _StartAt(tuple(values))

    def past(self, values: Sequence[object]) -> Position:
        """The position just after every row whose leading order values are
        ``values``: on the :meth:`reversed` plan, where the rows strictly before
        ``values`` begin (nearest first)."""
        return _Past(tuple(values))

    def reversed(self) -> PagePlan:
        """The same rows in the opposite order: each order column's direction
        flipped, and with it where its NULLs sort (ascending NULLs last, descending
        first: the plan's convention holds both ways).  Its pages from
        ``past(v)`` are the rows before ``v``, nearest first; :meth:`advance` on it
        moves further back."""
        return PagePlan(self.schema, self.conditions, [SortKey(s.column, not s.descending) for s in self.order])

    @property
    def anchor_columns(self) -> list[str]:
        """The columns that single out a row to start at (:meth:`locate`): the
        unique key, else every order column (then identical rows are one)."""
        return list(self.schema.key) if self.unique else self.order_columns

    def locate(self, anchor: Sequence[object]):
        """The first row, under the conditions, whose :attr:`anchor_columns` hold
        ``anchor`` (NULL matched by ``IS NULL``): where a reload starts, so that
        it finds the row by its key even when its order values changed."""
        if len(anchor) != len(self.anchor_columns):
            raise ValueError(f"{len(anchor)} values for the anchor columns {self.anchor_columns}")
        equal = [
            self._expr(name).is_(None) if value is None else self._expr(name) == value
            for name, value in zip(self.anchor_columns, anchor)
        ]
        stmt = select(*(self.relation.c[name] for name in self.columns)).select_from(self.relation)
        return stmt.where(*self.where(), *equal).order_by(*self.order_by()).limit(1)

    def count(self):
        stmt = select(func.count()).select_from(self.relation)
        where = self.where()
        return stmt.where(*where) if where else stmt

    def count_from(self, position: Position) -> list:
        """Statements whose counts add up to the rows :meth:`page` would give from
        ``position`` on (on the :meth:`reversed` plan from :meth:`past`: the rows
        before a position); two, each an index range, where :meth:`nulls_apart`."""
        if position.last is None:
            return [self.count()]
        if self.nulls_apart(position):
            values = self._after(position.last, inclusive=self._inclusive(position), values_only=True)
            nulls = self._expr(self.order[0].column).is_(None)
            return [self.count().where(values), self.count().where(nulls)]
        return [self.count().where(self._after(position.last, inclusive=self._inclusive(position)))]

    # -- moving on -------------------------------------------------------------------
    def advance(self, position: Position, rows: Sequence[Sequence[object]]) -> Position:
        """The position after a page whose rows (each in :attr:`columns` order) were
        read from ``position``."""
        if not rows:
            return position
        index = [self.columns.index(name) for name in self.order_columns]
        last = tuple(rows[-1][i] for i in index)
        if self.unique:
            return Position(last)
        trailing = 0
        for row in reversed(rows):
            if all(_same(row[i], v) for i, v in zip(index, last)):
                trailing += 1
            else:
                break
        same_as_before = position.last is not None and all(_same(a, b) for a, b in zip(position.last, last))
        if trailing == len(rows) and same_as_before and not isinstance(position, (_StartAt, _Past)):
            return Position(last, position.run + trailing)
        return Position(last, trailing)


@dataclass(frozen=True)
class _StartAt(Position):
    """A start position from "go to": a prefix of the order values, the rows at or
    after it (an inclusive bound, no run to skip)."""

    def __init__(self, values: tuple[object, ...]):
        object.__setattr__(self, "last", values)
        object.__setattr__(self, "run", 0)


@dataclass(frozen=True)
class _Past(Position):
    """A start position after every row whose leading order values are these (an
    exclusive bound, no run to skip): on a reversed plan, the rows before them."""

    def __init__(self, values: tuple[object, ...]):
        object.__setattr__(self, "last", values)
        object.__setattr__(self, "run", 0)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
