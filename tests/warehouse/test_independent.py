"""The independent check (independent.py) over the hand-made city written as raw FHIR:
its answers worked out by hand, and equal to the warehouse's analyses over the same city
in the warehouse's tables (small_city.py)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from hoso.warehouse.indicators.care import readmissions, visits_per_resident
from hoso.warehouse.indicators.immunisation import immunisation_coverage
from hoso.warehouse.indicators.morbidity import morbidity
from hoso.warehouse.indicators.prevalence import chronic_prevalence
from tests.warehouse import independent, small_city
from tests.warehouse.generated_city import generate
from tests.warehouse.small_city import W1, W2
from tests.warehouse.warehouse_tables import load, offline_duckdb

ICD10 = independent.ICD10
PRODUCTS = json.loads(resources.files("hoso.programmes").joinpath("data/vaccines.json")
                      .read_text("utf-8"))["products"]  # fmt: skip


def _ref(kind: str, rid: str | None) -> dict[str, str] | None:
    return {"reference": f"{kind}/{rid}"} if rid else None


def _time(day: str | None) -> str | None:
    # a local time late in the evening: the day as written is the day that counts
    if day and len(day) == 10:
        return f"{day}T22:30:00+07:00"
    return day  # a partial date stays as it is


def fhir_of(data: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Warehouse rows (patients, conditions, encounters) as the FHIR resources they were
    flattened from."""
    out: list[dict[str, Any]] = []
    for p in data["patient"]:
        patient: dict[str, Any] = {"resourceType": "Patient", "id": p["id"], "gender": p["gender"]}
        if p.get("birth_year"):
            patient["birthDate"] = f"{p['birth_year']}-07-15"
        if p.get("deceased_at"):
            patient["deceasedDateTime"] = _time(p["deceased_at"])
        if p.get("deceased"):
            patient["deceasedBoolean"] = True
        out.append(patient)
    for c in data["condition"]:
        condition: dict[str, Any] = {
            "resourceType": "Condition", "id": c["id"], "subject": _ref("Patient", c["patient_id"]),
            "code": {"coding": [{"system": ICD10, "code": c["icd10"]}]},
        }  # fmt: skip
        for key, field in (("clinical_status", "clinicalStatus"),
                           ("verification_status", "verificationStatus")):  # fmt: skip
            if c.get(key):
                condition[field] = {"coding": [{"code": c[key]}]}
        if c.get("onset"):
            condition["onsetDateTime"] = _time(c["onset"])
        if c.get("recorded"):
            condition["recordedDate"] = c["recorded"]
        out.append(condition)
    for i in data.get("immunization", ()):
        out.append({"resourceType": "Immunization", "id": i["id"], "status": i["status"],
                    "vaccineCode": {"coding": [{"system": i["vaccine_system"],
                                                "code": i["vaccine_code"]}]},
                    "patient": _ref("Patient", i["patient_id"]),
                    "occurrenceDateTime": _time(i["occurrence"])})  # fmt: skip
    for e in data["encounter"]:
        enc: dict[str, Any] = {
            "resourceType": "Encounter", "id": e["id"], "status": e["status"],
            "class": {"code": e["class"]}, "subject": _ref("Patient", e["patient_id"]),
            "period": {k: _time(e[k]) for k in ("start", "end") if e.get(k)},
            "serviceProvider": _ref("Organization", e["facility_id"]),
        }  # fmt: skip
        if e.get("reason_icd10"):
            enc["reasonCode"] = [{"text": "lý do", "coding": [
                {"system": "http://snomed.info/sct", "code": "1"},
                {"system": ICD10, "code": e["reason_icd10"]}]}]  # fmt: skip
        if e.get("primary_condition_id"):
            enc["diagnosis"] = [{"condition": _ref("Condition", e["primary_condition_id"]),
                                 "rank": 1}]  # fmt: skip
        if e.get("discharge"):
            enc["hospitalization"] = {"dischargeDisposition": {"coding": [
                {"system": independent.DISPOSITION, "code": e["discharge"]}]}}  # fmt: skip
        if e.get("treatment_result"):
            enc["extension"] = [{"url": independent.RESULT, "valueCodeableConcept": {
                "coding": [{"code": e["treatment_result"]}]}}]  # fmt: skip
        out.append(enc)
    return out


WARDS = {p["id"]: p["ward"] for p in small_city.PATIENTS}


@pytest.fixture(scope="module")
def city() -> independent.City:
    return independent.City(fhir_of(small_city.DATA), ward_of=lambda p: WARDS[p["id"]])


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    return load(offline_duckdb(), small_city.DATA)


def test_chapter_ranges() -> None:
    assert [independent.chapter(c) for c in ("A09", "D48", "D49", "h60", "T98", "U07.1",
                                             "XAB", None)] == [
        "I", "II", "unknown", "VIII", "XIX", "XXII", "unknown", "unknown"]  # fmt: skip


def test_visits_by_hand(city: independent.City) -> None:
    # as test_group1: 26734 6 episodes over 3, 26737 4 over 3, city 10 over 6; 2024 e10
    assert independent.visits_per_resident(city) == {
        ("2025", W1): (6, 3), ("2025", W2): (4, 3), ("2025", "79"): (10, 6),
        ("2024", W1): (1, 3), ("2024", "79"): (1, 6),
    }


def test_readmissions_by_hand(city: independent.City) -> None:
    # e3 → e4 19 days: readmitted; e8 → e9 31 days: not; e4 death, e11 transfer: no index
    assert independent.readmissions(city) == {
        ("2025-02", "F2"): (1, 1), ("2025-04", "F2"): (0, 1), ("2025-05", "F2"): (0, 1),
        ("2025-06", "F3"): (0, 1),
    }


def test_morbidity_by_hand(city: independent.City) -> None:
    found = independent.morbidity_by_chapter(city)
    assert found["2025-06", "ward", W1, "XV"] == 2  # e11, e12
    assert found["2025-01", "ward", W1, "IV"] == 1  # e2 through its rank-1 Condition
    assert found["2025-01", "facility", "F1", "IX"] == 2  # e1 and the non-resident's e7
    assert found["2025-01", "city", "79", "IX"] == 1
    assert sum(found.values()) == 11 + 11 + 12


def _agree(city: independent.City, tables: dict[str, Any]) -> None:
    def keyed(t: Any, *keys: str) -> dict[tuple[str, ...], tuple[int, int | None]]:
        return independent.warehouse_rows(t.to_pandas().to_dict("records"), *keys)

    visits = keyed(visits_per_resident(tables), "period", "org")
    assert independent.differences(independent.visits_per_resident(city), visits) == []
    again = keyed(readmissions(tables), "period", "org")
    assert independent.differences(independent.readmissions(city), again) == []
    frame = morbidity(tables).to_pandas()
    summed = frame.groupby(["period", "org_kind", "org", "icd10_chapter"])["numerator"].sum()
    by_chapter = {k: int(v) for k, v in summed.items()}
    assert independent.differences(independent.morbidity_by_chapter(city), by_chapter) == []
    # something to compare: readmissions happened, several chapters were seen
    assert visits and sum(n for n, _ in again.values()) > 0
    assert len({k[3] for k in by_chapter}) > 3


def _agree_on_programmes(city: independent.City, tables: dict[str, Any],
                         as_of: str, year: int) -> None:  # fmt: skip
    def keyed(t: Any, *keys: str) -> dict[tuple[str, ...], tuple[int, int | None]]:
        return independent.warehouse_rows(t.to_pandas().to_dict("records"), *keys)

    prevalence = keyed(chronic_prevalence(tables, as_of), "period", "org", "chronic_disease")
    expected = independent.chronic_prevalence(city, as_of)
    assert independent.differences(expected, prevalence) == []
    coverage = {k[1:]: v for k, v in keyed(
        immunisation_coverage(tables, (year,)), "period", "org", "vaccine").items()}  # fmt: skip
    expected_coverage = independent.immunisation_coverage(city, year, PRODUCTS)
    assert independent.differences(expected_coverage, coverage) == []
    assert prevalence and coverage


def test_prevalence_and_coverage_by_hand(city: independent.City) -> None:
    # as test_group1: 26734 hypertension and diabetes 1 of 2, 26737 diabetes 1 of 3
    assert independent.chronic_prevalence(city, "2025-12-31") == {
        ("2025-12", W1, "hypertension"): (1, 2), ("2025-12", W1, "diabetes"): (1, 2),
        ("2025-12", W2, "diabetes"): (1, 3), ("2025-12", "79", "hypertension"): (1, 5),
        ("2025-12", "79", "diabetes"): (2, 5),
    }
    coverage = independent.immunisation_coverage(city, 2025, PRODUCTS)
    assert coverage[W1, "mcv1"] == (1, 1) and coverage[W2, "dtp1"] == (1, 1)
    assert coverage[W2, "dtp3"] == (0, 1) and coverage["79", "dtp3"] == (1, 2)


def test_prevalence_and_coverage_agree(city: independent.City, tables: dict[str, Any]) -> None:
    _agree_on_programmes(city, tables, "2025-12-31", 2025)
    data = generate(seed=11, residents=300)
    wards = {p["id"]: p["ward"] for p in data["patient"]}
    generated = independent.City(fhir_of(data), ward_of=lambda p: wards[p["id"]])
    generated_tables = load(offline_duckdb(), data)
    for as_of, year in (("2024-12-31", 2024), ("2025-06-30", 2025), ("2026-03-01", 2026)):
        _agree_on_programmes(generated, generated_tables, as_of, year)


def test_differences_name_what_differs() -> None:
    assert independent.differences({("2025", "F1"): (1, 2)}, {("2025", "F1"): (1, 2)}) == []
    found = independent.differences({("2025", "F1"): (1, 2), ("2025", "F2"): (0, 1)},
                                    {("2025", "F1"): (2, 2)})  # fmt: skip
    assert found == ["('2025', 'F1'): independent (1, 2) ≠ warehouse (2, 2)",
                     "('2025', 'F2'): independent (0, 1) ≠ warehouse None"]  # fmt: skip


def test_read_ndjson(tmp_path: Any) -> None:
    path = tmp_path / "Patient.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in fhir_of(small_city.DATA)[:3]) + "\n\n")
    assert [r["id"] for r in independent.read_ndjson([path])] == ["p1", "p2", "p3"]


def test_the_warehouse_agrees(city: independent.City, tables: dict[str, Any]) -> None:
    _agree(city, tables)


def test_the_warehouse_agrees_on_the_generated_city() -> None:
    data = generate(seed=7, residents=250)
    wards = {p["id"]: p["ward"] for p in data["patient"]}
    _agree(independent.City(fhir_of(data), ward_of=lambda p: wards[p["id"]]),
           load(offline_duckdb(), data))  # fmt: skip
