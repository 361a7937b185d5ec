"""The immunisation programme through the access layer: the session screen, a dose
recorded, lots, the 24-hour AEFI reports, coverage and the national dataset's export
(`hoso.store.programme_immunisation` keeps the programme's rows).

Whose child: `ProgrammeAccess` decides (a station's clinician reaches the residents of
its ward; the operator all; another ward's child answers 404 like an absent one) and
writes the dose's resources through the one intake as the caller, with an Encounter at
the caller's station. This class adds the programme's own rules and state:

- a flagged lot is refused (409) for further doses until an officer clears it;
- a severe AEFI opens a 24-hour report and flags the lot (one transaction, after the
  record's resources are committed: the record is the truth, the report its follow-up);
- reports and coverage are per ward, of the caller's wards only; every read and change
  of programme state is audited, naming the child where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, EXECUTE, MINOR_FAILURE, READ, UPDATE
from hoso.core import clock
from hoso.core.errors import Conflict, InvalidRequest, ResourceNotFound
from hoso.programmes.framework import Record
from hoso.programmes.immunisation import coverage, dataset, session
from hoso.programmes.immunisation.due import local_day
from hoso.programmes.immunisation.programme import PROGRAMME, schedule_for

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository
    from hoso.store.programme_immunisation import AefiReportRow, LotRow

__all__ = ["ImmunisationAccess", "ProgrammeDoor"]

STAFF = (roles.CLINICIAN, roles.OPERATOR)
LOT_KEEPERS = (roles.OFFICER, roles.OPERATOR)  # who clears a flagged lot
COHORT_KEEPERS = (roles.OFFICER, roles.OPERATOR)
READERS = (*STAFF, roles.OFFICER)  # counts and lots; persons only by ward (below)


class ProgrammeDoor(Protocol):
    """`hoso.access.programmes.ProgrammeAccess` (the framework's access layer)."""

    def wards(self) -> frozenset[str] | None: ...
    def require_patient(self, patient_id: str) -> Record: ...
    def record_visit(self, patient_id: str, resources: Sequence[dict[str, Any]]) -> Any: ...


class ImmunisationRows(Protocol):
    """`hoso.store.programme_immunisation.SqlImmunisation`."""

    def lot(self, product: str, lot: str) -> LotRow | None: ...
    def lots(self, status: str | None = None, limit: int = 200) -> list[LotRow]: ...
    def set_lot(self, product: str, lot: str, *, expiry: str | None, status: str, reason: str,
                agent: str, now: int) -> None: ...  # fmt: skip
    def open_report(self, **values: Any) -> int: ...
    def report(self, report_id: int) -> AefiReportRow | None: ...
    def reports(self, *, wards: Any, open_only: bool = False, limit: int = 200
                ) -> list[AefiReportRow]: ...  # fmt: skip
    def mark_reported(self, report_id: int, agent: str, now: int) -> bool: ...
    def store_cohorts(self, rows: Iterable[tuple[str, int, int]], source: str, now: int
                      ) -> int: ...  # fmt: skip
    def cohort(self, ward: str, birth_year: int) -> int | None: ...
    def enrolled_measures(self, ward: str, birth_year: int) -> list[dict[str, object]]: ...
    def enrolled_patients(self, wards: Sequence[str]) -> list[tuple[str, str | None]]: ...


def product_key(product: Mapping[str, str]) -> str:
    return f"{product['system']}|{product['code']}"


class ImmunisationAccess:
    def __init__(self, repo: AccessRepository, rows: ImmunisationRows,
                 programmes: ProgrammeDoor) -> None:  # fmt: skip
        self.repo, self.rows, self.programmes = repo, rows, programmes

    @property
    def role(self) -> str:
        return self.repo.principal.role

    def _require(self, allowed: Sequence[str], what: str) -> None:
        if self.role not in allowed:
            raise policy.denied(self.role, what)

    def _ward_allowed(self, ward: str) -> None:
        """A ward outside the caller's answers as one with nothing in it would not:
        404, audited."""
        wards = self.programmes.wards()
        if wards is not None and ward not in wards:
            self.repo.audit(READ, "immunisation", outcome=MINOR_FAILURE,
                            entities=(f"ward:{ward}",), description="404")  # fmt: skip
            raise ResourceNotFound(f"Không có phường/xã {ward} / no ward {ward}")

    # -- the session screen ----------------------------------------------------------
    def child(self, patient_id: str, today: date) -> dict[str, Any]:
        """The child, their due doses and the doses given (the session screen)."""
        self._require(STAFF, "xem tiêm chủng / read immunisation")
        record = self.programmes.require_patient(patient_id)
        assessment = PROGRAMME.assess(record, today)
        return {"record": record, "assessment": assessment,
                "given": sorted(record.of("Immunization"),
                                key=lambda i: str(i.get("occurrenceDateTime")))}  # fmt: skip

    def record_dose(self, patient_id: str, raw: Any) -> dict[str, Any]:
        """One dose of a session, written as the caller; the ids made, and the AEFI
        report's number when a severe event opened one."""
        self._require((roles.CLINICIAN, roles.OPERATOR), "ghi mũi tiêm / record a dose")
        record = self.programmes.require_patient(patient_id)
        dose = session.parse_dose(raw, born=record.born)
        known = self.rows.lot(product_key(dose.product), dose.lot)
        if known is not None and known.status == "flagged":
            raise Conflict(f"lot: lô {dose.lot} đang bị tạm dừng sử dụng ({known.reason}) / "
                           f"lot {dose.lot} is flagged and may not be used")  # fmt: skip
        principal = self.repo.principal
        by = session.Performer(display=principal.agent, station_code=principal.facility,
                               station_reference=next(iter(principal.facility_orgs),
                                                      None))  # fmt: skip
        made = session.session_resources(dose, patient_id, by)
        self.programmes.record_visit(patient_id, made)
        ids = {r["resourceType"]: r["id"] for r in made}
        report = None
        if dose.aefi is not None and dose.aefi.serious:
            report = self.rows.open_report(
                patient_id=patient_id, ward=record.ward, station=principal.facility,
                immunization_id=ids["Immunization"], adverse_event_id=ids["AdverseEvent"],
                product=product_key(dose.product), lot=dose.lot, event=dose.aefi.text,
                agent=principal.agent, now=clock.now_us())  # fmt: skip
            self.repo.audit(CREATE, "aefi-report", patients=(patient_id,),
                            entities=(f"aefi-report:{report}", f"lot:{dose.lot}"),
                            description="AEFI nặng: báo cáo 24 giờ, lô bị đánh dấu / severe "
                                        "AEFI: 24-hour report, lot flagged")  # fmt: skip
        return {"ids": ids, "report": report}

    # -- lots ---------------------------------------------------------------------------
    def lots(self, status: str | None = None) -> list[LotRow]:
        self._require(READERS, "xem lô vắc xin / read vaccine lots")
        return self.rows.lots(status)

    def set_lot(self, product: str, lot: str, status: str, reason: str) -> None:
        """A station flags a lot; an officer (or the operator) flags or clears one."""
        if status == "cleared":
            self._require(LOT_KEEPERS, "gỡ đánh dấu lô / clear a lot")
        elif status == "flagged":
            self._require(READERS, "đánh dấu lô / flag a lot")
        else:
            raise InvalidRequest("status: flagged | cleared", expression=["status"])
        if not reason.strip() or len(reason) > 500:
            raise InvalidRequest("reason: bắt buộc (≤ 500) / required (at most 500)",
                                 expression=["reason"])  # fmt: skip
        if not any(product == product_key(p) for p in session.products()):
            raise InvalidRequest("product: vắc xin không có trong danh mục / not in the table",
                                 expression=["product"])  # fmt: skip
        self.rows.set_lot(product, lot[:40], expiry=None, status=status, reason=reason,
                          agent=self.repo.principal.agent, now=clock.now_us())  # fmt: skip
        self.repo.audit(UPDATE, "vaccine-lot", entities=(f"lot:{product}|{lot[:40]}",),
                        description=status)  # fmt: skip

    # -- AEFI reports -------------------------------------------------------------------
    def reports(self, *, open_only: bool = False) -> list[AefiReportRow]:
        self._require(STAFF, "xem báo cáo AEFI / read AEFI reports")
        wards = self.programmes.wards()
        found = self.rows.reports(wards=wards, open_only=open_only)
        if found:
            self.repo.audit(READ, "aefi-report", patients=tuple(r.patient_id for r in found),
                            entities=tuple(f"aefi-report:{r.id}" for r in found))  # fmt: skip
        return found

    def mark_reported(self, report_id: int) -> bool:
        self._require(STAFF, "gửi báo cáo AEFI / send an AEFI report")
        found = self.rows.report(report_id)
        wards = self.programmes.wards()
        if found is None or (wards is not None and found.ward not in wards):
            self.repo.audit(UPDATE, "aefi-report", outcome=MINOR_FAILURE,
                            entities=(f"aefi-report:{report_id}",), description="404")  # fmt: skip
            raise ResourceNotFound(f"Không có báo cáo {report_id} / no report {report_id}")
        sent = self.rows.mark_reported(report_id, self.repo.principal.agent, clock.now_us())
        self.repo.audit(UPDATE, "aefi-report", patients=(found.patient_id,),
                        entities=(f"aefi-report:{report_id}",),
                        description="đã gửi / sent" if sent
                        else "đã gửi trước / sent before")  # fmt: skip
        return sent

    # -- coverage -----------------------------------------------------------------------
    def coverage(self, ward: str, birth_year: int, today: date) -> list[coverage.CoverageRow]:
        """Counts, not persons: open to staff for their wards and to officers."""
        self._require(READERS, "xem tỷ lệ tiêm chủng / read coverage")
        if self.role == roles.CLINICIAN:
            self._ward_allowed(ward)
        rows = coverage.cohort_coverage(schedule_for(today),
                                        self.rows.enrolled_measures(ward, birth_year),
                                        self.rows.cohort(ward, birth_year))  # fmt: skip
        self.repo.audit(EXECUTE, "immunisation-coverage",
                        entities=(f"ward:{ward}", f"cohort:{birth_year}"))  # fmt: skip
        return rows

    def store_cohorts(self, rows: Iterable[tuple[str, int, int]], source: str) -> int:
        self._require(COHORT_KEEPERS, "nạp dân số / load population")
        stored = self.rows.store_cohorts(rows, source[:200], clock.now_us())
        self.repo.audit(UPDATE, "immunisation-cohort", description=f"{stored} rows")
        return stored

    # -- the national dataset -------------------------------------------------------------
    def export(self, month: str, wards: Sequence[str] | None) -> list[dataset.Row]:
        """One row per dose given in `month` (YYYY-MM, Asia/Ho_Chi_Minh) to the
        programme's children of these wards (None: all the caller's)."""
        self._require(STAFF, "xuất dữ liệu tiêm chủng / export immunisation data")
        allowed = self.programmes.wards()
        chosen = list(wards) if wards else sorted(allowed or ())
        for ward in chosen:
            self._ward_allowed(ward)
        found: list[dataset.Row] = []
        for patient_id, _ward in self.rows.enrolled_patients(chosen):
            found += _rows_of(self.programmes.require_patient(patient_id), month)
        return found


def _rows_of(record: Record, month: str) -> list[dataset.Row]:
    rows = []
    for imm in record.of("Immunization"):
        day = local_day(imm.get("occurrenceDateTime"))
        if day is None or day.isoformat()[:7] != month:
            continue
        observations, events = dataset.related(imm, record.resources)
        ctx = dataset.DoseContext(imm, record.patient, record.ward, observations, events)
        rows.append(dataset.dataset_row(ctx))
    return rows
