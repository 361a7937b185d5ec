"""Bulk import throughput, its distance from PostgreSQL's own COPY floor, and memory.

    python -m bench.bulk [--backend sqlite|postgresql|both] [--people 10000 100000] [--million]

For each backend and population size: generate the synthetic population (`hoso synth`,
kept under var/bench/ and reused), import it into an empty database with `hoso import`
(a real process, validation on, as a user runs it) while sampling the resident memory
of its whole process tree, then, on PostgreSQL, the floor: the very rows the import
wrote, dumped with `COPY … TO`, copied into another empty database with `COPY … FROM`
in one transaction, same schema and indexes. The ratio import/floor is how far the
importer is from what the database itself allows. `--million` adds 1,000,000 residents
on PostgreSQL (about an hour). Results: bench/results/bulk-<backend>-<people>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.facts import machine
from bench.load import RESULTS, code_version
from hoso.store import migrate
from hoso.store.bulk_rows import BULK_TABLES
from hoso.store.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
SEED = 2026
PG_ADMIN = os.environ.get(
    "HOSO_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def synthetic(people: int) -> tuple[Path, dict[str, Any]]:
    """The population's NDJSON folder, generated once."""
    from hoso.synth import generate

    folder = VAR / f"synth-{SEED}-{people}"
    done = folder / "manifest.json"
    if done.is_file():
        return folder, {"reused": True}
    started = time.perf_counter()
    report = generate(people, SEED, folder)
    seconds = time.perf_counter() - started
    return folder, {"seconds": round(seconds, 1), "resources": report.total,
                    "resources_per_s": round(report.total / seconds)}  # fmt: skip


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its descendants (the import and its workers)."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    todo = [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def timed_import(folder: Path, url: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "hoso.cli", "import", str(folder), "--database-url", url,
               "--no-progress"]  # fmt: skip
    peak = [0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}): {err[-2000:]}")
    written = sum(int(line.split(": ")[1]) for line in out.splitlines()
                  if ": " in line and line.split(": ")[0].isalpha())  # fmt: skip
    return {
        "seconds": round(seconds, 1),
        "resources": written,
        "resources_per_s": round(written / seconds),
        "peak_rss_mib": peak[0] // 1024,
        "summary": out.splitlines()[-1],
    }


def _pg(database: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + database


def fresh_pg(database: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    url = _pg(database)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def copy_floor(source_url: str) -> dict[str, Any]:
    """Seconds for PostgreSQL to COPY the rows the import wrote into an empty store."""
    dump = VAR / "floor"
    dump.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(source_url) as conn:
        for table, columns in BULK_TABLES:
            with (
                (dump / f"{table}.copy").open("wb") as f,
                conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) TO STDOUT") as copy,
            ):
                for block in copy:
                    f.write(block)
    target = fresh_pg("hoso_bench_floor")
    started = time.perf_counter()
    with psycopg.connect(target) as conn:
        for table, columns in BULK_TABLES:
            with (
                (dump / f"{table}.copy").open("rb") as f,
                conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                while block := f.read(1 << 20):
                    copy.write(block)
        conn.commit()
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in dump.glob("*.copy"))
    for p in dump.glob("*.copy"):
        p.unlink()
    return {"seconds": round(seconds, 1), "bytes": size}


def run(backend: str, people: int) -> dict[str, Any]:
    folder, generated = synthetic(people)
    print(f"[{backend} {people}] data {folder} {generated}", flush=True)
    if backend == "sqlite":
        db = VAR / "bulk-import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    else:
        url = fresh_pg("hoso_bench_import")
    imported = timed_import(folder, url)
    print(f"[{backend} {people}] import {imported}", flush=True)
    result: dict[str, Any] = {
        "backend": backend,
        "people": people,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.bulk " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "synth": generated,
        "import": imported,
    }
    if backend == "postgresql":
        floor = copy_floor(url)
        floor["ratio_import_to_floor"] = round(imported["seconds"] / floor["seconds"], 2)
        result["copy_floor"] = floor
        print(f"[{backend} {people}] COPY floor {floor}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"bulk-{backend}-{people}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 on PostgreSQL")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run(b, n) for n in args.people for b in backends]
    if args.million:
        results.append(run("postgresql", 1_000_000))
    print("\n| backend | residents | resources | import s | resources/s | peak RSS MiB | "
          "COPY floor s | import/floor |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        floor = r.get("copy_floor", {})
        i = r["import"]
        print(f"| {r['backend']} | {r['people']:,} | {i['resources']:,} | {i['seconds']} | "
              f"{i['resources_per_s']:,} | {i['peak_rss_mib']} | {floor.get('seconds', '–')} | "
              f"{floor.get('ratio_import_to_floor', '–')} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
