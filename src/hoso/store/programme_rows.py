"""SQL of the programmes' registers (`hoso.access.programmes` is its only user).

A recompute replaces a set of residents' rows in one transaction: their enrolments and
due activities as the framework assessed them now, keeping the day each enrolment began.
A resident who no longer matches any rule simply has no rows; what a station set by hand
(`prog_manual`) is never touched by a recompute.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hoso.store.engine import transaction
from hoso.store.programme_schema import prog_due, prog_enrolment, prog_manual

__all__ = ["DueRow", "EnrolmentRow", "SqlProgrammeRows"]

_E, _D, _M = prog_enrolment, prog_due, prog_manual
_CHUNK = 500  # ids per IN list: far below both databases' limits


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    programme: str
    patient_id: str
    ward: str | None
    birth_year: int | None
    sex: str
    age_band: str
    rule_version: str
    by_hand: bool
    measures: str
    summary: str
    since: str
    assessed_on: str
    updated_at: int


@dataclass(frozen=True, slots=True)
class DueRow:
    programme: str
    patient_id: str
    activity: str
    ward: str | None
    due: str
    latest: str | None
    status: str
    form: str | None
    label: str
    detail: str


_ECOLS = [_E.c[n] for n in EnrolmentRow.__dataclass_fields__]
_DCOLS = [_D.c[n] for n in DueRow.__dataclass_fields__]


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


class SqlProgrammeRows:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def replace(self, patient_ids: Sequence[str], enrolments: Sequence[Mapping[str, Any]],
                dues: Sequence[Mapping[str, Any]]) -> None:  # fmt: skip
        """These residents' registers (of every programme) become exactly the rows
        given; a programme no longer run loses its rows. Keyed on the resident alone, so
        each statement uses the patient index whatever the planner's statistics say (with
        a programme list too, PostgreSQL chose the ward index and filtered the table:
        0.8 s a chunk at 100,000 residents)."""
        ids = sorted(set(patient_ids))
        with self._tx() as conn:
            since: dict[tuple[str, str], str] = {}
            for chunk in _chunks(ids):
                for p, pid, day in conn.execute(
                    sa.select(_E.c.programme, _E.c.patient_id, _E.c.since)
                    .where(_E.c.patient_id.in_(chunk))
                ):  # fmt: skip
                    since[(p, pid)] = day
                conn.execute(sa.delete(_E).where(_E.c.patient_id.in_(chunk)))
                conn.execute(sa.delete(_D).where(_D.c.patient_id.in_(chunk)))
            if enrolments:
                rows = [dict(e, since=since.get((e["programme"], e["patient_id"]), e["since"]))
                        for e in enrolments]  # fmt: skip
                conn.execute(sa.insert(_E), rows)
            if dues:
                conn.execute(sa.insert(_D), list(dues))

    def manual(self, patient_ids: Sequence[str]) -> dict[tuple[str, str], tuple[bool, str]]:
        """(programme, patient) → (enrolled, reason) for what stations set by hand."""
        found: dict[tuple[str, str], tuple[bool, str]] = {}
        with self._tx(write=False) as conn:
            for chunk in _chunks(sorted(set(patient_ids))):
                query = sa.select(_M.c.programme, _M.c.patient_id, _M.c.enrolled, _M.c.reason)
                for p, pid, enrolled, reason in conn.execute(
                        query.where(_M.c.patient_id.in_(chunk))):  # fmt: skip
                    found[(p, pid)] = (bool(enrolled), reason)
        return found

    def set_manual(self, programme: str, patient_id: str, enrolled: bool | None, reason: str,
                   agent: str, now: int) -> None:  # fmt: skip
        """Enrol by hand (True), keep out (False) or hand back to the rule (None)."""
        with self._tx() as conn:
            conn.execute(sa.delete(_M).where(_M.c.programme == programme,
                                             _M.c.patient_id == patient_id))  # fmt: skip
            if enrolled is not None:
                conn.execute(sa.insert(_M).values(programme=programme, patient_id=patient_id,
                                                  enrolled=enrolled, reason=reason,
                                                  set_by=agent, set_at=now))  # fmt: skip

    def due_page(self, programme: str, wards: Sequence[str] | None, statuses: Sequence[str],
                 until: str, offset: int, limit: int, activity: str | None = None
                 ) -> tuple[list[DueRow], int]:  # fmt: skip
        """The due activities of `wards` (None: every ward) in these statuses, due by
        `until`, soonest first (only `activity`, when given); and how many there are."""
        where = [_D.c.programme == programme, _D.c.status.in_(statuses), _D.c.due <= until]
        if activity is not None:  # e.g. the elderly's home visits: the dependency register
            where.append(_D.c.activity == activity)
        if wards is not None:
            where.append(_D.c.ward.in_(wards))
        with self._tx(write=False) as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(_D).where(*where))
            rows = conn.execute(sa.select(*_DCOLS).where(*where)
                                .order_by(_D.c.due, _D.c.patient_id, _D.c.activity)
                                .offset(offset).limit(limit))  # fmt: skip
            return [DueRow(*r) for r in rows], int(total.scalar() or 0)

    def due_counts(self, wards: Sequence[str] | None, until: str
                   ) -> dict[tuple[str, str], int]:  # fmt: skip
        """(programme, status) → activities due by `until` in `wards`."""
        query = sa.select(_D.c.programme, _D.c.status, sa.func.count()).where(_D.c.due <= until)
        if wards is not None:
            query = query.where(_D.c.ward.in_(wards))
        with self._tx(write=False) as conn:
            rows = conn.execute(query.group_by(_D.c.programme, _D.c.status))
            return {(p, s): int(n) for p, s, n in rows}

    def enrolled_counts(self, wards: Sequence[str] | None) -> dict[str, int]:
        query = sa.select(_E.c.programme, sa.func.count())
        if wards is not None:
            query = query.where(_E.c.ward.in_(wards))
        with self._tx(write=False) as conn:
            return {p: int(n) for p, n in conn.execute(query.group_by(_E.c.programme))}

    def of_patient(self, patient_id: str) -> tuple[list[EnrolmentRow], list[DueRow]]:
        with self._tx(write=False) as conn:
            enrolled = conn.execute(sa.select(*_ECOLS).where(_E.c.patient_id == patient_id)
                                    .order_by(_E.c.programme))  # fmt: skip
            due = conn.execute(sa.select(*_DCOLS).where(_D.c.patient_id == patient_id)
                               .order_by(_D.c.programme, _D.c.due))  # fmt: skip
            return [EnrolmentRow(*r) for r in enrolled], [DueRow(*r) for r in due]

    def enrolled(self, programme: str, wards: Sequence[str] | None) -> Iterator[EnrolmentRow]:
        """Every enrolment of a programme (in `wards`), for reports and cohorts."""
        query = sa.select(*_ECOLS).where(_E.c.programme == programme)
        if wards is not None:
            query = query.where(_E.c.ward.in_(wards))
        with self._tx(write=False) as conn:
            for row in conn.execute(query.order_by(_E.c.patient_id)).yield_per(2000):
                yield EnrolmentRow(*row)

    def ward_of(self, patient_id: str) -> str | None:
        """The ward the last recompute found for the resident (any programme)."""
        with self._tx(write=False) as conn:
            found = conn.execute(sa.select(_E.c.ward).where(_E.c.patient_id == patient_id)
                                 .limit(1)).scalar()  # fmt: skip
            return found
