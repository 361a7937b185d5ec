"""What an indicator is and what computing one gives, for every consumer alike: the
dashboards, the FHIR Measure/MeasureReport exchange and the DHIS2 export.

An indicator is computed by an analysis (Ibis, on DuckDB or Spark) into `IndicatorValue`s:
one number per period × organisation unit × category combination, with its numerator and,
where the indicator is a rate, its denominator (`scale` says per what: 1 for a count,
100 for a percentage, 10_000 or 100_000 per population).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CITY", "FACILITY", "WARD", "IndicatorDef", "IndicatorValue"]

# Organisation unit kinds: the city (code "79", HCMC's province code), a ward (its
# 5-digit national code) or a facility (its MA_CSKCB or the Organization's pseudonym).
CITY, WARD, FACILITY = "city", "ward", "facility"


@dataclass(frozen=True, slots=True)
class IndicatorDef:
    code: str  # stable, lower-case with dashes: "morbidity-icd10-chapter"
    name_vi: str
    name_en: str
    group: int  # the warehouse group: 1 residents' health, 2 resources, 3 licences
    scale: int  # 1: a count; 100: %; 1000, 10_000, 100_000: per that many
    unit_vi: str  # "ca / 100.000 dân", "%", "lượt"
    categories: tuple[str, ...] = ()  # dimensions: "icd10-chapter", "age-band", "sex", …
    description_vi: str = ""
    description_en: str = ""
    source: str = ""  # where the definition comes from (a decision, a WHO guide, HOUSE)


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    indicator: str  # IndicatorDef.code
    period: str  # "2026-11" (a month) or "2026" (a year)
    org_kind: str  # CITY | WARD | FACILITY
    org: str
    numerator: float
    denominator: float | None = None  # None for a count
    categories: dict[str, str] = field(default_factory=dict)  # dimension → option code

    @property
    def value(self) -> float | None:
        """numerator / denominator (shown × the definition's `scale`); a count's value
        is its numerator; None when the denominator is 0."""
        if self.denominator is None:
            return self.numerator
        return None if not self.denominator else self.numerator / self.denominator
