"""Tests of smile_viewer.physics.aurora: Zhang & Paxton (2008), Sotirelis et al. (2013) LBH-long,
Newell et al. (2008) Kp, centred-dipole magnetic coordinates and the auroral emission shell."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import Time
from scipy.integrate import quad

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import dipole_axis, sun_direction, transform
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.physics.aurora import (
    LBHL_R_PER_ERG_CM2_S,
    PHOTONS_CM3_S_PER_R_PER_RE,
    SHELL_NPARAM,
    ZP_SHELL_NPARAM,
    AuroralShell,
    BrightnessGrid,
    ShellProfile,
    ZhangPaxton2008,
    auroral_shell_point,
    energy_flux_erg_cm2_s,
    energy_flux_from_lbhl,
    hemispheric_power_gw,
    kp_from_solar_wind,
    kp_newell2008,
    lbhl_brightness_r,
    magnetic_coordinates,
    mean_energy_from_lbh_ratio_kev,
    mean_energy_kev,
    mlat_mlt_to_sm,
    newell_coupling,
    shell_segments,
    sm_to_mlat_mlt,
    zhang_paxton_2008,
    zp_shell_point,
)
from smile_viewer.physics.aurora import zhang_paxton as zp
from smile_viewer.physics.aurora.kernels import shell_segments_many
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.resources import asset_path

T0 = Time("2026-05-01T06:30:00", scale="utc")
KP_LEVELS = [0.75, 1.5, 2.25, 3.0, 3.75, 4.5, 5.25, 6.0, 7.0, 8.0, 9.0]


# ---------------------------------------------------------------------------- Zhang & Paxton 2008


def test_coefficient_file():
    c = zp.load_coefficients()
    assert c.energy_flux.shape == (6, 13, 4) and c.mean_energy.shape == (6, 13, 4)
    np.testing.assert_array_equal(c.kp_model, [0.75, 2.25, 3.75, 5.25, 7.0, 9.0])
    # first and last numbers of Tables 1 and 2 (Appendix A)
    assert c.energy_flux[0, 0, 0] == 3.2402978 and c.energy_flux[5, 12, 3] == 0.2985601
    assert c.mean_energy[0, 0, 0] == 7.5088404 and c.mean_energy[5, 12, 3] == 0.1440127
    assert c.hp_low == (38.66, 0.1967, -33.99) and c.hp_high == (4.592, 0.4731, 20.47)
    doc = json.loads(asset_path("models", "zhang_paxton_2008.json").read_text())
    assert "10.1016/j.jastp.2008.03.008" in doc["reference"] and doc["provenance"] and doc["discrepancies"]


# Reference values from pyeppaurora's own tests (st-bender/pyeppaurora, tests/test_models_zp2008.py,
# commit c4188d1c81b9e168e47561e867aabcc9e3f55d62); its PyPI release 0.3.1 does not yet contain the model.
@pytest.mark.parametrize(
    ("kp", "hp"),
    [(2.0, 23.304548167783693), (5.0, 69.37903754706306), (5.01, 69.6037739596099), (7.0, 146.4364572258345)],
)
def test_hemispheric_power_eppaurora_values(kp, hp):
    assert hemispheric_power_gw(kp) == pytest.approx(hp, rel=1e-13)


def test_zp2008_eppaurora_value():
    q, e = zhang_paxton_2008(65.0, 23.0, 4.0)
    assert q == pytest.approx(5.061683414221345, rel=1e-12)
    assert e == pytest.approx(5.914083679736101, rel=1e-12)


def _appendix_a(mlat, mlt, kp, table):
    """Appendix A of Zhang & Paxton (2008), written out plainly for one point."""
    c = zp.load_coefficients()
    kpm = list(c.kp_model)
    if kp < 0.75:
        k1, k2 = 0.75, 2.25
    else:
        k1 = max(k for k in kpm[:-1] if k <= kp)
        k2 = kpm[kpm.index(k1) + 1]
    angle = mlt * 2 * math.pi / 24
    x = 90 - abs(mlat)

    def value(km):
        t = c.table(table)[kpm.index(km)]
        a, b, cc, d = (
            t[0, j]
            + sum(t[n, j] * math.cos(n * angle) + t[6 + n, j] * math.sin(n * angle) for n in range(1, 7))
            for j in range(4)
        )
        return a * math.exp((x - b) / cc) / (1 + math.exp((x - b) / d)) ** 2

    def hp(k):
        return 38.66 * math.exp(0.1967 * k) - 33.99 if k <= 5 else 4.592 * math.exp(0.4731 * k) + 20.47

    if table == "mean_energy":
        f1, f2 = (k2 - kp) / (k2 - k1), (kp - k1) / (k2 - k1)
    else:
        f1, f2 = (hp(k2) - hp(kp)) / (hp(k2) - hp(k1)), (hp(kp) - hp(k1)) / (hp(k2) - hp(k1))
    return max(f1 * value(k1) + f2 * value(k2), 0.0)


def test_matches_appendix_a_written_out():
    rng = np.random.default_rng(7)
    kps = [*KP_LEVELS, 0.0, 0.4, 3.333, 4.667, 5.0, 8.667]
    for kp in kps:
        mlat = rng.uniform(-90, 90, 12)
        mlat[:2] = [65.0, -72.5]
        mlt = rng.uniform(-3, 27, 12)
        q = energy_flux_erg_cm2_s(mlat, mlt, kp)
        e = mean_energy_kev(mlat, mlt, kp)
        for i in range(mlat.size):
            assert q[i] == pytest.approx(
                _appendix_a(mlat[i], mlt[i], kp, "energy_flux"), rel=1e-12, abs=1e-300
            )
            assert e[i] == pytest.approx(
                _appendix_a(mlat[i], mlt[i], kp, "mean_energy"), rel=1e-12, abs=1e-300
            )


def test_array_kp_matches_scalar_kp():
    kp = np.array([0.2, 1.0, 2.9, 4.4, 6.5, 9.0])
    q = energy_flux_erg_cm2_s(66.0, 23.0, kp)
    np.testing.assert_allclose(q, [energy_flux_erg_cm2_s(66.0, 23.0, k) for k in kp], rtol=1e-15)


def _hemispheric_power(kp):
    """Model energy flux integrated over one hemisphere at 110 km altitude [GW]."""
    lat = np.linspace(40, 90, 1001)
    mlt = np.arange(288) * (24 / 288)
    q = energy_flux_erg_cm2_s(lat[:, None], mlt[None, :], kp) * 1e-3  # W m^-2
    r = (R_E_KM + 110.0) * 1e3
    da = r * r * np.cos(np.radians(lat))[:, None] * np.radians(0.05) * (2 * np.pi / 288)
    return float((q * da).sum() / 1e9)


@pytest.mark.parametrize("kp", [0.75, 2.25, 3.75, 4.0, 5.25, 7.0, 9.0])
def test_integrated_power_reproduces_eqs_1_2(kp):
    # Consistency with the paper: the maps' hemispheric power follows its HP(Kp), Eqs. (1)-(2) (within ~5 %).
    assert _hemispheric_power(kp) == pytest.approx(hemispheric_power_gw(kp), rel=0.06)


def _equatorward_boundary(kp, mlt, threshold=0.25):
    lat = np.linspace(40, 90, 2001)
    q = energy_flux_erg_cm2_s(lat, mlt, kp)
    return float(lat[q > threshold].min())


def test_oval_moves_equatorward_and_brightens_with_kp():
    mid = [_equatorward_boundary(k, 0.0) for k in KP_LEVELS]
    noon = [_equatorward_boundary(k, 12.0) for k in KP_LEVELS]
    assert np.all(np.diff(mid) < 0) and np.all(np.diff(noon) < 0)
    assert 62 < mid[0] < 66 and 40 < mid[-1] < 45  # Kp 0.75 and 9 at midnight (threshold 0.25 mW m^-2)
    assert all(n > m + 5 for n, m in zip(noon, mid, strict=True))  # the oval is displaced toward night
    lat = np.linspace(45, 90, 451)[:, None]
    mlt = np.arange(96)[None, :] * 0.25
    peaks = [float(energy_flux_erg_cm2_s(lat, mlt, k).max()) for k in [0.0, 0.5, *KP_LEVELS]]
    assert np.all(np.diff(peaks) > 0)


@pytest.mark.parametrize("kp", [1.0, 3.0, 5.0, 7.0, 9.0])
def test_nightside_maximum_and_dawn_energy(kp):
    lat = np.linspace(45, 90, 451)[:, None]
    mlt = np.arange(96)[None, :] * 0.25
    q, e = zhang_paxton_2008(lat, mlt, kp)
    qmax = q.max(axis=0)
    peak_mlt = float(mlt[0, qmax.argmax()])
    assert peak_mlt >= 21 or peak_mlt <= 3  # energy flux peaks around midnight
    assert qmax[0] > 3 * qmax[48]  # midnight much brighter than noon
    e_oval = np.where(q > 0.25, e, 0).max(axis=0)
    assert 0 <= float(mlt[0, e_oval.argmax()]) <= 6  # hardest precipitation after midnight, toward dawn
    if kp <= 5:
        assert qmax[24] > qmax[72]  # dawn (06 MLT) above dusk (18 MLT)


def test_hemispheres_are_symmetric():
    np.testing.assert_array_equal(
        energy_flux_erg_cm2_s(-67.0, [0, 6, 18], 4.0), energy_flux_erg_cm2_s(67.0, [0, 6, 18], 4.0)
    )


def test_below_lowest_bin():
    lat = np.linspace(40, 90, 201)[:, None]
    mlt = np.arange(48)[None, :] * 0.5
    paper = energy_flux_erg_cm2_s(lat, mlt, 0.0)
    clamp = energy_flux_erg_cm2_s(lat, mlt, 0.0, below_lowest_bin="clamp")
    assert paper.min() >= 0.0 and paper.max() < clamp.max()  # extrapolated below Kp 0.75, floored at 0
    np.testing.assert_array_equal(clamp, energy_flux_erg_cm2_s(lat, mlt, 0.75))
    assert mean_energy_kev(lat, mlt, 0.3).min() >= 0.0
    for kp in (0.75, 4.2):
        np.testing.assert_array_equal(
            energy_flux_erg_cm2_s(lat, mlt, kp), energy_flux_erg_cm2_s(lat, mlt, kp, below_lowest_bin="clamp")
        )


def test_model_object():
    m = ZhangPaxton2008(kp=4.0)
    assert m.energy_flux(65.0, 23.0) == pytest.approx(5.061683414221345, rel=1e-12)
    assert m.mean_energy(65.0, 23.0) == pytest.approx(5.914083679736101, rel=1e-12)
    assert m.hemispheric_power_gw == pytest.approx(hemispheric_power_gw(4.0))
    assert m.parameters["kp"] == 4.0 and "Zhang" in m.parameters["reference"]
    sw = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=-5.0)
    assert ZhangPaxton2008.from_solar_wind(sw).kp == pytest.approx(kp_from_solar_wind(sw))


@pytest.mark.parametrize("kp", [-0.1, 9.01, float("nan"), float("inf"), "x"])
def test_bad_kp(kp):
    with pytest.raises(UserInputError, match="Kp"):
        energy_flux_erg_cm2_s(65.0, 0.0, kp)


def test_bad_inputs():
    with pytest.raises(UserInputError, match="latitude"):
        energy_flux_erg_cm2_s(90.5, 0.0, 3.0)
    with pytest.raises(UserInputError, match="below_lowest_bin"):
        energy_flux_erg_cm2_s(65.0, 0.0, 3.0, below_lowest_bin="nearest")
    assert np.isnan(energy_flux_erg_cm2_s(np.nan, 0.0, 3.0))


def test_bad_coefficient_files(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFileError, match="broken.json"):
        zp.load_coefficients(bad)
    doc = json.loads(asset_path("models", "zhang_paxton_2008.json").read_text())
    del doc["mean_energy"][2]["rows"]["Sin_4"]
    short = tmp_path / "short.json"
    short.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataFileError, match="Sin_4"):
        zp.load_coefficients(short)
    with pytest.raises(DataFileError, match="missing.json"):
        zp.load_coefficients(tmp_path / "missing.json")


# ---------------------------------------------------------------------------- LBH-long (Sotirelis 2013)


def test_lbhl_rayleigh_per_energy_flux():
    # 1 erg cm^-2 s^-1 = 6.241509e11 eV cm^-2 s^-1 through a horizontal surface; isotropic over the
    # downward hemisphere: J_E = Q / pi per sr; I = J_E / 4.90e8 eV s^-1 sr^-1 cm^-2 per R.
    ev_per_erg = 1e-7 / 1.602176634e-19
    assert ev_per_erg == pytest.approx(6.241509074e11, rel=1e-10)
    expected = ev_per_erg / math.pi / 4.90e8
    assert LBHL_R_PER_ERG_CM2_S == pytest.approx(expected, rel=1e-14)
    assert LBHL_R_PER_ERG_CM2_S == pytest.approx(
        405.0, abs=1.0
    )  # docs/reference.md#sotirelis-2013 [D] "about 405 R"
    assert LBHL_R_PER_ERG_CM2_S == pytest.approx(405.456, abs=1e-3)
    # pi sr: integral of cos(theta) over the downward hemisphere
    hemi, _ = quad(lambda th: math.cos(th) * math.sin(th) * 2 * math.pi, 0, math.pi / 2)
    assert hemi == pytest.approx(math.pi, rel=1e-12)
    np.testing.assert_allclose(
        lbhl_brightness_r([0.0, 1.0, 10.0]), [0.0, expected, 10 * expected], rtol=1e-14
    )
    assert energy_flux_from_lbhl(lbhl_brightness_r(3.7)) == pytest.approx(3.7, rel=1e-15)


def test_lbh_ratio_mean_energy():
    assert mean_energy_from_lbh_ratio_kev(0.0, 1000.0) == pytest.approx(19.6)
    assert mean_energy_from_lbh_ratio_kev(math.log(2) / 2.34 * 500, 500.0) == pytest.approx(9.8, rel=1e-12)


# ---------------------------------------------------------------------------- Kp (Newell et al. 2008)


def test_newell_kp():
    assert newell_coupling(400.0, 0.0, 5.0) == pytest.approx(0.0, abs=1e-12)  # northward: no merging
    dphi = 400.0 ** (4 / 3) * 5.0 ** (2 / 3)  # southward, sin(90 deg) = 1
    assert newell_coupling(400.0, 0.0, -5.0) == pytest.approx(dphi, rel=1e-13)
    assert newell_coupling(400.0, 5.0, 0.0) == pytest.approx(
        dphi * math.sin(math.pi / 4) ** (8 / 3), rel=1e-13
    )
    assert newell_coupling(400.0, -5.0, 0.0) == pytest.approx(newell_coupling(400.0, 5.0, 0.0), rel=1e-13)
    kp = kp_newell2008(400.0, 5.0, 0.0, -5.0)
    assert kp == pytest.approx(0.05 + 2.244e-4 * dphi + 2.844e-6 * math.sqrt(5.0) * 400.0**2, rel=1e-13)
    assert kp == pytest.approx(3.0, abs=0.05)
    assert kp_newell2008(400.0, 5.0, 0.0, 5.0) == pytest.approx(1.07, abs=0.01)
    assert kp_newell2008(2500.0, 50.0, 0.0, -80.0) == 9.0  # clipped
    sw = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=-5.0)
    assert kp_from_solar_wind(sw) == pytest.approx(kp, rel=1e-12)
    with pytest.raises(UserInputError):
        kp_newell2008(-400.0, 5.0, 0.0, -5.0)


# ---------------------------------------------------------------------------- magnetic coordinates


def test_dipole_pole_has_mlat_90_and_subsolar_point_mlt_12():
    for t in (T0, Time("2001-01-01T02:03:04", scale="utc"), Time("2024-12-21T18:00:00", scale="utc")):
        mlat, _ = magnetic_coordinates(dipole_axis(t, "gse") * 1.02, t, "gse")
        assert mlat == pytest.approx(90.0, abs=1e-9)
        sun = sun_direction(t, "gse")
        mlat, mlt = magnetic_coordinates(sun, t, "gse")
        assert mlt == pytest.approx(12.0, abs=1e-9)
        assert abs(mlat) < 36  # the subsolar magnetic latitude is the dipole tilt (|psi| <= ~35 deg)
        _, mlt = magnetic_coordinates(-sun, t, "gse")
        assert min(mlt, 24 - mlt) == pytest.approx(0.0, abs=1e-9)
        y_gsm = transform([0.0, 1.0, 0.0], t, "gsm", "gse")  # dusk
        assert magnetic_coordinates(y_gsm, t, "gse")[1] == pytest.approx(18.0, abs=1e-9)


def test_magnetic_coordinate_round_trip_and_time_arrays():
    rng = np.random.default_rng(1)
    lat, mlt = rng.uniform(-89, 89, 50), rng.uniform(0, 24, 50)
    back_lat, back_mlt = sm_to_mlat_mlt(mlat_mlt_to_sm(lat, mlt, 1.7))
    np.testing.assert_allclose(back_lat, lat, atol=1e-12)
    np.testing.assert_allclose(back_mlt, mlt, atol=1e-11)
    xyz = rng.normal(size=(4, 3))
    times = Time(np.full(4, T0.isot), scale="utc")  # one per point, all equal
    a = magnetic_coordinates(xyz, T0)
    b = magnetic_coordinates(xyz, times)
    np.testing.assert_allclose(a[0], b[0], atol=1e-10)
    np.testing.assert_allclose(a[1], b[1], atol=1e-10)
    assert np.isnan(sm_to_mlat_mlt([0.0, 0.0, 0.0])[0])


# ---------------------------------------------------------------------------- the emission shell


def _gse_of(mlat, mlt, r, t=T0):
    return transform(mlat_mlt_to_sm(mlat, mlt, r), t, "sm", "gse")


@pytest.mark.parametrize(
    "profile", [ShellProfile.slab(), ShellProfile.slab(100, 160), ShellProfile.gaussian()]
)
def test_vertical_integral_gives_the_brightness(profile):
    shell = AuroralShell.from_kp(4.0, profile=profile)
    lat = np.array([66.0, 72.0, -64.0, 58.0, 80.0])
    mlt = np.array([0.0, 6.0, 22.5, 1.0, 12.0])
    expected = shell.brightness_at(lat, mlt)
    assert expected[0] > 1000  # R: the midnight oval at Kp 4
    top = _gse_of(lat, mlt, 1.1)
    got = shell.line_integral(top, -top, T0)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # independent check: adaptive quadrature of the volume emission along the radial line
    r_in, r_out = shell.radial_bounds_re
    for k in range(2):
        u = top[k] / np.linalg.norm(top[k])
        val, _ = quad(
            lambda r, u=u: float(shell.volume_emission(r * u, T0)), r_in, r_out, epsabs=0, epsrel=1e-11
        )
        assert val == pytest.approx(expected[k], rel=1e-9)


@pytest.mark.parametrize("zenith_deg", [0.0, 30.0, 60.0, 70.0])
def test_oblique_view_brightens_like_van_rhijn(zenith_deg):
    b0 = 1000.0
    profile = ShellProfile.slab(110.0, 130.0)
    shell = AuroralShell.uniform(b0, profile=profile)
    r_in, r_out = shell.radial_bounds_re
    r_mid = 0.5 * (r_in + r_out)
    z = math.radians(zenith_deg)
    point = np.array([0.3, -0.5, 0.8])
    up = point / np.linalg.norm(point)
    east = np.cross([0.0, 0.0, 1.0], up)
    east /= np.linalg.norm(east)
    p = r_mid * up
    d = -math.cos(z) * up + math.sin(z) * east  # downward, zenith angle z at mid-layer
    got = float(shell.line_integral(p - 3.0 * d, d, T0))
    impact = r_mid * math.sin(z)  # < 1: the Earth hides the far side
    chord = math.sqrt(r_out**2 - impact**2) - math.sqrt(r_in**2 - impact**2)
    assert got == pytest.approx(b0 * chord / (r_out - r_in), rel=1e-12)
    assert got == pytest.approx(b0 / math.cos(z), rel=0.01)  # thin layer: 1/cos(zenith)
    s, _ = quad(
        lambda s: float(shell.volume_emission(p - 3.0 * d + s * d, T0)),
        2.9,
        3.1,
        points=[3.0],
        epsabs=0,
        epsrel=1e-10,
        limit=200,
    )
    assert s == pytest.approx(got, rel=1e-7)


def test_limb_brightening_and_earth_occultation():
    shell = AuroralShell.uniform(1000.0)
    r_in, r_out = shell.radial_bounds_re
    # a ray grazing the middle of the layer: long chord, far brighter than the vertical view
    h = 0.5 * (r_in + r_out)
    limb = float(shell.line_integral([-5.0, h, 0.0], [1.0, 0.0, 0.0], T0))
    expected = 1000.0 * 2 * math.sqrt(r_out**2 - h**2) / (r_out - r_in)
    assert limb == pytest.approx(expected, rel=1e-12) and limb > 20_000
    # through the Earth: only the near side counts; without the Earth both sides do
    near = float(shell.line_integral([-5.0, 0.0, 0.0], [1.0, 0.0, 0.0], T0))
    both = float(shell.line_integral([-5.0, 0.0, 0.0], [1.0, 0.0, 0.0], T0, stop_at_earth=False))
    assert near == pytest.approx(1000.0, rel=1e-12) and both == pytest.approx(2000.0, rel=1e-12)
    # missing the shell entirely
    assert float(shell.line_integral([-5.0, 1.5, 0.0], [1.0, 0.0, 0.0], T0)) == 0.0


def test_shell_segments_against_brute_force():
    rng = np.random.default_rng(5)
    r_in, r_out = 1.02, 1.05
    origins = rng.uniform(-1.3, 1.3, (200, 3))
    origins[:70] *= 4
    dirs = rng.normal(size=(200, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    seg = shell_segments_many(origins, dirs, r_in, r_out, 1.0)
    s = np.linspace(0, 12, 120001)
    for k in range(200):
        r = np.linalg.norm(origins[k] + s[:, None] * dirs[k], axis=1)
        hit = np.nonzero(r < 1.0)[0]
        inside = (r >= r_in) & (r <= r_out)
        if hit.size:
            inside[hit[0] :] = False
        length = inside.sum() * (s[1] - s[0])
        n, a0, b0, a1, b1 = seg[k]
        got = (b0 - a0 if n >= 1 else 0.0) + (b1 - a1 if n >= 2 else 0.0)
        assert got == pytest.approx(length, abs=5e-4)
        assert shell_segments(*origins[k], *dirs[k], r_in, r_out, 1.0) == tuple(
            int(v) if i == 0 else v for i, v in enumerate(seg[k])
        )
    assert shell_segments(0.1, 0.0, 0.0, 1.0, 0.0, 0.0, r_in, r_out, 1.0)[0] == 0  # starts inside the Earth


def test_grid_and_kernel_paths():
    shell = AuroralShell.from_kp(3.0)
    grid = shell.grid()
    assert grid.values_r.shape == (721, 240) and grid.as_float32().dtype == np.float32
    rng = np.random.default_rng(11)
    lat, mlt = rng.uniform(50, 85, 20000), rng.uniform(0, 24, 20000)
    model = shell.brightness_at(lat, mlt)
    bright = model > 0.1 * model.max()
    np.testing.assert_array_less(np.abs(grid.brightness_at(lat, mlt) - model)[bright] / model[bright], 0.01)
    # kernel point function == numpy grid path, at points inside the shell
    r_in, r_out = shell.radial_bounds_re
    pts = _gse_of(rng.uniform(-89, 89, 500), rng.uniform(0, 24, 500), rng.uniform(r_in, r_out, 500))
    p, g = shell.kernel_arrays(T0)
    assert p.shape == (SHELL_NPARAM,) and g.flags.c_contiguous
    numpy_grid = shell.volume_emission(pts, T0, source="grid")
    kernel = np.array([auroral_shell_point(x, y, z, p, g) for x, y, z in pts])
    np.testing.assert_allclose(kernel, numpy_grid, rtol=1e-12, atol=1e-9)
    assert kernel.max() > 0
    assert auroral_shell_point(3.0, 0.0, 0.0, p, g) == 0.0
    # vertical line integral through the grid path also returns the grid brightness
    top = _gse_of(67.0, 23.0, 1.1)
    assert float(shell.line_integral(top, -top, T0, source="grid")) == pytest.approx(
        float(grid.brightness_at(67.0, 23.0)), rel=1e-10
    )


@pytest.mark.parametrize(
    ("kp", "profile"),
    [(0.3, ShellProfile.slab()), (4.4, ShellProfile.gaussian()), (9.0, ShellProfile.slab(100, 150))],
)
def test_analytic_kernel_matches_model_path(kp, profile):
    shell = AuroralShell.from_kp(kp, profile=profile)
    r_in, r_out = shell.radial_bounds_re
    rng = np.random.default_rng(13)
    lat = np.concatenate(
        [rng.uniform(-89, 89, 300), rng.uniform(55, 75, 300), [89.999, -89.999]]
    )  # not the pole itself: MLT undefined there
    mlt = rng.uniform(0, 24, lat.size)
    pts = _gse_of(lat, mlt, rng.uniform(r_in, r_out, lat.size))
    p = shell.analytic_kernel_params(T0)
    assert p.shape == (ZP_SHELL_NPARAM,)
    kernel = np.array([zp_shell_point(x, y, z, p) for x, y, z in pts])
    model = shell.volume_emission(pts, T0)
    np.testing.assert_allclose(kernel, model, rtol=1e-11, atol=1e-12 * model.max())
    assert model.max() > 0 and zp_shell_point(0.0, 0.0, 5.0, p) == 0.0
    with pytest.raises(UserInputError):
        AuroralShell.uniform(1.0).analytic_kernel_params(T0)


def test_volume_emission_units_and_edges():
    assert PHOTONS_CM3_S_PER_R_PER_RE == pytest.approx(1e6 / 6.371e8, rel=1e-12)
    shell = AuroralShell.from_kp(5.0)
    pts = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [np.nan, 0.0, 0.0]])
    out = shell.volume_emission(pts, T0)
    assert out[0] == 0.0 and out[1] == 0.0 and np.isnan(out[2])
    # one time per point == one time for all
    inside = _gse_of(np.array([65.0, 70.0, -68.0]), np.array([0.0, 3.0, 21.0]), 1.0 + 120 / R_E_KM)
    a = shell.volume_emission(inside, T0)
    b = shell.volume_emission(inside, Time(np.full(3, T0.isot), scale="utc"))
    np.testing.assert_allclose(a, b, rtol=1e-9)
    # slab: emission = brightness / thickness [R/R_E]
    np.testing.assert_allclose(
        a, shell.brightness_at([65.0, 70.0, -68.0], [0.0, 3.0, 21.0]) / shell.profile.thickness_re, rtol=1e-9
    )
    with pytest.raises(UserInputError):
        shell.volume_emission([1.0, 2.0], T0)
    with pytest.raises(UserInputError):
        shell.kernel_arrays(Time(np.full(2, T0.isot), scale="utc"))


def test_constructors_and_validation():
    sw = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=-5.0)
    shell = AuroralShell.from_solar_wind(sw)
    assert shell.source.precipitation.kp == pytest.approx(kp_from_solar_wind(sw))
    params = shell.parameters
    assert (
        params["profile"]["kind"] == "slab"
        and params["source"]["lbhl_r_per_erg_cm2_s"] == LBHL_R_PER_ERG_CM2_S
    )
    g = AuroralShell.uniform(5.0)
    assert g.grid() is g.source and isinstance(g.source, BrightnessGrid)
    assert float(g.brightness_at(12.3, 17.9)) == pytest.approx(5.0)
    with pytest.raises(UserInputError):
        ShellProfile.slab(130.0, 110.0)
    with pytest.raises(UserInputError):
        ShellProfile.gaussian(sigma_km=0.0)
    with pytest.raises(UserInputError):
        BrightnessGrid(np.array([0.0, 10.0]), np.array([0.0, 6.0, 12.0]), np.zeros((2, 3)))  # 3 x 6 h != 24 h
    with pytest.raises(UserInputError):
        BrightnessGrid(np.array([0.0, 10.0]), np.array([0.0, 12.0]), np.zeros((3, 2)))
    with pytest.raises(UserInputError):
        AuroralShell(object())
    gauss = ShellProfile.gaussian(120.0, 10.0)
    val, _ = quad(gauss.weight_per_re, gauss.r_in_re, gauss.r_out_re, epsabs=0, epsrel=1e-12)
    assert val == pytest.approx(1.0, rel=1e-10)


def test_one_kp_on_a_grid_matches_point_by_point():
    # the one-Kp path computes the Epstein parameters per MLT and broadcasts them over latitude
    lat = np.linspace(-90.0, 90.0, 37)[:, None]
    mlt = (np.arange(48) * 0.5)[None, :]
    for kp in (0.3, 2.9, 7.5):
        for fn in (energy_flux_erg_cm2_s, mean_energy_kev):
            grid = fn(lat, mlt, kp)
            point = fn(*np.broadcast_arrays(lat, mlt), np.full((37, 48), kp))  # the per-point path
            assert grid.shape == (37, 48)
            np.testing.assert_allclose(grid, point, rtol=1e-13, atol=1e-300)
    assert energy_flux_erg_cm2_s(np.nan, 3.0, 3.0) != energy_flux_erg_cm2_s(np.nan, 3.0, 3.0)  # NaN


def test_brightness_grid_is_shared_between_shells_of_one_kp():
    # The window builds a new shell for every UVI image: with the same Kp the grid is sampled
    # once; another Kp (or another grid size) samples a new one.
    from smile_viewer.physics.aurora.shell import sampled_grid

    sampled_grid.cache_clear()
    first = AuroralShell.from_kp(3.1).grid()
    second = AuroralShell.from_kp(3.1, profile=ShellProfile.gaussian()).grid()  # profile: not in the map
    info = sampled_grid.cache_info()
    assert second is first and (info.hits, info.misses) == (1, 1)
    other = AuroralShell.from_kp(4.2).grid()
    assert sampled_grid.cache_info().misses == 2 and other is not first
    assert other.values_r.max() > first.values_r.max()  # a higher Kp: a brighter oval
    coarse = AuroralShell.from_kp(3.1).grid(181, 96)
    assert coarse.values_r.shape == (181, 96) and sampled_grid.cache_info().misses == 3
    # the cached grid is the model sampled: bilinear look-up == model at the nodes
    np.testing.assert_allclose(
        first.values_r[::40, ::30],
        AuroralShell.from_kp(3.1).brightness_at(first.mlat_deg[::40, None], first.mlt_h[None, ::30]),
        rtol=1e-12,
    )
    assert not first.values_r.flags.writeable  # shared: read-only
