"""Paging while the data changes: no resource that keeps matching is skipped or
repeated, with and without `_sort`; snapshots expire and are purged."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from hoso.core.errors import InvalidRequest
from hoso.fhir.repository import SearchPage
from hoso.store import schema
from hoso.store.sql.search import snapshot
from tests.store.sql.search.conftest import Records, Search, ordered_ids


def patient(n: int, *, year: int | None = None, gender: str = "female") -> dict[str, Any]:
    return {
        "resourceType": "Patient", "id": f"n{n:02d}", "gender": gender,
        "birthDate": str(year or 1950 + n), "name": [{"family": f"Họ {n}"}],
    }


def rest(search: Search, query: str, page: SearchPage) -> list[str]:
    """Ids of every page after `page`, following the cursors."""
    found: list[str] = []
    while page.next_cursor:
        page = search("Patient", query, cursor=page.next_cursor)
        found += ordered_ids(page)
    return found


@pytest.fixture
def twenty_five(records: Records) -> None:
    records.put_all(*(patient(n) for n in range(25)))


def snapshot_rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        count = sa.select(sa.func.count()).select_from(schema.search_snapshot)
        return int(conn.execute(count).scalar_one())


@pytest.mark.usefixtures("twenty_five")
def test_unsorted_paging_survives_writes(records: Records, search: Search) -> None:
    query = "gender=female&_count=10"
    first = search("Patient", query)
    seen = ordered_ids(first)
    assert seen == [f"n{n:02d}" for n in range(10)]
    records.put({**patient(3), "name": [{"family": "Đổi tên"}]})  # seen, updated
    records.put({**patient(15), "name": [{"family": "Đổi tên"}]})  # unseen, updated
    records.delete("Patient", "n05")
    records.delete("Patient", "n12")
    records.delete("Patient", "n20")
    records.put(patient(16, gender="male"))  # no longer matches
    records.put_all(patient(25), patient(26))  # created after the first page
    later = rest(search, query, first)
    everything = seen + later
    assert len(everything) == len(set(everything))  # no repeats
    survivors = {f"n{n:02d}" for n in range(10, 25)} - {"n12", "n20", "n16"}
    assert survivors <= set(later)  # no skips
    assert set(later) - survivors == {"n25", "n26"}  # new ones come last, in order
    assert later[-2:] == ["n25", "n26"]


@pytest.mark.usefixtures("twenty_five")
def test_sorted_paging_survives_writes(records: Records, search: Search, engine: sa.Engine) -> None:
    query = "_sort=birthdate&_count=10"
    first = search("Patient", query)
    seen = ordered_ids(first)
    assert seen == [f"n{n:02d}" for n in range(10)]
    records.put(patient(20, year=1900))  # unseen, moves before the page boundary
    records.put(patient(2, year=2100))  # seen, moves after it
    records.put({**patient(15), "name": [{"family": "Đổi tên"}]})
    records.delete("Patient", "n12")
    records.put(patient(25, year=1971))  # created after the first page
    later = rest(search, query, first)
    assert len(seen + later) == len(set(seen + later))
    # The order frozen at the first page, without the deleted one or later creations.
    assert later == [f"n{n:02d}" for n in range(10, 25) if n != 12]
    assert snapshot_rows(engine) == 25


def test_sorted_search_of_one_page_writes_no_snapshot(
    records: Records, search: Search, engine: sa.Engine
) -> None:
    records.put_all(patient(1), patient(2))
    page = search("Patient", "_sort=-birthdate")
    assert (ordered_ids(page), page.next_cursor, page.total) == (["n02", "n01"], None, 2)
    assert snapshot_rows(engine) == 0


@pytest.mark.usefixtures("twenty_five")
def test_snapshot_pages_reapply_the_filters(records: Records, search: Search) -> None:
    query = "gender=female&_sort=-birthdate&_count=10"
    first = search("Patient", query)
    assert ordered_ids(first)[0] == "n24"
    records.put(patient(3, gender="male"))
    later = rest(search, query, first)
    assert later == [f"n{n:02d}" for n in range(14, -1, -1) if n != 3]
    assert first.total == 25


@pytest.mark.usefixtures("twenty_five")
def test_expired_snapshots_are_refused_and_purged(
    search: Search, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = search("Patient", "_sort=birthdate&_count=10")
    later = snapshot.now_us() + snapshot.SNAPSHOT_TTL_US + 1
    monkeypatch.setattr(snapshot, "now_us", lambda: later)
    with pytest.raises(InvalidRequest, match="expired"):
        search("Patient", "_sort=birthdate&_count=10", cursor=first.next_cursor)
    search("Patient", "_sort=-birthdate&_count=10")  # a new snapshot purges the old one
    assert snapshot_rows(engine) == 25


@pytest.mark.usefixtures("twenty_five")
def test_uncommitted_snapshot_cursor_is_refused(search: Search, engine: sa.Engine) -> None:
    first = search("Patient", "_sort=birthdate&_count=10")
    with engine.begin() as conn:
        conn.execute(schema.search_snapshot.delete())
    with pytest.raises(InvalidRequest, match="expired"):
        search("Patient", "_sort=birthdate&_count=10", cursor=first.next_cursor)


@pytest.mark.usefixtures("twenty_five")
def test_store_search_commits_the_snapshot_of_a_read(records: Records) -> None:
    """A search in a read unit of work still persists its snapshot for the next page."""
    store = records.store

    def page_of(cursor: str | None = None) -> SearchPage:
        with store.unit_of_work(write=False) as s:
            return s.search("Patient", [("_sort", "-birthdate"), ("_count", "10")], cursor=cursor)

    first = page_of()
    assert first.next_cursor is not None
    later: list[str] = []
    cursor: str | None = first.next_cursor
    while cursor:
        page = page_of(cursor)
        later += [hit.id for hit in page.matches]
        cursor = page.next_cursor
    assert [hit.id for hit in first.matches] + later == [f"n{n:02d}" for n in range(24, -1, -1)]
