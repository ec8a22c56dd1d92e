"""Jelínek et al. (2012) magnetopause and bow shock.

Jelínek, K., Z. Němeček and J. Šafránková (2012), A new approach to magnetopause and bow
shock modeling based on automated region identification, J. Geophys. Res., 117, A05208,
doi:10.1029/2011JA017252.

Formula [E]: r = R0 / (cos theta + sqrt(cos² theta + lambda² sin² theta)), R0 = 2 R Pd^(-1/eps)
(bow shock lambda 1.17, R 15.02, eps 6.55; magnetopause lambda 1.54, R 12.82, eps 5.26).

This is a paraboloid of revolution about X, x = R0/2 - lambda² rho² / (2 R0), so:

- the nose (subsolar) distance is R0 / 2 = R Pd^(-1/eps): that is ``.r0`` and
  ``.standoff_re`` here; the paper's R0 (twice the nose distance) is ``.r0_conic_re``;
- at theta = 90° r = R0 / lambda.

Frame: axisymmetric about X and independent of Bz and tilt, so the same surface in GSE and
GSM (which share the X axis). Numerically, for cos theta < 0 the denominator is rewritten as
lambda² sin² theta / (sqrt(...) - cos theta), which is exact and keeps full precision down
the tail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ._base import BoundarySurface, check_positive

__all__ = [
    "Jelinek2012Surface",
    "Jelinek2012Magnetopause",
    "Jelinek2012BowShock",
    "jelinek2012_magnetopause",
    "jelinek2012_bow_shock",
]

_REFERENCE = (
    "Jelinek, K., Z. Nemecek, and J. Safrankova (2012), A new approach to magnetopause and bow shock "
    "modeling based on automated region identification, J. Geophys. Res., 117, A05208, "
    "doi:10.1029/2011JA017252"
)


@dataclass(frozen=True)
class Jelinek2012Surface(BoundarySurface):
    """Jelínek et al. (2012) paraboloid: base of the magnetopause and bow-shock models.

    Input ``pd_npa`` dynamic pressure [nPa] (> 0). Derived ``r0`` = nose distance
    R Pd^(-1/eps) [R_E] and ``r0_conic_re`` = the paper's R0 = 2 r0.
    """

    frame: ClassVar[str] = "GSE or GSM (axisymmetric about X)"
    reference: ClassVar[str] = _REFERENCE
    #: Shape parameter lambda, scale R [R_E], pressure exponent epsilon (paper's Table).
    lam: ClassVar[float] = float("nan")
    r_scale_re: ClassVar[float] = float("nan")
    epsilon: ClassVar[float] = float("nan")

    pd_npa: float
    r0: float = field(init=False)
    r0_conic_re: float = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        pd = check_positive(self.pd_npa, "dynamic pressure pd_npa", "nPa")
        object.__setattr__(self, "pd_npa", pd)
        big_r0 = 2.0 * self.r_scale_re * pd ** (-1.0 / self.epsilon)
        object.__setattr__(self, "r0_conic_re", big_r0)
        object.__setattr__(self, "r0", 0.5 * big_r0)

    @classmethod
    def standoff_array(cls, pd_npa, bz_nt=0.0, pm_npa=0.0, tilt_rad=0.0) -> np.ndarray:
        """Nose distance R Pd^(-1/eps) [R_E] for an array of pressures (NaN where pd <= 0)."""
        pd = np.asarray(pd_npa, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return cls.r_scale_re * np.power(np.where(pd > 0, pd, np.nan), -1.0 / cls.epsilon)

    def _r(self, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
        c, s = np.cos(theta), np.sin(theta)
        l2s2 = self.lam**2 * s * s
        q = np.sqrt(c * c + l2s2)
        # c + q, computed without cancellation when c < 0: (q² - c²) / (q - c) = l2s2 / (q - c)
        denom = np.where(c >= 0.0, c + q, l2s2 / (q - c))
        return self.r0_conic_re / denom

    @property
    def standoff_re(self) -> float:
        return self.r0

    @property
    def parameters(self) -> dict:
        out = super().parameters
        out.update(lam=self.lam, r_scale_re=self.r_scale_re, epsilon=self.epsilon)
        return out


@dataclass(frozen=True)
class Jelinek2012Magnetopause(Jelinek2012Surface):
    """Jelínek et al. (2012) magnetopause (lambda 1.54, R 12.82, eps 5.26)."""

    name: ClassVar[str] = "Jelinek et al. (2012) magnetopause"
    key: ClassVar[str] = "jelinek2012_magnetopause"
    kind: ClassVar[str] = "magnetopause"
    lam: ClassVar[float] = 1.54
    r_scale_re: ClassVar[float] = 12.82
    epsilon: ClassVar[float] = 5.26


@dataclass(frozen=True)
class Jelinek2012BowShock(Jelinek2012Surface):
    """Jelínek et al. (2012) bow shock (lambda 1.17, R 15.02, eps 6.55)."""

    name: ClassVar[str] = "Jelinek et al. (2012) bow shock"
    key: ClassVar[str] = "jelinek2012_bow_shock"
    kind: ClassVar[str] = "bow_shock"
    lam: ClassVar[float] = 1.17
    r_scale_re: ClassVar[float] = 15.02
    epsilon: ClassVar[float] = 6.55


def jelinek2012_magnetopause(pd_npa: float, **kwargs) -> Jelinek2012Magnetopause:
    """Jelínek et al. (2012) magnetopause for dynamic pressure ``pd_npa`` [nPa]; ``.r0`` = nose distance."""
    return Jelinek2012Magnetopause(pd_npa, **kwargs)


def jelinek2012_bow_shock(pd_npa: float, **kwargs) -> Jelinek2012BowShock:
    """Jelínek et al. (2012) bow shock for dynamic pressure ``pd_npa`` [nPa]; ``.r0`` = nose distance."""
    return Jelinek2012BowShock(pd_npa, **kwargs)
