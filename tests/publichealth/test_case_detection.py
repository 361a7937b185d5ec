"""Case reports made from the record through the change feed, on SQLite and
PostgreSQL: a notifiable diagnosis or a positive lab result becomes a case with the
right deadline, ward and facility; later evidence of the same illness joins it; a new
illness opens another; a replayed change adds nothing; an emerging disease added at run
time works at once; refuted diagnoses are noted, not forgotten."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hoso.access.audit import GroupCommitAuditTrail
from hoso.access.repository import AccessRepository
from hoso.assembly import case_access, case_detector, disease_catalogue
from hoso.publichealth.definitions import packaged_definitions
from hoso.store.sql_store import SqlAuditLog, SqlStore
from tests.builders.patient import patient
from tests.callers import as_caller, bulk_import

SAI_GON = {"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
           "state": "Thành phố Hồ Chí Minh", "country": "VN"}  # fmt: skip
ICD10 = "http://hl7.org/fhir/sid/icd-10"
HOUR_US = 3_600_000_000


def diagnosis(patient_id: str, code: str, *, onset: str, recorded: str,
              status: str = "confirmed") -> dict[str, Any]:  # fmt: skip
    return {
        "resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
        "code": {"coding": [{"system": ICD10, "code": code}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": status}]},
        "onsetDateTime": onset, "recordedDate": recorded,
    }  # fmt: skip


def ns1_positive(patient_id: str, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "75377-2"}]},
        "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when,
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct",
                                             "code": "10828004", "display": "Positive"}]},
    }  # fmt: skip


@pytest.fixture
def city(store: SqlStore) -> Iterator[tuple[AccessRepository, Any]]:
    """The operator's repository with the shipped definitions, and a detector."""
    with as_caller(store) as repo:
        disease_catalogue(store, repo).seed()
        trail = GroupCommitAuditTrail(SqlAuditLog(store))
        yield repo, case_detector(store, trail)
        trail.close()


def _cases(store: SqlStore, repo: AccessRepository) -> list[Any]:
    page, _mine, _every = case_access(store, repo).cases(offset=0, limit=100)
    return sorted(page, key=lambda c: c.id)


def _patient(repo: AccessRepository, cccd: str = "079090001234") -> str:
    return repo.create({**patient(cccd=cccd), "address": [SAI_GON]}).stored.id


def test_a_notifiable_diagnosis_becomes_a_case_with_its_deadline(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    pid = _patient(repo)
    repo.create(diagnosis(pid, "A97.1", onset="2026-11-18", recorded="2026-11-20T09:00:00+07:00"))
    repo.create(diagnosis(pid, "I10", onset="2026-11-18", recorded="2026-11-20T09:00:00+07:00"))
    while detector.step():
        pass
    (case,) = _cases(store, repo)
    assert (case.disease, case.classification, case.severity) == (
        "dengue", "probable", "with-warning-signs")
    assert case.patient_id == pid and case.ward == "26740"
    assert case.onset_date == "2026-11-18"
    # Dengue is reported within 24 h of the diagnosis (recorded 20/11 09:00 +07).
    assert case.deadline_at - case.diagnosed_at == 24 * HOUR_US
    assert case.diagnosed_at == 1_795_140_000_000_000  # 2026-11-20T02:00:00Z
    # Written now, the diagnosis from 20/11 reached us late: it is overdue.
    assert case.reported_at > case.deadline_at


def test_one_case_per_episode_of_illness_and_a_lab_result_confirms_it(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    pid = _patient(repo)
    repo.create(diagnosis(pid, "A97.0", onset="2026-07-01", recorded="2026-07-02"))
    repo.create(diagnosis(pid, "A97.2", onset="2026-07-03", recorded="2026-07-04"))  # next visit
    repo.create(ns1_positive(pid, "2026-07-02T10:00:00+07:00"))
    repo.create(diagnosis(pid, "A90", onset="2026-11-01", recorded="2026-11-02"))  # a new illness
    while detector.step():
        pass
    first, second = _cases(store, repo)
    assert (first.classification, first.severity) == ("confirmed", "severe")
    assert (first.onset_date, first.last_onset_date) == ("2026-07-01", "2026-07-03")
    assert (second.onset_date, second.classification) == ("2026-11-01", "probable")
    history = case_access(store, repo).history(first.id)
    kinds = [kind for _at, kind, _value, _agent in history["events"]]
    assert kinds == ["created", "evidence", "severity", "evidence", "classification"]
    assert len(history["evidence"]) == 3


def test_a_replayed_change_adds_nothing_and_a_refuted_diagnosis_is_noted(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    pid = _patient(repo)
    made = repo.create(diagnosis(pid, "B05", onset="2026-11-10", recorded="2026-11-11"))
    while detector.step():
        pass
    # The cursor goes back (a crash before it moved): the same changes again.
    detector.feed.advance(detector.owner, 0, lease_us=60_000_000, sent=0, rate=0.0)
    while detector.step():
        pass
    (case,) = _cases(store, repo)
    assert case.disease == "measles"
    refuted = diagnosis(pid, "B05", onset="2026-11-10", recorded="2026-11-11", status="refuted")
    repo.update("Condition", made.stored.id, {**refuted, "id": made.stored.id})
    while detector.step():
        pass
    events = case_access(store, repo).history(case.id)["events"]
    assert [e[1] for e in events] == ["created", "evidence-withdrawn"]
    assert len(_cases(store, repo)) == 1


def test_an_emerging_disease_added_at_run_time_works_at_once(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    document = {**packaged_definitions()[0].document, "code": "marburg",
                "name": {"vi": "Bệnh do vi rút Marburg", "en": "Marburg virus disease"},
                "group": "A", "icd10": ["A98.3"], "labs": [], "severity": []}  # fmt: skip
    _definition, version = disease_catalogue(store, repo).add(document)
    assert version == 1
    pid = _patient(repo)
    repo.create(diagnosis(pid, "A98.3", onset="2026-12-01", recorded="2026-12-02",
                          status="provisional"))  # fmt: skip
    while detector.step():
        pass
    (case,) = _cases(store, repo)
    assert (case.disease, case.classification) == ("marburg", "suspected")


def test_any_door_the_bulk_import_too(store: SqlStore, city: tuple[AccessRepository, Any],
                                      tmp_path: Any) -> None:  # fmt: skip
    repo, detector = city
    pid = _patient(repo)
    path = tmp_path / "Condition.ndjson"
    path.write_text(json.dumps(diagnosis(pid, "B08.4", onset="2026-11-25",
                                         recorded="2026-11-26")) + "\n")  # fmt: skip
    bulk_import(store, [path])
    while detector.step():
        pass
    (case,) = _cases(store, repo)
    assert (case.disease, case.patient_id) == ("hfmd", pid)


def test_any_door_an_xml130_file_too(store: SqlStore, city: tuple[AccessRepository, Any]) -> None:
    """A hospital's XML 130 file whose main diagnosis (MA_BENH_CHINH) is dengue with
    warning signs: the intake's Condition makes the case."""
    from hoso.ingest.xml130_intake import take_xml130
    from tests.ingest.xml130.files import clean, giamdinhhs, hoso, outpatient, summary

    repo, detector = city
    facility = {"system": store.settings.facility_system, "value": "79001"}
    repo.create({"resourceType": "Organization", "active": True, "name": "Bệnh viện",
                 "identifier": [facility]})  # fmt: skip
    tables = outpatient()
    tables["XML1"] = [summary(MA_BENH_CHINH="A97.1", MA_BENH_KT=None)]
    answer = take_xml130(repo, giamdinhhs(hoso(clean(tables))), settings=store.settings,
                         base_url="https://hoso.example/fhir", facility=None)  # fmt: skip
    assert answer.records, answer
    while detector.step():
        pass
    (case,) = _cases(store, repo)
    assert (case.disease, case.severity) == ("dengue", "with-warning-signs")


def test_an_officer_answering_for_a_ward_takes_its_open_cases(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    pid = _patient(repo)
    repo.create(diagnosis(pid, "A36", onset="2026-11-20", recorded="2026-11-21"))
    while detector.step():
        pass
    cases = case_access(store, repo)
    (case,) = _cases(store, repo)
    assert cases.history(case.id)["officers"] == []
    assert cases.set_officer_ward("account:cb-1", "26740", add=True) == 1
    assert cases.set_officer_ward("account:cb-1", "26740", add=True) == 0  # already theirs
    assert cases.set_officer_ward("account:cb-2", "26743", add=True) == 0  # another ward
    assert cases.history(case.id)["officers"] == ["account:cb-1"]
    cases.set_officer_ward("account:cb-1", "26740", add=False)
    assert cases.history(case.id)["officers"] == ["account:cb-1"]  # a handover is explicit


def test_a_contact_who_falls_ill_is_opened_as_a_suspected_case(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    from hoso.publichealth.cases import suspected_case

    repo, _detector = city
    pid = _patient(repo)
    cases = case_access(store, repo)
    cases.set_officer_ward("account:cb-1", "26740", add=True)
    definition = disease_catalogue(store, repo).get("measles")
    assert definition is not None
    values = suspected_case(definition.definition, onset_date="2026-11-30", ward="26740",
                            facility=None, now_us=1_796_000_000_000_000)  # fmt: skip
    case_id = cases.open_case(disease="measles", definition_version=definition.version,
                              patient_id=pid, new_case=values,
                              event={"from": "contact", "contact": 7})  # fmt: skip
    case = cases.case(case_id)
    assert (case.classification, case.onset_date, case.ward) == ("suspected", "2026-11-30", "26740")
    assert case.deadline_at - case.diagnosed_at == 24 * HOUR_US
    assert cases.history(case_id)["officers"] == ["account:cb-1"]
    with pytest.raises(ValueError):
        suspected_case(definition.definition, onset_date="2999-01-01", ward=None,
                       facility=None, now_us=1_796_000_000_000_000)  # fmt: skip


def test_a_diagnosis_refuted_in_the_same_batch_is_noted_in_commit_order(
    store: SqlStore, city: tuple[AccessRepository, Any]
) -> None:
    repo, detector = city
    pid = _patient(repo)
    made = repo.create(diagnosis(pid, "A00", onset="2026-11-28", recorded="2026-11-29"))
    refuted = diagnosis(pid, "A00", onset="2026-11-28", recorded="2026-11-29", status="refuted")
    repo.update("Condition", made.stored.id, {**refuted, "id": made.stored.id})
    while detector.step():  # both changes in one batch
        pass
    (case,) = _cases(store, repo)
    events = case_access(store, repo).history(case.id)["events"]
    assert [e[1] for e in events] == ["created", "evidence-withdrawn"]
