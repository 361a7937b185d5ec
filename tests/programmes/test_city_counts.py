"""The programmes over a synthetic city, checked the way issue 19 will be: the city
(`hoso.synth`) loaded through the bulk importer, the nightly run on the city's day, then
the registers and cohorts counted again independently from the raw NDJSON — by ward
(the ward's code looked up from its name in the national list, not through the address
normaliser the programmes use) — and compared with what Hồ Sơ stored. On SQLite and
PostgreSQL."""

from __future__ import annotations

import collections
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from hoso.access.audit import GroupCommitAuditTrail
from hoso.assembly import programme_recompute
from hoso.store.programme_cohorts_schema import prog_cohort_member
from hoso.store.programme_schema import prog_enrolment
from hoso.store.sql_store import SqlAuditLog, SqlStore
from hoso.synth import generate
from hoso.synth.places import all_wards
from tests.callers import bulk_import

pytestmark = pytest.mark.slow
NOW = date(2026, 1, 1)  # the generator's today (hoso.synth.sampling)
LOINC = "http://loinc.org"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("programme-city")
    generate(150, 19, out, workers=1)
    return out


def _read(city: Path, kind: str) -> list[dict[str, Any]]:
    path = city / f"{kind}.ndjson"
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def _age(patient: dict[str, Any]) -> int | None:
    born = patient.get("birthDate")
    if not isinstance(born, str) or len(born) != 10:
        return None
    b = date.fromisoformat(born)
    return NOW.year - b.year - ((NOW.month, NOW.day) < (b.month, b.day))


def _ward(patient: dict[str, Any], codes: dict[str, str]) -> str | None:
    for address in patient.get("address") or []:
        for field in ("city", "district"):
            if address.get(field) in codes:
                return codes[address[field]]
    return None


def _hypertensive(patient_id: str, conditions: list[dict[str, Any]],
                  readings: list[dict[str, Any]]) -> bool:  # fmt: skip
    """The register's rule, written again by hand: an active I10–I15, or two systolic
    readings in [140, 300] (or two diastolic in [90, 200]) in the year before the day."""
    for c in conditions:
        codes = [x.get("code", "") for x in c.get("code", {}).get("coding", [])
                 if "icd-10" in x.get("system", "")]  # fmt: skip
        status = {x.get("code") for x in (c.get("clinicalStatus") or {}).get("coding", [])}
        if any("I10" <= code[:3] <= "I15" for code in codes) and \
                not status & {"inactive", "resolved", "remission"}:  # fmt: skip
            return True
    counts = collections.Counter()
    for o in readings:
        when = date.fromisoformat(str(o.get("effectiveDateTime", "1900-01-01"))[:10])
        if o.get("status") not in ("final", "amended", "corrected") or \
                not NOW - timedelta(days=365) <= when <= NOW:  # fmt: skip
            continue
        for part in [o, *o.get("component", [])]:
            code = next((x["code"] for x in part.get("code", {}).get("coding", [])
                         if x.get("system") == LOINC), None)  # fmt: skip
            value = (part.get("valueQuantity") or {}).get("value")
            if code == "8480-6" and value is not None and 140 <= value <= 300:
                counts["sbp"] += 1
            elif code == "8462-4" and value is not None and 90 <= value <= 200:
                counts["dbp"] += 1
    return counts["sbp"] >= 2 or counts["dbp"] >= 2


def _expected(city: Path) -> dict[str, collections.Counter[str | None]]:
    codes = {w.name: str(w.code) for w in all_wards()}
    patients = _read(city, "Patient")
    by_patient: dict[str, dict[str, list[dict[str, Any]]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))  # fmt: skip
    for kind in ("Condition", "Observation"):
        for r in _read(city, kind):
            ref = (r.get("subject") or {}).get("reference", "")
            by_patient[ref.removeprefix("Patient/")][kind].append(r)
    found: dict[str, collections.Counter[str | None]] = collections.defaultdict(collections.Counter)
    for p in patients:
        age, ward = _age(p), _ward(p, codes)
        record = by_patient[p["id"]]
        if age is not None and age <= 15:
            found["immunisation"][ward] += 1
        if age is not None and age >= 60:
            found["elderly"][ward] += 1
        if age is not None and age >= 18 and _hypertensive(p["id"], record["Condition"],
                                                           record["Observation"]):  # fmt: skip
            found["hypertension"][ward] += 1
    return found


def test_the_registers_match_an_independent_count(store: SqlStore, city: Path) -> None:
    files = sorted(city.glob("*.ndjson"))
    report = bulk_import(store, files)
    assert not report.errors, report.errors[:3]
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        worker = programme_recompute(store, trail, today=lambda: NOW)
        assert worker.everyone() == 150
    finally:
        trail.close()
    expected = _expected(city)
    assert sum(expected["immunisation"].values()) > 0 and sum(expected["elderly"].values()) > 0
    assert sum(expected["hypertension"].values()) > 0
    e, m = prog_enrolment, prog_cohort_member
    with store.engine.connect() as conn:
        for programme in ("immunisation", "elderly", "hypertension"):
            stored = collections.Counter(dict(conn.execute(
                sa.select(e.c.ward, sa.func.count()).where(e.c.programme == programme)
                .group_by(e.c.ward)).all()))  # fmt: skip
            assert stored == expected[programme], programme
        # The "age ≥ 60" cohort's snapshot of the day holds the same residents per ward.
        cohort = collections.Counter(dict(conn.execute(
            sa.select(m.c.ward, sa.func.count()).where(m.c.cohort == "elderly-60",
                                                       m.c.computed_on == NOW.isoformat())
            .group_by(m.c.ward)).all()))  # fmt: skip
    assert cohort == expected["elderly"]
