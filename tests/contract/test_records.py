"""Session.read / vread / create / update / conditional_update / delete: versions, ids,
preconditions and the errors a missing or deleted resource gives."""

from __future__ import annotations

import pytest

from hoso.core.errors import (
    Conflict,
    InvalidRequest,
    InvalidResource,
    PreconditionFailed,
    ResourceGone,
    ResourceNotFound,
)
from hoso.fhir.store import Store
from tests.builders.patient import resident
from tests.contract.records import (
    ORG_IDENTIFIER,
    body,
    cccd_of,
    organization,
    person,
    put,
    reading,
    versions,
)


def test_create_assigns_an_id_and_version_one(contract_store: Store) -> None:
    """create: a new id, version 1, `created`; read gives the same version back."""
    with contract_store.unit_of_work() as s:
        result = s.create({"resourceType": "Organization", "name": "Bệnh viện Quận 1"})
    stored = result.stored
    assert result.created and not result.matched_existing
    assert (stored.resource_type, stored.version, stored.deleted) == ("Organization", 1, False)
    assert stored.id and stored.patient_id is None
    assert body(stored)["meta"]["versionId"] == "1"
    with contract_store.unit_of_work(write=False) as s:
        again = s.read("Organization", stored.id)
    assert (again.version, again.content, again.last_updated_us) == (
        1, stored.content, stored.last_updated_us,
    )  # fmt: skip


def test_create_files_a_resource_in_its_patients_compartment(contract_store: Store) -> None:
    """create: `patient_id` is the resident whose compartment the resource is in."""
    put(contract_store, person(1, "pat-1"))
    with contract_store.unit_of_work() as s:
        stored = s.create(reading("pat-1", "ignored")).stored
    assert stored.patient_id == "pat-1"
    assert stored.id != "ignored"  # create chooses the id; the body's is not kept
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Patient", "pat-1").patient_id == "pat-1"


def test_create_with_a_chosen_id_keeps_it(contract_store: Store) -> None:
    """create(id=…): the server's earlier choice is the resource's id."""
    with contract_store.unit_of_work() as s:
        stored = s.create(organization("ignored"), id="org-chosen").stored
    assert stored.id == "org-chosen"
    with contract_store.unit_of_work(write=False) as s:
        assert body(s.read("Organization", "org-chosen"))["name"] == "Trạm y tế phường"


def test_create_refuses_a_taken_id_a_bad_id_and_a_bodiless_type(contract_store: Store) -> None:
    """create: an id in use is a Conflict; an invalid id or no resourceType is invalid."""
    put(contract_store, organization("org-1"))
    with pytest.raises(Conflict), contract_store.unit_of_work() as s:
        s.create(organization("x"), id="org-1")
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        s.create(organization("x"), id="has space")
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        s.create({"name": "no type"})
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Organization", "org-1").version == 1


def test_an_invalid_resource_is_refused_and_nothing_is_written(contract_store: Store) -> None:
    """create/update validate before writing: an invalid body leaves no version."""
    bad = {"resourceType": "Observation", "id": "bad", "status": "bogus"}
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        s.update("Observation", "bad", bad)
    with contract_store.unit_of_work(write=False) as s, pytest.raises(ResourceNotFound):
        s.read("Observation", "bad")


def test_updates_make_versions_and_vread_reads_each(contract_store: Store) -> None:
    """update: version n+1, not `created`; vread returns every earlier version as it was."""
    with contract_store.unit_of_work() as s:
        first = s.update("Organization", "org-1", organization("org-1", name="Tên 1"))
        second = s.update("Organization", "org-1", organization("org-1", name="Tên 2"))
        third = s.update("Organization", "org-1", organization("org-1", name="Tên 3"))
    assert (first.created, second.created, third.created) == (True, False, False)
    assert [r.stored.version for r in (first, second, third)] == [1, 2, 3]
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Organization", "org-1").version == 3
        names = [body(s.vread("Organization", "org-1", v))["name"] for v in (1, 2, 3)]
        assert names == ["Tên 1", "Tên 2", "Tên 3"]
        assert s.vread("Organization", "org-1", 2).content == second.stored.content
        with pytest.raises(ResourceNotFound):
            s.vread("Organization", "org-1", 4)


def test_update_checks_the_envelope(contract_store: Store) -> None:
    """update: the body's type and id must be those the call names."""
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        s.update("Organization", "org-1", organization("org-2"))
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        s.update("Practitioner", "org-1", organization("org-1"))


def test_if_match_must_name_the_current_version(contract_store: Store) -> None:
    """update(if_match=n): PreconditionFailed unless n is the current version (or none
    exists); on a match the write goes ahead."""
    put(contract_store, organization("org-1"))
    with pytest.raises(PreconditionFailed), contract_store.unit_of_work() as s:
        s.update("Organization", "org-1", organization("org-1", name="x"), if_match=2)
    with pytest.raises(PreconditionFailed), contract_store.unit_of_work() as s:
        s.update("Organization", "org-9", organization("org-9"), if_match=1)
    with contract_store.unit_of_work() as s:
        assert s.update("Organization", "org-1", organization("org-1"), if_match=1
                        ).stored.version == 2  # fmt: skip


def test_history_records_the_method_of_each_version(contract_store: Store) -> None:
    """create is POST, update PUT (or the `method` given, PATCH), delete DELETE."""
    with contract_store.unit_of_work() as s:
        created = s.create(organization("x")).stored
        s.update("Organization", created.id, organization(created.id, name="y"))
        s.update("Organization", created.id, organization(created.id, name="z"), method="PATCH")
        s.delete("Organization", created.id)
        page = s.history("Organization", created.id)
    assert versions(page) == [(created.id, 4, "DELETE"), (created.id, 3, "PATCH"),
                              (created.id, 2, "PUT"), (created.id, 1, "POST")]  # fmt: skip


def test_delete_leaves_a_gone_resource_with_its_history(contract_store: Store) -> None:
    """delete: a new, deleted version; read is ResourceGone, vread of earlier versions
    still works, vread of the deletion is ResourceGone; a second delete does nothing."""
    put(contract_store, organization("org-1"))
    with contract_store.unit_of_work() as s:
        deleted = s.delete("Organization", "org-1")
        assert deleted is not None
        assert (deleted.version, deleted.deleted) == (2, True)
        assert s.delete("Organization", "org-1") is None
        assert s.delete("Organization", "never") is None
    with contract_store.unit_of_work(write=False) as s:
        with pytest.raises(ResourceGone):
            s.read("Organization", "org-1")
        with pytest.raises(ResourceGone):
            s.vread("Organization", "org-1", 2)
        assert body(s.vread("Organization", "org-1", 1))["name"] == "Trạm y tế phường"
        with pytest.raises(ResourceNotFound):
            s.read("Organization", "never")
        with pytest.raises(ResourceNotFound):
            s.vread("Organization", "never", 1)


def test_update_after_delete_brings_the_resource_back(contract_store: Store) -> None:
    """update of a deleted resource: `created`, the version after the deletion."""
    put(contract_store, organization("org-1"))
    with contract_store.unit_of_work() as s:
        s.delete("Organization", "org-1")
        result = s.update("Organization", "org-1", organization("org-1", name="Lại"))
    assert result.created and result.stored.version == 3
    with contract_store.unit_of_work(write=False) as s:
        assert body(s.read("Organization", "org-1"))["name"] == "Lại"


def test_conditional_create_returns_the_one_match(contract_store: Store) -> None:
    """create(if_none_exist): a match is returned, nothing written; none: created;
    several: PreconditionFailed."""
    criteria = f"identifier={ORG_IDENTIFIER}|79001"
    with contract_store.unit_of_work() as s:
        made = s.create(organization("x", code="79001"), if_none_exist=criteria)
        found = s.create(organization("x", code="79001", name="Khác"), if_none_exist=criteria)
    assert made.created and not made.matched_existing
    assert found.matched_existing and not found.created
    assert (found.stored.id, found.stored.version) == (made.stored.id, 1)
    put(contract_store, organization("twin", code="79001"))
    with pytest.raises(PreconditionFailed), contract_store.unit_of_work() as s:
        s.create(organization("x", code="79001"), if_none_exist=criteria)


def test_conditional_update_updates_the_one_match(contract_store: Store) -> None:
    """conditional_update: one match gets a new version (the body needs no id)."""
    put(contract_store, organization("org-1", code="79001"))
    criteria = f"identifier={ORG_IDENTIFIER}|79001"
    new = {k: v for k, v in organization("x", code="79001", name="Mới").items() if k != "id"}
    with contract_store.unit_of_work() as s:
        result = s.conditional_update("Organization", criteria, new)
    assert (result.created, result.stored.id, result.stored.version) == (False, "org-1", 2)
    assert body(result.stored)["name"] == "Mới"
    with pytest.raises(InvalidRequest), contract_store.unit_of_work() as s:
        s.conditional_update("Organization", criteria, organization("other", code="79001"))


def test_conditional_update_without_a_match_creates(contract_store: Store) -> None:
    """conditional_update with no match: created, under the body's id when
    `client_id_allowed`, else refused if the body has one; a new id without one."""
    criteria = f"identifier={ORG_IDENTIFIER}|79002"
    with contract_store.unit_of_work() as s:
        named = s.conditional_update("Organization", criteria, organization("org-2", "79002"))
    assert named.created and named.stored.id == "org-2"
    other = f"identifier={ORG_IDENTIFIER}|79003"
    with pytest.raises(InvalidRequest), contract_store.unit_of_work() as s:
        s.conditional_update("Organization", other, organization("org-3", "79003"),
                             client_id_allowed=False)  # fmt: skip
    anonymous = {k: v for k, v in organization("x", "79003").items() if k != "id"}
    with contract_store.unit_of_work() as s:
        made = s.conditional_update("Organization", other, anonymous, client_id_allowed=False)
    assert made.created and made.stored.id != "x"


def test_conditional_update_refuses_several_matches_or_no_criteria(contract_store: Store) -> None:
    """conditional_update: several matches are PreconditionFailed; empty criteria invalid."""
    put(contract_store, organization("a", "79001"), organization("b", "79001"))
    with pytest.raises(PreconditionFailed), contract_store.unit_of_work() as s:
        s.conditional_update("Organization", f"identifier={ORG_IDENTIFIER}|79001",
                             organization("a", "79001"))  # fmt: skip
    with pytest.raises(InvalidRequest), contract_store.unit_of_work() as s:
        s.conditional_update("Organization", "", organization("a", "79001"))


def test_a_cccd_belongs_to_one_active_resident(contract_store: Store) -> None:
    """update/create of a Patient: a CCCD another active Patient holds is a Conflict."""
    first = person(1, "pat-1")
    put(contract_store, first)
    thief = person(2, "pat-2")
    thief["identifier"] = first["identifier"]
    with pytest.raises(Conflict), contract_store.unit_of_work() as s:
        s.update("Patient", "pat-2", thief)
    with contract_store.unit_of_work() as s:
        s.update("Patient", "pat-1", {**first, "active": False})
        assert s.update("Patient", "pat-2", thief).created  # an inactive record holds none


def test_patient_create_goes_through_the_patient_index(contract_store: Store) -> None:
    """create(Patient): the store's patient index decides; the same resident again is
    the record already stored (`matched_existing`), written once."""
    with contract_store.unit_of_work() as s:
        first = s.create(resident(3))
        again = s.create(resident(3))
        other = s.create(resident(4))
    assert first.created and again.matched_existing and not again.created
    assert again.stored.id == first.stored.id
    assert other.created and other.stored.id != first.stored.id
    with contract_store.unit_of_work(write=False) as s:
        page = s.search("Patient", [("identifier", cccd_of(resident(3)))])
    assert [hit.id for hit in page.matches] == [first.stored.id]
