"""Bulk `$export` through the access layer (https://hl7.org/fhir/uv/bulkdata/export.html).

The same decision as every read: a system-level scope (`system/*.rs` or
`system/<Type>.rs`) for each exported type, `policy.authorize` for each type, and the
caller's `Visibility` compiled into the SQL that streams the rows, so a bulk export
holds exactly what the caller could read one resource at a time. Choices:

- Public-health officers are refused: their reads are de-identified except for persons
  named in a case report, a per-resident check a stream of millions cannot afford
  here; a de-identified extract is a warehouse job, not `$export`.
- Audit: one entry at kick-off (the request as `query`, refusals included), one when
  the files are complete (the files as entities) or when the job fails, one per file
  download. The completion entry names every resident whose records were exported when
  there are at most `AUDIT_PATIENT_CAP` of them (a facility's or a Group's export);
  beyond that it records the counts and says that the residents were not listed. Each
  entry is durable before the job goes on: a failure to audit fails the job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from hoso.access import claims as roles
from hoso.access.audit_record import EXECUTE, READ, SERIOUS_FAILURE
from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import FhirError, Forbidden, InvalidRequest
from hoso.fhir.searchparams import compartment_params, supported_types
from hoso.fhir.store import BulkRow
from hoso.fhir.visibility import Visibility

__all__ = [
    "ALL_PATIENTS",
    "AUDIT_PATIENT_CAP",
    "BulkExportAccess",
    "ExportPlan",
    "ExportRequest",
    "stream",
]

SYSTEM, PATIENT, GROUP = "system", "patient", "group"
ALL_PATIENTS: tuple[str, ...] = ("*",)  # every compartment (`BulkTables.current_page`)
AUDIT_PATIENT_CAP = 10_000
PATIENT_CHUNK = 500  # ids per page query: far below SQLite's and PostgreSQL's limits


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """A kick-off request, parsed (hoso.bulk.request)."""

    level: str  # system | patient | group
    url: str  # the kick-off request as sent, parameters included
    types: tuple[str, ...] | None = None  # `_type`; None: every type the caller may read
    since_us: int | None = None
    since: str | None = None  # `_since` as sent
    patients: tuple[str, ...] | None = None  # `patient` parameter (Patient, Group level)
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What one export reads: decided, and its kick-off audited, before any row is."""

    request: ExportRequest
    types: tuple[str, ...]
    patients: tuple[str, ...] | None  # None: any resource; ALL_PATIENTS; a list
    visibility: Visibility


class BulkExportAccess:
    """The export side of one caller's `AccessRepository`, built per kick-off without
    audit receipts: each entry is committed before the call returns, so the job itself
    can wait on it (and fail when it cannot)."""

    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo
        self.principal = repo.principal

    def plan(self, parse: Callable[[], ExportRequest], entity: str) -> ExportPlan:
        """Parse the kick-off (`parse` raises on a bad request) and decide it; either
        way the kick-off is audited, a refusal as such."""
        plan = self.repo.guarded(EXECUTE, "export", entity, lambda: self._decide(parse()))
        self.repo.audit(
            EXECUTE, "export", entities=[entity], query=plan.request.url, description="kick-off"
        )
        return plan

    @staticmethod
    def entity(level: str, group_id: str | None = None) -> str:
        """What a kick-off is about, as the audit names it."""
        if level == GROUP:
            return f"Group/{group_id}/$export"
        return "Patient/$export" if level == PATIENT else "$export"

    def rows(self, plan: ExportPlan, batch: int = 1000) -> Iterator[BulkRow]:
        return stream(self.repo, plan.types, since_us=plan.request.since_us,
                      patients=plan.patients, visibility=plan.visibility, batch=batch)  # fmt: skip

    def completed(
        self, plan: ExportPlan, files: Sequence[str], total: int, patients: Sequence[str] | None
    ) -> None:
        """`patients`: the residents exported, or None when there were too many to list."""
        listed = "" if patients is not None else f"; > {AUDIT_PATIENT_CAP} residents, not listed"
        self.repo.audit(
            READ,
            "export",
            patients=list(patients or ()),
            entities=list(files),
            query=plan.request.url,
            description=f"completed: {total} resources in {len(files)} files{listed}",
        )

    def failed(self, request: ExportRequest, reason: str) -> None:
        self.repo.audit(
            EXECUTE,
            "export",
            outcome=SERIOUS_FAILURE,
            entities=[self.entity(request.level, request.group_id)],
            query=request.url,
            description=f"failed: {reason}"[:500],
        )

    def cancelled(self, job_id: str) -> None:
        self.repo.audit(EXECUTE, "export", entities=[f"$export-status/{job_id}"],
                    description="cancelled")  # fmt: skip

    def downloaded(self, file_url: str) -> None:
        self.repo.audit(READ, "export-download", entities=[file_url])

    # -- the decision ------------------------------------------------------------------
    def _decide(self, request: ExportRequest) -> ExportPlan:
        if self.principal.role == roles.OFFICER:
            raise Forbidden(
                "Cán bộ y tế công cộng không xuất hàng loạt được (dữ liệu chỉ xem ở dạng khử "
                "định danh) / Public-health officers cannot bulk export (their view is "
                "de-identified)"
            )
        if not any(s.context == "system" for s in self.principal.scopes.scopes):
            raise Forbidden(
                "Xuất dữ liệu hàng loạt cần phạm vi mức hệ thống (system/*.rs) / "
                "Bulk export needs a system-level scope (system/*.rs)"
            )
        if request.types is not None:
            for resource_type in request.types:
                self._require(resource_type)
            types = request.types
        else:
            candidates = supported_types() if request.level == SYSTEM else _compartment_types()
            types = tuple(t for t in candidates if self._may_read(t))
        patients: tuple[str, ...] | None = None
        if request.level == PATIENT:
            self.repo.decider.authorize("Patient", "r")
            patients = request.patients or ALL_PATIENTS
        elif request.level == GROUP:
            patients = self._members(request)
        return ExportPlan(request, types, patients, self.repo.decider.visibility())

    def _may_read(self, resource_type: str) -> bool:
        try:
            self._require(resource_type)
        except FhirError:
            return False
        return True

    def _require(self, resource_type: str) -> None:
        if not any(
            s.context == "system"
            and "r" in s.permissions
            and s.resource_type in ("*", resource_type)
            for s in self.principal.scopes.scopes
        ):
            raise Forbidden(
                f"Phạm vi mức hệ thống không cho phép đọc {resource_type} / "
                f"No system-level scope grants read on {resource_type}"
            )
        self.repo.decider.authorize(resource_type, "r")

    def _members(self, request: ExportRequest) -> tuple[str, ...]:
        """The Group's active Patient members (the Group must be visible: else 404),
        narrowed to the `patient` parameter when given."""
        assert request.group_id is not None
        self.repo.decider.authorize("Group", "r")
        view = self.repo.decider.visibility()
        with self.repo.session() as s:
            group = jsonx.loads(s.read("Group", request.group_id, visibility=view).content)
        members = []
        for i, member in enumerate(group.get("member") or []):
            if not isinstance(member, dict) or member.get("inactive") is True:
                continue
            reference = (member.get("entity") or {}).get("reference")
            if not isinstance(reference, str):
                continue
            parts = reference.split("/")
            if len(parts) < 2 or parts[-2] != "Patient":
                raise InvalidRequest(
                    f"Thành viên nhóm không phải Patient: {reference} / "
                    f"Group member is not a Patient: {reference}",
                    expression=[f"Group.member[{i}].entity"],
                )
            members.append(parts[-1])
        if request.patients is not None:
            members = [m for m in members if m in set(request.patients)]
        return tuple(dict.fromkeys(members))


def stream(
    repo: AccessRepository,
    types: Sequence[str],
    *,
    since_us: int | None = None,
    patients: Sequence[str] | None = None,
    visibility: Visibility | None,
    batch: int = 1000,
) -> Iterator[BulkRow]:
    """Current resources of `types` (in that order, by id within a type) that
    `visibility` shows, one short read transaction per page, so that memory stays flat
    and no transaction stays open for the length of an export (a long one would hold
    back SQLite's WAL checkpoint and PostgreSQL's vacuum). A resource changed meanwhile is
    read in its newest version, or not at all if deleted (Bulk Data: `transactionTime` is
    a lower bound). A patient list is read in chunks of sorted ids: still deterministic."""
    chunks: list[Sequence[str] | None]
    if patients is None or tuple(patients) == ALL_PATIENTS:
        chunks = [patients]
    else:
        ordered = sorted(set(patients))
        chunks = [ordered[i : i + PATIENT_CHUNK] for i in range(0, len(ordered), PATIENT_CHUNK)]
    for resource_type in types:
        for chunk in chunks:
            after = ""
            while True:
                with repo.store.unit_of_work(write=False) as s:
                    rows = s.bulk.current_page(resource_type, after=after, limit=batch,
                                               since_us=since_us, patients=chunk,
                                               visibility=visibility)  # fmt: skip
                yield from rows
                if len(rows) < batch:
                    break
                after = rows[-1].id


def _compartment_types() -> tuple[str, ...]:
    return tuple(t for t in supported_types() if t == "Patient" or compartment_params(t))
