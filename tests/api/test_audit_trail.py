"""Every call leaves an AuditEvent in the chain, committed before the response: reads,
writes (in the write's own transaction), refusals and failures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.core import jsonx
from hoso.store import schema
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.api.conftest import FHIR_JSON, bearer, create_id
from tests.builders.clinical import observation
from tests.builders.patient import patient


def _events(store: SqlStore) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_event).order_by(schema.audit_event.c.seq))
        return [jsonx.loads(row.content) for row in rows]


def _codes(event: dict) -> tuple[str, str, str]:
    return event["action"], event["subtype"][0]["code"], event["outcome"]


def test_reads_writes_and_refusals_are_audited(
    app: FastAPI, client: TestClient, store: SqlStore
) -> None:
    pid = create_id(client, patient())
    client.get(f"/fhir/Patient/{pid}")
    client.get("/fhir/Patient", params={"identifier": "079090001234"})
    resident = bearer(app, role="resident", scopes=("patient/*.rs",), patient="someone-else")
    with TestClient(app, raise_server_exceptions=False, headers=resident) as other:
        assert other.get(f"/fhir/Patient/{pid}").status_code == 404
    events = _events(store)
    assert [_codes(e) for e in events] == [
        ("C", "create", "0"),
        ("R", "read", "0"),
        ("R", "search-type", "0"),
        ("R", "read", "4"),
    ]
    _created, read, search, refused = events
    assert {"reference": f"Patient/{pid}"} in [e["what"] for e in read["entity"]]
    assert search["entity"][-1]["description"] == "identifier=079090001234"
    assert refused["agent"][0]["who"]["identifier"]["value"] == "test:resident"
    assert refused["outcomeDesc"] == "404 ResourceNotFound"
    assert SqlAuditLog(store).verify().intact


def test_a_failed_write_leaves_no_success_entry_and_no_record(
    client: TestClient, store: SqlStore
) -> None:
    bad = observation("nobody")
    response = client.post("/fhir/Observation", json=bad, headers=FHIR_JSON)
    assert response.status_code in (400, 404, 409, 422), response.text
    events = _events(store)
    assert [_codes(e)[2] for e in events] == ["4"]
    assert client.get("/fhir/Observation", params={"_summary": "count"}).json()["total"] == 0


def test_concurrent_requests_share_commits_and_keep_the_chain(
    client: TestClient, store: SqlStore
) -> None:
    pid = create_id(client, patient())
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: client.get(f"/fhir/Patient/{pid}").status_code, range(64)))
    assert codes == [200] * 64
    report = SqlAuditLog(store).verify()
    assert report.intact and report.checked == 65


def test_no_data_leaves_when_its_audit_entry_cannot_be_written(
    client: TestClient, store: SqlStore
) -> None:
    pid = create_id(client, patient())
    with store.engine.begin() as conn:  # the chain's head is unreachable
        conn.exec_driver_sql("ALTER TABLE audit_head RENAME TO audit_head_away")
    try:
        read = client.get(f"/fhir/Patient/{pid}")
        search = client.get("/fhir/Patient", params={"_id": pid})
    finally:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit_head_away RENAME TO audit_head")
    for response in (read, search):
        assert response.status_code == 503
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert "Nguyễn" not in response.text and pid not in response.text
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200  # and it recovers
    report = SqlAuditLog(store).verify()
    assert report.intact, report.problems
