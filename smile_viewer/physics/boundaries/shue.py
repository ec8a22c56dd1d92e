"""Shue et al. (1997, 1998) magnetopause: r = r0 (2 / (1 + cos theta))^alpha.

Axially symmetric about X (no phi dependence), so the surface is the same in GSE and GSM (they
share the X axis); Bz is IMF Bz in GSM.

- Shue et al. 1997 [E]: r0 = (11.4 + K Bz) Pd^(-1/6.6), K = 0.013 (Bz >= 0) or 0.140 (Bz < 0);
  alpha = (0.58 - 0.010 Bz)(1 + 0.010 Pd).
- Shue et al. 1998 [E]: r0 = [10.22 + 1.29 tanh(0.184 (Bz + 8.14))] Pd^(-1/6.6);
  alpha = (0.58 - 0.007 Bz)(1 + 0.024 ln Pd).

The surface flares open toward the tail (x → -inf as theta → pi); ``mesh`` cuts it at a
tail distance. Numerically r is evaluated as r0 cos(theta/2)^(-2 alpha), which equals the
published form and keeps full precision near theta = pi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from smile_viewer.errors import UserInputError

from ._base import BoundarySurface, check_finite, check_positive

__all__ = ["ShueMagnetopause", "Shue1997Magnetopause", "Shue1998Magnetopause", "shue1997", "shue1998"]


@dataclass(frozen=True)
class ShueMagnetopause(BoundarySurface):
    """Shue-type magnetopause r = r0 (2 / (1 + cos theta))^alpha (base of the 1997 and 1998 fits).

    ``r0`` [R_E] is the subsolar standoff distance (``standoff_re == r0``); ``alpha`` the
    flaring exponent. Inputs: ``pd_npa`` solar wind dynamic pressure [nPa] (> 0),
    ``bz_nt`` IMF Bz GSM [nT].
    """

    kind: ClassVar[str] = "magnetopause"
    frame: ClassVar[str] = "GSE or GSM (axisymmetric about X)"

    pd_npa: float
    bz_nt: float
    r0: float = field(init=False)
    alpha: float = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        pd = check_positive(self.pd_npa, "dynamic pressure pd_npa", "nPa")
        bz = check_finite(self.bz_nt, "IMF bz_nt")
        object.__setattr__(self, "pd_npa", pd)
        object.__setattr__(self, "bz_nt", bz)
        r0, alpha = (float(v) for v in self._coefficients(pd, bz))
        if not (r0 > 0 and alpha > 0 and math.isfinite(r0) and math.isfinite(alpha)):
            raise UserInputError(
                f"{self.name}: pd_npa = {pd!r}, bz_nt = {bz!r} give r0 = {r0:.4g}, alpha = {alpha:.4g}; "
                "the model needs both > 0 (inputs far outside its fitted range)"
            )
        object.__setattr__(self, "r0", r0)
        object.__setattr__(self, "alpha", alpha)

    @staticmethod
    def _coefficients(pd, bz):  # pragma: no cover - abstract
        """(r0 [R_E], alpha) for pressures [nPa] and Bz [nT], numpy-broadcast."""
        raise NotImplementedError

    @classmethod
    def standoff_array(cls, pd_npa, bz_nt, pm_npa=0.0, tilt_rad=0.0) -> np.ndarray:
        """Subsolar distance r0 [R_E] for arrays of inputs (NaN where pd_npa <= 0 or NaN)."""
        pd = np.asarray(pd_npa, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return cls._coefficients(np.where(pd > 0, pd, np.nan), np.asarray(bz_nt, dtype=float))[0]

    def _r(self, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
        # (2 / (1 + cos t))^a == cos(t/2)^(-2a), exact identity, stable near t = pi
        return self.r0 * np.cos(0.5 * theta) ** (-2.0 * self.alpha)

    @property
    def standoff_re(self) -> float:
        return self.r0


@dataclass(frozen=True)
class Shue1997Magnetopause(ShueMagnetopause):
    """Shue et al. (1997) magnetopause. Use :func:`shue1997`."""

    name: ClassVar[str] = "Shue et al. (1997)"
    key: ClassVar[str] = "shue1997"
    reference: ClassVar[str] = (
        "Shue, J.-H., et al. (1997), A new functional form to study the solar wind control of the "
        "magnetopause size and shape, J. Geophys. Res., 102(A5), 9497-9511, doi:10.1029/97JA00196"
    )

    @staticmethod
    def _coefficients(pd, bz):
        k = np.where(np.asarray(bz) >= 0.0, 0.013, 0.140)
        r0 = (11.4 + k * bz) * np.power(pd, -1.0 / 6.6)
        alpha = (0.58 - 0.010 * bz) * (1.0 + 0.010 * pd)
        return r0, alpha


@dataclass(frozen=True)
class Shue1998Magnetopause(ShueMagnetopause):
    """Shue et al. (1998) magnetopause. Use :func:`shue1998`."""

    name: ClassVar[str] = "Shue et al. (1998)"
    key: ClassVar[str] = "shue1998"
    reference: ClassVar[str] = (
        "Shue, J.-H., et al. (1998), Magnetopause location under extreme solar wind conditions, "
        "J. Geophys. Res., 103(A8), 17691-17700, doi:10.1029/98JA01103"
    )

    @staticmethod
    def _coefficients(pd, bz):
        r0 = (10.22 + 1.29 * np.tanh(0.184 * (bz + 8.14))) * np.power(pd, -1.0 / 6.6)
        alpha = (0.58 - 0.007 * bz) * (1.0 + 0.024 * np.log(pd))
        return r0, alpha


def shue1997(pd_npa: float, bz_nt: float, **kwargs) -> Shue1997Magnetopause:
    """Shue et al. (1997) magnetopause for dynamic pressure ``pd_npa`` [nPa] and IMF Bz GSM ``bz_nt`` [nT].

    ``kwargs``: ``v_sw_km_s`` / ``v_earth_km_s`` for optional aberration (see
    :class:`~smile_viewer.physics.boundaries.BoundarySurface`).
    """
    return Shue1997Magnetopause(pd_npa, bz_nt, **kwargs)


def shue1998(pd_npa: float, bz_nt: float, **kwargs) -> Shue1998Magnetopause:
    """Shue et al. (1998) magnetopause for dynamic pressure ``pd_npa`` [nPa] and IMF Bz GSM ``bz_nt`` [nT].

    ``kwargs``: ``v_sw_km_s`` / ``v_earth_km_s`` for optional aberration.
    """
    return Shue1998Magnetopause(pd_npa, bz_nt, **kwargs)
