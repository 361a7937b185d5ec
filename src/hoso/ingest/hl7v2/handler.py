"""The listener's handler: raw message in, ACK out, for one facility.

Each listener is tied to one facility code: a message whose MSH-4 names another
facility is refused (AR), so a sender cannot file care under someone else's name.
Acknowledgement codes: AR when the message cannot be read or may not be taken (not
UTF-8, another character set, another facility, an unsupported type); AE when it was
read but its content is wrong or the intake rejected it; AA otherwise, with the
intake's warnings as ERR segments of severity W.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hoso.core.settings import Settings
from hoso.ingest.hl7v2.ack import ack
from hoso.ingest.hl7v2.bundle import to_bundle
from hoso.ingest.hl7v2.message import Hl7Error, Hl7Rejected, parse_message

REFUSED_CODES = frozenset({"200", "201"})


def _intake_errors(issues: Any, severity: str) -> list[Hl7Error]:
    found = []
    for issue in issues:
        vi, _, en = issue.text.partition(" / ")
        level = "W" if issue.severity in ("warning", "information") else severity
        found.append(Hl7Error("", "", "207", vi, en or vi, level))
    return found


def make_handler(
    take: Callable[[dict], Any], *, settings: Settings, facility: str,
    merge: Callable[[str, str, str], str | None] | None = None,
) -> Callable[[bytes], bytes]:  # fmt: skip
    """`take(bundle)` writes a Bundle and returns an object with `.status` and
    `.issues`; `merge(surviving CCCD, retired CCCD, message id)`, when given, routes an
    ADT^A40 to the master patient index's review and says why not, if it cannot
    (without it an A40 is answered AE: nothing is merged here)."""

    def handle(raw: bytes) -> bytes:
        try:
            message = parse_message(raw)
        except Hl7Rejected as exc:
            return ack(raw, "AR", exc.errors)
        sender = message.sending_facility.strip()
        if sender != facility:
            return ack(message, "AR", [Hl7Error(
                "MSH", "MSH-4", "207",
                f"cơ sở gửi '{sender}' không phải cơ sở của cổng này ({facility})",
                f"sending facility '{sender}' is not this listener's ({facility})")])  # fmt: skip
        result = to_bundle(message, settings=settings, facility=facility)
        if any(e.code in REFUSED_CODES for e in result.errors):
            return ack(message, "AR", result.errors)
        if result.rejected:
            return ack(message, "AE", result.errors)
        if result.merge is not None:
            if merge is None:
                return ack(message, "AE", [Hl7Error("MSH", "MSH-9", "207",
                           "gộp hồ sơ chưa được bật cho cổng này",
                           "merging is not enabled for this listener")])  # fmt: skip
            refused = merge(*result.merge, message.control_id)
            if refused:
                vi, _, en = refused.partition(" / ")
                return ack(message, "AE", [Hl7Error("MRG", "MRG-1", "204", vi, en or vi)])
            return ack(message, "AA", result.errors)
        assert result.bundle is not None
        outcome = take(result.bundle)
        if outcome.status == "rejected":
            return ack(message, "AE", result.errors + _intake_errors(outcome.issues, "E"))
        return ack(message, "AA", result.errors + _intake_errors(outcome.issues, "W"))

    return handle
