"""``FieldModel``: an internal field (dipole or IGRF) plus an optional external one (T89, T96), in GSM.

The model is a frozen description (what the user chose) with ``b_gsm(xyz_re)``; the same numbers
are handed to the compiled tracer (:mod:`smile_viewer.physics.field.trace`) through
:meth:`FieldModel.kernel_args`, so the field the tracer follows is exactly the field ``b_gsm`` returns.

Conventions: positions in R_E (6371 km), GSM; field in nT, GSM; dipole tilt ψ in radians, positive
when the northern dipole pole leans sunward (GEOPACK). For IGRF the GSM frame at a time is given by
the GEO→GSM rotation (from :mod:`smile_viewer.coords` in :meth:`FieldModel.at_time`); the tilt is then
derived from that rotation and the IGRF-14 dipole axis of the same epoch, exactly as GEOPACK's RECALC
does, so the T89/T96 tilt and the IGRF frame are consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import erfa
import numba as nb
import numpy as np
from astropy.time import Time

from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError
from smile_viewer.physics.field import igrf as _igrf
from smile_viewer.physics.field.dipole import B0_2025_NT, dipole_kernel
from smile_viewer.physics.field.igrf import R_E_TO_A, igrf_gsm_kernel
from smile_viewer.physics.field.t89 import T89_PARAMS, check_iopt, kp_to_iopt, t89_kernel
from smile_viewer.physics.field.t96 import check_t96_params, t96_kernel

INTERNAL_MODELS = ("dipole", "igrf")
EXTERNAL_MODELS = (None, "t89", "t96")

# Layout of the parameter vector handed to the kernels.
P_INTERNAL, P_EXTERNAL, P_TILT, P_SPS, P_CPS, P_B0, P_NMAX, P_SCALE = range(8)
P_PDYN, P_DST, P_BY, P_BZ = range(8, 12)
P_SIZE = 12


def decimal_year(time) -> float:
    """Decimal year (calendar-year fraction, UTC) of one time: astropy ``Time``, ISO string or datetime."""
    try:
        t = time if isinstance(time, Time) else Time(time, scale="utc")
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"cannot read the time {time!r}: {exc}") from None
    if t.ndim != 0:
        raise UserInputError(f"a field model needs one time, got an array of shape {t.shape}")
    u = t.utc
    iy, _, _, _ = erfa.jd2cal(u.jd1, u.jd2)
    start = sum(erfa.cal2jd(iy, 1, 1))
    end = sum(erfa.cal2jd(iy + 1, 1, 1))
    return float(iy + ((u.jd1 - start) + u.jd2) / (end - start))


@nb.njit(cache=True)
def b_total_kernel(x, y, z, p, a89, gg, hh, rec, m_gsm_to_geo):
    """Total field (bx, by, bz) [nT] in GSM at GSM (x, y, z) [R_E] for the packed model parameters."""
    s = p[P_SCALE]
    xs = x * s
    ys = y * s
    zs = z * s
    if p[P_INTERNAL] == 0.0:
        bx, by, bz = dipole_kernel(xs, ys, zs, p[P_SPS], p[P_CPS], p[P_B0])
    else:
        bx, by, bz = igrf_gsm_kernel(x, y, z, gg, hh, rec, int(p[P_NMAX]), m_gsm_to_geo, s)
    ext = p[P_EXTERNAL]
    if ext == 1.0:
        ex, ey, ez = t89_kernel(xs, ys, zs, p[P_TILT], a89)
        bx += ex
        by += ey
        bz += ez
    elif ext == 2.0:
        ex, ey, ez = t96_kernel(xs, ys, zs, p[P_TILT], p[P_PDYN], p[P_DST], p[P_BY], p[P_BZ])
        bx += ex
        by += ey
        bz += ez
    return bx, by, bz


@nb.njit(cache=True, parallel=True)
def _b_many(xyz, p, a89, gg, hh, rec, m):
    n = xyz.shape[0]
    out = np.empty((n, 3))
    for i in nb.prange(n):
        bx, by, bz = b_total_kernel(xyz[i, 0], xyz[i, 1], xyz[i, 2], p, a89, gg, hh, rec, m)
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


@dataclass(frozen=True, eq=False)
class FieldModel:
    """Magnetospheric field model in GSM: ``internal`` ("dipole" | "igrf") + ``external`` (None | "t89" | "t96").

    Parameters
    ----------
    internal, external:
        Model names. T89 needs ``iopt`` (1..7) or ``kp``; T96 needs ``pdyn_npa``, ``dst_nt``, ``by_nt``, ``bz_nt``.
    tilt_rad:
        Dipole tilt [rad]. For "igrf" it is derived from ``geo_to_gsm`` and the IGRF dipole axis when
        left out (a given value must agree within 1e-4 rad); for "dipole" it defaults to 0.
    year:
        Decimal year of the IGRF coefficients (required for "igrf"; for "dipole" it sets ``b0_nt``).
    geo_to_gsm:
        (3, 3) rotation with v_gsm = R @ v_geo (required for "igrf").
    b0_nt:
        Dipole moment as the equatorial surface field [nT]; default: IGRF at ``year`` (or at 2025.0).
    igrf_nmax:
        Highest IGRF degree (1..13).

    Use :meth:`at_time` to build one for a time (rotation, tilt and coefficients from the time).
    """

    internal: str = "dipole"
    external: str | None = None
    tilt_rad: float | None = None
    year: float | None = None
    geo_to_gsm: np.ndarray | None = field(default=None, repr=False)
    b0_nt: float | None = None
    iopt: int | None = None
    kp: float | None = None
    pdyn_npa: float | None = None
    dst_nt: float | None = None
    by_nt: float | None = None
    bz_nt: float | None = None
    igrf_nmax: int = _igrf.NMAX

    def __post_init__(self):
        internal = str(self.internal).lower()
        external = None if self.external in (None, "", "none") else str(self.external).lower()
        if internal not in INTERNAL_MODELS:
            raise UserInputError(f"unknown internal field model {self.internal!r}: use 'dipole' or 'igrf'")
        if external not in EXTERNAL_MODELS:
            raise UserInputError(f"unknown external field model {self.external!r}: use None, 't89' or 't96'")
        object.__setattr__(self, "internal", internal)
        object.__setattr__(self, "external", external)
        year = None if self.year is None else float(self.year)
        object.__setattr__(self, "year", year)
        if year is not None and year < _igrf.igrf14().epochs[0]:
            raise UserInputError(f"IGRF starts in 1900: got the year {year}")
        nmax = int(self.igrf_nmax)
        if not 1 <= nmax <= _igrf.NMAX:
            raise UserInputError(f"igrf_nmax must be 1..{_igrf.NMAX}, got {self.igrf_nmax}")

        if internal == "igrf":
            if year is None or self.geo_to_gsm is None:
                raise UserInputError("the IGRF model needs year and geo_to_gsm (or use FieldModel.at_time)")
            r = _igrf._rotation(self.geo_to_gsm)
            object.__setattr__(self, "geo_to_gsm", r)
            g, h = _igrf.igrf_coefficients(year)
            axis_gsm = r @ _igrf.dipole_axis_geo(g, h)
            tilt = float(np.arcsin(np.clip(axis_gsm[0], -1.0, 1.0)))
            if abs(axis_gsm[1]) > 1e-4:
                raise UserInputError(
                    "geo_to_gsm does not put the IGRF dipole axis in the GSM X-Z plane "
                    f"(Y component {axis_gsm[1]:.2e}): is it a GEO→GSM rotation for this year?"
                )
            if self.tilt_rad is not None and abs(float(self.tilt_rad) - tilt) > 1e-4:
                raise UserInputError(
                    f"tilt_rad={self.tilt_rad} disagrees with the tilt {tilt:.6f} rad of the IGRF dipole in this GSM frame"
                )
            object.__setattr__(self, "tilt_rad", tilt)
        else:
            tilt = 0.0 if self.tilt_rad is None else float(self.tilt_rad)
            if not abs(tilt) <= np.pi / 2:
                raise UserInputError(f"dipole tilt must be in radians within ±π/2, got {self.tilt_rad}")
            object.__setattr__(self, "tilt_rad", tilt)
        if self.b0_nt is None:
            b0 = _igrf.dipole_moment_nt(year) if year is not None else B0_2025_NT
            object.__setattr__(self, "b0_nt", float(b0))
        elif not float(self.b0_nt) > 0:
            raise UserInputError(f"b0_nt must be positive, got {self.b0_nt}")

        if external == "t89":
            if self.iopt is None and self.kp is None:
                raise UserInputError("T89 needs iopt (1..7) or kp (0..9)")
            iopt = check_iopt(self.iopt) if self.iopt is not None else kp_to_iopt(self.kp)
            if self.iopt is not None and self.kp is not None and kp_to_iopt(self.kp) != iopt:
                raise UserInputError(f"kp={self.kp} and iopt={self.iopt} disagree")
            object.__setattr__(self, "iopt", iopt)
        elif external == "t96":
            missing = [n for n in ("pdyn_npa", "dst_nt", "by_nt", "bz_nt") if getattr(self, n) is None]
            if missing:
                raise UserInputError(f"T96 needs {', '.join(missing)}")
            vals = check_t96_params(self.pdyn_npa, self.dst_nt, self.by_nt, self.bz_nt)
            for n, v in zip(("pdyn_npa", "dst_nt", "by_nt", "bz_nt"), vals):
                object.__setattr__(self, n, v)

    # ------------------------------------------------------------------ construction

    @classmethod
    def at_time(cls, time, internal: str = "igrf", external: str | None = None, **params) -> FieldModel:
        """Model at ``time`` (astropy ``Time`` or ISO string): GEO→GSM from :mod:`smile_viewer.coords`,
        IGRF-14 coefficients and dipole moment of the epoch, tilt consistent with both."""
        year = decimal_year(time)
        r = np.asarray(rotation_matrix(time, "geo", "gsm"), dtype=np.float64).reshape(3, 3)
        if str(internal).lower() == "dipole" and "tilt_rad" not in params:
            g, h = _igrf.igrf_coefficients(year)
            params["tilt_rad"] = float(np.arcsin(np.clip((r @ _igrf.dipole_axis_geo(g, h))[0], -1, 1)))
        return cls(internal=internal, external=external, year=year, geo_to_gsm=r, **params)

    def with_params(self, **changes) -> FieldModel:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ evaluation

    def kernel_args(self, internal_only: bool = False, external_only: bool = False):
        """Packed arguments ``(p, a89, gg, hh, rec, m_gsm_to_geo)`` of :func:`b_total_kernel`."""
        p = np.zeros(P_SIZE)
        p[P_INTERNAL] = 0.0 if self.internal == "dipole" else 1.0
        ext = {None: 0.0, "t89": 1.0, "t96": 2.0}[self.external]
        p[P_EXTERNAL] = 0.0 if internal_only else ext
        p[P_TILT] = self.tilt_rad
        p[P_SPS] = np.sin(self.tilt_rad)
        p[P_CPS] = np.cos(self.tilt_rad)
        p[P_B0] = 0.0 if external_only else self.b0_nt
        p[P_NMAX] = self.igrf_nmax
        p[P_SCALE] = R_E_TO_A
        if self.external == "t96":
            p[P_PDYN], p[P_DST], p[P_BY], p[P_BZ] = self.pdyn_npa, self.dst_nt, self.by_nt, self.bz_nt
        a89 = np.ascontiguousarray(T89_PARAMS[(self.iopt or 1) - 1])
        if self.internal == "igrf" and not external_only:
            gg, hh, rec = _igrf.gauss_normalised(*_igrf.igrf_coefficients(self.year), nmax=self.igrf_nmax)
            m = np.ascontiguousarray(self.geo_to_gsm.T)
        else:
            gg = np.zeros(_igrf.NCOEF)
            hh = np.zeros(_igrf.NCOEF)
            rec = np.zeros(_igrf.NCOEF)
            m = np.eye(3)
            if self.internal == "igrf":  # external only: an IGRF with zero coefficients
                m = np.ascontiguousarray(self.geo_to_gsm.T)
        return p, a89, gg, hh, rec, m

    def _evaluate(self, xyz_re, **kw) -> np.ndarray:
        xyz = np.ascontiguousarray(np.asarray(xyz_re, dtype=np.float64))
        if xyz.ndim == 0 or xyz.shape[-1] != 3:
            raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
        out = _b_many(xyz.reshape(-1, 3), *self.kernel_args(**kw))
        return out.reshape(xyz.shape)

    def b_gsm(self, xyz_re) -> np.ndarray:
        """Total field [nT] in GSM at GSM positions ``xyz_re`` (..., 3) [R_E]."""
        return self._evaluate(xyz_re)

    def b_internal_gsm(self, xyz_re) -> np.ndarray:
        """Internal (dipole or IGRF) part [nT] in GSM."""
        return self._evaluate(xyz_re, internal_only=True)

    def b_external_gsm(self, xyz_re) -> np.ndarray:
        """External (T89/T96) part [nT] in GSM (zeros without an external model)."""
        if self.external is None:
            xyz = np.asarray(xyz_re, dtype=np.float64)
            return np.zeros(xyz.shape)
        return self._evaluate(xyz_re, external_only=True)

    def describe(self) -> dict:
        """Plain-data description (for provenance records)."""
        d = {
            "internal": self.internal,
            "external": self.external,
            "tilt_rad": self.tilt_rad,
            "b0_nt": self.b0_nt,
            "year": self.year,
        }
        if self.internal == "igrf":
            d["igrf"] = {"generation": 14, "nmax": self.igrf_nmax}
        if self.external == "t89":
            d["iopt"] = self.iopt
        if self.external == "t96":
            d.update(pdyn_npa=self.pdyn_npa, dst_nt=self.dst_nt, by_nt=self.by_nt, bz_nt=self.bz_nt)
        return d
