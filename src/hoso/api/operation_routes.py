"""`$operation` routes built from the operation registry, plus `/fhir/metadata`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.api import auth_routes
from hoso.api.body import read_json
from hoso.api.deps import RepoDep, SettingsDep
from hoso.api.responses import FHIR_JSON, base_url, fhir_response
from hoso.bulk.definitions import EXPORT_DEFINITIONS
from hoso.core import jsonx
from hoso.core.errors import ResourceNotFound
from hoso.fhir.capability import capability_statement
from hoso.fhir.operations import OperationContext, collect_params
from hoso.fhir.resource_types import check_resource_type

router = APIRouter(prefix="/fhir")

INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)


CAPABILITY_CACHE = 8  # base URLs (Host headers) whose statement is kept


@router.get("/metadata")
async def metadata(request: Request) -> Response:
    """The CapabilityStatement: built from the same registries the routes use, once per
    app and base URL (it changes only with them; building and serialising its 125 kB
    was a third of the cost of a `metadata` request). Async: no thread hop for bytes."""
    root = base_url(request)
    cache: dict[str, bytes] = request.app.state.__dict__.setdefault("capability", {})
    body = cache.get(root)
    if body is None:
        body = jsonx.dumps(capability_statement(
            root,
            interactions=INTERACTIONS,
            operations=[op.DEFINITION for op in request.app.state.operations.registered()]
            + list(EXPORT_DEFINITIONS),  # served by hoso.api.bulk_routes
            security=auth_routes.security_block(request.app),
        ))  # fmt: skip
        if len(cache) < CAPABILITY_CACHE:  # the Host header is the client's to choose
            cache[root] = body
    return Response(content=body, media_type=FHIR_JSON)


async def _invoke(
    request: Request,
    repo: Any,
    settings: Any,
    name: str,
    level: str,
    resource_type: str | None = None,
    id: str | None = None,
) -> Response:
    if resource_type:
        check_resource_type(resource_type)
    operation = request.app.state.operations.find(name, level, resource_type)
    if operation is None:
        where = resource_type or "hệ thống / system"
        raise ResourceNotFound(
            f"Không có thao tác ${name} ở mức {level} cho {where} / "
            f"No operation ${name} at {level} level for {where}",
            code="not-supported",
        )
    body = None
    if request.method == "POST":
        body = await read_json(request, settings)
    params = collect_params(request.query_params.multi_items(), body)
    ctx = OperationContext(base_url(request), level, resource_type, id, request.method)
    return fhir_response(await run_in_threadpool(operation.run, repo, ctx, params))


@router.get("/${name}")
@router.post("/${name}")
async def system_operation(
    request: Request, name: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    return await _invoke(request, repo, settings, name, "system")


@router.get("/{resource_type}/${name}")
@router.post("/{resource_type}/${name}")
async def type_operation(
    request: Request, resource_type: str, name: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    return await _invoke(request, repo, settings, name, "type", resource_type)


@router.get("/{resource_type}/{id}/${name}")
@router.post("/{resource_type}/{id}/${name}")
async def instance_operation(
    request: Request, resource_type: str, id: str, name: str, repo: RepoDep, settings: SettingsDep
) -> Response:
    return await _invoke(request, repo, settings, name, "instance", resource_type, id)
