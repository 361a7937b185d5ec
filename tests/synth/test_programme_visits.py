"""The synthetic city's programme visits (issue 19): every response is one its form
accepts, the ground truth agrees with what the programmes make of the raw FHIR, and
the rates look like a city's."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hoso.programmes.chronic import DIABETES, HYPERTENSION
from hoso.programmes.elderly import ELDERLY
from hoso.programmes.forms import answered_items
from hoso.programmes.framework import Record
from hoso.programmes.packaged import FORM_BASE, packaged_form
from hoso.synth import SynthReport, generate

from .conftest import read_all

NOW = date(2026, 1, 1)  # the generator's today (hoso.synth.sampling.NOW)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    out = tmp_path_factory.mktemp("synth-programmes")
    return out, generate(3000, 21, out, workers=1)


def _truth(out: Path, name: str) -> list[dict[str, str]]:
    with (out / "ground_truth" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _records(out: Path) -> dict[str, Record]:
    patients: dict[str, dict[str, Any]] = {}
    by_patient: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in read_all(out):
        if r["resourceType"] == "Patient":
            patients[r["id"]] = r
            continue
        ref = (r.get("subject") or r.get("patient") or {}).get("reference", "")
        if ref.startswith("Patient/"):
            by_patient[ref[8:]][r["resourceType"]].append(r)
    return {pid: Record(p, by_patient[pid], None) for pid, p in patients.items()}


def _plain(answer: dict[str, Any]) -> Any:
    value = next(iter(answer.values()))
    return value["code"] if isinstance(value, dict) else value


def test_every_response_is_accepted_by_its_form(city: tuple[Path, SynthReport]) -> None:
    out, _ = city
    responses = [r for r in read_all(out) if r["resourceType"] == "QuestionnaireResponse"]
    # every form the generator writes (not IADL and falls, which it does not make)
    assert len({r["questionnaire"] for r in responses}) == 10
    for r in responses:
        form = packaged_form(r["questionnaire"].removeprefix(FORM_BASE))
        answers = {i["linkId"]: _plain(i["answer"][0]) for i in r["item"]}
        assert len(answered_items(form, answers)) == len(answers), r["id"]


def test_elderly_truth_matches_the_programmes_assessment(city: tuple[Path, SynthReport]) -> None:
    out, _ = city
    records = _records(out)
    truth = _truth(out, "elderly")
    assert len(truth) > 250
    for row in truth:
        m = ELDERLY.assess(records[row["patient_id"]], NOW).measures
        assert m["screened_on"] == (row["screened_on"] or None), row
        assert m["icope_domains"] == row["positive_domains"].replace("|", ","), row
        for key, column in (("sppb", "sppb"), ("mna_sf", "mna_sf"), ("mini_cog", "mini_cog"),
                            ("phq_9", "phq9"), ("barthel", "barthel")):  # fmt: skip
            assert m[key] == (int(row[column]) if row[column] else None), (key, row)
        assert (m["dependent"], m["bedridden"]) == (row["dependent"] == "True",
                                                    row["bedridden"] == "True"), row  # fmt: skip


def test_chronic_truth_matches_the_registers(city: tuple[Path, SynthReport]) -> None:
    out, _ = city
    records = _records(out)
    truth = _truth(out, "chronic")
    assert {r["programme"] for r in truth} == {"hypertension", "diabetes"}
    for row in truth:
        programme = HYPERTENSION if row["programme"] == "hypertension" else DIABETES
        m = programme.assess(records[row["patient_id"]], NOW).measures
        controlled = {"True": True, "False": False, "": None}[row["controlled"]]
        assert m["controlled"] is controlled, row
        assert m["last_visit"] == (row["last_visit"] or None), row
        assert m["visited_90d"] is (row["visited_90d"] == "True"), row


def test_rates_look_like_a_city(city: tuple[Path, SynthReport]) -> None:
    out, _ = city
    elderly = _truth(out, "elderly")
    checked = sum(r["last_check"].startswith("2025") for r in elderly) / len(elderly)
    screened = sum(bool(r["screened_on"]) for r in elderly) / len(elderly)
    dependent = sum(r["dependent"] == "True" for r in elderly) / len(elderly)
    assert 0.55 < checked < 0.77 and 0.5 < screened < 0.7 and 0.02 < dependent < 0.15
    managed = [r for r in _truth(out, "chronic") if int(r["station_visits"]) > 0]
    for programme, low, high in (("hypertension", 0.35, 0.65), ("diabetes", 0.15, 0.55)):
        rows = [r for r in managed if r["programme"] == programme]
        share = sum(r["controlled"] == "True" for r in rows) / len(rows)
        assert low < share < high, (programme, share, len(rows))
