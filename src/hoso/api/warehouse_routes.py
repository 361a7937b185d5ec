"""`/api/warehouse`: the warehouse's indicators for systems and analysts (issue 20
point 6).

- `GET /api/warehouse/indicators` → the definitions;
- `GET /api/warehouse/indicators/{code}?period=YYYY-MM|YYYY&org=ward|facility|city` →
  its values (every period when `period` is left out);
- `GET /api/warehouse/indicators/{code}/$report?period=&org=` → its `MeasureReport`s,
  one per organisation unit × period, in a searchset Bundle with the `Measure`;
- `GET /api/warehouse/dhis2?period=…&format=json|csv|report` → the DHIS2 aggregate
  export of every indicator (`report`: the values the mapping could not place).

Officers and the operator only, each read audited (`hoso.access.warehouse_reports`).
Where the values come from is `app.state.warehouse_source` (an `IndicatorSource`, wired
by whoever builds the app; none: nothing to show), the DHIS2 mapping
`app.state.warehouse_dhis2_mapping` (none: the packaged one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_reports import WarehouseGate
from hoso.api.deps import RepoDep
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.publichealth.series.districts import place_of
from hoso.warehouse.exchange.dhis2 import Dhis2Export, dhis2_export
from hoso.warehouse.exchange.dhis2_mapping import Dhis2Mapping, packaged_mapping
from hoso.warehouse.exchange.measures import measure, measure_reports
from hoso.warehouse.exchange.periods import checked_period
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD, IndicatorDef, IndicatorValue
from hoso.warehouse.indicators.source import EMPTY, IndicatorSource

router = APIRouter(prefix="/api/warehouse")
NO_STORE = {"Cache-Control": "no-store"}
ORG_KINDS = (WARD, FACILITY, CITY)
MAX_VALUES = 50_000  # one answer; more: choose a period
_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
GATE = WarehouseGate()


def source_of(request: Request) -> IndicatorSource:
    found = getattr(request.app.state, "warehouse_source", None)
    return found if found is not None else EMPTY


def mapping_of(request: Request) -> Dhis2Mapping:
    found = getattr(request.app.state, "warehouse_dhis2_mapping", None)
    return found if found is not None else packaged_mapping()


def period_param(request: Request, *, required: bool = False) -> str | None:
    return checked_period_text(request.query_params.get("period"), required=required)


def checked_period_text(period: str | None, *, required: bool = False) -> str | None:
    if not period:
        if required:
            raise InvalidRequest("period: bắt buộc (YYYY-MM hoặc YYYY) / required (YYYY-MM or "
                                 "YYYY)", expression=["period"])  # fmt: skip
        return None
    return checked_period(period[:16])


def org_param(request: Request) -> str:
    return checked_org(request.query_params.get("org"))


def checked_org(org: str | None) -> str:
    org = org or WARD
    if org not in ORG_KINDS:
        raise InvalidRequest("org: ward, facility hoặc city / ward, facility or city",
                             expression=["org"])  # fmt: skip
    return org


def definition_of(source: IndicatorSource, code: str) -> IndicatorDef:
    found = [d for d in source.definitions() if d.code == code] if _CODE.fullmatch(code) else []
    if not found:
        raise ResourceNotFound(f"Không có chỉ số {code[:64]} / no indicator {code[:64]}")
    return found[0]


def bounded(values: Sequence[IndicatorValue]) -> Sequence[IndicatorValue]:
    if len(values) > MAX_VALUES:
        raise InvalidRequest(f"Quá {MAX_VALUES} giá trị: hãy chọn một kỳ / more than "
                             f"{MAX_VALUES} values: choose a period", expression=["period"])
    return values


def org_name(kind: str, org: str) -> str | None:
    if kind == WARD and (place := place_of(org)) is not None:
        return place.name
    return "TP. Hồ Chí Minh" if kind == CITY else None


def definition_json(d: IndicatorDef) -> dict[str, Any]:
    return {"code": d.code, "name_vi": d.name_vi, "name_en": d.name_en, "group": d.group,
            "scale": d.scale, "unit_vi": d.unit_vi, "categories": list(d.categories),
            "description_vi": d.description_vi, "description_en": d.description_en,
            "source": d.source, "measure": measure(d)["url"]}  # fmt: skip


def value_json(d: IndicatorDef, v: IndicatorValue) -> dict[str, Any]:
    shown = None if v.value is None else round(
        v.value * (d.scale if v.denominator is not None else 1), 6)
    return {"period": v.period, "orgKind": v.org_kind, "org": v.org,
            "orgName": org_name(v.org_kind, v.org), "categories": dict(v.categories),
            "numerator": v.numerator, "denominator": v.denominator, "value": shown}  # fmt: skip


def read_values(repo: AccessRepository, source: IndicatorSource, code: str,
                period: str | None, org: str | None, query: str | None = None
                ) -> tuple[IndicatorDef, Sequence[IndicatorValue]]:  # fmt: skip
    """The definition and values asked for (checked: a 400 naming the field), decided
    and audited."""

    def run() -> tuple[IndicatorDef, Sequence[IndicatorValue]]:
        chosen, kind = checked_period_text(period), checked_org(org)
        d = definition_of(source, code)
        return d, bounded(source.values(d.code, period=chosen, org_kind=kind))

    return GATE.read(repo, "warehouse-indicator", f"warehouse/indicator/{code[:64]}", run,
                     query=query)  # fmt: skip


def report_bundle(d: IndicatorDef, values: Sequence[IndicatorValue]) -> dict[str, Any]:
    """The MeasureReports of `values`, one per org unit × period, and the Measure, as a
    searchset Bundle."""
    names = {v.org: n for v in values if (n := org_name(v.org_kind, v.org)) is not None}
    reports = measure_reports(d, values, names=names)
    return {"resourceType": "Bundle", "type": "searchset", "total": len(reports),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in reports]
            + [{"resource": measure(d), "search": {"mode": "include"}}]}  # fmt: skip


def read_dhis2(repo: AccessRepository, source: IndicatorSource, mapping: Dhis2Mapping,
               period: str | None, query: str | None = None
               ) -> tuple[str, Dhis2Export]:  # fmt: skip
    """Every indicator's values of the period at every org kind, mapped for DHIS2."""

    def run() -> tuple[str, Dhis2Export]:
        chosen = checked_period_text(period, required=True)
        assert chosen is not None
        values: list[IndicatorValue] = []
        for d in source.definitions():
            for kind in ORG_KINDS:
                values.extend(source.values(d.code, period=chosen, org_kind=kind))
            bounded(values)
        return chosen, dhis2_export(values, mapping)

    return GATE.read(repo, "warehouse-dhis2", "warehouse/dhis2", run, query=query)


@router.get("/indicators")
def list_indicators(request: Request, repo: RepoDep) -> Response:
    """Các chỉ số của kho / The warehouse's indicators."""
    source = source_of(request)
    found = GATE.read(repo, "warehouse-indicators", "warehouse/indicator",
                      lambda: [definition_json(d) for d in source.definitions()])  # fmt: skip
    return JSONResponse({"indicators": found}, headers=NO_STORE)


def _values(request: Request, repo: AccessRepository, code: str
            ) -> tuple[IndicatorDef, Sequence[IndicatorValue]]:  # fmt: skip
    q = request.query_params
    return read_values(repo, source_of(request), code, q.get("period"), q.get("org"),
                       query=str(request.url.query))  # fmt: skip


@router.get("/indicators/{code}/$report")
def indicator_reports(code: str, request: Request, repo: RepoDep) -> Response:
    """MeasureReport theo đơn vị × kỳ / MeasureReports per org unit × period (Bundle)."""
    d, values = _values(request, repo, code)
    return JSONResponse(report_bundle(d, values), media_type="application/fhir+json",
                        headers=NO_STORE)  # fmt: skip


@router.get("/indicators/{code}")
def indicator_values(code: str, request: Request, repo: RepoDep) -> Response:
    """Giá trị một chỉ số / One indicator's values (`period`, `org`)."""
    d, values = _values(request, repo, code)
    body = {"indicator": definition_json(d), "period": request.query_params.get("period"),
            "org": request.query_params.get("org") or WARD,
            "values": [value_json(d, v) for v in values]}  # fmt: skip
    return JSONResponse(body, headers=NO_STORE)


@router.get("/dhis2")
def dhis2(request: Request, repo: RepoDep) -> Response:
    """Xuất tổng hợp cho DHIS2 / The DHIS2 aggregate export (`period`, `format`)."""
    form = request.query_params.get("format") or "json"
    if form not in ("json", "csv", "report"):
        raise InvalidRequest("format: json, csv hoặc report / json, csv or report",
                             expression=["format"])  # fmt: skip
    period, found = read_dhis2(repo, source_of(request), mapping_of(request),
                               request.query_params.get("period"),
                               query=str(request.url.query))  # fmt: skip
    headers = {**NO_STORE, "X-Unmapped-Values": str(len(found.unmapped)),
               "X-Mapping-Version": found.mapping_version}  # fmt: skip
    if form == "csv":
        name = f"dhis2-{period}.csv"
        return Response(found.csv_text(), media_type="text/csv; charset=utf-8",
                        headers={**headers,
                                 "Content-Disposition": f'attachment; filename="{name}"'})
    if form == "report":
        return JSONResponse({"period": period, "mappingVersion": found.mapping_version,
                             "dataValues": len(found.data_values),
                             "unmapped": [u.as_dict() for u in found.unmapped]},
                            headers=headers)  # fmt: skip
    return JSONResponse(found.data_value_set(), headers=headers)
