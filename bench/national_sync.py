"""National sync throughput (issue 16 point 6: ≥ 2,000 resources/s end to end to a
local second server).

A province's store on PostgreSQL is loaded with invented residents (a Patient and
`--observations` blood-pressure readings each, by the bulk importer, so every one is a
change in the feed); a second Hồ Sơ (`hoso serve`, its own PostgreSQL database) stands in
as the national database with this province registered as a peer; then `hoso sync run
--until-idle` is timed from start to an empty queue. Both servers share this machine.

    .venv/bin/python -m bench.national_sync --patients 4000 --observations 4

    .venv/bin/python -m bench.national_sync --patients 4000 --receiver null

`--receiver null` times the sending side alone (an in-process receiver answering at
once). Results: bench/results/national-sync-<label>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.bulk import fresh_pg
from bench.facts import database_facts, machine
from hoso.core.settings import DEFAULT_CCCD_SYSTEM

VAR = Path("var") / "bench" / "national-sync"
RESULTS = Path("bench") / "results"
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hải", "Khoa", "Lan", "Minh", "Ngọc")


def write_city(folder: Path, patients: int, each: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "Patient.ndjson", folder / "Observation.ndjson"]
    with files[0].open("wb") as p, files[1].open("wb") as o:
        for n in range(patients):
            pid = f"bp{n}"
            p.write(orjson.dumps({
                "resourceType": "Patient", "id": pid,
                "identifier": [{"system": DEFAULT_CCCD_SYSTEM,
                                "value": f"079{n % 2 ^ 1}{70 + n % 30}{n:06d}"}],
                "name": [{"family": FAMILY[n % 10], "given": [GIVEN[n // 10 % 10], GIVEN[n % 7]]}],
                "gender": "male" if n % 2 else "female",
                "birthDate": f"{1970 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}",
            }) + b"\n")  # fmt: skip
            for k in range(each):
                o.write(orjson.dumps({
                    "resourceType": "Observation", "id": f"bo{n}-{k}", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                    "subject": {"reference": f"Patient/{pid}"},
                    "effectiveDateTime": f"2026-{1 + k % 12:02d}-01T08:00:00+07:00",
                    "valueQuantity": {"value": 110 + k, "unit": "mm[Hg]",
                                      "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
                }) + b"\n")  # fmt: skip
    return files


def hoso(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hoso.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, check=True)  # fmt: skip
    return done.stdout


def start_national(url: str, port: int) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    origin = f"http://127.0.0.1:{port}"
    env = {"HOSO_DATABASE_URL": url, "HOSO_BASE_URL": origin,
           "HOSO_AUDIT_SPOOL_DIR": str(VAR / "national-spool")}  # fmt: skip
    key = VAR / "peer-key.json"
    key.unlink(missing_ok=True)
    hoso(env, "clients", "add-peer", "--name", "bench", "--key-out", str(key))
    log = (VAR / "national.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "hoso.cli", "serve", "--port", str(port),
                               "--no-demo-data", "--no-sync"], env={**os.environ, **env},
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    for _ in range(300):
        try:
            if httpx.get(f"{origin}/fhir/metadata", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return server, {"HOSO_NATIONAL_FHIR_URL": f"{origin}/fhir", "HOSO_NATIONAL_KEY_FILE": str(key)}


def sender_only(local: str) -> float:
    """Seconds for the worker to send the whole feed to a receiver that answers at once
    (an in-process transport): the sending side's own cost — feed reads, consent, the
    Bundles, the audit, the cursor — without the receiver's."""
    import threading

    from hoso.access.audit import GroupCommitAuditTrail
    from hoso.assembly import national_feed, open_store
    from hoso.exchange.national_client import NationalClient
    from hoso.exchange.national_sync import NationalSync
    from hoso.store.sql_store import SqlAuditLog

    def answer(request: httpx.Request) -> httpx.Response:
        sent = orjson.loads(request.content)
        entries = [{"response": {"status": "200 OK"}} for _ in sent.get("entry") or []]
        return httpx.Response(200, json={"resourceType": "Bundle",
                                         "type": f"{sent['type']}-response", "entry": entries})

    store = open_store(local)
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    client = NationalClient("http://null.invalid/fhir", lambda: ("t", 3600),
                            transport=httpx.MockTransport(answer))  # fmt: skip
    worker = NationalSync(national_feed(store, trail), client, store.settings.cccd_system,
                          "http://127.0.0.1:8000/fhir", owner="bench-null")  # fmt: skip
    started = time.monotonic()
    worker.run(threading.Event(), until_idle=True)
    seconds = time.monotonic() - started
    trail.close()
    store.engine.dispose()
    return seconds


def run(args: argparse.Namespace) -> dict[str, Any]:
    local = fresh_pg("hoso_bench_sync_local")
    national = fresh_pg("hoso_bench_sync_national")
    files = write_city(VAR / "city", args.patients, args.observations)
    hoso({"HOSO_DATABASE_URL": local}, "import", *map(str, files))
    changes = args.patients * (1 + args.observations)
    if args.receiver == "null":
        seconds = sender_only(local)
        return {"benchmark": "national-sync", "receiver": "null", "label": args.label,
                "changes": changes, "seconds": round(seconds, 2),
                "resources_per_s": round(changes / seconds), "target_per_s": 2000,
                "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M %z")}  # fmt: skip
    server, national_env = start_national(national, args.port)
    try:
        env = {"HOSO_DATABASE_URL": local, "HOSO_SYNC_BATCH_SIZE": str(args.batch),
               **national_env}  # fmt: skip
        started = time.monotonic()
        hoso(env, "sync", "run", "--until-idle")
        seconds = time.monotonic() - started
        status = json.loads(hoso(env, "sync", "status", "--json"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "benchmark": "national-sync", "receiver": "hoso", "label": args.label,
        "changes": changes,
        "batch_size": args.batch, "seconds": round(seconds, 2),
        "resources_per_s": round(changes / seconds), "target_per_s": 2000,
        "status": status, "national": database_facts(national), "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M %z"),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=400)
    parser.add_argument("--observations", type=int, default=4)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--label", default="run")
    parser.add_argument("--receiver", choices=("hoso", "null"), default="hoso",
                        help="a second running Hồ Sơ, or an in-process one answering at once")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"national-sync-{args.label}.json").write_text(json.dumps(result, indent=2))
    print(f"{result['changes']} changes in {result['seconds']} s: "
          f"{result['resources_per_s']} resources/s (target 2,000)")  # fmt: skip


if __name__ == "__main__":
    main()
