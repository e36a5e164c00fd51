"""The column codecs on their own (no server): round trips, canonical readings,
refusals with their messages, and the integer codec against ``parse_value``.

The input strategies here (``INPUTS``) are shared with the differential test
against PostgreSQL, ``test_data_codecs_server.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sqlite3
import struct
import subprocess
import sys
import uuid
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import psycopg2.extensions
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import test_data_values as values_tests
from gui.data.codecs import (
    BooleanCodec,
    Codec,
    DateCodec,
    EnumCodec,
    FloatCodec,
    IntegerCodec,
    JsonCodec,
    NumericCodec,
    ReadOnlyCodec,
    TextCodec,
    TimeCodec,
    TimestampCodec,
    TimestampTzCodec,
    UuidCodec,
    codec_for,
)
from gui.data.config import DEFAULT_SPEC
from gui.data.errors import InvalidValue, UnknownTimeZone
from gui.data.pending import parse_value

ROOT = Path(__file__).resolve().parent.parent
PG_BLANKS = " \t\n\r\v\f"
MOOD = ("sad", "ok", "happy", "with space", "Ünïcödé", "OK")
UTC = dt.timezone.utc


def same(a: Any, b: Any) -> bool:
    """Equal as stored values: floats bit for bit (NaN equals NaN, -0 is not 0),
    Decimals with their scale, datetimes with their offset."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, Decimal):
        return str(a) == str(b)
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def refused(codec: Codec, text: object) -> str:
    with pytest.raises(InvalidValue) as excinfo:
        codec.parse(text)  # type: ignore[arg-type]
    message = excinfo.value.message
    assert message.strip() and len(message) < 300, message
    return message


# -- input strategies (shared with the server test) ------------------------------

blanks = st.sampled_from(["", "", "", " ", "  ", "\t", "\n", " \r\n", "\v", "\f", "\u00a0", "\u2003", "\x1c"])
signs = st.sampled_from(["", "", "+", "-", "--", "+-"])
digits = st.text(alphabet="0123456789", max_size=24)
small_digits = st.text(alphabet="0123456789", min_size=1, max_size=4)


def mixed_case(words: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).flatmap(
        lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
            lambda flags: "".join(c.upper() if f else c for c, f in zip(w, flags, strict=True))
        )
    )


def padded(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(blanks, inner, blanks).map("".join)


@st.composite
def decimal_texts(draw: st.DrawFn, max_exponent: int = 40) -> str:
    """Plain numbers as a person might type them, valid or nearly."""
    whole = draw(digits)
    point = draw(st.sampled_from(["", ".", "."]))
    fraction = draw(digits) if point else ""
    exponent = ""
    if draw(st.booleans()):
        exponent = draw(st.sampled_from(["e", "E"])) + draw(st.sampled_from(["", "+", "-"]))
        exponent += str(draw(st.integers(0, max_exponent))) if draw(st.integers(0, 9)) else draw(small_digits)
    return draw(signs) + whole + point + fraction + exponent


special_numbers = mixed_case(["nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf", "-nan", "infinit", "in"])
integer_inputs = st.one_of(
    padded(st.integers(-(2**66), 2**66).map(str)),
    padded(st.integers(-40000, 40000).map(str)),
    padded(st.tuples(signs, digits).map("".join)),
    padded(decimal_texts(6)),
    st.text(max_size=8),
)
numeric_inputs = st.one_of(
    padded(decimal_texts()),
    padded(st.decimals(allow_nan=False, allow_infinity=False).map(str)),
    padded(special_numbers),
    st.text(max_size=8),
)
float_inputs = st.one_of(
    padded(st.floats().map(repr)),
    padded(st.floats(width=32).map(lambda f: str(np.float32(f)))),
    padded(decimal_texts(330)),
    padded(st.integers(-(2**70), 2**70).map(str)),
    st.integers(2**24, 2**31).map(str),  # whole floats above 2**24: where midpoints print short
    padded(special_numbers),
    st.text(max_size=8),
)
bool_words = ["t", "tr", "tru", "true", "f", "fa", "fal", "fals", "false", "y", "ye", "yes", "n", "no", "on", "of", "off"]
boolean_inputs = st.one_of(
    padded(mixed_case([*bool_words, "o", "1", "0", "01", "truee", "yess", "onn", "ok", "nope", "2"])),
    st.text(max_size=6),
)
text_inputs = st.one_of(st.text(max_size=8), padded(st.text(alphabet="ab é", max_size=5)))


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    year = draw(st.one_of(st.integers(1, 9999).map(lambda y: f"{y:04d}"), st.integers(0, 10999).map(str)))
    month = draw(st.one_of(st.integers(1, 12).map(lambda m: f"{m:02d}"), st.integers(0, 13).map(str)))
    day = draw(st.one_of(st.integers(1, 28).map(lambda d: f"{d:02d}"), st.integers(0, 32).map(str)))
    sep = draw(st.sampled_from(["-", "-", "-", "/", ""]))
    return f"{year}{sep}{month}{sep}{day}"


@st.composite
def time_texts(draw: st.DrawFn) -> str:
    hour = draw(st.one_of(st.integers(0, 23).map(lambda h: f"{h:02d}"), st.integers(0, 25).map(str)))
    minute = draw(st.one_of(st.integers(0, 59).map(lambda m: f"{m:02d}"), st.integers(0, 61).map(str)))
    text = f"{hour}:{minute}"
    if draw(st.integers(0, 3)):
        second = draw(st.one_of(st.integers(0, 59).map(lambda s: f"{s:02d}"), st.integers(0, 61).map(str)))
        text += f":{second}"
        if draw(st.booleans()):
            fraction = draw(st.text(alphabet="0123456789", max_size=9))
            text += "." + fraction
    return text


offsets = st.one_of(
    st.sampled_from(["", "", "Z", "z", "+00", "-05", "+05:30", "+0530", "-03:30", "+05:30:15", "+15:59", "+16", "+5"]),
    st.sampled_from([" +01", "UTC", "EST", " Europe/Paris"]),
    st.builds(
        lambda sign, h, m, s, colon: f"{sign}{h:02d}{colon}{m:02d}" + (f"{colon}{s:02d}" if colon and s else ""),
        st.sampled_from("+-"), st.integers(0, 17), st.integers(0, 75), st.integers(0, 75), st.sampled_from(["", ":"]),
    ),
)
date_inputs = st.one_of(
    padded(st.dates().map(str)),
    padded(date_texts()),
    padded(mixed_case(["infinity", "-infinity", "epoch", "today", "now", "2024-01-02 BC", "20240102"])),
    st.text(max_size=8),
)
time_inputs = st.one_of(
    padded(st.times().map(str)),
    padded(time_texts()),
    padded(st.tuples(time_texts(), offsets).map("".join)),
    padded(mixed_case(["allballs", "24:00", "24:00:00", "23:59:60", "now"])),
    st.text(max_size=8),
)
timestamp_inputs = st.one_of(
    padded(st.datetimes().map(str)),
    padded(st.datetimes().map(lambda d: d.isoformat())),
    padded(st.tuples(date_texts(), st.sampled_from([" ", "T", "  ", "t", "_"]), time_texts(), offsets).map("".join)),
    padded(date_texts()),
    padded(mixed_case(["infinity", "-infinity", "epoch", "today", "now", "2024-01-02 03:04:05 BC"])),
    st.text(max_size=8),
)
# near the DST jumps of the zones the server test uses
dst_times = st.sampled_from(
    ["2024-03-31", "2024-10-27", "2024-03-10", "2024-11-03", "1900-01-01", "1970-01-01", "2038-01-19", "2200-07-01"]
).flatmap(lambda d: time_texts().map(lambda t: f"{d} {t}"))
timestamptz_inputs = st.one_of(timestamp_inputs, padded(dst_times), padded(st.tuples(dst_times, offsets).map("".join)))


@st.composite
def uuid_texts(draw: st.DrawFn) -> str:
    hexed = draw(st.uuids()).hex
    if draw(st.booleans()):
        hexed = hexed.upper()
    groups = [hexed[i : i + 4] for i in range(0, 32, 4)]
    text = "".join(g + draw(st.sampled_from(["", "", "-"])) for g in groups[:-1]) + groups[-1]
    mutation = draw(st.integers(0, 6))
    if mutation == 1:
        text = "{" + text + "}"
    elif mutation == 2:
        text = "{" + text
    elif mutation == 3:
        text = text[:-1]
    elif mutation == 4:
        text = text + draw(st.sampled_from(["0", "-", " ", "}"]))
    elif mutation == 5:
        where = draw(st.integers(0, len(text)))
        text = text[:where] + draw(st.sampled_from(["-", "g", " "])) + text[where:]
    return text


uuid_inputs = st.one_of(uuid_texts(), st.uuids().map(str), padded(st.uuids().map(str)), st.text(max_size=8))

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=12,
)
json_number_texts = st.tuples(st.sampled_from(["", "-"]), decimal_texts(20)).map(lambda t: t[0] + t[1].lstrip("+-"))


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    value = draw(json_values)
    text = json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :\t")])),
    )
    kind = draw(st.integers(0, 5))
    if kind == 1:
        text = f'{{"n": {draw(json_number_texts)}, "n": {text}}}'
    elif kind == 2:
        text = f"[{draw(json_number_texts)}]"
    elif kind == 3:
        text = draw(st.sampled_from(['"\\u0000"', '"\\ud800"', '"\\ud83d\\ude00"', '"\\u00e9\\u001f\\/"', "NaN", "[1,]"]))
    return draw(st.sampled_from(["", " ", "\n"])) + text + draw(st.sampled_from(["", " ", "\t"]))


json_inputs = st.one_of(json_texts(), st.text(max_size=8))
enum_inputs = st.one_of(st.sampled_from(MOOD), padded(st.sampled_from(MOOD)), mixed_case(["sad", "ok", "happy"]), st.text(max_size=6))

INPUTS: dict[str, st.SearchStrategy[str]] = {
    "integer": integer_inputs,
    "numeric": numeric_inputs,
    "float": float_inputs,
    "boolean": boolean_inputs,
    "text": text_inputs,
    "date": date_inputs,
    "time": time_inputs,
    "timestamp": timestamp_inputs,
    "timestamptz": timestamptz_inputs,
    "uuid": uuid_inputs,
    "json": json_inputs,
    "enum": enum_inputs,
}

# -- codec_for -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "kind", "attributes", "storage"),
    [
        ("smallint", IntegerCodec, {"bits": 16}, "int16"),
        ("integer", IntegerCodec, {"bits": 32}, "int32"),
        ("bigint", IntegerCodec, {"bits": 64}, "int64"),
        ("numeric", NumericCodec, {"precision": None, "scale": None}, "O"),
        ("numeric(12,2)", NumericCodec, {"precision": 12, "scale": 2}, "O"),
        ("numeric(5,0)", NumericCodec, {"precision": 5, "scale": 0}, "O"),
        ("numeric(3,-1)", NumericCodec, {"precision": 3, "scale": -1}, "O"),
        ("real", FloatCodec, {"bits": 32}, "float32"),
        ("double precision", FloatCodec, {"bits": 64}, "float64"),
        ("boolean", BooleanCodec, {}, "bool"),
        ("text", TextCodec, {"kind": "text", "length": None}, "O"),
        ("character varying(4)", TextCodec, {"kind": "varchar", "length": 4}, "O"),
        ("character varying", TextCodec, {"kind": "varchar", "length": None}, "O"),
        ("character(3)", TextCodec, {"kind": "char", "length": 3}, "O"),
        ("character", TextCodec, {"kind": "char", "length": 1}, "O"),
        ("bpchar", TextCodec, {"kind": "char", "length": None}, "O"),
        ("date", DateCodec, {}, "datetime64[D]"),
        ("time without time zone", TimeCodec, {"precision": None}, "timedelta64[us]"),
        ("time(3) without time zone", TimeCodec, {"precision": 3}, "timedelta64[us]"),
        ("timestamp without time zone", TimestampCodec, {"precision": None}, "datetime64[us]"),
        ("timestamp(0) without time zone", TimestampCodec, {"precision": 0}, "datetime64[us]"),
        ("timestamp with time zone", TimestampTzCodec, {"precision": None, "time_zone": "UTC"}, "datetime64[us]"),
        ("timestamp(3) with time zone", TimestampTzCodec, {"precision": 3}, "datetime64[us]"),
        ("uuid", UuidCodec, {}, "O"),
        ("json", JsonCodec, {"binary": False}, "O"),
        ("jsonb", JsonCodec, {"binary": True}, "O"),
    ],
)
def test_codec_for_reads_format_type(type_name: str, kind: type, attributes: dict, storage: str) -> None:
    codec = codec_for(type_name, nullable=False)
    assert type(codec) is kind
    assert codec.type_name == type_name and codec.nullable is False
    assert codec.editable and codec.read_only_reason is None
    assert codec.storage == np.dtype(storage)
    assert codec.text_like == (kind is TextCodec)
    for name, value in attributes.items():
        assert getattr(codec, name) == value


@pytest.mark.parametrize(
    ("type_name", "reason"),
    [
        ("integer[]", "arrays are shown as text and cannot be edited here"),
        ("character varying(4)[]", "arrays are shown as text and cannot be edited here"),
        ("bytea", "binary data (bytea) are shown as text and cannot be edited here"),
        ("int4range", "ranges are shown as text and cannot be edited here"),
        ("tstzmultirange", "ranges are shown as text and cannot be edited here"),
        ("point", "geometric values are shown as text and cannot be edited here"),
        ("polygon", "geometric values are shown as text and cannot be edited here"),
        ("interval", "intervals are shown as text and cannot be edited here"),
        ("interval day to second", "intervals are shown as text and cannot be edited here"),
        ("time(2) with time zone", "times with a time zone are shown as text and cannot be edited here"),
        ("money", "money amounts (their format follows the server's locale) are shown as text and cannot be edited here"),
        ("bit(3)", "bit strings are shown as text and cannot be edited here"),
        ("bit varying(5)", "bit strings are shown as text and cannot be edited here"),
        ("xml", "XML documents are shown as text and cannot be edited here"),
        ("tsvector", "text search values are shown as text and cannot be edited here"),
        ("inet", "network addresses are shown as text and cannot be edited here"),
        ('"char"', 'values of type "char" are shown as text and cannot be edited here'),
        ("mood", "values of type mood are shown as text and cannot be edited here"),
        ("public.my_domain", "values of type public.my_domain are shown as text and cannot be edited here"),
    ],
)
def test_types_the_editor_does_not_edit_are_read_only_text(type_name: str, reason: str) -> None:
    codec = codec_for(type_name)
    assert isinstance(codec, ReadOnlyCodec)
    assert not codec.editable and codec.read_only_reason == reason
    assert codec.storage == np.dtype(object)
    message = refused(codec, "{1,2}")
    assert message.lower().startswith(reason.lower()[:20])
    assert codec.format("{1,2}") == "{1,2}"  # the server's text output, as read
    assert codec.from_text(codec.to_text("(1,2)")) == "(1,2)"


def test_read_only_formats_what_psycopg2_returns_for_bytea() -> None:
    assert codec_for("bytea").format(memoryview(b"\x00\xffA")) == "\\x00ff41"


def test_enum_labels_make_an_enum_codec_whatever_the_name() -> None:
    codec = codec_for('"Mood"', enum_labels=MOOD)
    assert isinstance(codec, EnumCodec) and codec.labels == MOOD
    assert codec.parse("with space") == "with space"
    assert "is not a value of" in refused(codec, "Sad")
    assert "required" in refused(codec, "")


@pytest.mark.parametrize("type_name", ["numeric(0)", "numeric(1001,2)", "character varying(0)", "time(7) without time zone"])
def test_malformed_modifiers_are_bugs(type_name: str) -> None:
    with pytest.raises(ValueError):
        codec_for(type_name)


def test_unknown_time_zone_is_refused_when_the_codec_is_made() -> None:
    for zone in ("Mars/Olympus_Mons", "CET-1CEST,M3.5.0,M10.5.0/3", "ABC+24"):
        with pytest.raises(UnknownTimeZone, match="cannot show times in"):
            codec_for("timestamp with time zone", time_zone=zone)


@pytest.mark.parametrize(
    ("zone", "shown"),
    [  # as PostgreSQL shows 2024-01-01 12:00+00 with SET TimeZone = zone (POSIX counts west)
        ("UTC+3", "2024-01-01 09:00:00-03"),
        ("<+0330>-03:30", "2024-01-01 15:30:00+03:30"),
        ("XYZ-5:45", "2024-01-01 17:45:00+05:45"),
        ("<-08:30>+08:30", "2024-01-01 03:30:00-08:30"),
        ("<+05>-05", "2024-01-01 17:00:00+05"),
    ],
)
def test_a_posix_zone_of_one_fixed_offset_shows_times_as_the_server_does(zone: str, shown: str) -> None:
    codec = codec_for("timestamp with time zone", time_zone=zone)
    value = codec.parse("2024-01-01 12:00+00")
    assert codec.format(value) == shown
    assert codec.parse(shown) == value and codec.parse(shown[:19]) == value  # the wall time read in the zone


@pytest.mark.parametrize(
    ("declared", "kind", "attributes"),
    [
        ("INTEGER", IntegerCodec, {"bits": 64}),
        ("int", IntegerCodec, {"bits": 64}),
        ("SMALLINT", IntegerCodec, {"bits": 64}),
        ("BIGINT", IntegerCodec, {"bits": 64}),
        ("TEXT", TextCodec, {"length": None}),
        ("VARCHAR(4)", TextCodec, {"length": None}),
        ("NCHAR(2)", TextCodec, {"length": None}),
        ("CLOB", TextCodec, {}),
        ("REAL", FloatCodec, {"bits": 64}),
        ("DOUBLE PRECISION", FloatCodec, {"bits": 64}),
        ("FLOAT", FloatCodec, {"bits": 64}),
        ("NUMERIC", FloatCodec, {"bits": 64}),
        ("DECIMAL(10,5)", FloatCodec, {"bits": 64}),
        ("BOOLEAN", BooleanCodec, {}),
        ("BOOL", BooleanCodec, {}),
        ("DATE", DateCodec, {}),
        ("DATETIME", TimestampCodec, {}),
        ("TIMESTAMP", TimestampCodec, {}),
        ("TIME", TimeCodec, {}),
        ("BLOB", ReadOnlyCodec, {}),
        ("", ReadOnlyCodec, {}),
    ],
)
def test_sqlite_declared_types_follow_sqlite_affinity(declared: str, kind: type, attributes: dict) -> None:
    codec = codec_for(declared, dialect="sqlite")
    assert type(codec) is kind and codec.dialect == "sqlite"
    for name, value in attributes.items():
        assert getattr(codec, name) == value


def test_sqlite_codecs_bind_what_sqlite3_takes_and_show_what_it_returns() -> None:
    date = codec_for("DATE", dialect="sqlite")
    assert date.to_bind(date.parse("2024-01-02")) == "2024-01-02"
    assert date.format("2024-01-02") == "2024-01-02" and date.format("someday") == "someday"
    stamp = codec_for("TIMESTAMP", dialect="sqlite")
    assert stamp.to_bind(stamp.parse("2024-01-02 03:04:05.5")) == "2024-01-02 03:04:05.5"
    assert codec_for("BOOLEAN", dialect="sqlite").format(1) == "true"
    assert codec_for("NUMERIC", dialect="sqlite").format(12345678901234567) == "12345678901234567"
    assert codec_for("INTEGER", dialect="sqlite").format("text in an integer column") == "text in an integer column"
    assert codec_for("REAL", dialect="sqlite").to_bind(-0.0) == -0.0


def test_sqlite_stores_what_the_codecs_bind_and_shows_it_back() -> None:
    declared = ["INTEGER", "REAL", "NUMERIC", "NUMERIC", "BOOLEAN", "DATE", "TIMESTAMP", "TIME", "TEXT"]
    typed = ["-9223372036854775808", "0.1", "1.5", "3", "yes", "2024-01-02", "2024-01-02 03:04:05.25", "03:04", " héllo "]
    codecs = [codec_for(name, dialect="sqlite") for name in declared]
    values = [codec.parse(text) for codec, text in zip(codecs, typed, strict=True)]
    columns = ", ".join(f"c{i} {name}" for i, name in enumerate(declared))
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(f"CREATE TABLE t ({columns})")
        connection.execute(
            f"INSERT INTO t VALUES ({', '.join('?' * len(declared))})",
            [codec.to_bind(value) for codec, value in zip(codecs, values, strict=True)],
        )
        row = connection.execute("SELECT * FROM t").fetchone()
    finally:
        connection.close()
    shown = [codec.format(value) for codec, value in zip(codecs, values, strict=True)]
    assert shown == ["-9223372036854775808", "0.1", "1.5", "3", "true", "2024-01-02", "2024-01-02 03:04:05.25", "03:04:00", " héllo "]
    assert [codec.format(stored) for codec, stored in zip(codecs, row, strict=True)] == shown


def test_postgres_codecs_refuse_to_format_a_value_of_the_wrong_type() -> None:
    with pytest.raises(TypeError):
        codec_for("integer").format("12")
    with pytest.raises(TypeError):
        codec_for("date").format("2024-01-02")


def test_codecs_import_without_qt() -> None:
    code = (
        "import sys; sys.modules['PySide6'] = None; import gui.data.codecs; del sys.modules['PySide6']; "
        "assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


# -- tricky inputs, one table ----------------------------------------------------------


class Refused:
    def __init__(self, fragment: str) -> None:
        self.fragment = fragment

    def __repr__(self) -> str:
        return f"Refused({self.fragment!r})"


TRICKY: list[tuple[str, str, str | Refused]] = [
    # integers (pg_strtoint*): blanks are PostgreSQL's six, no _ or 0x on 15
    ("integer", " 42 ", "42"),
    ("integer", "\v-7\f", "-7"),
    ("integer", "+0", "0"),
    ("integer", "12.5", Refused("'12.5' is not a whole number: integer takes whole numbers only.")),
    ("integer", "1e3", Refused("not a whole number")),
    ("integer", "1_000", Refused("not a whole number")),
    ("integer", "0x10", Refused("not a whole number")),
    ("integer", "\u00a012", Refused("not a whole number")),
    ("integer", "", Refused("A value is required: integer takes a whole number.")),
    ("integer", "2147483648", Refused("2147483648 is out of range: integer takes whole numbers from -2147483648 to 2147483647.")),
    ("smallint", "40000", Refused("40000 is out of range: smallint takes whole numbers from -32768 to 32767.")),
    ("smallint", "-32768", "-32768"),
    ("bigint", "9223372036854775807", "9223372036854775807"),
    ("bigint", "-9223372036854775809", Refused("out of range")),
    ("bigint", "0" * 30 + "1", "1"),
    # numeric (docs 8.1.2)
    ("numeric(10,2)", "1.234", Refused("more digits than numeric(10,2) keeps (2 decimal places): it would be stored as 1.23.")),
    ("numeric(10,2)", "1.2", "1.20"),
    ("numeric(10,2)", "1.230", "1.23"),
    ("numeric(10,2)", "-0.001", Refused("it would be stored as 0.00")),
    ("numeric(10,2)", "-0.00", "0.00"),
    ("numeric(10,2)", "99999999.99", "99999999.99"),
    ("numeric(10,2)", "99999999.995", Refused("too large for numeric(10,2): rounded to 2 decimal places it is 100000000.00")),
    ("numeric(5,-2)", "9999999", Refused("rounded to multiples of 100 it is 10000000, and it takes numbers whose absolute value is less than 10^7")),
    ("numeric(5,-2)", "-9999900", "-9999900"),
    ("numeric(10,2)", "1" * 200_000, Refused("too large for numeric(10,2)")),
    ("numeric(10,2)", "0." + "0" * 20_000 + "1", Refused("it would be stored as 0.00")),
    ("numeric(10,2)", "1." + "0" * 20_000, "1.00"),
    ("numeric(10,2)", "100000000", Refused("too large for numeric(10,2): it takes numbers whose absolute value is less than 10^8")),
    ("numeric(10,2)", "1e2", "100.00"),
    ("numeric(10,2)", "nan", "NaN"),
    ("numeric(10,2)", "Infinity", Refused("cannot hold an infinite value")),
    ("numeric(3,-1)", "9990", "9990"),
    ("numeric(3,-1)", "12", Refused("(multiples of 10): it would be stored as 10")),
    ("numeric(2,5)", "0.00099", "0.00099"),
    ("numeric(2,5)", "0.001", Refused("less than 10^-3")),
    ("numeric", "1.5e3", "1500"),
    ("numeric", "1.500e1", "15.00"),
    ("numeric", "-0", "0"),
    ("numeric", ".5", "0.5"),
    ("numeric", "5.", "5"),
    ("numeric", " -INF ", "-Infinity"),
    ("numeric", "+infinity", "Infinity"),
    ("numeric", "1e 5", Refused("not a number")),
    ("numeric", ".", Refused("not a number")),
    ("numeric", "1e", Refused("not a number")),
    ("numeric", "sNaN", Refused("not a number")),
    ("numeric", "1,5", Refused("not a number")),
    ("numeric", "١", Refused("not a number")),
    ("numeric", "0e-16384", Refused("out of range for numeric")),
    ("numeric", "1e131072", Refused("out of range for numeric")),
    # floats (docs 8.1.3): shortest output, special values, no silent rounding
    ("double precision", "0.1", "0.1"),
    ("double precision", "0.10000000000000000001", Refused("more digits than double precision keeps: it would be stored as 0.1.")),
    ("double precision", "0.1000000000000000055511151231257827021181583404541015625", "0.1"),
    ("double precision", "1e15", "1e+15"),
    ("double precision", "123456789012345", "123456789012345"),
    ("double precision", "0.0001", "0.0001"),
    ("double precision", "0.00001", "1e-05"),
    ("double precision", "1e-310", "1e-310"),
    ("double precision", "4.9e-324", Refused("stored as 5e-324")),
    ("double precision", "1e400", Refused("'1e400' is out of range for double precision.")),
    ("double precision", "1e-400", Refused("out of range")),
    ("double precision", "-0", "-0"),
    ("double precision", " -inf ", "-Infinity"),
    ("double precision", "iNf", "Infinity"),
    ("double precision", "NaN", "NaN"),
    ("double precision", "-nan", Refused("not a number")),
    ("double precision", "0x1p3", Refused("not a number")),
    ("double precision", "1.5e+300", "1.5e+300"),
    # PostgreSQL never prints the midpoint between two floats, Python's repr may
    ("double precision", "28803190103723032", "2.8803190103723032e+16"),
    ("double precision", "2.880319010372303e16", Refused("it would be stored as 2.8803190103723032e+16")),
    ("real", "63040072", "6.3040072e+07"),
    ("real", "6.304007e7", Refused("it would be stored as 6.3040072e+07")),
    ("real", "0.1", "0.1"),
    ("real", "1234567", "1.234567e+06"),
    ("real", "123456", "123456"),
    ("real", "16777217", Refused("more digits than real keeps: it would be stored as 1.6777216e+07.")),
    ("real", "3.14159265", Refused("stored as 3.1415927")),
    ("real", "3.4028235e38", "3.4028235e+38"),
    ("real", "3.4028236e38", Refused("out of range for real")),
    ("real", "1e-45", "1e-45"),
    ("real", "1e-50", Refused("out of range for real")),
    ("real", "-Infinity", "-Infinity"),
    # booleans (docs 8.6): prefixes, any case, trimmed
    ("boolean", " TRUE ", "true"),
    ("boolean", "of", "false"),
    ("boolean", "o", Refused("'o' is not a boolean")),
    ("boolean", "ye", "true"),
    ("boolean", "0", "false"),
    ("boolean", "01", Refused("not a boolean")),
    ("boolean", "truee", Refused("not a boolean")),
    ("boolean", "", Refused("A value is required: boolean takes true or false.")),
    # text (docs 8.3): blanks kept, characters counted, nothing cut
    ("text", "", ""),
    ("text", "  a  ", "  a  "),
    ("text", "a\x00b", Refused("NUL")),
    ("text", "\ud800", Refused("unpaired surrogate")),
    ("character varying(4)", "abcd", "abcd"),
    ("character varying(4)", "abcde", Refused("'abcde' is 5 characters long: character varying(4) takes at most 4.")),
    ("character varying(4)", "abc ", "abc "),
    ("character varying(4)", "abcd ", Refused("5 characters long")),
    ("character varying(4)", "éééé", "éééé"),
    ("character(3)", "a", "a  "),
    ("character(3)", "", "   "),
    ("character(3)", "abcd", Refused("takes at most 3")),
    ("character", "ab", Refused("takes at most 1")),
    ("bpchar", "ab  ", "ab  "),
    # dates (docs 8.5.1.1)
    ("date", "2024-02-29", "2024-02-29"),
    ("date", "2024-02-30", Refused("'2024-02-30' is not a date: February 2024 has days 1 to 29.")),
    ("date", "2024-13-01", Refused("month 13 does not exist")),
    ("date", " 2024-1-2\n", "2024-01-02"),
    ("date", "0999-01-01", "0999-01-01"),
    ("date", "0000-01-01", Refused("there is no year 0")),
    ("date", "10000-01-01", Refused("YYYY-MM-DD")),
    ("date", "infinity", Refused("YYYY-MM-DD")),
    ("date", "2024-01-02 BC", Refused("not a date")),
    ("date", "today", Refused("not a date")),
    ("date", "01/02/2024", Refused("not a date")),
    ("date", "2024-01-02 12:00", Refused("not a date")),
    # times and timestamps (docs 8.5.1.2-3)
    ("time without time zone", "1:02", "01:02:00"),
    ("time without time zone", "12:00:00.5", "12:00:00.5"),
    ("time without time zone", "23:59:59.999999", "23:59:59.999999"),
    ("time without time zone", "12:00:00.1234567", Refused("more precision than time without time zone keeps (6 fractional digits)")),
    ("time without time zone", "24:00", Refused("not a time of day")),
    ("time without time zone", "12:00:60", Refused("not a time of day")),
    ("time without time zone", "12:60", Refused("not a time of day")),
    ("time without time zone", "12:00+05", Refused("not a time of day")),
    ("time(3) without time zone", "12:00:00.1234", Refused("(3 fractional digits): it would be rounded")),
    ("time(3) without time zone", "12:00:00.1230000", "12:00:00.123"),
    ("time(0) without time zone", "12:00:00.5", Refused("no fractional seconds")),
    ("timestamp without time zone", "2024-01-02T03:04:05", "2024-01-02 03:04:05"),
    ("timestamp without time zone", "2024-01-02", "2024-01-02 00:00:00"),
    ("timestamp without time zone", "2024-01-02 03:04", "2024-01-02 03:04:00"),
    ("timestamp without time zone", "2024-01-02 03:04:05+02", Refused("an offset would be dropped")),
    ("timestamp without time zone", "2024-01-02 24:00", Refused("not a time of day")),
    ("timestamp without time zone", "2024-01-02 03:04:05.1200000", "2024-01-02 03:04:05.12"),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05+05:30", "2024-01-01 21:34:05+00"),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05Z", "2024-01-02 03:04:05+00"),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05 +0530", "2024-01-01 21:34:05+00"),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05-15:59:59", "2024-01-02 19:04:04+00"),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05+16", Refused("has an offset PostgreSQL refuses: it takes up to 15:59:59.")),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05+05:75", Refused("has an offset PostgreSQL refuses")),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05.1235", Refused("(3 fractional digits)")),
    ("timestamp(3) with time zone", "9999-12-31 23:00-05", Refused("outside the years 1 to 9999")),
    ("timestamp(3) with time zone", "2024-01-02 03:04:05 EST", Refused("not a timestamp")),
    # uuid (docs 8.12): no blanks trimmed
    ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("uuid", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Refused("is not a UUID")),
    ("uuid", "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", Refused("is not a UUID")),
    ("uuid", "{a0eebc999c0b4ef8bb6d6bb9bd380a11", Refused("is not a UUID")),
    ("uuid", "a0eebc999c0b4ef8bb6d6bb9bd380a11-", Refused("is not a UUID")),
    ("uuid", "urn:uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Refused("is not a UUID")),
    # json / jsonb (docs 8.14)
    ("json", ' {"b":1,  "a":2, "b":3} ', ' {"b":1,  "a":2, "b":3} '),
    ("json", '"\\ud800"', '"\\ud800"'),
    ("json", '"\\u0000"', '"\\u0000"'),
    ("json", "", Refused("A value is required")),
    ("json", "01", Refused("is not valid JSON")),
    ("json", "NaN", Refused("NaN is not valid JSON")),
    ("json", "{'a': 1}", Refused("is not valid JSON")),
    ("json", '"a\tb"', Refused("is not valid JSON")),
    ("json", "[1,]", Refused("is not valid JSON")),
    ("json", "[١]", Refused("is not valid JSON")),
    ("jsonb", '{"b":1, "a":2, "aa":[1.0, 1e2, -0, -0.0, 1E-2, 0.1e1], "a":3}', '{"a": 3, "b": 1, "aa": [1.0, 100, 0, 0.0, 0.01, 1]}'),
    ("jsonb", '{"é":1, "z":2, "ab":3}', '{"z": 2, "ab": 3, "é": 1}'),
    ("jsonb", '"\\u00e9\\u001f\\/\\ud83d\\ude00"', '"é\\u001f/😀"'),
    ("jsonb", ' { } ', "{}"),
    ("jsonb", '"\\ud800"', Refused("unpaired surrogate")),
    ("jsonb", '"\\u0000"', Refused("\\u0000")),
    ("jsonb", "1e1000000", Refused("out of range for jsonb")),
]


@pytest.mark.parametrize(("type_name", "text", "expected"), TRICKY, ids=[f"{t}:{s!r}"[:60] for t, s, _ in TRICKY])
def test_tricky_inputs(type_name: str, text: str, expected: str | Refused) -> None:
    codec = codec_for(type_name)
    if isinstance(expected, Refused):
        assert expected.fragment in refused(codec, text)
    else:
        value = codec.parse(text)
        assert codec.format(value) == expected
        assert same(codec.parse(codec.format(value)), value)


@pytest.mark.parametrize(
    ("zone", "text", "expected"),
    [
        ("Europe/Paris", "2024-10-27 02:30", "2024-10-27 02:30:00+01"),  # ambiguous: the offset after the jump back
        ("America/New_York", "2024-11-03 01:30", "2024-11-03 01:30:00-05"),
        ("Europe/Paris", "1900-01-01 00:00", "1900-01-01 00:00:00+00:09:21"),  # local mean time
        ("Asia/Kolkata", "2024-01-02 03:04:05", "2024-01-02 03:04:05+05:30"),
        ("America/St_Johns", "2024-01-02 03:04:05", "2024-01-02 03:04:05-03:30"),
        ("Europe/Paris", "2024-01-02 03:04:05Z", "2024-01-02 04:04:05+01"),
        (
            "Europe/Paris",
            "2024-03-31 02:30",
            Refused("does not exist in Europe/Paris (the clocks skip it): type it with its UTC offset, e.g. 2024-03-31 02:30+01."),
        ),
        ("America/New_York", "2024-03-10 02:30", Refused("e.g. 2024-03-10 02:30-05")),
    ],
)
def test_timestamptz_reads_and_shows_in_the_session_zone(zone: str, text: str, expected: str | Refused) -> None:
    codec = codec_for("timestamp with time zone", time_zone=zone)
    if isinstance(expected, Refused):
        assert expected.fragment in refused(codec, text)
        return
    value = codec.parse(text)
    assert value.tzinfo is UTC
    assert codec.format(value) == expected
    assert codec.to_text(value).endswith("+00")  # the journal's form does not depend on the zone
    assert same(codec.from_text(codec.to_text(value)), value)
    assert same(codec_for("timestamp with time zone", time_zone="Asia/Tokyo").from_text(codec.to_text(value)), value)


# -- the integer codec is parse_value ---------------------------------------------------

INTEGER = codec_for("integer")


def legacy_message(error: InvalidValue) -> str:
    return error.message.replace(f": {DEFAULT_SPEC.value} takes", ": integer takes")


@pytest.mark.parametrize("raw", values_tests.REFUSED, ids=lambda v: repr(v)[:30])
def test_integer_refuses_what_parse_value_refuses(raw: object) -> None:
    message = refused(INTEGER, raw)
    with pytest.raises(InvalidValue) as excinfo:
        parse_value(raw, DEFAULT_SPEC)
    assert message == legacy_message(excinfo.value)


@pytest.mark.parametrize(
    "raw", [" 42 ", "+7", "-7", "0", "-0", "007", "0" * 5000 + "42", "-2147483648", "2147483647", "\t12\n", 42, -(2**31), 2**31 - 1]
)
def test_integer_accepts_what_parse_value_accepts(raw: object) -> None:
    value = INTEGER.parse(raw)  # type: ignore[arg-type]
    assert value == parse_value(raw, DEFAULT_SPEC) and type(value) is int


@given(st.one_of(integer_inputs, st.text()))
@example("\u00a012")
def test_integer_agrees_with_parse_value(raw: str) -> None:
    """Same values, same refusals, same words -- except around blanks:
    ``parse_value`` trims every Unicode space (``str.strip``), the codec only
    PostgreSQL's six, since the server's cast refuses ``'\\u00a012'``."""
    try:
        mine: int | str = INTEGER.parse(raw)
    except InvalidValue as error:
        mine = error.message
    try:
        theirs: int | str = parse_value(raw, DEFAULT_SPEC)
    except InvalidValue as error:
        theirs = legacy_message(error)
    if raw.strip() != raw.strip(PG_BLANKS):
        assert isinstance(mine, str)  # only the codec refuses other blanks
    else:
        assert mine == theirs


# -- properties, per codec ------------------------------------------------------------

floats32 = st.one_of(st.floats(width=32), st.integers(2**24, 2**31).map(lambda i: float(np.float32(i))))
finite_decimals = st.builds(
    lambda sign, whole, fraction: Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"),
    st.sampled_from(["", "-"]),
    st.integers(0, 10**30),
    st.text(alphabet="0123456789", max_size=12),
).map(lambda d: d.copy_abs() if d.is_zero() else d)


def scaled(precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    limit = 10**precision - 1
    def build(n: int) -> Decimal:
        value = Decimal(n).scaleb(-scale)
        return value.quantize(Decimal(1).scaleb(-max(scale, 0)))
    return st.integers(-limit, limit).map(build)


def in_range_instants() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9998, 12, 31)).map(lambda d: d.replace(tzinfo=UTC))


VALUES: list[tuple[str, dict[str, Any], st.SearchStrategy[Any]]] = [
    ("smallint", {}, st.integers(-(2**15), 2**15 - 1)),
    ("integer", {}, st.integers(-(2**31), 2**31 - 1)),
    ("bigint", {}, st.integers(-(2**63), 2**63 - 1)),
    ("numeric", {}, st.one_of(finite_decimals, st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")]))),
    ("numeric(12,2)", {}, st.one_of(scaled(12, 2), st.just(Decimal("NaN")))),
    ("numeric(3,-1)", {}, scaled(3, -1)),
    ("numeric(2,5)", {}, scaled(2, 5)),
    ("real", {}, floats32),
    ("double precision", {}, st.floats()),
    ("boolean", {}, st.booleans()),
    ("text", {}, st.text().filter(lambda s: "\x00" not in s)),
    ("character varying(4)", {}, st.text(max_size=4).filter(lambda s: "\x00" not in s)),
    ("character(3)", {}, st.text(max_size=3).filter(lambda s: "\x00" not in s).map(lambda s: s.ljust(3))),
    ("date", {}, st.dates()),
    ("time without time zone", {}, st.times()),
    ("time(3) without time zone", {}, st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))),
    ("timestamp without time zone", {}, st.datetimes()),
    ("timestamp with time zone", {}, in_range_instants()),
    ("timestamp with time zone", {"time_zone": "America/St_Johns"}, in_range_instants()),
    ("uuid", {}, st.uuids()),
    ("jsonb", {}, json_texts().map(lambda t: codec_for("jsonb").parse(t) if _valid_jsonb(t) else "{}")),
    ("json", {}, json_texts().filter(lambda t: t.strip() and _valid_json(t))),
    ("mood", {"enum_labels": MOOD}, st.sampled_from(MOOD)),
]


def _valid_json(text: str) -> bool:
    try:
        codec_for("json").parse(text)
    except InvalidValue:
        return False
    return True


def _valid_jsonb(text: str) -> bool:
    try:
        codec_for("jsonb").parse(text)
    except InvalidValue:
        return False
    return True


@pytest.mark.parametrize(("type_name", "options", "values"), VALUES, ids=[f"{t}{o or ''}" for t, o, _ in VALUES])
def test_format_then_parse_gives_the_value_back(type_name: str, options: dict, values: st.SearchStrategy[Any]) -> None:
    codec = codec_for(type_name, **options)

    @given(values)
    def check(value: Any) -> None:
        shown = codec.format(value)
        assert isinstance(shown, str)
        assert same(codec.parse(shown), value), shown
        assert same(codec.from_text(codec.to_text(value)), value)

    check()


# the canonical reading of an accepted input, computed apart from the codec
def _iso_clock(clock: str) -> str:
    """``H:MM[:SS[.f…]][ offset]`` as ``fromisoformat`` takes it on Python 3.10."""
    match = re.fullmatch(r"(\d+):(\d\d)(?::(\d\d)(?:\.(\d+))?)? ?(.*)", clock)
    assert match is not None, clock
    hour, minute, second, fraction, offset = match.groups()
    text = f"{int(hour):02d}:{minute}:{second or '00'}"
    if fraction:
        text += "." + fraction[:6].ljust(6, "0")  # the codec took it: digits past 6 are zeros
    if offset in ("Z", "z"):
        offset = "+00:00"
    elif offset:
        digits = offset[1:].replace(":", "")
        offset = offset[0] + ":".join(digits[i : i + 2] for i in range(0, len(digits), 2)) + (":00" if len(digits) == 2 else "")
    return text + offset


def _iso_reading(stripped: str) -> dt.datetime:
    """What ``datetime.fromisoformat`` reads, once the fields are padded."""
    date, *clock = re.split(r" +|T", stripped, maxsplit=1)
    y, m, d = date.split("-")
    text = f"{y}-{int(m):02d}-{int(d):02d}"
    if clock:
        text += "T" + _iso_clock(clock[0])
    return dt.datetime.fromisoformat(text)


def _check_reading(codec: Codec, text: str, value: Any) -> None:
    """``value`` is what ``text`` says, nothing rounded, cut or moved."""
    stripped = text.strip(PG_BLANKS)
    if isinstance(codec, IntegerCodec):
        assert value == int(stripped)
    elif isinstance(codec, NumericCodec):
        if value.is_finite():
            assert value == Decimal(stripped)
            if codec.scale is not None:
                assert value.as_tuple().exponent == -max(codec.scale, 0)
        else:
            assert stripped.lower().lstrip("+-") in ("nan", "inf", "infinity")
    elif isinstance(codec, FloatCodec):
        if math.isfinite(value):
            typed = Decimal(stripped)
            assert typed in (Decimal(codec.format(value)), Decimal(value))
            assert math.copysign(1, value) == (-1 if stripped.startswith("-") else 1)
            if codec.bits == 32:
                assert float(np.float32(value)) == value
        else:
            assert stripped.lower().lstrip("+-") in ("nan", "inf", "infinity")
    elif isinstance(codec, BooleanCodec):
        word = stripped.lower()
        assert value == (word in ("1", "on") or any(full.startswith(word) for full in ("true", "yes")))
    elif isinstance(codec, TextCodec):
        if codec.kind == "char":
            assert value == text.ljust(codec.length or 0)
        else:
            assert value == text
    elif isinstance(codec, DateCodec):
        y, m, d = map(int, stripped.split("-"))
        assert value == dt.date(y, m, d)
    elif isinstance(codec, TimeCodec):
        assert value == dt.time.fromisoformat(_iso_clock(stripped))
    elif isinstance(codec, TimestampCodec):
        assert value == _iso_reading(stripped)
    elif isinstance(codec, TimestampTzCodec):
        reading = _iso_reading(stripped)
        if reading.tzinfo is None:  # read in the session's zone
            reading = reading.replace(tzinfo=zoneinfo.ZoneInfo(codec.time_zone), fold=1)
        assert value == reading
    elif isinstance(codec, UuidCodec):
        assert value == uuid.UUID(text.strip("{}").replace("-", ""))
    elif isinstance(codec, EnumCodec):
        assert value == text
    elif isinstance(codec, JsonCodec):
        exact = {"parse_float": Decimal, "parse_int": Decimal}
        assert json.loads(value, **exact) == json.loads(text, **exact)  # last duplicate key wins in both
        if not codec.binary:
            assert value == text


CANONICAL: list[tuple[str, dict[str, Any], st.SearchStrategy[str]]] = [
    ("integer", {}, integer_inputs),
    ("smallint", {}, integer_inputs),
    ("numeric", {}, numeric_inputs),
    ("numeric(10,2)", {}, numeric_inputs),
    ("numeric(3,-1)", {}, numeric_inputs),
    ("real", {}, float_inputs),
    ("double precision", {}, float_inputs),
    ("boolean", {}, boolean_inputs),
    ("text", {}, text_inputs),
    ("character varying(4)", {}, text_inputs),
    ("character(3)", {}, text_inputs),
    ("date", {}, date_inputs),
    ("time without time zone", {}, time_inputs),
    ("time(3) without time zone", {}, time_inputs),
    ("timestamp without time zone", {}, timestamp_inputs),
    ("timestamp(3) with time zone", {}, timestamptz_inputs),
    ("timestamp with time zone", {"time_zone": "Europe/Paris"}, timestamptz_inputs),
    ("uuid", {}, uuid_inputs),
    ("json", {}, json_inputs),
    ("jsonb", {}, json_inputs),
    ("mood", {"enum_labels": MOOD}, enum_inputs),
]


@pytest.mark.parametrize(("type_name", "options", "inputs"), CANONICAL, ids=[f"{t}{o or ''}" for t, o, _ in CANONICAL])
def test_parse_keeps_what_was_typed(type_name: str, options: dict, inputs: st.SearchStrategy[str]) -> None:
    codec = codec_for(type_name, **options)

    @given(inputs)
    def check(text: str) -> None:
        try:
            value = codec.parse(text)
        except InvalidValue as error:
            assert error.message.strip() and len(error.message) < 300
            return
        _check_reading(codec, text, value)
        shown = codec.format(value)
        assert same(codec.parse(shown), value)  # the display reads back as the same value
        assert codec.format(codec.parse(shown)) == shown

    check()


@given(st.text())
def test_read_only_and_text_codecs_never_fail_on_any_text(text: str) -> None:
    codec_for("text").format(text)
    assert codec_for("integer[]").format(text) == text
    with pytest.raises(InvalidValue):
        codec_for("integer[]").parse(text)


# -- binding and formatting what psycopg2 and NumPy hand over ---------------------------


def test_to_bind_avoids_psycopg2_adaptations_that_alter_values() -> None:
    numeric = codec_for("numeric")
    # psycopg2's own adapter sends Decimal('Infinity') as NaN: the one gui.data.codecs registers does not
    assert psycopg2.extensions.adapt(numeric.to_bind(numeric.parse("Infinity"))).getquoted() == b"'Infinity'::numeric"
    assert psycopg2.extensions.adapt(numeric.to_bind(numeric.parse("-inf"))).getquoted() == b"'-Infinity'::numeric"
    assert psycopg2.extensions.adapt(numeric.to_bind(numeric.parse("NaN"))).getquoted() == b"'NaN'::numeric"
    assert isinstance(numeric.to_bind(numeric.parse("NaN")), Decimal)
    assert numeric.to_bind(numeric.parse("1.50")) == Decimal("1.50")
    double = codec_for("double precision")
    assert double.to_bind(double.parse("-0")) == "-0"  # psycopg2 sends -0.0, read as numeric 0
    assert double.to_bind(0.0) == 0.0 and isinstance(double.to_bind(0.0), float)
    assert codec_for("uuid").to_bind(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    stamp = codec_for("timestamp with time zone", time_zone="Asia/Kolkata").parse("2024-01-02 03:04:05")
    assert stamp == dt.datetime(2024, 1, 1, 21, 34, 5, tzinfo=UTC) and stamp.tzinfo is UTC


@pytest.mark.parametrize(
    ("type_name", "value", "shown"),
    [
        ("integer", np.int32(-5), "-5"),
        ("bigint", np.int64(2**63 - 1), "9223372036854775807"),
        ("real", np.float32(0.1), "0.1"),
        ("real", 0.1, "0.1"),  # psycopg2 reads real as the double nearest the server's text
        ("real", 0.10000000149011612, "0.1"),
        ("double precision", np.float64(1e16), "1e+16"),
        ("double precision", 2.880319010372303e16, "2.8803190103723032e+16"),
        ("real", 63040072.0, "6.3040072e+07"),
        ("real", 549941630.0, "5.4994163e+08"),  # psycopg2's double for the float32 549941632
        ("boolean", np.bool_(True), "true"),
        ("numeric(12,2)", Decimal("1.5"), "1.50"),
        ("numeric(12,2)", 7, "7.00"),
        ("numeric", Decimal("1E+3"), "1000"),
        ("numeric", Decimal("-0.0"), "0.0"),
        ("date", np.datetime64("2024-01-02"), "2024-01-02"),
        ("date", dt.date(1, 1, 1), "0001-01-01"),
        ("timestamp without time zone", np.datetime64("2024-01-02T03:04:05.250000"), "2024-01-02 03:04:05.25"),
        ("timestamp with time zone", np.datetime64("2024-01-02T03:04:05"), "2024-01-02 03:04:05+00"),
        ("timestamp with time zone", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(-dt.timedelta(hours=5))), "2024-01-02 08:04:05+00"),
        ("time without time zone", np.timedelta64(3_723_000_001, "us"), "01:02:03.000001"),
        ("uuid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("character(3)", "a", "a  "),
        ("jsonb", {"a": [1, None]}, '{"a": [1, null]}'),
    ],
)
def test_format_takes_what_psycopg2_and_numpy_hand_over(type_name: str, value: Any, shown: str) -> None:
    assert codec_for(type_name).format(value) == shown


@given(floats32.filter(math.isfinite))
def test_real_shown_from_the_double_psycopg2_reads(value: float) -> None:
    """psycopg2 turns the server's shortest float4 text into the nearest
    double; formatting that double must give the same text back."""
    codec = codec_for("real")
    shown = codec.format(value)
    assert codec.format(float(shown) if shown not in ("Infinity", "-Infinity", "NaN") else value) == shown


@pytest.mark.parametrize("typed", ["NaN", "-0", "-0.0", " -0e5 "])
def test_sqlite_refuses_floats_it_would_store_otherwise(typed):
    """SQLite stores NaN as NULL and -0 as 0 (the demo's REAL columns): refused, not altered."""
    from gui.data.errors import InvalidValue

    with pytest.raises(InvalidValue, match="SQLite"):
        codec_for("REAL", dialect="sqlite").parse(typed)
    codec_for("double precision").parse(typed)  # PostgreSQL keeps both
