"""`/api/programmes/reports`: a programme's monthly report per ward or for the city
(issue 19 point 7), the same builder as `hoso programmes report`.

- `GET /api/programmes/reports/{programme}?month=YYYY-MM&ward=CODE` → the FHIR
  `MeasureReport` (application/fhir+json);
- `GET /api/programmes/reports/{programme}.xlsx?month=…&ward=…` → the ward's
  spreadsheet (`programme` "all": one sheet per programme).
The access layer (`hoso.access.programme_reports`) decides who reads which ward and
audits; `hoso.programmes.reports` computes and shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from hoso.access.programme_reports import ProgrammeReports
from hoso.access.repository import AccessRepository
from hoso.api.deps import RepoDep
from hoso.api.programme_cohort_routes import filters_of
from hoso.api.publichealth_tracing_routes import facades_of
from hoso.core import clock
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.programmes import registry
from hoso.programmes.framework import Programme
from hoso.programmes.reports import (
    MonthlyReport,
    ReportRow,
    WardPopulation,
    measure_report,
    monthly_report,
    report_workbook,
)
from hoso.programmes.reports.monthly import month_of
from hoso.publichealth.wards import ward_name
from hoso.store.programme_rows import SqlProgrammeRows
from hoso.store.publichealth_series import SqlSurveillance

router = APIRouter(prefix="/api/programmes/reports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CODE = re.compile(r"[a-z][a-z0-9-]{1,62}")


def programmes_named(code: str, known: Sequence[Programme] | None = None) -> list[Programme]:
    """The programme `code` ("all": every one), or 404."""
    every = list(registry.PROGRAMMES if known is None else known)
    if code == "all":
        return every
    found = [p for p in every if p.code == code] if _CODE.fullmatch(code) else []
    if not found:
        raise ResourceNotFound(f"Không có chương trình {code[:64]} / no programme {code[:64]}")
    return found


def build_reports(state: Any, repo: AccessRepository, programmes: Sequence[Programme],
                  month: str, ward: str | None) -> list[MonthlyReport]:  # fmt: skip
    """Each programme's report, read through the access layer as `repo`'s caller."""
    month_of(month)  # 400 naming `month` before anything is read
    stations = facades_of(state)[0].stations
    access = ProgrammeReports(repo, SqlProgrammeRows(state.store.engine), stations.wards_of,
                              SqlSurveillance(state.store.engine).population)  # fmt: skip
    found = []
    for programme in programmes:
        rows, people = access.rows_for(programme.code, month, ward)
        found.append(monthly_report(programme, month, [ReportRow(*r) for r in rows],
                                    WardPopulation(people), ward))  # fmt: skip
    return found


def station_of(ward: str | None) -> str:
    if ward is None:
        return "Sở Y tế TP. Hồ Chí Minh / HCMC Department of Health"
    return f"Trạm y tế {ward_name(ward)} / {ward_name(ward)} health station"


def workbook_of(reports: Sequence[MonthlyReport], ward: str | None) -> bytes:
    name = ward_name(ward) if ward else "TP. Hồ Chí Minh / Ho Chi Minh City"
    return report_workbook(reports, ward_name=name, station=station_of(ward),
                           prepared=clock.today_vn())  # fmt: skip


def _query(request: Request) -> tuple[str, str | None]:
    month = request.query_params.get("month")
    if not month:
        raise InvalidRequest("month: bắt buộc (YYYY-MM) / required (YYYY-MM)",
                             expression=["month"])  # fmt: skip
    return month, filters_of(request).get("ward")


@router.get("/{programme}.xlsx")
def report_xlsx(programme: str, request: Request, repo: RepoDep) -> Response:
    month, ward = _query(request)
    reports = build_reports(request.app.state, repo, programmes_named(programme), month, ward)
    name = f"bao-cao-{programme}-{month}{'-' + ward if ward else ''}.xlsx"
    return Response(workbook_of(reports, ward), media_type=XLSX,
                    headers={"Cache-Control": "no-store",
                             "Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/{programme}")
def report_fhir(programme: str, request: Request, repo: RepoDep) -> Response:
    month, ward = _query(request)
    chosen = programmes_named(programme)
    if len(chosen) != 1:
        raise InvalidRequest("programme: một chương trình cho MeasureReport / one programme "
                             "for a MeasureReport", expression=["programme"])  # fmt: skip
    (report,) = build_reports(request.app.state, repo, chosen, month, ward)
    body = measure_report(report, ward_name=ward_name(ward) if ward else None)
    return JSONResponse(body, media_type="application/fhir+json",
                        headers={"Cache-Control": "no-store"})  # fmt: skip
