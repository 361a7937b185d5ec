"""`/api/mpi`: the steward's review queue through the real app with real tokens, on both
backends: the JSON API, the pages' form (with its CSRF field), and every refusal as an
OperationOutcome (403, 404, 400, 409), never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.identity.mpi.test_review_queue import STEWARD_AGENT, look_alikes

STEWARD_HEADERS = {"role": "steward", "scopes": ("user/*.cruds",), "subject": STEWARD_AGENT}


@pytest.fixture
def steward(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, headers=bearer(app, **STEWARD_HEADERS),
                    follow_redirects=False) as c:  # fmt: skip
        yield c


@pytest.fixture
def pair(client: TestClient, steward: TestClient) -> tuple[str, str, int]:
    """Two look-alikes created through /fhir (the MPI files them); (first, second, id)."""
    first, second = look_alikes()
    ids = []
    for resource in (first, second):
        response = client.post("/fhir/Patient", json=resource, headers=FHIR_JSON)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    queue = steward.get("/api/mpi/candidates").json()
    (found,) = queue["candidates"]
    return ids[0], ids[1], found["id"]


def _outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return dict(body["issue"][0])


def _decide(c: TestClient, cid: int, body: Any) -> Any:
    return c.post(f"/api/mpi/candidates/{cid}/decision", json=body)


def test_queue_and_pair_as_json(steward: TestClient, pair: tuple[str, str, int]) -> None:
    a, b, cid = pair
    queue = steward.get("/api/mpi/candidates", params={"limit": 5}).json()
    assert queue["total"] == 1 and queue["limit"] == 5
    shown = steward.get(f"/api/mpi/candidates/{cid}").json()
    assert {shown["a"]["id"], shown["b"]["id"]} == {a, b} and shown["status"] == "open"
    agree = {f["field"]: f["agreement"] for f in shown["fields"]}
    assert agree["family"] == "exact" and agree["address"] == "disagree"
    assert agree["cccd"] == "missing"


def test_merge_retires_the_duplicate_and_a_second_decision_is_409(
    client: TestClient, steward: TestClient, pair: tuple[str, str, int], store: SqlStore
) -> None:
    a, b, cid = pair
    done = _decide(steward, cid, {"decision": "merge"})
    assert done.status_code == 200, done.text
    assert done.json()["kept"] == f"Patient/{a}" and done.json()["retired"] == f"Patient/{b}"
    retired = client.get(f"/fhir/Patient/{b}").json()
    assert retired["active"] is False
    assert retired["link"] == [{"other": {"reference": f"Patient/{a}"}, "type": "replaced-by"}]
    assert steward.get("/api/mpi/candidates").json()["candidates"] == []
    issue = _outcome(_decide(steward, cid, {"decision": "not-same"}), 409)
    assert "already decided" in issue["diagnostics"] and "đã được quyết định" in issue[
        "diagnostics"]
    with store.engine.connect() as conn:
        events = set(conn.execute(sa.text("SELECT subtype, agent FROM audit_event")))
    assert ("merge", STEWARD_AGENT) in events


def test_not_the_same_person_keeps_both(
    client: TestClient, steward: TestClient, pair: tuple[str, str, int]
) -> None:
    a, b, cid = pair
    done = _decide(steward, cid, {"decision": "not-same"})
    assert done.json() == {"id": cid, "status": "rejected"}
    for pid in (a, b):
        assert client.get(f"/fhir/Patient/{pid}").json().get("active", True) is True
    assert steward.get(f"/api/mpi/candidates/{cid}").json()["status"] == "rejected"
    _outcome(_decide(steward, cid, {"decision": "merge", "keep": "a"}), 409)


def test_other_roles_get_403(app: FastAPI, pair: tuple[str, str, int]) -> None:
    cid = pair[2]
    headers = bearer(app, role="clinician", scopes=("user/*.cruds",), subject="account:bs")
    with TestClient(app, raise_server_exceptions=False, headers=headers) as clinician:
        _outcome(clinician.get("/api/mpi/candidates"), 403)
        _outcome(clinician.get(f"/api/mpi/candidates/{cid}"), 403)
        _outcome(_decide(clinician, cid, {"decision": "merge", "keep": "a"}), 403)
        _outcome(clinician.get("/api/mpi/review.html"), 403)
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        _outcome(anonymous.get("/api/mpi/candidates"), 401)


def test_unknown_candidates_are_404(steward: TestClient) -> None:
    for path in ("/api/mpi/candidates/999999", "/api/mpi/candidates/abc",
                 "/api/mpi/candidates/²", "/api/mpi/candidates/99999999999",
                 "/api/mpi/review/999999.html"):  # fmt: skip
        _outcome(steward.get(path), 404)
    _outcome(_decide(steward, 999999, {"decision": "not-same"}), 404)


@pytest.mark.parametrize(("body", "path"), [
    ({"decision": "maybe"}, "decision"),
    ({}, "decision"),
    ({"decision": "merge", "keep": "c"}, "keep"),
    ({"decision": ["merge"]}, "decision"),
    ({"decision": "merge", "kept": "a"}, "kept"),
    (["merge"], "$"),
])  # fmt: skip
def test_bad_bodies_are_400_with_the_path(
    steward: TestClient, pair: tuple[str, str, int], body: Any, path: str
) -> None:
    issue = _outcome(_decide(steward, pair[2], body), 400)
    assert issue["expression"] == [path]


def test_malformed_json_and_wrong_media_type(
    steward: TestClient, pair: tuple[str, str, int]
) -> None:
    url = f"/api/mpi/candidates/{pair[2]}/decision"
    bad = steward.post(url, content=b"{nope", headers={"Content-Type": "application/json"})
    _outcome(bad, 400)
    plain = steward.post(url, content=b'{"decision": "merge"}',
                         headers={"Content-Type": "text/plain"})  # fmt: skip
    _outcome(plain, 415)
    _outcome(steward.get("/api/mpi/candidates", params={"limit": "lots"}), 400)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_pages_have_a_strict_policy_and_a_form_bound_to_the_token(
    app: FastAPI, client: TestClient, steward: TestClient, pair: tuple[str, str, int]
) -> None:
    cid = pair[2]
    queue = steward.get("/api/mpi/review.html")
    assert queue.status_code == 200 and f'href="review/{cid}.html"' in queue.text
    page = steward.get(f"/api/mpi/review/{cid}.html")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert "<script" not in page.text
    assert "Hợp nhất" in page.text and "Không phải cùng một người" in page.text
    url = f"/api/mpi/review/{cid}.html"
    form = {"decision": "merge", "keep": "a"}
    _outcome(steward.post(url, data=form), 403)  # no csrf field
    _outcome(steward.post(url, data={**form, "csrf": "ĐĐ"}), 403)
    plain = {"Content-Type": "text/plain"}
    _outcome(steward.post(url, content=b"decision=merge", headers=plain), 415)
    # Another steward's page gives another field: it does not work with this token.
    other = bearer(app, **{**STEWARD_HEADERS, "subject": "account:steward-binh"})
    theirs = _csrf(steward.get(url, headers=other).text)
    _outcome(steward.post(url, data={**form, "csrf": theirs}), 403)
    done = steward.post(url, data={**form, "decision": "not-same", "csrf": _csrf(page.text)})
    assert done.status_code == 303 and done.headers["location"] == f"{cid}.html"
    after = steward.get(url)
    assert "Không phải cùng một người / Not the same person" in re.sub(
        r"<[^>]+>", "", after.text) and 'name="csrf"' not in after.text


def test_a_merge_through_the_fhir_operation_closes_the_queued_pair(
    steward: TestClient, pair: tuple[str, str, int]
) -> None:
    a, b, cid = pair
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "source-patient", "valueReference": {"reference": f"Patient/{b}"}},
        {"name": "target-patient", "valueReference": {"reference": f"Patient/{a}"}},
    ]}  # fmt: skip
    merged = steward.post("/fhir/Patient/$merge", json=body, headers=FHIR_JSON)
    assert merged.status_code == 200, merged.text
    shown = steward.get(f"/api/mpi/candidates/{cid}").json()
    assert (shown["status"], shown["decidedBy"]) == ("merged", STEWARD_AGENT)
    assert steward.get("/api/mpi/candidates").json()["candidates"] == []
