"""The fit's start from the image itself: a coarse scan of the magnetopause size.

Before the local optimiser, :func:`scan_start` evaluates the Cash statistic on a coarse
copy of the forward model (bins of about :data:`SCAN_BIN_DEG`, one ray each) for
magnetopause positions every :data:`SCAN_STEP_RE` from :data:`SCAN_RANGE_RE` (subsolar
distance), moving the free size parameter (``r_mp``, ``p0`` or ``pd_npa``; for a free ``p0``
also the start's pressure ``pd_npa``, :data:`SHAPE_SCANS`) with the other parameters at
their start values and the emission scale re-fitted at each position (a 1-D
convex problem). The local optimiser then starts from the best position, and from up to
:data:`MAX_EXTRA_STARTS` other distinct minima of the profile that are not far worse. Why:
C has more than one minimum along the size (a magnetopause pushed out of the field leaves a
plateau), and a start taken from a wrong solar wind can slide onto the wrong one.
See docs/analysis.md#fit-start-and-quality.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from smile_viewer.analysis.fit_quality import FLAT_DELTA_C
from smile_viewer.errors import UserInputError

__all__ = [
    "EXTRA_START_DELTA_C",
    "EXTRA_START_SEPARATION_RE",
    "MAX_EXTRA_STARTS",
    "SCAN_BIN_DEG",
    "SCAN_MIN_BINS",
    "SCAN_RANGE_RE",
    "SCAN_STEP_RE",
    "SHAPE_SCANS",
    "SIZE_PARAMS",
    "StartScan",
    "best_amplitude_factor",
    "coarse_forward",
    "distinct_minima",
    "merge_scans",
    "scan_grid",
    "scan_start",
    "size_parameter",
]

#: Parameters that set the magnetopause size, in order of preference (the first free one is scanned).
SIZE_PARAMS = ("r_mp", "p0", "pd_npa")
#: A start-model input scanned as well as the free size parameter (when not itself free): CMEM's
#: Lin et al. (2010) pressure moves and reshapes the magnetopause (cusps, flaring) as the solar
#: wind does, so a wrong start pressure need not bias a p0 fit (bench_fit.py: up to 0.6 R_E);
#: the lower C of the two profiles picks the start (both are tried when close).
SHAPE_SCANS = {"p0": "pd_npa"}
#: Subsolar magnetopause distances scanned [R_E]: the observed range (about 6–15 R_E) and a margin.
SCAN_RANGE_RE = (5.5, 16.0)
#: Spacing of the scanned distances [R_E]: the basin of the right minimum is ~1.5 R_E wide on
#: each side for a 5-minute to 1-hour SXI image (tested on CMEM, n = 20 cm^-3).
SCAN_STEP_RE = 0.5
#: Target bin size of the scan's coarse forward model [deg], one ray per bin.
SCAN_BIN_DEG = 1.5
#: The coarse bins are made smaller when fewer than this many would have data.
SCAN_MIN_BINS = 48
#: Other minima of the scan profile that the local optimiser also starts from (at most).
MAX_EXTRA_STARTS = 2
#: Such a minimum is tried when its coarse ΔC is below this (5 sd at the coarse binning) ...
EXTRA_START_DELTA_C = 25.0
#: ... and it lies this far [R_E] from the starts taken along the same parameter (2 scan steps).
EXTRA_START_SEPARATION_RE = 1.0


def size_parameter(free) -> str | None:
    """The free parameter the scan moves (the first of :data:`SIZE_PARAMS` in ``free``), or None."""
    return next((n for n in SIZE_PARAMS if n in tuple(free)), None)


def coarse_forward(fwd, *, bin_deg: float = SCAN_BIN_DEG, min_bins: int = SCAN_MIN_BINS):
    """A coarse copy of the :class:`~smile_viewer.analysis.fitting.ForwardModel` ``fwd``: the same
    observation, instrument and background, bins of about ``bin_deg`` (never finer than
    ``fwd``'s), one ray per bin."""
    from smile_viewer.analysis.fitting import ForwardModel  # lazy: import cycle (fitting imports this module)

    obs = fwd.obs
    ny, nx = obs.shape
    px, py = fwd.camera.pixel_size_deg()
    pix = 0.5 * (px + py)
    b = max(int(fwd.bin_factor), round(bin_deg / pix))
    b = min(b, ny, nx)
    while True:
        try:
            coarse = ForwardModel(
                obs,
                instrument=fwd.instrument,
                bin_factor=b,
                oversample=1,
                background=np.asarray(fwd.fine_background, dtype=float),
                backend=fwd.backend,
                psf=fwd.psf,
            )
        except UserInputError:
            coarse = None
        if b <= fwd.bin_factor or (coarse is not None and int(coarse.mask.sum()) >= min_bins):
            if coarse is None:
                raise UserInputError(f"{obs.path}: no bin has data everywhere: nothing to fit")
            return coarse
        b = max(int(fwd.bin_factor), b - 1)


def scan_grid(
    subsolar_of: Callable[[float], float],
    bounds: tuple[float, float],
    start_value: float,
    *,
    range_re: tuple[float, float] = SCAN_RANGE_RE,
    step_re: float = SCAN_STEP_RE,
    log: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Parameter values whose subsolar distance steps by ``step_re`` across ``range_re``, within
    ``bounds``: (values, subsolar distances). ``subsolar_of(value)`` must be monotonic;
    ``log``: sample the parameter geometrically (a pressure). Values where the model cannot be
    built are left out."""
    lo, hi = (float(v) for v in bounds)
    if not math.isfinite(lo):
        lo = start_value - 100.0 * max(abs(start_value), 1.0)
    if not math.isfinite(hi):
        hi = start_value + 100.0 * max(abs(start_value), 1.0)
    dense = np.geomspace(max(lo, 1e-6), hi, 161) if log and lo >= 0 else np.linspace(lo, hi, 161)
    subs = []
    keep = []
    for v in dense:
        try:
            r = float(subsolar_of(float(v)))
        except UserInputError:
            continue
        if math.isfinite(r):
            keep.append(float(v))
            subs.append(r)
    if len(keep) < 2:
        return np.array([]), np.array([])
    vals, subs = np.array(keep), np.array(subs)
    order = np.argsort(subs)
    subs, vals = subs[order], vals[order]
    r_lo = max(range_re[0], subs[0])
    r_hi = min(range_re[1], subs[-1])
    if r_hi <= r_lo:
        return np.array([]), np.array([])
    targets = np.arange(r_lo, r_hi + 1e-9, step_re)
    x = np.log(vals) if log and np.all(vals > 0) else vals
    xt = np.interp(targets, subs, x)
    values = np.exp(xt) if log and np.all(vals > 0) else xt
    values = np.clip(values, lo, hi)
    return values, np.array([float(subsolar_of(float(v))) for v in values])


def distinct_minima(costs, *, barrier: float = 1.0) -> list[int]:
    """Indices of the local minima of a 1-D profile (ends included) that are separated from
    every lower minimum by a rise of at least ``barrier``; best first."""
    c = np.asarray(costs, dtype=float)
    n = c.size
    if n == 0:
        return []
    cand = [i for i in range(n) if (i == 0 or c[i] <= c[i - 1]) and (i == n - 1 or c[i] <= c[i + 1])]
    cand.sort(key=lambda i: c[i])
    out: list[int] = []
    for i in cand:
        if all(np.max(c[min(i, j) : max(i, j) + 1]) - c[i] >= barrier for j in out):
            out.append(i)
    return out


@dataclass
class StartScan:
    """The profile of the scan: ``parameter`` moved, its ``values``, the ``subsolar_re`` distances,
    the coarse Cash statistic ``costs`` (emission scale re-fitted), the ``amplitude_factors``
    (the best common factor on the start's amplitudes), ``minima`` (indices of the distinct
    minima, best first), the coarse binning ``bin_factor`` and ``n_bins``, ``time_s``."""

    parameter: str
    values: np.ndarray
    subsolar_re: np.ndarray
    costs: np.ndarray
    amplitude_factors: np.ndarray
    minima: list[int]
    bin_factor: int
    n_bins: int
    time_s: float
    point_parameters: list[str] | None = None  # per point, when scans of several parameters are merged

    def parameter_at(self, i: int) -> str:
        """The parameter moved at point ``i``."""
        return self.point_parameters[i] if self.point_parameters is not None else self.parameter

    @property
    def best(self) -> int:
        return self.minima[0]

    @property
    def delta_c_range(self) -> float:
        return float(np.max(self.costs) - np.min(self.costs)) if self.costs.size else 0.0

    def starts(
        self,
        *,
        max_extra: int = MAX_EXTRA_STARTS,
        delta_c: float = EXTRA_START_DELTA_C,
        separation_re: float = EXTRA_START_SEPARATION_RE,
    ) -> list[int]:
        """Indices to start the local optimiser from: the best minimum and up to ``max_extra``
        others within ``delta_c`` of it, each at least ``separation_re`` from those taken along
        the same parameter (another basin; a minimum of another parameter's profile — another
        magnetopause shape — is tried wherever it lies); only the best when the profile is flat."""
        if not self.minima:
            return []
        best = self.costs[self.minima[0]]
        out = [self.minima[0]]
        if self.delta_c_range < FLAT_DELTA_C:
            return out
        for i in self.minima[1:]:
            if len(out) > max_extra or self.costs[i] - best >= delta_c:
                break
            if all(
                abs(self.subsolar_re[i] - self.subsolar_re[j]) >= separation_re
                or self.parameter_at(i) != self.parameter_at(j)
                for j in out
            ):
                out.append(i)
        return out

    def to_dict(self) -> dict[str, Any]:
        c0 = float(np.min(self.costs)) if self.costs.size else 0.0
        return {
            "parameter": self.parameter,
            "values": [float(v) for v in self.values],
            "subsolar_re": [float(v) for v in self.subsolar_re],
            "delta_c": [float(v - c0) for v in self.costs],
            "amplitude_factors": [float(v) for v in self.amplitude_factors],
            "minima_subsolar_re": [float(self.subsolar_re[i]) for i in self.minima],
            "point_parameters": list(self.point_parameters) if self.point_parameters is not None else None,
            "bin_factor": self.bin_factor,
            "n_bins": self.n_bins,
            "time_s": self.time_s,
        }


def merge_scans(scans) -> StartScan:
    """One profile of several scans on the same coarse forward model (their C are comparable):
    points concatenated, each scan's own minima ranked together."""
    scans = list(scans)
    if len(scans) == 1:
        return scans[0]
    offsets = np.cumsum([0] + [s.values.size for s in scans[:-1]])
    costs = np.concatenate([s.costs for s in scans])
    minima = sorted((int(o) + i for s, o in zip(scans, offsets) for i in s.minima), key=lambda i: costs[i])
    return StartScan(
        "|".join(s.parameter for s in scans),
        np.concatenate([s.values for s in scans]),
        np.concatenate([s.subsolar_re for s in scans]),
        costs,
        np.concatenate([s.amplitude_factors for s in scans]),
        minima,
        scans[0].bin_factor,
        scans[0].n_bins,
        float(sum(s.time_s for s in scans)),
        [s.parameter for s in scans for _ in range(s.values.size)],
    )


def best_amplitude_factor(data, signal, background, mask) -> float | None:
    """k ≥ 0 minimising C(k·signal + background) (a 1-D convex problem; Newton on k)."""
    d, s, b = data[mask], signal[mask], background[mask]
    if s.sum() <= 0:
        return None
    k = max((d.sum() - b.sum()) / s.sum(), 1e-3)
    for _ in range(50):
        m = k * s + b
        g = np.sum(s) - np.sum(d * s / m)  # dC/dk / 2
        h = np.sum(d * s * s / (m * m))  # d2C/dk2 / 2
        if h <= 0:
            break
        k_new = k - g / h
        if k_new <= 0:
            k_new = k / 2
        if abs(k_new - k) < 1e-10 * k:
            k = k_new
            break
        k = k_new
    return float(k)


def scan_start(
    coarse,
    build: Callable[[Mapping[str, float]], Any],
    parameter: str,
    values,
    subsolar_re,
    *,
    fit_amplitude: bool = True,
    amplitude_bounds: tuple[float, float] = (1e-3, 1e3),
    on_eval: Callable[[float, float, float, float], None] | None = None,
) -> StartScan:
    """C along ``values`` of ``parameter`` on the ``coarse`` forward model.

    ``build({parameter: v})`` makes the model (the other parameters at their start values);
    ``fit_amplitude``: re-fit a common factor k on the start's amplitudes at each value
    (clipped to ``amplitude_bounds``); ``on_eval(value, subsolar, cost, k)`` after each
    forward model (progress and cancel).
    """
    t0 = _time.perf_counter()
    vals = np.asarray(values, dtype=float)
    costs = np.full(vals.shape, np.inf)
    amps = np.ones(vals.shape)
    for i, v in enumerate(vals):
        try:
            model = build({parameter: float(v)})
        except UserInputError:
            continue
        sig = coarse.signal(model)
        k = 1.0
        if fit_amplitude:
            kk = best_amplitude_factor(coarse.data, sig, coarse.background, coarse.mask)
            if kk is not None and math.isfinite(kk) and kk > 0:
                k = float(np.clip(kk, *amplitude_bounds))
        c = coarse.cash(k * sig + coarse.background)
        costs[i] = c if math.isfinite(c) else np.inf
        amps[i] = k
        if on_eval is not None:
            on_eval(float(v), float(subsolar_re[i]), float(costs[i]), k)
    ok = np.isfinite(costs)
    vals, subs, costs, amps = vals[ok], np.asarray(subsolar_re, dtype=float)[ok], costs[ok], amps[ok]
    return StartScan(
        parameter,
        vals,
        subs,
        costs,
        amps,
        distinct_minima(costs),
        int(coarse.bin_factor),
        int(coarse.mask.sum()),
        _time.perf_counter() - t0,
    )
