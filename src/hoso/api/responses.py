"""FHIR JSON responses: media type, version headers and `Prefer: return`."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from hoso.core import clock, jsonx
from hoso.core.errors import Issue, operation_outcome
from hoso.fhir.repository import StoredResource, WriteResult

FHIR_JSON = "application/fhir+json; charset=utf-8"


def fhir_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = body.encode() if isinstance(body, str) else jsonx.dumps(body)
    return Response(content=content, status_code=status, media_type=FHIR_JSON, headers=headers)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def version_headers(request: Request, stored: StoredResource) -> dict[str, str]:
    return {
        "ETag": stored.etag,
        "Last-Modified": clock.http_date(stored.last_updated),
    }


def read_response(request: Request, stored: StoredResource) -> Response:
    """Stream the stored canonical JSON unchanged; 304 when `If-None-Match` names the
    current version (https://hl7.org/fhir/R4/http.html#cread)."""
    headers = version_headers(request, stored)
    if _names_version(request.headers.get("if-none-match"), stored.version):
        return Response(status_code=304, headers=headers)
    return fhir_response(stored.content, headers=headers)


def _names_version(header: str | None, version: int) -> bool:
    """`W/"3"`, `"3"`, a list of them, or `*`: weak comparison (RFC 9110 §13.1.2)."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return "*" in tags or str(version) in tags


def write_response(request: Request, result: WriteResult) -> Response:
    """201/200 with Location, ETag, Last-Modified and the body `Prefer: return` asks for."""
    stored = result.stored
    if result.withheld:
        # The resident the MPI matched, whom the caller may not read: the id, no more.
        location = f"{base_url(request)}/{stored.resource_type}/{stored.id}"
        outcome = operation_outcome(list(result.warnings))
        return fhir_response(outcome, 200, {"Location": location})
    status = 201 if result.created else 200
    headers = version_headers(request, stored)
    location = f"{base_url(request)}/{stored.location}"
    headers["Location"] = location
    if result.created:
        headers["Content-Location"] = location
    prefer = prefer_return(request)
    if prefer == "minimal":
        return Response(status_code=status, headers=headers)
    if prefer == "OperationOutcome":
        issues = list(result.warnings) or [Issue("information", "informational", "Đã lưu / Stored")]
        return fhir_response(operation_outcome(issues), status, headers)
    return fhir_response(stored.content, status, headers)


def prefer_return(request: Request) -> str:
    for part in request.headers.get("prefer", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == "return":
            return value.strip('"')
    return "representation"


def search_handling(request: Request) -> bool | None:
    """`Prefer: handling=lenient` (True), `=strict` (False), or neither (None: unknown
    `_`-parameters are ignored, others refused) (https://hl7.org/fhir/R4/search.html#errors)."""
    prefer = request.headers.get("prefer", "").replace(" ", "")
    if "handling=lenient" in prefer:
        return True
    if "handling=strict" in prefer:
        return False
    return None
