"""Centred dipole in GSM with dipole tilt (GEOPACK's DIP), compiled with numba.

B = B0 (a/r)^3 [3 (m·r̂) r̂ − m] with the moment along −Z_SM; B0 [nT] is the equatorial surface
field, sqrt(g10² + g11² + h11²) of IGRF at the epoch (:func:`~smile_viewer.physics.field.igrf.dipole_moment_nt`)
or a given value. Tilt ψ [rad] in GEOPACK's sign: positive when the northern dipole pole leans sunward.
Positions in R_E (6371 km), converted to the IGRF reference radius a = 6371.2 km as GEOPACK uses.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics.field.igrf import R_E_TO_A

#: Dipole moment (equatorial surface field) used when none is given: IGRF-14 at 2025.0 [nT].
B0_2025_NT = float(np.sqrt(29350.0**2 + 1410.3**2 + 4545.5**2))


@nb.njit(cache=True)
def dipole_kernel(x, y, z, sps, cps, b0):
    """GEOPACK DIP: dipole field (bx, by, bz) [nT] in GSM at GSM (x, y, z) in units of a."""
    p = x * x
    u = z * z
    v = 3.0 * z * x
    t = y * y
    r2 = p + t + u
    q = b0 / (r2 * r2 * np.sqrt(r2))
    bx = q * ((t + u - 2.0 * p) * sps - v * cps)
    by = -3.0 * y * q * (x * sps + z * cps)
    bz = q * ((p + t - 2.0 * u) * cps - v * sps)
    return bx, by, bz


@nb.njit(cache=True, parallel=True)
def _dipole_many(xyz, sps, cps, b0, scale):
    n = xyz.shape[0]
    out = np.empty((n, 3))
    for i in nb.prange(n):
        bx, by, bz = dipole_kernel(xyz[i, 0] * scale, xyz[i, 1] * scale, xyz[i, 2] * scale, sps, cps, b0)
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


def dipole_gsm(xyz_re, tilt_rad: float, b0_nt: float = B0_2025_NT) -> np.ndarray:
    """Centred-dipole field [nT] in GSM at GSM positions ``xyz_re`` (..., 3) [R_E], tilt in radians."""
    xyz = np.ascontiguousarray(np.asarray(xyz_re, dtype=np.float64))
    if xyz.ndim == 0 or xyz.shape[-1] != 3:
        raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
    tilt = float(tilt_rad)
    if not abs(tilt) <= np.pi / 2:
        raise UserInputError(f"dipole tilt must be in radians within ±π/2, got {tilt_rad}")
    out = _dipole_many(xyz.reshape(-1, 3), np.sin(tilt), np.cos(tilt), float(b0_nt), R_E_TO_A)
    return out.reshape(xyz.shape)
