"""Data-subject rights over HTTP (Luật 91/2025/QH15, NĐ 356/2025/NĐ-CP; DOMAIN-VN.md §9):

- `POST /fhir/Patient/{id}/$data-request`: file a request (Parameters in, Task out);
- `GET  /fhir/Patient/{id}/$data-requests`: the resident's requests and deadlines;
- `GET  /fhir/$data-requests-overdue`: the DPO's list of requests past a deadline;
- `GET  /fhir/Patient/{id}/$consent-log`: every version of every Consent (history).

Thin handlers over `hoso.access.subject_rights`; included before the generic
`$operation` and REST routes, which would otherwise take these paths.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.access import subject_rights
from hoso.access.data_requests import Overdue
from hoso.api.body import read_json
from hoso.api.deps import RepoDep, SettingsDep
from hoso.api.responses import base_url, fhir_response, write_response
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number
from hoso.fhir.bundles import PAGE_CURSOR_PARAM, history_bundle, searchset_bundle
from hoso.fhir.repository import SearchPage

router = APIRouter(prefix="/fhir")

OVERDUE_EXTENSION = (
    "https://fhir.hoso.hochiminhcity.gov.vn/StructureDefinition/data-request-overdue"
)
DEFAULT_COUNT = 50
MAX_COUNT = 500


@router.post("/Patient/{id}/$data-request")
async def file_data_request(
    request: Request, id: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    body = await read_json(request, settings)
    result = await run_in_threadpool(
        subject_rights.file_request, repo, id, body, cccd_system=settings.cccd_system
    )
    return write_response(request, result)


@router.get("/Patient/{id}/$data-requests")
def list_data_requests(request: Request, id: str, repo: RepoDep) -> Response:
    cursor = request.query_params.get(PAGE_CURSOR_PARAM)
    page = subject_rights.list_requests(repo, id, count=_count(request), cursor=cursor)
    return fhir_response(_searchset(request, page, f"Patient/{id}/$data-requests"))


@router.get("/$data-requests-overdue")
def overdue_data_requests(request: Request, repo: RepoDep) -> Response:
    cursor = request.query_params.get(PAGE_CURSOR_PARAM)
    page, late = subject_rights.overdue_page(repo, count=_count(request), cursor=cursor)
    bundle = _searchset(request, page, "$data-requests-overdue")
    for entry, overdue in zip(bundle.get("entry", []), late, strict=True):
        entry["search"]["extension"] = _overdue_extensions(overdue)
    return fhir_response(bundle)


@router.get("/Patient/{id}/$consent-log")
def consent_log(request: Request, id: str, repo: RepoDep) -> Response:
    page = subject_rights.consent_log(repo, id)
    return fhir_response(
        history_bundle(page, base_url=base_url(request), self_link=str(request.url))
    )


def _count(request: Request) -> int:
    raw = request.query_params.get("_count", str(DEFAULT_COUNT))
    count = whole_number(raw)
    if count is None or not 1 <= count <= MAX_COUNT:
        raise InvalidRequest(
            f"_count phải từ 1 đến {MAX_COUNT}: {raw} / _count must be 1 to {MAX_COUNT}: {raw}",
            expression=["_count"],
        )
    return count


def _searchset(request: Request, page: SearchPage, path: str) -> dict[str, Any]:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != PAGE_CURSOR_PARAM]
    link = f"{base_url(request)}/{path}"
    next_link = None
    if page.next_cursor:
        next_link = f"{link}?{urlencode([*params, (PAGE_CURSOR_PARAM, page.next_cursor)])}"
    return searchset_bundle(
        page, base_url=base_url(request), self_link=str(request.url), next_link=next_link
    )


def _overdue_extensions(overdue: Overdue) -> list[dict[str, str]]:
    """Which deadline passed: `acknowledgement` and/or `response`."""
    missed = [("acknowledgement", overdue.acknowledgement), ("response", overdue.response)]
    return [{"url": OVERDUE_EXTENSION, "valueCode": code} for code, late in missed if late]
