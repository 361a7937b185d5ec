"""`/api/health-book/`: the resident's electronic health book for apps (VNeID-style).

- `GET /api/health-book/{patient_id}`: every section (QĐ 31/QĐ-BYT groups a–d) with its
  counts, in the language of `Accept-Language` (vi by default, en), for a resident's
  token (`patient/*.rs`) or a guardian's for their child; another record is 404, as a
  missing one; another role 403. `ETag` and `If-None-Match` → 304, so a phone
  refreshes cheaply: the record's state tells that a book built here is still current
  (`hoso.api.book_etags`), which is then answered without building it again.
- `GET /api/health-book`: the books the caller may open (their own, their children's),
  so a guardian switches between them.
- `GET /api/health-book/{patient_id}/sections/{key}?offset=0&count=20`: one page of a
  section; `GET /api/health-book/{patient_id}/episodes/{encounter_id}`: one episode whole
  (kept and revalidated the same way).
- `GET /api/health-book/{patient_id}/changes?since=N`: what changed after position N
  (the change feed), and `next`, the position to ask from next time.

Thin: the content is `hoso.healthbook.content`, read through the caller's repository.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.health_book_access import (
    audit_book_read,
    book_state,
    check_book_reader,
    readable_books,
    resident_changes,
)
from hoso.access.repository import AccessRepository
from hoso.api.book_etags import BuiltBooks
from hoso.api.deps import RepoDep
from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number
from hoso.healthbook.content import book_list, episode_detail, health_book, section_page

router = APIRouter(prefix="/api/health-book")

PREVIEW = 5  # items per section in the summary; the rest page by page
MAX_PAGE = 100


def _lang(request: Request) -> str:
    wanted = request.headers.get("accept-language", "vi").split(",")[0].strip().lower()
    return "en" if wanted.startswith("en") else "vi"


_BUILT = BuiltBooks()  # this process's books: revalidated and served without rebuilding


def _headers(etag: str, lang: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Language",
            "Content-Language": lang}  # fmt: skip


async def _answer(request: Request, repo: AccessRepository, patient_id: str,
                  what: tuple[str, ...], build: Callable[[str], object]) -> Response:  # fmt: skip
    """A part of the book (`what`: the summary, a section's page, an episode) as JSON
    with its ETag, kept per process under the record's state: a 304 or the same bytes
    again without building it, as long as the record, the reader's view and the day
    (the schedule's due doses move with it) are those it was built for."""
    lang = _lang(request)
    check_book_reader(repo, patient_id)
    asked = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    # The state is read before the book: a write in between gives the new book the old
    # state's key, which the next request misses (never a kept book for a changed record).
    view, state = await run_in_threadpool(book_state, repo, patient_id)
    today = clock.now().astimezone(clock.VN_TZ).date()
    key = (patient_id, lang, repo.principal.scopes, view, state, today, *what)
    etag = _BUILT.etag(key)
    if etag is not None and etag in asked:
        await run_in_threadpool(audit_book_read, repo, patient_id, "304 không đổi / not modified")
        return Response(status_code=304, headers=_headers(etag, lang))
    body = _BUILT.body(key)
    if etag is not None and body is not None:
        await run_in_threadpool(audit_book_read, repo, patient_id, "đã dựng / built before")
        return Response(body, media_type="application/json", headers=_headers(etag, lang))
    body = jsonx.dumps(await run_in_threadpool(build, lang))
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    _BUILT.put(key, etag, body)
    if etag in asked:
        return Response(status_code=304, headers=_headers(etag, lang))
    return Response(body, media_type="application/json", headers=_headers(etag, lang))


@router.get("")
async def books(repo: RepoDep) -> Response:
    """Các sổ tôi được xem / The books I may open: my own and my children's."""
    ids = readable_books(repo)
    return Response(jsonx.dumps({"books": await run_in_threadpool(book_list, repo, ids)}),
                    media_type="application/json")  # fmt: skip


@router.get("/{patient_id}")
async def book(patient_id: str, request: Request, repo: RepoDep) -> Response:
    """Sổ sức khỏe điện tử / The electronic health book: every section with its count
    and its newest items (`more: true` when there are others: page with `/sections`)."""
    return await _answer(request, repo, patient_id, ("summary",),
                         lambda lang: health_book(repo, patient_id, lang, PREVIEW))


@router.get("/{patient_id}/sections/{key}")
async def section(patient_id: str, key: str, request: Request, repo: RepoDep,
                  offset: str = "0", count: str = "20") -> Response:  # fmt: skip
    """Một mục, từng trang / One section, page by page (`next`: the following offset)."""
    start, size = whole_number(offset), whole_number(count)
    if start is None or start < 0 or size is None or not 1 <= size <= MAX_PAGE:
        raise InvalidRequest(f"offset là số ≥ 0, count từ 1 đến {MAX_PAGE} / offset is a "
                             f"number ≥ 0, count from 1 to {MAX_PAGE}",
                             expression=["offset", "count"])  # fmt: skip
    return await _answer(request, repo, patient_id, ("section", key, str(start), str(size)),
                         lambda lang: section_page(repo, patient_id, key, lang, start, size))


@router.get("/{patient_id}/episodes/{encounter_id}")
async def episode(patient_id: str, encounter_id: str, request: Request, repo: RepoDep
                  ) -> Response:  # fmt: skip
    """Một lần khám, đầy đủ / One episode of care, whole."""
    return await _answer(request, repo, patient_id, ("episode", encounter_id),
                         lambda lang: episode_detail(repo, patient_id, encounter_id, lang))


@router.get("/{patient_id}/changes")
async def changes(patient_id: str, repo: RepoDep, since: str = "0", limit: str = "100"
                  ) -> Response:  # fmt: skip
    """Những gì đã thay đổi / What changed in the record after `since` (a position this
    endpoint gave as `next`; 0 the first time), so an app syncs only that."""
    after, count = whole_number(since), whole_number(limit)
    if after is None or after < 0 or count is None or not 1 <= count <= 1000:
        raise InvalidRequest("since là số ≥ 0, limit từ 1 đến 1000 / since is a number ≥ 0, "
                             "limit from 1 to 1000", expression=["since", "limit"])  # fmt: skip
    shown, reached = await run_in_threadpool(resident_changes, repo, patient_id, after, count)
    body = {"since": after, "next": reached, "changes": [
        {"position": c.position, "reference": c.key, "version": c.version, "deleted": c.deleted}
        for c in shown]}  # fmt: skip
    return Response(jsonx.dumps(body), media_type="application/json")
