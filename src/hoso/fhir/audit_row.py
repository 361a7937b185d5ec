"""One entry of the audit chain as the store keeps it: the FHIR AuditEvent's canonical
JSON plus the columns the chain's hash also covers and residents' views query by."""

from __future__ import annotations

from dataclasses import dataclass

# AuditEvent.action (http://hl7.org/fhir/audit-event-action)
CREATE, READ, UPDATE, DELETE, EXECUTE = "C", "R", "U", "D", "E"
# AuditEvent.outcome (http://hl7.org/fhir/audit-event-outcome)
SUCCESS, MINOR_FAILURE, SERIOUS_FAILURE, MAJOR_FAILURE = "0", "4", "8", "12"


@dataclass(frozen=True, slots=True)
class AuditRow:
    recorded: int  # µs since epoch
    action: str
    subtype: str
    outcome: str
    agent: str
    role: str
    facility: str | None
    break_glass: bool
    content: str  # the FHIR AuditEvent, canonical JSON
    patients: tuple[str, ...]
