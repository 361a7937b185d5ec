"""The surveillance dashboard (issue 18 point 7): per disease, the epidemic curve by
onset and by report date, the ward map (a tile grid: no public geometry of the 2025
wards can be packaged offline), the district-level table, R_t and the open alarms.

- JSON: `GET /api/publichealth/surveillance` (the enabled diseases),
  `GET /api/publichealth/surveillance/{disease}?interval=week|day&from=&to=&basis=
  onset|report&classification=suspected,probable,confirmed&level=city|district|ward
  &area=` — everything the page shows; `GET /api/publichealth/surveillance/{disease}/
  series?level=ward|district|city&interval=&basis=&from=&to=&classification=` — every
  area's counts per day or ISO week.
- Page: `GET /publichealth/` (the first enabled disease) and
  `GET /publichealth/diseases/{disease}` with the same parameters.

Aggregates only; who sees what is `hoso.access.publichealth_surveillance`. Thin: the
numbers are `hoso.publichealth.series`.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.publichealth_surveillance import SurveillanceGate, SurveillanceViewer
from hoso.access.repository import AccessRepository
from hoso.api.deps import RepoDep
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.api.publichealth_charts import curve_bars, rt_lines
from hoso.core import clock
from hoso.core.errors import ResourceNotFound
from hoso.core.vi_format import HCMC
from hoso.publichealth.disease_rules import DiseaseCatalogue, DiseaseRule, stored_rules
from hoso.publichealth.series.counts import CLASSIFICATIONS, SUPPRESS_BELOW
from hoso.publichealth.series.districts import CITY, district_of, districts, place_of
from hoso.publichealth.series.query import DashboardQuery, parse_query
from hoso.publichealth.series.rt_view import epiestim_estimator, rt_for_area
from hoso.publichealth.series.views import (
    RATE_BREAKS,
    Viewer,
    area_series,
    district_table,
    epidemic_curve,
    known_area,
    ward_map,
)
from hoso.store.publichealth_cases import SqlCaseRegistry
from hoso.store.publichealth_series import SqlSurveillance

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}


def install(app: FastAPI) -> None:
    """The surveillance rows, gate, catalogue (the disease definitions in force: not
    personal data, read from their table) and R_t estimator (EpiEstim's method) on
    `app.state`."""
    state = app.state
    rows = SqlSurveillance(state.store.engine)
    state.ph_series_rows = rows
    state.ph_gate = SurveillanceGate(rows)
    definitions = SqlCaseRegistry(state.store.engine)
    parsed: dict[tuple[int, int], DiseaseCatalogue] = {}

    def current_rules() -> DiseaseCatalogue:
        """The rules parsed once per set of definitions (the stamp changes whenever one
        is added), not on every page."""
        stamp = definitions.max_definition_version()
        if stamp not in parsed:
            parsed.clear()
            parsed[stamp] = stored_rules(d.content for d in definitions.definitions())
        return parsed[stamp]

    state.ph_catalogue = current_rules
    state.ph_rt_estimator = epiestim_estimator


def catalogue_of(request: Request) -> DiseaseCatalogue:
    return request.app.state.ph_catalogue()  # type: ignore[no-any-return]


def today() -> Any:
    return clock.now().astimezone(HCMC).date()


def _rule(catalogue: DiseaseCatalogue, disease: str) -> DiseaseRule:
    rule = catalogue.rule(disease) if len(disease) <= 64 else None
    if rule is None:
        raise ResourceNotFound("Không có bệnh này hoặc chưa bật giám sát / No such disease, "
                               "or its surveillance is not enabled")  # fmt: skip
    return rule


def _rt(request: Request, rule: DiseaseRule, query: DashboardQuery) -> dict[str, Any]:
    estimator = request.app.state.ph_rt_estimator
    if estimator is None or rule.serial_interval is None:
        return {"available": False}
    if query.level == "city":
        level, area = "city", CITY
    else:  # a ward's R_t is its district-level group's: a ward's cases are too few
        level = "district"
        area = query.area if query.level == "district" else district_of(query.area)
    found = rt_for_area(request.app.state.ph_series_rows, estimator, disease=rule.code,
                        si=rule.serial_interval, level=level, area=area or CITY,
                        last=query.last)  # fmt: skip
    return {"available": True, **found}


def _area_name(query: DashboardQuery) -> str:
    place = place_of(query.area) if query.level == "ward" else None
    return place.name if place else query.area


def dashboard(request: Request, repo: AccessRepository, disease: str,
              params: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Everything the page shows of `disease`, decided and audited by the gate."""
    catalogue = catalogue_of(request)
    rows, gate = request.app.state.ph_series_rows, request.app.state.ph_gate

    def build(who: SurveillanceViewer) -> dict[str, Any]:
        rule = _rule(catalogue, disease)
        query = parse_query(params, today())
        if not known_area(query.level, query.area):
            raise ResourceNotFound("Không có khu vực này / No such area")
        viewer = Viewer(who.agent, who.exact_wards)
        common = {"disease": rule.code, "first": query.first, "last": query.last,
                  "kinds": query.kinds}  # fmt: skip
        named = {"code": rule.code, "name_vi": rule.name_vi, "name_en": rule.name_en}
        return {"disease": named,
                "query": {"from": query.first.isoformat(), "to": query.last.isoformat(),
                          "interval": query.interval, "basis": query.basis,
                          "classification": list(query.kinds), "level": query.level,
                          "area": query.area, "area_name": _area_name(query)},
                "suppressed_below": SUPPRESS_BELOW if who.exact_wards is not None else None,
                "curve": epidemic_curve(rows, viewer, interval=query.interval,
                                        level=query.level, area=query.area, **common),
                "map": ward_map(rows, viewer, basis=query.basis, **common),
                "districts": district_table(rows, basis=query.basis, **common),
                "rt": _rt(request, rule, query),
                "open_signals": len(rows.signals(status="open", disease=rule.code,
                                                 limit=1000))}  # fmt: skip

    return gate.read(repo, "surveillance-dashboard", f"surveillance/{disease[:64]}", build,
                     query=str(request.url.query)[:500] or None)  # fmt: skip


def diseases(request: Request, repo: AccessRepository) -> list[dict[str, str]]:
    """The enabled diseases, those with the most cases reported in the last 4 weeks first
    (the dashboard opens on the first): what is happening now before the alphabet."""
    catalogue = catalogue_of(request)
    rows = request.app.state.ph_series_rows

    def build(_: SurveillanceViewer) -> list[dict[str, str]]:
        last = today()
        recent: Counter[str] = Counter()
        for disease, _ward, _week, n in rows.counts(
                basis="report", interval="week", first=(last - timedelta(days=27)).isoformat(),
                last=last.isoformat(), classifications=CLASSIFICATIONS):  # fmt: skip
            recent[disease] += n
        ordered = sorted(catalogue.enabled(), key=lambda r: (-recent[r.code], r.name_vi))
        return [{"code": r.code, "name_vi": r.name_vi, "name_en": r.name_en}
                for r in ordered]  # fmt: skip

    gate: SurveillanceGate = request.app.state.ph_gate
    return gate.read(repo, "surveillance-diseases", "surveillance", build)


def series(request: Request, repo: AccessRepository, disease: str,
           params: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    """Counts per area × day or ISO week at one level, audited like the dashboard."""
    catalogue = catalogue_of(request)
    rows, gate = request.app.state.ph_series_rows, request.app.state.ph_gate

    def build(who: SurveillanceViewer) -> dict[str, Any]:
        rule = _rule(catalogue, disease)
        query = parse_query(params, today())
        return area_series(rows, Viewer(who.agent, who.exact_wards), disease=rule.code,
                           interval=query.interval, first=query.first, last=query.last,
                           kinds=query.kinds, basis=query.basis, level=query.level)  # fmt: skip

    found: dict[str, Any] = gate.read(repo, "surveillance-series",
                                      f"surveillance/{disease[:64]}", build,
                                      query=str(request.url.query)[:500] or None)  # fmt: skip
    return found


# -- JSON ---------------------------------------------------------------------------------
@router.get("/api/publichealth/surveillance")
def list_diseases(request: Request, repo: RepoDep) -> Response:
    """Các bệnh đang giám sát / The diseases under surveillance."""
    return JSONResponse({"diseases": diseases(request, repo)}, headers=NO_STORE)


@router.get("/api/publichealth/surveillance/{disease}/series")
def disease_series(disease: str, request: Request, repo: RepoDep) -> Response:
    """Số ca theo khu vực × ngày/tuần / Counts per area × day or ISO week
    (`level=ward|district|city`, `basis=onset|report`, `interval`, `from`, `to`,
    `classification`)."""
    return JSONResponse(series(request, repo, disease, dict(request.query_params)),
                        headers=NO_STORE)  # fmt: skip


@router.get("/api/publichealth/surveillance/{disease}")
def disease_dashboard(disease: str, request: Request, repo: RepoDep) -> Response:
    """Đường cong dịch, bản đồ, bảng theo quận cũ, R_t / Curve, map, districts, R_t."""
    return JSONResponse(dashboard(request, repo, disease, dict(request.query_params)),
                        headers=NO_STORE)  # fmt: skip


# -- pages --------------------------------------------------------------------------------
def _page(request: Request, caller: Any, disease: str | None) -> HTMLResponse:
    listed = diseases(request, caller.repo)
    if disease is None:
        if not listed:
            return render_page(request, "publichealth_dashboard.html", lang=caller.lang,
                               who=caller.who(), diseases=[], data=None)  # fmt: skip
        disease = listed[0]["code"]
    data = dashboard(request, caller.repo, disease, dict(request.query_params))
    curve = data["curve"]
    return render_page(
        request, "publichealth_dashboard.html", lang=caller.lang, who=caller.who(),
        diseases=listed, data=data, bars=curve_bars(curve["labels"], curve["onset"],
                                                    curve["report"]),
        rt=rt_lines(data["rt"].get("windows", [])) if data["rt"]["available"] else None,
        breaks=RATE_BREAKS, classifications=CLASSIFICATIONS, groups=districts())  # fmt: skip


# The request guard strips a trailing slash: "/publichealth/" arrives here.
@router.get("/publichealth", include_in_schema=False)
def dashboard_home(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Bảng giám sát dịch / The surveillance dashboard (the first disease)."""
    return _page(request, caller, None)


@router.get("/publichealth/diseases/{disease}", include_in_schema=False)
async def dashboard_page(disease: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    return await run_in_threadpool(_page, request, caller, disease)
