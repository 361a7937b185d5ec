"""A small synthetic city for access tests: two facilities, residents with and without
care relationships, a child, sensitive records, a case linked to the officer; and a client per role.

Everything is created over HTTP: the operator loads the shared records, and each
facility writes its own clinical records with its own token, so `meta.source` and the
care relationships come from the real write path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.core.settings import DEFAULT_CCCD_SYSTEM, DEFAULT_FACILITY_SYSTEM
from tests.api.conftest import FHIR_JSON, bearer
from tests.builders.cases import linked_case
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient

FACILITY_A, FACILITY_B = "79001", "79002"
ROLE_SCOPES = {
    "resident": ("patient/*.cruds",),
    "clinician": ("user/*.cruds",),
    "facility-system": ("system/*.cruds",),
    "officer": ("user/*.rs",),
    "steward": ("user/*.cruds",),
    "dpo": ("user/*.cruds",),
    "admin": ("user/*.cruds",),
}


@dataclass
class World:
    app: FastAPI
    operator: TestClient
    ids: dict[str, str] = field(default_factory=dict)
    clients: list[TestClient] = field(default_factory=list)

    def as_role(self, role: str, **claims: str | None) -> TestClient:
        scopes = claims.pop("scopes", None) or ROLE_SCOPES[role]
        headers = bearer(self.app, role=role, scopes=tuple(str(scopes).split()) if isinstance(
            scopes, str) else scopes, **claims)  # fmt: skip
        client = TestClient(self.app, raise_server_exceptions=False, headers=headers)
        self.clients.append(client)
        return client

    def resident(self, key: str = "p1") -> TestClient:
        return self.as_role("resident", patient=self.ids[key], subject=f"account:{key}")

    def clinician(self, facility: str = FACILITY_A, name: str = "bs-an") -> TestClient:
        return self.as_role("clinician", facility=facility, subject=f"account:{name}")

    def facility(self, facility: str) -> TestClient:
        return self.as_role("facility-system", facility=facility, client_id=f"his-{facility}",
                            subject=f"client:his-{facility}")  # as the token endpoint names it


def create(client: TestClient, resource: dict[str, Any]) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def encounter(patient_id: str, org_id: str, start: str = "2026-11-20T08:00:00+07:00") -> dict:
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "serviceProvider": {"reference": f"Organization/{org_id}"},
        "period": {"start": start, "end": start},
    }


def privacy_consent(patient_id: str, provision: dict) -> dict:
    """A resident's active patient-privacy Consent with `provision`."""
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient_id}"},
        "provision": provision,
    }


def facility_actor(org_id: str) -> dict:
    return {
        "role": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PRCP",
                }
            ]
        },
        "reference": {"reference": f"Organization/{org_id}"},
    }


def label_permit(patient_id: str, org_id: str, label: str) -> dict:
    """A resident's Consent letting one facility see one sensitive category."""
    return privacy_consent(
        patient_id,
        {
            "type": "permit",
            "actor": [facility_actor(org_id)],
            "securityLabel": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": label}
            ],
        },
    )


def organization(code: str, name: str) -> dict:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": code}],
        "name": name,
    }


def build_world(app: FastAPI, operator: TestClient) -> World:
    w = World(app, operator)
    ids = w.ids
    ids["orgA"] = create(operator, organization(FACILITY_A, "Bệnh viện Quận 1"))
    ids["orgB"] = create(operator, organization(FACILITY_B, "Bệnh viện Quận 3"))
    ids["p1"] = create(
        operator, patient(cccd="079090001234", family="Trần", birth_date="1990-01-01")
    )
    ids["p2"] = create(operator, patient(cccd="079085004321", family="Lê", birth_date="1985-02-02"))
    ids["p3"] = create(
        operator, patient(cccd="079070007777", family="Phạm", birth_date="1970-03-03")
    )
    ids["child"] = create(
        operator, patient(cccd=None, family="Trần", given=("Bé",), birth_date="2020-06-01")
    )
    ids["guardian"] = create(
        operator,
        {
            "resourceType": "RelatedPerson",
            "patient": {"reference": f"Patient/{ids['child']}"},
            "identifier": [{"system": DEFAULT_CCCD_SYSTEM, "value": "079090001234"}],
            "relationship": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                            "code": "MTH",
                        }
                    ]
                }
            ],
        },
    )
    a, b = w.facility(FACILITY_A), w.facility(FACILITY_B)
    # p1 is in care at A and at B's HIV clinic; p2 at B; p3 nowhere (only a case report
    # names them); the child only in the operator's records.
    ids["encA1"] = create(a, encounter(ids["p1"], ids["orgA"]))
    ids["encB1"] = create(b, encounter(ids["p1"], ids["orgB"]))
    ids["encB2"] = create(b, encounter(ids["p2"], ids["orgB"]))
    ids["obsA1"] = create(a, observation(ids["p1"], value=131))
    ids["hivB1"] = create(b, condition(ids["p1"], icd10="B20", text="Nhiễm HIV"))
    ids["obsB2"] = create(b, observation(ids["p2"], value=150))
    ids["condB2"] = create(b, condition(ids["p2"], icd10="I10"))
    ids["obsChild"] = create(
        operator, observation(ids["child"], loinc="8302-2", value=98, unit="cm")
    )
    ids["obsP3"] = create(operator, observation(ids["p3"], loinc="8310-5", value=39, unit="Cel"))
    # The officer `test:officer` manages a dengue case of p3 (the case link).
    ids["case"] = str(linked_case(w.app.state.store.engine, ids["p3"], "test:officer"))
    return w
