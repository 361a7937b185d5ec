"""The health book's downloads (issue 17 point 5): one episode, or the book or some of
its sections, as a PDF with a verification QR.

The content is the book `health_book` computes through the caller's repository (so the
access layer has decided and audited the read); the caller must be the book's reader
(`hoso.access.health_book_access.check_book_reader`) before this is called. Signing is
handed in (`sign`), so this package needs no key: the composition root passes the
server's (`hoso.access.document_tokens.sign_document`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hoso.core.vi_format import HCMC
from hoso.fhir.repository import Repository
from hoso.healthbook.content import health_book
from hoso.healthbook.documents import (
    Document,
    book_document,
    book_facility_codes,
    episode_document,
)
from hoso.healthbook.pdf import render_pdf
from hoso.healthbook.seal import Seal

__all__ = ["FacilityNames", "IssuedPdf", "Issuer", "SignSeal", "book_pdf", "episode_pdf"]

FacilityNames = Callable[[Iterable[str]], dict[str, str]]  # codes → names it knows
SignSeal = Callable[[dict[str, Any]], str]  # a seal's claims → a compact JWS
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


@dataclass(frozen=True, slots=True)
class IssuedPdf:
    pdf: bytes
    filename: str  # ASCII, for Content-Disposition
    seal: Seal
    verify_url: str


@dataclass(frozen=True, slots=True)
class Issuer:
    """How a download is signed and where its QR points."""

    names: FacilityNames
    sign: SignSeal
    verify_base: str  # the server's public base URL
    clock: Callable[[], float] = time.time


def episode_pdf(repo: Repository, patient_id: str, encounter_id: str, lang: str,
                issuer: Issuer) -> IssuedPdf:  # fmt: skip
    """The PDF of one episode; 404 for an episode not in this book."""
    book = health_book(repo, patient_id, lang)
    names = issuer.names(book_facility_codes(book))
    document = episode_document(book, encounter_id, names)
    return _issue(document, names, issuer, f"lan-kham-{_UNSAFE.sub('-', encounter_id)[:64]}")


def book_pdf(repo: Repository, patient_id: str, sections: tuple[str, ...], lang: str,
             issuer: Issuer) -> IssuedPdf:  # fmt: skip
    """The PDF of the book's chosen sections (`documents.parse_sections`)."""
    book = health_book(repo, patient_id, lang)
    names = issuer.names(book_facility_codes(book))
    return _issue(book_document(book, sections, names), names, issuer, "so-suc-khoe")


def _issue(document: Document, names: dict[str, str], issuer: Issuer, stem: str) -> IssuedPdf:
    issued_at = int(issuer.clock())
    seal = Seal.of(document, issued_at)
    url = f"{issuer.verify_base.rstrip('/')}/verify/{issuer.sign(seal.claims())}"
    day = datetime.fromtimestamp(issued_at, UTC).astimezone(HCMC).strftime("%Y%m%d")
    pdf = render_pdf(document, issued_at, url, names)
    return IssuedPdf(pdf, f"{stem}-{day}.pdf", seal, url)
