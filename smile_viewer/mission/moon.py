"""The Moon as an observer: its geocentric position and a site on its surface, with no download.

- Position: ``erfa.moon98`` (the Moon's geocentric position and velocity, a truncated ELP
  series after Meeus 1998, accurate to about 10″ in longitude and a few km in distance over
  1900–2100), GCRS axes, taken as GEI/J2000 like :mod:`smile_viewer.coords` does, then
  rotated to GSE or GSM with :func:`smile_viewer.coords.transform`.
- Orientation: the IAU WGCCRE rotation model of the Moon (pole α₀, δ₀ and prime meridian W
  with the E1…E13 series; Archinal et al. 2011, Celest. Mech. Dyn. Astr. 109, 101, Table 2),
  which approximates the mean-Earth/polar-axis frame to about 150 m.
- Sites: a selenographic latitude / east longitude on a sphere of the IAU mean radius
  1737.4 km (Archinal et al. 2011); the Blue Ghost Mission 1 site that carried LEXI is
  :data:`BLUE_GHOST_1_SITE`.

Light time between the Earth and the Moon (1.3 s) is neglected (≲ 1 km of relative motion).
Method and checks: docs/formats.md#lexi-level-1c-photon-events.
"""

from __future__ import annotations

import math

import erfa
import numpy as np
from astropy.time import Time

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import transform
from smile_viewer.errors import UserInputError

__all__ = [
    "BLUE_GHOST_1_SITE",
    "MOON_MEAN_RADIUS_KM",
    "moon_body_to_gei",
    "moon_position_gei_km",
    "moon_position_re",
    "site_position_re",
]

#: Mean radius of the Moon [km] (IAU WGCCRE, Archinal et al. 2011).
MOON_MEAN_RADIUS_KM = 1737.4
#: Blue Ghost Mission 1 (LEXI's lander), Mons Latreille in Mare Crisium: selenographic latitude
#: and east longitude [deg], as given by Walsh et al. 2024, "The Lunar Environment Heliophysics
#: X-ray Imager (LEXI) Mission", Space Sci. Rev., doi:10.1007/s11214-024-01063-4 (18.5604 N,
#: 61.8071 E). The height above the mean sphere is not known here and is taken as 0.
BLUE_GHOST_1_SITE = (18.5604, 61.8071)
_AU_KM = 149_597_870.7


def _as_time(time) -> Time:
    if not isinstance(time, Time):
        raise UserInputError(f"time must be an astropy Time, got {type(time).__name__}")
    return time


def moon_position_gei_km(time) -> np.ndarray:
    """Geocentric position of the Moon's centre [km], GEI/J2000 (GCRS) axes: (3,) or time.shape + (3,)."""
    t = _as_time(time).tdb
    pv = erfa.moon98(t.jd1, t.jd2)
    return np.asarray(pv["p"], dtype=float) * _AU_KM


def moon_position_re(time, frame: str = "gse") -> np.ndarray:
    """Geocentric position of the Moon's centre [R_E] in ``frame`` ("gei", "gse", "gsm", ...)."""
    p = moon_position_gei_km(time) / R_E_KM
    return transform(p, time, "gei", frame)


def _moon_angles_deg(time) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(α₀, δ₀, W) [deg] of the IAU rotation model of the Moon (Archinal et al. 2011, Table 2)."""
    t = _as_time(time).tdb
    d = (t.jd1 - 2451545.0) + t.jd2  # days from J2000 TDB
    T = d / 36525.0
    rate = {
        1: (125.045, -0.0529921),
        2: (250.089, -0.1059842),
        3: (260.008, 13.0120009),
        4: (176.625, 13.3407154),
        5: (357.529, 0.9856003),
        6: (311.589, 26.4057084),
        7: (134.963, 13.0649930),
        8: (276.617, 0.3287146),
        9: (34.226, 1.7484877),
        10: (15.134, -0.1589763),
        11: (119.743, 0.0036096),
        12: (239.961, 0.1643573),
        13: (25.053, 12.9590088),
    }
    E = {k: np.radians(a + b * d) for k, (a, b) in rate.items()}
    s, c = np.sin, np.cos
    alpha = (
        269.9949
        + 0.0031 * T
        - 3.8787 * s(E[1])
        - 0.1204 * s(E[2])
        + 0.0700 * s(E[3])
        - 0.0172 * s(E[4])
        + 0.0072 * s(E[6])
        - 0.0052 * s(E[10])
        + 0.0043 * s(E[13])
    )
    delta = (
        66.5392
        + 0.0130 * T
        + 1.5419 * c(E[1])
        + 0.0239 * c(E[2])
        - 0.0278 * c(E[3])
        + 0.0068 * c(E[4])
        - 0.0029 * c(E[6])
        + 0.0009 * c(E[7])
        + 0.0008 * c(E[10])
        - 0.0009 * c(E[13])
    )
    w = (
        38.3213
        + 13.17635815 * d
        - 1.4e-12 * d * d
        + 3.5610 * s(E[1])
        + 0.1208 * s(E[2])
        - 0.0642 * s(E[3])
        + 0.0158 * s(E[4])
        + 0.0252 * s(E[5])
        - 0.0066 * s(E[6])
        - 0.0047 * s(E[7])
        - 0.0046 * s(E[8])
        + 0.0028 * s(E[9])
        + 0.0052 * s(E[10])
        + 0.0040 * s(E[11])
        + 0.0019 * s(E[12])
        - 0.0044 * s(E[13])
    )
    return alpha, delta, w


def moon_body_to_gei(time) -> np.ndarray:
    """Rotation (3, 3) taking Moon-fixed vectors (x to 0° longitude, z to the north pole) to GEI/J2000.

    Columns: the body axes in GEI. The prime meridian lies at angle W from the ascending node
    of the lunar equator on the ICRF equator (IAU convention; Archinal et al. 2011).
    """
    alpha, delta, w = (math.radians(float(np.asarray(v).reshape(-1)[0])) for v in _moon_angles_deg(time))
    pole = np.array([math.cos(delta) * math.cos(alpha), math.cos(delta) * math.sin(alpha), math.sin(delta)])
    node = np.array([-math.sin(alpha), math.cos(alpha), 0.0])
    x = math.cos(w) * node + math.sin(w) * np.cross(pole, node)
    y = np.cross(pole, x)
    return np.column_stack([x, y, pole])


def site_position_re(
    time,
    lat_deg: float = BLUE_GHOST_1_SITE[0],
    lon_deg: float = BLUE_GHOST_1_SITE[1],
    *,
    frame: str = "gse",
    radius_km: float = MOON_MEAN_RADIUS_KM,
) -> np.ndarray:
    """Geocentric position [R_E] in ``frame`` of a site on the Moon (selenographic latitude,
    east longitude [deg]; default the Blue Ghost 1 / LEXI site) at one ``time``."""
    t = _as_time(time)
    if not t.isscalar:
        raise UserInputError("site_position_re takes one time")
    lat, lon = math.radians(float(lat_deg)), math.radians(float(lon_deg))
    if not (-90.0 <= float(lat_deg) <= 90.0) or not math.isfinite(lon):
        raise UserInputError(f"site latitude {lat_deg} / longitude {lon_deg}: out of range")
    local = np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    offset_km = moon_body_to_gei(t) @ (float(radius_km) * local)
    p = (moon_position_gei_km(t) + offset_km) / R_E_KM
    return transform(p, t, "gei", frame)
