"""The tracing tables' SQL (`hoso.store.publichealth_tracing`) on both databases: the
snapshot job claimed once under concurrency, a visit's day recorded again replaces its
outcome, the case link's reach (linked cases and their contacts, over many ids), the
as-of cut of a chain's rows, the due visits per day of the indicators."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hoso.store.publichealth_tracing import SqlTracing, TracingBulk
from hoso.store.sql_store import SqlStore
from tests.publichealth.tracing.world import add_case

NOW = 1_800_000_000_000_000


def _contact(rows: SqlTracing, source: str | None, target: str, first: str, last: str,
             event: int | None = None) -> int:  # fmt: skip
    return rows.add_contact(disease="measles", source_patient=source, source_event=event,
                            target_patient=target, first_exposure=first, last_exposure=last,
                            setting="household", certainty="high", created_by="t",
                            created_at=NOW)  # fmt: skip


def _followup(rows: SqlTracing, patient: str, start: str, end: str, every: int = 1) -> int:
    return rows.add_followup(patient_id=patient, disease="measles", ward="26734",
                             start_date=start, end_date=end, frequency_days=every,
                             status="active", created_at=NOW)  # fmt: skip


def test_a_snapshot_is_claimed_once(store: SqlStore) -> None:
    rows = SqlTracing(store.engine)
    snap = rows.add_snapshot("measles", "2026-11-30", "account:o", NOW)
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: rows.claim_snapshot(snap), range(8)))
    assert claims.count(True) == 1
    assert rows.snapshot(snap).status == "running"  # type: ignore[union-attr]
    assert rows.cached_snapshot("measles", "2026-11-30").id == snap  # type: ignore[union-attr]
    # Running since before the staleness bound: its worker died; not the cache.
    assert rows.cached_snapshot("measles", "2026-11-30", stale_before=NOW + 1) is None
    rows.finish_snapshot(snap, at=NOW, result='{"x": 1}')
    assert rows.snapshot_result(snap) == '{"x": 1}'
    other = rows.add_snapshot("measles", "2026-11-29", "account:o", NOW)
    rows.finish_snapshot(other, at=NOW, error="boom")
    assert rows.snapshot_result(other) is None
    assert rows.cached_snapshot("measles", "2026-11-29") is None  # failed: not the cache
    assert [s.id for s in rows.snapshots("measles")] == [other, snap]


def test_visits_replace_and_followups_close_once(store: SqlStore) -> None:
    rows = SqlTracing(store.engine)
    fid = _followup(rows, "p1", "2026-11-01", "2026-11-10")
    rows.record_visit(fid, "2026-11-02", "missed", "a", NOW)
    rows.record_visit(fid, "2026-11-02", "seen-ok", "b", NOW)
    rows.record_visit(fid, "2026-11-03", "missed", "a", NOW)
    assert rows.visits([fid]) == {fid: {"2026-11-02": "seen-ok", "2026-11-03": "missed"}}
    assert rows.close(fid, "completed", NOW) is True
    assert rows.close(fid, "lost", NOW) is False  # already closed: the first close stands
    assert rows.followup(fid).status == "completed"  # type: ignore[union-attr]
    assert rows.active_followup("p1", "measles") is None


def test_the_case_link_reaches_cases_and_their_contacts(store: SqlStore) -> None:
    rows = SqlTracing(store.engine)
    add_case(store.engine, "mine", officers=("account:a",))
    add_case(store.engine, "theirs", officers=("account:b",))
    _contact(rows, "mine", "k1", "2026-11-01", "2026-11-01")
    _contact(rows, "theirs", "k2", "2026-11-01", "2026-11-01")
    _contact(rows, "k1", "k3", "2026-11-01", "2026-11-01")  # a contact's contact: not linked
    many = [f"x{i}" for i in range(2500)] + ["mine", "theirs", "k1", "k2", "k3"]
    assert rows.linked_patients("account:a", many) == {"mine", "k1"}
    assert rows.linked_patients("account:b", many) == {"theirs", "k2"}
    assert rows.linked_patients("account:c", many) == set()


def test_chain_rows_are_cut_at_the_as_of_day(store: SqlStore) -> None:
    rows, bulk = SqlTracing(store.engine), TracingBulk(store.engine)
    add_case(store.engine, "a", onset="2026-11-01")
    add_case(store.engine, "late", onset="2026-12-05")
    add_case(store.engine, "gone", onset="2026-11-01", classification="discarded")
    _contact(rows, "a", "k1", "2026-11-02", "2026-12-10")  # still exposed after the day
    _contact(rows, "a", "k2", "2026-12-02", "2026-12-03")  # not yet exposed
    event = rows.add_event(kind="event", name="Đám cưới", disease="measles", ward=None,
                           date="2026-11-01", created_by="t", created_at=NOW)  # fmt: skip
    _contact(rows, None, "a", "2026-11-01", "2026-11-01", event=event)
    cases, edges = bulk.chain_rows("measles", "2026-11-30")
    assert cases == [("a", "confirmed", "2026-11-01", "2026-11-01")]
    assert sorted(edges, key=str) == sorted([("a", None, "k1", "2026-11-30"),
                                             (None, event, "a", "2026-11-01")], key=str)


def test_indicator_rows_count_due_visits_per_day(store: SqlStore) -> None:
    rows, bulk = SqlTracing(store.engine), TracingBulk(store.engine)
    every_day = _followup(rows, "p1", "2026-11-01", "2026-11-05")
    every_other = _followup(rows, "p2", "2026-10-30", "2026-11-09", every=2)
    rows.record_visit(every_day, "2026-11-03", "seen-ok", "a", NOW)
    rows.record_visit(every_other, "2026-11-03", "missed", "a", NOW)
    out = bulk.indicator_rows("measles", "2026-11-03", "2026-11-06")
    # p1 due 3,4,5; p2 due 10-30, 11-01, 03, 05, 07, 09.
    assert out["due"] == {"2026-11-03": 2, "2026-11-04": 1, "2026-11-05": 2}
    assert out["seen"] == {"2026-11-03": 1}
    assert out["statuses"] == {"active": 2}


def test_the_bench_loader_inserts_in_batches(store: SqlStore) -> None:
    bulk = TracingBulk(store.engine)
    bulk.insert("ph_visit", [{"followup_id": i, "day": "2026-11-01", "outcome": "seen-ok",
                              "recorded_by": "bench", "recorded_at": NOW}
                             for i in range(12_001)])  # fmt: skip
    assert len(SqlTracing(store.engine).visits(list(range(12_001)))) == 12_001
