"""`/api/audit`: what the access watches flagged, for the data-protection officer.

`GET /api/audit/anomalies?days=30`: callers that opened records by claiming care faster
than their normal rate (`hoso.access.care_claims`), newest first, as JSON. The same list
is `hoso audit anomalies` at the server's command line.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.api.deps import RepoDep
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number

router = APIRouter(prefix="/api/audit")
_DAY_US = 86_400 * 1_000_000
MAX_DAYS = 366


@router.get("/anomalies")
async def list_anomalies(request: Request, repo: RepoDep) -> Response:
    raw = request.query_params.get("days", "30")
    days = whole_number(raw)
    if days is None or not 1 <= days <= MAX_DAYS:
        raise InvalidRequest(
            f"days phải từ 1 đến {MAX_DAYS} / days must be 1 to {MAX_DAYS}", expression=["days"]
        )
    since = clock.now_us() - days * _DAY_US
    rows = await run_in_threadpool(repo.anomalies, since)
    shown = [
        {**row, "detected": clock.local_display(clock.from_us(row["detected_us"])),
         "hour": clock.local_display(clock.from_us(row["hour_us"]))}
        for row in rows
    ]  # fmt: skip
    return Response(jsonx.dumps({"anomalies": shown}), media_type="application/json")
