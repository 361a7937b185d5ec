"""Warehouse builds over a real store (SQLite and PostgreSQL): full, incremental from the
change feed (equal to a full build of the same store), de-identified, all-or-nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hoso.access.repository import AccessRepository
from hoso.access.warehouse_source import WarehouseSource
from hoso.core.errors import Forbidden, InvalidRequest
from hoso.store.sql_store import SqlStore
from hoso.warehouse.catalog import tables
from hoso.warehouse.snapshots import Warehouse
from tests.callers import as_caller, audit_subtypes, staff
from tests.warehouse.city import (
    OTHER_WARD,
    WARD,
    builder,
    condition,
    contents,
    encounter,
    person,  # fmt: skip
    populate,
    put,
)


def test_full_build_flattens_every_table_by_ward_and_year(repo: AccessRepository,
                                                          tmp_path: Path) -> None:  # fmt: skip
    populate(repo)
    report = builder(repo, tmp_path).full()
    assert report.mode == "full"
    assert report.resources["patient"] == 3 and report.resources["encounter"] == 3
    snapshot = Warehouse(tmp_path).current()
    assert snapshot is not None and snapshot.position == report.position > 0
    rows = contents(snapshot)
    # patient: id, gender, birth_year, deceased, deceased_at, ward, period, year
    assert sorted((r[2], r[5]) for r in rows["patient"]) == [
        (1951, WARD), (1952, WARD), (1953, OTHER_WARD)]
    encounters = {r[7]: r for r in rows["encounter"]}  # by reason_icd10
    assert encounters["J18"][4] == "2026-01-10"  # the date alone, no time of day
    assert encounters["J18"][-3:] == (WARD, "2026-01", "2026")
    assert encounters["J10"][-3:] == (OTHER_WARD, "2026-02", "2026")
    parts = {p.relative_to(snapshot.root / "encounter").parts[:2]
             for p in (snapshot.root / "encounter").rglob("*.parquet")}  # fmt: skip
    assert parts == {("year=2025", f"ward={WARD}"), ("year=2026", f"ward={WARD}"),
                     ("year=2026", f"ward={OTHER_WARD}")}  # fmt: skip


def test_no_real_id_birth_date_or_address_leaves_the_store(repo: AccessRepository,
                                                          tmp_path: Path) -> None:  # fmt: skip
    populate(repo)
    builder(repo, tmp_path).full()
    snapshot = Warehouse(tmp_path).current()
    assert snapshot is not None and not snapshot.identified
    data = b"".join(Path(f).read_bytes() for t in ("patient", "encounter", "condition",
                    "observation") for f in snapshot.files(t))  # fmt: skip
    for secret in ("1951-02-02", "Lê Lợi", "079151000001", "Nguyễn"):
        assert secret.encode() not in data, secret  # a birth date, a street, a CCCD, a name
    cells = {v for table in contents(snapshot).values() for row in table for v in row}
    assert not cells & {"p1", "p2", "p3", "e1", "e2", "e3", "c1", "c2", "o1"}
    rows = contents(snapshot)
    patients = {r[0] for r in rows["patient"]}
    assert all(p.startswith("anon-") for p in patients)
    # joins still work: every encounter's resident is a resident of the patient table
    assert {r[1] for r in rows["encounter"]} <= patients


def test_incremental_build_equals_a_full_build(repo: AccessRepository, tmp_path: Path) -> None:
    populate(repo)
    first = builder(repo, tmp_path / "inc")
    first.full()
    # Changes: a moved resident (their rows change ward), an encounter moved to another
    # year, a deleted diagnosis, new resources, and a new resident.
    put(repo, {**person(1, OTHER_WARD)})
    put(repo, encounter("e3", "p3", "2024-12-31T23:00:00+07:00"))
    repo.delete("Condition", "c2")
    put(repo, person(4, WARD))
    put(repo, encounter("e4", "p4", "2026-11-30T08:00:00+07:00", icd="A90"))
    put(repo, condition("c4", "p4", "A90", "2026-11-29"))
    report = builder(repo, tmp_path / "inc").incremental()
    assert report.mode == "incremental" and report.changes == 6
    assert report.files_linked > 0 or report.partitions_rewritten > 0
    builder(repo, tmp_path / "full").full()
    incremental = contents(Warehouse(tmp_path / "inc").current())
    full = contents(Warehouse(tmp_path / "full").current())
    assert incremental == full
    moved = [r for r in full["encounter"] if r[7] in ("I10", "J18")]
    assert {r[-3] for r in moved} == {OTHER_WARD}
    assert not any(r[3] == "E11" for r in full["condition"])


def test_an_unchanged_store_makes_no_new_build(repo: AccessRepository, tmp_path: Path) -> None:
    populate(repo)
    builder(repo, tmp_path).full()
    before = Warehouse(tmp_path).current()
    report = builder(repo, tmp_path).incremental()
    assert report.mode == "unchanged" and report.changes == 0
    assert Warehouse(tmp_path).current() == before


def test_a_failed_build_leaves_the_warehouse_as_it_was(repo: AccessRepository,
                                                      tmp_path: Path) -> None:  # fmt: skip
    populate(repo)
    builder(repo, tmp_path).full()
    before = Warehouse(tmp_path).current()
    put(repo, encounter("e9", "p2", "2026-05-05T08:00:00+07:00"))
    failing = builder(repo, tmp_path, compiled=False)
    failing.flatteners["encounter"].rows_of = _explode
    with pytest.raises(RuntimeError, match="planted"):
        failing.incremental()
    with pytest.raises(RuntimeError, match="planted"):
        failing.full()
    assert Warehouse(tmp_path).current() == before
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == [before.root.name]


def _explode(_resource: object) -> list[dict]:
    raise RuntimeError("planted failure")


def test_only_the_operator_builds_and_an_identified_extract_needs_a_reason(
    store: SqlStore, tmp_path: Path
) -> None:
    with as_caller(store, staff("officer", ("system/*.rs",))) as officer, \
            pytest.raises(Forbidden):
        WarehouseSource(officer, ["Patient"])
    with as_caller(store) as repo:
        with pytest.raises(InvalidRequest, match="lý do"):
            WarehouseSource(repo, ["Patient"]).pseudonymiser(True, " ngắn ")
        populate(repo)
    before = audit_subtypes(store)
    with as_caller(store) as repo:
        builder(repo, tmp_path, pseudonyms=False).full()
    snapshot = Warehouse(tmp_path).current()
    assert snapshot is not None and snapshot.identified
    assert {r[0] for r in contents(snapshot)["patient"]} == {"p1", "p2", "p3"}
    # the disclosure, then one whole-store read per table, each audited
    new = audit_subtypes(store)[len(before):]
    assert new[0] == "disclose" and new.count("search-system") == len(tables())


def test_an_incremental_build_reads_the_feed_audited(store: SqlStore, tmp_path: Path) -> None:
    with as_caller(store) as repo:
        populate(repo)
        builder(repo, tmp_path).full()
        put(repo, encounter("e9", "p2", "2026-05-05T08:00:00+07:00"))
    before = len(audit_subtypes(store))
    with as_caller(store) as repo:
        assert builder(repo, tmp_path).incremental().changes == 1
    assert "change-feed" in audit_subtypes(store)[before:]


@pytest.mark.slow
@pytest.mark.backend_independent  # the writer is what differs, not the store
def test_spark_writes_the_same_tables(repo: AccessRepository, tmp_path: Path) -> None:
    if not os.environ.get("JAVA_HOME") and not any(
        (Path(d) / "java").exists() for d in os.environ.get("PATH", "").split(":")
    ):
        pytest.fail("Spark needs a Java runtime (.ci/run installs openjdk-17-jre-headless)")
    populate(repo)
    builder(repo, tmp_path / "duck").full()
    builder(repo, tmp_path / "spark", writer="spark").full()
    duck = contents(Warehouse(tmp_path / "duck").current())
    spark = contents(Warehouse(tmp_path / "spark").current())
    assert duck == spark


def test_since_reapplies_what_was_updated_and_keeps_the_feed_position(
    repo: AccessRepository, tmp_path: Path
) -> None:
    from hoso.core import clock

    populate(repo)
    builder(repo, tmp_path / "since").full()
    position = Warehouse(tmp_path / "since").current().position
    moment = clock.now_us()
    put(repo, encounter("e3", "p3", "2023-07-01T08:00:00+07:00", icd="B05"))
    put(repo, condition("c5", "p2", "B05", "2023-07-01"))
    report = builder(repo, tmp_path / "since").since(moment)
    assert report.mode == "since" and report.changes == 2
    after = Warehouse(tmp_path / "since").current()
    assert after.position == position
    builder(repo, tmp_path / "full").full()
    assert contents(after) == contents(Warehouse(tmp_path / "full").current())


def test_one_build_at_a_time(repo: AccessRepository, tmp_path: Path) -> None:
    from hoso.warehouse.snapshots import BuildRunning

    populate(repo)
    with Warehouse(tmp_path).lock(), pytest.raises(BuildRunning):
        builder(repo, tmp_path).full()
    assert builder(repo, tmp_path).full().mode == "full"  # the lock is free again


def test_the_case_register_is_a_table_of_every_build(store: SqlStore, tmp_path: Path) -> None:
    from hoso.assembly import case_access, disease_catalogue
    from hoso.publichealth.cases import suspected_case
    from hoso.warehouse.snapshots import offline_duckdb, parquet_scan

    with as_caller(store) as repo:
        populate(repo)
        catalogue = disease_catalogue(store, repo)
        catalogue.seed()
        definition = catalogue.get("measles")
        assert definition is not None
        values = suspected_case(definition.definition, onset_date="2026-11-30", ward=WARD,
                                facility=None, now_us=1_796_000_000_000_000)  # fmt: skip
        case_access(store, repo).open_case(disease="measles", patient_id="p1",
                                           definition_version=definition.version,
                                           new_case=values, event={"from": "test"})  # fmt: skip
        builder(repo, tmp_path).full()
    snapshot = Warehouse(tmp_path).current()
    with offline_duckdb() as db:
        rows = db.execute("SELECT disease, classification, onset, ward, period, patient_id "
                          f"FROM {parquet_scan(snapshot.files('case'))}").fetchall()  # fmt: skip
    assert len(rows) == 1 and rows[0][:5] == ("measles", "suspected", "2026-11-30", WARD,
                                              "2026-11")  # fmt: skip
    assert rows[0][5].startswith("anon-")
    patients = {r[0] for r in contents(snapshot)["patient"]}
    assert rows[0][5] in patients  # the same pseudonym as the resident's
    assert "case-report" in audit_subtypes(store)
