"""The licence registry's door into the records, for a caller (issue 20 point 5;
`hoso.warehouse.licences.registry` holds the rules, docs/warehouse-licences.md).

Who may do what, and the audit entry each leaves:
- importing a register (writing Practitioners, Organizations, VerificationResults): the
  operator, in ONE unit of work per file (`writer`), every write through the caller's
  repository, so decided and audited like any other;
- reading the registry (Practitioners and Organizations by their licence identifiers):
  public-health officers and the operator; it holds no resident's data (the Sở Y tế
  publishes names and numbers), one audit entry per read names what was read;
- reading the records that name practitioners (Encounter, MedicationRequest,
  Procedure: a resident's data) for the licence check: officers and the operator, one
  audit entry up front naming the types and the window, and `shown_id` hands an officer
  the same pseudonyms as their other de-identified views, so nothing returned names a
  resident or a record's real id;
- the public verification (`public_registry`): no caller; it reads only Practitioners
  and Organizations, by the identifiers it is given, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from hoso.access import claims as roles
from hoso.access import policy
from hoso.access.audit_record import READ
from hoso.access.deidentify import pseudonym
from hoso.core.errors import ResourceNotFound
from hoso.core.settings import Settings
from hoso.fhir.store import Session, Store

if TYPE_CHECKING:
    from hoso.access.repository import AccessRepository

__all__ = ["LicenceAccess", "RecordWriter", "public_registry", "public_verification"]

READ_ROLES = (roles.OFFICER, roles.OPERATOR)
REGISTRY_TYPES = ("Practitioner", "Organization")
PAGE = 500
Query = tuple[str, list[tuple[str, str]]]  # (resource type, search parameters)


def _pages(session: Session, query: Query) -> Iterator[dict[str, Any]]:
    resource_type, params = query
    cursor = None
    while True:
        page = session.search(resource_type, [*params, ("_count", str(PAGE))], cursor=cursor)
        for hit in page.matches:
            yield orjson.loads(hit.content)
        cursor = page.next_cursor
        if not cursor:
            return


class RecordWriter:
    """The caller's unit of work as an import sees it: search, read, create, update."""

    def __init__(self, uow: AccessRepository) -> None:
        self._uow = uow

    @property
    def settings(self) -> Settings:
        return self._uow.settings

    def find_all(self, resource_type: str, params: list[tuple[str, str]]
                 ) -> list[dict[str, Any]]:  # fmt: skip
        found, cursor = [], None
        while True:
            page = self._uow.search(resource_type, [*params, ("_count", str(PAGE))],
                                    cursor=cursor)  # fmt: skip
            found += [orjson.loads(hit.content) for hit in page.matches]
            if not (cursor := page.next_cursor):
                return found

    def read(self, resource_type: str, id: str) -> dict[str, Any] | None:
        try:
            return orjson.loads(self._uow.read(resource_type, id).content)
        except ResourceNotFound:
            return None

    def create(self, resource: dict[str, Any], if_none_exist: str) -> tuple[str, bool]:
        """Create unless one matching `if_none_exist` exists (a conditional create, safe
        against a concurrent import of the same number): (id, whether it was created)."""
        result = self._uow.create(resource, if_none_exist=if_none_exist)
        return result.stored.id, not result.matched_existing

    def update(self, resource: dict[str, Any]) -> None:
        """Update (or create, under the id the resource carries)."""
        self._uow.update(resource["resourceType"], str(resource["id"]), resource)


class LicenceAccess:
    def __init__(self, repo: AccessRepository) -> None:
        self.repo = repo

    @property
    def role(self) -> str:
        return self.repo.principal.role

    def _require(self, allowed: Sequence[str], what: str) -> None:
        if self.role not in allowed:
            raise policy.denied(self.role, what)

    @contextmanager
    def writer(self) -> Iterator[RecordWriter]:
        """One unit of work for one file: every write commits together, or none does."""
        self._require((roles.OPERATOR,), "nhập giấy phép / import licences")
        with self.repo.unit_of_work() as uow:
            yield RecordWriter(uow)

    def registry(self, queries: Sequence[Query]) -> list[dict[str, Any]]:
        """The registry's Practitioners and Organizations matching `queries`, whole."""
        self._require(READ_ROLES, "xem sổ giấy phép / read the licence registry")
        if any(t not in REGISTRY_TYPES for t, _ in queries):
            raise ValueError("the registry holds Practitioners and Organizations only")
        with self.repo.session() as session:
            found = [r for q in queries for r in _pages(session, q)]
        self.repo.audit(READ, "licence-registry", entities=REGISTRY_TYPES,
                        description=f"sổ giấy phép / licence registry: {len(found)}")  # fmt: skip
        return found

    def service_records(self, queries: Sequence[Query], window: str) -> Iterator[dict[str, Any]]:
        """The records of `queries` (the services that name practitioners), audited once
        before the first is read; `window` is what the audit entry says was asked."""
        self._require(READ_ROLES, "kiểm tra giấy phép hành nghề / run the licence check")
        self.repo.audit(READ, "licence-check", entities=tuple(t for t, _ in queries),
                        description=f"kiểm tra giấy phép / licence check: {window}"[:300])
        with self.repo.session() as session:
            for query in queries:
                yield from _pages(session, query)

    def shown_id(self, id: str) -> str:
        """A record's id as this caller may see it (an officer: its pseudonym)."""
        return pseudonym(id, self.repo.pseudonym_key) if self.repo.deidentifies and id else id


def public_registry(store: Store, queries: Sequence[Query]) -> list[dict[str, Any]]:
    """What the public verification reads, with no caller: Practitioners and Organizations
    matching `queries` (by a licence identifier), nothing else."""
    if any(t not in REGISTRY_TYPES for t, _ in queries):
        raise ValueError("the public registry holds Practitioners and Organizations only")
    with store.unit_of_work(write=False) as session:
        return [r for q in queries for r in _pages(session, q)]


def public_verification(store: Store, id: str) -> dict[str, Any] | None:
    """One licence's VerificationResult by its id (what the public answer cites as its
    source and date), or None; nothing but that type is read."""
    with store.unit_of_work(write=False) as session:
        try:
            return orjson.loads(session.read("VerificationResult", id).content)
        except ResourceNotFound:
            return None
