"""Hand-made indicator values for the exchange, API and page tests: two wards of the
city (Sài Gòn 26740, Bến Thành 26743), one facility, November 2026 and the year before.
Every number is written out here so a test can work out its answer by hand."""

from __future__ import annotations

from hoso.warehouse.indicators.model import CITY, FACILITY, WARD, IndicatorDef, IndicatorValue
from hoso.warehouse.indicators.source import StaticSource

SAIGON, BEN_THANH, FACILITY_CODE = "26740", "26743", "79001"

MORBIDITY = IndicatorDef(
    "morbidity-icd10-chapter", "Mắc bệnh theo chương ICD-10", "Morbidity by ICD-10 chapter",
    group=1, scale=100_000, unit_vi="ca / 100.000 dân", categories=("icd10-chapter", "sex"),
    source="QĐ 4469/QĐ-BYT (test)")
COVERAGE = IndicatorDef(
    "immunisation-coverage", "Tỷ lệ tiêm chủng đầy đủ", "Full immunisation coverage",
    group=1, scale=100, unit_vi="%")
VISITS = IndicatorDef("visits", "Số lượt khám", "Visits", group=1, scale=1, unit_vi="lượt")
TOP = IndicatorDef("top-diagnoses", "Chẩn đoán thường gặp", "Top diagnoses", group=1,
                   scale=1, unit_vi="lượt", categories=("icd10",))
DEFINITIONS = (MORBIDITY, COVERAGE, VISITS, TOP)


def _v(defn: IndicatorDef, period: str, kind: str, org: str, n: float,
       d: float | None = None, **cats: str) -> IndicatorValue:  # fmt: skip
    return IndicatorValue(defn.code, period, kind, org, n, d, {k.replace("_", "-"): v
                                                               for k, v in cats.items()})


VALUES = (
    # Sài Gòn, 11/2026: 30 episodes in 45,000 residents; chapter IX 10 (4 women in 22,000).
    _v(MORBIDITY, "2026-11", WARD, SAIGON, 30, 45_000),
    _v(MORBIDITY, "2026-11", WARD, SAIGON, 10, 45_000, icd10_chapter="IX"),
    _v(MORBIDITY, "2026-11", WARD, SAIGON, 20, 45_000, icd10_chapter="X"),
    _v(MORBIDITY, "2026-11", WARD, SAIGON, 4, 22_000, icd10_chapter="IX", sex="female"),
    _v(MORBIDITY, "2026-11", WARD, BEN_THANH, 6, 30_000),
    _v(MORBIDITY, "2026-10", WARD, SAIGON, 15, 45_000),
    _v(MORBIDITY, "2026-11", CITY, "79", 36, 75_000),
    _v(MORBIDITY, "2026-11", CITY, "79", 12, 75_000, icd10_chapter="IX"),
    _v(MORBIDITY, "2026-11", CITY, "79", 24, 75_000, icd10_chapter="X"),
    _v(COVERAGE, "2026-11", WARD, SAIGON, 90, 100),
    _v(COVERAGE, "2026-11", WARD, BEN_THANH, 0, 0),  # no child of the cohort: no rate
    _v(COVERAGE, "2026-11", CITY, "79", 90, 100),
    _v(VISITS, "2026-11", FACILITY, FACILITY_CODE, 1234),
    _v(VISITS, "2026-11", CITY, "79", 1234),
    _v(VISITS, "2026-10", CITY, "79", 1100),
    _v(TOP, "2026-11", CITY, "79", 40, icd10="J06"),
    _v(TOP, "2026-11", CITY, "79", 25, icd10="I10"),
    _v(TOP, "2026-11", CITY, "79", 31, icd10="E11"),
)


def fake_source() -> StaticSource:
    return StaticSource(DEFINITIONS, VALUES)
