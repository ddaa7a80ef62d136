"""Canonical JSON in the style of RFC 8785 (JCS): one byte string per value, so hashes agree.

Rules: object keys sorted by their UTF-16 code units (RFC 8785 §3.2.3), no insignificant
whitespace, strings escaped as ECMAScript ``JSON.stringify`` does, numbers printed by the
ECMAScript ``Number.prototype.toString`` algorithm (RFC 8785 §3.2.2.3), UTF-8 output.
Values outside I-JSON (RFC 7493) are refused rather than silently changed: NaN and
infinities, integers a double cannot hold exactly, lone surrogates, non-string keys. Pure.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TypeAlias

JsonValue: TypeAlias = (
    bool | int | float | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None
)

MAX_SAFE_INTEGER = 2**53 - 1
_escape_string = json.encoder.encode_basestring  # escapes as JSON.stringify does


def dumps(value: JsonValue) -> bytes:
    """The canonical UTF-8 encoding of ``value``; ``ValueError`` if it is not I-JSON."""
    try:
        return _encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"a string holds a lone surrogate: {exc}") from exc


def loads(data: bytes) -> JsonValue:
    """Parse ``data`` and insist that it is already canonical (so hashes stay meaningful)."""
    try:
        value: JsonValue = json.loads(
            data.decode("utf-8"), parse_constant=_refuse_constant, parse_int=_parse_int
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if dumps(value) != data:
        raise ValueError("JSON is not in canonical form")
    return value


def _refuse_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not allowed in canonical JSON")


def _encode(value: JsonValue) -> str:
    # Exact-type checks first: this runs for every leaf appended, so the common cases
    # must not pay for the general isinstance chain.
    if type(value) is str:
        return _escape_string(value)
    if type(value) is int:
        return str(value) if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _integer(value)
    if type(value) is float:
        return number(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Mapping):
        return _encode_object(value)
    if isinstance(value, str):
        return _escape_string(value)
    if isinstance(value, int):
        return _integer(int(value))
    if isinstance(value, float):
        return number(float(value))
    if isinstance(value, Sequence):
        return "[" + ",".join([_encode(item) for item in value]) + "]"
    raise ValueError(f"{type(value).__name__} is not a JSON value")


def _encode_object(value: Mapping[str, JsonValue]) -> str:
    keys = list(value)
    if all(type(key) is str and key.isascii() for key in keys):
        ordered = sorted(keys)
    else:
        for key in keys:
            if not isinstance(key, str):
                raise ValueError(f"object key {key!r} is not a string")
        # RFC 8785 §3.2.3 orders by UTF-16 code units; big-endian UTF-16 bytes sort the
        # same way (Python's order, by code point, differs above U+FFFF).
        ordered = sorted(keys, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
    members = [_escape_string(key) + ":" + _encode(value[key]) for key in ordered]
    return "{" + ",".join(members) + "}"


def _integer(value: int) -> str:
    if abs(value) <= MAX_SAFE_INTEGER:
        return str(value)
    # JSON numbers are IEEE doubles (RFC 8785 §3.2.2): a larger integer is fine only if a
    # double holds it exactly; anything else would change on the reader's side.
    if abs(value) < 2**1024 and int(float(value)) == value:
        return number(float(value))
    raise ValueError(f"integer {value} cannot be represented exactly in I-JSON")


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INTEGER else float(value)


def number(value: float) -> str:
    """ECMAScript ``Number.prototype.toString`` for a finite double (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not allowed in canonical JSON")
    if value == 0:
        return "0"  # also for -0.0, as ECMAScript prints it
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, the same digits ECMAScript chooses.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len(digits)
    digits = digits.rstrip("0")
    # value = 0.<digits> × 10**point
    point = len(whole) - leading_zeros + (int(exponent) if exponent else 0)
    count = len(digits)
    if count <= point <= 21:
        text = digits + "0" * (point - count)
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        power = point - 1
        head = digits if count == 1 else digits[0] + "." + digits[1:]
        text = f"{head}e{'+' if power > 0 else '-'}{abs(power)}"
    return sign + text
