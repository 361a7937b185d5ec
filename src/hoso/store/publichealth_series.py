"""SQL of the surveillance counts, denominators, signals and foci
(`hoso.access.publichealth_surveillance` is its only user besides the daily job).

Counts are grouped in the database — by disease, ward and day or ISO week — so a year of
100,000 cases comes back as at most a few thousand rows (docs/performance.md,
"Counts and the daily job").
A week is named by its Monday: SQLite's `date(d, 'weekday 0', '-6 days')`, PostgreSQL's
`date_trunc('week', d)`, the same ISO weeks. Each call is one short transaction; a
decision on a signal or a focus is one conditional UPDATE (two officers deciding at once:
one wins, the other is told the new state).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hoso.store.engine import transaction
from hoso.store.publichealth_schema import (
    ph_case,
    ph_disease,
    ph_focus,
    ph_focus_report,
    ph_officer_ward,
    ph_population,
    ph_signal,
)

__all__ = ["FocusReportRow", "FocusRow", "SignalRow", "SqlSurveillance"]

_C, _S, _F, _R = ph_case, ph_signal, ph_focus, ph_focus_report


@dataclass(frozen=True, slots=True)
class SignalRow:
    id: int
    disease: str
    ward: str
    week: str
    method: str
    observed: int
    expected: float | None
    upperbound: float | None
    status: str
    focus_id: int | None
    decided_by: str | None
    decided_at: int | None
    note: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class FocusRow:
    id: int
    disease: str
    ward: str
    status: str
    first_case_date: str
    last_case_date: str
    case_count: int
    opened_at: int | None
    response_deadline_at: int | None
    closed_at: int | None
    created_by: str
    created_at: int
    reports: int = 0  # daily reports so far
    last_report_day: str | None = None


@dataclass(frozen=True, slots=True)
class FocusReportRow:
    focus_id: int
    day: str
    new_cases: int
    text: str
    reported_by: str
    reported_at: int


def _columns(table: sa.Table, row_type: type) -> list[sa.Column[object]]:
    return [table.c[name] for name in row_type.__dataclass_fields__]  # type: ignore[attr-defined]


class SqlSurveillance:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._pg = engine.dialect.name == "postgresql"

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def _insert(self, table: sa.Table) -> sa.Insert:
        return (postgresql if self._pg else sqlite).insert(table)  # type: ignore[no-any-return]

    # -- counts ------------------------------------------------------------------------
    def _period(self, column: sa.ColumnElement[str], interval: str) -> sa.ColumnElement[str]:
        if interval == "day":
            return column
        if self._pg:
            monday = sa.func.date_trunc("week", sa.cast(column, sa.Date))
            return sa.func.to_char(monday, "YYYY-MM-DD")
        return sa.func.date(column, "weekday 0", "-6 days")

    def counts(self, *, basis: str, interval: str, first: str, last: str,
               classifications: Sequence[str], disease: str | None = None,
               wards: AbstractSet[str] | None = None
               ) -> list[tuple[str, str | None, str, int]]:  # fmt: skip
        """(disease, ward, period, cases) of cases whose `basis` date is in [first, last],
        of these classifications (never "discarded"); one disease or all."""
        on = _C.c.onset_date if basis == "onset" else _C.c.report_date
        period = self._period(on, interval).label("period")
        kinds = [k for k in classifications if k != "discarded"]
        query = (sa.select(_C.c.disease, _C.c.ward, period, sa.func.count().label("n"))
                 .where(on >= first, on <= last, _C.c.classification.in_(kinds))
                 .group_by(_C.c.disease, _C.c.ward, period))  # fmt: skip
        if disease is not None:
            query = query.where(_C.c.disease == disease)
        if wards is not None:
            query = query.where(_C.c.ward.in_(sorted(wards)))
        with self._tx(write=False) as conn:
            return [(r.disease, r.ward, str(r.period)[:10], int(r.n)) for r in conn.execute(query)]

    def enabled_diseases(self) -> list[str]:
        """Codes whose latest definition is enabled."""
        latest = (sa.select(ph_disease.c.code, sa.func.max(ph_disease.c.version).label("v"))
                  .group_by(ph_disease.c.code).subquery())  # fmt: skip
        query = (sa.select(ph_disease.c.code)
                 .join(latest, sa.and_(latest.c.code == ph_disease.c.code,
                                       latest.c.v == ph_disease.c.version))
                 .where(ph_disease.c.enabled.is_(True)).order_by(ph_disease.c.code))  # fmt: skip
        with self._tx(write=False) as conn:
            return list(conn.execute(query).scalars())

    def wards_of_officer(self, officer: str) -> frozenset[str]:
        query = sa.select(ph_officer_ward.c.ward).where(ph_officer_ward.c.officer == officer)
        with self._tx(write=False) as conn:
            return frozenset(conn.execute(query).scalars())

    # -- population --------------------------------------------------------------------
    def population(self, year: int) -> dict[str, int]:
        """Each ward's residents in `year`, or in the latest year before it on file."""
        query = (sa.select(ph_population.c.ward, ph_population.c.population)
                 .where(ph_population.c.year <= year)
                 .order_by(ph_population.c.ward, ph_population.c.year))  # fmt: skip
        with self._tx(write=False) as conn:
            return {row.ward: int(row.population) for row in conn.execute(query)}

    def store_population(self, rows: Iterable[tuple[str, int, int]]) -> int:
        """(ward, year, population) rows, replacing those of the same ward and year; all
        in one transaction."""
        values = [{"ward": w, "year": y, "population": p} for w, y, p in rows]
        if not values:
            return 0
        insert = self._insert(ph_population)
        upsert = insert.on_conflict_do_update(
            index_elements=["ward", "year"], set_={"population": insert.excluded.population})
        with self._tx() as conn:
            for start in range(0, len(values), 1000):
                conn.execute(upsert, values[start:start + 1000])
        return len(values)

    # -- signals -----------------------------------------------------------------------
    def add_signals(self, alarms: Iterable[dict[str, object]], now: int) -> int:
        """New open signals; one already there for the disease, ward, week and method is
        kept as it is (the job is re-run safely). The number added."""
        values = [{**alarm, "status": "open", "created_at": now} for alarm in alarms]
        if not values:
            return 0
        added = 0
        with self._tx() as conn:
            for value in values:
                # RETURNING, not rowcount: psycopg reports -1 for a skipped row here.
                insert = self._insert(_S).values(**value).on_conflict_do_nothing(
                    index_elements=["disease", "ward", "week", "method"]).returning(_S.c.id)
                added += conn.execute(insert).first() is not None
        return added

    def signals(self, *, status: str | None, disease: str | None, limit: int,
                offset: int = 0) -> list[SignalRow]:  # fmt: skip
        query = sa.select(*_columns(_S, SignalRow)).order_by(_S.c.week.desc(), _S.c.id.desc())
        if status:
            query = query.where(_S.c.status == status)
        if disease:
            query = query.where(_S.c.disease == disease)
        with self._tx(write=False) as conn:
            rows = conn.execute(query.limit(limit).offset(offset))
            return [SignalRow(**row._mapping) for row in rows]

    def signal(self, signal_id: int) -> SignalRow | None:
        query = sa.select(*_columns(_S, SignalRow)).where(_S.c.id == signal_id)
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return SignalRow(**found._mapping) if found else None

    def decide_signal(self, signal_id: int, *, was: str, status: str, agent: str, at: int,
                      note: str | None, focus_id: int | None = None) -> bool:  # fmt: skip
        """Move a signal from `was` to `status`; False when it was no longer `was`."""
        update = (sa.update(_S).where(_S.c.id == signal_id, _S.c.status == was)
                  .values(status=status, decided_by=agent, decided_at=at, note=note,
                          focus_id=focus_id))  # fmt: skip
        with self._tx() as conn:
            return bool(conn.execute(update).rowcount)

    # -- foci --------------------------------------------------------------------------
    def add_focus(self, *, disease: str, ward: str, status: str, first_case_date: str,
                  last_case_date: str, case_count: int, opened_at: int | None,
                  response_deadline_at: int, created_by: str, created_at: int) -> int:  # fmt: skip
        values = {"disease": disease, "ward": ward, "status": status,
                  "first_case_date": first_case_date, "last_case_date": last_case_date,
                  "case_count": case_count, "opened_at": opened_at,
                  "response_deadline_at": response_deadline_at, "created_by": created_by,
                  "created_at": created_at}  # fmt: skip
        with self._tx() as conn:
            return int(conn.execute(sa.insert(_F).values(**values)).inserted_primary_key[0])

    def _foci_query(self) -> sa.Select[tuple[object, ...]]:
        counted = (sa.select(_R.c.focus_id, sa.func.count().label("reports"),
                             sa.func.max(_R.c.day).label("last_report_day"))
                   .group_by(_R.c.focus_id).subquery())  # fmt: skip
        own = [_F.c[name] for name in FocusRow.__dataclass_fields__
               if name not in ("reports", "last_report_day")]
        return (sa.select(*own, sa.func.coalesce(counted.c.reports, 0).label("reports"),
                          counted.c.last_report_day)
                .outerjoin(counted, counted.c.focus_id == _F.c.id))  # fmt: skip

    def foci(self, *, status: str | None, disease: str | None, limit: int,
             offset: int = 0) -> list[FocusRow]:  # fmt: skip
        query = self._foci_query().order_by(_F.c.id.desc())
        if status:
            query = query.where(_F.c.status == status)
        if disease:
            query = query.where(_F.c.disease == disease)
        with self._tx(write=False) as conn:
            return [FocusRow(**row._mapping) for row in conn.execute(query.limit(limit)
                                                                      .offset(offset))]

    def focus(self, focus_id: int) -> FocusRow | None:
        query = self._foci_query().where(_F.c.id == focus_id)
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return FocusRow(**found._mapping) if found else None

    def open_focus(self, disease: str, ward: str) -> FocusRow | None:
        """The newest focus of this disease in this ward still suggested or active."""
        query = (self._foci_query()
                 .where(_F.c.disease == disease, _F.c.ward == ward,
                        _F.c.status.in_(("suggested", "active")))
                 .order_by(_F.c.id.desc()).limit(1))  # fmt: skip
        with self._tx(write=False) as conn:
            found = conn.execute(query).first()
        return FocusRow(**found._mapping) if found else None

    def standing_foci(self) -> dict[tuple[str, str], str]:
        """(disease, ward) → the latest last-case date of its foci suggested, active or
        rejected: the daily job suggests no focus for cases one already covers."""
        query = (sa.select(_F.c.disease, _F.c.ward, sa.func.max(_F.c.last_case_date))
                 .where(_F.c.status.in_(("suggested", "active", "rejected")))
                 .group_by(_F.c.disease, _F.c.ward))  # fmt: skip
        with self._tx(write=False) as conn:
            return {(d, w): str(last) for d, w, last in conn.execute(query)}

    def move_focus(self, focus_id: int, *, was: str, status: str, at: int,
                   response_deadline_at: int | None = None) -> bool:  # fmt: skip
        values: dict[str, object] = {"status": status}
        if status == "active":
            values["opened_at"] = at
            if response_deadline_at is not None:
                values["response_deadline_at"] = response_deadline_at
        if status in ("closed", "rejected"):
            values["closed_at"] = at
        update = sa.update(_F).where(_F.c.id == focus_id, _F.c.status == was).values(**values)
        with self._tx() as conn:
            return bool(conn.execute(update).rowcount)

    def add_focus_report(self, **report: object) -> bool:
        """The day's report (FocusReportRow's fields); False when that day has one."""
        insert = self._insert(_R).values(**report).on_conflict_do_nothing()
        with self._tx() as conn:
            return conn.execute(insert.returning(_R.c.focus_id)).first() is not None

    def focus_reports(self, focus_id: int) -> list[FocusReportRow]:
        query = (sa.select(*_columns(_R, FocusReportRow)).where(_R.c.focus_id == focus_id)
                 .order_by(_R.c.day.desc()))  # fmt: skip
        with self._tx(write=False) as conn:
            return [FocusReportRow(**row._mapping) for row in conn.execute(query)]

    def focus_from_signal(self, signal_id: int, *, was: str, agent: str, at: int,
                          note: str | None, focus: dict[str, object]) -> int | None:  # fmt: skip
        """A new focus and the signal turned into it, in one transaction; None (nothing
        written) when the signal was no longer `was`."""
        with self._tx() as conn:
            update = (sa.update(_S).where(_S.c.id == signal_id, _S.c.status == was)
                      .values(status="focus", decided_by=agent, decided_at=at,
                              note=note))  # fmt: skip
            if not conn.execute(update).rowcount:
                return None
            focus_id = int(conn.execute(sa.insert(_F).values(**focus)).inserted_primary_key[0])
            conn.execute(sa.update(_S).where(_S.c.id == signal_id).values(focus_id=focus_id))
            return focus_id
