"""The pluggable sender of messages to residents (issue 21 point 5): one-time codes,
reminders and waitlist offers leave through it, always by way of the outbox
(`hoso.booking.outbox`: a row first, then delivered and marked).

The default, `LogSender`, writes each message to the server log (logger
`hoso.booking.sender`) — the issue's "default writes to the server log and to an
outbox table". It logs the body too, one-time codes included: without an SMS gateway
the log is the only place a developer or a demo can read the code a resident would
type. That is acceptable only because the log sender is a development default; a deployment
plugs its SMS gateway with `HOSO_BOOKING_SENDER=package.module:Class`
(docs/booking-reminders.md), and the recipient's number is masked in the log all the same.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Protocol

__all__ = ["KINDS", "LogSender", "Message", "Sender", "masked", "sender_named"]

log = logging.getLogger("hoso.booking.sender")
KINDS = ("otp", "reminder", "offer", "notice")
# bk_outbox.body. Vietnamese with diacritics is sent as UCS-2, 67 characters a segment
# of a long SMS: a full body is 8 segments, so the texts here stay far shorter.
BODY_LIMIT = 480


@dataclass(frozen=True, slots=True)
class Message:
    """One message to a resident, as queued in the outbox and delivered from it."""

    kind: str  # otp | reminder | offer | notice
    recipient: str  # a phone number
    body: str
    patient_id: str | None
    appointment_id: str | None
    due_us: int  # not delivered before this instant
    dedupe_key: str  # the same key twice is one message
    outbox_id: int | None = None  # set once it is in the outbox


class Sender(Protocol):
    """Delivers one message or raises (the outbox marks it failed)."""

    def deliver(self, message: Message) -> None: ...


def masked(phone: str) -> str:
    """A phone number as the log may show it: its last three digits."""
    return "…" + phone[-3:] if len(phone) > 3 else "…"


class LogSender:
    """Writes the message to the `hoso.booking.sender` log (see the module's note)."""

    def deliver(self, message: Message) -> None:
        log.info("outbox #%s %s → %s: %s", message.outbox_id, message.kind,
                 masked(message.recipient), message.body)  # fmt: skip


def sender_named(spec: str) -> Sender:
    """The sender `spec` names: "log", or "module:Class" (built with no arguments)."""
    if spec.strip() in ("", "log"):
        return LogSender()
    module_name, _, class_name = spec.strip().partition(":")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
        sender = found()
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        raise ValueError(f"HOSO_BOOKING_SENDER '{spec}': không dùng được / cannot be used "
                         f"({exc}); dùng / use 'log' | 'module:Class'") from exc  # fmt: skip
    if not callable(getattr(sender, "deliver", None)):
        raise ValueError(f"HOSO_BOOKING_SENDER '{spec}': thiếu deliver(message) / has no "
                         "deliver(message)")  # fmt: skip
    return sender
