"""One entry of a batch or transaction Bundle: its envelope and its interaction.

`parse_entry` checks `entry.request` and names the failing element
(`Bundle.entry[3].request.url`); `execute` runs the entry's interaction against a
repository and builds its response entry (https://hl7.org/fhir/R4/http.html#transaction).
Resolving placeholders and ordering entries belong to `hoso.fhir.transaction`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hoso.core import jsonx
from hoso.core.errors import (
    FhirError,
    InvalidRequest,
    Issue,
    NotSupported,
    PreconditionFailed,
    ResourceNotFound,
)
from hoso.core.text import whole_number
from hoso.fhir.bundles import PAGE_CURSOR_PARAM, history_bundle, response_entry, searchset_bundle
from hoso.fhir.conditional import one_match
from hoso.fhir.dates import date_range
from hoso.fhir.operations import OperationContext, OperationRegistry, collect_params
from hoso.fhir.patch import Patch, parse_fhirpath_patch, parse_json_patch
from hoso.fhir.repository import Repository, StoredResource, WriteResult
from hoso.fhir.resource_types import check_resource_type

__all__ = ["Entry", "execute", "invalid", "one_match", "parse_entry"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
JSON_PATCH = "application/json-patch+json"


@dataclass(eq=False)
class Entry:
    """One request entry; `identity` (`Type/id`) and `written` are set once it ran."""

    index: int
    method: str
    url: str  # relative to the server base
    full_url: str | None
    resource: dict[str, Any] | None
    if_none_exist: str | None
    if_match: int | None
    max_patch_operations: int = 1000
    preassigned_id: str | None = None  # promised to other entries of a reference cycle
    identity: str | None = None
    written: dict[str, Any] | None = None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}]"

    @property
    def segments(self) -> list[str]:
        return [s for s in self.url.partition("?")[0].split("/") if s]

    @property
    def query(self) -> str:
        return self.url.partition("?")[2]

    @property
    def resource_type(self) -> str | None:
        first = (self.segments or [""])[0]
        return first if first[:1].isupper() else None


def invalid(where: str, vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(f"{where}: {vi} / {en}", expression=[where])


def parse_entry(index: int, raw: Any, base_url: str, max_patch_operations: int = 1000) -> Entry:
    """Check one entry's envelope (https://hl7.org/fhir/R4/bundle.html#request)."""
    path = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise invalid(f"{path}.request", "thiếu request", "request is missing")
    request = raw["request"]
    method = request.get("method")
    if method not in METHODS:
        raise invalid(f"{path}.request.method", f"phương thức không hợp lệ '{method}'",
                      f"invalid method '{method}'")
    url = request.get("url")
    if not isinstance(url, str) or not url.strip():
        raise invalid(f"{path}.request.url", "thiếu url", "url is missing")
    url, base = url.strip(), base_url.rstrip("/") + "/"
    if url.startswith(base):
        url = url[len(base):]
    elif "://" in url.partition("?")[0]:
        raise invalid(f"{path}.request.url", "url không thuộc máy chủ này",
                      "url is not on this server")
    resource = raw.get("resource")
    if resource is not None and not (
        isinstance(resource, dict) and isinstance(resource.get("resourceType"), str)
    ):
        raise invalid(f"{path}.resource", "tài nguyên thiếu resourceType",
                      "resource has no resourceType")
    if method in ("POST", "PUT", "PATCH") and resource is None:
        raise invalid(f"{path}.resource", f"{method} cần tài nguyên", f"{method} needs a resource")
    if_none_exist = str(request.get("ifNoneExist") or "").rpartition("?")[2] or None
    full_url = raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else None
    entry = Entry(index, method, url, full_url, resource, if_none_exist,
                  parse_etag(request.get("ifMatch"), f"{path}.request.ifMatch"))
    entry.max_patch_operations = max_patch_operations
    _check_target(entry)
    return entry


def _check_target(entry: Entry) -> None:
    """The URL shape each method allows; an operation (`$op`) may sit at any level."""
    segments, method, where = entry.segments, entry.method, f"{entry.path}.request.url"
    if (segments and segments[-1].startswith("$")) or method in ("GET", "HEAD"):
        return
    if entry.resource_type is None:
        raise invalid(where, f"url '{entry.url}' thiếu loại tài nguyên",
                      f"url '{entry.url}' names no resource type")
    by_id = len(segments) == 2 and not entry.query
    by_criteria = len(segments) == 1 and bool(entry.query)  # conditional interaction
    allowed = (len(segments) == 1 and not entry.query) if method == "POST" else (
        by_id or by_criteria)
    if not allowed:
        raise invalid(where, f"url '{entry.url}' không hợp lệ cho {method}",
                      f"url '{entry.url}' is not valid for {method}")
    body_type = (entry.resource or {}).get("resourceType")
    if method in ("POST", "PUT") and body_type != entry.resource_type:
        raise invalid(f"{entry.path}.resource.resourceType", "khác loại trong request.url",
                      "does not match the type in request.url")


def parse_etag(value: Any, where: str) -> int | None:
    """`W/"3"` → 3 (https://hl7.org/fhir/R4/http.html#concurrency)."""
    if value in (None, ""):
        return None
    number = whole_number(str(value).strip().removeprefix("W/").strip('"'))
    if number is None:
        raise invalid(where, f"ETag không hợp lệ '{value}'", f"invalid ETag '{value}'")
    return number


def execute(repo: Repository, entry: Entry, base_url: str, prefer: str,
            operations: OperationRegistry | None = None) -> dict[str, Any]:  # fmt: skip
    """Run one entry (its references already resolved) and build its response entry."""
    segments, rtype = entry.segments, entry.resource_type
    if rtype:
        check_resource_type(rtype)
    if segments and segments[-1].startswith("$"):
        return _operation(repo, entry, base_url, operations)
    if entry.method in ("GET", "HEAD"):
        return _read(repo, entry, base_url)
    assert rtype is not None  # _check_target
    if entry.method == "DELETE":
        return _delete(repo, entry, rtype)
    id = segments[1] if len(segments) == 2 else None
    if entry.method == "POST":
        result = _create(repo, entry)
    elif entry.method == "PUT":
        result = _update(repo, entry, rtype, id)
    else:
        id = id or _existing_id(repo, rtype, entry.query)
        patch = _patch(entry, entry.max_patch_operations)
        result = repo.patch(rtype, id, patch, if_match=entry.if_match)
    entry.identity = f"{rtype}/{result.stored.id}"
    entry.written = jsonx.loads(result.stored.content)
    return _write_response(result, prefer)


def _create(repo: Repository, entry: Entry) -> WriteResult:
    resource = {k: v for k, v in (entry.resource or {}).items() if k != "id"}
    if entry.preassigned_id:  # the server chose it to close a reference cycle
        return repo.create(resource, id=entry.preassigned_id)
    return repo.create(resource, if_none_exist=entry.if_none_exist)


def _update(repo: Repository, entry: Entry, rtype: str, id: str | None) -> WriteResult:
    resource = dict(entry.resource or {})
    if id is None:
        if entry.if_match is not None:
            raise NotSupported("If-Match với cập nhật có điều kiện chưa được hỗ trợ / "
                               "If-Match with a conditional update is not supported")
        return repo.conditional_update(rtype, entry.query, resource)
    resource.setdefault("id", id)
    return repo.update(rtype, id, resource, if_match=entry.if_match)


def _existing_id(repo: Repository, rtype: str, criteria: str) -> str:
    found = one_match(repo, rtype, criteria)
    if found is None:
        raise ResourceNotFound(f"Không có {rtype} khớp '{criteria}' / "
                               f"No {rtype} matches '{criteria}'")
    return found


def _patch(entry: Entry, max_operations: int) -> Patch:
    """R4 carries a FHIRPath Patch as a Parameters resource and a JSON Patch in a Binary
    (https://hl7.org/fhir/R4/http.html#patch)."""
    body, where = entry.resource or {}, f"{entry.path}.resource"
    if body.get("resourceType") == "Parameters":
        return parse_fhirpath_patch(body, max_operations)
    media = str(body.get("contentType", "")).split(";")[0].strip()
    if body.get("resourceType") != "Binary" or media != JSON_PATCH:
        raise NotSupported(f"{where}: PATCH cần Parameters (FHIRPath Patch) hoặc Binary "
                           f"{JSON_PATCH} / PATCH needs a Parameters (FHIRPath Patch) or a "
                           f"Binary of {JSON_PATCH}", expression=[where])
    try:
        operations = jsonx.loads_request(base64.b64decode(body.get("data") or "", validate=True))
    except (binascii.Error, ValueError, FhirError) as exc:
        raise invalid(f"{where}.data", "không phải JSON Patch base64",
                      "is not a base64 JSON Patch") from exc
    return parse_json_patch(operations, max_operations)


def _delete(repo: Repository, entry: Entry, rtype: str) -> dict[str, Any]:
    """Delete by id, or conditionally: no match deletes nothing, several give 412."""
    segments = entry.segments
    id = segments[1] if len(segments) == 2 else one_match(repo, rtype, entry.query)
    if id and entry.if_match is not None:
        current = repo.read(rtype, id).version
        if current != entry.if_match:
            raise PreconditionFailed(
                f"Phiên bản hiện tại {current} khác If-Match {entry.if_match} / "
                f"Current version {current} does not match If-Match {entry.if_match}")
    stored = repo.delete(rtype, id) if id else None
    entry.identity = f"{rtype}/{id}" if id else None
    return response_entry(204, stored, location=False)


def _write_response(result: WriteResult, prefer: str) -> dict[str, Any]:
    if result.withheld:  # the matched record's id, nothing of its content or history
        entry = response_entry(200, issues=result.warnings)
        entry["response"]["location"] = f"{result.stored.resource_type}/{result.stored.id}"
        return entry
    issues = list(result.warnings)
    if prefer == "OperationOutcome" and not issues:
        issues = [Issue("information", "informational", "Đã lưu / Stored")]
    resource = jsonx.loads(result.stored.content) if prefer == "representation" else None
    return response_entry(201 if result.created else 200, result.stored, resource=resource,
                          issues=issues)


def _read(repo: Repository, entry: Entry, base_url: str) -> dict[str, Any]:
    """GET/HEAD: read, vread, search, or history of an instance, a type or the system."""
    segments, rtype = entry.segments, entry.resource_type
    params = parse_qsl(entry.query, keep_blank_values=True)
    stored: StoredResource | None = None
    if segments and segments[-1] == "_history" and len(segments) <= 3:
        body = _history(repo, rtype, segments[1] if len(segments) == 3 else None, params,
                        base_url, f"{base_url}/{entry.url}")
    elif len(segments) == 4 and segments[2] == "_history" and whole_number(segments[3]) is not None:
        stored = repo.vread(segments[0], segments[1], int(segments[3]))
    elif len(segments) == 2:
        stored = repo.read(segments[0], segments[1])
    elif len(segments) <= 1:
        body = _search(repo, rtype, params, base_url, f"{base_url}/{entry.url}")
    else:
        raise invalid(f"{entry.path}.request.url", f"url '{entry.url}' không hợp lệ cho GET",
                      f"url '{entry.url}' is not valid for GET")
    if stored is not None:
        body = jsonx.loads(stored.content)
    return response_entry(200, stored, resource=None if entry.method == "HEAD" else body,
                          location=False)


def _search(
    repo: Repository, rtype: str | None, params: list[tuple[str, str]], base_url: str,
    self_link: str,
) -> dict[str, Any]:
    cursor = dict(params).get(PAGE_CURSOR_PARAM)
    params = [(k, v) for k, v in params if k != PAGE_CURSOR_PARAM]
    page = repo.search(rtype, params, cursor=cursor)
    next_link = None
    if page.next_cursor:
        query = urlencode([*params, (PAGE_CURSOR_PARAM, page.next_cursor)])
        next_link = f"{base_url}/{rtype or ''}?{query}"
    return searchset_bundle(page, base_url=base_url, self_link=self_link, next_link=next_link)


def _history(
    repo: Repository, rtype: str | None, id: str | None, params: list[tuple[str, str]],
    base_url: str, self_link: str,
) -> dict[str, Any]:
    args = dict(params)
    since, count = args.get("_since"), args.get("_count")
    try:
        since_us = date_range(since)[0] if since else None
    except ValueError as exc:
        raise InvalidRequest(f"_since không hợp lệ: {since} / Invalid _since: {since}") from exc
    number = whole_number(count) if count is not None else None
    if count is not None and number is None:
        raise InvalidRequest(f"_count không hợp lệ: {count} / Invalid _count: {count}")
    page = repo.history(rtype, id, since_us=since_us, count=number or None,
                        cursor=args.get(PAGE_CURSOR_PARAM))
    return history_bundle(page, base_url=base_url, self_link=self_link)


def _operation(repo: Repository, entry: Entry, base_url: str,
               operations: OperationRegistry | None) -> dict[str, Any]:  # fmt: skip
    """`$op` entries go through the same registry as the REST routes."""
    segments, rtype = entry.segments, entry.resource_type
    level = {1: "system", 2: "type", 3: "instance"}.get(len(segments), "")
    name = segments[-1]
    operation = None
    if operations is not None and (level == "system") == (rtype is None):
        operation = operations.find(name, level, rtype)
    if operation is None:
        raise NotSupported(f"Thao tác {name} không được hỗ trợ ở đây / "
                           f"Operation {name} is not supported here")
    ctx = OperationContext(base_url, level, rtype, segments[1] if level == "instance" else None,
                           entry.method)
    body = entry.resource if entry.method == "POST" else None
    params = collect_params(parse_qsl(entry.query, keep_blank_values=True), body)
    return response_entry(200, resource=operation.run(repo, ctx, params))
