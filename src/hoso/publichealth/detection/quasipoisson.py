"""R's `glm(family = quasipoisson(link = "log"))`, many fits at once.

A port of `stats::glm.fit` (R 4.2) batched over problems with numpy: the same start
(`mustart = y + 0.1`), the same iteratively reweighted least squares, the same stopping
rule (|dev - devold| / (|dev| + 0.1) < 1e-8, at most 25 iterations) and, as R leaves
them in the fitted object, the working weights, covariance and hat values of the *last*
least-squares step (weights from the previous iterate's mean) with the final mean. What
`summary.glm`, `predict.glm` and `hatvalues` read is then computed from those.

Each problem has N rows (padding rows carry `mask = 0`) and P columns; column 0 is the
intercept and, when P > 1, column 1 the time, centred on the week predicted, so that
the prediction's linear predictor is the intercept (plus offset) and its variance the
intercept's. Step halving (non-finite deviance) is not ported: such a fit is reported
as not converged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-8
MAXIT = 25
DOUBLE_EPS = float(np.finfo(float).eps)


@dataclass
class QuasiPoissonFit:
    """Per problem: coefficients, convergence, dispersion (summary.glm's, unclamped),
    unscaled variances of the intercept and time coefficient, the fitted means and the
    hat values."""

    coef: np.ndarray
    converged: np.ndarray
    dispersion: np.ndarray
    df_residual: np.ndarray
    var_intercept: np.ndarray
    var_time: np.ndarray
    mu: np.ndarray
    hat: np.ndarray


def weighted_least_squares(
    x: np.ndarray, z: np.ndarray, w2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, unscaled variance of columns 0 and 1, and hat values of the
    weighted fit of z on x (weights w2), batched: x (B, N, P), z and w2 (B, N)."""
    p = x.shape[2]
    if p == 1:
        total = w2.sum(axis=1)
        coef = ((w2 * z).sum(axis=1) / total)[:, None]
        return coef, 1.0 / total, np.full(total.shape, np.nan), w2 / total[:, None]
    if p == 2:
        return _line(x[:, :, 1], z, w2)
    root = np.sqrt(w2)
    q, r = np.linalg.qr(x * root[:, :, None])
    qz = np.einsum("bnp,bn->bp", q, z * root)
    coef = np.linalg.solve(r, qz[:, :, None])[:, :, 0]
    r_inv = np.linalg.inv(r)
    cov = r_inv @ np.swapaxes(r_inv, 1, 2)
    return coef, cov[:, 0, 0], cov[:, 1, 1], (q * q).sum(axis=2)


def _line(t: np.ndarray, z: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intercept and slope in closed form, centred on the weighted mean of t."""
    total = w2.sum(axis=1)
    t_bar = (w2 * t).sum(axis=1) / total
    z_bar = (w2 * z).sum(axis=1) / total
    centred = t - t_bar[:, None]
    sxx = (w2 * centred * centred).sum(axis=1)
    slope = (w2 * centred * (z - z_bar[:, None])).sum(axis=1) / sxx
    intercept = z_bar - slope * t_bar
    var_intercept = 1.0 / total + t_bar * t_bar / sxx
    hat = w2 * (1.0 / total[:, None] + centred * centred / sxx[:, None])
    return np.stack([intercept, slope], axis=1), var_intercept, 1.0 / sxx, hat


def _deviance(y: np.ndarray, mu: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Sum of poisson()$dev.resids: 2 wt (y log(y/mu) - (y - mu)); 2 wt mu where y = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, prior * (y * np.log(y / mu) - (y - mu)), mu * prior)
    return 2.0 * terms.sum(axis=1)


def _linkinv(eta: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), DOUBLE_EPS)


def fit_quasipoisson(
    x: np.ndarray, y: np.ndarray, mask: np.ndarray, prior: np.ndarray, offset: np.ndarray
) -> QuasiPoissonFit:
    """Fit every problem; `prior` are R's prior `weights` (1 or the reweighting's
    omega), `offset` the log population or 0. Shapes: x (B, N, P), the rest (B, N)."""
    batch, _, p = x.shape
    y = np.where(mask > 0, y, 0.0)
    prior = prior * mask
    eta = np.log(y + 0.1)
    mu = _linkinv(eta)
    devold = _deviance(y, mu, prior)
    coef = np.zeros((batch, p))
    w2_last = np.zeros_like(y)
    hat = np.zeros_like(y)
    var0, var1 = np.zeros(batch), np.full(batch, np.nan)
    converged = np.zeros(batch, dtype=bool)
    active = np.arange(batch)
    for _ in range(MAXIT):
        xa, ya, pa, ea, ma = x[active], y[active], prior[active], eta[active], mu[active]
        mu_eta = _linkinv(ea)
        z = ea - offset[active] + (ya - ma) / mu_eta
        w2 = pa * mu_eta * mu_eta / ma
        c, v0, v1, h = weighted_least_squares(xa, z, w2)
        finite = np.all(np.isfinite(c), axis=1)
        if not finite.all():  # R: "non-finite coefficients", conv <- FALSE; break
            active, c, v0, v1, h, w2 = (a[finite] for a in (active, c, v0, v1, h, w2))
            xa, ya, pa = xa[finite], ya[finite], pa[finite]
        new_eta = np.einsum("bnp,bp->bn", xa, c) + offset[active]
        new_mu = _linkinv(new_eta)
        dev = _deviance(ya, new_mu, pa)
        eta[active], mu[active], coef[active] = new_eta, new_mu, c
        w2_last[active], hat[active], var0[active], var1[active] = w2, h, v0, v1
        done = np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < EPSILON
        converged[active[done]] = True
        devold[active] = dev
        active = active[~done & np.isfinite(dev)]
        if active.size == 0:
            break
    residual = (y - mu) / _linkinv(eta)
    n = mask.sum(axis=1)
    df = n - p
    with np.errstate(divide="ignore", invalid="ignore"):
        dispersion = (w2_last * residual * residual).sum(axis=1) / df
    hat = np.where(hat > 1 - 10 * DOUBLE_EPS, 1.0, hat)
    return QuasiPoissonFit(coef, converged, dispersion, df, var0, var1, mu, hat)
