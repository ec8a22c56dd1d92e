"""Geocentric frames GEI, GEO, GSE, GSM and SM, the dipole tilt and the Sun direction.

Frames (all geocentric; a transform is a pure rotation, so any length unit works):

- ``gei``: geocentric equatorial inertial, J2000 axes, taken as the GCRS (the 23-mas
  frame bias between GCRS and the mean equator and equinox of J2000 is neglected).
- ``geo``: Earth-fixed, the ITRS with polar motion neglected (≲ 3e-6 rad):
  GEO = R_z(ERA) · C(X, Y, s), IAU 2006/2000A precession-nutation (CIO based).
- ``gse``: X toward the Sun, Z along the component perpendicular to X of the mean
  ecliptic pole of date (IAU 2006, ``erfa.ecm06``).
- ``gsm``: X toward the Sun, the northern dipole axis D in the XZ plane (Z·D > 0).
- ``sm``: Z along D, Y = Y_GSM, X = Y × Z.

The Sun direction is the *apparent* geocentric direction: the geometric Earth→Sun vector
of ``erfa.epv00`` with annual aberration (``erfa.ab``), as GEOPACK, Hapgood (1992) and
sunpy's GSM/SM frames have it. sunpy's GSE omits aberration, so its X axis differs from
ours by about 20.5″ (1e-4 rad) of rotation about Z. Light time (the Sun's barycentric
motion during 8.3 min) is below 5e-8 rad and neglected. The dipole axis comes from
IGRF-14 (``smile_viewer.coords.igrf``).

Speed: precession-nutation (CIP X, Y, s), the Sun direction and UT1−TT vary slowly; they
are evaluated on a fixed grid of TT nodes every ``NODE_STEP_DAYS`` (anchored at J2000, so
a result does not depend on the other times in a batch) and interpolated with 4-point
cubic Lagrange polynomials: error < 2e-10 rad in precession-nutation and Sun, < 2e-9 rad
in Earth rotation (UT1), measured in the tests. Earth rotation angle, ecliptic pole and
IGRF are computed exactly at each time. Cost: about 1 µs per time plus about 65 µs per
node (spread over the CPU cores when there are thousands), so 100,000 times within a year
take about 0.1 s, and scattered over 30 years (22,000 nodes) about 1 s on 2 cores.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import erfa
import numpy as np
from astropy.time import ScaleValueError, Time

from smile_viewer.coords import igrf
from smile_viewer.errors import UserInputError

FRAMES = ("gei", "geo", "gse", "gsm", "sm")

#: Step of the interpolation grid for the slowly varying quantities [day].
NODE_STEP_DAYS = 0.5
_J2000 = erfa.DJ00
_OFFSETS = np.arange(-1, 3)  # the 4 nodes around each time: k-1, k, k+1, k+2
_CPUS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
_MIN_PER_THREAD = 2000  # nodes; below this a thread costs more than it saves


# ---------------------------------------------------------------------------- helpers


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def _rows(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rotation matrix whose rows are the new axes expressed in the old frame."""
    return np.stack([x, y, z], axis=-2)


def _check_frame(name: str) -> str:
    key = str(name).strip().lower()
    if key not in FRAMES:
        raise UserInputError(f"unknown frame {name!r}: use one of {', '.join(FRAMES)}")
    return key


def _as_time(times) -> Time:
    if isinstance(times, Time):
        return times
    try:
        return Time(times, scale="utc")
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"cannot read times {times!r}: {exc}") from None


# ---------------------------------------------------------------------------- slow parts


def _erfa_slow(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """(m, 6): CIP X, Y and CIO locator s [rad] (IAU 2006/2000A), apparent Sun unit vector (GCRS)."""
    x, y, s = erfa.xys06a(jd1, jd2)
    pvh, pvb = erfa.epv00(jd1, jd2)  # takes TDB; TDB − TT < 2 ms is negligible here
    earth_sun = -pvh["p"]
    dist_au = np.linalg.norm(earth_sun, axis=-1)
    v = pvb["v"] / erfa.DC  # Earth's barycentric velocity / c
    sun = erfa.ab(earth_sun / dist_au[:, None], v, dist_au, np.sqrt(1.0 - _dot(v, v)))
    return np.column_stack([x, y, s, sun])


def _slow_values(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """(m, 7) slowly varying values at TT (jd1, jd2), computed exactly: ``_erfa_slow``'s six
    and UT1 − TT [day]. Large inputs are split over threads (erfa releases the GIL)."""
    workers = min(_CPUS, jd1.size // _MIN_PER_THREAD)
    if workers > 1:
        chunks = np.array_split(np.arange(jd1.size), workers)
        with ThreadPoolExecutor(workers) as pool:
            fast = np.concatenate(list(pool.map(lambda i: _erfa_slow(jd1[i], jd2[i]), chunks)))
    else:
        fast = _erfa_slow(jd1, jd2)
    ut1 = Time(jd1, jd2, format="jd", scale="tt").ut1
    dut = (ut1.jd1 - jd1) + (ut1.jd2 - jd2)
    return np.column_stack([fast, dut])


def _interpolated_slow(jd1: np.ndarray, jd2: np.ndarray) -> np.ndarray:
    """(n, 7) slow values at TT (jd1, jd2), cubic Lagrange on the fixed node grid."""
    f = ((jd1 - _J2000) + jd2) / NODE_STEP_DAYS
    k = np.floor(f).astype(np.int64)
    u = (f - k)[:, None]
    nodes = np.unique(np.unique(k)[:, None] + _OFFSETS)
    where = np.searchsorted(nodes, k[:, None] + _OFFSETS)
    vals = _slow_values(np.full(nodes.shape, _J2000), nodes * NODE_STEP_DAYS)[where]  # (n, 4, 7)
    w = np.concatenate(
        [
            -u * (u - 1) * (u - 2) / 6,
            (u + 1) * (u - 1) * (u - 2) / 2,
            -(u + 1) * u * (u - 2) / 2,
            (u + 1) * u * (u - 1) / 6,
        ],
        axis=1,
    )
    return np.einsum("nj,njc->nc", w, vals)


# ---------------------------------------------------------------------------- epochs


class _Epochs:
    """Frame axes at a set of times, computed on demand (flat arrays of n times)."""

    def __init__(self, times):
        t = _as_time(times)
        try:
            tt = t.tt
        except ScaleValueError as exc:  # scale 'local' has no link to TT
            raise UserInputError(f"cannot convert times in scale {t.scale!r} to TT: {exc}") from None
        self.shape = t.shape
        self.jd1 = np.ravel(tt.jd1).astype(float)
        self.jd2 = np.ravel(tt.jd2).astype(float)

    @cached_property
    def _slow(self) -> np.ndarray:
        return _interpolated_slow(self.jd1, self.jd2)

    @cached_property
    def sun(self) -> np.ndarray:
        """Apparent Sun unit vectors in GEI, (n, 3)."""
        return _unit(self._slow[:, 3:6])

    @cached_property
    def ecliptic_pole(self) -> np.ndarray:
        """Mean ecliptic pole of date in GEI, (n, 3)."""
        return erfa.ecm06(self.jd1, self.jd2)[:, 2, :]

    @cached_property
    def gei_to_geo(self) -> np.ndarray:
        """GEI→GEO rotation matrices R_z(ERA) · C(X, Y, s), (n, 3, 3); no polar motion."""
        x, y, s, dut = (self._slow[:, i] for i in (0, 1, 2, 6))
        c2i = erfa.c2ixys(x, y, s)
        era = erfa.era00(self.jd1, self.jd2 + dut)
        c, sn = np.cos(era)[:, None], np.sin(era)[:, None]
        return _rows(c * c2i[:, 0] + sn * c2i[:, 1], c * c2i[:, 1] - sn * c2i[:, 0], c2i[:, 2])

    @cached_property
    def dipole(self) -> np.ndarray:
        """Northern dipole axis in GEI, (n, 3)."""
        pole_geo = igrf.dipole_pole_geo(igrf.decimal_year(self.jd1, self.jd2))
        return np.einsum("nji,nj->ni", self.gei_to_geo, pole_geo)

    @cached_property
    def y_gsm(self) -> np.ndarray:
        return _unit(np.cross(self.dipole, self.sun))

    def gei_to(self, frame: str) -> np.ndarray:
        """GEI→``frame`` rotation matrices, (n, 3, 3)."""
        if frame == "gei":
            return np.broadcast_to(np.eye(3), (self.jd1.size, 3, 3))
        if frame == "geo":
            return self.gei_to_geo
        x = self.sun
        if frame == "gse":
            z = _unit(self.ecliptic_pole - _dot(self.ecliptic_pole, x)[:, None] * x)
            return _rows(x, np.cross(z, x), z)
        y = self.y_gsm
        if frame == "gsm":
            return _rows(x, y, np.cross(x, y))
        return _rows(np.cross(y, self.dipole), y, self.dipole)  # sm

    def matrix(self, src: str, dst: str) -> np.ndarray:
        """src→dst rotation matrices, (n, 3, 3)."""
        if src == dst:
            return np.broadcast_to(np.eye(3), (self.jd1.size, 3, 3))
        if src == "gei":
            return self.gei_to(dst)
        if dst == "gei":
            return np.swapaxes(self.gei_to(src), -1, -2)
        return self.gei_to(dst) @ np.swapaxes(self.gei_to(src), -1, -2)

    def in_frame(self, v_gei: np.ndarray, frame: str) -> np.ndarray:
        """GEI vectors (n, 3) expressed in ``frame``, reshaped to the times' shape + (3,)."""
        out = v_gei if frame == "gei" else np.einsum("nij,nj->ni", self.gei_to(frame), v_gei)
        return out.reshape(self.shape + (3,))


# ---------------------------------------------------------------------------- public API


def rotation_matrix(times, src: str, dst: str) -> np.ndarray:
    """Rotation R with v_dst = R @ v_src: shape (3, 3) for a scalar time, else times.shape + (3, 3)."""
    src, dst = _check_frame(src), _check_frame(dst)
    ep = _Epochs(times)
    return np.array(ep.matrix(src, dst)).reshape(ep.shape + (3, 3))


def transform(xyz_re, times, src: str, dst: str) -> np.ndarray:
    """Rotate positions or vectors ``xyz_re`` (..., 3) [R_E, or any unit] from ``src`` to ``dst``.

    ``times``: an astropy ``Time`` (any scale), scalar (one rotation for all points) or an
    array broadcastable against ``xyz_re.shape[:-1]`` (typically one time per point).
    Returns float64 of the broadcast shape (the shape of ``xyz_re`` in the usual cases).
    """
    src, dst = _check_frame(src), _check_frame(dst)
    xyz = np.asarray(xyz_re, dtype=np.float64)
    if xyz.ndim == 0 or xyz.shape[-1] != 3:
        raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
    t = _as_time(times)
    try:
        shape = np.broadcast_shapes(t.shape, xyz.shape[:-1])
    except ValueError:
        raise UserInputError(
            f"times of shape {t.shape} do not match positions of shape {xyz.shape} "
            "(need one time, or one per position)"
        ) from None
    if src == dst:
        return np.array(np.broadcast_to(xyz, shape + (3,)))
    ep = _Epochs(t)
    r = ep.matrix(src, dst).reshape(ep.shape + (3, 3))
    return np.matmul(r, xyz[..., None])[..., 0].reshape(shape + (3,))


def dipole_tilt(times):
    """Dipole tilt ψ = asin(D · X_sun) [rad], positive when the northern dipole pole leans sunward."""
    ep = _Epochs(times)
    psi = np.arcsin(np.clip(_dot(ep.dipole, ep.sun), -1.0, 1.0)).reshape(ep.shape)
    return float(psi) if psi.ndim == 0 else psi


def sun_direction(times, frame: str = "gei") -> np.ndarray:
    """Unit vector(s) toward the (apparent) Sun in ``frame``: (3,) or times.shape + (3,)."""
    frame = _check_frame(frame)
    ep = _Epochs(times)
    return ep.in_frame(ep.sun, frame)


def dipole_axis(times, frame: str = "gei") -> np.ndarray:
    """Unit vector(s) along the northern dipole axis (IGRF-14) in ``frame``: (3,) or times.shape + (3,)."""
    frame = _check_frame(frame)
    ep = _Epochs(times)
    return ep.in_frame(ep.dipole, frame)
