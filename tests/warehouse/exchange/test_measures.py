"""Indicators as FHIR R4 Measure and MeasureReport (issue 20 point 6): each validates
with `fhir.resources` (R4B, whose Measure/MeasureReport are R4's), scoring follows the
scale, the totals are the group's populations and score, the categorised values are
strata (one dimension: value; two: components), and only the org unit's and period's
values are in its report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from hoso.core.errors import InvalidRequest
from hoso.warehouse.exchange.measures import (
    measure,
    measure_report,
    measure_reports,
    measure_url,
    scoring_of,
)
from hoso.warehouse.indicators.model import CITY, FACILITY, WARD
from tests.warehouse.exchange.fake_source import (
    BEN_THANH,
    COVERAGE,
    DEFINITIONS,
    FACILITY_CODE,
    MORBIDITY,
    SAIGON,
    VALUES,
    VISITS,
)

WHEN = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _pop(populations: list[dict], code: str) -> int | None:
    found = [p["count"] for p in populations if p["code"]["coding"][0]["code"] == code]
    return found[0] if found else None


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.code)
def test_every_measure_validates_and_names_its_populations(definition) -> None:
    body = measure(definition)
    Measure.model_validate(body)
    assert body["url"] == measure_url(definition.code)
    assert body["url"].startswith("https://hoso.vn/fhir/Measure/warehouse-")
    codes = [p["code"]["coding"][0]["code"] for p in body["group"][0]["population"]]
    scoring = body["scoring"]["coding"][0]["code"]
    if scoring == "cohort":
        assert codes == ["initial-population"]
    else:
        assert {"numerator", "denominator"} <= set(codes)
    dims = [s["code"]["coding"][0]["code"] for s in body["group"][0].get("stratifier", [])
            if "code" in s]  # fmt: skip
    assert dims == list(definition.categories)


def test_scoring_follows_the_scale() -> None:
    assert [scoring_of(d) for d in (VISITS, COVERAGE, MORBIDITY)] == [
        "cohort", "proportion", "ratio"]
    cv = measure(VISITS, scoring="continuous-variable")
    Measure.model_validate(cv)
    assert [p["code"]["coding"][0]["code"] for p in cv["group"][0]["population"]] == [
        "initial-population", "measure-population", "measure-observation"]
    with pytest.raises(ValueError, match="scoring"):
        measure(VISITS, scoring="average")


def test_a_wards_report_has_its_totals_strata_and_score() -> None:
    body = measure_report(MORBIDITY, VALUES, period="2026-11", org_kind=WARD, org=SAIGON,
                          org_name="Phường Sài Gòn", generated=WHEN)  # fmt: skip
    MeasureReport.model_validate(body)
    assert body["type"] == "summary" and body["status"] == "complete"
    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert body["subject"]["identifier"]["value"] == SAIGON
    assert body["subject"]["display"] == "Phường Sài Gòn"
    group = body["group"][0]
    assert _pop(group["population"], "numerator") == 30
    assert _pop(group["population"], "denominator") == 45_000
    # 30 / 45,000 × 100,000 = 66.666…
    assert group["measureScore"]["value"] == pytest.approx(66.666667)
    assert group["measureScore"]["unit"] == "ca / 100.000 dân"
    one, two = group["stratifier"]
    assert [c["coding"][0]["code"] for c in one["code"]] == ["icd10-chapter"]
    assert [s["value"]["text"] for s in one["stratum"]] == ["IX", "X"]
    assert [_pop(s["population"], "numerator") for s in one["stratum"]] == [10, 20]
    # chapter IX × women: 4 / 22,000 × 100,000 = 18.18…
    (cell,) = two["stratum"]
    assert [(c["code"]["coding"][0]["code"], c["value"]["text"]) for c in cell["component"]] \
        == [("icd10-chapter", "IX"), ("sex", "female")]  # fmt: skip
    assert cell["measureScore"]["value"] == pytest.approx(18.181818)


def test_a_report_holds_only_its_org_and_period() -> None:
    body = measure_report(MORBIDITY, VALUES, period="2026-10", org_kind=WARD, org=SAIGON)
    group = body["group"][0]
    assert _pop(group["population"], "numerator") == 15  # October's, not November's 30
    assert "stratifier" not in group
    empty = measure_report(MORBIDITY, VALUES, period="2026-11", org_kind=WARD, org="99999")
    MeasureReport.model_validate(empty)
    assert "population" not in empty["group"][0]


def test_percent_in_ucum_no_score_without_a_denominator_and_counts_are_cohorts() -> None:
    saigon = measure_report(COVERAGE, VALUES, period="2026-11", org_kind=WARD, org=SAIGON)
    assert saigon["group"][0]["measureScore"] == {
        "value": 90.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    none = measure_report(COVERAGE, VALUES, period="2026-11", org_kind=WARD, org=BEN_THANH)
    assert "measureScore" not in none["group"][0]  # 0 / 0: no rate, not 0 %
    visits = measure_report(VISITS, VALUES, period="2026-11", org_kind=FACILITY,
                            org=FACILITY_CODE)  # fmt: skip
    MeasureReport.model_validate(visits)
    assert visits["reporter"]["identifier"]["value"] == FACILITY_CODE
    assert "subject" not in visits
    assert visits["group"][0]["population"][0]["count"] == 1234
    assert "measureScore" not in visits["group"][0]


def test_a_year_and_the_city() -> None:
    city = measure_report(VISITS, VALUES, period="2026", org_kind=CITY, org="79")
    assert city["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert city["reporter"]["identifier"]["value"] == "79"
    with pytest.raises(InvalidRequest):
        measure_report(VISITS, VALUES, period="2026-13", org_kind=CITY, org="79")
    with pytest.raises(ValueError, match="org_kind"):
        measure_report(VISITS, VALUES, period="2026", org_kind="district", org="1")


def test_one_report_per_org_unit_and_period() -> None:
    ward_values = [v for v in VALUES if v.org_kind == WARD]
    reports = measure_reports(MORBIDITY, ward_values, generated=WHEN)
    keys = [(r["subject"]["identifier"]["value"], r["period"]["start"]) for r in reports]
    assert keys == [(SAIGON, "2026-10-01"), (SAIGON, "2026-11-01"), (BEN_THANH, "2026-11-01")]
    assert len({r["id"] for r in reports}) == 3
    for r in reports:
        MeasureReport.model_validate(r)
