"""One resident's assessment by every programme: the rows the registers keep.

For each programme in order, the resident is enrolled when a station enrolled them by
hand, or when the programme's rule matches and no station kept them out; an enrolled
resident is assessed (`Programme.assess`). A programme that fails on one record is
logged (by Patient id, never the record's contents) and left out for that resident, so
one odd record cannot stop a ward's recompute.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hoso.core import jsonx
from hoso.programmes.framework import Programme, Record, age_band
from hoso.programmes.rules import Rule

__all__ = ["Outcome", "assess_record"]

log = logging.getLogger(__name__)
Manual = Mapping[tuple[str, str], tuple[bool, str]]


@dataclass(slots=True)
class Outcome:
    """What the registers keep for one resident: enrolment and due rows, and every
    programme's measures (which cohorts read)."""

    enrolments: list[dict[str, Any]] = field(default_factory=list)
    dues: list[dict[str, Any]] = field(default_factory=list)
    measures: dict[str, Mapping[str, Any]] = field(default_factory=dict)


def assess_record(record: Record, today: date, programmes: Sequence[Programme],
                  rules: Mapping[str, Rule], manual: Manual, now_us: int) -> Outcome:  # fmt: skip
    outcome = Outcome()
    born = record.born
    base = {"patient_id": record.id, "ward": record.ward, "sex": record.sex[:8],
            "birth_year": born.year if born else None,
            "age_band": age_band(record.age_on(today)), "assessed_on": today.isoformat(),
            "since": today.isoformat(), "updated_at": now_us}  # fmt: skip
    for programme in programmes:
        by_hand = manual.get((programme.code, record.id))
        rule = rules.get(programme.rule)
        if by_hand is not None:
            enrolled = by_hand[0]
        else:
            enrolled = rule is not None and rule.matches(record, today, outcome.measures)
        if not enrolled:
            continue
        try:
            assessment = programme.assess(record, today)
        except Exception:
            log.exception("programme %s: assessing Patient/%s failed", programme.code, record.id)
            continue
        outcome.measures[programme.code] = assessment.measures
        outcome.enrolments.append(dict(
            base, programme=programme.code, by_hand=by_hand is not None,
            rule_version="" if by_hand is not None or rule is None else rule.version,
            measures=jsonx.dumps_str(dict(assessment.measures)),
            summary=jsonx.dumps_str(dict(assessment.summary))))  # fmt: skip
        for item in assessment.due:
            outcome.dues.append({
                "programme": programme.code, "patient_id": record.id, "ward": record.ward,
                "activity": item.activity[:64], "due": item.due.isoformat(),
                "latest": item.latest.isoformat() if item.latest else None,
                "status": item.status, "form": item.form,
                "label": jsonx.dumps_str(dict(item.label)),
                "detail": jsonx.dumps_str(dict(item.detail))})  # fmt: skip
    return outcome
