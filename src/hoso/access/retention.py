"""How long a resident's medical record must be kept, and the answer to a request to
delete it before then.

Retention (TT 33/2025/TT-BYT, DOMAIN-VN.md §2.2 [S]): ordinary medical records 10
years, records of a death 30, psychiatric, work-accident and traffic-accident records
20. A record under its retention period may refuse deletion (Luật 91/2025/QH15 Art.
14; Luật Khám bệnh, chữa bệnh Art. 69; DOMAIN-VN.md §9 [S]).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import Any

from hoso.fhir.security_labels import ICD10_SYSTEMS

__all__ = [
    "NOT_ASSESSED",
    "RETENTION_YEARS",
    "retained_until",
    "retention_answer",
    "retention_categories",
]

RETENTION_YEARS = {
    "medical-record": 10,
    "death": 30,
    "psychiatric": 20,
    "work-accident": 20,
    "traffic-accident": 20,
}
_CATEGORY_NAMES = {
    "medical-record": ("hồ sơ bệnh án", "medical records"),
    "death": ("hồ sơ người bệnh tử vong", "records of a death"),
    "psychiatric": ("hồ sơ bệnh án tâm thần", "psychiatric records"),
    "work-accident": ("hồ sơ tai nạn lao động", "work-accident records"),
    "traffic-accident": ("hồ sơ tai nạn giao thông", "traffic-accident records"),
}
# ICD-10, first three characters (Z04 needs the fourth): chapter V is mental and
# behavioural disorders; V01–V99 transport accidents; Y96 a work-related condition;
# Z04.1/Z04.2 observation after a transport/work accident. An approximation of the
# record types TT 33/2025 names, to be checked by the DPO [R].
_ICD10_CATEGORIES = (
    ("F00", "F99", "psychiatric"),
    ("V01", "V99", "traffic-accident"),
    ("Y96", "Y96", "work-accident"),
    ("Z041", "Z041", "traffic-accident"),
    ("Z042", "Z042", "work-accident"),
)


# When the record could not be read for the answer (the caller's scopes do not reach it).
NOT_ASSESSED = (
    "Chưa đánh giá được thời hạn lưu trữ; cán bộ bảo vệ dữ liệu sẽ trả lời / "
    "The retention period was not assessed; the data-protection officer will answer"
)


def _icd10_codes(resource: dict[str, Any]) -> Iterator[str]:
    for coding in (resource.get("code") or {}).get("coding") or []:
        if coding.get("system") in ICD10_SYSTEMS and isinstance(coding.get("code"), str):
            yield coding["code"].strip().upper().replace(".", "")


def retention_categories(
    patient: dict[str, Any], conditions: Iterable[dict[str, Any]] = ()
) -> frozenset[str]:
    """The retention categories a resident's record falls in: always medical-record,
    plus death (Patient.deceased[x]) and those the Conditions' ICD-10 codes imply."""
    found = {"medical-record"}
    if patient.get("deceasedBoolean") is True or patient.get("deceasedDateTime"):
        found.add("death")
    for condition in conditions:
        for code in _icd10_codes(condition):
            for low, high, category in _ICD10_CATEGORIES:
                head = code[: len(low)]
                if low <= head <= high:
                    found.add(category)
    return frozenset(found)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retained_until(newest_record: date, categories: Collection[str]) -> date:
    """The last day the record must be kept: the newest record's date plus the longest
    period among `categories` (an upper bound; each record has its own)."""
    years = max((RETENTION_YEARS[c] for c in categories), default=RETENTION_YEARS["medical-record"])
    return _add_years(newest_record, years)


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def retention_answer(newest_record: date | None, categories: Collection[str], today: date) -> str:
    """The answer to a deletion request, Vietnamese then English."""
    if newest_record is None:
        return (
            "Không có hồ sơ bệnh án nào đang trong thời hạn lưu trữ bắt buộc / "
            "No medical record is under a legal retention period"
        )
    until = retained_until(newest_record, categories)
    ordered = sorted(categories, key=lambda c: (-RETENTION_YEARS[c], c))
    top = ordered[0] if ordered else "medical-record"
    vi, en = _CATEGORY_NAMES[top]
    years = RETENTION_YEARS[top]
    basis_vi = (
        f"{vi} phải lưu trữ {years} năm (Thông tư 33/2025/TT-BYT; Luật 91/2025/QH15 "
        "Điều 14; Luật Khám bệnh, chữa bệnh Điều 69)"
    )
    basis_en = (
        f"{en} must be kept {years} years (Circular 33/2025/TT-BYT; Law 91/2025/QH15 "
        "Art. 14; Law on Medical Examination and Treatment Art. 69)"
    )
    if until >= today:
        return (
            f"Từ chối xoá: {basis_vi}; hồ sơ mới nhất ngày {_dmy(newest_record)} được lưu "
            f"đến hết ngày {_dmy(until)} / Deletion refused: {basis_en}; the newest "
            f"record, of {_dmy(newest_record)}, is kept until {_dmy(until)}"
        )
    return (
        f"Thời hạn lưu trữ bắt buộc đã hết ngày {_dmy(until)} ({basis_vi}); có thể xoá / "
        f"The legal retention period ended on {_dmy(until)} ({basis_en}); deletion may "
        "proceed"
    )
