"""`Patient/{id}/$summary`: the International Patient Summary, an IPS document Bundle
(http://hl7.org/fhir/uv/ips/, `Patient/$summary` of IPS 1.1) a clinic abroad can read.

The Composition (LOINC 60591-5 "Patient summary Document") has the IPS sections —
problems, allergies, medications (the three the IPS requires), immunizations, results,
vital signs, procedures — each with its LOINC code, a narrative in Vietnamese and
English, and entries citing the resources, which follow in the Bundle. A required
section with nothing to say carries `emptyReason` (list-empty-reason `unavailable`:
nothing is recorded here, which is not the same as "none") instead of disappearing.
Everything is read through the caller's repository, so the summary shows exactly what
their view shows (a clinician's, the resident's own, with the sensitive labels the
access policy applies), and the read is audited like any other.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hoso.core import clock, jsonx
from hoso.core.errors import InvalidRequest
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.repository import Repository

__all__ = ["DEFINITION", "SECTIONS", "run"]

LOINC = "http://loinc.org"
IPS_PROFILE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"
MAX_RESOURCES = 2000  # a summary, not the whole record: `$everything` pages the rest

DEFINITION = OperationDefinition(
    name="summary",
    title="Tóm tắt hồ sơ quốc tế (IPS) / International Patient Summary",
    description=(
        "Trả về bản tóm tắt hồ sơ theo chuẩn IPS (Bundle document) / Returns the "
        "International Patient Summary as a document Bundle."
    ),
    url="http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
    levels=frozenset({"instance"}),
    resource_types=("Patient",),
    parameters=(
        OperationParameter("return", "out", 1, "1", "Bundle",
                           "Bundle document IPS / The IPS document Bundle"),
    ),
)


@dataclass(frozen=True, slots=True)
class Section:
    code: str
    title_vi: str
    title_en: str
    types: tuple[str, ...]
    required: bool
    keep: Callable[[dict[str, Any]], bool] = lambda _r: True


def _category(resource: dict[str, Any]) -> set[str]:
    return {c.get("code") for cat in resource.get("category") or [] if isinstance(cat, dict)
            for c in cat.get("coding") or [] if isinstance(c, dict)}  # fmt: skip


SECTIONS = (
    Section("11450-4", "Bệnh và vấn đề sức khỏe", "Problem list", ("Condition",), True),
    Section("48765-2", "Dị ứng", "Allergies and intolerances", ("AllergyIntolerance",), True),
    Section("10160-0", "Thuốc", "Medication summary",
            ("MedicationStatement", "MedicationRequest"), True),
    Section("11369-6", "Tiêm chủng", "Immunizations", ("Immunization",), False),
    Section("30954-2", "Kết quả xét nghiệm", "Results", ("Observation", "DiagnosticReport"),
            False, lambda r: r["resourceType"] == "DiagnosticReport"
            or "vital-signs" not in _category(r)),
    Section("8716-3", "Dấu hiệu sinh tồn", "Vital signs", ("Observation",), False,
            lambda r: "vital-signs" in _category(r)),
    Section("47519-4", "Thủ thuật, phẫu thuật", "History of procedures", ("Procedure",), False),
)  # fmt: skip


def run(repo: Repository, ctx: OperationContext, params: OperationParams) -> dict[str, Any]:
    if not ctx.id:
        raise InvalidRequest("$summary cần id người bệnh / $summary needs a Patient id")
    patient = repo.read("Patient", ctx.id)  # 404 for absent and hidden alike, first
    resources = _record(repo, ctx.id)
    now = clock.fhir_instant(clock.now())
    base = ctx.base_url.rstrip("/")
    composition: dict[str, Any] = {
        "resourceType": "Composition", "id": str(uuid.uuid4()), "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5",
                             "display": "Patient summary Document"}]},
        "subject": {"reference": f"Patient/{ctx.id}"}, "date": now,
        "author": [{"display": "Hồ Sơ — Sở Y tế TP.HCM / HCMC Department of Health"}],
        "title": "Tóm tắt hồ sơ sức khỏe / International Patient Summary",
        "section": [_section(s, resources) for s in SECTIONS],
    }  # fmt: skip
    cited = [r for s in SECTIONS for r in _members(s, resources)]
    entries = [composition, jsonx.loads(patient.content), *cited]
    return {
        "resourceType": "Bundle", "meta": {"profile": [IPS_PROFILE]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        "type": "document", "timestamp": now,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in entries],
    }  # fmt: skip


def _record(repo: Repository, patient_id: str) -> list[dict[str, Any]]:
    types = sorted({t for s in SECTIONS for t in s.types})
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while len(found) < MAX_RESOURCES:
        page = repo.compartment(patient_id, types, count=500, cursor=cursor)
        found.extend(jsonx.loads(hit.content) for hit in page.matches)
        cursor = page.next_cursor
        if cursor is None:
            break
    return found[:MAX_RESOURCES]


def _members(section: Section, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in resources if r["resourceType"] in section.types and section.keep(r)]


def _section(section: Section, resources: list[dict[str, Any]]) -> dict[str, Any]:
    members = _members(section, resources)
    out: dict[str, Any] = {
        "title": f"{section.title_vi} / {section.title_en}",
        "code": {"coding": [{"system": LOINC, "code": section.code, "display": section.title_en}]},
        "text": {"status": "generated", "div": _narrative(section, members)},
    }  # fmt: skip
    if members:
        out["entry"] = [{"reference": f"{r['resourceType']}/{r['id']}"} for r in members]
    else:
        out["emptyReason"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
            "code": "unavailable", "display": "Unavailable"}]}  # fmt: skip
    return out


def _narrative(section: Section, members: list[dict[str, Any]]) -> str:
    if not members:
        body = "<p>Chưa có thông tin / No information recorded</p>"
    else:
        rows = "".join(f"<li>{html.escape(_label(r))}</li>" for r in members[:200])
        body = f"<ul>{rows}</ul>"
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'


def _label(resource: dict[str, Any]) -> str:
    """A line for the narrative: the code's text or display, and when."""
    concept = (resource.get("code") or resource.get("vaccineCode")
               or resource.get("medicationCodeableConcept") or {})  # fmt: skip
    codings = concept.get("coding") or [{}] if isinstance(concept, dict) else [{}]
    name = (concept.get("text") if isinstance(concept, dict) else None) or \
        codings[0].get("display") or codings[0].get("code") or resource["resourceType"]
    when = next((resource[k] for k in ("effectiveDateTime", "onsetDateTime", "occurrenceDateTime",
                                       "performedDateTime", "authoredOn", "recordedDate")
                 if isinstance(resource.get(k), str)), "")  # fmt: skip
    return f"{name} ({when[:10]})" if when else str(name)
