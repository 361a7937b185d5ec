"""`Patient/$match` (https://hl7.org/fhir/R4/patient-operation-match.html): the standard
MPI query. The candidates come through the caller's repository, so a facility sees only
the residents it could search for anyway; the scoring is the MPI's own model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hoso.core import jsonx
from hoso.core.errors import InvalidRequest
from hoso.fhir.bundles import searchset_bundle
from hoso.fhir.operations import (
    OperationContext,
    OperationDefinition,
    OperationParameter,
    OperationParams,
)
from hoso.fhir.repository import Repository, SearchPage
from hoso.fhir.validation import validate_resource
from hoso.identity.mpi.model import MatchModel
from hoso.identity.mpi.online import resolve_patient

__all__ = ["PatientMatch"]

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"
_RESOURCE = "Parameters.parameter.where(name='resource')"


class PatientMatch:
    DEFINITION = OperationDefinition(
        name="match",
        title="Tìm hồ sơ trùng khớp / Find matching patients",
        description=(
            "Tìm người dân đã có hồ sơ khớp với một Patient (CCCD rồi mô hình xác suất "
            "Fellegi–Sunter), có điểm và mức khớp / Find residents whose records match a "
            "Patient (CCCD, then a Fellegi–Sunter model), with score and match grade."
        ),
        url="http://hl7.org/fhir/OperationDefinition/Patient-match",
        levels=frozenset({"type"}),
        resource_types=("Patient",),
        parameters=(
            OperationParameter("resource", "in", 1, "1", "Resource", "Patient cần tìm"),
            OperationParameter("onlyCertainMatches", "in", 0, "1", "boolean",
                               "Chỉ trả kết quả chắc chắn / only certain matches"),
            OperationParameter("count", "in", 0, "1", "integer", "Số kết quả tối đa"),
            OperationParameter("return", "out", 1, "1", "Bundle", "Ứng viên / candidates"),
        ),
        methods=("POST",),
    )

    def __init__(self, model: MatchModel, cccd_system: str) -> None:
        self.model = model
        self.cccd_system = cccd_system

    def run(self, repo: Repository, ctx: OperationContext, params: OperationParams
            ) -> dict[str, Any]:  # fmt: skip
        patient = _patient(params)
        only_certain = _boolean(params, "onlyCertainMatches")
        count = _count(params)

        def search(queries: list[list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
            # The caller's own searches, each decided and audited: only the Patients
            # this caller may see are candidates.
            for query in queries:
                for hit in repo.search("Patient", query).matches:
                    yield jsonx.loads(hit.content)

        found = resolve_patient(patient, search, self.model, self.cccd_system)
        candidates = list(found.candidates)
        if only_certain:
            certain = [c for c in candidates if found.outcome == "match"
                       and c.patient_id == found.patient_id]
            candidates = certain
        bundle = searchset_bundle(SearchPage([]), base_url=ctx.base_url,
                                  self_link=f"{ctx.base_url}/Patient/$match")
        entries = []
        for c in candidates[:count]:
            grade = "certain" if (found.outcome == "match" and c.patient_id == found.patient_id
                                  ) else "probable" if c.score.grade == "certain" else "possible"
            entries.append({
                "fullUrl": f"{ctx.base_url}/Patient/{c.patient_id}",
                "resource": c.resource,
                "search": {
                    "extension": [{"url": MATCH_GRADE, "valueCode": grade}],
                    "mode": "match",
                    "score": round(c.score.probability, 6),
                },
            })
        bundle["total"] = len(entries)
        if entries:
            bundle["entry"] = entries
        return bundle


def _patient(params: OperationParams) -> dict[str, Any]:
    values = params.get("resource", [])
    if len(values) != 1 or not isinstance(values[0], dict) or (
        values[0].get("resourceType") != "Patient"
    ):
        raise InvalidRequest(
            "Cần đúng một tham số resource là Patient / Exactly one resource parameter, a "
            "Patient, is required",
            expression=[_RESOURCE],
        )
    validate_resource(values[0])  # a malformed Patient gets its element paths back
    return values[0]


def _boolean(params: OperationParams, name: str) -> bool:
    values = params.get(name, [])
    if not values:
        return False
    value = values[0]
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise InvalidRequest(f"{name} phải là true hoặc false / {name} must be true or false",
                         expression=[f"Parameters.parameter.where(name='{name}')"])


def _count(params: OperationParams) -> int:
    values = params.get("count", [])
    if not values:
        return 10
    try:
        count = int(values[0])
    except (TypeError, ValueError):
        count = 0
    if isinstance(values[0], bool) or not 1 <= count <= 100:
        raise InvalidRequest("count phải là số nguyên 1–100 / count must be an integer 1–100",
                             expression=["Parameters.parameter.where(name='count')"])
    return count
