"""A resident's record as a whole, and the tables beside the records, through the access
layer: break-the-glass (a clinician opening a record for a while, with a reason), the
access log (who looked at it), operations on whole records that a role may start but its
own view cannot carry out (a steward's merge), and the doors to the MPI's review queue,
the data-quality scorecard and the watch's anomalies: each decided for the caller's role
and audited, never reached around the access layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hoso.access import claims as roles
from hoso.access import policy, reads
from hoso.access.audit import HOSO_ROLES
from hoso.access.audit_record import EXECUTE, READ
from hoso.access.principal import Principal
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.fhir.quality import QualityIssue
from hoso.fhir.store import BulkRow, MatchQueue, QualityTables, Session

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = [
    "REVIEWERS",
    "SCORECARD_VIEWERS",
    "QualityJob",
    "access_log",
    "anomalies",
    "break_glass",
    "caller_agent",
    "for_resident",
    "match_queue",
    "quality_findings",
    "quality_tables",
    "run_as_server",
    "whole_store",
]

REVIEWERS = (roles.STEWARD, roles.OPERATOR)  # whoever may call Patient/$merge
SCORECARD_VIEWERS = (roles.STEWARD, roles.OFFICER, roles.OPERATOR)
ANOMALY_READERS = (roles.DPO, roles.OPERATOR)


class ServerOutcome(Protocol):
    """What a server-side operation reports for its audit entry."""

    @property
    def audit_patients(self) -> Sequence[str]: ...
    @property
    def audit_entities(self) -> Sequence[str]: ...
    @property
    def audit_description(self) -> str: ...


R = TypeVar("R", bound=ServerOutcome)


def break_glass(repo: AccessRepository, patient_id: str, reason: str) -> int:
    """Open a clinician's whole view of one resident for a while; returns the end (µs).
    The grant and its flagged audit entry commit together."""
    entity = f"Patient/{patient_id}"

    def run() -> int:
        if repo.principal.role != roles.CLINICIAN:
            raise policy.denied(repo.principal.role, "phá kính / break the glass")
        repo.decider.authorize("Patient", "r")
        if len(reason.strip()) < 10:
            raise InvalidRequest(
                "Cần nêu lý do (ít nhất 10 ký tự) / A reason of at least 10 characters "
                "is required",
                expression=["Parameters.parameter.where(name='reason')"],
            )
        with repo.unit_of_work() as uow, uow.session(write=True) as s:
            s.read("Patient", patient_id, visibility=uow.decider.visibility())
            now = clock.now_us()
            expires = now + uow.settings.break_glass_minutes * 60 * 1_000_000
            s.access.grant_break_glass(agent=uow.principal.agent, facility=uow.principal.facility,
                                       patient_id=patient_id, reason=reason.strip(),
                                       started=now, expires=expires)  # fmt: skip
            uow.audit(EXECUTE, "break-glass", patients=(patient_id,), entities=(entity,),
                      purpose="ETREAT", description=reason.strip(), break_glass=True)  # fmt: skip
        return expires

    expires = repo.guarded(EXECUTE, "break-glass", entity, run)
    repo.decider.forget_views()  # this request's later calls see the grant
    return expires


def run_as_server(repo: AccessRepository, operation: str, entity: str,
                  fn: Callable[[Session, dict[str, Any]], R], *,
                  allowed: Sequence[str] | None = None) -> R:  # fmt: skip
    """Run `fn(session, agent)` with the server's authority, for an operation whose
    reach is wider than its caller's view: a steward sees only demographics, yet their
    merge re-points clinical records and writes a Provenance (server-written).

    The caller is decided first (an `allowed` role, by default a data steward, or the
    operator, with scopes to change Patients); `fn` then gets the store session of this
    caller's unit of work (every record, nothing stamped with the caller) and `agent`,
    the caller as a Provenance.agent. One audit entry naming the residents in `fn`'s
    outcome commits with its writes; a refusal or failure is audited as one."""

    def run() -> R:
        if repo.principal.role not in (*(allowed or (roles.STEWARD,)), roles.OPERATOR):
            raise policy.denied(repo.principal.role, f"thực hiện {entity} / run {entity}")
        repo.decider.authorize("Patient", "u")
        with repo.unit_of_work() as uow, uow.session(write=True) as s:
            result = fn(s, caller_agent(repo.principal))
            uow.audit(EXECUTE, operation, patients=tuple(result.audit_patients),
                      entities=(entity, *result.audit_entities),
                      description=result.audit_description)  # fmt: skip
        return result

    return repo.guarded(EXECUTE, operation, entity, run)


def access_log(repo: AccessRepository, patient_id: str, *, before: int | None = None,
               count: int = 50) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
    """Who accessed this resident's record: for the resident (and a guardian) the
    facility, role, time, purpose and break-the-glass flag; the DPO sees it whole."""
    entity = f"Patient/{patient_id}/$access-log"
    own = patient_id in repo.principal.patients

    def run() -> list[tuple[int, dict[str, Any]]]:
        if not own and repo.principal.role != roles.DPO:
            raise ResourceNotFound(
                f"Không tìm thấy Patient/{patient_id} / Patient/{patient_id} not found"
            )
        with repo.session() as s:
            rows = s.audit.for_patient(patient_id, before=before, count=count)
        events = [(seq, jsonx.loads(content)) for seq, content in rows]
        return [(seq, for_resident(e)) for seq, e in events] if own else events

    events = repo.guarded(READ, "access-log", entity, run)
    repo.audit(READ, "access-log", patients=[patient_id], entities=[entity])
    return events


def anomalies(repo: AccessRepository, since_us: int) -> list[dict[str, Any]]:
    """What the watches flagged (`hoso.access.care_claims`): for the data-protection
    officer and the operator; the rows name callers and counts, no resident."""

    def run() -> list[dict[str, Any]]:
        if repo.principal.role not in ANOMALY_READERS:
            raise policy.denied(repo.principal.role,
                                "xem cảnh báo truy cập / read access anomalies")  # fmt: skip
        with repo.session() as s:
            return s.access.anomalies(since_us)

    found = repo.guarded(READ, "anomalies", "access-anomaly", run)
    repo.audit(READ, "anomalies", entities=["access-anomaly"])
    return found


@contextmanager
def match_queue(repo: AccessRepository, *, write: bool = False) -> Iterator[MatchQueue]:
    """The MPI's review queue, for data stewards and the operator (the Patients it names
    are read separately, through the caller's view)."""

    def decide() -> None:
        if repo.principal.role not in REVIEWERS:
            raise policy.denied(repo.principal.role,
                                "xem hàng đợi trùng hồ sơ / read the MPI review queue")  # fmt: skip

    repo.guarded(READ, "mpi-queue", "mpi-candidate", decide)
    with repo.session(write=write) as s:
        yield s.matches
    repo.audit(EXECUTE if write else READ, "mpi-queue", entities=["mpi-candidate"])


@contextmanager
def quality_tables(repo: AccessRepository, *, write: bool = False) -> Iterator[QualityTables]:
    """The data-quality findings and scorecard: aggregates for stewards, officers and the
    operator; writing them (the batch) is the operator's."""

    def decide() -> None:
        allowed = (roles.OPERATOR,) if write else SCORECARD_VIEWERS
        if repo.principal.role not in allowed:
            raise policy.denied(repo.principal.role, "xem bảng điểm chất lượng dữ liệu / "
                                "read the data-quality scorecard")  # fmt: skip

    repo.guarded(READ, "quality", "quality-score", decide)
    with repo.session(write=write) as s:
        yield s.quality
    repo.audit(EXECUTE if write else READ, "quality", entities=["quality-score"])


def quality_findings(repo: AccessRepository, resource_type: str, id: str
                     ) -> list[QualityIssue]:  # fmt: skip
    """A resource's data-quality findings: read the resource first (the decision and its
    audit entry; 404 to whoever cannot read it), then its findings (under its stored id:
    an officer names it by pseudonym)."""
    repo.read(resource_type, id)
    stored = reads.stored_id(repo, resource_type, id)
    with repo.session() as s:
        return s.quality.findings(resource_type, stored)


class QualityJob:
    """The data-quality batch's door (`hoso.ingest.quality.batch.QualityAccess`): the
    operator's tables and whole-store reads, each use decided and audited."""

    def __init__(self, repo: AccessRepository) -> None:
        self._repo = repo

    def tables(self, *, write: bool = False) -> AbstractContextManager[QualityTables]:
        return quality_tables(self._repo, write=write)

    def stream(self, types: Sequence[str]) -> Iterator[BulkRow]:
        return whole_store(self._repo, types, "data-quality batch")


def whole_store(repo: AccessRepository, types: Sequence[str], purpose: str, *,
                batch: int = 1000) -> Iterator[BulkRow]:  # fmt: skip
    """Every current resource of `types` in the caller's view, paged (a batch job's read:
    the data-quality batch, the MPI's dedupe): decided and audited once, up front."""
    from hoso.access.bulk_access import stream  # the same paged read as `$export`

    repo.guarded(READ, "search-system", "*", lambda: repo.decider.authorize("*", "r"))
    repo.audit(READ, "search-system", entities=list(types),
               description=f"{purpose}: whole-store read")  # fmt: skip
    return stream(repo, types, visibility=repo.decider.visibility(), batch=batch)


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
