"""What every front door's mapper does the same way when it builds an episode's
transaction Bundle (XML 130, HL7 v2): one business identifier per resource in the
facility system, the resource written as a conditional update on it (a resent episode
replaces, never duplicates), fullUrls derived from that identifier (the same input
gives the same Bundle), and the facility's Organization named by its code."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from hoso.core.settings import Settings

__all__ = ["EpisodeEntries", "urn_of"]

# Types whose `identifier` is 0..1 in R4: the business identifier is the only one.
SINGLE_IDENTIFIER = frozenset({"Composition"})


def urn_of(identifier: dict[str, str]) -> str:
    name = f"{identifier['system']}|{identifier['value']}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


class EpisodeEntries:
    """Mixed into a mapper's context, which holds `settings`, `facility`, `entries` and
    says how its business identifiers are keyed (`business_id`)."""

    settings: Settings
    facility: str
    entries: list[dict[str, Any]]

    def business_id(self, *suffix: str) -> dict[str, str]:
        raise NotImplementedError

    urn_of = staticmethod(urn_of)

    @property
    def facility_ref(self) -> dict[str, Any]:
        """The facility's Organization, found by its code when the Bundle is written (a
        conditional reference): Organizations are registered elsewhere, never here, and
        the care the facility files must name it literally to count as its care."""
        code = f"{self.settings.facility_system}|{self.facility}"
        identifier = {"system": self.settings.facility_system, "value": self.facility}
        return {"reference": f"Organization?identifier={code}", "identifier": identifier}

    def put(self, resource: dict[str, Any], *suffix: str) -> str:
        """Add `resource` as a conditional update on its business identifier."""
        ident = self.business_id(*suffix)
        kind = resource["resourceType"]
        if kind in SINGLE_IDENTIFIER:
            resource["identifier"] = ident
        else:
            resource["identifier"] = [ident, *resource.get("identifier", [])]
        url = f"{kind}?identifier={quote(ident['system'] + '|' + ident['value'], safe=':/|')}"
        return self.add(resource, {"method": "PUT", "url": url}, urn_of(ident))

    def add(self, resource: dict[str, Any], request: dict[str, str], urn: str | None = None) -> str:
        urn = urn or f"urn:uuid:{uuid.uuid4()}"
        self.entries.append({"fullUrl": urn, "resource": resource, "request": request})
        return urn
