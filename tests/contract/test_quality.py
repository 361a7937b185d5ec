"""Session.quality (QualityTables): findings kept with each current version, the batch's
locked pages and replaced findings, the residents' facts, runs and the scorecard.

The store under test carries production's data-quality hook, so a resident written
without a phone number has the write-kind finding DU-006 ("Missing phone number")."""

from __future__ import annotations

from datetime import datetime

import pytest

from hoso.fhir.quality import KIND_BATCH, KIND_WRITE, QualityIssue
from hoso.fhir.store import PageRow, ScoreRow, Session, Store
from hoso.identity.mpi.review_rows import candidate_row
from tests.contract.records import (
    coverage,
    encounter,
    organization,
    person,
    put,
    put_in,
    reading,
    vital_signs,
)

PHONE = [{"system": "phone", "value": "0901234567", "use": "mobile"}]
NO_VITALS = QualityIssue("SONG-005", "warning", "Patient", "Không có chỉ số sinh tồn / None",
                         KIND_BATCH)  # fmt: skip
NO_CARD = QualityIssue("DU-007", "information", "Patient.identifier", "Không có thẻ / No card",
                       KIND_BATCH)  # fmt: skip


def _rules(s: Session, resource_type: str, id: str) -> set[str]:
    return {issue.rule for issue in s.quality.findings(resource_type, id)}


def _row(s: Session, resource_type: str, id: str) -> PageRow:
    (row,) = [r for r in s.quality.locked_page(0, 1000)
              if (r.resource_type, r.id) == (resource_type, id)]  # fmt: skip
    return row


def test_a_write_refreshes_the_findings_of_its_resource(contract_store: Store) -> None:
    """findings: those of the current version, refreshed by every write; none once
    deleted, none for a resource that does not exist."""
    with contract_store.unit_of_work() as s:
        put_in(s, person(1, "pat-1"))
        first = s.quality.findings("Patient", "pat-1")
        put_in(s, person(1, "pat-1", telecom=PHONE))
        fixed = _rules(s, "Patient", "pat-1")
        s.delete("Patient", "pat-1")
        assert s.quality.findings("Patient", "pat-1") == []
        assert s.quality.findings("Patient", "nobody") == []
    assert "DU-006" in {i.rule for i in first} and "DU-006" not in fixed
    assert {i.kind for i in first} == {KIND_WRITE}
    assert [(i.rule, i.expression) for i in first] == sorted((i.rule, i.expression)
                                                             for i in first)  # fmt: skip


def test_a_bulk_written_resource_has_the_findings_of_a_single_write(contract_store: Store) -> None:
    """write_batch stores the findings a single write of the resource would."""
    put(contract_store, person(1, "pat-1"))
    seqs = contract_store.reserve_seqs(1)
    item = contract_store.row_builder().build(person(2, "pat-2"), seqs[0] if seqs else 0, "PUT")
    with contract_store.unit_of_work() as s:
        s.bulk.write_batch([item])
        single = [(i.rule, i.expression, i.kind) for i in s.quality.findings("Patient", "pat-1")]
        bulk = [(i.rule, i.expression, i.kind) for i in s.quality.findings("Patient", "pat-2")]
    assert bulk == single and single


def test_locked_pages_walk_current_resources_in_order_of_writing(contract_store: Store) -> None:
    """locked_page(after, size): the next `size` live resources after row `after`, by
    row number, with their type, id, compartment and content."""
    put(contract_store, person(1, "pat-1"))
    put(contract_store, reading("pat-1", "obs-1"), organization("org-1"), organization("org-2"))
    with contract_store.unit_of_work() as s:
        s.delete("Organization", "org-1")
        first = s.quality.locked_page(0, 2)
        rest = s.quality.locked_page(first[-1].seq, 2)
        done = s.quality.locked_page(rest[-1].seq, 2)
        obs = s.read("Observation", "obs-1")
    assert [(r.resource_type, r.id) for r in first + rest] == [
        ("Patient", "pat-1"), ("Observation", "obs-1"), ("Organization", "org-2"),
    ]  # fmt: skip
    assert first[0].seq < first[1].seq < rest[0].seq and done == []
    assert (first[1].patient_id, first[1].content) == ("pat-1", obs.content)


def test_replace_issues_sets_every_finding_of_the_resources(contract_store: Store) -> None:
    """replace_issues: the given findings replace all of each resource's (write-kind
    ones too); returns how many rows it wrote; an empty list clears them."""
    put(contract_store, person(1, "pat-1"), person(2, "pat-2"))
    with contract_store.unit_of_work() as s:
        other = s.quality.findings("Patient", "pat-2")
        one, two = _row(s, "Patient", "pat-1"), _row(s, "Patient", "pat-2")
        assert s.quality.replace_issues([(one, [NO_VITALS, NO_CARD]), (two, [NO_CARD])]) == 3
        assert s.quality.findings("Patient", "pat-1") == [NO_CARD, NO_VITALS]
        assert s.quality.findings("Patient", "pat-2") == [NO_CARD]
        assert s.quality.replace_issues([(two, [])]) == 0
        assert s.quality.findings("Patient", "pat-2") == []
    assert other  # it had write-kind findings before the batch replaced them


def test_a_write_keeps_the_batchs_findings(contract_store: Store) -> None:
    """A write refreshes only the write-kind findings; batch-kind ones stay until the
    batch runs again."""
    put(contract_store, person(1, "pat-1"))
    with contract_store.unit_of_work() as s:
        s.quality.replace_issues([(_row(s, "Patient", "pat-1"), [NO_VITALS])])
    with contract_store.unit_of_work() as s:
        put_in(s, person(1, "pat-1", telecom=PHONE))
        found = s.quality.findings("Patient", "pat-1")
    assert NO_VITALS in found
    assert "DU-006" not in {i.rule for i in found}
    assert {i.kind for i in found} == {KIND_WRITE, KIND_BATCH}


def _us(instant: str) -> int:
    return int(datetime.fromisoformat(instant).timestamp() * 1_000_000)


def test_facts_describe_every_resident(contract_store: Store) -> None:
    """facts: residents with a current Coverage, the end of each one's newest vital
    signs, the start of the earliest care, and those in an undecided MPI pair."""
    put(contract_store, *(person(n, f"pat-{n}") for n in (1, 2, 3)), organization("bhxh"))
    put(contract_store, coverage("pat-1", "cov-1", "bhxh"), coverage("pat-3", "cov-3", "bhxh"),
        vital_signs("pat-2", "vs-1", "2025-03-01T08:00:00+07:00"),
        vital_signs("pat-2", "vs-2", "2025-04-01T08:00:00+07:00"),
        encounter("pat-3", "enc-1", "bhxh"))  # fmt: skip
    with contract_store.unit_of_work() as s:
        s.delete("Coverage", "cov-3")
        s.matches.add([candidate_row("pat-1", "pat-3", weight=5, probability=0.5,
                                     grade="possible", origin="batch", levels=None,
                                     created_us=1)])  # fmt: skip
        facts = s.quality.facts()
    assert facts.covered == {"pat-1"}
    last = facts.last_vital_signs["pat-2"]
    assert _us("2025-04-01T08:00:00+07:00") <= last < _us("2025-04-01T08:00:01+07:00")
    assert facts.care_starts["pat-2"] == _us("2025-03-01T08:00:00+07:00")
    assert facts.care_starts["pat-3"] == _us("2025-01-02T08:00:00+07:00")
    assert "pat-1" not in facts.care_starts and set(facts.last_vital_signs) == {"pat-2"}
    assert facts.open_duplicates == {"pat-1", "pat-3"}


SCORES = [
    ScoreRow(0, "79001", "26734", "DU-006", checked=10, failing=4, findings=4),
    ScoreRow(0, "79001", "26737", "DU-006", checked=6, failing=1, findings=1),
    ScoreRow(0, "79002", "26734", "DU-006", checked=20, failing=2, findings=3),
    ScoreRow(0, "79001", "26734", "SACH-002", checked=10, failing=0, findings=0),
]


def _finished_run(s: Session, started: int, scores: list[ScoreRow]) -> int:
    run = s.quality.start_run(started)
    rows = [ScoreRow(run, r.facility, r.ward, r.rule, r.checked, r.failing, r.findings)
            for r in scores]  # fmt: skip
    s.quality.finish_run(run, started + 60, resources=36, issues=8, scores=rows)
    return run


def test_runs_are_listed_once_finished_newest_first(contract_store: Store) -> None:
    """start_run / finish_run / latest_runs: (id, finished, resources, issues) of the
    finished runs, newest first, at most `limit`; a run still going is not listed."""
    with contract_store.unit_of_work() as s:
        first = _finished_run(s, 1_000, SCORES)
        second = _finished_run(s, 2_000, SCORES[:1])
        going = s.quality.start_run(3_000)
        latest = s.quality.latest_runs(5)
        newest = s.quality.latest_runs(1)
    assert len({first, second, going}) == 3
    assert latest == [(second, 2_060, 36, 8), (first, 1_060, 36, 8)]
    assert newest == latest[:1]


def test_an_abandoned_finish_leaves_no_half_run(contract_store: Store) -> None:
    """finish_run: its snapshot and the run's end commit together or not at all."""
    with contract_store.unit_of_work() as s:
        run = s.quality.start_run(1_000)
    with pytest.raises(LookupError), contract_store.unit_of_work() as s:
        s.quality.finish_run(run, 1_060, 36, 8, [ScoreRow(run, "79001", "", "DU-006", 1, 1, 1)])
        raise LookupError
    with contract_store.unit_of_work(write=False) as s:
        assert s.quality.latest_runs(5) == []
        assert s.quality.scores([run], None, None) == []


def test_scores_sum_over_places_unless_one_is_named(contract_store: Store) -> None:
    """scores(runs, facility, ward): one row per run × rule, summed over facilities and
    wards not named."""
    with contract_store.unit_of_work() as s:
        run = _finished_run(s, 1_000, SCORES)
        everywhere = s.quality.scores([run], None, None)
        clinic = s.quality.scores([run], "79001", None)
        ward = s.quality.scores([run], "79001", "26737")
        assert s.quality.scores([run + 1000], None, None) == []
    assert everywhere == [ScoreRow(run, "", "", "DU-006", 36, 7, 8),
                          ScoreRow(run, "", "", "SACH-002", 10, 0, 0)]  # fmt: skip
    assert clinic == [ScoreRow(run, "79001", "", "DU-006", 16, 5, 5),
                      ScoreRow(run, "79001", "", "SACH-002", 10, 0, 0)]  # fmt: skip
    assert ward == [ScoreRow(run, "79001", "26737", "DU-006", 6, 1, 1)]


def test_breakdown_by_facility_or_ward_largest_first(contract_store: Store) -> None:
    """breakdown(run, by, facility, ward): (place, checked, failing, findings) over every
    rule, most checked first."""
    with contract_store.unit_of_work() as s:
        run = _finished_run(s, 1_000, SCORES)
        facilities = s.quality.breakdown(run, "facility", None, None)
        wards = s.quality.breakdown(run, "ward", None, None)
        clinic_wards = s.quality.breakdown(run, "ward", "79001", None)
    assert facilities == [("79001", 26, 5, 5), ("79002", 20, 2, 3)]
    assert wards == [("26734", 40, 6, 7), ("26737", 6, 1, 1)]
    assert clinic_wards == [("26734", 20, 4, 4), ("26737", 6, 1, 1)]
