"""`/api/health-book/`: the resident's electronic health book for apps (VNeID-style).

- `GET /api/health-book/{patient_id}`: every section (QĐ 31/QĐ-BYT groups a–d) with its
  counts, in the language of `Accept-Language` (vi by default, en), for a resident's
  token (`patient/*.rs`) or a guardian's for their child; another record is 404, as a
  missing one; another role 403. `ETag` and `If-None-Match` → 304, so a phone
  refreshes cheaply: the record's state tells that a book built here is still current
  (`hoso.api.book_etags`), which is then answered without building it again.
- `GET /api/health-book/{patient_id}/changes?since=N`: what changed after position N
  (the change feed), and `next`, the position to ask from next time.

Thin: the content is `hoso.healthbook.content`, read through the caller's repository.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.access.health_book_access import (
    audit_book_read,
    book_state,
    check_book_reader,
    resident_changes,
)
from hoso.api.book_etags import BuiltBooks
from hoso.api.deps import RepoDep
from hoso.core import jsonx
from hoso.core.errors import InvalidRequest
from hoso.core.text import whole_number
from hoso.healthbook.content import health_book

router = APIRouter(prefix="/api/health-book")


def _lang(request: Request) -> str:
    wanted = request.headers.get("accept-language", "vi").split(",")[0].strip().lower()
    return "en" if wanted.startswith("en") else "vi"


_BUILT = BuiltBooks()  # this process's books: revalidated and served without rebuilding


def _headers(etag: str, lang: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Language",
            "Content-Language": lang}  # fmt: skip


@router.get("/{patient_id}")
async def book(patient_id: str, request: Request, repo: RepoDep) -> Response:
    """Sổ sức khỏe điện tử / The electronic health book, every section with its counts."""
    lang = _lang(request)
    check_book_reader(repo, patient_id)
    asked = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    # The state is read before the book: a write in between gives the new book the old
    # state's key, which the next request misses (never a kept book for a changed record).
    view, state = await run_in_threadpool(book_state, repo, patient_id)
    key = (patient_id, lang, repo.principal.scopes, view, state)
    etag = _BUILT.etag(key)
    if etag is not None and etag in asked:
        await run_in_threadpool(audit_book_read, repo, patient_id, "304 không đổi / not modified")
        return Response(status_code=304, headers=_headers(etag, lang))
    body = _BUILT.body(key)
    if etag is not None and body is not None:
        await run_in_threadpool(audit_book_read, repo, patient_id, "đã dựng / built before")
        return Response(body, media_type="application/json", headers=_headers(etag, lang))
    content = await run_in_threadpool(health_book, repo, patient_id, lang)
    body = jsonx.dumps(content)
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    _BUILT.put(key, etag, body)
    if etag in asked:
        return Response(status_code=304, headers=_headers(etag, lang))
    return Response(body, media_type="application/json", headers=_headers(etag, lang))


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
