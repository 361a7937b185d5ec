"""Readings in one unit each: mg/dL and mmol/L glucose, IFCC HbA1c, paired BP."""

from __future__ import annotations

from datetime import date

import pytest

from hoso.programmes.chronic.readings import (
    blood_pressures,
    fasting_glucose,
    glucose_mmol,
    hba1c,
    hba1c_percent,
)
from tests.builders.programmes import LOINC, lab, record


@pytest.mark.parametrize(("value", "unit", "loinc", "mmol"), [
    (126, "mg/dL", "1558-6", 6.99),  # 126 / 18.016
    (7.5, "mmol/L", "1558-6", 7.5),  # a glucometer's mmol/L under the mass code
    (7.5, None, "14771-0", 7.5),  # no unit: the moles code means mmol/L
    (90, None, "1558-6", 5.0),  # no unit: the mass code means mg/dL
    (130, "mg/dl", "14771-0", 7.22),  # the unit wins over the code
])  # fmt: skip
def test_glucose_in_mmol_per_litre(value: float, unit: str | None, loinc: str,
                                   mmol: float) -> None:  # fmt: skip
    converted = glucose_mmol(value, unit, loinc)
    assert converted is not None and round(converted, 2) == mmol


def test_a_glucose_in_an_unknown_unit_is_left_out() -> None:
    assert glucose_mmol(1.2, "g/L", "1558-6") is None
    r = record("1960-01-01", lab("1558-6", 1.2, "g/L", "2026-11-01"),
               lab("1558-6", 144, "mg/dL", "2026-11-02"))  # fmt: skip
    assert [round(g.value, 2) for g in fasting_glucose(r)] == [7.99]


def test_hba1c_ifcc_is_converted_to_ngsp_percent() -> None:
    assert hba1c_percent(53, "mmol/mol", "4548-4") == 7.0  # 0.09148 × 53 + 2.152
    assert hba1c_percent(6.8, "%", "4548-4") == 6.8
    r = record("1960-01-01", lab("59261-8", 48, "mmol/mol", "2026-10-01"))
    assert [a.value for a in hba1c(r)] == [6.54]


def test_separate_systolic_and_diastolic_observations_pair_by_time() -> None:
    when = "2026-11-03T08:00:00+07:00"

    def single(code: str, value: int) -> dict:
        return {"resourceType": "Observation", "status": "final", "effectiveDateTime": when,
                "code": {"coding": [{"system": LOINC, "code": code}]},
                "valueQuantity": {"value": value, "code": "mm[Hg]"}}  # fmt: skip

    r = record("1960-01-01", single("8480-6", 150), single("8462-4", 92),
               {**single("8480-6", 170), "status": "entered-in-error"})  # fmt: skip
    [bp] = blood_pressures(r)
    assert (bp.day, bp.systolic, bp.diastolic) == (date(2026, 11, 3), 150, 92)


def test_a_reading_at_night_utc_is_the_next_local_day() -> None:
    r = record("1960-01-01", {**lab("1558-6", 110, "mg/dL", "2026-11-01"),
                              "effectiveDateTime": "2026-11-01T20:00:00Z"})  # fmt: skip
    assert fasting_glucose(r)[0].day == date(2026, 11, 2)


def test_values_read_back_from_the_store_as_decimals_count() -> None:
    from hoso.core import jsonx

    stored = jsonx.loads(jsonx.dumps(lab("14771-0", 7.5, "mmol/L", "2026-11-01")))
    assert not isinstance(stored["valueQuantity"]["value"], float)  # exact: a Decimal
    assert [g.value for g in fasting_glucose(record("1960-01-01", stored))] == [7.5]
