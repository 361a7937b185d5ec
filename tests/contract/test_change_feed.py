"""Session.feed (ChangeFeed): every committed write once, in commit order, with its
content; nothing from a rolled-back unit or savepoint; cursors leased to one worker;
dead letters parked and re-driven."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hoso.fhir.change_feed import LeaseLost
from hoso.fhir.store import Store
from tests.contract.records import organization, person, reading
from tests.contract.test_bulk import write

SECOND = 1_000_000


class Abandoned(Exception):
    pass


def _head(store: Store) -> int:
    with store.unit_of_work(write=False) as s:
        return s.feed.stats("nobody").head


def _after(store: Store, position: int, limit: int = 1000) -> list[Any]:
    with store.unit_of_work(write=False) as s:
        return s.feed.changes_after(position, limit)


def test_each_write_is_one_change_in_commit_order(contract_store: Store) -> None:
    """create, update, delete: one change each, positions rising, each with the content
    of its own version (a deletion's is the version before it: how to find a copy)."""
    start = _head(contract_store)
    with contract_store.unit_of_work() as s:
        s.update("Patient", "fp-1", person(1, "fp-1"))
        s.update("Observation", "fo-1", reading("fp-1", "fo-1", 120))
    with contract_store.unit_of_work() as s:
        s.update("Observation", "fo-1", reading("fp-1", "fo-1", 130))
    with contract_store.unit_of_work() as s:
        s.delete("Observation", "fo-1")
    changes = _after(contract_store, start)
    assert [(c.key, c.version, c.deleted) for c in changes] == [
        ("Patient/fp-1", 1, False), ("Observation/fo-1", 1, False),
        ("Observation/fo-1", 2, False), ("Observation/fo-1", 3, True),
    ]  # fmt: skip
    positions = [c.position for c in changes]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert all(c.patient_id == "fp-1" for c in changes)
    assert '"value":130' in (changes[2].content or "")
    assert changes[3].content == changes[2].content
    assert _head(contract_store) == positions[-1]


def test_a_rolled_back_unit_or_savepoint_leaves_no_change(contract_store: Store) -> None:
    start = _head(contract_store)
    with pytest.raises(Abandoned), contract_store.unit_of_work() as s:
        s.update("Organization", "fo-gone", organization("fo-gone"))
        raise Abandoned
    with contract_store.unit_of_work() as s:
        s.update("Organization", "fo-kept", organization("fo-kept"))
        with pytest.raises(Abandoned), s.savepoint():
            s.update("Organization", "fo-inner", organization("fo-inner"))
            raise Abandoned
    assert [c.key for c in _after(contract_store, start)] == ["Organization/fo-kept"]


def test_a_bulk_batch_is_in_the_feed(contract_store: Store) -> None:
    start = _head(contract_store)
    write(contract_store, [organization(f"fb-{n}") for n in range(5)])
    changes = _after(contract_store, start)
    assert sorted(c.id for c in changes) == [f"fb-{n}" for n in range(5)]
    assert all(c.version == 1 and c.content for c in changes)


def test_concurrent_writers_get_positions_in_commit_order(contract_store: Store) -> None:
    """Eight threads writing at once: every change once, numbered without repeats, and
    a reader never sees a position appear below one it has already seen."""
    start = _head(contract_store)
    seen: list[int] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        for k in range(10):
            with contract_store.unit_of_work() as s:
                s.update("Organization", f"fc-{n}-{k}", organization(f"fc-{n}-{k}"))

    def reader() -> None:
        cursor = start
        while not stop.is_set():
            for change in _after(contract_store, cursor):
                seen.append(change.position)
                cursor = change.position

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    seen += [c.position for c in _after(contract_store, seen[-1] if seen else start)]
    assert len(seen) == 80 and len(set(seen)) == 80 and seen == sorted(seen)


def test_a_cursor_is_leased_to_one_worker(contract_store: Store) -> None:
    now = 1_800_000_000 * SECOND
    with contract_store.unit_of_work() as s:
        assert s.feed.lease("sync", "worker-a", now, 30 * SECOND) == 0
        assert s.feed.lease("sync", "worker-b", now + SECOND, 30 * SECOND) is None
        s.feed.advance("sync", "worker-a", 5, now_us=now, lease_us=30 * SECOND, sent=5,
                       rate=5.0)  # fmt: skip
    with contract_store.unit_of_work() as s:  # a's lease runs out: b takes over at 5
        assert s.feed.lease("sync", "worker-b", now + 31 * SECOND, 30 * SECOND) == 5
        with pytest.raises(LeaseLost):
            s.feed.advance("sync", "worker-a", 9, now_us=now, lease_us=SECOND, sent=1, rate=1)
        s.feed.release("sync", "worker-b")
        assert s.feed.lease("sync", "worker-a", now + 32 * SECOND, SECOND) == 5
        stats = s.feed.stats("sync")
    assert (stats.position, stats.sent, stats.lease_owner) == (5, 5, "worker-a")


def test_dead_letters_are_parked_and_redriven(contract_store: Store) -> None:
    start = _head(contract_store)
    with contract_store.unit_of_work() as s:
        s.update("Organization", "fd-1", organization("fd-1"))
        s.update("Organization", "fd-2", organization("fd-2"))
    one, two = _after(contract_store, start)
    with contract_store.unit_of_work() as s:
        s.feed.park("sync", one, "422 first", 1)
        s.feed.park("sync", one, "422 again", 2)
        s.feed.park("sync", two, "422 other", 3)
        assert s.feed.mark_retry("sync", [one.position]) == 1
        letters = s.feed.dead_letters("sync")
        again = s.feed.dead_letters("sync", status="retry")
        s.feed.unpark("sync", one.position)
        left = s.feed.dead_letters("sync")
    assert [(d.change.key, d.attempts, d.error) for d in letters] == [
        ("Organization/fd-1", 2, "422 again"), ("Organization/fd-2", 1, "422 other")]
    assert [d.change.key for d in again] == ["Organization/fd-1"]
    assert [d.change.key for d in left] == ["Organization/fd-2"]
