"""A programme's monthly report by hand (issue 19 point 7): counts and indicators over
enrolled residents' measures and over a ward's population in an age band, cut by age
band and sex; as a FHIR MeasureReport that fhir.resources validates; as an .xlsx that
openpyxl reads back with the ward's title block and the same numbers."""

from __future__ import annotations

import io
from datetime import date
from typing import ClassVar

import pytest
from fhir.resources.R4B.measurereport import MeasureReport
from openpyxl import load_workbook

from hoso.core.errors import InvalidRequest
from hoso.programmes.framework import IndicatorDef
from hoso.programmes.reports import (
    ReportRow,
    WardPopulation,
    measure_report,
    monthly_report,
    report_workbook,
)
from hoso.programmes.reports.workbook import HEADINGS

W1, W2 = "26734", "26737"


class Elderly:
    code = "elderly"
    name: ClassVar[dict[str, str]] = {"vi": "Sức khỏe người cao tuổi", "en": "Elderly health"}
    indicators = (
        IndicatorDef("checked", {"vi": "Khám sức khỏe định kỳ", "en": "Yearly check"},
                     "checked_12m", target=0.70, source="QĐ 1579/QĐ-TTg (house example)"),
        IndicatorDef("controlled", {"vi": "Kiểm soát huyết áp", "en": "BP controlled"},
                     "controlled", denominator="hypertensive"),
        IndicatorDef("coverage", {"vi": "Độ bao phủ", "en": "Coverage"}, "enrolled_flag",
                     denominator="population", population=(60, 200)),
        IndicatorDef("visits", {"vi": "Lượt khám", "en": "Visits"}, "visits"),
    )  # fmt: skip


ROWS = [
    ReportRow(W1, "60-69", "female", {"checked_12m": True, "hypertensive": True,
                                      "controlled": True, "enrolled_flag": True, "visits": 3}),
    ReportRow(W1, "60-69", "male", {"checked_12m": False, "hypertensive": True,
                                    "controlled": False, "enrolled_flag": True, "visits": 1}),
    ReportRow(W1, "70-79", "female", {"checked_12m": True, "hypertensive": False,
                                      "controlled": True, "enrolled_flag": True, "visits": 0}),
    ReportRow(W2, "80+", "female", {"checked_12m": True, "enrolled_flag": True, "visits": 2}),
]  # fmt: skip
POPULATION = WardPopulation({W1: 1000, W2: 800},
                            {(W1, "60-69"): 50, (W1, "70-79"): 30, (W1, "80+"): 20,
                             (W2, "60-69"): 40, (W2, "70-79"): 20, (W2, "80+"): 10})  # fmt: skip


def _by_code(report):  # type: ignore[no-untyped-def]
    return {r.indicator.code: r for r in report.indicators}


def test_a_wards_indicators_by_hand() -> None:
    report = monthly_report(Elderly(), "2026-11", ROWS, POPULATION, W1)
    assert (report.start, report.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert report.enrolled == 3 and report.by_sex == {"female": 2, "male": 1}
    found = _by_code(report)
    assert (found["checked"].numerator, found["checked"].denominator) == (2, 3)
    # Only the hypertensive count in the denominator, and in the numerator.
    assert (found["controlled"].numerator, found["controlled"].denominator) == (1, 2)
    assert (found["coverage"].numerator, found["coverage"].denominator) == (3, 100)
    assert found["visits"].numerator == 4  # a number is summed
    strata = {(s.by, s.value): (s.numerator, s.denominator) for s in found["coverage"].strata}
    assert strata[("age-band", "60-69")] == (2, 50) and strata[("sex", "female")] == (2, None)
    checked = {(s.by, s.value): (s.numerator, s.denominator) for s in found["checked"].strata}
    assert checked == {("age-band", "60-69"): (1, 2), ("age-band", "70-79"): (1, 1),
                       ("sex", "female"): (2, 2), ("sex", "male"): (0, 1)}  # fmt: skip


def test_the_citys_report_and_unknown_denominators() -> None:
    city = monthly_report(Elderly(), "2026-11", ROWS, POPULATION)
    assert city.enrolled == 4
    assert _by_code(city)["coverage"].denominator == 170
    totals_only = monthly_report(Elderly(), "2026-11", ROWS, WardPopulation({W1: 1000}), W1)
    assert _by_code(totals_only)["coverage"].denominator is None  # no population by age
    assert _by_code(totals_only)["coverage"].score is None


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "", "2026-11-01"])
def test_a_bad_month_names_the_field(month: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        monthly_report(Elderly(), month, ROWS, POPULATION)
    assert caught.value.message.startswith("month")


def test_the_measure_report_validates() -> None:
    report = monthly_report(Elderly(), "2026-11", ROWS, POPULATION, W1)
    body = measure_report(report, ward_name="Phường Sài Gòn")
    MeasureReport.model_validate(body)  # raises on an invalid MeasureReport
    assert body["type"] == "summary" and body["measure"].endswith("programme-elderly")
    assert body["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert body["subject"]["identifier"]["value"] == W1
    groups = {g["code"]["coding"][0]["code"]: g for g in body["group"]}
    assert groups["enrolled"]["population"][0]["count"] == 3
    checked = groups["checked"]
    assert [p["count"] for p in checked["population"]] == [2, 3]
    assert checked["measureScore"]["value"] == pytest.approx(0.6667)
    cuts = [s["code"][0]["coding"][0]["code"] for s in checked["stratifier"]]
    assert cuts == ["age-band", "sex"]
    city = measure_report(monthly_report(Elderly(), "2026-11", ROWS, WardPopulation({})))
    MeasureReport.model_validate(city)
    assert "subject" not in city
    coverage = {g["code"]["coding"][0]["code"]: g for g in city["group"]}["coverage"]
    assert "measureScore" not in coverage  # no denominator: no score, not a zero


def test_the_workbook_opens_back_with_the_wards_layout() -> None:
    reports = [monthly_report(Elderly(), "2026-11", ROWS, POPULATION, W1)]
    station = "Trạm y tế Phường Sài Gòn"
    data = report_workbook(reports, ward_name="Phường Sài Gòn", station=station,
                           prepared=date(2026, 12, 3))  # fmt: skip
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["elderly"]
    sheet = book["elderly"]
    cells = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    text = "\n".join(str(c) for row in cells for c in row if c is not None)
    assert "TRẠM Y TẾ PHƯỜNG SÀI GÒN" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "BÁO CÁO THÁNG 11/2026" in text and "Phường/xã / Ward: Phường Sài Gòn" in text
    assert "Kỳ báo cáo / Period: 01/11/2026 – 30/11/2026" in text
    assert "Ngày lập / Prepared: 03/12/2026" in text
    header = next(i for i, row in enumerate(cells) if row[0] == "STT")
    assert tuple(cells[header][:7]) == HEADINGS
    enrolled, checked = cells[header + 1], cells[header + 2]
    assert enrolled[2] == 3
    assert checked[2:6] == (2, 3, pytest.approx(2 / 3), 0.7)
    assert sheet.cell(header + 3, 5).number_format == "0.0%"
    coverage = next(row for row in cells if row[1] and str(row[1]).startswith("Độ bao phủ"))
    assert coverage[2:5] == (3, 100, pytest.approx(0.03))


def test_one_sheet_per_programme() -> None:
    class Other(Elderly):
        code = "hypertension"

    reports = [monthly_report(p, "2026-11", ROWS, POPULATION) for p in (Elderly(), Other())]
    data = report_workbook(reports, ward_name="TP. HCM", station="Sở Y tế",
                           prepared=date(2026, 12, 3))  # fmt: skip
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["elderly", "hypertension"]


def test_no_programme_is_an_empty_sheet_not_an_error() -> None:
    data = report_workbook([], ward_name="TP. HCM", station="Sở Y tế", prepared=date(2026, 12, 3))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Không có chương trình / No programme"
