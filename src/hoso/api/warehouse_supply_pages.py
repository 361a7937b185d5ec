"""`/warehouse/supply/`: group 2 of the warehouse as a page (issue 20 point 7) — staff
per ward and per 10,000 residents, equipment per ward, stock-outs and lots expiring
in 90 days, each table with its CSV link (`/api/warehouse/supply/…csv`). The same
numbers as the API, for the same caller: facility staff see their facility's, officers
and the operator the city's, anyone else the 403 page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.api.warehouse_supply_routes import report
from hoso.publichealth.wards import ward_name
from hoso.warehouse.supply.workforce import PROFESSIONS

router = APIRouter()


def _ward_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per ward: the professions side by side (headcount, per 10,000)."""
    wards: dict[str, dict[str, Any]] = defaultdict(lambda: {"professions": {}})
    for row in rows:
        ward = wards[row["ward"]]
        ward.update(ward=row["ward"], name=ward_name(row["ward"]) if row["ward"] != "?" else "—",
                    residents=row["residents"])  # fmt: skip
        ward["professions"][row["profession"]] = row
    return [wards[w] for w in sorted(wards)]


@router.get("/warehouse/supply", response_class=HTMLResponse, include_in_schema=False)
async def supply_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Nguồn lực y tế / Health resources."""
    store = request.app.state.store
    workforce = await run_in_threadpool(report, "workforce", store, caller.repo)
    # Without the services per month: they read every Procedure; their CSV link has them.
    equipment = await run_in_threadpool(lambda: report("equipment", store, caller.repo,
                                                       usage=False))  # fmt: skip
    stock = await run_in_threadpool(report, "stock", store, caller.repo)
    shown = [p for p in PROFESSIONS if any(r["profession"] == p for r in workforce["wards"])]
    return render_page(request, "warehouse_supply.html", lang=caller.lang, who=caller.who(),
                       professions=[(p, PROFESSIONS[p]) for p in shown],
                       wards=_ward_rows(workforce["wards"]), equipment=equipment,
                       stock=stock, ward_name=ward_name)  # fmt: skip
