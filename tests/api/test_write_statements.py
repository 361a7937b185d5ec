"""How many SQL statements a Patient create costs through the whole request path: the
MPI's candidate searches are one statement, its locks one, the audit append two on
PostgreSQL, the change feed's row one (issue 14: at most 12; it was 24). On PostgreSQL
each statement is a round trip, and the limit holds with the feed; SQLite runs in the
process (no round trips) and its audit append is four statements, so it may take 13. A
conditional update (every resource of an XML 130 or HL7 v2 episode is one) looks for its
match without counting (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hoso.store.sql_store import SqlStore
from tests.api.conftest import FHIR_JSON, create
from tests.builders.clinical import observation
from tests.builders.patient import patient


@pytest.fixture
def statements(store: SqlStore) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()[:5]))

    sa.event.listen(store.engine, "before_cursor_execute", count)
    yield seen
    sa.event.remove(store.engine, "before_cursor_execute", count)


def test_a_patient_create_costs_at_most_twelve_statements(
    client: TestClient, store: SqlStore, statements: list[str]
) -> None:
    # A first resident, so that the MPI's searches have someone to look at.
    first = patient(cccd="079090001234", birth_date="1990-05-01")
    assert client.post("/fhir/Patient", json=first, headers=FHIR_JSON).status_code == 201
    statements.clear()
    newcomer = patient(cccd="079185004321", family="Trần", given=("Thị", "Bình"),
                       gender="female", birth_date="1985-03-12")  # fmt: skip
    response = client.post("/fhir/Patient", json=newcomer, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    writes = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    limit = 12 if store.engine.dialect.name == "postgresql" else 13
    assert len(writes) <= limit, "\n".join(writes)
    assert sum("change_feed" in s or "change_counter" in s for s in writes) == 1
    assert sum(s.startswith("SELECT resource.seq") for s in writes) == 1  # one search_any


def test_a_conditional_update_does_not_count_its_matches(
    client: TestClient, store: SqlStore, statements: list[str]
) -> None:
    subject = create(client, patient(cccd="079090001234", birth_date="1990-05-01"))["id"]
    system = "https://fhir.hoso.hochiminhcity.gov.vn/sid/ma-cskcb"
    url = f"/fhir/Observation?identifier={system}|79001-LK1-XML4-1"
    body = {**observation(subject), "identifier": [{"system": system,
                                                    "value": "79001-LK1-XML4-1"}]}  # fmt: skip
    statements.clear()
    for status in (201, 200):  # created, then found and replaced
        response = client.put(url, json=body, headers=FHIR_JSON)
        assert response.status_code == status, response.text
    assert response.json()["meta"]["versionId"] == "2"
    assert not [s for s in statements if s.startswith("SELECT count(*)")], statements
