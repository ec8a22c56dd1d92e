"""IGRF-14 internal field: spherical harmonics to degree 13, evaluated in GEO, compiled with numba.

Coefficients: ``assets/models/igrf14.shc`` (provenance beside it), Schmidt semi-normalised
Gauss coefficients g_n^m, h_n^m [nT] at 5-year epochs, interpolated linearly in decimal year
(the IGRF rule; after 2025.0 the secular variation, i.e. the file's 2030.0 column).

Evaluation follows GEOPACK's IGRF_GEO (N. A. Tsyganenko; Python port by S. Tian, package
``geopack``, MIT licence): the coefficients are converted once to Gauss normalisation
(Davis 2004, eqs. 14, 18), and the associated Legendre functions and their θ-derivatives come
from the recursions P^{n,m} = cosθ P^{n-1,m} − K^{n,m} P^{n-2,m}, P^{m,m} = sinθ P^{m-1,m-1}.
Unlike GEOPACK, which truncates the expansion with distance (degree 3 + 30/int(r+2)), the full
degree ``nmax`` (13 by default) is used everywhere.

Length unit: positions are in R_E = ``smile_viewer.constants.R_E_KM`` (6371 km); the IGRF
reference radius is a = 6371.2 km, so the kernels work in units of a (``R_E_TO_A``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numba as nb
import numpy as np

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.resources import asset_path

#: IGRF (and GEOPACK) reference radius [km].
IGRF_REF_RADIUS_KM = 6371.2
#: Multiply a distance in R_E (6371 km) by this to get it in units of the IGRF reference radius.
R_E_TO_A = R_E_KM / IGRF_REF_RADIUS_KM
#: Highest degree of the IGRF expansion.
NMAX = 13
#: Number of (n, m) pairs for n = 0..NMAX, index nm = n(n+1)/2 + m.
NCOEF = (NMAX + 1) * (NMAX + 2) // 2


class IGRFCoefficients:
    """Gauss coefficients of a spherical-harmonic model on a grid of epochs (from an SHC file).

    ``g[k, n, m]``, ``h[k, n, m]`` [nT] at ``epochs[k]`` (decimal years), Schmidt semi-normalised.
    """

    def __init__(self, epochs: np.ndarray, g: np.ndarray, h: np.ndarray, source: str = ""):
        self.epochs = np.asarray(epochs, dtype=np.float64)
        self.g = np.asarray(g, dtype=np.float64)
        self.h = np.asarray(h, dtype=np.float64)
        self.nmax = self.g.shape[1] - 1
        self.source = source

    def at(self, year: float) -> tuple[np.ndarray, np.ndarray]:
        """Schmidt semi-normalised (g, h) [nT], shape (nmax+1, nmax+1), at decimal ``year``.

        Linear interpolation between epochs; after the last epoch the last interval is extended
        (secular variation). Years before the first epoch are refused.
        """
        year = float(year)
        if not np.isfinite(year) or year < self.epochs[0]:
            raise UserInputError(f"IGRF starts in {self.epochs[0]:.0f}: got the year {year}")
        k = int(np.clip(np.searchsorted(self.epochs, year, side="right") - 1, 0, len(self.epochs) - 2))
        f = (year - self.epochs[k]) / (self.epochs[k + 1] - self.epochs[k])
        g = self.g[k] + f * (self.g[k + 1] - self.g[k])
        h = self.h[k] + f * (self.h[k + 1] - self.h[k])
        return g, h


def load_shc(path) -> IGRFCoefficients:
    """Read a spherical-harmonic coefficient file in SHC format (see ``assets/models/PROVENANCE.md``)."""
    path = Path(path)
    try:
        lines = [ln for ln in path.read_text(encoding="ascii").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"cannot read the SHC file ({exc})") from None
    body = [ln for ln in lines if not ln.lstrip().startswith("#")]
    try:
        head = body[0].split()
        nmin, nmax, ntimes = int(head[0]), int(head[1]), int(head[2])
        epochs = np.array([float(v) for v in body[1].split()])
        if len(epochs) != ntimes:
            raise ValueError(f"header says {ntimes} epochs, the epoch line has {len(epochs)}")
        g = np.zeros((ntimes, nmax + 1, nmax + 1))
        h = np.zeros((ntimes, nmax + 1, nmax + 1))
        count = 0
        for ln in body[2:]:
            cols = ln.split()
            n, m = int(cols[0]), int(cols[1])
            vals = np.array([float(v) for v in cols[2:]])
            if len(vals) != ntimes or not (nmin <= n <= nmax) or abs(m) > n:
                raise ValueError(f"bad coefficient line {ln[:40]!r}")
            if m >= 0:
                g[:, n, m] = vals
            else:
                h[:, n, -m] = vals
            count += 1
    except (ValueError, IndexError) as exc:
        raise DataFileError(path, f"not a valid SHC file: {exc}") from None
    expected = sum(2 * n + 1 for n in range(nmin, nmax + 1))
    if count != expected:
        raise DataFileError(
            path, f"expected {expected} coefficient lines for degrees {nmin}-{nmax}, found {count}"
        )
    return IGRFCoefficients(epochs, g, h, source=str(path))


@lru_cache(maxsize=1)
def igrf14() -> IGRFCoefficients:
    """The IGRF-14 coefficients shipped with smile-viewer (``assets/models/igrf14.shc``)."""
    return load_shc(asset_path("models", "igrf14.shc"))


def igrf_coefficients(year: float) -> tuple[np.ndarray, np.ndarray]:
    """IGRF-14 Schmidt semi-normalised (g, h) [nT], shape (14, 14) indexed [n, m], at decimal ``year``."""
    return igrf14().at(year)


def dipole_moment_nt(year: float) -> float:
    """Equatorial surface field of the IGRF centred dipole, B0 = sqrt(g10² + g11² + h11²) [nT]."""
    g, h = igrf_coefficients(year)
    return float(np.sqrt(g[1, 0] ** 2 + g[1, 1] ** 2 + h[1, 1] ** 2))


def dipole_axis_geo(g: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Unit vector in GEO toward the northern geomagnetic pole: −(g11, h11, g10)/|…|."""
    v = -np.array([g[1, 1], h[1, 1], g[1, 0]])
    return v / np.linalg.norm(v)


def gauss_normalised(g: np.ndarray, h: np.ndarray, nmax: int = NMAX):
    """Flatten Schmidt (g, h)[n, m] into GEOPACK's Gauss-normalised arrays and recursion constants.

    Returns ``(gg, hh, rec)``, each (NCOEF,), index nm = n(n+1)/2 + m, for n = 0..13; degrees
    above ``nmax`` are zeroed. rec[nm] = (n−m)(n+m)/((2n+1)(2n−1)) (Davis 2004, eq. 17b).
    """
    if not 1 <= nmax <= NMAX:
        raise UserInputError(f"IGRF degree must be 1..{NMAX}, got {nmax}")
    gg = np.zeros(NCOEF)
    hh = np.zeros(NCOEF)
    rec = np.zeros(NCOEF)
    nsrc = g.shape[0] - 1
    s = 1.0
    for n in range(NMAX + 1):
        if n > 0:
            s *= (2 * n - 1) / n
        p = s
        for m in range(n + 1):
            nm = n * (n + 1) // 2 + m
            n2 = (2 * n + 1) * (2 * n - 1)
            rec[nm] = (n - m) * (n + m) / n2
            if m > 0:
                p *= np.sqrt((2.0 if m == 1 else 1.0) * (n - m + 1) / (n + m))
            if 1 <= n <= min(nmax, nsrc):
                gg[nm] = g[n, m] * p
                hh[nm] = h[n, m] * p
    return gg, hh, rec


@nb.njit(cache=True, fastmath=False)
def igrf_geo_kernel(x, y, z, gg, hh, rec, nmax):
    """IGRF field (bx, by, bz) [nT] in GEO Cartesian at GEO (x, y, z) in units of a = 6371.2 km."""
    rho2 = x * x + y * y
    r = np.sqrt(rho2 + z * z)
    rho = np.sqrt(rho2)
    if rho > 0.0:
        cf = x / rho
        sf = y / rho
    else:
        cf = 1.0
        sf = 0.0
    ct = z / r
    st = rho / r
    smlst = st < 1e-5
    k = nmax + 1
    # an = (a/r)^(n+2) is built up along each inner loop (no arrays: this runs per field evaluation)
    ar = 1.0 / r
    am = ar * ar  # (a/r)^(m+2) at the start of the loop over n for order m
    br = 0.0
    bt = 0.0
    bf = 0.0
    d = 0.0
    p = 1.0
    # m = 0
    p1 = p
    d1 = d
    p2 = 0.0
    d2 = 0.0
    mn = 0
    an = am
    for n in range(k):
        w = gg[mn]
        br += (n + 1) * an * w * p1
        bt -= an * w * d1
        an *= ar
        xk = rec[mn]
        d0 = ct * d1 - st * p1 - xk * d2
        p0 = ct * p1 - xk * p2
        d2 = d1
        p2 = p1
        d1 = d0
        p1 = p0
        mn += n + 1
    d = st * d + ct * p
    p = st * p
    l0 = 0
    cmf = 1.0
    smf = 0.0
    for m in range(1, k):
        # cos(m phi), sin(m phi) by recurrence
        c_new = cmf * cf - smf * sf
        smf = smf * cf + cmf * sf
        cmf = c_new
        p1 = p
        d1 = d
        p2 = 0.0
        d2 = 0.0
        tbf = 0.0
        l0 += m + 1
        mn = l0
        am *= ar
        an = am
        for n in range(m, k):
            w = gg[mn] * cmf + hh[mn] * smf
            br += (n + 1) * an * w * p1
            bt -= an * w * d1
            tp = d1 if smlst else p1
            tbf += an * (gg[mn] * smf - hh[mn] * cmf) * tp
            an *= ar
            xk = rec[mn]
            d0 = ct * d1 - st * p1 - xk * d2
            p0 = ct * p1 - xk * p2
            d2 = d1
            p2 = p1
            d1 = d0
            p1 = p0
            mn += n + 1
        d = st * d + ct * p
        p = st * p
        bf += tbf * m
    if smlst:
        if ct < 0.0:
            bf = -bf
    else:
        bf /= st
    # spherical (br, btheta, bphi) -> Cartesian
    be = br * st + bt * ct
    return be * cf - bf * sf, be * sf + bf * cf, br * ct - bt * st


@nb.njit(cache=True)
def igrf_gsm_kernel(x, y, z, gg, hh, rec, nmax, m_gsm_to_geo, scale):
    """IGRF field in GSM [nT] at GSM (x, y, z) [R_E]; ``m_gsm_to_geo`` (3, 3) rotates GSM→GEO."""
    m = m_gsm_to_geo
    xg = (m[0, 0] * x + m[0, 1] * y + m[0, 2] * z) * scale
    yg = (m[1, 0] * x + m[1, 1] * y + m[1, 2] * z) * scale
    zg = (m[2, 0] * x + m[2, 1] * y + m[2, 2] * z) * scale
    bx, by, bz = igrf_geo_kernel(xg, yg, zg, gg, hh, rec, nmax)
    # back to GSM with the transpose
    return (
        m[0, 0] * bx + m[1, 0] * by + m[2, 0] * bz,
        m[0, 1] * bx + m[1, 1] * by + m[2, 1] * bz,
        m[0, 2] * bx + m[1, 2] * by + m[2, 2] * bz,
    )


@nb.njit(cache=True, parallel=True)
def _igrf_geo_many(xyz, gg, hh, rec, nmax, scale):
    n = xyz.shape[0]
    out = np.empty((n, 3))
    for i in nb.prange(n):
        bx, by, bz = igrf_geo_kernel(
            xyz[i, 0] * scale, xyz[i, 1] * scale, xyz[i, 2] * scale, gg, hh, rec, nmax
        )
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


def _points(xyz_re) -> np.ndarray:
    xyz = np.ascontiguousarray(np.asarray(xyz_re, dtype=np.float64))
    if xyz.ndim == 0 or xyz.shape[-1] != 3:
        raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
    return xyz


def igrf_geo(
    xyz_geo_re, year: float, nmax: int = NMAX, coefficients: IGRFCoefficients | None = None
) -> np.ndarray:
    """IGRF field [nT] in GEO Cartesian components at GEO positions ``xyz_geo_re`` (..., 3) [R_E].

    ``year``: decimal year of the coefficients. ``coefficients``: another SHC model (default IGRF-14).
    """
    xyz = _points(xyz_geo_re)
    coef = coefficients or igrf14()
    gg, hh, rec = gauss_normalised(*coef.at(year), nmax=nmax)
    flat = xyz.reshape(-1, 3)
    out = _igrf_geo_many(flat, gg, hh, rec, nmax, R_E_TO_A)
    return out.reshape(xyz.shape)


def igrf_gsm(xyz_gsm_re, times_or_year, geo_to_gsm=None, nmax: int = NMAX) -> np.ndarray:
    """IGRF field [nT] in GSM at GSM positions ``xyz_gsm_re`` (..., 3) [R_E] for one epoch.

    ``times_or_year``: a time (astropy ``Time`` or ISO string) or a decimal year. With a time and no
    ``geo_to_gsm``, the rotation comes from :func:`smile_viewer.coords.rotation_matrix`; with a
    decimal year, ``geo_to_gsm`` (3, 3) (v_gsm = R @ v_geo) is required.
    """
    xyz = _points(xyz_gsm_re)
    year, r = _year_and_rotation(times_or_year, geo_to_gsm)
    geo = xyz @ r  # rows: R^T v  (GSM -> GEO)
    b_geo = igrf_geo(geo, year, nmax=nmax)
    return b_geo @ r.T


def _year_and_rotation(times_or_year, geo_to_gsm):
    if isinstance(times_or_year, (int, float, np.floating, np.integer)):
        if geo_to_gsm is None:
            raise UserInputError("igrf_gsm with a decimal year needs the GEO→GSM rotation matrix geo_to_gsm")
        return float(times_or_year), _rotation(geo_to_gsm)
    # lazy: import cycle (field.model imports this module via field.dipole)
    from smile_viewer.physics.field.model import decimal_year

    year = decimal_year(times_or_year)
    if geo_to_gsm is None:
        geo_to_gsm = rotation_matrix(times_or_year, "geo", "gsm")
    return year, _rotation(geo_to_gsm)


def _rotation(m) -> np.ndarray:
    r = np.asarray(m, dtype=np.float64)
    if r.shape != (3, 3):
        raise UserInputError(f"a rotation matrix must be 3×3, got shape {r.shape}")
    if not np.allclose(r @ r.T, np.eye(3), atol=1e-9):
        raise UserInputError("geo_to_gsm is not a rotation matrix (R Rᵀ ≠ I)")
    return r
