"""What the data-quality rules cost on the write path: 2,000 Patient + 2,000 Observation
creates through the store's single write path, with the checker plugged in and without,
alternating rounds on fresh databases so both see the same machine state.

    python -m bench.quality_cost [--backend sqlite|postgresql|both] [--n 2000] [--rounds 3]

PostgreSQL needs HOSO_TEST_DATABASE_URL (an admin URL: a scratch database is created and
dropped). Results go to `bench/results/quality-cost-<backend>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hoso.core.settings import Settings
from hoso.fhir.store import StoreHooks
from hoso.ingest.quality import make_checker
from hoso.store import migrate
from hoso.store.engine import make_engine, sqlalchemy_url
from hoso.store.sql_store import SqlStore

RESULTS = Path(__file__).with_name("results")


def _patient(i: int) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.hoso.hochiminhcity.gov.vn/sid/cccd",
                        "value": f"0790900{i:05d}"}],
        "name": [{"use": "official", "family": "Nguyễn", "given": ["Văn", "An"],
                  "text": "Nguyễn Văn An"}],
        "gender": "male",
        "birthDate": "1990-05-17",
        "telecom": [{"system": "phone", "value": "0901234567"}],
        "address": [{"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
                     "state": "Thành phố Hồ Chí Minh", "country": "VN"}],
    }  # fmt: skip


def _observation(patient_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system":
            "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2026-11-30T08:00:00+07:00",
        "valueQuantity": {"value": 62.5, "unit": "kg", "system": "http://unitsofmeasure.org",
                          "code": "kg"},
    }  # fmt: skip


def _round(url: str, n: int, with_rules: bool) -> float:
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = Settings(database_url=url)
    hooks = StoreHooks(quality=make_checker(settings)) if with_rules else StoreHooks()
    store = SqlStore(engine, settings, hooks)
    started = time.perf_counter()
    for i in range(n):
        with store.unit_of_work() as session:  # one write each, as over HTTP
            patient = session.create(_patient(i)).stored
        with store.unit_of_work() as session:
            session.create(_observation(patient.id))
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def _database(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}", None
    admin = sa.create_engine(
        sqlalchemy_url(os.environ["HOSO_TEST_DATABASE_URL"]), isolation_level="AUTOCOMMIT"
    )
    name = f"hoso_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(sqlalchemy_url(os.environ["HOSO_TEST_DATABASE_URL"])).set(database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def measure(backend: str, n: int, rounds: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            order = ("without", "with") if r % 2 == 0 else ("with", "without")
            for label in order:
                url, drop = _database(backend, Path(tmp))
                try:
                    times[label].append(_round(url, n, label == "with"))
                finally:
                    if drop is not None:
                        drop()
    without, with_rules = statistics.median(times["without"]), statistics.median(times["with"])
    result = {
        "backend": backend,
        "writes": 2 * n,
        "rounds": rounds,
        "seconds_without": round(without, 3),
        "seconds_with": round(with_rules, 3),
        "us_per_write_added": round((with_rules - without) / (2 * n) * 1e6, 1),
        "overhead_percent": round((with_rules / without - 1) * 100, 1),
        "all": times,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"quality-cost-{backend}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        result = measure(backend, args.n, args.rounds)
        print(json.dumps({k: v for k, v in result.items() if k != "all"}))


if __name__ == "__main__":
    main()
