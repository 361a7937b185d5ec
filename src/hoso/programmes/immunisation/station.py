"""What a ward health station does in the immunisation programme (issue 19 point 2),
over the access layer (`hoso.access.programme_immunisation.ImmunisationAccess`, which
decides, audits and keeps the programme's rows; this package does not import it):

- the session screen: a child's due doses (`PROGRAMME.assess`) and doses given;
- a dose recorded: the request checked (`session.parse_dose`, an expired lot refused at
  the dose's date), a flagged lot refused (409), the FHIR resources written in one
  transaction, and a severe AEFI's 24-hour report opened with the lot flagged;
- coverage of a ward's birth cohort (`coverage.cohort_coverage`);
- the month's doses in the national dataset's shape (`dataset`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from hoso.core.errors import Conflict, InvalidRequest
from hoso.programmes.framework import Assessment, Record
from hoso.programmes.immunisation import coverage, dataset, session
from hoso.programmes.immunisation.due import local_day
from hoso.programmes.immunisation.programme import PROGRAMME, schedule_for

__all__ = ["ChildView", "VaccinationStation", "product_key"]

RawRecord = tuple[dict[str, Any], dict[str, list[dict[str, Any]]], str | None]


class StationAccess(Protocol):
    """`hoso.access.programme_immunisation.ImmunisationAccess`."""

    @property
    def repo(self) -> Any: ...
    def patient(self, patient_id: str) -> tuple[dict[str, Any], str | None]: ...
    def record(self, patient_id: str) -> RawRecord: ...
    def write_dose(self, patient_id: str, resources: Sequence[tuple[str, dict[str, Any]]]
                   ) -> dict[str, str]: ...  # fmt: skip
    def open_report(self, *, patient_id: str, ward: str | None, immunization_id: str,
                    adverse_event_id: str, product: str, lot: str, event: str
                    ) -> int: ...  # fmt: skip
    def lot(self, product: str, lot: str) -> Any: ...
    def lots(self, status: str | None = None) -> list[Any]: ...
    def set_lot(self, product: str, lot: str, status: str, reason: str) -> None: ...
    def cohort(self, ward: str, birth_year: int
               ) -> tuple[list[dict[str, object]], int | None]: ...  # fmt: skip
    def children(self, wards: Sequence[str] | None) -> list[str]: ...


def product_key(product: Mapping[str, str]) -> str:
    return f"{product['system']}|{product['code']}"


@dataclass(frozen=True, slots=True)
class ChildView:
    record: Record
    assessment: Assessment
    given: list[Mapping[str, Any]]


def _record(raw: RawRecord) -> Record:
    patient, resources, ward = raw
    return Record(patient, resources, ward)


class VaccinationStation:
    def __init__(self, access: StationAccess) -> None:
        self.access = access

    def child(self, patient_id: str, today: date) -> ChildView:
        record = _record(self.access.record(patient_id))
        given = sorted(record.of("Immunization"), key=lambda i: str(i.get("occurrenceDateTime")))
        return ChildView(record, PROGRAMME.assess(record, today), given)

    def record_dose(self, patient_id: str, raw: Any) -> dict[str, Any]:
        """One dose of a session, written as the caller: the ids made and, when a severe
        AEFI opened one, the 24-hour report's number."""
        patient, ward = self.access.patient(patient_id)
        dose = session.parse_dose(raw, born=Record(patient, {}, ward).born)
        key = product_key(dose.product)
        known = self.access.lot(key, dose.lot)
        if known is not None and known.status == "flagged":
            raise Conflict(f"lot: lô {dose.lot} đang bị tạm dừng sử dụng ({known.reason}) / "
                           f"lot {dose.lot} is flagged and may not be used")  # fmt: skip
        principal = self.access.repo.principal
        by = session.Performer(display=principal.agent, station_code=principal.facility,
                               station_reference=next(iter(principal.facility_orgs),
                                                      None))  # fmt: skip
        made = session.session_resources(dose, patient_id, by)
        refs = self.access.write_dose(patient_id, made)
        ids = {ref.split("/")[0]: ref.split("/")[1] for ref in (refs[p] for p, _r in made)}
        report = None
        if dose.aefi is not None and dose.aefi.serious:
            report = self.access.open_report(
                patient_id=patient_id, ward=ward, immunization_id=ids["Immunization"],
                adverse_event_id=ids["AdverseEvent"], product=key, lot=dose.lot,
                event=dose.aefi.text)  # fmt: skip
        return {"ids": ids, "report": report}

    def set_lot(self, product: str, lot: str, status: str, reason: str) -> None:
        if status not in ("flagged", "cleared"):
            raise InvalidRequest("status: flagged | cleared", expression=["status"])
        if not reason.strip() or len(reason) > 500:
            raise InvalidRequest("reason: bắt buộc (≤ 500) / required (at most 500)",
                                 expression=["reason"])  # fmt: skip
        if not any(product == product_key(p) for p in session.products()):
            raise InvalidRequest("product: vắc xin không có trong danh mục / not in the table",
                                 expression=["product"])  # fmt: skip
        if not session.LOT.match(lot):
            raise InvalidRequest("lot: số lô không hợp lệ / invalid lot", expression=["lot"])
        self.access.set_lot(product, lot, status, reason.strip())

    def coverage(self, ward: str, birth_year: int, today: date) -> list[coverage.CoverageRow]:
        measures, population = self.access.cohort(ward, birth_year)
        return coverage.cohort_coverage(schedule_for(today), measures, population)

    def export(self, month: str, wards: Sequence[str] | None) -> list[dataset.Row]:
        """One row per dose given in `month` (YYYY-MM, Asia/Ho_Chi_Minh) to the
        programme's children of these wards."""
        found: list[dataset.Row] = []
        for patient_id in self.access.children(wards):
            found += month_rows(_record(self.access.record(patient_id)), month)
        return found


def month_rows(record: Record, month: str) -> list[dataset.Row]:
    rows = []
    for imm in record.of("Immunization"):
        day = local_day(imm.get("occurrenceDateTime"))
        if day is None or day.isoformat()[:7] != month:
            continue
        observations, events = dataset.related(imm, record.resources)
        ctx = dataset.DoseContext(imm, record.patient, record.ward, observations, events)
        rows.append(dataset.dataset_row(ctx))
    return rows


def incomplete(rows: Iterable[dataset.Row]) -> int:
    """How many rows lack a mandatory field of the dataset."""
    mandatory = [f.key for f in dataset.dataset_fields() if f.mandatory]
    return sum(1 for row in rows if any(not row.get(k) for k in mandatory))
