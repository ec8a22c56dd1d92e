"""Comparison statistics of an observed image (data d) and a model image (m), on masks.

chi², Cash, C-stat, Pearson r, mean and per-pixel residuals and deviance residuals, gathered by
:func:`compare`. Non-finite pixels are left out, no pixel left gives NaN, and mismatched shapes
raise :class:`~smile_viewer.errors.UserInputError`. Definitions: docs/analysis.md#statistics.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = [
    "ComparisonStats",
    "cash",
    "chi_square",
    "compare",
    "cstat",
    "deviance_residuals",
    "mean_residual",
    "pearson_r",
    "residual_sigma",
    "used_pixels",
]


def _arrays(data, model, sigma=None, mask=None):
    d = np.asarray(data, dtype=float)
    m = np.asarray(model, dtype=float)
    if d.shape != m.shape:
        raise UserInputError(f"data shape {d.shape} and model shape {m.shape} differ")
    s = None
    if sigma is not None:
        s = np.asarray(sigma, dtype=float)
        if s.shape != d.shape:
            s = np.broadcast_to(s, d.shape) if s.ndim == 0 else None
            if s is None:
                raise UserInputError(f"sigma shape {np.shape(sigma)} differs from the data's {d.shape}")
    ok = np.isfinite(d) & np.isfinite(m)
    if s is not None:
        ok &= np.isfinite(s)
    if mask is not None:
        mk = np.asarray(mask)
        if mk.shape != d.shape:
            raise UserInputError(f"mask shape {mk.shape} differs from the data's {d.shape}")
        ok &= mk.astype(bool)
    return d, m, s, ok


def used_pixels(data, model, *, mask=None, sigma=None) -> np.ndarray:
    """Boolean map of the pixels the statistics use (finite data, model and σ, inside ``mask``)."""
    return _arrays(data, model, sigma, mask)[3]


def _check_counts(d: np.ndarray, ok: np.ndarray, what: str) -> None:
    if np.any(d[ok] < 0):
        raise UserInputError(f"{what} needs counts >= 0; the data hold negative values")


def chi_square(data, model, sigma=None, *, mask=None) -> float:
    """χ² = Σ ((d − m)/σ)²; σ = sqrt(model) (Pearson, Poisson counts) when ``sigma`` is None."""
    d, m, s, ok = _arrays(data, model, sigma, mask)
    if s is None:
        ok &= m > 0
        var = m
    else:
        ok &= s > 0
        var = s * s
    if not ok.any():
        return math.nan
    r = d[ok] - m[ok]
    return float(np.sum(r * r / var[ok]))


def cash(data, model, *, mask=None) -> float:
    """Cash statistic C = 2 Σ (m − d ln m) (data: counts ≥ 0)."""
    d, m, _, ok = _arrays(data, model, None, mask)
    if not ok.any():
        return math.nan
    _check_counts(d, ok, "the Cash statistic")
    dd, mm = d[ok], m[ok]
    if np.any((mm <= 0) & (dd > 0)):
        return math.inf
    pos = dd > 0
    total = np.sum(mm) - np.sum(dd[pos] * np.log(mm[pos]))
    return float(2.0 * total)


def _deviance_terms(dd: np.ndarray, mm: np.ndarray) -> np.ndarray:
    """m − d + d ln(d/m) per pixel (≥ 0; inf where m ≤ 0 < d)."""
    out = mm - dd
    pos = dd > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out[pos] += dd[pos] * np.log(dd[pos] / mm[pos])
    out[pos & (mm <= 0)] = np.inf
    return out


def cstat(data, model, *, mask=None) -> float:
    """C-stat (Poisson deviance) 2 Σ (m − d + d ln(d/m)), ≈ χ²(N − p) for enough counts."""
    d, m, _, ok = _arrays(data, model, None, mask)
    if not ok.any():
        return math.nan
    _check_counts(d, ok, "the C-stat")
    return float(2.0 * np.sum(_deviance_terms(d[ok], m[ok])))


def pearson_r(data, model, *, mask=None) -> float:
    """Pearson correlation coefficient of data and model (NaN if either is constant)."""
    d, m, _, ok = _arrays(data, model, None, mask)
    if ok.sum() < 2:
        return math.nan
    a = d[ok] - d[ok].mean()
    b = m[ok] - m[ok].mean()
    den = math.sqrt(float(np.sum(a * a)) * float(np.sum(b * b)))
    if den == 0:
        return math.nan
    return float(np.sum(a * b) / den)


def mean_residual(data, model, *, mask=None) -> float:
    """Mean of (data − model) over the used pixels."""
    d, m, _, ok = _arrays(data, model, None, mask)
    if not ok.any():
        return math.nan
    return float(np.mean(d[ok] - m[ok]))


def residual_sigma(data, model, sigma=None, *, mask=None) -> np.ndarray:
    """(d − m)/σ per pixel, σ = sqrt(model) for counts when ``sigma`` is None; NaN where unused."""
    d, m, s, ok = _arrays(data, model, sigma, mask)
    if s is None:
        ok &= m > 0
        s = np.sqrt(np.where(m > 0, m, np.nan))
    else:
        ok &= s > 0
    out = np.full(d.shape, np.nan)
    out[ok] = (d[ok] - m[ok]) / s[ok]
    return out


def deviance_residuals(data, model, *, mask=None) -> np.ndarray:
    """sign(d − m) sqrt(2 (m − d + d ln(d/m))) per pixel (counts); NaN where unused."""
    d, m, _, ok = _arrays(data, model, None, mask)
    _check_counts(d, ok, "deviance residuals")
    ok &= m > 0
    out = np.full(d.shape, np.nan)
    terms = np.maximum(_deviance_terms(d[ok], m[ok]), 0.0)
    out[ok] = np.sign(d[ok] - m[ok]) * np.sqrt(2.0 * terms)
    return out


@dataclass(frozen=True)
class ComparisonStats:
    """Statistics of one comparison (see the module docstring for each).

    ``n``: pixels used; ``dof``: n − ``n_params``; ``chi2_reduced``: chi2 / dof;
    ``cash``/``cstat``: NaN unless the data are counts (``counts=True``).
    """

    n: int
    dof: int
    chi2: float
    chi2_reduced: float
    cash: float
    cstat: float
    pearson_r: float
    mean_residual: float
    sigma: str

    def to_dict(self) -> dict:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()
        }


def compare(
    data, model, *, sigma=None, counts: bool = False, mask=None, n_params: int = 0
) -> ComparisonStats:
    """All statistics at once. ``counts``: the data are Poisson counts (adds Cash and C-stat;
    χ² then uses σ = sqrt(model) unless ``sigma`` is given). For intensities, give ``sigma``
    or χ² uses σ = sqrt(model) all the same (say so in what you show)."""
    d, m, s, ok = _arrays(data, model, sigma, mask)
    n = int(ok.sum())
    chi2 = chi_square(d, m, s, mask=ok)
    dof = n - int(n_params)
    return ComparisonStats(
        n=n,
        dof=dof,
        chi2=chi2,
        chi2_reduced=chi2 / dof if dof > 0 and math.isfinite(chi2) else math.nan,
        cash=cash(d, m, mask=ok) if counts else math.nan,
        cstat=cstat(d, m, mask=ok) if counts else math.nan,
        pearson_r=pearson_r(d, m, mask=ok),
        mean_residual=mean_residual(d, m, mask=ok),
        sigma="given" if s is not None else "sqrt(model) (Poisson)",
    )
