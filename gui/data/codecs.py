"""One codec per column type: parse what a person typed, display, bind, journal.

A codec describes one column: its type as PostgreSQL's ``format_type()`` prints
it, with the modifiers (numeric precision and scale, varchar/char length,
time precision, enum labels) and whether the column takes NULL.  Get one with
:func:`codec_for`; every codec has the same small surface::

    codec = codec_for("numeric(10,2)", nullable=False)
    value = codec.parse(" 12.5 ")       # Decimal('12.50'); raises InvalidValue
    codec.format(value)                 # '12.50', as PostgreSQL prints it
    codec.to_bind(value)                # Decimal('12.50'), for psycopg2
    codec.from_text(codec.to_text(value)) == value   # journal and CSV
    codec.storage                       # numpy dtype of the in-memory column
    codec.editable, codec.read_only_reason, codec.text_like, codec.nullable

``parse(text) -> value``
    Checks the text with PostgreSQL's own input rules and never alters it: it
    raises :class:`~gui.data.errors.InvalidValue` (a short message saying why)
    for anything the server would refuse *and* for anything the server would
    silently change (round, truncate, roll over), so what is stored is what was
    typed.  It may refuse a few spellings the server takes (for example
    ``0x1p3`` floats, ``today``, ``January 8, 1999``, ``1e 5``): a codec is
    allowed to be stricter, never looser.  Surrounding blanks are trimmed where
    PostgreSQL trims them (numbers, booleans, dates and times: its blanks are
    space, tab, newline, carriage return, vertical tab and form feed -- a
    no-break space is not one) and kept for text, uuid, json and enums.  Empty
    text is the empty string for text-like types (``text_like``) and refused
    for the others: NULL is set by a separate action, never by typing, and no
    codec method takes or returns ``None`` -- callers keep NULL apart (a NULL
    mask in memory, ``null`` in the journal, their own marker in CSV).

``format(value) -> str``
    Exactly what PostgreSQL's text output (``CAST(v AS text)``, with
    ``DateStyle = ISO`` and ``extra_float_digits = 1``, the defaults) prints
    for the stored value, given the value psycopg2 returns for the column or
    the value ``parse`` returns.  NumPy scalars of the column's ``storage``
    are taken too.

``to_bind(value)``
    What to pass to psycopg2 as a bound parameter so the server stores exactly
    ``value``: ``int``, ``Decimal``, ``float``, ``bool``, ``datetime.date`` /
    ``time`` / ``datetime`` (aware for timestamptz) or ``str``.  Two psycopg2
    adaptations would alter a value, so those go as text: numeric
    ``Infinity`` (psycopg2 sends every non-finite ``Decimal`` as ``NaN``) and
    float ``-0`` (psycopg2 sends ``-0.0``, which the server reads as numeric
    zero, so the sign is lost).  A uuid goes as ``str`` (psycopg2 adapts
    ``uuid.UUID`` only after ``register_uuid()``).

``to_text(value) -> str`` / ``from_text(text) -> value``
    A lossless text form for the journal and CSV: ``from_text(to_text(v)) ==
    v``.  It is ``format`` except for timestamptz, which is written in UTC so
    the text does not depend on the session's time zone.  ``from_text``
    checks like ``parse`` and raises :class:`InvalidValue` for a damaged text.

Values, by type (``storage`` in brackets; object columns may later be stored
compactly by the columns module):

=========================  ==============================  ====================
type                       value                           storage
=========================  ==============================  ====================
smallint/integer/bigint    ``int``                         int16/int32/int64
numeric[(p,s)]             ``Decimal``, exponent ``-scale`` object
real / double precision    ``float``                       float32 / float64
boolean                    ``bool``                        bool
text, varchar[(n)], char   ``str`` (char(n): padded to n)  object
date                       ``datetime.date``               datetime64[D]
time [(p)]                 ``datetime.time`` (naive)       timedelta64[us]
timestamp [(p)]            naive ``datetime``              datetime64[us]
timestamp [(p)] with tz    aware ``datetime`` in UTC       datetime64[us] (UTC)
uuid                       ``uuid.UUID`` (str taken too)   object
json / jsonb               ``str`` (jsonb: normal form)    object
enum                       ``str`` (the label)             object
anything else              ``str`` (server's text output)  object, read-only
=========================  ==============================  ====================

Decisions worth knowing:

* NaN and infinities: numeric takes ``NaN`` and (unconstrained only, as the
  server) ``Infinity``/``-Infinity``/``inf``; real and double precision take
  ``NaN``, ``Infinity``, ``inf`` with an optional sign, in any case; both print
  ``NaN``, ``Infinity``, ``-Infinity``.  Floats are refused when the typed
  decimal is neither the float's shortest text nor its exact binary value
  (``0.1`` is taken, ``0.10000000000000000001`` would be stored as ``0.1``
  and is refused), and when out of range (``1e400``, ``1e-400``).  The
  display is PostgreSQL's shortest text (Ryu), which never ends exactly
  half-way between two floats: ``2.8803190103723032e+16`` where Python's
  ``repr`` says ``2.880319010372303e+16`` (``src/common/ryu_common.h``).
  A real value may be the float32 itself or the double psycopg2 reads from
  the server's text; both show the same.
* Dates and times: ISO forms only (``2024-01-31``, ``13:45[:07[.25]]``, a
  space or ``T`` between them; DateStyle does not matter for these).  Years
  1-9999 only (``datetime``'s range, and psycopg2 cannot read others), so BC
  dates, ``infinity`` and ``24:00`` are refused; ``now``/``today`` too (they
  are not values).  More fractional digits than the precision keeps, seconds
  60 and offsets on a type without a time zone (the server drops them) are
  refused.
* timestamptz: a codec is made for one session time zone (``time_zone``, an
  IANA name as ``SHOW TimeZone`` reports it; default UTC) and the session
  reading and displaying the values must use that zone.  Typed text without
  an offset is read in that zone, as the server does; an ambiguous local time
  (clocks going back) takes the offset after the transition, as the server
  does (docs B.2 "Handling of Invalid or Ambiguous Timestamps"; the code
  prefers "after" in a fall-back, not "standard time"); a local time that
  does not exist (clocks going forward) is refused, since the server would
  move it by the jump.  Offsets may be ``Z``, ``+05``, ``+0530``,
  ``+05:30`` or ``+05:30:15`` up to 15:59:59.
* jsonb: the normal form is computed here, not fetched: keys sorted by length
  in UTF-8 bytes then bytewise, the last duplicate key kept, numbers printed
  as numeric prints them, ``", "`` and ``": "`` between items, ``\\u``
  escapes decoded (docs 8.14 "JSON Types").  ``\\u0000`` and unpaired
  surrogate escapes are refused for jsonb (the server refuses them) and taken
  for json, which is stored as typed.  json and jsonb values must be read as
  text (``psycopg2.extras.register_default_json(conn, loads=lambda s: s)``
  and ``register_default_jsonb``): psycopg2's decoded objects have lost the
  stored spelling, so ``format`` of a dict or list is only a best effort.
* char(n): ``parse`` pads to n characters as the server stores it and
  ``format`` shows the padding, as the type's output does (a cast to text
  would strip it).  More than n characters are refused even though the
  server's cast would truncate them silently (docs 8.3).
* Read-only types (arrays, bytea, ranges, geometric types, interval, time
  with time zone, money, bit strings, xml, text search, network addresses,
  and any type not listed here) get a codec whose value is the server's text
  output (read them as ``CAST(col AS text)``); ``parse`` refuses with
  ``read_only_reason``.
* The server's encoding is assumed to be UTF8 (text may hold any character
  but NUL); lengths count characters, as PostgreSQL does.

SQLite (the demo) maps declared types by SQLite's affinity rules
(https://www.sqlite.org/datatype3.html section 3.1, in that order): a name
containing ``INT`` is a 64-bit integer (SQLite ignores the width, so
``SMALLINT`` too), ``CHAR``/``CLOB``/``TEXT`` is text without a length limit
(SQLite ignores ``VARCHAR(n)``), ``BLOB`` or no type is read-only,
``REAL``/``FLOA``/``DOUB`` is double precision; of the rest (NUMERIC
affinity) ``BOOL...`` is boolean (stored 0/1), ``DATE`` a date and
``DATETIME``/``TIMESTAMP`` a timestamp (both bound as ISO text, since Python
3.12 deprecates sqlite3's date adapters), ``TIME`` a time, and anything else
(``NUMERIC``, ``DECIMAL(10,5)``) double precision, which is how SQLite stores
such values.  SQLite values of another type than declared (SQLite allows it)
are shown with ``str``.

Sources: PostgreSQL 15 documentation, chapter 8 "Data Types": 8.1 Numeric
Types (8.1.1 integers, 8.1.2 "Arbitrary Precision Numbers" for rounding and
the overflow rule, 8.1.3 "Floating-Point Types" for the special values and
the shortest-precise output), 8.3 Character Types, 8.5 Date/Time Types with
Appendix B "Date/Time Support", 8.6 Boolean Type, 8.7 Enumerated Types, 8.12
UUID Type, 8.14 JSON Types; where the documentation is silent, the input
functions in ``src/backend/utils/adt`` (``pg_strtoint32``, ``numeric_in``,
``float8in``, ``boolin``, ``string_to_uuid``), ``DetermineTimeZoneOffset``
for DST gaps and overlaps, Ryu in ``src/common`` and the differential test
``tests/test_data_codecs_server.py``, which checks these codecs against the
server's own casts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import json
import math
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import psycopg2.extensions

from .errors import InvalidValue, UnknownTimeZone

Dialect = Literal["postgresql", "sqlite"]

# PostgreSQL trims with isspace() in the C locale: these six, nothing else.
_PG_BLANKS = " \t\n\r\v\f"
_SHOWN_CHARS = 40
_OBJECT = np.dtype(object)


def _shorten(text: str) -> str:
    """What the user typed, cut to fit a message line."""
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "\u2026"


def _quoted(text: str) -> str:
    return f"'{_shorten(text)}'"


def _trim(text: str) -> str:
    return text.strip(_PG_BLANKS)


def _not_text(raw: object) -> InvalidValue:
    return InvalidValue(f"{_shorten(repr(raw))} is not text.")


def _check_storable(text: str) -> None:
    """Text the server can hold at all: no NUL, nothing UTF-8 cannot encode."""
    if "\x00" in text:
        raise InvalidValue("The text contains the character NUL, which PostgreSQL cannot store.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("The text contains an unpaired surrogate, which is not a character.") from None


@dataclass(frozen=True, kw_only=True)
class Codec:
    """What every codec offers; see the module docstring for the contract."""

    type_name: str
    nullable: bool = True
    dialect: Dialect = "postgresql"

    @property
    def editable(self) -> bool:
        return True

    @property
    def read_only_reason(self) -> str | None:
        return None

    @property
    def text_like(self) -> bool:
        """Empty input is a value (the empty string) rather than refused."""
        return False

    @property
    def storage(self) -> np.dtype:
        return _OBJECT

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        raise NotImplementedError

    def to_bind(self, value: Any) -> Any:
        return value

    def to_text(self, value: Any) -> str:
        return self.format(value)

    def from_text(self, text: str) -> Any:
        return self.parse(text)

    # -- helpers ---------------------------------------------------------------
    def _text(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise _not_text(raw)
        return raw

    def _required(self, what: str) -> InvalidValue:
        return InvalidValue(f"A value is required: {self.type_name} takes {what}.")

    def _unexpected(self, value: object) -> str:
        """A value of the wrong Python type: SQLite allows any value in any
        column, so show it; on PostgreSQL it is a bug."""
        if self.dialect == "sqlite":
            return str(value)
        raise TypeError(f"{type(value).__name__} is not a {self.type_name} value: {value!r}")


# -- integers ------------------------------------------------------------------

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# Longer than any 64-bit bound: out of range without calling int(), which
# refuses strings of more than 4,300 digits with a bare ValueError.
_MAX_SIGNIFICANT_DIGITS = 20


@dataclass(frozen=True, kw_only=True)
class IntegerCodec(Codec):
    """smallint, integer, bigint: optional sign and ASCII digits, blanks around
    (``pg_strtoint16/32/64``; the 15 server takes no ``_`` nor ``0x``).  Also
    takes a Python ``int`` (not ``bool``), as :func:`pending.parse_value` does."""

    bits: Literal[16, 32, 64] = 32

    @property
    def min_value(self) -> int:
        return -(2 ** (self.bits - 1))

    @property
    def max_value(self) -> int:
        return 2 ** (self.bits - 1) - 1

    @property
    def storage(self) -> np.dtype:
        return np.dtype(f"int{self.bits}")

    def parse(self, text: str) -> int:
        raw: object = text
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise InvalidValue(f"{_shorten(repr(raw))} is not a whole number.")
        if isinstance(raw, int):
            value, shown = raw, str(raw)
        else:
            shown = _trim(raw)
            if not shown:
                raise self._required("a whole number")
            if not _WHOLE_NUMBER.fullmatch(shown):
                raise InvalidValue(f"{_quoted(raw)} is not a whole number: {self.type_name} takes whole numbers only.")
            digits = shown.lstrip("+-").lstrip("0") or "0"
            if len(digits) > _MAX_SIGNIFICANT_DIGITS:
                raise self._out_of_range(shown)
            value = -int(digits) if shown.startswith("-") else int(digits)
        if not self.min_value <= value <= self.max_value:
            raise self._out_of_range(shown)
        return value

    def _out_of_range(self, shown: str) -> InvalidValue:
        return InvalidValue(
            f"{_shorten(shown)} is out of range: {self.type_name} takes whole numbers "
            f"from {self.min_value} to {self.max_value}."
        )

    def format(self, value: Any) -> str:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return str(int(value))
        return self._unexpected(value)

    def to_bind(self, value: Any) -> int:
        return int(value)

    def from_text(self, text: str) -> int:
        return self.parse(self._text(text))


# -- numeric -------------------------------------------------------------------

_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
# numeric's limits (docs 8.1.2): 131072 digits before the point, 16383 after.
_NUMERIC_MAX_INT_DIGITS = 131072
_NUMERIC_MAX_SCALE = 16383
# Beyond any exponent that can give a storable value; the server refuses
# most of these as well (it takes 0e1000000, this refuses it: stricter).
_MAX_EXPONENT = 200_000
_BIG = decimal.Context(prec=_NUMERIC_MAX_INT_DIGITS + _NUMERIC_MAX_SCALE + 10, Emax=10**7, Emin=-(10**7))
_NAN_SPELLINGS = frozenset({"nan"})
_INF_SPELLINGS = {"infinity": 1, "+infinity": 1, "inf": 1, "+inf": 1, "-infinity": -1, "-inf": -1}


def _special(shown: str) -> Decimal | None:
    """NaN and the infinities, spelled as the server takes them (any case)."""
    if not shown.isascii():
        return None
    lower = shown.lower()
    if lower in _NAN_SPELLINGS:
        return Decimal("NaN")
    sign = _INF_SPELLINGS.get(lower)
    if sign is None:
        return None
    return Decimal("Infinity") if sign > 0 else Decimal("-Infinity")


def _decimal_from_text(shown: str) -> tuple[Decimal, int] | None:
    """``(exact value, display scale)`` of a plain number as numeric_in reads it;
    ``None`` if it is not one.  The scale is the digits after the point minus
    the exponent, at least 0; raises :class:`_Overflow` for absurd exponents."""
    match = _NUMBER.fullmatch(shown)
    if match is None:
        return None
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:
        return None
    exp = 0
    if exponent is not None:
        if len(exponent.lstrip("+-").lstrip("0")) > 7:
            raise _Overflow
        exp = int(exponent)
        if abs(exp) > _MAX_EXPONENT:
            raise _Overflow
    scale = max(0, len(fraction) - exp)
    exact = Decimal(f"{sign}{whole or '0'}{fraction}E{exp - len(fraction)}")
    return exact, scale


class _Overflow(Exception):
    pass


def _with_scale(value: Decimal, scale: int) -> Decimal:
    """``value`` (exactly representable at ``scale``) with exponent ``-scale``
    and no negative zero: numeric has none."""
    result = value.quantize(Decimal(1).scaleb(-scale, _BIG), context=_BIG)
    return result.copy_abs() if result.is_zero() else result


def _numeric_text(value: Decimal) -> str:
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-Infinity" if value < 0 else "Infinity"
    if value.is_zero():
        value = value.copy_abs()
    return format(value, "f")


@dataclass(frozen=True, kw_only=True)
class NumericCodec(Codec):
    """numeric / numeric(p, s) (docs 8.1.2).  With a precision, values are
    rounded by the server to ``scale`` digits and must then stay below
    ``10 ** (precision - scale)``: this refuses any value rounding would change
    and any that would overflow; the scale may be negative (PostgreSQL 15)."""

    precision: int | None = None
    scale: int | None = None

    def _number_hint(self) -> str:
        return f"{self.type_name} takes numbers such as 12.34 or -1.5e3"

    def parse(self, text: str) -> Decimal:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a number")
        special = _special(shown)
        if special is not None:
            if special.is_infinite() and self.precision is not None:
                raise InvalidValue(f"{self.type_name} cannot hold an infinite value; only unconstrained numeric can.")
            return special
        try:
            parsed = _decimal_from_text(shown)
        except _Overflow:
            raise self._overflow(raw) from None
        if parsed is None:
            raise InvalidValue(f"{_quoted(raw)} is not a number: {self._number_hint()}.")
        exact, scale = parsed
        if self.precision is None:
            if scale > _NUMERIC_MAX_SCALE or (not exact.is_zero() and exact.adjusted() + 1 > _NUMERIC_MAX_INT_DIGITS):
                raise self._overflow(raw)
            return _with_scale(exact, scale)
        return self._fit(raw, exact)

    def _overflow(self, raw: str) -> InvalidValue:
        return InvalidValue(
            f"{_quoted(raw)} is out of range for numeric: it keeps at most "
            f"{_NUMERIC_MAX_INT_DIGITS} digits before the decimal point and {_NUMERIC_MAX_SCALE} after."
        )

    def _fit(self, raw: str, exact: Decimal) -> Decimal:
        """``exact`` as numeric(p, s) stores it, or why it cannot be (docs
        8.1.2: round to the scale, then fewer than p - s digits before the point)."""
        assert self.precision is not None and self.scale is not None
        digits = self.precision - self.scale
        too_large = InvalidValue(
            f"{_quoted(_trim(raw))} is too large for {self.type_name}: it takes numbers "
            f"whose absolute value is less than 10^{digits}."
        )
        # checked first so that rounding works on at most `precision` digits
        if not exact.is_zero() and exact.adjusted() >= digits:
            raise too_large
        step = Decimal(1).scaleb(-self.scale, _BIG)
        rounded = exact.quantize(step, rounding=decimal.ROUND_HALF_UP, context=_BIG)
        shown = _numeric_text(_with_scale(rounded, max(self.scale, 0)))
        places = f"{self.scale} decimal places" if self.scale >= 0 else f"multiples of 1{'0' * -self.scale}"
        if not rounded.is_zero() and rounded.adjusted() >= digits:
            # 99.995 in numeric(4,2): the server refuses it too; the rounding is what overflows
            raise InvalidValue(
                f"{_quoted(_trim(raw))} is too large for {self.type_name}: rounded to {places} it is "
                f"{_shorten(shown)}, and it takes numbers whose absolute value is less than 10^{digits}."
            )
        if rounded != exact:
            raise InvalidValue(
                f"{_quoted(_trim(raw))} has more digits than {self.type_name} keeps ({places}): "
                f"it would be stored as {_shorten(shown)}."
            )
        return _with_scale(rounded, max(self.scale, 0))

    def format(self, value: Any) -> str:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            value = Decimal(int(value))
        if not isinstance(value, Decimal):
            return self._unexpected(value)
        if self.scale is not None and self.scale > 0 and value.is_finite() and value.as_tuple().exponent > -self.scale:
            value = _with_scale(value, self.scale)  # only pads: the server shows the column's scale
        return _numeric_text(value)

    def to_bind(self, value: Any) -> Decimal:
        return value  # ±Infinity too: see _adapt_decimal


def _adapt_decimal(value: Decimal) -> Any:
    """psycopg2's adapter for a ``Decimal``, but ``±Infinity`` sent as itself: psycopg2
    sends every non-finite ``Decimal`` as ``'NaN'::numeric`` (numeric had no infinity
    before PostgreSQL 14), so a filter, a go to, a page's position or a commit's value
    of infinity would compare with or store NaN."""
    if value.is_infinite():
        return psycopg2.extensions.AsIs("'-Infinity'::numeric" if value.is_signed() else "'Infinity'::numeric")
    return _DECIMAL_ADAPTER(value)


# process-wide, as psycopg2's adapters are: every Decimal any connection binds
_DECIMAL_ADAPTER = psycopg2.extensions.adapters[(Decimal, psycopg2.extensions.ISQLQuote)]
psycopg2.extensions.register_adapter(Decimal, _adapt_decimal)


# -- floating point --------------------------------------------------------------

_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FLOAT_SPECIALS = {
    "nan": math.nan,
    "infinity": math.inf,
    "+infinity": math.inf,
    "inf": math.inf,
    "+inf": math.inf,
    "-infinity": -math.inf,
    "-inf": -math.inf,
}
_F32_OVERFLOW = Fraction(2**128 - 2**103)  # halfway between FLT_MAX and 2**128
_F32_UNDERFLOW = Fraction(1, 2**150)  # halfway between 0 and the least subnormal
_F64_MAX_EXPONENT_DIGITS = 5  # |exponent| >= 100000: certainly out of range


def _rounding_interval(value: float, bits: int) -> tuple[Fraction, Fraction]:
    """The reals that round to ``value`` (finite, positive) as the float type
    of ``bits``: half-way to each neighbour, both ends excluded."""
    if bits == 64:
        below, above = math.nextafter(value, 0.0), math.nextafter(value, math.inf)
    else:
        single = np.float32(value)
        with np.errstate(over="ignore"):
            below = float(np.nextafter(single, np.float32(0)))
            above = float(np.nextafter(single, np.float32(np.inf)))
    exact, lower = Fraction(value), Fraction(below)
    upper = Fraction(above) if math.isfinite(above) else exact + (exact - lower)
    return (exact + lower) / 2, (exact + upper) / 2


def _shortest_between(low: Fraction, high: Fraction, exact: Fraction) -> tuple[str, int]:
    """The fewest digits strictly between ``low`` and ``high``, nearest to
    ``exact`` (ties to even), as Ryu finds them."""
    exp = len(str(exact.numerator)) - len(str(exact.denominator))
    while Fraction(10) ** exp > exact:
        exp -= 1
    while Fraction(10) ** (exp + 1) <= exact:
        exp += 1
    for length in range(1, 20):
        step = Fraction(10) ** (exp - length + 1)
        first, last = math.floor(low / step) + 1, math.ceil(high / step) - 1
        if first <= last:
            chosen = str(min(max(round(exact / step), first), last))
            return chosen.rstrip("0") or "0", exp - length + len(chosen)
    raise AssertionError("no shortest digits")  # pragma: no cover - 17 digits always fit


def _shortest_digits(value: float, bits: int) -> tuple[str, int]:
    """The digits PostgreSQL (12+) prints for ``value`` (finite, nonzero, as the
    float type of ``bits``) and the decimal exponent of the first digit.

    That is Ryu's shortest output, except that PostgreSQL never prints the
    exact midpoint between two floats (``STRICTLY_SHORTEST 0`` in
    ``src/common/ryu_common.h``), where Python's ``repr`` may: 2**54 * 1.6 is
    ``2.8803190103723032e+16`` there, ``2.880319010372303e+16`` in Python."""
    magnitude = abs(value)
    if bits == 64:
        text = repr(magnitude)
    else:
        with np.errstate(over="ignore"):
            text = np.format_float_scientific(np.float32(magnitude), unique=True)
    low, high = _rounding_interval(magnitude, bits)
    if low < Fraction(text) < high:
        _, digits, exponent = Decimal(text).normalize(_BIG).as_tuple()
        assert isinstance(exponent, int)
        return "".join(map(str, digits)), exponent + len(digits) - 1
    return _shortest_between(low, high, Fraction(magnitude))


def _float_text(value: float, bits: int) -> str:
    """float8out / float4out since PostgreSQL 12 (extra_float_digits = 1):
    the shortest exact digits, fixed notation for decimal exponents from -4 to
    14 (real: to 5), else ``d.ddde+XX`` as printf's ``%g``."""
    if bits == 32:  # a double psycopg2 read from the server's text, or a float32
        with np.errstate(over="ignore"):
            value = float(np.float32(value))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, exp = _shortest_digits(value, bits)
    if -4 <= exp < (15 if bits == 64 else 6):
        if exp < 0:
            body = "0." + "0" * (-exp - 1) + digits
        elif exp >= len(digits) - 1:
            body = digits + "0" * (exp - len(digits) + 1)
        else:
            body = digits[: exp + 1] + "." + digits[exp + 1 :]
    else:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        body = f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return sign + body


def _nearest_float32(exact: Fraction) -> float | None:
    """The float32 nearest to ``exact`` (ties to even) as a Python float, as
    strtof() rounds; ``None`` when the server would say out of range."""
    magnitude = abs(exact)
    if magnitude == 0:
        return 0.0
    if magnitude >= _F32_OVERFLOW or magnitude <= _F32_UNDERFLOW:
        return None
    with np.errstate(over="ignore", under="ignore"):
        first = np.float32(float(magnitude))  # may be one off: rounded twice
        around = (first, np.nextafter(first, np.float32(0)), np.nextafter(first, np.float32(np.inf)))
    candidates = [c for c in around if np.isfinite(c)]
    best = min(candidates, key=lambda c: (abs(Fraction(float(c)) - magnitude), int(np.array(c).view(np.uint32)) & 1))
    return float(best) if exact > 0 else -float(best)


@dataclass(frozen=True, kw_only=True)
class FloatCodec(Codec):
    """real (``bits=32``) and double precision (``bits=64``), docs 8.1.3."""

    bits: Literal[32, 64] = 64

    @property
    def storage(self) -> np.dtype:
        return np.dtype(f"float{self.bits}")

    def parse(self, text: str) -> float:
        value = self._parse(text)
        if self.dialect == "sqlite" and (math.isnan(value) or (value == 0 and math.copysign(1.0, value) < 0)):
            # SQLite stores NaN as NULL and -0 as 0: what was typed would not be what is stored
            raise InvalidValue(f"{_quoted(_trim(text))} cannot be stored by SQLite as typed (it keeps NaN as NULL and -0 as 0).")
        return value

    def _parse(self, text: str) -> float:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a number")
        if shown.isascii() and shown.lower() in _FLOAT_SPECIALS:
            return _FLOAT_SPECIALS[shown.lower()]
        if not _FLOAT.fullmatch(shown):
            raise InvalidValue(
                f"{_quoted(raw)} is not a number: {self.type_name} takes numbers such as 1.5, -2e-3, Infinity or NaN."
            )
        mantissa, _, exponent = shown.lower().partition("e")
        if len(exponent.lstrip("+-").lstrip("0")) > _F64_MAX_EXPONENT_DIGITS:
            if Decimal(mantissa or "0").is_zero():
                return -0.0 if mantissa.startswith("-") else 0.0
            raise self._out_of_range(raw)
        exact = Decimal(shown)
        if self.bits == 64:
            value = float(shown)
            if math.isinf(value) or (value == 0 and not exact.is_zero()):
                raise self._out_of_range(raw)
        else:
            nearest = _nearest_float32(Fraction(exact))
            if nearest is None:
                raise self._out_of_range(raw)
            value = -0.0 if (nearest == 0 and exact.is_signed()) else nearest
        if value != 0:
            digits, exp = _shortest_digits(value, self.bits)
            shortest = Decimal(f"{digits}E{exp - len(digits) + 1}")
            typed = exact.copy_abs()  # abs() would round to the context's 28 digits
            if typed != shortest and typed != Decimal(abs(value)):
                raise InvalidValue(
                    f"{_quoted(shown)} has more digits than {self.type_name} keeps: "
                    f"it would be stored as {_float_text(value, self.bits)}."
                )
        return value

    def _out_of_range(self, raw: str) -> InvalidValue:
        return InvalidValue(f"{_quoted(_trim(raw))} is out of range for {self.type_name}.")

    def format(self, value: Any) -> str:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and self.dialect == "sqlite":
            return str(int(value))  # SQLite's NUMERIC affinity keeps whole numbers as integers
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return _float_text(float(value), self.bits)
        return self._unexpected(value)

    def to_bind(self, value: Any) -> float | str:
        value = float(value)
        if value == 0 and math.copysign(1.0, value) < 0 and self.dialect == "postgresql":
            return "-0"  # psycopg2 sends -0.0, read by the server as numeric zero: the sign would be lost
        return value


# -- boolean ---------------------------------------------------------------------

_TRUE_WORDS = ("true", "yes", "on")
_FALSE_WORDS = ("false", "no", "off")


def _bool_word(word: str) -> bool | None:
    """boolin's reading (docs 8.6): a prefix of true/false/yes/no, ``on``,
    ``off`` or ``of``, ``1``/``0``, in any case."""
    if not word.isascii():
        return None
    word = word.lower()
    if word == "1":
        return True
    if word == "0":
        return False
    if word[0] == "o":  # 'o' alone could be on or off
        if len(word) >= 2 and "on".startswith(word):
            return True
        if len(word) >= 2 and "off".startswith(word):
            return False
        return None
    for full in _TRUE_WORDS:
        if full.startswith(word):
            return True
    for full in _FALSE_WORDS:
        if full.startswith(word):
            return False
    return None


@dataclass(frozen=True, kw_only=True)
class BooleanCodec(Codec):
    @property
    def storage(self) -> np.dtype:
        return np.dtype(bool)

    def parse(self, text: str) -> bool:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("true or false")
        value = _bool_word(shown)
        if value is None:
            raise InvalidValue(f"{_quoted(raw)} is not a boolean: {self.type_name} takes true/false, yes/no, on/off or 1/0.")
        return value

    def format(self, value: Any) -> str:
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, int) and value in (0, 1)):
            return "true" if value else "false"
        return self._unexpected(value)

    def to_bind(self, value: Any) -> bool:
        return bool(value)


# -- text, varchar, char, enum -----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TextCodec(Codec):
    """text, character varying[(n)], character(n) and bpchar (docs 8.3), and the
    citext extension's case-insensitive text (F.9: stored as typed, compared
    without regard to case).

    Blanks are kept.  ``length`` counts characters; a longer value is refused
    (an INSERT would fail, an explicit cast would silently cut it).  char(n)
    values are padded with spaces to n, as stored."""

    kind: Literal["text", "varchar", "char", "citext"] = "text"
    length: int | None = None

    @property
    def text_like(self) -> bool:
        return True

    def parse(self, text: str) -> str:
        raw = self._text(text)
        _check_storable(raw)
        if self.length is not None and len(raw) > self.length:
            raise InvalidValue(
                f"{_quoted(raw)} is {len(raw)} characters long: {self.type_name} takes at most {self.length}."
            )
        if self.kind == "char" and self.length is not None:
            return raw.ljust(self.length)
        return raw

    def format(self, value: Any) -> str:
        if not isinstance(value, str):
            return self._unexpected(value)
        if self.kind == "char" and self.length is not None:
            return value.ljust(self.length)
        return value


@dataclass(frozen=True, kw_only=True)
class EnumCodec(Codec):
    """An enum: exactly one of its labels, case and blanks included (docs 8.7)."""

    labels: tuple[str, ...] = ()

    def parse(self, text: str) -> str:
        raw = self._text(text)
        if raw in self.labels:
            return raw
        if not raw:
            raise self._required("one of its labels")
        listed = ", ".join(self.labels)
        raise InvalidValue(f"{_quoted(raw)} is not a value of {_shorten(self.type_name)}: it takes {_shorten(listed)}.")

    def format(self, value: Any) -> str:
        return value if isinstance(value, str) else self._unexpected(value)


# -- dates and times ---------------------------------------------------------------

_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_TIME = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
_OFFSET = r"(?:([Zz])|([+-])([0-9]{2})(?::([0-9]{2})(?::([0-9]{2}))?|([0-9]{2}))?)"
_DATE_RE = re.compile(_DATE)
_TIME_RE = re.compile(_TIME)
_TIMESTAMP_RE = re.compile(f"{_DATE}(?:(?: +|T){_TIME})?")
_TIMESTAMPTZ_RE = re.compile(f"{_DATE}(?:(?: +|T){_TIME}(?: ?{_OFFSET})?)?")
_MAX_OFFSET = dt.timedelta(hours=15, minutes=59, seconds=59)
_FORMS = {
    "date": "YYYY-MM-DD, e.g. 2024-01-31",
    "time": "HH:MM[:SS[.ffffff]], e.g. 13:45:07",
    "timestamp": "YYYY-MM-DD HH:MM[:SS[.ffffff]], e.g. 2024-01-31 13:45:07",
    "timestamptz": "YYYY-MM-DD HH:MM[:SS[.ffffff]][+HH[:MM]], e.g. 2024-01-31 13:45:07+01",
}


def _date_of(raw: str, year: str, month: str, day: str) -> dt.date:
    y, m, d = int(year), int(month), int(day)
    if y == 0:
        raise InvalidValue(f"{_quoted(raw)} is not a date: there is no year 0 (this editor takes years 1 to 9999).")
    if not 1 <= m <= 12:
        raise InvalidValue(f"{_quoted(raw)} is not a date: month {m} does not exist.")
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        raise InvalidValue(
            f"{_quoted(raw)} is not a date: {calendar.month_name[m]} {y} has days 1 to {last}."
        )
    return dt.date(y, m, d)


def _time_of(
    raw: str, type_name: str, precision: int, hour: str, minute: str, second: str | None, fraction: str | None
) -> dt.time:
    h, mi, s = int(hour), int(minute), int(second or 0)
    if h > 23 or mi > 59 or s > 59:
        raise InvalidValue(
            f"{_quoted(raw)} is not a time of day: {type_name} takes 00:00:00 to 23:59:59.999999 "
            "(the server would roll 24:00 or second 60 over)."
        )
    fraction = fraction or ""
    if fraction[precision:].strip("0"):
        kept = "no fractional seconds" if precision == 0 else f"{precision} fractional digit{'s' if precision > 1 else ''}"
        raise InvalidValue(f"{_quoted(raw)} has more precision than {type_name} keeps ({kept}): it would be rounded.")
    micro = int((fraction[:6]).ljust(6, "0"))
    return dt.time(h, mi, s, micro)


def _time_text(value: dt.time | dt.datetime) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text


def _date_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _offset_text(offset: dt.timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}"
    if minutes or secs:
        text += f":{minutes:02d}"
    if secs:
        text += f":{secs:02d}"
    return text


def _precision_of(precision: int | None) -> int:
    return 6 if precision is None else precision


def _from_datetime64(value: Any) -> Any:
    """A NumPy datetime64 / timedelta64 scalar as the Python value it holds."""
    if isinstance(value, np.datetime64):
        if np.datetime_data(value.dtype)[0] in ("Y", "M", "W", "D"):
            return value.astype("datetime64[D]").astype(object)
        return value.astype("datetime64[us]").astype(object)
    if isinstance(value, np.timedelta64):
        micro = int(value.astype("timedelta64[us]").astype(np.int64))
        return (dt.datetime.min + dt.timedelta(microseconds=micro)).time()
    return value


def _lenient(codec: Codec, value: Any) -> Any:
    """SQLite keeps dates as text: read it back if it is one."""
    if isinstance(value, str) and codec.dialect == "sqlite":
        try:
            return codec.parse(value)
        except InvalidValue:
            return value
    return value


@dataclass(frozen=True, kw_only=True)
class DateCodec(Codec):
    @property
    def storage(self) -> np.dtype:
        return np.dtype("datetime64[D]")

    def parse(self, text: str) -> dt.date:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a date")
        match = _DATE_RE.fullmatch(shown)
        if match is None:
            raise InvalidValue(f"{_quoted(raw)} is not a date: {self.type_name} takes {_FORMS['date']}.")
        return _date_of(raw, *match.groups())

    def format(self, value: Any) -> str:
        value = _lenient(self, _from_datetime64(value))
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return _date_text(value)
        return self._unexpected(value)

    def to_bind(self, value: Any) -> Any:
        return self.format(value) if self.dialect == "sqlite" else value


@dataclass(frozen=True, kw_only=True)
class TimeCodec(Codec):
    """time [(p)] without time zone; ``24:00`` is refused (``datetime.time``
    cannot hold it)."""

    precision: int | None = None

    @property
    def storage(self) -> np.dtype:
        return np.dtype("timedelta64[us]")

    def parse(self, text: str) -> dt.time:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a time of day")
        match = _TIME_RE.fullmatch(shown)
        if match is None:
            raise InvalidValue(f"{_quoted(raw)} is not a time of day: {self.type_name} takes {_FORMS['time']}.")
        return _time_of(raw, self.type_name, _precision_of(self.precision), *match.groups())

    def format(self, value: Any) -> str:
        value = _lenient(self, _from_datetime64(value))
        if isinstance(value, dt.time) and value.tzinfo is None:
            return _time_text(value)
        return self._unexpected(value)

    def to_bind(self, value: Any) -> Any:
        return self.format(value) if self.dialect == "sqlite" else value


@dataclass(frozen=True, kw_only=True)
class TimestampCodec(Codec):
    """timestamp [(p)] without time zone: a date alone means midnight."""

    precision: int | None = None

    @property
    def storage(self) -> np.dtype:
        return np.dtype("datetime64[us]")

    def parse(self, text: str) -> dt.datetime:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a date and time")
        match = _TIMESTAMP_RE.fullmatch(shown)
        if match is None:
            hint = " (it has no time zone: an offset would be dropped)" if _TIMESTAMPTZ_RE.fullmatch(shown) else ""
            raise InvalidValue(f"{_quoted(raw)} is not a timestamp{hint}: {self.type_name} takes {_FORMS['timestamp']}.")
        year, month, day, *clock = match.groups()
        date = _date_of(raw, year, month, day)
        time = _time_of(raw, self.type_name, _precision_of(self.precision), *clock) if clock[0] else dt.time()
        return dt.datetime.combine(date, time)

    def format(self, value: Any) -> str:
        value = _lenient(self, _from_datetime64(value))
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return f"{_date_text(value)} {_time_text(value)}"
        return self._unexpected(value)

    def to_bind(self, value: Any) -> Any:
        return self.format(value) if self.dialect == "sqlite" else value


# a POSIX zone of one fixed offset, as PostgreSQL takes and shows it: UTC+3 (three
# hours west: POSIX counts the other way), <+0330>-03:30, XYZ-5:45 (SET TIME ZONE 5 and
# SET TIME ZONE INTERVAL '...' HOUR TO MINUTE show as such too)
_POSIX_FIXED_ZONE = re.compile(r"(?:<[^<>]+>|[A-Za-z]{3,})([+-]?)([0-9]{1,2})(?::([0-9]{2}))?(?::([0-9]{2}))?")


@lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    """The zone ``name`` (an IANA name, or a POSIX zone of one fixed offset); raises
    :class:`UnknownTimeZone` for anything else (a POSIX rule with daylight saving)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    match = _POSIX_FIXED_ZONE.fullmatch(name)
    if match is not None:
        sign, hours, minutes, seconds = match.groups()
        west = dt.timedelta(hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0))
        if west < dt.timedelta(hours=24):
            return dt.timezone(west if sign == "-" else -west, name)
    raise UnknownTimeZone(
        f"The session's time zone is {name!r}, which the editor cannot show times in (only zone names such as "
        "'Europe/Paris' and POSIX zones of one fixed offset such as 'UTC+3'). Set TimeZone to a zone name, "
        "for example with ?options=-c%20TimeZone%3DEurope/Paris in the URL."
    )


@dataclass(frozen=True, kw_only=True)
class TimestampTzCodec(Codec):
    """timestamp [(p)] with time zone, for a session in ``time_zone``.

    Values are aware datetimes in UTC (the instant); ``format`` shows them in
    ``time_zone`` with the offset as the server prints it (``+00``,
    ``+05:30``, ``-03:30``, ``+00:09:21``)."""

    precision: int | None = None
    time_zone: str = "UTC"

    @property
    def storage(self) -> np.dtype:
        return np.dtype("datetime64[us]")

    def parse(self, text: str) -> dt.datetime:
        raw = self._text(text)
        shown = _trim(raw)
        if not shown:
            raise self._required("a date and time")
        match = _TIMESTAMPTZ_RE.fullmatch(shown)
        if match is None:
            raise InvalidValue(f"{_quoted(raw)} is not a timestamp: {self.type_name} takes {_FORMS['timestamptz']}.")
        year, month, day, hour, minute, second, fraction, zulu, sign, oh, om, osec, om2 = match.groups()
        date = _date_of(raw, year, month, day)
        time = (
            _time_of(raw, self.type_name, _precision_of(self.precision), hour, minute, second, fraction)
            if hour
            else dt.time()
        )
        local = dt.datetime.combine(date, time)
        if zulu or sign:
            hours, minutes, seconds = int(oh or 0), int(om or om2 or 0), int(osec or 0)
            offset = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
            if minutes > 59 or seconds > 59 or offset > _MAX_OFFSET:
                raise InvalidValue(f"{_quoted(raw)} has an offset PostgreSQL refuses: it takes up to 15:59:59.")
            if sign == "-":
                offset = -offset
            aware = local.replace(tzinfo=dt.timezone(offset))
        else:
            aware = self._in_zone(raw, local)
        try:
            instant = aware.astimezone(dt.timezone.utc)
            instant.astimezone(_zone(self.time_zone))
        except OverflowError:
            raise self._years(raw) from None
        if not 1 <= instant.year <= 9999 or not 1 <= instant.astimezone(_zone(self.time_zone)).year <= 9999:
            raise self._years(raw)
        return instant

    def _years(self, raw: str) -> InvalidValue:
        return InvalidValue(f"{_quoted(raw)} falls outside the years 1 to 9999, which this editor takes.")

    def _in_zone(self, raw: str, local: dt.datetime) -> dt.datetime:
        zone = _zone(self.time_zone)
        earlier = local.replace(tzinfo=zone, fold=0)
        later = local.replace(tzinfo=zone, fold=1)
        try:
            exists = earlier.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None) == local
        except OverflowError:
            raise self._years(raw) from None
        if not exists:
            before = earlier.utcoffset()
            assert before is not None
            raise InvalidValue(
                f"{_quoted(raw)} does not exist in {self.time_zone} (the clocks skip it): "
                f"type it with its UTC offset, e.g. {_shorten(raw.strip())}{_offset_text(before)}."
            )
        # the server takes the offset in force after a jump back (Appendix B)
        return later

    def format(self, value: Any) -> str:
        if isinstance(value, np.datetime64):
            value = _from_datetime64(value).replace(tzinfo=dt.timezone.utc)
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            local = value.astimezone(_zone(self.time_zone))
            offset = local.utcoffset()
            assert offset is not None
            return f"{_date_text(local)} {_time_text(local)}{_offset_text(offset)}"
        return self._unexpected(value)

    def to_text(self, value: Any) -> str:
        return TimestampTzCodec(type_name=self.type_name, precision=self.precision).format(value)


# -- uuid, json ----------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}")


@dataclass(frozen=True, kw_only=True)
class UuidCodec(Codec):
    """uuid (docs 8.12): 32 hex digits in any case, a hyphen allowed after any
    group of four, optionally in braces; no blanks (uuid_in trims none)."""

    def parse(self, text: str) -> uuid.UUID:
        raw = self._text(text)
        if not raw:
            raise self._required("a UUID")
        body = raw[1:-1] if raw.startswith("{") and raw.endswith("}") else raw
        if not _UUID.fullmatch(body):
            raise InvalidValue(
                f"{_quoted(raw)} is not a UUID: {self.type_name} takes 32 hexadecimal digits, "
                "e.g. a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11."
            )
        return uuid.UUID(body.replace("-", ""))

    def format(self, value: Any) -> str:
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str):
            return str(uuid.UUID(value))
        return self._unexpected(value)

    def to_bind(self, value: Any) -> str:
        return self.format(value)


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _JsonNumber(str):
    """A number as written in the JSON text."""


class _JsonRefused(Exception):
    pass


def _json_number(token: str) -> _JsonNumber:
    if not _JSON_NUMBER.fullmatch(token):  # Python's \d would take other digits
        raise _JsonRefused(f"{_shorten(token)} is not a JSON number")
    return _JsonNumber(token)


def _json_constant(name: str) -> Any:
    raise _JsonRefused(f"{name} is not valid JSON (PostgreSQL refuses it)")


def _json_key(key: str) -> tuple[int, bytes]:
    data = key.encode("utf-8")
    return len(data), data


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _jsonb_text(node: Any) -> str:
    """The text jsonb_out prints for ``node`` (parsed with pairs kept)."""
    if isinstance(node, _JsonNumber):
        parsed = _decimal_from_text(node)
        assert parsed is not None
        exact, scale = parsed
        if scale > _NUMERIC_MAX_SCALE or (not exact.is_zero() and exact.adjusted() + 1 > _NUMERIC_MAX_INT_DIGITS):
            raise _Overflow
        return _numeric_text(_with_scale(exact, scale))
    if isinstance(node, str):
        if "\x00" in node or _SURROGATE.search(node):
            raise _JsonRefused("jsonb cannot hold \\u0000 or an unpaired surrogate escape")
        return _json_string(node)
    if node is True:
        return "true"
    if node is False:
        return "false"
    if node is None:
        return "null"
    if isinstance(node, _Pairs):
        last = {}
        for key, value in node:
            if "\x00" in key or _SURROGATE.search(key):
                raise _JsonRefused("jsonb cannot hold \\u0000 or an unpaired surrogate escape")
            last[key] = value
        items = (f"{_json_string(k)}: {_jsonb_text(last[k])}" for k in sorted(last, key=_json_key))
        return "{" + ", ".join(items) + "}"
    return "[" + ", ".join(_jsonb_text(item) for item in node) + "]"


class _Pairs(list):
    """A JSON object as its (key, value) pairs, duplicates kept."""


@dataclass(frozen=True, kw_only=True)
class JsonCodec(Codec):
    """json (``binary=False``): the text as typed, once it is valid JSON.
    jsonb (``binary=True``): the normal form the server stores (docs 8.14)."""

    binary: bool = False

    def parse(self, text: str) -> str:
        raw = self._text(text)
        _check_storable(raw)
        if not raw.strip(" \t\n\r"):
            raise self._required("a JSON value")
        try:
            document = json.loads(
                raw,
                parse_int=_json_number,
                parse_float=_json_number,
                parse_constant=_json_constant,
                object_pairs_hook=_Pairs,
            )
            return _jsonb_text(document) if self.binary else raw
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise InvalidValue(f"{_quoted(raw)} is not valid JSON: {error.msg} ({where}).") from None
        except _JsonRefused as error:
            raise InvalidValue(f"{_quoted(raw)} is refused: {error}.") from None
        except _Overflow:
            raise InvalidValue(f"{_quoted(raw)} holds a number out of range for jsonb (numeric's limits).") from None
        except RecursionError:
            raise InvalidValue(f"{_quoted(raw)} is nested too deeply to be checked here.") from None

    def format(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        # psycopg2's decoded objects: the stored spelling is lost (module docstring)
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=self.binary)
        except (TypeError, ValueError):
            return self._unexpected(value)


# -- read-only ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReadOnlyCodec(Codec):
    """A type the editor shows but does not edit: its value is the server's
    text output (read the column as ``CAST(col AS text)``)."""

    reason: str = "values of this type are shown as text and cannot be edited here"

    @property
    def editable(self) -> bool:
        return False

    @property
    def read_only_reason(self) -> str | None:
        return self.reason

    def parse(self, text: str) -> str:
        raise InvalidValue(self.reason[:1].upper() + self.reason[1:] + ".")

    def format(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return "\\x" + bytes(value).hex()  # bytea_output = hex, the default
        return str(value)

    def to_bind(self, value: Any) -> Any:
        return value  # the text output, which the type's input reads back

    def from_text(self, text: str) -> str:
        return self._text(text)


# -- codec_for ---------------------------------------------------------------------

_INTEGERS: dict[str, Literal[16, 32, 64]] = {
    "smallint": 16, "int2": 16, "integer": 32, "int": 32, "int4": 32, "bigint": 64, "int8": 64,
}  # fmt: skip
_FLOATS: dict[str, Literal[32, 64]] = {"real": 32, "float4": 32, "double precision": 64, "float8": 64, "float": 64}
_NUMERIC_RE = re.compile(r"(?:numeric|decimal)(?:\((\d+)(?:,\s*(-?\d+))?\))?")
_VARCHAR_RE = re.compile(r"(?:character varying|varchar)(?:\((\d+)\))?")
_CHAR_RE = re.compile(r"(character|char|bpchar)(?:\((\d+)\))?")
# citext as format_type() prints it: schema-qualified when the extension's schema is
# not on the search_path
_CITEXT_RE = re.compile(r'(?:(?:\w+|"(?:[^"]|"")+")\.)?citext')
_TIME_TYPE_RE = re.compile(r"time(?:\((\d)\))?(?: without time zone)?")
_TIMESTAMP_TYPE_RE = re.compile(r"timestamp(?:\((\d)\))?(?: without time zone)?")
_TIMESTAMPTZ_TYPE_RE = re.compile(r"timestamp(?:\((\d)\))? with time zone|timestamptz(?:\((\d)\))?")

_READ_ONLY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r".*\[\]"), "arrays"),
    (re.compile(r"bytea"), "binary data (bytea)"),
    (re.compile(r"\w*(?:multi)?range"), "ranges"),
    (re.compile(r"point|line|lseg|box|path|polygon|circle|geometry|geography"), "geometric values"),
    (re.compile(r"interval.*"), "intervals"),
    (re.compile(r"time(?:\(\d\))? with time zone|timetz(?:\(\d\))?"), "times with a time zone"),
    (re.compile(r"money"), "money amounts (their format follows the server's locale)"),
    (re.compile(r"bit(?: varying)?(?:\(\d+\))?|varbit(?:\(\d+\))?"), "bit strings"),
    (re.compile(r"xml"), "XML documents"),
    (re.compile(r"tsvector|tsquery"), "text search values"),
    (re.compile(r"inet|cidr|macaddr8?"), "network addresses"),
]


def _read_only(type_name: str, what: str, nullable: bool, dialect: Dialect) -> ReadOnlyCodec:
    return ReadOnlyCodec(
        type_name=type_name,
        nullable=nullable,
        dialect=dialect,
        reason=f"{what} are shown as text and cannot be edited here",
    )


def codec_for(
    type_name: str,
    *,
    nullable: bool = True,
    enum_labels: tuple[str, ...] | None = None,
    time_zone: str = "UTC",
    dialect: Dialect = "postgresql",
) -> Codec:
    """The codec for a column of ``type_name`` as ``format_type(atttypid,
    atttypmod)`` prints it (or a SQLite declared type with
    ``dialect="sqlite"``).

    ``enum_labels`` (in the enum's order) makes an enum codec whatever the
    name.  ``time_zone`` is the session's TimeZone, used by timestamptz; an
    unknown name raises :class:`ValueError`.  A malformed modifier
    (``numeric(0)``) raises :class:`ValueError` too; an unknown type gives a
    read-only codec.
    """
    common: dict[str, Any] = {"type_name": type_name, "nullable": nullable, "dialect": dialect}
    if enum_labels is not None:
        return EnumCodec(labels=tuple(enum_labels), **common)
    if dialect == "sqlite":
        return _sqlite_codec(type_name, common)
    name = " ".join(type_name.split()).lower()
    if name in _INTEGERS:
        return IntegerCodec(bits=_INTEGERS[name], **common)
    if name in _FLOATS:
        return FloatCodec(bits=_FLOATS[name], **common)
    if name in ("boolean", "bool"):
        return BooleanCodec(**common)
    if name == "text":
        return TextCodec(**common)
    if _CITEXT_RE.fullmatch(name):
        return TextCodec(kind="citext", **common)
    if name == "date":
        return DateCodec(**common)
    if name == "uuid":
        return UuidCodec(**common)
    if name in ("json", "jsonb"):
        return JsonCodec(binary=name == "jsonb", **common)
    if match := _NUMERIC_RE.fullmatch(name):
        return _numeric(match, common)
    if match := _VARCHAR_RE.fullmatch(name):
        length = match.group(1)
        return TextCodec(kind="varchar", length=None if length is None else _length(length, type_name), **common)
    if match := _CHAR_RE.fullmatch(name):
        word, length = match.groups()
        if word == "bpchar" and length is None:
            return TextCodec(kind="char", **common)  # unconstrained: no padding
        return TextCodec(kind="char", length=_length(length or "1", type_name), **common)
    if match := _TIME_TYPE_RE.fullmatch(name):
        return TimeCodec(precision=_fraction_digits(match.group(1), type_name), **common)
    if match := _TIMESTAMP_TYPE_RE.fullmatch(name):
        return TimestampCodec(precision=_fraction_digits(match.group(1), type_name), **common)
    if match := _TIMESTAMPTZ_TYPE_RE.fullmatch(name):
        _zone(time_zone)  # refuse an unknown zone now, not at the first value
        digits = _fraction_digits(match.group(1) or match.group(2), type_name)
        return TimestampTzCodec(precision=digits, time_zone=time_zone, **common)
    for pattern, what in _READ_ONLY:
        if pattern.fullmatch(name):
            return _read_only(type_name, what, nullable, dialect)
    return _read_only(type_name, f"values of type {type_name}", nullable, dialect)


def _numeric(match: re.Match[str], common: dict[str, Any]) -> NumericCodec:
    precision, scale = match.groups()
    if precision is None:
        return NumericCodec(**common)
    p, s = int(precision), int(scale or 0)
    if not 1 <= p <= 1000 or not -1000 <= s <= 1000:
        raise ValueError(f"{common['type_name']!r}: precision must be 1 to 1000 and scale -1000 to 1000")
    return NumericCodec(precision=p, scale=s, **common)


def _length(text: str, type_name: str) -> int:
    length = int(text)
    if length < 1:
        raise ValueError(f"{type_name!r}: the length must be at least 1")
    return length


def _fraction_digits(text: str | None, type_name: str) -> int | None:
    if text is None:
        return None
    digits = int(text)
    if digits > 6:
        raise ValueError(f"{type_name!r}: the precision must be 0 to 6")
    return digits


def _sqlite_codec(type_name: str, common: dict[str, Any]) -> Codec:
    upper = type_name.upper()
    if "INT" in upper:
        return IntegerCodec(bits=64, **common)
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return TextCodec(**common)
    if "BLOB" in upper or not upper.strip():
        what = "BLOB values" if upper.strip() else "values of a column without a declared type"
        return _read_only(type_name, what, common["nullable"], "sqlite")
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return FloatCodec(bits=64, **common)
    words = re.findall(r"[A-Z]+", upper)
    if words and words[0].startswith("BOOL"):
        return BooleanCodec(**common)
    if words and words[0] in ("DATETIME", "TIMESTAMP"):
        return TimestampCodec(**common)
    if words and words[0] == "DATE":
        return DateCodec(**common)
    if words and words[0] == "TIME":
        return TimeCodec(**common)
    return FloatCodec(bits=64, **common)
