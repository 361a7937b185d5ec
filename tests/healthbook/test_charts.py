"""The book's charts: series from Observations (both shapes of a blood pressure, units
kept honest), SVG without script or style, and the WHO growth curves for a child under
5 against the WHO 2006 tables' published medians."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from hoso.healthbook.charts import book_charts, growth_charts
from hoso.healthbook.measurements import measurement_series

LOINC = "http://loinc.org"


def _obs(code: str, value: object, unit: str, when: str, **extra: object) -> dict:
    return {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "code": unit}, **extra}  # fmt: skip


def test_blood_pressure_from_a_panel_or_two_observations() -> None:
    panel = {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2025-02-01",
             "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
             "component": [
                 {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
                  "valueQuantity": {"value": 142, "code": "mm[Hg]"}},
                 {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
                  "valueQuantity": {"value": 91, "code": "mm[Hg]"}}]}  # fmt: skip
    series = measurement_series([
        panel,
        _obs("8480-6", 128, "mm[Hg]", "2024-01-01T08:00:00+07:00"),
        _obs("8462-4", Decimal("82"), "mm[Hg]", "2024-01-01T08:00:00+07:00"),
        _obs("8480-6", 150, "mm[Hg]", "2023-01-01"),  # no diastolic: not a pressure
        _obs("2345-7", Decimal("7.0"), "mmol/L", "2024-03-01"),  # converted
        _obs("29463-7", 150, "[lb_av]", "2024-03-01"),  # another unit: left out
        _obs("29463-7", 70, "kg", "2024-04-01", status="entered-in-error"),
    ])  # fmt: skip
    assert series["blood_pressure"] == [
        {"date": "2024-01-01T08:00:00+07:00", "systolic": 128.0, "diastolic": 82.0},
        {"date": "2025-02-01", "systolic": 142.0, "diastolic": 91.0}]
    assert series["glucose"] == [{"date": "2024-03-01", "value": 126.1}]
    assert "weight" not in series


def test_a_chart_is_svg_with_no_script_or_style() -> None:
    series = measurement_series([_obs("29463-7", 60 + i, "kg", f"202{i}-06-01") for i in range(4)])
    [chart] = book_charts(series, "vi")
    drawn = str(chart.svg)
    assert drawn.startswith("<svg") and "<script" not in drawn and "style" not in drawn
    assert drawn.count("<circle") == 4 and "<title" in drawn and "Cân nặng" in drawn
    assert chart.rows[0] == ("2020-06-01", "60") and chart.x_ticks[0][1] == "2020"


def test_who_growth_curves_for_a_child_under_five() -> None:
    born, today = date(2024, 6, 1), date(2026, 12, 6)
    series = measurement_series([_obs("29463-7", 9.6, "kg", "2025-06-01"),
                                 _obs("8302-2", 75.0, "cm", "2025-06-01")])  # fmt: skip
    charts = {c.key: c for c in growth_charts("2024-06-01", "male", series, "vi", today)}
    assert set(charts) == {"growth_weight", "growth_height"}
    weight = charts["growth_weight"]
    median = next(line for line in weight.lines if line.label == "z = 0")
    at = dict(median.points)
    # WHO 2006 weight-for-age, boys, median: 3.3464 kg at birth, 9.6479 kg at 12 months.
    assert abs(at[0.0] - 3.35) < 0.02 and abs(at[12.0] - 9.65) < 0.02
    [(month, kg)] = weight.lines[-1].points
    assert round(month, 1) == 12.0 and kg == 9.6
    assert "chuẩn WHO 2006" in weight.title and re.search(r"<polyline", str(weight.svg))
    # No curve without a recorded sex, nor past 5 years.
    assert growth_charts("2024-06-01", "unknown", series, "vi", today) == []
    assert growth_charts(str(born.replace(year=2020)), "male", series, "vi", today) == []
