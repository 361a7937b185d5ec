"""Bulk import: the same rows as single writes, per-line errors, resumable, audited."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from hoso.access.claims import FACILITY_SYSTEM, AccessClaims
from hoso.access.principal import Principal, operator_principal
from hoso.access.repository import AccessRepository
from hoso.access.scopes import ScopeSet
from hoso.ingest.bulk_import import ImportOptions
from hoso.store.bulk_rows import BULK_TABLES
from hoso.store.sql_store import SqlStore
from tests.builders.clinical import condition, observation
from tests.builders.patient import patient
from tests.callers import bulk_import, load

OPERATOR = operator_principal("tester")
WriteNdjson = Callable[[str, list[Any]], Path]


def _people(n: int) -> list[dict[str, Any]]:
    return [{**patient(cccd=f"0790900{i:05d}"), "id": f"p{i}"} for i in range(n)]


def _clinical(n: int, people: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        r = (
            observation(f"p{i % people}", value=100 + i % 40)
            if i % 3
            else condition(f"p{i % people}")
        )
        out.append({**r, "id": f"c{i}"})
    return out


def _table_rows(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every bulk-written table, keyed by (type, id) instead of seq, without times."""
    with store.engine.connect() as conn:
        keys = {
            row.seq: (row.resource_type, row.id)
            for row in conn.exec_driver_sql("SELECT seq, resource_type, id FROM resource")
        }
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table, columns in BULK_TABLES:
            rows = []
            for row in conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table}"):
                values = dict(zip(columns, row, strict=True))
                if values.get("param") == "_lastUpdated":
                    continue
                values.pop("last_updated", None)
                if "content" in values:
                    content = orjson.loads(values["content"])
                    content["meta"].pop("lastUpdated")
                    values["content"] = content
                first = columns[0]
                values[first] = keys[values[first]]
                rows.append(tuple(sorted((k, repr(v)) for k, v in values.items())))
            out[table] = sorted(rows)
    return out


def test_bulk_rows_equal_single_write_rows(
    store: SqlStore, second_store: SqlStore, write_ndjson: WriteNdjson
) -> None:
    people = _people(30)
    consent = {
        "resourceType": "Consent",
        "id": "consent-1",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": "Patient/p1"},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                   "code": "OPTOUT"}]},
        "provision": {"type": "deny"},
    }  # fmt: skip
    encounter = {
        "resourceType": "Encounter",
        "id": "enc-1",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p2"},
        "serviceProvider": {"reference": "Organization/org-1"},
        "period": {"start": "2025-01-02T08:00:00+07:00", "end": "2025-01-02T09:00:00+07:00"},
    }
    org = {"resourceType": "Organization", "id": "org-1", "name": "Trạm y tế phường Bến Thành"}
    files = [
        write_ndjson("Patient", people),
        write_ndjson("Other", [org, encounter, consent, *_clinical(90, 30)]),
    ]
    report = bulk_import(store, files, OPERATOR, ImportOptions(workers=0))
    assert report.errors == [] and report.written == 30 + 93
    single = load(second_store, files)
    assert single.errors == []
    bulk_rows, single_rows = _table_rows(store), _table_rows(second_store)
    for table, _ in BULK_TABLES:
        assert bulk_rows[table] == single_rows[table], table
    assert bulk_rows["care_link"] and bulk_rows["consent_rule"] and bulk_rows["patient_cccd"]


def test_bad_lines_are_reported_and_the_rest_is_written(
    store: SqlStore, write_ndjson: WriteNdjson
) -> None:
    path = write_ndjson(
        "Observation",
        [
            *_people(2),
            "{not json",
            {"resourceType": "Observation", "id": "bad", "status": "bogus"},
            {
                "resourceType": "Patient",
                "id": "dup",
                **{k: v for k, v in patient(cccd="079090000001").items() if k != "resourceType"},
            },
            {"resourceType": "Patient", "id": "has space"},
            "",
            observation("p1"),
        ],
    )
    report = bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    where = {(e.line, e.path) for e in report.errors}
    assert (3, "") in where  # malformed JSON, no element
    assert (4, "Observation.status") in where and (4, "Observation.code") in where
    assert (5, "Patient.identifier") in where  # the CCCD of line 1
    taken = next(e for e in report.errors if e.line == 5)
    assert "Patient/p1" in taken.message  # the resident who holds it, for the HIS
    assert (6, "Patient.id") in where
    assert all(e.file == str(path) for e in report.errors)
    assert report.counts == {"Patient": 2, "Observation": 1}
    with store.engine.connect() as conn:
        for table in ("resource", "resource_history"):
            ids = set(conn.exec_driver_sql(f"SELECT id FROM {table}").scalars())
            assert "bad" not in ids and "dup" not in ids
        assert conn.exec_driver_sql("SELECT count(*) FROM idx_token WHERE res_seq NOT IN "
                                    "(SELECT seq FROM resource)").scalar() == 0  # fmt: skip


def test_rerun_skips_what_is_stored_and_lines_without_id_keep_their_id(
    store: SqlStore, write_ndjson: WriteNdjson
) -> None:
    no_ids = [observation("p0", value=v) for v in range(5)]
    path = write_ndjson("All", [*_people(3), *no_ids])
    first = bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    second = bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    assert first.written == 8 and first.skipped == 0
    assert second.written == 0 and second.skipped == 8
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM resource").scalar() == 8
        assert conn.exec_driver_sql("SELECT count(*) FROM resource_history").scalar() == 8


def test_changed_line_becomes_a_new_version(
    store: SqlStore, write_ndjson: WriteNdjson, repo: AccessRepository
) -> None:
    bulk_import(store, [write_ndjson("a", _people(2))], OPERATOR, ImportOptions(workers=0))
    changed = _people(2)
    changed[1]["gender"] = "female"
    report = bulk_import(store, [write_ndjson("b", changed)], OPERATOR, ImportOptions(workers=0))
    assert (report.written, report.updated, report.skipped) == (0, 1, 1)
    assert repo.read("Patient", "p1").version == 2
    assert orjson.loads(repo.read("Patient", "p1").content)["gender"] == "female"


def test_stop_keeps_committed_batches_and_a_rerun_completes(
    store: SqlStore, write_ndjson: WriteNdjson
) -> None:
    path = write_ndjson("All", [*_people(20), *_clinical(400, 20)])
    stop = threading.Event()
    batches: list[int] = []

    def progress(p: Any) -> None:
        batches.append(p.written)
        if p.written >= 100:
            stop.set()

    options = ImportOptions(workers=0, batch_resources=50, progress=progress, stop=stop)
    first = bulk_import(store, [path], OPERATOR, options)
    assert first.interrupted and 100 <= first.written < 420
    second = bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    assert second.skipped == first.written and first.written + second.written == 420
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM resource").scalar() == 420


def test_each_batch_is_audited_with_its_residents(
    store: SqlStore, write_ndjson: WriteNdjson
) -> None:
    path = write_ndjson("All", _people(4))
    bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    with store.engine.connect() as conn:
        event = conn.execute(sa.text("SELECT subtype, agent, seq FROM audit_event")).one()
        patients = set(conn.execute(sa.text("SELECT patient_id FROM audit_patient")).scalars())
    assert (event.subtype, event.agent) == ("import", "operator:tester")
    assert patients == {"p0", "p1", "p2", "p3"}


def test_facility_system_needs_a_care_relation(
    store: SqlStore, write_ndjson: WriteNdjson, repo: AccessRepository
) -> None:
    bulk_import(store, [write_ndjson("people", _people(2))], OPERATOR, ImportOptions(workers=0))
    claims = AccessClaims(
        subject="client:his-79001", role=FACILITY_SYSTEM, scopes=("system/*.cru",),
        client_id="his-79001", token_id="t", expires_at=2**40, facility="79001",
    )  # fmt: skip
    his = Principal(
        claims, ScopeSet.parse(claims.scopes), facility_orgs=("Organization/org-79001",)
    )
    encounter = {
        "resourceType": "Encounter", "id": "e1", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p0"},
        "serviceProvider": {"reference": "Organization/org-79001"},
        "period": {"start": "2025-01-02T08:00:00+07:00", "end": "2025-01-02T09:00:00+07:00"},
    }  # fmt: skip
    elsewhere = {**encounter, "id": "e2", "serviceProvider": {"reference": "Organization/other"}}
    lines = [encounter, observation("p0"), observation("p1"), elsewhere]
    report = bulk_import(store, [write_ndjson("his", lines)], his, ImportOptions(workers=0))
    refused = {e.line: e.message for e in report.errors}
    assert set(refused) == {3, 4}  # p1: no care relation; e2: another facility
    assert report.counts == {"Encounter": 1, "Observation": 1}
    stored = orjson.loads(repo.read("Encounter", "e1").content)
    assert stored["meta"]["source"] == "urn:hoso:facility:79001"


@pytest.mark.parametrize("workers", [2])
def test_worker_processes_give_the_same_result(
    store: SqlStore, write_ndjson: WriteNdjson, workers: int
) -> None:
    path = write_ndjson("All", [*_people(10), *_clinical(1200, 10), "oops"])
    report = bulk_import(
        store, [path], OPERATOR, ImportOptions(workers=workers, batch_resources=300)
    )
    assert report.written == 1210 and [e.line for e in report.errors] == [1211]
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(DISTINCT seq) FROM resource").scalar() == 1210


def test_the_same_id_twice_in_a_file_ends_as_two_versions(
    store: SqlStore, write_ndjson: WriteNdjson, repo: AccessRepository
) -> None:
    first, second = _people(1)[0], {**_people(1)[0], "gender": "female"}
    report = bulk_import(
        store, [write_ndjson("twice", [first, second])], OPERATOR, ImportOptions(workers=0)
    )
    assert (report.written, report.updated, report.errors) == (1, 1, [])
    stored = repo.read("Patient", "p0")
    assert stored.version == 2 and orjson.loads(stored.content)["gender"] == "female"


def test_lines_are_parsed_as_strictly_as_a_request_and_keep_their_numbers(
    store: SqlStore, write_ndjson: WriteNdjson, repo: AccessRepository
) -> None:
    obs = orjson.dumps({**observation("p0"), "id": "exact"}).decode()
    exact = obs.replace('"value":120', '"value":120.50')
    assert exact != obs
    path = write_ndjson("Observation", [
        *_people(1),
        exact,
        '{"resourceType":"Patient","id":"twice","gender":"male","gender":"female"}',
        '{"resourceType":"Patient","id":"nul","name":[{"family":"a\\u0000b"}]}',
    ])  # fmt: skip
    report = bulk_import(store, [path], OPERATOR, ImportOptions(workers=0))
    where = {(e.line, e.path) for e in report.errors}
    assert (3, "gender") in where
    assert (4, "Patient.name[0].family") in where
    assert report.counts == {"Patient": 1, "Observation": 1}
    assert '"value":120.50' in repo.read("Observation", "exact").content
