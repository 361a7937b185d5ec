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
    """Stream the stored canonical JSON unchanged."""
    return fhir_response(stored.content, headers=version_headers(request, stored))


def write_response(request: Request, result: WriteResult) -> Response:
    """201/200 with Location, ETag, Last-Modified and the body `Prefer: return` asks for."""
    stored = result.stored
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


def prefers_lenient(request: Request) -> bool:
    return "handling=lenient" in request.headers.get("prefer", "").replace(" ", "")
