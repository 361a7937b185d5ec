"""The warehouse's pages (issue 20 point 7), for public-health officers:

- `GET /warehouse/`: the three groups (residents' health here; workforce, equipment and
  drug supply at `/warehouse/supply/`; licences at `/warehouse/licences/`);
- `GET /warehouse/health/?indicator=&period=`: disease patterns by ward as a tile grid
  (one tile per ward, coloured by the indicator's value, legend, the numbers written in
  each tile and in a table), the top diagnoses, one bar chart per group-1 indicator;
- each chart's and table's data as CSV, the very rows drawn:
  `/warehouse/health/map.csv`, `/warehouse/health/top.csv`,
  `/warehouse/health/indicators/{code}.csv` (same `indicator`/`period`).

Officers and the operator only (`hoso.access.warehouse_reports`), each page and download
audited; the numbers are `hoso.api.warehouse_health`'s rows over the app's
`warehouse_source`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.api.warehouse_charts import bars, shown_number, tile_classes
from hoso.api.warehouse_health import (
    ChartRow,
    bar_rows,
    csv_of,
    group1,
    latest_period,
    map_indicator,
    top_diagnoses,
    ward_rows,
)
from hoso.api.warehouse_routes import GATE, definition_of, period_param, source_of
from hoso.core.errors import ResourceNotFound
from hoso.warehouse.indicators.model import CITY, WARD, IndicatorDef
from hoso.warehouse.indicators.source import IndicatorSource

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}
GROUPS = (("/warehouse/health/", "Sức khỏe người dân và mô hình bệnh tật",
           "Residents' health and disease patterns"),
          ("/warehouse/supply/", "Nhân lực, trang thiết bị và cung ứng thuốc",
           "Workforce, equipment and drug supply"),
          ("/warehouse/licences/", "Chứng chỉ hành nghề và giấy phép hoạt động",
           "Practising certificates and operating licences"))  # fmt: skip


DIMENSIONS = {"icd10-chapter": ("chương ICD-10", "ICD-10 chapter"),
              "icd10-group": ("nhóm ICD-10", "ICD-10 group"), "icd10": ("mã ICD-10", "ICD-10 code"),
              "age-band": ("nhóm tuổi", "age band"), "sex": ("giới tính", "sex")}  # fmt: skip


def _chosen(request: Request, source: IndicatorSource) -> tuple[IndicatorDef | None, str | None]:
    """The map's indicator and the period (asked for, else the latest month there is)."""
    defs = group1(source)
    asked = request.query_params.get("indicator") or None
    d = map_indicator(defs, asked[:64] if asked else None)
    if asked and d is None:
        raise ResourceNotFound(f"Không có chỉ số {asked[:64]} / no indicator {asked[:64]}")
    period = period_param(request)
    if period is None and d is not None:
        period = latest_period(source, d, WARD) or latest_period(source, d, CITY)
    return d, period


def health_data(request: Request, caller: PageCaller) -> dict[str, Any]:
    source = source_of(request)

    def build() -> dict[str, Any]:
        d, period = _chosen(request, source)
        if d is None or period is None:
            return {"indicator": d, "period": period, "defs": group1(source)}
        tiles = ward_rows(source, d, period)
        classes, legend = tile_classes([t.value for t in tiles])
        top_def, top = top_diagnoses(source, period)
        charts = []
        for x in group1(source):
            rows = bar_rows(source, x, period)
            charts.append({"d": x, "rows": rows, "bars": bars(rows)})
        periods = sorted({v.period for v in source.values(d.code, org_kind=WARD)}, reverse=True)
        return {"indicator": d, "period": period, "defs": group1(source),
                "periods": periods or [period],
                "tiles": list(zip(tiles, classes, strict=True)), "legend": legend,
                "with_value": sum(1 for t in tiles if t.value is not None),
                "top_def": top_def, "top": top, "top_bars": bars(top), "charts": charts}

    return GATE.read(caller.repo, "warehouse-page", "warehouse/health", build,
                     query=str(request.url.query))  # fmt: skip


@router.get("/warehouse", include_in_schema=False)
def warehouse_home(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Kho dữ liệu y tế / The health data warehouse: its three groups."""
    GATE.read(caller.repo, "warehouse-page", "warehouse", lambda: None)
    return render_page(request, "warehouse_home.html", lang=caller.lang, who=caller.who(),
                       groups=GROUPS)  # fmt: skip


@router.get("/warehouse/health", include_in_schema=False)
async def health_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Sức khỏe người dân / Residents' health: the ward map, top diagnoses, charts."""
    data = await run_in_threadpool(health_data, request, caller)
    return render_page(request, "warehouse_health.html", lang=caller.lang, who=caller.who(),
                       data=data, shown=shown_number,
                       dimension=lambda dim: DIMENSIONS.get(dim, (dim, dim))[caller.lang == "en"],
                       query=str(request.url.query))  # fmt: skip


def _csv(name: str, text: str) -> Response:
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",  # BOM: Excel
                    headers={**NO_STORE,
                             "Content-Disposition": f'attachment; filename="{name}"'})


def _download(request: Request, caller: PageCaller, what: str,
              rows_of: Any) -> tuple[IndicatorDef | None, list[ChartRow], str]:  # fmt: skip
    source = source_of(request)

    def build() -> tuple[IndicatorDef | None, list[ChartRow], str]:
        d, period = _chosen(request, source)
        if period is None:
            return d, [], ""
        found_def, rows = rows_of(source, d, period)
        return found_def, rows, period

    return GATE.read(caller.repo, "warehouse-csv", f"warehouse/health/{what}", build,
                     query=str(request.url.query))  # fmt: skip


@router.get("/warehouse/health/map.csv", include_in_schema=False)
def map_csv(request: Request, caller: PageCallerDep) -> Response:
    d, rows, period = _download(request, caller, "map", lambda s, d, p: (
        d, ward_rows(s, d, p) if d is not None else []))
    return _csv(f"ban-do-{d.code if d else 'trong'}-{period}.csv", csv_of(rows, d))


@router.get("/warehouse/health/top.csv", include_in_schema=False)
def top_csv(request: Request, caller: PageCallerDep) -> Response:
    d, rows, period = _download(request, caller, "top", lambda s, _d, p: top_diagnoses(s, p))
    return _csv(f"chan-doan-thuong-gap-{period}.csv", csv_of(rows, d))


@router.get("/warehouse/health/indicators/{code}.csv", include_in_schema=False)
def chart_csv(code: str, request: Request, caller: PageCallerDep) -> Response:
    def rows_of(source: IndicatorSource, _d: Any, period: str) -> Any:
        chart = definition_of(source, code)
        return chart, bar_rows(source, chart, period)

    d, rows, period = _download(request, caller, f"indicator/{code[:64]}", rows_of)
    return _csv(f"{code[:64]}-{period}.csv", csv_of(rows, d))
