"""R_t by the method of Cori et al. (2013), as R's EpiEstim 2.2-4 `estimate_R` computes
it for the methods `parametric_si` and `non_parametric_si` (docs/rt.md).

For a window of time steps [t_start, t_end] (1-based, as in EpiEstim) the posterior
of R is a gamma distribution with
    shape = a_prior + Σ local cases in the window,
    scale = 1 / (1 / b_prior + Σ Λ_t over the window),
where Λ_t = Σ_{s=0}^{t-1} w_s · I_{t-s} is the overall infectivity of all earlier cases
(local and imported) and a_prior, b_prior the gamma prior of mean `mean_prior` and
standard deviation `std_prior`. A window is estimated only when t_end exceeds the mean
of the serial interval; before that every figure is NA (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import gamma

from hoso.publichealth.rt.errors import RtInputError
from hoso.publichealth.rt.incidence import Count, Day, Incidence, incidence_from_series
from hoso.publichealth.rt.serial_interval import check_si_distr, discr_si, si_moments

Method = Literal["parametric_si", "non_parametric_si"]

# EpiEstim's R table: its column names, in its order, after t_start and t_end.
R_COLUMNS = (
    "Mean(R)",
    "Std(R)",
    "Quantile.0.025(R)",
    "Quantile.0.05(R)",
    "Quantile.0.25(R)",
    "Median(R)",
    "Quantile.0.75(R)",
    "Quantile.0.95(R)",
    "Quantile.0.975(R)",
)
QUANTILES = (0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975)

TOO_EARLY = "You're estimating R too early in the epidemic to get the desired posterior CV."


@dataclass(frozen=True)
class RWindow:
    """One row of EpiEstim's `R` table: the window (1-based time steps, and their dates
    when the series has dates) and the posterior of R over it, None where EpiEstim
    gives NA."""

    t_start: int
    t_end: int
    date_start: Day | None
    date_end: Day | None
    mean: float | None
    std: float | None
    quantile_0_025: float | None
    quantile_0_05: float | None
    quantile_0_25: float | None
    median: float | None
    quantile_0_75: float | None
    quantile_0_95: float | None
    quantile_0_975: float | None

    def figures(self) -> tuple[float | None, ...]:
        """The nine figures in EpiEstim's column order (`R_COLUMNS`)."""
        return (
            self.mean,
            self.std,
            self.quantile_0_025,
            self.quantile_0_05,
            self.quantile_0_25,
            self.median,
            self.quantile_0_75,
            self.quantile_0_95,
            self.quantile_0_975,
        )


@dataclass(frozen=True)
class RtEstimate:
    """EpiEstim's `estimate_R` result: the R table, the serial interval used (padded with
    zeros to T + 1 values, as EpiEstim pads it), its moments, and EpiEstim's warnings."""

    windows: tuple[RWindow, ...]
    method: Method
    si_distr: tuple[float, ...]
    si_mean: float
    si_std: float
    notes: tuple[str, ...]


def overall_infectivity(incidence: Incidence, si_distr: Sequence[float]) -> list[float]:
    """EpiEstim's `overall_infectivity`: Λ per time step (NaN for the first one)."""
    total = np.asarray(incidence.total, dtype=float)
    w = np.asarray(si_distr, dtype=float)
    lam = [math.nan]
    for t in range(1, len(total)):
        n = min(t + 1, len(w))
        lam.append(float(np.dot(w[:n], total[t::-1][:n])))
    return lam


def check_times(t_start: Sequence[int], t_end: Sequence[int], steps: int) -> None:
    """EpiEstim's `check_times`: windows within time steps 2 … T, start ≤ end."""
    if len(t_start) != len(t_end):
        raise RtInputError(
            "t_start và t_end phải cùng độ dài", "t_start and t_end must have the same length"
        )
    if any(s > e for s, e in zip(t_start, t_end, strict=True)):
        raise RtInputError("t_start[i] phải ≤ t_end[i]", "t_start[i] must be <= t_end[i] for all i")
    for name, times in (("t_start", t_start), ("t_end", t_end)):
        if any(t < 2 or t > steps or t % 1 != 0 for t in times):
            raise RtInputError(
                f"{name} phải là các số nguyên từ 2 đến số ngày của chuỗi ({steps})",
                f"{name} must be a vector of integers between 2 and the number of "
                f"timesteps in incid ({steps})",
            )


def weekly_windows(steps: int) -> tuple[list[int], list[int]]:
    """EpiEstim's default windows: t_start = 2 … T−6, t_end = t_start + 6."""
    if steps < 8:
        # EpiEstim's seq(2, T - 6) runs backwards below 8 steps; check_times stops.
        raise RtInputError(
            f"cửa sổ tuần mặc định cần ít nhất 8 ngày, chuỗi có {steps}",
            "t_start must be a vector of integers between 2 and the number of "
            f"timesteps in incid (the default weekly windows need 8, not {steps})",
        )
    return sliding_windows(steps, 7)


def sliding_windows(steps: int, days: int) -> tuple[list[int], list[int]]:
    """Windows of `days` time steps sliding by one: t_start = 2 … T−days+1."""
    starts = list(range(2, steps - days + 2))
    return starts, [s + days - 1 for s in starts]


def _serial_interval(
    method: Method,
    steps: int,
    si_mean: float | None,
    si_sd: float | None,
    si_distr: Sequence[float] | None,
) -> list[float]:
    """EpiEstim's `check_config` for the two methods, then the serial interval it uses:
    `discr_si(0 … T−1)` (parametric, so truncated at T−1 days) or the one given,
    padded with zeros to T + 1 values."""
    if method == "parametric_si":
        if si_mean is None or si_sd is None:
            raise RtInputError(
                "phương pháp parametric_si cần si_mean và si_sd",
                "method parametric_si requires si_mean and si_sd",
            )
        if si_mean <= 1:
            raise RtInputError(
                "phương pháp parametric_si cần si_mean > 1",
                "method parametric_si requires a value >1 for mean_si",
            )
        if si_sd <= 0:
            raise RtInputError(
                "phương pháp parametric_si cần si_sd > 0",
                "method parametric_si requires a >0 value for std_si",
            )
        distr = discr_si(range(steps), si_mean, si_sd)
    elif method == "non_parametric_si":
        if si_distr is None:
            raise RtInputError(
                "phương pháp non_parametric_si cần si_distr",
                "si_distr argument is missing but is required for method non_parametric_si",
            )
        check_si_distr(si_distr, "error")
        distr = [float(p) for p in si_distr]
    else:
        raise RtInputError(f"phương pháp không hỗ trợ: {method}", f"unsupported method {method}")
    return distr + [0.0] * (steps + 1 - len(distr))


def _check_priors(mean_prior: float, std_prior: float, cv_posterior: float) -> None:
    """EpiEstim's `process_config` and the end of `check_config`."""
    if mean_prior <= 0:
        raise RtInputError("mean_prior phải > 0", "config$mean_prior must be >0")
    if std_prior <= 0:
        raise RtInputError("std_prior phải > 0", "config$std_prior must be >0")
    if cv_posterior < 0:
        raise RtInputError("cv_posterior phải > 0", "config$cv_posterior must be >0")


def _too_early(
    incidence: Incidence, t_start: int, t_end: int, a_prior: float, cv_posterior: float
) -> bool:
    """EpiEstim warns when the first window holds fewer cases than the posterior
    coefficient of variation asks for; it estimates all the same."""
    wanted = math.inf if cv_posterior == 0 else math.ceil(1 / cv_posterior**2 - a_prior)
    return sum(incidence.total[t_start - 1 : t_end]) < wanted


def _posterior(shape: float, scale: float) -> tuple[float, ...]:
    """Mean, sd and quantiles of gamma(shape, scale), in EpiEstim's column order."""
    q = [float(v) for v in gamma.ppf(QUANTILES, shape, scale=scale)]
    return (shape * scale, math.sqrt(shape) * scale, *q)


def _window(
    incid: Incidence,
    lam: Sequence[float],
    start: int,
    end: int,
    prior: tuple[float, float],
    si_mean: float,
) -> RWindow:
    """One row of the R table: NA unless the window ends after the serial interval's
    mean (EpiEstim's `t_end > final_mean_si`, t_end 1-based)."""
    a_prior, b_prior = prior
    figures: tuple[float | None, ...] = (None,) * len(R_COLUMNS)
    if end > si_mean:
        shape = a_prior + math.fsum(incid.local[start - 1 : end])
        scale = 1 / (1 / b_prior + math.fsum(lam[start - 1 : end]))
        figures = _posterior(shape, scale)
    dates = (incid.dates[start - 1], incid.dates[end - 1]) if incid.dates else (None, None)
    return RWindow(int(start), int(end), *dates, *figures)


def estimate_r(
    incidence: Incidence | Sequence[Count] | Mapping[str, Sequence[Day] | Sequence[Count]],
    method: Method = "parametric_si",
    *,
    si_mean: float | None = None,
    si_sd: float | None = None,
    si_distr: Sequence[float] | None = None,
    t_start: Sequence[int] | None = None,
    t_end: Sequence[int] | None = None,
    mean_prior: float = 5,
    std_prior: float = 5,
    cv_posterior: float = 0.3,
) -> RtEstimate:
    """EpiEstim's `estimate_R(incid, method, config = make_config(...))` for the methods
    `parametric_si` (`si_mean`, `si_sd`) and `non_parametric_si` (`si_distr`, its
    first value for day 0).

    `incidence`: the daily series I, or a mapping with `I` or `local` and `imported`
    (and optionally `dates`), or an `Incidence`. Without `t_start`/`t_end`, weekly
    sliding windows. Raises `RtInputError` wherever EpiEstim stops."""
    _check_priors(mean_prior, std_prior, cv_posterior)
    incid = incidence_from_series(incidence)
    steps = len(incid)
    w = _serial_interval(method, steps, si_mean, si_sd, si_distr)
    if t_start is None or t_end is None:
        t_start, t_end = weekly_windows(steps)
    check_times(t_start, t_end, steps)
    if not t_start:
        raise RtInputError("không có cửa sổ thời gian nào", "no time window to estimate")
    a_prior = (mean_prior / std_prior) ** 2
    b_prior = std_prior**2 / mean_prior
    notes = list(incid.notes)
    if _too_early(incid, t_start[0], t_end[0], a_prior, cv_posterior):
        notes.append(TOO_EARLY)
    lam = overall_infectivity(incid, w)
    sum_warning = check_si_distr(w, "warning")
    if sum_warning:
        notes.append(sum_warning)
    si_mean_used, si_std_used = si_moments(w)
    windows = tuple(
        _window(incid, lam, start, end, (a_prior, b_prior), si_mean_used)
        for start, end in zip(t_start, t_end, strict=True)
    )
    return RtEstimate(windows, method, tuple(w), si_mean_used, si_std_used, tuple(notes))
