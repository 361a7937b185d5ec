"""The interconnection's new doors tried as an attacker would: the metrics of the
change feed (operator only), a peer record system's reach (every record, never the
server-written types, never the feed), Subscriptions from anyone but a facility."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.access_world import World
from tests.api.conftest import FHIR_JSON, bearer
from tests.builders.clinical import observation


def test_metrics_are_for_the_operator_only(app: FastAPI, client: TestClient,
                                           world: World) -> None:  # fmt: skip
    answer = client.get("/api/metrics")
    assert answer.status_code == 200
    assert 'hoso_feed_pending_changes{consumer="national"}' in answer.text
    assert "Patient" not in answer.text and world.ids["p1"] not in answer.text
    anonymous = TestClient(app, raise_server_exceptions=False)
    assert anonymous.get("/api/metrics").status_code == 401
    for caller in (world.facility("79001"), world.clinician(), world.resident(),
                   world.as_role("dpo")):
        refused = caller.get("/api/metrics")
        assert refused.status_code == 403, refused.text
        assert "hoso_feed" not in refused.text


@pytest.fixture
def peer(app: FastAPI) -> TestClient:
    headers = bearer(app, role="record-system", scopes=("system/*.cruds",),
                     subject="client:peer-hcm", client_id="peer-hcm")  # fmt: skip
    return TestClient(app, raise_server_exceptions=False, headers=headers)


def test_a_peer_record_system_writes_any_record_but_not_the_servers_own(
    peer: TestClient, world: World
) -> None:
    """The national side's view of a province: it may add to any resident's record and
    keeps the meta.source it sends; it may not forge audit or provenance records."""
    sent = {**observation(world.ids["p2"]),
            "meta": {"source": "https://hcm.example/fhir/Observation/x/_history/3"}}
    made = peer.post("/fhir/Observation", json=sent, headers=FHIR_JSON)
    assert made.status_code == 201, made.text
    assert made.json()["meta"]["source"] == sent["meta"]["source"]
    for rtype in ("AuditEvent", "Provenance"):
        forged = peer.post(f"/fhir/{rtype}", json={"resourceType": rtype}, headers=FHIR_JSON)
        assert forged.status_code == 403, forged.text
    assert peer.get("/api/metrics").status_code == 403


def test_a_subscription_from_anyone_but_a_facility_system_never_delivers(
    store: object, world: World
) -> None:
    """A resident (or a clinician) may file a Subscription resource, but the worker
    refuses it: it would let them watch records through the server's own reach."""
    from hoso.exchange.subscriptions import parse_subscription

    resource = {"resourceType": "Subscription", "id": "s1", "status": "requested",
                "criteria": "Observation", "meta": {"source": "urn:hoso:patient:p1"},
                "channel": {"type": "rest-hook", "endpoint": "http://127.0.0.1:9/x"}}
    with pytest.raises(ValueError, match="facility"):
        parse_subscription(resource, ["http://127.0.0.1:"])
    with pytest.raises(ValueError, match="HOSO_SUBSCRIPTION_ENDPOINTS"):
        parse_subscription({**resource, "meta": {"source": "urn:hoso:facility:79001"}}, [])
    injected = {**resource, "meta": {"source": "urn:hoso:facility:79001"},
                "channel": {**resource["channel"], "header": ["X-A: b\r\nHost: evil"]}}
    parsed = parse_subscription(injected, ["http://127.0.0.1:"])
    assert parsed.headers == {}
