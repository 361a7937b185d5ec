"""A caller's `Visibility`: read, vread, visible, search, compartment and history agree
on what it shows, and what it hides looks exactly like what does not exist."""

from __future__ import annotations

import pytest

from hoso.core import clock
from hoso.core.errors import FhirError, ResourceNotFound
from hoso.fhir.store import Session, Store
from hoso.fhir.visibility import Visibility
from tests.contract.records import (
    ORG_IDENTIFIER,
    encounter,
    ids,
    labelled,
    only,
    organization,
    person,
    put,
    reading,
)

SHOWN, HIDDEN = "pat-shown", "pat-hidden"
VIEW = only(SHOWN)


@pytest.fixture
def records(contract_store: Store) -> Store:
    """Two residents with a reading each, and a clinic in no one's compartment."""
    put(contract_store, person(1, SHOWN), person(2, HIDDEN), organization("org-1"))
    put(contract_store, reading(SHOWN, "obs-shown"), reading(HIDDEN, "obs-hidden"))
    return contract_store


def _refusal(s: Session, resource_type: str, id: str, view: Visibility) -> FhirError:
    with pytest.raises(FhirError) as caught:
        s.read(resource_type, id, visibility=view)
    return caught.value


def test_read_shows_what_is_in_view_and_hides_the_rest_as_absent(records: Store) -> None:
    """read(visibility): in view as stored; out of view the same ResourceNotFound as a
    resource that never existed."""
    with records.unit_of_work(write=False) as s:
        assert s.read("Observation", "obs-shown", visibility=VIEW).patient_id == SHOWN
        assert s.read("Organization", "org-1", visibility=VIEW).version == 1
        hidden = _refusal(s, "Observation", "obs-hidden", VIEW)
        absent = _refusal(s, "Observation", "obs-never", VIEW)
        assert s.read("Observation", "obs-hidden").patient_id == HIDDEN  # None: unrestricted
    assert type(hidden) is type(absent) is ResourceNotFound
    assert hidden.message.replace("obs-hidden", "X") == absent.message.replace("obs-never", "X")


def test_vread_and_visible_agree_with_read(records: Store) -> None:
    """vread(visibility) and visible(visibility) follow the current version's view."""
    with records.unit_of_work(write=False) as s:
        assert s.vread("Observation", "obs-shown", 1, visibility=VIEW).version == 1
        with pytest.raises(ResourceNotFound):
            s.vread("Observation", "obs-hidden", 1, visibility=VIEW)
        assert s.visible("Observation", "obs-shown", VIEW)
        assert s.visible("Patient", SHOWN, VIEW) and s.visible("Organization", "org-1", VIEW)
        assert not s.visible("Observation", "obs-hidden", VIEW)
        assert not s.visible("Patient", HIDDEN, VIEW)
        assert not s.visible("Observation", "obs-never", None)
        assert s.visible("Observation", "obs-hidden", None)


def test_visible_live_leaves_out_deleted_resources(records: Store) -> None:
    """visible(live=False) is true of a deleted resource's row; live=True is not; a
    deleted resource out of view reads as absent, not gone."""
    with records.unit_of_work() as s:
        s.delete("Observation", "obs-shown")
        s.delete("Observation", "obs-hidden")
    with records.unit_of_work(write=False) as s:
        assert s.visible("Observation", "obs-shown", VIEW)
        assert not s.visible("Observation", "obs-shown", VIEW, live=True)
        assert not s.visible("Observation", "obs-hidden", VIEW)
        assert type(_refusal(s, "Observation", "obs-hidden", VIEW)) is ResourceNotFound
        assert not s.visible("Organization", "org-never", None, live=True)


def test_search_counts_and_returns_only_what_is_in_view(records: Store) -> None:
    """search(visibility): matches and total leave out what the view hides."""
    with records.unit_of_work(write=False) as s:
        page = s.search("Observation", [("status", "final")], visibility=VIEW)
        patients = s.search("Patient", [], visibility=VIEW)
        everyone = s.search("Observation", [("status", "final")])
    assert ids(page) == ["obs-shown"] and page.total == 1
    assert ids(patients) == [SHOWN] and patients.total == 1
    assert sorted(ids(everyone)) == ["obs-hidden", "obs-shown"] and everyone.total == 2


def test_search_includes_only_what_is_in_view(records: Store) -> None:
    """search(_include, visibility): an included resource the view hides is left out."""
    performed = {**reading(SHOWN, "obs-by-hidden"),
                 "performer": [{"reference": f"Patient/{HIDDEN}"}]}  # fmt: skip
    put(records, performed)
    params = [("_id", "obs-by-hidden"), ("_include", "Observation:performer")]
    with records.unit_of_work(write=False) as s:
        viewed = s.search("Observation", params, visibility=VIEW)
        unrestricted = s.search("Observation", params)
    assert ids(viewed) == ["obs-by-hidden"] and viewed.includes == []
    assert [hit.id for hit in unrestricted.includes] == [HIDDEN]


def test_compartment_of_a_hidden_resident_is_empty(records: Store) -> None:
    """compartment(visibility): nothing of a resident the view hides."""
    with records.unit_of_work(write=False) as s:
        assert ids(s.compartment(HIDDEN, ["Observation"], visibility=VIEW)) == []
        assert ids(s.compartment(SHOWN, ["Observation"], visibility=VIEW)) == ["obs-shown"]
        assert ids(s.compartment(HIDDEN, ["Observation"])) == ["obs-hidden"]


def test_history_shows_versions_of_what_is_in_view_without_a_total(records: Store) -> None:
    """history(visibility): only resources the view shows, and no total under it."""
    with records.unit_of_work() as s:
        s.update("Observation", "obs-hidden", reading(HIDDEN, "obs-hidden", value=130))
    with records.unit_of_work(write=False) as s:
        typed = s.history("Observation", None, visibility=VIEW)
        instance = s.history("Observation", "obs-hidden", visibility=VIEW)
        system = s.history(None, None, visibility=VIEW)
    assert [e.stored.id for e in typed.entries] == ["obs-shown"] and typed.total is None
    assert instance.entries == []
    assert {e.stored.id for e in system.entries} == {"obs-shown", SHOWN, "org-1"}


def test_a_view_of_nothing_shows_nothing(records: Store) -> None:
    """Visibility(nothing=True): every read path comes back empty."""
    nothing = Visibility(nothing=True)
    with records.unit_of_work(write=False) as s:
        with pytest.raises(ResourceNotFound):
            s.read("Organization", "org-1", visibility=nothing)
        assert not s.visible("Organization", "org-1", nothing)
        assert ids(s.search("Organization", [], visibility=nothing)) == []
        assert s.history(None, None, visibility=nothing).entries == []
        assert ids(s.compartment(SHOWN, ["Observation"], visibility=nothing)) == []


def test_a_hidden_label_hides_a_resource_but_not_from_an_exempt_resident(records: Store) -> None:
    """Visibility.hidden_labels hides a labelled resource; label_exempt_patients undo it."""
    put(records, labelled(reading(SHOWN, "obs-psy"), "PSY"))
    guarded = Visibility(all_patients=True, hidden_labels=frozenset({"PSY"}))
    exempt = Visibility(all_patients=True, hidden_labels=frozenset({"PSY"}),
                        label_exempt_patients=frozenset({SHOWN}))  # fmt: skip
    with records.unit_of_work(write=False) as s:
        assert not s.visible("Observation", "obs-psy", guarded)
        assert s.visible("Observation", "obs-shown", guarded)
        assert "obs-psy" not in ids(s.search("Observation", [], visibility=guarded))
        assert s.read("Observation", "obs-psy", visibility=exempt).id == "obs-psy"


def test_a_care_link_written_in_the_store_opens_the_residents_record(records: Store) -> None:
    """Visibility.care_facilities: an Encounter at the facility opens that resident's
    compartment (and only that resident's) until it is deleted."""
    put(records, encounter(HIDDEN, "enc-1", "org-1"))
    now = clock.now_us()
    clinic = Visibility(care_facilities=("Organization/org-1",), claim_begun_us=now, now_us=now)
    with records.unit_of_work(write=False) as s:
        assert s.visible("Observation", "obs-hidden", clinic)
        assert s.visible("Patient", HIDDEN, clinic)
        assert not s.visible("Observation", "obs-shown", clinic)
        assert ids(s.compartment(HIDDEN, ["Observation", "Encounter"], visibility=clinic)) == [
            "obs-hidden", "enc-1",
        ]  # fmt: skip
    with records.unit_of_work() as s:
        s.delete("Encounter", "enc-1")
        assert not s.visible("Observation", "obs-hidden", clinic)  # the link went with it


def test_conditional_create_matches_only_within_the_callers_view(records: Store) -> None:
    """create(if_none_exist, match_visibility): a match the caller may not see is not a
    match; one it may see is."""
    put(records, {**reading(HIDDEN, "obs-tagged"),
                  "identifier": [{"system": ORG_IDENTIFIER, "value": "lab-7"}]})  # fmt: skip
    criteria = f"identifier={ORG_IDENTIFIER}|lab-7"
    fresh = reading(SHOWN, "x")
    with records.unit_of_work() as s:
        mine = s.create(fresh, if_none_exist=criteria, match_visibility=VIEW)
        theirs = s.create(fresh, if_none_exist=criteria, match_visibility=only(HIDDEN))
    assert mine.created and mine.stored.id != "obs-tagged"
    assert theirs.matched_existing and theirs.stored.id == "obs-tagged"


def test_conditional_update_matches_only_within_the_callers_view(records: Store) -> None:
    """conditional_update(match_visibility): a hidden match is not updated; a new
    resource is created instead."""
    criteria = "_id=obs-hidden"
    with records.unit_of_work() as s:
        result = s.conditional_update("Observation", criteria, reading(SHOWN, "obs-new"),
                                      match_visibility=VIEW)  # fmt: skip
    assert result.created and result.stored.id == "obs-new"
    with records.unit_of_work(write=False) as s:
        assert s.read("Observation", "obs-hidden").version == 1
