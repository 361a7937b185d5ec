"""Batch and transaction Bundles on a real store (https://hl7.org/fhir/R4/http.html#transaction)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.errors import (
    FhirError,
    InvalidRequest,
    InvalidResource,
    PreconditionFailed,
    ResourceNotFound,
)
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.fhir.operations import OperationRegistry
from hoso.fhir.transaction import process_bundle
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient

BASE = "https://hoso.example/fhir"
CCCD = "079090001234"
OPERATIONS = OperationRegistry()  # the built-ins: $everything, $validate
P_URN = "urn:uuid:6f1b6a36-1c2f-4b65-9d0c-2d5cbb0f6d11"
O_URN = "urn:uuid:0e7c4f55-94d0-4a6f-9f57-6b1f7e0f2a22"


def _bundle(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _post(resource: dict[str, Any], full_url: str | None = None, **request: str) -> dict:
    entry: dict[str, Any] = {
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"], **request},
    }
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _request(method: str, url: str, resource: dict | None = None, **extra: str) -> dict:
    entry: dict[str, Any] = {"request": {"method": method, "url": url, **extra}}
    if resource is not None:
        entry["resource"] = resource
    return entry


def _obs_for(ref: str) -> dict[str, Any]:
    resource = observation("x")
    resource["subject"] = {"reference": ref}
    return resource


def _process(repo: AccessRepository, bundle: Any, **options: Any) -> dict[str, Any]:
    return process_bundle(repo, bundle, base_url=BASE, operations=OPERATIONS, **options)


def _id(entry: dict[str, Any]) -> str:
    return entry["response"]["location"].split("/")[1]


def _count(repo: AccessRepository, resource_type: str) -> int:
    return len(repo.search(resource_type, []).matches)


def test_urn_placeholders_resolved_in_any_order(repo: AccessRepository) -> None:
    obs = _obs_for(P_URN)
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><a href="{P_URN}">BN</a></div>'
    obs["text"] = {"status": "generated", "div": div}
    bundle = _bundle("transaction", _post(obs, O_URN), _post(patient(cccd=CCCD), P_URN))
    response = _process(repo, bundle)
    assert response["type"] == "transaction-response"
    obs_entry, patient_entry = response["entry"]  # the request's order
    for entry in (obs_entry, patient_entry):
        assert entry["response"]["status"] == "201 Created"
        assert entry["response"]["etag"] == 'W/"1"'
        assert entry["response"]["location"].endswith("/_history/1")
        assert entry["response"]["lastModified"].endswith("Z")
    assert patient_entry["response"]["location"].startswith("Patient/")
    stored = jsonx.loads(repo.read("Observation", _id(obs_entry)).content)
    assert stored["subject"] == {"reference": f"Patient/{_id(patient_entry)}"}
    assert f'href="Patient/{_id(patient_entry)}"' in stored["text"]["div"]


def test_failure_in_third_entry_writes_nothing(repo: AccessRepository) -> None:
    bundle = _bundle(
        "transaction",
        _post(patient(cccd=CCCD), P_URN),
        _post(_obs_for(P_URN)),
        _post(condition("x") | {"subject": {"reference": P_URN}, "clinicalStatus": "bad"}),
    )
    with pytest.raises(InvalidResource) as caught:
        _process(repo, bundle)
    issue = caught.value.issues[0]
    assert issue.expression[0] == "Bundle.entry[2]"
    assert any(e.startswith("Bundle.entry[2].resource.") for e in issue.expression[1:])
    assert issue.diagnostics.startswith("Bundle.entry[2]: ")
    assert _count(repo, "Patient") == _count(repo, "Observation") == 0
    assert repo.history(None, None).total == 0


def test_precondition_failure_rolls_back_and_keeps_status(repo: AccessRepository) -> None:
    bundle = _bundle(
        "transaction",
        _post(patient(cccd=CCCD)),
        _request("PUT", "Patient/nope", {**patient(cccd=None), "id": "nope"}, ifMatch='W/"3"'),
    )
    with pytest.raises(PreconditionFailed) as caught:
        _process(repo, bundle)
    assert caught.value.http_status == 412
    assert caught.value.issues[0].expression[0] == "Bundle.entry[1]"
    assert repo.history(None, None).total == 0


def test_unresolved_reference_names_its_entry(repo: AccessRepository) -> None:
    bundle = _bundle("transaction", _post(patient(cccd=CCCD)), _post(_obs_for("Patient/ghost")))
    with pytest.raises(InvalidResource) as caught:
        _process(repo, bundle)
    assert caught.value.issues[0].expression[0] == "Bundle.entry[1]"
    assert _count(repo, "Patient") == 0


def test_batch_entries_are_independent(repo: AccessRepository) -> None:
    bundle = _bundle(
        "batch",
        _post(patient(cccd=CCCD)),
        _post(patient(cccd=None, gender="xx")),
        {"request": {"method": "POST"}, "resource": patient(cccd=None)},
        _request("GET", "Patient/missing"),
        _post(observation("x") | {"subject": {"reference": "Patient?identifier=nope|1"}}),
        _post(patient(cccd=None, family="Lê")),
    )
    response = _process(repo, bundle)
    assert response["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in response["entry"]]
    assert statuses == [
        "201 Created",
        "400 Bad Request",
        "400 Bad Request",
        "404 Not Found",
        "404 Not Found",
        "201 Created",
    ]
    bad = response["entry"][1]["response"]["outcome"]
    assert bad["resourceType"] == "OperationOutcome"
    assert bad["issue"][0]["expression"] == ["Patient.gender"]
    no_url = response["entry"][2]["response"]["outcome"]["issue"][0]
    assert no_url["expression"] == ["Bundle.entry[2].request.url"]
    assert _count(repo, "Patient") == 2


def test_batch_entries_may_not_reference_each_other(repo: AccessRepository) -> None:
    bundle = _bundle("batch", _post(patient(cccd=CCCD), P_URN), _post(_obs_for(P_URN)))
    statuses = [e["response"]["status"] for e in _process(repo, bundle)["entry"]]
    assert statuses == ["201 Created", "400 Bad Request"]


def test_conditional_reference(repo: AccessRepository) -> None:
    existing = repo.create(patient(cccd=CCCD)).stored
    ref = f"Patient?identifier={DEFAULT_CCCD_SYSTEM}|{CCCD}"
    response = _process(repo, _bundle("transaction", _post(_obs_for(ref))))
    obs = jsonx.loads(repo.read("Observation", _id(response["entry"][0])).content)
    assert obs["subject"]["reference"] == f"Patient/{existing.id}"

    missing = _bundle("transaction", _post(_obs_for("Patient?identifier=x|000")))
    with pytest.raises(ResourceNotFound) as caught:
        _process(repo, missing)
    assert caught.value.issues[0].expression[0] == "Bundle.entry[0]"

    repo.create(patient(cccd=None, family="Nguyễn"))
    repo.create(patient(cccd=None, family="Nguyễn"))
    many = _bundle("transaction", _post(_obs_for("Patient?family=Nguyễn")))
    with pytest.raises(PreconditionFailed):
        _process(repo, many)


def test_conditional_reference_to_a_resource_created_in_the_same_transaction(
    repo: AccessRepository,
) -> None:
    ref = f"Patient?identifier={DEFAULT_CCCD_SYSTEM}|{CCCD}"
    bundle = _bundle("transaction", _post(_obs_for(ref)), _post(patient(cccd=CCCD)))
    response = _process(repo, bundle)
    obs = jsonx.loads(repo.read("Observation", _id(response["entry"][0])).content)
    assert obs["subject"]["reference"] == f"Patient/{_id(response['entry'][1])}"


def test_if_none_exist_maps_placeholder_to_existing(repo: AccessRepository) -> None:
    existing = repo.create(patient(cccd=CCCD)).stored
    criteria = f"identifier={DEFAULT_CCCD_SYSTEM}|{CCCD}"
    bundle = _bundle(
        "transaction",
        _post(patient(cccd=CCCD), P_URN, ifNoneExist=criteria),
        _post(_obs_for(P_URN)),
    )
    response = _process(repo, bundle)
    first, second = response["entry"]
    assert first["response"]["status"] == "200 OK"
    assert _id(first) == existing.id
    obs = jsonx.loads(repo.read("Observation", _id(second)).content)
    assert obs["subject"]["reference"] == f"Patient/{existing.id}"
    assert _count(repo, "Patient") == 1


def test_update_if_match_conditional_update_and_patch(repo: AccessRepository) -> None:
    created = repo.create(patient(cccd=CCCD)).stored
    update = {**jsonx.loads(created.content), "gender": "other"}
    patch = [{"op": "replace", "path": "/birthDate", "value": "1991-02-03"}]
    binary = {
        "resourceType": "Binary",
        "contentType": "application/json-patch+json",
        "data": base64.b64encode(jsonx.dumps(patch)).decode(),
    }
    other = {**patient(cccd="079190001235", gender="female"), "id": "chosen-id"}
    bundle = _bundle(
        "transaction",
        _request("PUT", f"Patient/{created.id}", update, ifMatch='W/"1"'),
        _request("PUT", "Patient?identifier=079190001235", other),
        _request("PATCH", f"Patient?identifier={CCCD}", binary),
    )
    with pytest.raises(InvalidRequest):  # PUT and PATCH of one resource in one transaction
        _process(repo, bundle)
    bundle["entry"].pop()
    response = _process(repo, bundle)
    assert [e["response"]["status"] for e in response["entry"]] == ["200 OK", "201 Created"]
    assert response["entry"][0]["response"]["etag"] == 'W/"2"'
    assert _id(response["entry"][1]) == "chosen-id"
    patched = process_bundle(
        repo,
        _bundle("transaction", _request("PATCH", f"Patient/{created.id}", binary, ifMatch='W/"2"')),
        base_url=BASE,
        operations=OPERATIONS,
    )
    assert patched["entry"][0]["response"]["etag"] == 'W/"3"'
    stored = jsonx.loads(repo.read("Patient", created.id).content)
    assert stored["birthDate"] == "1991-02-03" and stored["gender"] == "other"
    stale = _bundle(
        "transaction", _request("PUT", f"Patient/{created.id}", update, ifMatch='W/"1"')
    )
    with pytest.raises(PreconditionFailed):
        _process(repo, stale)


def test_delete_runs_first_and_get_last(repo: AccessRepository) -> None:
    old = repo.create(patient(cccd=CCCD)).stored
    bundle = _bundle(
        "transaction",
        _request("GET", f"Patient?identifier={CCCD}"),
        _post(patient(cccd=CCCD, family="Phạm")),  # free again once the delete ran
        _request("DELETE", f"Patient/{old.id}"),
        _request("DELETE", "Patient?identifier=000000000000"),  # no match: nothing to do
    )
    response = _process(repo, bundle)
    search, created, deleted, nothing = response["entry"]
    assert deleted["response"]["status"] == "204 No Content"
    assert deleted["response"]["etag"] == 'W/"2"'
    assert nothing["response"] == {"status": "204 No Content"}
    assert created["response"]["status"] == "201 Created"
    assert search["response"]["status"] == "200 OK"
    found = search["resource"]
    assert found["type"] == "searchset"
    assert [e["resource"]["id"] for e in found["entry"]] == [_id(created)]


def test_get_entries_read_vread_history(repo: AccessRepository) -> None:
    stored = repo.create(patient(cccd=CCCD)).stored
    bundle = _bundle(
        "batch",
        _request("GET", f"{BASE}/Patient/{stored.id}"),
        _request("GET", f"Patient/{stored.id}/_history/1"),
        _request("GET", f"Patient/{stored.id}/_history"),
        _request("HEAD", f"Patient/{stored.id}"),
    )
    read, vread, history, head = _process(repo, bundle)["entry"]
    assert read["resource"]["id"] == stored.id and read["response"]["etag"] == 'W/"1"'
    assert vread["resource"]["meta"]["versionId"] == "1"
    assert history["resource"]["type"] == "history" and history["resource"]["total"] == 1
    assert "resource" not in head and head["response"]["status"] == "200 OK"


def test_reference_cycle_between_new_resources(repo: AccessRepository) -> None:
    a = patient(cccd=None, family="A", link=[{"other": {"reference": O_URN}, "type": "seealso"}])
    b = patient(cccd=None, family="B", link=[{"other": {"reference": P_URN}, "type": "seealso"}])
    response = process_bundle(
        repo,
        _bundle("transaction", _post(a, P_URN), _post(b, O_URN)),
        base_url=BASE,
        operations=OPERATIONS,
    )
    id_a, id_b = (_id(e) for e in response["entry"])
    assert [e["response"]["status"] for e in response["entry"]] == ["201 Created"] * 2
    assert jsonx.loads(repo.read("Patient", id_a).content)["link"][0]["other"] == {
        "reference": f"Patient/{id_b}"
    }
    assert jsonx.loads(repo.read("Patient", id_b).content)["link"][0]["other"] == {
        "reference": f"Patient/{id_a}"
    }


def test_return_preference_representation(repo: AccessRepository) -> None:
    response = process_bundle(
        repo,
        _bundle("transaction", _post(patient(cccd=CCCD))),
        base_url=BASE,
        return_preference="representation",
    )
    assert response["entry"][0]["resource"]["resourceType"] == "Patient"


@pytest.mark.parametrize(
    ("bundle", "where"),
    [
        ({"resourceType": "Patient"}, "resourceType"),
        ({"resourceType": "Bundle", "type": "collection"}, "Bundle.type"),
        ({"resourceType": "Bundle", "type": "transaction", "entry": {}}, "Bundle.entry"),
        (
            _bundle("transaction", _post(patient()), {"request": {"method": "POST"}}),
            "Bundle.entry[1].request.url",
        ),
        (
            _bundle("transaction", {"request": {"method": "FETCH", "url": "Patient"}}),
            "Bundle.entry[0].request.method",
        ),
        (_bundle("transaction", _request("POST", "Patient")), "Bundle.entry[0].resource"),
        (
            _bundle("transaction", _request("POST", "Observation", patient())),
            "Bundle.entry[0].resource.resourceType",
        ),
        (
            _bundle("transaction", _request("PUT", "Patient/1", patient(), ifMatch="x")),
            "Bundle.entry[0].request.ifMatch",
        ),
        (
            _bundle("transaction", _post(patient(), P_URN), _post(patient(), P_URN)),
            "Bundle.entry[1].fullUrl",
        ),
        (
            _bundle(
                "transaction", _request("PUT", "https://elsewhere.example/Patient/1", patient())
            ),
            "Bundle.entry[0].request.url",
        ),
    ],
)
def test_envelope_errors_name_the_path(repo: AccessRepository, bundle: dict, where: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _process(repo, bundle)
    assert caught.value.issues[0].expression[0] == where
    assert repo.history(None, None).total == 0


def test_patch_needs_a_json_patch_binary(repo: AccessRepository) -> None:
    stored = repo.create(patient(cccd=CCCD)).stored
    bundle = _bundle("transaction", _request("PATCH", f"Patient/{stored.id}", patient()))
    with pytest.raises(FhirError) as caught:
        _process(repo, bundle)
    assert caught.value.issues[0].expression[0] == "Bundle.entry[0]"
    assert caught.value.issues[0].code == "not-supported"


def test_delete_if_match(repo: AccessRepository) -> None:
    stored = repo.create(patient(cccd=CCCD)).stored
    stale = _bundle(
        "batch",
        _request("DELETE", f"Patient/{stored.id}", ifMatch='W/"7"'),
        _request("DELETE", f"Patient/{stored.id}", ifMatch='W/"1"'),
    )
    first, second = _process(repo, stale)["entry"]
    assert first["response"]["status"] == "412 Precondition Failed"
    assert second["response"]["status"] == "204 No Content"


def test_operations_in_a_batch(repo: AccessRepository) -> None:
    stored = repo.create(patient(cccd=CCCD)).stored
    bundle = _bundle(
        "batch",
        _request("GET", f"Patient/{stored.id}/$everything"),
        _request("POST", "Patient/$validate", patient(gender="xx")),
        _request("GET", "Patient/$nope"),
    )
    everything, validate, unknown = _process(repo, bundle)["entry"]
    assert everything["resource"]["type"] == "searchset"
    assert everything["resource"]["entry"][0]["resource"]["id"] == stored.id
    assert validate["response"]["status"] == "200 OK"
    assert validate["resource"]["issue"][0]["expression"] == ["Patient.gender"]
    assert unknown["response"]["status"] == "400 Bad Request"


def test_urn_reference_missing_from_the_bundle(repo: AccessRepository) -> None:
    with pytest.raises(InvalidRequest) as caught:
        process_bundle(
            repo,
            _bundle("transaction", _post(_obs_for(P_URN))),
            base_url=BASE,
            operations=OPERATIONS,
        )
    assert caught.value.issues[0].expression[0] == "Bundle.entry[0]"
    assert "Bundle.entry[0].resource" in caught.value.issues[0].expression


def test_a_bundle_past_its_entry_limit_is_a_413_before_any_entry_runs(
    repo: AccessRepository,
) -> None:
    from hoso.core.errors import PayloadTooLarge
    from hoso.fhir.transaction import BundleLimits

    entries = [_request("POST", "Patient", patient(cccd=None)) for _ in range(3)]
    with pytest.raises(PayloadTooLarge) as refused:
        _process(repo, _bundle("transaction", *entries), limits=BundleLimits(max_entries=2))
    assert refused.value.issues[0].expression == ("Bundle.entry",)
    assert repo.search("Patient", []).matches == []
