"""The register of dependent and bedridden older people (issue 19 point 4), for the
ward health station's home visits: the residents of my ward with an elderly-programme
home visit on their list, most overdue first, with what put them on it (a Barthel
Index or a nurse's judgement).

- `GET /api/programmes/elderly/register?ward&status&days&offset&count` (JSON);
- `GET /programmes/elderly/register` (the page, Vietnamese first).
The same access call as the due lists (`ProgrammeAccess.due_list`, audited, a station
sees its own ward only); the register is the home-visit activity of those lists, so it
cannot disagree with them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from hoso.access.repository import AccessRepository
from hoso.api.deps import RepoDep
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.api.programme_pages import STATUS_NAMES
from hoso.api.programme_routes import due_json, due_query, programmes_for
from hoso.core import clock
from hoso.programmes import registry
from hoso.programmes.framework import DUE_STATUSES
from hoso.publichealth.wards import ward_name

router = APIRouter(prefix="/api/programmes/elderly")
pages = APIRouter(prefix="/programmes/elderly")
ACTIVITY = "home-visit"
SOURCES = {"barthel": ("Chỉ số Barthel", "Barthel Index"),
           "hand-set": ("Cán bộ y tế đánh giá", "Staff judgement"),
           "barthel+hand-set": ("Barthel và cán bộ y tế", "Barthel and staff")}  # fmt: skip


def _register(request: Request, repo: AccessRepository) -> tuple[list[dict[str, Any]], int,
                                                                  dict[str, Any]]:  # fmt: skip
    query = due_query(request)
    if not request.query_params.getlist("status"):
        query["statuses"] = DUE_STATUSES  # the register is everyone on it, due or not
    if "days" not in request.query_params:
        query["until"] = clock.today_vn() + timedelta(days=3660)
    access = programmes_for(request, repo)
    rows, total = access.due_list("elderly", query["statuses"], query["until"],
                                  ward=query["ward"], offset=query["offset"],
                                  limit=query["limit"], activity=ACTIVITY)  # fmt: skip
    people = access.patients([r.patient_id for r in rows])
    return [due_json(r, people.get(r.patient_id, {})) for r in rows], total, query


@router.get("/register")
def register_json(request: Request, repo: RepoDep) -> Response:
    rows, total, query = _register(request, repo)
    return JSONResponse({"total": total, "offset": query["offset"], "register": rows})


@pages.get("/register", include_in_schema=False)
def register_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    rows, total, query = _register(request, caller.repo)
    return render_page(request, "programmes_elderly_register.html", lang=caller.lang,
                       who=caller.who(), rows=rows, total=total, query=query,
                       statuses=STATUS_NAMES, sources=SOURCES, ward_name=ward_name,
                       programmes=registry.PROGRAMMES)  # fmt: skip
