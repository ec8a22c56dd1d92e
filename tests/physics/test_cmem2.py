"""CMEM2 (Wharton et al. 2025, swharton1/CMEM2): formulas, smoothness, kernel, defaults.

The reference values are computed here from the published formulas written out independently
(the Lin et al. 2010 coefficient table, the 3-D Shue surface, the logistic steps of
swharton1/CMEM2 ``sigmoid.py`` in the form of swharton1/SXI_L4_V1 ``cmem2b_func``), not by
calling the model's code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity as E
from smile_viewer.physics import emissivity_kernels as K
from smile_viewer.physics.cmem2 import CMEM2_PARAMETER_INFO, CMEM2_PARAMS, CMEM2Model, cmem2_defaults
from smile_viewer.physics.solar_wind import SolarWind

# Lin et al. (2010) Table 1, a0..a21 (typed again here, not imported).
A = (12.544, -0.194, 0.305, 0.0573, 2.178, 0.0571, -0.999, 16.473, 0.00152, 0.382, 0.0431,
     -0.00763, -0.210, 0.0405, -4.430, -0.636, -2.600, 0.832, -5.328, 1.103, -0.907, 1.450)  # fmt: skip

# A parameter set with unequal bow-shock flarings and a visible cusp (p3 = 1).
P = dict(p0=1.05, dr=2.7, A1=1.6e-5, A2=1.2e-5, B=2.3, dbeta=0.8, beta=1.5, p1=0.9, p2=2.0, p3=1.0,
         ay_bs=0.82, az_bs=0.74)  # fmt: skip
LIN_IN = dict(pd_npa=2.1, pm_npa=0.02, bz_nt=-3.0, tilt_rad=0.2)
K_RE = 40.0


def model(**kw) -> CMEM2Model:
    return CMEM2Model(**{**P, **LIN_IN, "k": K_RE, **kw})


def lin_coeffs(pd, pm, bz, tilt):
    """get_lin_coeffs of swharton1/CMEM2 written out."""
    ptot = pd + pm
    r0 = A[0] * ptot ** A[1] * (1 + A[2] * (math.exp(A[3] * bz) - 1) / (math.exp(A[4] * bz) + 1))
    beta = (
        A[6] + A[7] * (math.exp(A[8] * bz) - 1) / (math.exp(A[9] * bz) + 1),
        A[10],
        A[11] + A[12] * tilt,
        A[13],
    )
    c = A[14] * ptot ** A[15]
    dn = A[16] + A[17] * tilt + A[18] * tilt**2
    ds = A[16] - A[17] * tilt + A[18] * tilt**2
    tn = A[19] + A[20] * tilt
    ts = A[19] - A[20] * tilt
    return r0, beta, c, dn, ds, tn, ts


def _exp(t):
    """exp that overflows to inf as numpy's (the published code is numpy)."""
    return math.exp(t) if t < 700.0 else math.inf


def published_eta(x, y, z, prm=None, lin_in=None, k=K_RE):
    """CMEM2 emissivity from the published formulas (phi = atan2(z, y), the full azimuth)."""
    prm = prm or P
    lin_in = lin_in or LIN_IN
    r0, beta_c, c, dn, ds, tn, ts = lin_coeffs(*lin_in.values())
    r = math.sqrt(x * x + y * y + z * z)
    theta = math.acos(x / r)
    phi = math.atan2(z, y)
    # lin_scaled_func
    psi_n = math.acos(
        math.cos(theta) * math.cos(tn) + math.sin(theta) * math.sin(tn) * math.cos(phi - math.pi / 2)
    )
    psi_s = math.acos(math.cos(theta) * math.cos(ts)
                      + math.sin(theta) * math.sin(ts) * math.cos(phi - 3 * math.pi / 2))  # fmt: skip
    beta = beta_c[0] + beta_c[1] * math.cos(phi) + beta_c[2] * math.sin(phi) + beta_c[3] * math.sin(phi) ** 2
    f = (math.cos(theta / 2) + A[5] * math.sin(2 * theta) * (1 - math.exp(-theta))) ** (prm["p1"] * beta)
    q = (
        prm["p2"]
        * c
        * (math.exp(prm["p3"] * dn * psi_n ** A[21]) + math.exp(prm["p3"] * ds * psi_s ** A[21]))
    )
    rmp = prm["p0"] * r0 * f + q
    # get_rmp0 (r_mp at theta = 0) and shue_adapted_func
    rmp0 = prm["p0"] * r0 + prm["p2"] * c * (math.exp(prm["p3"] * dn * tn ** A[21])
                                             + math.exp(prm["p3"] * ds * ts ** A[21]))  # fmt: skip
    ry = (rmp0 + prm["dr"]) * (2 / (1 + math.cos(theta))) ** prm["ay_bs"]
    rz = (rmp0 + prm["dr"]) * (2 / (1 + math.cos(theta))) ** prm["az_bs"]
    rbs = ry * rz / math.sqrt((rz * math.cos(phi)) ** 2 + (ry * math.sin(phi)) ** 2)
    # cmem2b_func with the exponential sigmoid
    sheath = (
        prm["A1"]
        * math.exp(-prm["B"] * (theta / 2) ** 4)
        * (r / 10) ** (-(prm["dbeta"] + prm["beta"] * math.cos(theta) ** 2))
    )
    wind = prm["A2"] * (r / 10) ** -3
    s1 = 1 / (1 + _exp(-k * (r - rmp)))
    s2 = 1 / (1 + _exp(k * (r - rbs)))
    s3 = 1 / (1 + _exp(-k * (r - rbs)))
    return sheath * s1 * s2 + wind * s3, rmp, rbs


def xyz(r, theta_deg, phi_deg):
    t, p = math.radians(theta_deg), math.radians(phi_deg)
    return (r * math.cos(t), r * math.sin(t) * math.cos(p), r * math.sin(t) * math.sin(p))


# 24 points: inside the magnetopause, in both transitions, the sheath, the cusps, the wind, the tail
POINTS = [xyz(r, th, ph) for r, th, ph in (
    (6.0, 0, 0), (10.9, 0, 0), (11.2, 5, 30), (12.0, 10, 200), (13.5, 0, 0), (13.9, 3, 90),
    (14.3, 0, 0), (16.0, 20, 45), (20.0, 0, 0), (11.0, 45, 0), (13.0, 60, 120), (15.0, 80, 270),
    (9.0, 60, 90), (9.5, 60, 270), (8.0, 50, 95), (18.0, 100, 10), (25.0, 120, 300), (30.0, 150, 60),
    (12.5, 30, 180), (14.0, 35, 225), (22.0, 70, 330), (40.0, 20, 0), (12.2, 0.5, 0), (17.0, 90, 90),
)]  # fmt: skip


@pytest.mark.parametrize("pt", POINTS)
def test_emissivity_matches_the_published_formulas(pt):
    m = model()
    want, rmp, rbs = published_eta(*pt)
    assert float(m.emissivity(np.array(pt))) == pytest.approx(want, rel=1e-10, abs=0)
    th = math.atan2(math.hypot(pt[1], pt[2]), pt[0])
    ph = math.atan2(pt[2], pt[1])
    assert float(m.magnetopause_r(th, ph)) == pytest.approx(rmp, rel=1e-10)
    assert float(m.bow_shock_r(th, ph)) == pytest.approx(rbs, rel=1e-10)


def test_points_cover_every_region():
    m = model()
    regions = set()
    for pt in POINTS:
        _, rmp, rbs = published_eta(*pt)
        r = math.sqrt(sum(c * c for c in pt))
        d = min(abs(r - rmp), abs(r - rbs))
        regions.add(
            "transition" if d < 3 / K_RE else ("inside" if r < rmp else "sheath" if r < rbs else "wind")
        )
    assert regions == {"inside", "transition", "sheath", "wind"}
    assert m.magnetopause_standoff_re == pytest.approx(published_eta(*POINTS[0])[1], rel=1e-12)


def test_numba_kernel_equals_the_numpy_model():
    rng = np.random.default_rng(11)
    m = model()
    pts = rng.uniform(-35, 35, (3000, 3))
    # and points within a few widths of both boundaries
    th = rng.uniform(0, 2.5, 400)
    ph = rng.uniform(-math.pi, math.pi, 400)
    for rb in (m.magnetopause_r(th, ph), m.bow_shock_r(th, ph)):
        r = rb + rng.uniform(-0.2, 0.2, 400)
        pts = np.concatenate([pts, np.stack([r * np.cos(th), r * np.sin(th) * np.cos(ph),
                                             r * np.sin(th) * np.sin(ph)], axis=-1)])  # fmt: skip
    pts = np.concatenate([pts, [[0.0, 0.0, 0.0], [-20.0, 0.0, 0.0], [0.0, 0.0, 12.0], [1e-8, 0.0, 0.0]]])
    a = m.emissivity(pts)
    b = m.emissivity_numba(pts)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=0)
    p = m.to_array()
    for x, y, z in pts[::37]:
        assert K.emissivity_point(K.MODEL_CMEM2, x, y, z, p) == m.point_function()(x, y, z, p)
        rb = K.bow_shock_r_xyz(K.MODEL_CMEM2, x, y, z, p)
        th_, ph_ = math.atan2(math.hypot(y, z), x), math.atan2(z, y)
        assert rb == pytest.approx(float(m.bow_shock_r(th_, ph_)), rel=1e-12)
        assert K.magnetopause_r_xyz(K.MODEL_CMEM2, x, y, z, p) == pytest.approx(
            float(m.magnetopause_r(th_, ph_)), rel=1e-12
        )


def test_continuous_across_both_boundaries_unlike_cmem():
    """Along the Sun–Earth line the emissivity changes by at most k/4 × its size per unit
    length (the logistic's steepest slope), while CMEM jumps."""
    m = model()
    x = np.linspace(5.0, 25.0, 200001)
    pts = np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1)
    eta = m.emissivity(pts)
    dx = x[1] - x[0]
    rel_step = np.abs(np.diff(eta)) / np.maximum(eta[1:], eta[:-1])
    assert rel_step.max() < 1.5 * (K_RE / 4) * dx * 10  # smooth: no jump anywhere
    # the transitions are where they should be: half-way values at the step centres
    r_mp0, r_bs0 = m.magnetopause_standoff_re, m.bow_shock_standoff_re

    def sheath(r):
        return P["A1"] * (r / 10) ** -(P["dbeta"] + P["beta"])

    inner = float(m.emissivity(np.array([r_mp0, 0.0, 0.0])))
    lg = 1 / (1 + math.exp(-K_RE * (r_bs0 - r_mp0)))
    assert inner == pytest.approx(
        0.5 * lg * sheath(r_mp0) + (1 - lg) * P["A2"] * (r_mp0 / 10) ** -3, rel=1e-10
    )
    cm = E.CMEMModel(p0=P["p0"], r_bs=r_bs0, A1=1.6e-5, A2=1.2e-5, B=2.3, alpha=2.3, beta=-1.5, p1=0.9, p2=2.0,
                     p3=1.0, ay_bs=0.82, az_bs=0.74, **LIN_IN)  # fmt: skip
    jumps = np.abs(np.diff(cm.emissivity(pts))) / np.maximum(cm.emissivity(pts)[1:], 1e-30)
    assert jumps.max() > 0.05


def test_far_from_the_boundaries_it_is_the_piecewise_model():
    """More than 20/k from both steps CMEM2 is 0 / sheath / wind to e^-20."""
    m = model()
    rng = np.random.default_rng(5)
    pts = rng.uniform(-30, 30, (4000, 3))
    x, y, z = pts.T
    r = np.sqrt(x * x + y * y + z * z)
    th, ph = np.arctan2(np.hypot(y, z), x), np.arctan2(z, y)
    rmp, rbs = m.magnetopause_r(th, ph), m.bow_shock_r(th, ph)
    far = (np.abs(r - rmp) > 20 / K_RE) & (np.abs(r - rbs) > 20 / K_RE) & (r > 1)
    sheath = (
        P["A1"] * np.exp(-P["B"] * (th / 2) ** 4) * (r / 10) ** -(P["dbeta"] + P["beta"] * np.cos(th) ** 2)
    )
    piecewise = np.where(r < rmp, 0.0, np.where(r < rbs, sheath, P["A2"] * (r / 10) ** -3))
    eta = m.emissivity(pts)
    scale = np.maximum(sheath, P["A2"] * (r / 10) ** -3)
    assert far.sum() > 3000
    assert np.all(np.abs(eta - piecewise)[far] <= 1e-8 * scale[far])


def test_layout_and_provenance():
    m = model()
    p = m.to_array()
    assert m.model_id == K.MODEL_CMEM2 == 4 and p.shape == (K.CMEM2_NPARAM,) == (36,)
    assert K.KERNEL_NPARAM[K.MODEL_CMEM2] == 36
    assert list(p[:12]) == [m.params[n] for n in CMEM2_PARAMS]
    assert list(p[12:16]) == [2.1, 0.02, -3.0, 0.2]
    r0, _, c, *_ = lin_coeffs(2.1, 0.02, -3.0, 0.2)
    assert p[16] == pytest.approx(r0, rel=1e-14) and p[21] == pytest.approx(c, rel=1e-14)
    assert (
        p[33] == K_RE
        and p[34] == pytest.approx(m.magnetopause_standoff_re)
        and p[35] == pytest.approx(m.magnetopause_standoff_re + P["dr"], rel=1e-15)
    )
    assert p[32] == pytest.approx(math.log(p[35]), rel=1e-15)
    assert [i[0] for i in CMEM2_PARAMETER_INFO] == list(CMEM2_PARAMS)
    prov = m.provenance()
    assert prov["model"] == "cmem2" and "10.1029/2025JA034829" in prov["reference"] and prov["k"] == K_RE


@pytest.mark.parametrize(
    "bad",
    [
        dict(dr=0.0),
        dict(dr=-1.0),
        dict(k=0.0),
        dict(k=math.nan),
        dict(A1="x"),
        dict(pd_npa=-1.0),
        dict(tilt_rad=3.0),
        dict(p0=-1.0),
    ],
)
def test_invalid_parameters(bad):
    with pytest.raises(UserInputError):
        model(**bad)


def test_defaults_from_the_solar_wind():
    from smile_viewer.physics.boundaries import shue1997

    sw = SolarWind.from_speed(n_cm3=8.0, v_km_s=450.0, bz_nt=-2.0)
    m = cmem2_defaults(sw, tilt_rad=0.1)
    a97 = (0.58 - 0.010 * -2.0) * (1 + 0.010 * sw.pd_npa)  # Shue et al. (1997) eq. 13
    assert float(shue1997(sw.pd_npa, -2.0).alpha) == pytest.approx(a97, rel=1e-12)
    want = dict(p0=1.0, dr=3.0, A1=1.5e-5, A2=1.3e-5, B=2.0, dbeta=0.9, beta=1.6, p1=1.0, p2=3.0, p3=4.0,
                ay_bs=a97 + 0.2, az_bs=a97 + 0.2)  # fmt: skip
    assert m.params == pytest.approx(want, rel=1e-12)
    assert (m.k, m.pd_npa, m.pm_npa, m.bz_nt, m.tilt_rad) == (50.0, sw.pd_npa, sw.pm_npa, -2.0, 0.1)
    r0, _, c, dn, ds, tn, ts = lin_coeffs(sw.pd_npa, sw.pm_npa, -2.0, 0.1)
    rmp0 = r0 + 3.0 * c * (math.exp(4.0 * dn * tn ** A[21]) + math.exp(4.0 * ds * ts ** A[21]))
    assert m.magnetopause_standoff_re == pytest.approx(rmp0, rel=1e-12)
    assert m.bow_shock_standoff_re == pytest.approx(rmp0 + 3.0, rel=1e-12)
    m2 = cmem2_defaults(sw, dr=4.0, k=20.0)
    assert (m2.dr, m2.k) == (4.0, 20.0)
    with pytest.raises(UserInputError, match="unknown parameter"):
        cmem2_defaults(sw, r_bs=12.0)


def test_model_from_name_builds_cmem2():
    sw = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0)
    m = E.model_from_name("cmem2", sw, tilt_rad=0.05, dr=3.5)
    assert isinstance(m, CMEM2Model) and m.dr == 3.5 and m.tilt_rad == 0.05
    assert m == cmem2_defaults(sw, tilt_rad=0.05, dr=3.5)
