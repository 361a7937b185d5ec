"""`$validate`: an OperationOutcome for any content; errors only when it cannot run."""

from __future__ import annotations

import pytest

from hoso.core.errors import InvalidRequest
from hoso.fhir.operations import OperationContext, collect_params, find
from hoso.fhir.operations.validate import VALID_MESSAGE, run
from hoso.fhir.repository import Repository
from hoso.store.sql_store import SqlStore
from tests.builders.patient import patient

BASE = "https://hoso.example/fhir"


def _type(resource_type: str = "Patient") -> OperationContext:
    return OperationContext(BASE, "type", resource_type, method="POST")


def _issues(outcome: dict) -> list[tuple[str, str]]:
    assert outcome["resourceType"] == "OperationOutcome"
    return [(i["severity"], i.get("diagnostics", "")) for i in outcome["issue"]]


def test_valid_resource(store: SqlStore) -> None:
    outcome = run(store, _type(), {"resource": [patient()]})
    assert _issues(outcome) == [("information", VALID_MESSAGE)]


def test_invalid_content_is_reported_not_raised(store: SqlStore) -> None:
    outcome = run(store, _type(), {"resource": [patient(gender="xx", birth_date="1990-13-01")]})
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    assert {e["expression"][0] for e in errors} >= {"Patient.gender"}
    assert VALID_MESSAGE not in [d for _s, d in _issues(outcome)]


def test_parameters_body_and_type_mismatch(store: SqlStore) -> None:
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "resource", "resource": patient()}, {"name": "mode", "valueCode": "create"},
    ]}
    params = collect_params([], body)
    assert params["mode"] == ["create"]
    assert _issues(run(store, _type(), params))[-1] == ("information", VALID_MESSAGE)
    mismatch = run(store, _type("Observation"), params)
    assert mismatch["issue"][0]["expression"] == ["resourceType"]
    assert mismatch["issue"][0]["severity"] == "error"


def test_update_mode_needs_matching_id(store: SqlStore) -> None:
    ctx = OperationContext(BASE, "instance", "Patient", "p1", "POST")
    outcome = run(store, ctx, {"resource": [{**patient(), "id": "p2"}], "mode": ["update"]})
    assert outcome["issue"][0]["severity"] == "error"
    assert outcome["issue"][0]["expression"] == ["Patient.id"]
    no_id = run(store, _type(), {"resource": [patient()], "mode": ["update"]})
    assert no_id["issue"][0]["code"] == "required"


def test_delete_mode_checks_the_instance_exists(store: SqlStore) -> None:
    stored = store.create(patient()).stored
    ctx = OperationContext(BASE, "instance", "Patient", stored.id, "POST")
    assert _issues(run(store, ctx, {"mode": ["delete"]})) == [("information", VALID_MESSAGE)]
    missing = OperationContext(BASE, "instance", "Patient", "nope", "POST")
    outcome = run(store, missing, {"mode": ["delete"]})
    assert outcome["issue"][0]["code"] == "not-found"


def test_requests_that_cannot_be_validated_raise(store: Repository) -> None:
    with pytest.raises(InvalidRequest):
        run(store, _type(), {})
    with pytest.raises(InvalidRequest):
        run(store, _type(), {"resource": [patient()], "mode": ["bogus"]})
    with pytest.raises(InvalidRequest):
        run(store, _type(), {"mode": ["delete"]})


def test_registry_levels() -> None:
    assert find("$validate", "type", "Observation") is not None
    assert find("validate", "instance", "Patient") is not None
    assert find("validate", "system") is None
    assert find("everything", "instance", "Patient") is not None
    assert find("everything", "instance", "Observation") is None
    assert find("nope", "system") is None
