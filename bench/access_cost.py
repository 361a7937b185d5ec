"""What the access layer costs: p50 of a read and of a search by CCCD through the real
server, with and without the policy check and the audit append, in the same run.

    python -m bench.access_cost --backend sqlite|postgresql|both --patients 100000

Three servers run side by side on the same loaded database (see `bench.latency`):
`hoso serve` as shipped; `bench.floor_server`, the same app whose handlers get the store
itself (token still verified; no policy decision, no visibility filter, no audit entry);
and `bench.floor_server --policy-only` (the access layer without the audit append), which
tells the two costs apart. One client sends each drawn request to all three, taking
turns at going first, so all see the same targets, cache state and machine load.

The caller is a facility's system (`hoso token --facility`), the restricted case: every
query carries the care-link visibility filter, and every response waits for its audit
entry to be durable. Targets are residents the bench gives an Encounter at that facility
today (a care link), so all three servers return the same record.
Results go to `bench/results/access-cost-<backend>.json`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.facts import machine
from bench.latency import (
    PG_ADMIN_URL,
    PG_DATABASE,
    ROOT,
    SQLITE_URL,
    VAR,
    CheckFailed,
    Request,
    concurrent,
    ensure_pg_database,
    fetch,
    mint_token,
    server,
    summarise,
)
from bench.load import RESULTS, code_version, load_and_record
from bench.population import (
    SEED,
    big_record_indices,
    facility_code,
    organization_id,
    patient_id,
    person,
)
from hoso.assembly import open_store
from hoso.core.settings import DEFAULT_CCCD_SYSTEM

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

TARGET = 1.20  # issue 3: policy + audit add at most 20% to the p50


def open_care_links(database_url: str, facility: int, patients: int, count: int) -> list[int]:
    """`count` residents (drawn with a fixed seed, long records left out) given an
    outpatient Encounter at `facility` today, the care link a facility's system needs to
    read a record. Fixed ids: a rerun updates the same Encounters."""
    big = set(big_record_indices(patients))
    rng = random.Random(f"access-cost:{facility}")
    chosen = sorted(rng.sample([i for i in range(patients) if i not in big], count))
    today = datetime.now(UTC).date().isoformat()
    store = open_store(database_url)
    try:
        # Set-up of the bench's own fixtures, straight through the store's unit of work
        # (no caller to audit): the measured requests are what goes through the server.
        with store.unit_of_work(check_references=False) as session:
            for i in chosen:
                encounter_id = f"access-bench-{facility}-{i:07d}"
                session.update(
                    "Encounter",
                    encounter_id,
                    {
                        "resourceType": "Encounter",
                        "id": encounter_id,
                        "status": "finished",
                        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
                        "subject": {"reference": f"Patient/{patient_id(i)}"},
                        "period": {"start": today, "end": today},
                        "serviceProvider": {
                            "reference": f"Organization/{organization_id(facility)}"
                        },
                    },
                )
    finally:
        store.engine.dispose()
    return chosen


def requests_for(i: int) -> dict[str, Request]:
    cccd = person(i).cccd
    return {
        "read": Request(f"/fhir/Patient/{patient_id(i)}"),
        "search_cccd": Request(
            "/fhir/Patient", {"identifier": f"{DEFAULT_CCCD_SYSTEM}|{cccd}"}, 1, expect_max=1
        ),
    }


def timed(client: httpx.Client, request: Request) -> float:
    t0 = time.perf_counter()
    fetch(client, request)
    return time.perf_counter() - t0


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    url = (
        args.sqlite_url
        if backend == "sqlite"
        else ensure_pg_database(args.pg_admin_url, args.pg_database)
    )
    say = lambda m: print(f"[{backend}] {m}", flush=True)  # noqa: E731
    load_and_record(url, args.patients, batch=args.batch, log=say)
    targets = open_care_links(url, args.facility, args.patients, args.targets)
    say(f"{len(targets)} residents with an encounter today at {organization_id(args.facility)}")
    headers = {
        "Authorization": f"Bearer {mint_token(url, 'system/*.rs', facility_code(args.facility))}"
    }
    floor = [sys.executable, "-m", "bench.floor_server", "--database-url", url]
    variants = ("with_access", "policy_only", "floor")
    samples: dict[str, dict[str, list[float]]] = {
        kind: {v: [] for v in variants} for kind in ("read", "search_cccd")
    }
    with (
        server(url, VAR / f"access-{backend}.log") as (full_base, full_pid),
        server(url, VAR / f"policy-{backend}.log", [*floor, "--policy-only"]) as (policy_base, _),
        server(url, VAR / f"floor-{backend}.log", floor) as (floor_base, floor_pid),
        httpx.Client(base_url=full_base, timeout=60, headers=headers) as full,
        httpx.Client(base_url=policy_base, timeout=60, headers=headers) as policy_only,
        httpx.Client(base_url=floor_base, timeout=60, headers=headers) as bare,
    ):
        clients = {"with_access": full, "policy_only": policy_only, "floor": bare}
        rng = random.Random(args.seed)
        for n in range(args.warmup + args.requests):
            for kind, request in requests_for(rng.choice(targets)).items():
                order = variants[n % 3 :] + variants[: n % 3]  # each goes first in turn
                for variant in order:
                    try:
                        elapsed = timed(clients[variant], request)
                    except CheckFailed as exc:
                        raise SystemExit(f"{variant}: {exc}") from None
                    if n >= args.warmup:
                        samples[kind][variant].append(elapsed)
        say(f"servers: with access pid {full_pid}, floor pid {floor_pid}")
        bases = {"with_access": full_base, "policy_only": policy_base, "floor": floor_base}
        under_load: dict[str, Any] = {}
        for variant in variants:  # one server at a time, so they do not share the cores
            stats, errors = concurrent(
                bases[variant],
                lambda r: requests_for(r.choice(targets))["read"],
                args.seed,
                args.clients,
                args.seconds,
                headers=headers,
            )
            under_load[variant] = {**stats, "errors": len(errors)}
            say(f"read ×{args.clients} clients, {variant:11}: {stats['requests_per_s']} req/s")
    figures: dict[str, Any] = {}
    for kind, by_variant in samples.items():
        stats = {v: summarise(by_variant[v]) for v in variants}
        p50 = {v: float(stats[v]["p50_ms"]) for v in variants}
        ratio = round(p50["with_access"] / p50["floor"], 3)
        figures[kind] = {
            **stats,
            "p50_ratio": ratio,
            "policy_only_p50_ratio": round(p50["policy_only"] / p50["floor"], 3),
            "added_p50_ms": round(p50["with_access"] - p50["floor"], 2),
            "audit_p50_ms": round(p50["with_access"] - p50["policy_only"], 2),
            "meets_target": ratio <= TARGET,
        }
        say(
            f"{kind:12} p50 floor {p50['floor']:.2f}, policy only {p50['policy_only']:.2f} "
            f"(×{figures[kind]['policy_only_p50_ratio']}), policy + audit "
            f"{p50['with_access']:.2f} ms (×{ratio}, target ≤ ×{TARGET})"
        )
    result = {
        "backend": backend,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.access_cost " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "patients": args.patients,
        "caller": f"facility system {facility_code(args.facility)} (system/*.rs)",
        "targets": len(targets),
        "requests_per_kind": args.requests,
        "results": figures,
        "concurrent_read": under_load,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"access-cost-{backend}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    say(f"wrote {out.relative_to(ROOT)}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500, help="per kind and server")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--clients", type=int, default=16, help="concurrent read run")
    parser.add_argument("--seconds", type=float, default=15.0, help="per server")
    parser.add_argument("--facility", type=int, default=0, help="bench facility number")
    parser.add_argument("--targets", type=int, default=2000, help="residents linked to it")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sqlite-url", default=SQLITE_URL)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--pg-database", default=PG_DATABASE)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_backend(b, args) for b in backends]
    return 0 if all(f["meets_target"] for r in results for f in r["results"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
