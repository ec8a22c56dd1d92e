"""The auroral emission shell that the UVI imaging engine ray-marches.

A brightness map B(mlat, MLT) [R] on a thin spherical shell: the volume emission B · w(r), with
∫ w dr = 1, is in Rayleigh per R_E, so a line-of-sight integral over path length in R_E gives
Rayleigh. Maps from Zhang & Paxton (2008) with Sotirelis et al. (2013)
(:meth:`AuroralShell.from_kp`) or any grid. Profiles, units and the two evaluation paths:
docs/reference.md#emission-shell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from astropy.time import Time

from smile_viewer.constants import R_E_CM, R_E_KM
from smile_viewer.coords import transform
from smile_viewer.errors import UserInputError
from smile_viewer.physics.aurora import kernels
from smile_viewer.physics.aurora.lbh import LBHL_R_PER_ERG_CM2_S
from smile_viewer.physics.aurora.magnetic import sm_to_mlat_mlt, to_sm_matrix
from smile_viewer.physics.aurora.zhang_paxton import (
    BelowLowest,
    ZhangPaxton2008,
    flux_bin_weights,
    load_coefficients,
)

__all__ = [
    "PHOTONS_CM3_S_PER_R_PER_RE",
    "AuroralShell",
    "BrightnessGrid",
    "ShellProfile",
    "ZhangPaxtonLBH",
    "sampled_grid",
]

#: Volume emission rate [photons cm^-3 s^-1] of 1 R/R_E (10^6 / R_E in cm).
PHOTONS_CM3_S_PER_R_PER_RE: float = 1.0e6 / R_E_CM

_DEFAULT_N_MLAT = 721  # 0.25 deg from -90 to 90
_DEFAULT_N_MLT = 240  # 0.1 h


def _finite(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r} is not a number") from None
    if not math.isfinite(v):
        raise UserInputError(f"{name} = {value!r} must be finite")
    return v


def _as_time(time) -> Time:
    if isinstance(time, Time):
        return time
    try:
        return Time(time, scale="utc")
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"cannot read time {time!r}: {exc}") from None


# ---------------------------------------------------------------------------- radial profile


@dataclass(frozen=True)
class ShellProfile:
    """Radial profile of the emission: ``slab`` (uniform between two altitudes) or ``gaussian``.

    Build with :meth:`slab` or :meth:`gaussian`. ``bottom_km``/``top_km`` are the altitudes of
    the support (for the Gaussian, peak ∓ n_sigma σ). Its weight integrates to 1 in R_E.
    """

    kind: Literal["slab", "gaussian"] = "slab"
    bottom_km: float = 110.0
    top_km: float = 130.0
    peak_km: float = 120.0
    sigma_km: float = 10.0

    def __post_init__(self) -> None:
        if self.kind not in ("slab", "gaussian"):
            raise UserInputError(f"shell profile {self.kind!r}: use 'slab' or 'gaussian'")
        for name in ("bottom_km", "top_km", "peak_km", "sigma_km"):
            object.__setattr__(self, name, _finite(getattr(self, name), name))
        if not 0.0 < self.bottom_km < self.top_km:
            raise UserInputError(
                f"shell altitudes {self.bottom_km} to {self.top_km} km: need 0 < bottom < top"
            )
        if self.kind == "gaussian" and (
            self.sigma_km <= 0 or not self.bottom_km <= self.peak_km <= self.top_km
        ):
            raise UserInputError("Gaussian shell: sigma_km must be > 0 and the peak inside the support")

    @classmethod
    def slab(cls, bottom_km: float = 110.0, top_km: float = 130.0) -> ShellProfile:
        """Uniform emission between ``bottom_km`` and ``top_km`` altitude."""
        return cls("slab", bottom_km, top_km, 0.5 * (bottom_km + top_km), top_km - bottom_km)

    @classmethod
    def gaussian(cls, peak_km: float = 120.0, sigma_km: float = 10.0, n_sigma: float = 4.0) -> ShellProfile:
        """Gaussian in altitude, cut at ``peak ± n_sigma σ`` (the bottom must stay above ground)."""
        peak, sigma, k = (
            _finite(v, n) for v, n in ((peak_km, "peak_km"), (sigma_km, "sigma_km"), (n_sigma, "n_sigma"))
        )
        if sigma <= 0 or k <= 0:
            raise UserInputError("Gaussian shell: sigma_km and n_sigma must be > 0")
        return cls("gaussian", peak - k * sigma, peak + k * sigma, peak, sigma)

    @property
    def r_in_re(self) -> float:
        """Inner radius of the support [R_E] (R_E = 6371 km)."""
        return 1.0 + self.bottom_km / R_E_KM

    @property
    def r_out_re(self) -> float:
        """Outer radius of the support [R_E]."""
        return 1.0 + self.top_km / R_E_KM

    @property
    def thickness_re(self) -> float:
        return (self.top_km - self.bottom_km) / R_E_KM

    @property
    def norm_per_re(self) -> float:
        """1 / ∫ (unnormalised profile) dr over the support [1/R_E]."""
        if self.kind == "slab":
            return 1.0 / (self.r_out_re - self.r_in_re)
        s = self.sigma_km / R_E_KM
        a = (self.r_in_re - (1.0 + self.peak_km / R_E_KM)) / (s * math.sqrt(2.0))
        b = (self.r_out_re - (1.0 + self.peak_km / R_E_KM)) / (s * math.sqrt(2.0))
        return 1.0 / (s * math.sqrt(math.pi / 2.0) * (math.erf(b) - math.erf(a)))

    def weight_per_re(self, r_re):
        """Profile w(r) [1/R_E] at radius ``r_re`` [R_E]; 0 outside the support; ∫ w dr = 1."""
        r = np.asarray(r_re, dtype=float)
        inside = (r >= self.r_in_re) & (r <= self.r_out_re)
        if self.kind == "slab":
            w = np.where(inside, self.norm_per_re, 0.0)
        else:
            q = (r - (1.0 + self.peak_km / R_E_KM)) / (self.sigma_km / R_E_KM)
            w = np.where(inside, self.norm_per_re * np.exp(-0.5 * q * q), 0.0)
        return w[()] if w.ndim == 0 else w

    def to_array(self) -> np.ndarray:
        """p[9:15] of the kernel parameter vector."""
        return np.array(
            [
                self.r_in_re,
                self.r_out_re,
                float(kernels.PROFILE_SLAB if self.kind == "slab" else kernels.PROFILE_GAUSSIAN),
                1.0 + self.peak_km / R_E_KM,
                self.sigma_km / R_E_KM,
                self.norm_per_re,
            ]
        )

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"kind": self.kind, "bottom_km": self.bottom_km, "top_km": self.top_km}
        if self.kind == "gaussian":
            d.update(peak_km=self.peak_km, sigma_km=self.sigma_km)
        return d


# ---------------------------------------------------------------------------- brightness sources


@dataclass(frozen=True, eq=False)
class BrightnessGrid:
    """A regular magnetic-latitude × MLT brightness map [R], periodic in MLT.

    ``mlat_deg`` (n,) evenly spaced and increasing; ``mlt_h`` (m,) evenly spaced with
    m · ΔMLT = 24 h; ``values_r`` (n, m). :meth:`brightness_at` interpolates bilinearly
    (constant beyond the first and last latitude), as the numba kernels do.
    """

    mlat_deg: np.ndarray
    mlt_h: np.ndarray
    values_r: np.ndarray

    def __post_init__(self) -> None:
        lat = np.asarray(self.mlat_deg, dtype=float)
        mlt = np.asarray(self.mlt_h, dtype=float)
        val = np.ascontiguousarray(self.values_r, dtype=float)
        if lat.ndim != 1 or mlt.ndim != 1 or lat.size < 2 or mlt.size < 2:
            raise UserInputError("brightness grid axes must be 1-D with at least 2 points each")
        if val.shape != (lat.size, mlt.size):
            raise UserInputError(
                f"brightness grid values have shape {val.shape}, expected (n_mlat, n_mlt) = {(lat.size, mlt.size)}"
            )
        dlat, dmlt = np.diff(lat), np.diff(mlt)
        if not (np.all(dlat > 0) and np.allclose(dlat, dlat[0], rtol=1e-9, atol=1e-12)):
            raise UserInputError("brightness grid latitudes must be evenly spaced and increasing")
        if not (
            np.all(dmlt > 0)
            and np.allclose(dmlt, dmlt[0], rtol=1e-9, atol=1e-12)
            and abs(mlt.size * dmlt[0] - 24.0) < 1e-9
        ):
            raise UserInputError(
                "brightness grid MLTs must be evenly spaced, increasing and cover 24 h once "
                "(n_mlt × spacing = 24; do not repeat MLT 24 = 0)"
            )
        if lat[0] < -90.0 - 1e-9 or lat[-1] > 90.0 + 1e-9:
            raise UserInputError("brightness grid latitudes must lie within ±90°")
        if not np.all(np.isfinite(val)):
            raise UserInputError("brightness grid values must be finite")
        for name, arr in (("mlat_deg", lat), ("mlt_h", mlt), ("values_r", val)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @classmethod
    def sample(
        cls,
        brightness,
        n_mlat: int = _DEFAULT_N_MLAT,
        n_mlt: int = _DEFAULT_N_MLT,
        mlat_range_deg: tuple[float, float] = (-90.0, 90.0),
    ) -> BrightnessGrid:
        """Sample ``brightness(mlat_deg, mlt_h)`` on n_mlat latitudes (ends included) × n_mlt MLTs."""
        n_mlat, n_mlt = int(n_mlat), int(n_mlt)
        if n_mlat < 2 or n_mlt < 2:
            raise UserInputError("a brightness grid needs at least 2 latitudes and 2 MLTs")
        lat = np.linspace(float(mlat_range_deg[0]), float(mlat_range_deg[1]), n_mlat)
        mlt = np.arange(n_mlt) * (24.0 / n_mlt)
        return cls(lat, mlt, np.asarray(brightness(lat[:, None], mlt[None, :]), dtype=float))

    @property
    def spec(self) -> np.ndarray:
        """p[15:21] of the kernel parameter vector: mlat0, dmlat, n_mlat, mlt0, dmlt, n_mlt."""
        lat, mlt = self.mlat_deg, self.mlt_h
        return np.array(
            [lat[0], (lat[-1] - lat[0]) / (lat.size - 1), lat.size, mlt[0], 24.0 / mlt.size, mlt.size],
            dtype=float,
        )

    def brightness_at(self, mlat_deg, mlt_h):
        """Bilinear brightness [R] (the same arithmetic as :func:`~.kernels.grid_lookup`)."""
        mlat0, dmlat, nlat, mlt0, dmlt, nmlt = self.spec
        nlat, nmlt = int(nlat), int(nmlt)
        lat, mlt = np.broadcast_arrays(np.asarray(mlat_deg, float), np.asarray(mlt_h, float))
        fi = np.clip((lat - mlat0) / dmlat, 0.0, nlat - 1)
        i0 = np.minimum(np.floor(np.nan_to_num(fi)).astype(np.int64), nlat - 2)
        t = fi - i0
        fj = (mlt - mlt0) / dmlt
        fj = fj - nmlt * np.floor(fj / nmlt)
        j0 = np.floor(np.nan_to_num(fj)).astype(np.int64)
        u = fj - j0
        wrap = j0 >= nmlt
        j0 = np.where(wrap, 0, j0)
        u = np.where(wrap, 0.0, u)
        j1 = np.where(j0 + 1 >= nmlt, 0, j0 + 1)
        g = self.values_r
        out = (1.0 - t) * ((1.0 - u) * g[i0, j0] + u * g[i0, j1]) + t * (
            (1.0 - u) * g[i0 + 1, j0] + u * g[i0 + 1, j1]
        )
        return out[()] if out.ndim == 0 else out

    def as_float32(self) -> np.ndarray:
        """The values as a C-contiguous float32 array (n_mlat, n_mlt), for texture upload."""
        return np.ascontiguousarray(self.values_r, dtype=np.float32)

    @property
    def parameters(self) -> dict:
        return {
            "brightness": "gridded map",
            "n_mlat": int(self.mlat_deg.size),
            "n_mlt": int(self.mlt_h.size),
            "mlat_range_deg": [float(self.mlat_deg[0]), float(self.mlat_deg[-1])],
            "max_r": float(self.values_r.max()),
        }


@dataclass(frozen=True)
class ZhangPaxtonLBH:
    """LBH-long brightness [R] of the Zhang & Paxton (2008) energy flux (Sotirelis et al. 2013).

    ``brightness_at = 405.46 R/(erg cm^-2 s^-1) × Q(mlat, MLT; Kp)``, no mean-energy dependence.
    """

    precipitation: ZhangPaxton2008

    def brightness_at(self, mlat_deg, mlt_h):
        return LBHL_R_PER_ERG_CM2_S * self.precipitation.energy_flux(mlat_deg, mlt_h)

    def energy_flux(self, mlat_deg, mlt_h):
        """Electron energy flux [erg cm^-2 s^-1]."""
        return self.precipitation.energy_flux(mlat_deg, mlt_h)

    def mean_energy(self, mlat_deg, mlt_h):
        """Electron mean energy [keV]."""
        return self.precipitation.mean_energy(mlat_deg, mlt_h)

    @property
    def parameters(self) -> dict:
        return {
            "brightness": "LBH-long from electron energy flux, Sotirelis et al. (2013), J. Geophys. Res. "
            "Space Physics 118, 1203-1209: J_E = 4.90e8 eV s^-1 sr^-1 cm^-2 per R, isotropic "
            "precipitation (Q = pi J_E)",
            "lbhl_r_per_erg_cm2_s": LBHL_R_PER_ERG_CM2_S,
            "precipitation": self.precipitation.parameters,
        }


# ---------------------------------------------------------------------------- the shell


@lru_cache(maxsize=16)
def sampled_grid(
    source, n_mlat: int, n_mlt: int, mlat_lo_deg: float = -90.0, mlat_hi_deg: float = 90.0
) -> BrightnessGrid:
    """``source.brightness_at`` sampled on a regular grid, cached on the source's value.

    The key is what the map depends on: for :class:`ZhangPaxtonLBH` its Kp and below-lowest-bin
    rule (the map is in magnetic latitude and MLT, so time, season and dipole tilt enter only
    through the rotation to SM, which is not part of the grid), and the grid's size. Every
    image of the window builds a new shell; with the same Kp they share one grid.
    ``sampled_grid.cache_info()`` counts hits and misses.
    """
    return BrightnessGrid.sample(source.brightness_at, n_mlat, n_mlt, (mlat_lo_deg, mlat_hi_deg))


class AuroralShell:
    """Auroral LBH-long emission on a thin shell above the Earth (see the module docstring).

    ``source`` is anything with ``brightness_at(mlat_deg, mlt_h) -> R`` and a ``parameters``
    dict (:class:`ZhangPaxtonLBH`, :class:`BrightnessGrid`). Usually built with
    :meth:`from_kp`, :meth:`from_solar_wind`, :meth:`from_grid` or :meth:`uniform`.
    """

    def __init__(self, source, profile: ShellProfile | None = None):
        if not callable(getattr(source, "brightness_at", None)):
            raise UserInputError("an auroral shell needs a source with brightness_at(mlat_deg, mlt_h)")
        self.source = source
        self.profile = profile if profile is not None else ShellProfile.slab()
        self._grids: dict[tuple, BrightnessGrid] = {}
        self._matrices: dict[tuple, np.ndarray] = {}

    # -- constructors

    @classmethod
    def from_kp(
        cls, kp: float, *, profile: ShellProfile | None = None, below_lowest_bin: BelowLowest = "paper"
    ) -> AuroralShell:
        """Zhang & Paxton (2008) at ``kp`` → LBH-long (Sotirelis et al. 2013)."""
        return cls(ZhangPaxtonLBH(ZhangPaxton2008(kp, below_lowest_bin)), profile)

    @classmethod
    def from_solar_wind(cls, solar_wind, *, profile: ShellProfile | None = None) -> AuroralShell:
        """As :meth:`from_kp` with Kp from the solar wind (Newell et al. 2008)."""
        return cls(ZhangPaxtonLBH(ZhangPaxton2008.from_solar_wind(solar_wind)), profile)

    @classmethod
    def from_grid(cls, mlat_deg, mlt_h, values_r, *, profile: ShellProfile | None = None) -> AuroralShell:
        """Any gridded brightness map [R] (see :class:`BrightnessGrid` for the axes' rules)."""
        return cls(BrightnessGrid(mlat_deg, mlt_h, values_r), profile)

    @classmethod
    def uniform(cls, brightness_r: float, *, profile: ShellProfile | None = None) -> AuroralShell:
        """The same brightness [R] everywhere (for checks of the geometry)."""
        b = _finite(brightness_r, "brightness_r")
        return cls.from_grid([-90.0, 90.0], [0.0, 12.0], np.full((2, 2), b), profile=profile)

    # -- brightness

    def brightness_at(self, mlat_deg, mlt_h):
        """Column brightness [R] at magnetic latitude [deg] and MLT [h] (vectorised)."""
        return self.source.brightness_at(mlat_deg, mlt_h)

    def grid(
        self,
        n_mlat: int | None = None,
        n_mlt: int | None = None,
        mlat_range_deg: tuple[float, float] | None = None,
    ) -> BrightnessGrid:
        """The brightness on a regular mlat × MLT grid, e.g. for the kernels or a texture.

        With no arguments: the source itself when it is a :class:`BrightnessGrid`, else the
        default 721 × 240 grid (0.25° from −90° to 90°, 0.1 h). Cached per size.
        """
        if (
            n_mlat is None
            and n_mlt is None
            and mlat_range_deg is None
            and isinstance(self.source, BrightnessGrid)
        ):
            return self.source
        rng = mlat_range_deg if mlat_range_deg is not None else (-90.0, 90.0)
        key = (int(n_mlat or _DEFAULT_N_MLAT), int(n_mlt or _DEFAULT_N_MLT), float(rng[0]), float(rng[1]))
        if key not in self._grids:
            try:
                hash(self.source)
            except TypeError:  # a source that cannot key a cache: sampled for this shell only
                self._grids[key] = BrightnessGrid.sample(self.brightness_at, key[0], key[1], key[2:])
            else:
                self._grids[key] = sampled_grid(self.source, *key)
        return self._grids[key]

    # -- geometry

    @property
    def radial_bounds_re(self) -> tuple[float, float]:
        """(r_in, r_out) [R_E]: the shell's radial support; the emission is 0 outside."""
        return self.profile.r_in_re, self.profile.r_out_re

    def _matrix_to_sm(self, t: Time, frame: str) -> np.ndarray:
        key = (t.scale, float(t.jd1), float(t.jd2), str(frame).lower())
        m = self._matrices.get(key)
        if m is None:
            if len(self._matrices) > 64:
                self._matrices.clear()
            m = self._matrices[key] = to_sm_matrix(t, frame)
        return m

    def _to_sm_selected(self, xyz: np.ndarray, sel: np.ndarray, time, frame: str) -> np.ndarray:
        """SM positions of ``xyz[sel]`` (one time, or one per point)."""
        t = _as_time(time)
        if t.isscalar:
            return xyz[sel] @ self._matrix_to_sm(t, frame).T
        xyz_sm = transform(xyz, t, frame, "sm")
        if xyz_sm.shape != xyz.shape:
            raise UserInputError(
                f"times of shape {t.shape} must broadcast to the positions' shape {xyz.shape[:-1]}"
            )
        return xyz_sm[sel]

    # -- emission

    def volume_emission(
        self, xyz_re, time, frame: str = "gse", *, source: Literal["model", "grid"] = "model"
    ):
        """Volume emission rate [R/R_E] at positions ``xyz_re`` (..., 3) [R_E] in ``frame``.

        Integrate it over path length in R_E to get Rayleigh. ``time``: one time, or one
        per point. ``source="grid"`` uses the default :meth:`grid` (what the kernels do).
        Multiply by :data:`PHOTONS_CM3_S_PER_R_PER_RE` for photons cm^-3 s^-1.
        """
        xyz = np.asarray(xyz_re, dtype=float)
        if xyz.ndim == 0 or xyz.shape[-1] != 3:
            raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
        if source not in ("model", "grid"):
            raise UserInputError(f"source = {source!r}: use 'model' or 'grid'")
        r = np.linalg.norm(xyz, axis=-1)
        w = np.asarray(self.profile.weight_per_re(r))
        out = np.where(np.isnan(r), np.nan, 0.0)
        sel = w > 0.0
        if np.any(sel):
            mlat, mlt = sm_to_mlat_mlt(self._to_sm_selected(xyz, sel, time, frame))
            if source == "grid":
                b = self.grid().brightness_at(mlat, mlt)
            else:
                b = self.brightness_at(mlat, mlt)
            out[sel] = w[sel] * b
        return out[()] if out.ndim == 0 else out

    def kernel_arrays(self, time, frame: str = "gse", grid: BrightnessGrid | None = None):
        """``(p, grid_values)`` for :func:`~.kernels.auroral_shell_point` at one ``time``:
        p float64 (21,), grid_values C-contiguous float64 (n_mlat, n_mlt) [R]."""
        t = _as_time(time)
        if not t.isscalar:
            raise UserInputError("kernel_arrays takes one time (the rotation to SM is baked in)")
        g = grid if grid is not None else self.grid()
        p = np.concatenate([self._matrix_to_sm(t, frame).ravel(), self.profile.to_array(), g.spec])
        return p, np.ascontiguousarray(g.values_r, dtype=float)

    def analytic_kernel_params(self, time, frame: str = "gse") -> np.ndarray:
        """Parameter vector (122,) for :func:`~.kernels.zp_shell_point` at one ``time``: the
        Zhang & Paxton brightness evaluated per sample, no grid. Only for Zhang & Paxton shells."""
        if not isinstance(self.source, ZhangPaxtonLBH):
            raise UserInputError("analytic kernel parameters exist only for Zhang & Paxton shells")
        t = _as_time(time)
        if not t.isscalar:
            raise UserInputError("analytic_kernel_params takes one time (the rotation to SM is baked in)")
        zp_model = self.source.precipitation
        c = load_coefficients()
        i, f1, f2 = flux_bin_weights(zp_model.kp, zp_model.below_lowest_bin, c)
        return np.concatenate(
            [
                self._matrix_to_sm(t, frame).ravel(),
                self.profile.to_array(),
                [f1, f2, LBHL_R_PER_ERG_CM2_S],
                c.energy_flux[i].ravel(),
                c.energy_flux[i + 1].ravel(),
            ]
        )

    def line_integral(
        self,
        origins_re,
        directions,
        time,
        frame: str = "gse",
        *,
        max_step_km: float = 5.0,
        order: int = 4,
        stop_at_earth: bool = True,
        source: Literal["model", "grid"] = "model",
        chunk: int = 65536,
    ):
        """Brightness [R] seen along rays from ``origins_re`` (..., 3) [R_E] toward ``directions``.

        A reference integrator: the pieces of each ray inside the shell are found exactly
        (:func:`~.kernels.shell_segments`; rays stop at the Earth's surface when
        ``stop_at_earth``), cut into sub-pieces of at most ``max_step_km`` and integrated with
        ``order``-point Gauss–Legendre. Optically thin, no absorption.
        """
        o = np.asarray(origins_re, dtype=float)
        d = np.asarray(directions, dtype=float)
        if o.shape[-1:] != (3,) or d.shape[-1:] != (3,):
            raise UserInputError("origins_re and directions must have 3 components in the last axis")
        o, d = np.broadcast_arrays(o, d)
        shape = o.shape[:-1]
        o = o.reshape(-1, 3)
        norm = np.linalg.norm(d.reshape(-1, 3), axis=-1, keepdims=True)
        if np.any(norm == 0) or not np.all(np.isfinite(norm)):
            raise UserInputError("directions must be finite non-zero vectors")
        d = d.reshape(-1, 3) / norm
        step = _finite(max_step_km, "max_step_km") / R_E_KM
        if step <= 0:
            raise UserInputError("max_step_km must be > 0")
        x_gl, w_gl = np.polynomial.legendre.leggauss(int(order))
        r_in, r_out = self.radial_bounds_re
        seg = kernels.shell_segments_many(
            np.ascontiguousarray(o), np.ascontiguousarray(d), r_in, r_out, 1.0 if stop_at_earth else 0.0
        )
        total = np.zeros(o.shape[0])
        n = seg[:, 0]
        ray = np.concatenate([np.nonzero(n >= 1)[0], np.nonzero(n >= 2)[0]])
        lo = np.concatenate([seg[n >= 1, 1], seg[n >= 2, 3]])
        hi = np.concatenate([seg[n >= 1, 2], seg[n >= 2, 4]])
        m = np.maximum(1, np.ceil((hi - lo) / step)).astype(np.int64)
        sub_ray = np.repeat(ray, m)
        sub_len = np.repeat((hi - lo) / m, m)
        idx = np.arange(sub_ray.size) - np.repeat(np.cumsum(m) - m, m)
        sub_lo = np.repeat(lo, m) + idx * sub_len
        per = max(1, int(chunk) // len(x_gl))
        for start in range(0, sub_ray.size, per):
            sl = slice(start, start + per)
            s = sub_lo[sl, None] + sub_len[sl, None] * (0.5 * (x_gl + 1.0))
            wts = sub_len[sl, None] * (0.5 * w_gl)
            rr = sub_ray[sl]
            pts = o[rr][:, None, :] + s[..., None] * d[rr][:, None, :]
            eps = self.volume_emission(pts, time, frame, source=source)
            total += np.bincount(rr, weights=(eps * wts).sum(axis=1), minlength=total.size)
        return total.reshape(shape)[()] if shape == () else total.reshape(shape)

    # -- provenance

    @property
    def parameters(self) -> dict:
        return {
            "model": "auroral LBH-long emission shell",
            "units": "volume emission in R per R_E (line integral over R_E gives Rayleigh)",
            "profile": self.profile.to_dict(),
            "magnetic_coordinates": "centred dipole (IGRF-14 axis): simplification of AACGM",
            "dayglow": "not modelled",
            "source": self.source.parameters,
        }

    def __repr__(self) -> str:
        return f"AuroralShell(source={type(self.source).__name__}, profile={self.profile.to_dict()})"
