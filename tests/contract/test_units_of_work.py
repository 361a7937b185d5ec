"""Store.unit_of_work and Session.unit_of_work / savepoint / lock / settings: one unit
commits whole or not at all, a savepoint rolls back alone, and references written in a
unit are checked when it ends, within its reference visibility."""

from __future__ import annotations

import threading
import time

import pytest

from hoso.core.errors import Conflict, InvalidResource, ResourceNotFound
from hoso.core.settings import Settings
from hoso.fhir.store import Store
from tests.contract.records import only, organization, person, put, put_in, reading


class Abandoned(Exception):
    """What a caller raises to give up its unit of work."""


def _exists(store: Store, resource_type: str, id: str) -> bool:
    with store.unit_of_work(write=False) as s:
        return s.visible(resource_type, id, None, live=True)


def test_a_unit_of_work_commits_when_it_ends(contract_store: Store) -> None:
    """unit_of_work: what it wrote is there for the next unit."""
    with contract_store.unit_of_work() as s:
        put_in(s, organization("org-1"))
        assert s.read("Organization", "org-1").version == 1  # its own writes, at once
    assert _exists(contract_store, "Organization", "org-1")


def test_a_unit_of_work_that_raises_writes_nothing(contract_store: Store) -> None:
    """unit_of_work: an exception rolls back every write in it and passes through."""
    put(contract_store, organization("org-1"))
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        put_in(s, organization("org-2"))
        put_in(s, organization("org-1", name="Đổi"))
        s.delete("Organization", "org-1")
        raise Abandoned
    assert not _exists(contract_store, "Organization", "org-2")
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Organization", "org-1").version == 1
        assert len(s.history("Organization", "org-1").entries) == 1


def test_the_session_is_its_own_unit_of_work(contract_store: Store) -> None:
    """Session.unit_of_work: the same session, so writes through it share the outcome."""
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        with s.unit_of_work() as inner:
            assert inner is s
            put_in(inner, organization("org-1"))
        raise Abandoned
    assert not _exists(contract_store, "Organization", "org-1")


def test_settings_are_the_stores(contract_store: Store) -> None:
    """Store.settings and Session.settings: the server's settings, the same in a unit."""
    assert isinstance(contract_store.settings, Settings)
    with contract_store.unit_of_work(write=False) as s:
        assert s.settings == contract_store.settings


def test_a_savepoint_rolls_back_only_its_part(contract_store: Store) -> None:
    """savepoint: a block that raises undoes its own writes; the rest of the unit,
    before and after it, commits."""
    with contract_store.unit_of_work() as s:
        put_in(s, organization("before"))
        with pytest.raises(Abandoned), s.savepoint():
            put_in(s, organization("inside"))
            put_in(s, organization("before", name="Đổi"))
            raise Abandoned
        assert not s.visible("Organization", "inside", None)
        put_in(s, organization("after"))
        with s.savepoint():
            put_in(s, organization("kept"))
    assert not _exists(contract_store, "Organization", "inside")
    for id in ("before", "after", "kept"):
        assert _exists(contract_store, "Organization", id)
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Organization", "before").version == 1


def test_a_failed_write_in_a_savepoint_leaves_the_unit_usable(contract_store: Store) -> None:
    """savepoint: a write the store refuses (an id already taken) is undone with its
    savepoint, and the unit goes on to commit the rest."""
    put(contract_store, organization("org-1"))
    with contract_store.unit_of_work() as s:
        with pytest.raises(Conflict), s.savepoint():
            s.create(organization("x"), id="org-1")
        put_in(s, organization("org-2"))
    assert _exists(contract_store, "Organization", "org-2")


def test_a_savepoint_rolled_back_takes_its_references_with_it(contract_store: Store) -> None:
    """savepoint + reference check: a resource written in a savepoint that rolled back
    was never written, so its unresolved reference must not fail the unit's commit."""
    put(contract_store, person(1, "pat-1"))
    with contract_store.unit_of_work() as s:
        with pytest.raises(Abandoned), s.savepoint():
            put_in(s, reading("pat-missing", "obs-dangling"))
            raise Abandoned
        put_in(s, reading("pat-1", "obs-1"))
    assert _exists(contract_store, "Observation", "obs-1")
    assert not _exists(contract_store, "Observation", "obs-dangling")


def test_a_reference_to_nothing_fails_when_the_unit_ends(contract_store: Store) -> None:
    """check_references: the write itself succeeds, the unit's end refuses an unresolved
    reference (InvalidResource naming it), and nothing of the unit is kept."""
    with pytest.raises(InvalidResource) as refused, contract_store.unit_of_work() as s:
        put_in(s, organization("org-1"))
        assert put_in(s, reading("pat-missing", "obs-1")).version == 1
    assert "Patient/pat-missing" in refused.value.issues[0].diagnostics
    assert not _exists(contract_store, "Organization", "org-1")
    assert not _exists(contract_store, "Observation", "obs-1")


def test_references_may_be_written_before_their_targets(contract_store: Store) -> None:
    """check_references: only the end of the unit counts, so a target written later in
    the same unit resolves the reference."""
    with contract_store.unit_of_work() as s:
        put_in(s, reading("pat-1", "obs-1"))
        put_in(s, person(1, "pat-1"))
    assert _exists(contract_store, "Observation", "obs-1")


def test_a_reference_to_a_deleted_resource_does_not_resolve(contract_store: Store) -> None:
    """check_references: a deleted target is as unresolved as a missing one."""
    put(contract_store, person(1, "pat-1"))
    with contract_store.unit_of_work() as s:
        s.delete("Patient", "pat-1")
    with pytest.raises(InvalidResource), contract_store.unit_of_work() as s:
        put_in(s, reading("pat-1", "obs-1"))


def test_without_the_check_a_unit_may_leave_references_unresolved(contract_store: Store) -> None:
    """unit_of_work(check_references=False): unresolved references are committed."""
    with contract_store.unit_of_work(check_references=False) as s:
        put_in(s, reading("pat-missing", "obs-1"))
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Observation", "obs-1").patient_id == "pat-missing"


def test_references_resolve_only_within_the_reference_visibility(contract_store: Store) -> None:
    """unit_of_work(reference_visibility): a target outside the view is as unresolved
    as a missing one; a target inside it resolves."""
    put(contract_store, person(1, "pat-1"), person(2, "pat-2"), organization("org-1"))
    view = only("pat-1")
    with pytest.raises(InvalidResource), contract_store.unit_of_work(reference_visibility=view
                                                                     ) as s:  # fmt: skip
        put_in(s, reading("pat-2", "obs-2"))
    with contract_store.unit_of_work(reference_visibility=view) as s:
        put_in(s, {**reading("pat-1", "obs-1"), "performer": [{"reference": "Organization/org-1"}]})
    assert not _exists(contract_store, "Observation", "obs-2")
    assert _exists(contract_store, "Observation", "obs-1")


def test_lock_serialises_units_without_blocking_the_holder(contract_store: Store) -> None:
    """lock: callable more than once in a unit; sequential units locking the same key
    each get it (it is released when a unit ends, committed or not)."""
    with contract_store.unit_of_work() as s:
        s.lock("contract:key")
        s.lock("contract:key")
        put_in(s, organization("org-1"))
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        s.lock("contract:key")
        raise Abandoned
    with contract_store.unit_of_work() as s:
        s.lock("contract:key")
        s.lock("contract:other")
        assert s.read("Organization", "org-1").version == 1


def test_lock_makes_a_second_unit_wait_for_the_first(contract_store: Store) -> None:
    """lock: a unit locking a key another unit holds goes on only once that one ended."""
    held, events = threading.Event(), []

    def first() -> None:
        with contract_store.unit_of_work() as s:
            s.lock("contract:key")
            held.set()
            time.sleep(0.3)  # the second unit asks for the key meanwhile
            put_in(s, organization("org-1"))
            events.append("first ends")

    worker = threading.Thread(target=first)
    worker.start()
    assert held.wait(10)
    with contract_store.unit_of_work() as s:
        s.lock("contract:key")
        events.append("second holds")
        assert s.visible("Organization", "org-1", None)  # the first one's commit
    worker.join(10)
    assert events == ["first ends", "second holds"]


def test_a_read_only_unit_reads(contract_store: Store) -> None:
    """unit_of_work(write=False): reads as any unit does."""
    put(contract_store, organization("org-1"))
    with contract_store.unit_of_work(write=False) as s:
        assert s.read("Organization", "org-1").version == 1
        with pytest.raises(ResourceNotFound):
            s.read("Organization", "org-2")
