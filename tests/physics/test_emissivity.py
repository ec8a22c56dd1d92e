"""Soft X-ray emissivity models: formulas, boundaries, kernels, defaults, plasma emissivity."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity as E
from smile_viewer.physics import emissivity_kernels as K
from smile_viewer.physics.boundaries import LIN2010_COEFFICIENTS, lin2010, shue1997
from smile_viewer.physics.exosphere import hydrogen_density_cm3
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.resources import asset_path

# A hand-chosen Jorgensen parameter set with different y and z flarings.
JP = dict(r_mp=10.0, r_bs=13.0, A1=3.2e-5, A2=1.3e-5, B=-1.8e-5, alpha=2.5, beta=-1.6,
          ay_mp=0.6, az_mp=0.5, ay_bs=0.8, az_bs=0.7)  # fmt: skip
# A CMEM parameter set (the typical start) with the Lin inputs of the check values in docs/reference.md#lin-2010.
CP = dict(p0=1.0, r_bs=14.0, A1=1.5e-5, A2=1.3e-5, B=2.0, alpha=2.5, beta=-1.6, p1=1.0, p2=3.0, p3=4.0,
          ay_bs=0.79, az_bs=0.75)  # fmt: skip
LIN_IN = dict(pd_npa=2.0, pm_npa=0.0, bz_nt=0.0, tilt_rad=0.0)


def jorg() -> E.JorgensenModel:
    return E.JorgensenModel(**JP)


def cmem(**kw) -> E.CMEMModel:
    args = {**CP, **LIN_IN}
    args.update(kw)
    return E.CMEMModel(**args)


def xyz(r, theta, phi):
    st_ = math.sin(theta)
    return np.array([r * math.cos(theta), r * st_ * math.cos(phi), r * st_ * math.sin(phi)])


def shue3d_published(theta, phi, r0, ay, az):
    """Jorgensen et al. (2019) 3-D Shue surface exactly as written (ry rz / sqrt(...))."""
    ry = r0 * (2.0 / (1.0 + math.cos(theta))) ** ay
    rz = r0 * (2.0 / (1.0 + math.cos(theta))) ** az
    return ry * rz / math.sqrt((rz * math.cos(phi)) ** 2 + (ry * math.sin(phi)) ** 2)


def lin_scaled_published(theta, phi, lin, p0, p1, p2, p3):
    """CMEM's lin_scaled_func written out from the formula, with a lin2010 object's coefficients."""
    a = LIN2010_COEFFICIENTS
    beta = lin.beta0 + lin.beta1 * math.cos(phi) + lin.beta2 * math.sin(phi) + lin.beta3 * math.sin(phi) ** 2
    f = (math.cos(theta / 2) + a[5] * math.sin(2 * theta) * (1 - math.exp(-theta))) ** (p1 * beta)
    ct, st_ = math.cos(theta), math.sin(theta)
    psi_n = math.acos(ct * math.cos(lin.theta_n) + st_ * math.sin(lin.theta_n) * math.cos(phi - math.pi / 2))
    south = phi - 3 * math.pi / 2
    psi_s = math.acos(ct * math.cos(lin.theta_s) + st_ * math.sin(lin.theta_s) * math.cos(south))
    q = p2 * lin.c * math.exp(p3 * lin.d_n * psi_n ** a[21])
    q += p2 * lin.c * math.exp(p3 * lin.d_s * psi_s ** a[21])
    return p0 * lin.r0 * f + q


# --------------------------------------------------------------------------------------
# Jorgensen
# --------------------------------------------------------------------------------------


class TestJorgensen:
    def test_inside_magnetopause_is_zero(self):
        m = jorg()
        pts = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 0.0], [9.99, 0.0, 0.0], [0.0, 8.0, 3.0],
                        [-20.0, 0.0, 0.0], [-40.0, 1.0, -1.0]])  # fmt: skip
        assert np.all(m.emissivity(pts) == 0.0)

    def test_sheath_on_the_x_axis(self):
        m = jorg()
        # theta = 0: (A1 + B·0)(r/10)^(-alpha)
        assert m.emissivity([11.5, 0.0, 0.0]) == pytest.approx(3.2e-5 * 1.15 ** (-2.5), rel=1e-14)

    @pytest.mark.parametrize("theta_deg, phi_deg", [(60.0, 30.0), (100.0, 200.0), (80.0, 95.0)])
    def test_sheath_off_axis(self, theta_deg, phi_deg):
        m = jorg()
        th, ph = math.radians(theta_deg), math.radians(phi_deg)
        rmp = shue3d_published(th, ph, 10.0, 0.6, 0.5)
        rbs = shue3d_published(th, ph, 13.0, 0.8, 0.7)
        r = 0.5 * (rmp + rbs)
        s = math.sin(th)
        want = (3.2e-5 - 1.8e-5 * s**8) * (r / 10) ** (-2.5 + 1.6 * s**2)
        assert m.emissivity(xyz(r, th, ph)) == pytest.approx(want, rel=1e-13)

    @pytest.mark.parametrize(
        "r, theta_deg, phi_deg", [(20.0, 0.0, 0.0), (60.0, 120.0, 45.0), (60.0, 90.0, 270.0)]
    )
    def test_solar_wind_region(self, r, theta_deg, phi_deg):
        m = jorg()
        p = xyz(r, math.radians(theta_deg), math.radians(phi_deg))
        assert m.emissivity(p) == pytest.approx(1.3e-5 * (r / 10) ** -3, rel=1e-14)

    def test_boundary_radii_match_the_published_form(self):
        m = jorg()
        rng = np.random.default_rng(7)
        th = rng.uniform(0, 0.95 * math.pi, 200)
        ph = rng.uniform(-math.pi, 2 * math.pi, 200)
        got_mp = m.magnetopause_r(th, ph)
        got_bs = m.bow_shock_r(th, ph)
        for k in range(200):
            assert got_mp[k] == pytest.approx(shue3d_published(th[k], ph[k], 10.0, 0.6, 0.5), rel=1e-13)
            assert got_bs[k] == pytest.approx(shue3d_published(th[k], ph[k], 13.0, 0.8, 0.7), rel=1e-13)
        # phi = 0 is the Y flaring, phi = 90° the Z flaring
        q = 2 / (1 + math.cos(1.0))
        assert m.magnetopause_r(1.0, 0.0) == pytest.approx(10.0 * q**0.6, rel=1e-14)
        assert m.magnetopause_r(1.0, math.pi / 2) == pytest.approx(10.0 * q**0.5, rel=1e-14)

    def test_discontinuities_at_the_boundaries(self):
        """0 → sheath jump at r_mp, sheath → A2 (r/10)^-3 jump at r_bs, smooth in between."""
        m = jorg()
        th, ph = math.radians(50.0), math.radians(120.0)
        rmp = float(m.magnetopause_r(th, ph))
        rbs = float(m.bow_shock_r(th, ph))
        s = math.sin(th)

        def sheath(r):
            return (3.2e-5 - 1.8e-5 * s**8) * (r / 10) ** (-2.5 + 1.6 * s**2)

        eps = 1e-9
        assert m.emissivity(xyz(rmp * (1 - eps), th, ph)) == 0.0
        assert m.emissivity(xyz(rmp * (1 + eps), th, ph)) == pytest.approx(sheath(rmp), rel=1e-7)
        assert m.emissivity(xyz(rbs * (1 - eps), th, ph)) == pytest.approx(sheath(rbs), rel=1e-7)
        wind = 1.3e-5 * (rbs / 10) ** -3
        assert m.emissivity(xyz(rbs * (1 + eps), th, ph)) == pytest.approx(wind, rel=1e-7)
        # continuous inside the sheath
        r1 = 0.5 * (rmp + rbs)
        a, b = m.emissivity(np.stack([xyz(r1, th, ph), xyz(r1 * (1 + 1e-9), th, ph)]))
        assert a == pytest.approx(b, rel=1e-8)

    def test_equal_flarings_reduce_to_shue(self):
        """ay = az: the 3-D surface is the axisymmetric Shue et al. (1997) one."""
        mp = shue1997(1.6, 0.0)
        m = jorg().replace(r_mp=mp.r0, ay_mp=mp.alpha, az_mp=mp.alpha)
        th = np.linspace(0.0, 3.0, 61)
        for phi in (0.0, 0.7, math.pi / 2, 4.0):
            np.testing.assert_allclose(m.magnetopause_r(th, phi), mp.r(th), rtol=1e-13)

    def test_params_and_array_layout(self):
        m = jorg()
        assert list(m.params) == list(E.JORGENSEN_PARAMS)
        assert m.params == {k: float(v) for k, v in JP.items()}
        arr = m.to_array()
        assert arr.dtype == np.float64 and arr.shape == (K.JORGENSEN_NPARAM,)
        np.testing.assert_array_equal(
            arr, [JP[n] for n in E.JORGENSEN_PARAMS] + [math.log(10.0), math.log(13.0)]
        )
        assert m.model_id == K.MODEL_JORGENSEN == 1

    @pytest.mark.parametrize("bad", [dict(r_mp=0.0), dict(r_bs=-1.0), dict(A1=float("nan")), dict(B="x"),
                                     dict(alpha=float("inf"))])  # fmt: skip
    def test_invalid_parameters(self, bad):
        with pytest.raises(UserInputError):
            E.JorgensenModel(**{**JP, **bad})


# --------------------------------------------------------------------------------------
# CMEM
# --------------------------------------------------------------------------------------


class TestCMEM:
    @pytest.mark.parametrize(
        "pd, pm, bz, tilt", [(2.0, 0.0, 0.0, 0.0), (1.6, 0.01, -5.0, 0.3), (4.0, 0.05, 3.0, -0.45)]
    )
    def test_unit_scalings_give_lin2010(self, pd, pm, bz, tilt):
        m = cmem(p0=1.0, p1=1.0, p2=1.0, p3=1.0, pd_npa=pd, pm_npa=pm, bz_nt=bz, tilt_rad=tilt)
        lin = lin2010(pd, pm, bz, tilt)
        th, ph = np.meshgrid(np.linspace(0.0, 2.9, 30), np.linspace(0.0, 2 * math.pi, 25))
        np.testing.assert_allclose(m.magnetopause_r(th, ph), lin.r(th, ph), rtol=1e-12)

    def test_reference_values(self):
        """docs/reference.md#lin-2010 [D]: Pd 2, Pm 0, Bz 0, tilt 0: r0 10.9657, nose 10.6810, dusk 15.2344."""
        m = cmem(p0=1.0, p1=1.0, p2=1.0, p3=1.0)
        assert m.lin_coefficients["r0"] == pytest.approx(10.9657, abs=1e-4)
        assert m.magnetopause_r(0.0, 0.0) == pytest.approx(10.6810, abs=1e-4)
        assert m.magnetopause_r(math.pi / 2, 0.0) == pytest.approx(15.2344, abs=1e-4)

    @pytest.mark.parametrize(
        "p0, p1, p2, p3", [(1.0, 1.0, 3.0, 4.0), (1.1, 0.8, 2.0, 0.5), (0.9, 1.3, 0.0, 1.0)]
    )
    def test_scaled_magnetopause_matches_the_cmem_formula(self, p0, p1, p2, p3):
        m = cmem(p0=p0, p1=p1, p2=p2, p3=p3, tilt_rad=0.2, bz_nt=-2.0, pm_npa=0.02)
        lin = lin2010(2.0, 0.02, -2.0, 0.2)
        rng = np.random.default_rng(3)
        for th, ph in zip(rng.uniform(0, 3.0, 50), rng.uniform(0, 2 * math.pi, 50)):
            want = lin_scaled_published(th, ph, lin, p0, p1, p2, p3)
            assert m.magnetopause_r(th, ph) == pytest.approx(want, rel=1e-12)

    def test_scaling_roles(self):
        """p0 scales size, p1 the flaring exponent, p2 the cusp depth linearly."""
        th, ph = 1.2, 0.4
        base = cmem(p0=1.0, p1=1.0, p2=0.0).magnetopause_r(th, ph)  # r0 f^beta, no cusp term
        r0 = cmem().lin_coefficients["r0"]
        assert cmem(p0=1.7, p1=1.0, p2=0.0).magnetopause_r(th, ph) == pytest.approx(1.7 * base, rel=1e-13)
        r_p1 = cmem(p0=1.0, p1=2.0, p2=0.0).magnetopause_r(th, ph)
        assert r_p1 == pytest.approx(r0 * (base / r0) ** 2, rel=1e-12)
        r_q1 = cmem(p2=1.0).magnetopause_r(th, ph) - base
        r_q2 = cmem(p2=2.0).magnetopause_r(th, ph) - base
        assert r_q2 == pytest.approx(2 * r_q1, rel=1e-10)

    def test_standoff_is_cmem_get_rmp0(self):
        m = cmem()
        lc = m.lin_coefficients
        q0 = lc["c"] * (math.exp(4.0 * lc["d_n"] * lc["theta_n"] ** lc["a21"])
                        + math.exp(4.0 * lc["d_s"] * lc["theta_s"] ** lc["a21"]))  # fmt: skip
        assert m.magnetopause_standoff_re == pytest.approx(1.0 * lc["r0"] + 3.0 * q0, rel=1e-13)

    def test_regions(self):
        m = cmem()
        th, ph = math.radians(40.0), math.radians(300.0)
        rmp = float(m.magnetopause_r(th, ph))
        rbs = float(m.bow_shock_r(th, ph))
        assert rbs == pytest.approx(shue3d_published(th, ph, 14.0, 0.79, 0.75), rel=1e-13)
        assert rmp < rbs
        r = 0.5 * (rmp + rbs)
        want = 1.5e-5 * math.exp(-2.0 * (th / 2) ** 4) * (r / 10) ** (-2.5 + 1.6 * math.sin(th) ** 2)
        assert m.emissivity(xyz(r, th, ph)) == pytest.approx(want, rel=1e-13)
        assert m.emissivity(xyz(rmp * (1 - 1e-9), th, ph)) == 0.0
        wind = 1.3e-5 * (rbs / 10) ** -3
        assert m.emissivity(xyz(rbs * (1 + 1e-9), th, ph)) == pytest.approx(wind, rel=1e-7)
        assert m.emissivity(xyz(40.0, th, ph)) == pytest.approx(1.3e-5 * 4.0**-3, rel=1e-14)
        assert m.emissivity([0.0, 0.0, 0.0]) == 0.0
        assert m.emissivity([-30.0, 0.0, 0.0]) == 0.0

    def test_southern_cusp_is_at_negative_z(self):
        """phi is the full azimuth: with tilt 0 the north and south cusps mirror each other (up
        to Lin's small beta2 sin(phi) term), and the southern indentation is at z < 0."""
        m = cmem(p1=1.0, p2=3.0, p3=4.0)
        lin = m.lin2010()
        th = lin.theta_n
        north = m.magnetopause_r(th, math.pi / 2)
        south = m.magnetopause_r(lin.theta_s, 3 * math.pi / 2)
        dusk = m.magnetopause_r(th, 0.0)
        assert north < dusk and south < dusk
        assert north == pytest.approx(south, rel=2e-2)

    def test_params_and_array_layout(self):
        m = cmem(tilt_rad=0.1)
        assert list(m.params) == list(E.CMEM_PARAMS)
        arr = m.to_array()
        assert arr.shape == (K.CMEM_NPARAM,) and arr.dtype == np.float64
        np.testing.assert_array_equal(arr[:12], [CP[n] for n in E.CMEM_PARAMS])
        np.testing.assert_array_equal(arr[12:16], [2.0, 0.0, 0.0, 0.1])
        lin = lin2010(2.0, 0.0, 0.0, 0.1)
        np.testing.assert_array_equal(
            arr[16:26],
            [
                lin.r0,
                lin.beta0,
                lin.beta1,
                lin.beta2,
                lin.beta3,
                lin.c,
                lin.d_n,
                lin.d_s,
                lin.theta_n,
                lin.theta_s,
            ],  # fmt: skip
        )
        assert arr[26] == LIN2010_COEFFICIENTS[5] and arr[27] == LIN2010_COEFFICIENTS[21]
        np.testing.assert_array_equal(
            arr[28:],
            [
                math.cos(lin.theta_n),
                math.sin(lin.theta_n),
                math.cos(lin.theta_s),
                math.sin(lin.theta_s),
                math.log(14.0),
            ],
        )
        assert m.model_id == K.MODEL_CMEM == 2

    @pytest.mark.parametrize(
        "bad", [dict(r_bs=0.0), dict(p0=float("nan")), dict(pd_npa=-1.0), dict(tilt_rad=3.0)]
    )
    def test_invalid_parameters(self, bad):
        with pytest.raises(UserInputError):
            cmem(**bad)


# --------------------------------------------------------------------------------------
# numpy vs numba
# --------------------------------------------------------------------------------------

SPECIAL_POINTS = np.array(
    [
        [0.0, 0.0, 0.0],  # r = 0
        [12.0, 0.0, 0.0],  # theta = 0
        [-12.0, 0.0, 0.0],  # theta = pi
        [-1e-300, 0.0, 0.0],
        [1e-300, 0.0, 0.0],
        [0.0, 14.0, 0.0],
        [0.0, 0.0, -14.0],
        [0.0, -20.0, 0.0],
        [-50.0, 1e-12, 0.0],
        [25.0, 1e-9, -1e-9],
        [1e6, 0.0, 0.0],
        [0.0, 0.0, 2e-160],  # subnormal rho² (found by hypothesis)
        [1.0, 0.0, 2e-160],
        [-3.0, 1e-170, 0.0],
        [1e-200, -1e-200, 1e-200],
    ]
)


def _models():
    return [
        jorg(),
        jorg().replace(az_mp=0.6, az_bs=0.8),
        cmem(),
        cmem(tilt_rad=0.4, bz_nt=-4.0, pm_npa=0.03),
        E.ExosphereModel(n_sw_cm3=5.0, v_eff_km_s=420.0, r_inner_re=2.0),
    ]


def _rel_diff(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.where(scale > 0, np.abs(a - b) / np.where(scale > 0, scale, 1.0), 0.0)


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.name)
def test_numpy_and_numba_agree(model):
    rng = np.random.default_rng(11)
    pts = np.concatenate([SPECIAL_POINTS, rng.uniform(-40, 40, (3000, 3)), rng.normal(0, 12, (1000, 3))])
    a = model.emissivity(pts)
    b = model.emissivity_numba(pts)
    assert not np.any(np.isnan(a)) and not np.any(np.isnan(b))
    assert np.max(_rel_diff(a, b)) < 1e-12
    # the kernels' dispatcher gives the same
    arr = model.to_array()
    c = np.array([K.emissivity_point(model.model_id, *p, arr) for p in pts[:300]])
    np.testing.assert_array_equal(c, b[:300])


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-60, 60, allow_nan=False),
    st.floats(-60, 60, allow_nan=False),
    st.floats(-60, 60, allow_nan=False),
)
def test_numpy_and_numba_agree_hypothesis(x, y, z):
    for model in (jorg(), cmem(tilt_rad=0.25)):
        a = model.emissivity([x, y, z])
        b = model.point_function()(x, y, z, model.to_array())
        assert math.isfinite(a) and math.isfinite(b)
        assert _rel_diff(a, b) < 1e-12


@pytest.mark.parametrize("model", _models()[:4], ids=lambda m: m.name)
def test_boundary_point_functions_agree(model):
    arr = model.to_array()
    rng = np.random.default_rng(5)
    th = np.concatenate([[0.0, math.pi, math.pi / 2], rng.uniform(0, math.pi, 200)])
    ph = np.concatenate([[0.0, 0.0, 3.0], rng.uniform(-math.pi, 2 * math.pi, 200)])
    if model.model_id == K.MODEL_JORGENSEN:
        mp_a, bs_a = K.jorgensen_magnetopause_r, K.jorgensen_bow_shock_r
    else:
        mp_a, bs_a = K.cmem_magnetopause_r, K.cmem_bow_shock_r
    mp_np = model.magnetopause_r(th, ph)
    bs_np = model.bow_shock_r(th, ph)
    assert not np.any(np.isnan(mp_np)) and not np.any(np.isnan(bs_np))
    for k in range(th.size):
        assert _rel_diff(mp_a(th[k], ph[k], arr), mp_np[k]) < 1e-12
        assert _rel_diff(bs_a(th[k], ph[k], arr), bs_np[k]) < 1e-12
        if th[k] < 3.0:  # direction form from a point in that direction
            p = xyz(7.0, th[k], ph[k])
            assert _rel_diff(K.magnetopause_r_xyz(model.model_id, *p, arr), mp_np[k]) < 1e-11
            assert _rel_diff(K.bow_shock_r_xyz(model.model_id, *p, arr), bs_np[k]) < 1e-11


def test_no_nan_at_the_singular_points():
    for model in _models()[:4]:
        arr = model.to_array()
        for th in (0.0, math.pi):
            for ph in (0.0, math.pi / 2, math.pi):
                for r in (model.magnetopause_r(th, ph), model.bow_shock_r(th, ph)):
                    assert not math.isnan(r) and r > 0
        assert model.emissivity([0.0, 0.0, 0.0]) == 0.0
        assert model.point_function()(0.0, 0.0, 0.0, arr) == 0.0
        assert model.point_function()(-5.0, 0.0, 0.0, arr) == 0.0  # theta = pi: inside
    assert K.jorgensen_magnetopause_r_xyz(-5.0, 0.0, 0.0, jorg().to_array()) == math.inf


def test_unknown_model_id_gives_nan():
    assert math.isnan(K.emissivity_point(99, 1.0, 2.0, 3.0, np.zeros(40)))


# --------------------------------------------------------------------------------------
# negative emissivity warning
# --------------------------------------------------------------------------------------


class TestCheckPositive:
    def test_typical_parameters_are_positive(self):
        sw = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)
        for model in (E.jorgensen_defaults(sw), E.cmem_defaults(sw)):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                vmin = E.check_positive(model, shape=(16, 16, 16))
            assert vmin >= 0.0

    def test_negative_sheath_warns(self):
        m = jorg().replace(B=-5e-5)  # A1 + B sin^8 < 0 near the terminator
        with pytest.warns(E.NegativeEmissivityWarning, match="sheath factor"):
            vmin = E.check_positive(m, shape=(24, 24, 24))
        assert vmin < 0.0

    def test_negative_cmem_and_wind_warn(self):
        with pytest.warns(E.NegativeEmissivityWarning, match="A1"):
            E.check_positive(cmem(A1=-1e-6), shape=(20, 20, 20))
        with pytest.warns(E.NegativeEmissivityWarning, match="A2"):
            E.check_positive(jorg().replace(A2=-1e-6), shape=(20, 20, 20))

    def test_points_and_no_warning_mode(self):
        m = jorg().replace(B=-5e-5)
        th = math.pi / 2
        r = 0.5 * (float(m.magnetopause_r(th, 0.0)) + float(m.bow_shock_r(th, 0.0)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            vmin = E.check_positive(
                m, ((50, 60), (50, 60), (50, 60)), shape=(2, 2, 2), points=[[0.0, r, 0.0]], warn=False
            )
        assert vmin == pytest.approx((3.2e-5 - 5e-5) * (r / 10) ** (-2.5 + 1.6), rel=1e-12)


# --------------------------------------------------------------------------------------
# defaults from the solar wind
# --------------------------------------------------------------------------------------


class TestDefaults:
    sw = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)

    def test_jorgensen_defaults(self):
        m = E.jorgensen_defaults(self.sw)
        pd = 2e-6 * 5 * 400**2  # 1.6 nPa, OMNI
        r0 = 11.4 * pd ** (-1 / 6.6)
        a97 = 0.58 * (1 + 0.010 * pd)
        assert m.r_mp == pytest.approx(r0, rel=1e-12)
        assert m.r_mp == pytest.approx(shue1997(pd, 0.0).r0, rel=1e-14)
        assert 10.5 < m.r_mp < 10.7
        assert m.r_bs == pytest.approx(r0 + 3.0, rel=1e-12)
        assert m.ay_mp == m.az_mp == pytest.approx(a97, rel=1e-12)
        assert m.ay_bs == m.az_bs == pytest.approx(a97 + 0.2, rel=1e-12)
        assert (m.A1, m.A2, m.B, m.alpha, m.beta) == (3.2e-5, 1.3e-5, -1.8e-5, 2.5, -1.6)
        # sheath nose emissivity of the order of 1e-5 eV cm^-3 s^-1
        assert 1e-5 < m.emissivity([m.r_mp + 0.1, 0.0, 0.0]) < 5e-5

    def test_cmem_defaults(self):
        m = E.cmem_defaults(self.sw, tilt_rad=0.1)
        lin = lin2010(self.sw.pd_npa, self.sw.pm_npa, 0.0, 0.1)
        a97 = shue1997(self.sw.pd_npa, 0.0).alpha
        assert m.r_bs == pytest.approx(lin.r0 + 3.0, rel=1e-13)
        got = (m.p0, m.A1, m.A2, m.B, m.alpha, m.beta, m.p1, m.p2, m.p3)
        assert got == (1, 1.5e-5, 1.3e-5, 2, 2.5, -1.6, 1, 3, 4)
        assert m.ay_bs == m.az_bs == pytest.approx(a97 + 0.2, rel=1e-13)
        assert (m.pd_npa, m.pm_npa, m.bz_nt, m.tilt_rad) == (self.sw.pd_npa, self.sw.pm_npa, 0.0, 0.1)
        assert m.magnetopause_standoff_re < m.r_bs

    def test_overrides_and_errors(self):
        m = E.jorgensen_defaults(self.sw, A1=4e-5, r_mp=9.0)
        assert m.A1 == 4e-5 and m.r_mp == 9.0
        with pytest.raises(UserInputError, match="unknown parameter"):
            E.jorgensen_defaults(self.sw, p0=1.0)
        with pytest.raises(UserInputError, match="unknown parameter"):
            E.cmem_defaults(self.sw, r_mp=1.0)
        with pytest.raises(UserInputError):
            E.jorgensen_defaults({"n": 5})
        assert isinstance(E.model_from_name("CMEM", self.sw, p2=2.0), E.CMEMModel)
        assert isinstance(E.model_from_name("exosphere", self.sw), E.ExosphereModel)
        with pytest.raises(UserInputError, match="unknown emissivity model"):
            E.model_from_name("shue", self.sw)

    def test_config_file_has_values_and_provenance(self):
        data = json.loads(asset_path("models", "emissivity_defaults.json").read_text(encoding="utf-8"))
        for section in ("jorgensen", "cmem", "plasma"):
            assert data[section]["values"] and data[section]["provenance"]
            assert "[A]" in data[section]["status"]
        assert E.emissivity_defaults() == data
        # plasma_emissivity's documented default alpha is the configured one
        import inspect

        default = inspect.signature(E.plasma_emissivity).parameters["alpha_ev_cm2"].default
        assert default == data["plasma"]["values"]["alpha_ev_cm2"] == 1e-15


# --------------------------------------------------------------------------------------
# physical emissivity
# --------------------------------------------------------------------------------------


class TestPlasma:
    def test_formula(self):
        # 1e-15 · 25 · 5 · 4e7 cm/s
        assert E.plasma_emissivity(5.0, 400.0, 25.0) == pytest.approx(5e-6, rel=1e-14)
        assert E.plasma_emissivity(5.0, 400.0, 25.0, alpha_ev_cm2=6e-16) == pytest.approx(3e-6, rel=1e-14)
        out = E.plasma_emissivity(np.array([1.0, 2.0]), 400.0, np.array([[25.0], [50.0]]))
        np.testing.assert_allclose(out, [[1e-6, 2e-6], [2e-6, 4e-6]], rtol=1e-14)

    def test_speeds(self):
        assert E.effective_speed_km_s(400.0, 0.0) == 400.0
        vth = math.sqrt(3 * 1.380649e-23 * 1e5 / 1.67262192369e-27) / 1e3
        assert E.thermal_speed_km_s(1e5) == pytest.approx(vth, rel=1e-14)
        assert E.effective_speed_km_s(400.0, 1e5) == pytest.approx(math.hypot(400.0, vth), rel=1e-14)
        sw = SolarWind.from_speed(t_k=1e5)
        assert E.effective_speed_km_s(sw.speed_km_s, sw.t_k) == pytest.approx(sw.v_eff_km_s, rel=1e-14)
        # p = n k T
        p_npa = 1.380649e-23 * 5e6 * 1e5 * 1e9
        assert E.temperature_from_pressure_k(p_npa, 5.0) == pytest.approx(1e5, rel=1e-12)

    @staticmethod
    def _grid(n=9):
        ax = np.linspace(-20.0, 20.0, n)
        zz, yy, xx = np.meshgrid(ax, ax, ax, indexing="ij")
        return np.stack([xx, yy, zz], axis=-1)

    def test_boundary_mask(self):
        p = self._grid()
        shape = p.shape[:-1]
        n = np.full(shape, 5.0)
        v = np.zeros(shape + (3,))
        v[..., 0] = -400.0
        t = np.full(shape, 1e5)
        mp = shue1997(1.6, 0.0)
        eta = E.masked_plasma_emissivity(p, n, v, t, mask="boundary", boundary=mp)
        r = np.linalg.norm(p, axis=-1)
        inside = mp.contains(p)
        assert inside.any() and (~inside).any()
        assert np.all(eta[inside] == 0.0)
        veff = math.hypot(400.0, E.thermal_speed_km_s(1e5))
        want = 1e-15 * hydrogen_density_cm3(r[~inside]) * 5.0 * veff * 1e5
        np.testing.assert_allclose(eta[~inside], want, rtol=1e-13)
        # an emissivity model's magnetopause works as the boundary too
        m = jorg()
        eta2 = E.masked_plasma_emissivity(p, n, np.linalg.norm(v, axis=-1), t, mask="boundary", boundary=m)
        inside2 = m.emissivity(p) == 0.0
        assert np.all(eta2[inside2] == 0.0) and np.all(eta2[~inside2] > 0.0)

    def test_plasma_mask(self):
        p = self._grid()
        shape = p.shape[:-1]
        r = np.linalg.norm(p, axis=-1)
        n = np.where(p[..., 0] > 8.0, 20.0, 1.0)  # dense "sheath" sunward of x = 8, thin elsewhere
        n[(r < 4.0)] = 1000.0  # a dense "plasmasphere"
        v = np.full(shape, 300.0)
        t = np.full(shape, 1e6)
        eta = E.masked_plasma_emissivity(p, n, v, t, mask="plasma", n_h_cm3=np.full(shape, 10.0))
        keep = (n > 0.2 * 1000.0) & (r > 5.0)
        np.testing.assert_array_equal(eta > 0, keep)
        eta = E.masked_plasma_emissivity(p, n, v, t, mask="plasma", density_min_cm3=10.0, r_min_re=3.0)
        np.testing.assert_array_equal(eta > 0, (n > 10.0) & (r > 3.0))
        none = E.masked_plasma_emissivity(p, n, v, t, mask="none", n_h_cm3=np.full(shape, 10.0))
        assert np.all(none > 0)
        n_nan = n.copy()
        n_nan[0, 0, 0] = np.nan  # NaN stays NaN (not silently 0)
        assert np.isnan(E.masked_plasma_emissivity(p, n_nan, v, t, mask="none")[0, 0, 0])

    def test_errors(self):
        p = self._grid(3)
        shape = p.shape[:-1]
        ok = dict(n_cm3=np.ones(shape), v_km_s=np.ones(shape), t_k=np.ones(shape))
        with pytest.raises(UserInputError, match="mask"):
            E.masked_plasma_emissivity(p, **ok, mask="magic")
        with pytest.raises(UserInputError, match="boundary"):
            E.masked_plasma_emissivity(p, **ok, mask="boundary")
        with pytest.raises(UserInputError, match="n_cm3"):
            E.masked_plasma_emissivity(p, np.ones(4), ok["v_km_s"], ok["t_k"])
        with pytest.raises(UserInputError, match="v_km_s"):
            E.masked_plasma_emissivity(p, ok["n_cm3"], np.ones(shape + (2,)), ok["t_k"])


class TestExosphere:
    def test_matches_plasma_emissivity(self):
        sw = SolarWind.from_speed(n_cm3=7.0, v_km_s=500.0, t_k=2e5)
        m = E.exosphere_model(sw, n0_cm3=35.0, r_inner_re=3.0)
        r = np.array([3.0, 5.0, 10.0, 33.0])
        pts = np.stack([np.zeros_like(r), r, np.zeros_like(r)], axis=-1)
        want = E.plasma_emissivity(7.0, sw.v_eff_km_s, hydrogen_density_cm3(r, n0_cm3=35.0))
        np.testing.assert_allclose(m.emissivity(pts), want, rtol=1e-14)
        assert m.emissivity([0.0, 0.0, 2.9]) == 0.0 and m.emissivity([0.0, 0.0, 0.0]) == 0.0
        assert m.model_id == K.MODEL_EXOSPHERE
        assert m.to_array()[0] == pytest.approx(m.amplitude, rel=0)


def test_los_intensity_unit_check():
    """docs/reference.md [D]: uniform P = 1e-5 eV cm^-3 s^-1 over 1 R_E → 0.50699 keV cm^-2 s^-1 sr^-1."""
    assert E.los_intensity_from_emissivity_integral(1e-5) == pytest.approx(0.50699, abs=5e-6)
    want = 1e-5 * 6.371e5 / (4 * math.pi)
    assert E.los_intensity_from_emissivity_integral(1e-5) == pytest.approx(want, rel=1e-15)
    got = E.los_intensity_from_emissivity_integral([1e-5, 2e-5])
    np.testing.assert_allclose(got, [0.50698807, 1.01397614], rtol=1e-7)
