"""The warehouse's group-1 numbers over a synthetic city, checked the way issue 20 will
check them: `hoso synth`'s city loaded through the bulk importer, built into the
warehouse through the access layer (views compiled to SQL, de-identified Parquet), the
analyses run on DuckDB — and the same indicators computed again from the raw NDJSON in
plain Python (`independent.py`), compared cell by cell. Then the indicator source the API
and pages read answers from that snapshot."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hoso.store.sql_store import SqlStore
from hoso.synth import generate
from hoso.warehouse.engine import ibis_tables
from hoso.warehouse.indicators.group1 import Parameters, analyse
from hoso.warehouse.indicators.snapshot_source import SnapshotSource
from hoso.warehouse.snapshots import Snapshot, Warehouse
from tests.callers import as_caller, bulk_import
from tests.warehouse import independent
from tests.warehouse.city import builder

PARAMS = Parameters(as_of="2026-01-01", years=(2024, 2025))


@pytest.fixture(scope="module")
def city_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("indicator-city")
    generate(70, 23, out, workers=1)
    return out


@pytest.fixture
def built(store: SqlStore, city_files: Path, tmp_path: Path) -> Snapshot:
    report = bulk_import(store, sorted(city_files.glob("*.ndjson")))
    assert not report.errors, report.errors[:3]
    with as_caller(store) as repo:
        builder(repo, tmp_path / "wh").full()
    snapshot = Warehouse(tmp_path / "wh").current()
    assert snapshot is not None
    return snapshot


def _rows(snapshot: Snapshot, code: str) -> list[dict[str, Any]]:
    _backend, tables = ibis_tables(snapshot)
    return analyse(code, tables, PARAMS).to_pandas().to_dict("records")


def test_the_warehouse_agrees_with_a_count_from_the_raw_fhir(built: Snapshot,
                                                            city_files: Path) -> None:  # fmt: skip
    city = independent.City(independent.read_ndjson(sorted(city_files.glob("*.ndjson"))))
    assert len(city.episodes) > 150  # a city with something to count

    visits = independent.warehouse_rows(
        [r for r in _rows(built, "visits-per-resident") if r["org_kind"] in ("ward", "city")],
        "period", "org")  # fmt: skip
    assert not independent.differences(independent.visits_per_resident(city), visits)

    morbidity: Counter[tuple[str, str, str, str]] = Counter()
    for r in _rows(built, "morbidity-icd10-chapter"):  # summed over age band and sex
        morbidity[r["period"], r["org_kind"], r["org"], r["icd10_chapter"]] += r["numerator"]
    assert not independent.differences(independent.morbidity_by_chapter(city), morbidity)

    readmitted = independent.warehouse_rows(
        [r for r in _rows(built, "readmissions-30d") if r["org_kind"] == "facility"],
        "period", "org")  # fmt: skip
    assert not independent.differences(independent.readmissions(city), readmitted)


def test_the_api_source_and_the_dhis2_export_answer_from_the_snapshot(built: Snapshot) -> None:
    from hoso.warehouse.exchange.dhis2 import dhis2_export
    from hoso.warehouse.exchange.dhis2_mapping import packaged_mapping

    source = SnapshotSource(built.root.parent.parent)
    codes = {d.code for d in source.definitions()}
    assert {"visits-per-resident", "morbidity-icd10-chapter", "readmissions-30d"} <= codes
    wards = source.values("visits-per-resident")
    assert wards and all(v.org_kind == "ward" and v.denominator for v in wards)
    city = source.values("visits-per-resident", org_kind="city")
    by_year = {v.period: v.numerator for v in city}
    assert sum(by_year.values()) == sum(v.numerator for v in wards)
    # With the packaged mapping (minted data elements, the 168 wards' org units) the
    # city's ward values become DHIS2 data values; nothing is dropped silently.
    values = [v for code in ("visits-per-resident", "morbidity-icd10-chapter")
              for v in source.values(code)]  # fmt: skip
    exported = dhis2_export(values, packaged_mapping())
    assert values and [u.as_dict() for u in exported.unmapped][:3] == []
    # a numerator row for each value, a denominator row for each rate
    expected = sum(2 if v.denominator is not None else 1 for v in values)
    assert len(exported.data_values) == expected
