"""Kp from the solar wind: Newell et al. (2008).

Newell, P. T., T. Sotirelis, K. Liou, and F. J. Rich (2008), Pairs of solar wind-magnetosphere
coupling functions: Combining a merging term with a viscous term, J. Geophys. Res., 113,
A04218, doi:10.1029/2007JA012825:

    Kp = 0.05 + 2.244e-4 · dΦ_MP/dt + 2.844e-6 · n^(1/2) v²

with the merging rate of Newell et al. (2007, J. Geophys. Res., 112, A01206,
doi:10.1029/2006JA012015)

    dΦ_MP/dt = v^(4/3) B_T^(2/3) sin^(8/3)(θ_c / 2),  B_T = sqrt(By² + Bz²),  θ_c = atan2(By, Bz)

in the papers' units: v [km/s], B [nT] (GSM), n [cm^-3]; dΦ_MP/dt is then in
(km/s)^(4/3) nT^(2/3) (about 8,600 for v = 400 km/s and a 5 nT southward IMF).

The fit relates the 3-hour Kp index to solar wind averaged over hours, not to instantaneous
values: feed it averages (e.g. over the preceding 3 h). The result is clipped to the Kp range
0–9. Typical: v = 400 km/s, n = 5 cm^-3, Bz = −5 nT → Kp ≈ 3.0; the same with Bz = +5 nT →
Kp ≈ 1.1 (the viscous term alone).
"""

from __future__ import annotations

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = [
    "NEWELL2008_KP_COEFFICIENTS",
    "kp_from_solar_wind",
    "kp_newell2008",
    "newell_coupling",
]

#: (intercept, merging coefficient, viscous coefficient) of Newell et al. (2008) for Kp.
NEWELL2008_KP_COEFFICIENTS: tuple[float, float, float] = (0.05, 2.244e-4, 2.844e-6)


def newell_coupling(v_km_s, by_nt, bz_nt):
    """Newell et al. (2007) merging rate v^(4/3) B_T^(2/3) sin^(8/3)(θ_c/2) [(km/s)^(4/3) nT^(2/3)].

    ``v_km_s``: solar wind speed (magnitude, >= 0); ``by_nt``, ``bz_nt``: IMF GSM. Vectorised.
    """
    v = np.asarray(v_km_s, dtype=float)
    if np.any(v < 0):
        raise UserInputError("solar wind speed v_km_s must be >= 0 (a magnitude)")
    by = np.asarray(by_nt, dtype=float)
    bz = np.asarray(bz_nt, dtype=float)
    bt = np.hypot(by, bz)
    theta = np.arctan2(by, bz)
    out = v ** (4.0 / 3.0) * bt ** (2.0 / 3.0) * np.abs(np.sin(theta / 2.0)) ** (8.0 / 3.0)
    return out[()] if out.ndim == 0 else out


def kp_newell2008(v_km_s, n_cm3, by_nt, bz_nt):
    """Kp = 0.05 + 2.244e-4 dΦ_MP/dt + 2.844e-6 n^(1/2) v², clipped to 0–9 (Newell et al. 2008)."""
    n = np.asarray(n_cm3, dtype=float)
    if np.any(n < 0):
        raise UserInputError("solar wind density n_cm3 must be >= 0")
    a, b, c = NEWELL2008_KP_COEFFICIENTS
    v = np.asarray(v_km_s, dtype=float)
    kp = a + b * newell_coupling(v, by_nt, bz_nt) + c * np.sqrt(n) * v * v
    out = np.clip(kp, 0.0, 9.0)
    return out[()] if np.ndim(out) == 0 else out


def kp_from_solar_wind(solar_wind) -> float:
    """Kp of Newell et al. (2008) from a :class:`~smile_viewer.physics.solar_wind.SolarWind`."""
    return float(kp_newell2008(solar_wind.speed_km_s, solar_wind.n_cm3, solar_wind.by_nt, solar_wind.bz_nt))
