"""Bulk import through the access layer: the same decision and the same write rules as
a single write, applied to thousands of lines at a time.

- Off the database, in the importer's worker processes, `PolicyRowBuilder` asks what
  a single create asks (`authorize`, `stamp`, a facility opens care links only at
  itself) before the store's row builder validates and lays out the rows.
- In one transaction per batch, `BulkImportAccess.write_batch` keeps what a single
  write would refuse out (a CCCD held by another resident, a resident outside the
  caller's reach: the decider's `write_reach`, break-the-glass included), copies the
  rest in, writes lines already stored with other content as new versions through the
  single write path (`hoso.access.writes.update`, in a savepoint each), and appends one
  audit entry naming the batch's residents. Refused lines are summed up in one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hoso.access import claims as roles
from hoso.access import policy, writes
from hoso.access.audit_record import CREATE, MINOR_FAILURE
from hoso.access.principal import Principal
from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import FhirError, Forbidden
from hoso.fhir.outcomes import cccd_conflict
from hoso.fhir.store import BatchOutcome, PreparedRows, RowBuilder, Session

__all__ = ["IMPORTERS", "BulkImportAccess", "PolicyRowBuilder"]

IMPORTERS = (roles.OPERATOR, roles.FACILITY_SYSTEM)


@dataclass(frozen=True)
class PolicyRowBuilder:
    """The store's row builder behind the caller's write policy (the functions of
    `hoso.access.policy` a single create calls); picklable."""

    principal: Principal
    rows: RowBuilder

    def build(self, resource: dict[str, Any], seq: int, method: str) -> PreparedRows:
        policy.authorize(self.principal, str(resource.get("resourceType")), "c")
        stamped = policy.stamp(self.principal, resource)
        policy.check_care_links(self.principal, stamped)
        return self.rows.build(stamped, seq, method)


class BulkImportAccess:
    """The import side of one caller's `AccessRepository` (audited without receipts: a
    batch's entry commits with it)."""

    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo
        self.principal = repo.principal

    def check_importer(self) -> None:
        """Only facility systems and the operator, with system-level scopes, may bulk
        import (what each line may write is then decided line by line); a refusal is
        audited."""
        p = self.principal
        if p.role not in IMPORTERS or "system" not in p.scopes.contexts:
            self.note(MINOR_FAILURE, "$import refused")
            raise Forbidden(
                "Chỉ hệ thống cơ sở y tế hay người vận hành (phạm vi system/) được nạp hàng "
                "loạt / Only facility systems and the operator (system/ scopes) may bulk import"
            )

    def row_builder(self) -> PolicyRowBuilder:
        return PolicyRowBuilder(self.principal, self.repo.store.row_builder())

    def reserve_seqs(self, count: int) -> list[int] | None:
        return self.repo.store.reserve_seqs(count)

    def first_new_seq(self) -> int:
        with self.repo.store.unit_of_work(write=False) as s:
            return s.bulk.first_new_seq()

    def dangling_references(self, from_seq: int) -> list[Any]:
        with self.repo.store.unit_of_work(write=False) as s:
            return s.bulk.dangling_references(from_seq)

    def write_batch(self, items: Sequence[PreparedRows], *, label: str,
                    files: str | None) -> BatchOutcome:  # fmt: skip
        """Write one batch in one transaction, with its audit entry."""
        outcome = BatchOutcome()
        with self.repo.unit_of_work() as uow, uow.session(write=True) as s:
            stored = s.bulk.stored_versions((p.resource_type, p.id) for p in items)
            fresh = [i for i, p in enumerate(items) if (p.resource_type, p.id) not in stored]
            changed = [i for i, p in enumerate(items) if (p.resource_type, p.id) in stored]
            fresh = self._without_cccd_conflicts(s, items, fresh, outcome)
            fresh = self._within_reach(uow, s, items, fresh, outcome)
            s.bulk.write_batch([items[i] for i in fresh])
            outcome.written.extend(fresh)
            self._update(uow, s, items, changed, stored, outcome)
            done = [items[i] for i in (*outcome.written, *outcome.updated)]
            if done:
                uow.audit(CREATE, "import", patients=[p.patient_id for p in done],
                          description=f"{label}: {len(done)} resources", query=files)  # fmt: skip
        return outcome

    def refused(self, count: int, label: str) -> None:
        """Refused and invalid lines, summed up in one entry of the trail."""
        entry = self.repo.auditor.entry(CREATE, "import", outcome=MINOR_FAILURE,
                                        description=f"{label}: {count} lines refused")  # fmt: skip
        self.repo.auditor.record_now(entry)

    def note(self, outcome: str, description: str, *, query: str | None = None,
             subtype: str = "import") -> None:  # fmt: skip
        """An import job's own entries: kick-off, failure, a download."""
        entry = self.repo.auditor.entry(CREATE, subtype, outcome=outcome, query=query,
                                        description=description)  # fmt: skip
        self.repo.auditor.record_now(entry)

    # -- what a single write would refuse ----------------------------------------------
    @staticmethod
    def _without_cccd_conflicts(s: Session, items: Sequence[PreparedRows], fresh: list[int],
                                outcome: BatchOutcome) -> list[int]:  # fmt: skip
        """A line whose CCCD another resident holds is refused, naming that resident, so
        the HIS can send its data there (the exact-CCCD rule of the MPI)."""
        wanted = [c for i in fresh for c in items[i].cccds]
        if not wanted:
            return fresh
        taken = s.bulk.taken_cccds(wanted)
        kept: list[int] = []
        for i in fresh:
            p = items[i]
            clash = [c for c in p.cccds if c in taken and taken[c] != p.id]
            if clash:
                owners = sorted({taken[c] for c in clash})
                message = cccd_conflict(clash, owners).issues[0].diagnostics
                outcome.refused[i] = [("Patient.identifier", message)]
            else:
                kept.append(i)
                taken.update(dict.fromkeys(p.cccds, p.id))  # a later line with it clashes
        return kept

    @staticmethod
    def _within_reach(repo: AccessRepository, s: Session, items: Sequence[PreparedRows],
                      fresh: list[int], outcome: BatchOutcome) -> list[int]:  # fmt: skip
        """A caller may add to a resident's record only within its reach (or where this
        batch opens care or creates the Patient): the rule of single writes."""
        if repo.decider.writes_for_anyone:
            return fresh
        opened = {items[i].patient_id for i in fresh if items[i].opens_care}
        created = {items[i].id for i in fresh if items[i].resource_type == "Patient"}
        reach = repo.decider.write_reach()
        checked: dict[str, bool] = {}
        kept: list[int] = []
        for i in fresh:
            pid = items[i].patient_id
            if pid is None or pid in opened or pid in created:
                kept.append(i)
                continue
            if pid not in checked:
                checked[pid] = s.visible("Patient", pid, reach)
            if checked[pid]:
                kept.append(i)
            else:
                outcome.refused[i] = [(items[i].resource_type, _NO_REACH)]
        return kept

    @staticmethod
    def _update(repo: AccessRepository, s: Session, items: Sequence[PreparedRows],
                changed: list[int], stored: dict[tuple[str, str], tuple[bool, str]],
                outcome: BatchOutcome) -> None:  # fmt: skip
        """Lines already stored: unchanged ones are skipped, others become a new version
        through the single write path (in a savepoint, so a bad one is only reported)."""
        for i in changed:
            p = items[i]
            deleted, content = stored[(p.resource_type, p.id)]
            new = jsonx.loads(p.content)
            if not deleted and _same(jsonx.loads(content), new):
                outcome.skipped.append(i)
                continue
            try:
                with s.savepoint():
                    writes.update(repo, p.resource_type, p.id, _unversioned(new))
            except FhirError as exc:
                outcome.refused[i] = [(",".join(x.expression), x.diagnostics) for x in exc.issues]
                continue
            outcome.updated.append(i)


_NO_REACH = (
    "Không có quan hệ điều trị hay ủy quyền với người bệnh này / "
    "No care relationship with, or authority over, this patient"
)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    strip = ("versionId", "lastUpdated")
    ma = {k: v for k, v in (a.get("meta") or {}).items() if k not in strip}
    mb = {k: v for k, v in (b.get("meta") or {}).items() if k not in strip}
    return ma == mb and {k: v for k, v in a.items() if k != "meta"} == {
        k: v for k, v in b.items() if k != "meta"
    }


def _unversioned(resource: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (resource.get("meta") or {}).items()
            if k not in ("versionId", "lastUpdated")}  # fmt: skip
    body = {k: v for k, v in resource.items() if k != "meta"}
    return {**body, "meta": meta} if meta else body
