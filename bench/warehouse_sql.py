"""How fast a ViewDefinition flattens resources: compiled to DuckDB SQL vs the Python runner.

    python -m bench.warehouse_sql [--resources 200000] [--python-sample 20000]
                                  [--engines sql,python] [--threads 2] [--runner-src DIR]

Generates `--resources` synthetic Observations (laboratory results of residents, LOINC
codes, quantities, some with components), loads them into DuckDB as
`(resource_type, id, content JSON)` through a pyarrow table, then times two views — a
flat one (the warehouse's Observation view) and one with `forEach` over components —
compiled by `hoso.warehouse.viewdef.duckdb_sql` and materialised as an Arrow table (best
of three); and the Python runner (`hoso.warehouse.viewdef.runner`, in a child process,
from `--runner-src` if given) over `--python-sample` of the same resources (its rate is
per resource, so a sample suffices); the two engines' rows over the sample are compared.
Results: bench/results/warehouse-sql-<resources>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from resource import RUSAGE_SELF, getrusage
from typing import Any

import duckdb
import pyarrow as pa

from bench.facts import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
LOINC = [("4548-4", "%", 4.0, 12.0), ("2345-7", "mg/dL", 60.0, 250.0),
         ("2093-3", "mg/dL", 120.0, 300.0), ("718-7", "g/dL", 8.0, 17.0),
         ("8867-4", "/min", 50.0, 130.0), ("29463-7", "kg", 3.0, 110.0)]  # fmt: skip
BLOOD_PRESSURE = ("85354-9", "8480-6", "8462-4")

FLAT_VIEW: dict[str, Any] = {
    "resourceType": "ViewDefinition", "name": "observation_flat", "resource": "Observation",
    "select": [{"column": [
        {"name": "id", "path": "getResourceKey()", "type": "id"},
        {"name": "patient_id", "path": "subject.getReferenceKey(Patient)", "type": "id"},
        {"name": "encounter_id", "path": "encounter.getReferenceKey(Encounter)", "type": "id"},
        {"name": "status", "path": "status", "type": "code"},
        {"name": "category", "path": "category.coding.code.first()", "type": "code"},
        {"name": "loinc", "path": "code.coding.where(system = 'http://loinc.org').code.first()",
         "type": "code"},
        {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
        {"name": "unit", "path": "value.ofType(Quantity).unit", "type": "string"},
        {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
    ]}],
    "where": [{"path": "status = 'final' or status = 'amended'"}],
}  # fmt: skip
COMPONENT_VIEW: dict[str, Any] = {
    "resourceType": "ViewDefinition", "name": "observation_component",
    "resource": "Observation",
    "select": [
        {"column": [{"name": "id", "path": "getResourceKey()", "type": "id"},
                    {"name": "patient_id", "path": "subject.getReferenceKey(Patient)",
                     "type": "id"}]},
        {"forEachOrNull": "component", "column": [
            {"name": "component_code", "path": "code.coding.code.first()", "type": "code"},
            {"name": "component_value", "path": "value.ofType(Quantity).value",
             "type": "decimal"},
            {"name": "component_index", "path": "%rowIndex", "type": "integer"}]},
    ],
}  # fmt: skip


VIEWS = (FLAT_VIEW, COMPONENT_VIEW)


def observation(n: int, rng: random.Random) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": f"obs-{n}",
        "meta": {"lastUpdated": "2026-11-30T10:00:00+07:00"},
        "status": "final" if n % 23 else "amended",
        "category": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory" if n % 5 else "vital-signs"}]}],
        "subject": {"reference": f"Patient/pt-{n // 7}"},
        "encounter": {"reference": f"Encounter/enc-{n // 3}"},
        "effectiveDateTime": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T0{n % 10}:15:00+07:00",
    }  # fmt: skip
    if n % 10 == 0:
        code, *parts = BLOOD_PRESSURE
        resource["code"] = {"coding": [{"system": "http://loinc.org", "code": code}]}
        resource["component"] = [
            {"code": {"coding": [{"system": "http://loinc.org", "code": part}]},
             "valueQuantity": {"value": round(rng.uniform(60, 180), 1), "unit": "mm[Hg]"}}
            for part in parts
        ]  # fmt: skip
        return resource
    code, unit, low, high = LOINC[n % len(LOINC)]
    resource["code"] = {"coding": [{"system": "http://loinc.org", "code": code}],
                        "text": "Xét nghiệm"}  # fmt: skip
    resource["valueQuantity"] = {"value": round(rng.uniform(low, high), 2), "unit": unit,
                                 "system": "http://unitsofmeasure.org"}  # fmt: skip
    return resource


def generate(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20)
    return [observation(n, rng) for n in range(count)]


def load(resources: list[dict[str, Any]], threads: int) -> tuple[duckdb.DuckDBPyConnection, float]:
    connection = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "threads": threads,
        }
    )
    started = time.perf_counter()
    table = pa.table({
        "resource_type": [r["resourceType"] for r in resources],
        "id": [r["id"] for r in resources],
        "content": [json.dumps(r, ensure_ascii=False) for r in resources],
    })  # fmt: skip
    connection.register("arrow_resources", table)
    connection.execute(
        "CREATE TABLE resources AS SELECT resource_type, id, CAST(content AS JSON) AS content "
        "FROM arrow_resources"
    )
    connection.unregister("arrow_resources")
    return connection, time.perf_counter() - started


def cpu_seconds() -> float:
    """This process's CPU time (all threads): steadier than wall time on a shared machine."""
    usage = getrusage(RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_sql(connection: duckdb.DuckDBPyConnection, view: dict[str, Any], runs: int = 3) -> dict:
    from hoso.warehouse.viewdef.duckdb_sql import compile_sql

    started = time.perf_counter()
    sql = compile_sql(view)
    compile_s = time.perf_counter() - started
    best, best_cpu, rows = float("inf"), float("inf"), 0
    for _ in range(runs):
        started, cpu = time.perf_counter(), cpu_seconds()
        rows = connection.sql(sql).to_arrow_table().num_rows
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return {"compile_ms": round(compile_s * 1000, 1), "seconds": round(best, 3),
            "cpu_seconds": round(best_cpu, 3), "rows": rows, "sql_chars": len(sql)}  # fmt: skip


def python_runner(resources_file: Path, out: Path) -> None:
    """(In a child process) the Python runner over the resources: time and rows per view."""
    from hoso.warehouse.viewdef.runner import compile_view

    resources = [json.loads(line) for line in resources_file.open(encoding="utf-8")]
    found = {}
    for view in VIEWS:
        compiled = compile_view(view)
        started, cpu = time.perf_counter(), cpu_seconds()
        rows = [row for resource in resources for row in compiled.rows(resource)]
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        found[view["name"]] = {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
                               "rows": [_plain(r) for r in rows]}  # fmt: skip
    out.write_text(json.dumps(found))


def time_python(sample: list[dict[str, Any]], runner_src: str | None) -> dict | None:
    """The runner in a child process (`runner_src` first on its path, so that a checkout
    with the runner can be measured against this one): {view: {seconds, rows}}."""
    with tempfile.TemporaryDirectory() as tmp:
        resources_file, out = Path(tmp) / "sample.ndjson", Path(tmp) / "rows.json"
        with resources_file.open("w", encoding="utf-8") as handle:
            for resource in sample:
                handle.write(json.dumps(resource, ensure_ascii=False) + "\n")
        paths = [runner_src] if runner_src else []
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, *sys.path])}
        child = subprocess.run(
            [sys.executable, "-m", "bench.warehouse_sql", "--runner-child",
             str(resources_file), str(out)],
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            print(child.stderr[-2000:], file=sys.stderr)
            return None
        return json.loads(out.read_text())


def sql_rows(sample: list[dict[str, Any]], view: dict[str, Any]) -> list[dict[str, Any]]:
    from hoso.warehouse.viewdef.duckdb_sql import compile_sql

    connection, _ = load(sample, 1)
    cursor = connection.execute(compile_sql(view))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return sorted(json.dumps(r, sort_keys=True) for r in a) == sorted(
        json.dumps(r, sort_keys=True) for r in b
    )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: float(v) if type(v).__name__ == "Decimal" else v for k, v in row.items()}


def rate(resources: int, seconds: float) -> int:
    return round(resources / seconds) if seconds else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=200_000)
    parser.add_argument("--python-sample", type=int, default=20_000)
    parser.add_argument("--engines", default="sql,python")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runner-src", help="a src/ folder to import the Python runner from")
    parser.add_argument("--runner-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runner_child:
        python_runner(Path(args.runner_child[0]), Path(args.runner_child[1]))
        return 0
    engines = set(args.engines.split(","))
    started = time.perf_counter()
    resources = generate(args.resources)
    result: dict[str, Any] = {
        "resources": args.resources,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.warehouse_sql " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "duckdb": duckdb.__version__,
        "threads": args.threads,
        "generate_s": round(time.perf_counter() - started, 2),
        "views": {},
    }
    if "sql" in engines:
        connection, loaded = load(resources, args.threads)
        result["load_s"] = round(loaded, 2)
        for view in VIEWS:
            timing = time_sql(connection, view)
            timing["resources_per_s"] = rate(args.resources, timing["seconds"])
            timing["resources_per_cpu_s"] = rate(args.resources, timing["cpu_seconds"])
            result["views"].setdefault(view["name"], {})["sql"] = timing
            print(f"[sql] {view['name']}: {timing}", flush=True)
    if "python" in engines:
        sample = resources[: args.python_sample]
        found = time_python(sample, args.runner_src)
        if found is None:
            result["python_runner"] = "hoso.warehouse.viewdef.runner not importable"
        for view in VIEWS if found else ():
            timing = found[view["name"]]
            python = {"resources": len(sample), "seconds": timing["seconds"],
                      "cpu_seconds": timing["cpu_seconds"], "rows": len(timing["rows"]),
                      "resources_per_s": rate(len(sample), timing["seconds"]),
                      "resources_per_cpu_s": rate(len(sample), timing["cpu_seconds"])}  # fmt: skip
            if "sql" in engines:
                python["same_rows_as_sql"] = same_rows(timing["rows"], sql_rows(sample, view))
            result["views"].setdefault(view["name"], {})["python"] = python
            print(f"[python] {view['name']}: {python}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"warehouse-sql-{args.resources}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["views"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
