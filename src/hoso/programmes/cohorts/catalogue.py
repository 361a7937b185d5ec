"""The cohorts the server knows, and the daily snapshot's storage: the shipped cohorts
(package data) with the versions officers added (`prog_cohort`, through
`hoso.store.programme_cohorts.SqlCohorts`, named here by the protocol `CohortTables`),
put together for `hoso.access.programme_cohorts.CohortAccess`; and the recompute's
observer that stores each chunk's memberships of the day (`CohortSnapshot`, wired by
`hoso.assembly.programme_recompute`).

A stored version of a code is newer than the shipped one (the latest stored is the
current); a (code, version) already shipped or stored is a conflict, never replaced, so
a day's snapshot always names a definition that still reads the same.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from hoso.core.errors import Conflict
from hoso.programmes.cohorts.definition import Cohort, parse_cohort, shipped_cohorts
from hoso.programmes.cohorts.members import cohort_members, followed_patients, followup_measures
from hoso.programmes.framework import Record

__all__ = ["CohortSnapshot", "CohortTables", "StoredCatalogue", "store_cohort_day",
           "under_followup"]  # fmt: skip


class CohortTables(Protocol):
    """`hoso.store.programme_cohorts.SqlCohorts`: stored definitions and snapshots."""

    def add_definition(self, code: str, version: str, content: str, restricted: bool,
                       created_by: str, created_at: int) -> bool: ...  # fmt: skip
    def definitions(self) -> Sequence[Any]: ...
    def replace_members(self, day: date, patient_ids: Sequence[str],
                        members: Iterable[Any]) -> int: ...  # fmt: skip


class FollowUps(Protocol):
    """`hoso.store.publichealth_tracing.SqlTracing.active_in_ward`."""

    def active_in_ward(self, ward: str, day: str) -> Sequence[Any]: ...


class StoredCatalogue:
    def __init__(self, rows: CohortTables) -> None:
        self.rows = rows

    def _all(self) -> list[Cohort]:
        found = list(shipped_cohorts())
        for row in self.rows.definitions():  # oldest first: the last of a code wins
            try:
                found.append(parse_cohort(json.loads(row.content)))
            except ValueError:  # a row that no longer parses is left out, not a 500
                continue
        return found

    def current(self) -> Sequence[Cohort]:
        latest: dict[str, Cohort] = {}
        for cohort in self._all():
            latest[cohort.code] = cohort
        return sorted(latest.values(), key=lambda c: c.code)

    def find(self, code: str, version: str | None = None) -> Cohort | None:
        if version is None:
            return next((c for c in self.current() if c.code == code), None)
        return next((c for c in self._all() if c.code == code and c.version == version), None)

    def add(self, document: Any, agent: str, now: int) -> Cohort:
        cohort = parse_cohort(document)
        content = json.dumps(document, ensure_ascii=False)
        if self.find(cohort.code, cohort.version) is not None or not self.rows.add_definition(
                cohort.code, cohort.version, content, cohort.restricted, agent, now):  # fmt: skip
            raise Conflict(f"Nhóm {cohort.code} phiên bản {cohort.version} đã có; hãy dùng "
                           f"phiên bản mới / cohort {cohort.code} version {cohort.version} "
                           "exists; use a new version")  # fmt: skip
        return cohort


def under_followup(tracing: FollowUps, wards: Iterable[str], day: date) -> frozenset[str]:
    """The residents with an active contact follow-up holding `day` in `wards`, through
    the tracing store's own read (`SqlTracing.active_in_ward`)."""
    rows = [(f.patient_id, f.start_date, f.end_date) for ward in wards
            for f in tracing.active_in_ward(ward, day.isoformat())]  # fmt: skip
    return followed_patients(rows, day)


def store_cohort_day(rows: CohortTables, day: date,
                     residents: Iterable[tuple[Record, Mapping[str, Mapping[str, Any]]]],
                     cohorts: Sequence[Cohort], followed: frozenset[str] = frozenset()
                     ) -> int:  # fmt: skip
    """Compute and store the memberships on `day` of each (record, measures) — the
    measures the programmes' assessments produced for the resident — in batches of
    1,000 residents; the number of member rows stored."""
    stored, batch_ids, batch = 0, [], []
    for record, measures in residents:
        seen = followup_measures(measures, record.id in followed)
        batch_ids.append(record.id)
        batch += cohort_members(record, day, seen, cohorts)
        if len(batch_ids) >= 1000:
            stored += rows.replace_members(day, batch_ids, batch)
            batch_ids, batch = [], []
    if batch_ids:
        stored += rows.replace_members(day, batch_ids, batch)
    return stored


class CohortSnapshot:
    """The recompute's observer of each stored chunk (`Recompute.observers`): the
    chunk's residents' memberships of the day, with the measures their assessments
    produced and the contact-tracing follow-ups of their wards."""

    # A ward's follow-ups are read at most once a minute: the nightly run's chunks each
    # touch most of the 168 wards, and reading them per chunk was a fifth of its time
    # (py-spy, docs/performance.md); a follow-up begun since is in the next snapshot.
    FOLLOWUPS_TTL = 60.0

    def __init__(self, rows: CohortTables, tracing: FollowUps) -> None:
        self.rows, self.tracing = rows, tracing
        self.catalogue = StoredCatalogue(rows)
        self._followed: dict[tuple[str, date], tuple[float, frozenset[str]]] = {}
        self._cohorts: tuple[float, Sequence[Cohort]] = (-self.FOLLOWUPS_TTL - 1, ())

    def cohorts(self) -> Sequence[Cohort]:
        """The cohorts in force, read again at most once a minute (an officer's new
        cohort counts from the next minute's chunks)."""
        now = time.monotonic()
        if now - self._cohorts[0] > self.FOLLOWUPS_TTL:
            self._cohorts = (now, self.catalogue.current())
        return self._cohorts[1]

    def _under_followup(self, wards: Iterable[str], day: date) -> frozenset[str]:
        now = time.monotonic()
        found: set[str] = set()
        for ward in sorted(wards):
            kept = self._followed.get((ward, day))
            if kept is None or now - kept[0] > self.FOLLOWUPS_TTL:
                kept = (now, under_followup(self.tracing, [ward], day))
                self._followed[(ward, day)] = kept
            found |= kept[1]
        return frozenset(found)

    def __call__(self, records: Sequence[Record], outcomes: Sequence[Any], day: date) -> None:
        wards = {r.ward for r in records if r.ward}
        followed = self._under_followup(wards, day)
        pairs = [(r, o.measures) for r, o in zip(records, outcomes, strict=True)]
        store_cohort_day(self.rows, day, pairs, self.cohorts(), followed)
