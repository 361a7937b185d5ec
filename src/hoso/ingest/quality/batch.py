"""`hoso quality run`: recompute every finding and write a scorecard snapshot.

Findings are derived data: the batch rebuilds them from the current resources, adding
the rules that look across a resident's record (coverage, recent vital signs, care
before birth, open MPI pairs) that single writes cannot run. Each page of resources is
rewritten in one transaction with its rows locked (`QualityTables.locked_page`), so the
batch runs beside live writes. The residents' facts are read once at the start: a fact
that changes during the run shows in the next one.

The snapshot counts, per facility × ward × rule, the resources the rule read and those
it found fault with; it is written with the run's end in one transaction. Everything
goes through the caller's access layer (`QualityAccess`): the operator's job, audited.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from hoso.core import clock, jsonx
from hoso.core.settings import Settings
from hoso.fhir.store import BulkRow, QualityFacts, QualityTables, ScoreRow
from hoso.ingest.quality.checker import check_resource, make_checker
from hoso.ingest.quality.model import PatientFacts, RuleContext
from hoso.ingest.quality.places import facility_of, home_ward, organization_code
from hoso.ingest.quality.registry import rules_for

__all__ = ["QualityAccess", "RunReport", "run_quality_batch"]

PAGE = 1000


class QualityAccess(Protocol):
    """What the batch needs of the caller's access layer (`hoso.access.records`)."""

    def tables(self, *, write: bool = False) -> AbstractContextManager[QualityTables]: ...
    def stream(self, types: Sequence[str]) -> Iterator[BulkRow]: ...


@dataclass
class RunReport:
    run_id: int
    resources: int = 0
    issues: int = 0
    seconds: float = 0.0
    findings: dict[str, int] = field(default_factory=dict)  # per rule


def _fact(facts: QualityFacts, patient_id: str) -> PatientFacts:
    return PatientFacts(
        covered=patient_id in facts.covered,
        last_vital_signs_us=facts.last_vital_signs.get(patient_id),
        open_duplicate=patient_id in facts.open_duplicates,
        first_care_us=facts.care_starts.get(patient_id),
    )


def _places(access: QualityAccess, system: str
            ) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:  # fmt: skip
    """(Organization reference → facility code, Patient id → (facility, ward))."""
    codes: dict[str, str] = {}
    for row in access.stream(["Organization"]):
        code = organization_code(jsonx.loads(row.content), system)
        if code:
            codes[f"Organization/{row.id}"] = code
    residents: dict[str, tuple[str, str]] = {}
    for row in access.stream(["Patient"]):
        patient = jsonx.loads(row.content)
        residents[row.id] = (facility_of(patient, codes, None), home_ward(patient))
    return codes, residents


def run_quality_batch(access: QualityAccess, settings: Settings, *, page: int = PAGE,
                      progress: Callable[[int], None] | None = None) -> RunReport:  # fmt: skip
    """Recompute every resource's findings and snapshot the scorecard."""
    started = time.perf_counter()
    base = make_checker(settings).context()  # one `now` for the whole run
    with access.tables(write=True) as tables:
        report = RunReport(tables.start_run(clock.now_us()))
        facts = tables.facts()
    codes, residents = _places(access, settings.facility_system)
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    after = 0
    while True:
        with access.tables(write=True) as tables:
            rows = tables.locked_page(after, page)
            found = []
            for row in rows:
                resource = jsonx.loads(row.content)
                ctx = base
                if row.resource_type == "Patient":
                    ctx = RuleContext(base.now, base.cccd_system, base.bhyt_system,
                                      base.bhxh_system, _fact(facts, row.id))  # fmt: skip
                issues = check_resource(resource, ctx, kind=None)
                found.append((row, issues))
                resident = residents.get(row.patient_id or "", ("", ""))
                place = (facility_of(resource, codes, resident[0]), resident[1])
                _count(tally, place, row.resource_type, [i.rule for i in issues])
                for i in issues:
                    report.findings[i.rule] = report.findings.get(i.rule, 0) + 1
            report.issues += tables.replace_issues(found)
        report.resources += len(rows)
        if progress is not None:
            progress(report.resources)
        if len(rows) < page:
            break
        after = rows[-1].seq
    scores = [ScoreRow(report.run_id, f, w, rule, c, n, k)
              for (f, w, rule), (c, n, k) in sorted(tally.items())]  # fmt: skip
    with access.tables(write=True) as tables:
        tables.finish_run(report.run_id, clock.now_us(), report.resources, report.issues, scores)
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
