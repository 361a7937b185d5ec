"""What a booking checks of BHYT before it takes a seat (issue 21 point 4), inside the
booking's transaction: the card valid on the visit day, a referral (XML13, or its number
typed in) for a service that needs one, and a re-examination slip (XML14) for its date —
its single use is the database's (`bk_slip_use`), not this module's. A refusal is a 422
whose message is the check's own (Vietnamese first), so the resident reads why.

A resident with no card on record books as self-paying: nothing to check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from hoso.booking.bhyt import (
    BhytRefusal,
    card_from_record,
    card_valid_from,
    check_card,
    check_followup_slip,
    check_referral,
)
from hoso.booking.model import REFERRAL_REQUIRED, extension_value
from hoso.core.clock import VN_TZ
from hoso.core.errors import UnprocessableEntity

__all__ = ["bhyt_eligibility"]


def _refuse(refusal: BhytRefusal, expression: str) -> UnprocessableEntity:
    return UnprocessableEntity(refusal.message, code="business-rule", expression=[expression])


def _visit_day(slot: Any) -> date:
    return datetime.fromtimestamp(slot.start_us / 1_000_000, UTC).astimezone(VN_TZ).date()


def bhyt_eligibility(bhyt_system: str) -> Callable[[Any, dict[str, Any], Any, Any, int], None]:
    """The check the booking service runs (`BookingService(eligibility=…)`)."""

    def check(tx: Any, patient: dict[str, Any], slot: Any, request: Any, now: int) -> None:
        visit = _visit_day(slot)
        coverages = tx.search("Coverage", [("beneficiary", f"Patient/{patient['id']}"),
                                           ("_count", "20"), ("_total", "none")])  # fmt: skip
        card = card_from_record(patient, coverages, bhyt_system=bhyt_system)
        if card is not None:
            refusal = check_card(card[0], card[1], visit,
                                 valid_from=card_valid_from(coverages, card[0],
                                                            bhyt_system=bhyt_system))  # fmt: skip
            if refusal:
                raise _refuse(refusal, "insurance-reference")
        if request.slip:
            _check_slip(tx, patient["id"], request.slip, visit)
            return  # a re-examination slip stands for the referral
        service = tx.read("HealthcareService", slot.service)
        if service and extension_value(service, REFERRAL_REQUIRED) is True:
            _check_referral(tx, patient["id"], request.referral, visit, slot.facility)

    return check


def _check_slip(tx: Any, patient_id: str, slip_id: str, visit: date) -> None:
    slip = tx.read("Appointment", slip_id)
    actors = [((p or {}).get("actor") or {}).get("reference")
              for p in (slip or {}).get("participant") or []]  # fmt: skip
    owner = f"Patient/{patient_id}" in actors
    if slip is None or not owner:
        raise UnprocessableEntity(
            "Không tìm thấy giấy hẹn khám lại này trong hồ sơ của người bệnh / This "
            "re-examination slip is not on the patient's record", expression=["slip-reference"])
    refusal = check_followup_slip(slip, visit)
    if refusal:
        raise _refuse(refusal, "slip-reference")


def _check_referral(tx: Any, patient_id: str, number: str | None, visit: date,
                    facility: str) -> None:  # fmt: skip
    if not number:
        raise UnprocessableEntity(
            "Dịch vụ này cần giấy chuyển tuyến BHYT (hoặc giấy hẹn khám lại); hãy nhập số giấy "
            "chuyển tuyến / This service needs a BHYT referral (or a re-examination slip); "
            "enter the referral number", expression=["referral-identifier"])  # fmt: skip
    subject = f"Patient/{patient_id}"
    found = tx.search("ServiceRequest", [("identifier", number), ("subject", subject),
                                         ("_count", "5"), ("_total", "none")])  # fmt: skip
    by_id = tx.read("ServiceRequest", number) if not found and len(number) <= 64 else None
    if by_id and (by_id.get("subject") or {}).get("reference") == subject:
        found = [by_id]
    if not found:
        raise UnprocessableEntity(
            f"Không tìm thấy giấy chuyển tuyến số {number[:64]} của người bệnh / Referral "
            f"{number[:64]} was not found for this patient", expression=["referral-identifier"])
    try:
        refusal = check_referral(found[0], visit, facility)
    except ValueError as exc:  # a referral without its issue date: say so, not a 500
        raise UnprocessableEntity(str(exc), expression=["referral-identifier"]) from None
    if refusal:
        raise _refuse(refusal, "referral-identifier")
