"""`AccessRepository`: the Repository every API handler and CLI command gets.

Each call: ask the policy whether the interaction is allowed at all, run it on the
store under the caller's `Visibility` (so a hidden record is simply not there: 404,
no count, no include), then append an AuditEvent. A write's entry is appended in the
write's own transaction; a read's entry is committed (group commit) before the response
leaves; a refused or failed call is recorded too. The class is layered: `AccessGuard`
(decision and audit plumbing), `GuardedWrites`, `RecordAccess` (break-the-glass, the
access log), and the reads here.
"""

from __future__ import annotations

from collections.abc import Sequence

from hoso.access import policy
from hoso.access.audit_record import READ
from hoso.access.deidentify import check_deidentified_search, deidentify
from hoso.access.guard import AccessGuard, AuditReader, GuardedStore
from hoso.access.record_access import RecordAccess, for_resident
from hoso.core import jsonx
from hoso.core.errors import Forbidden
from hoso.fhir.outcomes import not_found
from hoso.fhir.repository import (
    HistoryPage,
    Hit,
    SearchPage,
    StoredResource,
)

CASE_REPORT = "http://loinc.org|55751-2"  # LOINC: Public health Case report


class AccessRepository(RecordAccess):
    """Reads here; writes in `GuardedWrites`, break-the-glass and the access log in
    `RecordAccess`, the decision and audit plumbing in `AccessGuard`."""

    # -- reads -------------------------------------------------------------------------
    def _shown(self, stored: StoredResource) -> StoredResource:
        if not self.deidentifies or self._named_in_case_report(stored.patient_id):
            return stored
        content = jsonx.dumps_str(deidentify(jsonx.loads(stored.content), self._key))
        return StoredResource(
            stored.resource_type,
            stored.id,
            stored.version,
            stored.last_updated_us,
            stored.deleted,
            content,
            None,
        )

    def read(self, resource_type: str, id: str) -> StoredResource:
        def run() -> StoredResource:
            policy.authorize(self.principal, resource_type, "r")
            return self._store.read(resource_type, id, visibility=self.visibility())

        stored = self._guarded(READ, "read", f"{resource_type}/{id}", run)
        self._audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
        return self._shown(stored)

    def vread(self, resource_type: str, id: str, version: int) -> StoredResource:
        def run() -> StoredResource:
            policy.authorize(self.principal, resource_type, "r")
            v = self.visibility()
            stored = self._store.vread(resource_type, id, version, visibility=v)
            if policy.version_hidden(
                self.principal, v, jsonx.loads(stored.content), stored.patient_id
            ):
                raise not_found(resource_type, id)  # as for a version never stored
            return stored

        stored = self._guarded(READ, "vread", f"{resource_type}/{id}", run)
        self._audit(READ, "vread", patients=[stored.patient_id], entities=[stored.location])
        return self._shown(stored)

    def search(
        self,
        resource_type: str | None,
        params: list[tuple[str, str]],
        *,
        lenient: bool | None = False,
        cursor: str | None = None,
    ) -> SearchPage:
        def run() -> SearchPage:
            for rtype in self._searched_types(resource_type, params):
                policy.authorize(self.principal, rtype, "s")
            if self.deidentifies:
                check_deidentified_search(resource_type, params)
            return self._store.search(
                resource_type,
                params,
                lenient=lenient,
                cursor=cursor,
                visibility=self.visibility("s"),
            )

        subtype = "search-type" if resource_type else "search-system"
        page = self._guarded(READ, subtype, resource_type or "*", run)
        hits = [*page.matches, *page.includes]
        self._audit(
            READ,
            subtype,
            patients=[h.patient_id for h in hits],
            entities=[resource_type or "*"],
            query="&".join(f"{k}={v}" for k, v in params),
        )
        if self.deidentifies:
            page = SearchPage(
                self._shown_hits(page.matches),
                self._shown_hits(page.includes),
                page.total,
                page.next_cursor,
                page.ignored,
            )
        return page

    def _searched_types(
        self, resource_type: str | None, params: list[tuple[str, str]]
    ) -> list[str]:
        if resource_type:
            return [resource_type]
        named = [t for k, v in params if k == "_type" for t in v.split(",") if t]
        return named or ["*"]  # without _type, only a scope on every type will do

    def compartment(
        self,
        patient_id: str,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        count: int = 50,
        cursor: str | None = None,
    ) -> SearchPage:
        def run() -> SearchPage:
            policy.authorize(self.principal, "Patient", "r")
            if self.deidentifies and not self._named_in_case_report(patient_id):
                raise Forbidden(
                    "Chỉ xem được toàn bộ hồ sơ người có báo cáo ca bệnh / "
                    "The whole record is shown only for persons named in a case report"
                )
            allowed = [t for t in types if self.principal.scopes.allows(t, "r")]
            return self._store.compartment(
                patient_id,
                allowed,
                since_us=since_us,
                count=count,
                cursor=cursor,
                visibility=self.visibility(),
            )

        page = self._guarded(READ, "operation", f"Patient/{patient_id}", run)
        self._audit(
            READ,
            "operation",
            patients=[patient_id],
            entities=[f"Patient/{patient_id}/$everything"],
        )
        return page

    def history(
        self,
        resource_type: str | None,
        id: str | None,
        *,
        since_us: int | None = None,
        count: int | None = None,
        cursor: str | None = None,
    ) -> HistoryPage:
        entity = "/".join(x for x in (resource_type, id) if x) or "*"

        def run() -> HistoryPage:
            if self.deidentifies:
                raise Forbidden(
                    "Lịch sử phiên bản không có ở dạng khử định danh / "
                    "History is not available de-identified"
                )
            policy.authorize(self.principal, resource_type or "*", "r" if id else "s")
            v = self.visibility("r" if id else "s")
            page = self._store.history(
                resource_type, id, since_us=since_us, count=count, cursor=cursor, visibility=v
            )
            kept = [
                e
                for e in page.entries
                if e.stored.deleted
                or not policy.version_hidden(
                    self.principal, v, jsonx.loads(e.stored.content), e.stored.patient_id
                )
            ]
            return HistoryPage(kept, page.total, page.next_cursor)

        page = self._guarded(READ, "history", entity, run)
        self._audit(
            READ,
            "history",
            patients=[e.stored.patient_id for e in page.entries],
            entities=[entity],
        )
        return page

    def _named_in_case_report(self, patient_id: str | None) -> bool:
        if patient_id is None:
            return True  # not personal: nothing to de-identify
        return bool(self._case_report_patients([patient_id]))

    def _case_report_patients(self, patient_ids: Sequence[str]) -> set[str]:
        ids = sorted(set(patient_ids))
        if not ids:
            return set()
        page = self._store.search(
            "Composition",
            [
                ("type", CASE_REPORT),
                ("subject", ",".join(f"Patient/{p}" for p in ids)),
                ("_elements", "subject"),
                ("_count", "1000"),
            ],
        )
        return {h.patient_id for h in page.matches if h.patient_id}

    def _shown_hits(self, hits: list[Hit]) -> list[Hit]:
        named = self._case_report_patients([h.patient_id for h in hits if h.patient_id])
        shown = []
        for hit in hits:
            if hit.patient_id is None or hit.patient_id in named:
                shown.append(hit)
                continue
            resource = deidentify(jsonx.loads(hit.content), self._key)
            shown.append(Hit(resource["resourceType"], resource["id"], jsonx.dumps_str(resource)))
        return shown


__all__ = ["AccessGuard", "AccessRepository", "AuditReader", "GuardedStore", "for_resident"]
