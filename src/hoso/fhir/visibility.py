"""Which stored resources one caller may see, as data: the access policy builds a
`Visibility`, the store compiles it into the WHERE clause of every read, search,
include, compartment page and history page, so that counts, paging links and included
resources never reveal a row the caller may not see.

A current resource is visible when it is *in reach* and not *hidden*:

- in reach: outside every patient's compartment (Organization, Practitioner…); or its
  patient is one the caller may see whole (`patients`, a care relationship at one of
  `care_facilities` — a self-claimed one only once begun — or `all_patients`); or its
  type is in `summary_types` (the emergency summary, for any patient); or the caller's
  facility authored it
  (`meta.source` equals `authored_source`). A Consent that denies the caller's
  facility (`consent_actors`) takes away the care and summary reach.
- hidden: it carries a security label in `hidden_labels` that no active Consent permits
  to the caller, or one an active Consent denies to the caller; except for the author
  and for the patients in `label_exempt_patients` (the resident, a break-the-glass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


@dataclass(frozen=True, slots=True)
class Visibility:
    unrestricted: bool = False
    patients: frozenset[str] = frozenset()
    all_patients: bool = False
    care_facilities: tuple[str, ...] = ()  # "Organization/<id>" or a facility source URN
    care_since_us: int = 0
    claim_begun_us: int = 0  # a self-claimed link must have begun by then (now + grace)
    summary_types: frozenset[str] = frozenset()
    authored_source: str | None = None
    consent_actors: tuple[str, ...] = ()  # how Consents name the caller's facility
    hidden_labels: frozenset[str] = frozenset()  # v3 ActCode codes
    label_exempt_patients: frozenset[str] = frozenset()
    types: frozenset[str] | None = None  # None: every type the scopes allow
    # A patient-context token: whatever else allows, only these patients' records
    # (and resources outside every compartment).
    within_patients: frozenset[str] | None = None
    now_us: int = 0
    nothing: bool = field(default=False)


EVERYTHING = Visibility(unrestricted=True)
