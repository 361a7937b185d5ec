"""Canonical JSON: exact numbers, and what input from outside may not hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest

EXACT = [b'{"v":1.50}', b'{"v":100.000}', b'{"v":0.10000000000000000001}',
         b'{"v":123456789012345678901234567890}', b'{"v":1e-400}', b'{"v":-0.0}',
         b'{"v":[1,2.5,3E+2]}', b'{"v":"1.50 in text"}', b'{"v":9007199254740993}',
         b'{"t":"2026-12-06T08:10:31.336Z","v":[7.20]}', b'{"v":[-1.5e-3,{"w":0.50}]}',
         b'[1.50]', b'{"a":"x:1.5","v":2.50}', b'{"v":1234567890123456789012}',
         b'{"m":"12:00:31.336Z","v":18446744073709551616}', b'{"v":[1E5,2e-3]}']  # fmt: skip


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


def test_a_stored_resource_without_decimals_takes_the_fast_path() -> None:
    """Times with fractional seconds (every `meta.lastUpdated`) and ids with digits
    before an `e` are text, not numbers: they do not need the exact parser."""
    stored = (b'{"id":"3e7-1.2","meta":{"lastUpdated":"2026-12-06T15:43:31.336Z","versionId":'
              b'"1"},"valueInteger":12,"resourceType":"Observation"}')  # fmt: skip
    assert not jsonx._exact_needed(stored)
    assert jsonx.loads(stored)["valueInteger"] == 12


def test_exact_numbers_between_spaces_keep_their_text() -> None:
    for text in (b'{"v": 2.50 }', b'{"v":[\n1E5\n]}', b'{"v":\t-0.0}'):
        assert jsonx.dumps(jsonx.loads(text)) == text.translate(None, b" \n\t")


def test_a_bare_number_keeps_its_text() -> None:
    bare = jsonx.loads(b"1.50")
    assert isinstance(bare, Decimal) and jsonx.dumps(bare) == b"1.50"


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
