"""Property-based fuzzing of every operation in `/openapi.json`: no answer is a 5xx.

Schemathesis (4.x) generates requests from the app's own OpenAPI schema and sends them
through the ASGI app (the `app` fixture) on a real database (both backends). Requests
carry the operator's bearer token from the `operator_authorization` fixture
(tests/api/conftest.py), so the
fuzzing reaches the handlers instead of stopping at 401; if that fixture is missing the
test errors ("fixture 'operator_authorization' not found") rather than skipping: a fuzz
run that only ever sees 401 would prove nothing.

Why not `@schema.parametrize()` with `schemathesis.pytest.from_fixture`: with the pinned
pytest 9.2 that path fails before any request (`'Function' object has no attribute
'_nodeid'`, in schemathesis/pytest/lazy.py), and the schema needs a fixture-built app.
So this test walks the operations itself and runs one bounded Hypothesis search per
operation; a failure names every operation that answered 5xx, with the case.

The routes declare path parameters as free strings and read query and body themselves,
so purely schema-driven cases would almost all stop at "unknown resource type" (404).
Half the cases therefore pin the path to real types, operations and a stored Patient,
and Schemathesis fuzzes the rest.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET

from hoso.core.settings import DEFAULT_CCCD_SYSTEM
from tests.api.conftest import FHIR_JSON
from tests.builders.patient import patient

pytestmark = pytest.mark.slow  # fuzzes every operation of the OpenAPI schema

# Per operation; the default run stays under a minute and replays the same cases.
# HOSO_FUZZ_EXAMPLES=500 makes a deeper run with fresh random cases each time.
DEEP = os.environ.get("HOSO_FUZZ_EXAMPLES")
MAX_EXAMPLES = int(DEEP or 40)
RESOURCE_TYPES = ("Patient", "Observation", "Encounter")
OPERATION_NAMES = ("everything", "validate")


def _pinned_paths(path_names: set[str], patient_id: str) -> list[dict[str, Any]]:
    """Real values for the path parameters an operation has (the others stay fuzzed)."""
    choices: list[dict[str, Any]] = [{}]
    if "resource_type" in path_names:
        choices = [{**c, "resource_type": t} for c in choices for t in RESOURCE_TYPES]
    if "name" in path_names:
        choices = [{**c, "name": f"{n}"} for c in choices for n in OPERATION_NAMES]
    if "id" in path_names:
        choices = [{**c, "id": patient_id} for c in choices]
    if "version" in path_names:
        choices = [{**c, "version": "1"} for c in choices]
    return [c for c in choices if c]


# Search and control parameters the server knows, with values that stress their parsers.
QUERY_NAMES = (
    "name", "family", "identifier", "birthdate", "gender", "subject", "patient", "code",
    "date", "_id", "_lastUpdated", "_count", "_sort", "_include", "_revinclude",
    "_elements", "_summary", "_since", "_cursor", "_total", "name:exact", "subject:Patient",
)  # fmt: skip
QUERY_VALUES = (
    "ge2020-01-01", "lt1990", "ap2024-13-45", "eq", "2020-01-01T25:00", "-_lastUpdated",
    f"{DEFAULT_CCCD_SYSTEM}|079090001234", "|", "Patient/x", "Patient:organization",
    "*", "0", "-1", "99999999999999999999", "nguyễn văn an", "%", "\\", "a,b,,c",
)  # fmt: skip
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
RESOURCES = st.fixed_dictionaries(
    {"resourceType": st.sampled_from((*RESOURCE_TYPES, "Bundle", "Parameters", "Nope"))},
    optional={
        "id": st.text(max_size=70),
        "meta": JSON,
        "name": JSON,
        "identifier": JSON,
        "subject": st.fixed_dictionaries({"reference": st.text(max_size=30)}) | JSON,
        "entry": st.lists(JSON, max_size=3),
        "type": st.sampled_from(("transaction", "batch", "collection")) | JSON,
        "status": JSON,
    },
)
PATCH_OPS = st.sampled_from(("add", "remove", "replace", "move", "test")) | st.text(max_size=5)
PATCH_PATHS = st.sampled_from(("/gender", "/name/0", "/id", "")) | st.text(max_size=8)
PATCHES = st.lists(
    st.fixed_dictionaries(
        {"op": PATCH_OPS, "path": PATCH_PATHS},
        optional={"value": JSON, "from": st.text(max_size=8)},
    ),
    max_size=3,
)
BODIES = st.one_of(
    RESOURCES.map(lambda b: (b, "application/fhir+json")),
    PATCHES.map(lambda b: (b, "application/json-patch+json")),
    JSON.map(lambda b: (b, "application/json")),
    st.binary(max_size=64).map(lambda b: (b, "application/fhir+json")),
    st.dictionaries(st.sampled_from(QUERY_NAMES), st.sampled_from(QUERY_VALUES), max_size=3).map(
        lambda b: (b, "application/x-www-form-urlencoded")
    ),
)


def _cases(operation: Any, patient_id: str) -> st.SearchStrategy[schemathesis.Case]:
    """Schema-driven cases, half with real path values, plus queries and bodies the
    schema does not declare (the handlers read them from the request)."""
    names = {p.name for p in operation.path_parameters}
    strategies = [
        operation.as_strategy(mode, path_parameters=pinned)
        for pinned in _pinned_paths(names, patient_id)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    strategies += [operation.as_strategy(m) for m in GenerationMode]
    queries = st.dictionaries(
        st.sampled_from(QUERY_NAMES) | st.text(max_size=8),
        st.sampled_from(QUERY_VALUES) | st.text(max_size=20),
        max_size=4,
    )

    @st.composite
    def with_query_and_body(draw: st.DrawFn) -> schemathesis.Case:
        case = draw(st.one_of(strategies))
        case.query = {**(case.query or {}), **draw(queries)}
        if case.method.upper() in ("POST", "PUT", "PATCH") and draw(st.booleans()):
            case.body, case.media_type = draw(BODIES)
        return case

    return with_query_and_body()


def test_no_operation_answers_a_server_error(app: FastAPI, operator_authorization: str) -> None:
    headers = {"Authorization": operator_authorization}
    with TestClient(app) as client:
        created = client.post("/fhir/Patient", json=patient(), headers={**FHIR_JSON, **headers})
        assert created.status_code == 201, created.text
        patient_id = created.json()["id"]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI schema lists no operation"
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=_cases(operation, patient_id))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,  # no .hypothesis/ directory in the working tree
            derandomize=not DEEP,  # the same cases each run: a red run can be replayed
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            try:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])
            except Exception as exc:  # the ASGI transport re-raises handler exceptions
                body = "" if case.body is NOT_SET else f" body={case.body!r:.300}"
                raise AssertionError(
                    f"{case.method} {case.formatted_path} query={case.query}{body}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc

        try:
            no_server_error()
        except Exception as exc:  # one red operation must not hide the others
            found = exc.exceptions if isinstance(exc, ExceptionGroup) else (exc,)
            failures[operation.label] = "\n".join(str(e)[:1000] for e in found)
    assert failures == {}, "\n\n".join(f"{label}\n{why}" for label, why in failures.items())
