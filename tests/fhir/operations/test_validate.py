"""`$validate`: an OperationOutcome for any content; errors only when it cannot run."""

from __future__ import annotations

import pytest

from hoso.access.repository import AccessRepository
from hoso.core.errors import InvalidRequest
from hoso.fhir.operations import OperationContext, OperationRegistry, collect_params
from hoso.fhir.operations.validate import VALID_MESSAGE, run
from tests.builders.patient import patient

BASE = "https://hoso.example/fhir"


def _type(resource_type: str = "Patient") -> OperationContext:
    return OperationContext(BASE, "type", resource_type, method="POST")


def _issues(outcome: dict) -> list[tuple[str, str]]:
    assert outcome["resourceType"] == "OperationOutcome"
    return [(i["severity"], i.get("diagnostics", "")) for i in outcome["issue"]]


def test_valid_resource(repo: AccessRepository) -> None:
    outcome = run(repo, _type(), {"resource": [patient()]})
    assert _issues(outcome) == [("information", VALID_MESSAGE)]


def test_invalid_content_is_reported_not_raised(repo: AccessRepository) -> None:
    outcome = run(repo, _type(), {"resource": [patient(gender="xx", birth_date="1990-13-01")]})
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert {e["expression"][0] for e in errors} >= {"Patient.gender"}
    assert VALID_MESSAGE not in [d for _s, d in _issues(outcome)]


def test_parameters_body_and_type_mismatch(repo: AccessRepository) -> None:
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "resource", "resource": patient()}, {"name": "mode", "valueCode": "create"},
    ]}
    params = collect_params([], body)
    assert params["mode"] == ["create"]
    assert _issues(run(repo, _type(), params))[-1] == ("information", VALID_MESSAGE)
    mismatch = run(repo, _type("Observation"), params)
    assert mismatch["issue"][0]["expression"] == ["resourceType"]
    assert mismatch["issue"][0]["severity"] == "error"


def test_update_mode_needs_matching_id(repo: AccessRepository) -> None:
    ctx = OperationContext(BASE, "instance", "Patient", "p1", "POST")
    outcome = run(repo, ctx, {"resource": [{**patient(), "id": "p2"}], "mode": ["update"]})
    assert outcome["issue"][0]["severity"] == "error"
    assert outcome["issue"][0]["expression"] == ["Patient.id"]
    no_id = run(repo, _type(), {"resource": [patient()], "mode": ["update"]})
    assert no_id["issue"][0]["code"] == "required"


def test_delete_mode_checks_the_instance_exists(repo: AccessRepository) -> None:
    stored = repo.create(patient()).stored
    ctx = OperationContext(BASE, "instance", "Patient", stored.id, "POST")
    assert _issues(run(repo, ctx, {"mode": ["delete"]})) == [("information", VALID_MESSAGE)]
    missing = OperationContext(BASE, "instance", "Patient", "nope", "POST")
    outcome = run(repo, missing, {"mode": ["delete"]})
    assert outcome["issue"][0]["code"] == "not-found"


def test_requests_that_cannot_be_validated_raise(repo: AccessRepository) -> None:
    with pytest.raises(InvalidRequest):
        run(repo, _type(), {})
    with pytest.raises(InvalidRequest):
        run(repo, _type(), {"resource": [patient()], "mode": ["bogus"]})
    with pytest.raises(InvalidRequest):
        run(repo, _type(), {"mode": ["delete"]})


def test_registry_levels() -> None:
    find = OperationRegistry().find
    assert find("$validate", "type", "Observation") is not None
    assert find("validate", "instance", "Patient") is not None
    assert find("validate", "system") is None
    assert find("everything", "instance", "Patient") is not None
    assert find("everything", "instance", "Observation") is None
    assert find("nope", "system") is None
