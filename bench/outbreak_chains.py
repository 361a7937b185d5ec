"""Contact tracing at outbreak scale (issue 18 point 5): 100,000 cases, 300,000 contacts.

    python -m bench.outbreak_chains [--backend sqlite|postgresql|both] [--cases 100000]
        [--contacts-per-case 3] [--pg-database hoso_bench_outbreak] [--label LABEL]

THE LOADER. This bench loads its synthetic outbreak itself, straight into the tracing
tables through the store module's bulk inserts (`hoso.store.publichealth_tracing.
TracingBulk.insert`) — not through the API, the case register or the MPI: cases,
case-officer links, events, contacts, follow-ups and visits are rows made here. No
Patient resources are written (the chains and indicators never read them; the daily
list reads the Patients of the page it shows, here absent, so its names are empty).
The database is emptied of tracing rows first.

The outbreak: `--cases / 25` confirmed index cases over 120 days in 168 wards; every
case lists `--contacts-per-case` contacts (household, school, workplace, …), a third of
whom (40 %) fall ill 2–7 days later and list their own, breadth first, until `--cases` cases;
plus 200 events with 15 exposures each. 2 % of the contacts are persons already traced
(`MIXING`: met again elsewhere), which joins most clusters into one giant chain — the
case a chain view must survive. Each contact is followed 14 days, every day,
by one of three clinicians of its ward's station; follow-ups ended before the as-of day
are closed (completed 85 %, lost 10 %, or became-case), and visits are recorded for the
follow-ups of the last 28 days (seen 85 %, missed 10 %, not attempted 5 %).

Then, timed, on each backend:
a. the chain snapshot job (asked through the facade, computed by `ChainSnapshots.run`:
   read every case and contact as of the day, components, generations, JSON, stored);
b. the daily follow-up lists of 20 wards through the facade, as each station's
   clinician (200 a page), and the daily close job;
c. the chain page `/publichealth/chains/{id}.html` of the largest chain (node cap 150)
   and of a small one, through the app (TestClient), first (the snapshot's result read
   and parsed) and again (cached), and the snapshot's JSON;
d. the indicators over the last 28 days.
Results: `bench/results/outbreak-chains-<backend>[-LABEL].json` and printed; the
figures of docs/performance.md, "Contact tracing and chains" come from them.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench.facts import machine
from bench.latency import PG_ADMIN_URL, ROOT, ensure_pg_database
from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.claims import AccessClaims
from hoso.access.principal import Principal
from hoso.access.publichealth_tracing import MappedStations
from hoso.access.scopes import ScopeSet
from hoso.api.app import create_app
from hoso.api.publichealth_tracing_routes import facades_of
from hoso.assembly import open_store, pseudonym_key, repository_for
from hoso.core.settings import Settings
from hoso.store.sql_store import SqlAuditLog, SqlStore

AS_OF = date(2026, 11, 30)
DAYS = 120
WARDS = [f"26{n:03d}" for n in range(168)]
SETTINGS = ("household", "household", "school", "workplace", "healthcare", "other")
DISEASE, FOLLOWUP_DAYS = "covid-19", 14
MIXING = 0.02  # of the contacts: a person already traced (joins chains)
OFFICER = "account:bench-officer"
RESULTS = ROOT / "bench" / "results"
US = 1_000_000
TABLES = ("ph_visit", "ph_followup", "ph_contact", "ph_event", "ph_case_officer", "ph_case",
          "ph_chain_snapshot")  # fmt: skip


def _day(d: date) -> str:
    return d.isoformat()


def outbreak(cases: int, per_case: int, seed: int = 18) -> dict[str, list[dict[str, Any]]]:
    """The synthetic outbreak's rows (see the module's docstring)."""
    rng = random.Random(seed)
    start = AS_OF - timedelta(days=DAYS)
    case_rows: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    queue: list[tuple[str, date, str]] = []
    person = 0

    def new_case(onset: date, ward: str, classification: str) -> str:
        nonlocal person
        person += 1
        pid = f"bench-{person}"
        report = onset + timedelta(days=rng.randint(0, 3))
        case_rows.append({"patient_id": pid, "onset": onset, "report": report, "ward": ward,
                          "classification": classification,
                          "isolation": report + timedelta(days=rng.randint(0, 2))})  # fmt: skip
        queue.append((pid, onset, ward))
        return pid

    for _ in range(max(1, cases // 25)):
        new_case(start + timedelta(days=rng.randint(0, DAYS - 30)), rng.choice(WARDS), "confirmed")
    head = 0
    while head < len(queue):
        source, onset, ward = queue[head]
        head += 1
        for _ in range(per_case):
            if rng.random() < MIXING and person > 1:
                # A person already traced, met again elsewhere: community transmission
                # joins the clusters into one chain of tens of thousands.
                contacts.append({"source": source, "event": None, "ward": ward,
                                 "target": f"bench-{rng.randint(1, person)}", "mixing": True,
                                 "last": onset, "setting": rng.choice(SETTINGS)})  # fmt: skip
                continue
            person += 1
            target = f"bench-{person}"
            last = onset + timedelta(days=rng.randint(-1, 2))
            home = ward if rng.random() < 0.8 else rng.choice(WARDS)
            contacts.append({"source": source, "event": None, "target": target, "last": last,
                             "ward": home, "setting": rng.choice(SETTINGS)})  # fmt: skip
            ill = onset + timedelta(days=rng.randint(2, 7))
            if len(case_rows) < cases and rng.random() < 0.4 and ill <= AS_OF:
                person -= 1  # the contact is the new case: same person
                new_case(ill, home, "confirmed" if rng.random() < 0.8 else "suspected")
    for event_id in range(1, 201):
        for _ in range(15):
            person += 1
            contacts.append({"source": None, "event": event_id, "target": f"bench-{person}",
                             "last": start + timedelta(days=rng.randint(0, DAYS - 1)),
                             "ward": rng.choice(WARDS), "setting": "event"})  # fmt: skip
    return {"cases": case_rows, "contacts": contacts}


def _rows(out: dict[str, list[dict[str, Any]]], seed: int = 19) -> dict[str, list[dict[str, Any]]]:
    """The table rows of the outbreak, ids assigned here."""
    rng = random.Random(seed)
    now = int(datetime.now(UTC).timestamp() * US)
    ill = {c["patient_id"]: i + 1 for i, c in enumerate(out["cases"])}
    cases = [{"id": i + 1, "disease": DISEASE, "definition_version": 1,
              "patient_id": c["patient_id"], "classification": c["classification"],
              "status": "open", "onset_date": _day(c["onset"]), "report_date": _day(c["report"]),
              "diagnosed_at": now, "reported_at": now, "deadline_at": now,
              "last_evidence_at": now, "ward": c["ward"], "facility": "79001",
              "isolation_date": _day(c["isolation"]), "epi": "{}", "created_at": now,
              "updated_at": now} for i, c in enumerate(out["cases"])]  # fmt: skip
    officers = [{"case_id": c["id"], "officer": OFFICER, "since": now}
                for c in cases[: len(cases) // 50]]  # fmt: skip
    events = [{"id": i, "kind": "event", "name": f"Sự kiện {i}", "disease": DISEASE,
               "ward": rng.choice(WARDS), "date": None, "created_by": "bench", "created_at": now}
              for i in range(1, 201)]  # fmt: skip
    contacts, followups, visits = [], [], []
    recent = AS_OF - timedelta(days=28)
    for i, c in enumerate(out["contacts"], start=1):
        contacts.append({"id": i, "disease": DISEASE, "source_patient": c["source"],
                         "source_event": c["event"], "target_patient": c["target"],
                         "first_exposure": _day(c["last"]), "last_exposure": _day(c["last"]),
                         "setting": c["setting"], "certainty": "high", "duration_minutes": 30,
                         "created_by": OFFICER, "created_at": now})  # fmt: skip
        begin, end = c["last"] + timedelta(days=1), c["last"] + timedelta(days=FOLLOWUP_DAYS)
        if begin > AS_OF or c.get("mixing") or c["target"] == c["source"]:
            continue
        case_id = ill.get(c["target"])
        status = ("became-case" if case_id else "active" if end >= AS_OF else
                  rng.choices(("completed", "lost"), (85, 10))[0])  # fmt: skip
        member = rng.randint(0, 2)
        followups.append({"id": i, "patient_id": c["target"], "disease": DISEASE,
                          "ward": c["ward"], "start_date": _day(begin), "end_date": _day(end),
                          "frequency_days": 1, "status": status,
                          "assignee": f"account:tyt-{c['ward']}-{member}",
                          "case_id": case_id if status == "became-case" else None,
                          "closed_at": now if status != "active" else None,
                          "created_at": now})  # fmt: skip
        if end >= recent:
            day = max(begin, recent)
            while day <= min(end, AS_OF - timedelta(days=1)):
                visits.append({"followup_id": i, "day": _day(day), "recorded_by": "bench",
                               "outcome": rng.choices(("seen-ok", "missed", "not-attempted"),
                                                      (85, 10, 5))[0],
                               "recorded_at": now})  # fmt: skip
                day += timedelta(days=1)
    return {"ph_case": cases, "ph_case_officer": officers, "ph_event": events,
            "ph_contact": contacts, "ph_followup": followups, "ph_visit": visits}  # fmt: skip


@contextmanager
def timed(into: dict[str, Any], name: str) -> Iterator[None]:
    began = time.perf_counter()
    yield
    into[name] = round(time.perf_counter() - began, 3)
    print(f"  {name}: {into[name]} s", flush=True)


def _principal(role: str, subject: str, facility: str | None = None) -> Principal:
    scopes = ("user/*.cruds",)
    claims = AccessClaims(subject=subject, role=role, scopes=scopes, client_id="bench",
                          token_id=f"bench-{subject}", expires_at=4_000_000_000,
                          facility=facility)  # fmt: skip
    return Principal(claims, ScopeSet.parse(scopes))


def _load(store: SqlStore, rows: dict[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:
    from hoso.store.publichealth_tracing import TracingBulk

    with store.engine.begin() as conn:
        for table in TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))  # our own table names
        conn.execute(sa.text("DELETE FROM auth_account WHERE id LIKE 'tyt-%'"))
        conn.execute(sa.text("INSERT INTO auth_account (id, username, password_hash, role, "
                             "facility, failed_attempts, status, created) VALUES "
                             "(:i, :i, 'x', 'clinician', :f, 0, 'active', 0)"),
                     [{"i": f"tyt-{w}-{m}", "f": f"TYT{w}"} for w in WARDS for m in range(3)])
    bulk = TracingBulk(store.engine)
    with timed(figures, "load_seconds"):
        for table in ("ph_case", "ph_case_officer", "ph_event", "ph_contact", "ph_followup",
                      "ph_visit"):  # fmt: skip
            bulk.insert(table, rows[table])
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def _median(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 4), round(max(times), 4)


def run_backend(url: str, backend: str, rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    print(f"[{backend}]", flush=True)
    settings = Settings.from_env(url)
    store = open_store(url, settings)
    figures: dict[str, Any] = {"backend": backend}
    _load(store, rows, figures)
    app = create_app(store, settings)
    app.state.ph_disease_params = {DISEASE: (FOLLOWUP_DAYS, 1)}.__getitem__
    app.state.ph_ward_stations = MappedStations({w: f"TYT{w}" for w in WARDS})
    trail = GroupCommitAuditTrail(SqlAuditLog(store))
    key = pseudonym_key(store)
    officer = repository_for(store, _principal("officer", OFFICER), trail, key=key)
    tracing, chains = facades_of(app.state)
    try:
        _snapshot(chains, officer, figures)
        _lists(store, tracing, trail, key, rows, figures)
        _pages(app, chains, figures)
        with timed(figures, "indicators_28_days_seconds"):
            chains.indicators(officer, DISEASE, _day(AS_OF - timedelta(days=27)), _day(AS_OF))
        operator = repository_for(store, _principal("operator", "operator:bench"), trail, key=key)
        with timed(figures, "close_job_seconds"):
            figures["close_job"] = tracing.close_due(operator, _day(AS_OF))
    finally:
        trail.close()
        store.engine.dispose()
    return figures


def _snapshot(chains: Any, officer: Any, figures: dict[str, Any]) -> None:
    with timed(figures, "snapshot_job_seconds"):
        snap, _cached = chains.request(officer, {"disease": DISEASE, "as_of": _day(AS_OF),
                                                 "refresh": True})  # fmt: skip
        assert chains.run(snap.id) == "done"
    figures["snapshot_id"] = snap.id
    status = chains.status(officer, snap.id, limit=200)
    figures["snapshot_totals"] = status["totals"]
    sizes = [c["size"] for c in status["chains"]]
    figures["largest_chains"] = sizes[:5]
    figures["snapshot_json_mib"] = round(len(chains.rows.snapshot_result(snap.id)) / 2**20, 1)


def _lists(store: SqlStore, tracing: Any, trail: Any, key: bytes,
           rows: dict[str, list[dict[str, Any]]], figures: dict[str, Any]) -> None:  # fmt: skip
    active: dict[str, int] = {}
    for f in rows["ph_followup"]:
        if f["status"] == "active":
            active[f["ward"]] = active.get(f["ward"], 0) + 1
    busiest = sorted(active, key=lambda w: -active[w])[:20]
    times, sizes = [], []
    for ward in busiest:
        clinician = repository_for(store, _principal("clinician", f"account:tyt-{ward}-0",
                                                     f"TYT{ward}"), trail, key=key)  # fmt: skip
        began = time.perf_counter()
        listing = tracing.daily_list(clinician, ward, _day(AS_OF), limit=200)
        times.append(time.perf_counter() - began)
        sizes.append(listing["total"])
    figures["daily_list"] = {"wards": len(busiest), "due_per_ward_max": max(sizes),
                             "due_per_ward_median": statistics.median(sizes),
                             "seconds_median": round(statistics.median(times), 4),
                             "seconds_max": round(max(times), 4)}  # fmt: skip
    figures["busiest_ward"] = busiest[0]
    print(f"  daily lists: {figures['daily_list']}", flush=True)


def _pages(app: Any, chains: Any, figures: dict[str, Any]) -> None:
    tokens = app.state.tokens
    officer = tokens.issue(subject=OFFICER, role="officer", scopes=("user/*.cruds",),
                           client_id="bench")  # fmt: skip
    ward = figures["busiest_ward"]
    station = tokens.issue(subject=f"account:tyt-{ward}-0", role="clinician",
                           scopes=("user/*.cruds",), client_id="bench", facility=f"TYT{ward}")
    snap, last = figures["snapshot_id"], figures["snapshot_totals"]["chains"]
    pages: dict[str, Any] = {}
    as_officer = {"Authorization": f"Bearer {officer}"}
    # One client (one lifespan of the app: its audit trail stays open) for both callers.
    with TestClient(app, raise_server_exceptions=False) as client:
        def get(url: str, headers: dict[str, str] = as_officer) -> None:
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])

        # The station's page first: it also warms the app (templates compiled), so that
        # the chain page's first figure is the snapshot's result read and parsed.
        pages["contacts_page_busiest_ward_median_of_5"], _ = _median(
            lambda: get(f"/publichealth/contacts.html?ward={ward}&day={_day(AS_OF)}",
                        {"Authorization": f"Bearer {station}"}), 5)
        chains._results.clear()  # the first chain page reads and parses the stored result

        for name, url in (("chain_page_largest_first", f"/publichealth/chains/{snap}.html"),
                          ("chain_page_largest_again", f"/publichealth/chains/{snap}.html"),
                          ("chain_page_smallest", f"/publichealth/chains/{snap}.html?chain={last}"),
                          ("snapshot_json", f"/api/publichealth/chains/{snap}?limit=200"),
                          ("chain_json_largest", f"/api/publichealth/chains/{snap}/chains/1")):
            began = time.perf_counter()
            get(url)
            pages[name] = round(time.perf_counter() - began, 4)
        pages["chain_page_largest_median_of_5"], _ = _median(
            lambda: get(f"/publichealth/chains/{snap}.html"), 5)
    figures["pages_seconds"] = pages
    print(f"  pages: {pages}", flush=True)


def _commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                           capture_output=True, text=True, check=False)  # fmt: skip
    return found.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--contacts-per-case", type=int, default=3)
    parser.add_argument("--sqlite-path", default=str(ROOT / "var" / "bench" / "outbreak.sqlite"))
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--pg-database", default="hoso_bench_outbreak")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    began = time.perf_counter()
    made = outbreak(args.cases, args.contacts_per_case)
    rows = _rows(made)
    generated = round(time.perf_counter() - began, 1)
    counts = {table: len(found) for table, found in rows.items()}
    print(f"outbreak generated in {generated} s: {counts}", flush=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        if backend == "sqlite":
            Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{args.sqlite_path}"
        else:
            url = ensure_pg_database(args.pg_admin_url, args.pg_database)
        figures = run_backend(url, backend, rows)
        when = datetime.now(UTC).isoformat(timespec="seconds")
        report = {"bench": "outbreak_chains", "date": when,
                  "commit": _commit(), "machine": machine(), "rows": counts,
                  "generated_seconds": generated, **figures}  # fmt: skip
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = f"outbreak-chains-{backend}{'-' + args.label if args.label else ''}.json"
        (RESULTS / name).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"→ bench/results/{name}", flush=True)


if __name__ == "__main__":
    main()
