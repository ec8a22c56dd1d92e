"""Tests of smile_viewer.coords frames: GEOPACK vector, sunpy/astropy agreement, algebra, physics."""

from __future__ import annotations

import itertools
import warnings

import astropy.units as u
import erfa
import numpy as np
import pytest
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation
from astropy.coordinates.builtin_frames import intermediate_rotation_transforms
from astropy.time import Time

from smile_viewer.coords import (
    FRAMES,
    dipole_axis,
    dipole_tilt,
    igrf,
    rotation_matrix,
    sun_direction,
    transform,
)
from smile_viewer.coords import frames as frames_mod
from smile_viewer.errors import UserInputError

# Epochs spanning the IERS table (1990–2025) and beyond it (2035: UT1 and leap seconds
# extrapolated by astropy, which warns "dubious year").
with warnings.catch_warnings():
    warnings.simplefilter("ignore", erfa.ErfaWarning)
    EPOCHS = Time(
        [
            "1990-03-01T05:00",
            "2001-01-01T02:03:04",
            "2010-06-21T12:00",
            "2020-12-21T18:30",
            "2026-05-01T17:00",
            "2035-09-01T00:00",
        ],
        scale="utc",
    )
pytestmark = pytest.mark.filterwarnings("ignore::erfa.ErfaWarning")


def _angle(a, b):
    """Rotation angle [rad] between rotation matrices a and b (small-angle exact)."""
    return np.linalg.norm(np.asarray(a) - np.asarray(b), axis=(-2, -1)) / np.sqrt(2)


# ------------------------------------------------------------------------ GEOPACK vector

# GEOPACK test vector (tsssss/geopack; docs/reference.md#frames-and-dipole-tilt): at
# 2001-01-01T02:03:04 UT, tilt −0.533585 rad; GSM (−5.1, 0.3, 2.8) R_E is
# GSE (−5.1, 0.905617, 2.666432) and SM (−2.967009, 0.3, 5.004683).
GEOPACK_T = Time("2001-01-01T02:03:04", scale="utc")
GEOPACK_GSM = np.array([-5.1, 0.3, 2.8])


def test_geopack_vector():
    gse = transform(GEOPACK_GSM, GEOPACK_T, "gsm", "gse")
    sm = transform(GEOPACK_GSM, GEOPACK_T, "gsm", "sm")
    psi = dipole_tilt(GEOPACK_T)
    # measured: |ΔGSE| 7.6e-5 R_E, |ΔSM| 6e-7 R_E, Δψ 2.2e-5 rad (the published SM vector
    # itself implies ψ = −0.533563, ours to 1e-7); required 2e-3 R_E and 1e-3 rad.
    assert np.linalg.norm(gse - [-5.1, 0.905617, 2.666432]) < 2e-4
    assert np.linalg.norm(sm - [-2.967009, 0.3, 5.004683]) < 2e-5
    assert abs(psi - (-0.533585)) < 5e-5
    assert isinstance(psi, float)
    assert transform(GEOPACK_GSM, GEOPACK_T, "gsm", "gsm") == pytest.approx(GEOPACK_GSM)


# ------------------------------------------------------------------------ algebra


@pytest.fixture(scope="module")
def random_times():
    rng = np.random.default_rng(11)
    return Time("1995-01-01", scale="utc") + rng.uniform(0, 40 * 365.25, 40) * u.day


@pytest.fixture(scope="module")
def random_xyz():
    return np.random.default_rng(12).normal(size=(40, 3)) * 15.0


@pytest.mark.parametrize("src,dst", list(itertools.permutations(FRAMES, 2)))
def test_round_trip_all_pairs(src, dst, random_times, random_xyz):
    there = transform(random_xyz, random_times, src, dst)
    back = transform(there, random_times, dst, src)
    assert back.dtype == np.float64 and back.shape == random_xyz.shape
    r = np.linalg.norm(random_xyz, axis=1)
    assert np.all(np.linalg.norm(back - random_xyz, axis=1) < 1e-14 * r)  # measured ≤ 7e-16
    np.testing.assert_allclose(np.linalg.norm(there, axis=1), r, rtol=1e-14)


def test_matrices_orthonormal_and_composable(random_times):
    mats = {(a, b): rotation_matrix(random_times, a, b) for a in FRAMES for b in FRAMES}
    eye = np.eye(3)
    for (a, b), r in mats.items():
        assert r.shape == (40, 3, 3)
        np.testing.assert_allclose(r @ np.swapaxes(r, -1, -2), np.broadcast_to(eye, r.shape), atol=1e-14)
        np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-14)
        np.testing.assert_allclose(r @ mats[(b, a)], np.broadcast_to(eye, r.shape), atol=1e-14)
    for a, b, c in itertools.permutations(FRAMES, 3):
        np.testing.assert_allclose(mats[(b, c)] @ mats[(a, b)], mats[(a, c)], atol=1e-14)


def test_vectorised_equals_per_time_loop(random_times, random_xyz):
    t, xyz = random_times[:12], random_xyz[:12]
    for src, dst in [("gei", "gsm"), ("gsm", "gse"), ("geo", "sm")]:
        vec = transform(xyz, t, src, dst)
        loop = np.array([transform(x, ti, src, dst) for x, ti in zip(xyz, t, strict=True)])
        np.testing.assert_allclose(vec, loop, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dipole_tilt(t), [dipole_tilt(ti) for ti in t], rtol=0, atol=1e-15)


def test_shapes_and_broadcasting(random_times, random_xyz):
    t0 = random_times[0]
    assert rotation_matrix(t0, "gse", "gsm").shape == (3, 3)
    assert transform([1.0, 2.0, 3.0], t0, "gse", "gsm").shape == (3,)
    # many points, one time: the same rotation for all
    out = transform(random_xyz, t0, "gei", "gse")
    np.testing.assert_allclose(out, random_xyz @ rotation_matrix(t0, "gei", "gse").T, atol=1e-13)
    # (..., 3) points with matching time shape
    grid = random_xyz[:12].reshape(3, 4, 3)
    out = transform(grid, random_times[:12].reshape(3, 4), "gsm", "sm")
    np.testing.assert_allclose(out.reshape(12, 3), transform(random_xyz[:12], random_times[:12], "gsm", "sm"))
    # one vector at many times
    assert transform([0.0, 0.0, 1.0], random_times, "gsm", "gei").shape == (40, 3)
    assert sun_direction(random_times, "gse").shape == (40, 3)
    assert dipole_axis(t0).shape == (3,)
    assert np.shape(dipole_tilt(random_times)) == (40,)
    # integer input is fine and returns float64
    assert transform(np.array([[1, 0, 0]]), t0, "gse", "gse").dtype == np.float64


def test_time_scales_and_strings():
    t = Time("2026-05-01T12:00:00", scale="utc")
    ref = rotation_matrix(t, "geo", "gsm")
    for scale in ("tai", "tt", "tdb", "ut1", "tcg"):
        np.testing.assert_allclose(rotation_matrix(getattr(t, scale), "geo", "gsm"), ref, atol=1e-9)
    np.testing.assert_allclose(rotation_matrix("2026-05-01T12:00:00", "geo", "gsm"), ref, atol=1e-15)


def test_errors(random_times, random_xyz):
    with pytest.raises(UserInputError, match=r"'gsx'.*gei, geo, gse, gsm, sm"):
        transform(random_xyz, random_times, "gsx", "gse")
    with pytest.raises(UserInputError, match="'HGS'"):
        rotation_matrix(random_times, "gse", "HGS")
    with pytest.raises(UserInputError, match="'mag'"):
        sun_direction(random_times, "mag")
    with pytest.raises(UserInputError, match=r"\(40,\).*\(7, 3\)"):
        transform(random_xyz[:7], random_times, "gse", "gsm")
    with pytest.raises(UserInputError, match=r"\(40, 2\)"):
        transform(random_xyz[:, :2], random_times, "gse", "gsm")
    with pytest.raises(UserInputError, match="cannot read times"):
        transform(random_xyz, "not a time", "gse", "gsm")
    with pytest.raises(UserInputError, match="'local'"):
        dipole_tilt(Time(2461000.5, format="jd", scale="local"))
    with pytest.raises(UserInputError, match="1900"):
        dipole_tilt(Time("1850-01-01", scale="tt"))
    assert rotation_matrix(random_times[0], "GSM", " Sm ").shape == (3, 3)  # case and spaces


# ------------------------------------------------------------------------ slow-part grid


def test_interpolation_error_on_node_grid():
    """Cubic interpolation on the 12-h node grid versus exact evaluation at each time."""
    rng = np.random.default_rng(3)
    jd2 = np.sort(rng.uniform(-3650.0, 13000.0, 3000))  # 1990–2035, TT days from J2000
    jd1 = np.full(jd2.shape, erfa.DJ00)
    exact = frames_mod._slow_values(jd1, jd2)
    interp = frames_mod._interpolated_slow(jd1, jd2)
    err = np.abs(interp - exact)
    assert err[:, :3].max() < 2e-10  # CIP X, Y, s [rad]; measured 9e-11
    sun_err = np.linalg.norm(
        interp[:, 3:6] / np.linalg.norm(interp[:, 3:6], axis=1)[:, None] - exact[:, 3:6], axis=1
    )
    assert sun_err.max() < 5e-10  # measured 1.8e-10
    # UT1 − TT [day] times Earth's rotation rate [rad/day]; measured 1.8e-9 rad
    assert err[:, 6].max() * 2 * np.pi * 1.00273781 < 4e-9


def test_threaded_node_evaluation_equals_serial(monkeypatch):
    monkeypatch.setattr(frames_mod, "_CPUS", 2)
    jd2 = np.arange(4000) * frames_mod.NODE_STEP_DAYS
    jd1 = np.full(jd2.shape, erfa.DJ00)
    threaded = frames_mod._slow_values(jd1, jd2)
    np.testing.assert_array_equal(threaded[:, :6], frames_mod._erfa_slow(jd1, jd2))


# ------------------------------------------------------------------------ IGRF


def _sunpy_igrf13():
    import sunpy.coordinates

    path = sunpy.coordinates.__path__[0] + "/data/igrf13coeffs.txt"
    with open(path) as f:
        for line in f:  # (a loop on readline() would spin for ever at the end of the file)
            if line.startswith("g/h"):
                break
        else:
            raise AssertionError(f"{path}: no 'g/h' header line")
        years = np.array(line.split()[3:-1], dtype=float)
        rows = [np.array(f.readline().split()[3:], dtype=float) for _ in range(3)]
    return years, rows


def test_igrf_table_matches_sunpy_igrf13():
    years, rows = _sunpy_igrf13()
    # 1900–2015 identical; IGRF-13's provisional 2020 within 2 nT of IGRF-14's DGRF 2020.
    np.testing.assert_array_equal(years, igrf.EPOCHS[:-1])
    for ours, theirs in zip((igrf.G10, igrf.G11, igrf.H11), rows, strict=True):
        np.testing.assert_array_equal(ours[:-2], theirs[:-2])
        assert abs(ours[-2] - theirs[-2]) < 2.0
    g10, g11, h11 = igrf.dipole_coefficients(2027.5)  # IGRF-14 2025.0 plus 2.5 yr of SV
    assert (g10, g11, h11) == pytest.approx((-29350.0 + 31.5, -1410.3 + 25.0, 4545.5 - 53.75))
    assert igrf.dipole_coefficients(2002.5)[0] == pytest.approx((-29619.4 - 29554.63) / 2)


def test_dipole_pole_2025():
    d = igrf.dipole_pole_geo(2025.0)
    lat, lon = np.degrees(np.arcsin(d[2])), np.degrees(np.arctan2(d[1], d[0]))
    assert lat == pytest.approx(80.8, abs=0.05) and lon == pytest.approx(-72.8, abs=0.1)
    np.testing.assert_allclose(dipole_axis(Time("2025-01-01", scale="utc"), "geo"), d, atol=1e-8)


def test_decimal_year():
    t = Time(["2024-01-01T00:00", "2024-07-02T00:00", "2023-12-31T12:00"], scale="tt")
    np.testing.assert_allclose(igrf.decimal_year(t.jd1, t.jd2), t.decimalyear, atol=1e-12)


# ------------------------------------------------------------------------ sunpy / astropy


@pytest.fixture()
def sunpy_igrf14(monkeypatch, tmp_path):
    """Make sunpy's magnetic frames use our IGRF-14 table (sunpy ships only IGRF-13)."""
    import sunpy.coordinates.frames as sf

    path = tmp_path / "igrf14coeffs.txt"
    lines = [
        "# IGRF-14 degree 1, written by the smile-viewer tests\n",
        "c/s deg ord " + " ".join(["X"] * igrf.EPOCHS.size) + " SV\n",
        "g/h n m " + " ".join(f"{e:.1f}" for e in igrf.EPOCHS) + " 2025-30\n",
    ]
    for name, c, sv in zip(("g 1 0", "g 1 1", "h 1 1"), (igrf.G10, igrf.G11, igrf.H11), igrf.SV, strict=True):
        lines.append(f"{name} {' '.join(repr(float(x)) for x in c)} {float(sv)!r}\n")
    path.write_text("".join(lines))
    monkeypatch.setattr(sf.BaseMagnetic, "_igrf_file", property(lambda self: str(path)))


@pytest.fixture()
def no_polar_motion(monkeypatch):
    """Switch off polar motion in astropy's ITRS (our GEO neglects it)."""
    monkeypatch.setattr(
        intermediate_rotation_transforms,
        "get_polar_motion",
        lambda time: (np.zeros(time.shape), np.zeros(time.shape)),
    )


def _reference_matrix(frame_a, frame_b, times, **kw_b):
    """(n, 3, 3) matrices from astropy/sunpy: column j is frame_a's axis j expressed in frame_b.

    The axes are 1e7 km long: sunpy's GSE→GEI passes through heliocentric frames, and
    adding then removing 1 AU would cost 1e-16 AU of precision on a short vector.
    """
    n = times.size
    t3 = times[np.tile(np.arange(n), 3)]
    axes = np.repeat(np.eye(3), n, axis=0) * 1e7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = frame_a(CartesianRepresentation(axes.T * u.km), obstime=t3).transform_to(
            frame_b(obstime=t3, **kw_b)
        )
    cols = c.cartesian.xyz.to_value(u.km).T.reshape(3, n, 3) / 1e7
    return np.transpose(cols, (1, 2, 0))


def _sunpy_frames():
    from sunpy.coordinates import GeocentricSolarMagnetospheric, SolarMagnetic

    return {"gei": GCRS, "geo": ITRS, "gsm": GeocentricSolarMagnetospheric, "sm": SolarMagnetic}


PAIRS = [("gei", "geo"), ("gsm", "geo"), ("sm", "geo"), ("gsm", "sm"), ("gei", "gsm")]


@pytest.mark.parametrize("src,dst", PAIRS)
def test_matches_sunpy_with_polar_motion(src, dst, sunpy_igrf14):
    """Against astropy's ITRS and sunpy's GSM/SM as they are; the difference is polar motion."""
    fr = _sunpy_frames()
    ref = _reference_matrix(fr[src], fr[dst], EPOCHS)
    err = _angle(rotation_matrix(EPOCHS, src, dst), ref)
    assert err.max() < 4e-6  # measured 0.05–2.7e-6 rad: polar motion (|x_p|, |y_p| ≲ 0.5″)


@pytest.mark.parametrize("src,dst", PAIRS)
def test_matches_sunpy_without_polar_motion(src, dst, sunpy_igrf14, no_polar_motion):
    """With polar motion off, only models of the same quantities differ: nearly exact."""
    fr = _sunpy_frames()
    ref = _reference_matrix(fr[src], fr[dst], EPOCHS)
    err = _angle(rotation_matrix(EPOCHS, src, dst), ref)
    assert err.max() < 2e-8  # measured ≤ 2.5e-9 rad (grid interpolation, UT1 table, s')


def test_gse_matches_sunpy_up_to_aberration():
    """sunpy's GSE points X at the geometric Sun; ours at the apparent (aberrated) Sun.

    Our GSE→sunpy GSE must be a rotation about Z by the aberration angle (20.5″ ± e),
    with the geometric Sun on the +Y (dusk) side, since Earth moves toward −Y.
    """
    from sunpy.coordinates import GeocentricEarthEquatorial, GeocentricSolarEcliptic

    ref = _reference_matrix(GeocentricSolarEcliptic, GeocentricEarthEquatorial, EPOCHS, equinox="J2000")
    frame_bias = erfa.bp06(erfa.DJ00, 0.0)[0]  # GCRS → mean equator and equinox of J2000
    ours_to_sunpy = np.swapaxes(ref, -1, -2) @ frame_bias @ rotation_matrix(EPOCHS, "gse", "gei")
    delta = np.arctan2(ours_to_sunpy[:, 0, 1], ours_to_sunpy[:, 0, 0])
    assert np.all((delta > 9.6e-5) & (delta < 1.03e-4))  # 20.5″ = 9.94e-5 rad, ± eccentricity
    rz = np.zeros_like(ours_to_sunpy)
    rz[:, 0, 0] = rz[:, 1, 1] = np.cos(delta)
    rz[:, 0, 1], rz[:, 1, 0], rz[:, 2, 2] = np.sin(delta), -np.sin(delta), 1.0
    assert _angle(ours_to_sunpy, rz).max() < 2e-8  # measured ≤ 5e-9 rad


def test_dipole_matches_sunpy(sunpy_igrf14):
    from sunpy.coordinates import Geomagnetic

    lon, lat = (a.to_value(u.rad) for a in Geomagnetic(obstime=EPOCHS).dipole_lonlat)
    ref = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    assert np.abs(dipole_axis(EPOCHS, "geo") - ref).max() < 1e-8  # measured 2e-9 (UTC vs TT year)


# ------------------------------------------------------------------------ physics sanity


def test_axes_definitions(random_times):
    np.testing.assert_allclose(
        sun_direction(random_times, "gse"), np.broadcast_to([1, 0, 0], (40, 3)), atol=1e-15
    )
    np.testing.assert_allclose(
        sun_direction(random_times, "gsm"), np.broadcast_to([1, 0, 0], (40, 3)), atol=1e-15
    )
    np.testing.assert_allclose(
        dipole_axis(random_times, "sm"), np.broadcast_to([0, 0, 1], (40, 3)), atol=1e-15
    )
    psi = dipole_tilt(random_times)
    d_gsm = dipole_axis(random_times, "gsm")
    np.testing.assert_allclose(d_gsm, np.column_stack([np.sin(psi), 0 * psi, np.cos(psi)]), atol=1e-15)
    # SM X lies in the plane of the Sun and the dipole, on the Sun's side
    s_sm = sun_direction(random_times, "sm")
    assert np.all(np.abs(s_sm[:, 1]) < 1e-15) and np.all(s_sm[:, 0] > 0)
    np.testing.assert_allclose(s_sm[:, 2], np.sin(psi), atol=1e-15)
    # the ecliptic pole is in GSE's XZ plane, its Z component cos(ecliptic latitude of the Sun) ≈ 1
    np.testing.assert_allclose(np.linalg.norm(dipole_axis(random_times), axis=1), 1.0, atol=1e-15)


def test_sun_declination_of_date_seasons():
    """The Sun's declination of date (GEO Z is the true pole) at the 2026 equinox and solstices."""
    t = Time(["2026-03-20T14:46", "2026-06-21T08:24", "2026-12-21T20:50"], scale="utc")
    dec = np.degrees(np.arcsin(sun_direction(t, "geo")[:, 2]))
    assert dec[0] == pytest.approx(0.0, abs=0.01)
    assert dec[1] == pytest.approx(23.436, abs=0.005) and dec[2] == pytest.approx(-23.436, abs=0.005)
    # in GEI (J2000 axes) the equinox Sun sits 26 yr of precession (20.04″/yr) below the equator
    assert np.degrees(np.arcsin(sun_direction(t[0])[2])) == pytest.approx(-26.2 * 20.04 / 3600, abs=0.01)


def test_earth_rotation_rate():
    t0 = Time("2026-05-01T00:00:00", scale="utc")
    times = t0 + np.array([0.0, 1.0, 24.0]) * u.hour
    x_geo_in_gei = rotation_matrix(times, "geo", "gei")[:, :, 0]  # Greenwich meridian
    ang = np.unwrap(np.arctan2(x_geo_in_gei[:, 1], x_geo_in_gei[:, 0]))
    assert np.degrees(ang[1] - ang[0]) == pytest.approx(360.9856 / 24, abs=1e-4)
    # 24 h of UTC advance 360.9856° (one turn plus 0.9856°)
    assert np.degrees(ang[2] - ang[0]) % 360.0 == pytest.approx(0.9856, abs=1e-3)


def test_tilt_range_daily_and_seasonal():
    t = Time("2026-01-01", scale="utc") + np.arange(0, 365 * 24) * u.hour
    psi = np.degrees(dipole_tilt(t))
    # |ψ| ≤ obliquity + dipole colatitude: 23.44° + 9.2° in 2026 (11.5° in 1965: ±34.9°)
    colat = np.degrees(np.arccos(dipole_axis(t[4000], "geo")[2]))
    assert colat == pytest.approx(9.2, abs=0.1)
    assert psi.max() == pytest.approx(23.44 + colat, abs=0.1)
    assert psi.min() == pytest.approx(-23.44 - colat, abs=0.1)
    daily = psi.reshape(365, 24)
    span = daily.max(axis=1) - daily.min(axis=1)
    assert np.all((span > 15.0) & (span < 21.0))  # ≈ twice the dipole's 9.2° colatitude
    june = dipole_tilt(Time("2026-06-21T12:00", scale="utc"))
    december = dipole_tilt(Time("2026-12-21T12:00", scale="utc"))
    assert np.degrees(june) > 20.0 and np.degrees(december) < -20.0
    # the northern pole (≈ 73° W) faces the Sun near 17 UT: tilt peaks then at the June solstice
    hours = Time("2026-06-21", scale="utc") + np.arange(0, 24, 0.25) * u.hour
    peak_h = 0.25 * np.argmax(dipole_tilt(hours))
    assert 15.5 < peak_h < 18.0
