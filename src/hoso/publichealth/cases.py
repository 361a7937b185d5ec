"""Case reports: one case per person, disease and episode of illness, never one per visit.

`plan_case` decides, for one piece of evidence and the person's open cases of that
disease, whether it joins a case (its onset falls within the definition's
`episode_days` of the case's onsets) or opens a new one. Classification only climbs by
itself (suspected → probable → confirmed) and never overrides an officer who
discarded a case: new evidence on a discarded case is recorded for the officer to see.
Severity climbs to the gravest grade seen. The store applies the plan inside its own
transaction (`hoso.store.publichealth_cases`), so an officer's change and new evidence
cannot interleave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hoso.publichealth.definitions import DiseaseDefinition
from hoso.publichealth.evidence import RANK, Evidence, local_day

__all__ = ["CLOSED", "OPEN", "CasePlan", "CaseView", "plan_case", "report_delay_hours",
           "suspected_case"]  # fmt: skip

OPEN, CLOSED = "open", "closed"


@dataclass(frozen=True, slots=True)
class CaseView:
    """What a plan needs to know of an open case."""

    id: int
    classification: str
    severity: str | None
    onset_date: str
    last_onset_date: str


@dataclass(frozen=True, slots=True)
class CasePlan:
    case_id: int | None  # None: a new case
    classification: str
    severity: str | None
    onset_date: str
    last_onset_date: str
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def plan_case(evidence: Evidence, open_cases: Sequence[CaseView],
              severity_rank: Callable[[str | None], int]) -> CasePlan:  # fmt: skip
    """The case `evidence` (not withdrawn) belongs to, and what changes in it."""
    assert evidence.classification is not None
    onset = date.fromisoformat(evidence.onset_date)
    case = _episode(onset, open_cases, evidence.episode_days)
    source = {"resource": f"{evidence.resource_type}/{evidence.resource_id}",
              "version": evidence.version}  # fmt: skip
    if case is None:
        return CasePlan(None, evidence.classification, evidence.severity, evidence.onset_date,
                        evidence.onset_date,
                        [("created", {**source, "classification": evidence.classification,
                                      "severity": evidence.severity})])  # fmt: skip
    events: list[tuple[str, dict[str, Any]]] = [("evidence", source)]
    classification = case.classification
    if case.classification == "discarded":
        events.append(("evidence-after-discard", source))
    elif RANK[evidence.classification] > RANK.get(case.classification, -1):
        classification = evidence.classification
        events.append(("classification", {"from": case.classification, "to": classification,
                                          **source}))  # fmt: skip
    severity = case.severity
    if severity_rank(evidence.severity) > severity_rank(case.severity):
        severity = evidence.severity
        events.append(("severity", {"from": case.severity, "to": severity, **source}))
    return CasePlan(case.id, classification, severity,
                    min(case.onset_date, evidence.onset_date),
                    max(case.last_onset_date, evidence.onset_date), events)  # fmt: skip


def _episode(onset: date, cases: Sequence[CaseView], episode_days: int) -> CaseView | None:
    best: tuple[int, CaseView] | None = None
    for case in cases:
        first = date.fromisoformat(case.onset_date)
        last = date.fromisoformat(case.last_onset_date)
        gap = max((first - onset).days, (onset - last).days, 0)
        if gap <= episode_days and (best is None or gap < best[0]):
            best = (gap, case)
    return best[1] if best else None


def suspected_case(definition: DiseaseDefinition, *, onset_date: str, ward: str | None,
                   facility: str | None, now_us: int) -> dict[str, Any]:
    """The columns of a suspected case opened by a person (a contact with symptoms):
    diagnosed and reported now, due by the definition's deadline."""
    day = local_day(now_us).isoformat()
    if not (len(onset_date) == 10 and onset_date <= day):
        raise ValueError("onset_date: YYYY-MM-DD, không sau hôm nay / not after today")
    date.fromisoformat(onset_date)  # a ValueError for 2026-02-30
    return {"onset_date": onset_date, "last_onset_date": onset_date, "report_date": day,
            "diagnosed_at": now_us, "reported_at": now_us,
            "deadline_at": now_us + definition.deadline_hours * 3_600_000_000,
            "last_evidence_at": now_us, "ward": ward, "facility": facility}  # fmt: skip


def report_delay_hours(diagnosed_us: int, reported_us: int) -> float:
    return max(reported_us - diagnosed_us, 0) / 3_600_000_000
