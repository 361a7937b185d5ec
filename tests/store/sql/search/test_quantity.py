"""Quantity (and number) search: precision ranges, every prefix, system and code."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.sql.search.conftest import Records, Search, ids

UCUM = "http://unitsofmeasure.org"


def observation(oid: str, value: float, code: str | None, unit: str | None) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if code:
        quantity.update(system=UCUM, code=code)
    if unit:
        quantity["unit"] = unit
    return {
        "resourceType": "Observation", "id": oid, "status": "final", "code": {"text": "x"},
        "valueQuantity": quantity,
    }


@pytest.fixture(autouse=True)
def data(records: Records) -> None:
    records.put_all(
        observation("q1", 100, "mg", "mg"),
        observation("q2", 100.4, "mg", None),
        observation("q3", 99.4, "mg", None),
        observation("q4", 5.4, None, "mmol/L"),
        observation("q5", 100, "g", "g"),
        observation("q6", -3, None, None),
        {"resourceType": "Observation", "id": "q7", "status": "final", "code": {"text": "x"}},
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("value-quantity=100", {"q1", "q2", "q5"}),  # [99.5, 100.5)
        ("value-quantity=100.0", {"q1", "q5"}),  # [99.95, 100.05)
        ("value-quantity=eq100.4", {"q2"}),
        ("value-quantity=1e2", {"q1", "q2", "q3", "q5"}),  # [50, 150)
        ("value-quantity=ne100", {"q3", "q4", "q6"}),
        ("value-quantity=lt100", {"q3", "q4", "q6"}),
        ("value-quantity=le100", {"q1", "q3", "q4", "q5", "q6"}),
        ("value-quantity=gt100", {"q2"}),
        ("value-quantity=ge100", {"q1", "q2", "q5"}),
        ("value-quantity=sa100", {"q2"}),
        ("value-quantity=eb100", {"q3", "q4", "q6"}),
        ("value-quantity=ap100", {"q1", "q2", "q3", "q5"}),  # within 10 %
        ("value-quantity=-3", {"q6"}),
        (f"value-quantity=100|{UCUM}|mg", {"q1", "q2"}),
        (f"value-quantity=100|{UCUM}|g", {"q5"}),
        ("value-quantity=100||mg", {"q1", "q2"}),
        ("value-quantity=5.4||mmol/L", {"q4"}),  # matched on the unit
        ("value-quantity=5.4|http://other.org|mmol/L", set()),
        ("value-quantity=gt0&value-quantity=lt100", {"q3", "q4"}),
        ("value-quantity=-3,5.4", {"q4", "q6"}),
        ("value-quantity:missing=true", {"q7"}),
    ],
)
def test_quantity_search(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Observation", query)) == expected
