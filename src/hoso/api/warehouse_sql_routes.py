"""`POST /api/warehouse/sql`: officers' read-only SQL over the de-identified warehouse
(issue 20 point 2). Body `{"sql": "SELECT …", "limit": 1000}`; answer `{"columns": [...],
"rows": [[...]], "truncated": bool, "seconds": s}`, or `?format=csv`. At most
`MAX_LIMIT` rows and `TIMEOUT` seconds a query; the rules are `hoso.warehouse.query`,
the decision and the audit `hoso.access.warehouse_queries`.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_queries import WarehouseQueries
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.core.errors import InvalidRequest
from hoso.warehouse.query import MAX_SQL, snapshot_query

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}
MAX_LIMIT, TIMEOUT = 10_000, 30.0


def _limit(body: dict[str, Any]) -> int:
    value = body.get("limit", 1000)
    if type(value) is not int or not 1 <= value <= MAX_LIMIT:
        raise InvalidRequest(f"limit: 1–{MAX_LIMIT}")
    return value


def run(request: Request, repo: AccessRepository, body: dict[str, Any]) -> Any:
    sql = body.get("sql")
    if not isinstance(sql, str):
        raise InvalidRequest("Thiếu câu truy vấn (sql) / The body needs \"sql\" (a string)")
    settings = request.app.state.settings
    execute = snapshot_query(settings.warehouse_dir, limit=_limit(body), timeout=TIMEOUT)
    return WarehouseQueries(repo, execute).run(sql)


@router.post("/api/warehouse/sql")
async def warehouse_sql(request: Request, repo: RepoDep) -> Response:
    """Một câu SELECT trên kho dữ liệu khử định danh / One SELECT over the warehouse."""
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_SQL * 4 + 1024)
    if not isinstance(body, dict):
        raise InvalidRequest("Thân yêu cầu phải là một đối tượng JSON / A JSON object")
    result = await run_in_threadpool(run, request, repo, body)
    if request.query_params.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=NO_STORE)
    rows = [[_plain(v) for v in row] for row in result.rows]
    return JSONResponse({"columns": result.columns, "rows": rows, "truncated": result.truncated,
                         "seconds": round(result.seconds, 3)}, headers=NO_STORE)  # fmt: skip


def _plain(value: Any) -> Any:
    """JSON has no dates, decimals, blobs or infinities: their text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return str(value)
