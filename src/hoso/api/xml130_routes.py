"""`/api/xml130`: a facility's XML 130 / 4750 files, through the one intake.

- `POST /api/xml130` with the GIAMDINHHS file as the body (`application/xml`);
- `POST /api/xml130/checkin` with the XML0 check-in document.

The caller is a facility system (its bearer token names its facility: the file must be
that facility's) or the operator. Thin handlers: read the body within the limit, call
`hoso.ingest.xml130_intake.take_xml130` with the caller's repository, answer its JSON
(200 when every record was taken, 400 with what was refused and why).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access import claims as roles
from hoso.access.repository import AccessRepository
from hoso.api.body import check_media_type, read_body
from hoso.api.deps import RepoDep
from hoso.api.responses import base_url
from hoso.core.errors import Forbidden
from hoso.ingest.xml130_intake import take_xml130

router = APIRouter(prefix="/api/xml130")
XML_TYPES = {"application/xml", "text/xml"}
SENDERS = (roles.FACILITY_SYSTEM, roles.OPERATOR)


def sender_facility(repo: AccessRepository) -> str | None:
    """The facility the caller sends for (None: the operator, for any); others may not."""
    principal = repo.principal
    if principal.role not in SENDERS or (principal.role == roles.FACILITY_SYSTEM
                                         and not principal.facility):  # fmt: skip
        raise Forbidden(
            "Chỉ hệ thống của cơ sở khám chữa bệnh gửi hồ sơ XML 130 / Only a facility's "
            "system sends XML 130 files"
        )
    return principal.facility if principal.role == roles.FACILITY_SYSTEM else None


async def read_xml(request: Request, limit: int) -> bytes:
    check_media_type(request, XML_TYPES)
    return await read_body(request, limit)


async def _take(request: Request, repo: AccessRepository, *, checkin: bool) -> Response:
    facility = sender_facility(repo)
    settings = request.app.state.settings
    data = await read_xml(request, settings.max_body_bytes)  # 16 MiB: larger via the CLI
    answer = await run_in_threadpool(take_xml130, repo, data, settings=settings,
                                     base_url=base_url(request), facility=facility,
                                     checkin=checkin)  # fmt: skip
    return JSONResponse(answer.to_json(), 200 if answer.accepted else 400)


@router.post("")
async def xml130_file(request: Request, repo: RepoDep) -> Response:
    return await _take(request, repo, checkin=False)


@router.post("/checkin")
async def xml130_checkin(request: Request, repo: RepoDep) -> Response:
    return await _take(request, repo, checkin=True)
