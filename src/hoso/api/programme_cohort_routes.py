"""`/api/programmes/cohorts`: at-risk groups (issue 19 point 6), every answer from
`hoso.access.programme_cohorts.CohortAccess`, which decides and audits.

- `GET /api/programmes/cohorts`: the current cohorts (code, version, name, restricted);
- `POST /api/programmes/cohorts`: a new cohort or a new version (officers, operator;
  403 before the body is read; 400 naming the field; 409 for a version that exists);
- `GET /api/programmes/cohorts/{code}/Group?version=`: the cohort as a FHIR `Group`
  with the latest snapshot's count (where the caller may see it);
- `GET /api/programmes/cohorts/{code}/counts?version=&day=&ward=`: by ward, age band,
  sex;
- `GET /api/programmes/cohorts/{code}/members?version=&day=&ward=&offset=&limit=`;
- `GET /api/programmes/cohorts/{code}/members.csv?…`: the campaign list as CSV.
`day` is YYYY-MM-DD (the latest snapshot not after it; default today in HCMC).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.programme_cohorts import CohortAccess
from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.publichealth_tracing_routes import facades_of
from hoso.core.errors import InvalidRequest
from hoso.programmes.cohorts.catalogue import StoredCatalogue
from hoso.programmes.cohorts.group import cohort_group
from hoso.store.programme_cohorts import SqlCohorts
from hoso.store.publichealth_series import SqlSurveillance

router = APIRouter(prefix="/api/programmes/cohorts")

MAX_BODY_BYTES = 64 * 1024  # a rule document (definition.MAX_DOCUMENT_CHARS) with room
_CODE = re.compile(r"[a-z][a-z0-9-]{1,62}")
_WARD = re.compile(r"[0-9A-Za-z]{1,8}")
_VERSION = re.compile(r"[0-9A-Za-z.\-_]{1,32}")
NO_STORE = {"Cache-Control": "no-store"}


def cohorts_of(state: Any) -> CohortAccess:
    """The facade on `app.state` (made on first use): the stored cohorts, the ward
    stations as contact tracing reads them, the officers' wards as surveillance does."""
    made = getattr(state, "prog_cohorts", None)
    if made is None:
        rows = SqlCohorts(state.store.engine)
        stations = facades_of(state)[0].stations
        officers = getattr(state, "ph_series_rows", None) or SqlSurveillance(state.store.engine)
        made = CohortAccess(rows, StoredCatalogue(rows), stations.wards_of,
                            officers.wards_of_officer)  # fmt: skip
        state.prog_cohorts = made
    return made  # type: ignore[no-any-return]


def _bad(field: str, vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(f"{field}: {vi} / {en}", expression=[field])


def code_of(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise _bad("code", "mã nhóm không hợp lệ", "invalid cohort code")
    return code


def filters_of(request: Request) -> dict[str, Any]:
    """version, day, ward from the query, checked."""
    query, found = request.query_params, {}
    version, day, ward = query.get("version"), query.get("day"), query.get("ward")
    if version:
        if not _VERSION.fullmatch(version):
            raise _bad("version", "phiên bản không hợp lệ", "invalid version")
        found["version"] = version
    if day:
        try:
            found["day"] = date.fromisoformat(day) if len(day) == 10 else None
        except ValueError:
            found["day"] = None
        if found["day"] is None:
            raise _bad("day", "ngày dạng YYYY-MM-DD", "a day as YYYY-MM-DD")
    if ward:
        if not _WARD.fullmatch(ward):
            raise _bad("ward", "mã phường/xã không hợp lệ", "invalid ward code")
        found["ward"] = ward
    return found


def _plain(value: Any) -> Any:
    """The request's exact decimals as the floats a rule's thresholds are."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _summary(cohort: Any) -> dict[str, Any]:
    return {"code": cohort.code, "version": cohort.version, "name": dict(cohort.name),
            "restricted": cohort.restricted, "source": cohort.rule.source}  # fmt: skip


@router.get("")
def list_cohorts(request: Request, repo: RepoDep) -> Response:
    _view, found = cohorts_of(request.app.state).listing(repo)
    return JSONResponse({"cohorts": [_summary(c) for c in found]}, headers=NO_STORE)


@router.post("")
async def define_cohort(request: Request, repo: RepoDep) -> Response:
    access = cohorts_of(request.app.state)
    access.require_definer(repo)  # 403 before reading the body
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES)
    made = await run_in_threadpool(access.define, repo, _plain(body))
    return JSONResponse({**_summary(made), "group": cohort_group(made)}, status_code=201)


@router.get("/{code}/Group")
def cohort_as_group(code: str, request: Request, repo: RepoDep) -> Response:
    version = filters_of(request).get("version")
    cohort, day, total = cohorts_of(request.app.state).definition(repo, code_of(code), version)
    return JSONResponse(cohort_group(cohort, count=total, day=day), headers=NO_STORE,
                        media_type="application/fhir+json")  # fmt: skip


@router.get("/{code}/counts")
def cohort_counts(code: str, request: Request, repo: RepoDep) -> Response:
    found = cohorts_of(request.app.state).counts(repo, code_of(code), **filters_of(request))
    return JSONResponse(found, headers=NO_STORE)


def _paging(request: Request) -> tuple[int, int]:
    try:
        offset = int(request.query_params.get("offset", "0"))
        limit = int(request.query_params.get("limit", "100"))
    except ValueError:
        raise _bad("offset", "offset, limit: số nguyên", "offset, limit: integers") from None
    if not (0 <= offset <= 10_000_000 and 1 <= limit <= 500):
        raise _bad("limit", "0 ≤ offset, 1 ≤ limit ≤ 500", "0 ≤ offset, 1 ≤ limit ≤ 500")
    return offset, limit


@router.get("/{code}/members")
def cohort_members(code: str, request: Request, repo: RepoDep) -> Response:
    offset, limit = _paging(request)
    found = cohorts_of(request.app.state).members(repo, code_of(code), offset=offset,
                                                  limit=limit, **filters_of(request))  # fmt: skip
    return JSONResponse(found, headers=NO_STORE)


@router.get("/{code}/members.csv")
def cohort_export(code: str, request: Request, repo: RepoDep) -> Response:
    text = cohorts_of(request.app.state).export_csv(repo, code_of(code), **filters_of(request))
    return csv_response(text, code)


def csv_response(text: str, code: str) -> Response:
    disposition = f'attachment; filename="nhom-{code}.csv"'  # code: [a-z0-9-] (code_of)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={**NO_STORE, "Content-Disposition": disposition})  # fmt: skip
