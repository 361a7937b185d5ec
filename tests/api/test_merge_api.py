"""`Patient/$merge` and `Patient/$unmerge` through the real app with real tokens: a data
steward merges two residents' records and undoes it; everything is restored exactly,
audited, and refused for everyone else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.repository import AccessRepository
from hoso.core import jsonx
from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.identity.merge_world import (
    MergeWorld,
    build_merge_world,
    comparable,
    search_plan,
    snapshot_resources,
    snapshot_searches,
)

MERGE, UNMERGE = "/fhir/Patient/$merge", "/fhir/Patient/$unmerge"


@pytest.fixture
def records(repo: AccessRepository, tmp_path: Path) -> MergeWorld:
    return build_merge_world(repo, tmp_path)


@pytest.fixture
def steward(app: FastAPI) -> Iterator[TestClient]:
    headers = bearer(app, role="steward", scopes=("user/*.cruds",), subject="account:steward-lan")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as c:
        yield c


def _as(app: FastAPI, role: str, scopes: tuple[str, ...], **claims: str) -> TestClient:
    headers = bearer(app, role=role, scopes=scopes, **claims)
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def parameters(*parameter: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(parameter)}


def ref(name: str, reference: str) -> dict[str, Any]:
    return {"name": name, "valueReference": {"reference": reference}}


def _out(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return {p["name"]: p for p in response.json()["parameter"]}


def _search(client: TestClient, rtype: str, params: list[tuple[str, str]]) -> Any:
    if not any(k == "_count" for k, _ in params):
        params = [*params, ("_count", "1000")]
    bundle = client.get(f"/fhir/{rtype}", params=params).json()
    entries = [e["resource"] for e in bundle.get("entry", [])]
    return bundle.get("total"), [(r["resourceType"], r["id"], comparable(r)) for r in entries]


def _everything(client: TestClient, patient_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    bundle = client.get(f"/fhir/Patient/{patient_id}/$everything", params={"_count": "1000"})
    assert bundle.status_code == 200, bundle.text
    return [(r["resourceType"], r["id"], comparable(r))
            for r in (e["resource"] for e in bundle.json().get("entry", []))]  # fmt: skip


def _history_total(client: TestClient) -> int:
    return int(client.get("/fhir/_history").json()["total"])


def _events(store: SqlStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event).order_by(schema.audit_event.c.seq))
        return [jsonx.loads(row.content) for row in rows]


def _issue(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue: dict[str, Any] = body["issue"][0]
    assert " / " in issue["diagnostics"]  # Vietnamese / English
    return issue


def test_steward_merges_and_unmerges_and_everything_comes_back(
    app: FastAPI, client: TestClient, steward: TestClient, store: SqlStore, records: MergeWorld,
    repo: AccessRepository,
) -> None:
    w = records
    plan = search_plan(w)
    resources = snapshot_resources(repo)
    searches = snapshot_searches(lambda t, p: _search(client, t, p), plan)
    everything = {p: _everything(client, p) for p in (w.source, w.target)}
    history = _history_total(client)

    merge_input = parameters(
        ref("source-patient", f"Patient/{w.source}"),
        {"name": "target-patient-identifier",
         "valueIdentifier": {"system": DEFAULT_CCCD_SYSTEM, "value": w.target_cccd}},
    )  # fmt: skip
    preview = _out(steward.post(MERGE, json=parameters(
        *merge_input["parameter"], {"name": "preview", "valueBoolean": True})))  # fmt: skip
    assert "provenance" not in preview and _history_total(client) == history
    assert "Xem trước" in preview["outcome"]["resource"]["issue"][0]["diagnostics"]

    merged = _out(steward.post(MERGE, json=merge_input, headers=FHIR_JSON))
    assert merged["input"]["resource"] == merge_input
    result = merged["result"]["resource"]
    assert result["id"] == w.target
    assert {"other": {"reference": f"Patient/{w.source}"}, "type": "replaces"} in result["link"]
    provenance_id = merged["provenance"]["valueReference"]["reference"].split("/")[1]

    # The merged state, as any reader sees it.
    assert _search(client, "Observation", [("patient", f"Patient/{w.source}")])[0] == 0
    found = _search(client, "Patient", [("identifier", w.source_cccd), ("active", "true")])
    assert [(t, i) for t, i, _ in found[1]] == [("Patient", w.target)]
    source = client.get(f"/fhir/Patient/{w.source}").json()
    assert source["active"] is False and source["meta"]["versionId"] == "2"
    versions = client.get(f"/fhir/Patient/{w.source}/_history").json()
    assert [e["resource"]["meta"]["versionId"] for e in versions["entry"]] == ["2", "1"]
    record = client.get(f"/fhir/Provenance/{provenance_id}").json()
    assert record["agent"][0]["who"]["identifier"]["value"] == "account:steward-lan"
    assert record["entity"][0]["role"] == "source"
    # The steward ran it, but the Provenance is still not theirs to read.
    assert steward.get(f"/fhir/Provenance/{provenance_id}").status_code == 403

    undone = _out(steward.post(UNMERGE, json=parameters(
        ref("provenance", f"Provenance/{provenance_id}"))))  # fmt: skip
    unmerge_id = undone["provenance"]["valueReference"]["reference"].split("/")[1]
    assert "Đã tách" in undone["outcome"]["resource"]["issue"][0]["diagnostics"]

    now = snapshot_resources(repo)
    written = {("Provenance", provenance_id), ("Provenance", unmerge_id)}
    assert set(now) - set(resources) == written
    assert {k: now[k] for k in resources} == resources
    assert snapshot_searches(lambda t, p: _search(client, t, p), plan) == searches
    for p in (w.source, w.target):
        assert [e for e in _everything(client, p) if (e[0], e[1]) not in written] == everything[p]

    again = steward.post(UNMERGE, json=parameters(ref("provenance", f"Provenance/{provenance_id}")))
    assert _issue(again, 409)["expression"] == [
        "Parameters.parameter.where(name='provenance')"
    ]

    events = [e for e in _events(store) if e["subtype"][0]["code"] in ("merge", "unmerge")]
    assert [(e["subtype"][0]["code"], e["outcome"]) for e in events] == [
        ("merge", "0"), ("merge", "0"), ("unmerge", "0"), ("unmerge", "4")
    ]  # fmt: skip
    for event in events[:3]:
        named = [x["what"]["reference"] for x in event["entity"]]
        assert {f"Patient/{w.source}", f"Patient/{w.target}"} <= set(named)
        assert event["agent"][0]["who"]["identifier"]["value"] == "account:steward-lan"
    assert f"Provenance/{provenance_id}" in [x["what"]["reference"] for x in events[1]["entity"]]


def test_only_a_steward_or_the_operator_may_merge(
    app: FastAPI, client: TestClient, store: SqlStore, records: MergeWorld
) -> None:
    body = parameters(ref("source-patient", f"Patient/{records.source}"),
                      ref("target-patient", f"Patient/{records.target}"))  # fmt: skip
    history = _history_total(client)
    refused = {
        "clinician": _as(app, "clinician", ("user/*.cruds",), facility="79001"),
        "resident": _as(app, "resident", ("patient/*.cruds",), patient=records.source),
        "officer": _as(app, "officer", ("user/*.rs",)),
        "dpo": _as(app, "dpo", ("user/*.cruds",)),
        "read-only steward": _as(app, "steward", ("user/*.rs",)),
    }
    for who, caller in refused.items():
        with caller:
            assert caller.post(MERGE, json=body).status_code == 403, who
    assert _history_total(client) == history
    failures = [e for e in _events(store) if e["subtype"][0]["code"] == "merge"]
    assert [e["outcome"] for e in failures] == ["4"] * len(refused)
    merged = _out(client.post(MERGE, json=body))  # the operator may
    provenance = merged["provenance"]["valueReference"]["reference"]
    undone = client.post(UNMERGE, json=parameters(
        ref("source-patient", f"Patient/{records.source}"),
        ref("target-patient", f"Patient/{records.target}"),
    ))  # fmt: skip
    assert _out(undone)["input"]["resource"]["parameter"][0]["name"] == "source-patient"
    entity = client.get(f"/fhir/{_out(undone)['provenance']['valueReference']['reference']}")
    assert entity.json()["entity"][0]["what"]["reference"] == provenance


def test_bad_requests_answer_with_the_parameter_path(
    client: TestClient, store: SqlStore, records: MergeWorld
) -> None:
    src, tgt = f"Patient/{records.source}", f"Patient/{records.target}"

    def where(name: str, *rest: str) -> list[str]:
        return [".".join((f"Parameters.parameter.where(name='{name}')", *rest))]

    cases = [
        (parameters(ref("source-patient", src)), 400, where("target-patient")),
        (parameters(ref("source-patient", "Observation/x"), ref("target-patient", tgt)),
         400, where("source-patient", "value.reference")),
        (parameters(ref("source-patient", src), ref("target-patient", tgt),
                    {"name": "preview", "valueString": "maybe"}),
         400, where("preview", "value")),
        (parameters(ref("source-patient", src), ref("target-patient", tgt),
                    {"name": "source", "valueString": "x"}), 400, where("source")),
        (parameters(ref("source-patient", src), ref("target-patient", tgt),
                    {"name": "result-patient", "resource": {"resourceType": "Patient",
                                                             "id": records.source}}),
         400, where("result-patient", "resource.id")),
        (parameters(ref("source-patient", "Patient/khong-co"), ref("target-patient", tgt)),
         404, where("source-patient", "value.reference")),
        (parameters(ref("source-patient", src), ref("target-patient", src)),
         422, where("target-patient")),
        (parameters({"name": "source-patient-identifier",
                     "valueIdentifier": {"system": DEFAULT_CCCD_SYSTEM, "value": "000000000000"}},
                    ref("target-patient", tgt)),
         404, where("source-patient-identifier")),
    ]  # fmt: skip
    history = _history_total(client)
    for body, status, expression in cases:
        issue = _issue(client.post(MERGE, json=body), status)
        assert issue["expression"] == expression, body
    unknown = client.post(UNMERGE, json=parameters(ref("provenance", "Provenance/khong-co")))
    assert _issue(unknown, 404)["expression"] == where("provenance", "value.reference")
    assert _issue(client.get(MERGE), 405)["code"] == "not-supported"
    assert _history_total(client) == history


def test_result_patient_becomes_the_target(client: TestClient, records: MergeWorld) -> None:
    target = client.get(f"/fhir/Patient/{records.target}").json()
    wanted = {k: v for k, v in target.items() if k != "meta"}
    wanted["telecom"] = [{"system": "phone", "value": "0912345678"}]
    wanted["link"] = [{"other": {"reference": f"Patient/{records.source}"}, "type": "replaces"}]
    merged = _out(client.post(MERGE, json=parameters(
        ref("source-patient", f"Patient/{records.source}"),
        ref("target-patient", f"Patient/{records.target}"),
        {"name": "result-patient", "resource": wanted},
    )))  # fmt: skip
    stored = client.get(f"/fhir/Patient/{records.target}").json()
    assert comparable(stored) == comparable(merged["result"]["resource"])
    assert stored["telecom"] == wanted["telecom"]
    assert stored["identifier"] == target["identifier"]  # no identifiers copied: the caller chose


def test_the_capability_statement_lists_merge_and_unmerge(client: TestClient) -> None:
    rest = client.get("/fhir/metadata").json()["rest"][0]
    names = {op["name"] for r in rest["resource"] if r["type"] == "Patient"
             for op in r.get("operation", [])}  # fmt: skip
    assert {"merge", "unmerge"} <= names
