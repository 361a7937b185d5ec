"""Many filters in one search: past `SEPARATE_FILTERS` they fold into one INTERSECT
(positive) or one NOT IN (… UNION …) (negations), and must select exactly what the
separate predicates would."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.store.sql.search.compile import SEPARATE_FILTERS
from tests.store.sql.search.conftest import Records, Search, ids


def patient(pid: str, family: str, given: list[str], gender: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "name": [{"family": family, "given": given}],
        "gender": gender,
    }


@pytest.fixture
def patients(records: Records) -> None:
    many = [f"g{i}" for i in range(10)]
    records.put_all(
        patient("all", "Nguyễn", many, "male"),
        patient("most", "Nguyễn", many[:-1], "male"),
        patient("woman", "Nguyễn", many, "female"),
        patient("other", "Trần", ["An"], "other"),
    )


@pytest.mark.usefixtures("patients")
def test_ten_positive_filters_fold_and_still_and_together(search: Search) -> None:
    query = "&".join(f"given=g{i}" for i in range(10))
    assert SEPARATE_FILTERS < 10
    assert ids(search("Patient", query)) == {"all", "woman"}
    assert ids(search("Patient", query + "&gender=male")) == {"all"}


@pytest.mark.usefixtures("patients")
def test_ten_negations_fold_and_each_still_excludes(search: Search) -> None:
    # Six `:not` on codes nobody has exclude nothing; one more on `female` excludes her.
    nothing = "&".join(f"gender:not=x{i}" for i in range(SEPARATE_FILTERS + 2))
    assert ids(search("Patient", nothing)) == {"all", "most", "woman", "other"}
    assert ids(search("Patient", nothing + "&gender:not=female&gender:not=other")) == {
        "all",
        "most",
    }


@pytest.mark.usefixtures("patients")
def test_folded_positive_and_negative_filters_combine(search: Search) -> None:
    query = "&".join(f"given=g{i}" for i in range(9))
    negations = "&".join(f"gender:not=x{i}" for i in range(SEPARATE_FILTERS)) + (
        "&gender:not=female"
    )
    assert ids(search("Patient", f"{query}&{negations}")) == {"all", "most"}
