"""The `Repository` contract every store and wrapper implements.

The SQL store implements it, the access layer wraps it, and operations and Bundle
processing are written against it alone. See https://hl7.org/fhir/R4/http.html.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from hoso.core.errors import Issue
from hoso.fhir.patch import Patch


@dataclass(frozen=True, slots=True)
class StoredResource:
    """One version as stored: `content` is the canonical JSON, served without re-encoding."""

    resource_type: str
    id: str
    version: int
    last_updated_us: int
    deleted: bool
    content: str
    patient_id: str | None = None  # whose compartment it is in: what the audit records

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'

    @property
    def last_updated(self) -> datetime:
        return datetime.fromtimestamp(self.last_updated_us / 1_000_000, UTC)

    @property
    def location(self) -> str:
        return f"{self.resource_type}/{self.id}/_history/{self.version}"


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome of create/update/patch: `created` decides 201 versus 200."""

    stored: StoredResource
    created: bool
    warnings: tuple[Issue, ...] = ()
    # True when a conditional create found an existing match and wrote nothing.
    matched_existing: bool = False
    # The match is a record the caller may not read (the MPI found the resident): the
    # answer names its id, never its content, version or time.
    withheld: bool = False

    def withhold(self) -> WriteResult:
        """This result with only the matched record's type and id left in it."""
        s = self.stored
        stub = StoredResource(s.resource_type, s.id, 0, 0, False,
                              f'{{"id":"{s.id}","resourceType":"{s.resource_type}"}}')  # fmt: skip
        return WriteResult(stub, False, self.warnings, matched_existing=True, withheld=True)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    stored: StoredResource
    method: str  # POST, PUT, PATCH, DELETE


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: list[HistoryEntry]
    total: int | None
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    resource_type: str
    id: str
    content: str
    patient_id: str | None = None  # whose compartment it is in: what the audit records


@dataclass(frozen=True, slots=True)
class SearchPage:
    matches: list[Hit]
    includes: list[Hit] = field(default_factory=list)
    total: int | None = None
    next_cursor: str | None = None
    ignored: tuple[str, ...] = ()  # parameters left out under lenient handling


class Repository(Protocol):
    """FHIR interactions on one store. Every method is one unit of work."""

    def read(self, resource_type: str, id: str) -> StoredResource: ...

    def vread(self, resource_type: str, id: str, version: int) -> StoredResource: ...

    def create(
        self, resource: dict[str, Any], *, if_none_exist: str | None = None, id: str | None = None
    ) -> WriteResult:
        """`id`: one the server chose before (a transaction's reference cycle), never a
        client's; otherwise a new one."""
        ...

    def update(
        self,
        resource_type: str,
        id: str,
        resource: dict[str, Any],
        *,
        if_match: int | None = None,
    ) -> WriteResult: ...

    def conditional_update(
        self, resource_type: str, criteria: str, resource: dict[str, Any]
    ) -> WriteResult: ...

    def patch(
        self, resource_type: str, id: str, patch: Patch, *, if_match: int | None = None
    ) -> WriteResult:
        """`If-Match` is checked before `patch` is applied
        (https://hl7.org/fhir/R4/http.html#patch)."""
        ...

    def delete(self, resource_type: str, id: str) -> StoredResource | None: ...

    def search(
        self,
        resource_type: str | None,
        params: list[tuple[str, str]],
        *,
        lenient: bool | None = False,
        cursor: str | None = None,
    ) -> SearchPage:
        """`lenient`: unknown parameters are refused (False), ignored (True), or ignored
        when they start with `_` (None: what a client gets without `Prefer: handling`);
        ignored ones are listed in `SearchPage.ignored`."""
        ...

    def compartment(
        self,
        patient_id: str,
        types: Sequence[str],
        *,
        since_us: int | None = None,
        count: int = 50,
        cursor: str | None = None,
    ) -> SearchPage:
        """Resources of `types` in the Patient's compartment, in storage order, one page.

        See https://hl7.org/fhir/R4/compartmentdefinition-patient.html; `$everything`
        uses it so a page costs one query, not one search per compartment parameter.
        """
        ...

    def history(
        self,
        resource_type: str | None,
        id: str | None,
        *,
        since_us: int | None = None,
        count: int | None = None,
        cursor: str | None = None,
    ) -> HistoryPage: ...

    def unit_of_work(self) -> AbstractContextManager[Repository]:
        """All calls on the yielded repository commit together or not at all."""
        ...


def iter_references(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every `Reference.reference` string in a resource, with its element path."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key == "reference" and isinstance(value, str):
                yield child, value
            elif key != "contained":
                yield from iter_references(value, child)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from iter_references(item, f"{path}[{i}]")


def is_relative_reference(reference: str) -> bool:
    """`Type/id` or `Type/id/_history/n`; not contained, absolute, urn or conditional."""
    parts = reference.split("/")
    if len(parts) not in (2, 4) or (len(parts) == 4 and parts[2] != "_history"):
        return False
    return parts[0][:1].isupper() and not any(c in reference for c in "#:?")


def every_match(
    repo: Repository, rtype: str, params: list[tuple[str, str]], *, page_size: int = 500
) -> list[Hit]:
    """All matches of a search, every page: for jobs that must see each one (a merge
    re-pointing references, a resident's data request), not for answering a client."""
    hits: list[Hit] = []
    cursor: str | None = None
    while True:
        page = repo.search(rtype, [*params, ("_count", str(page_size))], cursor=cursor)
        hits.extend(page.matches)
        cursor = page.next_cursor
        if cursor is None:
            return hits
