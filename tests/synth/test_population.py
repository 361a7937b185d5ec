"""The residents look like Ho Chi Minh City's: names, ages, wards, cards, care."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hoso.core.settings import DEFAULT_BHYT_SYSTEM
from hoso.synth import SynthReport
from hoso.synth.faults import strip_marks
from hoso.synth.places import MIGRANT_PROVINCES, all_wards

from .conftest import read_ndjson


def _primary(out: Path) -> list[dict]:
    return [p for p in read_ndjson(out, "Patient") if p["id"].startswith("pat-")]


def test_names_are_vietnamese_and_nguyen_leads(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    patients = _primary(out)
    families = Counter(p["name"][0]["family"] for p in patients)
    [(top, count)] = families.most_common(1)
    assert top == "Nguyễn"
    assert 0.28 < count / len(patients) < 0.42
    with_marks = [p for p in patients if strip_marks(p["name"][0]["text"]) != p["name"][0]["text"]]
    assert len(with_marks) > 0.9 * len(patients)
    for p in patients[:50]:
        name = p["name"][0]
        assert name["text"] == " ".join([name["family"], *name["given"]])
    middles = Counter(p["name"][0]["given"][0] for p in patients if p["gender"] == "female")
    assert middles.most_common(1)[0][0] == "Thị"


def test_age_and_sex_follow_the_city(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    patients = _primary(out)
    ages = [2025 - int(p["birthDate"][:4]) for p in patients]
    n = len(ages)
    assert 0.045 < sum(a >= 65 for a in ages) / n < 0.10
    assert 0.15 < sum(a < 15 for a in ages) / n < 0.25
    assert 0.33 < sum(20 <= a < 40 for a in ages) / n < 0.44
    assert 0.47 < sum(p["gender"] == "female" for p in patients) / n < 0.55


def test_addresses_are_current_hcmc_wards(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    wards = {w.name for w in all_wards()}
    assert len(wards) == 168
    for p in _primary(out):
        [address] = p["address"]
        assert address["city"] in wards
        assert address["state"] == "Thành phố Hồ Chí Minh"


def test_many_adults_were_born_elsewhere(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    adults = [p for p in _primary(out) if int(p["birthDate"][:4]) <= 2007 and "identifier" in p]
    elsewhere = [p for p in adults if p["identifier"][0]["value"][:3] not in ("079", "074", "077")]
    assert 0.28 < len(elsewhere) / len(adults) < 0.45


def test_migrant_provinces_are_cccd_provinces() -> None:
    from hoso.identity.cccd import CCCD_PROVINCES

    assert set(MIGRANT_PROVINCES.items) == set(CCCD_PROVINCES)


def test_most_residents_hold_a_bhyt_card(faulted_run: tuple[Path, SynthReport]) -> None:
    out, report = faulted_run
    coverages = read_ndjson(out, "Coverage")
    assert 0.88 < len(coverages) / report.people < 0.96
    for c in coverages[:100]:
        card = next(i["value"] for i in c["identifier"] if i["system"] == DEFAULT_BHYT_SYSTEM)
        assert len(card) == 15 and card[2] in "12345" and card[3:5] == "79"
        assert c["payor"][0]["reference"].startswith("Organization/")


def test_history_has_the_expected_kinds(faulted_run: tuple[Path, SynthReport]) -> None:
    out, report = faulted_run
    for kind in (
        "Encounter",
        "Condition",
        "Observation",
        "Immunization",
        "MedicationRequest",
        "Procedure",
        "AllergyIntolerance",
        "Practitioner",
        "PractitionerRole",
        "Location",
    ):
        assert report.counts.get(kind), kind
    codes = Counter(c["code"]["coding"][0]["code"] for c in read_ndjson(out, "Condition"))
    for code in ("I10", "E11.9", "J06.9", "A97.0", "B08.4", "H52.1", "J45.9"):
        assert codes[code], code


def test_measurements_and_vaccines(small_run: tuple[Path, SynthReport]) -> None:
    out, _ = small_run
    loinc = {o["code"]["coding"][0]["code"] for o in read_ndjson(out, "Observation")}
    assert {
        "85354-9",
        "8867-4",
        "29463-7",
        "8302-2",
        "39156-5",
        "8310-5",
        "2345-7",
        "4548-4",
        "98497-1",
    } <= loinc
    vaccines = {i["vaccineCode"]["coding"][0]["code"] for i in read_ndjson(out, "Immunization")}
    assert {"08", "19", "102", "05", "04", "39"} <= vaccines
