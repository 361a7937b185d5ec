"""Partial birth dates (FHIR allows YYYY and YYYY-MM) compare at their precision: a year
agrees with any date in that year, a month with any date in that month, a different
year disagrees. The same on the online scorer, in splink's SQL, and in `Patient/$match`
(on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.access.repository import AccessRepository
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.operations import OperationContext
from hoso.identity.mpi.batch import feature_frame
from hoso.identity.mpi.features import patient_features
from hoso.identity.mpi.match_operation import MATCH_GRADE, PatientMatch
from hoso.identity.mpi.model import load_model
from hoso.identity.mpi.splink_model import linker_for
from tests.builders.patient import patient

HOME = [{"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
         "state": "Thành phố Hồ Chí Minh"}]  # fmt: skip
PHONE = [{"system": "phone", "value": "0901234567", "use": "mobile"}]


def _features(birth_date: str, key: str = "x") -> dict[str, str | None]:
    return patient_features({**patient(cccd=None, birth_date=birth_date), "id": key},
                            DEFAULT_CCCD_SYSTEM)  # fmt: skip


def test_a_partial_date_keeps_the_parts_it_knows() -> None:
    year, month, day = _features("1990"), _features("1990-05"), _features("1990-05-12")
    assert (year["birth_date"], year["birth_month"], year["birth_year"]) == (None, None, "1990")
    assert (month["birth_date"], month["birth_month"], month["birth_year"]) == (
        None, "1990-05", "1990")
    assert (day["birth_date"], day["birth_month"], day["birth_year"]) == (
        "1990-05-12", "1990-05", "1990")
    assert _features("199")["birth_year"] is None  # not a FHIR date at all


@pytest.mark.parametrize(("left", "right", "level"), [
    ("1990", "1990-05-12", "same year, partial date"),
    ("1990", "1990", "same year, partial date"),
    ("1990-05", "1990-05-12", "same month, partial date"),
    ("1990-05", "1990-05", "same month, partial date"),
    ("1990-05", "1990-06-01", "same year"),  # known months differ: as two full dates
    ("1990-05", "1990", "same year, partial date"),
    ("1991", "1990-05-12", "else"),  # another year is no agreement
    ("1991-05", "1990-05-12", "else"),
    ("1990-05-12", "1990-12-05", "day and month swapped"),  # full dates as before
    ("1990-05-12", "1990-05-13", "damerau-levenshtein <= 1"),
])  # fmt: skip
def test_partial_dates_compare_at_their_precision(left: str, right: str, level: str) -> None:
    model = load_model()
    for a, b in ((left, right), (right, left)):
        assert model.score(_features(a), _features(b)).levels["birth_date"] == level


def test_partial_dates_weigh_as_evidence_of_their_precision() -> None:
    model = load_model()
    day, month, year = (model.level_weight("birth_date", label) for label in
                        ("exact", "same month, partial date", "same year, partial date"))
    other_year = model.level_weight("birth_date", "else")
    assert day > month > year > 0 > other_year


def test_splink_scores_partial_dates_as_the_online_scorer() -> None:
    """Every pair shares phone and given name (a blocking rule), so splink compares them
    all: its SQL levels and the Python ones give the same weight."""
    dates = ["1990", "1990-05", "1990-05-12", "1990-06-01", "1990-12-05", "1991", "1991-05"]
    rows = {str(i): patient_features({**patient(cccd=None, birth_date=d, telecom=PHONE),
                                      "id": str(i)}, DEFAULT_CCCD_SYSTEM)
            for i, d in enumerate(dates)}  # fmt: skip
    model = load_model()
    predicted = linker_for(feature_frame(rows.values()), model).inference.predict(
        warning_mode="never").as_pandas_dataframe()
    assert len(predicted) == len(dates) * (len(dates) - 1) // 2
    for left, right, weight in zip(predicted["patient_id_l"], predicted["patient_id_r"],
                                   predicted["match_weight"], strict=True):  # fmt: skip
        online = model.score(rows[str(left)], rows[str(right)]).weight
        assert online == pytest.approx(float(weight), abs=1e-9), (left, right)


def _match(repo: AccessRepository, birth_date: str, **extra: Any) -> list[dict[str, Any]]:
    """`Patient/$match` for "Nguyen Van An" (no marks) born `birth_date`, as the operator."""
    query = {"resourceType": "Patient", "name": [{"family": "Nguyen", "given": ["Van", "An"]}],
             "gender": "male", "birthDate": birth_date, **extra}  # fmt: skip
    ctx = OperationContext("http://hoso.test/fhir", "type", "Patient", method="POST")
    bundle = PatientMatch(load_model(), DEFAULT_CCCD_SYSTEM).run(repo, ctx, {"resource": [query]})
    return list(bundle.get("entry", []))


def test_match_finds_a_resident_by_a_birth_year_or_month(repo: AccessRepository) -> None:
    an = repo.create(patient(address=HOME, telecom=PHONE)).stored.id  # Nguyễn Văn An 1990-05-01
    repo.create(patient(cccd=None, given=("Văn", "Anh"), birth_date="1990-07-09",
                        address=[{"use": "home", "city": "Phường Chợ Lớn"}]))  # fmt: skip
    for partial in ("1990", "1990-05"):
        entries = _match(repo, partial)
        assert [e["resource"]["id"] for e in entries] == [an], partial
        assert entries[0]["search"]["extension"] == [{"url": MATCH_GRADE, "valueCode": "possible"}]
    # The month is the stronger evidence.
    assert _match(repo, "1990-05")[0]["search"]["score"] > _match(repo, "1990")[0]["search"][
        "score"]
    assert _match(repo, "1991") == []  # another year: not the same birth date
    # Found by the phone instead, a different year still counts against the pair.
    by_phone = _match(repo, "1991", telecom=PHONE)
    assert [e["resource"]["id"] for e in by_phone] == [an]
    assert by_phone[0]["search"]["score"] < _match(repo, "1990", telecom=PHONE)[0]["search"][
        "score"]
