"""`_sort`: every sortable kind, both directions, several keys, multi-valued
parameters (min ascending, max descending), missing values last."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hoso.store import schema
from tests.store.sql.search.conftest import Records, Search, ordered_ids


def patient(pid: str, given: str, birth: str | None, gender: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": pid,
                                "name": [{"family": "Phạm", "given": [given]}]}
    if birth:
        resource["birthDate"] = birth
    if gender:
        resource["gender"] = gender
    return resource


@pytest.fixture
def patients(records: Records) -> None:
    records.put_all(
        patient("a", "Đạt", "1990-05-01", "male"),
        patient("b", "Bảo", "1985", "female"),
        patient("c", "Ánh", None, "female"),
        patient("d", "Cường", "1990-05-01", None),
    )


@pytest.mark.usefixtures("patients")
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("given", ["c", "b", "d", "a"]),  # folded: anh, bao, cuong, dat
        ("-given", ["a", "d", "b", "c"]),
        ("birthdate", ["b", "a", "d", "c"]),  # ties keep creation order; missing last
        ("-birthdate", ["a", "d", "b", "c"]),
        ("gender,-given", ["b", "c", "a", "d"]),
        ("-gender,given", ["a", "c", "b", "d"]),
        ("gender,birthdate", ["b", "c", "a", "d"]),
        ("_id", ["a", "b", "c", "d"]),
        ("-_id", ["d", "c", "b", "a"]),
    ],
)
def test_sort(search: Search, sort: str, expected: list[str]) -> None:
    assert ordered_ids(search("Patient", f"_sort={sort}")) == expected


def test_sort_last_updated(engine: sa.Engine, records: Records, search: Search) -> None:
    records.put_all(*(patient(pid, "X", None, None) for pid in "xyz"))
    r = schema.resource
    with engine.begin() as conn:
        for pid, moment in (("x", 30), ("y", 10), ("z", 20)):
            conn.execute(r.update().where(r.c.id == pid).values(last_updated=moment))
    assert ordered_ids(search("Patient", "_sort=_lastUpdated")) == ["y", "z", "x"]
    assert ordered_ids(search("Patient", "_sort=-_lastUpdated")) == ["x", "z", "y"]


def test_multi_valued_dates_use_min_ascending_and_max_descending(
    records: Records, search: Search
) -> None:
    def encounter(eid: str, start: str, end: str) -> dict[str, Any]:
        return {"resourceType": "Encounter", "id": eid, "status": "finished",
                "class": {"code": "AMB"}, "period": {"start": start, "end": end}}

    records.put_all(
        encounter("long", "2020-01-01", "2020-12-31"),
        encounter("early", "2020-02-01", "2020-02-02"),
        encounter("late", "2020-06-01", "2021-06-01"),
    )
    assert ordered_ids(search("Encounter", "_sort=date")) == ["long", "early", "late"]
    assert ordered_ids(search("Encounter", "_sort=-date")) == ["late", "long", "early"]


def test_sort_token_and_quantity(records: Records, search: Search) -> None:
    def obs(oid: str, codes: list[str], value: float | None) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": c} for c in codes]},
        }
        if value is not None:
            resource["valueQuantity"] = {"value": value, "unit": "mg"}
        return resource

    records.put_all(obs("o1", ["b", "z"], 5.5), obs("o2", ["c"], -1), obs("o3", ["a"], None))
    assert ordered_ids(search("Observation", "_sort=code")) == ["o3", "o1", "o2"]
    assert ordered_ids(search("Observation", "_sort=-code")) == ["o1", "o2", "o3"]
    assert ordered_ids(search("Observation", "_sort=value-quantity")) == ["o2", "o1", "o3"]
    assert ordered_ids(search("Observation", "_sort=-value-quantity")) == ["o1", "o2", "o3"]


def test_sort_uri(records: Records, search: Search) -> None:
    records.put_all(
        {"resourceType": "Device", "id": "d1", "url": "http://b.org"},
        {"resourceType": "Device", "id": "d2", "url": "http://a.org"},
    )
    assert ordered_ids(search("Device", "_sort=url")) == ["d2", "d1"]
