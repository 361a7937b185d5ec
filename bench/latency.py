"""Latency of the FHIR API on a loaded database, through the real server.

    python -m bench.latency --backend sqlite|postgresql|both --patients 100000 [--requests 300]

For each backend: load the synthetic population (skipped when already there, see
`bench.load`), start `hoso serve` (one process, as shipped) on a free port, warm up, then
time, one client at a time, `--requests` of each request with random targets, and the
read-by-id throughput of `--clients` concurrent clients. Results go to
`bench/results/latency-<backend>.json` and a table is printed.

SQLite lives in `var/bench/hoso-bench.db`; PostgreSQL in the database `hoso_bench_latency`,
created if absent on `--pg-admin-url` (default postgresql://postgres@127.0.0.1:5432/postgres,
or $HOSO_BENCH_PG_ADMIN_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench import wrk
from bench.crud import crud_draw
from bench.facts import database_facts, machine, process_memory
from bench.load import RESULTS, code_version, load_and_record
from bench.population import (
    LOINC,
    RECORD_SIZE,
    SEED,
    VITALS,
    big_record_indices,
    patient_id,
    person,
)
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.store.engine import make_engine

__all__ = ["main", "run_backend"]

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
SQLITE_URL = f"sqlite:///{VAR / 'hoso-bench.db'}"
PG_ADMIN_URL = os.environ.get(
    "HOSO_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Not `hoso_bench`: ad-hoc search-engine benchmarks use that name on the shared server.
PG_DATABASE = "hoso_bench_latency"


# -- the requests ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    params: dict[str, str] = field(default_factory=dict)
    expect_min: int = 0  # resources the Bundle must hold (searchset), 0 = a plain read
    expect_max: int | None = None
    follow_next: bool = False  # fetch every page (the timing covers all of them)
    method: str = "GET"
    body: dict[str, Any] | None = None  # a resource to POST or PUT


Target = Callable[[random.Random], Request]


def kinds(patients: int) -> dict[str, tuple[str, Target]]:
    """name → (what it is, how to draw one request)."""
    big = big_record_indices(patients)

    def read(rng: random.Random) -> Request:
        return Request(f"/fhir/Patient/{patient_id(rng.randrange(patients))}")

    def by_cccd(rng: random.Random) -> Request:
        cccd = person(rng.randrange(patients)).cccd
        return Request(
            "/fhir/Patient", {"identifier": f"{DEFAULT_CCCD_SYSTEM}|{cccd}"}, 1, expect_max=1
        )

    def by_name(rng: random.Random) -> Request:
        return Request("/fhir/Patient", {"name": person(rng.randrange(patients)).folded_name}, 1)

    def everything(rng: random.Random) -> Request:
        # The server's default page: 50 entries, the Patient first.
        return Request(f"/fhir/Patient/{patient_id(rng.choice(big))}/$everything", {}, 50)

    def everything_all(rng: random.Random) -> Request:
        return Request(
            f"/fhir/Patient/{patient_id(rng.choice(big))}/$everything",
            {},
            RECORD_SIZE + 1,
            follow_next=True,
        )

    def observations(rng: random.Random) -> Request:
        # One vital sign of a long record, newest first: the chart of one measurement.
        code = VITALS[rng.randrange(len(VITALS))][0]
        return Request(
            "/fhir/Observation",
            {"patient": patient_id(rng.choice(big)), "code": f"{LOINC}|{code}", "_sort": "-date"},
            1,
        )

    def metadata(_rng: random.Random) -> Request:
        return Request("/fhir/metadata")

    def crud(rng: random.Random) -> Request:
        method, path, query, body = crud_draw(patients, rng)
        return Request(path, query, method=method, body=body)

    return {
        "read": ("GET Patient/{id}", read),
        "search_cccd": ("GET Patient?identifier=<cccd system>|<12 digits>", by_cccd),
        "search_name": ("GET Patient?name=<full name, no diacritics>", by_name),
        "observations": (
            "GET Observation?patient={id}&code=http://loinc.org|<vital>&_sort=-date",
            observations,
        ),
        "everything": (
            f"GET Patient/{{id}}/$everything, first page (50 of {RECORD_SIZE + 1})",
            everything,
        ),
        "everything_all": (
            f"$everything, all pages ({RECORD_SIZE + 1} resources + includes)",
            everything_all,
        ),
        "metadata": ("GET metadata (HTTP + framework floor)", metadata),
        "crud": ("create, read, update, search by CCCD: a quarter each (bench.crud)", crud),
    }


class CheckFailed(Exception):
    pass


def fetch(client: httpx.Client, request: Request) -> tuple[int, int | None]:
    """Do one request (following `next` links if asked); return the resources received
    and the Bundle's `total` (None for a plain read or when the server did not count)."""
    if request.method != "GET":
        response = client.request(request.method, request.path, json=request.body,
                                  headers={"Content-Type": "application/fhir+json"})  # fmt: skip
        if response.status_code not in (200, 201):
            raise CheckFailed(f"{request.method} {request.path}: HTTP {response.status_code} "
                              f"{response.text[:300]}")  # fmt: skip
        return 1, None
    response = client.get(request.path, params=request.params)
    received, total = 0, None
    while True:
        if response.status_code != 200:
            raise CheckFailed(
                f"{request.path} {request.params}: HTTP {response.status_code} "
                f"{response.text[:300]}"
            )
        body = response.json()
        if body.get("resourceType") != "Bundle":
            return 1, None
        if total is None:
            total = body.get("total")
        entries = body.get("entry") or []
        received += sum(1 for e in entries if e.get("search", {}).get("mode") != "include")
        following = next(
            (link["url"] for link in body.get("link", []) if link.get("relation") == "next"), None
        )
        if not (request.follow_next and following):
            break
        response = client.get(following)
    if received < request.expect_min or (request.expect_max and received > request.expect_max):
        raise CheckFailed(
            f"{request.path} {request.params}: {received} resources, expected "
            f"{request.expect_min}..{request.expect_max or ''}"
        )
    return received, total


# -- statistics ------------------------------------------------------------------------


def summarise(samples_s: list[float]) -> dict[str, float | int]:
    ms = sorted(s * 1000 for s in samples_s)
    if not ms:
        return {"n": 0}
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {
        "n": len(ms),
        "p50_ms": round(cuts[49], 2),
        "p90_ms": round(cuts[89], 2),
        "p99_ms": round(cuts[98], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
    }


def sequential(
    client: httpx.Client, draw: Target, rng: random.Random, count: int
) -> tuple[dict[str, Any], list[str]]:
    samples: list[float] = []
    received: list[int] = []
    totals: list[int] = []
    errors: list[str] = []
    for _ in range(count):
        request = draw(rng)
        t0 = time.perf_counter()
        try:
            got, total = fetch(client, request)
        except (CheckFailed, httpx.HTTPError) as exc:
            errors.append(str(exc))
            continue
        samples.append(time.perf_counter() - t0)
        received.append(got)
        if total is not None:
            totals.append(total)
    stats = summarise(samples)
    if received:
        stats["resources_median"] = statistics.median(received)
    if totals:
        stats["bundle_total_median"] = statistics.median(totals)
        stats["bundle_total_max"] = max(totals)
    return stats, errors


def concurrent(
    base_url: str,
    draw: Target,
    seed: int,
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """`clients` threads, each one request at a time, for `seconds`."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop = threading.Event()

    def worker(k: int, client: httpx.Client) -> None:
        rng = random.Random(seed * 100 + k)
        mine: list[float] = []
        start.wait()
        while not stop.is_set():
            request = draw(rng)
            t0 = time.perf_counter()
            try:
                fetch(client, request)
            except (CheckFailed, httpx.HTTPError) as exc:
                with lock:
                    errors.append(str(exc))
                continue
            mine.append(time.perf_counter() - t0)
        with lock:
            samples.extend(mine)

    with httpx.Client(base_url=base_url, limits=limits, timeout=60, headers=headers) as client:
        threads = [threading.Thread(target=worker, args=(k, client)) for k in range(clients)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    stats: dict[str, Any] = {"clients": clients, "seconds": round(elapsed, 2)}
    stats["requests_per_s"] = round(len(samples) / elapsed, 1)
    stats.update(summarise(samples))
    return stats, errors


# -- server and databases ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hoso_command() -> list[str]:
    hoso = Path(sys.executable).parent / "hoso"
    return [str(hoso)] if hoso.exists() else [sys.executable, "-m", "hoso.cli"]


# The benchmark client is one caller sending thousands of requests a minute: the
# per-client rate limit (docs/security.md) would answer 429, so the servers run without it.
# The server names itself (token issuer and audience) by HOSO_BASE_URL, which tokens are
# minted for before its port is known.
SERVER_ENV = {"HOSO_RATE_LIMIT_PER_MINUTE": "0", "HOSO_BASE_URL": "http://127.0.0.1:8000"}
SERVER_WORKERS = [1]  # `--server-workers`, set by main
WRK_DRAWS = 20_000  # requests drawn for `wrk` to cycle through


def mint_token(database_url: str, scope: str, facility: str | None = None) -> str:
    """An access token from `hoso token`, signed by the key the server will use."""
    command = [*hoso_command(), "token", "--scope", scope, "--database-url", database_url]
    if facility:
        command += ["--facility", facility]
    # One token for the whole run (minutes), instead of the default 5-minute lifetime.
    env = {**os.environ, **SERVER_ENV, "HOSO_ACCESS_TOKEN_SECONDS": "7200"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def server(
    database_url: str, log_path: Path, command: list[str] | None = None
) -> Iterator[tuple[str, int]]:
    """`hoso serve` (or `command`, given `--port`) on a free port; yields (base URL, pid)."""
    port = free_port()
    if command is None:
        command = [*hoso_command(), "serve", "--host", "127.0.0.1", "--database-url", database_url,
                   "--no-demo-data", "--workers", str(SERVER_WORKERS[0])]  # fmt: skip
    command = [*command, "--port", str(port)]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **SERVER_ENV}
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited ({proc.returncode}), see {log_path}")
                try:
                    if httpx.get(f"{base}/fhir/metadata", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start, see {log_path}")
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ensure_pg_database(admin_url: str, name: str) -> str:
    """The URL of database `name` on the admin URL's server, created if absent."""
    engine = make_engine(admin_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    if backend == "sqlite":
        url = args.sqlite_url
    else:
        url = ensure_pg_database(args.pg_admin_url, args.pg_database)
    say = lambda m: print(f"[{backend}] {m}", flush=True)  # noqa: E731
    say(f"database {url}")
    loaded = load_and_record(url, args.patients, batch=args.batch, log=say)
    facts = database_facts(url)
    table = kinds(args.patients)
    chosen = args.only or list(table)
    result: dict[str, Any] = {
        "backend": backend,
        "label": args.label,
        "database_url": url,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.latency " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "database": facts,
        "patients": args.patients,
        "load": loaded,
        "api_processes": args.server_workers,
        "requests": {},
        "errors": {},
    }
    # An operator's token: this benchmark measures the store and the API, with the
    # access layer's cheapest decision (unrestricted, audited); bench.access_cost
    # measures what a restricted caller adds.
    writes = "crud" in chosen or "crud" in args.concurrent_kinds
    scope = "system/*.cruds" if writes else "system/*.rs"  # the mix creates and updates
    auth = {"Authorization": f"Bearer {mint_token(url, scope)}"}
    with (
        server(url, VAR / f"server-{backend}.log") as (base, pid),
        httpx.Client(base_url=base, timeout=60, headers=auth) as client,
    ):
        say(f"server {base} (pid {pid}); warming up")
        warm = random.Random(args.seed + 1)
        for name in chosen:
            for _ in range(args.warmup):
                try:
                    fetch(client, table[name][1](warm))
                except CheckFailed as exc:
                    result["errors"].setdefault(name, []).append(f"warm-up: {exc}")
                    break
        for name in chosen:
            what, draw = table[name]
            count = max(args.requests // 5, 20) if name == "everything_all" else args.requests
            stats, errors = sequential(client, draw, random.Random(f"{args.seed}:{name}"), count)
            result["requests"][name] = {"what": what, **stats}
            if errors:
                result["errors"].setdefault(name, []).extend(errors[:5])
                result["requests"][name]["errors"] = len(errors)
            say(f"{name:15} {_row(stats)}" + (f"  ERRORS {len(errors)}" if errors else ""))
        result["concurrent"] = {}
        for name in args.concurrent_kinds:
            for clients in args.clients:
                stats, errors = _throughput(base, table[name][1], args, clients, auth)
                result["concurrent"][f"{name}@{clients}"] = stats
                if errors:
                    result["errors"][f"concurrent {name}@{clients}"] = errors[:5]
                    stats["errors"] = len(errors)
                say(f"{name} ×{clients} clients: {stats['requests_per_s']} req/s, {_row(stats)}")
                result.setdefault("server_memory_peak_mib", 0)
                rss = process_memory(pid).get("peak_rss_mib", 0)
                result["server_memory_peak_mib"] = max(result["server_memory_peak_mib"], rss)
        result["server_memory"] = process_memory(pid)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if code_version() != result["code"]:
        result["code_after"] = code_version()  # the code changed under the run
        say(f"WARNING: the code changed during the run: {result['code_after']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{backend}-{args.label}" if args.label else backend
    out = RESULTS / f"latency-{name}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    say(f"wrote {out.relative_to(ROOT)}")
    return result


def _throughput(base: str, draw: Target, args: argparse.Namespace, clients: int,
                auth: dict[str, str]) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """`clients` at once for `--seconds`: Python threads (httpx) or `wrk`."""
    if args.generator == "httpx":
        return concurrent(base, draw, args.seed, clients, args.seconds, headers=auth)
    requests = wrk.drawn(draw, random.Random(f"{args.seed}:wrk"), WRK_DRAWS)
    token = auth["Authorization"].removeprefix("Bearer ")
    stats = wrk.run_wrk(base, requests, token, clients, args.seconds)
    errors = [f"{stats['errors']} non-2xx answers"] if stats["errors"] else []
    return stats, errors


def _row(stats: dict[str, Any]) -> str:
    if not stats.get("n"):
        return "no successful request"
    return (
        f"p50 {stats['p50_ms']:8.2f} ms  p99 {stats['p99_ms']:8.2f} ms  "
        + (f"mean {stats['mean_ms']:8.2f} ms  " if "mean_ms" in stats else "")
        + f"(n={stats['n']})"
    )


def print_table(results: list[dict[str, Any]]) -> None:
    names = list(results[0]["requests"])
    head = (
        "| request | "
        + " | ".join(f"{r['backend']} p50 ms | {r['backend']} p99 ms" for r in results)
        + " |"
    )
    print()
    print(head)
    print("|" + "---|" * (1 + 2 * len(results)))
    for name in names:
        cells = []
        for r in results:
            s = r["requests"].get(name, {})
            cells += [f"{s.get('p50_ms', '–')}", f"{s.get('p99_ms', '–')}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for r in results:
        for key, c in r["concurrent"].items():
            print(
                f"{r['backend']}: {key} clients {c['requests_per_s']} req/s "
                f"(p50 {c.get('p50_ms')} ms, p99 {c.get('p99_ms')} ms)"
            )
        print(f"{r['backend']}: server peak memory {r.get('server_memory_peak_mib')} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per request kind")
    parser.add_argument("--warmup", type=int, default=30, help="per request kind")
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 16, 64], help="concurrent clients"
    )
    parser.add_argument(
        "--concurrent-kinds", nargs="+", default=["read", "search_cccd"], help="run concurrently"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="concurrent read run")
    parser.add_argument("--batch", type=int, default=5000, help="resources per transaction")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--server-workers", type=int, default=1, help="hoso serve --workers")
    parser.add_argument("--only", nargs="*", help="request kinds to run (default all)")
    parser.add_argument("--label", help="write latency-BACKEND-LABEL.json (a variant run)")
    parser.add_argument("--sqlite-url", default=SQLITE_URL)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument("--generator", choices=("httpx", "wrk"), default="httpx",
                        help="concurrent load: Python threads, or wrk (past ~1,000 req/s)")
    parser.add_argument("--server-src",
                        help="PYTHONPATH for the server (and `hoso token`): a source tree, e.g. "
                        "a worktree of an older commit, for a before/after in one run")
    args = parser.parse_args(argv)
    SERVER_WORKERS[0] = args.server_workers
    if args.generator == "wrk" and not wrk.available():
        parser.error("--generator wrk: install wrk (apt-get install wrk)")
    if args.server_src:
        SERVER_ENV["PYTHONPATH"] = args.server_src
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [run_backend(b, args) for b in backends]
    print_table(results)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
