"""Magnetopause fit to LEXI counts: model signal plus a fitted constant sky background.

Expected counts per bin: ``m = k·S(r0) + b·B`` where S(r0) is the forward model of
:class:`~smile_viewer.analysis.fitting.ForwardModel` (render from the LEXI site, instrument
response, PSF) for a model whose subsolar magnetopause is r0 (the bow shock moving with it),
k ≥ 0 its normalisation and b ≥ 0 a sky background constant over the field in counts s^-1
sr^-1 (B = solid angle × exposure of each bin). The background is fitted because the ROSAT
all-sky maps that would model the diffuse X-ray sky are not available here (no download). For
each r0 of a grid, k and b minimise the Cash statistic (:func:`~smile_viewer.analysis.statistics.cash`);
the profile C(r0) gives the best r0 and its 1σ interval (ΔC = 1). Quality flags say when the
data do not constrain r0 (no signal above the background, a flat profile, a best value at the
grid's edge, a poor fit). Method and the LEXI figures: docs/analysis.md#lexi.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize

from smile_viewer.analysis.fitting import ForwardModel, start_model
from smile_viewer.analysis.statistics import cash, compare, cstat
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_write_text
from smile_viewer.physics import models as registry

__all__ = ["DEFAULT_R0_GRID", "LexiFitResult", "fit_lexi", "fit_two_components", "lexi_expected"]

#: Subsolar magnetopause distances tried [R_E].
DEFAULT_R0_GRID = tuple(float(v) for v in np.arange(6.0, 16.01, 0.5))
#: Minimum significance k / σ_k of the model signal for r0 to be called constrained.
MIN_SIGNAL_SIGMA = 3.0
#: A second local minimum of the profile within this many (C-stat/dof)-scaled units of the best
#: makes the fit multimodal (r0 not constrained).
MULTIMODAL_DELTA_C = 4.0
#: C-stat per degree of freedom above which the fit is called poor.
MAX_CSTAT_PER_DOF = 1.5


def fit_two_components(data, signal, background, mask=None) -> tuple[float, float, float, np.ndarray]:
    """(k, b, C, covariance 2x2) minimising C = 2 Σ (m − d ln m), m = k·signal + b·background,
    k, b ≥ 0, over the bins of ``mask``. Covariance: inverse of the Fisher matrix at the best."""
    d = np.asarray(data, dtype=float)
    s = np.asarray(signal, dtype=float)
    g = np.asarray(background, dtype=float)
    ok = np.isfinite(d) & np.isfinite(s) & np.isfinite(g) & (g > 0)
    if mask is not None:
        ok &= np.asarray(mask, dtype=bool)
    d, s, g = d[ok], s[ok], g[ok]
    if d.size == 0:
        raise UserInputError("no bin to fit")
    b0 = max(d.sum() / g.sum(), 1e-12)
    ks = max(s.sum(), 1e-30)
    gs = g.sum()
    # scaled variables: k = u·Σd/Σs, b = v·Σd/Σg, so that u, v are of order 1
    dk, db = d.sum() / ks, d.sum() / gs

    def fun(x):
        m = x[0] * dk * s + x[1] * db * g
        m = np.maximum(m, 1e-300)
        c = 2.0 * np.sum(m - d * np.log(m))
        r = 1.0 - d / m
        return c, np.array([2.0 * dk * np.sum(s * r), 2.0 * db * np.sum(g * r)])

    best = None
    for u0 in (0.0, 0.1, 0.5):
        res = minimize(
            fun,
            x0=[u0, max(1.0 - u0, 0.05) * b0 / db],
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, None), (1e-9, None)],
        )
        if best is None or res.fun < best.fun:
            best = res
    k, b = best.x[0] * dk, best.x[1] * db
    m = np.maximum(k * s + b * g, 1e-300)
    w = d / (m * m)
    fisher = np.array([[np.sum(w * s * s), np.sum(w * s * g)], [np.sum(w * s * g), np.sum(w * g * g)]])
    try:
        cov = np.linalg.inv(fisher)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    return float(k), float(b), float(cash(d, m)), cov


@dataclass(eq=False)
class LexiFitResult:
    """What :func:`fit_lexi` found: the best r0 with its interval and flags, the background,
    the profile, and the arrays for comparison views (``data``, ``expected``, ``mask`` on bins)."""

    model_name: str
    r0_grid: np.ndarray
    cash_profile: np.ndarray
    r0: float
    r0_interval: tuple[float, float]
    r0_err: float
    norm: float
    norm_err: float
    background_rate: float  # counts s^-1 sr^-1
    background_err: float
    signal_sigma: float
    signal_fraction: float
    cash: float
    cstat: float
    n_bins: int
    dof: int
    exposure_s: float
    flags: list[str]
    r0_interval_widened: tuple[float, float]  # ΔC = max(1, C-stat/dof): allows for a poor fit
    solar_wind: dict
    solar_wind_source: str
    time_s: float
    data: np.ndarray = field(repr=False, default=None)
    expected: np.ndarray = field(repr=False, default=None)
    signal: np.ndarray = field(repr=False, default=None)
    mask: np.ndarray = field(repr=False, default=None)
    stats: Any = None
    notes: list[str] = field(default_factory=list)

    @property
    def reliable(self) -> bool:
        """False when any flag is raised: the value should not be used without looking at the image."""
        return not self.flags

    @property
    def constrained(self) -> bool:
        """True when no flag says that the data do not constrain r0."""
        return not any(
            f.startswith(("no-signal", "unconstrained", "at-grid-edge", "multimodal")) for f in self.flags
        )

    def summary_line(self) -> str:
        lo, hi = self.r0_interval
        wlo, whi = self.r0_interval_widened
        head = (
            f"r0 = {self.r0:.2f} R_E (1-sigma {lo:.2f}..{hi:.2f}, widened for the fit quality "
            f"{wlo:.2f}..{whi:.2f}; {self.model_name})"
            if self.constrained
            else f"r0 NOT CONSTRAINED (best grid value {self.r0:.2f} R_E, 1-sigma {lo:.2f}..{hi:.2f})"
        )
        if not self.reliable:
            head = "UNRELIABLE " + head
        return (
            f"{head}; signal {self.signal_sigma:.1f} sigma, {100 * self.signal_fraction:.1f} % of the counts; "
            f"background {self.background_rate:.4g} +- {self.background_err:.2g} counts/s/sr; "
            f"C-stat {self.cstat:.1f} for {self.dof} dof"
            + (f"; flags: {', '.join(self.flags)}" if self.flags else "")
        )

    def to_dict(self) -> dict[str, Any]:
        def num(v):
            v = float(v)
            return v if math.isfinite(v) else None

        return {
            "schema": "smile-viewer lexi fit 1",
            "model": self.model_name,
            "r0_re": num(self.r0),
            "r0_interval_re": [num(v) for v in self.r0_interval],
            "r0_err_re": num(self.r0_err),
            "r0_interval_widened_re": [num(v) for v in self.r0_interval_widened],
            "constrained": self.constrained,
            "reliable": self.reliable,
            "flags": list(self.flags),
            "norm": num(self.norm),
            "norm_err": num(self.norm_err),
            "background_counts_s_sr": num(self.background_rate),
            "background_err_counts_s_sr": num(self.background_err),
            "background_model": "constant over the field, fitted (ROSAT all-sky maps not available)",
            "signal_sigma": num(self.signal_sigma),
            "signal_fraction": num(self.signal_fraction),
            "profile": {
                "r0_re": [float(v) for v in self.r0_grid],
                "cash": [num(v) for v in self.cash_profile],
            },
            "statistic": {
                "cash": num(self.cash),
                "cstat": num(self.cstat),
                "n_bins": self.n_bins,
                "dof": self.dof,
                "comparison": self.stats.to_dict() if self.stats is not None else None,
            },
            "exposure_s": num(self.exposure_s),
            "solar_wind": self.solar_wind,
            "solar_wind_source": self.solar_wind_source,
            "time_s": num(self.time_s),
            "notes": list(self.notes),
        }

    def to_json(self, path):
        """Write :meth:`to_dict` as JSON, atomically; returns the path."""
        import json  # lazy: only when written

        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")


def _interval(grid: np.ndarray, prof: np.ndarray, i: int, level: float = 1.0) -> tuple[float, float]:
    """Where the profile crosses min + ``level`` on each side of index ``i`` (linear between
    grid points; the grid's end when it does not cross)."""
    cmin = prof[i] + (level - 1.0)
    lo = grid[0]
    for j in range(i, 0, -1):
        if prof[j - 1] >= cmin + 1.0:
            a, b = prof[j - 1], prof[j]
            lo = grid[j - 1] + (grid[j] - grid[j - 1]) * (a - cmin - 1.0) / (a - b) if a != b else grid[j]
            break
    hi = grid[-1]
    for j in range(i, len(grid) - 1):
        if prof[j + 1] >= cmin + 1.0:
            a, b = prof[j], prof[j + 1]
            hi = grid[j] + (grid[j + 1] - grid[j]) * (cmin + 1.0 - a) / (b - a) if a != b else grid[j]
            break
    return float(lo), float(hi)


def fit_lexi(
    obs,
    model: str = registry.DEFAULT_EMISSIVITY,
    *,
    r0_grid=DEFAULT_R0_GRID,
    solar_wind=None,
    solar_wind_source: str | None = None,
    bin_factor: int | str = "auto",
    oversample: int = 2,
    backend: str = "cpu",
) -> LexiFitResult:
    """Fit the subsolar magnetopause r0 of ``model`` to a LEXI counts image (module docstring).

    ``obs``: an ObservedImage of LEXI counts (:mod:`smile_viewer.io.lexi`); ``r0_grid``:
    the r0 values tried [R_E]; ``solar_wind``: of the start model (None: typical values),
    ``solar_wind_source`` says where it came from (written in the result).
    """
    t0 = _time.perf_counter()
    entry = registry.emissivity_model(model)
    if not entry.fittable:
        raise UserInputError(f"{entry.key} has no magnetopause size parameter to fit")
    grid = np.asarray(sorted(float(v) for v in r0_grid), dtype=float)
    if grid.size < 3 or not np.all(np.isfinite(grid)) or grid[0] <= 1.0:
        raise UserInputError("r0 grid: at least 3 finite values above 1 R_E")
    if obs.counts is None:
        raise UserInputError(f"{obs.path}: no counts image to fit")
    fwd = ForwardModel(
        obs,
        instrument="lexi",
        bin_factor=bin_factor,
        oversample=oversample,
        background=np.zeros(obs.shape),
        backend=backend,
    )
    inst = fwd.instrument
    bkg_template = fwd.exposure_factor / (inst.photons_per_unit * inst.effective_area_cm2)  # sr s per bin
    start = start_model(entry.key, obs, solar_wind=solar_wind)
    size = entry.size_parameter
    s0 = float(entry.standoff_re(start))
    bs = entry.bow_shock_parameter
    bs_offset = float(getattr(start, bs)) - s0 if bs else 0.0
    size0 = float(getattr(start, size))

    def model_at(r0: float):
        # the size parameter that puts the subsolar magnetopause at r0 (linear in the size scale)
        changes = {size: size0 * r0 / s0}
        if bs:
            changes[bs] = r0 + bs_offset
        return start.replace(**changes)

    prof = np.full(grid.size, np.nan)
    fits_at = []
    for i, r0 in enumerate(grid):
        sig = fwd.signal(model_at(r0))
        k, b, c, cov = fit_two_components(fwd.data, sig, bkg_template, fwd.mask)
        prof[i] = c
        fits_at.append((k, b, cov, sig))
    i = int(np.nanargmin(prof))
    k, b, cov, sig = fits_at[i]
    lo, hi = _interval(grid, prof, i)
    expected = k * sig + b * bkg_template
    d = fwd.data
    mask = fwd.mask
    n = int(mask.sum())
    dof = n - 3
    c_best = float(prof[i])
    cs = float(cstat(d, expected, mask=mask))
    k_err = float(math.sqrt(cov[0, 0])) if np.isfinite(cov[0, 0]) and cov[0, 0] > 0 else math.nan
    b_err = float(math.sqrt(cov[1, 1])) if np.isfinite(cov[1, 1]) and cov[1, 1] > 0 else math.nan
    signal_sigma = k / k_err if k_err and math.isfinite(k_err) else 0.0
    total_signal = float(np.sum((k * sig)[mask]))
    fraction = total_signal / max(float(d[mask].sum()), 1.0)

    flags = []
    if k <= 0 or signal_sigma < MIN_SIGNAL_SIGMA:
        flags.append(
            f"no-signal: the model's magnetosheath signal is {signal_sigma:.1f} sigma above the fitted "
            f"background (< {MIN_SIGNAL_SIGMA:g}): the counts do not constrain r0"
        )
    span = float(np.nanmax(prof) - c_best)
    if span < 1.0:
        flags.append(f"unconstrained: C changes by only {span:.2f} over r0 = {grid[0]:g}..{grid[-1]:g} R_E")
    elif lo <= grid[0] and hi >= grid[-1]:
        flags.append("unconstrained: the 1-sigma interval spans the whole grid")
    phi = max(1.0, cs / dof if dof > 0 else 1.0)
    for j in range(1, grid.size - 1):
        if j == i or not (prof[j] <= prof[j - 1] and prof[j] <= prof[j + 1]):
            continue
        first, last = sorted((i, j))
        if prof[j] - c_best < MULTIMODAL_DELTA_C * phi and np.max(prof[first : last + 1]) > prof[j] + 1.0:
            flags.append(
                f"multimodal: another minimum at r0 = {grid[j]:g} R_E only dC = {prof[j] - c_best:.1f} "
                f"above the best ({MULTIMODAL_DELTA_C:g} x C-stat/dof = {MULTIMODAL_DELTA_C * phi:.1f}): "
                "the data do not choose between them"
            )
            break
    if i in (0, grid.size - 1):
        flags.append(f"at-grid-edge: the best r0 is the grid's {'lowest' if i == 0 else 'highest'} value")
    if dof > 0 and cs / dof > MAX_CSTAT_PER_DOF:
        flags.append(
            f"poor-fit: C-stat/dof = {cs / dof:.2f} (> {MAX_CSTAT_PER_DOF:g}): signal + flat background "
            "does not describe the image (structure the model lacks)"
        )
    err = (hi - lo) / 2.0
    widened = _interval(grid, prof, i, level=phi)
    sw = start.solar_wind if hasattr(start, "solar_wind") else solar_wind
    sw_dict = sw.to_dict() if hasattr(sw, "to_dict") else {}
    notes = list(fwd.notes)
    notes.append(
        "background: a constant rate per steradian over the field, fitted with the signal "
        "(the ROSAT all-sky maps of the diffuse X-ray sky are not available here)"
    )
    notes.append(
        f"model {entry.key}: the size parameter {size} scaled so that the subsolar magnetopause is r0"
        + (f"; the bow shock {bs} moves with it (offset {bs_offset:.2f} R_E)" if bs else "")
    )
    return LexiFitResult(
        model_name=entry.key,
        r0_grid=grid,
        cash_profile=prof,
        r0=float(grid[i]),
        r0_interval=(lo, hi),
        r0_err=float(err),
        norm=float(k),
        norm_err=k_err,
        background_rate=float(b),
        background_err=b_err,
        signal_sigma=float(signal_sigma),
        signal_fraction=float(fraction),
        cash=c_best,
        cstat=cs,
        n_bins=n,
        dof=dof,
        exposure_s=float(fwd.exposure_s),
        flags=flags,
        r0_interval_widened=widened,
        solar_wind=sw_dict,
        solar_wind_source=solar_wind_source
        or ("given" if solar_wind is not None else "typical values (n 5 cm^-3, v 400 km/s, B 0)"),
        time_s=_time.perf_counter() - t0,
        data=d,
        expected=expected,
        signal=k * sig,
        mask=mask,
        stats=compare(d, expected, counts=True, mask=mask, n_params=3),
        notes=notes,
    )


def lexi_expected(obs, model, *, backend: str = "cpu") -> tuple[np.ndarray, dict[str, float], str]:
    """Expected counts of ``model`` on a LEXI image's own pixels: ``k·S + b·B`` with the
    normalisation k and the constant background b [counts s^-1 sr^-1] fitted to the counts for
    this model (no r0 search). Returns (expected (ny, nx), {"norm", "background"}, a one-line
    note). Pixels outside the kept field are 0."""
    fwd = ForwardModel(
        obs, instrument="lexi", bin_factor=1, oversample=1, background=np.zeros(obs.shape), backend=backend
    )
    inst = fwd.instrument
    template = fwd.exposure_factor / (inst.photons_per_unit * inst.effective_area_cm2)
    sig = fwd.signal(model)
    k, b, _c, cov = fit_two_components(fwd.data, sig, template, fwd.mask)
    expected = np.where(fwd.mask, k * sig + b * template, 0.0)
    err_b = math.sqrt(cov[1, 1]) if np.isfinite(cov[1, 1]) and cov[1, 1] > 0 else math.nan
    share = float(np.sum((k * sig)[fwd.mask])) / max(float(np.sum(expected[fwd.mask])), 1e-300)
    note = (
        f"LEXI: model × {k:.3g} plus a fitted constant background {b:.4g} ± {err_b:.2g} counts/s/sr "
        f"(ROSAT maps not available); the model gives {100 * share:.1f} % of the expected counts"
    )
    return expected, {"norm": float(k), "background": float(b)}, note
