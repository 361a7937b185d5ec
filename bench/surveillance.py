"""The surveillance daily job and its grouping query on 100,000 synthetic cases
(docs/performance.md, "Counts and the daily job"): 40 diseases over 168 wards and 5 years, wards
weighted as the synthetic city weights them (`hoso.synth.places.ward_weight`), dengue
seasonal (June–November), the rest flat; then

- the grouping query the job runs: every disease's cases by ward and ISO week, by report
  date, over the job's history (270 weeks);
- the daily job itself, each disease's definition's method (Farrington flexible with R's
  defaults for most, EARS C3 or the four-week view for some) and the city's simple view,
  over 40 × (168 + 1) series, and once more (the idempotent re-run);
- one dashboard read: a disease's curve (26 weeks, onset and report), the 168-ward map
  and the district-level table.

    python -m bench.surveillance --database-url sqlite:///var/bench-surv.db
    python -m bench.surveillance --database-url postgresql://postgres@127.0.0.1/bench
The database must be empty (or made for this): the cases are added to ph_case.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from datetime import date, timedelta

import sqlalchemy as sa

from hoso.assembly import open_store
from hoso.core.settings import Settings
from hoso.publichealth.daily import HISTORY_WEEKS, run_daily
from hoso.publichealth.definitions import packaged_definitions
from hoso.publichealth.disease_rules import stored_rules
from hoso.publichealth.series.counts import CLASSIFICATIONS
from hoso.publichealth.series.population import synthetic_population
from hoso.publichealth.series.views import Viewer, district_table, epidemic_curve, ward_map
from hoso.store.publichealth_schema import ph_case, ph_disease
from hoso.synth.places import all_wards, ward_weight

SHIPPED = {d.code: d.document for d in packaged_definitions()}
# The ten shipped definitions, and thirty more made from dengue's (Farrington flexible).
DISEASES = [*SHIPPED, *(f"d{i:02d}" for i in range(30))]


def _definition(code: str) -> str:
    return json.dumps(SHIPPED.get(code) or {**SHIPPED["dengue"], "code": code},
                      ensure_ascii=False)  # fmt: skip
TODAY = date(2026, 12, 7)
KINDS = ("suspected", "probable", "confirmed", "confirmed", "discarded")


def _cases(n: int, rng: random.Random) -> list[dict[str, object]]:
    wards = all_wards()
    weights = [ward_weight(w) for w in wards]
    # Dengue is half the cases, as in the city's notifications; the others share the rest.
    disease_weights = [20.0, 5.0, 1.0, 4.0, 3.0] + [0.5] * 35
    days = 5 * 365
    rows = []
    for i in range(n):
        disease = rng.choices(DISEASES, disease_weights)[0]
        while True:
            back = rng.randrange(days)
            onset = TODAY - timedelta(days=back)
            season = 1 + math.sin((onset.timetuple().tm_yday - 120) / 365 * 2 * math.pi)
            if disease != "dengue" or rng.random() < season / 2:
                break
        report = onset + timedelta(days=rng.choice((0, 1, 1, 2, 2, 3, 5, 8)))
        ward = rng.choices(wards, weights)[0]
        rows.append({"disease": disease, "definition_version": 1, "patient_id": f"b{i}",
                     "classification": rng.choice(KINDS), "status": "open",
                     "onset_date": onset.isoformat(), "report_date": report.isoformat(),
                     "diagnosed_at": 0, "reported_at": 0, "deadline_at": 0,
                     "last_evidence_at": 0, "ward": str(ward.code), "facility": "79001",
                     "epi": "{}", "created_at": 0, "updated_at": 0})  # fmt: skip
    return rows


def _load(engine: sa.Engine, n: int) -> float:
    started = time.perf_counter()
    rows = _cases(n, random.Random(18))
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(ph_case), rows[start:start + 5000])
        conn.execute(sa.insert(ph_disease), [
            {"code": code, "version": 1, "content": _definition(code), "enabled": True,
             "created_by": "bench", "created_at": 0} for code in DISEASES])  # fmt: skip
    return time.perf_counter() - started


def _timed(label: str, fn: object, repeat: int = 3) -> object:
    best, result = math.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    print(f"{label}: {best:.3f} s (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    from hoso.store.publichealth_series import SqlSurveillance

    store = open_store(args.database_url, Settings(database_url=args.database_url))
    engine = store.engine
    rows = SqlSurveillance(engine)
    print(f"{engine.dialect.name}: loading {args.cases} cases …")
    print(f"load: {_load(engine, args.cases):.1f} s")
    weights = {str(w.code): ward_weight(w) for w in all_wards()}
    rows.store_population((r.ward, r.year, r.population) for r in synthetic_population(
        range(2021, 2027), lambda code: weights.get(code, 0.0)))  # fmt: skip
    first = (TODAY - timedelta(days=TODAY.weekday() + 7 * HISTORY_WEEKS)).isoformat()
    grouped = _timed("grouping query (40 diseases × wards × 270 ISO weeks, by report)",
                     lambda: rows.counts(basis="report", interval="week", first=first,
                                         last=TODAY.isoformat(),
                                         classifications=CLASSIFICATIONS))  # fmt: skip
    print(f"  groups returned: {len(grouped)}")  # type: ignore[arg-type]
    catalogue = stored_rules(_definition(code) for code in DISEASES)
    run = run_daily(rows, catalogue, TODAY, 1)
    print(f"daily job, first run: {run.seconds:.3f} s — {run.series} series judged, "
          f"{run.alarms} alarms, {run.signals_added} signals, {run.foci_suggested} foci")
    again = run_daily(rows, catalogue, TODAY, 2)
    print(f"daily job, re-run: {again.seconds:.3f} s — {again.signals_added} new signals")
    viewer = Viewer("bench", None)

    def dashboard() -> None:
        last, kinds = TODAY, CLASSIFICATIONS
        start = TODAY - timedelta(weeks=26)
        epidemic_curve(rows, viewer, disease="dengue", interval="week", first=start,
                       last=last, kinds=kinds)  # fmt: skip
        ward_map(rows, viewer, disease="dengue", first=start, last=last, kinds=kinds)
        district_table(rows, disease="dengue", first=start, last=last, kinds=kinds)

    _timed("dashboard read (dengue: curve, map, districts; 26 weeks)", dashboard)
    engine.dispose()


if __name__ == "__main__":
    main()
