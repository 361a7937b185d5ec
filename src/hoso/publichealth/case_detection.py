"""Case detection: the change feed's Conditions and Observations, in commit order, made
into case reports (consumer `case-detection`).

Whatever door a diagnosis came in by (FHIR, bulk import, XML 130, HL7 v2), it reached
the one intake and the feed, so this consumer sees it. For each change it finds the
evidence the definitions in force recognise (`hoso.publichealth.evidence`), the
person's ward of residence (their Patient's home address, resolved to a 2025 ward
code), and applies it (`hoso.publichealth.cases.plan_case`, in the store's
transaction). The cursor moves after the batch; a crash before it replays the batch,
which the evidence's uniqueness makes harmless. One worker holds the lease at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hoso.core import jsonx
from hoso.fhir.change_feed import Change, ConsumerCursor
from hoso.identity.addresses import normalise_address
from hoso.publichealth.cases import plan_case
from hoso.publichealth.catalogue import DiseaseCatalogue
from hoso.publichealth.evidence import Evidence, evidence_in, local_day

__all__ = ["CONSUMER", "CaseDetector", "CaseSink", "ward_of"]

log = logging.getLogger(__name__)
CONSUMER = "case-detection"
LEASE_US = 60_000_000
TYPES = ("Condition", "Observation")


class Feed(ConsumerCursor, Protocol):
    def release(self, owner: str) -> None: ...


class CaseSink(Protocol):
    """`hoso.access.publichealth_cases.CaseAccess`, as the detector uses it."""

    def apply_evidence(self, items: Sequence[EvidenceItem]) -> list[tuple[int, bool] | None]: ...
    def withdraw_evidence(self, resource_type: str, resource_id: str) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence as the store applies it (`plan_case` inside its
    transaction, so it sees the cases as they are then)."""

    evidence: Evidence
    new_case: dict[str, Any]
    ranks: dict[str, int]

    @property
    def disease(self) -> str:
        return self.evidence.disease

    @property
    def definition_version(self) -> int:
        return self.evidence.definition_version

    @property
    def patient_id(self) -> str:
        return self.evidence.patient_id

    @property
    def key(self) -> tuple[str, str, int]:
        e = self.evidence
        return e.resource_type, e.resource_id, e.version

    def planner(self, open_cases: list[Any]) -> Any:
        return plan_case(self.evidence, open_cases, lambda s: self.ranks.get(s or "", 0))


def ward_of(patient: dict[str, Any]) -> str | None:
    """The NSO code of the ward of residence: the home address (else the first)."""
    addresses = [a for a in patient.get("address") or [] if isinstance(a, dict)]
    home = [a for a in addresses if a.get("use") == "home"] or addresses
    for address in home:
        code = normalise_address(address).ward_code
        if code:
            return str(code)
    return None


@dataclass
class CaseDetector:
    feed: Feed
    catalogue: DiseaseCatalogue
    sink: CaseSink
    # The Patients of these ids as the operator reads them (one search, audited).
    patients: Callable[[Sequence[str]], dict[str, dict[str, Any]]]
    owner: str = "case-detection"
    batch_size: int = 200
    made: int = 0
    updated: int = 0
    _seeded: bool = False

    def run(self, stop: threading.Event, *, until_idle: bool = False, idle: float = 1.0
            ) -> None:  # fmt: skip
        while not stop.is_set():
            try:
                done = self.step()
            except Exception:
                if until_idle:
                    raise
                log.exception("case detection: step failed")  # the store down: try again
                stop.wait(5.0)
                continue
            if done == 0:
                if until_idle:
                    return
                stop.wait(idle)

    def step(self) -> int:
        """One batch of the feed; how many changes it held."""
        position = self.feed.lease(self.owner, LEASE_US)
        if position is None:
            return 0  # another worker holds the lease
        if not self._seeded:
            # The shipped definitions of diseases the store does not know yet (a new
            # database, a release that ships a new one); officers' versions are kept.
            self.catalogue.seed()
            self._seeded = True
        batch = self.feed.batch(position, self.batch_size, lambda _c: [], types=TYPES)
        changes: list[Change] = list(batch.changes)
        if not changes:
            return 0
        definitions = self.catalogue.enabled()
        pending: list[Evidence] = []
        for change in changes:
            found, withdrawn = self._evidence(change, definitions)
            pending += found
            if withdrawn:  # in commit order: what came before it is applied first
                self._apply(pending, definitions)
                pending = []
                self.sink.withdraw_evidence(change.resource_type, change.id)
        self._apply(pending, definitions)
        self.feed.advance(self.owner, changes[-1].position, lease_us=LEASE_US,
                          sent=len(changes), rate=0.0)  # fmt: skip
        return len(changes)

    def _apply(self, found: list[Evidence], definitions: Sequence[Any]) -> None:
        if not found:
            return
        wards = self._wards({e.patient_id for e in found})
        items = [self._item(e, definitions, wards.get(e.patient_id)) for e in found]
        for result in self.sink.apply_evidence(items):
            if result is not None:
                self.made += result[1]
                self.updated += not result[1]

    def _evidence(self, change: Change, definitions: Sequence[Any]
                  ) -> tuple[list[Evidence], bool]:  # fmt: skip
        """The evidence a change gives, and whether it withdraws what it gave before
        (deleted, refuted, entered in error)."""
        if change.deleted:
            return [], True
        if not change.content or not change.patient_id:
            return [], False
        found = evidence_in(jsonx.loads(change.content), resource_id=change.id,
                            version=change.version, patient_id=change.patient_id,
                            arrived_us=change.committed_us, definitions=definitions)  # fmt: skip
        return [e for e in found if not e.withdrawn], any(e.withdrawn for e in found)

    def _item(self, evidence: Evidence, definitions: Sequence[Any], ward: str | None
              ) -> EvidenceItem:  # fmt: skip
        definition = next(d.definition for d in definitions
                          if d.definition.code == evidence.disease)  # fmt: skip
        new_case = {
            "report_date": local_day(evidence.arrived_us).isoformat(),
            "diagnosed_at": evidence.diagnosed_us, "reported_at": evidence.arrived_us,
            "deadline_at": evidence.diagnosed_us + evidence.deadline_hours * 3_600_000_000,
            "last_evidence_at": evidence.arrived_us, "ward": ward,
            "facility": evidence.facility,
        }  # fmt: skip
        return EvidenceItem(evidence, new_case, {s.code: s.rank for s in definition.severities})

    def _wards(self, patient_ids: set[str]) -> dict[str, str | None]:
        found = self.patients(sorted(patient_ids)) if patient_ids else {}
        return {pid: ward_of(found[pid]) if pid in found else None for pid in patient_ids}
