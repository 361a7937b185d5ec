"""One HL7 v2 message as received: decoded, parsed by the `hl7` library, and read field
by field by position ("PID-3", repetition, component) without ever raising on a field
the sender left out.

The bytes must be UTF-8 and MSH-18 must say so (or say nothing): a message in another
character set is refused whole rather than decoded wrongly, since a mis-decoded
Vietnamese name ("Nguyá»…n") would be filed as a different person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import hl7
from hl7.containers import Message, Segment

# MSH-18 values that mean UTF-8 (HL7 table 0211 spells it "UNICODE UTF-8").
UTF8_NAMES = frozenset({"", "UNICODE UTF-8", "UTF-8", "UTF8"})


@dataclass(frozen=True, slots=True)
class Hl7Error:
    """One finding about a message: where ("PID-3"), the table 0357 code, how bad
    (E error, W warning: HL7 table 0516) and the bilingual text."""

    segment: str
    position: str  # "PID-3", "MSH-18"; "" for the message as a whole
    code: str  # HL7 table 0357: 100 segment sequence, 101 required missing, 102 data type…
    vi: str
    en: str
    severity: str = "E"

    @property
    def text(self) -> str:
        return f"{self.vi} / {self.en}"


class Hl7Rejected(Exception):
    """The message cannot be read at all: the answer is AR, whatever else it says."""

    def __init__(self, errors: list[Hl7Error], control_id: str = "",
                 message: Hl7Message | None = None) -> None:  # fmt: skip
        super().__init__("; ".join(e.text for e in errors))
        self.errors = errors
        self.control_id = control_id
        self.message = message  # when parsed: the ACK can still address the sender


def value(segment: Segment | None, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
    """The (unescaped) text at SEG-field.rep.comp.sub, "" when the sender left it out."""
    if segment is None:
        return ""
    try:
        return str(segment.extract_field(1, field, rep, comp, sub))
    except IndexError:
        return ""


def repetitions(segment: Segment | None, field: int) -> int:
    """How many repetitions ("~") field `field` has; 0 when it is empty."""
    if segment is None or field >= len(segment):
        return 0
    content = segment[field]
    if content and isinstance(content[0], str):
        return 1 if content[0] else 0
    return len(content)


@dataclass
class Hl7Message:
    parsed: Message
    raw: bytes

    def segment(self, name: str) -> Segment | None:
        found = self.segments(name)
        return found[0] if found else None

    def segments(self, name: str) -> list[Segment]:
        return [s for s in self.parsed if str(s[0]) == name]

    @property
    def msh(self) -> Segment:
        return self.parsed.segment("MSH")

    @property
    def control_id(self) -> str:
        return value(self.msh, 10)

    @property
    def sending_facility(self) -> str:
        return value(self.msh, 4)

    @property
    def message_type(self) -> tuple[str, str]:
        return value(self.msh, 9, 1, 1), value(self.msh, 9, 1, 2)


def recover_control_id(raw: bytes) -> str:
    """MSH-10 of a message that could not be parsed, best effort, for the AR."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return value(hl7.parse(text).segment("MSH"), 10)
    except Exception:
        match = re.search(r"MSH(.)(?:[^\r]*?\1){8}([^\r]*?)\1", text)
        return match.group(2) if match else ""


def parse_message(data: bytes) -> Hl7Message:
    """Decode and parse; raise Hl7Rejected when the message cannot be read safely."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Hl7Rejected([Hl7Error("MSH", "MSH-18", "102",
                                    "nội dung không phải UTF-8",
                                    "content is not valid UTF-8")],
                          recover_control_id(data)) from None  # fmt: skip
    # MLLP hands over the message; tolerate LF line ends some senders use
    text = text.strip().replace("\r\n", "\r").replace("\n", "\r")
    try:
        if not text.startswith("MSH"):
            raise ValueError("no MSH")
        parsed = hl7.parse(text)
        message = Hl7Message(parsed, data)
        message.msh  # noqa: B018 - raises when there is no MSH
    except Exception:
        raise Hl7Rejected([Hl7Error("MSH", "", "100", "không đọc được thông điệp HL7",
                                    "the HL7 message cannot be parsed")],
                          recover_control_id(data)) from None  # fmt: skip
    charset = value(message.msh, 18).strip().upper()
    if charset not in UTF8_NAMES:
        raise Hl7Rejected([Hl7Error("MSH", "MSH-18", "103",
                                    f"bộ mã '{charset}' không được hỗ trợ, chỉ nhận UTF-8",
                                    f"character set '{charset}' is not supported, "
                                    "only UTF-8")], message.control_id, message)  # fmt: skip
    return message
