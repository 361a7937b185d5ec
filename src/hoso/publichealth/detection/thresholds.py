"""The upper bound of a Farrington fit: R's `algo.farrington.threshold.farrington`
("delta": a power-transformed normal bound on the mean) and
`algo.farrington.threshold.noufaily` ("nbPlugin", "muan": a negative-binomial
quantile). Vectorised over the evaluated weeks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

DOUBLE_EPS = float(np.finfo(float).eps)
EXPONENTS = {"none": 1.0, "1/2": 0.5, "2/3": 2.0 / 3.0}


@dataclass(frozen=True)
class Bound:
    """R's `lu`: the upper bound, the upper-tail probability of the count (`prob`,
    R's `control$pvalue`) and the score (y - predFit) / (upper - predFit)."""

    upper: np.ndarray
    pvalue: np.ndarray
    score: np.ndarray


def delta_bound(
    mu0: np.ndarray, se: np.ndarray, phi: np.ndarray, powertrans: str, alpha: float, y: np.ndarray
) -> Bound:
    """Farrington (1996): mu0 and se on the response scale (predict type "response")."""
    if powertrans not in EXPONENTS:
        raise ValueError("No proper exponent in algo.farrington.threshold.")
    tau = phi + se * se / mu0
    exponent = EXPONENTS[powertrans]
    if powertrans == "none":
        sd = np.sqrt(mu0 * tau)
    elif powertrans == "1/2":
        sd = np.sqrt(0.25 * tau)
    else:
        sd = np.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
    z = stats.norm.ppf(1 - alpha)
    with np.errstate(invalid="ignore"):
        low = (mu0**exponent - z * sd) ** (1.0 / exponent)
        high = (mu0**exponent + z * sd) ** (1.0 / exponent)
        # sort(c(low, high), na.last = FALSE)[2]: the larger, or the one that is not NaN
        upper = np.where(np.isnan(low), high, np.where(np.isnan(high), low, np.fmax(low, high)))
        pvalue = stats.norm.sf(y**exponent, loc=mu0**exponent, scale=sd)
        score = np.where(np.isnan(upper), np.nan, (y - mu0) / (upper - mu0))
    return Bound(upper, pvalue, score)


Law = Callable[[np.ndarray], np.ndarray]


def _discrete_quantile(p: float, cdf: Law, ppf: Law) -> np.ndarray:
    """Smallest y >= 0 with cdf(y) >= p (1 + 8 eps): R 4.2's q_DISCRETE_BODY search,
    its fuzz for left continuity included."""
    target = p * (1 + 8 * DOUBLE_EPS)
    y = np.maximum(np.nan_to_num(ppf(target), nan=0.0, posinf=0.0), 0.0)
    for _ in range(3):
        y = np.where((y > 0) & (cdf(y - 1) >= target), y - 1, y)
        y = np.where(cdf(y) < target, y + 1, y)
    return y


def plugin_bound(
    eta0: np.ndarray,
    se_eta: np.ndarray,
    phi: np.ndarray,
    method: str,
    alpha: float,
    y: np.ndarray,
) -> Bound:
    """Noufaily et al. (2013): eta0 and se_eta on the link scale (type "link"). The
    score divides by (upper - eta0), the *log* mean, as R does."""
    if method == "nbPlugin":
        mean = np.exp(eta0)
    else:  # muan: the (1 - alpha) quantile of the mean's normal on the link scale
        mean = np.exp(stats.norm.ppf(1 - alpha, loc=eta0, scale=se_eta))
    infinite = ~np.isfinite(mean)
    mean = np.where(infinite, 1.0, mean)
    over = phi > 1
    size = np.where(over, mean / np.where(over, phi - 1, 1.0), 1.0)
    prob = 1.0 / phi

    def nb_cdf(k: np.ndarray) -> np.ndarray:
        return special.betainc(size, k + 1, prob)

    upper = np.where(
        over,
        _discrete_quantile(1 - alpha, nb_cdf, lambda q: stats.nbinom.ppf(q, size, prob)),
        _discrete_quantile(
            1 - alpha,
            lambda k: stats.poisson.cdf(k, mean),
            lambda q: stats.poisson.ppf(q, mean),
        ),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        pvalue = np.where(
            phi != 1, stats.nbinom.sf(y - 1, size, prob), stats.poisson.sf(y - 1, mean)
        )
    upper = np.where(infinite, np.nan, upper)
    pvalue = np.where(infinite, np.nan, pvalue)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(np.isnan(upper), np.nan, (y - eta0) / (upper - eta0))
    return Bound(upper, pvalue, score)
