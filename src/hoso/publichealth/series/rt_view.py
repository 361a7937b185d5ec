"""R_t per disease and per district-level grouping, from the case registry's daily
incidence by onset date, through an `RtEstimator` (Cori et al. 2013 as R's EpiEstim
`estimate_R` computes it: `hoso.publichealth.rt`, written elsewhere). This module only
builds the incidence and names the windows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from hoso.publichealth.rt.cori import estimate_r, sliding_windows
from hoso.publichealth.series.counts import COUNTED, CountCell, dense_series, periods
from hoso.publichealth.series.rows import SurveillanceRows

__all__ = ["QUANTILES", "RtEstimator", "RtWindow", "epiestim_estimator", "rt_for_area"]

QUANTILES = ("0.025", "0.05", "0.25", "0.5", "0.75", "0.95", "0.975")


@dataclass(frozen=True, slots=True)
class RtWindow:
    t_start: int  # 1-based days of the incidence, as EpiEstim counts them
    t_end: int
    mean: float
    std: float
    quantiles: Mapping[str, float]  # "0.025" … "0.975"


class RtEstimator(Protocol):
    def __call__(self, incidence: Sequence[int], *, si_mean: float, si_sd: float,
                 window: int = 7) -> list[RtWindow]:  # fmt: skip
        """EpiEstim's parametric_si over sliding windows of `window` days."""
        ...


def epiestim_estimator(incidence: Sequence[int], *, si_mean: float, si_sd: float,
                       window: int = 7) -> list[RtWindow]:  # fmt: skip
    """The `RtEstimator` of production: EpiEstim's parametric_si over sliding windows of
    `window` days (`hoso.publichealth.rt`, identical to EpiEstim 2.2-4); windows EpiEstim
    leaves NA (before the serial interval's mean) are left out; a series too short for
    one window gives none."""
    if len(incidence) < window + 1 or not any(incidence):
        return []
    t_start, t_end = sliding_windows(len(incidence), window)
    estimate = estimate_r(list(incidence), "parametric_si", si_mean=si_mean, si_sd=si_sd,
                          t_start=t_start, t_end=t_end)  # fmt: skip
    return [RtWindow(w.t_start, w.t_end, w.mean, w.std or 0.0,
                     dict(zip(QUANTILES, (w.quantile_0_025, w.quantile_0_05, w.quantile_0_25,
                                          w.median, w.quantile_0_75, w.quantile_0_95,
                                          w.quantile_0_975), strict=True)))
            for w in estimate.windows if w.mean is not None]  # fmt: skip


def rt_for_area(rows: SurveillanceRows, estimator: RtEstimator, *, disease: str,
                si: tuple[float, float], level: str, area: str, last: date,
                days: int = 120, window: int = 7) -> dict[str, object]:  # fmt: skip
    """R_t over the `days` days up to `last`, from the daily incidence by onset date of
    one district-level group (or the city), each window named by its last day."""
    first = last - timedelta(days=days - 1)
    span = periods(first, last, "day")
    found = rows.counts(basis="onset", interval="day", first=first.isoformat(),
                        last=last.isoformat(), classifications=COUNTED, disease=disease)
    cells = (CountCell(*row) for row in found)
    series = dense_series(cells, level, span, areas=(area,))[area]
    key = (estimator, disease, level, area, last, si, window, series.counts)
    windows = _CACHE.get(key)
    if windows is None:
        windows = estimator(list(series.counts), si_mean=si[0], si_sd=si[1], window=window)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = windows
    return {"disease": disease, "level": level, "area": area, "si_mean": si[0],
            "si_sd": si[1], "window": window,
            "incidence": [{"day": d.isoformat(), "cases": n}
                          for d, n in zip(span, series.counts, strict=True)],
            "windows": [{"t_start": w.t_start, "t_end": w.t_end,
                         "end_day": span[w.t_end - 1].isoformat(), "mean": w.mean,
                         "std": w.std, "quantiles": dict(w.quantiles)}
                        for w in windows]}  # fmt: skip


# Computed on request and kept while the incidence it came from is unchanged (the key
# holds the incidence itself): a page reload costs one grouped query, not the estimate.
_CACHE: dict[tuple[object, ...], list[RtWindow]] = {}
_CACHE_SIZE = 256
