"""Session.matches (MatchQueue): pairs of records that may be one resident are added
once, reviewed best first, decided once, and follow a merge."""

from __future__ import annotations

from typing import Any

import pytest

from hoso.fhir.store import MatchCandidate, Session, Store
from hoso.identity.mpi.review_rows import candidate_row

STEWARD = "account:steward-lan"
DECIDED_AT = 1_750_000_000_000_000


def pair(first: str, second: str, weight: float, *, grade: str = "possible"
         ) -> dict[str, Any]:  # fmt: skip
    """A queue row as the MPI files it (`candidate_row`: patient_a < patient_b)."""
    return candidate_row(first, second, weight=weight, probability=weight / 20, grade=grade,
                         origin="batch", levels={"name": "exact"},
                         created_us=1_700_000_000_000_000)  # fmt: skip


def _named(s: Session, a: str, b: str) -> MatchCandidate:
    """The open pair of `a` and `b`."""
    (found,) = [c for c in s.matches.open(limit=100, offset=0)
                if {c.patient_a, c.patient_b} == {a, b}]  # fmt: skip
    return found


def _by_pair(s: Session, candidate_ids: list[int]) -> dict[frozenset[str], MatchCandidate]:
    """These candidates as they are now, whatever their status, by their two records."""
    found = [s.matches.get(i) for i in candidate_ids]
    return {frozenset((c.patient_a, c.patient_b)): c for c in found if c is not None}


def test_add_files_each_pair_once(contract_store: Store) -> None:
    """add: inserts pairs not yet known (also within one call); returns how many."""
    with contract_store.unit_of_work() as s:
        assert s.matches.add([pair("p-b", "p-a", 5.0), pair("p-a", "p-c", 3.0),
                              pair("p-a", "p-b", 9.0)]) == 2  # fmt: skip
        assert s.matches.add([pair("p-b", "p-a", 7.0), pair("p-c", "p-d", 1.0)]) == 1
        assert s.matches.add([]) == 0
        assert s.matches.count_by_status() == {"open": 3}


def test_a_candidate_reads_back_as_filed(contract_store: Store) -> None:
    """get: the pair with its fields; get(lock=True) the same; an unknown id None."""
    row = pair("p-b", "p-a", 6.5, grade="certain")
    with contract_store.unit_of_work() as s:
        s.matches.add([row])
        (filed,) = s.matches.open(limit=10, offset=0)
        assert s.matches.get(filed.id, lock=True) == filed
        assert s.matches.get(filed.id + 1000) is None
    assert (filed.patient_a, filed.patient_b, filed.weight) == ("p-a", "p-b", 6.5)
    assert (filed.probability, filed.grade, filed.origin) == (6.5 / 20, "certain", "batch")
    assert (filed.status, filed.details, filed.created) == ("open", row["details"],
                                                            row["created"])  # fmt: skip
    assert (filed.decided, filed.decided_by) == (None, None)


def test_open_pairs_come_best_first_and_page(contract_store: Store) -> None:
    """open(limit, offset): undecided pairs, highest weight first."""
    with contract_store.unit_of_work() as s:
        s.matches.add([pair("p-a", "p-b", 2.0), pair("p-a", "p-c", 8.0),
                       pair("p-b", "p-c", 5.0), pair("p-c", "p-d", 11.0)])  # fmt: skip
        best = s.matches.open(limit=2, offset=0)
        rest = s.matches.open(limit=2, offset=2)
        beyond = s.matches.open(limit=2, offset=4)
    assert [c.weight for c in best + rest] == [11.0, 8.0, 5.0, 2.0] and beyond == []


def test_a_pair_is_decided_once(contract_store: Store) -> None:
    """decide_open: True for the first decision, False after; the decision, its time
    and steward are kept and the pair leaves the open queue; a decided pair re-added
    stays decided."""
    with contract_store.unit_of_work() as s:
        s.matches.add([pair("p-a", "p-b", 5.0), pair("p-c", "p-d", 4.0)])
        target = _named(s, "p-a", "p-b")
        assert s.matches.decide_open(target.id, "rejected", STEWARD, DECIDED_AT)
        assert not s.matches.decide_open(target.id, "merged", "account:late", DECIDED_AT + 1)
    with contract_store.unit_of_work() as s:
        decided = s.matches.get(target.id)
        assert s.matches.add([pair("p-a", "p-b", 9.0)]) == 0
        assert [c.patient_a for c in s.matches.open(limit=10, offset=0)] == ["p-c"]
        assert s.matches.count_by_status() == {"open": 1, "rejected": 1}
    assert decided is not None
    assert (decided.status, decided.decided, decided.decided_by) == (
        "rejected", DECIDED_AT, STEWARD,
    )  # fmt: skip


def test_follow_merge_closes_moves_and_supersedes_pairs(contract_store: Store) -> None:
    """follow_merge(source, target): the source–target pair is merged; an open pair of
    the source with a third record moves to the target (counted), or is superseded when
    the target already has that pair; decided pairs stay as they were."""
    with contract_store.unit_of_work() as s:
        s.matches.add([pair("src", "tgt", 9.0), pair("src", "p-x", 6.0), pair("tgt", "p-x", 4.0),
                       pair("src", "p-y", 5.0), pair("src", "p-z", 3.0)])  # fmt: skip
        filed = [c.id for c in s.matches.open(limit=10, offset=0)]
        rejected = _named(s, "src", "p-z")
        s.matches.decide_open(rejected.id, "rejected", STEWARD, DECIDED_AT)
        moved = s.matches.follow_merge("src", "tgt", STEWARD, DECIDED_AT + 1)
        after = _by_pair(s, filed)
        counts = s.matches.count_by_status()
        queue = s.matches.open(limit=10, offset=0)
    assert moved == 1
    assert after[frozenset(("src", "tgt"))].status == "merged"
    assert after[frozenset(("src", "tgt"))].decided_by == STEWARD
    assert after[frozenset(("src", "p-x"))].status == "superseded"
    y = after[frozenset(("p-y", "tgt"))]
    assert (y.patient_a, y.patient_b, y.status) == ("p-y", "tgt", "open")
    assert after[frozenset(("src", "p-z"))].status == "rejected"
    assert counts == {"merged": 1, "superseded": 1, "rejected": 1, "open": 2}
    assert all("src" not in (c.patient_a, c.patient_b) for c in queue)


def test_queue_changes_commit_with_their_unit(contract_store: Store) -> None:
    """add / decide_open: part of the unit of work, kept only if it commits."""
    with contract_store.unit_of_work() as s:
        s.matches.add([pair("p-a", "p-b", 5.0)])
    with pytest.raises(LookupError), contract_store.unit_of_work() as s:
        (candidate,) = s.matches.open(limit=10, offset=0)
        assert s.matches.decide_open(candidate.id, "merged", STEWARD, DECIDED_AT)
        s.matches.add([pair("p-c", "p-d", 1.0)])
        raise LookupError  # the steward's merge failed: the decision goes with it
    with contract_store.unit_of_work() as s:
        assert s.matches.count_by_status() == {"open": 1}
        assert s.matches.decide_open(candidate.id, "merged", STEWARD, DECIDED_AT)
