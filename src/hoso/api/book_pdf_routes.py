"""The health book as PDF (issue 17 point 5), and the page its QR code opens.

- `GET /book/{patient_id}/episodes/{encounter_id}.pdf`: one episode of care (the
  Ministry lets residents download each one);
- `GET /book/{patient_id}/book.pdf?sections=allergies,vaccinations`: the book, or the
  chosen sections (`hoso.healthbook.documents.BOOK_SECTIONS`; an unknown one is 400);
- `GET /verify/{token}`: no login; "Tài liệu hợp lệ / Valid document" with the content
  hash, kind, issue time and facility the signed token holds, or a page saying it cannot
  be confirmed (404) for any other token.

The downloads take a bearer token (an app) or the person's browser session
(`hoso.api.page_session`): the same resident-only rule as `/api/health-book`, another
resident's book or episode answered exactly as a missing one, the reads audited by the
access layer. A PDF is `private, no-store`: it holds health data.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from hoso.access.document_tokens import document_claims, sign_document
from hoso.access.health_book_access import check_book_reader
from hoso.api.facility_names import provider_names
from hoso.api.layout import render_page
from hoso.api.page_session import PageCaller, PageCallerDep
from hoso.healthbook.documents import BOOK, EPISODE, parse_sections
from hoso.healthbook.downloads import IssuedPdf, Issuer, book_pdf, episode_pdf
from hoso.healthbook.pdf_sections import TITLES
from hoso.healthbook.seal import Seal

router = APIRouter()

KINDS = {EPISODE: ("Một lần khám, chữa bệnh", "One episode of care"),
         BOOK: ("Sổ sức khỏe điện tử", "Electronic health book")}  # fmt: skip


def _issuer(request: Request, caller: PageCaller) -> Issuer:
    state = request.app.state
    return Issuer(names=partial(provider_names, caller.repo),
                  sign=partial(sign_document, state.auth.keys),
                  verify_base=state.settings.public_base_url)  # fmt: skip


def _attachment(issued: IssuedPdf) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{issued.filename}"',
               "Cache-Control": "private, no-store"}  # fmt: skip
    return Response(issued.pdf, media_type="application/pdf", headers=headers)


@router.get("/book/{patient_id}/episodes/{encounter_id}.pdf")
async def download_episode(request: Request, patient_id: str, encounter_id: str,
                           caller: PageCallerDep) -> Response:  # fmt: skip
    """Một lần khám (PDF) / One episode of care as PDF."""
    check_book_reader(caller.repo, patient_id)
    issued = await run_in_threadpool(episode_pdf, caller.repo, patient_id, encounter_id,
                                     caller.lang, _issuer(request, caller))  # fmt: skip
    return _attachment(issued)


@router.get("/book/{patient_id}/book.pdf")
async def download_book(request: Request, patient_id: str, caller: PageCallerDep,
                        sections: str | None = None) -> Response:  # fmt: skip
    """Sổ sức khỏe (PDF) / The health book, or the chosen sections, as PDF."""
    chosen = parse_sections(sections)
    check_book_reader(caller.repo, patient_id)
    issued = await run_in_threadpool(book_pdf, caller.repo, patient_id, chosen, caller.lang,
                                     _issuer(request, caller))  # fmt: skip
    return _attachment(issued)


@router.get("/verify/{token}", include_in_schema=False)  # a page, like the others
def verify_document(request: Request, token: str) -> HTMLResponse:
    """Xác thực tài liệu / Verify a downloaded document (public: the QR's page)."""
    claims = document_claims(request.app.state.auth.keys, token)
    seal = Seal.from_claims(claims) if claims is not None else None
    lang = "en" if request.cookies.get("hoso_lang") == "en" else "vi"
    return render_page(request, "document_verify.html", lang=lang, seal=seal, kinds=KINDS,
                       titles=TITLES, status=200 if seal else 404)  # fmt: skip
