"""The health book's speed (issue 17 point 7), through the real server on 1,000,000 residents.

    python -m bench.health_book --pg-database hoso_bench_1m --patients 1000000 \
        [--requests 300] [--clients 32] [--seconds 20] [--server-workers 2] \
        [--page-path /book/{patient_id}] [--profile] [--label LABEL] [--server-src DIR]

The population must be loaded (`bench.load`: a rerun finds it and skips in seconds);
the resident with ten years of history (`bench.long_record`, 808 resources) is imported
if absent. Then `hoso serve --workers N` (this tree's code) starts on a free port, a
resident's token is minted for that resident (`hoso token --patient`, role resident,
`patient/*.rs`), and, in this order:

a. on a server that keeps no built book (`HOSO_BOOK_CACHE_MIB=0`, so every summary is
   built, as for readers of as many different records): the summary
   `GET /api/health-book/{id}`, `--requests` times one after another, taking turns
   with `GET /fhir/metadata` (no database, no token: the HTTP floor), so that both see
   the same machine. The server sends no Server-Timing header, so times are the
   client's, on loopback (keep-alive), and the floor says what HTTP costs;
b. the phone's revalidation: the same request with `If-None-Match: <its ETag>` → 304;
c. the page (`--page-path`, with the resident's token), if the server has it: a 404
   is recorded as "not yet available";
d. the summary's throughput with `wrk` at `--clients` connections for `--seconds`,
   every book built (`--profile`: py-spy records every API process meanwhile; the
   collapsed stacks and the hottest functions are written beside the results);
e. then on a server as shipped, which keeps the books it built
   (`hoso.api.book_etags`): the summary asked again and again, sequential and with
   `wrk` (one resident at 32 clients: every request after the first finds its book).

Results: `bench/results/health-book-postgresql-1m[-LABEL].json` (machine, PostgreSQL,
date, commit, every statistic, the targets and whether each was met).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa

from bench import wrk
from bench.facts import database_facts, machine, process_memory
from bench.latency import (
    PG_ADMIN_URL,
    ROOT,
    SERVER_ENV,
    SERVER_WORKERS,
    VAR,
    ensure_pg_database,
    hoso_command,
    server,
    summarise,
)
from bench.load import RESULTS, code_version, import_file, load_and_record
from bench.long_record import BOOK_RESIDENT, book_patient_id, long_record, record_file
from bench.profile import profiled
from hoso.assembly import open_store
from hoso.ingest.bulk_import import ImportOptions
from hoso.store import schema

__all__ = ["TARGETS", "main"]

# issue 17 point 7: (statistic, bound, "max" = at most / "min" = at least)
TARGETS = {
    "summary_p50_ms": (100.0, "max"),
    "summary_p99_ms": (250.0, "max"),
    "page_p50_ms": (150.0, "max"),
    "revalidation_304_p50_ms": (10.0, "max"),
    "summary_requests_per_s": (300.0, "min"),
    "summary_requests_per_s_every_book_built": (300.0, "min"),
}
NOT_YET = "not yet available (the page path answers 404)"


def ensure_long_record(database_url: str, index: int, log: Any) -> dict[str, Any]:
    """Import the ten-year record unless all of it is stored (fixed ids)."""
    expected = sum(1 for _ in long_record(index))
    prefix = f"{book_patient_id(index)}-hb-"
    r = schema.resource
    store = open_store(database_url)
    try:
        with store.engine.connect() as conn:
            have = conn.execute(sa.select(sa.func.count()).select_from(r).where(
                r.c.id.startswith(prefix), r.c.deleted.is_(False))).scalar_one()  # fmt: skip
        if have >= expected:
            log(f"long record: {have} resources already stored")
            return {"resources": have, "imported": 0}
        t0 = time.perf_counter()
        done = import_file(store, record_file(index), ImportOptions(batch_resources=1000))
        log(f"long record: {done.written} written in {time.perf_counter() - t0:.1f} s")
        if done.errors:
            raise RuntimeError(f"long record refused: {done.errors[:3]}")
        return {"resources": expected, "imported": done.written}
    finally:
        store.engine.dispose()


def resident_token(database_url: str, patient_id: str) -> str:
    """`hoso token --patient`: the operator acting as the resident (role resident)."""
    command = [*hoso_command(), "token", "--scope", "patient/*.rs", "--patient", patient_id,
               "--database-url", database_url]  # fmt: skip
    env = {**os.environ, **SERVER_ENV, "HOSO_ACCESS_TOKEN_SECONDS": "7200"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return done.stdout.strip().splitlines()[-1]


def server_code() -> str:
    """Where the server's `hoso` is imported from (this worktree, not another tree)."""
    env = {**os.environ, **SERVER_ENV}
    done = subprocess.run([sys.executable, "-c", "import hoso; print(hoso.__file__)"],
                          capture_output=True, text=True, check=True, env=env)  # fmt: skip
    return done.stdout.strip()


def _timed(client: httpx.Client, path: str, headers: dict[str, str], expect: int
           ) -> tuple[float, httpx.Response]:  # fmt: skip
    t0 = time.perf_counter()
    response = client.get(path, headers=headers)
    _ = response.content
    elapsed = time.perf_counter() - t0
    if response.status_code != expect:
        raise RuntimeError(f"GET {path}: HTTP {response.status_code} {response.text[:300]}")
    return elapsed, response


def summary_and_floor(client: httpx.Client, path: str, count: int) -> dict[str, Any]:
    """(a): the summary and the floor, taking turns; the book's size and counts."""
    book, floor = [], []
    for _ in range(count):
        took, answer = _timed(client, path, {}, 200)
        book.append(took)
        floor.append(_timed(client, "/fhir/metadata", {}, 200)[0])
    body = answer.json()
    sections = [*body["history"], body["episodes"], body["papers"]]
    items = sum(s["count"] for s in sections)
    nested = sum(len(e.get(k, [])) for e in body["episodes"]["items"]
                 for k in ("diagnoses", "results", "medications", "procedures"))  # fmt: skip
    return {"summary": summarise(book), "floor_metadata": summarise(floor),
            "response_bytes": len(answer.content), "etag": answer.headers.get("etag"),
            "items_shown": items + nested,
            "section_counts": {s["key"]: s["count"] for s in sections}}  # fmt: skip


def revalidation(client: httpx.Client, path: str, etag: str, count: int) -> dict[str, Any]:
    """(b): `If-None-Match` with the current ETag, answered 304 with no body."""
    samples = [_timed(client, path, {"If-None-Match": etag}, 304)[0] for _ in range(count)]
    return summarise(samples)


def page(client: httpx.Client, path: str, count: int) -> dict[str, Any]:
    """(c): the rendered page, or why it was not measured."""
    probe = client.get(path)
    if probe.status_code == 404:
        return {"path": path, "skipped": NOT_YET}
    if probe.status_code != 200:
        return {"path": path, "skipped": f"HTTP {probe.status_code}: {probe.text[:200]}"}
    samples = [_timed(client, path, {}, 200)[0] for _ in range(count)]
    return {"path": path, "content_type": probe.headers.get("content-type"),
            "response_bytes": len(probe.content), **summarise(samples)}  # fmt: skip


def verdicts(result: dict[str, Any]) -> dict[str, Any]:
    """Each target with the measured figure and met / missed (None: not measured)."""
    figures = {
        "summary_p50_ms": result["summary"].get("p50_ms"),
        "summary_p99_ms": result["summary"].get("p99_ms"),
        "page_p50_ms": result["page"].get("p50_ms"),
        "revalidation_304_p50_ms": result["revalidation_304"].get("p50_ms"),
        "summary_requests_per_s": result["throughput"].get("requests_per_s"),
        "summary_requests_per_s_every_book_built":
            result["throughput_every_book_built"].get("requests_per_s"),
    }
    out = {}
    for key, (bound, kind) in TARGETS.items():
        value = figures[key]
        met = None if value is None else (value <= bound if kind == "max" else value >= bound)
        out[key] = {"measured": value, "target": f"{'≤' if kind == 'max' else '≥'} {bound:g}",
                    "met": met}  # fmt: skip
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    say = lambda m: print(f"[health-book] {m}", flush=True)  # noqa: E731
    url = ensure_pg_database(args.pg_admin_url, args.pg_database)
    loaded = load_and_record(url, args.patients, log=say)
    record = ensure_long_record(url, args.index, say)
    patient = book_patient_id(args.index)
    path, page_path = f"/api/health-book/{patient}", args.page_path.format(patient_id=patient)
    SERVER_WORKERS[0] = args.server_workers
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.health_book " + " ".join(sys.argv[1:]),
        "machine": machine(), "code": code_version(), "server_code": server_code(),
        "database_url": url, "database": database_facts(url), "patients": args.patients,
        "load": {k: loaded.get(k) for k in ("patients", "skipped", "code", "date")},
        "resident": {"patient": patient, **record}, "api_processes": args.server_workers,
        "timing": "client-side on loopback (keep-alive, httpx); the server sends no "
                  "Server-Timing header, so GET /fhir/metadata in the same run is the floor",
    }  # fmt: skip
    auth = {"Authorization": f"Bearer {resident_token(url, patient)}"}
    # First a server that keeps no built book: every summary is built, as for readers
    # of as many different records; then one as shipped, which keeps them.
    with _serving(url, auth, cold=True) as (base, pid, client):
        say(f"server {base} (pid {pid}, {args.server_workers} API processes, keeps no book)")
        summary_and_floor(client, path, args.warmup)
        result.update(summary_and_floor(client, path, args.requests))
        say(f"summary {result['summary']}  floor {result['floor_metadata']}")
        result["revalidation_304"] = revalidation(client, path, result["etag"], args.requests)
        say(f"304 {result['revalidation_304']}")
        result["page"] = page(client, page_path, args.requests)
        say(f"page {result['page']}")
        result["throughput_every_book_built"] = _throughput(base, path, auth, pid, args)
        say(f"throughput, every book built {result['throughput_every_book_built']}")
    with _serving(url, auth, cold=False) as (base, pid, client):
        say(f"server {base} (pid {pid}): keeps the books it built")
        kept = summary_and_floor(client, path, args.requests)
        result["summary_kept"], result["floor_metadata_kept"] = kept["summary"], kept[
            "floor_metadata"]
        say(f"summary, kept {result['summary_kept']}")
        result["throughput"] = _throughput(base, path, auth, pid, args, profile=False)
        say(f"throughput, book kept {result['throughput']}")
        result["server_memory"] = process_memory(pid)
    result["targets"] = verdicts(result)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if code_version() != result["code"]:
        result["code_after"] = code_version()  # the code changed under the run
    return result


def _throughput(base: str, path: str, auth: dict[str, str], pid: int,
                args: argparse.Namespace, profile: bool = True) -> dict[str, Any]:  # fmt: skip
    """`wrk` at `--clients` connections (py-spy on each API process if asked)."""
    token = auth["Authorization"].removeprefix("Bearer ")
    out_stem = RESULTS / f"health-book-profile{'-' + args.label if args.label else ''}"
    with profiled(pid, out_stem, args.seconds, enabled=args.profile and profile) as found:
        stats = wrk.run_wrk(base, [("GET", path, None)], token, args.clients, args.seconds)
    if found:
        stats["profile"] = found
    return stats


@contextmanager
def _serving(url: str, auth: dict[str, str], *, cold: bool
             ) -> Iterator[tuple[str, int, httpx.Client]]:  # fmt: skip
    """`hoso serve` (`cold`: keeping no built book, `HOSO_BOOK_CACHE_MIB=0`; a server
    older than the kept books ignores it and builds every time anyway) and a client."""
    if cold:
        SERVER_ENV["HOSO_BOOK_CACHE_MIB"] = "0"
    try:
        with (server(url, VAR / f"server-health-book{'-cold' if cold else ''}.log")
              as (base, pid),
              httpx.Client(base_url=base, timeout=60, headers=auth) as client):  # fmt: skip
            yield base, pid, client
    finally:
        SERVER_ENV.pop("HOSO_BOOK_CACHE_MIB", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--pg-database", default="hoso_bench_1m")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--index", type=int, default=BOOK_RESIDENT, help="the resident")
    parser.add_argument("--requests", type=int, default=300, help="sequential, per kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--clients", type=int, default=32, help="wrk connections")
    parser.add_argument("--seconds", type=float, default=20.0, help="wrk run")
    parser.add_argument("--server-workers", type=int, default=2, help="hoso serve --workers")
    parser.add_argument("--page-path", default="/book/{patient_id}",
                        help="the page's path ({patient_id} is replaced)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="py-spy during the wrk run")
    parser.add_argument("--label", help="write health-book-postgresql-1m-LABEL.json")
    parser.add_argument("--server-src",
                        help="PYTHONPATH for the server and `hoso token`: a source tree, e.g. "
                        "a worktree of an older commit, for a before/after in one hour")
    args = parser.parse_args(argv)
    if args.server_src:
        SERVER_ENV["PYTHONPATH"] = args.server_src
    if not wrk.available():
        parser.error("wrk is needed (apt-get install wrk)")
    result = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    size = "1m" if args.patients == 1_000_000 else str(args.patients)
    out = RESULTS / f"health-book-postgresql-{size}{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["targets"], indent=2, ensure_ascii=False))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
