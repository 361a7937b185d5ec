"""`/api/quality`: the data-quality scorecard as JSON and as a page.

- `GET /api/quality/scorecard?facility=…&ward=…&runs=…`: JSON (`hoso.ingest.quality.
  scorecard`), for dashboards;
- `GET /api/quality/scorecard.html` (same parameters): the page, Vietnamese first.

Thin handlers: the caller's repository opens the scorecard's tables (the access layer
decides who may see them, and audits it) and the scorecard module reads them; errors
become OperationOutcomes through the app's one handler (400 with a bilingual message for
bad parameters).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from hoso.access.repository import AccessRepository
from hoso.api.deps import RepoDep
from hoso.api.facility_names import facility_names
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep
from hoso.ingest.quality.model import DIMENSIONS
from hoso.ingest.quality.scorecard import Scorecard, check_filters, read_scorecard

router = APIRouter(prefix="/api/quality")

PAGE_RUNS = 6  # trend columns on the page
PAGE_PLACES = 30  # rows of the facility and ward tables


def _card(request: Request, repo: AccessRepository, runs_default: int | None = None
          ) -> Scorecard:  # fmt: skip
    query = request.query_params
    facility, ward, runs = check_filters(
        query.get("facility"), query.get("ward"), query.get("runs", runs_default)
    )
    with repo.quality_tables() as tables:
        return read_scorecard(tables, facility, ward, runs)


@router.get("/scorecard")
def scorecard(request: Request, repo: RepoDep) -> Response:
    return JSONResponse(_card(request, repo).to_json())


@router.get("/scorecard.html")
def scorecard_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The scorecard for a person (a session or a bearer token), facility codes shown
    with the facility's name."""
    card = _card(request, caller.repo, PAGE_RUNS)
    body = card.to_json()
    facilities = body["facilities"][:PAGE_PLACES]
    names = facility_names(caller.repo, [p.get("code") for p in facilities] + [card.facility])
    return render_page(
        request, "quality_scorecard.html", lang=caller.lang, who=caller.who(), card=body,
        dimensions=DIMENSIONS, trend=body["trend"][-PAGE_RUNS:], facilities=facilities,
        wards=body["wards"][:PAGE_PLACES], names=names,
    )  # fmt: skip
