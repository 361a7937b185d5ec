"""Session.search / compartment / history: what matches, in what order, paged by cursor,
with totals; deleted resources leave searches and compartments but stay in history."""

from __future__ import annotations

import pytest

from hoso.core.errors import InvalidRequest
from hoso.fhir.repository import SearchPage
from hoso.fhir.store import Session, Store
from tests.builders.clinical import condition
from tests.contract.records import (
    ids,
    only,
    organization,
    person,
    put,
    put_in,
    reading,
    versions,
)


@pytest.fixture
def two_residents(contract_store: Store) -> Store:
    """pat-1 with readings obs-1…obs-5 and a Condition; pat-2 with one reading; a clinic."""
    put(contract_store, person(1, "pat-1"), person(2, "pat-2"), organization("org-1"))
    put(contract_store, *(reading("pat-1", f"obs-{n}", value=100 + n) for n in range(1, 6)),
        reading("pat-2", "obs-9"), {**condition("pat-1"), "id": "cond-1"})  # fmt: skip
    return contract_store


def _every_page(s: Session, params: list[tuple[str, str]], first: SearchPage) -> list[str]:
    found, page = ids(first), first
    while page.next_cursor:
        page = s.search("Observation", params, cursor=page.next_cursor)
        found += ids(page)
    return found


def test_search_finds_the_matches_and_counts_them(two_residents: Store) -> None:
    """search: the resources matching every parameter, with the total."""
    with two_residents.unit_of_work(write=False) as s:
        page = s.search("Observation", [("subject", "Patient/pat-1")])
        assert sorted(ids(page)) == [f"obs-{n}" for n in range(1, 6)]
        assert page.total == 5 and page.next_cursor is None
        assert {hit.patient_id for hit in page.matches} == {"pat-1"}
        one = s.search("Observation", [("subject", "Patient/pat-2")])
        assert ids(one) == ["obs-9"]
        assert one.matches[0].content == s.read("Observation", "obs-9").content
        assert ids(s.search("Observation", [("subject", "Patient/nobody")])) == []


def test_search_pages_by_cursor_without_repeats(two_residents: Store) -> None:
    """search with `_count`: pages chained by `next_cursor` give each match once."""
    params = [("patient", "pat-1"), ("_count", "2")]
    with two_residents.unit_of_work(write=False) as s:
        first = s.search("Observation", params)
        assert len(first.matches) == 2 and first.next_cursor is not None
        everything = _every_page(s, params, first)
    assert sorted(everything) == [f"obs-{n}" for n in range(1, 6)]


def test_search_leaves_out_deleted_resources(two_residents: Store) -> None:
    """search: a deleted resource matches nothing."""
    with two_residents.unit_of_work() as s:
        s.delete("Observation", "obs-3")
    with two_residents.unit_of_work(write=False) as s:
        page = s.search("Observation", [("patient", "pat-1")])
    assert sorted(ids(page)) == ["obs-1", "obs-2", "obs-4", "obs-5"] and page.total == 4


def test_search_refuses_or_ignores_an_unknown_parameter(two_residents: Store) -> None:
    """search: an unknown parameter is refused, or with `lenient` ignored and listed."""
    with two_residents.unit_of_work(write=False) as s:
        with pytest.raises(InvalidRequest):
            s.search("Observation", [("no-such-thing", "1")])
        page = s.search("Observation", [("patient", "pat-2"), ("no-such-thing", "1")],
                        lenient=True)  # fmt: skip
    assert ids(page) == ["obs-9"] and page.ignored == ("no-such-thing",)


def test_system_search_spans_types(two_residents: Store) -> None:
    """search(None, …): a system-level search over every type."""
    with two_residents.unit_of_work(write=False) as s:
        page = s.search(None, [("_id", "org-1,obs-9,pat-2")])
    assert sorted((h.resource_type, h.id) for h in page.matches) == [
        ("Observation", "obs-9"), ("Organization", "org-1"), ("Patient", "pat-2"),
    ]  # fmt: skip


def test_compartment_holds_a_residents_resources_of_the_types_asked(two_residents: Store) -> None:
    """compartment: the resident's live resources of `types`, in order of writing; not
    the Patient itself, not another resident's, not a deleted one."""
    with two_residents.unit_of_work() as s:
        s.delete("Observation", "obs-2")
    with two_residents.unit_of_work(write=False) as s:
        page = s.compartment("pat-1", ["Patient", "Observation", "Condition"])
        only_conditions = s.compartment("pat-1", ["Condition"])
        nobody = s.compartment("nobody", ["Observation"])
    assert ids(page) == ["obs-1", "obs-3", "obs-4", "obs-5", "cond-1"]
    assert {hit.patient_id for hit in page.matches} == {"pat-1"}
    assert ids(only_conditions) == ["cond-1"] and ids(nobody) == []


def test_compartment_pages_and_filters_by_time(two_residents: Store) -> None:
    """compartment: `count` and `cursor` page it; `since_us` keeps what changed since."""
    with two_residents.unit_of_work(write=False) as s:
        first = s.compartment("pat-1", ["Observation"], count=2)
        assert ids(first) == ["obs-1", "obs-2"] and first.next_cursor
        second = s.compartment("pat-1", ["Observation"], count=2, cursor=first.next_cursor)
        third = s.compartment("pat-1", ["Observation"], count=2, cursor=second.next_cursor)
    assert ids(second) == ["obs-3", "obs-4"]
    assert ids(third) == ["obs-5"] and third.next_cursor is None
    with two_residents.unit_of_work() as s:
        changed = put_in(s, reading("pat-1", "obs-2", value=99))
    with two_residents.unit_of_work(write=False) as s:
        recent = s.compartment("pat-1", ["Observation"], since_us=changed.last_updated_us)
    assert ids(recent) == ["obs-2"]


def test_instance_history_is_newest_first_and_pages(contract_store: Store) -> None:
    """history(type, id): every version newest first, with the total; `count` and
    `cursor` page it; `since_us` keeps versions written since."""
    with contract_store.unit_of_work() as s:
        stamps = [put_in(s, organization("org-1", name=f"Tên {n}")).last_updated_us
                  for n in range(1, 5)]  # fmt: skip
    with contract_store.unit_of_work(write=False) as s:
        whole = s.history("Organization", "org-1")
        first = s.history("Organization", "org-1", count=3)
        rest = s.history("Organization", "org-1", count=3, cursor=first.next_cursor)
        recent = s.history("Organization", "org-1", since_us=stamps[2])
    assert [v for _, v, _ in versions(whole)] == [4, 3, 2, 1] and whole.total == 4
    assert whole.next_cursor is None
    assert [v for _, v, _ in versions(first)] == [4, 3, 2] and first.next_cursor
    assert [v for _, v, _ in versions(rest)] == [1] and rest.next_cursor is None
    assert [v for _, v, _ in versions(recent)] == [4, 3]


def test_type_and_system_history(two_residents: Store) -> None:
    """history(type, None) covers one type; history(None, None) every one; deleted
    versions are kept."""
    with two_residents.unit_of_work() as s:
        s.delete("Observation", "obs-9")
    with two_residents.unit_of_work(write=False) as s:
        observations = s.history("Observation", None, count=100)
        everything = s.history(None, None, count=100)
    assert versions(observations)[0] == ("obs-9", 2, "DELETE")
    assert {i for i, _, _ in versions(observations)} == {f"obs-{n}" for n in (1, 2, 3, 4, 5, 9)}
    assert observations.total == 7
    types = {e.stored.resource_type for e in everything.entries}
    assert types == {"Patient", "Organization", "Observation", "Condition"}
    assert everything.total == len(everything.entries) == 11
    assert everything.entries[0].stored.deleted


def test_search_any_is_the_union_of_its_searches(two_residents: Store) -> None:
    """search_any: the resources matching any search, each search capped at its own
    `_count`, each resource once, oldest write first; a deleted one matches none."""
    with two_residents.unit_of_work() as s:
        s.delete("Observation", "obs-5")
    searches = [
        [("subject", "Patient/pat-2")],
        [("subject", "Patient/pat-1"), ("_count", "2")],
        [("subject", "Patient/pat-2"), ("value-quantity", "120")],  # obs-9 again
    ]
    with two_residents.unit_of_work(write=False) as s:
        hits = s.search_any("Observation", searches)
        assert [h.id for h in hits] == ["obs-1", "obs-2", "obs-9"]
        assert hits[-1].content == s.read("Observation", "obs-9").content
        assert s.search_any("Observation", []) == []
        narrowed = s.search_any("Observation", searches, visibility=only("pat-2"))
        assert [h.id for h in narrowed] == ["obs-9"]
        with pytest.raises(InvalidRequest):
            s.search_any("Observation", [[("no-such-parameter", "x")]])
