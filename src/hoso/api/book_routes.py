"""`/book/`: the resident's health book as pages (issue 17 point 4), for the person
logged in through the browser session (`/login`, authorization code + PKCE) or a
bearer token: their own book, or a child's they are guardian of.

- `GET /book`: to one's own book, or the choice between one's own and one's children's;
- `GET /book/{patient_id}`: every section with its count and newest items, the
  timeline of episodes, the charts (and WHO growth curves for a child under 5);
- `GET /book/{patient_id}/sections/{key}?offset=N`: one section, page by page;
- `GET /book/{patient_id}/episodes/{encounter_id}`: one episode whole.

Thin: the content is `hoso.healthbook`, read through the caller's access repository
(audited; another person's book is a 404 page exactly like a missing one). No script:
the charts are SVG drawn on the server and every control is a link or a form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.health_book_access import check_book_reader, readable_books
from hoso.api.facility_names import content_facility_names
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.core import clock
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number
from hoso.core.vi_format import HCMC
from hoso.healthbook.charts import book_charts, growth_charts
from hoso.healthbook.content import book_list, episode_detail, health_book, section_page

router = APIRouter(prefix="/book", include_in_schema=False)

PREVIEW = 5
PAGE = 20


@router.get("")
def choose(request: Request, caller: PageCallerDep) -> Response:
    """Straight to one's own book; a guardian chooses whose."""
    ids = readable_books(caller.repo)
    if len(ids) == 1:
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/book/{ids[0]}", status_code=303)
    books = book_list(caller.repo, ids)
    return render_page(request, "book_choose.html", lang=caller.lang, who=caller.who(),
                       books=books)  # fmt: skip


@router.get("/{patient_id}")
async def book(request: Request, patient_id: str, caller: PageCallerDep) -> HTMLResponse:
    check_book_reader(caller.repo, patient_id)
    page = await run_in_threadpool(_book_page, request, caller, patient_id)
    return render_page(request, "book.html", lang=caller.lang, who=caller.who(), **page)


def _book_page(request: Request, caller: PageCaller, patient_id: str) -> dict[str, Any]:
    content = health_book(caller.repo, patient_id, caller.lang, PREVIEW)
    admin, measured = content["administrative"], content["measurements"]
    today = clock.now().astimezone(HCMC).date()
    charts = (growth_charts(admin.get("birth_date"), admin.get("gender"), measured,
                            caller.lang, today)
              + book_charts(measured, caller.lang))  # fmt: skip
    return {"b": content, "charts": charts, "pid": patient_id,
            "facilities": _names(caller, content), "books": _other_books(caller),
            "age": _age(admin, today),
            "programmes": _programmes(request, caller, patient_id)}  # fmt: skip


def _programmes(request: Request, caller: PageCaller, patient_id: str) -> dict[str, Any] | None:
    """The community programmes the resident (or their child) is enrolled in, and what
    is due (`hoso.access.programmes`); other readers of a book (a clinician's view) see
    none here."""
    from hoso.access import claims as roles
    from hoso.api.programme_routes import due_json, enrolment_json, programmes_for
    from hoso.programmes.registry import programme

    if caller.principal.role != roles.RESIDENT:
        return None
    enrolments, due = programmes_for(request, caller.repo).own(patient_id)
    names = {e.programme: dict(found.name) if (found := programme(e.programme)) else
             {"vi": e.programme, "en": e.programme} for e in enrolments}  # fmt: skip
    return {
        "enrolments": [dict(enrolment_json(e), name=names[e.programme]) for e in enrolments],
        "due": [due_json(d) for d in due if d.status != "missed"][:10],
    }


@router.get("/{patient_id}/sections/{key}")
async def section(request: Request, patient_id: str, key: str, caller: PageCallerDep,
                  offset: str = "0") -> HTMLResponse:  # fmt: skip
    start = whole_number(offset)
    if start is None or start < 0:
        raise InvalidRequest("offset là số ≥ 0 / offset is a number ≥ 0", expression=["offset"])
    check_book_reader(caller.repo, patient_id)
    content = await run_in_threadpool(section_page, caller.repo, patient_id, key, caller.lang,
                                      start, PAGE)  # fmt: skip
    names = await run_in_threadpool(_names, caller, {"items": content["items"]})
    return render_page(request, "book_section.html", lang=caller.lang, who=caller.who(),
                       s=content, pid=patient_id, facilities=names, page_size=PAGE)  # fmt: skip


@router.get("/{patient_id}/episodes/{encounter_id}")
async def episode(request: Request, patient_id: str, encounter_id: str,
                  caller: PageCallerDep) -> HTMLResponse:  # fmt: skip
    check_book_reader(caller.repo, patient_id)
    content = await run_in_threadpool(episode_detail, caller.repo, patient_id, encounter_id,
                                      caller.lang)  # fmt: skip
    names = await run_in_threadpool(_names, caller, content)
    return render_page(request, "book_episode.html", lang=caller.lang, who=caller.who(),
                       e=content, pid=patient_id, facilities=names)  # fmt: skip


def _names(caller: PageCaller, content: Any) -> dict[str, str]:
    return content_facility_names(caller.repo, content)


def _other_books(caller: PageCaller) -> list[dict[str, Any]]:
    """The other books a guardian may switch to (none for a person with only theirs)."""
    ids = readable_books(caller.repo)
    return book_list(caller.repo, ids) if len(ids) > 1 else []


def _age(admin: dict[str, Any], today: date) -> int | None:
    try:
        born = date.fromisoformat(str(admin.get("birth_date"))[:10])
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
