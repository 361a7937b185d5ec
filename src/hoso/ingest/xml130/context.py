"""One episode being mapped: its keys, its findings and the Bundle entries so far.

Identifier rule, used for every resource of an episode: one identifier in the facility
system (`settings.facility_system`), value `<MA_CSKCB>-<MA_LK>` for the Encounter and
`<MA_CSKCB>-<MA_LK>-<suffix>` for what hangs off it (`-dx-I10`, `-XML2-3`, …). MA_LK is
only unique within a facility, hence the prefix; one value rather than two identifiers,
so that a conditional PUT can find the resource with a single `identifier=` token.
Resubmitting the episode therefore replaces every resource in place (new versions).

fullUrls are `urn:uuid:` derived (uuid5) from that identifier: the same file gives the
same Bundle, which keeps tests and retries comparable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hoso.core.settings import Settings
from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.messages import Findings

# Types whose `identifier` is 0..1 in R4: the business identifier is the only one.
SINGLE_IDENTIFIER = frozenset({"Composition"})


@dataclass
class EpisodeContext:
    settings: Settings
    facility: str
    ma_lk: str
    findings: Findings
    entries: list[dict[str, Any]] = field(default_factory=list)
    patient_urn: str = ""
    encounter_urn: str = ""
    # XML1's NGAY_RA (or NGAY_VAO) as FHIR dateTime: the date of a paper that has none.
    episode_date: str = ""

    @property
    def key(self) -> str:
        return f"{self.facility}-{self.ma_lk}"

    def place(self, table: str, row: int | None) -> Place:
        return Place(table, row, self.findings)

    def business_id(self, *suffix: str) -> dict[str, str]:
        return {"system": self.settings.facility_system, "value": "-".join((self.key, *suffix))}

    @staticmethod
    def urn_of(identifier: dict[str, str]) -> str:
        name = f"{identifier['system']}|{identifier['value']}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    @property
    def facility_ref(self) -> dict[str, Any]:
        """The facility's Organization, found by its code when the Bundle is written (a
        conditional reference): Organizations are registered elsewhere, never here, and
        the care the facility files must name it literally to count as its care."""
        code = f"{self.settings.facility_system}|{self.facility}"
        return {"reference": f"Organization?identifier={code}",
                "identifier": {"system": self.settings.facility_system, "value": self.facility}}

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_urn}

    @property
    def encounter(self) -> dict[str, str]:
        return {"reference": self.encounter_urn}

    def put(self, resource: dict[str, Any], *suffix: str) -> str:
        """Add `resource` as a conditional update on its business identifier."""
        ident = self.business_id(*suffix)
        kind = resource["resourceType"]
        if kind in SINGLE_IDENTIFIER:
            resource["identifier"] = ident
        else:
            resource["identifier"] = [ident, *resource.get("identifier", [])]
        url = f"{kind}?identifier={quote(ident['system'] + '|' + ident['value'], safe=':/|')}"
        return self.add(resource, {"method": "PUT", "url": url}, self.urn_of(ident))

    def add(self, resource: dict[str, Any], request: dict[str, str], urn: str | None = None) -> str:
        urn = urn or f"urn:uuid:{uuid.uuid4()}"
        self.entries.append({"fullUrl": urn, "resource": resource, "request": request})
        return urn
