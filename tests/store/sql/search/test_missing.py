"""`:missing=true|false` for every indexed kind (columns are never missing)."""

from __future__ import annotations

import pytest

from tests.store.sql.search.conftest import Records, Search, ids


@pytest.fixture(autouse=True)
def patients(records: Records) -> None:
    records.put_all(
        {"resourceType": "Patient", "id": "full", "gender": "female", "birthDate": "1990",
         "name": [{"family": "Lê"}], "generalPractitioner": [{"reference": "Practitioner/x"}],
         "meta": {"profile": ["http://hoso.vn/StructureDefinition/patient"]}},
        {"resourceType": "Patient", "id": "empty"},
        {"resourceType": "Patient", "id": "some", "gender": "male", "name": [{"family": "Võ"}]},
    )


@pytest.mark.parametrize(
    ("param", "present"),
    [
        ("gender", {"full", "some"}),
        ("name", {"full", "some"}),
        ("birthdate", {"full"}),
        ("general-practitioner", {"full"}),
        ("_profile", {"full"}),
    ],
)
def test_missing(search: Search, param: str, present: set[str]) -> None:
    everyone = {"full", "empty", "some"}
    assert ids(search("Patient", f"{param}:missing=false")) == present
    assert ids(search("Patient", f"{param}:missing=true")) == everyone - present


def test_missing_combines_with_other_filters(search: Search) -> None:
    assert ids(search("Patient", "gender:missing=false&birthdate:missing=true")) == {"some"}
    assert ids(search("Patient", "_id:missing=false")) == {"full", "empty", "some"}
    assert ids(search("Patient", "_id:missing=true")) == set()
