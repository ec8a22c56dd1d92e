"""LBH-long brightness from electron energy flux: Sotirelis et al. (2013).

Sotirelis, T., H. Korth, S.-Y. Hsieh, Y. Zhang, D. Morrison and L. Paxton (2013), Empirical
relationship between electron precipitation and far-ultraviolet auroral emissions from DMSP
observations, J. Geophys. Res. Space Physics, 118, 1203-1209 (see
docs/reference.md#sotirelis-2013) [E], fitted to DMSP F16 SSUSI radiances and coincident SSJ5 particle fluxes:

    J_E = 4.90e8 (eV s^-1 sr^-1 cm^-2) / R × I_LBHL   (valid where the ion energy flux is
                                                       below a tenth of the electrons'),
    ⟨E⟩ = 19.6 keV · exp(−2.34 I_LBHS / I_LBHL)        (valid from 3 to 19.6 keV).

J_E is the precipitating electron energy flux per steradian (an intensity). For precipitation
isotropic over the downward hemisphere the energy flux through a horizontal surface is
``Q = ∫ J_E cos θ dΩ = π J_E`` (the integral of cos θ over a hemisphere is π sr). So, with
Q in erg cm^-2 s^-1 and 1 erg = 1e-7 J / 1.602176634e-19 J/eV = 6.241509e11 eV:

    I_LBHL [R] = Q · 6.241509e11 / (π · 4.90e8) = 405.46 R per erg cm^-2 s^-1

(:data:`LBHL_R_PER_ERG_CM2_S`; docs/reference.md [D] "about 405 R"). The factor belongs to the
DMSP/SSUSI LBH-long passband; SMILE UVI's 160–180 nm band is close to it, not identical.

Mean-energy dependence: none is applied. Sotirelis et al. found LBH-long proportional to the
energy flux with one factor: it comes from N2 bands long-ward of the O2 Schumann-Runge
absorption, so it hardly depends on how deep the electrons deposit their energy (LBH-short,
which O2 absorbs, carries the energy information, through the ratio above).
"""

from __future__ import annotations

import math

import numpy as np

from smile_viewer.constants import E_CHARGE_C

__all__ = [
    "EV_PER_ERG",
    "LBHL_R_PER_ERG_CM2_S",
    "SOTIRELIS2013_JE_PER_RAYLEIGH",
    "energy_flux_from_lbhl",
    "lbhl_brightness_r",
    "mean_energy_from_lbh_ratio_kev",
]

#: Sotirelis et al. (2013): electron energy flux per LBH-long Rayleigh [eV s^-1 sr^-1 cm^-2 / R].
SOTIRELIS2013_JE_PER_RAYLEIGH: float = 4.90e8
#: Electron-volts per erg (1e-7 J / e).
EV_PER_ERG: float = 1.0e-7 / E_CHARGE_C
#: LBH-long Rayleigh per erg cm^-2 s^-1 of isotropic precipitation: EV_PER_ERG / (π · 4.90e8) ≈ 405.46.
LBHL_R_PER_ERG_CM2_S: float = EV_PER_ERG / (math.pi * SOTIRELIS2013_JE_PER_RAYLEIGH)
#: Sotirelis et al. (2013) mean-energy relation: ⟨E⟩ = E0 exp(−k I_LBHS / I_LBHL).
_MEAN_ENERGY_E0_KEV = 19.6
_MEAN_ENERGY_K = 2.34


def lbhl_brightness_r(energy_flux_erg_cm2_s):
    """LBH-long brightness [R] of electron energy flux Q [erg cm^-2 s^-1] (isotropic): 405.46 R · Q."""
    q = np.asarray(energy_flux_erg_cm2_s, dtype=float)
    out = LBHL_R_PER_ERG_CM2_S * q
    return out[()] if out.ndim == 0 else out


def energy_flux_from_lbhl(i_lbhl_r):
    """Electron energy flux [erg cm^-2 s^-1] from LBH-long brightness [R] (inverse of the above)."""
    out = np.asarray(i_lbhl_r, dtype=float) / LBHL_R_PER_ERG_CM2_S
    return out[()] if out.ndim == 0 else out


def mean_energy_from_lbh_ratio_kev(i_lbhs_r, i_lbhl_r):
    """Electron mean energy [keV] = 19.6 exp(−2.34 I_LBHS / I_LBHL) (Sotirelis et al. 2013)."""
    s = np.asarray(i_lbhs_r, dtype=float)
    ell = np.asarray(i_lbhl_r, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _MEAN_ENERGY_E0_KEV * np.exp(-_MEAN_ENERGY_K * s / ell)
    return out[()] if out.ndim == 0 else out
