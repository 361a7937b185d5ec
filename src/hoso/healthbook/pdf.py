"""A health-book document (`documents.Document`) as a PDF, with fpdf2: A4, DejaVu Sans
embedded (shipped in `fonts/`, so every Vietnamese diacritic prints and `pdftotext`
gives the words back exactly), labels Vietnamese first and English after " / ", dates
dd/mm/yyyy and times in Asia/Ho_Chi_Minh.

Every page carries a header (the source facility, the resident's name and birth date,
the issue time) and a footer (page numbers, the content hash). The first page carries
the verification QR code (segno), with its URL and the hash printed beside it, so a
reader without a phone can type the URL and compare the hash.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hoso.core.vi_format import HCMC, vi_date
from hoso.healthbook.documents import EPISODE, Document
from hoso.healthbook.pdf_sections import (
    GENDER,
    Writer,
    facility_label,
    write_episode,
    write_section,
)
from hoso.healthbook.seal import masked_patient

__all__ = ["BOOK_MASTHEAD", "render_pdf"]

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
BOOK_MASTHEAD = "Hồ Sơ — Sổ sức khỏe điện tử"
QR_MM = 36  # a ~500-character URL is a dense code: large enough for a phone on paper
MARGIN_MM = 15
MAX_HEADER_FACILITIES = 5


@dataclass(frozen=True, slots=True)
class Masthead:
    facility_lines: tuple[str, ...]
    person: dict[str, Any]
    issued_at: datetime
    content_hash: str
    verify_url: str
    patient: str  # masked, as the verify page shows it


class _Sheet(FPDF):
    """A4 pages with the document's header and footer (fpdf2 calls both per page)."""

    def __init__(self, masthead: Masthead) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.masthead = masthead
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_title(BOOK_MASTHEAD)
        self.set_creator("Hồ Sơ")

    def header(self) -> None:
        m = self.masthead
        width = self.epw - QR_MM - 5  # the QR's column stays free on every page
        self.set_font(FAMILY, "B", 11)
        for line in m.facility_lines:
            self.multi_cell(width, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, "", 9)
        person = m.person
        lines = [
            f"Họ và tên / Name: {person.get('name') or '—'}",
            f"Ngày sinh / Date of birth: {vi_date(person.get('birth_date'))}"
            + (f"   Giới tính / Sex: {GENDER[person['gender']]}"
               if person.get("gender") in GENDER else ""),
            f"Cấp lúc / Issued: {_local(m.issued_at)} (giờ Việt Nam / Vietnam time)",
        ]  # fmt: skip
        for line in lines:
            self.multi_cell(width, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if self.page_no() == 1:
            self.image(_qr_png(m.verify_url), x=self.w - MARGIN_MM - QR_MM, y=MARGIN_MM,
                       w=QR_MM, h=QR_MM, alt_text="QR")  # fmt: skip
            self.set_y(max(self.get_y(), MARGIN_MM + QR_MM))
        self.line(MARGIN_MM, self.get_y() + 1, self.w - MARGIN_MM, self.get_y() + 1)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-17)
        self.set_font(FAMILY, "", 7)
        self.cell(0, 4, f"Trang / Page {self.page_no()}/{{nb}}", align="R",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.cell(0, 4, f"Mã băm nội dung / Content hash (SHA-256): {self.masthead.content_hash}",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip


def render_pdf(document: Document, issued_at: int, verify_url: str,
               names: dict[str, str]) -> bytes:  # fmt: skip
    """The PDF of `document`, issued at `issued_at` (epoch seconds), its QR pointing at
    `verify_url`; `names` are the facilities' names by code."""
    content = document.content
    masthead = Masthead(_facility_lines(document, names), content["patient"],
                        datetime.fromtimestamp(issued_at, UTC), document.content_hash,
                        verify_url, masked_patient(document.patient_id))  # fmt: skip
    sheet = _Sheet(masthead)
    sheet.add_page()
    _verification(sheet, masthead)
    writer = Writer(sheet, FAMILY, names)
    if document.kind == EPISODE:
        writer.heading("Lần khám, chữa bệnh / Episode of care")
        write_episode(writer, content["episode"])
    else:
        for section in content["sections"]:
            write_section(writer, section)
    return bytes(sheet.output())


def _facility_lines(document: Document, names: dict[str, str]) -> tuple[str, ...]:
    if document.kind == EPISODE:
        return (f"Cơ sở khám, chữa bệnh / Facility: {facility_label(document.facility, names)}",)
    codes = sorted(document.content["facilities"])
    lines = [BOOK_MASTHEAD]
    if codes:
        # Every page repeats the header: past a few facilities it names how many more
        # (each item still names its own).
        shown = "; ".join(facility_label(code, names) for code in codes[:MAX_HEADER_FACILITIES])
        more = len(codes) - MAX_HEADER_FACILITIES
        if more > 0:
            shown += f"; và {more} cơ sở khác / and {more} more"
        lines.append(f"Nguồn / Sources: {shown}")
    return tuple(lines)


def _verification(sheet: _Sheet, masthead: Masthead) -> None:
    """The QR's URL and the hash in words, under the header of the first page."""
    sheet.set_font(FAMILY, "", 7)
    sheet.multi_cell(0, 3.5, "Xác thực: quét mã QR hoặc mở địa chỉ dưới đây, rồi so mã băm "
                     "/ Verify: scan the QR code or open the address below, then compare the "
                     "hash", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    # In angle brackets, the way RFC 3986 (Appendix C) delimits an address in text: its
    # last line then never ends in a hyphen either, nor runs into the next words.
    for line in _address_lines(sheet, f"<{masthead.verify_url}>"):
        sheet.cell(0, 3.5, line, link=masthead.verify_url, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)  # fmt: skip
    sheet.multi_cell(0, 3.5, f"SHA-256: {masthead.content_hash}", new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)  # fmt: skip
    sheet.multi_cell(0, 3.5, f"Người bệnh (che bớt) / Patient (masked): {masthead.patient}",
                     new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    sheet.ln(3)


def _address_lines(sheet: FPDF, url: str) -> list[str]:
    """The address cut to the page's width, no line ending in "-": a reader (and
    `pdftotext`) takes a hyphen at the end of a line for a word broken in two and drops
    it, and a token holds many."""
    lines: list[str] = []
    current = ""
    for char in url:
        if current and sheet.get_string_width(current + char) > sheet.epw:
            kept = current.rstrip("-")
            lines.append(kept or current)
            current = current[len(kept):] if kept else ""
        current += char
    return [*lines, current]


def _qr_png(url: str) -> io.BytesIO:
    # Error correction M survives a crease or a smudge on paper; the scale only sets
    # the bitmap's resolution (the PDF draws it QR_MM wide whatever it is).
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out


def _local(instant: datetime) -> str:
    return instant.astimezone(HCMC).strftime("%d/%m/%Y %H:%M")
