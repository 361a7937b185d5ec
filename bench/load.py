"""Load the synthetic population through the store's ordinary write path.

    python -m bench.load --database-url sqlite:///var/bench/hoso-bench.db --patients 100000

Patients go in batches (one `unit_of_work` per batch, reference checks off: Patients
reference nothing), then the facilities, clinicians and the long records of
`BIG_RECORDS` residents (references checked). Resources have fixed ids (`PUT`), and a
rerun resumes after the last complete batch, so a loaded database is skipped in seconds.
This is the simple path; the bulk (`COPY`) path comes later.

On PostgreSQL the loader runs `ANALYZE` after the first batch and at the end, which is
what autovacuum does on a default server. Without it (the shared test server runs with
`autovacuum = off`) the plans prepared while the tables were empty stay in use and every
write's `SELECT … FOR UPDATE` scans the whole table: the load slows down quadratically.
SQLite gets no `ANALYZE`: the shipped server never runs one, and the latency run measures
it as shipped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.population import (
    SEED,
    big_record_indices,
    patient_id,
    patient_resource,
    person,
    record_resources,
    support_resources,
)
from hoso.store import schema
from hoso.store.sql_store import SqlStore, make_store

__all__ = ["RESULTS", "LoadReport", "backend_name", "code_version", "load", "load_and_record"]

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class LoadReport:
    patients: int
    patients_written: int = 0
    patient_seconds: float = 0.0
    records_written: int = 0
    record_seconds: float = 0.0
    warnings: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def patient_rate(self) -> float | None:
        return self.patients_written / self.patient_seconds if self.patients_written else None

    @property
    def record_rate(self) -> float | None:
        return self.records_written / self.record_seconds if self.records_written else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "patient_rate_per_s": self.patient_rate,
            "record_rate_per_s": self.record_rate,
        }


def _count_live(store: SqlStore, resource_type: str, id_prefix: str) -> int:
    r = schema.resource
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(r)
                .where(
                    r.c.resource_type == resource_type,
                    r.c.id.startswith(id_prefix),
                    r.c.deleted.is_(False),
                )
            ).scalar_one()
        )


def _exists(store: SqlStore, resource_type: str, id: str) -> bool:
    r = schema.resource
    with store.engine.connect() as conn:
        return (
            conn.execute(
                sa.select(r.c.seq).where(r.c.resource_type == resource_type, r.c.id == id)
            ).first()
            is not None
        )


def analyze(store: SqlStore) -> None:
    """Refresh planner statistics on PostgreSQL (autovacuum's job on a default server)."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def load(
    store: SqlStore,
    patients: int,
    *,
    batch: int = 1000,
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> LoadReport:
    report = LoadReport(patients)
    have = _count_live(store, "Patient", "bench-")
    # Batches commit in index order, so the first `have` (rounded down to a batch) are in.
    start = patients if have >= patients else have // batch * batch
    if start >= patients:
        report.skipped.append(f"{have} Patients already loaded")
        log(f"patients: {have} already loaded, skipped")
    else:
        log(f"patients: {have} present, loading {start}..{patients - 1}")
    t0 = time.perf_counter()
    for first in range(start, patients, batch):
        last = min(first + batch, patients)
        t1 = time.perf_counter()
        with store.unit_of_work(check_references=False) as session:
            for i in range(first, last):
                result = session.update("Patient", patient_id(i), patient_resource(person(i, seed)))
                report.warnings += len(result.warnings)
        if first == start:
            analyze(store)
        now = time.perf_counter()
        report.patients_written += last - first
        log(
            f"  {last:>8} patients  {(last - first) / (now - t1):6.0f}/s this batch, "
            f"{report.patients_written / (now - t0):6.0f}/s overall"
        )
    report.patient_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    if not _exists(store, "Practitioner", "bench-prac-00"):
        with store.unit_of_work() as session:
            for resource in support_resources(seed):
                session.update(resource["resourceType"], resource["id"], resource)
                report.records_written += 1
    for i in big_record_indices(patients):
        resources = list(record_resources(i, seed))
        if _exists(store, resources[-1]["resourceType"], resources[-1]["id"]):
            continue
        with store.unit_of_work() as session:
            for resource in resources:
                result = session.update(resource["resourceType"], resource["id"], resource)
                report.warnings += len(result.warnings)
        report.records_written += len(resources)
    report.record_seconds = time.perf_counter() - t0
    if report.patients_written or report.records_written:
        analyze(store)
    if report.records_written:
        log(f"long records: {report.records_written} resources {report.record_rate:.0f}/s")
    else:
        report.skipped.append("long records already loaded")
        log("long records: already loaded, skipped")
    if report.warnings:
        log(f"WARNING: the write path returned {report.warnings} warnings")
    return report


def code_version() -> dict[str, Any]:
    """The commit measured, and whether `src/` differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "subject": git("log", "-1", "--format=%s") or None,
        "src_modified": bool(git("status", "--porcelain", "--", "src")),
    }


def backend_name(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def load_and_record(
    database_url: str,
    patients: int,
    *,
    batch: int = 1000,
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Load, and keep the figures of the last load that wrote Patients in
    `bench/results/load-<backend>-<patients>.json`: a skipped rerun returns those."""
    store = make_store(database_url)
    try:
        report = load(store, patients, batch=batch, seed=seed, log=log)
    finally:
        store.engine.dispose()
    path = RESULTS / f"load-{backend_name(database_url)}-{patients}.json"
    figures = {
        **report.as_dict(),
        "database_url": database_url,
        "batch": batch,
        "seed": seed,
        "code": code_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if report.patients_written == patients:  # a full load from empty: worth keeping
        RESULTS.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        return figures
    previous = json.loads(path.read_text()) if path.is_file() else None
    return {**figures, "previous_full_load": previous}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    figures = load_and_record(
        args.database_url,
        args.patients,
        batch=args.batch,
        seed=args.seed,
        log=lambda m: print(m, flush=True),
    )
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
