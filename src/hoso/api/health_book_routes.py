"""`/api/health-book/`: the resident's electronic health book for apps (VNeID-style).

- `GET /api/health-book/{patient_id}`: every section (QĐ 31/QĐ-BYT groups a–d) with its
  counts, in the language of `Accept-Language` (vi by default, en), for a resident's
  token (`patient/*.rs`) or a guardian's for their child; another record is 404, as a
  missing one. `ETag` and `If-None-Match` → 304, so a phone refreshes cheaply.

Thin: the content is `hoso.healthbook.content`, read through the caller's repository.
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hoso.api.deps import RepoDep
from hoso.core import jsonx
from hoso.healthbook.content import health_book

router = APIRouter(prefix="/api/health-book")


def _lang(request: Request) -> str:
    wanted = request.headers.get("accept-language", "vi").split(",")[0].strip().lower()
    return "en" if wanted.startswith("en") else "vi"


@router.get("/{patient_id}")
async def book(patient_id: str, request: Request, repo: RepoDep) -> Response:
    """Sổ sức khỏe điện tử / The electronic health book, every section with its counts."""
    lang = _lang(request)
    content = await run_in_threadpool(health_book, repo, patient_id, lang)
    body = jsonx.dumps(content)
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Language",
               "Content-Language": lang}  # fmt: skip
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
