"""The immunisation programme through the access layer: who may read a child's doses
and the programme's state, who may write them, and the audit entry each call leaves
(`hoso.store.programme_immunisation` keeps the rows; the programme's rules live in
`hoso.programmes.immunisation.station`, which calls this class).

Whose child: `ProgrammeAccess` decides (a station's clinician reaches the residents of
its ward; the operator all; another ward's child answers 404 like an absent one) and
writes a dose's resources through the one intake as the caller, with an Encounter at
the caller's station. This class adds the programme's state:

- lots (a station or an officer flags one; an officer or the operator clears it);
- the 24-hour AEFI report a severe event opens, with its lot flagged (one transaction,
  after the record's resources are committed: the record is the truth, the report its
  follow-up);
- reports, coverage inputs and the export are per ward, of the caller's wards only;
  every read and change of programme state is audited, naming the child where there
  is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import CREATE, EXECUTE, MINOR_FAILURE, READ, UPDATE
from hoso.core import clock, jsonx
from hoso.core.errors import ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["ImmunisationAccess", "ProgrammeDoor"]

OBSERVATION_30MIN = "post-vaccination-observation-30min"  # the programme's one Observation
READ_TYPES = ("Immunization", "Observation", "AdverseEvent")


class ProgrammeDoor(Protocol):
    """`hoso.access.programmes.ProgrammeAccess` (the framework's access layer)."""

    def wards(self) -> frozenset[str] | None: ...
    def require_patient(self, patient_id: str) -> dict[str, Any]: ...
    def ward_of(self, patient: Mapping[str, Any]) -> str | None: ...
    def record_visit(self, patient_id: str, title: str,
                     resources: Sequence[tuple[str, dict[str, Any]]]
                     ) -> dict[str, str]: ...  # fmt: skip


class ImmunisationRows(Protocol):
    """`hoso.store.programme_immunisation.SqlImmunisation`."""

    def lot(self, product: str, lot: str) -> Any: ...
    def lots(self, status: str | None = None, limit: int = 200) -> list[Any]: ...
    def set_lot(self, product: str, lot: str, *, expiry: str | None, status: str, reason: str,
                agent: str, now: int) -> None: ...  # fmt: skip
    def open_report(self, **values: Any) -> int: ...
    def report(self, report_id: int) -> Any: ...
    def reports(self, *, wards: Any, open_only: bool = False, limit: int = 200
                ) -> list[Any]: ...  # fmt: skip
    def mark_reported(self, report_id: int, agent: str, now: int) -> bool: ...
    def store_cohorts(self, rows: Iterable[tuple[str, int, int]], source: str, now: int
                      ) -> int: ...  # fmt: skip
    def cohort(self, ward: str, birth_year: int) -> int | None: ...
    def enrolled_measures(self, ward: str, birth_year: int) -> list[dict[str, object]]: ...
    def enrolled_patients(self, wards: Sequence[str] | None
                          ) -> list[tuple[str, str | None]]: ...  # fmt: skip


def _observed(observation: Mapping[str, Any]) -> bool:
    """A 30-minute observation after a dose (the only Observations the programme reads)."""
    codings = (observation.get("code") or {}).get("coding") or []
    return any(c.get("code") == OBSERVATION_30MIN for c in codings if isinstance(c, dict))


STAFF = (roles.CLINICIAN, roles.OPERATOR)
LOT_KEEPERS = (roles.OFFICER, roles.OPERATOR)  # who clears a flagged lot
COHORT_KEEPERS = (roles.OFFICER, roles.OPERATOR)
READERS = (*STAFF, roles.OFFICER)  # counts and lots; persons only by ward


class ImmunisationAccess:
    def __init__(self, repo: AccessRepository, rows: ImmunisationRows,
                 programmes: ProgrammeDoor) -> None:  # fmt: skip
        self.repo, self.rows, self.programmes = repo, rows, programmes

    @property
    def role(self) -> str:
        return self.repo.principal.role

    @property
    def agent(self) -> str:
        return self.repo.principal.agent

    def _require(self, allowed: Sequence[str], what: str) -> None:
        if self.role not in allowed:
            raise policy.denied(self.role, what)

    def wards(self) -> frozenset[str] | None:
        return self.programmes.wards()

    def require_ward(self, ward: str) -> None:
        """A ward outside the caller's answers 404, audited."""
        wards = self.programmes.wards()
        if wards is not None and ward not in wards:
            self.repo.audit(READ, "immunisation", outcome=MINOR_FAILURE,
                            entities=(f"ward:{ward}",), description="404")  # fmt: skip
            raise ResourceNotFound(f"Không có phường/xã {ward} / no ward {ward}")

    # -- one child ------------------------------------------------------------------------
    def patient(self, patient_id: str) -> tuple[dict[str, Any], str | None]:
        """The child's Patient and home ward (404 for another ward's or an absent one)."""
        self._require(STAFF, "xem tiêm chủng / read immunisation")
        patient = self.programmes.require_patient(patient_id)
        return patient, self.programmes.ward_of(patient)

    def record(self, patient_id: str
               ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], str | None]:  # fmt: skip
        """The child's record as the programme reads it, through the caller's own
        repository (the policy decides what a station sees; the read audited): the
        Immunizations, the 30-minute Observations and the AdverseEvents."""
        patient, ward = self.patient(patient_id)
        found: dict[str, list[dict[str, Any]]] = {t: [] for t in READ_TYPES}
        cursor = None
        for _page in range(100):  # at most 100 pages of 200: a child's doses are far fewer
            page = self.repo.compartment(patient_id, READ_TYPES, count=200, cursor=cursor)
            for hit in page.matches:
                resource = dict(jsonx.loads(hit.content))
                if resource.get("resourceType") != "Observation" or _observed(resource):
                    found[str(resource.get("resourceType"))].append(resource)
            cursor = page.next_cursor
            if not cursor:
                break
        return patient, found, ward

    def write_dose(self, patient_id: str, resources: Sequence[tuple[str, dict[str, Any]]]
                   ) -> dict[str, str]:  # fmt: skip
        """A dose's resources through the one intake as the caller (a station's
        clinician), in one transaction with an Encounter at the station."""
        self._require((roles.CLINICIAN,), "ghi mũi tiêm / record a dose")
        return self.programmes.record_visit(patient_id, "Tiêm chủng / Vaccination", resources)

    def open_report(self, *, patient_id: str, ward: str | None, immunization_id: str,
                    adverse_event_id: str, product: str, lot: str, event: str) -> int:  # fmt: skip
        """The 24-hour report of a severe AEFI, and its lot flagged."""
        self._require((roles.CLINICIAN,), "mở báo cáo AEFI / open an AEFI report")
        report = self.rows.open_report(
            patient_id=patient_id, ward=ward, station=self.repo.principal.facility,
            immunization_id=immunization_id, adverse_event_id=adverse_event_id,
            product=product, lot=lot, event=event, agent=self.agent,
            now=clock.now_us())  # fmt: skip
        self.repo.audit(CREATE, "aefi-report", patients=(patient_id,),
                        entities=(f"aefi-report:{report}", f"lot:{product}|{lot}"),
                        description="AEFI nặng: báo cáo 24 giờ, lô bị đánh dấu / severe "
                                    "AEFI: 24-hour report, lot flagged")  # fmt: skip
        return report

    # -- lots ---------------------------------------------------------------------------
    def lot(self, product: str, lot: str) -> Any:
        self._require(READERS, "xem lô vắc xin / read vaccine lots")
        return self.rows.lot(product, lot)

    def lots(self, status: str | None = None) -> list[Any]:
        self._require(READERS, "xem lô vắc xin / read vaccine lots")
        return self.rows.lots(status)

    def set_lot(self, product: str, lot: str, status: str, reason: str) -> None:
        """A station flags a lot; an officer (or the operator) flags or clears one."""
        if status == "cleared":
            self._require(LOT_KEEPERS, "gỡ đánh dấu lô / clear a lot")
        else:
            self._require(READERS, "đánh dấu lô / flag a lot")
        self.rows.set_lot(product, lot, expiry=None, status=status, reason=reason,
                          agent=self.agent, now=clock.now_us())  # fmt: skip
        self.repo.audit(UPDATE, "vaccine-lot", entities=(f"lot:{product}|{lot}",),
                        description=status)  # fmt: skip

    # -- AEFI reports -------------------------------------------------------------------
    def reports(self, *, open_only: bool = False) -> list[Any]:
        self._require(STAFF, "xem báo cáo AEFI / read AEFI reports")
        found = self.rows.reports(wards=self.programmes.wards(), open_only=open_only)
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
        sent = self.rows.mark_reported(report_id, self.agent, clock.now_us())
        self.repo.audit(UPDATE, "aefi-report", patients=(found.patient_id,),
                        entities=(f"aefi-report:{report_id}",),
                        description="đã gửi / sent" if sent
                        else "đã gửi trước / sent before")  # fmt: skip
        return sent

    # -- coverage and the export --------------------------------------------------------
    def cohort(self, ward: str, birth_year: int) -> tuple[list[dict[str, object]], int | None]:
        """(each child's measures, the population denominator) of a ward's birth cohort:
        counts, not persons, open to staff for their wards and to officers."""
        self._require(READERS, "xem tỷ lệ tiêm chủng / read coverage")
        if self.role == roles.CLINICIAN:
            self.require_ward(ward)
        self.repo.audit(EXECUTE, "immunisation-coverage",
                        entities=(f"ward:{ward}", f"cohort:{birth_year}"))  # fmt: skip
        return self.rows.enrolled_measures(ward, birth_year), self.rows.cohort(ward, birth_year)

    def store_cohorts(self, rows: Iterable[tuple[str, int, int]], source: str) -> int:
        self._require(COHORT_KEEPERS, "nạp dân số / load population")
        stored = self.rows.store_cohorts(rows, source[:200], clock.now_us())
        self.repo.audit(UPDATE, "immunisation-cohort", description=f"{stored} rows")
        return stored

    def children(self, wards: Sequence[str] | None) -> list[str]:
        """The programme's children of these wards (None: all the caller's)."""
        self._require(STAFF, "xuất dữ liệu tiêm chủng / export immunisation data")
        allowed = self.programmes.wards()
        chosen = list(wards) if wards else sorted(allowed or ())
        if allowed is None and not wards:
            chosen = []  # the operator names no ward: every ward's children
        for ward in chosen:
            self.require_ward(ward)
        return [pid for pid, _ward in self.rows.enrolled_patients(chosen or None)]
