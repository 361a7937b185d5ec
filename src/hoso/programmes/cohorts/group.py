"""A cohort as a FHIR R4 `Group` (https://hl7.org/fhir/R4/group.html): `actual` true (the
members are real people, counted on a day), `type` person, one `characteristic` per
criterion of the rule, the rule's code and version as an identifier
(`https://hoso.vn/fhir/cohort|<code>|<version>`) and an extension.

R4's characteristics are all required together; a rule's `any` criteria (at least one)
and `none` criteria (`exclude` true) are told apart by the extension
`https://hoso.vn/fhir/StructureDefinition/cohort-criterion-set` (all | any | none) on
each characteristic — the documented equivalent of R5's `combinationMethod`. Members
are not listed in the Group (`quantity` is the day's count, shown only where the
caller may see it): the member list is its own endpoint, under the access rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hoso.programmes.cohorts.definition import Cohort

__all__ = ["COHORT_SYSTEM", "cohort_group"]

COHORT_SYSTEM = "https://hoso.vn/fhir/cohort"
_SD = "https://hoso.vn/fhir/StructureDefinition/"
_CRITERION = "https://hoso.vn/fhir/CodeSystem/cohort-criterion"
_ICD10 = "http://hl7.org/fhir/sid/icd-10"
_GENDER = "http://hl7.org/fhir/administrative-gender"


def _kind(code: str, vi: str, en: str) -> dict[str, Any]:
    return {"coding": [{"system": _CRITERION, "code": code, "display": en}], "text": vi}


def _range(low: Any, high: Any, unit: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in (("low", low), ("high", high)):
        if value is not None:
            found[key] = {"value": value, **({"unit": unit, "system": "http://unitsofmeasure.org",
                                              "code": unit} if unit else {})}  # fmt: skip
    return found or {"low": {"value": 0}}


def _characteristic(criterion: Mapping[str, Any]) -> dict[str, Any]:
    kind, spec = next(iter(criterion.items()))
    if kind == "age":
        return {"code": {"coding": [{"system": "http://loinc.org", "code": "30525-0",
                                     "display": "Age"}], "text": "Tuổi / Age"},
                "valueRange": _range(spec.get("min"), spec.get("max"), "a")}  # fmt: skip
    if kind == "sex":
        return {
            "code": _kind("sex", "Giới tính", "Sex"),
            "valueCodeableConcept": {"coding": [{"system": _GENDER, "code": spec}]},
        }
    if kind == "condition":
        codings = [{"system": _ICD10, "code": r} for r in spec["icd10"]]
        window = spec.get("within_days")
        text = ", ".join(spec["icd10"]) + (f" ({window} ngày / days)" if window else "")
        return {
            "code": _kind("condition", "Bệnh (ICD-10)", "Condition (ICD-10)"),
            "valueCodeableConcept": {"coding": codings, "text": text},
        }
    if kind == "observation":
        system, code = spec["code"].split("|", 1)
        if spec.get("value_code"):
            answer_system, answer = spec["value_code"].split("|", 1)
            value = {"valueCodeableConcept": {"coding": [{"system": answer_system,
                                                          "code": answer}]}}  # fmt: skip
        else:
            value = {"valueRange": _range(spec.get("min"), spec.get("max"))}
        return {"code": {"coding": [{"system": system, "code": code}]}, **value}
    if kind == "measure":
        text = f"{spec['programme']}.{spec['name']} = {spec.get('equals', True)}"
        return {
            "code": _kind("measure", "Chỉ số của chương trình", "Programme measure"),
            "valueCodeableConcept": {"text": text},
        }
    return {
        "code": _kind("fhirpath", "Biểu thức FHIRPath", "FHIRPath expression"),
        "valueCodeableConcept": {"text": str(spec)},
    }


def cohort_group(cohort: Cohort, *, count: int | None = None, day: date | None = None
                 ) -> dict[str, Any]:  # fmt: skip
    """The Group of `cohort`; `count` (the members on `day`) when the caller may see it."""
    characteristics = []
    for key in ("all", "any", "none"):
        for criterion in cohort.document.get(key) or []:
            found = _characteristic(criterion)
            found["exclude"] = key == "none"
            found["extension"] = [{"url": _SD + "cohort-criterion-set", "valueCode": key}]
            characteristics.append(found)
    rule = [{"url": "code", "valueCode": cohort.code},
            {"url": "version", "valueString": cohort.version},
            {"url": "restricted", "valueBoolean": cohort.restricted}]  # fmt: skip
    if cohort.rule.source:
        rule.append({"url": "source", "valueString": cohort.rule.source})
    if day is not None:
        rule.append({"url": "computedOn", "valueDate": day.isoformat()})
    group: dict[str, Any] = {
        "resourceType": "Group",
        "id": f"cohort-{cohort.code}-{_safe(cohort.version)}"[:64],
        "extension": [{"url": _SD + "cohort-rule", "extension": rule}],
        "identifier": [{"system": COHORT_SYSTEM, "value": f"{cohort.code}|{cohort.version}"}],
        "active": True,
        "type": "person",
        "actual": True,
        "name": f"{cohort.name['vi']} / {cohort.name.get('en', '')}".rstrip(" /"),
        "characteristic": characteristics,
    }
    if count is not None:
        group["quantity"] = count
    return group


def _safe(version: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in version)
