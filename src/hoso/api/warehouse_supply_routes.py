"""`/api/warehouse/supply`: group 2 of the warehouse (issue 20 point 4) — workforce,
equipment, drug supply. Thin: the files are read and checked by
`hoso.warehouse.supply`, who may do what is decided and audited by
`hoso.access.warehouse_supply`.

- `GET /api/warehouse/supply/{workforce|equipment|stock}`: the tables as JSON;
  `GET /api/warehouse/supply/{…}.csv?table=…`: one table as CSV (UTF-8 with BOM, so a
  spreadsheet reads the Vietnamese);
- `POST /api/warehouse/supply/facilities/{facility}/{workforce|devices|stock}`: a CSV
  (`text/csv`) or .xlsx body (403 for another facility before the body is read; 400
  naming the line of a bad row, nothing written);
- `POST …/facilities/{facility}/adjustments` (JSON `drug`, `quantity`, `reason`, `lot`)
  and `POST …/facilities/{facility}/dispensing` (sync the ledger with the facility's
  MedicationDispenses).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_supply import SupplyAccess
from hoso.api.body import check_media_type, read_body, read_json
from hoso.api.deps import RepoDep
from hoso.assembly import supply_access
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.publichealth.case_detection import ward_of
from hoso.store.publichealth_series import SqlSurveillance
from hoso.store.sql_store import SqlStore
from hoso.warehouse.supply import service
from hoso.warehouse.supply.reports import (
    equipment_report,
    stock_report,
    table_csv,
    workforce_report,
)
from hoso.warehouse.supply.tabular import MAX_BYTES

router = APIRouter(prefix="/api/warehouse/supply")

NO_STORE = {"Cache-Control": "no-store"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOADS = {"text/csv", "application/csv", "text/plain", XLSX}
_FACILITY = re.compile(r"[0-9A-Za-z]{1,16}")
TABLES = {"workforce": ("facilities", "wards"), "equipment": ("wards", "usage"),
          "stock": ("on_hand", "stock_outs", "expiring")}  # fmt: skip


def supply_door(store: SqlStore, repo: AccessRepository) -> SupplyAccess:
    """The caller's door onto group 2 (`hoso.assembly.supply_access`, as the command
    line builds it)."""
    return supply_access(store, repo)


def population(store: SqlStore) -> dict[str, int]:
    """Residents per ward on file this year (the surveillance's ph_population)."""
    return SqlSurveillance(store.engine).population(clock.today_vn().year)


def report(kind: str, store: SqlStore, repo: AccessRepository, *, usage: bool = True
           ) -> dict[str, Any]:  # fmt: skip
    door = supply_door(store, repo)
    if kind == "workforce":
        return workforce_report(door, ward_of, population(store))
    if kind == "equipment":
        return equipment_report(door, ward_of, clock.today_vn(), usage=usage)
    return stock_report(door, clock.today_vn())


def json_response(data: Any, status: int = 200) -> Response:
    return Response(jsonx.dumps(data), status_code=status, media_type="application/json",
                    headers=NO_STORE)  # fmt: skip


def csv_download(rows: list[dict[str, Any]], name: str) -> Response:
    disposition = f'attachment; filename="{name}.csv"'  # name: from TABLES, never the query
    return Response(("\ufeff" + table_csv(rows)).encode("utf-8"),
                    media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": disposition})  # fmt: skip


def _kind(kind: str) -> str:
    if kind not in TABLES:
        raise ResourceNotFound(f"Không có bảng {kind[:32]} / no table {kind[:32]}")
    return kind


def _facility(facility: str) -> str:
    if not _FACILITY.fullmatch(facility):
        raise InvalidRequest("Mã CSKCB không hợp lệ / invalid facility code",
                             expression=["facility"])  # fmt: skip
    return facility


@router.get("/{kind}.csv")
def table_download(kind: str, request: Request, repo: RepoDep) -> Response:
    table = request.query_params.get("table") or TABLES[_kind(kind)][0]
    if table not in TABLES[kind]:
        raise InvalidRequest(f"table: {' | '.join(TABLES[kind])}", expression=["table"])
    found = report(kind, request.app.state.store, repo, usage=table == "usage")
    return csv_download(found[table], f"{kind}-{table}")


@router.get("/{kind}")
def tables(kind: str, request: Request, repo: RepoDep) -> Response:
    return json_response(report(_kind(kind), request.app.state.store, repo))


@router.post("/facilities/{facility}/adjustments")
async def adjust(facility: str, request: Request, repo: RepoDep) -> Response:
    door = supply_door(request.app.state.store, repo)
    await run_in_threadpool(door.check_writer, _facility(facility))
    body = await read_json(request, request.app.state.settings, max_bytes=4096)
    if not isinstance(body, dict):
        raise InvalidRequest("Cần một đối tượng JSON / a JSON object is required")
    try:
        quantity = Decimal(str(body.get("quantity")))
    except InvalidOperation:
        raise InvalidRequest("quantity: số / a number", expression=["quantity"]) from None
    drug, reason, lot = (str(body.get(k) or "")[:256] for k in ("drug", "reason", "lot"))
    counts = await run_in_threadpool(service.adjust, door, facility, drug, quantity, reason,
                                     clock.today_vn(), lot[:64])  # fmt: skip
    return json_response(counts, 201)


@router.post("/facilities/{facility}/dispensing")
def sync_dispensing(facility: str, request: Request, repo: RepoDep) -> Response:
    door = supply_door(request.app.state.store, repo)
    return json_response(service.sync_dispensing(door, _facility(facility)))


IMPORTS = {"workforce": service.import_workforce, "devices": service.import_devices}


@router.post("/facilities/{facility}/{kind}")
async def import_file(facility: str, kind: str, request: Request, repo: RepoDep) -> Response:
    if kind not in (*IMPORTS, "stock"):
        raise ResourceNotFound(f"Không có loại nhập {kind[:32]} / no import {kind[:32]}")
    door = supply_door(request.app.state.store, repo)
    await run_in_threadpool(door.check_writer, _facility(facility))  # 403 before the body
    check_media_type(request, UPLOADS)
    data = await read_body(request, MAX_BYTES)
    if kind == "stock":
        counts = await run_in_threadpool(service.import_stock, door, data, facility,
                                         clock.today_vn())  # fmt: skip
    else:
        counts = await run_in_threadpool(IMPORTS[kind], door, data, facility)
    return json_response(counts, 200)
