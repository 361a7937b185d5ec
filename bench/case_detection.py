"""How fast the record's diagnoses become case reports (issue 18 point 2).

    python -m bench.case_detection [--cases 5000] [--database-url URL] [--batch 200]

Writes `--cases` residents of a few Saigon wards, each with one dengue diagnosis
(A97.0, onsets over four weeks), as NDJSON; loads them with the bulk import (the
operator, through the access layer, as `hoso import` does); seeds the shipped
definitions; then times the case-detection worker (`hoso.assembly.case_detector`) from
an empty cursor until the feed is read, and checks that every diagnosis made one case.
Without `--database-url`, a fresh SQLite file in a temporary folder; with a PostgreSQL
URL, the database must be empty and migrated (`hoso db upgrade`).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.bulk_import import BulkImportAccess
from hoso.assembly import case_access, case_detector, disease_catalogue, open_store
from hoso.assembly import operator_repository as operator
from hoso.ingest.bulk_import import ImportOptions, import_ndjson
from hoso.store.sql_store import SqlAuditLog

WARDS = ("Phường Sài Gòn", "Phường Bến Thành", "Phường Tân Định", "Phường Cầu Ông Lãnh")


def write_population(folder: Path, n: int) -> None:
    with (folder / "Patient.ndjson").open("w") as people, \
            (folder / "Condition.ndjson").open("w") as diagnoses:  # fmt: skip
        for i in range(n):
            people.write(json.dumps({
                "resourceType": "Patient", "id": f"bench-{i}", "gender": "female",
                "identifier": [{"system": "https://hoso.vn/cccd", "value": f"0791{i:08d}"}],
                "name": [{"family": "Nguyễn", "given": ["Thị", f"B{i}"]}],
                "birthDate": "1995-05-05",
                "address": [{"use": "home", "city": WARDS[i % len(WARDS)],
                             "state": "Thành phố Hồ Chí Minh", "country": "VN"}],
            }, ensure_ascii=False) + "\n")  # fmt: skip
            day = f"2026-10-{1 + i % 28:02d}"
            diagnoses.write(json.dumps({
                "resourceType": "Condition", "id": f"bench-dx-{i}",
                "subject": {"reference": f"Patient/bench-{i}"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10",
                                     "code": "A97.0"}]},
                "onsetDateTime": day, "recordedDate": day,
            }) + "\n")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--database-url")
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(args.database_url or f"sqlite:///{folder / 'bench.db'}")
        write_population(folder, args.cases)
        trail = GroupCommitAuditTrail(SqlAuditLog(store))
        repo = operator(store, "bench", trail)
        started = time.perf_counter()
        importer = BulkImportAccess(repo)
        importer.check_importer()
        import_ndjson(importer, store.settings, sorted(folder.glob("*.ndjson")),
                      ImportOptions(workers=0))  # fmt: skip
        loaded = time.perf_counter() - started
        disease_catalogue(store, repo).seed()
        detector = case_detector(store, trail, batch_size=args.batch)
        started = time.perf_counter()
        detector.run(threading.Event(), until_idle=True)
        took = time.perf_counter() - started
        total = case_access(store, repo).cases(offset=0, limit=1)[1]
        trail.close()
        store.engine.dispose()
    assert total == args.cases == detector.made, (total, detector.made)
    print(json.dumps({"backend": store.engine.dialect.name, "cases": args.cases,
                      "batch": args.batch, "load_seconds": round(loaded, 1),
                      "detect_seconds": round(took, 2),
                      "cases_per_second": round(args.cases / took)}))  # fmt: skip


if __name__ == "__main__":
    main()
