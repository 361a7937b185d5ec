"""`/api/mpi`: the data steward's review of the MPI's possible matches.

- `GET /api/mpi/candidates?limit=…&offset=…`: the open pairs, most likely first (JSON);
- `GET /api/mpi/candidates/{id}`: one pair side by side (JSON);
- `POST /api/mpi/candidates/{id}/decision` `{"decision": "merge"|"not-same", "keep": "a"|"b"}`;
- `GET /api/mpi/review.html`, `GET /api/mpi/review/{id}.html`: the pages, Vietnamese
  first; `POST /api/mpi/review/{id}.html`: the page's form (then 303 back to the page).

The JSON calls take the bearer token, as every `/api` call. The pages also take a
person's browser session (`hoso.api.page_session`): the same principal, the same access
layer and audit. The page holds no script: its buttons are a plain form, so the CSP
forbids every script; the form carries a CSRF token bound to the session (or the bearer
token) and to this pair, and a post from another site is refused before it is read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.api.body import read_json
from hoso.api.deps import RepoDep
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCallerDep, refuse_cross_site
from hoso.core.errors import InvalidRequest, ResourceNotFound
from hoso.identity.mpi import review_queue as rq
from hoso.identity.mpi.model import MatchModel

router = APIRouter(prefix="/api/mpi")

MAX_FORM_BYTES = 4096
MARKS = {  # not colour alone: each cell says it in words too
    "exact": "✓ Khớp / Same",
    "close": "≈ Gần giống / Close",
    "disagree": "✗ Khác / Differs",
    "missing": "– Thiếu / Missing",
}
STATUSES = {
    "open": "Chờ quyết định / Awaiting a decision",
    "merged": "Đã hợp nhất / Merged",
    "rejected": "Không phải cùng một người / Not the same person",
    "superseded": "Thay bằng cặp với hồ sơ giữ lại / Replaced by a pair with the kept record",
}


def _model(request: Request) -> MatchModel:
    return request.app.state.match_model  # type: ignore[no-any-return]


def _id(candidate_id: str) -> int:
    # ASCII digits that fit the column (an int4 on PostgreSQL), else it is not one of ours.
    if not (candidate_id.isascii() and candidate_id.isdigit()) or len(candidate_id) > 9:
        raise ResourceNotFound(
            f"Không có cặp hồ sơ nghi trùng {candidate_id} / No possible match {candidate_id}"
        )
    return int(candidate_id)


def _paging(request: Request) -> tuple[int, int]:
    q = request.query_params
    return rq.check_paging(q.get("limit", 20), q.get("offset", 0))


def _review(request: Request, repo: Any, candidate_id: int) -> rq.Review:
    settings = request.app.state.settings
    return rq.review(repo, candidate_id, _model(request),
                     cccd_system=settings.cccd_system, bhyt_system=settings.bhyt_system)


# -- JSON -------------------------------------------------------------------------------
@router.get("/candidates")
def candidates(request: Request, repo: RepoDep) -> Response:
    limit, offset = _paging(request)
    return JSONResponse(rq.open_queue(repo, limit=limit, offset=offset).to_json())


@router.get("/candidates/{candidate_id}")
def candidate(request: Request, candidate_id: str, repo: RepoDep
              ) -> Response:  # fmt: skip
    return JSONResponse(_review(request, repo, _id(candidate_id)).to_json())


@router.post("/candidates/{candidate_id}/decision")
async def decision(request: Request, candidate_id: str, repo: RepoDep
                   ) -> Response:  # fmt: skip
    number = _id(candidate_id)
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_FORM_BYTES,
                           allowed={"application/json", "application/fhir+json"})
    if not isinstance(body, dict):
        raise InvalidRequest("Nội dung phải là một đối tượng JSON / The body must be a JSON "
                             "object", expression=["$"])  # fmt: skip
    unknown = sorted(set(body) - {"decision", "keep"})
    if unknown:
        raise InvalidRequest(f"Trường không được hỗ trợ / Unsupported field: {unknown[0]}",
                             expression=[unknown[0]])  # fmt: skip
    choice, keep = rq.check_decision(body.get("decision"), body.get("keep"))
    done = _decide(request, repo, number, choice, keep)
    return JSONResponse(done.to_json())


def _decide(request: Request, repo: Any, number: int, choice: str, keep: str | None
            ) -> rq.Decision:  # fmt: skip
    return rq.decide(repo, number, choice, keep=keep, model=_model(request))


# -- pages ------------------------------------------------------------------------------
# The same calls as the JSON above, for a person: a browser session or a bearer token
# (`hoso.api.page_session`), in the shared layout, numbers the Vietnamese way.
@router.get("/review.html")
def queue_page(request: Request, caller: PageCallerDep) -> HTMLResponse:
    limit, offset = _paging(request)
    page = rq.open_queue(caller.repo, limit=limit, offset=offset)
    return render_page(request, "mpi_review_queue.html", lang=caller.lang, who=caller.who(),
                       page=page.to_json(), statuses=STATUSES)  # fmt: skip


@router.get("/review/{candidate_id}.html")
def review_page(request: Request, candidate_id: str, caller: PageCallerDep
                ) -> HTMLResponse:  # fmt: skip
    number = _id(candidate_id)
    shown = _review(request, caller.repo, number).to_json()
    return render_page(request, "mpi_review_pair.html", lang=caller.lang, who=caller.who(),
                       c=shown, marks=MARKS, statuses=STATUSES,
                       csrf=caller.form_token(f"mpi-review:{number}"))  # fmt: skip


@router.post("/review/{candidate_id}.html")
async def review_form(request: Request, candidate_id: str, caller: PageCallerDep
                      ) -> Response:  # fmt: skip
    number = _id(candidate_id)
    refuse_cross_site(request)  # before reading a body another site sent
    form = await _form(request)
    caller.check_form(request, f"mpi-review:{number}", form.get("csrf"))
    choice, keep = rq.check_decision(form.get("decision"), form.get("keep"))
    await run_in_threadpool(_decide, request, caller.repo, number, choice, keep)
    return RedirectResponse(f"{number}.html", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    fields = await read_form(request, max_bytes=MAX_FORM_BYTES)
    return {k: v[0] for k, v in fields.items() if v}
