"""How fast `hoso.synth` writes a population: resources per second, median of 3 runs.

    python -m bench.synth --people 10000

Each run writes the NDJSON into a fresh temporary directory (so the time includes
serialising and writing, as `hoso synth` does), once with one process and once with the
default worker pool. The target is 20,000 resources/s on the project's 2-core machine.
Results go to `bench/results/synth.json`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.facts import machine
from bench.load import RESULTS, ROOT, code_version
from hoso.synth import GENERATOR_VERSION, generate
from hoso.synth.generate import PARALLEL_FROM

TARGET = 20_000  # resources per second


def measure(people: int, seed: int, workers: int | None, runs: int) -> dict[str, Any]:
    rates: list[float] = []
    report = None
    for _ in range(runs):
        out = Path(tempfile.mkdtemp(prefix="hoso-synth-bench-"))
        try:
            report = generate(people, seed, out, workers=workers)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        rates.append(report.per_second)
    assert report is not None
    median = statistics.median(rates)
    return {
        "workers": report.workers,
        "resources": report.total,
        "resources_per_person": round(report.per_person, 2),
        "resources_per_second_runs": [round(r) for r in rates],
        "resources_per_second_median": round(median),
        "seconds_median": round(report.total / median, 2),
        "meets_target": median >= TARGET,
        "counts": report.counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    generate(50, args.seed, Path(tempfile.mkdtemp(prefix="hoso-synth-warm-")), workers=1)
    figures = {}
    for label, workers in (("one_process", 1), ("default", None)):
        figures[label] = measure(args.people, args.seed, workers, args.runs)
        f = figures[label]
        print(
            f"{label:12} workers={f['workers']}: {f['resources_per_second_median']:,} "
            f"resources/s (runs {f['resources_per_second_runs']}), "
            f"{f['resources']:,} resources, {f['resources_per_person']} per person"
        )
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.synth " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "generator_version": GENERATOR_VERSION,
        "people": args.people,
        "seed": args.seed,
        "runs": args.runs,
        "parallel_from_people": PARALLEL_FROM,
        "target_resources_per_second": TARGET,
        "results": figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "synth.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if all(f["meets_target"] for f in figures.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
