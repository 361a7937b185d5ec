"""The serial interval as EpiEstim represents it: a distribution over whole days
0, 1, 2, … whose first value (day 0) is 0.

`discr_si` is EpiEstim's `discr_si`: the gamma distribution of mean `mu - 1` and
standard deviation `sigma`, shifted by one day and discretised by integrating it
against a triangle kernel (Cori et al. 2013, web appendix 11), so that `p(0) = 0` and
the discretised mean is `mu`. `check_si_distr` is EpiEstim's `check_si_distr`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy.stats import gamma

from hoso.publichealth.rt.errors import RtInputError

# EpiEstim accepts a serial interval whose sum is within 0.01 of 1, and uses it as
# given (it does not renormalise).
SUM_TOLERANCE = 0.01


def discr_si(k: Sequence[int] | int, mu: float, sigma: float) -> list[float]:
    """EpiEstim's `discr_si(k, mu, sigma)`: P(serial interval = k days) for each k.

    Raises `RtInputError` where EpiEstim stops: sigma < 0, mu <= 1, any k < 0. As in
    EpiEstim, sigma = 0 gives NaN for every k (a degenerate gamma)."""
    days = np.atleast_1d(np.asarray(k, dtype=float))
    if sigma < 0:
        raise RtInputError("sigma phải ≥ 0", "sigma must be >=0")
    if mu <= 1:
        raise RtInputError("mu phải > 1", "mu must be >1")
    if np.any(days < 0):
        raise RtInputError("mọi giá trị k phải ≥ 0", "all values in k must be >=0")
    if sigma == 0:
        return [math.nan] * len(days)
    shape = ((mu - 1) / sigma) ** 2
    scale = sigma**2 / (mu - 1)

    def cdf(x: np.ndarray, a: float) -> np.ndarray:
        return np.asarray(gamma.cdf(x, a, scale=scale))

    res = days * cdf(days, shape) + (days - 2) * cdf(days - 2, shape)
    res = res - 2 * (days - 1) * cdf(days - 1, shape)
    res = res + shape * scale * (
        2 * cdf(days - 1, shape + 1) - cdf(days - 2, shape + 1) - cdf(days, shape + 1)
    )
    # R's max(0, NaN) is NaN; np.maximum keeps NaN as well.
    return [float(v) for v in np.maximum(0.0, res)]


def check_si_distr(
    si_distr: Sequence[float], sum_to_one: Literal["error", "warning"] = "error"
) -> str | None:
    """EpiEstim's `check_si_distr`: raise `RtInputError` when the first value is not 0
    or a value is negative; when the sum is more than 0.01 away from 1, raise
    (`"error"`) or return the warning EpiEstim would give (`"warning"`)."""
    if len(si_distr) == 0:
        raise RtInputError("phân bố khoảng nối tiếp trống", "si_distr is empty")
    if any(math.isnan(p) for p in si_distr):
        raise RtInputError(
            "phân bố khoảng nối tiếp có giá trị không xác định (NaN)",
            "si_distr contains an undefined value (NaN)",
        )
    if si_distr[0] != 0:
        raise RtInputError(
            "phân bố khoảng nối tiếp phải có giá trị đầu tiên (k = 0) bằng 0",
            "si_distr should be so that si_distr[1] = 0 (the value for k = 0)",
        )
    if any(p < 0 for p in si_distr):
        raise RtInputError(
            "phân bố khoảng nối tiếp có giá trị âm", "si_distr must be a positive vector"
        )
    if abs(math.fsum(si_distr) - 1) > SUM_TOLERANCE:
        if sum_to_one == "error":
            raise RtInputError("tổng phân bố khoảng nối tiếp phải bằng 1", "si_distr must sum to 1")
        return "si_distr does not sum to 1."
    return None


def si_moments(si_distr: Sequence[float]) -> tuple[float, float]:
    """Mean and standard deviation of a discrete serial interval over days 0, 1, …
    (EpiEstim's `SI.Moments`), as EpiEstim computes them: from the values as given,
    not renormalised."""
    mean = math.fsum(p * k for k, p in enumerate(si_distr))
    second = math.fsum(p * k * k for k, p in enumerate(si_distr))
    return mean, math.sqrt(second - mean**2)
