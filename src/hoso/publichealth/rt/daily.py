"""R_t for one disease in one district, from the case registry's daily counts.

The registry counts cases per day of onset (or report) for a disease and a district and
calls `daily_rt` with the disease's serial interval (mean and standard deviation in
days, from the disease's definition). This is EpiEstim's `parametric_si` method on
sliding windows of `window_days` days; the first day's cases count as imported, as
EpiEstim assumes for a series without a local/imported split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from hoso.publichealth.rt.cori import RWindow, estimate_r, sliding_windows
from hoso.publichealth.rt.errors import RtInputError


@dataclass(frozen=True)
class SerialInterval:
    """A disease's serial interval as a gamma distribution: mean (> 1) and standard
    deviation (> 0), in days."""

    mean: float
    sd: float


def daily_rt(
    daily_cases: Mapping[date, int] | Iterable[tuple[date, int]],
    serial_interval: SerialInterval,
    window_days: int = 7,
    *,
    mean_prior: float = 5,
    std_prior: float = 5,
) -> list[RWindow]:
    """R_t over sliding windows of `window_days` days ending on each day from the
    `window_days + 1`-th on, from cases per calendar day.

    Days missing between the first and the last date count 0 cases (a day without a
    report is a day without a case). Each window carries its first and last dates. A
    series too short for one window gives no window (an empty list), not an error;
    windows ending before the serial interval's mean give None figures, as EpiEstim's
    NA. Raises `RtInputError` for negative counts, a window under 2 days or a serial
    interval EpiEstim refuses."""
    if window_days < 2:
        raise RtInputError("cửa sổ phải dài ít nhất 2 ngày", "the window must be >= 2 days")
    counts: dict[date, int] = {}
    pairs = daily_cases.items() if isinstance(daily_cases, Mapping) else daily_cases
    for day, cases in pairs:
        counts[day] = counts.get(day, 0) + cases
    if not counts:
        return []
    first, last = min(counts), max(counts)
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    if len(days) < window_days + 1:
        return []
    t_start, t_end = sliding_windows(len(days), window_days)
    estimate = estimate_r(
        {"dates": days, "I": [counts.get(d, 0) for d in days]},
        "parametric_si",
        si_mean=serial_interval.mean,
        si_sd=serial_interval.sd,
        t_start=t_start,
        t_end=t_end,
        mean_prior=mean_prior,
        std_prior=std_prior,
    )
    return list(estimate.windows)
