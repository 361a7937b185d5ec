"""Invented records for the contract suite, and small helpers that use the contract only.

Patients are written with `put_patient` (an update under a chosen id, which the MPI does
not decide) unless a test is about `create`; the `resident` builder makes each one
clearly a different person (CCCD, name, birth date), so the MPI never merges them.
"""

from __future__ import annotations

from typing import Any

from hoso.core import jsonx
from hoso.fhir.repository import HistoryPage, SearchPage, StoredResource
from hoso.fhir.store import Session, Store
from hoso.fhir.visibility import ACT_CODE, Visibility
from tests.builders.clinical import observation
from tests.builders.patient import resident

ORG_IDENTIFIER = "https://moh.gov.vn/fhir/sid/ma-cskcb"


def person(n: int, id: str, **extra: Any) -> dict[str, Any]:
    """The n-th invented resident (see `tests.builders.patient.resident`) as `id`."""
    return {**resident(n, **extra), "id": id}


def cccd_of(patient: dict[str, Any]) -> str:
    return str(patient["identifier"][0]["value"])


def organization(id: str, code: str | None = None, name: str = "Trạm y tế phường"
                 ) -> dict[str, Any]:  # fmt: skip
    org: dict[str, Any] = {"resourceType": "Organization", "id": id, "name": name}
    if code is not None:
        org["identifier"] = [{"system": ORG_IDENTIFIER, "value": code}]
    return org


def reading(patient_id: str, id: str, value: float = 120, **extra: Any) -> dict[str, Any]:
    """A blood-pressure Observation of `patient_id` under `id`."""
    return {**observation(patient_id, value=value), "id": id, **extra}


def labelled(resource: dict[str, Any], code: str) -> dict[str, Any]:
    """`resource` carrying the v3 ActCode security label `code`."""
    return {**resource, "meta": {"security": [{"system": ACT_CODE, "code": code}]}}


def vital_signs(patient_id: str, id: str, when: str) -> dict[str, Any]:
    category = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "vital-signs"}]}  # fmt: skip
    return {**observation(patient_id, when=when), "id": id, "category": [category]}


def encounter(patient_id: str, id: str, org_id: str) -> dict[str, Any]:
    """A finished visit of `patient_id` at Organization `org_id` (a care link)."""
    return {
        "resourceType": "Encounter",
        "id": id,
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/{patient_id}"},
        "serviceProvider": {"reference": f"Organization/{org_id}"},
        "period": {"start": "2025-01-02T08:00:00+07:00", "end": "2025-01-02T09:00:00+07:00"},
    }


def coverage(patient_id: str, id: str, payor: str) -> dict[str, Any]:
    """A BHYT card of `patient_id` paid by Organization `payor`."""
    return {
        "resourceType": "Coverage",
        "id": id,
        "status": "active",
        "beneficiary": {"reference": f"Patient/{patient_id}"},
        "payor": [{"reference": f"Organization/{payor}"}],
    }


def put(store: Store, *resources: dict[str, Any], check_references: bool = True) -> None:
    """Write each resource under the id it carries, in one unit of work."""
    with store.unit_of_work(check_references=check_references) as s:
        for resource in resources:
            s.update(resource["resourceType"], resource["id"], resource)


def put_in(s: Session, resource: dict[str, Any]) -> StoredResource:
    return s.update(resource["resourceType"], resource["id"], resource).stored


def body(stored: StoredResource) -> dict[str, Any]:
    return dict(jsonx.loads(stored.content))


def ids(page: SearchPage) -> list[str]:
    return [hit.id for hit in page.matches]


def versions(page: HistoryPage) -> list[tuple[str, int, str]]:
    """(id, version, method) of each entry, in the page's order."""
    return [(e.stored.id, e.stored.version, e.method) for e in page.entries]


def only(*patient_ids: str) -> Visibility:
    """A caller who may see these residents' records whole (and what is in no one's)."""
    return Visibility(patients=frozenset(patient_ids))
