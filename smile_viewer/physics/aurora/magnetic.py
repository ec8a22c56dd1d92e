"""Magnetic latitude and magnetic local time in a centred dipole.

Simplification (stated wherever these coordinates are used): Earth's field is taken as the
centred dipole of IGRF-14 (:func:`smile_viewer.coords.dipole_axis`), so that

- magnetic latitude ``mlat = asin(z_SM / r)`` (the geomagnetic latitude; 90° at the northern
  dipole pole), and
- magnetic local time ``MLT = 12 h + atan2(y_SM, x_SM) · 12 h / π`` (mod 24 h): the
  difference between the point's magnetic longitude and the anti-solar magnetic longitude.
  The SM X axis lies in the plane of the dipole axis and the Sun, so the subsolar point has
  MLT = 12 h exactly, dusk (+Y_SM) 18 h and midnight 0 h.

The auroral model this feeds (Zhang & Paxton 2008) was fitted in the corrected geomagnetic
(AACGM-type) coordinates of the GUVI products, which follow the real, non-dipolar field:
those and centred-dipole coordinates differ at auroral latitudes by up to several degrees in
latitude and up to about an hour in MLT, depending on longitude. aacgmv2 or apexpy (PyPI)
would do better; they are not used here.

Positions are geocentric; frames are those of :mod:`smile_viewer.coords`.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.time import Time

from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.errors import UserInputError

__all__ = [
    "magnetic_coordinates",
    "mlat_mlt_to_sm",
    "sm_to_mlat_mlt",
    "to_sm_matrix",
]


def sm_to_mlat_mlt(xyz_sm) -> tuple[np.ndarray, np.ndarray]:
    """(mlat [deg], MLT [h in 0..24)) of SM positions ``xyz_sm`` (..., 3). r = 0 gives NaN."""
    v = np.asarray(xyz_sm, dtype=float)
    if v.shape[-1:] != (3,):
        raise UserInputError(f"positions must have shape (..., 3), got {v.shape}")
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    rho = np.hypot(x, y)
    with np.errstate(invalid="ignore"):
        mlat = np.degrees(np.arctan2(z, rho))
        mlat = np.where((rho == 0) & (z == 0), np.nan, mlat)
    mlt = np.mod(12.0 + np.arctan2(y, x) * (12.0 / math.pi), 24.0)
    return mlat, mlt


def mlat_mlt_to_sm(mlat_deg, mlt_h, r_re=1.0) -> np.ndarray:
    """SM position(s) (..., 3) of magnetic latitude/MLT at geocentric distance ``r_re``."""
    lat = np.radians(np.asarray(mlat_deg, dtype=float))
    phi = (np.asarray(mlt_h, dtype=float) - 12.0) * (math.pi / 12.0)
    r = np.asarray(r_re, dtype=float)
    c = np.cos(lat)
    return np.stack(np.broadcast_arrays(r * c * np.cos(phi), r * c * np.sin(phi), r * np.sin(lat)), axis=-1)


def to_sm_matrix(time, frame: str = "gse") -> np.ndarray:
    """Rotation matrix (3, 3) taking ``frame`` vectors to SM at one ``time``."""
    return rotation_matrix(time, frame, "sm")


def magnetic_coordinates(xyz_re, time, frame: str = "gse") -> tuple[np.ndarray, np.ndarray]:
    """Centred-dipole (mlat [deg], MLT [h]) of geocentric positions ``xyz_re`` (..., 3) in ``frame``.

    ``time``: one time (a single rotation for all points) or one per point (anything
    :func:`smile_viewer.coords.transform` accepts).
    """
    t = time if isinstance(time, Time) else Time(time, scale="utc")
    xyz = np.asarray(xyz_re, dtype=float)
    if t.isscalar:
        if xyz.shape[-1:] != (3,):
            raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
        xyz_sm = xyz @ to_sm_matrix(t, frame).T
    else:
        xyz_sm = transform(xyz, t, frame, "sm")
    return sm_to_mlat_mlt(xyz_sm)
