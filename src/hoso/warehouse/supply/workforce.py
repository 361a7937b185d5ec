"""A facility's staff list (CSV or .xlsx, the columns facilities keep) → Practitioner
and PractitionerRole, checked whole before anything is written.

Template (header row; Vietnamese headers or the English aliases; docs/warehouse-supply.md):
`Họ tên` · `Số CCHN/GPHN` · `Chức danh nghề nghiệp` · `Chuyên khoa` · `Khoa/phòng` ·
`Mã CSKCB` · `Tỷ lệ thời gian (FTE)` · `Giới tính`.

- The Practitioner is the person, keyed by their practising certificate number (CCHN, or
  GPHN under Law 15/2023/QH15), city-wide, and also by the system XML 130 gives the
  claims' MA_BAC_SI at this facility, so prescribers in claims find their person.
- The PractitionerRole is the post at this facility, keyed `<MA_CSKCB>|<CCHN>`:
  profession as a code (`chuc-danh-nghe-nghiep`), specialty, department and the share
  of full time (FTE, 0–1) as extensions. A person with posts at two facilities has two.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hoso.core.text import fold
from hoso.warehouse.supply.codes import (
    DEPARTMENT_EXT,
    FTE_EXT,
    PROFESSION,
    SID_CCHN,
    SID_ROLE,
    SPECIALTY,
    prescriber_system,
)
from hoso.warehouse.supply.stock import parse_quantity
from hoso.warehouse.supply.tabular import Column, Row, Template, bad_row

__all__ = ["PROFESSIONS", "STAFF", "StaffPost", "read_staff"]

# code → (Vietnamese, English, the folded words a file may write). The titles of the
# professions in Law 15/2023/QH15 art. 26 (bác sĩ, y sĩ, điều dưỡng, hộ sinh, kỹ thuật y,
# dinh dưỡng lâm sàng, cấp cứu viên ngoại viện, tâm lý lâm sàng) and pharmacists (Law on
# Pharmacy 105/2016/QH13); "other" for the rest.
PROFESSIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "doctor": ("Bác sĩ", "Doctor", ("bac si", "doctor", "physician", "bs")),
    "assistant-doctor": ("Y sĩ", "Assistant doctor", ("y si", "assistant doctor")),
    "nurse": ("Điều dưỡng", "Nurse", ("dieu duong", "nurse", "dd")),
    "midwife": ("Hộ sinh", "Midwife", ("ho sinh", "nu ho sinh", "midwife")),
    "pharmacist": ("Dược sĩ", "Pharmacist", ("duoc si", "pharmacist", "ds")),
    "technician": ("Kỹ thuật y", "Medical technician",
                   ("ky thuat y", "ky thuat vien", "technician", "ktv")),
    "nutritionist": ("Dinh dưỡng lâm sàng", "Clinical nutritionist",
                     ("dinh duong lam sang", "dinh duong", "nutritionist")),
    "paramedic": ("Cấp cứu viên ngoại viện", "Paramedic", ("cap cuu vien ngoai vien",
                                                            "paramedic")),
    "psychologist": ("Tâm lý lâm sàng", "Clinical psychologist",
                     ("tam ly lam sang", "psychologist")),
    "other": ("Khác", "Other", ("khac", "other")),
}  # fmt: skip
_BY_WORD = {word: code for code, (_, _, words) in PROFESSIONS.items() for word in words}
_GENDER = {"nam": "male", "male": "male", "nu": "female", "female": "female"}

STAFF = Template((
    Column("name", "Họ tên", ("Họ và tên", "Name", "Full name"), required=True),
    Column("licence", "Số CCHN/GPHN", ("CCHN", "GPHN", "Số CCHN", "Licence number",
                                       "License number", "MA_BAC_SI"), required=True),
    Column("profession", "Chức danh nghề nghiệp", ("Chức danh", "Profession"), required=True),
    Column("specialty", "Chuyên khoa", ("Specialty", "Speciality")),
    Column("department", "Khoa/phòng", ("Khoa phòng", "Khoa", "Department")),
    Column("facility", "Mã CSKCB", ("MA_CSKCB", "Facility code", "Facility")),
    Column("fte", "Tỷ lệ thời gian (FTE)", ("FTE", "Tỷ lệ thời gian")),
    Column("gender", "Giới tính", ("Gender", "Sex")),
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class StaffPost:
    line: int
    licence: str
    practitioner: dict[str, Any]
    role: dict[str, Any]  # its `practitioner` reference is set when written


def profession_of(text: str) -> str | None:
    """A profession code from how a file writes it ("Bác sĩ CKI" is a doctor)."""
    words = fold(text)
    if words in _BY_WORD:
        return _BY_WORD[words]
    return next((code for word, code in sorted(_BY_WORD.items(), key=lambda p: -len(p[0]))
                 if len(word) > 3 and words.startswith(word + " ")), None)  # fmt: skip


def _fte(row: Row) -> Decimal:
    text = row.get("fte")
    if text is None:
        return Decimal(1)
    value = parse_quantity(text.rstrip("%"))
    if value is not None and text.endswith("%"):
        value = value / 100
    if value is None or not Decimal(0) < value <= 1:
        raise bad_row(row.line, "FTE phải trong khoảng (0; 1], ví dụ 0.5 hoặc 50%",
                      "FTE must be in (0, 1], e.g. 0.5 or 50%", "fte")  # fmt: skip
    return value.normalize()


def _post(row: Row, facility: str, facility_system: str) -> StaffPost:
    line = row.line
    if row.get("facility") not in (None, facility):
        raise bad_row(line, f"Mã CSKCB {row.get('facility')} khác cơ sở nhập {facility}",
                      f"facility {row.get('facility')} is not {facility}", "facility")  # fmt: skip
    licence = " ".join((row.get("licence") or "").split()).upper()
    if not 3 <= len(licence) <= 40 or "|" in licence:
        raise bad_row(line, "Số CCHN/GPHN không hợp lệ", "invalid licence number", "licence")
    profession = profession_of(row.get("profession") or "")
    if profession is None:
        raise bad_row(line, f"chức danh '{(row.get('profession') or '')[:40]}' không có trong "
                      "danh mục (Bác sĩ, Y sĩ, Điều dưỡng, Hộ sinh, Dược sĩ, Kỹ thuật y…)",
                      "unknown profession", "profession")  # fmt: skip
    gender = _GENDER.get(fold(row.get("gender") or ""))
    if row.get("gender") and gender is None:
        raise bad_row(line, "Giới tính là Nam hoặc Nữ", "gender is Nam or Nữ", "gender")
    practitioner: dict[str, Any] = {
        "resourceType": "Practitioner",
        "identifier": [{"system": SID_CCHN, "value": licence},
                       {"system": prescriber_system(facility_system, facility),
                        "value": licence}],
        "name": [{"use": "official", "text": row.get("name")}],
    }  # fmt: skip
    if gender:
        practitioner["gender"] = gender
    vi = PROFESSIONS[profession][0]
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "identifier": [{"system": SID_ROLE, "value": f"{facility}|{licence}"}],
        "active": True,
        "code": [{"coding": [{"system": PROFESSION, "code": profession, "display": vi}],
                  "text": row.get("profession")}],
        "organization": {"identifier": {"system": facility_system, "value": facility}},
        "extension": [{"url": FTE_EXT, "valueDecimal": _fte(row)}],
    }  # fmt: skip
    if row.get("specialty"):
        text = row.get("specialty") or ""
        role["specialty"] = [{"coding": [{"system": SPECIALTY, "code": fold(text)[:64]}],
                              "text": text}]  # fmt: skip
    if row.get("department"):
        role["extension"].append({"url": DEPARTMENT_EXT, "valueString": row.get("department")})
    return StaffPost(line, licence, practitioner, role)


def read_staff(data: bytes, facility: str, facility_system: str) -> list[StaffPost]:
    """Every post of the file, or the first bad row's error (a licence listed twice is
    one: the file would say two things about one post)."""
    posts = [_post(row, facility, facility_system) for row in STAFF.read(data)]
    seen: dict[str, int] = {}
    for post in posts:
        if post.licence in seen:
            raise bad_row(post.line, f"Số CCHN/GPHN {post.licence} đã có ở dòng "
                          f"{seen[post.licence]}", f"licence repeated from line "
                          f"{seen[post.licence]}", "licence")  # fmt: skip
        seen[post.licence] = post.line
    return posts
