"""The batch (`run_quality_batch`) and the scorecard it snapshots, on SQLite and
PostgreSQL: findings on write, the rules that need the whole record, counts per rule,
facility and ward, and a trend across runs."""

from __future__ import annotations

import pytest

from hoso.access.repository import AccessRepository
from hoso.core.errors import Forbidden, InvalidRequest
from hoso.ingest.quality.scorecard import check_filters
from hoso.store.sql_store import SqlStore
from tests.callers import as_caller, audit_subtypes, staff
from tests.ingest.quality import world
from tests.ingest.quality.world import FACILITY, WARD_BEN_THANH, WARD_SAI_GON, quality_rows


def _rule(card: object, code: str) -> dict:
    return next(r for r in card.to_json()["rules"] if r["rule"] == code)  # type: ignore[attr-defined]


def test_a_write_stores_its_findings_and_an_update_refreshes_them(
    store: SqlStore, repo: AccessRepository
) -> None:
    world.build(repo)
    assert quality_rows(store, "Observation", "o1") == [
        ("DUNG-005", "write", "Observation.valueQuantity")
    ]
    assert quality_rows(store, "Condition", "c1") == [
        ("DUNG-001", "write", "Condition.code.coding[0].code")
    ]
    assert quality_rows(store, "Patient", "p1") == []
    repo.update("Observation", "o1", world.heavy_weight(70))
    assert quality_rows(store, "Observation", "o1") == []
    repo.delete("Condition", "c1")
    assert quality_rows(store, "Condition", "c1") == []


def test_batch_adds_whole_record_rules_and_keeps_them_across_writes(
    store: SqlStore, repo: AccessRepository
) -> None:
    world.build(repo)
    report = world.run_batch(repo)
    assert report.resources == 5
    # Both lack a BHYT card; only B lacks vital signs (A was weighed) and is in an open pair.
    assert report.findings == {"DU-007": 2, "DUNG-001": 1, "DUNG-005": 1, "SACH-001": 1,
                               "SACH-002": 1, "SONG-005": 1}  # fmt: skip
    assert ("SACH-001", "batch", "Patient") in quality_rows(store, "Patient", "p2")
    assert not [r for r in quality_rows(store, "Patient", "p1") if r[0] == "SACH-001"]
    fixed = world.resident_b()
    fixed["name"] = [{"family": "Trần", "given": ["Thị", "Bình"]}]
    repo.update("Patient", "p2", fixed)  # a write refreshes its own rules only
    assert [r[0] for r in quality_rows(store, "Patient", "p2")] == [
        "DU-007",
        "SACH-001",
        "SONG-005",
    ]


def test_a_vital_sign_and_a_coverage_answer_the_batch_rules(
    store: SqlStore, repo: AccessRepository
) -> None:
    world.build(repo)
    repo.update("Observation", "o1", world.heavy_weight(70))
    repo.update("Coverage", "cov1", {
        "resourceType": "Coverage", "id": "cov1", "status": "active",
        "beneficiary": {"reference": "Patient/p1"},
        "payor": [{"reference": "Organization/org-a"}]})  # fmt: skip
    world.run_batch(repo)
    assert quality_rows(store, "Patient", "p1") == []  # covered, weighed in May 2026
    assert {r[0] for r in quality_rows(store, "Patient", "p2")} >= {"DU-007", "SONG-005"}


def test_scorecard_counts_per_rule_facility_and_ward_and_a_trend(
    store: SqlStore, repo: AccessRepository
) -> None:
    world.build(repo)
    world.run_batch(repo)
    repo.update("Observation", "o1", world.heavy_weight(70))  # fixed between the runs
    second = world.run_batch(repo)

    card = world.scorecard(repo)
    assert card.run_id == second.run_id
    weight = _rule(card, "DUNG-005")
    assert (weight["checked"], weight["failing"], weight["rate"]) == (1, 0, 0.0)
    capitals = _rule(card, "SACH-002")
    assert (capitals["checked"], capitals["failing"], capitals["rate"]) == (2, 1, 0.5)
    assert capitals["dimension"] == "SACH" and capitals["title"].startswith("Họ tên")
    trend = card.to_json()["trend"]
    assert [p["rates"]["DUNG-005"] for p in trend] == [1.0, 0.0]
    assert [p["rates"]["SACH-002"] for p in trend] == [0.5, 0.5]

    body = card.to_json()
    assert {p["code"] for p in body["facilities"]} == {FACILITY, ""}
    assert {p["code"]: p["name"] for p in body["wards"]} == {
        WARD_BEN_THANH: "Phường Bến Thành", WARD_SAI_GON: "Phường Sài Gòn"}  # fmt: skip

    # One facility: resident A and their Observation; B's diagnosis is elsewhere.
    mine = world.scorecard(repo, facility=FACILITY)
    assert "DUNG-001" not in {r.rule for r in mine.rules}
    assert _rule(mine, "SACH-002")["checked"] == 1 and _rule(mine, "SACH-002")["failing"] == 0
    ward = world.scorecard(repo, ward=WARD_SAI_GON)
    diagnosis = _rule(ward, "DUNG-001")
    assert (diagnosis["checked"], diagnosis["failing"]) == (1, 1)
    assert len(world.scorecard(repo, runs=1).trend) == 1


def test_scorecard_before_any_run_is_empty(repo: AccessRepository) -> None:
    card = world.scorecard(repo).to_json()
    assert card["run"] is None and card["rules"] == [] and card["trend"] == []


@pytest.mark.parametrize(
    ("facility", "ward", "runs", "element"),
    [("<script>", None, None, "facility"), (None, "2674", None, "ward"),
     (None, "abcde", None, "ward"), (None, None, "0", "runs"), (None, None, "53", "runs"),
     (None, None, "²", "runs"), (None, None, "-1", "runs"), (None, None, 99, "runs")],
)  # fmt: skip
def test_bad_filters_are_refused_with_the_element(
    facility: str | None, ward: str | None, runs: str | int | None, element: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_filters(facility, ward, runs)
    assert caught.value.issues[0].expression == (element,)
    assert " / " in caught.value.message


def test_only_stewards_officers_and_the_operator_see_the_scorecard(store: SqlStore) -> None:
    for role in ("steward", "officer", "operator"):
        with as_caller(store, staff(role)) as caller:
            assert world.scorecard(caller).run_id is None
    for role in ("resident", "clinician", "dpo", "admin"):
        with as_caller(store, staff(role)) as caller, pytest.raises(Forbidden):
            world.scorecard(caller)
    refusals = audit_subtypes(store, outcome="4")
    assert refusals.count("quality") == 4  # every refusal audited


def test_an_organization_without_a_code_and_a_long_id_still_counts(
    store: SqlStore, repo: AccessRepository
) -> None:
    # A FHIR id may have 64 characters; "Organization/<id>" then has 77, more than the
    # scorecard's facility column holds.
    long_id = "to-chuc-" + "x" * 56
    world.build(repo)
    repo.update("Organization", long_id,
                 {"resourceType": "Organization", "id": long_id, "name": "Phòng khám"})  # fmt: skip
    repo.update("Encounter", "e1", {
        "resourceType": "Encounter", "id": "e1", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p1"},
        "serviceProvider": {"reference": f"Organization/{long_id}"}})  # fmt: skip
    world.run_batch(repo)
    facilities = {p.code for p in world.scorecard(repo).facilities}
    assert len(facilities) == 3 and all(len(code) <= 64 for code in facilities)
    [mine] = [code for code in facilities if code not in (FACILITY, "")]
    encounter = _rule(world.scorecard(repo, facility=mine), "DU-011")
    assert (encounter["checked"], encounter["failing"]) == (1, 1)  # no period.start
