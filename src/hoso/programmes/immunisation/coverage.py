"""Coverage per antigen and dose for one birth cohort of one ward (issue 19 point 2):
the children of the cohort whose doses counted reach each dose, over the population
denominator (children born in the ward that year, `prog_imm_cohort`) when one is on
file, else over the children the record holds (said so in the result: a coverage over
registered children overstates it when children are missing from the record).

Numerators come from each child's latest assessment (`doses_<antigen>` measures), so
they follow the schedule's counting rules (minimum ages and intervals, combinations)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hoso.core.errors import InvalidRequest
from hoso.programmes.immunisation.schedule import Schedule

__all__ = ["CoverageRow", "cohort_coverage", "parse_cohorts"]

_WARD = re.compile(r"^\d{5}$")


@dataclass(frozen=True, slots=True)
class CoverageRow:
    antigen: str
    dose: int
    name: Mapping[str, str]
    vaccinated: int
    registered: int
    denominator: int
    basis: str  # "population" | "registered"

    @property
    def coverage(self) -> float | None:
        return self.vaccinated / self.denominator if self.denominator else None

    def as_json(self) -> dict[str, Any]:
        share = self.coverage
        return {"antigen": self.antigen, "dose": self.dose, "name": dict(self.name),
                "vaccinated": self.vaccinated, "registered": self.registered,
                "denominator": self.denominator, "basis": self.basis,
                "coverage": None if share is None else round(share, 4)}  # fmt: skip


def cohort_coverage(schedule: Schedule, measures: Sequence[Mapping[str, Any]],
                    population: int | None) -> list[CoverageRow]:  # fmt: skip
    """One row per dose of the schedule, in its order."""
    registered = len(measures)
    denominator, basis = (population, "population") if population else (registered,
                                                                         "registered")  # fmt: skip
    rows = []
    for series in schedule.series:
        counts = [int(m.get(f"doses_{series.antigen}") or 0) for m in measures]
        for dose in series.doses:
            rows.append(CoverageRow(series.antigen, dose.number, series.name,
                                    sum(1 for c in counts if c >= dose.number), registered,
                                    denominator, basis))  # fmt: skip
    return rows


def parse_cohorts(text: str) -> list[tuple[str, int, int]]:
    """`ward,birth_year,children` lines, all checked before any is stored."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != ["ward", "birth_year", "children"]:
        raise InvalidRequest("Dòng 1: ward,birth_year,children / Line 1: ward,birth_year,children")
    found = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 3 or not _WARD.match(cells[0].strip()) or not all(
                c.strip().isascii() and c.strip().isdigit() for c in cells[1:]):  # fmt: skip
            raise InvalidRequest(f"Dòng {line}: không hợp lệ / Line {line}: invalid",
                                 expression=[f"line {line}"])  # fmt: skip
        ward, year, children = cells[0].strip(), int(cells[1]), int(cells[2])
        if not 1990 <= year <= 2100 or not 0 <= children <= 200_000:
            raise InvalidRequest(f"Dòng {line}: ngoài khoảng / Line {line}: out of range",
                                 expression=[f"line {line}"])  # fmt: skip
        found.append((ward, year, children))
    return found
