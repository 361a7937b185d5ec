"""One message being mapped: the Bundle entries so far, the findings, and the
conventions shared with the XML 130 front door (hoso.ingest.xml130.context): one
business identifier per resource in the facility system, `<facility>-<key>`, written
as a conditional PUT on it so that a resent message replaces, and fullUrls derived
from that identifier so that the same message gives the same Bundle.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hoso.core.settings import Settings
from hoso.ingest.hl7v2.message import Hl7Error, Hl7Message

_TS = re.compile(r"(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?")


@dataclass
class MessageContext:
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

    @staticmethod
    def urn_of(identifier: dict[str, str]) -> str:
        name = f"{identifier['system']}|{identifier['value']}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    @property
    def facility_ref(self) -> dict[str, Any]:
        """The facility's Organization by its code (registered elsewhere, never here)."""
        code = f"{self.settings.facility_system}|{self.facility}"
        identifier = {"system": self.settings.facility_system, "value": self.facility}
        return {"reference": f"Organization?identifier={code}", "identifier": identifier}

    def put(self, resource: dict[str, Any], *key: str) -> str:
        """Add `resource` as a conditional update on its business identifier."""
        ident = self.business_id(*key)
        resource["identifier"] = [ident, *resource.get("identifier", [])]
        system_value = quote(ident["system"] + "|" + ident["value"], safe=":/|")
        url = f"{resource['resourceType']}?identifier={system_value}"
        return self.add(resource, {"method": "PUT", "url": url}, self.urn_of(ident))

    def add(self, resource: dict[str, Any], request: dict[str, str], urn: str) -> str:
        self.entries.append({"fullUrl": urn, "resource": resource, "request": request})
        return urn

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
