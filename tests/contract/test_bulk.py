"""Store.reserve_seqs / row_builder and Session.bulk (BulkTables): a bulk batch is
prepared off the database, written in one unit, and then is what single writes would
have stored; streamed reads page current resources by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from hoso.access.bulk_access import ALL_PATIENTS
from hoso.core import jsonx
from hoso.core.errors import InvalidResource
from hoso.fhir.store import PreparedRows, Store
from hoso.fhir.visibility import Visibility
from tests.contract.records import (
    body,
    cccd_of,
    encounter,
    ids,
    only,
    organization,
    person,
    put,
    reading,
    versions,
)


def prepare(store: Store, resources: Sequence[dict[str, Any]], method: str = "PUT"
            ) -> list[PreparedRows]:  # fmt: skip
    """What a bulk import's workers do: reserve row numbers, then build each line."""
    seqs = store.reserve_seqs(len(resources))
    builder = store.row_builder()
    return [builder.build(r, seqs[i] if seqs is not None else 0, method)
            for i, r in enumerate(resources)]  # fmt: skip


def write(store: Store, resources: Sequence[dict[str, Any]], method: str = "PUT") -> None:
    items = prepare(store, resources, method)
    with store.unit_of_work(check_references=False) as s:
        s.bulk.write_batch(items)


def test_reserved_row_numbers_are_distinct(contract_store: Store) -> None:
    """reserve_seqs(count): `count` distinct numbers never handed out twice, or None
    when the store numbers rows itself."""
    first, second = contract_store.reserve_seqs(3), contract_store.reserve_seqs(2)
    if first is None or second is None:
        assert first is None and second is None
        return
    assert len(first) == 3 and len(second) == 2
    assert len(set(first) | set(second)) == 5


def test_the_row_builder_describes_each_resource(contract_store: Store) -> None:
    """row_builder().build: type, id, compartment, CCCDs, whether it opens care, and the
    content as stored at version 1."""
    resident = person(1, "pat-1")
    patient, obs, visit = prepare(contract_store, [
        resident, reading("pat-1", "obs-1"), encounter("pat-1", "enc-1", "org-1"),
    ])  # fmt: skip
    assert (patient.resource_type, patient.id, patient.patient_id) == ("Patient", "pat-1", "pat-1")
    assert patient.cccds == (cccd_of(resident),) and not patient.opens_care
    assert (obs.resource_type, obs.id, obs.patient_id, obs.cccds) == (
        "Observation", "obs-1", "pat-1", (),
    )  # fmt: skip
    assert visit.opens_care and not obs.opens_care
    content = jsonx.loads(obs.content)
    assert content["meta"]["versionId"] == "1" and content["valueQuantity"]["value"] == 120


def test_the_row_builder_refuses_what_a_single_write_refuses(contract_store: Store) -> None:
    """row_builder().build: an invalid resource or id is InvalidResource, as in a write."""
    builder = contract_store.row_builder()
    with pytest.raises(InvalidResource):
        builder.build({"resourceType": "Observation", "id": "bad", "status": "bogus"}, 0, "PUT")
    with pytest.raises(InvalidResource):
        builder.build(organization("has space"), 0, "PUT")


def test_a_written_batch_reads_like_single_writes(contract_store: Store) -> None:
    """write_batch: each resource is then read, versioned, searched, in its compartment
    and in history as the method given, as a single write would have left it."""
    write(contract_store, [person(1, "pat-1"), reading("pat-1", "obs-1")])
    write(contract_store, [organization("org-1")], method="POST")
    with contract_store.unit_of_work(write=False) as s:
        obs = s.read("Observation", "obs-1")
        assert (obs.version, obs.patient_id, obs.deleted) == (1, "pat-1", False)
        assert s.vread("Observation", "obs-1", 1).content == obs.content
        assert ids(s.search("Observation", [("subject", "Patient/pat-1")])) == ["obs-1"]
        assert ids(s.search("Patient", [("identifier", cccd_of(person(1, "x")))])) == ["pat-1"]
        assert ids(s.compartment("pat-1", ["Observation"])) == ["obs-1"]
        assert versions(s.history("Observation", "obs-1")) == [("obs-1", 1, "PUT")]
        assert versions(s.history("Organization", "org-1")) == [("org-1", 1, "POST")]
        assert body(s.read("Organization", "org-1"))["name"] == "Trạm y tế phường"


def test_a_batch_written_then_updated_continues_its_versions(contract_store: Store) -> None:
    """write_batch then update: version 2 after the batch's version 1."""
    write(contract_store, [organization("org-1")])
    with contract_store.unit_of_work() as s:
        result = s.update("Organization", "org-1", organization("org-1", name="Đổi"))
    assert not result.created and result.stored.version == 2


def test_a_batch_commits_with_its_unit(contract_store: Store) -> None:
    """write_batch: nothing of it stays when its unit of work fails; an empty batch is
    nothing."""
    items = prepare(contract_store, [organization("org-1")])
    with pytest.raises(LookupError), contract_store.unit_of_work() as s:
        s.bulk.write_batch(items)
        s.bulk.write_batch([])
        raise LookupError
    with contract_store.unit_of_work(write=False) as s:
        assert s.bulk.stored_versions([("Organization", "org-1")]) == {}


def test_a_batch_opens_care_as_a_single_write_does(contract_store: Store) -> None:
    """write_batch: an Encounter's care link opens the resident to the facility."""
    put(contract_store, organization("org-1"))
    write(contract_store, [person(1, "pat-1"), encounter("pat-1", "enc-1", "org-1")])
    clinic = Visibility(care_facilities=("Organization/org-1",), claim_begun_us=2**62)
    with contract_store.unit_of_work(write=False) as s:
        assert s.visible("Patient", "pat-1", clinic)
        assert s.read("Encounter", "enc-1", visibility=clinic).patient_id == "pat-1"


def test_stored_versions_tells_what_is_stored(contract_store: Store) -> None:
    """stored_versions: (deleted, content) of the keys stored, deleted ones included;
    unknown keys are left out."""
    put(contract_store, organization("org-1"), organization("org-2"))
    write(contract_store, [organization("org-3")])
    with contract_store.unit_of_work() as s:
        gone = s.delete("Organization", "org-2")
        current = s.read("Organization", "org-1")
        found = s.bulk.stored_versions([("Organization", "org-1"), ("Organization", "org-2"),
                                        ("Organization", "org-3"), ("Organization", "nope"),
                                        ("Patient", "org-1")])  # fmt: skip
        bulk = s.read("Organization", "org-3")
    assert gone is not None
    assert found == {
        ("Organization", "org-1"): (False, current.content),
        ("Organization", "org-2"): (True, gone.content),
        ("Organization", "org-3"): (False, bulk.content),
    }


def test_taken_cccds_names_the_active_holder(contract_store: Store) -> None:
    """taken_cccds: each CCCD an active Patient holds → that Patient, however written;
    an inactive or deleted Patient holds none."""
    single, bulk = person(1, "pat-1"), person(2, "pat-2")
    retired, gone = person(3, "pat-3", active=False), person(4, "pat-4")
    put(contract_store, single, retired, gone)
    write(contract_store, [bulk])
    with contract_store.unit_of_work() as s:
        s.delete("Patient", "pat-4")
        taken = s.bulk.taken_cccds([cccd_of(p) for p in (single, bulk, retired, gone)]
                                   + ["079099999999"])  # fmt: skip
        assert s.bulk.taken_cccds([]) == {}
    assert taken == {cccd_of(single): "pat-1", cccd_of(bulk): "pat-2"}


def _dangling(store: Store, from_seq: int, limit: int = 1000) -> set[tuple[str, str, str, str]]:
    with store.unit_of_work(write=False) as s:
        rows = s.bulk.dangling_references(from_seq, limit)
    return {(r[0], r[1], r[3], r[4]) for r in rows}


def test_dangling_references_from_a_row_number_on(contract_store: Store) -> None:
    """first_new_seq then dangling_references(from_seq): references written from then on
    whose target is missing or deleted; earlier rows are not looked at."""
    put(contract_store, person(1, "pat-1"), person(2, "pat-2"))
    put(contract_store, reading("pat-old", "obs-old"), check_references=False)
    with contract_store.unit_of_work(write=False) as s:
        start = s.bulk.first_new_seq()
    with contract_store.unit_of_work() as s:
        s.delete("Patient", "pat-2")
    write(contract_store, [reading("pat-1", "obs-1"), reading("pat-2", "obs-2"),
                           reading("pat-gone", "obs-3")])  # fmt: skip
    put(contract_store, reading("pat-new", "obs-4"), check_references=False)
    with contract_store.unit_of_work(write=False) as s:
        assert s.bulk.first_new_seq() > start
    assert _dangling(contract_store, start) == {
        ("Observation", "obs-2", "Patient", "pat-2"),
        ("Observation", "obs-3", "Patient", "pat-gone"),
        ("Observation", "obs-4", "Patient", "pat-new"),
    }
    assert len(_dangling(contract_store, start, limit=1)) == 1


def test_current_page_pages_current_resources_by_id(contract_store: Store) -> None:
    """current_page(type, after, limit): live resources of the type, in id order."""
    put(contract_store, *(organization(f"org-{n}") for n in (3, 1, 4, 2)), person(1, "pat-1"))
    with contract_store.unit_of_work() as s:
        s.delete("Organization", "org-4")
        first = s.bulk.current_page("Organization", after="", limit=2)
        rest = s.bulk.current_page("Organization", after=first[-1].id, limit=2)
        row = s.read("Organization", "org-1")
    assert [r.id for r in first] == ["org-1", "org-2"]
    assert [r.id for r in rest] == ["org-3"]
    assert (first[0].resource_type, first[0].content, first[0].patient_id) == (
        "Organization", row.content, None,
    )  # fmt: skip


def test_current_page_keeps_what_changed_since(contract_store: Store) -> None:
    """current_page(since_us): only resources last updated after that time."""
    put(contract_store, organization("org-1"))
    with contract_store.unit_of_work() as s:
        before = s.read("Organization", "org-1").last_updated_us
    put(contract_store, organization("org-2"))
    with contract_store.unit_of_work(write=False) as s:
        page = s.bulk.current_page("Organization", after="", limit=10, since_us=before)
    assert [r.id for r in page] == ["org-2"]


def test_current_page_by_patients_and_visibility(contract_store: Store) -> None:
    """current_page(patients, visibility): the residents named (ALL_PATIENTS: any
    compartment), within what the view shows."""
    put(contract_store, person(1, "pat-1"), person(2, "pat-2"), organization("org-1"))
    put(contract_store, reading("pat-1", "obs-1"), reading("pat-2", "obs-2"))
    with contract_store.unit_of_work(write=False) as s:
        page = s.bulk.current_page
        named = page("Observation", after="", limit=10, patients=["pat-2", "nobody"])
        anyone = page("Organization", after="", limit=10, patients=ALL_PATIENTS)
        viewed = page("Observation", after="", limit=10, visibility=only("pat-1"))
        patients = page("Patient", after="", limit=10, patients=ALL_PATIENTS,
                        visibility=only("pat-1"))  # fmt: skip
    assert [(r.id, r.patient_id) for r in named] == [("obs-2", "pat-2")]
    assert anyone == []
    assert [r.id for r in viewed] == ["obs-1"]
    assert [r.id for r in patients] == ["pat-1"]
