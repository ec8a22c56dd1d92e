"""Far-ultraviolet dayglow seen by a wide-field auroral imager: brightness ∝ cos(SZA)/cos(DZA).

The sunlit atmosphere's FUV emission (photoelectron-excited N2 LBH, N I, O I) scales, to first
order, with the solar zenith angle of the emitting point (column production ∝ cos SZA) and, for
a thin emitting layer seen from above, with the slant path through it (1/cos of the viewing
zenith angle DZA). This is the variable of the IMAGE FUV dayglow models: Ohma, A., et al. (2024),
Background removal from global auroral images: Data-driven dayglow modeling, Earth Planet. Phys.
8(1), 247-257, doi:10.26464/epp2023051 (their B-spline in cos SZA / cos DZA, implemented in
aohma/fuvpy ``makeBSmodel``); here the lowest orders of that function of f = cos SZA / cos DZA: a
fitted scale times f, an optional quadratic term (the brightness grows more slowly than f toward
the limb: −511 counts per unit f² against +5128 per unit f in the 2000-08-28 09:30 WIC image) and
a constant background (the detector and star floor), fitted in :mod:`smile_viewer.analysis.oval_edges`.
Formulas and assumptions: docs/analysis.md#dayglow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_DZA_DEG", "DayglowModel", "dayglow_fraction"]

#: Viewing zenith angles beyond this are not modelled (1/cos DZA diverges at the limb; fuvpy's
#: read_idl default limit is 80 deg, its dayglow fit 75 deg).
MAX_DZA_DEG: float = 80.0


def dayglow_fraction(sza_deg, dza_deg, *, max_dza_deg: float = MAX_DZA_DEG) -> np.ndarray:
    """max(cos SZA, 0) / cos DZA (dimensionless); NaN where DZA > ``max_dza_deg`` or an input is NaN.

    Night side (SZA ≥ 90°) gives 0: the first-order form has no twilight glow."""
    sza = np.radians(np.asarray(sza_deg, dtype=float))
    dza = np.asarray(dza_deg, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.maximum(np.cos(sza), 0.0) / np.cos(np.radians(dza))
        out = np.where((dza <= max_dza_deg) & (dza >= 0), out, np.nan)
    return out


@dataclass(frozen=True)
class DayglowModel:
    """Dayglow ``scale · f + quadratic · f² + background`` with f = max(cos SZA, 0)/cos DZA, in
    the image's units (counts or R): ``scale`` the slope at small f (the subsolar point seen at
    nadir has f = 1), ``quadratic`` the curvature toward the limb, ``background`` a floor."""

    scale: float
    background: float = 0.0
    quadratic: float = 0.0

    def brightness(self, sza_deg, dza_deg, *, max_dza_deg: float = MAX_DZA_DEG) -> np.ndarray:
        """The model on (SZA, DZA) [deg] arrays; NaN where :func:`dayglow_fraction` is."""
        f = dayglow_fraction(sza_deg, dza_deg, max_dza_deg=max_dza_deg)
        return self.scale * f + self.quadratic * f * f + self.background
