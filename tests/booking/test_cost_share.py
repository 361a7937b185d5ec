"""The co-payment estimate, each figure worked by hand from the rule it illustrates.

The base salary is 2,340,000 VND, so the small-cost threshold (15 %) is 351,000 VND; the
visits below cost 500,000 VND unless a case needs otherwise.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hoso.booking.bhyt import estimate_share as reexported
from hoso.booking.cost_share import BASE_SALARY_VND, ESTIMATE_LABEL, ShareEstimate, estimate_share

PRICE = 500_000


def referred(
    card: str, price: int = PRICE, base_salary_vnd: int = BASE_SALARY_VND
) -> ShareEstimate:
    return estimate_share(
        card, facility_level="co_ban", referred=True, emergency=False, price_vnd=price,
        base_salary_vnd=base_salary_vnd,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("card", "insurer", "patient", "rate"),
    [
        ("TE1790123456789", 500_000, 0, Decimal(1)),  # level 1: 100 %
        ("HN2790123456789", 500_000, 0, Decimal(1)),  # level 2: 100 % (cap not reached)
        ("HT3790123456789", 475_000, 25_000, Decimal("0.95")),  # 500,000 × 95 %
        ("DN4790123456789", 400_000, 100_000, Decimal("0.8")),  # 500,000 × 80 %
        ("QN5790123456789", 500_000, 0, Decimal(1)),  # level 5: 100 %
        ("7901234567", 400_000, 100_000, Decimal("0.8")),  # 10 digits: lowest level, 80 %
    ],
)
def test_each_benefit_level(card: str, insurer: int, patient: int, rate: Decimal) -> None:
    estimate = referred(card)
    assert (estimate.insurer_vnd, estimate.patient_vnd, estimate.rate) == (insurer, patient, rate)
    assert estimate.label == ESTIMATE_LABEL
    assert estimate.insurer_vnd + estimate.patient_vnd == PRICE


def test_basis_cites_the_article_for_the_level() -> None:
    basis = referred("HT3790123456789").basis
    assert basis[0] == (
        "Mức hưởng 95 % theo ký tự thứ 3 của mã thẻ (3), Luật BHYT Điều 22 khoản 1 điểm đ / "
        "Benefit level 95 % from the card's 3rd character (3), Law on Health Insurance "
        "Art. 22 §1 đ"
    )
    assert basis[-1] == (
        "BHYT trả 95 % × 500.000 đ = 475.000 đ; người bệnh trả 25.000 đ / BHYT pays 95 % × "
        "500,000 VND = 475,000 VND; the patient pays 25,000 VND"
    )


def test_small_cost_is_paid_in_full() -> None:
    # 300,000 < 351,000: 100 % instead of 80 %
    assert referred("DN4790123456789", 300_000).insurer_vnd == 300_000
    # exactly the threshold is not below it: 351,000 × 80 % = 280,800
    at = referred("DN4790123456789", 351_000)
    assert (at.insurer_vnd, at.patient_vnd) == (280_800, 70_200)
    # a higher base salary raises the threshold: 15 % of 2,530,000 = 379,500 > 351,000
    assert referred("DN4790123456789", 351_000, base_salary_vnd=2_530_000).patient_vnd == 0


def test_rounding_to_the_dong() -> None:
    # 400,001 × 95 % = 380,000.95 → 380,001 paid by BHYT, 20,000 by the resident
    estimate = referred("HT3790123456789", 400_001)
    assert (estimate.insurer_vnd, estimate.patient_vnd) == (380_001, 20_000)


def test_specialised_level_without_referral_pays_nothing_outpatient() -> None:
    own = estimate_share(
        "DN4790123456789", facility_level="chuyen_sau", referred=False, emergency=False,
        price_vnd=PRICE,
    )  # fmt: skip
    assert (own.insurer_vnd, own.patient_vnd, own.rate) == (0, 500_000, Decimal(0))
    emergency = estimate_share(
        "DN4790123456789", facility_level="chuyen_sau", referred=False, emergency=True,
        price_vnd=PRICE,
    )  # fmt: skip
    assert emergency.insurer_vnd == 400_000  # 80 %, the card's level


def test_basic_level_without_referral() -> None:
    full = estimate_share(
        "HT3790123456789", facility_level="co_ban", referred=False, emergency=False,
        price_vnd=PRICE,
    )  # fmt: skip
    assert full.insurer_vnd == 475_000
    # NĐ 188 Art. 19 §2–4 facility from 01/07/2026: 95 % × 50 % = 47.5 % of 500,000
    half = estimate_share(
        "HT3790123456789", facility_level="co_ban", referred=False, emergency=False,
        price_vnd=PRICE, outpatient_half=True,
    )  # fmt: skip
    assert (half.insurer_vnd, half.patient_vnd, half.rate) == (237_500, 262_500, Decimal("0.475"))
    # halving is not "full level", so the small-cost rule does not lift it back to 100 %
    small = estimate_share(
        "HT3790123456789", facility_level="co_ban", referred=False, emergency=False,
        price_vnd=200_000, outpatient_half=True,
    )  # fmt: skip
    assert small.insurer_vnd == 95_000


def test_primary_level_pays_in_full_when_in_the_right_place() -> None:
    at_home = estimate_share(
        "DN4790123456789", facility_level="ban_dau", referred=True, emergency=False,
        price_vnd=PRICE,
    )  # fmt: skip
    assert (at_home.insurer_vnd, at_home.patient_vnd) == (500_000, 0)
    assert any("cấp ban đầu" in line for line in at_home.basis)
    # another primary facility without referral: the card's level, 80 % of 500,000
    elsewhere = estimate_share(
        "DN4790123456789", facility_level="ban_dau", referred=False, emergency=False,
        price_vnd=PRICE,
    )  # fmt: skip
    assert (elsewhere.insurer_vnd, elsewhere.patient_vnd) == (400_000, 100_000)


def test_small_cost_rule_needs_the_right_place() -> None:
    # Coming on one's own to a basic-level facility: 300,000 < 351,000 but the level stays
    # (QĐ 130 MUC_HUONG): 80 % of 300,000 = 240,000.
    own = estimate_share(
        "DN4790123456789", facility_level="co_ban", referred=False, emergency=False,
        price_vnd=300_000,
    )  # fmt: skip
    assert (own.insurer_vnd, own.patient_vnd) == (240_000, 60_000)
    # An emergency is in the right place anywhere: 100 %
    emergency = estimate_share(
        "DN4790123456789", facility_level="co_ban", referred=False, emergency=True,
        price_vnd=300_000,
    )  # fmt: skip
    assert emergency.patient_vnd == 0


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        estimate_share(
            "DN4790123456789", facility_level="tuyen_huyen", referred=True,  # type: ignore[arg-type]
            emergency=False, price_vnd=PRICE,
        )  # fmt: skip
    with pytest.raises(ValueError, match="15 ký tự"):
        referred("DN47901")
    with pytest.raises(ValueError):
        referred("DN4790123456789", -1)


def test_reexported_from_bhyt() -> None:
    assert reexported is estimate_share
