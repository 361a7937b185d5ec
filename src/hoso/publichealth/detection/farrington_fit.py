"""The model fit of farringtonFlexible, batched: R's
`algo.farrington.fitGLM.flexible` (quasi-Poisson with or without time trend, the
fallback without trend when the fit with it does not converge, the reweighting by
Anscombe residuals) over many (series, week) problems at once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from hoso.publichealth.detection.baseline import BaselineLayout
from hoso.publichealth.detection.quasipoisson import fit_quasipoisson

if TYPE_CHECKING:
    from hoso.publichealth.detection.farrington import FarringtonControl


@dataclass
class WeekProblems:
    """One problem per (week, series), week-major. `design` holds the intercept, the
    time centred on the week evaluated, and one indicator per seasonal group other than
    the evaluated week's (R's treatment contrasts, reference level moved: the fitted
    values are the same)."""

    design: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    offset: np.ndarray
    offset_now: np.ndarray
    y_now: np.ndarray
    recent_sum: np.ndarray
    max_count: np.ndarray

    @property
    def size(self) -> int:
        return int(self.y.shape[0])

    @classmethod
    def build(
        cls,
        counts: np.ndarray,
        population: np.ndarray | None,
        positions: np.ndarray,
        layouts: list[BaselineLayout],
        control: FarringtonControl,
    ) -> WeekProblems:
        """Problems for `positions` (1-based), whose `layouts` share one shape."""
        rows = np.stack([layout.rows for layout in layouts])  # (weeks, N)
        time = np.stack([layout.time for layout in layouts])
        group = np.stack([layout.group for layout in layouts])
        others = [g for g in np.unique(group) if g != control.no_periods]
        design = np.stack(
            [np.ones_like(time), time, *[(group == g).astype(float) for g in others]], axis=2
        )
        series = counts.shape[0]
        y = counts[:, rows].transpose(1, 0, 2).reshape(-1, rows.shape[1])
        offset = np.zeros_like(y)
        offset_now = np.zeros(y.shape[0])
        if control.population_offset and population is not None:
            offset = np.log(population[:, rows]).transpose(1, 0, 2).reshape(y.shape)
            offset_now = np.log(population[:, positions - 1]).T.reshape(-1)
        last = control.limit54[1]
        recent = np.stack([counts[:, k - last : k].sum(axis=1) for k in positions])
        return cls(
            design=np.repeat(design, series, axis=0),
            y=y,
            mask=np.ones_like(y),
            offset=offset,
            offset_now=offset_now,
            y_now=counts[:, positions - 1].T.reshape(-1),
            recent_sum=recent.reshape(-1),
            max_count=y.max(axis=1),
        )


@dataclass
class FlexibleFit:
    """What the thresholds read from each problem's final model."""

    trend: np.ndarray
    ok: np.ndarray
    intercept: np.ndarray
    slope: np.ndarray
    var_intercept: np.ndarray
    var_slope: np.ndarray
    dispersion: np.ndarray
    df: np.ndarray
    phi: np.ndarray
    mu: np.ndarray
    hat: np.ndarray

    @classmethod
    def empty(cls, size: int, rows: int) -> FlexibleFit:
        values = {f.name: np.full(size, np.nan) for f in fields(cls)}
        values.update(trend=np.zeros(size, bool), ok=np.zeros(size, bool))
        values.update(mu=np.full((size, rows), np.nan), hat=np.full((size, rows), np.nan))
        return cls(**values)

    def assign(self, where: np.ndarray, other: FlexibleFit) -> None:
        for f in fields(self):
            getattr(self, f.name)[where] = getattr(other, f.name)


def _glm(
    problems: WeekProblems, which: np.ndarray, trend: np.ndarray, prior: np.ndarray
) -> FlexibleFit:
    """glm(quasipoisson) of the problems `which`, with time where `trend`."""
    result = FlexibleFit.empty(which.size, problems.y.shape[1])
    result.trend[:] = trend
    for with_time in (True, False):
        local = np.flatnonzero(trend == with_time)
        if local.size == 0:
            continue
        chosen = which[local]
        design = problems.design[chosen]
        if not with_time:
            design = np.delete(design, 1, axis=2)
        fit = fit_quasipoisson(design, problems.y[chosen], problems.mask[chosen],
                               prior[local], problems.offset[chosen])  # fmt: skip
        result.ok[local] = fit.converged
        result.intercept[local] = fit.coef[:, 0]
        result.slope[local] = fit.coef[:, 1] if with_time else np.nan
        result.var_intercept[local] = fit.var_intercept
        result.var_slope[local] = fit.var_time if with_time else np.nan
        result.dispersion[local], result.df[local] = fit.dispersion, fit.df_residual
        result.mu[local], result.hat[local] = fit.mu, fit.hat
    result.phi = np.maximum(result.dispersion, 1.0)
    return result


def omega_weights(
    y: np.ndarray, fit: FlexibleFit, mask: np.ndarray, threshold: float
) -> np.ndarray:
    """algo.farrington.assign.weights over anscombe.residuals(model, phi)."""
    mu, phi = fit.mu, fit.phi[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi * (1 - fit.hat))
        big = (s > threshold) & (mask > 0)
        part = np.where(big, s**-2.0, 1.0) * mask
        gamma = mask.sum(axis=1) / part.sum(axis=1)
        return gamma[:, None] * np.where(big, s**-2.0, 1.0) * mask


def flexible_fit(
    problems: WeekProblems, which: np.ndarray, trend: bool, control: FarringtonControl
) -> FlexibleFit:
    """algo.farrington.fitGLM.flexible for the problems `which`. `ok` is False where R
    returns NULL (no convergence with nor without trend); the reweighted fit's
    convergence is not checked, as in R."""
    ones = np.ones((which.size, problems.y.shape[1]))
    with_time = np.full(which.size, trend)
    fit = _glm(problems, which, with_time, ones)
    if trend and not fit.ok.all():
        retry = np.flatnonzero(~fit.ok)
        with_time[retry] = False
        fit.assign(retry, _glm(problems, which[retry], with_time[retry], ones[retry]))
    ok = fit.ok.copy()
    if control.reweight:
        omega = omega_weights(problems.y[which], fit, problems.mask[which],
                              control.weights_threshold)  # fmt: skip
        fit = _glm(problems, which, with_time, omega)
        fit.dispersion = _overwritten_dispersion(problems.y[which], fit, omega)
    fit.ok = ok
    return fit


def _overwritten_dispersion(y: np.ndarray, fit: FlexibleFit, omega: np.ndarray) -> np.ndarray:
    """R stores omega as the reweighted model's `weights` (`model$weights <- omega`),
    where glm keeps its working weights; summary.glm, which predict.glm's standard error
    and the trend's p-value read, then estimates the dispersion as
    sum(omega * ((y - mu) / mu)^2) / df. `phi` was taken before, from the true one."""
    residual = (y - fit.mu) / fit.mu
    with np.errstate(divide="ignore", invalid="ignore"):
        return (omega * residual * residual).sum(axis=1) / fit.df
