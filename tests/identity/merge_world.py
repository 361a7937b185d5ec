"""Two residents with realistic records, for merge tests, and snapshots to compare with.

The records come from `hoso.synth` (visits, Encounters, Observations, Conditions,
MedicationRequests, Immunizations, Coverage) loaded through the normal write path (the
operator's access repository, as `hoso load` writes them); the
source resident gets what synth does not make: an AllergyIntolerance, a RelatedPerson,
a relative's Patient.link, a Group membership shared with the target, and an
Observation they reported themselves (performer and subject).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.repository import SearchPage
from hoso.fhir.searchparams import supported_types
from hoso.identity.cccd import current_cccds
from hoso.ingest.fhir_files import load_files
from hoso.synth import generate
from tests.builders.clinical import observation
from tests.builders.patient import patient

Query = tuple[str, list[tuple[str, str]]]


@dataclass
class MergeWorld:
    source: str
    target: str
    source_cccd: str
    target_cccd: str
    source_family: str
    extra: dict[str, str] = field(default_factory=dict)


def comparable(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource minus the version stamps (meta.versionId, meta.lastUpdated)."""
    meta = {k: v for k, v in (resource.get("meta") or {}).items()
            if k not in ("versionId", "lastUpdated")}  # fmt: skip
    out = {k: v for k, v in resource.items() if k != "meta"}
    return {**out, "meta": meta} if meta else out


def _create(repo: AccessRepository, resource: dict[str, Any]) -> str:
    result = repo.create(resource)
    assert result.created, result  # a new record, not one the MPI matched to a resident
    return result.stored.id


def build_merge_world(repo: AccessRepository, tmp_path: Path) -> MergeWorld:
    """The world, written through `repo` (the operator's access repository)."""
    out = tmp_path / "synth"
    generate(8, 3, out, workers=1)
    report = load_files(repo, sorted(out.glob("*.ndjson")))
    assert [str(e) for e in report.errors] == []
    sizes = Counter(
        row.patient_id
        for row in repo.whole_store(supported_types(), "merge test world")
        if row.patient_id
    )
    # The two largest records: the larger survives (target), the other is merged into it.
    target, source = sorted(sizes, key=lambda p: (-sizes[p], p))[:2]
    docs = {p: jsonx.loads(repo.read("Patient", p).content) for p in (source, target)}
    cccds = {p: current_cccds(d, DEFAULT_CCCD_SYSTEM)[0] for p, d in docs.items()}
    world = MergeWorld(source, target, cccds[source], cccds[target],
                       docs[source]["name"][0]["family"])  # fmt: skip
    ref = {"reference": f"Patient/{source}"}
    world.extra["allergy"] = _create(repo, {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
            "code": "active"}]},
        "code": {"text": "Penicillin"},
        "patient": ref,
        "asserter": ref,
    })  # fmt: skip
    world.extra["related"] = _create(repo, {
        "resourceType": "RelatedPerson",
        "patient": ref,
        "name": [{"family": "Trần", "given": ["Thị", "Hoa"]}],
        "relationship": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "WIFE"}]}],
    })  # fmt: skip
    world.extra["relative"] = _create(repo, patient(
        cccd=None, family="Võ", given=("Minh",), birth_date="1950-01-01",
        link=[{"other": ref, "type": "seealso"}],
    ))  # fmt: skip
    world.extra["group"] = _create(repo, {
        "resourceType": "Group",
        "type": "person",
        "actual": True,
        "name": "Hộ gia đình / Household",
        "member": [{"entity": ref}, {"entity": {"reference": f"Patient/{target}"}}],
    })
    self_reported = observation(source, loinc="29463-7", value=61, unit="kg")
    world.extra["self_reported"] = _create(repo, {**self_reported, "performer": [ref]})
    return world


def search_plan(w: MergeWorld) -> list[Query]:
    """Searches whose answers a merge changes and an unmerge must give back exactly."""
    plan: list[Query] = []
    for p in (w.source, w.target):
        ref = f"Patient/{p}"
        plan += [
            ("Observation", [("patient", ref), ("_count", "500")]),
            ("Condition", [("subject", ref)]),
            ("Encounter", [("patient", ref), ("_sort", "date")]),
            ("MedicationRequest", [("patient", ref)]),
            ("Immunization", [("patient", ref), ("_sort", "-date")]),
            ("AllergyIntolerance", [("patient", ref)]),
            ("Coverage", [("beneficiary", ref)]),
            ("RelatedPerson", [("patient", ref)]),
            ("Group", [("member", ref)]),
            ("Patient", [("link", ref)]),
            ("Observation", [("performer", ref)]),
        ]
    for cccd in (w.source_cccd, w.target_cccd):
        plan += [
            ("Patient", [("identifier", f"{DEFAULT_CCCD_SYSTEM}|{cccd}")]),
            ("Patient", [("identifier", cccd), ("active", "true")]),
        ]
    plan.append(("Patient", [("name", w.source_family)]))
    return plan


def page_content(page: SearchPage) -> tuple[int | None, list[tuple[str, str, dict[str, Any]]]]:
    return page.total, [
        (h.resource_type, h.id, comparable(jsonx.loads(h.content))) for h in page.matches
    ]


def snapshot_resources(repo: AccessRepository) -> dict[tuple[str, str], dict[str, Any]]:
    """Every current resource in the store (the operator's whole-store read), as
    `comparable` content."""
    return {
        (row.resource_type, row.id): comparable(jsonx.loads(row.content))
        for row in repo.whole_store(supported_types(), "merge test snapshot")
    }


def snapshot_searches(
    run: Callable[[str, list[tuple[str, str]]], Any], plan: list[Query]
) -> list[Any]:
    return [run(rtype, params) for rtype, params in plan]
