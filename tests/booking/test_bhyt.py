"""The BHYT checks a booking makes: card, referral (XML13 ServiceRequest) and
re-examination slip (XML14 Appointment), shaped as the XML 130 intake stores them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hoso.booking.bhyt import (
    SLIP_ALREADY_USED,
    BhytRefusal,
    card_from_record,
    card_valid_from,
    check_card,
    check_followup_slip,
    check_referral,
    is_chronic_referral,
    referral_valid_until,
)
from hoso.core.settings import DEFAULT_BHYT_SYSTEM, DEFAULT_FACILITY_SYSTEM

ICD10 = "http://hl7.org/fhir/sid/icd-10"
CARD = "DN4790123456789"


def referral(authored: str | None, *codes: str, to: str = "79001", **extra: Any) -> dict[str, Any]:
    """A ServiceRequest as `ingest/xml130/referral.py` writes it."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "identifier": [
            {"system": "urn:x", "value": "79123-LK1-XML13-1"},
            {"type": {"text": "Số giấy chuyển tuyến"}, "value": "CT-0042"},
        ],
        "performer": [{"identifier": {"system": DEFAULT_FACILITY_SYSTEM, "value": to}}],
        "reasonCode": [{"coding": [{"system": ICD10, "code": c} for c in codes]}],
    }
    if authored:
        resource["authoredOn"] = authored
    return resource | extra


# -- referral ------------------------------------------------------------------------


def test_referral_expires_after_ten_working_days_skipping_tet() -> None:
    # Issued Thursday 12/02/2026. Working days after it: Fri 13/02 (1); Tết 16–20/02 and
    # the weekends are off; 23, 24, 25, 26, 27/02 (2–6); 02, 03, 04, 05/03 (7–10).
    # Counting calendar weekdays without Tết would have ended on 26/02.
    paper = referral("2026-02-12", "K29.7")
    assert referral_valid_until(paper) == date(2026, 3, 5)
    assert check_referral(paper, date(2026, 3, 5), "79001") is None
    refusal = check_referral(paper, date(2026, 3, 6), "79001")
    assert refusal == BhytRefusal(
        "REFERRAL_EXPIRED",
        "Giấy chuyển tuyến số CT-0042 đã hết hạn ngày 05/03/2026 (hiệu lực 10 ngày làm "
        "việc) / Referral CT-0042 expired on 05/03/2026 (valid 10 working days)",
    )


def test_chronic_referral_is_valid_one_year() -> None:
    paper = referral("2026-02-12", "J45.9")  # asthma: on the chronic list
    assert is_chronic_referral(paper)
    assert referral_valid_until(paper) == date(2027, 2, 12)
    assert check_referral(paper, date(2026, 3, 6), "79001") is None  # past 10 working days
    assert check_referral(paper, date(2027, 2, 12), "79001") is None
    refusal = check_referral(paper, date(2027, 2, 13), "79001")
    assert refusal is not None and refusal.code == "REFERRAL_EXPIRED"
    assert "hiệu lực 01 năm với bệnh mạn tính" in refusal.message


def test_chronic_referral_before_2025_ends_with_its_year() -> None:
    assert referral_valid_until(referral("2024-06-10", "J44.1")) == date(2024, 12, 31)


def test_a_secondary_chronic_code_counts_and_unlisted_candidates_do_not() -> None:
    assert is_chronic_referral(referral("2026-01-05", "K29.7", "A16.2"))  # tuberculosis
    # Cancer is a HOUSE candidate not yet switched on: the 10-working-day rule applies.
    assert not is_chronic_referral(referral("2026-01-05", "C50.9"))


def test_issue_time_is_read_in_ho_chi_minh_city() -> None:
    # 23:30 UTC on 12/02 is 06:30 on 13/02 in Vietnam: 10 working days from Friday 13/02
    # end on Friday 06/03.
    assert referral_valid_until(referral("2026-02-12T23:30:00Z", "K29.7")) == date(2026, 3, 6)


@pytest.mark.parametrize(
    ("paper", "visit", "code"),
    [
        (referral("2026-03-02", "K29.7", to="79002"), date(2026, 3, 3), "REFERRAL_OTHER_FACILITY"),
        (referral("2026-03-02", "K29.7", status="revoked"), date(2026, 3, 3), "REFERRAL_INACTIVE"),
        (referral(None, "K29.7"), date(2026, 3, 3), "REFERRAL_NO_DATE"),
        (referral("2026-03-02", "K29.7"), date(2026, 3, 1), "REFERRAL_NOT_YET_ISSUED"),
    ],
)
def test_referral_refusals(paper: dict[str, Any], visit: date, code: str) -> None:
    refusal = check_referral(paper, visit, "79001")
    assert refusal is not None and refusal.code == code
    assert " / " in refusal.message and "CT-0042" in refusal.message


def test_referral_to_any_facility_when_the_booking_names_none() -> None:
    assert (
        check_referral(referral("2026-03-02", "K29.7", to="79002"), date(2026, 3, 3), None) is None
    )


# -- card ----------------------------------------------------------------------------


def test_expired_card() -> None:
    refusal = check_card(CARD, date(2026, 3, 31), date(2026, 4, 1))
    assert refusal == BhytRefusal(
        "BHYT_CARD_EXPIRED",
        f"Thẻ BHYT {CARD} đã hết hạn ngày 31/03/2026, trước ngày khám 01/04/2026; vui lòng "
        f"gia hạn thẻ hoặc đặt lịch khám không dùng BHYT / BHYT card {CARD} expired on "
        f"31/03/2026, before the visit on 01/04/2026; please renew the card or book "
        f"without BHYT",
    )
    assert check_card(CARD, date(2026, 3, 31), date(2026, 3, 31)) is None  # last day counts


def test_card_not_yet_valid() -> None:
    refusal = check_card(CARD, date(2026, 12, 31), date(2026, 5, 31), valid_from=date(2026, 6, 1))
    assert refusal is not None and refusal.code == "BHYT_CARD_NOT_YET_VALID"
    assert "có giá trị từ ngày 01/06/2026" in refusal.message
    assert check_card(CARD, None, date(2026, 6, 1), valid_from=date(2026, 6, 1)) is None


def test_card_that_does_not_parse() -> None:
    refusal = check_card("DN47901234", None, date(2026, 6, 1))
    assert refusal is not None and refusal.code == "BHYT_CARD_INVALID"
    vi, en = refusal.message.split(" / ", 1)
    assert vi.startswith("Mã thẻ BHYT không hợp lệ: ") and en.startswith("The BHYT card code")


def _coverage(card: str, start: str, end: str | None, **extra: Any) -> dict[str, Any]:
    period = {"start": start} | ({"end": end} if end else {})
    return {
        "resourceType": "Coverage",
        "status": "active",
        "identifier": [{"use": "official", "system": DEFAULT_BHYT_SYSTEM, "value": card}],
        "beneficiary": {"reference": "Patient/p1"},
        "period": period,
    } | extra


def test_card_from_record_prefers_the_card_valid_longest() -> None:
    patient = {"resourceType": "Patient", "id": "p1"}
    coverages = [
        _coverage("HT3790000000001", "2025-01-01", "2025-12-31"),
        _coverage("DN4790000000001", "2026-01-01", "2026-12-31"),
        _coverage("GD4790000000009", "2026-01-01", None, beneficiary={"reference": "Patient/p2"}),
        _coverage("CN3790000000003", "2026-01-01", None, status="cancelled"),
    ]
    assert card_from_record(patient, coverages) == ("DN4790000000001", date(2026, 12, 31))
    assert card_valid_from(coverages, "DN4790000000001") == date(2026, 1, 1)


def test_card_from_record_falls_back_to_the_patient_identifier() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": DEFAULT_BHYT_SYSTEM, "value": CARD}],
    }
    assert card_from_record(patient, []) == (CARD, None)
    assert card_from_record({"resourceType": "Patient", "id": "p1"}, []) is None


# -- re-examination slip ---------------------------------------------------------------


def slip(start: str | None, status: str = "booked") -> dict[str, Any]:
    """An Appointment as `ingest/xml130/appointment.py` writes it."""
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": status,
        "identifier": [{"type": {"text": "Số giấy hẹn khám lại"}, "value": "HK-77"}],
    }
    if start:
        resource |= {"start": start, "end": start}
    return resource


def test_slip_window_around_its_date() -> None:
    # Due Tuesday 10/03/2026: 2 working days before are Mon 09/03 and Fri 06/03, so the
    # earliest day is Friday 06/03; 10 working days after (11–13, 16–20, 23, 24/03) end
    # on Tuesday 24/03.
    paper = slip("2026-03-10T09:20:00+07:00")
    assert check_followup_slip(paper, date(2026, 3, 6)) is None
    assert check_followup_slip(paper, date(2026, 3, 24)) is None
    early = check_followup_slip(paper, date(2026, 3, 5))
    late = check_followup_slip(paper, date(2026, 3, 25))
    assert early is not None and early.code == "SLIP_TOO_EARLY"
    assert late is not None and late.code == "SLIP_TOO_LATE"
    assert "dùng được từ 06/03/2026 đến 24/03/2026" in late.message


def test_used_and_cancelled_slips() -> None:
    used = check_followup_slip(slip("2026-03-10T09:20:00+07:00", "fulfilled"), date(2026, 3, 10))
    assert used == BhytRefusal("SLIP_ALREADY_USED", SLIP_ALREADY_USED)
    assert SLIP_ALREADY_USED.startswith("Giấy hẹn khám lại này đã được dùng")
    cancelled = check_followup_slip(slip("2026-03-10T09:20", "cancelled"), date(2026, 3, 10))
    assert cancelled is not None and cancelled.code == "SLIP_CANCELLED"
    undated = check_followup_slip(slip(None), date(2026, 3, 10))
    assert undated is not None and undated.code == "SLIP_NO_DATE"
