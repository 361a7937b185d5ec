"""De-identified views for public-health officers.

Patients become pseudonyms (a keyed hash of the id, stable for as long as the key is);
a Patient keeps only gender, birth year and the administrative area of its address;
every other resource loses narrative, identifiers, notes and the display text of its
references. Officers' searches may not filter on what would re-identify a person.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from hoso.core.errors import Forbidden
from hoso.fhir.searchparams import get_search_param

_DROP = {"text", "identifier", "note", "contained", "photo", "telecom", "name", "contact"}
_ADDRESS_KEEP = ("district", "city", "state", "country")
_PATIENT_FORBIDDEN = {"identifier", "telecom", "phone", "email", "birthdate", "address"}
_ALWAYS_FORBIDDEN = {"_id", "_text", "_content", "_filter", "_query"}


def pseudonym(patient_id: str, key: bytes) -> str:
    return "anon-" + hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:20]


def deidentify(resource: dict[str, Any], key: bytes) -> dict[str, Any]:
    if resource.get("resourceType") == "Patient":
        return _patient(resource, key)
    return _scrub(resource, key)


def _patient(patient: dict[str, Any], key: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": pseudonym(patient["id"], key)}
    if "gender" in patient:
        out["gender"] = patient["gender"]
    if isinstance(patient.get("birthDate"), str):
        out["birthDate"] = patient["birthDate"][:4]
    if patient.get("deceasedBoolean") or patient.get("deceasedDateTime"):
        out["deceasedBoolean"] = True
    areas = [
        {k: a[k] for k in _ADDRESS_KEEP if k in a}
        for a in patient.get("address") or []
        if isinstance(a, dict)
    ]
    if any(areas):
        out["address"] = [a for a in areas if a]
    out["meta"] = {"security": [_ANONYMIZED]}
    return out


_ANONYMIZED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "ANONYED",
    "display": "anonymized",
}


def _scrub(node: Any, key: bytes) -> Any:
    if isinstance(node, list):
        return [_scrub(item, key) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for name, value in node.items():
        if name in _DROP:
            continue
        if name == "reference" and isinstance(value, str) and value.startswith("Patient/"):
            out[name] = "Patient/" + pseudonym(value.split("/")[1], key)
        elif name == "display" and "reference" in node:
            continue
        elif name == "meta" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k in ("versionId", "lastUpdated", "security")}
            meta["security"] = [*meta.get("security", []), _ANONYMIZED]
            out[name] = meta
        else:
            out[name] = _scrub(value, key)
    return out


def check_deidentified_search(resource_type: str | None, params: list[tuple[str, str]]) -> None:
    """Refuse search parameters that would let a de-identified view name a person."""
    for name, value in params:
        code = name.split(":")[0]
        if code.startswith("_") and code not in _ALWAYS_FORBIDDEN:
            continue
        param = get_search_param(resource_type, code) if resource_type else None
        identifying = (
            code in _ALWAYS_FORBIDDEN
            or "." in name
            or (resource_type == "Patient" and code in _PATIENT_FORBIDDEN)
            or (param is not None and param.type == "string")
            or (param is not None and param.type == "reference" and "Patient/" in value)
            or (param is not None and param.type == "reference" and code in ("patient", "subject"))
        )
        if identifying:
            raise Forbidden(
                f"Tham số '{name}' có thể định danh người bệnh, không dùng được với dữ liệu "
                f"đã khử định danh / Parameter '{name}' could identify a person and is not "
                "allowed on de-identified data",
                expression=[name],
            )
