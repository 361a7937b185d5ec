"""What a booking checks for BHYT: the card, the referral (giấy chuyển tuyến, now "phiếu
chuyển cơ sở KCB") and the re-examination slip (giấy hẹn khám lại). Pure functions over
FHIR resources as dicts; each refusal is a `BhytRefusal` whose message a resident reads.

Rules and sources (docs/booking-bhyt.md has the detail):
- Card: it parses (`hoso.identity.bhyt.parse_bhyt`) and its period covers the visit.
  A card with no known end is accepted: the facility re-checks on the BHXH gateway at
  reception and may not turn a patient away when the gateway cannot answer (NĐ 188/2025
  Art. 38 §2).
- Referral issued from 01/01/2025: valid 10 working days from signing; 1 year for the
  diseases of TT 01/2025/TT-BYT Phụ lục III (TT 01/2025 Art. 12 §1–2). Issued before:
  until 31/12 of its year for the chronic list (NĐ 146/2018 Art. 15 §5), else 10 working
  days (HOUSE: the old text was not re-read; the new rule's count is used). The day of
  signing is not counted (Bộ luật Dân sự 2015 Art. 147 §2, Art. 148 §1: a 1-year period
  ends on the same date one year later).
- Slip: used once (TT 01/2025 Art. 11; enforced by the database, `SLIP_ALREADY_USED`);
  the visit must fall near the slip's date: HOUSE window, `SLIP_EARLY_WORKING_DAYS` before
  and `SLIP_LATE_WORKING_DAYS` after.
- The co-payment estimate lives in `cost_share` (its own rules and sources) and is
  re-exported here so that booking finds every BHYT rule in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any, Final

from hoso.booking.calendar import add_working_days
from hoso.booking.cost_share import ShareEstimate, estimate_share
from hoso.core.clock import VN_TZ
from hoso.core.settings import DEFAULT_BHYT_SYSTEM
from hoso.identity.bhyt import parse_bhyt

__all__ = [
    "REFERRAL_WORKING_DAYS",
    "SLIP_ALREADY_USED",
    "SLIP_EARLY_WORKING_DAYS",
    "SLIP_LATE_WORKING_DAYS",
    "BhytRefusal",
    "ShareEstimate",
    "card_from_record",
    "card_valid_from",
    "check_card",
    "check_followup_slip",
    "check_referral",
    "estimate_share",
    "is_chronic_referral",
    "referral_valid_until",
]

REFERRAL_WORKING_DAYS: Final = 10  # TT 01/2025/TT-BYT Art. 12 §1
NEW_REFERRAL_RULES: Final = date(2025, 1, 1)  # TT 01/2025 in force (Art. 15 §1)
SLIP_EARLY_WORKING_DAYS: Final = 2  # HOUSE: no source gives a window around the slip's date
SLIP_LATE_WORKING_DAYS: Final = 10  # HOUSE: as the referral's 10 working days
ICD10_SYSTEMS: Final = ("http://hl7.org/fhir/sid/icd-10",)
SLIP_ALREADY_USED: Final = (
    "Giấy hẹn khám lại này đã được dùng cho một lần khám; mỗi giấy hẹn chỉ dùng một lần "
    "(Thông tư 01/2025/TT-BYT Điều 11) / This re-examination slip has already been used "
    "for a visit; each slip is valid once (Circular 01/2025/TT-BYT Art. 11)"
)


@dataclass(frozen=True)
class BhytRefusal:
    code: str
    message: str  # Vietnamese, " / ", English


def _vn(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# -- card ----------------------------------------------------------------------------


def check_card(
    card_code: str, valid_to: date | None, visit: date, *, valid_from: date | None = None
) -> BhytRefusal | None:
    """The card parses and is valid on the visit day (`valid_from`/`valid_to` inclusive)."""
    try:
        parse_bhyt(card_code)
    except ValueError as exc:
        vi, _, en = str(exc).partition(" / ")
        return BhytRefusal(
            "BHYT_CARD_INVALID",
            f"Mã thẻ BHYT không hợp lệ: {vi} / The BHYT card code is not valid: {en or vi}",
        )
    if valid_to is not None and visit > valid_to:
        return BhytRefusal(
            "BHYT_CARD_EXPIRED",
            f"Thẻ BHYT {card_code} đã hết hạn ngày {_vn(valid_to)}, trước ngày khám "
            f"{_vn(visit)}; vui lòng gia hạn thẻ hoặc đặt lịch khám không dùng BHYT / "
            f"BHYT card {card_code} expired on {_vn(valid_to)}, before the visit on "
            f"{_vn(visit)}; please renew the card or book without BHYT",
        )
    if valid_from is not None and visit < valid_from:
        return BhytRefusal(
            "BHYT_CARD_NOT_YET_VALID",
            f"Thẻ BHYT {card_code} có giá trị từ ngày {_vn(valid_from)}, sau ngày khám "
            f"{_vn(visit)}; vui lòng chọn ngày khám từ {_vn(valid_from)} / BHYT card "
            f"{card_code} is valid from {_vn(valid_from)}, after the visit on {_vn(visit)}; "
            f"please choose a day from {_vn(valid_from)}",
        )
    return None


def card_from_record(
    patient: dict[str, Any],
    coverages: list[dict[str, Any]],
    *,
    bhyt_system: str = DEFAULT_BHYT_SYSTEM,
) -> tuple[str, date | None] | None:
    """The card to book with and its last valid day, from the resident's Coverages as XML
    130 intake and the synthetic city store them (identifier in `bhyt_system`, `period`),
    else from the Patient's BHYT identifier (no end known). Of several active cards, the
    one valid longest (no end counts as longest); a Coverage of someone else is skipped."""
    found = [
        (value, _period_day(c, "end"))
        for c in _own_active(patient, coverages)
        for value in _card_values(c.get("identifier"), bhyt_system)
    ]
    if found:
        return max(found, key=lambda f: f[1] or date.max)
    for value in _card_values(patient.get("identifier"), bhyt_system):
        return value, None
    return None


def card_valid_from(
    coverages: list[dict[str, Any]], card_code: str, *, bhyt_system: str = DEFAULT_BHYT_SYSTEM
) -> date | None:
    """The first valid day of that card's Coverage (`period.start`), if recorded."""
    for coverage in coverages:
        if card_code in _card_values(coverage.get("identifier"), bhyt_system):
            return _period_day(coverage, "start")
    return None


def _own_active(
    patient: dict[str, Any], coverages: list[dict[str, Any]]
) -> Iterable[dict[str, Any]]:
    own = f"Patient/{patient['id']}" if patient.get("id") else None
    for coverage in coverages:
        beneficiary = (coverage.get("beneficiary") or {}).get("reference")
        if coverage.get("status", "active") != "active":
            continue
        if own and beneficiary and beneficiary.startswith("Patient/") and beneficiary != own:
            continue
        yield coverage


def _card_values(identifiers: Any, system: str) -> list[str]:
    return [
        i["value"]
        for i in identifiers or []
        if i.get("system") == system and isinstance(i.get("value"), str)
    ]


def _period_day(coverage: dict[str, Any], end: str) -> date | None:
    value = (coverage.get("period") or {}).get(end)
    return _local_day(value) if isinstance(value, str) else None


def _local_day(value: str) -> date:
    """A FHIR date or dateTime as the day it is in Ho Chi Minh City."""
    if len(value) <= 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(VN_TZ).date() if moment.tzinfo else moment.date()


# -- referral ------------------------------------------------------------------------


def referral_valid_until(referral: dict[str, Any]) -> date:
    """The referral's last valid day (see the module docstring for the rules);
    `ValueError` when it carries no issue date (`authoredOn`)."""
    issued = _issued(referral)
    if not is_chronic_referral(referral):
        return add_working_days(issued, REFERRAL_WORKING_DAYS)
    if issued < NEW_REFERRAL_RULES:
        return date(issued.year, 12, 31)
    return _one_year_on(issued)


def is_chronic_referral(referral: dict[str, Any]) -> bool:
    """A reason code on the chronic-disease list (`data/referral-chronic-icd10.json`)."""
    return any(_chronic(code) for code in _icd10_codes(referral))


def check_referral(
    referral: dict[str, Any], visit: date, facility_code: str | None
) -> BhytRefusal | None:
    """The referral is active, addressed to this facility (when both are known), issued
    on or before the visit and still valid on the visit day."""
    number = _referral_number(referral)
    active = referral.get("status") in ("active", None)
    if referral.get("resourceType") != "ServiceRequest" or not active:
        return BhytRefusal(
            "REFERRAL_INACTIVE",
            f"Giấy chuyển tuyến số {number} không còn hiệu lực (đã thu hồi hoặc đã dùng xong) "
            f"/ Referral {number} is no longer active (revoked or completed)",
        )
    target = _performer_code(referral)
    if facility_code and target and target != facility_code:
        return BhytRefusal(
            "REFERRAL_OTHER_FACILITY",
            f"Giấy chuyển tuyến số {number} chuyển đến cơ sở {target}, không phải cơ sở "
            f"{facility_code} / Referral {number} is addressed to facility {target}, not "
            f"{facility_code}",
        )
    try:
        issued, until = _issued(referral), referral_valid_until(referral)
    except ValueError:
        return BhytRefusal(
            "REFERRAL_NO_DATE",
            f"Giấy chuyển tuyến số {number} không có ngày cấp nên không xác định được hạn "
            f"dùng / Referral {number} has no issue date, so its validity cannot be known",
        )
    if visit < issued:
        return BhytRefusal(
            "REFERRAL_NOT_YET_ISSUED",
            f"Ngày khám {_vn(visit)} trước ngày cấp giấy chuyển tuyến số {number} "
            f"({_vn(issued)}) / The visit on {_vn(visit)} is before referral {number} "
            f"was issued ({_vn(issued)})",
        )
    if visit > until:
        return BhytRefusal("REFERRAL_EXPIRED", _expired(referral, number, until))
    return None


def _expired(referral: dict[str, Any], number: str, until: date) -> str:
    if not is_chronic_referral(referral):
        vi_rule = f"hiệu lực {REFERRAL_WORKING_DAYS} ngày làm việc"
        en_rule = f"valid {REFERRAL_WORKING_DAYS} working days"
    elif _issued(referral) < NEW_REFERRAL_RULES:
        vi_rule, en_rule = "hiệu lực đến hết năm cấp", "valid to the end of its year"
    else:
        vi_rule, en_rule = "hiệu lực 01 năm với bệnh mạn tính", "valid 1 year for a chronic disease"
    return (
        f"Giấy chuyển tuyến số {number} đã hết hạn ngày {_vn(until)} ({vi_rule}) / "
        f"Referral {number} expired on {_vn(until)} ({en_rule})"
    )


def _issued(referral: dict[str, Any]) -> date:
    authored = referral.get("authoredOn")
    if not isinstance(authored, str) or not authored:
        raise ValueError(
            "Giấy chuyển tuyến không có ngày cấp (authoredOn) / The referral has no issue "
            "date (authoredOn)"
        )
    return _local_day(authored)


def _one_year_on(issued: date) -> date:
    # Civil Code 2015 Art. 147–148: the period starts the next day and ends at the end of
    # the same date a year later; 29/02 has no such date, so the year ends on 28/02
    # (HOUSE: the code is silent on it).
    try:
        return issued.replace(year=issued.year + 1)
    except ValueError:
        return date(issued.year + 1, 2, 28)


def _referral_number(referral: dict[str, Any]) -> str:
    identifiers = referral.get("identifier") or []
    for i in identifiers:
        if (i.get("type") or {}).get("text") == "Số giấy chuyển tuyến" and i.get("value"):
            return str(i["value"])
    for i in identifiers:
        if i.get("value"):
            return str(i["value"])
    return str(referral.get("id", "?"))


def _performer_code(referral: dict[str, Any]) -> str | None:
    for performer in referral.get("performer") or []:
        value = (performer.get("identifier") or {}).get("value")
        if value:
            return str(value)
    return None


def _icd10_codes(referral: dict[str, Any]) -> list[str]:
    return [
        c["code"]
        for concept in referral.get("reasonCode") or []
        for c in concept.get("coding") or []
        if c.get("system") in ICD10_SYSTEMS and isinstance(c.get("code"), str)
    ]


def _chronic(code: str) -> bool:
    plain = code.replace(".", "").upper()
    return any(low <= plain[: len(low)] <= high for low, high in _chronic_ranges())


@cache
def _chronic_ranges() -> tuple[tuple[str, str], ...]:
    """(first, last) code prefixes, e.g. ("A15", "A19"); entries not `in_force` (HOUSE
    guesses awaiting the official Phụ lục III) are left out on purpose: a disease wrongly
    listed would accept a referral BHXH refuses, and the resident pays at the desk."""
    text = resources.files("hoso.booking").joinpath("data/referral-chronic-icd10.json")
    entries = json.loads(text.read_text("utf-8"))["entries"]
    ranges = []
    for entry in entries:
        if not entry["in_force"]:
            continue
        for part in entry["icd10"]:
            low, _, high = part.replace(".", "").partition("-")
            ranges.append((low, high or low))
    return tuple(ranges)


# -- re-examination slip ---------------------------------------------------------------


def check_followup_slip(slip: dict[str, Any], visit: date) -> BhytRefusal | None:
    """An XML14 Appointment (booked, with its date in `start`) fits the visit day:
    from `SLIP_EARLY_WORKING_DAYS` working days before the slip's date to
    `SLIP_LATE_WORKING_DAYS` after (HOUSE). A slip already fulfilled is `SLIP_ALREADY_USED`."""
    number = _slip_number(slip)
    status = slip.get("status")
    if status in ("fulfilled", "arrived", "checked-in"):
        return BhytRefusal("SLIP_ALREADY_USED", SLIP_ALREADY_USED)
    if slip.get("resourceType") != "Appointment" or status in ("cancelled", "entered-in-error"):
        return BhytRefusal(
            "SLIP_CANCELLED",
            f"Giấy hẹn khám lại số {number} đã bị hủy / Re-examination slip {number} was cancelled",
        )
    start = slip.get("start")
    if not isinstance(start, str) or not start:
        return BhytRefusal(
            "SLIP_NO_DATE",
            f"Giấy hẹn khám lại số {number} không có ngày hẹn / Re-examination slip "
            f"{number} has no appointment date",
        )
    due = _local_day(start)
    earliest = add_working_days(due, -SLIP_EARLY_WORKING_DAYS)
    latest = add_working_days(due, SLIP_LATE_WORKING_DAYS)
    if earliest <= visit <= latest:
        return None
    return BhytRefusal(
        "SLIP_TOO_EARLY" if visit < earliest else "SLIP_TOO_LATE",
        f"Giấy hẹn khám lại số {number} hẹn ngày {_vn(due)}, dùng được từ {_vn(earliest)} "
        f"đến {_vn(latest)}; ngày khám {_vn(visit)} nằm ngoài khoảng này / "
        f"Re-examination slip {number} is for {_vn(due)} and can be used from "
        f"{_vn(earliest)} to {_vn(latest)}; the visit on {_vn(visit)} is outside it",
    )


def _slip_number(slip: dict[str, Any]) -> str:
    for i in slip.get("identifier") or []:
        if (i.get("type") or {}).get("text") == "Số giấy hẹn khám lại" and i.get("value"):
            return str(i["value"])
    return str(slip.get("id", "?"))
