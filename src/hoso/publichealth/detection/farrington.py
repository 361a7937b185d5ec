"""R's `surveillance::farringtonFlexible` (1.20.3): Farrington (1996) and Noufaily
(2013) outbreak detection, as R computes it (docs/outbreak-detection.md).

`farrington_flexible` evaluates one series; `farrington_flexible_many` evaluates many
series that share one calendar (the wards × diseases of a daily run) in one batched
computation. Both take a `FarringtonControl` whose fields are R's controls with R's
defaults; `NOUFAILY` is the preset of Noufaily et al.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from hoso.publichealth.detection.baseline import BaselineLayout, baseline_layout
from hoso.publichealth.detection.farrington_fit import FlexibleFit, WeekProblems, flexible_fit
from hoso.publichealth.detection.series import CountSeries, Detection
from hoso.publichealth.detection.thresholds import delta_bound, plugin_bound

THRESHOLD_METHODS = ("delta", "nbPlugin", "muan")
BATCH_CELLS = 2_400_000  # design cells (problems × weeks × columns) per batched fit


@dataclass(frozen=True)
class FarringtonControl:
    """R's `control` list of farringtonFlexible, R's defaults. `past_weeks_not_included`
    None means `w`, as in R. Only R's default fitFun (quasi-Poisson) is ported."""

    b: int = 5
    w: int = 3
    reweight: bool = True
    weights_threshold: float = 2.58
    alpha: float = 0.05
    trend: bool = True
    p_threshold_trend: float = 0.05
    limit54: tuple[int, int] = (5, 4)
    powertrans: str = "2/3"
    population_offset: bool = False
    no_periods: int = 1
    past_weeks_not_included: int | None = None
    threshold_method: str = "delta"

    def checked(self) -> FarringtonControl:
        """The control with R's checks applied and `past_weeks_not_included` set."""
        if self.threshold_method not in THRESHOLD_METHODS:
            raise ValueError(f"thresholdMethod must be one of {', '.join(THRESHOLD_METHODS)}")
        if self.powertrans not in ("2/3", "1/2", "none"):
            raise ValueError("powertrans must be one of 2/3, 1/2, none")
        if not (self.limit54[0] >= 0 and self.limit54[1] > 0):
            raise ValueError("The limit54 arguments are out of bounds: cases >= 0 and period > 0.")
        if self.b < 1 or self.w < 0 or self.no_periods < 1 or not 0 < self.alpha < 1:
            raise ValueError("b >= 1, w >= 0, noPeriods >= 1 and 0 < alpha < 1 are needed")
        past = self.w if self.past_weeks_not_included is None else self.past_weeks_not_included
        if past < 0:
            raise ValueError("pastWeeksNotIncluded must be >= 0")
        return replace(self, past_weeks_not_included=past)


NOUFAILY = FarringtonControl(
    no_periods=10, past_weeks_not_included=26, p_threshold_trend=1.0, threshold_method="nbPlugin"
)


@dataclass(frozen=True)
class FarringtonResults:
    """Many series × the evaluated positions: arrays of shape (series, positions);
    `alarm` is 1.0, 0.0 or NaN (R's NA), `trend` 1.0 where the time trend was kept."""

    positions: np.ndarray
    upperbound: np.ndarray
    expected: np.ndarray
    alarm: np.ndarray
    score: np.ndarray
    pvalue: np.ndarray
    trend: np.ndarray


def default_range(n: int, freq: int, control: FarringtonControl) -> np.ndarray:
    """R's default: (freq * b + w + 1):n."""
    first = freq * control.b + control.w + 1
    if first > n:
        raise ValueError(f"the series is too short for b={control.b}: {n} < {first} weeks")
    return np.arange(first, n + 1)


def farrington_flexible(
    series: CountSeries, control: FarringtonControl | None = None, range: list[int] | None = None
) -> Detection:
    """farringtonFlexible(sts, control) over one series; `range` is R's (1-based)."""
    population = None if series.population is None else series.population[None, :]
    many = farrington_flexible_many(series.counts[None, :], series, control, range, population)
    alarm = many.alarm[0]
    return Detection(
        positions=many.positions,
        count=series.counts[many.positions - 1],
        upperbound=many.upperbound[0],
        expected=many.expected[0],
        alarm=tuple(None if np.isnan(a) else bool(a) for a in alarm),
        score=many.score[0],
        pvalue=many.pvalue[0],
        trend=many.trend[0],
    )


def farrington_flexible_many(
    counts: np.ndarray,
    calendar: CountSeries,
    control: FarringtonControl | None = None,
    range: list[int] | None = None,
    population: np.ndarray | None = None,
) -> FarringtonResults:
    """farringtonFlexible over each row of `counts` (series × weeks), all on the dates
    (or frequency) of `calendar`; `population` has the shape of `counts`."""
    control = (control or FarringtonControl()).checked()
    counts = np.asarray(counts, dtype=float)
    n = counts.shape[1]
    if control.population_offset and population is None:
        raise ValueError("populationOffset needs a population")
    positions = np.asarray(default_range(n, calendar.freq, control) if range is None else range)
    if positions.size == 0 or positions.min() < 1 or positions.max() > n:
        raise ValueError(f"the range must lie within the series' 1…{n} weeks")
    if positions.min() - control.limit54[1] + 1 < 1:
        raise ValueError("the range starts before limit54's weeks")
    layouts = [baseline_layout(calendar, int(k), control.b, control.w, control.no_periods,
                               int(control.past_weeks_not_included or 0))
               for k in positions]  # fmt: skip
    shape = (counts.shape[0], positions.size)
    out = {name: np.full(shape, np.nan) for name in FarringtonResults.__dataclass_fields__}
    for columns, layout in _same_shape(layouts):
        _evaluate_weeks(counts, population, positions, columns, layout, control, out)
    out["positions"] = positions
    return FarringtonResults(**out)


def _same_shape(layouts: list[BaselineLayout]) -> list[tuple[np.ndarray, list[BaselineLayout]]]:
    """Positions (column indices) grouped by baseline size and seasonal groups."""
    groups: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for i, layout in enumerate(layouts):
        key = (layout.rows.size, tuple(np.unique(layout.group)))
        groups.setdefault(key, []).append(i)
    return [(np.array(ids), [layouts[i] for i in ids]) for ids in groups.values()]


def _evaluate_weeks(
    counts: np.ndarray,
    population: np.ndarray | None,
    positions: np.ndarray,
    columns: np.ndarray,
    layouts: list[BaselineLayout],
    control: FarringtonControl,
    out: dict[str, np.ndarray],
) -> None:
    """Fit and bound every series at the positions `columns`, whose baselines share a
    shape, in batches of at most BATCH_CELLS design cells (weeks, then series, split)."""
    cells = layouts[0].rows.size * (2 + np.unique(layouts[0].group).size)
    budget = max(1, BATCH_CELLS // cells)
    total = counts.shape[0]
    per_series = min(total, budget)
    per_week = max(1, budget // per_series)
    for start in range(0, columns.size, per_week):
        part = slice(start, start + per_week)
        for first in range(0, total, per_series):
            rows = slice(first, first + per_series)
            pop = None if population is None else population[rows]
            problems = WeekProblems.build(counts[rows], pop, positions[columns[part]],
                                          layouts[part], control)  # fmt: skip
            result = _bound(problems, flexible_fit_with_trend_test(problems, control), control)
            series, weeks = counts[rows].shape[0], columns[part].size
            for name, values in result.items():
                out[name][rows, columns[part]] = values.reshape(weeks, series).T


def flexible_fit_with_trend_test(problems: WeekProblems, control: FarringtonControl) -> FlexibleFit:
    """algo.farrington.glm: fit with trend; keep it only when b >= 3, the trend is
    significant (p < pThresholdTrend) and the prediction does not exceed the baseline's
    largest count; otherwise fit again, from scratch, without trend."""
    everything = np.arange(problems.size)
    fit = flexible_fit(problems, everything, control.trend, control)
    if not fit.trend.any():
        return fit
    eta0 = fit.intercept + problems.offset_now
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_value = fit.slope / np.sqrt(fit.dispersion * fit.var_slope)
        p_value = 2 * stats.t.cdf(-np.abs(t_value), fit.df)
        predicted = np.maximum(np.exp(eta0), np.finfo(float).eps)
    keep = (control.b >= 3) & (p_value < control.p_threshold_trend)
    keep &= predicted <= problems.max_count
    again = np.flatnonzero(fit.trend & ~keep)
    if again.size:
        fit.assign(again, flexible_fit(problems, again, False, control))
    return fit


def _bound(problems: WeekProblems, fit: FlexibleFit, control: FarringtonControl) -> dict:
    """The threshold, limit54 and alarm of farringtonFlexible's loop body."""
    eta0 = fit.intercept + problems.offset_now
    with np.errstate(invalid="ignore", over="ignore"):
        se_eta = np.sqrt(fit.dispersion * fit.var_intercept)
        mu0 = np.maximum(np.exp(eta0), np.finfo(float).eps)
    y = problems.y_now
    if control.threshold_method == "delta":
        bound = delta_bound(mu0, se_eta * mu0, fit.phi, control.powertrans, control.alpha, y)
        expected = mu0
    else:
        bound = plugin_bound(eta0, se_eta, fit.phi, control.threshold_method, control.alpha, y)
        expected = np.exp(eta0)
    enough = problems.recent_sum >= control.limit54[0]
    alarm = (enough & ~np.isnan(bound.score) & (bound.score > 1) & (y != 0)).astype(float)
    ok = fit.ok
    nan = np.nan
    return {
        "upperbound": np.where(ok & enough, bound.upper, nan),
        "expected": np.where(ok & enough & ~np.isnan(bound.upper), expected, nan),
        "alarm": np.where(ok, alarm, nan),
        "score": np.where(ok, bound.score, nan),
        "pvalue": np.where(ok, bound.pvalue, nan),
        "trend": np.where(ok, fit.trend.astype(float), nan),
    }
