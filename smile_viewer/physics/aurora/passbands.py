"""Auroral brightness in an imager's passband from the model's LBH-long Rayleighs.

The aurora model (Zhang & Paxton 2008 with Sotirelis et al. 2013) gives N2 LBH-long brightness
[R] (the DMSP/SSUSI 165-180 nm channel; close to SMILE UVI's 160-180 nm band). A wider passband
sees more of the LBH system: :data:`LBHL_TO_BAND` is the brightness in a band per LBH-long
Rayleigh. Sources and assumptions: docs/analysis.md#passbands.

- ``uvi``: 1 (UVI's band taken as LBH-long, as elsewhere in smile-viewer).
- ``wic``: IMAGE FUV WIC, 140-190 nm (Mende et al. 2000, Space Sci. Rev. 91, 271-285).
  ASSUMPTION: 2.5 WIC-band Rayleighs per LBH-long Rayleigh — the LBH bands between 140 and
  190 nm carry about 2.5 times the emission of the 165-180 nm part for auroral electron spectra
  (a round figure, not a computed band integral: no WIC responsivity curve is available here).
  Fits free the auroral amplitude, so this factor sets only the starting value and the
  "fraction of the model" they report.

:data:`WIC_COUNTS_PER_R`: 0.6126 WIC counts per Rayleigh of WIC-band emission, the conversion of
aohma/fuvpy (``add_rayleigh``: kR = counts / 612.6), stated there for IMAGE WIC level-1 counts.
"""

from __future__ import annotations

from smile_viewer.errors import UserInputError

__all__ = ["LBHL_TO_BAND", "WIC_COUNTS_PER_R", "band_scale"]

#: Rayleigh in the band per LBH-long Rayleigh (module docstring; "wic" is an assumption).
LBHL_TO_BAND: dict[str, float] = {"uvi": 1.0, "lbhl": 1.0, "wic": 2.5}
#: WIC level-1 counts per Rayleigh in the WIC band (aohma/fuvpy add_rayleigh: 612.6 counts per kR).
WIC_COUNTS_PER_R: float = 612.6 / 1000.0


def band_scale(band: str) -> float:
    """Brightness in ``band`` ("uvi", "lbhl", "wic") per LBH-long Rayleigh."""
    key = str(band).strip().lower()
    if key not in LBHL_TO_BAND:
        raise UserInputError(f"passband {band!r}: use one of {', '.join(LBHL_TO_BAND)}")
    return LBHL_TO_BAND[key]
