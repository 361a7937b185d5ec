"""The body of a health-book PDF: the book's sections and episodes written as text, one
item a paragraph (its date, what it is, its source facility, its details), labels
Vietnamese first and English after " / ".

Everything printed passes through `Writer.text`, which puts it in Unicode NFC: a record
may hold decomposed Vietnamese ("e" + combining circumflex + combining acute), which
DejaVu would draw as stacked marks and `pdftotext` give back as other code points.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hoso.core.vi_format import HCMC, vi_date

__all__ = ["GENDER", "Writer", "facility_label", "local_time", "write_episode", "write_section"]

GENDER = {"male": "Nam / Male", "female": "Nữ / Female", "other": "Khác / Other",
          "unknown": "Không rõ / Unknown"}  # fmt: skip
NOTHING = "Chưa có thông tin / Nothing recorded yet"
EPISODE_PARTS = (("diagnoses", "Chẩn đoán / Diagnoses"), ("results", "Kết quả / Results"),
                 ("medications", "Thuốc / Medications"),
                 ("procedures", "Phẫu thuật, thủ thuật / Procedures"))  # fmt: skip
DETAILS = (("value", "Kết quả / Value"), ("flag", "Đánh giá / Flag"),
           ("dose", "Mũi / Dose"), ("lot", "Số lô / Lot"))  # fmt: skip
ADMINISTRATIVE = (("name", "Họ và tên / Name"), ("birth_date", "Ngày sinh / Date of birth"),
                  ("gender", "Giới tính / Sex"), ("phone", "Điện thoại / Phone"),
                  ("address", "Địa chỉ / Address"),
                  ("blood_group", "Nhóm máu / Blood group"))  # fmt: skip
# The sections' titles in both languages, whatever language the content was read in.
TITLES = {
    "administrative": "Thông tin hành chính / Administrative",
    "allergies": "Dị ứng / Allergies",
    "conditions": "Bệnh mạn tính, khuyết tật / Chronic diseases and disabilities",
    "procedures": "Phẫu thuật, thủ thuật / Surgeries and procedures",
    "family": "Tiền sử gia đình / Family history",
    "risk_factors": "Yếu tố nguy cơ / Risk factors",
    "vaccinations": "Tiêm chủng / Vaccinations",
    "results": "Kết quả đo, xét nghiệm ngoài lần khám / Measurements and results outside "
               "an episode",
    "episodes": "Các lần khám, chữa bệnh / Episodes of care",
    "papers": "Tóm tắt hồ sơ và giấy tờ / Record summaries and papers",
}  # fmt: skip


class Writer:
    """Paragraphs on `sheet` in the embedded font; `names` are facilities by code."""

    def __init__(self, sheet: FPDF, family: str, names: dict[str, str]) -> None:
        self.sheet = sheet
        self.family = family
        self.names = names

    @staticmethod
    def text(value: Any) -> str:
        return unicodedata.normalize("NFC", str(value))

    def heading(self, title: str) -> None:
        self.sheet.ln(2)
        self.sheet.set_font(self.family, "B", 12)
        self.line(title, height=6)

    def line(self, text: str, *, height: float = 5, indent: float = 0, bold: bool = False,
             size: float | None = None) -> None:  # fmt: skip
        if size is not None or bold:
            self.sheet.set_font(self.family, "B" if bold else "", size or 10)
        self.sheet.set_x(self.sheet.l_margin + indent)
        self.sheet.multi_cell(0, height, self.text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def body(self, text: str, indent: float = 0) -> None:
        self.sheet.set_font(self.family, "", 10)
        self.line(text, indent=indent)


def facility_label(code: str | None, names: dict[str, str]) -> str:
    """The facility's name and code, "Bệnh viện Quận 1 (79001)"; the code alone when
    its name is not known to us; a provider named by an Organization reference by its
    name alone (the reference is an internal id, nothing a reader can use)."""
    if not code:
        return "—"
    if code in names:
        return names[code] if code.startswith("Organization/") else f"{names[code]} ({code})"
    return code


def local_time(value: str | None) -> str:
    """A FHIR date as dd/mm/yyyy; a dateTime with its time, in Asia/Ho_Chi_Minh."""
    if not value:
        return "—"
    if "T" not in value:
        return vi_date(value)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return vi_date(value)
    if instant.tzinfo is None:  # FHIR requires a zone with a time; trust the date alone
        return vi_date(value)
    return instant.astimezone(HCMC).strftime("%d/%m/%Y %H:%M")


def write_section(writer: Writer, section: dict[str, Any]) -> None:
    key = section["key"]
    writer.heading(TITLES.get(key, key))
    if key == "administrative":
        _administrative(writer, section)
        return
    items = section.get("items") or []
    if not items:
        writer.body(NOTHING)
    for item in items:
        if key == "episodes":
            write_episode(writer, item)
        else:
            _item(writer, item)


def write_episode(writer: Writer, episode: dict[str, Any]) -> None:
    """One episode: when, where, why, then what was recorded during it."""
    end = episode.get("end")
    when = local_time(episode.get("date")) + (f" – {local_time(end)}" if end else "")
    writer.line(f"{when} · {episode.get('title') or '—'}", bold=True, size=10)
    writer.body(f"Cơ sở / Facility: {facility_label(episode.get('facility'), writer.names)}")
    if episode.get("reason"):
        writer.body(f"Lý do khám / Reason: {episode['reason']}")
    for key, label in EPISODE_PARTS:
        writer.line(label, bold=True, size=9.5, indent=4)
        found = episode.get(key) or []
        if not found:
            writer.body(NOTHING, indent=8)
        for item in found:
            _item(writer, item, indent=8)
    writer.sheet.ln(2)


def _item(writer: Writer, item: dict[str, Any], indent: float = 0) -> None:
    writer.body(f"{local_time(item.get('date'))} · {item.get('title') or '—'}", indent=indent)
    details = [f"{label}: {item[key]}" for key, label in DETAILS if item.get(key)]
    if item.get("facility"):
        details.append(f"Cơ sở / Facility: {facility_label(item['facility'], writer.names)}")
    if details:
        writer.sheet.set_font(writer.family, "", 8.5)
        writer.line("; ".join(details), height=4.2, indent=indent + 4)


def _administrative(writer: Writer, section: dict[str, Any]) -> None:
    for key, label in ADMINISTRATIVE:
        value = section.get(key)
        if value:
            shown = vi_date(value) if key == "birth_date" else GENDER.get(value, value) if (
                key == "gender") else value  # fmt: skip
            writer.body(f"{label}: {shown}")
    for system, value in sorted((section.get("identifiers") or {}).items()):
        writer.body(f"Mã định danh / Identifier: {value} ({system})")
    for card in section.get("insurance") or []:
        period = f"{vi_date(card.get('start'))} – {vi_date(card.get('end'))}"
        writer.body(f"Thẻ BHYT / Insurance card: {card.get('card') or '—'} · "
                    f"{card.get('payor') or '—'} · {period}")  # fmt: skip
    for person in section.get("representatives") or []:
        writer.body(f"Người đại diện / Representative: {person.get('title') or '—'}")
