"""Sensitive categories of health data and the FHIR security labels that mark them.

HL7 v3 ActCode information-sensitivity codes (http://hl7.org/fhir/R4/v3/ActCode/cs.html):
HIV, PSY (mental health), ETH (substance use), SEX (sexual and reproductive health) and
STD (sexually transmitted disease). A resource written with a diagnosis code from one
of these ICD-10 ranges gets the label even when the sender forgot it, so that the
policy can hide it; a label the sender set is never removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hoso.fhir.visibility import ACT_CODE

HIV, PSY, ETH, SEX, STD = "HIV", "PSY", "ETH", "SEX", "STD"
SENSITIVE = frozenset({HIV, PSY, ETH, SEX, STD})
LABEL_NAMES = {
    HIV: "HIV/AIDS",
    PSY: "Sức khỏe tâm thần / Mental health",
    ETH: "Sử dụng chất gây nghiện / Substance use",
    SEX: "Sức khỏe sinh sản, tình dục / Sexual and reproductive health",
    STD: "Bệnh lây truyền qua đường tình dục / Sexually transmitted disease",
}
ICD10_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-vn"}

# ICD-10 (WHO, used by the Ministry of Health) block ranges, first three characters.
_ICD10_RANGES: tuple[tuple[str, str, str], ...] = (
    ("B20", "B24", HIV),
    ("Z21", "Z21", HIV),
    ("F10", "F19", ETH),
    ("F00", "F09", PSY),
    ("F20", "F99", PSY),
    ("X60", "X84", PSY),  # intentional self-harm
    ("A50", "A64", STD),
    ("O00", "O08", SEX),  # pregnancy with abortive outcome
    ("Z30", "Z39", SEX),  # contraception, pregnancy, reproduction
    ("N97", "N98", SEX),  # infertility, complications of artificial fertilisation
)


def icd10_label(code: str) -> str | None:
    head = code.strip().upper()[:3]
    for low, high, label in _ICD10_RANGES:
        if low <= head <= high:
            return label
    return None


def _codings(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "system" in node and "code" in node:
            yield node
        for key, value in node.items():
            if key not in ("meta", "text", "contained"):
                yield from _codings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _codings(item)


def inferred_labels(resource: dict[str, Any]) -> set[str]:
    """Sensitive labels the resource's ICD-10 codes imply."""
    found = set()
    for coding in _codings(resource):
        if coding.get("system") in ICD10_SYSTEMS and isinstance(coding.get("code"), str):
            label = icd10_label(coding["code"])
            if label:
                found.add(label)
    return found


def _well_formed_meta(resource: dict[str, Any]) -> bool:
    meta = resource.get("meta")
    return meta is None or (
        isinstance(meta, dict) and isinstance(meta.get("security") or [], list)
    )


def _security(resource: dict[str, Any]) -> list[Any]:
    if not _well_formed_meta(resource):
        return []
    return (resource.get("meta") or {}).get("security") or []


def resource_labels(resource: dict[str, Any]) -> set[str]:
    """The sensitive ActCode labels in `meta.security`."""
    security = _security(resource)
    return {
        s["code"]
        for s in security
        if isinstance(s, dict) and s.get("system") == ACT_CODE and s.get("code") in SENSITIVE
    }


def with_inferred_labels(resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` with the labels its codes imply added to `meta.security`."""
    missing = inferred_labels(resource) - resource_labels(resource)
    if not missing or not _well_formed_meta(resource):
        # A malformed `meta` is left for validation to refuse with its element path.
        return resource
    meta = dict(resource.get("meta") or {})
    security = list(meta.get("security") or [])
    security += [
        {"system": ACT_CODE, "code": code, "display": LABEL_NAMES[code]} for code in sorted(missing)
    ]
    meta["security"] = security
    return {**resource, "meta": meta}
