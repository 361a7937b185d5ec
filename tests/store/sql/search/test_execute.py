"""Running a search: page size, totals policy, `_summary=count`, cursors, deleted
resources, system-level search."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.core.errors import InvalidRequest
from tests.store.sql.search.conftest import Records, Search, ids, ordered_ids


def patient(pid: str, gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": gender}


@pytest.fixture
def five(records: Records) -> None:
    records.put_all(*(patient(f"p{i}") for i in range(5)))
    records.put({"resourceType": "Observation", "id": "o1", "status": "final",
                 "code": {"text": "x"}})


@pytest.mark.usefixtures("five")
def test_page_size_default_explicit_and_clamped(search: Search) -> None:
    assert len(search("Patient", default_count=3).matches) == 3
    assert len(search("Patient", "_count=4", default_count=3).matches) == 4
    assert len(search("Patient", "_count=1000", max_count=2).matches) == 2


@pytest.mark.usefixtures("five")
def test_total_policy(search: Search) -> None:
    first = search("Patient", "_count=2")
    assert (first.total, len(first.matches)) == (5, 2)
    second = search("Patient", "_count=2", cursor=first.next_cursor)
    assert second.total == 5  # carried from the first page
    assert search("Patient", "_count=2&_total=none").total is None
    assert search("Patient", "_total=estimate").total == 5
    assert search("Patient", "gender=male").total == 0


@pytest.mark.usefixtures("five")
def test_accurate_total_is_recounted_on_later_pages(records: Records, search: Search) -> None:
    first = search("Patient", "_count=2&_total=accurate")
    records.put(patient("late"))
    second = search("Patient", "_count=2&_total=accurate", cursor=first.next_cursor)
    assert (first.total, second.total) == (5, 6)


@pytest.mark.usefixtures("five")
def test_summary_count_and_count_zero(search: Search) -> None:
    page = search("Patient", "_summary=count&_include=Patient:organization")
    assert (page.matches, page.includes, page.total, page.next_cursor) == ([], [], 5, None)
    page = search("Patient", "_count=0")
    assert (page.matches, page.total, page.next_cursor) == ([], 5, None)
    assert search("Patient", "_count=0&_total=none").total is None


@pytest.mark.usefixtures("five")
def test_deleted_resources_never_match(records: Records, search: Search) -> None:
    records.delete("Patient", "p1")
    assert "p1" not in ids(search("Patient"))
    assert ids(search("Patient", "_id=p1")) == set()
    assert search("Patient").total == 4


@pytest.mark.usefixtures("five")
def test_hits_carry_the_stored_content(search: Search) -> None:
    hit = search("Patient", "_id=p3").matches[0]
    assert (hit.resource_type, hit.id) == ("Patient", "p3")
    assert '"id":"p3"' in hit.content


@pytest.mark.usefixtures("five")
def test_system_level_search(search: Search) -> None:
    assert ids(search(None)) == {"p0", "p1", "p2", "p3", "p4", "o1"}
    assert ids(search(None, "_type=Observation")) == {"o1"}
    assert ids(search(None, "_id=o1,p2")) == {"o1", "p2"}
    assert ordered_ids(search(None, "_sort=-_id&_count=2")) == ["p4", "p3"]


@pytest.mark.usefixtures("five")
def test_lenient_search_ignores_unknown_parameters(search: Search) -> None:
    assert len(search("Patient", "shoe-size=42&gender=female", lenient=True).matches) == 5


@pytest.mark.usefixtures("five")
@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", "eyJxIjoiYWJjIiwicyI6MX0", "!!"])
def test_malformed_or_foreign_cursors_are_refused(search: Search, cursor: str) -> None:
    with pytest.raises(InvalidRequest):
        search("Patient", "_count=2", cursor=cursor)


@pytest.mark.usefixtures("five")
def test_cursor_cannot_be_replayed_with_another_query(search: Search) -> None:
    first = search("Patient", "_count=2&gender=female")
    with pytest.raises(InvalidRequest, match="different query"):
        search("Patient", "_count=2&gender=male", cursor=first.next_cursor)
    # The page size is not part of the query's identity.
    assert len(search("Patient", "_count=3&gender=female", cursor=first.next_cursor).matches) == 3
