"""The programmes' registers at city scale (issue 19 point 10): recompute every
programme's enrolment and due lists for N residents, and a ward's due-list page.

    python -m bench.programmes --residents 1000000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/hoso_bench_prog

The city is programme-shaped and lean, so a million residents load in reasonable time:
each resident (names, sex, ages as `bench.population`) lives in one of the 168 wards
(weighted as the synthetic city weights them); children born since 2010 carry their
TCMR doses (each given with 93 % probability, up to 40 days late, the CVX codes of
`hoso.synth.immunization`); adults carry hypertension (I10) and type 2 diabetes (E11)
at age-rising rates with blood pressure and HbA1c readings; every ward has its health
station. Loaded once through the bulk importer (`hoso import`'s path); then timed:

1. `Recompute.everyone()` — every programme of `hoso.programmes.registry`, records read
   through the access layer in chunks of 1,000, registers replaced per chunk;
2. `GET /programmes/{code}/due` of the largest ward as its station's clinician
   (in-process ASGI client, 200 requests after 10 warm-up), p50/p90.
Results go to bench/results/programmes-<backend>-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from bench.load import analyze, backend_name, code_version, import_file
from bench.population import REFERENCE_DATE, person
from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.ingest.bulk_import import ImportOptions
from hoso.synth.immunization import TCMR
from hoso.synth.places import all_wards, ward_weight

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CVX = "http://hl7.org/fhir/sid/cvx"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
FACILITY_SYSTEM = DEFAULT_FACILITY_SYSTEM
# (min age, hypertension rate, diabetes rate): HOUSE assumption for a bench city, of
# the order of Vietnam's STEPS survey (2021) adult prevalences, rising with age.
CHRONIC = ((60, 0.45, 0.18), (40, 0.25, 0.10), (30, 0.08, 0.04))


def _wards() -> tuple[list[Any], list[float]]:
    wards = list(all_wards())
    return wards, [ward_weight(w) for w in wards]


def station_id(code: int) -> str:
    return f"prog-station-{code}"


def _patient(i: int, wards: tuple[list[Any], list[float]]) -> dict[str, Any]:
    p = person(i)
    ward = random.Random(i * 31 + 7).choices(*wards)[0]
    return {"resourceType": "Patient", "id": f"prog-{i}",
            "identifier": [{"system": "https://hoso.vn/fhir/sid/cccd", "value": p.cccd}],
            "name": [{"text": p.full_name, "family": p.family, "given": [p.middle, p.given]}],
            "gender": p.gender, "birthDate": p.birth_date.isoformat(),
            "address": [{"use": "home", "line": [p.line], "city": ward.name,
                         "state": "Thành phố Hồ Chí Minh", "country": "VN"}]}  # fmt: skip


def _records(i: int, born: date) -> Iterator[dict[str, Any]]:
    rng = random.Random(i * 17 + 3)
    subject = {"reference": f"Patient/prog-{i}"}
    age = (REFERENCE_DATE - born).days // 365
    if born.year >= 2010:
        for n, (days, cvx, en, vi, _dose, lot) in enumerate(TCMR):
            given = born + timedelta(days=days + rng.randrange(0, 40))
            if given > REFERENCE_DATE or rng.random() > 0.93:
                continue
            yield {"resourceType": "Immunization", "id": f"prog-{i}-imm-{n}",
                   "status": "completed", "patient": subject,
                   "vaccineCode": {"coding": [{"system": CVX, "code": cvx, "display": en}],
                                   "text": vi},
                   "occurrenceDateTime": given.isoformat(),
                   "lotNumber": f"{lot}{n:03d}"}  # fmt: skip
    for low, htn, dm in CHRONIC:
        if age < low:
            continue
        if rng.random() < htn:
            yield _condition(i, "htn", "I10", subject)
            for k in range(3):
                yield _reading(i, f"bp{k}", subject, rng, "8480-6", rng.gauss(142, 16), "mm[Hg]")
        if rng.random() < dm:
            yield _condition(i, "dm", "E11", subject)
            for k in range(2):
                yield _reading(i, f"a1c{k}", subject, rng, "4548-4", rng.gauss(7.4, 1.2), "%")
        break


def _condition(i: int, key: str, code: str, subject: dict[str, str]) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"prog-{i}-{key}", "subject": subject,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                                     "condition-clinical", "code": "active"}]},
            "code": {"coding": [{"system": ICD10, "code": code}]},
            "recordedDate": "2024-03-01"}  # fmt: skip


def _reading(i: int, key: str, subject: dict[str, str], rng: random.Random, code: str,
             value: float, unit: str) -> dict[str, Any]:  # fmt: skip
    day = REFERENCE_DATE - timedelta(days=rng.randrange(1, 365))
    return {"resourceType": "Observation", "id": f"prog-{i}-{key}", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, "subject": subject,
            "effectiveDateTime": day.isoformat(),
            "valueQuantity": {"value": round(value, 1), "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}}  # fmt: skip


def city_files(residents: int) -> list[Path]:
    folder = ROOT / "var" / "bench" / f"programmes-{residents}"
    files = [folder / "Stations.ndjson", folder / "Patient.ndjson", folder / "Records.ndjson"]
    if all(f.is_file() for f in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    wards = _wards()
    with (folder / "Stations.part").open("wb") as f:
        for w in wards[0]:
            f.write(orjson.dumps({
                "resourceType": "Organization", "id": station_id(w.code),
                "name": f"Trạm y tế {w.name}", "type": [{"text": "Trạm y tế"}],
                "identifier": [{"system": FACILITY_SYSTEM, "value": f"TYT{w.code}"}],
                "address": [{"city": w.name, "state": "Thành phố Hồ Chí Minh"}],
            }) + b"\n")  # fmt: skip
    with (folder / "Patient.part").open("wb") as pf, (folder / "Records.part").open("wb") as rf:
        for i in range(residents):
            patient = _patient(i, wards)
            pf.write(orjson.dumps(patient) + b"\n")
            for resource in _records(i, date.fromisoformat(patient["birthDate"])):
                rf.write(orjson.dumps(resource) + b"\n")
    for f in files:
        f.with_suffix(".part").rename(f)
    return files


def load(store: Any, residents: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM resource WHERE resource_type = "
                                    "'Patient' AND id LIKE 'prog-%'")).scalar() or 0  # fmt: skip
    found: dict[str, Any] = {}
    files = city_files(residents)
    if have >= residents:  # the stations only (a run before them had another system)
        found["skipped"] = f"{have} Patients already loaded"
        files = files[:1]
    for path in files:
        t0 = time.perf_counter()
        report = import_file(store, path, ImportOptions(batch_resources=5000))
        found[path.stem] = {"written": report.written,
                            "seconds": round(time.perf_counter() - t0, 1)}  # fmt: skip
        analyze(store)
        print(f"{path.stem}: {found[path.stem]}", flush=True)
    return found


def recompute(store: Any) -> dict[str, Any]:
    """Time the nightly run over everyone (every registered programme)."""
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import programme_recompute
    from hoso.programmes.registry import PROGRAMMES
    from hoso.store.sql_store import SqlAuditLog

    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    last = [time.perf_counter()]
    started = last[0]

    def progress(n: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            rate = n / (last[0] - started)
            print(f"  {n:>9} residents, {rate:.0f}/s", flush=True)

    try:
        worker = programme_recompute(store, trail)
        done = worker.everyone(progress)
    finally:
        trail.close()
    seconds = time.perf_counter() - started
    with store.engine.connect() as conn:
        enrolled = dict(conn.execute(sa.text(
            "SELECT programme, count(*) FROM prog_enrolment GROUP BY programme")).all())
        due = conn.execute(sa.text("SELECT count(*) FROM prog_due")).scalar()
    return {"programmes": [p.code for p in PROGRAMMES], "residents": done,
            "seconds": round(seconds, 1), "residents_per_s": round(done / seconds, 1),
            "enrolled": enrolled, "due_rows": due}  # fmt: skip


def due_page(store: Any, requests: int = 200) -> dict[str, Any]:
    """p50/p90 of the largest ward's due list page as its station's clinician."""
    from fastapi.testclient import TestClient

    from hoso.api.app import create_app
    from hoso.programmes.registry import PROGRAMMES

    with store.engine.connect() as conn:
        programme, ward = conn.execute(sa.text(
            "SELECT programme, ward FROM prog_due WHERE ward IS NOT NULL "
            "GROUP BY programme, ward ORDER BY count(*) DESC LIMIT 1")).one()  # fmt: skip
        rows = conn.execute(sa.text("SELECT count(*) FROM prog_due WHERE programme = :p AND "
                                    "ward = :w"), {"p": programme, "w": ward}).scalar()  # fmt: skip
    app = create_app(store, store.settings)
    token = app.state.tokens.issue(subject="account:bench-nurse", role="clinician",
                                   scopes=("user/*.cruds",), client_id="bench",
                                   facility=f"TYT{ward}")  # fmt: skip
    times = []
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        for n in range(requests + 10):
            t0 = time.perf_counter()
            answer = client.get(f"/programmes/{programme}/due")
            if n >= 10:
                times.append((time.perf_counter() - t0) * 1000)
            assert answer.status_code == 200, answer.text[:300]
    times.sort()
    return {"programme": programme, "ward": ward, "ward_due_rows": rows,
            "p50_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(len(times) * 0.9)], 1), "requests": requests,
            "programmes": [p.code for p in PROGRAMMES]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from hoso.assembly import open_store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--skip-recompute", action="store_true")
    args = parser.parse_args(argv)
    store = open_store(args.database_url)
    result: dict[str, Any] = {"residents": args.residents, "code": code_version(),
                              "backend": backend_name(args.database_url),
                              "date": date.today().isoformat()}  # fmt: skip
    result["load"] = load(store, args.residents)
    if not args.skip_recompute:
        result["recompute"] = recompute(store)
        print(f"recompute: {result['recompute']}", flush=True)
    result["due_page"] = due_page(store)
    print(f"due page: {result['due_page']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"programmes-{result['backend']}-{args.residents}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
