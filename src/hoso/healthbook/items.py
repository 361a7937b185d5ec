"""The health book's building blocks: how a resource becomes an item a person reads —
its title in the reader's language (an ICD-10 code by its QĐ 4469 name, a bare LOINC
code by the measurement's name), its source facility and its date, and an
Observation's value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoso.fhir.care_links import FACILITY_SOURCE_PREFIX
from hoso.fhir.icd10_names import icd10_name
from hoso.healthbook.measurements import LOINC, measurement_name

__all__ = ["Reader", "book_item", "categories", "item_date", "observation_value",
           "source_facility"]


@dataclass(frozen=True, slots=True)
class Reader:
    lang: str

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.lang == "vi" else pair[1]

    def concept(self, concept: Any) -> str | None:
        """A CodeableConcept as text: an ICD-10 code by its name in the list."""
        if not isinstance(concept, dict):
            return None
        for coding in concept.get("coding") or []:
            system = str(coding.get("system") or "")
            if "icd-10" in system and coding.get("code"):
                name = icd10_name(str(coding["code"]), self.lang)
                if name:
                    return f"{coding['code']} {name}"
            if coding.get("system") == LOINC and not concept.get("text") and not coding.get(
                    "display"):  # fmt: skip
                name = measurement_name(str(coding.get("code")), self.lang)
                if name:
                    return name
        codings = concept.get("coding") or [{}]
        return concept.get("text") or codings[0].get("display") or codings[0].get("code")


def source_facility(resource: dict[str, Any]) -> str | None:
    source = str((resource.get("meta") or {}).get("source") or "")
    if source.startswith(FACILITY_SOURCE_PREFIX):
        return source[len(FACILITY_SOURCE_PREFIX):]
    provider = resource.get("serviceProvider") or resource.get("performer") or None
    if isinstance(provider, dict):
        return provider.get("display") or provider.get("reference")
    return None


def item_date(resource: dict[str, Any]) -> str | None:
    for key in ("effectiveDateTime", "onsetDateTime", "occurrenceDateTime", "performedDateTime",
                "authoredOn", "recordedDate", "date", "issued"):  # fmt: skip
        if isinstance(resource.get(key), str):
            return str(resource[key])
    period = resource.get("period") or resource.get("performedPeriod") or {}
    if isinstance(period, dict) and period.get("start"):
        return str(period["start"])
    # No clinical date: when it was recorded, so that every item still has one.
    return (resource.get("meta") or {}).get("lastUpdated")


def book_item(reader: Reader, resource: dict[str, Any], title: str | None = None,
              **detail: Any) -> dict[str, Any]:  # fmt: skip
    """A resource as one line of the book: reference, title, date, facility, details."""
    concept = (resource.get("code") or resource.get("vaccineCode")
               or resource.get("medicationCodeableConcept") or resource.get("type"))  # fmt: skip
    name = title or reader.concept(concept)
    return {"reference": f"{resource['resourceType']}/{resource['id']}",
            "title": name or resource["resourceType"], "date": item_date(resource),
            "facility": source_facility(resource),
            **{k: v for k, v in detail.items() if v}}  # fmt: skip


def categories(resource: dict[str, Any]) -> set[str]:
    return {c.get("code") for cat in resource.get("category") or [] if isinstance(cat, dict)
            for c in cat.get("coding") or [] if isinstance(c, dict)}  # fmt: skip


def observation_value(observation: dict[str, Any]) -> str | None:
    quantity = observation.get("valueQuantity")
    if isinstance(quantity, dict) and "value" in quantity:
        return f"{quantity['value']} {quantity.get('unit') or ''}".strip()
    for key in ("valueString", "valueBoolean", "valueInteger"):
        if key in observation:
            return str(observation[key])
    concept = observation.get("valueCodeableConcept")
    if concept:
        return Reader("vi").concept(concept)
    # A panel (blood pressure): its components' values, "124/79 mm[Hg]".
    parts = [c.get("valueQuantity") or {} for c in observation.get("component") or []
             if isinstance(c, dict)]  # fmt: skip
    values = [p for p in parts if isinstance(p, dict) and "value" in p]
    if values:
        return f"{'/'.join(str(p['value']) for p in values)} {values[0].get('unit') or ''}".strip()
    return None
