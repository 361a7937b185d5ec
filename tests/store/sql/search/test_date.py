"""Date search: every prefix against ranges of different precision, periods, and
`_lastUpdated` (https://hl7.org/fhir/R4/search.html#date)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hoso.fhir.dates import date_range
from hoso.store import schema
from tests.store.sql.search.conftest import Records, Search, ids


def patient(pid: str, birth: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": birth}


@pytest.fixture
def births(records: Records) -> None:
    records.put_all(
        patient("d1", "2020"),
        patient("d2", "2020-03-15"),
        patient("d3", "2020-06"),
        patient("d4", "2021-01-01"),
        patient("d5", "2019-12-31"),
    )


@pytest.mark.usefixtures("births")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("birthdate=2020", {"d1", "d2", "d3"}),  # eq: the value lies inside the year
        ("birthdate=eq2020-03", {"d2"}),  # the year 2020 is not inside March
        ("birthdate=2020-03-15", {"d2"}),
        ("birthdate=ne2020", {"d4", "d5"}),
        ("birthdate=lt2020-03-15", {"d1", "d5"}),  # starts before the day
        ("birthdate=gt2020-03-15", {"d1", "d3", "d4"}),  # ends after the day
        ("birthdate=ge2020-03-15", {"d1", "d2", "d3", "d4"}),
        ("birthdate=le2020-03-15", {"d1", "d2", "d5"}),
        ("birthdate=sa2020-03-15", {"d3", "d4"}),  # starts after the day
        ("birthdate=eb2020-03-15", {"d5"}),  # ends before the day
        ("birthdate=ge2020&birthdate=lt2021", {"d1", "d2", "d3"}),
        ("birthdate=2019,2021", {"d4", "d5"}),
        ("birthdate=1990", set()),
    ],
)
def test_date_prefixes(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Patient", query)) == expected


@pytest.fixture
def encounters(records: Records) -> None:
    def encounter(eid: str, period: dict[str, str]) -> dict[str, Any]:
        return {
            "resourceType": "Encounter", "id": eid, "status": "finished",
            "class": {"code": "AMB"}, "period": period,
        }

    records.put_all(
        encounter("e1", {"start": "2020-01-10", "end": "2020-01-20"}),
        encounter("e2", {"start": "2020-01-10"}),  # still open: runs to the end of time
        encounter("e3", {"start": "2020-01-15T08:00:00+07:00", "end": "2020-01-15T09:30:00+07:00"}),
    )


@pytest.mark.usefixtures("encounters")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date=2020-01", {"e1", "e3"}),
        ("date=2020-01-15", {"e3"}),
        ("date=gt2020-01-15", {"e1", "e2"}),
        ("date=lt2020-01-15", {"e1", "e2"}),
        ("date=ge2020-01-15", {"e1", "e2", "e3"}),
        ("date=sa2020-01-05", {"e1", "e2", "e3"}),
        ("date=sa2020-01-10", {"e3"}),
        ("date=eb2020-01-21", {"e1", "e3"}),
        ("date=eb2020-01-15T08:00:00%2B07:00", set()),
        ("date=2020-01-15T08:00:00%2B07:00", set()),  # one second is inside no stored range
        ("date=2020-01-15T08:00%2B07:00", set()),
        ("date=ge2020-01-15T01:00:00Z&date=le2020-01-15T02:30:00Z", {"e1", "e2", "e3"}),
        ("date=ne2020-01", {"e2"}),
    ],
)
def test_period_ranges(search: Search, query: str, expected: set[str]) -> None:
    assert ids(search("Encounter", query)) == expected


def test_local_day_of_a_datetime_with_offset(records: Records, search: Search) -> None:
    records.put({
        "resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"},
        "effectiveDateTime": "2025-03-01T05:00:00+07:00",
    })
    # A date without a zone is a day in Ho Chi Minh City (UTC+07:00).
    assert ids(search("Observation", "date=2025-03-01")) == {"o1"}
    assert ids(search("Observation", "date=2025-02-28")) == set()
    assert ids(search("Observation", "date=2025-03-01T05:00:00%2B07:00")) == {"o1"}
    assert ids(search("Observation", "date=2025-02-28T22:00:00Z")) == {"o1"}


def test_last_updated(engine: sa.Engine, records: Records, search: Search) -> None:
    records.put_all(patient("l1", "2000"), patient("l2", "2000"), patient("l3", "2000"))
    moments = {
        "l1": date_range("2024-01-01T10:00:00Z")[0],
        "l2": date_range("2024-06-01T10:00:00Z")[0],
        "l3": date_range("2024-06-01T10:00:00.5Z")[0],
    }
    r = schema.resource
    with engine.begin() as conn:
        for rid, moment in moments.items():
            conn.execute(r.update().where(r.c.id == rid).values(last_updated=moment))
    assert ids(search("Patient", "_lastUpdated=2024-06-01T10:00:00Z")) == {"l2", "l3"}
    assert ids(search("Patient", "_lastUpdated=gt2024-03")) == {"l2", "l3"}
    assert ids(search("Patient", "_lastUpdated=lt2024-06-01T10:00:00Z")) == {"l1"}
    assert ids(search("Patient", "_lastUpdated=le2024-06-01T10:00:00Z")) == {"l1", "l2", "l3"}
    assert ids(search("Patient", "_lastUpdated=ge2024-06-01T10:00:00.5Z")) == {"l3"}
    assert ids(search("Patient", "_lastUpdated=ne2024")) == set()
    assert ids(search("Patient", "_lastUpdated=sa2024-01-01&_lastUpdated=eb2025")) == {"l2", "l3"}
    assert ids(search("Patient", "_lastUpdated:missing=true")) == set()
