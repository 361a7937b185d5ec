"""Share links of the health book (issue 17 point 6): made, listed and revoked by the
book's reader, opened by anyone holding one.

- Apps (bearer token): `POST /api/health-book/{patient_id}/share-links`
  `{"sections": [...], "hours": 24, "include_sensitive": false}` → 201 with the link's
  `url` and its QR code (`qr_svg`), shown this once; `GET …/share-links` the links in
  force; `DELETE …/share-links/{n}` → 204.
- Pages (a browser session or a bearer token): `GET /book/{patient_id}/share` lists the
  links with a form to make one; `POST` there makes it and shows its QR code and URL
  once; `POST /book/{patient_id}/share/{n}/revoke` → 303 back. Plain forms: the CSP
  forbids every script.
- Public: `GET /share/{token}`, no account: the shared sections, read only, as
  "share link N"; 410 revoked or expired, 404 unknown. Never cached, never indexed,
  never sent on as a Referer.

Thin: the rules are `hoso.access.share_links` and `hoso.healthbook.sharing`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.repository import AccessRepository
from hoso.access.share_links import (
    DEFAULT_HOURS,
    CreatedLink,
    ShareLinkRecord,
    ShareLinks,
    share_principal,
)
from hoso.api.body import read_json
from hoso.api.deps import RepoDep, repository_of
from hoso.api.facility_names import facility_names
from hoso.api.forms import read_form
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep, refuse_cross_site
from hoso.core import clock
from hoso.core.errors import InvalidRequest, ResourceGone, ResourceNotFound
from hoso.healthbook.content import health_book
from hoso.healthbook.sharing import SECTION_TITLES, SECTIONS, check_sections, shared_book
from hoso.store.share_links import SqlShareLinks

router = APIRouter()

MAX_BODY_BYTES = 4096
DURATIONS = ((1, ("1 giờ", "1 hour")), (24, ("24 giờ", "24 hours")),
             (72, ("3 ngày", "3 days")), (168, ("7 ngày", "7 days")))  # fmt: skip
# The shared page is a person's health data behind a bearer URL: no cache keeps it, no
# search engine lists it, and no link on it hands its URL on.
PUBLIC_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                  "X-Robots-Tag": "noindex, nofollow"}  # fmt: skip


def install(app: FastAPI) -> ShareLinks:
    """The share links on `app.state.share_links`."""
    state = app.state
    state.share_links = ShareLinks(SqlShareLinks(state.store.engine), state.audit_trail)
    return state.share_links  # type: ignore[no-any-return]


def _links(request: Request) -> ShareLinks:
    return request.app.state.share_links  # type: ignore[no-any-return]


def _link_id(text: str) -> int:
    # ASCII digits that fit the column (an int4 on PostgreSQL), else not one of ours.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ResourceNotFound("Không tìm thấy liên kết / Share link not found")
    return int(text)


def _url(request: Request, token: str) -> str:
    return f"{request.app.state.settings.public_base_url.rstrip('/')}/share/{token}"


def _qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (no script, no inline style: the CSP allows it)."""
    return str(segno.make(url, error="m").svg_inline(scale=5, title="QR"))


def _instant(us: int | None) -> str | None:
    return clock.fhir_instant(clock.from_us(us)) if us is not None else None


def _link_json(link: ShareLinkRecord) -> dict[str, Any]:
    return {"id": link.id, "sections": list(link.sections),
            "include_sensitive": link.include_sensitive,
            "created_at": _instant(link.created_at), "expires_at": _instant(link.expires_at),
            "opened_count": link.opened_count,
            "last_opened_at": _instant(link.last_opened_at)}  # fmt: skip


# -- JSON for apps ------------------------------------------------------------------------
@router.post("/api/health-book/{patient_id}/share-links")
async def create_link(patient_id: str, request: Request, repo: RepoDep) -> Response:
    """Tạo liên kết chia sẻ / Make a share link; its URL is shown only now."""
    body = await read_json(request, request.app.state.settings, max_bytes=MAX_BODY_BYTES,
                           allowed={"application/json"})  # fmt: skip
    if not isinstance(body, dict):
        raise InvalidRequest("Nội dung phải là một đối tượng JSON / The body must be a JSON "
                             "object", expression=["$"])  # fmt: skip
    unknown = sorted(set(body) - {"sections", "hours", "include_sensitive"})
    if unknown:
        raise InvalidRequest(f"Trường không được hỗ trợ / Unsupported field: {unknown[0][:40]}",
                             expression=[unknown[0][:40]])  # fmt: skip
    sensitive = body.get("include_sensitive", False)
    if not isinstance(sensitive, bool):
        raise InvalidRequest("include_sensitive là true hoặc false / include_sensitive is true "
                             "or false", expression=["include_sensitive"])  # fmt: skip
    sections = check_sections(body.get("sections"))
    made: CreatedLink = await run_in_threadpool(
        _links(request).create, repo, patient_id, sections,
        hours=body.get("hours", DEFAULT_HOURS), include_sensitive=sensitive)
    url = _url(request, made.token)
    answer = {**_link_json(made.link), "url": url, "qr_svg": _qr_svg(url)}
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/api/health-book/{patient_id}/share-links")
def list_links(patient_id: str, request: Request, repo: RepoDep) -> Response:
    """Các liên kết còn hiệu lực / The links in force, with how often each was opened."""
    links = _links(request).active(repo, patient_id)
    return JSONResponse({"links": [_link_json(link) for link in links]},
                        headers={"Cache-Control": "no-store"})  # fmt: skip


@router.delete("/api/health-book/{patient_id}/share-links/{link_id}")
def revoke_link(patient_id: str, link_id: str, request: Request, repo: RepoDep) -> Response:
    """Thu hồi liên kết / Revoke a link: it answers 410 from now on."""
    _links(request).revoke(repo, patient_id, _link_id(link_id))
    return Response(status_code=204)


# -- pages for the resident ---------------------------------------------------------------
def _share_page(request: Request, caller: PageCaller, patient_id: str,
                made: CreatedLink | None = None) -> HTMLResponse:  # fmt: skip
    links = _links(request).active(caller.repo, patient_id)
    shown = [{"id": link.id, "sections": link.sections, "opened": link.opened_count,
              "sensitive": link.include_sensitive, "expires": clock.from_us(link.expires_at),
              "csrf": caller.form_token(f"share-revoke:{patient_id}:{link.id}")}
             for link in links]  # fmt: skip
    created = None
    if made is not None:
        url = _url(request, made.token)
        # `path` opens it on this server whatever address the public URL names.
        created = {"id": made.link.id, "url": url, "qr": _qr_svg(url),
                   "path": f"{request.scope.get('root_path', '')}/share/{made.token}",
                   "expires": clock.from_us(made.link.expires_at)}  # fmt: skip
    return render_page(request, "share_links.html", lang=caller.lang, who=caller.who(),
                       patient=quote(patient_id, safe=""), links=shown, created=created,
                       sections=SECTIONS, titles=SECTION_TITLES, durations=DURATIONS,
                       default_hours=DEFAULT_HOURS,
                       csrf=caller.form_token(f"share:{patient_id}"))  # fmt: skip


@router.get("/book/{patient_id}/share", include_in_schema=False)
def share_page(patient_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    """Chia sẻ sổ sức khỏe / Share the health book: the links and the form."""
    return _share_page(request, caller, patient_id)


@router.post("/book/{patient_id}/share", include_in_schema=False)
async def share_form(patient_id: str, request: Request, caller: PageCallerDep) -> HTMLResponse:
    """The form's new link, shown with its QR code this once (its secret is not kept)."""
    refuse_cross_site(request)  # before reading a body another site sent
    form = await read_form(request, max_fields=2 * len(SECTIONS) + 8)
    caller.check_form(request, f"share:{patient_id}", _one(form, "csrf"))
    sections = check_sections(form.get("section") or [])
    made = await run_in_threadpool(
        _links(request).create, caller.repo, patient_id, sections,
        hours=_one(form, "hours") or DEFAULT_HOURS,
        include_sensitive=_one(form, "include_sensitive") == "yes")
    return await run_in_threadpool(_share_page, request, caller, patient_id, made)


@router.post("/book/{patient_id}/share/{link_id}/revoke", include_in_schema=False)
async def revoke_form(patient_id: str, link_id: str, request: Request,
                      caller: PageCallerDep) -> Response:  # fmt: skip
    number = _link_id(link_id)
    refuse_cross_site(request)
    form = await read_form(request)
    caller.check_form(request, f"share-revoke:{patient_id}:{number}", _one(form, "csrf"))
    await run_in_threadpool(_links(request).revoke, caller.repo, patient_id, number)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/book/{quote(patient_id, safe='')}/share", status_code=303)


def _one(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


# -- the link itself ----------------------------------------------------------------------
def _facility_names(repo: AccessRepository, book: dict[str, Any]) -> dict[str, str]:
    """The names of the facilities the shared sections name (read as the link)."""
    sections = [*book["history"], *(book[k] for k in ("episodes", "papers") if k in book)]
    codes = {item.get("facility") for s in sections for item in s["items"]}
    return facility_names(repo, codes)


def _lang(request: Request) -> str:
    # Vietnamese unless the page's own switch asked for English: the pages' rule, and a
    # phone's browser language says little about who is reading over the shoulder.
    return "en" if request.query_params.get("lang") == "en" else "vi"


@router.get("/share/{token}", include_in_schema=False)
def open_link(token: str, request: Request) -> HTMLResponse:
    """Sổ sức khỏe được chia sẻ / A shared health book: read only, no account."""
    lang = _lang(request)
    source_ip = request.client.host if request.client else None
    try:
        link = _links(request).open(token, source_ip)
    except (ResourceGone, ResourceNotFound) as exc:  # a page, not JSON: a person scanned it
        vi, _, en = exc.message.partition(" / ")
        title = (("Liên kết không còn hiệu lực", "This link is no longer valid")
                 if exc.http_status == 410 else ("Không tìm thấy trang", "Page not found"))
        page = render_page(request, "error.html", lang=lang, status=exc.http_status,
                           code=exc.http_status, title=title, detail_vi=vi,
                           detail_en=en or vi, show_login=False)  # fmt: skip
        page.headers.update(PUBLIC_HEADERS)
        return page
    repo = repository_of(request, share_principal(link, source_ip))
    book = shared_book(health_book(repo, link.patient_id, lang), link.sections)
    page = render_page(request, "share_view.html", lang=lang, book=book,
                       facilities=_facility_names(repo, book),
                       expires=clock.from_us(link.expires_at), show_login=False)  # fmt: skip
    page.headers.update(PUBLIC_HEADERS)
    return page
