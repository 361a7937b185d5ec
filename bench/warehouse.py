"""The warehouse at city scale (issue 20 point 8): a full build, an incremental build of
N changed resources, a group-1 indicator over the whole city on DuckDB, and the same on
Spark local mode.

    python -m bench.warehouse --residents 20000 --changes 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/hoso_bench_wh [--spark]

The city is `hoso synth`'s (about 57 resources a resident: encounters, diagnoses,
readings, prescriptions, doses), generated once under var/bench/ and loaded once through
the bulk importer (`hoso import`'s path). Then, timed:

1. a full build (`WarehouseBuilder.full`, the operator through the access layer, views
   compiled to DuckDB SQL, Parquet by DuckDB);
2. `--changes` resources changed through the bulk importer (Observations and Encounters
   re-imported with a new status or date: updates in the change feed), then an
   incremental build;
3. the group-1 indicators over the whole snapshot on DuckDB, each timed (median of 3);
4. with `--spark`: a full build with Spark writing the Parquet, and the indicators on Spark.
Results go to bench/results/warehouse-<backend>-<n>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from bench.load import analyze, backend_name, code_version, import_file
from hoso.ingest.bulk_import import ImportOptions

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def city(residents: int) -> Path:
    from hoso.synth import generate

    folder = ROOT / "var" / "bench" / f"warehouse-{residents}"
    if not (folder / "DONE").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        generate(residents, 20, folder, workers=2)
        (folder / "DONE").write_text("ok")
    return folder


def load(store: Any, residents: int) -> dict[str, Any]:
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM resource WHERE resource_type = "
                                    "'Patient'")).scalar() or 0  # fmt: skip
    if have >= residents:
        return {"skipped": f"{have} Patients already loaded"}
    started = time.perf_counter()
    written = 0
    from hoso.cli.imports import _ndjson_files  # `hoso import`'s order of types

    for path in _ndjson_files([city(residents)]):
        report = import_file(store, path, ImportOptions(batch_resources=5000))
        written += report.written
        print(f"{path.name}: {report.written}", flush=True)
    analyze(store)
    return {"written": written, "seconds": round(time.perf_counter() - started, 1)}


def builder(store: Any, trail: Any, root: Path, engine: str = "duckdb") -> Any:
    from hoso.assembly import warehouse_builder

    return warehouse_builder(store, trail, str(root), engine=engine)


def timed_build(store: Any, root: Path, *, full: bool, engine: str = "duckdb"
                ) -> dict[str, Any]:  # fmt: skip
    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.store.sql_store import SqlAuditLog

    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        b = builder(store, trail, root, engine)
        report = b.full() if full else b.incremental()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        trail.close()
    resources = sum(report.resources.values())
    return {"mode": report.mode, "engine": engine, "resources": resources,
            "rows": sum(report.rows.values()), "changes": report.changes,
            "partitions_rewritten": report.partitions_rewritten,
            "files_linked": report.files_linked, "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1), "load_average": os.getloadavg()[0],
            "resources_per_s": round(resources / seconds) if seconds else None}  # fmt: skip


def change(store: Any, residents: int, count: int) -> dict[str, Any]:
    """Re-import `count` Observations and Encounters of the city with a changed status:
    updates through the bulk importer, each a change in the feed."""
    folder = Path(tempfile.mkdtemp(prefix="wh-changes-"))
    path = folder / "changes.ndjson"
    done = 0
    with path.open("wb") as out:
        for name in ("Observation.ndjson", "Encounter.ndjson"):
            source = city(residents) / name
            if not source.is_file():
                continue
            with source.open("rb") as f:
                for line in f:
                    if done >= count:
                        break
                    resource = orjson.loads(line)
                    resource["status"] = "amended" if name.startswith("Obs") else "finished"
                    resource.setdefault("meta", {})["tag"] = [
                        {"system": "https://hoso.vn/bench", "code": "changed"}]
                    out.write(orjson.dumps(resource) + b"\n")
                    done += 1
    started = time.perf_counter()
    report = import_file(store, path, ImportOptions(batch_resources=5000))
    return {"changed": report.written + getattr(report, "updated", 0), "asked": done,
            "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip


def indicators(root: Path, engine: str = "duckdb", spark: Any = None) -> dict[str, Any]:
    """Each group-1 indicator over the whole snapshot (median of 3 runs)."""
    from hoso.warehouse.engine import ibis_tables
    from hoso.warehouse.snapshots import Warehouse

    snapshot = Warehouse(root).current()
    assert snapshot is not None
    backend, tables = ibis_tables(snapshot, engine, spark)
    found: dict[str, Any] = {}
    for name, analysis in _analyses().items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            frame = backend.execute(analysis(tables))
            times.append(time.perf_counter() - started)
        found[name] = {"rows": len(frame), "median_s": round(statistics.median(times), 3)}
        print(f"{engine} {name}: {found[name]}", flush=True)
    return found


def _analyses() -> dict[str, Any]:
    """The group-1 analyses (hoso.warehouse.indicators.group1), as of the city's day."""
    from hoso.warehouse.indicators.group1 import ANALYSES, Parameters

    params = Parameters(as_of="2026-01-01", years=(2024, 2025))
    return {code: (lambda t, run=run: run(t, params)) for code, run in ANALYSES.items()}


def main(argv: list[str] | None = None) -> int:
    from hoso.assembly import open_store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--spark", action="store_true")
    args = parser.parse_args(argv)
    store = open_store(args.database_url)
    result: dict[str, Any] = {"residents": args.residents, "code": code_version(),
                              "backend": backend_name(args.database_url),
                              "date": date.today().isoformat()}  # fmt: skip
    result["load"] = load(store, args.residents)
    print(f"load: {result['load']}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="wh-bench-"))
    result["full"] = timed_build(store, root / "duckdb", full=True)
    print(f"full: {result['full']}", flush=True)
    result["indicators_duckdb"] = indicators(root / "duckdb")
    result["change"] = change(store, args.residents, args.changes)
    print(f"change: {result['change']}", flush=True)
    result["incremental"] = timed_build(store, root / "duckdb", full=False)
    print(f"incremental: {result['incremental']}", flush=True)
    if args.spark:
        from hoso.warehouse.engine import spark_session

        result["full_spark"] = timed_build(store, root / "spark", full=True, engine="spark")
        print(f"full (spark): {result['full_spark']}", flush=True)
        with spark_session() as spark:
            result["indicators_spark"] = indicators(root / "spark", "spark", spark)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"warehouse-{result['backend']}-{args.residents}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
