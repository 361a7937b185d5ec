"""Faults come at their rates, and the ground truth says exactly what was done."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from hoso.synth import SynthReport, generate, parse_faults

from .conftest import FAULT_RATES, read_ndjson


def _csv(out: Path, name: str) -> list[dict[str, str]]:
    with (out / "ground_truth" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_parse_faults() -> None:
    assert parse_faults("") == {}
    assert parse_faults(" duplicate=0.01, typo=0.02 ,") == {"typo": 0.02, "duplicate": 0.01}
    assert parse_faults("swap-dmy=0.005,missing-cccd=1") == {
        "swap-dmy": 0.005,
        "missing-cccd": 1.0,
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("typo=1.5", ["[0, 1]", "typo"]),
        ("typo=-0.1", ["[0, 1]"]),
        ("typo=nan", ["[0, 1]"]),
        ("typos=0.1", ["Unknown fault 'typos'", "không xác định"]),
        ("typo", ["name=rate", "tên=tỷ_lệ"]),
        ("typo=abc", ["not a number", "không phải là số"]),
        ("typo=0.1,typo=0.2", ["twice", "hai lần"]),
    ],
)
def test_parse_faults_rejects_bad_text(text: str, words: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        parse_faults(text)
    message = str(caught.value)
    assert " / " in message  # Vietnamese, then English
    for word in words:
        assert word in message


def test_generate_rejects_bad_rates(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Unknown fault"):
        generate(10, 1, tmp_path, {"typo": 0.1, "bogus": 0.1})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        generate(10, 1, tmp_path, {"typo": 2.0})


def test_rates_are_close_to_asked(faulted_run: tuple[Path, SynthReport]) -> None:
    out, report = faulted_run
    rows = _csv(out, "faults.csv")
    per_fault = Counter()
    for fault in {(r["patient_id"], r["fault"]) for r in rows}:
        per_fault[fault[1]] += 1
    for fault, rate in FAULT_RATES.items():
        expected = rate * report.people
        assert abs(per_fault[fault] - expected) < 4 * expected**0.5 + 3, (fault, per_fault)


def test_ground_truth_matches_the_data(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    patients = {p["id"]: p for p in read_ndjson(out, "Patient")}
    for row in _csv(out, "faults.csv"):
        p = patients[row["patient_id"]]
        if row["fault"] == "swap-dmy":
            year, month, day = row["original"].split("-")
            assert p["birthDate"] == row["faulted"] == f"{year}-{day}-{month}"
            assert int(day) <= 12 and day != month
        elif row["fault"] == "missing-cccd":
            assert "identifier" not in p and len(row["original"]) == 12
        elif row["fault"] == "typo":
            assert row["original"] != row["faulted"]
            assert abs(len(row["original"]) - len(row["faulted"])) <= 1
            assert row["faulted"] in _field_values(p)
        elif row["fault"] == "duplicate" and row["field"] == "identifier.cccd":
            found = [i["value"] for i in p.get("identifier", [])]
            assert found == ([row["faulted"]] if row["faulted"] else [])
            if row["faulted"]:
                differ = [i for i in range(12) if row["original"][i] != row["faulted"][i]]
                assert len(differ) == 1


def _field_values(patient: dict) -> list[str]:
    name = patient["name"][0]
    return [name["family"], *name["given"], *patient["address"][0]["line"]]


def test_duplicates_map_to_the_same_person(faulted_run: tuple[Path, SynthReport]) -> None:
    out, _ = faulted_run
    persons = _csv(out, "persons.csv")
    patients = {p["id"] for p in read_ndjson(out, "Patient")}
    assert {r["patient_id"] for r in persons} == patients
    key_of = {r["patient_id"]: r["person_key"] for r in persons}
    duplicates = [r for r in persons if r["record"] == "duplicate"]
    assert duplicates
    originals = {
        r["patient_id"]: r["original"]
        for r in _csv(out, "faults.csv")
        if r["fault"] == "duplicate" and r["field"] == "id"
    }
    for r in duplicates:
        assert key_of[originals[r["patient_id"]]] == r["person_key"]
    dup_ids = {f"Patient/{r['patient_id']}" for r in duplicates}
    pointing = [e for e in read_ndjson(out, "Encounter") if e["subject"]["reference"] in dup_ids]
    assert pointing
