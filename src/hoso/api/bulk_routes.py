"""FHIR Bulk Data `$export` (https://hl7.org/fhir/uv/bulkdata/export.html): kick-off at
system, Patient and Group level, status polling, cancellation and file download.

Kick-off needs `Prefer: respond-async` and answers 202 with `Content-Location:
<base>/$export-status/<job id>`. Status and files answer only to the principal (token
subject) that started the job, with 404 for anyone else, as for a missing job. The job
runs on the app's `BulkRunner` (hoso.bulk.runner); the decision, the visibility and the
audit are the access layer's (hoso.access.bulk_access).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.bulk_access import GROUP, PATIENT, SYSTEM, BulkExportAccess, ExportRequest
from hoso.api.body import read_json
from hoso.api.deps import JobRepoDep, PrincipalDep
from hoso.api.responses import base_url, fhir_response, search_handling
from hoso.bulk.request import parse_export
from hoso.bulk.runner import BulkRunner
from hoso.core import jsonx
from hoso.core.errors import InvalidRequest, Issue, ResourceNotFound, operation_outcome
from hoso.fhir.jobs import COMPLETED, FAILED, Job
from hoso.fhir.operations import OperationParams, collect_params
from hoso.store.jobs import SqlJobs

__all__ = ["router", "runner_for"]

log = logging.getLogger("hoso.bulk")
RETRY_AFTER_SECONDS = 2
NDJSON = "application/fhir+ndjson"
_FILE_NAME = re.compile(r"[A-Z][A-Za-z]{1,63}(-[0-9]{1,6})?\.ndjson")
_runner_lock = threading.Lock()


def runner_for(app: FastAPI) -> BulkRunner:
    """The app's runner, made on first use (a test may put its own on `app.state`)."""
    with _runner_lock:
        runner = getattr(app.state, "bulk_runner", None)
        if runner is None:
            state = app.state
            runner = BulkRunner(SqlJobs(state.store.engine), Path(state.settings.bulk_dir))
            state.bulk_runner = runner
        return runner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The export runner's life, inside the app's (`hoso.api.app.create_app`)."""
    runner = runner_for(app)
    try:
        await run_in_threadpool(runner.recover)  # jobs of a process that died
    except Exception as exc:  # an unreachable database must not stop the server starting
        log.error("bulk job recovery failed: %s", type(exc).__name__)
    yield
    await run_in_threadpool(runner.stop)


router = APIRouter(prefix="/fhir")


def get_bulk_access(repo: JobRepoDep) -> BulkExportAccess:
    """The caller's access layer for bulk work: audit entries are committed before each
    call returns (no receipts), since a job outlives its request."""
    return BulkExportAccess(repo)


BulkAccessDep = Annotated[BulkExportAccess, Depends(get_bulk_access)]


# -- kick-off -----------------------------------------------------------------------------
@router.get("/$export")
@router.post("/$export")
async def export_system(request: Request, access: BulkAccessDep) -> Response:
    return await _kick_off(request, access, SYSTEM)


@router.get("/Patient/$export")
@router.post("/Patient/$export")
async def export_patients(request: Request, access: BulkAccessDep) -> Response:
    return await _kick_off(request, access, PATIENT)


@router.get("/Group/{group_id}/$export")
@router.post("/Group/{group_id}/$export")
async def export_group(request: Request, group_id: str, access: BulkAccessDep) -> Response:
    return await _kick_off(request, access, GROUP, group_id)


async def _kick_off(
    request: Request, access: BulkExportAccess, level: str, group_id: str | None = None
) -> Response:
    body = None
    if request.method == "POST":
        body = await read_json(request, request.app.state.settings)
    base = base_url(request)

    def parse() -> ExportRequest:
        _require_async(request)
        params = collect_params(request.query_params.multi_items(), body)
        url = str(request.url) if body is None else _as_url(str(request.url), params)
        lenient = search_handling(request) is True
        return parse_export(level, url, params, group_id=group_id, lenient=lenient)

    entity = BulkExportAccess.entity(level, group_id)
    plan = await run_in_threadpool(access.plan, parse, entity)
    job = await run_in_threadpool(runner_for(request.app).start, access, plan, base)
    outcome = operation_outcome(
        [Issue("information", "informational", "Đã nhận yêu cầu xuất / Export accepted")]
    )
    return fhir_response(outcome, 202, {"Content-Location": f"{base}/$export-status/{job.id}"})


def _require_async(request: Request) -> None:
    prefer = request.headers.get("prefer", "")
    if "respond-async" not in [p.strip() for p in re.split(r"[,;]", prefer)]:
        raise InvalidRequest(
            "Xuất hàng loạt chạy bất đồng bộ: cần tiêu đề Prefer: respond-async / "
            "Bulk export runs asynchronously: the Prefer: respond-async header is required",
            expression=["Prefer"],
        )


def _as_url(url: str, params: OperationParams) -> str:
    """A POST kick-off as the equivalent GET URL (for the manifest and the audit)."""

    def text(value: Any) -> str:
        return value.get("reference", "") if isinstance(value, dict) else str(value)

    pairs = [(name, text(v)) for name, values in params.items() for v in values]
    return f"{url}?{urlencode(pairs)}" if pairs else url


# -- status, cancel, files ----------------------------------------------------------------
def _own_job(request: Request, job_id: str, owner: str) -> Job:
    runner = runner_for(request.app)
    runner.recover()
    job = runner.jobs.get(job_id)
    if job is None or job.owner != owner or job.kind != "export" or job.status == "cancelled":
        raise ResourceNotFound(
            f"Không tìm thấy yêu cầu xuất {job_id} / Export job {job_id} not found"
        )
    return job


@router.get("/$export-status/{job_id}")
def export_status(request: Request, job_id: str, principal: PrincipalDep) -> Response:
    job = _own_job(request, job_id, principal.owner)
    if job.status == COMPLETED:
        assert job.manifest is not None
        return Response(jsonx.dumps(job.manifest), 200, media_type="application/json")
    if job.status == FAILED:
        message = job.error or "Xuất dữ liệu thất bại / The export failed"
        return fhir_response(operation_outcome([Issue("error", "exception", message)]), 500)
    headers = {
        "X-Progress": _latin1(job.progress or job.status),
        "Retry-After": str(RETRY_AFTER_SECONDS),
    }
    return Response(status_code=202, headers=headers)


@router.delete("/$export-status/{job_id}")
def cancel_export(request: Request, job_id: str, access: BulkAccessDep) -> Response:
    job = _own_job(request, job_id, access.principal.owner)
    runner_for(request.app).cancel(job)
    access.cancelled(job.id)
    outcome = operation_outcome(
        [Issue("information", "informational", "Đã hủy yêu cầu xuất / Export cancelled")]
    )
    return fhir_response(outcome, 202)


@router.get("/bulk-files/{job_id}/{file_name}")
def download(request: Request, job_id: str, file_name: str, access: BulkAccessDep) -> Response:
    job = _own_job(request, job_id, access.principal.owner)
    url = f"{base_url(request)}/bulk-files/{job_id}/{file_name}"
    outputs = (job.manifest or {}).get("output", []) if job.status == COMPLETED else []
    names = {str(o.get("url", "")).rsplit("/", 1)[-1] for o in outputs}
    path = runner_for(request.app).files_of(job_id) / file_name
    if not _FILE_NAME.fullmatch(file_name) or file_name not in names or not path.is_file():
        raise ResourceNotFound(f"Không tìm thấy tệp {file_name} / File {file_name} not found")
    access.downloaded(url)
    return FileResponse(path, media_type=NDJSON)


def _latin1(text: str) -> str:
    """Header values are Latin-1 (the progress text is ASCII already)."""
    return text.encode("latin-1", "replace").decode("latin-1")
