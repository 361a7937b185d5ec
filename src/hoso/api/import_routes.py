"""Asynchronous bulk `$import`: kick-off (NDJSON body or Parameters with URLs), status,
cancel. Only facility systems and the operator (system-level scopes) may import; what
each line may write is decided line by line by the same policy as single writes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import FileResponse

from hoso.access.audit_record import SUCCESS
from hoso.access.bulk_import import BulkImportAccess
from hoso.access.principal import Principal
from hoso.api.body import read_json
from hoso.api.deps import JobRepoDep, PrincipalDep
from hoso.api.responses import base_url, fhir_response
from hoso.core import jsonx
from hoso.core.errors import (
    InvalidRequest,
    Issue,
    PayloadTooLarge,
    ResourceNotFound,
    operation_outcome,
)
from hoso.fhir.jobs import COMPLETED, FAILED, Job
from hoso.ingest.import_job import NDJSON_TYPES, ImportInput, parse_import_parameters
from hoso.ingest.import_runner import ImportRunner
from hoso.store.jobs import SqlJobs

router = APIRouter(prefix="/fhir")
_lock = threading.Lock()


def runner_for(app: FastAPI) -> ImportRunner:
    with _lock:
        runner = getattr(app.state, "import_runner", None)
        if runner is None:
            state = app.state
            jobs = SqlJobs(state.store.engine)
            runner = ImportRunner(jobs, Path(state.settings.bulk_dir), state.settings)
            state.import_runner = runner
        return runner


def get_import_access(repo: JobRepoDep) -> BulkImportAccess:
    """The caller's import side of the access layer (entries committed as they go)."""
    return BulkImportAccess(repo)


ImportAccessDep = Annotated[BulkImportAccess, Depends(get_import_access)]


@router.post("/$import")
async def kick_off(request: Request, access: ImportAccessDep) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise InvalidRequest(
            "Cần tiêu đề Prefer: respond-async / The Prefer: respond-async header is required",
            expression=["Prefer"],
        )
    access.check_importer()
    principal = access.principal
    runner = runner_for(request.app)
    settings = request.app.state.settings
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    url = str(request.url)
    job = runner.jobs.create("import", principal.owner, {"url": url})
    body_file: Path | None = None
    try:
        if media in NDJSON_TYPES:
            body_file = await _save_body(
                request, runner.files_of(job.id), settings.max_import_bytes
            )
            inputs = [ImportInput("body")]
        else:
            body = await read_json(request, settings)
            inputs = parse_import_parameters(body, settings.import_sources)
    except Exception:
        runner.jobs.cancel(job.id)
        raise
    auth = request.headers.get("authorization")
    headers = {"Authorization": auth} if auth and settings.import_forward_token else {}
    runner.start(access, {"url": url}, inputs, body_file=body_file, job=job,
                 base_url=base_url(request), fetch_headers=headers)  # fmt: skip
    location = f"{base_url(request)}/$import-status/{job.id}"
    outcome = operation_outcome(
        [Issue("information", "informational", f"Đã nhận / Accepted: {location}")]
    )
    return fhir_response(outcome, 202, headers={"Content-Location": location})


async def _save_body(request: Request, folder: Path, max_bytes: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "input-1.ndjson"
    size = 0
    with path.open("wb") as f:
        async for block in request.stream():
            size += len(block)
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"Tệp nạp vượt quá {max_bytes} byte / Import body exceeds {max_bytes} bytes"
                )
            f.write(block)
    if size == 0:
        raise InvalidRequest("Nội dung yêu cầu rỗng / Empty request body", code="structure")
    return path


def _own(request: Request, job_id: str, principal: Principal) -> Job:
    job = runner_for(request.app).jobs.get(job_id)
    if job is None or job.kind != "import" or job.owner != principal.owner:
        raise ResourceNotFound(f"Không tìm thấy việc {job_id} / Job {job_id} not found")
    return job


@router.get("/$import-status/{job_id}")
def status(request: Request, job_id: str, principal: PrincipalDep) -> Response:
    job = _own(request, job_id, principal)
    if job.status == COMPLETED:
        return Response(jsonx.dumps(job.manifest), 200, media_type="application/json")
    if job.status == FAILED:
        outcome = operation_outcome([Issue("error", "exception", job.error or "")])
        return fhir_response(outcome, 500)
    if job.status == "cancelled":
        raise ResourceNotFound(f"Việc {job_id} đã bị hủy / Job {job_id} was cancelled")
    headers = {"X-Progress": _ascii(job.progress or job.status), "Retry-After": "2"}
    return Response(status_code=202, headers=headers)


@router.delete("/$import-status/{job_id}")
def cancel(request: Request, job_id: str, principal: PrincipalDep) -> Response:
    job = _own(request, job_id, principal)
    runner_for(request.app).jobs.cancel(job.id)
    outcome = operation_outcome(
        [
            Issue(
                "information",
                "informational",
                "Đã hủy; các lô đã ghi được giữ lại, gửi lại để nạp tiếp / "
                "Cancelled; batches already written are kept, kick off again to resume",
            )
        ]
    )
    return fhir_response(outcome, 202)


@router.get("/$import-files/{job_id}/{file_name}")
def download(request: Request, job_id: str, file_name: str, access: ImportAccessDep
             ) -> Response:  # fmt: skip
    """The error report of a finished import (OperationOutcome per refused line)."""
    job = _own(request, job_id, access.principal)
    names = error_file_names(job) if job.status == COMPLETED else set()
    path = runner_for(request.app).files_of(job.id) / file_name
    if file_name not in names or not path.is_file():
        raise ResourceNotFound(f"Không tìm thấy tệp {file_name} / File {file_name} not found")
    access.note(SUCCESS, f"$import error file {job.id}/{file_name}", subtype="import-download")
    return FileResponse(path, media_type="application/fhir+ndjson")


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def error_file_names(job: Job) -> set[str]:
    """Files a finished import offers for download (its error report)."""
    errors: list[dict[str, Any]] = (job.manifest or {}).get("error", [])
    return {str(e.get("url", "")).rsplit("/", 1)[-1] for e in errors}
