"""Canonical JSON: exact numbers, and what input from outside may not hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest

EXACT = [b'{"v":1.50}', b'{"v":100.000}', b'{"v":0.10000000000000000001}',
         b'{"v":123456789012345678901234567890}', b'{"v":1e-400}', b'{"v":-0.0}',
         b'{"v":[1,2.5,3E+2]}', b'{"v":"1.50 in text"}', b'{"v":9007199254740993}']  # fmt: skip


@pytest.mark.parametrize("text", EXACT)
def test_numbers_round_trip_as_written(text: bytes) -> None:
    assert jsonx.dumps(jsonx.loads(text)) == text
    assert jsonx.dumps(jsonx.loads_request(text)) == text


def test_decimals_compute_as_decimals_and_integers_stay_integers() -> None:
    value = jsonx.loads_request(b'{"a":1.50,"b":12}')
    assert value["a"] == Decimal("1.5") and isinstance(value["a"], Decimal)
    assert value["a"] + 1 == Decimal("2.50")
    assert type(value["b"]) is int
    assert jsonx.is_number(value["a"]) and jsonx.is_number(value["b"])
    assert not jsonx.is_number(True)


def test_plain_json_takes_the_fast_path_unchanged() -> None:
    assert jsonx.loads(b'{"b":[1,"x",null,true],"a":{}}') == {"a": {}, "b": [1, "x", None, True]}
    assert jsonx.dumps({"b": 1, "a": 2}) == b'{"a":2,"b":1}'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (b'{"resourceType":"Patient","gender":"male","gender":"female"}', "gender"),
        (b'{"resourceType":"Patient","name":[{"family":"a\\u0000b"}]}', "Patient.name[0].family"),
        (b'{"a\\u0000":1}', "$"),
        (b"[" * 70 + b"]" * 70, "[0]" * 64),
        (b'{"resourceType":"Basic","x":[' + b",".join([b"1"] * 1001) + b"]}", "Basic.x"),
    ],
)
def test_input_from_outside_is_refused_naming_the_element(text: bytes, where: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        jsonx.loads_request(text)
    assert refused.value.issues[0].expression == (where,)


@pytest.mark.parametrize(
    "text", [b"NaN", b'{"a":Infinity}', b'{"a":"\\ud800"}', b"\xff", b"[1,", b"[" * 5000]
)
def test_malformed_input_is_a_400_not_a_crash(text: bytes) -> None:
    with pytest.raises(InvalidRequest):
        jsonx.loads_request(text)


def test_a_proper_surrogate_pair_is_accepted() -> None:
    assert jsonx.loads_request(b'{"a":"\\ud83d\\ude00"}') == {"a": "😀"}


def test_limits_are_the_callers() -> None:
    deep = b"[" * 10 + b"]" * 10
    assert jsonx.loads_request(deep, max_depth=64) is not None
    with pytest.raises(InvalidRequest):
        jsonx.loads_request(deep, max_depth=5)
    with pytest.raises(InvalidRequest):
        jsonx.loads_request(b"[1,2,3]", max_repeats=2)
