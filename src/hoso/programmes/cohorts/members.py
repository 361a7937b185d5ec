"""Who belongs to which cohort on a day: `cohort_members(record, day, measures)`, called
per resident by the programmes' recompute (`hoso.programmes.recompute`) with the
measures the programmes' assessments produced for that resident, and stored as the
day's snapshot (`hoso.store.programme_cohorts`).

A member row carries what the counts are cut by — ward, age band, sex — computed on
the day, so the counts of a day and a rule version read the snapshot and never the
record again (reproducible: the record may have changed since).

"Contacts under follow-up" reads the measure `tracing.under_followup`: the caller adds
it from the contact-tracing tables (`followup_measures`), since contact tracing is not
a programme with an assessment of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hoso.programmes.cohorts.definition import Cohort, shipped_cohorts
from hoso.programmes.framework import Record, age_band
from hoso.programmes.rules import Measures

__all__ = ["TRACING", "Member", "cohort_members", "followed_patients", "followup_measures"]

TRACING = "tracing"  # the pseudo-programme whose measure is `under_followup`


@dataclass(frozen=True, slots=True)
class Member:
    cohort: str
    version: str
    patient_id: str
    ward: str | None
    age_band: str
    sex: str
    computed_on: date


def cohort_members(record: Record, day: date, measures: Measures,
                   cohorts: Sequence[Cohort] | None = None) -> list[Member]:  # fmt: skip
    """The cohorts (current versions; default the shipped ones) `record` belongs to on
    `day`, one Member row each."""
    band, sex = age_band(record.age_on(day)), record.sex
    return [Member(c.code, c.version, record.id, record.ward, band, sex, day)
            for c in (shipped_cohorts() if cohorts is None else cohorts)
            if c.rule.matches(record, day, measures)]  # fmt: skip


def followup_measures(measures: Measures, under_followup: bool) -> Measures:
    """`measures` with the contact-tracing measure added for this resident."""
    return {**measures, TRACING: {"under_followup": under_followup}}


def followed_patients(rows: Iterable[tuple[str, str, str]], day: date) -> frozenset[str]:
    """The patients with an active follow-up holding `day`, from (patient_id,
    start_date, end_date) rows of active follow-ups."""
    text = day.isoformat()
    return frozenset(p for p, start, end in rows if start <= text <= end)
