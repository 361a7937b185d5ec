"""EpiEstim's reference outputs (tools/r/epiestim_reference.R): the cases it ran, their
inputs and R tables, read with the csv module only (not the code under test)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    si_mean: float | None
    si_sd: float | None
    si_distr_file: str
    windows: str  # default | sliding | custom
    window: int | None
    mean_prior: float
    std_prior: float

    @property
    def incidence_file(self) -> Path:
        return REFERENCE / f"{self.name}_incidence.csv"

    @property
    def r_file(self) -> Path:
        return REFERENCE / f"{self.name}_R.csv"


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def cases() -> list[Case]:
    with (REFERENCE / "cases.csv").open(newline="") as f:
        return [
            Case(
                row["case"],
                row["method"],
                _number(row["si_mean"]),
                _number(row["si_sd"]),
                row["si_distr"],
                row["windows"],
                int(row["window"]) if row["window"] else None,
                float(row["mean_prior"]),
                float(row["std_prior"]),
            )
            for row in csv.DictReader(f)
        ]


def incidence_series(case: Case) -> dict[str, list]:
    """The input as EpiEstim's data frame: dates and I, or dates, local and imported."""
    with case.incidence_file.open(newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c != "dates"]
    first = rows[0]["dates"]
    dates = [date.fromisoformat(r["dates"]) if "-" in first else int(r["dates"]) for r in rows]
    return {"dates": dates} | {c: [float(r[c]) for r in rows] for c in columns}


def si_distr(case: Case) -> list[float]:
    with (REFERENCE / case.si_distr_file).open(newline="") as f:
        return [float(r["p"]) for r in csv.DictReader(f)]


def r_table(path: Path) -> tuple[list[str], list[tuple[int, int, list[float | None]]]]:
    """Header and rows (t_start, t_end, the nine figures, None for NA)."""
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [(int(r[0]), int(r[1]), [_number(c) for c in r[2:]]) for r in reader]
    return header, rows


def assert_same_figures(ours: list[float | None], epiestim: list[float | None]) -> None:
    """NA exactly where EpiEstim has NA; numbers within a relative 1e-6."""
    assert len(ours) == len(epiestim)
    for mine, theirs in zip(ours, epiestim, strict=True):
        if theirs is None:
            assert mine is None
        else:
            assert mine is not None
            assert math.isclose(mine, theirs, rel_tol=1e-6, abs_tol=1e-12), (mine, theirs)
