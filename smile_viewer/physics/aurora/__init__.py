"""Aurora for UVI: precipitation model, LBH-long brightness and the emission shell.

- :mod:`.zhang_paxton` — Zhang & Paxton (2008, JASTP 70, 1231): Kp-driven electron energy flux
  [erg cm^-2 s^-1] and mean energy [keV] on magnetic latitude × MLT (coefficients of its
  Appendix A in ``assets/models/zhang_paxton_2008.json``).
- :mod:`.kp` — Kp from the solar wind, Newell et al. (2008, JGR 113, A04218).
- :mod:`.lbh` — LBH-long brightness [R] from energy flux, Sotirelis et al. (2013, JGR 118,
  1203): 405.46 R per erg cm^-2 s^-1 for isotropic precipitation.
- :mod:`.magnetic` — centred-dipole magnetic latitude and MLT (a stated simplification of
  AACGM, the model's own coordinates).
- :mod:`.shell` — :class:`AuroralShell`: the brightness on a thin shell at auroral altitude,
  as a volume emission [R per R_E] for the ray marchers, a fast ``brightness_at`` and a
  gridded map; :mod:`.kernels` holds its numba point function for the compute kernels.

Example::

    >>> from smile_viewer.physics.aurora import AuroralShell
    >>> shell = AuroralShell.from_kp(3.0)
    >>> round(float(shell.brightness_at(66.0, 0.0)))   # R, midnight oval
    1613

- :mod:`.dayglow` — FUV dayglow ∝ cos(SZA)/cos(DZA) (the form of IMAGE FUV background
  removal, Ohma et al. 2024) and :mod:`.passbands` — brightness in a wider passband (IMAGE WIC,
  140–190 nm) per LBH-long Rayleigh.
"""

from smile_viewer.physics.aurora.kernels import (
    SHELL_NPARAM,
    ZP_SHELL_NPARAM,
    auroral_shell_point,
    shell_segments,
    zp_shell_point,
)
from smile_viewer.physics.aurora.kp import kp_from_solar_wind, kp_newell2008, newell_coupling
from smile_viewer.physics.aurora.lbh import (
    LBHL_R_PER_ERG_CM2_S,
    energy_flux_from_lbhl,
    lbhl_brightness_r,
    mean_energy_from_lbh_ratio_kev,
)
from smile_viewer.physics.aurora.magnetic import magnetic_coordinates, mlat_mlt_to_sm, sm_to_mlat_mlt
from smile_viewer.physics.aurora.shell import (
    PHOTONS_CM3_S_PER_R_PER_RE,
    AuroralShell,
    BrightnessGrid,
    ShellProfile,
    ZhangPaxtonLBH,
)
from smile_viewer.physics.aurora.zhang_paxton import (
    ZhangPaxton2008,
    energy_flux_erg_cm2_s,
    hemispheric_power_gw,
    mean_energy_kev,
    zhang_paxton_2008,
)

__all__ = [
    "LBHL_R_PER_ERG_CM2_S",
    "PHOTONS_CM3_S_PER_R_PER_RE",
    "SHELL_NPARAM",
    "ZP_SHELL_NPARAM",
    "AuroralShell",
    "BrightnessGrid",
    "ShellProfile",
    "ZhangPaxton2008",
    "ZhangPaxtonLBH",
    "auroral_shell_point",
    "energy_flux_erg_cm2_s",
    "energy_flux_from_lbhl",
    "hemispheric_power_gw",
    "kp_from_solar_wind",
    "kp_newell2008",
    "lbhl_brightness_r",
    "magnetic_coordinates",
    "mean_energy_from_lbh_ratio_kev",
    "mean_energy_kev",
    "mlat_mlt_to_sm",
    "newell_coupling",
    "shell_segments",
    "sm_to_mlat_mlt",
    "zhang_paxton_2008",
    "zp_shell_point",
]
