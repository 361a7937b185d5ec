"""The one intake (issue 16): an episode's Bundle is written whole or not at all, the
Patient passes the master patient index, and what the writes said comes back as
warnings. Both backends, through the access layer."""

from __future__ import annotations

from typing import Any

from hoso.core.settings import DEFAULT_FACILITY_SYSTEM
from hoso.ingest.intake import ACCEPTED, REJECTED, WITH_WARNINGS, take_episode
from hoso.store.sql_store import SqlStore
from tests.builders.patient import patient
from tests.callers import as_caller

BASE = "http://testserver/fhir"


def episode(cccd: str | None, *, ma_lk: str = "LK001", icd: str = "J06.9",
            **person: Any) -> dict[str, Any]:  # fmt: skip
    """Patient (matched on its CCCD), Encounter and Condition of one visit, as a front
    door writes them: conditional on business identifiers, so a resubmission replaces."""
    resident = patient(cccd=cccd, **person)
    # A plain POST, not ifNoneExist on the CCCD: the MPI must see it, to refuse another
    # person on a CCCD already on file (ifNoneExist would attach them silently).
    patient_request: dict[str, Any] = {"method": "POST", "url": "Patient"}
    key = f"79001-{ma_lk}"
    encounter = {
        "resourceType": "Encounter", "status": "finished",
        "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": key}],
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "urn:uuid:p"},
        "period": {"start": "2026-11-02T08:15:00+07:00", "end": "2026-11-02T09:00:00+07:00"},
    }  # fmt: skip
    condition = {
        "resourceType": "Condition",
        "identifier": [{"system": DEFAULT_FACILITY_SYSTEM, "value": f"{key}-dx-{icd}"}],
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": icd}]},
        "subject": {"reference": "urn:uuid:p"}, "encounter": {"reference": "urn:uuid:e"},
    }  # fmt: skip
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": resident, "request": patient_request},
        {"fullUrl": "urn:uuid:e", "resource": encounter, "request": {
            "method": "PUT", "url": f"Encounter?identifier={DEFAULT_FACILITY_SYSTEM}|{key}"}},
        {"fullUrl": "urn:uuid:c", "resource": condition, "request": {
            "method": "PUT",
            "url": f"Condition?identifier={DEFAULT_FACILITY_SYSTEM}|{key}-dx-{icd}"}},
    ]}  # fmt: skip


def _count(repo: Any, resource_type: str) -> int:
    return len(repo.search(resource_type, [("_count", "100")]).matches)


def test_an_episode_is_written_and_a_resubmission_replaces_it(store: SqlStore) -> None:
    with as_caller(store) as repo:
        first = take_episode(repo, episode("079090001234"), settings=store.settings,
                             base_url=BASE)  # fmt: skip
        again = take_episode(repo, episode("079090001234"), settings=store.settings,
                             base_url=BASE)  # fmt: skip
        counts = {t: _count(repo, t) for t in ("Patient", "Encounter", "Condition")}
    assert first.status == ACCEPTED, first.issues
    assert [w.split("/")[0] for w in first.written] == ["Patient", "Encounter", "Condition"]
    assert again.status == ACCEPTED
    assert counts == {"Patient": 1, "Encounter": 1, "Condition": 1}
    encounter = next(w for w in again.written if w.startswith("Encounter/"))
    assert encounter.endswith("/_history/2")  # a new version, the history kept


def test_another_person_on_the_same_cccd_rejects_the_whole_episode(store: SqlStore) -> None:
    with as_caller(store) as repo:
        assert take_episode(repo, episode("079090001234"), settings=store.settings,
                            base_url=BASE).status == ACCEPTED  # fmt: skip
        someone_else = episode("079090001234", ma_lk="LK002", family="Trần",
                               given=("Thị", "Hoa"), gender="female", birth_date="1962-11-23")
        clash = take_episode(repo, someone_else, settings=store.settings, base_url=BASE)
        encounters = _count(repo, "Encounter")
    assert clash.status == REJECTED and clash.written == []
    assert clash.issues and clash.issues[0].severity == "error"
    assert "CCCD" in clash.issues[0].text and " / " in clash.issues[0].text
    assert clash.issues[0].entry == 0  # the Patient entry is named
    assert encounters == 1  # nothing of LK002 was written


def test_a_possible_match_is_accepted_with_the_mpis_warning(store: SqlStore) -> None:
    with as_caller(store) as repo:
        take_episode(repo, episode("079090001234"), settings=store.settings, base_url=BASE)
        maybe = take_episode(repo, episode(None, ma_lk="LK003"), settings=store.settings,
                             base_url=BASE)  # fmt: skip
    assert maybe.status == WITH_WARNINGS, maybe.issues
    warning = next(i for i in maybe.issues if i.severity == "warning")
    assert warning.entry == 0 and warning.resource and warning.resource.startswith("Patient/")


def test_a_malformed_bundle_is_rejected_not_raised(store: SqlStore) -> None:
    broken = episode("079090001234")
    broken["entry"][1]["resource"]["status"] = "not-a-status"
    with as_caller(store) as repo:
        result = take_episode(repo, broken, settings=store.settings, base_url=BASE)
        patients = _count(repo, "Patient")
    assert result.status == REJECTED and result.issues[0].severity == "error"
    assert patients == 0  # the Patient of the failed episode was rolled back too
