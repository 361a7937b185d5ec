"""The steward's review queue without HTTP, on SQLite and PostgreSQL: the MPI files two
look-alike residents as a possible match; the queue, the side-by-side comparison and a
decision (merge or not the same person) work through the access layer, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hoso.access.claims import CLINICIAN, STEWARD, AccessClaims
from hoso.access.principal import Principal
from hoso.access.repository import AccessRepository
from hoso.access.scopes import ScopeSet
from hoso.core import jsonx
from hoso.core.errors import Conflict, Forbidden, InvalidRequest, ResourceNotFound
from hoso.fhir.store import MatchCandidate
from hoso.identity.mpi import review_queue as rq
from hoso.identity.mpi.model import load_model
from hoso.identity.mpi.review_rows import candidate_row
from hoso.store import schema
from hoso.store.sql_store import SqlStore
from tests.builders.patient import patient, resident
from tests.callers import as_caller, audit_subtypes

HOME = [{"use": "home", "line": ["12 Lê Lợi"], "city": "Phường Sài Gòn",
         "state": "Thành phố Hồ Chí Minh"}]  # fmt: skip
ELSEWHERE = [{"use": "home", "line": ["88 Trần Hưng Đạo"], "city": "Phường Chợ Lớn"}]
PHONE = [{"system": "phone", "value": "0901234567", "use": "mobile"}]
STEWARD_AGENT = "account:steward-lan"


def look_alikes() -> tuple[dict[str, Any], dict[str, Any]]:
    """Same name, sex and birth date; the second has no CCCD, no phone and lives in
    another ward: maybe the same person who moved, maybe a namesake. A steward decides."""
    first = patient(cccd="079090001234", address=HOME, telecom=PHONE)
    second = patient(cccd=None, address=ELSEWHERE)
    return first, second


def _create(repo: AccessRepository, resource: dict[str, Any]) -> str:
    """A new record through the operator's access layer (the MPI decides every Patient)."""
    result = repo.create(resource)
    assert result.created and not result.matched_existing
    return result.stored.id


def file_candidate(repo: AccessRepository) -> tuple[str, str, int]:
    """Create both through the MPI (the operator's writes); returns (first id, second id,
    candidate id): the one pair the MPI queued naming the second."""
    first, second = look_alikes()
    a = _create(repo, first)
    b = _create(repo, second)
    with repo.match_queue() as queue:
        (found,) = [c for c in queue.open(limit=100, offset=0) if b in (c.patient_a, c.patient_b)]
    return a, b, found.id


def _candidate(repo: AccessRepository, candidate_id: int) -> MatchCandidate | None:
    with repo.match_queue() as queue:
        return queue.get(candidate_id)


def _pairs(store: SqlStore, patients: tuple[str, ...]) -> dict[frozenset[str], str]:
    """Every queued pair naming any of `patients` (any status), read from the table."""
    t = schema.mpi_candidate
    naming = sa.or_(t.c.patient_a.in_(patients), t.c.patient_b.in_(patients))
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.patient_a, t.c.patient_b, t.c.status).where(naming))
        return {frozenset((r.patient_a, r.patient_b)): r.status for r in rows}


def _refusers(store: SqlStore) -> list[str]:
    """Who each refused call's audit entry names (the requesting agent), in order."""
    e = schema.audit_event
    with store.engine.connect() as conn:
        contents = conn.execute(sa.select(e.c.content).order_by(e.c.seq)).scalars()
        events = [jsonx.loads(c) for c in contents]
    return [a["who"]["identifier"]["value"] for event in events if event["outcome"] == "4"
            for a in event["agent"] if a.get("requestor")]  # fmt: skip


def _principal(role: str = STEWARD, subject: str = STEWARD_AGENT) -> Principal:
    claims = AccessClaims(subject=subject, role=role, scopes=("user/*.cruds",),
                          client_id="tests", token_id="t", expires_at=2**40)  # fmt: skip
    return Principal(claims, ScopeSet.parse(claims.scopes))


@pytest.fixture
def steward(store: SqlStore) -> Iterator[AccessRepository]:
    """The data steward's repository (the queue's door and their own view), audited."""
    with as_caller(store, _principal()) as reviewer:
        yield reviewer


def _patient(repo: AccessRepository, patient_id: str) -> dict[str, Any]:
    return dict(jsonx.loads(repo.read("Patient", patient_id).content))


def test_queue_lists_open_pairs_best_first_with_both_residents(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    with repo.match_queue(write=True) as queue:  # a stronger pair whose records are gone
        queue.add([{"patient_a": "gone-1", "patient_b": "gone-2", "weight": 99.0,
                    "probability": 1.0, "grade": "possible", "origin": "batch",
                    "details": "{}", "created": 1}])  # fmt: skip
    page = rq.open_queue(steward).to_json()
    assert page["total"] == 2
    first, second = page["candidates"]
    assert first["a"]["found"] is False and first["weight"] == 99.0
    assert second["id"] == cid
    sides = {second["a"]["id"]: second["a"], second["b"]["id"]: second["b"]}
    assert set(sides) == {a, b}
    assert {s["name"] for s in sides.values()} == {"Nguyễn Văn An"}
    assert {s["birthDate"] for s in sides.values()} == {"01/05/1990"}
    paged = rq.open_queue(steward, limit=1, offset=1).to_json()
    assert [c["id"] for c in paged["candidates"]] == [cid]


def test_review_compares_field_by_field_with_the_models_levels(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    shown = rq.review(steward, cid, load_model()).to_json()
    fields = {f["field"]: f for f in shown["fields"]}
    assert list(fields) == ["family", "middle", "given", "birth_date", "sex", "cccd", "phone",
                            "address"]  # no BHYT recorded on either: no row  # fmt: skip
    agree = {k: f["agreement"] for k, f in fields.items()}
    assert agree == {"family": "exact", "middle": "exact", "given": "exact",
                     "birth_date": "exact", "sex": "exact", "cccd": "missing",
                     "phone": "missing", "address": "disagree"}  # fmt: skip
    side = "a" if shown["a"]["id"] == a else "b"
    assert fields["birth_date"][side] == "01/05/1990"
    assert fields["cccd"][side] == "079090001234"
    assert fields["sex"][side] == "Nam / Male"
    assert "Lê Lợi" in fields["address"][side]
    other = "b" if side == "a" else "a"
    assert shown[other]["id"] == b and fields["cccd"][other] == ""
    assert "Trần Hưng Đạo" in fields["address"][other]
    assert shown["grade"] == "possible" and 0 < shown["probability"] < 1
    assert shown["suggestedKeep"] == side  # the more complete record is kept


def test_merge_retires_the_other_record_and_closes_the_pair_once(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    done = rq.decide(steward, cid, "merge", model=load_model())
    assert done.status == "merged" and done.merge is not None
    assert (done.merge.target_id, done.merge.source_id) == (a, b)  # the suggested keep
    retired = _patient(repo, b)
    assert retired["active"] is False
    assert {"other": {"reference": f"Patient/{a}"}, "type": "replaced-by"} in retired["link"]
    assert _patient(repo, a).get("active", True) is True
    row = _candidate(repo, cid)
    assert row is not None and (row.status, row.decided_by) == ("merged", STEWARD_AGENT)
    assert rq.open_queue(steward).to_json()["candidates"] == []
    with pytest.raises(Conflict, match="already decided"):
        rq.decide(steward, cid, "not-same")


def test_a_merge_moves_the_retired_records_other_pairs_to_the_kept_one(
    store: SqlStore, repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    c, d = (_create(repo, resident(n)) for n in (40, 41))
    rows = [candidate_row(x, y, weight=1.0, probability=0.5, grade="possible",
                          origin="batch", levels=None, created_us=1)
            for x, y in ((b, c), (b, d), (a, d))]  # fmt: skip
    with repo.match_queue(write=True) as queue:
        assert queue.add(rows) == 3
    done = rq.decide(steward, cid, "merge", keep="a" if a < b else "b")
    assert done.merge is not None and done.merge.source_id == b
    assert _pairs(store, (a, b, c, d)) == {
        frozenset((a, b)): "merged",
        frozenset((a, c)): "open",  # (b, c) moved to the kept record
        frozenset((b, d)): "superseded",  # the kept record already had (a, d)
        frozenset((a, d)): "open",
    }
    queue_page = rq.open_queue(steward).to_json()["candidates"]
    assert len(queue_page) == 2
    assert all(b not in (q["a"]["id"], q["b"]["id"]) for q in queue_page)


def test_the_steward_may_choose_which_record_is_kept(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    row = rq.review(steward, cid, load_model())
    keep = "a" if row.a["id"] == b else "b"  # the less complete one
    done = rq.decide(steward, cid, "merge", keep=keep)
    assert done.merge is not None and done.merge.target_id == b
    assert _patient(repo, a)["active"] is False


def test_not_the_same_person_keeps_both_and_rejects_the_pair(
    repo: AccessRepository, steward: AccessRepository
) -> None:
    a, b, cid = file_candidate(repo)
    done = rq.decide(steward, cid, "not-same")
    assert done.to_json() == {"id": cid, "status": "rejected"}
    assert all(_patient(repo, p).get("active", True) for p in (a, b))
    with repo.match_queue() as queue:
        assert queue.count_by_status() == {"rejected": 1}
    with pytest.raises(Conflict):
        rq.decide(steward, cid, "merge", keep="a")
    assert all(_patient(repo, p).get("active", True) for p in (a, b))


def test_only_a_steward_decides_and_a_refusal_changes_nothing(
    store: SqlStore, repo: AccessRepository
) -> None:
    _, b, cid = file_candidate(repo)
    refused_before = audit_subtypes(store, outcome="4")
    with as_caller(store, _principal(CLINICIAN, "account:bs-hoa")) as clinician:
        with pytest.raises(Forbidden):  # the queue's door: stewards and the operator only
            rq.open_queue(clinician)
        with pytest.raises(Forbidden):
            rq.decide(clinician, cid, "merge", keep="a")
    # Each refusal is audited (outcome 4, minor failure) at the queue's door, as the
    # clinician's.
    assert audit_subtypes(store, outcome="4") == [*refused_before, "mpi-queue", "mpi-queue"]
    assert _refusers(store)[-2:] == ["account:bs-hoa", "account:bs-hoa"]
    row = _candidate(repo, cid)
    assert row is not None and row.status == "open"
    assert _patient(repo, b).get("active", True) is True


def test_unknown_pairs_and_bad_decisions_are_refused(steward: AccessRepository) -> None:
    with pytest.raises(ResourceNotFound):
        rq.review(steward, 424242, load_model())
    with pytest.raises(ResourceNotFound):
        rq.decide(steward, 424242, "not-same")
    with pytest.raises(InvalidRequest) as bad:
        rq.check_decision("maybe", None)
    assert bad.value.issues[0].expression == ("decision",)
    with pytest.raises(InvalidRequest) as bad:
        rq.check_decision("merge", "c")
    assert bad.value.issues[0].expression == ("keep",)
    with pytest.raises(InvalidRequest) as bad:
        rq.check_paging("0", "0")
    assert bad.value.issues[0].expression == ("limit",)


def test_levels_become_four_words_and_dates_read_dd_mm_yyyy() -> None:
    assert rq.agreement("exact with marks", "Thuận", "thuận") == "exact"
    assert rq.agreement("exact", "Thuận", "Thuần") == "close"  # folded equal, marks differ
    assert rq.agreement("exact", "Nguyễn", " NGUYỄN ") == "exact"
    assert rq.agreement("day and month swapped", "01/05/1990", "05/01/1990") == "close"
    assert rq.agreement("else", "0901234567", "0912345678") == "disagree"
    assert rq.agreement("null", "079090001234", "") == "missing"
    assert rq.display_date("1990-05-01") == "01/05/1990"
    assert rq.display_date("1990") == "1990" and rq.display_date(None) == ""
