"""The official R4 examples round-trip through the API; invalid ones get a precise outcome.

References are not checked here: the examples point at resources of other files and
types, which this test does not load first.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, bearer
from tests.fhir.official_examples import examples_dir, supported_examples

pytestmark = pytest.mark.examples

INVALID = json.loads(
    (Path(__file__).parents[1] / "fhir" / "data" / "invalid_examples.json").read_text("utf-8")
)


@pytest.fixture
def lenient_client(store: SqlStore) -> Iterator[TestClient]:
    settings = dataclasses.replace(store.settings, check_references=False)
    store = SqlStore(store.engine, settings)
    app = create_app(store, settings)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(app)) as c:
        yield c


def _without_meta(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "meta"}


def test_every_served_example_round_trips(
    lenient_client: TestClient, request: pytest.FixtureRequest
) -> None:
    examples = supported_examples(request)
    assert len(examples) > 300
    failures = []
    for name, resource in examples:
        url = f"/fhir/{resource['resourceType']}/{resource['id']}"
        response = lenient_client.put(url, json=resource, headers=FHIR_JSON)
        if response.status_code not in (200, 201):
            failures.append((name, response.status_code, response.text[:300]))
            continue
        stored = lenient_client.get(url).json()
        if _without_meta(stored) != _without_meta(resource):
            failures.append((name, "content differs", ""))
        tags = (resource.get("meta") or {}).get("tag")
        if tags and stored["meta"].get("tag") != tags:
            failures.append((name, "meta.tag lost", ""))
    assert failures == []


def _numbers_as_text(text: str) -> Any:
    """The document with every number kept as its text: equal only if byte-equal."""
    return json.loads(text, parse_float=lambda s: ("number", s), parse_int=lambda s: ("number", s))


def test_every_example_keeps_its_numbers_byte_for_byte(
    lenient_client: TestClient, request: pytest.FixtureRequest
) -> None:
    """Sent as the file's own bytes, read back: every number as written (1.50 stays
    1.50, 100.000 stays 100.000), whatever the key order."""
    directory = examples_dir(request)
    with_decimals = 0
    failures = []
    for name, resource in supported_examples(request):
        text = (directory / name).read_text("utf-8")
        if not re.search(r"[:\[,]\s*-?[0-9]+[.eE]", text):
            continue
        with_decimals += 1
        url = f"/fhir/{resource['resourceType']}/{resource['id']}"
        written = lenient_client.put(url, content=text.encode(), headers=FHIR_JSON)
        if written.status_code not in (200, 201):
            continue  # the round-trip test above reports what does not store
        stored = _numbers_as_text(lenient_client.get(url).text)
        if _without_meta(stored) != _without_meta(_numbers_as_text(text)):
            failures.append(name)
    assert with_decimals > 50
    assert failures == []


def test_listed_invalid_examples_are_rejected_precisely(
    lenient_client: TestClient, request: pytest.FixtureRequest
) -> None:
    directory = examples_dir(request)
    assert INVALID
    for name in INVALID:
        resource = json.loads((directory / name).read_text("utf-8"))
        response = lenient_client.post(
            f"/fhir/{resource['resourceType']}", json=resource, headers=FHIR_JSON
        )
        assert 400 <= response.status_code < 500, name
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"]


def test_a_corrupted_example_names_the_element(lenient_client: TestClient) -> None:
    """A served example made invalid in one element is refused with that element's path."""
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "Huyết áp"},
        "effectiveDateTime": "2025-02-30T08:00:00+07:00",
    }
    response = lenient_client.post("/fhir/Observation", json=resource, headers=FHIR_JSON)
    assert response.status_code == 400
    paths = [e for i in response.json()["issue"] for e in i.get("expression", [])]
    assert any(p.startswith("Observation.effective") for p in paths), paths
