"""Contact tracing behind the access layer (issue 18 point 5): registering exposures
(creating the contact's Patient through the MPI), their follow-up and visits, the
station teams' daily lists. Chains and indicators: `publichealth_chains`.

Who may do what (docs/contact-tracing.md):
- officers (and the operator) register events and contacts, supervise the lists
  (reassign, bulk outcomes) and record visits; an officer registers contacts only of a
  person they see identified — a person of a case linked to them, or a contact of one —
  and sees a person identified (name, phone, address, the real id) only there;
  everyone else in a list is a pseudonym;
- a ward health station's clinicians (`principal.facility` = the ward's station) see
  their own ward's list identified (they visit these people) and record its visits;
  another ward, a follow-up of another ward, an unknown one: the same 404;
- residents and every other role: 403.
Everything is audited under the caller's name, with the persons it named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from hoso.access import claims as roles
from hoso.access.audit_record import CREATE, EXECUTE, READ, UPDATE
from hoso.access.deidentify import pseudonym
from hoso.access.publichealth_contacts import daily_list, register
from hoso.access.publichealth_input import (
    CODE,
    MAX_FOLLOWUP_DAYS,
    OUTCOMES,
    SUPERVISORS,
    bad,
    check_choice,
    check_day,
    check_ids,
    check_text,
    check_ward,
    hcmc_today,
    not_found,
    require,
)  # fmt: skip
from hoso.core import clock
from hoso.core.errors import Conflict

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = [
    "CaseOpener", "ContactTracing", "DiseaseParams", "MappedStations", "TracingLogic",
    "Viewer", "WardStations",
]  # fmt: skip

class DiseaseParams(Protocol):
    """(followup_days, visit_every_days) of a disease's current definition; KeyError
    for a disease with no definition (the lead's `ph_disease` wires it)."""

    def __call__(self, code: str) -> tuple[int, int]: ...


class CaseOpener(Protocol):
    """Open a suspected case for a contact with symptoms, as `repo`'s caller (through
    the case register's own facade, `hoso.access.publichealth_cases`, which decides and
    audits the case)."""

    def open_suspected(self, repo: AccessRepository, patient_id: str, disease: str,
                       onset_date: str) -> int: ...  # fmt: skip


class WardStations(Protocol):
    """Which facility is a ward's health station, and the wards a facility serves."""

    def station_of(self, ward: str) -> str | None: ...
    def wards_of(self, facility: str) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class MappedStations:
    """Ward → station facility code, as configured (docs/contact-tracing.md)."""

    stations: dict[str, str]

    def station_of(self, ward: str) -> str | None:
        return self.stations.get(ward)

    def wards_of(self, facility: str) -> frozenset[str]:
        return frozenset(w for w, f in self.stations.items() if f == facility)


class TracingLogic(Protocol):
    """The pure rules (`hoso.publichealth.tracing.logic.TRACING_LOGIC`)."""

    def schedule(self, last_exposure: str, followup_days: int, every_days: int,
                 current: tuple[str, str, int] | None = None) -> tuple[str, str]: ...  # fmt: skip
    def due(self, start: str, end: str, every: int, day: str) -> bool: ...
    def closing(self, start: str, end: str, every: int, outcomes: dict[str, str],
                today: str) -> str: ...  # fmt: skip
    def round_robin(self, items: Sequence[int], team: Sequence[str],
                    load: dict[str, int]) -> dict[int, str]: ...  # fmt: skip
    def card(self, patient: dict[str, Any] | None) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whom a list shows identified: everyone (operator, the ward's own station) or the
    officer's linked persons."""

    everyone: bool
    linked: frozenset[str]

    def identified(self, patient_id: str) -> bool:
        return self.everyone or patient_id in self.linked


class ContactTracing:
    def __init__(self, rows: Any, logic: TracingLogic, disease_params: DiseaseParams,
                 cases: CaseOpener, stations: WardStations) -> None:  # fmt: skip
        self.rows = rows  # hoso.store.publichealth_tracing.SqlTracing
        self.logic = logic
        self.disease_params = disease_params
        self.cases = cases
        self.stations = stations

    # -- who sees what -------------------------------------------------------------------
    def check_disease(self, disease: object) -> tuple[str, int, int]:
        code = check_text(disease, "disease", CODE)
        try:
            days, every = self.disease_params(code)
        except KeyError:
            raise bad("disease", f"chưa có định nghĩa bệnh '{code}'",
                      f"no definition of disease '{code}'") from None  # fmt: skip
        # 0 days: the disease follows no contacts (they are registered, not visited).
        if not (0 <= days <= MAX_FOLLOWUP_DAYS and (days == 0 or 1 <= every <= days)):
            raise bad("disease", f"định nghĩa bệnh '{code}' có thời gian theo dõi không hợp lệ",
                      f"the definition of '{code}' has an invalid follow-up period")  # fmt: skip
        return code, days, every

    def _station_wards(self, repo: AccessRepository) -> frozenset[str]:
        facility = repo.principal.facility
        return self.stations.wards_of(facility) if facility else frozenset()

    def check_ward_reader(self, repo: AccessRepository, ward: str | None) -> None:
        """A clinician reaches their own station's wards only; else 404 like nothing."""
        role = repo.principal.role
        if role == roles.CLINICIAN:
            if ward is None or ward not in self._station_wards(repo):
                raise not_found()
        elif role not in SUPERVISORS:
            require(repo, (), "xem danh sách theo dõi / read follow-up lists")

    def viewer(self, repo: AccessRepository, patient_ids: Sequence[str]) -> Viewer:
        if repo.principal.role != roles.OFFICER:
            return Viewer(True, frozenset())
        return Viewer(False, frozenset(self.rows.linked_patients(repo.principal.agent,
                                                                 patient_ids)))  # fmt: skip

    viewer_none = Viewer(False, frozenset())

    def label(self, repo: AccessRepository, viewer: Viewer, patient_id: str) -> str:
        return patient_id if viewer.identified(patient_id) else pseudonym(
            patient_id, repo.pseudonym_key)

    # -- events and contacts -------------------------------------------------------------
    def register_event(self, repo: AccessRepository, body: dict[str, Any]) -> int:
        def run() -> int:
            require(repo, SUPERVISORS, "ghi sự kiện / register events")
            code, _days, _every = self.check_disease(body.get("disease"))
            name = body.get("name")
            if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
                raise bad("name", "tên 1–200 ký tự", "a name of 1–200 characters")
            ward = body.get("ward")
            event_id = self.rows.add_event(
                kind=check_choice(body.get("kind", "event"), "kind", ("event", "cluster")),
                name=name.strip(), disease=code, ward=None if ward is None else check_ward(ward),
                date=None if body.get("date") is None else check_day(body["date"], "date"),
                created_by=repo.principal.agent, created_at=clock.now_us())  # fmt: skip
            repo.audit(CREATE, "ph-event", entities=(f"ph_event/{event_id}",),
                       description=f"{code}: {name.strip()[:60]}")  # fmt: skip
            return event_id

        return repo.guarded(CREATE, "ph-event", "ph_event", run)

    def register_contact(self, repo: AccessRepository, body: dict[str, Any]) -> dict[str, Any]:
        """An exposure source → target, and the target's follow-up (`docs/contact-tracing.md`)."""
        return repo.guarded(CREATE, "ph-contact", "ph_contact",
                            lambda: register(self, repo, body))  # fmt: skip

    # -- follow-up -----------------------------------------------------------------------
    def assign_unassigned(self, ward: str | None, day: str) -> dict[int, str]:
        """Round-robin the ward's unassigned active follow-ups over its station's team."""
        if ward is None:
            return {}
        station = self.stations.station_of(ward)
        team = self.rows.station_team(station) if station else []
        waiting = [f.id for f in self.rows.active_in_ward(ward, day) if f.assignee is None]
        if not team or not waiting:
            return {}
        plan = self.logic.round_robin(waiting, team, self.rows.load(ward, team))
        self.rows.assign_each(plan)
        return plan

    def _followup(self, repo: AccessRepository, followup_id: int) -> Any:
        found = self.rows.followup(followup_id)
        if found is None:
            raise not_found()
        self.check_ward_reader(repo, found.ward)
        return found

    def record_visit(self, repo: AccessRepository, followup_id: int, body: dict[str, Any]
                     ) -> dict[str, Any]:  # fmt: skip
        """One visit's outcome; with symptoms, the contact becomes a suspected case in the
        same action (the exposure edge stays), unless `open_case` is false."""
        entity = f"ph_followup/{followup_id}"

        def run() -> dict[str, Any]:
            found = self._followup(repo, followup_id)
            today = hcmc_today()
            day = check_day(body.get("day", today), "day", not_after=today)
            outcome = check_choice(body.get("outcome"), "outcome", OUTCOMES)
            if found.status != "active":
                raise Conflict("Theo dõi đã đóng / This follow-up is closed")
            if not found.start_date <= day <= found.end_date:
                raise bad("day", "ngày ngoài thời gian theo dõi", "day outside the follow-up")
            now, agent = clock.now_us(), repo.principal.agent
            case_id = None
            if outcome == "seen-with-symptoms" and body.get("open_case", True) is not False:
                # The case first: if the register refuses, nothing of the visit is kept
                # and the same request can be sent again.
                onset = check_day(body.get("onset_date", day), "onset_date", not_after=today)
                case_id = self.cases.open_suspected(repo, found.patient_id, found.disease, onset)
            self.rows.record_visit(followup_id, day, outcome, agent, now)
            if case_id is not None:
                self.rows.close(followup_id, "became-case", now, case_id)
            repo.audit(UPDATE, "ph-visit", patients=(found.patient_id,), entities=(entity,),
                       description=f"{day}: {outcome}"
                       + (f"; ca nghi ngờ / suspected case {case_id}" if case_id else ""))
            return {"followup_id": followup_id, "day": day, "outcome": outcome,
                    "case_id": case_id, "status": "became-case" if case_id else "active"}

        return repo.guarded(UPDATE, "ph-visit", entity, run)

    def daily_list(self, repo: AccessRepository, ward: object, day: object = None, *,
                   assignee: str | None = None, offset: int = 0, limit: int = 100
                   ) -> dict[str, Any]:  # fmt: skip
        return repo.guarded(READ, "ph-followup-list", "ph_followup",
                            lambda: daily_list(self, repo, ward, day, assignee=assignee,
                                               offset=offset, limit=limit))  # fmt: skip

    def reassign(self, repo: AccessRepository, body: dict[str, Any]) -> int:
        """Bulk: give follow-ups of a ward to a member of its station's team (supervisors)."""
        def run() -> int:
            require(repo, SUPERVISORS, "phân công lại / reassign")
            ward, ids = check_ward(body.get("ward")), check_ids(body.get("followup_ids"))
            assignee = body.get("assignee")
            station = self.stations.station_of(ward)
            team = self.rows.station_team(station) if station else []
            if assignee is not None and assignee not in team:
                raise bad("assignee", "không thuộc nhóm trạm y tế của phường",
                          "not on the ward station's team")  # fmt: skip
            moved = self.rows.assign(ids, assignee, ward)
            repo.audit(UPDATE, "ph-followup-assign", entities=(f"ward/{ward}",),
                       description=f"{moved} → {assignee or '—'}")  # fmt: skip
            return int(moved)

        return repo.guarded(UPDATE, "ph-followup-assign", "ph_followup", run)

    def bulk_outcome(self, repo: AccessRepository, body: dict[str, Any]) -> int:
        """Bulk: one outcome (never symptoms: that is one person's case) for many visits."""
        def run() -> int:
            require(repo, SUPERVISORS, "ghi hàng loạt / record in bulk")
            ward, ids = check_ward(body.get("ward")), check_ids(body.get("followup_ids"))
            today = hcmc_today()
            day = check_day(body.get("day", today), "day", not_after=today)
            outcome = check_choice(body.get("outcome"), "outcome", OUTCOMES[2:] + OUTCOMES[:1])
            patients: list[str] = []
            now = clock.now_us()
            for found in self.rows.followups(ids):
                if found.ward == ward and found.status == "active" and \
                        found.start_date <= day <= found.end_date:  # fmt: skip
                    self.rows.record_visit(found.id, day, outcome, repo.principal.agent, now)
                    patients.append(found.patient_id)
            done = len(patients)
            repo.audit(UPDATE, "ph-visit-bulk", patients=patients, entities=(f"ward/{ward}",),
                       description=f"{day}: {outcome} × {done}")  # fmt: skip
            return done

        return repo.guarded(UPDATE, "ph-visit-bulk", "ph_visit", run)

    def close_due(self, repo: AccessRepository, today: str | None = None) -> dict[str, int]:
        """The daily close job: became-case (the person is a case now, by any path),
        completed, or lost after the grace period."""
        def run() -> dict[str, int]:
            require(repo, (roles.OPERATOR,), "chạy việc đóng theo dõi / run the close job")
            day = check_day(today or hcmc_today(), "today")
            counts = {"completed": 0, "lost": 0, "active": 0, "became-case": 0}
            for followup_id, case_id in self.rows.active_with_case():
                counts["became-case"] += self.rows.close(followup_id, "became-case",
                                                         clock.now_us(), case_id)  # fmt: skip
            ended = self.rows.ended_before(day)
            visits = self.rows.visits([f.id for f in ended])
            for f in ended:
                status = self.logic.closing(f.start_date, f.end_date, f.frequency_days,
                                            visits.get(f.id, {}), day)  # fmt: skip
                if status != "active" and not self.rows.close(f.id, status, clock.now_us()):
                    continue
                counts[status] += 1
            repo.audit(EXECUTE, "ph-followup-close", description=str(counts))
            return counts

        return repo.guarded(EXECUTE, "ph-followup-close", "ph_followup", run)

