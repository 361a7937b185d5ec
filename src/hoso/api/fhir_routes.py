"""`/fhir`: the FHIR R4 RESTful interactions (https://hl7.org/fhir/R4/http.html)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.api.body import check_media_type, parse_if_match, read_json, too_large_message
from hoso.api.deps import RepoDep, SettingsDep
from hoso.api.responses import (
    base_url,
    fhir_response,
    prefer_return,
    read_response,
    search_handling,
    write_response,
)
from hoso.core.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from hoso.core.settings import Settings
from hoso.core.text import whole_number
from hoso.fhir.bundles import history_bundle, searchset_bundle
from hoso.fhir.dates import since_us
from hoso.fhir.patch import Patch, parse_fhirpath_patch, parse_json_patch
from hoso.fhir.resource_types import check_resource_type
from hoso.fhir.transaction import BundleLimits, process_bundle

router = APIRouter(prefix="/fhir")
JSON_PATCH = "application/json-patch+json"
PATCH_TYPES = {JSON_PATCH, "application/fhir+json"}

CONTROL_PARAMS = {"_cursor", "_format", "_pretty"}


def _search_params(request: Request, extra: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    items = [*request.query_params.multi_items(), *extra]
    return [(k, v) for k, v in items if k not in CONTROL_PARAMS]


def _link(request: Request, path: str, params: list[tuple[str, str]]) -> str:
    query = urlencode(params)
    return f"{base_url(request)}/{path}" + (f"?{query}" if query else "")


def _search(
    request: Request,
    repo: RepoDep,
    resource_type: str | None,
    params: list[tuple[str, str]],
) -> Response:
    cursor = request.query_params.get("_cursor")
    page = repo.search(resource_type, params, lenient=search_handling(request), cursor=cursor)
    path = resource_type or ""
    self_link = _link(request, path, params + ([("_cursor", cursor)] if cursor else []))
    next_link = (
        _link(request, path, [*params, ("_cursor", page.next_cursor)]) if page.next_cursor else None
    )
    bundle = searchset_bundle(
        page,
        base_url=base_url(request),
        self_link=self_link,
        next_link=next_link,
        elements=_elements(params),
    )
    return fhir_response(bundle)


def _elements(params: list[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(e for k, v in params if k == "_elements" for e in v.split(",") if e)


def _count(request: Request) -> int | None:
    value = request.query_params.get("_count")
    if value is None:
        return None
    count = whole_number(value)
    if count is None:
        raise InvalidRequest(f"_count không hợp lệ: {value} / Invalid _count: {value}")
    return count


def _history(
    request: Request, repo: RepoDep, resource_type: str | None, id: str | None
) -> Response:
    cursor = request.query_params.get("_cursor")
    page = repo.history(
        resource_type,
        id,
        since_us=since_us(request.query_params.get("_since")),
        count=_count(request),
        cursor=cursor,
    )
    path = "/".join(p for p in (resource_type, id, "_history") if p)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "_cursor"]
    next_link = (
        _link(request, path, [*params, ("_cursor", page.next_cursor)]) if page.next_cursor else None
    )
    return fhir_response(
        history_bundle(
            page, base_url=base_url(request), self_link=str(request.url), next_link=next_link
        )
    )


@router.post("")
async def transaction_or_batch(request: Request, repo: RepoDep, settings: SettingsDep) -> Response:
    bundle = await read_json(request, settings)
    response = await run_in_threadpool(
        process_bundle,
        repo,
        bundle,
        base_url=base_url(request),
        return_preference=prefer_return(request),
        limits=BundleLimits(settings.max_bundle_entries, settings.max_patch_operations),
        operations=request.app.state.operations,
    )
    return fhir_response(response)


@router.get("/_history")
def history_system(request: Request, repo: RepoDep) -> Response:
    return _history(request, repo, None, None)


@router.get("/{resource_type}")
def search_type(request: Request, resource_type: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    return _search(request, repo, resource_type, _search_params(request))


@router.post("/{resource_type}/_search")
async def search_type_post(
    request: Request, resource_type: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    check_resource_type(resource_type)
    media = request.headers.get("content-type", "").split(";")[0].strip()
    if media not in ("application/x-www-form-urlencoded", ""):
        raise UnsupportedMediaType(
            "POST _search cần application/x-www-form-urlencoded / "
            "POST _search needs application/x-www-form-urlencoded"
        )
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(too_large_message(settings.max_body_bytes))
    extra = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return await run_in_threadpool(
        _search, request, repo, resource_type, _search_params(request, extra)
    )


@router.get("/{resource_type}/_history")
def history_type(request: Request, resource_type: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    return _history(request, repo, resource_type, None)


@router.post("/{resource_type}")
async def create(
    request: Request, resource_type: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    check_resource_type(resource_type)
    resource = await read_json(request, settings)
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise InvalidRequest(
            f"Nội dung phải là một {resource_type} / Body must be a {resource_type}",
            expression=["resourceType"],
        )
    result = await run_in_threadpool(
        repo.create, resource, if_none_exist=request.headers.get("if-none-exist")
    )
    return write_response(request, result)


@router.put("/{resource_type}")
async def conditional_update(
    request: Request, resource_type: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    check_resource_type(resource_type)
    criteria = request.url.query
    if not criteria:
        raise InvalidRequest(
            "Cập nhật có điều kiện cần điều kiện tìm kiếm / Conditional update needs criteria"
        )
    resource = await read_json(request, settings)
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise InvalidRequest(
            f"Nội dung phải là một {resource_type} / Body must be a {resource_type}",
            expression=["resourceType"],
        )
    result = await run_in_threadpool(repo.conditional_update, resource_type, criteria, resource)
    return write_response(request, result)


@router.get("/{resource_type}/{id}")
def read(request: Request, resource_type: str, id: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    return read_response(request, repo.read(resource_type, id))


@router.put("/{resource_type}/{id}")
async def update(
    request: Request, resource_type: str, id: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    check_resource_type(resource_type)
    resource = await read_json(request, settings)
    if_match = parse_if_match(request.headers.get("if-match"))
    result = await run_in_threadpool(repo.update, resource_type, id, resource, if_match=if_match)
    return write_response(request, result)


@router.patch("/{resource_type}/{id}")
async def patch(
    request: Request, resource_type: str, id: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    check_resource_type(resource_type)
    if_match = parse_if_match(request.headers.get("if-match"))
    patch = await _read_patch(request, settings)
    result = await run_in_threadpool(repo.patch, resource_type, id, patch, if_match=if_match)
    return write_response(request, result)


async def _read_patch(request: Request, settings: Settings) -> Patch:
    """JSON Patch as `application/json-patch+json`; FHIRPath Patch, a Parameters, as
    FHIR JSON (`application/fhir+json`, or `application/json`, which R4 takes for FHIR
    JSON and which fhirpy sends); anything else, JSON merge patch among them, is 415."""
    media = check_media_type(request, PATCH_TYPES | {"application/json"})
    body = await read_json(request, settings, allowed=PATCH_TYPES | {"application/json"})
    if media == JSON_PATCH:
        return parse_json_patch(body, settings.max_patch_operations)
    if media == "application/json" and not (
        isinstance(body, dict) and body.get("resourceType") == "Parameters"
    ):
        accepted = (
            "application/json-patch+json (JSON Patch), application/fhir+json (FHIRPath Patch)"
        )
        raise UnsupportedMediaType(
            "JSON merge patch không được hỗ trợ; chấp nhận: " + accepted + " / JSON merge "
            "patch is not supported (Unsupported media type 'application/json' for this "
            "body); accepted: " + accepted
        )
    return parse_fhirpath_patch(body, settings.max_patch_operations)


@router.delete("/{resource_type}/{id}")
def delete(resource_type: str, id: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    repo.delete(resource_type, id)
    return Response(status_code=204)


@router.get("/{resource_type}/{id}/_history")
def history_instance(request: Request, resource_type: str, id: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    return _history(request, repo, resource_type, id)


@router.get("/{resource_type}/{id}/_history/{version}")
def vread(request: Request, resource_type: str, id: str, version: str, repo: RepoDep) -> Response:
    check_resource_type(resource_type)
    number = whole_number(version)
    if number is None:
        raise InvalidRequest(f"Phiên bản không hợp lệ: {version} / Invalid version: {version}")
    return read_response(request, repo.vread(resource_type, id, number))
