"""SQL of the cohorts (issue 19 point 6): definitions officers added, and the daily
snapshots of members with the counts and lists read from them
(`hoso.access.programme_cohorts` is the one caller, besides the recompute that stores a
resident's memberships).

Each call is one short transaction. A resident's memberships of a day are replaced as
a whole (delete that day's rows of the resident, insert the new ones), so recomputing a
day again leaves one row per cohort, version, day and resident.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from hoso.store.engine import transaction
from hoso.store.programme_cohorts_schema import prog_cohort, prog_cohort_member

__all__ = ["CohortRow", "MemberRow", "SqlCohorts"]

_M, _D = prog_cohort_member, prog_cohort
_IN_CHUNK = 900  # IN lists under SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One resident in one cohort version on one day (`hoso.programmes.cohorts.Member`
    has the same fields; the store does not import programmes)."""

    cohort: str
    version: str
    patient_id: str
    ward: str | None
    age_band: str
    sex: str
    computed_on: date


@dataclass(frozen=True, slots=True)
class CohortRow:
    code: str
    version: str
    content: str
    restricted: bool
    created_by: str
    created_at: int


class SqlCohorts:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    # -- definitions --------------------------------------------------------------------
    def add_definition(self, code: str, version: str, content: str, restricted: bool,
                       created_by: str, created_at: int) -> bool:  # fmt: skip
        """Store a new version; False when (code, version) is already stored."""
        with self._tx() as conn:
            there = conn.execute(sa.select(_D.c.code).where(
                _D.c.code == code, _D.c.version == version)).first()  # fmt: skip
            if there is not None:
                return False
            conn.execute(sa.insert(_D).values(code=code, version=version, content=content,
                                              restricted=restricted, created_by=created_by,
                                              created_at=created_at))  # fmt: skip
            return True

    def definitions(self) -> list[CohortRow]:
        """Every stored version, oldest first (the last of a code is its current one)."""
        query = sa.select(_D.c.code, _D.c.version, _D.c.content, _D.c.restricted,
                          _D.c.created_by, _D.c.created_at).order_by(_D.c.created_at,
                                                                     _D.c.code)  # fmt: skip
        with self._tx(write=False) as conn:
            return [CohortRow(*r) for r in conn.execute(query)]

    # -- daily snapshots ----------------------------------------------------------------
    def replace_members(self, day: date, patient_ids: Sequence[str],
                        members: Iterable[MemberRow]) -> int:  # fmt: skip
        """The memberships on `day` of the residents `patient_ids` become `members`."""
        text = day.isoformat()
        rows = [{"cohort": m.cohort, "version": m.version, "computed_on": text,
                 "patient_id": m.patient_id, "ward": m.ward, "age_band": m.age_band,
                 "sex": m.sex[:8]} for m in members]  # fmt: skip
        with self._tx() as conn:
            for chunk in _chunks(list(patient_ids)):
                conn.execute(sa.delete(_M).where(_M.c.computed_on == text,
                                                 _M.c.patient_id.in_(chunk)))  # fmt: skip
            if rows:
                conn.execute(sa.insert(_M), rows)
        return len(rows)

    def last_day(self, cohort: str, version: str, on_or_before: date) -> date | None:
        """The latest day with a snapshot of (cohort, version) not after `on_or_before`."""
        query = sa.select(sa.func.max(_M.c.computed_on)).where(
            _M.c.cohort == cohort, _M.c.version == version,
            _M.c.computed_on <= on_or_before.isoformat())  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).scalar()
        return date.fromisoformat(found) if found else None

    def counts(self, cohort: str, version: str, day: date,
               wards: frozenset[str] | None) -> list[tuple[str | None, str, str, int]]:  # fmt: skip
        """(ward, age band, sex, members) on `day`; `wards` None: every ward."""
        query = (sa.select(_M.c.ward, _M.c.age_band, _M.c.sex, sa.func.count())
                 .where(*self._of(cohort, version, day, wards))
                 .group_by(_M.c.ward, _M.c.age_band, _M.c.sex)
                 .order_by(_M.c.ward, _M.c.age_band, _M.c.sex))  # fmt: skip
        with self._tx(write=False) as conn:
            return [(w, str(a), str(s), int(n)) for w, a, s, n in conn.execute(query)]

    def members(self, cohort: str, version: str, day: date, wards: frozenset[str] | None,
                *, offset: int = 0, limit: int = 100) -> list[MemberRow]:  # fmt: skip
        """The members on `day`, by ward then patient id."""
        query = (sa.select(_M.c.patient_id, _M.c.ward, _M.c.age_band, _M.c.sex)
                 .where(*self._of(cohort, version, day, wards))
                 .order_by(_M.c.ward, _M.c.patient_id).offset(offset).limit(limit))  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).all()
        return [MemberRow(cohort, version, p, w, a, s, day) for p, w, a, s in found]

    def _of(self, cohort: str, version: str, day: date, wards: frozenset[str] | None
            ) -> list[sa.ColumnElement[bool]]:  # fmt: skip
        found = [_M.c.cohort == cohort, _M.c.version == version,
                 _M.c.computed_on == day.isoformat()]  # fmt: skip
        if wards is not None:
            found.append(_M.c.ward.in_(sorted(wards)))
        return found


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i : i + _IN_CHUNK]
