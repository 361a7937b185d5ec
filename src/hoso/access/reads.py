"""Reads through the access layer: read, vread, search, `$everything` pages, history.

Each is decided (`authorize`), run under the caller's `Visibility`, and audited with the
residents it reached. A public-health officer's reads are de-identified except for the
persons named in a case report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hoso.access.audit_record import READ
from hoso.access.deidentify import check_deidentified_search, deidentify
from hoso.core import jsonx
from hoso.core.errors import Forbidden
from hoso.fhir.outcomes import not_found
from hoso.fhir.repository import HistoryPage, Hit, SearchPage, StoredResource

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["compartment", "history", "read", "search", "vread"]

CASE_REPORT = "http://loinc.org|55751-2"  # LOINC: Public health Case report


def read(repo: AccessRepository, resource_type: str, id: str) -> StoredResource:
    def run() -> StoredResource:
        repo.decider.authorize(resource_type, "r")
        with repo.session() as s:
            return s.read(resource_type, id, visibility=repo.decider.visibility())

    stored = repo.guarded(READ, "read", f"{resource_type}/{id}", run)
    repo.audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
    return _shown(repo, stored)


def vread(repo: AccessRepository, resource_type: str, id: str, version: int) -> StoredResource:
    def run() -> StoredResource:
        repo.decider.authorize(resource_type, "r")
        with repo.session() as s:
            stored = s.vread(resource_type, id, version, visibility=repo.decider.visibility())
        if repo.decider.version_hidden(jsonx.loads(stored.content), stored.patient_id):
            raise not_found(resource_type, id)  # as for a version never stored
        return stored

    stored = repo.guarded(READ, "vread", f"{resource_type}/{id}", run)
    repo.audit(READ, "vread", patients=[stored.patient_id], entities=[stored.location])
    return _shown(repo, stored)


def search(
    repo: AccessRepository,
    resource_type: str | None,
    params: list[tuple[str, str]],
    *,
    lenient: bool | None = False,
    cursor: str | None = None,
) -> SearchPage:
    def run() -> SearchPage:
        for rtype in _searched_types(resource_type, params):
            repo.decider.authorize(rtype, "s")
        if repo.decider.deidentifies:
            check_deidentified_search(resource_type, params)
        with repo.session(write=any(k == "_sort" for k, _ in params)) as s:
            # A sorted search may store a snapshot of its order: that write needs the
            # write lock up front on SQLite.
            return s.search(resource_type, params, lenient=lenient, cursor=cursor,
                            visibility=repo.decider.visibility("s"))  # fmt: skip

    subtype = "search-type" if resource_type else "search-system"
    page = repo.guarded(READ, subtype, resource_type or "*", run)
    repo.audit(READ, subtype, patients=[h.patient_id for h in (*page.matches, *page.includes)],
               entities=[resource_type or "*"],
               query="&".join(f"{k}={v}" for k, v in params))  # fmt: skip
    if repo.decider.deidentifies:
        page = SearchPage(_shown_hits(repo, page.matches), _shown_hits(repo, page.includes),
                          page.total, page.next_cursor, page.ignored)  # fmt: skip
    return page


def _searched_types(resource_type: str | None, params: list[tuple[str, str]]) -> list[str]:
    if resource_type:
        return [resource_type]
    named = [t for k, v in params if k == "_type" for t in v.split(",") if t]
    return named or ["*"]  # without _type, only a scope on every type will do


def compartment(
    repo: AccessRepository,
    patient_id: str,
    types: Sequence[str],
    *,
    since_us: int | None = None,
    count: int = 50,
    cursor: str | None = None,
) -> SearchPage:
    def run() -> SearchPage:
        repo.decider.authorize("Patient", "r")
        if repo.decider.deidentifies and not _named_in_case_report(repo, patient_id):
            raise Forbidden(
                "Chỉ xem được toàn bộ hồ sơ người có báo cáo ca bệnh / "
                "The whole record is shown only for persons named in a case report"
            )
        allowed = [t for t in types if repo.principal.scopes.allows(t, "r")]
        with repo.session() as s:
            return s.compartment(patient_id, allowed, since_us=since_us, count=count,
                                 cursor=cursor, visibility=repo.decider.visibility())  # fmt: skip

    page = repo.guarded(READ, "operation", f"Patient/{patient_id}", run)
    repo.audit(READ, "operation", patients=[patient_id],
               entities=[f"Patient/{patient_id}/$everything"])  # fmt: skip
    return page


def history(
    repo: AccessRepository,
    resource_type: str | None,
    id: str | None,
    *,
    since_us: int | None = None,
    count: int | None = None,
    cursor: str | None = None,
) -> HistoryPage:
    entity = "/".join(x for x in (resource_type, id) if x) or "*"
    permission = "r" if id else "s"

    def run() -> HistoryPage:
        if repo.decider.deidentifies:
            raise Forbidden(
                "Lịch sử phiên bản không có ở dạng khử định danh / "
                "History is not available de-identified"
            )
        repo.decider.authorize(resource_type or "*", permission)
        with repo.session() as s:
            page = s.history(resource_type, id, since_us=since_us, count=count, cursor=cursor,
                             visibility=repo.decider.visibility(permission))  # fmt: skip
        kept = [e for e in page.entries if e.stored.deleted or not repo.decider.version_hidden(
            jsonx.loads(e.stored.content), e.stored.patient_id, permission)]  # fmt: skip
        return HistoryPage(kept, page.total, page.next_cursor)

    page = repo.guarded(READ, "history", entity, run)
    repo.audit(READ, "history", patients=[e.stored.patient_id for e in page.entries],
               entities=[entity])  # fmt: skip
    return page


def unresolved(repo: AccessRepository, references: Sequence[str]) -> set[str]:
    """Which relative references (`Type/id`) name nothing live in the caller's view: a
    check of existence, as a reference in a write makes, audited as one search."""
    view = repo.decider.reference_view()
    with repo.session() as s:
        missing = {ref for ref in dict.fromkeys(references)
                   if not s.visible(*ref.split("/")[:2], view, live=True)}  # fmt: skip
    repo.audit(READ, "search-system", entities=["*"],
               description=f"references checked: {len(references)}")  # fmt: skip
    return missing


# -- de-identification ----------------------------------------------------------------------
def _shown(repo: AccessRepository, stored: StoredResource) -> StoredResource:
    if not repo.decider.deidentifies or _named_in_case_report(repo, stored.patient_id):
        return stored
    content = jsonx.dumps_str(deidentify(jsonx.loads(stored.content), repo.pseudonym_key))
    return StoredResource(stored.resource_type, stored.id, stored.version,
                          stored.last_updated_us, stored.deleted, content, None)  # fmt: skip


def _named_in_case_report(repo: AccessRepository, patient_id: str | None) -> bool:
    if patient_id is None:
        return True  # not personal: nothing to de-identify
    return bool(_case_report_patients(repo, [patient_id]))


def _case_report_patients(repo: AccessRepository, patient_ids: Sequence[str]) -> set[str]:
    ids = sorted(set(patient_ids))
    named: set[str] = set()
    step = repo.settings.max_search_values  # a search takes this many values at most
    with repo.session() as s:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            page = s.search("Composition", [
                ("type", CASE_REPORT), ("subject", ",".join(f"Patient/{p}" for p in chunk)),
                ("_elements", "subject"), ("_count", "1000"), ("_total", "none"),
            ])  # fmt: skip
            named |= {h.patient_id for h in page.matches if h.patient_id}
    return named


def _shown_hits(repo: AccessRepository, hits: list[Hit]) -> list[Hit]:
    named = _case_report_patients(repo, [h.patient_id for h in hits if h.patient_id])
    shown = []
    for hit in hits:
        if hit.patient_id is None or hit.patient_id in named:
            shown.append(hit)
            continue
        resource = deidentify(jsonx.loads(hit.content), repo.pseudonym_key)
        shown.append(Hit(resource["resourceType"], resource["id"], jsonx.dumps_str(resource)))
    return shown
