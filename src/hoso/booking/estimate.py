"""The BHYT estimate a resident sees before confirming a booking (issue 21 point 4):
the visit's price from the catalogue at the facility's level, the card on record, and
whether the visit is in the right place — `hoso.booking.cost_share` does the arithmetic
and names each rule it applied. Always labelled an estimate.

A facility's level is read from its Organization (`type.text` as the synthetic city and
the facility register write it, else its name); the catalogue's four kinds map to the
2024 law's technical levels (HOUSE: private clinics as cấp ban đầu, area hospitals as cấp
cơ bản, city hospitals as cấp chuyên sâu — the Ministry assigns each facility its level).
"""

from __future__ import annotations

from typing import Any

from hoso.booking.bhyt import card_from_record
from hoso.booking.catalogue import service
from hoso.booking.cost_share import ShareEstimate, estimate_share

__all__ = ["facility_kind", "share_for", "technical_level", "visit_estimate"]

_BY_TEXT = (("trạm y tế", "station"), ("phòng khám", "clinic"), ("khu vực", "area"),
            ("bệnh viện", "city"))  # fmt: skip
_TECHNICAL = {"station": "ban_dau", "clinic": "ban_dau", "area": "co_ban", "city": "chuyen_sau"}


def facility_kind(org: dict[str, Any]) -> str:
    """city | area | station | clinic, from the Organization's type text or name."""
    texts = [str(t.get("text") or "") for t in org.get("type") or [] if isinstance(t, dict)]
    for text in [*texts, str(org.get("name") or "")]:
        folded = text.lower()
        for marker, kind in _BY_TEXT:
            if marker in folded:
                return kind
    return "city"


def technical_level(kind: str) -> str:
    return _TECHNICAL.get(kind, "chuyen_sau")


def share_for(card: str | None, service_type: str, org: dict[str, Any], *,
              referred: bool) -> ShareEstimate | None:  # fmt: skip
    """The estimate, or None when there is no card (self-paying) or no known price."""
    kind = facility_kind(org)
    try:
        price = service(service_type).price_at(kind)
    except KeyError:
        return None
    if not card:
        return None
    try:
        return estimate_share(card, facility_level=technical_level(kind),  # type: ignore[arg-type]
                              referred=referred, emergency=False, price_vnd=price)  # fmt: skip
    except ValueError:
        return None


def visit_estimate(tx: Any, patient: dict[str, Any], slot: Any, bhyt_system: str, *,
                   referred: bool) -> dict[str, Any]:  # fmt: skip
    """The answer the portal and the API show: whether the resident has a card, and the
    estimate (None without a card or a price), read in the booking door's transaction."""
    coverages = tx.search("Coverage", [("beneficiary", f"Patient/{patient['id']}"),
                                       ("_count", "20"), ("_total", "none")])  # fmt: skip
    card = card_from_record(patient, coverages, bhyt_system=bhyt_system)
    found = tx.search("Organization", [("identifier", slot.facility)])
    share = share_for(card[0] if card else None, slot.service_type, found[0] if found else {},
                      referred=referred)  # fmt: skip
    if share is None:
        return {"insured": bool(card), "estimate": None}
    return {"insured": True, "estimate": {
        "insurer_vnd": share.insurer_vnd, "patient_vnd": share.patient_vnd,
        "rate": str(share.rate), "basis": share.basis, "label": share.label}}  # fmt: skip
