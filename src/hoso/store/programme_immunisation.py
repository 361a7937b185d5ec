"""The immunisation programme's SQL (`prog_vaccine_lot`, `prog_aefi_report`,
`prog_imm_cohort`, and the programme's rows of `prog_enrolment` for coverage). Each call
is one short transaction; the access layer (`hoso.access.programme_immunisation`)
decides who may call what and audits it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hoso.core import jsonx
from hoso.store.engine import transaction
from hoso.store.programme_immunisation_schema import (
    prog_aefi_report,
    prog_imm_cohort,
    prog_vaccine_lot,
)
from hoso.store.programme_schema import prog_enrolment

__all__ = ["AefiReportRow", "LotRow", "SqlImmunisation"]

PROGRAMME = "immunisation"
DAY_US = 86_400 * 1_000_000


@dataclass(frozen=True, slots=True)
class LotRow:
    product: str
    lot: str
    expiry: str | None
    status: str
    reason: str
    changed_by: str
    changed_at: int


@dataclass(frozen=True, slots=True)
class AefiReportRow:
    id: int
    patient_id: str
    ward: str | None
    station: str | None
    immunization_id: str
    adverse_event_id: str
    product: str
    lot: str
    event: str
    opened_at: int
    deadline_at: int
    reported_at: int | None
    reported_by: str | None
    opened_by: str

    def overdue(self, now: int) -> bool:
        return self.reported_at is None and now > self.deadline_at


def _lot(row: sa.Row[tuple[object, ...]]) -> LotRow:
    return LotRow(**{k: getattr(row, k) for k in LotRow.__dataclass_fields__})


def _report(row: sa.Row[tuple[object, ...]]) -> AefiReportRow:
    return AefiReportRow(**{k: getattr(row, k) for k in AefiReportRow.__dataclass_fields__})


class SqlImmunisation:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._pg = engine.dialect.name == "postgresql"

    def _tx(self, *, write: bool = True) -> AbstractContextManager[sa.Connection]:
        return transaction(self.engine, write=write)

    def _insert(self, table: sa.Table) -> sa.Insert:
        return (postgresql if self._pg else sqlite).insert(table)  # type: ignore[no-any-return]

    # -- lots --------------------------------------------------------------------------
    def lot(self, product: str, lot: str) -> LotRow | None:
        query = sa.select(prog_vaccine_lot).where(prog_vaccine_lot.c.product == product,
                                                  prog_vaccine_lot.c.lot == lot)  # fmt: skip
        with self._tx(write=False) as conn:
            row = conn.execute(query).first()
        return _lot(row) if row else None

    def lots(self, status: str | None = None, limit: int = 200) -> list[LotRow]:
        query = sa.select(prog_vaccine_lot).order_by(prog_vaccine_lot.c.changed_at.desc())
        if status is not None:
            query = query.where(prog_vaccine_lot.c.status == status)
        with self._tx(write=False) as conn:
            return [_lot(r) for r in conn.execute(query.limit(limit))]

    def set_lot(self, product: str, lot: str, *, expiry: str | None, status: str, reason: str,
                agent: str, now: int) -> None:  # fmt: skip
        """Flag, clear or note a lot (replacing what was known of it)."""
        values = {"product": product, "lot": lot, "expiry": expiry, "status": status,
                  "reason": reason, "changed_by": agent, "changed_at": now}  # fmt: skip
        insert = self._insert(prog_vaccine_lot).values(**values)
        upsert = insert.on_conflict_do_update(
            index_elements=["product", "lot"],
            set_={k: insert.excluded[k] for k in ("status", "reason", "changed_by", "changed_at")}
            | {"expiry": sa.func.coalesce(insert.excluded.expiry, prog_vaccine_lot.c.expiry)},
        )
        with self._tx() as conn:
            conn.execute(upsert)

    # -- 24-hour AEFI reports ------------------------------------------------------------
    def open_report(self, *, patient_id: str, ward: str | None, station: str | None,
                    immunization_id: str, adverse_event_id: str, product: str, lot: str,
                    event: str, agent: str, now: int) -> int:  # fmt: skip
        """The report a severe event opens, and its lot flagged, in one transaction."""
        values = {"patient_id": patient_id, "ward": ward, "station": station,
                  "immunization_id": immunization_id, "adverse_event_id": adverse_event_id,
                  "product": product, "lot": lot, "event": event[:500], "opened_at": now,
                  "deadline_at": now + DAY_US, "opened_by": agent}  # fmt: skip
        with self._tx() as conn:
            report = conn.execute(prog_aefi_report.insert().values(**values)
                                  .returning(prog_aefi_report.c.id)).scalar_one()  # fmt: skip
            flag = self._insert(prog_vaccine_lot).values(
                product=product, lot=lot, expiry=None, status="flagged", changed_by=agent,
                changed_at=now,
                reason=f"AEFI nặng / severe AEFI: báo cáo / report {report}")  # fmt: skip
            conn.execute(flag.on_conflict_do_update(
                index_elements=["product", "lot"],
                set_={k: flag.excluded[k] for k in ("status", "reason", "changed_by",
                                                    "changed_at")}))  # fmt: skip
        return int(report)

    def report(self, report_id: int) -> AefiReportRow | None:
        query = sa.select(prog_aefi_report).where(prog_aefi_report.c.id == report_id)
        with self._tx(write=False) as conn:
            row = conn.execute(query).first()
        return _report(row) if row else None

    def reports(self, *, wards: AbstractSet[str] | None, open_only: bool = False,
                limit: int = 200) -> list[AefiReportRow]:  # fmt: skip
        """Reports of these wards (None: all), the oldest deadline first."""
        query = sa.select(prog_aefi_report).order_by(prog_aefi_report.c.deadline_at)
        if wards is not None:
            query = query.where(prog_aefi_report.c.ward.in_(sorted(wards)))
        if open_only:
            query = query.where(prog_aefi_report.c.reported_at.is_(None))
        with self._tx(write=False) as conn:
            return [_report(r) for r in conn.execute(query.limit(limit))]

    def mark_reported(self, report_id: int, agent: str, now: int) -> bool:
        """False when it was already reported (the first sending stands)."""
        update = (prog_aefi_report.update()
                  .where(prog_aefi_report.c.id == report_id,
                         prog_aefi_report.c.reported_at.is_(None))
                  .values(reported_at=now, reported_by=agent))  # fmt: skip
        with self._tx() as conn:
            return conn.execute(update).rowcount == 1

    # -- coverage ------------------------------------------------------------------------
    def store_cohorts(self, rows: Iterable[tuple[str, int, int]], source: str, now: int) -> int:
        """(ward, birth_year, children) rows, replacing those of the same ward and year."""
        values = [{"ward": w, "birth_year": y, "children": n, "source": source,
                   "loaded_at": now} for w, y, n in rows]  # fmt: skip
        if not values:
            return 0
        insert = self._insert(prog_imm_cohort)
        upsert = insert.on_conflict_do_update(
            index_elements=["ward", "birth_year"],
            set_={k: insert.excluded[k] for k in ("children", "source", "loaded_at")},
        )
        with self._tx() as conn:
            for start in range(0, len(values), 1000):
                conn.execute(upsert, values[start : start + 1000])
        return len(values)

    def cohort(self, ward: str, birth_year: int) -> int | None:
        query = sa.select(prog_imm_cohort.c.children).where(
            prog_imm_cohort.c.ward == ward, prog_imm_cohort.c.birth_year == birth_year
        )
        with self._tx(write=False) as conn:
            return conn.execute(query).scalar()

    def enrolled_measures(self, ward: str, birth_year: int) -> list[dict[str, object]]:
        """The measures of every child of the cohort the programme holds for the ward
        (its latest assessment, `prog_enrolment`)."""
        query = sa.select(prog_enrolment.c.measures).where(
            prog_enrolment.c.programme == PROGRAMME, prog_enrolment.c.ward == ward,
            prog_enrolment.c.birth_year == birth_year)  # fmt: skip
        with self._tx(write=False) as conn:
            return [dict(jsonx.loads(text)) for text in conn.execute(query).scalars()]

    def enrolled_patients(self, wards: Sequence[str] | None) -> list[tuple[str, str | None]]:
        """(patient id, ward) of the programme's children in these wards (None: all)."""
        query = (sa.select(prog_enrolment.c.patient_id, prog_enrolment.c.ward)
                 .where(prog_enrolment.c.programme == PROGRAMME)
                 .order_by(prog_enrolment.c.patient_id))  # fmt: skip
        if wards is not None:
            query = query.where(prog_enrolment.c.ward.in_(list(wards)))
        with self._tx(write=False) as conn:
            return [(r.patient_id, r.ward) for r in conn.execute(query)]
