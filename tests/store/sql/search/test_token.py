"""Token search: system/code forms, `:not`, `:text`, `_id`, AND/OR."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.sql.search.conftest import Records, Search, ids

S1, S2 = "urn:oid:1.2.3", "urn:oid:2.16.840.1.113883.4.642"


def patient(pid: str, identifier: dict[str, str], gender: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid, "identifier": [identifier]}
    if gender:
        resource["gender"] = gender
    return resource


@pytest.fixture
def patients(records: Records) -> None:
    records.put_all(
        patient("t1", {"system": S1, "value": "A"}, "male"),
        patient("t2", {"system": S2, "value": "A"}, "female"),
        patient("t3", {"value": "A"}, "other"),
        patient("t4", {"system": S1, "value": "B"}, None),
    )


@pytest.mark.usefixtures("patients")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("identifier=A", {"t1", "t2", "t3"}),
        (f"identifier={S1}|A", {"t1"}),
        ("identifier=|A", {"t3"}),
        (f"identifier={S1}|", {"t1", "t4"}),
        (f"identifier={S1}|A,{S2}|A", {"t1", "t2"}),
        ("identifier=a", set()),  # codes are case-sensitive
        ("gender=male,female", {"t1", "t2"}),
        ("gender=male&gender=female", set()),  # occurrences are AND-ed
        ("identifier=A&gender=female", {"t2"}),
        ("gender:not=male", {"t2", "t3", "t4"}),  # t4 has no gender at all
        ("gender:not=male,female", {"t3", "t4"}),
        ("gender:not=male&identifier=A", {"t2", "t3"}),
        ("_id=t1,t3", {"t1", "t3"}),
        ("_id:not=t1", {"t2", "t3", "t4"}),
        ("_id=t1&_id=t2", set()),
        ("_id=nobody", set()),
    ],
)
def test_token_forms(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Patient", query)) == expected


@pytest.fixture
def observations(records: Records) -> None:
    def obs(oid: str, text: str | None, display: str | None) -> dict[str, Any]:
        coding: dict[str, Any] = {"system": "http://loinc.org", "code": oid}
        if display:
            coding["display"] = display
        code: dict[str, Any] = {"coding": [coding]}
        if text:
            code["text"] = text
        return {"resourceType": "Observation", "id": oid, "status": "final", "code": code}

    records.put_all(
        obs("x1", "Đường huyết lúc đói", None),
        obs("x2", None, "Tăng đường huyết"),
        obs("x3", "Huyết áp tâm thu", "Systolic blood pressure"),
        obs("x4", "100%_sure", None),
    )


@pytest.mark.usefixtures("observations")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("code:text=duong", {"x1", "x2"}),  # word prefix, diacritics folded
        ("code:text=ĐƯỜNG HUYẾT", {"x1", "x2"}),
        ("code:text=huyet", {"x1", "x2", "x3"}),
        ("code:text=systolic", {"x3"}),
        ("code:text=uyet", set()),  # not inside a word
        ("code:text=100%_", {"x4"}),  # LIKE wildcards are escaped
        ("code:text=_uyet", set()),  # `_` would match any one letter
        ("code=http://loinc.org|x2,x3", {"x2", "x3"}),
    ],
)
def test_token_text(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Observation", query.replace("%", "%25"))) == expected
