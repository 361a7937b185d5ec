"""Builders of the Bundles the server answers with: searchset, history and the
entries of transaction/batch responses (https://hl7.org/fhir/R4/bundle.html).

Stored content is canonical JSON; it is parsed here only because a Bundle embeds
each resource as an object.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import Issue, operation_outcome
from hoso.fhir.repository import HistoryEntry, HistoryPage, Hit, SearchPage, StoredResource

__all__ = [
    "PAGE_CURSOR_PARAM",
    "SUBSETTED",
    "apply_elements",
    "history_bundle",
    "response_entry",
    "searchset_bundle",
    "status_line",
]

# Query parameter that carries the store's opaque paging cursor in `next` links.
PAGE_CURSOR_PARAM = "_cursor"

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}

# Elements `_elements` always keeps (https://hl7.org/fhir/R4/search.html#elements).
_MANDATORY = frozenset({"resourceType", "id", "meta"})

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
}


def status_line(status: int) -> str:
    """`Bundle.entry.response.status`: the code, then the reason phrase (`201 Created`)."""
    reason = _REASONS.get(status)
    return f"{status} {reason}" if reason else str(status)


def _new_bundle(bundle_type: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": clock.fhir_instant(clock.now())},
        "type": bundle_type,
    }


def _links(self_link: str, next_link: str | None) -> list[dict[str, str]]:
    links = [{"relation": "self", "url": self_link}]
    if next_link:
        links.append({"relation": "next", "url": next_link})
    return links


def searchset_bundle(
    page: SearchPage,
    *,
    base_url: str,
    self_link: str,
    next_link: str | None = None,
    elements: Iterable[str] = (),
) -> dict[str, Any]:
    """A `searchset` Bundle: matches, then `_include`d resources (search.mode include).

    `elements` (`_elements`) subsets the matches only; included resources stay whole,
    which R4 leaves to the server (https://hl7.org/fhir/R4/search.html#elements).
    """
    wanted = tuple(elements)
    bundle = _new_bundle("searchset")
    if page.total is not None:
        bundle["total"] = page.total
    bundle["link"] = _links(self_link, next_link)
    entries = [_search_entry(hit, base_url, "match", wanted) for hit in page.matches]
    entries += [_search_entry(hit, base_url, "include", ()) for hit in page.includes]
    if page.ignored:
        entries.append(_ignored_entry(page.ignored))
    if entries:
        bundle["entry"] = entries
    return bundle


def _ignored_entry(ignored: tuple[str, ...]) -> dict[str, Any]:
    """An OperationOutcome entry naming the parameters the search left out
    (https://hl7.org/fhir/R4/search.html#errors: search.mode `outcome`)."""
    names = ", ".join(dict.fromkeys(ignored))
    issue = Issue(
        "warning",
        "not-supported",
        f"Đã bỏ qua tham số không được hỗ trợ: {names} / Ignored unsupported parameters: "
        f"{names}",
        tuple(dict.fromkeys(ignored)),
    )
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid4()}",
        "resource": {**operation_outcome([issue]), "id": str(uuid.uuid4())},
        "search": {"mode": "outcome"},
    }


def _search_entry(
    hit: Hit, base_url: str, mode: str, elements: tuple[str, ...]
) -> dict[str, Any]:
    resource = jsonx.loads(hit.content)
    if elements:
        resource = apply_elements(resource, elements)
    return {
        "fullUrl": f"{base_url}/{hit.resource_type}/{hit.id}",
        "resource": resource,
        "search": {"mode": mode},
    }


def history_bundle(
    page: HistoryPage, *, base_url: str, self_link: str, next_link: str | None = None
) -> dict[str, Any]:
    """A `history` Bundle, newest first; a deletion has request and response but no
    resource (https://hl7.org/fhir/R4/http.html#history)."""
    bundle = _new_bundle("history")
    if page.total is not None:
        bundle["total"] = page.total
    bundle["link"] = _links(self_link, next_link)
    entries = [_history_entry(entry, base_url) for entry in page.entries]
    if entries:
        bundle["entry"] = entries
    return bundle


def _history_entry(entry: HistoryEntry, base_url: str) -> dict[str, Any]:
    stored = entry.stored
    instance = f"{stored.resource_type}/{stored.id}"
    out: dict[str, Any] = {"fullUrl": f"{base_url}/{instance}"}
    if not stored.deleted:
        out["resource"] = jsonx.loads(stored.content)
    method = entry.method.upper()
    out["request"] = {"method": method,
                      "url": stored.resource_type if method == "POST" else instance}
    status = 204 if stored.deleted else 201 if stored.version == 1 else 200
    out["response"] = {
        "status": status_line(status),
        "etag": stored.etag,
        "lastModified": clock.fhir_instant(stored.last_updated),
    }
    return out


def response_entry(
    status: int,
    stored: StoredResource | None = None,
    *,
    resource: dict[str, Any] | None = None,
    issues: Iterable[Issue] = (),
    location: bool = True,
) -> dict[str, Any]:
    """One `transaction-response`/`batch-response` entry: status, and for a version
    its location (`Type/id/_history/v`), etag and lastModified; `issues` become the
    entry's `response.outcome` (https://hl7.org/fhir/R4/bundle.html#response)."""
    response: dict[str, Any] = {"status": status_line(status)}
    if stored is not None:
        if location and not stored.deleted:
            response["location"] = stored.location
        response["etag"] = stored.etag
        response["lastModified"] = clock.fhir_instant(stored.last_updated)
    issue_list = list(issues)
    if issue_list:
        response["outcome"] = operation_outcome(issue_list)
    entry: dict[str, Any] = {}
    if resource is not None:
        entry["resource"] = resource
    entry["response"] = response
    return entry


def apply_elements(resource: dict[str, Any], elements: Iterable[str]) -> dict[str, Any]:
    """`_elements`: a copy with only the named top-level elements, plus the mandatory
    ones, tagged SUBSETTED. `value` keeps `valueQuantity` and the other choices, an
    element keeps its `_element` primitive extensions, and `Type.element` applies only
    to that type."""
    resource_type = resource.get("resourceType", "")
    names: set[str] = set()
    for raw in elements:
        name = raw.strip()
        qualifier, dot, bare = name.partition(".")
        if dot:
            if qualifier != resource_type:
                continue
            name = bare
        if name:
            names.add(name)
    if not names:
        return resource
    kept = {key: value for key, value in resource.items() if _wanted(key, names)}
    meta = dict(kept.get("meta") or {})
    tags = list(meta.get("tag") or [])
    if not any(t.get("system") == SUBSETTED["system"] and t.get("code") == "SUBSETTED"
               for t in tags):
        tags.append(dict(SUBSETTED))
    meta["tag"] = tags
    kept["meta"] = meta
    return kept


def _wanted(key: str, names: set[str]) -> bool:
    bare = key[1:] if key.startswith("_") else key
    if bare in _MANDATORY or bare in names:
        return True
    # Choice elements: `value` asks for `valueQuantity`, `valueString`, …
    return any(bare.startswith(n) and bare[len(n):][:1].isupper() for n in names)
