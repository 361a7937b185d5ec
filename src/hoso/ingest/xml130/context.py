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

from dataclasses import dataclass, field
from typing import Any

from hoso.core.settings import Settings
from hoso.ingest.episode_entries import EpisodeEntries
from hoso.ingest.xml130.fields import Place
from hoso.ingest.xml130.messages import Findings


@dataclass
class EpisodeContext(EpisodeEntries):
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

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_urn}

    @property
    def encounter(self) -> dict[str, str]:
        return {"reference": self.encounter_urn}
