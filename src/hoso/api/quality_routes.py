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
from hoso.api.pages import page_csp, templates
from hoso.ingest.quality.model import DIMENSIONS
from hoso.ingest.quality.scorecard import Scorecard, check_filters, read_scorecard

router = APIRouter(prefix="/api/quality")

PAGE_RUNS = 6  # trend columns on the page
PAGE_PLACES = 30  # rows of the facility and ward tables
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;"
    "padding:.3rem .6rem;text-align:left}td.n{text-align:right}[lang=en]{color:#555}"
    ".bad{color:#a30000;font-weight:600}form label{margin-right:1rem}"
)


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


def percent(value: float) -> str:
    """0.0523 → "5,23 %": Vietnamese writes a decimal comma."""
    return f"{value * 100:.2f}".replace(".", ",") + " %"


@router.get("/scorecard.html")
def scorecard_page(request: Request, repo: RepoDep) -> HTMLResponse:
    card = _card(request, repo, PAGE_RUNS)
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
