"""A resident's record as a whole: break-the-glass (a clinician opening it for a while,
with a reason), the access log (who looked at it), and server-side operations on whole
records that a role may start but its own view cannot carry out (a steward's merge).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol, Self, TypeVar

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit import HOSO_ROLES, audit_row
from hoso.access.audit_record import EXECUTE, READ
from hoso.access.guarded_writes import GuardedWrites
from hoso.access.principal import Principal
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound


class ServerOutcome(Protocol):
    """What a server-side operation reports for its audit entry."""

    @property
    def audit_patients(self) -> Sequence[str]: ...
    @property
    def audit_entities(self) -> Sequence[str]: ...
    @property
    def audit_description(self) -> str: ...


R = TypeVar("R", bound=ServerOutcome)


class RecordAccess(GuardedWrites):
    def break_glass(self, patient_id: str, reason: str) -> int:
        """Open a clinician's whole view of one resident for a while; returns the end
        (µs). The grant and its flagged audit entry commit together."""
        entity = f"Patient/{patient_id}"

        def run(uow: Self) -> int:
            if self.principal.role != roles.CLINICIAN:
                raise policy.denied(self.principal.role, "phá kính / break the glass")
            policy.authorize(self.principal, "Patient", "r")
            if len(reason.strip()) < 10:
                raise InvalidRequest(
                    "Cần nêu lý do (ít nhất 10 ký tự) / A reason of at least 10 characters "
                    "is required",
                    expression=["Parameters.parameter.where(name='reason')"],
                )
            uow._store.read("Patient", patient_id, visibility=self.visibility())
            now = clock.now_us()
            expires = now + self._settings.break_glass_minutes * 60 * 1_000_000
            uow._store.grant_break_glass(
                agent=self.principal.agent,
                facility=self.principal.facility,
                patient_id=patient_id,
                reason=reason.strip(),
                started=now,
                expires=expires,
            )
            uow._pending.append(
                audit_row(
                    self._entry(
                        EXECUTE,
                        "break-glass",
                        patients=(patient_id,),
                        entities=(entity,),
                        purpose="ETREAT",
                        description=reason.strip(),
                        break_glass=True,
                    )
                )
            )
            return expires

        expires = self._write(EXECUTE, "break-glass", entity, run)
        self._views.clear()  # this request's later calls see the grant
        return expires

    def run_as_server(
        self,
        operation: str,
        entity: str,
        fn: Callable[[Any, dict[str, Any]], R],
        *,
        allowed: Collection[str] = (roles.STEWARD,),
    ) -> R:
        """Run `fn(store, agent)` with the server's authority, for an operation whose
        reach is wider than its caller's view: a steward sees only demographics, yet
        their merge re-points clinical records and writes a Provenance (server-written).

        The caller is decided first (an `allowed` role or the operator, with scopes to
        change Patients); `fn` then gets the store inside this caller's unit of work
        (every record, nothing stamped with the caller) and `agent`, the caller as a
        Provenance.agent. One audit entry naming the residents in `fn`'s outcome
        commits with its writes; a refusal or failure is audited as one."""

        def run(uow: Self) -> R:
            if self.principal.role not in (*allowed, roles.OPERATOR):
                raise policy.denied(self.principal.role, f"thực hiện {entity} / run {entity}")
            policy.authorize(self.principal, "Patient", "u")
            result = fn(uow._store, caller_agent(self.principal))
            entry = self._entry(
                EXECUTE,
                operation,
                patients=tuple(result.audit_patients),
                entities=(entity, *result.audit_entities),
                description=result.audit_description,
            )
            uow._pending.append(audit_row(entry))
            return result

        return self._write(EXECUTE, operation, entity, run)

    def access_log(
        self, patient_id: str, *, before: int | None = None, count: int = 50
    ) -> list[tuple[int, dict[str, Any]]]:
        """Who accessed this resident's record: for the resident (and a guardian) the
        facility, role, time, purpose and break-the-glass flag; the DPO sees it whole."""
        entity = f"Patient/{patient_id}/$access-log"

        def run() -> list[tuple[int, dict[str, Any]]]:
            own = patient_id in self.principal.patients
            if not own and self.principal.role != roles.DPO:
                raise ResourceNotFound(
                    f"Không tìm thấy Patient/{patient_id} / Patient/{patient_id} not found"
                )
            assert self._audit_reader is not None
            rows = self._audit_reader.for_patient(patient_id, before=before, count=count)
            events = [(seq, jsonx.loads(content)) for seq, content in rows]
            return [(seq, for_resident(e)) for seq, e in events] if own else events

        events = self._guarded(READ, "access-log", entity, run)
        self._audit(READ, "access-log", patients=[patient_id], entities=[entity])
        return events


def anomalies(store: Any, principal: Principal, since_us: int) -> list[dict[str, Any]]:
    """What the watches flagged (`hoso.access.care_claims`): for the data-protection
    officer and the operator; the rows name callers and counts, no resident."""
    if principal.role not in (roles.DPO, roles.OPERATOR):
        raise policy.denied(principal.role, "xem cảnh báo truy cập / read access anomalies")
    with store.unit_of_work(write=False) as session:
        return list(session.anomalies(since_us))


def caller_agent(principal: Principal) -> dict[str, Any]:
    """The caller as a Provenance.agent: their token's subject and role, as the audit
    trail names them (a reference could point at a record that does not exist)."""
    return {
        "role": [{"coding": [{"system": HOSO_ROLES, "code": principal.role}]}],
        "who": {"identifier": {"value": principal.agent}, "display": principal.agent},
    }


def for_resident(event: dict[str, Any]) -> dict[str, Any]:
    """An AuditEvent as the resident sees it: which facility, role, when, why; not the
    staff member's identity, address or the query (their privacy and the system's)."""
    shown = {k: v for k, v in event.items() if k not in ("entity", "source")}
    agents = []
    for agent in event.get("agent") or []:
        kept = {k: v for k, v in agent.items() if k in ("type", "requestor", "purposeOfUse")}
        if not agent.get("requestor"):
            kept["who"] = agent.get("who")  # the facility
        agents.append(kept)
    shown["agent"] = agents
    return shown
