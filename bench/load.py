"""Load the synthetic population through the bulk importer (`hoso import`).

    python -m bench.load --database-url sqlite:///var/bench/hoso-bench.db --patients 100000

The population is written once as NDJSON under var/bench/ (Patients; then facilities,
clinicians and the long records of `BIG_RECORDS` residents) and imported with the
bulk importer (validation on, COPY on PostgreSQL). Resources have fixed ids, so a rerun
skips what is stored: a loaded database is skipped in seconds.

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

import orjson
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
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.bulk_import import BulkImportAccess
from hoso.assembly import open_store, operator_repository
from hoso.ingest.bulk_import import ImportOptions, ImportProgress, ImportReport, import_ndjson
from hoso.store import schema
from hoso.store.sql_store import SqlAuditLog, SqlStore

__all__ = ["RESULTS", "LoadReport", "backend_name", "code_version", "import_file", "load",
           "load_and_record"]

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


def population_files(patients: int, seed: int = SEED) -> list[Path]:
    """The population as NDJSON under var/bench/ (written once, then reused)."""
    folder = ROOT / "var" / "bench" / f"population-{seed}-{patients}"
    files = [folder / "Patient.ndjson", folder / "Records.ndjson"]
    if all(f.is_file() for f in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Patient.part").open("wb") as f:
        for i in range(patients):
            f.write(orjson.dumps({**patient_resource(person(i, seed)), "id": patient_id(i)}))
            f.write(b"\n")
    with (folder / "Records.part").open("wb") as f:
        for resource in support_resources(seed):
            f.write(orjson.dumps(resource) + b"\n")
        for i in big_record_indices(patients):
            for resource in record_resources(i, seed):
                f.write(orjson.dumps(resource) + b"\n")
    for f in files:
        f.with_suffix(".part").rename(f)
    return files


def load(
    store: SqlStore,
    patients: int,
    *,
    batch: int = 5000,
    seed: int = SEED,
    log: Callable[[str], None] = print,
) -> LoadReport:
    """Bulk-import the population (`hoso import`'s path); a loaded store is skipped in
    seconds, since the importer skips what is stored by id."""
    report = LoadReport(patients)
    have = _count_live(store, "Patient", "bench-")
    patient_file, record_file = population_files(patients, seed)
    if have >= patients and _exists(store, "Practitioner", "bench-prac-00"):
        report.skipped.append(f"{have} Patients already loaded")
        log(f"patients: {have} already loaded, skipped")
        return report
    last = [0.0]

    def progress(p: ImportProgress) -> None:
        now = time.perf_counter()
        if now - last[0] > 10:
            last[0] = now
            log(f"  {p.written:>9} written, {p.skipped} already stored, {p.errors} errors")

    options = ImportOptions(batch_resources=batch, progress=progress)
    if have < patients:
        t0 = time.perf_counter()
        done = import_file(store, patient_file, options)
        report.patient_seconds = time.perf_counter() - t0
        report.patients_written = done.counts.get("Patient", 0)
        report.warnings += len(done.errors)
        analyze(store)
        log(f"patients: {report.patients_written} written, {report.patient_rate or 0:.0f}/s")
    t0 = time.perf_counter()
    done = import_file(store, record_file, options)
    report.record_seconds = time.perf_counter() - t0
    report.records_written = done.written
    report.warnings += len(done.errors) + len(done.warnings)
    analyze(store)
    log(f"long records: {report.records_written} resources {report.record_rate or 0:.0f}/s")
    if report.warnings:
        log(f"WARNING: the import reported {report.warnings} errors or warnings")
    return report


def import_file(store: SqlStore, path: Path, options: ImportOptions) -> ImportReport:
    """`hoso import`'s path: the operator through the bulk import's access layer."""
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        importer = BulkImportAccess(operator_repository(store, "bench", trail))
        importer.check_importer()
        return import_ndjson(importer, store.settings, [path], options)
    finally:
        trail.close()


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
    store = open_store(database_url)
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
    parser.add_argument("--batch", type=int, default=5000)
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
