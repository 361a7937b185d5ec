"""The SQL on FHIR v2 runner's speed: rows per second of `compile_view(view).rows` over
synthetic Observations with a 6-column view (one Python process, one core).

Usage: PYTHONPATH=src python -m bench.warehouse_viewdef [--resources 100000] [--no-direct]
Prints one JSON object: resources, rows, seconds, rows per second (wall and CPU), the
machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Iterator
from typing import Any

from hoso.warehouse.viewdef import fhirpath
from hoso.warehouse.viewdef.runner import compile_view

VIEW = {
    "resourceType": "ViewDefinition",
    "resource": "Observation",
    "status": "active",
    "select": [
        {
            "column": [
                {"name": "id", "path": "getResourceKey()", "type": "id"},
                {"name": "patient", "path": "subject.getReferenceKey(Patient)", "type": "id"},
                {
                    "name": "code",
                    "path": "code.coding.where(system = 'http://loinc.org').code.first()",
                    "type": "code",
                },
                {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
                {"name": "unit", "path": "value.ofType(Quantity).unit", "type": "string"},
                {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
            ]
        }
    ],
    "where": [{"path": "status = 'final'"}],
}

CODES = [("8480-6", "mm[Hg]"), ("8462-4", "mm[Hg]"), ("29463-7", "kg"), ("8302-2", "cm")]


def observations(count: int, seed: int = 20) -> Iterator[dict[str, Any]]:
    """Observations shaped like the store's vital signs (all `final`, so every one gives
    a row)."""
    rng = random.Random(seed)
    for i in range(count):
        code, unit = CODES[i % len(CODES)]
        yield {
            "resourceType": "Observation",
            "id": f"obs-{i}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": f"Patient/pt-{rng.randrange(count // 3 + 1)}"},
            "effectiveDateTime": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T08:30:00+07:00",
            "valueQuantity": {
                "value": round(rng.uniform(40, 180), 1),
                "unit": unit,
                "system": "http://unitsofmeasure.org",
                "code": unit,
            },
        }


def run(count: int, direct: bool = True) -> dict[str, Any]:
    resources = list(observations(count))  # built first: only the runner is timed
    if not direct:  # every expression through fhirpathpy's interpreter, for comparison
        fhirpath.compile_plain = lambda text: None
    compiled = compile_view(VIEW)
    started, cpu_started = time.perf_counter(), time.process_time()
    rows = 0
    for resource in resources:
        for _ in compiled.rows(resource):
            rows += 1
    seconds = time.perf_counter() - started
    # CPU time beside wall time: on a shared machine the wall clock counts other
    # processes' turns too.
    cpu_seconds = time.process_time() - cpu_started
    return {
        "resources": count,
        "direct_evaluation": direct,
        "rows": rows,
        "columns": len(compiled.names),
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows_per_cpu_second": round(rows / cpu_seconds),
        "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--no-direct", action="store_true",
                        help="fhirpathpy for every expression (no plainpath)")  # fmt: skip
    args = parser.parse_args()
    print(json.dumps(run(args.resources, direct=not args.no_direct)))


if __name__ == "__main__":
    main()
