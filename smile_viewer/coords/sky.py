"""The sky seen from the Earth: bright stars, the Sun and the Moon, in the scene frames.

- Stars: the Hipparcos new reduction (van Leeuwen 2007, CDS I/311), stars with Hp ≤ 7
  shipped as ``assets/sky/hipparcos_bright.npz`` (made by ``assets/sky/make_star_table.py``;
  source and licence in ``assets/sky/PROVENANCE.md``). Positions are ICRS at epoch J1991.25;
  linear proper motion carries them to the scene time, then annual aberration
  (``erfa.ab`` with the Earth's barycentric velocity of ``erfa.epv00``) gives the apparent
  geocentric direction, like the Sun's in :mod:`smile_viewer.coords.frames`. Parallax
  (< 0.8″), light deflection by the Sun and the 23-mas GCRS/J2000 frame bias are neglected.
- Sun: the apparent direction of :func:`smile_viewer.coords.sun_direction`, at 1 au.
- Moon: ``erfa.moon98`` (a truncated ELP series after Meeus 1998, about 10″ in longitude and a
  few km in distance over 1900–2100), geocentric, GCRS axes.

GEI (GCRS axes) → scene frame with :func:`smile_viewer.coords.rotation_matrix`. See
docs/sky.md for the magnitudes and colours drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import erfa
import numpy as np
from astropy.time import Time

from smile_viewer.constants import R_E_KM
from smile_viewer.coords.frames import _as_time, rotation_matrix
from smile_viewer.errors import DataFileError
from smile_viewer.resources import asset_path

__all__ = [
    "AU_KM",
    "MOON_RADIUS_KM",
    "SUN_RADIUS_KM",
    "StarCatalogue",
    "moon_position_re",
    "star_catalogue",
    "star_directions",
    "star_rgb",
    "sun_distance_re",
]

AU_KM = 149_597_870.7
#: Mean radius of the Moon [km] (IAU WGCCRE; Archinal et al. 2011).
MOON_RADIUS_KM = 1737.4
#: Nominal solar radius [km] (IAU 2015 Resolution B3).
SUN_RADIUS_KM = 695_700.0
_MAS = np.pi / (180.0 * 3600.0 * 1000.0)  # one milliarcsecond [rad]
STAR_TABLE = ("sky", "hipparcos_bright.npz")


@dataclass(frozen=True, eq=False)
class StarCatalogue:
    """The shipped bright-star table (arrays of one row per star, brightest first)."""

    hip: np.ndarray  # Hipparcos number
    ra_rad: np.ndarray  # ICRS right ascension at ``epoch_jyear``
    dec_rad: np.ndarray  # ICRS declination at ``epoch_jyear``
    pmra_masyr: np.ndarray  # proper motion μα* = μα cos δ [mas/yr]
    pmdec_masyr: np.ndarray  # proper motion μδ [mas/yr]
    mag: np.ndarray  # Hipparcos magnitude Hp
    b_v: np.ndarray  # colour index B−V [mag]
    epoch_jyear: float  # epoch of the positions [Julian year, TT]

    def __len__(self) -> int:
        return int(self.hip.size)

    def index_of(self, hip: int) -> int:
        """Row of Hipparcos number ``hip`` (KeyError when the table lacks it)."""
        rows = np.flatnonzero(self.hip == int(hip))
        if rows.size == 0:
            raise KeyError(f"HIP {hip} is not in the bright-star table")
        return int(rows[0])


@lru_cache(maxsize=1)
def star_catalogue() -> StarCatalogue:
    """The bright-star table (loaded once, about 10 ms)."""
    path = asset_path(*STAR_TABLE)
    try:
        with np.load(path) as z:
            cols = {k: np.array(z[k]) for k in z.files}
        cat = StarCatalogue(
            hip=cols["hip"],
            ra_rad=cols["ra_rad"],
            dec_rad=cols["dec_rad"],
            pmra_masyr=cols["pmra_masyr"],
            pmdec_masyr=cols["pmdec_masyr"],
            mag=cols["hp_mag"],
            b_v=cols["b_v"],
            epoch_jyear=float(cols["epoch_jyear"]),
        )
    except (OSError, KeyError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable star table ({exc}); reinstall smile-viewer") from None
    for arr in (cat.hip, cat.ra_rad, cat.dec_rad, cat.pmra_masyr, cat.pmdec_masyr, cat.mag, cat.b_v):
        arr.setflags(write=False)
    return cat


def _scalar_time(time) -> Time:
    t = _as_time(time)
    if t.shape != ():
        raise ValueError(f"one time expected, got shape {t.shape}")
    return t


def _earth_velocity_over_c(t: Time) -> tuple[np.ndarray, float]:
    """The Earth's barycentric velocity / c and its distance from the Sun [au]."""
    tt = t.tt
    pvh, pvb = erfa.epv00(tt.jd1, tt.jd2)  # takes TDB; TDB − TT < 2 ms is negligible
    return np.asarray(pvb["v"], float) / erfa.DC, float(np.linalg.norm(pvh["p"]))


def star_directions(time, frame: str = "gse", catalogue: StarCatalogue | None = None) -> np.ndarray:
    """Apparent geocentric unit vectors (N, 3) of the catalogue's stars at ``time`` in ``frame``
    (proper motion and annual aberration applied; module docstring)."""
    t = _scalar_time(time)
    cat = catalogue if catalogue is not None else star_catalogue()
    a, d = cat.ra_rad, cat.dec_rad
    ca, sa, cd, sd = np.cos(a), np.sin(a), np.cos(d), np.sin(d)
    p = np.column_stack([cd * ca, cd * sa, sd])
    years = float(t.tt.jyear) - cat.epoch_jyear
    e_ra = np.column_stack([-sa, ca, np.zeros_like(a)])  # unit vectors of increasing α and δ
    e_dec = np.column_stack([-sd * ca, -sd * sa, cd])
    p = p + (years * _MAS) * (cat.pmra_masyr[:, None] * e_ra + cat.pmdec_masyr[:, None] * e_dec)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    v, sun_au = _earth_velocity_over_c(t)
    p = erfa.ab(p, v, sun_au, np.sqrt(1.0 - float(v @ v)))
    r = rotation_matrix(t, "gei", frame)
    return p @ r.T


def sun_distance_re(time) -> float:
    """Earth–Sun distance [R_E] at ``time``."""
    t = _scalar_time(time)
    _v, dist_au = _earth_velocity_over_c(t)
    return dist_au * AU_KM / R_E_KM


def moon_position_re(time, frame: str = "gse") -> np.ndarray:
    """Geocentric position of the Moon (3,) [R_E] in ``frame`` (``erfa.moon98``)."""
    t = _scalar_time(time)
    tt = t.tt
    pv = erfa.moon98(tt.jd1, tt.jd2)  # GCRS, au (takes TT)
    p = np.asarray(pv["p"], float).reshape(3) * (AU_KM / R_E_KM)
    return rotation_matrix(t, "gei", frame) @ p


def star_rgb(b_v) -> np.ndarray:
    """Display colour (N, 3) in 0..1 of stars of colour index B−V: the black-body temperature
    of Ballesteros (2012, EPL 97, 34002) mapped to sRGB with the CIE 1931 2° colour matching
    functions' analytic fit (Wyman, Sloan & Shirley 2013), normalised to the brightest
    channel; blue-white for B−V ≈ −0.3, white near 0.3, orange-red beyond 1.5."""
    bv = np.clip(np.nan_to_num(np.asarray(b_v, float), nan=0.6), -0.4, 2.0)
    temp = 4600.0 * (1.0 / (0.92 * bv + 1.7) + 1.0 / (0.92 * bv + 0.62))
    lam = np.arange(380.0, 781.0, 5.0)  # nm
    # Planck's law (arbitrary units): λ⁻⁵ / (exp(hc/λkT) − 1), hc/k = 1.4388e7 nm K
    planck = lam[None, :] ** -5 / np.expm1(1.4388e7 / (lam[None, :] * temp[:, None]))
    xyz = planck @ _cie_xyz(lam)
    m = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
    rgb = np.clip(xyz @ m.T, 0.0, None)
    rgb /= rgb.max(axis=1, keepdims=True)
    return np.where(rgb <= 0.0031308, 12.92 * rgb, 1.055 * rgb ** (1 / 2.4) - 0.055)


def _cie_xyz(lam: np.ndarray) -> np.ndarray:
    """CIE 1931 colour matching functions (n, 3), the multi-lobe fit of Wyman, Sloan &
    Shirley (2013, JCGT 2(2), 1), eq. 2."""

    def g(x, mu, s1, s2):
        return np.exp(-0.5 * ((x - mu) / np.where(x < mu, s1, s2)) ** 2)

    x = (
        1.056 * g(lam, 599.8, 37.9, 31.0)
        + 0.362 * g(lam, 442.0, 16.0, 26.7)
        - 0.065 * g(lam, 501.1, 20.4, 26.2)
    )
    y = 0.821 * g(lam, 568.8, 46.9, 40.5) + 0.286 * g(lam, 530.9, 16.3, 31.1)
    z = 1.217 * g(lam, 437.0, 11.8, 36.0) + 0.681 * g(lam, 459.0, 26.0, 13.8)
    return np.column_stack([x, y, z])
