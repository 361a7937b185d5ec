"""What BHYT would pay for a booked outpatient visit, and what the resident would pay:
an estimate shown before booking, never a bill.

Luật BHYT 2008 (Luật 25/2008/QH12) as amended by Luật 46/2014/QH13 and Luật 51/2024/QH15
(in force 01/01/2025 for Art. 22 and the referral rules, 01/07/2025 otherwise), with NĐ
188/2025/NĐ-CP. Steps, each recorded in `basis`:
1. Benefit level (mức hưởng) from the card's 3rd character: 1, 2, 5 → 100 %, 3 → 95 %,
   4 → 80 % (Art. 22 §1 a, b, đ, e). A 10-digit card does not say: estimated at 80 %,
   the lowest, so the resident is not surprised upwards (HOUSE).
2. How the resident came: an emergency or a valid referral keeps the full level (Art. 22
   §1 and §5 as amended); coming on one's own keeps it at a primary-level (cấp ban đầu)
   facility and at a basic-level (cấp cơ bản) one, halves it at the basic-level
   facilities NĐ 188 Art. 19 §2–4 names from 01/07/2026 (`outpatient_half`), and pays
   nothing for an outpatient visit at a specialised-level (cấp chuyên sâu) facility
   (the law's 40 % there is for inpatient care; HOUSE reading of Art. 22 §3).
3. 100 % when the visit is in the right place (an emergency, a valid referral, or the
   facility the card is registered at: `referred`) and costs less than 15 % of the base
   salary or is at a primary-level facility (Art. 22 §1 c; threshold NĐ 146/2018 Art. 14
   §2, carried into NĐ 188/2025: HOUSE, the new article was not re-read). Coming on one's
   own keeps the level even below the threshold (QĐ 130/QĐ-BYT, Bảng 2, MUC_HUONG).
Not modelled (HOUSE): the 5-years-and-6-months'-salary exemption (Art. 22 §1 d: needs the
BHXH gateway's running total), level 2's cap on high-cost services (a visit is far below
it), services outside the BHYT list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal

from hoso.identity.bhyt import parse_bhyt

__all__ = ["BASE_SALARY_VND", "ESTIMATE_LABEL", "FacilityLevel", "ShareEstimate", "estimate_share"]

# Mức lương cơ sở from 01/07/2024 (NĐ 73/2024/NĐ-CP Art. 3); Luật 51/2024 Art. 3 §5 b keeps
# it as the BHYT reference amount until the Government sets one. Callers pass the amount
# in force on the visit day: a change of the base salary must not need a code change.
BASE_SALARY_VND: Final = 2_340_000
SMALL_COST_SHARE: Final = Decimal("0.15")
ESTIMATE_LABEL: Final = (
    "Ước tính — số tiền thực tế do cơ sở KCB và BHXH xác định / "
    "Estimate — the actual amounts are set by the facility and Vietnam Social Security"
)
FacilityLevel = Literal["ban_dau", "co_ban", "chuyen_sau"]

_LEVELS: Final = {  # card level → (percent, point of Art. 22 §1)
    1: (100, "b"),
    2: (100, "b"),
    3: (95, "đ"),
    4: (80, "e"),
    5: (100, "a"),
}
_LEVEL_NAMES: Final = {
    "ban_dau": ("cấp ban đầu", "primary level"),
    "co_ban": ("cấp cơ bản", "basic level"),
    "chuyen_sau": ("cấp chuyên sâu", "specialised level"),
}


@dataclass(frozen=True)
class ShareEstimate:
    insurer_vnd: int
    patient_vnd: int
    rate: Decimal  # the share BHYT pays, 0–1
    basis: list[str] = field(default_factory=list)  # each rule applied, Vietnamese / English
    label: str = ESTIMATE_LABEL


def estimate_share(
    card_code: str,
    *,
    facility_level: FacilityLevel,
    referred: bool,
    emergency: bool,
    price_vnd: int,
    base_salary_vnd: int = BASE_SALARY_VND,
    outpatient_half: bool = False,
) -> ShareEstimate:
    """The estimate for one outpatient visit at `price_vnd` (the BHYT price of the visit).
    `referred` means the visit is in the right place (đúng tuyến): a valid referral, or the
    facility where the card is registered (MA_DKBD). `ValueError` for an unparsable card,
    an unknown level or a negative price."""
    if facility_level not in _LEVEL_NAMES:
        raise ValueError(f"facility_level must be one of {sorted(_LEVEL_NAMES)}")
    if price_vnd < 0 or base_salary_vnd <= 0:
        raise ValueError("price_vnd must be ≥ 0 and base_salary_vnd > 0")
    basis: list[str] = []
    level_percent = _level_percent(card_code, basis)
    route = _route_share(facility_level, referred, emergency, outpatient_half, basis)
    percent = level_percent * route
    if (referred or emergency) and percent < 100:
        percent = _full_cover(percent, facility_level, price_vnd, base_salary_vnd, basis)
    rate = percent / 100
    insurer = int((price_vnd * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    patient = price_vnd - insurer
    basis.append(
        f"BHYT trả {_pct(percent, ',')} × {_vnd(price_vnd, '.')} đ = {_vnd(insurer, '.')} đ; "
        f"người bệnh trả {_vnd(patient, '.')} đ / BHYT pays {_pct(percent, '.')} × "
        f"{_vnd(price_vnd, ',')} VND = {_vnd(insurer, ',')} VND; the patient pays "
        f"{_vnd(patient, ',')} VND"
    )
    return ShareEstimate(insurer, patient, rate, basis)


def _pct(percent: Decimal, decimal_mark: str) -> str:
    return f"{percent.normalize():f} %".replace(".", decimal_mark)


def _vnd(amount: int | Decimal, thousands: str) -> str:
    """Vietnamese groups thousands with '.', English with ','."""
    return f"{int(amount):,}".replace(",", thousands)


def _level_percent(card_code: str, basis: list[str]) -> Decimal:
    card = parse_bhyt(card_code)
    if card.level is None:
        basis.append(
            "Thẻ 10 số không ghi mức hưởng: ước tính theo mức thấp nhất 80 % (quy ước nội bộ) "
            "/ A 10-digit card does not show its benefit level: estimated at the lowest, "
            "80 % (house rule)"
        )
        return Decimal(80)
    percent, point = _LEVELS[card.level]
    basis.append(
        f"Mức hưởng {percent} % theo ký tự thứ 3 của mã thẻ ({card.level}), Luật BHYT Điều 22 "
        f"khoản 1 điểm {point} / Benefit level {percent} % from the card's 3rd character "
        f"({card.level}), Law on Health Insurance Art. 22 §1 {point}"
    )
    return Decimal(percent)


def _route_share(
    level: FacilityLevel, referred: bool, emergency: bool, half: bool, basis: list[str]
) -> Decimal:
    vi, en = _LEVEL_NAMES[level]
    if emergency:
        basis.append(
            "Cấp cứu: hưởng đủ mức tại mọi cơ sở (Luật BHYT Điều 22 khoản 5, sửa đổi bởi "
            "Luật 51/2024/QH15) / Emergency: full benefit at any facility (Art. 22 §5 as "
            "amended by Law 51/2024/QH15)"
        )
        return Decimal(1)
    if referred:
        basis.append(
            "Có giấy chuyển tuyến hợp lệ: hưởng đủ mức (Luật BHYT Điều 22 khoản 1; Thông tư "
            "01/2025/TT-BYT Điều 9) / Valid referral: full benefit (Art. 22 §1; Circular "
            "01/2025/TT-BYT Art. 9)"
        )
        return Decimal(1)
    if level == "chuyen_sau":
        basis.append(
            f"Tự đến khám ngoại trú tại cơ sở {vi}: quỹ BHYT không chi trả (Luật BHYT Điều "
            f"22 khoản 3, sửa đổi 2024: 40 % chỉ cho điều trị nội trú) / Outpatient visit "
            f"at a {en} facility without referral: BHYT pays nothing (Art. 22 §3 as amended "
            f"2024: its 40 % is for inpatient care only)"
        )
        return Decimal(0)
    if level == "co_ban" and half:
        basis.append(
            f"Tự đến khám ngoại trú tại cơ sở {vi} thuộc Nghị định 188/2025/NĐ-CP Điều 19 "
            f"khoản 2–4 (từ 01/07/2026): hưởng 50 % mức hưởng / Outpatient visit without "
            f"referral at a {en} facility named by Decree 188/2025 Art. 19 §2–4 (from "
            f"01/07/2026): 50 % of the benefit level"
        )
        return Decimal("0.5")
    basis.append(
        f"Tự đến khám ngoại trú tại cơ sở {vi}: hưởng đủ mức (Luật BHYT Điều 22 khoản 3, "
        f"sửa đổi 2024; Nghị định 188/2025/NĐ-CP Điều 19 khoản 1) / Outpatient visit "
        f"without referral at a {en} facility: full benefit (Art. 22 §3 as amended 2024; "
        f"Decree 188/2025 Art. 19 §1)"
    )
    return Decimal(1)


def _full_cover(
    percent: Decimal, level: FacilityLevel, price: int, base_salary: int, basis: list[str]
) -> Decimal:
    threshold = base_salary * SMALL_COST_SHARE
    if price < threshold:
        basis.append(
            f"Chi phí {_vnd(price, '.')} đ thấp hơn 15 % mức lương cơ sở "
            f"({_vnd(threshold, '.')} đ): quỹ trả 100 % (Luật BHYT Điều 22 khoản 1 điểm c) / "
            f"Cost {_vnd(price, ',')} VND below 15 % of the base salary "
            f"({_vnd(threshold, ',')} VND): BHYT pays 100 % (Art. 22 §1 c)"
        )
        return Decimal(100)
    if level == "ban_dau":
        basis.append(
            "Khám tại cơ sở cấp ban đầu (trước đây tuyến xã): quỹ trả 100 % (Luật BHYT Điều "
            "22 khoản 1 điểm c; quy đổi tuyến xã → cấp ban đầu là quy ước nội bộ) / Visit at "
            "a primary-level facility (the former commune level): BHYT pays 100 % (Art. 22 "
            "§1 c; commune level read as primary level: house rule)"
        )
        return Decimal(100)
    return percent
