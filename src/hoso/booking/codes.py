"""How a one-time code's message leaves (issue 21 point 5): queued in `bk_outbox` (kind
otp) in the caller's transaction and handed at once to the pluggable sender
(`hoso.booking.sender`, default: the server log), marked sent or failed. The composition
root gives this function to the access layer's `BookingCodes`; the code itself is made
and checked there (`hoso.access.booking_otp`)."""

from __future__ import annotations

from hoso.booking.sender import Message, Sender
from hoso.fhir.booking_code_tables import BookingCodeTables

__all__ = ["send_code"]


def send_code(outbox: BookingCodeTables, sender: Sender, *, phone: str, patient_id: str,
              body: str, dedupe_key: str, now_us: int) -> int:  # fmt: skip
    """Queue and deliver the code's message; its outbox id."""
    message_id = outbox.add_message(kind="otp", recipient=phone, patient_id=patient_id,
                                    body=body, due_us=now_us, dedupe_key=dedupe_key,
                                    now_us=now_us)  # fmt: skip
    message = Message(kind="otp", recipient=phone, body=body, patient_id=patient_id,
                      appointment_id=None, due_us=now_us, dedupe_key=dedupe_key,
                      outbox_id=message_id)  # fmt: skip
    try:
        sender.deliver(message)
    except Exception:  # a gateway's refusal: the row says so; the resident may ask again
        outbox.mark_message(message_id, "failed", now_us)
        return message_id
    outbox.mark_message(message_id, "sent", now_us)
    return message_id
