"""`hoso quality run`: recompute every finding and write a scorecard snapshot.

Findings are derived data: the batch rebuilds them from the current resources, adding
the rules that look across a resident's record (coverage, recent vital signs, care
before birth, open MPI pairs) that single writes cannot run. Each page of resources is
rewritten in one transaction with its rows locked (`hoso.store.quality_batch`), so the
batch runs beside live writes. The residents' facts are read once at the start: a fact
that changes during the run shows in the next one.

The snapshot counts, per facility × ward × rule, the resources the rule read and those
it found fault with; it is written with the run's end in one transaction.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from hoso.core import clock, jsonx
from hoso.ingest.quality.checker import check_resource, make_checker
from hoso.ingest.quality.model import PatientFacts, RuleContext
from hoso.ingest.quality.places import facility_of, home_ward, organization_code
from hoso.ingest.quality.registry import rules_for
from hoso.store import quality_batch as sql
from hoso.store.quality_rows import issue_rows
from hoso.store.sql_store import SqlStore

__all__ = ["RunReport", "run_quality_batch"]

PAGE = 1000


@dataclass
class RunReport:
    run_id: int
    resources: int = 0
    issues: int = 0
    seconds: float = 0.0
    findings: dict[str, int] = field(default_factory=dict)  # per rule


@dataclass
class _Facts:
    covered: set[str]
    vitals: dict[str, int]
    care: dict[str, int]
    duplicates: set[str]

    def of(self, patient_id: str) -> PatientFacts:
        return PatientFacts(
            covered=patient_id in self.covered,
            last_vital_signs_us=self.vitals.get(patient_id),
            open_duplicate=patient_id in self.duplicates,
            first_care_us=self.care.get(patient_id),
        )


def _places(store: SqlStore) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(Organization reference → facility code, Patient id → (facility, ward))."""
    system = store.settings.facility_system
    codes: dict[str, str] = {}
    for page in sql.read_pages(store.engine, ["Organization"]):
        for row in page:
            code = organization_code(jsonx.loads(row.content), system)
            if code:
                codes[f"Organization/{row.id}"] = code
    residents: dict[str, tuple[str, str]] = {}
    for page in sql.read_pages(store.engine, ["Patient"]):
        for row in page:
            patient = jsonx.loads(row.content)
            residents[row.id] = (facility_of(patient, codes, None), home_ward(patient))
    return codes, residents


def _facts(store: SqlStore) -> _Facts:
    with store.engine.connect() as conn, conn.begin():
        return _Facts(
            sql.covered_patients(conn),
            sql.last_vital_signs(conn),
            sql.care_starts(conn),
            sql.open_duplicates(conn),
        )


def run_quality_batch(
    store: SqlStore, *, page: int = PAGE, progress: Callable[[int], None] | None = None
) -> RunReport:
    """Recompute every resource's findings and snapshot the scorecard."""
    started = time.perf_counter()
    base = make_checker(store.settings).context()  # one `now` for the whole run
    with store.engine.begin() as conn:
        report = RunReport(sql.start_run(conn, clock.now_us()))
    codes, residents = _places(store)
    facts = _facts(store)
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    after = 0
    while True:
        with store.engine.begin() as conn:
            rows = sql.lock_page(conn, after, page)
            new_rows = []
            for row in rows:
                resource = jsonx.loads(row.content)
                ctx = base
                if row.resource_type == "Patient":
                    ctx = RuleContext(base.now, base.cccd_system, base.bhyt_system,
                                      base.bhxh_system, facts.of(row.id))  # fmt: skip
                issues = check_resource(resource, ctx, kind=None)
                new_rows.extend(issue_rows(row.seq, row.resource_type, row.patient_id, issues))
                resident = residents.get(row.patient_id or "", ("", ""))
                place = (facility_of(resource, codes, resident[0]), resident[1])
                _count(tally, place, row.resource_type, [i.rule for i in issues])
            sql.replace_issues(conn, [r.seq for r in rows], new_rows)
        report.resources += len(rows)
        report.issues += len(new_rows)
        for r in new_rows:
            report.findings[r["rule"]] = report.findings.get(r["rule"], 0) + 1
        if progress is not None:
            progress(report.resources)
        if len(rows) < page:
            break
        after = rows[-1].seq
    score_rows = [
        {"run_id": report.run_id, "facility": f, "ward": w, "rule": rule,
         "checked": c, "failing": n, "findings": k}
        for (f, w, rule), (c, n, k) in sorted(tally.items())
    ]  # fmt: skip
    with store.engine.begin() as conn:
        sql.finish_run(
            conn, report.run_id, clock.now_us(), report.resources, report.issues, score_rows
        )
    report.seconds = time.perf_counter() - started
    return report


def _count(
    tally: dict[tuple[str, str, str], list[int]],
    place: tuple[str, str],
    resource_type: str,
    found: list[str],
) -> None:
    for rule in rules_for(resource_type):
        counts = tally[(*place, rule.code)]
        hits = found.count(rule.code)
        counts[0] += 1
        counts[1] += 1 if hits else 0
        counts[2] += hits
