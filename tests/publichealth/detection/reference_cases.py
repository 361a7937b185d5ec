"""The reference cases R wrote (tools/r/surveillance_reference.R): the manifest, the
input series and R's results, and each case's controls as Python keywords and as CLI
options."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hoso.publichealth.detection import NOUFAILY, FarringtonControl
from hoso.publichealth.detection.series_csv import LabelledSeries, read_series

REFERENCE = Path(__file__).parent / "reference"
SNAKE = {
    "weightsThreshold": "weights_threshold", "pThresholdTrend": "p_threshold_trend",
    "populationOffset": "population_offset", "noPeriods": "no_periods",
    "pastWeeksNotIncluded": "past_weeks_not_included", "thresholdMethod": "threshold_method",
    "minSigma": "min_sigma",
}  # fmt: skip
NOUFAILY_KEYS = {"noPeriods": "10", "pastWeeksNotIncluded": "26", "pThresholdTrend": "1",
                 "thresholdMethod": "nbPlugin"}  # fmt: skip


@dataclass(frozen=True)
class RResult:
    labels: list[str]
    count: np.ndarray
    upperbound: np.ndarray
    expected: np.ndarray
    alarm: list[bool | None]


@dataclass(frozen=True)
class ReferenceCase:
    """One row of cases.csv."""

    name: str
    series_name: str
    method: str
    controls: dict[str, str]

    def __str__(self) -> str:
        return self.name

    def series(self) -> LabelledSeries:
        return read_series(REFERENCE / "series" / f"{self.series_name}.csv")

    def result(self) -> RResult:
        return read_result(REFERENCE / f"{self.name}.csv")

    @property
    def range(self) -> list[int] | None:
        if "range" not in self.controls:
            return None
        first, last = (int(x) for x in self.controls["range"].split(":"))
        return list(range(first, last + 1))

    def farrington_control(self) -> FarringtonControl:
        values = {SNAKE.get(k, k): _value(k, v) for k, v in self.controls.items() if k != "range"}
        preset = all(self.controls.get(k) == v for k, v in NOUFAILY_KEYS.items())
        base = NOUFAILY if preset else FarringtonControl()
        return FarringtonControl(**{**base.__dict__, **values})

    def ears_keywords(self) -> dict[str, Any]:
        values = {SNAKE.get(k, k): _value(k, v) for k, v in self.controls.items() if k != "range"}
        return {**values, "range": self.range}

    def cli_options(self) -> list[str]:
        """The case as `hoso surveillance detect` options (the noufaily preset by name)."""
        controls = dict(self.controls)
        if self.method == "ears":
            options = ["--method", f"ears-{controls.pop('method').lower()}"]
        elif all(controls.get(k) == v for k, v in NOUFAILY_KEYS.items()):
            options = ["--method", "noufaily"]
            for key in NOUFAILY_KEYS:
                del controls[key]
        else:
            options = ["--method", "farrington"]
        for key, value in controls.items():
            flag = "--" + SNAKE.get(key, key).replace("_", "-")
            if value in ("TRUE", "FALSE"):
                options.append(flag if value == "TRUE" else flag.replace("--", "--no-", 1))
            else:
                options += [flag, value]
        return options


def _value(key: str, text: str) -> object:
    if text in ("TRUE", "FALSE"):
        return text == "TRUE"
    if key == "limit54":
        first, second = (int(x) for x in text.split(","))
        return (first, second)
    if key in ("b", "w", "noPeriods", "pastWeeksNotIncluded", "baseline"):
        return int(text)
    if key in ("alpha", "weightsThreshold", "pThresholdTrend", "minSigma"):
        return float(text)
    return text


def _float(text: str) -> float:
    return float(text) if text != "" else float("nan")


def read_result(path: Path) -> RResult:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    label = "date" if "date" in rows[0] else "t"
    return RResult(
        labels=[row[label] for row in rows],
        count=np.array([float(row["count"]) for row in rows]),
        upperbound=np.array([_float(row["upperbound"]) for row in rows]),
        expected=np.array([_float(row["expected"]) for row in rows]),
        alarm=[None if row["alarm"] == "" else row["alarm"] == "TRUE" for row in rows],
    )


def cases() -> list[ReferenceCase]:
    with (REFERENCE / "cases.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        ReferenceCase(row["case"], row["series"], row["method"],
                      dict(part.split("=", 1) for part in row["controls"].split(";") if part))
        for row in rows
    ]  # fmt: skip


def assert_matches_r(upperbound: np.ndarray, expected: np.ndarray, alarm: list, r: RResult) -> None:
    """1e-6 relative and absolute on the bounds and expected values (NaN where R has NA),
    alarms exactly, NA included."""
    np.testing.assert_allclose(upperbound, r.upperbound, rtol=1e-6, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(expected, r.expected, rtol=1e-6, atol=1e-6, equal_nan=True)
    assert list(alarm) == r.alarm
