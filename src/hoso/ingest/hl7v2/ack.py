"""The acknowledgement (HL7 v2.5 original mode): MSH with sender and receiver swapped,
MSA-1 AA/AE/AR and MSA-2 the control id acknowledged, and one ERR per finding naming
the field (ERR-2), the table 0357 code (ERR-3), the severity (ERR-4) and the text for
a person (ERR-8, "Vietnamese / English")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from hoso.ingest.hl7v2.message import (
    Hl7Error,
    Hl7Message,
    Hl7Rejected,
    parse_message,
    recover_control_id,
    value,
)

VIETNAM = timezone(timedelta(hours=7))
CODE_TEXT = {"0": "Message accepted", "100": "Segment sequence error",
             "101": "Required field missing", "102": "Data type error",
             "103": "Table value not found", "200": "Unsupported message type",
             "201": "Unsupported event code", "207": "Application internal error"}  # fmt: skip


def escape(text: str) -> str:
    """HL7 escape sequences for the default delimiters |^~\\&."""
    for char, sequence in (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"),
                           ("~", "\\R\\"), ("&", "\\T\\")):  # fmt: skip
        text = text.replace(char, sequence)
    return text.replace("\r", " ").replace("\n", " ")


def _location(error: Hl7Error) -> str:
    # ERR-2 (ERL): segment^sequence^field; "PID-3" → PID^1^3, "OBX[2]-5" → OBX^2^5
    segment, _, field = error.position.partition("-")
    name, _, number = segment.partition("[")
    return "^".join((name or error.segment, number.rstrip("]") or "1", field))


def _err(error: Hl7Error) -> str:
    code = f"{error.code}^{CODE_TEXT.get(error.code, '')}^HL70357"
    return "|".join(("ERR", "", _location(error), code, error.severity, "", "", "",
                     escape(error.text)))  # fmt: skip


def _raw(message: Hl7Message, field: int) -> str:
    """MSH field as sent (components and escapes kept), "" when absent."""
    msh = message.msh
    return str(msh[field]) if field < len(msh) else ""


def _header(message: Hl7Message | None) -> tuple[str, str, str, str, str]:
    """Sender and receiver (swapped) and the event of what is acknowledged."""
    if message is None:
        return "HOSO", "", "", "", ""
    return (_raw(message, 5) or "HOSO", _raw(message, 6), _raw(message, 3), _raw(message, 4),
            escape(value(message.msh, 9, 1, 2)))  # fmt: skip


def ack(message_or_raw: bytes | Hl7Message, code: str, errors: Iterable[Hl7Error] = ()) -> bytes:
    message = message_or_raw if isinstance(message_or_raw, Hl7Message) else None
    control_id = message.control_id if message else ""
    if message is None:
        raw = message_or_raw if isinstance(message_or_raw, bytes) else b""
        try:
            message = parse_message(raw)
            control_id = message.control_id
        except Hl7Rejected as exc:
            message = exc.message
            control_id = exc.control_id or recover_control_id(raw)
    app, facility, to_app, to_facility, event = _header(message)
    now = datetime.now(VIETNAM).strftime("%Y%m%d%H%M%S%z")
    msh = "|".join(("MSH", "^~\\&", app, facility, to_app, to_facility, now, "",
                    f"ACK^{event}^ACK", uuid.uuid4().hex[:20], "P", "2.5", "", "", "", "",
                    "VN", "UNICODE UTF-8"))  # fmt: skip
    msa = f"MSA|{code}|{escape(control_id)}"
    segments = [msh, msa, *(_err(e) for e in errors)]
    return ("\r".join(segments) + "\r").encode("utf-8")
