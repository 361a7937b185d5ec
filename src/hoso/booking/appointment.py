"""How a held or booked Appointment is written (IHE ITI Appointment profile shape on
R4): the Slot, the service, the room and the resident as participants, the channel and
the acting user as extensions, the queue number as an identifier and an extension."""

from __future__ import annotations

from typing import Any

from hoso.booking.model import (
    BOOKED_BY,
    CHANNEL,
    CHANNEL_SYSTEM,
    CHANNELS,
    FACILITY,
    HOLD_EXPIRES,
    OVERBOOK,
    QUEUE_NUMBER,
    SERVICE_TYPE,
    iso_instant,
)

__all__ = ["QUEUE_SYSTEM", "appointment_resource", "booked", "cancelled", "queue_label"]

QUEUE_SYSTEM = "https://hoso.vn/fhir/sid/queue-number"


def queue_label(number: int) -> str:
    """How a number is printed and called: three digits at least (số 007)."""
    return f"{number:03d}"


def appointment_resource(*, appointment_id: str, slot: Any, patient_id: str, channel: str,
                         agent: str, status: str, created: str,
                         hold_expires_us: int | None = None, referral: str | None = None,
                         slip: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A new Appointment on `slot` (a `bk_slot` row)."""
    resource: dict[str, Any] = {
        "resourceType": "Appointment", "id": appointment_id, "status": status,
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": slot.service_type}]}],
        "start": iso_instant(slot.start_us), "end": iso_instant(slot.end_us),
        "created": created, "slot": [{"reference": f"Slot/{slot.slot_id}"}],
        "participant": [
            {"actor": {"reference": f"Patient/{patient_id}"}, "required": "required",
             "status": "accepted"},
            {"actor": {"reference": f"HealthcareService/{slot.service}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{slot.service_point}"}, "status": "accepted"},
        ],
        "extension": [
            {"url": CHANNEL, "valueCoding": {"system": CHANNEL_SYSTEM, "code": channel,
                                             "display": CHANNELS.get(channel, channel)}},
            {"url": BOOKED_BY, "valueString": agent[:200]},
            {"url": FACILITY, "valueCode": slot.facility},
        ],
    }  # fmt: skip
    if hold_expires_us is not None:
        resource["extension"].append({"url": HOLD_EXPIRES,
                                      "valueInstant": iso_instant(hold_expires_us)})  # fmt: skip
    if referral:
        resource["basedOn"] = [{"reference": f"ServiceRequest/{referral}"}]
    if slip:
        resource["supportingInformation"] = [{"reference": f"Appointment/{slip}"}]
    return resource


def booked(resource: dict[str, Any], number: int, overbook_reason: str | None) -> dict[str, Any]:
    """The Appointment as booked: its queue number, no hold."""
    out = {**resource, "status": "booked"}
    ext = [e for e in out.get("extension") or [] if e.get("url") not in (HOLD_EXPIRES,
                                                                        QUEUE_NUMBER)]  # fmt: skip
    ext.append({"url": QUEUE_NUMBER, "valueInteger": number})
    if overbook_reason:
        ext.append({"url": OVERBOOK, "valueString": overbook_reason[:500]})
    out["extension"] = ext
    out["identifier"] = [i for i in out.get("identifier") or [] if i.get("system") != QUEUE_SYSTEM]
    out["identifier"].append({"system": QUEUE_SYSTEM, "value": queue_label(number)})
    return out


def cancelled(resource: dict[str, Any], reason: str, status: str = "cancelled") -> dict[str, Any]:
    out = {**resource, "status": status}
    if status == "cancelled":
        out["cancelationReason"] = {"text": reason[:500]}
    return out
