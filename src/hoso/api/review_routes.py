"""`/api/mpi`: the data steward's review of the MPI's possible matches.

- `GET /api/mpi/candidates?limit=…&offset=…`: the open pairs, most likely first (JSON);
- `GET /api/mpi/candidates/{id}`: one pair side by side (JSON);
- `POST /api/mpi/candidates/{id}/decision` `{"decision": "merge"|"not-same", "keep": "a"|"b"}`;
- `GET /api/mpi/review.html`, `GET /api/mpi/review/{id}.html`: the pages, Vietnamese
  first; `POST /api/mpi/review/{id}.html`: the page's form (then 303 back to the page).

Auth is the bearer token, as on every `/api` call. The page holds no script: its buttons
are a plain form, so the CSP can forbid every script. A form post carries no token of
its own, so it is accepted only with the bearer token (which a browser never adds to a
cross-site request unless something injects it for every request — the case CSRF is
about) and a `csrf` field: an HMAC of the candidate id keyed by a hash of that same
bearer token. Only a page loaded with the token holds it; it needs no server secret
(any API process can check it) and dies with the token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from hoso.api.body import read_json
from hoso.api.deps import RepoDep, bearer_token
from hoso.api.pages import page_csp, templates
from hoso.core.errors import Forbidden, InvalidRequest, ResourceNotFound, UnsupportedMediaType
from hoso.identity.mpi import review_queue as rq
from hoso.identity.mpi.model import MatchModel

router = APIRouter(prefix="/api/mpi")

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 4096
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;"
    "padding:.3rem .6rem;text-align:left}td.n{text-align:right}[lang=en]{color:#555}"
    ".exact{background:#dff3e0}.close{background:#fdf3d0}.disagree{background:#f9d6d5}"
    ".missing{background:#eee}.mark{font-weight:600;white-space:nowrap}"
    ".status{padding:.5rem;border:1px solid #888}button{margin:.5rem 1rem .5rem 0;"
    "padding:.4rem .8rem}fieldset{margin:.5rem 0}"
)
CSP = page_csp(STYLE)
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


def csrf_token(request: Request, candidate_id: int) -> str:
    """HMAC(sha256(bearer token), candidate id): bound to this caller and this pair."""
    key = hashlib.sha256(bearer_token(request).encode()).digest()
    mac = hmac.new(key, f"hoso-mpi-review:{candidate_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


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
def _page(template: str, **context: Any) -> HTMLResponse:
    html = templates.get_template(template).render(style=STYLE, **context)
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP})


def decimal(value: float, places: int = 2) -> str:
    """Vietnamese writes a decimal comma: 7.25 → "7,25"."""
    return f"{value:.{places}f}".replace(".", ",")


def percent(value: float) -> str:
    return decimal(value * 100, 1) + " %"


@router.get("/review.html")
def queue_page(request: Request, repo: RepoDep) -> HTMLResponse:
    limit, offset = _paging(request)
    page = rq.open_queue(repo, limit=limit, offset=offset)
    return _page("mpi_review_queue.html", page=page.to_json(), decimal=decimal,
                 percent=percent, statuses=STATUSES)  # fmt: skip


@router.get("/review/{candidate_id}.html")
def review_page(request: Request, candidate_id: str, repo: RepoDep
                ) -> HTMLResponse:  # fmt: skip
    number = _id(candidate_id)
    shown = _review(request, repo, number).to_json()
    return _page("mpi_review_pair.html", c=shown, marks=MARKS, statuses=STATUSES,
                 decimal=decimal, percent=percent, csrf=csrf_token(request, number))  # fmt: skip


@router.post("/review/{candidate_id}.html")
async def review_form(request: Request, candidate_id: str, repo: RepoDep) -> Response:  # fmt: skip
    number = _id(candidate_id)
    form = await _form(request)
    sent = form.get("csrf", "").encode()  # bytes: compare_digest refuses non-ASCII str
    if not hmac.compare_digest(sent, csrf_token(request, number).encode()):
        raise Forbidden(
            "Biểu mẫu không hợp lệ hoặc đã hết hạn; hãy tải lại trang / The form is invalid "
            "or stale; reload the page"
        )
    choice, keep = rq.check_decision(form.get("decision"), form.get("keep"))
    _decide(request, repo, number, choice, keep)
    return RedirectResponse(f"{number}.html", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != FORM_TYPE:
        raise UnsupportedMediaType(
            f"Biểu mẫu phải là {FORM_TYPE} / The form must be {FORM_TYPE}"
        )
    data = await request.body()
    if len(data) > MAX_FORM_BYTES:
        raise InvalidRequest("Biểu mẫu quá lớn / The form is too large", expression=["$"])
    try:
        fields = parse_qs(data.decode("utf-8"), strict_parsing=False, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("Biểu mẫu không đọc được / Unreadable form",
                             expression=["$"]) from None  # fmt: skip
    return {k: v[0] for k, v in fields.items() if v}
