"""`/api/quality`: the data-quality scorecard as JSON and as a page.

- `GET /api/quality/scorecard?facility=…&ward=…&runs=…`: JSON (`hoso.ingest.quality.
  scorecard`), for dashboards;
- `GET /api/quality/scorecard.html` (same parameters): the page, Vietnamese first.

Thin handlers: authenticate (bearer token, as every `/api` call), ask the scorecard
module whether the role may see it and read it; errors become OperationOutcomes through
the app's one handler (400 with a bilingual message for bad parameters).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from hoso.api.deps import PrincipalDep
from hoso.api.pages import page_csp, templates
from hoso.ingest.quality.model import DIMENSIONS
from hoso.ingest.quality.scorecard import (
    Scorecard,
    check_filters,
    check_viewer,
    read_scorecard,
)

router = APIRouter(prefix="/api/quality")

PAGE_RUNS = 6  # trend columns on the page
PAGE_PLACES = 30  # rows of the facility and ward tables
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;"
    "padding:.3rem .6rem;text-align:left}td.n{text-align:right}[lang=en]{color:#555}"
    ".bad{color:#a30000;font-weight:600}form label{margin-right:1rem}"
)


def _card(request: Request, principal: Any, runs_default: int | None = None) -> Scorecard:
    check_viewer(principal.role)
    query = request.query_params
    facility, ward, runs = check_filters(
        query.get("facility"), query.get("ward"), query.get("runs", runs_default)
    )
    return read_scorecard(request.app.state.store.engine, facility, ward, runs)


@router.get("/scorecard")
def scorecard(request: Request, principal: PrincipalDep) -> Response:
    return JSONResponse(_card(request, principal).to_json())


def percent(value: float) -> str:
    """0.0523 → "5,23 %": Vietnamese writes a decimal comma."""
    return f"{value * 100:.2f}".replace(".", ",") + " %"


@router.get("/scorecard.html")
def scorecard_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    card = _card(request, principal, PAGE_RUNS)
    body = card.to_json()
    html = templates.get_template("quality_scorecard.html").render(
        style=STYLE,
        card=body,
        dimensions={k: f"{vi} / {en}" for k, (vi, en) in DIMENSIONS.items()},
        trend=body["trend"][-PAGE_RUNS:],
        facilities=body["facilities"][:PAGE_PLACES],
        wards=body["wards"][:PAGE_PLACES],
        percent=percent,
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": page_csp(STYLE)})
