"""How the receiving database finds our resources again: each one's sync key.

A repeat must be harmless, so nothing is sent by our ids alone when a business
identifier exists: a Patient by its CCCD, an Encounter by facility + MA_LK (the
identifier the XML 130 intake gives it), anything else by its first identifier with a
system. The receiver may already hold the same resident under its own id (sent by
another province), so a conditional update by identifier finds it, and references are
rewritten to name targets the same way (`Patient?identifier=…`). A resource with no
business identifier (a clinician's Observation typed into a form) is sent by our id,
`PUT Type/id`: our ids are UUIDs, unique across provinces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

__all__ = ["SyncKey", "sync_key"]


@dataclass(frozen=True, slots=True)
class SyncKey:
    resource_type: str
    id: str
    system: str | None = None  # None: by our id
    value: str | None = None

    @property
    def conditional(self) -> bool:
        return self.system is not None

    def url(self) -> str:
        """The request URL and reference that name it at the receiver."""
        if self.system is None or self.value is None:
            return f"{self.resource_type}/{self.id}"
        return (f"{self.resource_type}?identifier="
                f"{quote(self.system, safe=':/')}%7C{quote(self.value, safe='')}")  # fmt: skip


def sync_key(resource: dict[str, Any], cccd_system: str) -> SyncKey:
    rtype, id = str(resource.get("resourceType")), str(resource.get("id"))
    found = resource.get("identifier")
    identifiers = found if isinstance(found, list) else [found] if found else []
    usable = [i for i in identifiers if isinstance(i, dict) and isinstance(i.get("system"), str)
              and isinstance(i.get("value"), str) and i["value"]]  # fmt: skip
    if rtype == "Patient":
        usable = [i for i in usable if i["system"] == cccd_system]
    if not usable:
        return SyncKey(rtype, id)
    return SyncKey(rtype, id, usable[0]["system"], usable[0]["value"])
