"""Lin et al. (2010) three-dimensional magnetopause with dipole tilt and cusp indentations.

Lin, R. L., X. X. Zhang, S. Q. Liu, Y. L. Wang and J. C. Gong (2010), A three-dimensional
asymmetric magnetopause model, J. Geophys. Res., 115, A04207, doi:10.1029/2009JA014235.

Formula [E] (theta from +X, phi about X from +Y toward +Z, so the northern cusp is at
phi = pi/2 and the southern at 3 pi/2; frame GSM; tilt psi in radians, positive when the
northern dipole pole leans sunward):

    r   = r0 [cos(theta/2) + a5 sin(2 theta)(1 - exp(-theta))]^beta + Q
    r0  = a0 (Pd + Pm)^a1 [1 + a2 (exp(a3 Bz) - 1) / (exp(a4 Bz) + 1)]
    beta = beta0 + beta1 cos(phi) + beta2 sin(phi) + beta3 sin²(phi)
        beta0 = a6 + a7 (exp(a8 Bz) - 1) / (exp(a9 Bz) + 1),  beta1 = a10,
        beta2 = a11 + a12 psi,  beta3 = a13
    Q   = c exp(d_n psi_n^a21) + c exp(d_s psi_s^a21),  c = a14 (Pd + Pm)^a15
        d_{n,s}     = a16 ± a17 psi + a18 psi²
        theta_{n,s} = a19 ± a20 psi
        psi_n = arccos[cos theta cos theta_n + sin theta sin theta_n cos(phi - pi/2)]
        psi_s = arccos[cos theta cos theta_s + sin theta sin theta_s cos(phi - 3 pi/2)]

psi_n and psi_s are the angular distances from the direction (theta, phi) to the northern
and southern cusp centres (theta_n, pi/2) and (theta_s, 3 pi/2); c < 0 and d < 0, so Q is a
pair of indentations of depth |c| centred on the cusps.

``r0`` is the paper's r0 (the size parameter, *without* Q). The actual nose distance is
r(0, phi) = r0 + Q(0), the same for every phi: :attr:`Lin2010Magnetopause.standoff_re`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from smile_viewer.errors import UserInputError

from ._base import BoundarySurface, check_finite, check_non_negative, check_positive

__all__ = ["LIN2010_COEFFICIENTS", "Lin2010Magnetopause", "lin2010"]

#: a0 … a21 of Lin et al. (2010), Table 1 (listed in docs/reference.md#lin-2010).
LIN2010_COEFFICIENTS: tuple[float, ...] = (
    12.544, -0.194, 0.305, 0.0573, 2.178, 0.0571, -0.999, 16.473, 0.00152, 0.382, 0.0431,
    -0.00763, -0.210, 0.0405, -4.430, -0.636, -2.600, 0.832, -5.328, 1.103, -0.907, 1.450,
)  # fmt: skip


@dataclass(frozen=True)
class Lin2010Magnetopause(BoundarySurface):
    """Lin et al. (2010) magnetopause. Use :func:`lin2010`.

    Inputs: ``pd_npa`` dynamic pressure [nPa] (> 0), ``pm_npa`` IMF magnetic pressure
    B²/(2 mu0) [nPa] (>= 0), ``bz_nt`` IMF Bz GSM [nT], ``tilt_rad`` dipole tilt [rad]
    (|tilt| <= pi/2 accepted; see the paper for the ranges its data covered). Derived:
    ``r0`` (paper's r0, R_E), ``beta0``, ``beta1``, ``beta2``, ``beta3``, ``c``, ``d_n``,
    ``d_s``, ``theta_n``, ``theta_s``; :attr:`standoff_re` is the nose distance including
    the cusp term Q.
    """

    name: ClassVar[str] = "Lin et al. (2010)"
    key: ClassVar[str] = "lin2010"
    kind: ClassVar[str] = "magnetopause"
    frame: ClassVar[str] = "GSM"
    reference: ClassVar[str] = (
        "Lin, R. L., X. X. Zhang, S. Q. Liu, Y. L. Wang, and J. C. Gong (2010), A three-dimensional "
        "asymmetric magnetopause model, J. Geophys. Res., 115, A04207, doi:10.1029/2009JA014235"
    )

    pd_npa: float
    pm_npa: float
    bz_nt: float
    tilt_rad: float
    r0: float = field(init=False)
    beta0: float = field(init=False)
    beta1: float = field(init=False)
    beta2: float = field(init=False)
    beta3: float = field(init=False)
    c: float = field(init=False)
    d_n: float = field(init=False)
    d_s: float = field(init=False)
    theta_n: float = field(init=False)
    theta_s: float = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        pd = check_positive(self.pd_npa, "dynamic pressure pd_npa", "nPa")
        pm = check_non_negative(self.pm_npa, "magnetic pressure pm_npa", "nPa")
        bz = check_finite(self.bz_nt, "IMF bz_nt")
        psi = check_finite(self.tilt_rad, "dipole tilt tilt_rad")
        if abs(psi) > 0.5 * math.pi:
            raise UserInputError(
                f"dipole tilt tilt_rad = {psi!r}: must be within ±pi/2 (the unit is radians)"
            )
        set_ = object.__setattr__
        set_(self, "pd_npa", pd)
        set_(self, "pm_npa", pm)
        set_(self, "bz_nt", bz)
        set_(self, "tilt_rad", psi)
        for name, value in _coefficients(pd, pm, bz, psi).items():
            set_(self, name, float(value))

    @staticmethod
    def standoff_array(pd_npa, bz_nt, pm_npa=0.0, tilt_rad=0.0) -> np.ndarray:
        """Nose distance r0 + Q(theta = 0) [R_E] for arrays of inputs (NaN where pd_npa <= 0)."""
        pd = np.asarray(pd_npa, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            k = _coefficients(
                np.where(pd > 0, pd, np.nan),
                np.asarray(pm_npa, dtype=float),
                np.asarray(bz_nt, dtype=float),
                np.asarray(tilt_rad, dtype=float),
            )
            e = LIN2010_COEFFICIENTS[21]
            # at theta = 0 the angular distances to the cusp centres are theta_n and theta_s
            psi_n = np.arccos(np.clip(np.cos(k["theta_n"]), -1.0, 1.0))
            psi_s = np.arccos(np.clip(np.cos(k["theta_s"]), -1.0, 1.0))
            return k["r0"] + k["c"] * np.exp(k["d_n"] * psi_n**e) + k["c"] * np.exp(k["d_s"] * psi_s**e)

    # -- pieces of the model -------------------------------------------------------------

    def beta(self, phi):
        """Flaring exponent beta(phi) (dimensionless; negative: the surface opens tailward)."""
        ph = np.asarray(phi, dtype=float)
        s = np.sin(ph)
        return self.beta0 + self.beta1 * np.cos(ph) + self.beta2 * s + self.beta3 * s * s

    def cusp_angles(self, theta, phi) -> tuple[np.ndarray, np.ndarray]:
        """(psi_n, psi_s) [rad]: angular distance of (theta, phi) from the north and south cusp centres."""
        th, ph = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(phi, dtype=float))
        ct, st = np.cos(th), np.sin(th)
        # cos(phi - pi/2) = sin(phi); cos(phi - 3 pi/2) = -sin(phi)
        sp = np.sin(ph)
        cn = ct * math.cos(self.theta_n) + st * math.sin(self.theta_n) * sp
        cs = ct * math.cos(self.theta_s) - st * math.sin(self.theta_s) * sp
        return np.arccos(np.clip(cn, -1.0, 1.0)), np.arccos(np.clip(cs, -1.0, 1.0))

    def cusp_term(self, theta, phi=0.0):
        """Q(theta, phi) [R_E], the (negative) cusp indentation added to the surface."""
        psi_n, psi_s = self.cusp_angles(theta, phi)
        e = LIN2010_COEFFICIENTS[21]
        return self.c * np.exp(self.d_n * psi_n**e) + self.c * np.exp(self.d_s * psi_s**e)

    def _r(self, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
        a5 = LIN2010_COEFFICIENTS[5]
        base = np.cos(0.5 * theta) + a5 * np.sin(2.0 * theta) * (-np.expm1(-theta))
        return self.r0 * base ** self.beta(phi) + self.cusp_term(theta, phi)


def _coefficients(pd, pm, bz, psi) -> dict:
    """The paper's r0, beta0..beta3, c, d_n, d_s, theta_n, theta_s for pressures [nPa], Bz [nT]
    and tilt [rad] (numpy-broadcast)."""
    a = LIN2010_COEFFICIENTS
    p = pd + pm
    bz_factor = 1.0 + a[2] * np.expm1(a[3] * bz) / (np.exp(a[4] * bz) + 1.0)
    return {
        "r0": a[0] * np.power(p, a[1]) * bz_factor,
        "beta0": a[6] + a[7] * np.expm1(a[8] * bz) / (np.exp(a[9] * bz) + 1.0),
        "beta1": a[10] + 0.0 * psi,
        "beta2": a[11] + a[12] * psi,
        "beta3": a[13] + 0.0 * psi,
        "c": a[14] * np.power(p, a[15]),
        "d_n": a[16] + a[17] * psi + a[18] * psi**2,
        "d_s": a[16] - a[17] * psi + a[18] * psi**2,
        "theta_n": a[19] + a[20] * psi,
        "theta_s": a[19] - a[20] * psi,
    }


def lin2010(pd_npa: float, pm_npa: float, bz_nt: float, tilt_rad: float, **kwargs) -> Lin2010Magnetopause:
    """Lin et al. (2010) magnetopause (GSM).

    ``pd_npa`` solar wind dynamic pressure [nPa], ``pm_npa`` IMF magnetic pressure
    B²/(2 mu0) [nPa], ``bz_nt`` IMF Bz GSM [nT], ``tilt_rad`` dipole tilt [rad] (positive
    when the northern pole leans sunward). ``.r0`` is the paper's r0 (without the cusp term);
    ``.standoff_re`` is the actual nose distance r0 + Q(0). ``kwargs``: ``v_sw_km_s`` /
    ``v_earth_km_s`` for optional aberration.
    """
    return Lin2010Magnetopause(pd_npa, pm_npa, bz_nt, tilt_rad, **kwargs)
