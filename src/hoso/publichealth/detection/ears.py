"""R's `surveillance::earsC` (1.20.3): the CDC's EARS C1, C2 and C3, as R's code
computes them.

C1 compares a week with the mean and standard deviation of the `baseline` weeks just
before it; C2 leaves a gap of two weeks; C3's upper bound is, as R computes it,
x_t + sd_t (z - max(0, C2_{t-2} - 1) - max(0, C2_{t-1} - 1)), floored at 0: the week's
own count cancels out, so a C3 alarm says the two weeks before exceeded their bounds
(docs/outbreak-detection.md).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from hoso.publichealth.detection.series import CountSeries, Detection

LAGS = {"C1": (1, 0), "C2": (3, 2), "C3": (3, 4)}  # first lag; extra weeks before range


def _reference(
    counts: np.ndarray, positions: np.ndarray, first_lag: int, baseline: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (n - 1) of counts at lags first_lag … first_lag + baseline - 1."""
    lags = np.arange(first_lag, first_lag + baseline)
    values = counts[positions[:, None] - lags[None, :] - 1]
    return values.mean(axis=1), values.std(axis=1, ddof=1)


def default_ears_range(n: int, method: str, baseline: int) -> np.ndarray:
    """R's default range: from baseline + 1 (C1), + 3 (C2), + 5 (C3) to the end."""
    first = baseline + 1 + LAGS[method][1]
    return np.arange(first, n + 1)


def ears_c(
    series: CountSeries,
    method: str = "C1",
    baseline: int = 7,
    min_sigma: float = 0.0,
    alpha: float | None = None,
    range: list[int] | None = None,
) -> Detection:
    """earsC(sts, control = list(method, baseline, minSigma, alpha, range)); `alpha`
    None is R's default: 0.001 for C1 and C2, 0.025 for C3."""
    if method not in LAGS:
        raise ValueError("method must be C1, C2 or C3")
    if min_sigma < 0:
        raise ValueError("The minimum sigma parameter (minSigma) needs to be positive")
    if baseline < 3:
        raise ValueError("Minimum baseline to use is 3.")
    if alpha is None:
        alpha = 0.025 if method == "C3" else 0.001
    counts = series.counts
    n = counts.size
    positions = np.sort(np.asarray(
        default_ears_range(n, method, baseline) if range is None else range, dtype=np.int64))
    if positions.size == 0 or positions.max() > n:
        raise ValueError(f"the range must lie within the series' 1…{n} weeks")
    if positions[0] - baseline - LAGS[method][1] < 1:
        raise ValueError("The vector of observed is too short!")
    z = stats.norm.ppf(1 - alpha)
    if method == "C3":
        upper = _c3_bound(counts, positions, baseline, min_sigma, z)
    else:
        mean, sd = _reference(counts, positions, LAGS[method][0], baseline)
        upper = mean + z * np.maximum(sd, min_sigma)
    observed = counts[positions - 1]
    with np.errstate(invalid="ignore"):
        alarm = tuple(
            None if np.isnan(u) else bool(x > u) for x, u in zip(observed, upper, strict=True)
        )
    return Detection(positions, observed, upper, np.full(positions.size, np.nan), alarm)


def _c3_bound(
    counts: np.ndarray, positions: np.ndarray, baseline: int, min_sigma: float, z: float
) -> np.ndarray:
    """R's C3 over `rangeC2 = (min(range) - 2):max(range)`. For a range with gaps R
    recycles the vectors: the i-th position gets its own count but the standard
    deviation and lagged C2 of min(range) + i - 1; that is reproduced."""
    span = np.arange(positions[0] - 2, positions[-1] + 1)
    mean, sd = _reference(counts, span, 3, baseline)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = (counts[span - 1] - mean) / np.maximum(sd, min_sigma)
        lag2 = np.maximum(0.0, c2[:-2] - 1)
        lag1 = np.maximum(0.0, c2[1:-1] - 1)
        spread = np.maximum(sd[2:], min_sigma)
        # np.maximum propagates NaN as R's pmax does
        first = spread[: positions.size] * (z - (lag2 + lag1)[: positions.size])
        return np.maximum(0.0, counts[positions - 1] + first)
