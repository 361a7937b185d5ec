"""The synthetic city's school eye screening (issue 19 point 9): myopia by age as the
data file of `hoso.synth.eyes` says, each ground-truth row matched by the child's
Observations and referral in the NDJSON, the programme's own assessment of those records
counting what the ground truth counts, the codes the programme's, and class rosters in
the documented CSV format that the roster reader takes without a problem."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from hoso.programmes.eyes.programme import SCHOOL_EYE
from hoso.programmes.eyes.roster import read_roster
from hoso.programmes.eyes.screening import CODES, EYE_SYSTEM
from hoso.programmes.framework import Record
from hoso.synth import eyes as synth_eyes
from hoso.synth import generate
from hoso.synth.sampling import NOW


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth-eyes")
    generate(4000, 11, out, workers=1)
    return out


def _truth(run: Path) -> list[dict[str, str]]:
    with (run / "ground_truth" / "eyes.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _by_patient(run: Path, kind: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for line in (run / f"{kind}.ndjson").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        subject = (r.get("subject") or r.get("patient") or {}).get("reference", "")
        found[subject.removeprefix("Patient/")].append(r)
    return found


def test_myopia_rises_with_age_as_the_data_says(run: Path) -> None:
    rows = [r for r in _truth(run) if r["school_year"] == "2025-2026"]
    assert len(rows) > 300
    for low, high in ((6, 10), (11, 14), (15, 17)):
        band = [r for r in rows if low <= int(r["age"]) <= high]
        share = sum(r["myopic"] == "1" for r in band) / len(band)
        expected = sum(synth_eyes.MYOPIA_BY_AGE[int(r["age"])] for r in band) / len(band)
        sigma = (expected * (1 - expected) / len(band)) ** 0.5  # binomial: 3.5 σ allowed
        assert abs(share - expected) < 3.5 * sigma, (low, high, share, expected, len(band))
    older = [r for r in rows if int(r["age"]) >= 11]
    assert 0.18 < sum(r["myopic"] == "1" for r in older) / len(older) < 0.42


def test_the_records_say_what_the_ground_truth_says(run: Path) -> None:
    observations, requests = _by_patient(run, "Observation"), _by_patient(run, "ServiceRequest")
    truth = _truth(run)
    for row in truth:
        mine = [o for o in observations[row["patient_id"]] if o["effectiveDateTime"] == row["day"]
                and o["code"]["coding"][0]["system"] == EYE_SYSTEM]  # fmt: skip
        codes = {o["code"]["coding"][0]["code"]: o for o in mine}
        outcome = codes["screening-outcome"]["valueCodeableConcept"]["coding"][0]["code"]
        assert outcome == row["outcome"]
        assert codes["ucva-right"]["valueQuantity"]["value"] == float(row["ucva_right"])
        se = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"]
              for c in codes["refraction-right"]["component"]}  # fmt: skip
        assert se["spherical-equivalent"] == se["sphere"] + se["cylinder"] / 2
        assert se["spherical-equivalent"] == float(row["se_right"])
        sent = [s for s in requests[row["patient_id"]] if s["authoredOn"] == row["day"]]
        assert len(sent) == int(row["referred"])
        assert [s["status"] == "completed" for s in sent] == [row["dispensed"] == "1"] * len(sent)
    # The programme's assessment of those records, on the population's "today", counts
    # the current school year's screened, failed and myopic children as the truth does.
    current = {r["patient_id"]: r for r in truth if r["school_year"] == "2025-2026"}
    patients = {json.loads(line)["id"]: json.loads(line)
                for line in (run / "Patient.ndjson").read_text().splitlines()}  # fmt: skip
    counted = defaultdict(int)
    for pid in {r["patient_id"] for r in truth}:
        record = Record(patients[pid], {"Observation": observations[pid],
                                        "ServiceRequest": requests[pid]}, None)  # fmt: skip
        measures = SCHOOL_EYE.assess(record, NOW).measures
        for name in ("screened_this_year", "failed", "referred"):
            counted[name] += bool(measures[name])
    assert counted["screened_this_year"] == len(current)
    assert counted["failed"] == sum(r["outcome"] == "fail" for r in current.values())
    assert counted["referred"] == counted["failed"]


def test_codes_are_the_programmes_and_rosters_read_cleanly(run: Path) -> None:
    assert synth_eyes.EYE_SYSTEM == EYE_SYSTEM
    assert set(synth_eyes.DISPLAY) <= set(CODES)
    assert all(CODES[c].startswith(d) for c, d in synth_eyes.DISPLAY.items())
    rows, problems = read_roster((run / "ground_truth" / "school_rosters.csv").read_bytes())
    assert problems == [] and len(rows) > 300
    assert {r.school_year for r in rows} == {"2025-2026"}
    assert all(1 <= (r.grade or 0) <= 12 and r.cccd for r in rows)
