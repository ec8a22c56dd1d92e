"""Tests for smile_viewer.physics.field: dipole, IGRF-14, T89, T96 and FieldModel.

References:
- geopack (PyPI, S. Tian) 1.0.11, pinned: the last release that ships its IGRF coefficients (1.0.12+
  download them from NOAA when imported and fail offline) and that contains the T96 fixes of
  tsssss/geopack issue #18. Agreement required: 1e-3 relative in |ΔB|/|B| (the brief's target);
  the ports actually agree to ~1e-7 (T96: Bessel-function approximations) or ~1e-15 (T89, dipole).
- geopack's own published test values (``geopack/test_geopack1.md`` / ``test_geopack1.py``): 2001-01-01
  02:03:04 UT, GSM (−5.1, 0.3, 2.8) R_E (GEOPACK's R_E = 6371.2 km), T89 iopt 2, T96 (2, −87, 2, −5).
- ppigrf 2.1.0 (IGRF-14 reference implementation in Python) for the IGRF expansion itself.

Positions handed to geopack/ppigrf are in their unit (6371.2 km): ours × R_E_TO_A.
"""

from __future__ import annotations

import datetime
import hashlib

import numpy as np
import pytest

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.physics.field import (
    FieldModel,
    dipole_gsm,
    igrf_coefficients,
    igrf_geo,
    igrf_gsm,
    kp_to_iopt,
    load_shc,
    t89,
    t96,
)
from smile_viewer.physics.field import igrf as igrf_mod
from smile_viewer.physics.field.igrf import R_E_TO_A
from smile_viewer.resources import asset_path

# geopack's published test case
UT_2001 = (datetime.datetime(2001, 1, 1, 2, 3, 4) - datetime.datetime(1970, 1, 1)).total_seconds()
YEAR_2001 = 2001 + 7384 / (365 * 86400)
P_GP = np.array([-5.1, 0.3, 2.8])  # GSM, GEOPACK R_E
PS_README = -0.533585131  # the tilt the README quotes for the T89/T96 values
PS_PY = -0.53356312486214  # geopack-python's recalc tilt (test_geopack1.py), used for DIP / IGRF_GSM


def rel_err(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)


@pytest.fixture(scope="module")
def gp():
    """geopack 1.0.11 (``geopack.geopack``) or a skip with the reason."""
    try:
        from importlib.metadata import version

        from geopack import geopack
    except Exception as exc:  # noqa: BLE001 - ImportError, or geopack >= 1.0.12 failing its download offline
        pytest.skip(f"geopack not usable ({type(exc).__name__}: {exc}); install geopack==1.0.11")
    v = version("geopack")
    if v != "1.0.11":
        pytest.skip(f"tests pin geopack 1.0.11 (found {v})")
    return geopack


def _recalc(gp, ut):
    ps = gp.recalc(ut)
    r = np.array([[gp.a11, gp.a12, gp.a13], [gp.a21, gp.a22, gp.a23], [gp.a31, gp.a32, gp.a33]])
    return ps, r


def random_points(n, rmin=2.0, rmax=30.0, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n, 3))
    v /= np.linalg.norm(v, axis=1)[:, None]
    return v * rng.uniform(rmin, rmax, n)[:, None]


# ---------------------------------------------------------------------------------------
# coefficient file
# ---------------------------------------------------------------------------------------


def test_igrf_file_checksum_and_content():
    path = asset_path("models", "igrf14.shc")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == (
        "717f6dce821a8f2bfcc6a77f79cc227ba91f61aeb458d5433e8c72450d48f8e0"
    )
    coef = load_shc(path)
    assert coef.nmax == 13
    np.testing.assert_array_equal(coef.epochs, np.arange(1900.0, 2031.0, 5.0))
    # IGRF-2025 main field and the 2030 column = 2025 + 5 yr × SV (g10 SV 12.6 nT/yr)
    assert coef.g[-2, 1, 0] == -29350.0
    assert coef.g[-1, 1, 0] == pytest.approx(-29350.0 + 5 * 12.6)
    g, h = igrf_coefficients(2025.0)
    assert (g[1, 0], g[1, 1], h[1, 1]) == (-29350.0, -1410.3, 4545.5)
    g, h = igrf_coefficients(2027.5)
    assert g[1, 0] == pytest.approx(-29350.0 + 2.5 * 12.6)


def test_igrf_dipole_terms_match_coords_table():
    from smile_viewer.coords import igrf as coords_igrf

    coef = igrf_mod.igrf14()
    k = np.searchsorted(coef.epochs, coords_igrf.EPOCHS)
    np.testing.assert_allclose(coef.g[k, 1, 0], coords_igrf.G10, atol=1e-9)
    np.testing.assert_allclose(coef.g[k, 1, 1], coords_igrf.G11, atol=1e-9)
    np.testing.assert_allclose(coef.h[k, 1, 1], coords_igrf.H11, atol=1e-9)


def test_bad_shc_files(tmp_path):
    missing = tmp_path / "missing.shc"
    with pytest.raises(DataFileError, match="missing.shc"):
        load_shc(missing)
    bad = tmp_path / "bad.shc"
    bad.write_text("# x\n1 1 2 2 1 2000.0 2005.0\n 2000.0 2005.0\n1 0 -29000 -29100\n1 1 -1700\n")
    with pytest.raises(DataFileError, match="not a valid SHC file"):
        load_shc(bad)
    short = tmp_path / "short.shc"
    short.write_text("1 1 2 2 1 2000.0 2005.0\n 2000.0 2005.0\n1 0 -29000 -29100\n")
    with pytest.raises(DataFileError, match="expected 3 coefficient lines"):
        load_shc(short)
    with pytest.raises(UserInputError, match="1900"):
        igrf_coefficients(1850.0)


# ---------------------------------------------------------------------------------------
# geopack's published numbers (no geopack needed)
# ---------------------------------------------------------------------------------------


def test_t89_published_value():
    b = t89(P_GP / R_E_TO_A, 2, PS_README)
    np.testing.assert_allclose(b, [20.77213175686351, -0.6465547428023687, -15.071641970338984], rtol=1e-10)
    # and the Fortran single-precision value, to its precision
    np.testing.assert_allclose(b, [20.7721329, -0.646554828, -15.0716438], rtol=2e-7, atol=1e-6)


def test_t96_published_value():
    b = t96(P_GP / R_E_TO_A, 2.0, -87.0, 2.0, -5.0, PS_README)
    # geopack-python (scipy Bessel functions) to 1e-6; Fortran (single precision) to 5e-5
    np.testing.assert_allclose(b, [61.178346985193215, -1.4611972499959456, -40.44976904223083], rtol=1e-6)
    assert rel_err(b, [61.1784935, -1.46160448, -40.4486618]) < 5e-5


def test_dipole_published_value():
    g, h = igrf_coefficients(YEAR_2001)
    b0 = np.sqrt(g[1, 0] ** 2 + g[1, 1] ** 2 + h[1, 1] ** 2)
    b = dipole_gsm(P_GP / R_E_TO_A, PS_PY, b0)
    # geopack interpolates the coefficients in seconds between 1 January epochs, we in decimal years
    assert rel_err(b, [266.04028284777775, -20.204186166677108, -57.492114467356956]) < 3e-6


def test_igrf_published_value_with_our_frames():
    """FieldModel.at_time uses smile_viewer.coords (IERS/ERFA Sun and Earth rotation) for GSM."""
    fm = FieldModel.at_time("2001-01-01T02:03:04", internal="igrf")
    assert fm.tilt_rad == pytest.approx(PS_PY, abs=1e-6)
    b = fm.b_gsm(P_GP / R_E_TO_A)
    assert rel_err(b, [262.8292494578462, -19.305779063359893, -50.34573331501855]) < 1e-5


# ---------------------------------------------------------------------------------------
# agreement with geopack at random points
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("ps", [-0.6, -0.25, 0.0, 0.4])
def test_dipole_against_geopack(gp, ps):
    _recalc(gp, UT_2001)
    gp.sps, gp.cps = np.sin(ps), np.cos(ps)  # DIP reads the tilt from GEOPACK's common block
    b0 = float(np.sqrt(gp.g[1] ** 2 + gp.g[2] ** 2 + gp.h[2] ** 2))
    pts = random_points(200, seed=1)
    mine = dipole_gsm(pts, ps, b0)
    ref = np.array([gp.dip(*(p * R_E_TO_A)) for p in pts])
    assert rel_err(mine, ref).max() < 1e-12


@pytest.mark.parametrize(
    "when",
    [
        datetime.datetime(1995, 7, 1, 12),
        datetime.datetime(2001, 1, 1, 2, 3, 4),
        datetime.datetime(2012, 3, 20, 18, 30),
    ],
)
def test_igrf_against_geopack(gp, when):
    ut = (when - datetime.datetime(1970, 1, 1)).total_seconds()
    ps, r = _recalc(gp, ut)
    year = when.year + (when - datetime.datetime(when.year, 1, 1)).total_seconds() / (
        (datetime.datetime(when.year + 1, 1, 1) - datetime.datetime(when.year, 1, 1)).total_seconds()
    )
    pts = random_points(200, rmin=1.0, rmax=30.0, seed=2)
    ref = np.array([gp.igrf_gsm(*(p * R_E_TO_A)) for p in pts])
    mine = igrf_gsm(pts, year, geo_to_gsm=r)
    # geopack truncates the expansion with distance and interpolates coefficients in seconds: ~1e-5
    assert rel_err(mine, ref).max() < 1e-4
    fm = FieldModel(internal="igrf", year=year, geo_to_gsm=r)
    assert fm.tilt_rad == pytest.approx(ps, abs=1e-6)
    assert rel_err(fm.b_gsm(pts), ref).max() < 1e-4
    # the expansion itself, fed geopack's own (Gauss-normalised) coefficients, agrees to rounding
    gg, hh, rec = np.array(gp.g[:105]), np.array(gp.h[:105]), np.array(gp.rec)
    for p, b in zip(pts[:50], ref[:50]):
        q = p * R_E_TO_A
        nm = int(min(13, 3 + 30 // int(np.linalg.norm(q) + 2)))  # GEOPACK's truncation
        mine1 = igrf_mod.igrf_gsm_kernel(*q, gg, hh, rec, nm, np.ascontiguousarray(r.T), 1.0)
        assert rel_err(mine1, b) < 1e-12


@pytest.mark.parametrize("iopt", range(1, 8))
def test_t89_against_geopack(gp, iopt):
    from geopack import t89 as gp_t89

    pts = random_points(150, seed=10 + iopt)
    for ps in (-0.55, -0.2, 0.0, 0.35):
        mine = t89(pts, iopt, ps)
        ref = np.array([gp_t89.t89(iopt, ps, *(p * R_E_TO_A)) for p in pts])
        assert rel_err(mine, ref).max() < 1e-3
        assert rel_err(mine, ref).max() < 1e-12  # what the port actually achieves


T96_CASES = [
    (2.0, -87.0, 2.0, -5.0),
    (1.0, 0.0, 0.0, 0.0),
    (5.0, -30.0, -5.0, 5.0),
    (0.5, 10.0, 3.0, -2.0),
    (8.0, -100.0, -8.0, -8.0),
]


@pytest.mark.parametrize("par", T96_CASES)
def test_t96_against_geopack(gp, par):
    from geopack import t96 as gp_t96

    pts = random_points(120, seed=int(10 * par[0]))
    for ps in (-0.5, 0.0, 0.3):
        mine = t96(pts, *par, ps)
        ref = np.array([gp_t96.t96(list(par) + [0.0] * 6, ps, *(p * R_E_TO_A)) for p in pts])
        err = rel_err(mine, ref)
        assert err.max() < 1e-3
        assert err.max() < 1e-6  # Abramowitz & Stegun J0/J1 (as in the Fortran) vs scipy's


def test_fieldmodel_igrf_t89_against_geopack(gp):
    from geopack import t89 as gp_t89

    ps, r = _recalc(gp, UT_2001)
    fm = FieldModel(internal="igrf", external="t89", kp=1.0, year=YEAR_2001, geo_to_gsm=r)
    assert fm.iopt == 2
    pts = random_points(100, seed=5)
    ref = np.array([np.add(gp.igrf_gsm(*(p * R_E_TO_A)), gp_t89.t89(2, ps, *(p * R_E_TO_A))) for p in pts])
    assert rel_err(fm.b_gsm(pts), ref).max() < 1e-4
    ext = np.array([gp_t89.t89(2, ps, *(p * R_E_TO_A)) for p in pts])
    assert rel_err(fm.b_external_gsm(pts), ext).max() < 1e-5
    np.testing.assert_allclose(fm.b_internal_gsm(pts) + fm.b_external_gsm(pts), fm.b_gsm(pts), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# IGRF expansion against ppigrf (the full degree 13, no truncation)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["1965-01-01", "2005-01-01", "2025-01-01"])
def test_igrf_geo_against_ppigrf(when):
    ppigrf = pytest.importorskip("ppigrf")
    pts = random_points(60, rmin=1.0, rmax=8.0, seed=7)
    r = np.linalg.norm(pts, axis=1)
    theta = np.degrees(np.arccos(pts[:, 2] / r))
    phi = np.degrees(np.arctan2(pts[:, 1], pts[:, 0]))
    br, bt, bp = (
        np.asarray(v).ravel()
        for v in ppigrf.igrf_gc(r * 6371.0, theta, phi, datetime.datetime.fromisoformat(when))
    )
    year = float(when[:4])
    b = igrf_geo(pts, year)
    th, ph = np.radians(theta), np.radians(phi)
    mine_r = b[:, 0] * np.sin(th) * np.cos(ph) + b[:, 1] * np.sin(th) * np.sin(ph) + b[:, 2] * np.cos(th)
    mine_t = b[:, 0] * np.cos(th) * np.cos(ph) + b[:, 1] * np.cos(th) * np.sin(ph) - b[:, 2] * np.sin(th)
    mine_p = -b[:, 0] * np.sin(ph) + b[:, 1] * np.cos(ph)
    assert rel_err(np.c_[mine_r, mine_t, mine_p], np.c_[br, bt, bp]).max() < 1e-9


def test_igrf_surface_field_magnitude():
    # IGRF-2025 at the north geographic pole, r = a: |B| is about 56,700 nT; the dipole axis leans to 80.8° N
    b = igrf_geo(np.array([0.0, 0.0, 1.0 / R_E_TO_A]), 2025.0)
    assert 55_000 < np.linalg.norm(b) < 58_500
    g, h = igrf_coefficients(2025.0)
    axis = igrf_mod.dipole_axis_geo(g, h)
    assert np.degrees(np.arcsin(axis[2])) == pytest.approx(80.8, abs=0.1)


# ---------------------------------------------------------------------------------------
# physics sanity and API
# ---------------------------------------------------------------------------------------


def test_dipole_physics():
    b0 = 30000.0
    # equator, no tilt: B = +B0/r^3 Z (northward); pole: −2 B0/r^3 Z
    b = dipole_gsm(np.array([[2.0, 0, 0], [0, 0, 2.0]]) / R_E_TO_A, 0.0, b0)
    np.testing.assert_allclose(b[0], [0, 0, b0 / 8], atol=1e-9)
    np.testing.assert_allclose(b[1], [0, 0, -2 * b0 / 8], atol=1e-9)
    # tilting the dipole by ψ equals rotating the field about Y_GSM
    psi = 0.3
    pts = random_points(20, seed=3)
    c, s = np.cos(psi), np.sin(psi)
    rot = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])  # SM -> GSM
    b_sm = dipole_gsm(pts @ rot, 0.0, b0)  # positions given in SM
    np.testing.assert_allclose(dipole_gsm(pts, psi, b0), b_sm @ rot.T, rtol=1e-12, atol=1e-9)


def test_divergence_free_t89():
    """T89 is built from divergence-free pieces: ∇·B ≈ 0 (central differences). (T96 is not exactly:
    it interpolates linearly across the region-1 boundary layers and blends the region-2 modules.)"""
    pts = random_points(30, rmin=4.0, rmax=15.0, seed=4)
    h = 1e-4
    for f in (lambda q: t89(q, 4, 0.2), lambda q: t89(q, 7, -0.4)):
        div = np.zeros(len(pts))
        for k in range(3):
            d = np.zeros(3)
            d[k] = h
            div += (f(pts + d)[:, k] - f(pts - d)[:, k]) / (2 * h)
        scale = np.linalg.norm(f(pts), axis=1) / np.linalg.norm(pts, axis=1)
        assert np.all(np.abs(div) < 1e-7 * scale)


def test_kp_to_iopt():
    table = {
        0.0: 1,
        0.33: 1,
        0.67: 2,
        1.0: 2,
        1.33: 2,
        1.67: 3,
        2.0: 3,
        2.33: 3,
        3.0: 4,
        4.0: 5,
        5.33: 6,
        5.67: 7,
        7.0: 7,
        9.0: 7,
    }
    for kp, iopt in table.items():
        assert kp_to_iopt(kp) == iopt, kp
    with pytest.raises(UserInputError):
        kp_to_iopt(-1)


def test_shapes_and_errors():
    pts = random_points(12, seed=9).reshape(3, 4, 3)
    assert t89(pts, 3, 0.1).shape == (3, 4, 3)
    assert t96(pts, 2, -10, 0, -2, 0.1).shape == (3, 4, 3)
    assert dipole_gsm(pts[0, 0], 0.1).shape == (3,)
    np.testing.assert_allclose(t89(pts, 3, 0.1)[1, 2], t89(pts[1, 2], 3, 0.1))
    with pytest.raises(UserInputError, match="shape"):
        t89(np.zeros((4, 2)), 3, 0.0)
    with pytest.raises(UserInputError, match="iopt"):
        t89(pts, 8, 0.0)
    with pytest.raises(UserInputError, match="pressure"):
        t96(pts, -1, 0, 0, 0, 0.0)
    with pytest.raises(UserInputError, match="radians"):
        dipole_gsm(pts, 30.0)
    with pytest.raises(UserInputError, match="geo_to_gsm"):
        igrf_gsm(pts, 2020.0)


def test_fieldmodel_validation():
    with pytest.raises(UserInputError, match="internal"):
        FieldModel(internal="quadrupole")
    with pytest.raises(UserInputError, match="external"):
        FieldModel(external="t01")
    with pytest.raises(UserInputError, match="iopt"):
        FieldModel(external="t89")
    with pytest.raises(UserInputError, match="pdyn_npa"):
        FieldModel(external="t96", dst_nt=0, by_nt=0, bz_nt=0)
    with pytest.raises(UserInputError, match="year and geo_to_gsm"):
        FieldModel(internal="igrf")
    with pytest.raises(UserInputError, match="rotation"):
        FieldModel(internal="igrf", year=2020.0, geo_to_gsm=np.ones((3, 3)))
    with pytest.raises(UserInputError, match="X-Z plane"):
        FieldModel(internal="igrf", year=2020.0, geo_to_gsm=np.eye(3))
    with pytest.raises(UserInputError, match="disagree"):
        FieldModel(external="t89", iopt=2, kp=5)
    fm = FieldModel(
        internal="dipole", external="t96", tilt_rad=0.1, pdyn_npa=2, dst_nt=-20, by_nt=1, bz_nt=-3
    )
    pts = random_points(10, seed=11)
    np.testing.assert_allclose(fm.b_external_gsm(pts), t96(pts, 2, -20, 1, -3, 0.1), rtol=1e-13)
    np.testing.assert_allclose(fm.b_internal_gsm(pts), dipole_gsm(pts, 0.1), rtol=1e-13)
    assert fm.describe()["external"] == "t96"
    assert FieldModel(tilt_rad=0.2).with_params(tilt_rad=-0.2).tilt_rad == -0.2


def test_igrf_gsm_with_a_time():
    t = "2020-06-01T00:00:00"
    pts = random_points(10, rmin=1.0, rmax=6.0, seed=13)
    fm = FieldModel.at_time(t, internal="igrf")
    np.testing.assert_allclose(igrf_gsm(pts, t), fm.b_internal_gsm(pts), rtol=1e-12)
    np.testing.assert_allclose(igrf_gsm(pts, fm.year, geo_to_gsm=fm.geo_to_gsm), fm.b_gsm(pts), rtol=1e-12)


def test_fieldmodel_at_time_matches_coords():
    from smile_viewer.coords import dipole_tilt, rotation_matrix

    t = "2026-05-01T06:00:00"
    fm = FieldModel.at_time(t, internal="igrf", external="t89", iopt=3)
    assert fm.tilt_rad == pytest.approx(dipole_tilt(t), abs=1e-6)
    np.testing.assert_allclose(fm.geo_to_gsm, rotation_matrix(t, "geo", "gsm"))
    fd = FieldModel.at_time(t, internal="dipole")
    assert fd.tilt_rad == pytest.approx(fm.tilt_rad, abs=1e-12)
    assert fd.b0_nt == pytest.approx(igrf_mod.dipole_moment_nt(fm.year))
    # far from Earth IGRF → its centred dipole; the quadrupole (offset of the dipole, ~0.07 R_E) still
    # makes a few percent at 10 R_E and falls as 1/r
    for rmin, limit in ((10.0, 0.05), (40.0, 0.015)):
        pts = random_points(20, rmin=rmin, rmax=rmin + 2, seed=12)
        assert rel_err(fm.b_internal_gsm(pts), fd.b_gsm(pts)).max() < limit
