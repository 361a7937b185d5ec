"""`hoso mpi dedupe` on a store of a million residents, timed per stage, and scored.

    hoso synth --people 1000000 --seed 2027 --out /tmp/pop1m \
        --faults typo=0.05,swap-dmy=0.02,missing-cccd=0.05,duplicate=0.05
    python -m bench.mpi_dedupe --population /tmp/pop1m --pg-database hoso_bench_mpi

The population's Patients (with the organisations and practitioners they point at) are
bulk-imported into a fresh PostgreSQL database, as a city would load its facilities'
registers; the bulk path holds every CCCD to one active resident, and whatever else is
duplicated is what the batch must find. Then `hoso mpi dedupe --report` runs as an
operator runs it (a separate process, wall time and peak memory measured by the
kernel), and its pairs are scored against the synthetic ground truth, restricted to the
records the store accepted. Results: `bench/results/mpi-dedupe-<label>.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from bench.facts import machine
from bench.load import RESULTS, code_version
from hoso.identity.mpi.evaluation import accuracy, read_truth
from hoso.store import schema
from hoso.store.sql_store import make_store

HOSO = str(Path(sys.executable).with_name("hoso"))
FIRST = ("Organization", "Location", "Practitioner", "PractitionerRole")  # what Patients cite


def recreate(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS of the child in MiB, stdout) of one CLI run."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not all children's
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode not in (0, 1):  # 1: some lines were refused, reported per line
        raise SystemExit(f"{args[:3]} failed ({child.returncode}): {stderr[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=Path, required=True)
    parser.add_argument("--pg-admin", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="hoso_bench_mpi")
    parser.add_argument("--label", default="1m")
    parser.add_argument("--skip-import", action="store_true",
                        help="the database already holds the population")
    options = parser.parse_args()

    url = options.pg_admin.rsplit("/", 1)[0] + f"/{options.pg_database}"
    env = {**os.environ, "HOSO_DATABASE_URL": url}
    imported: dict[str, Any] = {}
    if not options.skip_import:
        recreate(options.pg_admin, options.pg_database)
        files = [str(options.population / f"{t}.ndjson") for t in (*FIRST, "Patient")]
        seconds, peak, out = run([HOSO, "import", "--no-progress", *files], env)
        imported = {"seconds": round(seconds, 1), "peak_rss_mib": peak, "output": out[-800:]}
        print("import", imported, file=sys.stderr)

    report = Path(tempfile.mkdtemp(prefix="hoso-dedupe-")) / "pairs.csv"
    seconds, peak, out = run([HOSO, "mpi", "dedupe", "--report", str(report)], env)
    stages = json.loads(out.strip().splitlines()[-1])
    print("dedupe", seconds, stages, file=sys.stderr)

    store = make_store(url)
    r = schema.resource
    with store.engine.connect() as conn:  # the bench's own check, not a resident's read
        stored = set(conn.execute(sa.select(r.c.id).where(
            r.c.resource_type == "Patient", r.c.deleted.is_(False))).scalars())  # fmt: skip
    store.engine.dispose()
    truth = {pid: person for pid, person in
             read_truth(options.population / "ground_truth" / "persons.csv").items()
             if pid in stored}
    with report.open(newline="") as fh:
        scored = [(r["patient_a"], r["patient_b"], r["grade"]) for r in csv.DictReader(fh)]
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "code": code_version(),
        "population": str(options.population),
        "patients_in_store": len(stored),
        "import": imported,
        "dedupe": {"wall_seconds": round(seconds, 1), "peak_rss_mib": peak, **stages},
        "accuracy": accuracy(scored, truth).as_dict(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"mpi-dedupe-{options.label}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["dedupe"]), json.dumps(result["accuracy"]), file=sys.stderr)


if __name__ == "__main__":
    main()
