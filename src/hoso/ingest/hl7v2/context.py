"""One message being mapped: the Bundle entries so far, the findings, and the
conventions shared with the XML 130 front door (hoso.ingest.xml130.context): one
business identifier per resource in the facility system, `<facility>-<key>`, written
as a conditional PUT on it so that a resent message replaces, and fullUrls derived
from that identifier so that the same message gives the same Bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hoso.core.settings import Settings
from hoso.ingest.episode_entries import EpisodeEntries
from hoso.ingest.hl7v2.message import Hl7Error, Hl7Message

_TS = re.compile(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?")


@dataclass
class MessageContext(EpisodeEntries):
    settings: Settings
    facility: str
    message: Hl7Message
    errors: list[Hl7Error] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    patient_urn: str = ""
    encounter_urn: str = ""

    def error(self, position: str, code: str, vi: str, en: str, severity: str = "E") -> None:
        self.errors.append(Hl7Error(position.split("-")[0], position, code, vi, en, severity))

    def business_id(self, *key: str) -> dict[str, str]:
        return {"system": self.settings.facility_system, "value": "-".join((self.facility, *key))}

    def timestamp(self, position: str, text: str, *, date_only: bool = False) -> str | None:
        """HL7 TS/DTM (YYYY[MM[DD[HH[MM[SS]]]]][+ZZZZ]) → FHIR date/dateTime at its
        precision; a time without offset is Viet Nam's (+07:00, no daylight saving)."""
        text = text.strip()
        if not text:
            return None
        match = _TS.fullmatch(text)
        if not match:
            self.error(position, "102", f"thời gian '{text}' sai định dạng",
                       f"timestamp '{text}' is malformed")  # fmt: skip
            return None
        year, month, day, hour, minute, second, offset = match.groups()
        date = "-".join(p for p in (year, month, day) if p)
        if date_only or hour is None or day is None:
            return date
        zone = f"{offset[:3]}:{offset[3:]}" if offset else "+07:00"
        return f"{date}T{hour}:{minute or '00'}:{second or '00'}{zone}"
