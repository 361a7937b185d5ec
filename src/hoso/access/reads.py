"""Reads through the access layer: read, vread, search, `$everything` pages, history.

Each is decided (`authorize`), run under the caller's `Visibility`, and audited with the
residents it reached. A public-health officer's reads are de-identified except for the
persons of the cases linked to them and their contacts (the case link,
`hoso.access.publichealth_cases`; `hoso.access.deidentify`): every id they receive is a
pseudonym, and every pseudonym they send back (a read, `_id`, a reference parameter,
`$everything`) is resolved to the id it names, or answers as an absent resource does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hoso.access.audit_record import READ
from hoso.access.deidentify import (
    BOOK,
    check_deidentified_search,
    deidentify,
    is_pseudonym,
    key_fingerprint,
    literal_references,
    pseudonymise,
    with_real_ids,
    with_references,
)
from hoso.core import jsonx
from hoso.core.errors import FhirError, Forbidden, ResourceGone, ResourceNotFound
from hoso.fhir.outcomes import not_found
from hoso.fhir.repository import HistoryPage, Hit, SearchPage, StoredResource
from hoso.fhir.store import Session

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["compartment", "history", "read", "search", "stored_id", "vread"]

def read(repo: AccessRepository, resource_type: str, id: str) -> StoredResource:
    def run() -> StoredResource:
        repo.decider.authorize(resource_type, "r")
        with repo.session() as s:
            return _named(repo, s, resource_type, id, lambda real: s.read(
                resource_type, real, visibility=repo.decider.visibility()))  # fmt: skip

    stored = repo.guarded(READ, "read", f"{resource_type}/{id}", run)
    repo.audit(READ, "read", patients=[stored.patient_id], entities=[stored.location])
    return _shown(repo, stored)


def vread(repo: AccessRepository, resource_type: str, id: str, version: int) -> StoredResource:
    def run() -> StoredResource:
        repo.decider.authorize(resource_type, "r")
        with repo.session() as s:
            stored = _named(repo, s, resource_type, id, lambda real: s.vread(
                resource_type, real, version, visibility=repo.decider.visibility()))  # fmt: skip
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
        with repo.session(write=any(k == "_sort" for k, _ in params)) as s:
            asked = params
            if repo.decider.deidentifies:
                check_deidentified_search(resource_type, params)
                asked = with_real_ids(resource_type, params,
                                      lambda t, alias: _resolve(repo, s, t, alias))  # fmt: skip
            # A sorted search may store a snapshot of its order: that write needs the
            # write lock up front on SQLite.
            return s.search(resource_type, asked, lenient=lenient, cursor=cursor,
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
    def run() -> tuple[str, SearchPage]:
        repo.decider.authorize("Patient", "r")
        real = stored_id(repo, "Patient", patient_id)
        if repo.decider.deidentifies and not _case_report_patients(repo, [real]):
            raise Forbidden(
                "Chỉ xem được toàn bộ hồ sơ người thuộc ca bệnh mình quản lý / "
                "The whole record is shown only for persons of the cases you manage"
            )
        allowed = [t for t in types if repo.principal.scopes.allows(t, "r")]
        with repo.session() as s:
            return real, s.compartment(real, allowed, since_us=since_us, count=count,
                                       cursor=cursor, visibility=repo.decider.visibility())

    real, page = repo.guarded(READ, "operation", f"Patient/{patient_id}", run)
    repo.audit(READ, "operation", patients=[real],
               entities=[f"Patient/{real}/$everything"])  # fmt: skip
    if repo.decider.deidentifies:
        # The record is a case report's, shown as stored; its references to what the
        # view shows under pseudonyms are written so.
        page = SearchPage(_shown_hits(repo, page.matches), page.includes, page.total,
                          page.next_cursor, page.ignored)  # fmt: skip
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
def stored_id(repo: AccessRepository, resource_type: str, id: str) -> str:
    """The id under which `id`, as the caller named it, is stored: in a de-identified
    view a pseudonym is resolved (one that names nothing is returned as it is, and
    finds nothing); any other caller's ids are the stored ones."""
    if not (repo.decider.deidentifies and is_pseudonym(id)):
        return id
    with repo.session() as s:
        return _resolve(repo, s, resource_type, id) or id


def _named(repo: AccessRepository, s: Session, resource_type: str, id: str,
           fetch: Callable[[str], StoredResource]) -> StoredResource:  # fmt: skip
    """`fetch` the resource a caller's `id` names. A pseudonym that names nothing, or a
    resource deleted or out of view, is the same 404 as any absent resource, with the
    pseudonym, never the real id, in it."""
    if not (repo.decider.deidentifies and is_pseudonym(id)):
        return fetch(id)
    real = _resolve(repo, s, resource_type, id)
    if real is None:
        raise not_found(resource_type, id)
    try:
        return fetch(real)
    except (ResourceNotFound, ResourceGone):
        raise not_found(resource_type, id) from None


def _resolve(repo: AccessRepository, s: Session, resource_type: str, alias: str) -> str | None:
    """The id of the `resource_type` whose pseudonym is `alias`, if a view handed it
    out: the process's memory, else the store's pseudonym index (a keyed hash cannot be
    reversed, and a pseudonym no view handed out names nothing a caller could know)."""
    key = repo.pseudonym_key
    found = BOOK.recall(key, resource_type, alias)
    if found is None:
        found = s.aliases.lookup(key_fingerprint(key), resource_type, alias)
        if found is not None:
            BOOK.learn(key, resource_type, alias, found)
    return found


def _save_pseudonyms(repo: AccessRepository) -> None:
    """Write the pseudonyms this process handed out and has not written yet."""
    rows = BOOK.unsaved(repo.pseudonym_key)
    if rows:
        with repo.session(write=True) as s:
            s.aliases.remember(rows)


def _shown(repo: AccessRepository, stored: StoredResource) -> StoredResource:
    if not repo.decider.deidentifies:
        return stored
    (hit,) = _shown_hits(repo, [Hit(stored.resource_type, stored.id, stored.content,
                                    stored.patient_id)])  # fmt: skip
    kept = stored.patient_id if hit.id == stored.id else None
    return StoredResource(stored.resource_type, hit.id, stored.version,
                          stored.last_updated_us, stored.deleted, hit.content, kept)  # fmt: skip


def _case_report_patients(repo: AccessRepository, patient_ids: Sequence[str]) -> set[str]:
    """Of `patient_ids`, whom this officer sees identified: the persons of the cases
    linked to them (`hoso.access.publichealth_cases`) and those persons' contacts. An
    officer linked to no case sees no one identified."""
    ids = sorted(set(patient_ids))
    named: set[str] = set()
    step = repo.settings.max_search_values
    with repo.session() as s:
        for start in range(0, len(ids), step):
            named |= s.access.case_linked_patients(repo.principal.agent, ids[start : start + step])
    return named


def _shown_hits(repo: AccessRepository, hits: list[Hit]) -> list[Hit]:
    """Each hit as the officer's view shows it: a case-report person's record as stored
    (references to the rest by pseudonym), any other person's de-identified, a
    resource in no one's record under its pseudonym."""
    key = repo.pseudonym_key
    named = _case_report_patients(repo, [h.patient_id for h in hits if h.patient_id])
    contents = [jsonx.loads(h.content) for h in hits]
    identified = _identified_targets(
        repo, [c for h, c in zip(hits, contents, strict=True) if h.patient_id in named], named)
    shown = []
    for hit, resource in zip(hits, contents, strict=True):
        if hit.patient_id is None:
            resource = pseudonymise(resource, key)
        elif hit.patient_id in named:
            resource = with_references(resource, key, lambda t, i: (t, i) in identified)
        else:
            resource = deidentify(resource, key)
        shown.append(Hit(resource["resourceType"], resource["id"], jsonx.dumps_str(resource),
                         hit.patient_id if hit.patient_id in named else None))  # fmt: skip
    _save_pseudonyms(repo)  # before the answer leaves: any process can resolve them
    return shown


def _identified_targets(repo: AccessRepository, resources: list[dict[str, Any]],
                        named: set[str]) -> set[tuple[str, str]]:  # fmt: skip
    """Which targets of these case-report resources' references are shown as stored:
    those in a case-report person's record (a read each, to learn whose record)."""
    if not resources:
        return set()
    targets = {ref for r in resources for ref in literal_references(r)}
    owner: dict[tuple[str, str], str | None] = {}
    with repo.session() as s:
        for resource_type, target_id in targets:
            if resource_type == "Patient":
                owner[(resource_type, target_id)] = target_id
                continue
            try:
                stored = s.read(resource_type, target_id, visibility=repo.decider.visibility())
            except FhirError:
                stored = None  # absent or out of view: nothing to show as stored
            owner[(resource_type, target_id)] = stored.patient_id if stored else None
    others = {o for o in owner.values() if o is not None} - named
    named = named | (_case_report_patients(repo, sorted(others)) if others else set())
    return {t for t, o in owner.items() if o in named}
