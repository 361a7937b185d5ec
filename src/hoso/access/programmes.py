"""The programmes' registers for a caller (`hoso.programmes`, issue 19;
docs/programmes.md).

- A clinician of a ward health station (an Organization "Trạm y tế …" whose address is
  in the ward) sees the registers and due lists of the residents whose home ward is that
  ward, and records their programme visits. A resident of another ward, and a resident
  who does not exist, get the same 404.
- The operator sees every ward. Public-health officers see counts, not lists.
- A resident sees their own programmes (and their children's) in their health book.

Reading a resident's record beyond the registers goes through the caller's own
repository, so the policy decides as everywhere else: a station sees the emergency
summary of its ward's residents until a visit at the station opens their record (the
visit's Encounter is the station's care link). A visit is written through the one
intake as the caller, in one transaction: the Encounter at the station, the
QuestionnaireResponse and the Observations its items name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import MINOR_FAILURE, READ, UPDATE
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["ENCOUNTER", "ProgrammeAccess", "RegisterRows", "WardStations"]

LIST_ROLES = (roles.CLINICIAN, roles.OPERATOR)
COUNT_ROLES = (roles.CLINICIAN, roles.OPERATOR, roles.OFFICER)


class WardStations(Protocol):
    def wards_of(self, facility: str) -> frozenset[str]: ...


class RegisterRows(Protocol):
    """`hoso.store.programme_rows.SqlProgrammeRows`, as the access layer uses it."""

    def due_page(self, programme: str, wards: Sequence[str] | None, statuses: Sequence[str],
                 until: str, offset: int, limit: int, activity: str | None = None
                 ) -> tuple[list[Any], int]: ...  # fmt: skip
    def due_counts(self, wards: Sequence[str] | None, until: str
                   ) -> dict[tuple[str, str], int]: ...  # fmt: skip
    def enrolled_counts(self, wards: Sequence[str] | None) -> dict[str, int]: ...
    def of_patient(self, patient_id: str) -> tuple[list[Any], list[Any]]: ...
    def set_manual(self, programme: str, patient_id: str, enrolled: bool | None, reason: str,
                   agent: str, now: int) -> None: ...  # fmt: skip
    def manual(self, patient_ids: Sequence[str]) -> dict[tuple[str, str], tuple[bool, str]]: ...
    def replace(self, patient_ids: Sequence[str],
                enrolments: Sequence[Mapping[str, Any]],
                dues: Sequence[Mapping[str, Any]]) -> None: ...  # fmt: skip


def not_found(patient_id: str) -> ResourceNotFound:
    return ResourceNotFound(f"Không tìm thấy người dân {patient_id[:64]} / resident not found")


class ProgrammeAccess:
    def __init__(self, repo: AccessRepository, rows: RegisterRows, stations: WardStations | None,
                 ward_of: Callable[[Mapping[str, Any]], str | None]) -> None:  # fmt: skip
        """`ward_of`: a resident's home ward (`hoso.programmes.wards.home_ward`)."""
        self.repo, self.rows, self.stations, self.ward_of = repo, rows, stations, ward_of

    @property
    def role(self) -> str:
        return self.repo.principal.role

    def wards(self) -> frozenset[str] | None:
        """The wards whose lists the caller sees (None: every ward)."""
        if self.role == roles.OPERATOR:
            return None
        facility = self.repo.principal.facility
        if self.role == roles.CLINICIAN and facility and self.stations is not None:
            return self.stations.wards_of(facility)
        return frozenset()

    def _require(self, allowed: Sequence[str], what: str) -> frozenset[str] | None:
        if self.role not in allowed:
            raise policy.denied(self.role, what)
        return self.wards() if self.role != roles.OFFICER else None

    def _list_wards(self, ward: str | None) -> list[str] | None:
        wards = self._require(LIST_ROLES, "xem danh sách chương trình / read programme lists")
        if wards is not None and not wards:
            raise policy.denied(self.role, "xem danh sách (không thuộc trạm y tế) / read lists "
                                           "(not at a ward health station)")  # fmt: skip
        if ward is None:
            return None if wards is None else sorted(wards)
        if wards is not None and ward not in wards:
            raise policy.denied(self.role, f"xem phường/xã {ward[:8]} / read ward {ward[:8]}")
        return [ward]

    # -- the recompute (the operator's job) -------------------------------------------------
    def manual(self, patient_ids: Sequence[str]) -> dict[tuple[str, str], tuple[bool, str]]:
        self._require((roles.OPERATOR,), "tính lại sổ chương trình / recompute registers")
        return self.rows.manual(patient_ids)

    def replace(self, patient_ids: Sequence[str],
                enrolments: Sequence[Mapping[str, Any]], dues: Sequence[Mapping[str, Any]]
                ) -> None:  # fmt: skip
        """Store a chunk's assessments (one transaction), audited naming the residents."""
        self._require((roles.OPERATOR,), "tính lại sổ chương trình / recompute registers")
        self.rows.replace(patient_ids, enrolments, dues)
        self.repo.audit(UPDATE, "programme-register", patients=tuple(patient_ids),
                        description=f"tính lại / recomputed: {len(enrolments)} ghi danh / "
                                    f"enrolments, {len(dues)} hoạt động / activities")  # fmt: skip

    # -- lists -----------------------------------------------------------------------------
    def overview(self, until: date, ward: str | None = None) -> dict[str, Any]:
        """Programme → enrolled and due counts, for the caller's wards (an officer: the
        city's, which carries no one's identity)."""
        if self.role == roles.OFFICER:
            wards = None if ward is None else [ward]
        else:
            wards = self._list_wards(ward)
        dues = self.rows.due_counts(wards, until.isoformat())
        enrolled = self.rows.enrolled_counts(wards)
        self.repo.audit(READ, "programme-register", entities=tuple(f"ward:{w}" for w in
                        (wards or ["*"])), description="tổng quan / overview")  # fmt: skip
        return {"wards": wards, "enrolled": enrolled,
                "due": {f"{p}:{s}": n for (p, s), n in sorted(dues.items())}}  # fmt: skip

    def due_list(self, programme: str, statuses: Sequence[str], until: date, *,
                 ward: str | None = None, offset: int = 0, limit: int = 50,
                 activity: str | None = None) -> tuple[list[Any], int]:  # fmt: skip
        wards = self._list_wards(ward)
        rows, total = self.rows.due_page(programme, wards, statuses, until.isoformat(),
                                         offset, limit, activity)  # fmt: skip
        self.repo.audit(READ, "programme-register", patients=tuple({r.patient_id for r in rows}),
                        entities=(f"programme:{programme}",),
                        description=f"danh sách đến hạn / due list {len(rows)}")  # fmt: skip
        return rows, total

    def patients(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The Patients of a list, as the caller may read them (one search per 100)."""
        found: dict[str, dict[str, Any]] = {}
        ids = sorted(set(ids))
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            page = self.repo.search(
                "Patient",
                [("_id", ",".join(chunk)), ("_count", str(len(chunk))), ("_total", "none")],
            )
            for hit in page.matches:
                found[hit.id] = dict(jsonx.loads(hit.content))
        return found

    # -- one resident ----------------------------------------------------------------------
    def require_patient(self, patient_id: str) -> dict[str, Any]:
        """The resident's Patient if they live in one of the caller's wards; otherwise the
        same 404 as for a resident who does not exist (audited as a failed read)."""
        wards = self._require(LIST_ROLES, "xem chương trình / read programmes")
        found = self.patients([patient_id]).get(patient_id) if len(patient_id) <= 64 else None
        if found is None or (wards is not None and self.ward_of(found) not in wards):
            self.repo.audit(READ, "programme-register", outcome=MINOR_FAILURE,
                            entities=(f"Patient/{patient_id[:64]}",),
                            description="404")  # fmt: skip
            raise not_found(patient_id)
        return found

    def patient_view(self, patient_id: str) -> tuple[dict[str, Any], list[Any], list[Any]]:
        patient = self.require_patient(patient_id)
        enrolments, due = self.rows.of_patient(patient_id)
        self.repo.audit(READ, "programme-register", patients=(patient_id,),
                        entities=tuple(f"programme:{e.programme}" for e in enrolments))  # fmt: skip
        return patient, enrolments, due

    def own(self, patient_id: str | None = None) -> tuple[list[Any], list[Any]]:
        """A resident's own programmes and their children's (or one of those people's,
        for their health book; anyone else's is absent)."""
        if self.role != roles.RESIDENT:
            raise policy.denied(self.role, "xem chương trình của mình / read own programmes")
        mine = self.repo.principal.patients
        if patient_id is not None and patient_id not in mine:
            raise not_found(patient_id)
        enrolments: list[Any] = []
        due: list[Any] = []
        for pid in sorted(mine if patient_id is None else {patient_id}):
            e, d = self.rows.of_patient(pid)
            enrolments += e
            due += d
        self.repo.audit(
            READ,
            "programme-register",
            patients=tuple(sorted(mine if patient_id is None else {patient_id})),
        )
        return enrolments, due

    def set_manual(self, programme: str, patient_id: str, enrolled: bool | None,
                   reason: str) -> None:  # fmt: skip
        """Enrol by hand, keep out, or hand back to the rule; a reason is required."""
        self.require_patient(patient_id)
        reason = reason.strip()
        if enrolled is not None and not 3 <= len(reason) <= 500:
            raise InvalidRequest("reason: cần lý do (3–500 ký tự) / a reason (3–500 characters)")
        self.rows.set_manual(programme, patient_id, enrolled, reason, self.repo.principal.agent,
                             clock.now_us())  # fmt: skip
        self.repo.audit(UPDATE, "programme-register", patients=(patient_id,),
                        entities=(f"programme:{programme}",),
                        description=f"ghi danh tay / by hand: {enrolled}")  # fmt: skip

    def record_visit(
        self, patient_id: str, title: str, resources: Sequence[tuple[str, dict[str, Any]]]
    ) -> dict[str, str]:
        """One programme visit, in one transaction through the intake as the caller: an
        Encounter at the caller's station (`ENCOUNTER` in references), then `resources`
        in order, each `(placeholder, resource)`; a reference to an earlier placeholder
        (e.g. an Observation's `derivedFrom` its QuestionnaireResponse) becomes the id
        made. Placeholder → "Type/id" of everything made."""
        self.require_patient(patient_id)
        orgs = self.repo.principal.facility_orgs
        if self.role != roles.CLINICIAN or not orgs:
            raise policy.denied(self.role, "ghi lượt khám chương trình / record a programme visit")
        now = clock.fhir_instant(clock.now())
        subject = f"Patient/{patient_id}"
        for _placeholder, resource in resources:
            if resource.get("subject", resource.get("patient")) != {"reference": subject}:
                raise InvalidRequest("subject: phải là người dân này / must be this resident")
        made: dict[str, str] = {}
        with self.repo.unit_of_work() as uow:
            encounter = uow.create({
                "resourceType": "Encounter", "status": "finished",
                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                          "code": "AMB"},
                "type": [{"text": title[:200]}],
                "subject": {"reference": subject}, "serviceProvider": {"reference": orgs[0]},
                "period": {"start": now, "end": now}})  # fmt: skip
            made[ENCOUNTER] = f"Encounter/{encounter.stored.id}"
            for placeholder, resource in resources:
                stored = uow.create(_resolved(resource, made)).stored
                made[placeholder] = f"{resource['resourceType']}/{stored.id}"
        return made


ENCOUNTER = "urn:hoso:visit-encounter"


def _resolved(value: Any, made: Mapping[str, str]) -> Any:
    """`value` with every reference to a placeholder already made replaced by its id."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str) and value["reference"] in made:
            return {**value, "reference": made[value["reference"]]}
        return {k: _resolved(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, made) for v in value]
    return value
