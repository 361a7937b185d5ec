"""The booking service at city scale (issue 21 point 7), on PostgreSQL:

    python -m bench.booking --database-url postgresql://postgres@127.0.0.1:5432/hoso_bench_booking \
        [--facilities 999] [--parts setup,find,throughput,rush] [--fresh]

- setup: the city's facilities (`bench.booking_city`), `hoso booking setup --all`, and
  14 days of Slots through `publish_slots` (timed), then the residents;
- find: `$find` over every facility for the next 14 days, per service type and with
  none, ≥200 calls through `BookingService.find` (the operator's door; the FHIR
  `Appointment/$find` route was not on main when this bench was written) — target p50
  ≤ 50 ms;
- throughput: 64 concurrent clients (`--processes` × threads), each booking for its
  own residents Slots of days 2–14, for `--seconds` — target ≥ 200 bookings/s;
- rush: 10,000 residents arriving evenly over 60 s for the same 2,000 seats (the
  earliest Slots of tomorrow at the city hospitals), up to 3 tries each.
After the runs: no Slot has more booked Appointments than its capacity, every booked
Appointment holds exactly one seat, queue numbers are 1..n with no gap.
Results go to bench/results/booking-<part>.json (with the machine and its load).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench.booking_city import (
    city_facilities,
    facility_codes,
    residents,
    set_up_and_publish,
    write_batches,
)
from bench.booking_clients import BOOKED, CONFLICT, ERROR, ClientJob, run_job
from bench.facts import machine
from bench.load import RESULTS, analyze, code_version
from hoso.core import clock

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/hoso_bench_booking"
RUSH_FIRST = 500_000  # resident indices of the rush (the throughput's start at 0)
SERVICE_TYPES = (
    "kham-noi",
    "kham-nhi",
    "kham-san",
    "tiem-chung",
    "kham-truyen-nhiem",
)  # the bench's


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(1000 * ordered[-1], 1)} if ordered else {"n": 0}  # fmt: skip


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- setup ------------------------------------------------------------------------------
def part_setup(store: Any, args: argparse.Namespace) -> dict[str, Any]:
    from tests.callers import as_caller  # the operator's repository, audit trail closed

    started = time.perf_counter()
    write_batches(store, city_facilities(args.facilities))
    facilities_s = time.perf_counter() - started
    first = clock.today_vn() + timedelta(days=1)
    with as_caller(store) as repo:
        published = set_up_and_publish(repo, facility_codes(store), first)
    started = time.perf_counter()
    write_batches(store, residents(0, args.clients * args.per_client))
    write_batches(store, residents(RUSH_FIRST, args.rush_residents))
    analyze(store)  # autovacuum is off on the bench's server (docs/performance.md)
    return {"first_day": first.isoformat(), "facility_fixtures_s": round(facilities_s, 1),
            **published, "residents": args.clients * args.per_client + args.rush_residents,
            "residents_s": round(time.perf_counter() - started, 1)}  # fmt: skip


# -- $find ------------------------------------------------------------------------------
def part_find(store: Any, args: argparse.Namespace) -> dict[str, Any]:
    from tests.callers import as_caller

    from hoso.assembly import booking_service
    from hoso.booking.find import FindQuery

    kinds: list[tuple[str, ...]] = [(), *((t,) for t in SERVICE_TYPES)]
    timings: dict[str, list[float]] = {",".join(k) or "(any)": [] for k in kinds}
    found: Counter[str] = Counter()
    with as_caller(store) as repo:
        service = booking_service(repo)
        for call in range(args.find_calls + len(kinds)):  # the first round warms up
            types = kinds[call % len(kinds)]
            now = clock.now_us()
            query = FindQuery(now, now + 14 * 86_400_000_000, service_types=types, count=10)
            started = time.perf_counter()
            options = service.find(query)
            elapsed = time.perf_counter() - started
            if call >= len(kinds):
                timings[",".join(types) or "(any)"].append(elapsed)
                found[",".join(types) or "(any)"] += len(options)
    every = [t for ts in timings.values() for t in ts]
    return {"through": "BookingService.find (operator), no HTTP", "window_days": 14,
            "all": percentiles(every), "target_p50_ms": 50,
            "per_type": {k: {**percentiles(v), "options_per_call": found[k] / max(1, len(v))}
                         for k, v in timings.items()}, "load": loadavg()}  # fmt: skip


# -- the clients ------------------------------------------------------------------------
def run_clients(jobs: list[ClientJob]) -> list[tuple[float, float, str, str]]:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager, ProcessPoolExecutor(len(jobs), mp_context=spawn) as pool:
        barrier = manager.Barrier(len(jobs))
        jobs = [replace(job, barrier=barrier) for job in jobs]
        return [s for part in pool.map(run_job, jobs) for s in part]


def slots_of(store: Any, where: str, args: dict[str, Any]) -> list[tuple[str, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT slot_id, capacity FROM bk_slot WHERE {where}"), args)
        return [(r[0], int(r[1])) for r in rows]


def part_throughput(store: Any, args: argparse.Namespace, first: str) -> dict[str, Any]:
    later = slots_of(store, "day > :d ORDER BY slot_id", {"d": first})
    candidates = [s for s, _ in random.Random(1).sample(later, min(len(later), 20_000))]
    per_process = args.clients // args.processes
    jobs = []
    for p in range(args.processes):
        own = [[f"bench-{(p * per_process + t) * args.per_client + k:07d}"
                for k in range(args.first_resident, args.per_client)]
               for t in range(per_process)]  # fmt: skip
        jobs.append(ClientJob(args.database_url, "closed", per_process, None, own, [],
                              candidates, args.seconds, seed=p + 1000 * args.seed))  # fmt: skip
    load_before = loadavg()
    samples = run_clients(jobs)
    outcomes = Counter(s[2] for s in samples)
    inside = [s for s in samples if s[0] + s[1] <= args.seconds]
    booked = sum(1 for s in inside if s[2] == BOOKED)
    return {"clients": args.clients, "processes": args.processes, "seconds": args.seconds,
            "through": "BookingService.book in threads (resident tokens), no HTTP",
            "bookings_per_s": round(booked / args.seconds, 1), "target_per_s": 200,
            "outcomes": dict(outcomes), "latency": percentiles([s[1] for s in samples]),
            "errors": _errors(samples), "load_before": load_before,
            "load_after": loadavg()}  # fmt: skip


def part_rush(store: Any, args: argparse.Namespace, first: str) -> dict[str, Any]:
    ordered = slots_of(store, "day = :d AND capacity = 10 AND facility <= '79016' "
                       "ORDER BY start_us, slot_id", {"d": first})  # fmt: skip
    chosen, seats = [], 0
    for slot_id, capacity in ordered:
        if seats >= args.rush_seats:
            break
        chosen.append(slot_id)
        seats += capacity
    people = [f"bench-{RUSH_FIRST + i:07d}" for i in range(args.rush_residents)]
    arrivals = [(i * args.rush_seconds / len(people), r) for i, r in enumerate(people)]
    per_process = args.clients // args.processes
    jobs = [ClientJob(args.database_url, "rush", per_process, None, [],
                      arrivals[p :: args.processes], chosen, 0, seed=100 + p)
            for p in range(args.processes)]  # fmt: skip
    load_before = loadavg()
    samples = run_clients(jobs)
    ends = [s[0] + s[1] for s in samples]
    per_resident = Counter(s[2] for s in samples if s[2] != CONFLICT)
    late = [float(s[3].split(":", 1)[1]) for s in samples if s[3].startswith("late:")]
    return {"residents": len(people), "slots": len(chosen), "seats": seats,
            "arrivals_over_s": args.rush_seconds, "clients": args.clients,
            "attempts": len(samples), "booked": per_resident[BOOKED],
            "conflicts": sum(1 for s in samples if s[2] == CONFLICT),
            "residents_without_seat": len(people) - per_resident[BOOKED],
            "errors": per_resident[ERROR], "error_kinds": _errors(samples),
            "last_answer_s": round(max(ends), 1) if ends else None,
            "latency": percentiles([s[1] for s in samples]),
            "latency_booked": percentiles([s[1] for s in samples if s[2] == BOOKED]),
            "wait_for_a_client": percentiles(late), "load_before": load_before,
            "load_after": loadavg()}  # fmt: skip


def part_http(store: Any, args: argparse.Namespace, first: str) -> dict[str, Any]:
    from bench.booking_http import HTTP_FIRST, serve_and_measure

    per_client = args.http_per_client
    with store.engine.connect() as conn:
        first_resident = {"i": f"bench-{HTTP_FIRST:07d}"}
        known = conn.execute(sa.text("SELECT 1 FROM resource WHERE resource_type = 'Patient' "
                                     "AND id = :i"), first_resident).first()  # fmt: skip
    if not known:
        write_batches(store, residents(HTTP_FIRST, args.clients * per_client))
    later = slots_of(store, "day > :d ORDER BY slot_id", {"d": first})
    candidates = [s for s, _ in random.Random(2).sample(later, min(len(later), 20_000))]
    load_before = loadavg()
    measured = serve_and_measure(args.database_url, args.server_workers, args.find_calls,
                                 SERVICE_TYPES, args.clients, per_client, args.seconds,
                                 candidates)  # fmt: skip
    timings = measured["find"]["timings"]
    samples = measured["book"]
    booked = sum(1 for s in samples if s[2] == BOOKED and s[0] + s[1] <= args.seconds)
    return {"server": f"hoso serve --workers {args.server_workers} (uvicorn), operator token",
            "find": {"all": percentiles([t for ts in timings.values() for t in ts]),
                     "per_type": {k: percentiles(v) for k, v in timings.items()},
                     "statuses": measured["find"]["statuses"], "target_p50_ms": 50},
            "book": {"clients": args.clients, "seconds": args.seconds,
                     "bookings_per_s": round(booked / args.seconds, 1), "target_per_s": 200,
                     "outcomes": dict(Counter(s[2] for s in samples)),
                     "latency": percentiles([s[1] for s in samples]),
                     "errors": _errors(samples)},
            "load_before": load_before, "load_after": loadavg()}  # fmt: skip


def _errors(samples: list[tuple[float, float, str, str]]) -> dict[str, int]:
    return dict(Counter(s[3][:120] for s in samples if s[2] == ERROR).most_common(5))


# -- the checks -------------------------------------------------------------------------
def checks(store: Any) -> dict[str, Any]:
    """Counted from the database, not from the clients' answers."""
    with store.engine.connect() as conn:
        capacity = dict(conn.execute(sa.text("SELECT slot_id, capacity FROM bk_slot")).all())
        booked_seats = "SELECT appointment_id, slot_id FROM bk_seat WHERE state = 'booked'"
        seats = dict(conn.execute(sa.text(booked_seats)).all())
        contents = conn.execute(sa.text(
            "SELECT content FROM resource WHERE resource_type = 'Appointment' AND NOT deleted")
        ).scalars()  # fmt: skip
        per_slot: Counter[str] = Counter()
        without_seat = booked = 0
        for content in contents:
            appointment = json.loads(content)
            if appointment.get("status") != "booked":
                continue
            booked += 1
            slot = appointment["slot"][0]["reference"].split("/", 1)[1]
            per_slot[slot] += 1
            without_seat += seats.get(appointment["id"]) != slot
        gaps = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT q.service_point, q.day FROM bk_queue_ticket q "
            "JOIN bk_queue_counter c ON c.service_point = q.service_point AND c.day = q.day "
            "GROUP BY q.service_point, q.day, c.last_number HAVING min(q.number) <> 1 OR "
            "max(q.number) <> count(*) OR max(q.number) <> c.last_number) g")).scalar()  # fmt: skip
        queues = conn.execute(sa.text("SELECT count(*) FROM bk_queue_counter")).scalar()
    over = {s: n for s, n in per_slot.items() if n > capacity.get(s, 0)}
    return {"booked_appointments": booked, "booked_seats": len(seats),
            "slots_over_capacity": len(over), "double_bookings": sum(over.values()),
            "booked_without_their_seat": without_seat, "queues": queues,
            "queues_with_gaps": gaps}  # fmt: skip


def record(name: str, result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"booking-{name}.json"
    result = {"bench": f"booking-{name}", "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": machine(), "code": code_version(), **result}  # fmt: skip
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)


def fresh_database(url: str) -> None:
    from hoso.store.engine import make_engine

    admin, name = url.rsplit("/", 1)
    engine = make_engine(admin + "/postgres")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--parts", default="setup,find,throughput,rush")
    parser.add_argument("--fresh", action="store_true", help="drop and create the database")
    parser.add_argument("--facilities", type=int, default=999)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--first-resident", type=int, default=0)  # a rerun takes fresh ones
    parser.add_argument("--seed", type=int, default=0, help="the Slots' draw")
    parser.add_argument("--find-calls", type=int, default=240)
    parser.add_argument("--rush-residents", type=int, default=10_000)
    parser.add_argument("--rush-seats", type=int, default=2_000)
    parser.add_argument("--rush-seconds", type=float, default=60.0)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--http-per-client", type=int, default=30)
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args(argv)
    from hoso.assembly import open_store

    if args.fresh:
        fresh_database(args.database_url)
    store = open_store(args.database_url)
    parts = args.parts.split(",")
    first = (clock.today_vn() + timedelta(days=1)).isoformat()
    tag = f"-{args.tag}" if args.tag else ""
    try:
        for part in parts:
            if part == "setup":
                record(f"setup{tag}", part_setup(store, args))
            elif part == "analyze":
                analyze(store)
            elif part == "find":
                record(f"find{tag}", part_find(store, args))
            elif part == "throughput":
                record(f"throughput{tag}", {**part_throughput(store, args, first),
                                            "checks": checks(store)})  # fmt: skip
            elif part == "http":
                record(f"http{tag}", {**part_http(store, args, first), "checks": checks(store)})
            elif part == "rush":
                record(f"rush{tag}", {**part_rush(store, args, first), "checks": checks(store)})
    finally:
        store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
