"""What a resource of the record says for a case: a diagnosis (Condition) or a positive
laboratory result (Observation) that matches a disease definition.

Pure functions over FHIR JSON; the change feed hands them every Condition and
Observation, whichever door it came in by (FHIR, bulk import, XML 130, HL7 v2), since
all of them end in the same intake and the same feed.

- A Condition counts when one of its ICD-10 codings (`http://hl7.org/fhir/sid/icd-10`
  or the Vietnamese `…/icd-10-vn`) falls under the definition's codes; its
  verificationStatus gives the classification (provisional, differential, unconfirmed:
  suspected; otherwise the definition's `from_diagnosis`); refuted or entered in error
  withdraws it.
- An Observation counts when its code is one of the definition's lab codes and it
  reads positive: interpretation POS/DET, a SNOMED CT "Positive"/"Detected" value, or
  the words "dương tính", "positive", "detected" (case and diacritics folded); then it
  confirms. Cancelled or entered in error withdraws it.
- Onset: the Condition's onset (else when it was recorded), the Observation's
  effective time (else issued), else the day it arrived; as a day in Ho Chi Minh City.
  Diagnosis: recordedDate / issued, else onset; never later than its arrival, so a
  wrong clock on a HIS cannot hide a late report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hoso.core import clock
from hoso.core.text import fold
from hoso.fhir.care_links import FACILITY_SOURCE_PREFIX
from hoso.fhir.dates import date_range
from hoso.fhir.security_labels import ICD10_SYSTEMS
from hoso.publichealth.definitions import CLASSIFICATIONS, DiseaseDefinition

__all__ = ["RANK", "Evidence", "VersionedDefinition", "evidence_in", "local_day"]

RANK = {name: i for i, name in enumerate(CLASSIFICATIONS[:3])}  # suspected < … < confirmed
_SUSPECTED_STATUSES = {"provisional", "differential", "unconfirmed"}
_WITHDRAWN_STATUSES = {"refuted", "entered-in-error", "cancelled"}
_POSITIVE_INTERPRETATION = {"POS", "DET"}
_POSITIVE_SNOMED = {"10828004", "260373001"}  # Positive; Detected
_POSITIVE_WORDS = {"duong tinh", "positive", "detected", "phat hien", "pos"}
_EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class VersionedDefinition:
    definition: DiseaseDefinition
    version: int


@dataclass(frozen=True, slots=True)
class Evidence:
    disease: str
    definition_version: int
    patient_id: str
    resource_type: str
    resource_id: str
    version: int
    classification: str | None  # None: withdrawn
    severity: str | None
    severity_rank: int
    onset_date: str  # ISO day
    diagnosed_us: int
    arrived_us: int
    facility: str | None
    deadline_hours: int
    episode_days: int

    @property
    def withdrawn(self) -> bool:
        return self.classification is None


def local_day(us: int) -> date:
    return clock.from_us(us).astimezone(clock.VN_TZ).date()


def evidence_in(resource: dict[str, Any], *, resource_id: str, version: int, patient_id: str,
                arrived_us: int, definitions: Sequence[VersionedDefinition]
                ) -> list[Evidence]:  # fmt: skip
    """The evidence `resource` gives, one per disease it matches (usually none)."""
    kind = resource.get("resourceType")
    if kind == "Condition":
        found = _diagnosis(resource, definitions)
    elif kind == "Observation":
        found = _lab_result(resource, definitions)
    else:
        return []
    onset_us, diagnosed_us = _times(resource, arrived_us)
    facility = _facility(resource)
    return [Evidence(d.definition.code, d.version, patient_id, kind, resource_id, version,
                     classification, severity, rank, local_day(onset_us).isoformat(),
                     diagnosed_us, arrived_us, facility, d.definition.deadline_hours,
                     d.definition.episode_days)
            for d, classification, severity, rank in found]  # fmt: skip


_Found = tuple[VersionedDefinition, str | None, str | None, int]


def _diagnosis(resource: dict[str, Any], definitions: Sequence[VersionedDefinition]
               ) -> list[_Found]:  # fmt: skip
    codes = [c["code"] for c in _codings(resource.get("code"))
             if c.get("system") in ICD10_SYSTEMS and isinstance(c.get("code"), str)]  # fmt: skip
    status = _first_code(resource.get("verificationStatus"))
    found: list[_Found] = []
    for d in definitions:
        hits = [code for code in codes if d.definition.matches_icd10(code)]
        if not hits:
            continue
        if status in _WITHDRAWN_STATUSES:
            found.append((d, None, None, 0))
            continue
        classification = ("suspected" if status in _SUSPECTED_STATUSES
                          else d.definition.from_diagnosis)  # fmt: skip
        grades = [g for g in (d.definition.severity_of(code) for code in hits) if g]
        grade = max(grades, key=lambda g: g.rank) if grades else None
        found.append((d, classification, grade.code if grade else None,
                      grade.rank if grade else 0))  # fmt: skip
    return found


def _lab_result(resource: dict[str, Any], definitions: Sequence[VersionedDefinition]
                ) -> list[_Found]:  # fmt: skip
    codes = {(c.get("system"), c.get("code")) for c in _codings(resource.get("code"))}
    withdrawn = resource.get("status") in _WITHDRAWN_STATUSES
    positive = _reads_positive(resource)
    found: list[_Found] = []
    for d in definitions:
        if not any((lab.system, lab.code) in codes for lab in d.definition.labs):
            continue
        if withdrawn:
            found.append((d, None, None, 0))
        elif positive:
            found.append((d, "confirmed", None, 0))
    return found


def _reads_positive(resource: dict[str, Any]) -> bool:
    interpretations = {c.get("code") for i in _list(resource.get("interpretation"))
                       for c in _codings(i)}  # fmt: skip
    if interpretations & _POSITIVE_INTERPRETATION:
        return True
    value = resource.get("valueCodeableConcept")
    if any(c.get("code") in _POSITIVE_SNOMED for c in _codings(value)):
        return True
    texts = [resource.get("valueString")]
    if isinstance(value, dict):
        texts += [value.get("text")] + [c.get("display") for c in _codings(value)]
    return any(isinstance(t, str) and fold(t).strip() in _POSITIVE_WORDS for t in texts)


def _times(resource: dict[str, Any], arrived_us: int) -> tuple[int, int]:
    if resource.get("resourceType") == "Condition":
        onset = _instant(resource.get("onsetDateTime")) or _instant(
            (resource.get("onsetPeriod") or {}).get("start"))
        diagnosed = _instant(resource.get("recordedDate"))
    else:
        onset = _instant(resource.get("effectiveDateTime")) or _instant(
            (resource.get("effectivePeriod") or {}).get("start"))
        diagnosed = _instant(resource.get("issued"))
    onset = min(onset or diagnosed or arrived_us, arrived_us)
    diagnosed = min(max(diagnosed or onset, onset), arrived_us)
    return onset, diagnosed


def _instant(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        low, _high = date_range(value)
    except ValueError:
        return None
    earliest = int((_EARLIEST - date(1970, 1, 1)) / timedelta(microseconds=1))
    return low if low >= earliest else None


def _facility(resource: dict[str, Any]) -> str | None:
    source = (resource.get("meta") or {}).get("source")
    if isinstance(source, str) and source.startswith(FACILITY_SOURCE_PREFIX):
        return source[len(FACILITY_SOURCE_PREFIX):][:32] or None
    return None


def _codings(concept: Any) -> Iterable[dict[str, Any]]:
    if isinstance(concept, dict):
        return [c for c in _list(concept.get("coding")) if isinstance(c, dict)]
    return []


def _first_code(concept: Any) -> str | None:
    for c in _codings(concept):
        if isinstance(c.get("code"), str):
            return str(c["code"])
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
