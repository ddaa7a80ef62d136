"""Canonical JSON against the examples of RFC 8785 (JCS) and its number table (Appendix B)."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairfollow.canonical_json import JsonValue, dumps, loads, number

# RFC 8785 Appendix B: IEEE 754 bit pattern → ECMAScript text.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBERS)
def test_number_serialisation_table(bits: str, text: str) -> None:
    assert number(struct.unpack(">d", bytes.fromhex(bits))[0]) == text


def test_rfc8785_main_example() -> None:
    value: JsonValue = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert dumps(value) == expected.encode("utf-8")


def test_keys_sort_by_utf16_code_units() -> None:
    value: JsonValue = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = [key for key in loads(dumps(value))]  # type: ignore[union-attr]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(
    "bad",
    [math.nan, math.inf, -math.inf, 2**53 + 1, -(2**60) - 1, "\ud800", {1: "x"}, {"a": object()}],
)
def test_values_outside_i_json_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        dumps(bad)  # type: ignore[arg-type]


def test_large_integers_are_doubles() -> None:
    assert dumps(2**53) == b"9007199254740992"
    assert dumps(10**21) == b"1e+21"
    assert loads(b"1e+21") == 1e21
    with pytest.raises(ValueError):
        loads(b"9007199254740993")  # not a double: a reader would get another number


def test_loads_insists_on_canonical_form() -> None:
    assert loads(b'{"a":1,"b":[true,null]}') == {"a": 1, "b": [True, None]}
    for text in [b'{"b":1,"a":2}', b'{"a": 1}', b"[1.0]", b"NaN", b"\xff", b'"\\u00e9"']:
        with pytest.raises(ValueError):
            loads(text)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_round_trip_is_stable(value: JsonValue) -> None:
    encoded = dumps(value)
    assert dumps(loads(encoded)) == encoded
    assert b"\n" not in encoded and b": " not in encoded
