"""Auroral oval edges in MLAT per MLT sector, and a dayglow + aurora fit to a far-UV image.

:func:`fit_dayglow_aurora` fits ``background + D·f + Q·f² + A·B_ZP(MLAT, MLT; Kp)/cos(DZA)``, f = cos(SZA)/cos(DZA),
to an image on its own per-pixel maps (IMAGE FUV: SZA, DZA, MLAT, MLT), with Kp given or
scanned; :func:`oval_edges` finds the poleward and equatorward edges of the oval in each MLT
sector of an image (after dayglow removal) or of the model; :func:`compare_oval_edges` does
both and tabulates the differences; :func:`plot_oval_edges` draws them. Method, thresholds and sources: docs/analysis.md#oval-edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics.aurora.dayglow import MAX_DZA_DEG, DayglowModel, dayglow_fraction
from smile_viewer.physics.aurora.lbh import LBHL_R_PER_ERG_CM2_S
from smile_viewer.physics.aurora.passbands import WIC_COUNTS_PER_R, band_scale
from smile_viewer.physics.aurora.zhang_paxton import KP_MAX, energy_flux_erg_cm2_s

__all__ = [
    "NIGHT_SECTORS",
    "EdgeComparison",
    "OvalEdges",
    "SectorEdges",
    "UVFit",
    "aurora_unit_image",
    "compare_oval_edges",
    "fit_dayglow_aurora",
    "oval_edges",
    "plot_oval_edges",
]

#: The night sector of the done-when test: 1-hour MLT sectors from 21 to 03 MLT (start hours).
NIGHT_SECTORS: tuple[float, ...] = (21.0, 22.0, 23.0, 0.0, 1.0, 2.0)
#: Kp values scanned when Kp is fitted.
_KP_GRID = np.round(np.arange(0.0, KP_MAX + 1e-9, 1.0 / 3.0), 4)
#: fuvpy's rows of WIC shaded by the broken boom (aohma/fuvpy load._bad_pixels: rows >= 230, < 2).
_WIC_BAD_ROWS = (slice(0, 2), slice(230, None))


# ---------------------------------------------------------------------------- edges


@dataclass(frozen=True)
class SectorEdges:
    """One MLT sector [mlt_start_h, mlt_end_h): edges [deg |MLAT|] (NaN with ``reason`` when none)."""

    mlt_start_h: float
    mlt_end_h: float
    poleward_deg: float
    equatorward_deg: float
    peak_mlat_deg: float
    peak_value: float
    threshold: float
    n_pixels: int
    reason: str = ""


@dataclass(frozen=True)
class OvalEdges:
    """Edges of the oval in every sector, how they were found (``method``) and from what (``source``)."""

    sectors: tuple[SectorEdges, ...]
    source: str
    method: str

    def sector(self, mlt_start_h: float) -> SectorEdges:
        for s in self.sectors:
            if abs(s.mlt_start_h - mlt_start_h) < 1e-9:
                return s
        raise UserInputError(f"no MLT sector starting at {mlt_start_h} h")


def _sector_mask(mlt: np.ndarray, start: float, width: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ((mlt - start) % 24.0) < width


def oval_edges(
    values,
    mlat_deg,
    mlt_h,
    *,
    sector_h: float = 1.0,
    mlat_range: tuple[float, float] = (50.0, 88.0),
    bin_deg: float = 1.0,
    fraction: float = 0.3,
    noise: float | None = None,
    min_peak_over_noise: float = 3.0,
    source: str = "image",
) -> OvalEdges:
    """Poleward and equatorward edges of the oval in each MLT sector.

    In each sector (``sector_h`` wide, starting at 0 MLT) the pixels' median brightness is taken in
    ``bin_deg`` bins of |MLAT| over ``mlat_range`` (a 3-bin running mean smooths it); from the
    brightest bin the edges are where the profile first drops below ``fraction`` of that peak,
    poleward and equatorward (interpolated linearly between bins). A sector has no edges (NaN and
    a reason) when it has too few pixels, its peak is below ``min_peak_over_noise × noise``
    (``noise`` in the units of ``values``; None: no such test), or the profile does not drop
    below the threshold inside the range on a side.
    """
    v = np.asarray(values, float)
    lat = np.abs(np.asarray(mlat_deg, float))
    mlt = np.asarray(mlt_h, float)
    if not (v.shape == lat.shape == mlt.shape):
        raise UserInputError(f"values {v.shape}, MLAT {lat.shape} and MLT {mlt.shape} must have one shape")
    if not (0 < sector_h <= 24 and abs(24.0 / sector_h - round(24.0 / sector_h)) < 1e-9):
        raise UserInputError(f"sector_h = {sector_h}: must divide 24 h")
    if not 0 < fraction < 1:
        raise UserInputError(f"fraction = {fraction}: must be between 0 and 1")
    lo, hi = (float(x) for x in mlat_range)
    edges = np.arange(lo, hi + 1e-9, bin_deg)
    centres = 0.5 * (edges[:-1] + edges[1:])
    ok = np.isfinite(v) & np.isfinite(lat) & np.isfinite(mlt) & (lat >= lo) & (lat < hi)
    out = []
    for k in range(round(24.0 / sector_h)):
        start = k * sector_h
        sel = ok & _sector_mask(mlt, start, sector_h)
        n = int(sel.sum())

        def none(
            reason: str, peak=math.nan, peak_lat=math.nan, thr=math.nan, n=n, start=start
        ) -> SectorEdges:
            return SectorEdges(start, start + sector_h, math.nan, math.nan, peak_lat, peak, thr, n, reason)

        if n < 20:
            out.append(none(f"{n} pixels in the sector"))
            continue
        idx = np.digitize(lat[sel], edges) - 1
        vals = v[sel]
        prof = np.full(len(centres), np.nan)
        for b in np.unique(idx):
            if 0 <= b < len(centres):
                prof[b] = np.median(vals[idx == b])
        filled = np.isfinite(prof)
        if filled.sum() < 5:
            out.append(none("fewer than 5 MLAT bins with pixels"))
            continue
        # 3-bin running mean over the bins that have data
        sm = prof.copy()
        for i in range(len(prof)):
            w = prof[max(0, i - 1) : i + 2]
            w = w[np.isfinite(w)]
            sm[i] = w.mean() if filled[i] and w.size else np.nan
        ip = int(np.nanargmax(sm))
        peak = float(sm[ip])
        thr = fraction * peak
        if peak <= 0 or (noise is not None and peak < min_peak_over_noise * noise):
            out.append(
                none(
                    f"no oval: peak {peak:.3g} below {min_peak_over_noise:g} x noise", peak, centres[ip], thr
                )
            )
            continue

        def walk(step: int, ip=ip, sm=sm, thr=thr) -> float:
            i = ip
            while 0 <= i + step < len(sm):
                j = i + step
                if not np.isfinite(sm[j]):
                    return float("nan")
                if sm[j] < thr:  # crossing between bins i and j
                    f = (sm[i] - thr) / (sm[i] - sm[j])
                    return float(centres[i] + f * (centres[j] - centres[i]))
                i = j
            return float("nan")

        pole, equ = walk(+1), walk(-1)
        reason = ""
        if not math.isfinite(pole) or not math.isfinite(equ):
            missing = [s for s, e in (("poleward", pole), ("equatorward", equ)) if not math.isfinite(e)]
            reason = f"the profile stays above the threshold to the {' and '.join(missing)} end of the data"
        out.append(SectorEdges(start, start + sector_h, pole, equ, float(centres[ip]), peak, thr, n, reason))
    method = (
        f"median per {bin_deg:g} deg |MLAT| bin, 3-bin running mean, edges at {fraction:g} x the sector peak"
        + (f", peak >= {min_peak_over_noise:g} x noise {noise:.3g}" if noise is not None else "")
    )
    return OvalEdges(tuple(out), source, method)


# ---------------------------------------------------------------------------- fit


class _ZPSampler:
    """Zhang & Paxton energy flux at fixed pixels for many Kp: the model on a 0.2 deg × 0.1 h
    (|MLAT| 30-90 deg, MLT) grid (its one-Kp path costs the MLT axis only) read off bilinearly with weights
    computed once. Interpolation error: below 0.5 % of the peak (the model varies on degree scales)."""

    _LAT0, _DLAT, _DMLT = 30.0, 0.2, 0.1
    _LAT = np.arange(_LAT0, 90.0 + 1e-9, _DLAT)
    _MLT = np.arange(0.0, 24.0 + 1e-9, _DMLT)

    def __init__(self, mlat_deg: np.ndarray, mlt_h: np.ndarray):
        lat = np.clip(np.abs(np.asarray(mlat_deg, float)), self._LAT0, 90.0)
        mlt = np.asarray(mlt_h, float) % 24.0
        fi = (lat - self._LAT0) / self._DLAT
        fj = mlt / self._DMLT
        self.i0 = np.clip(np.floor(fi).astype(int), 0, len(self._LAT) - 2)
        self.j0 = np.clip(np.floor(fj).astype(int), 0, len(self._MLT) - 2)
        self.wi = fi - self.i0
        self.wj = fj - self.j0

    def flux(self, kp: float) -> np.ndarray:
        g = energy_flux_erg_cm2_s(self._LAT[:, None], self._MLT[None, :], float(kp))
        i, j, wi, wj = self.i0, self.j0, self.wi, self.wj
        return (
            (1 - wi) * (1 - wj) * g[i, j]
            + wi * (1 - wj) * g[i + 1, j]
            + (1 - wi) * wj * g[i, j + 1]
            + wi * wj * g[i + 1, j + 1]
        )


def aurora_unit_image(
    mlat_deg, mlt_h, dza_deg, kp: float, *, band: str = "wic", counts_per_r: float = WIC_COUNTS_PER_R
):
    """The Zhang & Paxton (2008) aurora at ``kp`` in image units (default: WIC counts) with the
    slant factor 1/cos DZA of a thin layer: energy flux × 405.46 R (Sotirelis et al. 2013, LBH-long)
    × :func:`~smile_viewer.physics.aurora.passbands.band_scale` × ``counts_per_r``. NaN where an input is NaN."""
    lat = np.asarray(mlat_deg, float)
    mlt = np.asarray(mlt_h, float)
    dza = np.asarray(dza_deg, float)
    ok = np.isfinite(lat) & np.isfinite(mlt) & np.isfinite(dza) & (dza < 90.0)
    out = np.full(lat.shape, np.nan)
    flux = energy_flux_erg_cm2_s(np.clip(lat[ok], -90.0, 90.0), mlt[ok] % 24.0, float(kp))
    out[ok] = flux * LBHL_R_PER_ERG_CM2_S * band_scale(band) * counts_per_r / np.cos(np.radians(dza[ok]))
    return out


@dataclass(frozen=True, eq=False)
class UVFit:
    """A fit of ``background + D·f + Q·f² + A·aurora(Kp)`` to an image (module docstring).

    ``dayglow``: scale D, curvature Q and background; ``aurora_scale``: A (1 = the model's brightness as it is,
    with the passband and count conversions of physics/aurora/passbands.py); ``kp`` and whether
    it was fitted; ``cost_by_kp`` the robust cost at each Kp scanned; images (NaN outside the
    fitted pixels): ``dayglow_image``, ``aurora_image`` (A × the model), ``model_image`` (their
    sum), ``residual_image`` (image − dayglow − background: the aurora seen), ``mask`` (pixels
    used), ``noise`` (robust σ of the residual of the fit), ``notes``."""

    kp: float
    kp_fitted: bool
    aurora_scale: float
    dayglow: DayglowModel
    cost_by_kp: dict[float, float]
    dayglow_image: np.ndarray
    aurora_image: np.ndarray
    model_image: np.ndarray
    residual_image: np.ndarray
    mask: np.ndarray
    noise: float
    units: str
    notes: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "kp": self.kp,
            "kp_fitted": self.kp_fitted,
            "aurora_scale": self.aurora_scale,
            "dayglow_scale": self.dayglow.scale,
            "dayglow_quadratic": self.dayglow.quadratic,
            "background": self.dayglow.background,
            "noise": self.noise,
            "units": self.units,
            "pixels": int(self.mask.sum()),
            "notes": list(self.notes),
        }


def _maps(obs) -> dict[str, np.ndarray]:
    maps = getattr(obs, "maps", {}) or {}
    missing = [k for k in ("MLAT", "MLT", "SZA", "DZA") if k not in maps]
    if missing:
        raise UserInputError(
            f"{obs.path}: needs per-pixel {', '.join(missing)} maps (an IMAGE FUV level-1 file has them)"
        )
    return maps


def _robust_linear(design: np.ndarray, data: np.ndarray, sigma: np.ndarray, iterations: int = 6):
    """Least squares with Tukey biweight re-weighting (c = 4.685 × robust σ of the normalised
    residuals): (coefficients, weights, cost = Σ w r²/σ²/Σ w)."""
    w = np.ones_like(data)
    coef = np.zeros(design.shape[1])
    for _ in range(iterations):
        sw = w / (sigma * sigma)
        a = design.T @ (design * sw[:, None])
        coef = np.linalg.lstsq(a, design.T @ (data * sw), rcond=None)[0]  # 3x3 normal equations
        r = (data - design @ coef) / sigma
        s = 1.4826 * np.median(np.abs(r - np.median(r))) or 1.0
        u = r / (4.685 * s)
        w = np.where(np.abs(u) < 1, (1 - u * u) ** 2, 0.0)
    r = (data - design @ coef) / sigma
    cost = float(np.sum(w * r * r) / max(np.sum(w), 1.0))
    return coef, w, cost


def fit_dayglow_aurora(
    obs,
    *,
    kp: float | None = None,
    band: str | None = None,
    max_dza_deg: float = MAX_DZA_DEG,
    min_abs_mlat_deg: float = 40.0,
) -> UVFit:
    """Fit dayglow + background + Zhang & Paxton aurora to ``obs`` (an ObservedImage with MLAT,
    MLT, SZA, DZA maps) on the pixels with data, DZA ≤ ``max_dza_deg``, |MLAT| ≥
    ``min_abs_mlat_deg`` and (WIC) outside fuvpy's boom-shaded rows.

    ``kp``: fixed, or None to scan Kp 0–9 in steps of 1/3 (the lowest robust cost wins).
    The amplitudes (background, dayglow D ≥ 0 expected and Q, aurora A) are linear: solved by robust
    (Tukey) least squares with σ² = |model| (counts; 1 where smaller), so that auroral structure
    the model lacks does not bias the dayglow."""
    maps = _maps(obs)
    inst = (getattr(obs, "instrument", "") or "").lower()
    band = band or ("wic" if inst == "wic" else "uvi")
    image = np.asarray(obs.image, float)
    units = getattr(obs, "units", "") or ""
    counts_per_r = WIC_COUNTS_PER_R if (band == "wic" and units == "count") else 1.0
    mlat, mlt, sza, dza = (np.asarray(maps[k], float) for k in ("MLAT", "MLT", "SZA", "DZA"))
    frac = dayglow_fraction(sza, dza, max_dza_deg=max_dza_deg)
    mask = np.isfinite(image) & np.isfinite(frac) & np.isfinite(mlat) & np.isfinite(mlt)
    with np.errstate(invalid="ignore"):
        mask &= np.abs(mlat) >= min_abs_mlat_deg
    notes = []
    if inst == "wic" and image.shape == (256, 256):
        for rows in _WIC_BAD_ROWS:
            mask[rows, :] = False
        notes.append("WIC rows 0-1 and 230-255 left out (boom shadow; aohma/fuvpy _bad_pixels)")
    with np.errstate(invalid="ignore"):
        mask &= np.abs(mlat) >= 30.0  # the model grid's lower edge
    if mask.sum() < 500:
        raise UserInputError(f"{obs.path}: only {int(mask.sum())} pixels usable for the fit (need 500)")
    d = image[mask]
    f = frac[mask]
    kps = [float(kp)] if kp is not None else [float(k) for k in _KP_GRID]
    if kp is not None and not 0.0 <= float(kp) <= KP_MAX:
        raise UserInputError(f"kp = {kp}: must be between 0 and {KP_MAX:g}")
    costs: dict[float, float] = {}
    # the Kp scan on every other fitted pixel (a checkerboard), the final solve on all of them
    scan = mask.copy()
    scan[(np.add.outer(np.arange(mask.shape[0]), np.arange(mask.shape[1])) % 2) == 1] = False
    sub = scan[mask]
    sampler = _ZPSampler(mlat[mask], mlt[mask])
    to_image = LBHL_R_PER_ERG_CM2_S * band_scale(band) * counts_per_r / np.cos(np.radians(dza[mask]))
    sigma = np.sqrt(np.maximum(np.abs(d), 1.0))

    def solve(k: float, sel):
        unit = sampler.flux(k) * to_image
        design = np.column_stack([np.ones_like(d), f, f * f, unit])
        return _robust_linear(design[sel], d[sel], sigma[sel])

    for k in kps:
        costs[k] = solve(k, sub)[2]
    k_best = min(costs, key=costs.get)
    coef, w, _cost = solve(k_best, slice(None))
    bg, dg, dq, au = (float(c) for c in coef)
    if dg < 0:
        notes.append(f"dayglow scale fitted negative ({dg:.3g}): the image shows no dayglow")
    if au <= 0:
        notes.append(f"aurora amplitude fitted {au:.3g} <= 0: the model's oval is not in the image")
    nan = np.full(image.shape, np.nan)
    dayglow_img = nan.copy()
    dayglow_img[mask] = bg + dg * f + dq * f * f
    unit_full = aurora_unit_image(mlat, mlt, dza, k_best, band=band, counts_per_r=counts_per_r)
    aurora_img = nan.copy()
    aurora_img[mask] = au * unit_full[mask]
    resid = nan.copy()
    resid[mask] = d - (bg + dg * f + dq * f * f)
    # pixel-to-pixel noise: robust σ of differences between row neighbours (both fitted) / √2,
    # blind to structure smoother than a pixel (dayglow, the oval)
    pair = mask[:, 1:] & mask[:, :-1]
    diffs = (image[:, 1:] - image[:, :-1])[pair]
    noise = float(1.4826 * np.median(np.abs(diffs - np.median(diffs))) / math.sqrt(2.0))
    notes.append(
        f"Kp {'fitted' if kp is None else 'given'}: {k_best:g}; band {band.upper()} "
        f"({band_scale(band):g} x LBH-long"
        + (f", {counts_per_r:g} counts per R" if counts_per_r != 1.0 else "")
        + ")"
    )
    return UVFit(
        kp=k_best,
        kp_fitted=kp is None,
        aurora_scale=au,
        dayglow=DayglowModel(dg, bg, dq),
        cost_by_kp=costs,
        dayglow_image=dayglow_img,
        aurora_image=aurora_img,
        model_image=dayglow_img + aurora_img,
        residual_image=resid,
        mask=mask,
        noise=noise,
        units=units,
        notes=tuple(notes),
        details={"weights_zero": int((w == 0).sum()), "band": band, "counts_per_r": counts_per_r},
    )


# ---------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class EdgeComparison:
    """Image and model edges per sector and their differences (model − image) [deg]."""

    image: OvalEdges
    model: OvalEdges
    fit: UVFit

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for a, b in zip(self.image.sectors, self.model.sectors):
            out.append(
                {
                    "mlt": (a.mlt_start_h, a.mlt_end_h),
                    "image_poleward": a.poleward_deg,
                    "image_equatorward": a.equatorward_deg,
                    "model_poleward": b.poleward_deg,
                    "model_equatorward": b.equatorward_deg,
                    "d_poleward": b.poleward_deg - a.poleward_deg,
                    "d_equatorward": b.equatorward_deg - a.equatorward_deg,
                    "night": a.mlt_start_h in NIGHT_SECTORS,
                    "reason": "; ".join(
                        r for r in (a.reason and f"image: {a.reason}", b.reason and f"model: {b.reason}") if r
                    ),
                }
            )
        return out

    def night_differences(self) -> dict[str, np.ndarray]:
        """|model − image| [deg] of the poleward and equatorward edges over the night sectors."""
        rows = [r for r in self.rows() if r["night"]]
        return {
            "poleward": np.abs(np.array([r["d_poleward"] for r in rows])),
            "equatorward": np.abs(np.array([r["d_equatorward"] for r in rows])),
        }


def compare_oval_edges(
    obs, *, kp: float | None = None, sector_h: float = 1.0, fraction: float = 0.3
) -> EdgeComparison:
    """Fit (:func:`fit_dayglow_aurora`), then the edges of the image after dayglow removal and of
    the fitted aurora model, found the same way (:func:`oval_edges`) on the same pixels."""
    fit = fit_dayglow_aurora(obs, kp=kp)
    maps = _maps(obs)
    mlat, mlt = maps["MLAT"], maps["MLT"]
    img = oval_edges(
        fit.residual_image, mlat, mlt, sector_h=sector_h, fraction=fraction, noise=fit.noise, source="image"
    )
    mod = oval_edges(fit.aurora_image, mlat, mlt, sector_h=sector_h, fraction=fraction, source="model")
    return EdgeComparison(img, mod, fit)


# ---------------------------------------------------------------------------- plot


def plot_oval_edges(cmp: EdgeComparison, mlat_deg, mlt_h, path, *, title: str = "") -> Path:
    """A PNG of the comparison: left, the image after dayglow removal on an |MLAT|/MLT polar grid
    (noon up, dusk left) with the image's (dots) and the model's (triangles) edges; right, the
    edges against MLT with the night sector shaded. Written atomically; returns the path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: matplotlib, for this plot only
    from matplotlib.figure import Figure  # lazy: matplotlib, for this plot only
    from matplotlib.patches import Circle  # lazy: matplotlib, for this plot only

    from smile_viewer.io.atomic import atomic_path  # lazy: the io layer's writer, for this plot only

    lat = np.abs(np.asarray(mlat_deg, float))
    mlt = np.asarray(mlt_h, float)
    res = np.asarray(cmp.fit.residual_image, float)
    fig = Figure(figsize=(11.0, 5.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 2, 1)
    ok = np.isfinite(res) & np.isfinite(lat) & np.isfinite(mlt) & (lat >= 50)
    ang = np.radians(mlt * 15.0 - 90.0)
    r = 90.0 - lat
    hi = float(np.nanpercentile(res[ok], 99.5)) if ok.any() else 1.0
    sc = ax.scatter(
        r[ok] * np.cos(ang[ok]), r[ok] * np.sin(ang[ok]), c=res[ok], s=1.5, vmin=0, vmax=hi, cmap="inferno"
    )
    for radius in (10, 20, 30, 40):
        ax.add_patch(Circle((0, 0), radius, fill=False, color="0.6", lw=0.5))
    styles = {
        ("image", "poleward"): ("o", "#ffd23c"),
        ("image", "equatorward"): ("o", "#ff7828"),
        ("model", "poleward"): ("v", "#5ac8ff"),
        ("model", "equatorward"): ("v", "#3c78ff"),
    }
    for (source, side), (marker, colour) in styles.items():
        edges = cmp.image if source == "image" else cmp.model
        m = np.array([0.5 * (s.mlt_start_h + s.mlt_end_h) for s in edges.sectors])
        e = np.array([getattr(s, f"{side}_deg") for s in edges.sectors])
        a = np.radians(m * 15.0 - 90.0)
        ax.plot((90 - e) * np.cos(a), (90 - e) * np.sin(a), marker, color=colour, ms=4, ls="none")
    ax.set_aspect("equal")
    ax.set_xlim(-40, 40)
    ax.set_ylim(-40, 40)
    ax.set_xticks([])
    ax.set_yticks([])
    for text, (x, y) in (("00", (0, -38)), ("12", (0, 36)), ("06", (36, 0)), ("18", (-39, 0))):
        ax.text(x, y, text, color="0.3", fontsize=8, ha="center", va="center")
    ax.set_title("image − dayglow − background (|MLAT| ≥ 50°, circles every 10°)", fontsize=9)
    fig.colorbar(sc, ax=ax, shrink=0.8, pad=0.02).set_label(cmp.fit.units or "image units")
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.axvspan(-3, 3, color="0.9")
    for (source, side), (marker, colour) in styles.items():
        edges = cmp.image if source == "image" else cmp.model
        m = np.array([0.5 * (s.mlt_start_h + s.mlt_end_h) for s in edges.sectors])
        e = np.array([getattr(s, f"{side}_deg") for s in edges.sectors])
        x = (m + 12.0) % 24.0 - 12.0
        o = np.argsort(x)
        ax2.plot(
            x[o],
            e[o],
            marker + ("-" if source == "model" else ""),
            color=colour,
            ms=5,
            label=f"{source} {side}",
        )
    ax2.set_xticks(range(-12, 13, 3))
    ax2.set_xticklabels([f"{v % 24:g}" for v in range(-12, 13, 3)])
    ax2.set_xlim(-12, 12)
    ax2.set_xlabel("MLT [h] (night sector 21–03 shaded)")
    ax2.set_ylabel("|MLAT| [deg]")
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8, ncol=2, loc="upper center")
    fit = cmp.fit
    ax2.set_title(
        f"Kp {fit.kp:.3g} ({'fitted' if fit.kp_fitted else 'given'}), aurora × {fit.aurora_scale:.3g}",
        fontsize=9,
    )
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)
