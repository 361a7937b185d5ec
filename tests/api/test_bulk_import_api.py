"""Asynchronous `$import`: kick-off, status, manifest, error file, refusals, audit."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.access.claims import FACILITY_SYSTEM, RESIDENT
from hoso.core.settings import Settings
from hoso.store.sql_store import SqlStore
from tests.api.conftest import bearer
from tests.builders.clinical import observation
from tests.builders.patient import patient

ASYNC = {"Prefer": "respond-async"}
NDJSON = {"Content-Type": "application/fhir+ndjson", **ASYNC}


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "his"
    folder.mkdir()
    return folder


@pytest.fixture
def file_server(source_dir: Path) -> Iterator[str]:
    """A real HTTP server the import fetches from (a hospital's export share)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(source_dir))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    sources: tuple[str, ...] = ()
    if "file_server" in request.fixturenames:
        sources = (request.getfixturevalue("file_server"),)
    return Settings(
        database_url=database_url, bulk_dir=str(tmp_path / "bulk"), import_sources=sources
    )


def _ndjson(resources: list[object]) -> bytes:
    return b"".join(
        (r.encode() if isinstance(r, str) else orjson.dumps(r)) + b"\n" for r in resources
    )


def _people(n: int) -> list[dict[str, object]]:
    return [{**patient(cccd=f"0790900{i:05d}"), "id": f"imp{i}"} for i in range(n)]


def _wait(client: TestClient, location: str) -> dict[str, object]:
    path = location.split("http://testserver", 1)[-1]
    for _ in range(200):
        response = client.get(path)
        if response.status_code != 202:
            assert response.status_code == 200, response.text
            return response.json()
        assert response.headers["X-Progress"]
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_ndjson_body_import_with_error_report(client: TestClient, store: SqlStore) -> None:
    body = _ndjson([*_people(3), observation("imp1"), "{broken", {"resourceType": "Patient",
                    "id": "bad", "gender": "nam"}])  # fmt: skip
    kick = client.post("/fhir/$import", content=body, headers=NDJSON)
    assert kick.status_code == 202, kick.text
    manifest = _wait(client, kick.headers["Content-Location"])
    assert manifest["output"] == [
        {"type": "Observation", "count": 1},
        {"type": "Patient", "count": 3},
    ]
    [error] = manifest["error"]
    assert error["type"] == "OperationOutcome" and error["count"] == 2
    download = client.get(str(error["url"]).split("http://testserver", 1)[-1])
    assert download.status_code == 200
    outcomes = [orjson.loads(line) for line in download.content.splitlines()]
    assert outcomes[0]["issue"][0]["diagnostics"].startswith("body:5:")
    assert outcomes[1]["issue"][0]["expression"] == ["Patient.gender"]
    assert client.get("/fhir/Patient/imp2").status_code == 200
    assert client.get("/fhir/Patient/bad").status_code == 404
    with store.engine.connect() as conn:
        rows = (
            conn.exec_driver_sql("SELECT outcome FROM audit_event WHERE subtype LIKE 'import%%'")
            .scalars()
            .all()
        )
    # kick-off, one batch, the error file's download; the refused lines
    assert sorted(rows) == ["0", "0", "0", "4"]


def test_parameters_import_fetches_allowed_sources(
    client: TestClient, source_dir: Path, file_server: str
) -> None:
    (source_dir / "Patient.ndjson").write_bytes(_ndjson(_people(2)))
    url = f"{file_server}Patient.ndjson"
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "inputFormat", "valueCode": "application/fhir+ndjson"},
            {"name": "input", "part": [{"name": "type", "valueCode": "Patient"},
                                       {"name": "url", "valueUri": url}]},
        ],
    }  # fmt: skip
    kick = client.post(
        "/fhir/$import", json=parameters, headers={"Content-Type": "application/fhir+json", **ASYNC}
    )
    assert kick.status_code == 202, kick.text
    manifest = _wait(client, kick.headers["Content-Location"])
    assert manifest["output"] == [{"type": "Patient", "count": 2}] and manifest["error"] == []
    elsewhere = {
        "resourceType": "Parameters",
        "parameter": [{"name": "input", "part": [{"name": "url",
                                                  "valueUri": "http://169.254.169.254/x"}]}],
    }  # fmt: skip
    refused = client.post(
        "/fhir/$import", json=elsewhere, headers={"Content-Type": "application/fhir+json", **ASYNC}
    )
    assert refused.status_code == 400
    issue = refused.json()["issue"][0]
    assert issue["expression"] == ["Parameters.parameter[0].part"]
    assert "HOSO_IMPORT_SOURCES" in issue["diagnostics"]


def test_refusals(app: FastAPI, client: TestClient) -> None:
    body = _ndjson(_people(1))
    no_prefer = client.post("/fhir/$import", content=body,
                            headers={"Content-Type": "application/fhir+ndjson"})  # fmt: skip
    assert no_prefer.status_code == 400 and no_prefer.json()["resourceType"] == "OperationOutcome"
    resident = bearer(app, role=RESIDENT, scopes=("patient/*.cruds",), patient="imp0")
    forbidden = client.post("/fhir/$import", content=body, headers={**NDJSON, **resident})
    assert forbidden.status_code == 403
    empty = client.post("/fhir/$import", content=b"", headers=NDJSON)
    assert empty.status_code == 400
    kick = client.post("/fhir/$import", content=body, headers=NDJSON)
    location = kick.headers["Content-Location"].split("http://testserver", 1)[-1]
    _wait(client, kick.headers["Content-Location"])
    other = bearer(app, role=FACILITY_SYSTEM, scopes=("system/*.cru",), facility="79001",
                   subject="client:other", client_id="other")  # fmt: skip
    assert client.get(location, headers=other).status_code == 404
    assert client.get("/fhir/$import-status/nope").status_code == 404
