"""Earth's centred-dipole axis from the IGRF first-degree Gauss coefficients.

Source: IAGA Division V Working Group V-MOD, International Geomagnetic Reference Field,
14th generation (IGRF-14, released late 2024; coefficient file ``igrf14coeffs.txt``
distributed by NOAA NCEI and BGS). Only g10, g11, h11 are used [nT]. The 1900.0–2015.0
values are identical in IGRF-13 (sunpy ships that file as
``sunpy/coordinates/data/igrf13coeffs.txt``; the test suite checks the two agree); IGRF-14
replaced the provisional 2020.0 values by the definitive DGRF-2020 and added IGRF-2025 with
secular variation for 2025–2030.

Between epochs the coefficients are interpolated linearly in decimal year; after the last
epoch they follow the secular variation (extrapolated, with growing error, beyond 2030).
"""

from __future__ import annotations

import erfa
import numpy as np

from smile_viewer.errors import UserInputError

#: Epochs of the IGRF-14 main-field models [decimal year]. 1900–1940 IGRF, 1945–2020 DGRF, 2025 IGRF.
EPOCHS = np.arange(1900.0, 2025.0 + 1.0, 5.0)
#: g10 [nT] at EPOCHS.
G10 = np.array(
    [
        -31543,
        -31464,
        -31354,
        -31212,
        -31060,
        -30926,
        -30805,
        -30715,
        -30654,
        -30594,
        -30554,
        -30500,
        -30421,
        -30334,
        -30220,
        -30100,
        -29992,
        -29873,
        -29775,
        -29692,
        -29619.4,
        -29554.63,
        -29496.57,
        -29441.46,
        -29403.41,
        -29350.0,
    ]
)
#: g11 [nT] at EPOCHS.
G11 = np.array(
    [
        -2298,
        -2298,
        -2297,
        -2306,
        -2317,
        -2318,
        -2316,
        -2306,
        -2292,
        -2285,
        -2250,
        -2215,
        -2169,
        -2119,
        -2068,
        -2013,
        -1956,
        -1905,
        -1848,
        -1784,
        -1728.2,
        -1669.05,
        -1586.42,
        -1501.77,
        -1451.37,
        -1410.3,
    ]
)
#: h11 [nT] at EPOCHS.
H11 = np.array(
    [
        5922,
        5909,
        5898,
        5875,
        5845,
        5817,
        5808,
        5812,
        5821,
        5810,
        5815,
        5820,
        5791,
        5776,
        5737,
        5675,
        5604,
        5500,
        5406,
        5306,
        5186.1,
        5077.99,
        4944.26,
        4795.99,
        4653.35,
        4545.5,
    ]
)
#: Secular variation of (g10, g11, h11) for 2025.0–2030.0 [nT/yr].
SV = np.array([12.6, 10.0, -21.5])


def decimal_year(jd1, jd2) -> np.ndarray:
    """Decimal year (calendar-year fraction, as IGRF epochs count) of a two-part Julian date."""
    iy, _, _, _ = erfa.jd2cal(jd1, jd2)
    start = np.sum(erfa.cal2jd(iy, 1, 1), axis=0)
    end = np.sum(erfa.cal2jd(iy + 1, 1, 1), axis=0)
    return iy + ((jd1 - start) + jd2) / (end - start)


def dipole_coefficients(year) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IGRF (g10, g11, h11) [nT] at decimal ``year`` (1900 onwards)."""
    year = np.asarray(year, dtype=float)
    if np.any(year < EPOCHS[0]):
        raise UserInputError(f"IGRF starts in {EPOCHS[0]:.0f}: got a time in {np.min(year):.1f}")
    after = np.maximum(year - EPOCHS[-1], 0.0)
    return tuple(np.interp(year, EPOCHS, c) + sv * after for c, sv in zip((G10, G11, H11), SV, strict=True))


def dipole_pole_geo(year) -> np.ndarray:
    """Unit vector(s) (..., 3) in GEO toward the northern geomagnetic pole at decimal ``year``.

    The pole is along −(g11, h11, g10) (the dipole moment points south; GEOPACK's
    convention): about 80.8° N, 72.7° W in 2025.
    """
    g10, g11, h11 = dipole_coefficients(year)
    v = -np.stack([g11, h11, g10], axis=-1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)
