"""Tests of smile_viewer.physics.boundaries against docs/reference.md#boundary-models and geometry."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.optimize import brentq

from smile_viewer.errors import UserInputError
from smile_viewer.physics.boundaries import (
    LIN2010_COEFFICIENTS,
    BoundarySurface,
    aberration_angle_rad,
    aberration_rotation,
    from_solar_wind,
    jelinek2012_bow_shock,
    jelinek2012_magnetopause,
    lin2010,
    mesh_volume,
    shue1997,
    shue1998,
)
from smile_viewer.physics.models import bow_shock_models, magnetopause_models

HALF_PI = 0.5 * math.pi


def all_models(pd=2.0, bz=0.0, tilt=0.0, pm=0.0):
    return [
        shue1997(pd, bz),
        shue1998(pd, bz),
        lin2010(pd, pm, bz, tilt),
        jelinek2012_magnetopause(pd),
        jelinek2012_bow_shock(pd),
    ]


MODEL_IDS = ["shue1997", "shue1998", "lin2010", "jelinek_mp", "jelinek_bs"]


# ---------------------------------------------------------------------------------------
# docs/reference.md#boundary-models [D] values
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pd, bz, r0, alpha, r90",
    [
        (2.0, 0.0, 10.2519, 0.5896, 15.4278),
        (2.0, -5.0, 9.8062, 0.6252, 15.1257),
        (1.0, 0.0, 11.3871, 0.5800, 17.0220),
    ],
)
def test_shue1998_reference_values(pd, bz, r0, alpha, r90):
    mp = shue1998(pd, bz)
    assert mp.r0 == pytest.approx(r0, abs=1e-4)
    assert mp.alpha == pytest.approx(alpha, abs=1e-4)
    assert mp.r(HALF_PI) == pytest.approx(r90, abs=1e-4)
    assert mp.standoff_re == pytest.approx(r0, abs=1e-4)


def test_lin2010_reference_values():
    mp = lin2010(2.0, 0.0, 0.0, 0.0)
    assert mp.r0 == pytest.approx(10.9657, abs=1e-4)  # the paper's r0, without Q
    assert mp.standoff_re == pytest.approx(10.6810, abs=1e-4)  # nose including the cusp term Q
    assert mp.r(0.0, 0.0) == pytest.approx(10.6810, abs=1e-4)
    assert mp.r(HALF_PI, 0.0) == pytest.approx(15.2344, abs=1e-4)  # dusk terminator


def test_jelinek2012_reference_values():
    mp, bs = jelinek2012_magnetopause(2.0), jelinek2012_bow_shock(2.0)
    assert mp.r0 == pytest.approx(11.2372, abs=1e-4)
    assert bs.r0 == pytest.approx(13.5117, abs=1e-4)
    assert mp.standoff_re == pytest.approx(11.2372, abs=1e-4)
    assert mp.r(0.0) == pytest.approx(11.2372, abs=1e-4)
    assert bs.r(0.0) == pytest.approx(13.5117, abs=1e-4)
    assert mp.r(HALF_PI) == pytest.approx(14.5938, abs=1e-4)
    assert bs.r(HALF_PI) == pytest.approx(23.0970, abs=1e-4)
    # the paper's R0 is twice the nose distance; at 90° r = R0 / lambda
    assert mp.r0_conic_re == pytest.approx(2 * mp.r0)
    assert mp.r(HALF_PI) == pytest.approx(mp.r0_conic_re / 1.54, rel=1e-12)
    assert mp.kind == "magnetopause" and bs.kind == "bow_shock"


# ---------------------------------------------------------------------------------------
# formulas
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pd, bz", [(2.0, 0.0), (2.0, -5.0), (3.5, 4.0), (0.7, -12.0)])
def test_shue1997_formula(pd, bz):
    mp = shue1997(pd, bz)
    k = 0.013 if bz >= 0 else 0.140
    r0 = (11.4 + k * bz) * pd ** (-1 / 6.6)
    alpha = (0.58 - 0.010 * bz) * (1 + 0.010 * pd)
    assert mp.r0 == pytest.approx(r0, rel=1e-14)
    assert mp.alpha == pytest.approx(alpha, rel=1e-14)
    theta = np.linspace(0.0, 3.0, 31)
    assert np.allclose(mp.r(theta), r0 * (2 / (1 + np.cos(theta))) ** alpha, rtol=1e-13)
    assert mp.r(HALF_PI) == pytest.approx(r0 * 2**alpha, rel=1e-13)


def test_shue1997_known_numbers():
    # Pd 2 nPa, Bz 0: r0 = 11.4 · 2^(-1/6.6) = 10.2635, alpha = 0.58 · 1.02 = 0.5916
    mp = shue1997(2.0, 0.0)
    assert mp.r0 == pytest.approx(10.26349, abs=1e-4)
    assert mp.alpha == pytest.approx(0.5916, abs=1e-12)


def test_shue_r_is_stable_near_the_tail():
    mp = shue1998(2.0, 0.0)
    theta = math.pi - 1e-6
    expected = mp.r0 * math.cos(theta / 2) ** (-2 * mp.alpha)
    assert mp.r(theta) == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(mp.r(theta))


def test_jelinek_is_a_paraboloid():
    for surf in (jelinek2012_magnetopause(1.3), jelinek2012_bow_shock(4.0)):
        theta = np.linspace(0.0, math.pi - 1e-3, 200)
        pts = surf.xyz(theta, 0.3)
        x, rho = pts[:, 0], np.hypot(pts[:, 1], pts[:, 2])
        big_r0 = surf.r0_conic_re
        assert np.allclose(x, big_r0 / 2 - surf.lam**2 * rho**2 / (2 * big_r0), rtol=1e-10, atol=1e-9)


def test_lin2010_against_independent_formula():
    a = LIN2010_COEFFICIENTS
    pd, pm, bz, psi = 3.1, 0.05, -4.0, 0.3
    mp = lin2010(pd, pm, bz, psi)
    p = pd + pm
    r0 = a[0] * p ** a[1] * (1 + a[2] * (math.exp(a[3] * bz) - 1) / (math.exp(a[4] * bz) + 1))
    assert mp.r0 == pytest.approx(r0, rel=1e-14)
    rng = np.random.default_rng(1)
    for theta, phi in zip(rng.uniform(0, 2.8, 25), rng.uniform(0, 2 * math.pi, 25)):
        b0 = a[6] + a[7] * (math.exp(a[8] * bz) - 1) / (math.exp(a[9] * bz) + 1)
        beta = b0 + a[10] * math.cos(phi) + (a[11] + a[12] * psi) * math.sin(phi) + a[13] * math.sin(phi) ** 2
        c = a[14] * p ** a[15]
        dn, ds = a[16] + a[17] * psi + a[18] * psi**2, a[16] - a[17] * psi + a[18] * psi**2
        tn, ts = a[19] + a[20] * psi, a[19] - a[20] * psi
        psin = math.acos(
            math.cos(theta) * math.cos(tn) + math.sin(theta) * math.sin(tn) * math.cos(phi - HALF_PI)
        )
        psis = math.acos(
            math.cos(theta) * math.cos(ts) + math.sin(theta) * math.sin(ts) * math.cos(phi - 3 * HALF_PI)
        )
        q = c * math.exp(dn * psin ** a[21]) + c * math.exp(ds * psis ** a[21])
        base = math.cos(theta / 2) + a[5] * math.sin(2 * theta) * (1 - math.exp(-theta))
        assert mp.r(theta, phi) == pytest.approx(r0 * base**beta + q, rel=1e-12)


# ---------------------------------------------------------------------------------------
# physical behaviour
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bz", [-10.0, 0.0, 5.0])
def test_higher_pressure_gives_smaller_standoff(bz):
    pds = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0]
    for build in (
        lambda pd: shue1997(pd, bz),
        lambda pd: shue1998(pd, bz),
        lambda pd: lin2010(pd, 0.0, bz, 0.0),
        jelinek2012_magnetopause,
        jelinek2012_bow_shock,
    ):
        r0 = [build(pd).r0 for pd in pds]
        nose = [build(pd).standoff_re for pd in pds]
        assert np.all(np.diff(r0) < 0)
        assert np.all(np.diff(nose) < 0)


def test_southward_bz_flares_more():
    for build in (shue1997, shue1998):
        north, zero, south = build(2.0, 5.0), build(2.0, 0.0), build(2.0, -5.0)
        assert south.alpha > zero.alpha > north.alpha
        assert south.r0 < zero.r0 < north.r0  # southward IMF erodes the dayside
        ratio = [m.r(HALF_PI) / m.r0 for m in (north, zero, south)]
        assert ratio[2] > ratio[1] > ratio[0]
    north, south = lin2010(2.0, 0.0, 5.0, 0.0), lin2010(2.0, 0.0, -5.0, 0.0)
    assert south.beta0 < north.beta0  # more negative beta: more flaring
    for theta in (2.0, 2.5):
        assert south.r(theta, 0.0) / south.r0 > north.r(theta, 0.0) / north.r0


def test_lin_north_south_symmetry_at_zero_tilt():
    mp = lin2010(2.0, 0.0, -2.0, 0.0)
    theta = np.linspace(0.0, 3.0, 61)[:, None]
    phi = np.linspace(0.0, 2 * math.pi, 37)[None, :]
    # the cusp term is exactly symmetric under z -> -z (phi -> -phi)
    assert np.allclose(mp.cusp_term(theta, phi), mp.cusp_term(theta, -phi), rtol=1e-13, atol=1e-14)
    assert mp.theta_n == mp.theta_s and mp.d_n == mp.d_s
    # the whole surface is symmetric apart from the published beta2 = a11 sin(phi) term
    base = np.cos(theta / 2) + LIN2010_COEFFICIENTS[5] * np.sin(2 * theta) * (1 - np.exp(-theta))
    expected_diff = mp.r0 * (base ** mp.beta(phi) - base ** mp.beta(-phi))
    assert np.allclose(mp.r(theta, phi) - mp.r(theta, -phi), expected_diff, atol=1e-12)
    # north and south cusp directions are at the same distance (a11 sin(phi) flips sign, tiny effect)
    assert mp.cusp_term(mp.theta_n, HALF_PI) == mp.cusp_term(mp.theta_s, 3 * HALF_PI)
    assert mp.r(mp.theta_n, HALF_PI) == pytest.approx(mp.r(mp.theta_s, 3 * HALF_PI), rel=5e-3)


def test_lin_tilt_mirror_symmetry_of_cusps():
    plus, minus = lin2010(2.0, 0.0, 0.0, 0.35), lin2010(2.0, 0.0, 0.0, -0.35)
    theta = np.linspace(0.0, 3.0, 41)[:, None]
    phi = np.linspace(0.0, 2 * math.pi, 25)[None, :]
    assert np.allclose(plus.cusp_term(theta, phi), minus.cusp_term(theta, -phi), rtol=1e-12, atol=1e-14)
    # positive tilt (north pole sunward) moves the northern cusp toward the nose
    assert plus.theta_n < plus.theta_s
    assert plus.theta_n < lin2010(2.0, 0.0, 0.0, 0.0).theta_n


def test_lin_cusp_indentation_is_visible():
    mp = lin2010(2.0, 0.0, 0.0, 0.0)
    for phi_c, theta_c in ((HALF_PI, mp.theta_n), (3 * HALF_PI, mp.theta_s)):
        theta = np.linspace(0.2, 2.0, 721)
        r = mp.r(theta, phi_c)
        i = int(np.argmin(np.abs(theta - theta_c)))
        # a local minimum of r near the cusp centre
        assert r[i] < mp.r(theta_c - 0.35, phi_c)
        assert r[i] < mp.r(theta_c + 0.35, phi_c)
        # and deeper than the flank at the same theta away from the cusp (dusk, phi = 0)
        assert mp.r(theta_c, phi_c) < mp.r(theta_c, 0.0) - 2.0
        other = math.exp(mp.d_s * (2 * theta_c) ** 1.45)  # the other cusp is 2 theta_c away
        assert mp.cusp_term(theta_c, phi_c) == pytest.approx(mp.c * (1 + other))


# ---------------------------------------------------------------------------------------
# r(theta, phi): vectorisation, domain
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("surf", all_models(tilt=0.2), ids=MODEL_IDS)
def test_r_broadcasting_and_domain(surf):
    theta = np.linspace(0, 2.5, 7)[:, None]
    phi = np.linspace(0, 6, 5)[None, :]
    r = surf.r(theta, phi)
    assert r.shape == (7, 5)
    assert np.all(np.isfinite(r)) and np.all(r > 0)
    assert np.allclose(r[3], [surf.r(float(theta[3, 0]), float(p)) for p in phi[0]], rtol=1e-14)
    assert isinstance(surf.r(0.5), float)  # numpy float for scalar input
    assert surf.r(0.5, phi).shape == (1, 5)
    assert np.isnan(surf.r(-0.1)) and np.isnan(surf.r(3.5))
    # the nose is the same for every phi
    assert np.allclose(surf.r(0.0, np.linspace(0, 6, 13)), surf.standoff_re, rtol=1e-13)
    assert surf.r(math.pi - 1e-3) > 60


# ---------------------------------------------------------------------------------------
# inside / outside
# ---------------------------------------------------------------------------------------


def test_contains_known_points():
    mp = shue1998(2.0, 0.0)  # r0 10.2519, r(90°) 15.4278
    pts = np.array(
        [
            [0, 0, 0],
            [10.2, 0, 0],
            [10.3, 0, 0],
            [0, 15.4, 0],
            [0, 15.45, 0],
            [0, 0, -15.4],
            [0, 0, -15.45],
            [-100, 0, 0],
            [-30, 60, 0],
            [np.nan, 0, 0],
        ]
    )
    expected = [True, True, False, True, False, True, False, True, False, False]
    assert mp.contains(pts).tolist() == expected
    assert mp.contains(pts, x_min_re=-60).tolist() == [*expected[:7], False, False, False]
    lin = lin2010(2.0, 0.0, 0.0, 0.0)  # nose 10.681, dusk 15.2344
    assert lin.contains([[10.6, 0, 0], [10.75, 0, 0], [0, 15.2, 0], [0, 15.27, 0]]).tolist() == [
        True,
        False,
        True,
        False,
    ]
    # the cusp: a point 10 R_E out along the northern cusp centre is outside, not so at dusk
    tn = lin.theta_n
    assert not lin.contains([10 * math.cos(tn), 0, 10 * math.sin(tn)])
    assert lin.contains([10 * math.cos(tn), 10 * math.sin(tn), 0])


@pytest.mark.parametrize("surf", all_models(pd=1.7, bz=-3.0, tilt=-0.25, pm=0.02), ids=MODEL_IDS)
def test_contains_just_inside_and_outside(surf):
    rng = np.random.default_rng(7)
    theta = np.arccos(rng.uniform(-0.95, 1.0, 500))
    phi = rng.uniform(0, 2 * math.pi, 500)
    on = surf.xyz(theta, phi)
    assert surf.contains(on * 0.999).all()
    assert not surf.contains(on * 1.001).any()
    # any leading shape works
    assert surf.contains((on * 0.999).reshape(20, 25, 3)).shape == (20, 25)


def test_contains_rejects_bad_shapes():
    with pytest.raises(UserInputError, match="shape"):
        shue1998(2, 0).contains(np.zeros((4, 2)))


@settings(max_examples=40, deadline=None)
@given(
    pd=st.floats(0.3, 30.0),
    bz=st.floats(-20.0, 15.0),
    tilt=st.floats(-0.6, 0.6),
    theta=st.floats(0.0, 2.9),
    phi=st.floats(0.0, 2 * math.pi),
)
def test_property_surface_points_bracket_the_inside_test(pd, bz, tilt, theta, phi):
    for surf in all_models(pd=pd, bz=bz, tilt=tilt):
        r = surf.r(theta, phi)
        assert np.isfinite(r) and r > 0
        p = surf.xyz(theta, phi)
        assert surf.contains(0.995 * p)
        assert not surf.contains(1.005 * p)


# ---------------------------------------------------------------------------------------
# mesh
# ---------------------------------------------------------------------------------------


def _edge_counts(tris):
    directed = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    return directed


def _reference_volume(surf, x_tail, n_phi=48):
    """Volume of {|p| < r(theta, phi), x > x_tail} = ∫ r_eff³/3 dΩ (divergence theorem), by quad."""
    total = 0.0
    for phi in 2 * math.pi * np.arange(n_phi) / n_phi:  # periodic trapezium rule: spectral
        tmax = brentq(
            lambda t, phi=phi: surf.r(t, phi) * math.cos(t) - x_tail, HALF_PI, math.pi - 1e-9, xtol=1e-14
        )
        body, _ = quad(
            lambda t, phi=phi: surf.r(t, phi) ** 3 / 3 * math.sin(t), 0.0, tmax, limit=200, epsabs=1e-6
        )
        um = -math.cos(tmax)  # the part beyond the cap plane: a cone-like region, analytic
        cone = abs(x_tail) ** 3 / 6 * (1 / um**2 - 1)
        total += (body + cone) * (2 * math.pi / n_phi)
    return total


@pytest.mark.parametrize(
    "surf",
    [
        shue1997(2.0, -3.0),
        shue1998(1.0, 0.0),
        lin2010(2.0, 0.01, 0.0, 0.0),
        lin2010(4.0, 0.0, -6.0, 0.45),
        jelinek2012_magnetopause(2.0),
        jelinek2012_bow_shock(2.0),
    ],
    ids=["shue1997", "shue1998", "lin2010", "lin2010_tilted", "jelinek_mp", "jelinek_bs"],
)
def test_mesh_closed_outward_and_volume(surf):
    x_tail = -40.0
    n_theta, n_phi = 64, 72
    v, t = surf.mesh(x_tail_re=x_tail, n_theta=n_theta, n_phi=n_phi)
    assert v.shape == (n_theta * n_phi + 2, 3) and v.dtype == np.float64
    assert t.shape == (2 * n_theta * n_phi, 3) and np.issubdtype(t.dtype, np.integer)
    assert t.min() == 0 and t.max() == len(v) - 1
    assert np.all(np.isfinite(v))
    # watertight and consistently wound: every directed edge appears once, its reverse once
    directed = _edge_counts(t)
    keys = directed[:, 0] * len(v) + directed[:, 1]
    assert len(np.unique(keys)) == len(keys)
    rev = set((directed[:, 1] * len(v) + directed[:, 0]).tolist())
    assert rev == set(keys.tolist())
    # every undirected edge is shared by exactly two triangles
    und = np.sort(directed, axis=1)
    _, counts = np.unique(und[:, 0] * len(v) + und[:, 1], return_counts=True)
    assert np.all(counts == 2)
    # no degenerate triangles
    tri = v[t]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    assert np.all(np.linalg.norm(normals, axis=1) > 0)
    # outward: the region is star-shaped about the origin, so n · centroid > 0 for every face
    assert np.all(np.einsum("ij,ij->i", normals, tri.mean(axis=1)) > 0)
    # vertices lie on the surface, the cap at x_tail
    body = v[1:-1]
    rr = np.linalg.norm(body, axis=1)
    theta = np.arccos(np.clip(body[:, 0] / rr, -1, 1))
    phi = np.arctan2(body[:, 2], body[:, 1])
    assert np.allclose(rr, surf.r(theta, phi), rtol=1e-9)
    assert np.allclose(v[1 + (n_theta - 1) * n_phi : 1 + n_theta * n_phi, 0], x_tail)
    assert v[-1].tolist() == [x_tail, 0.0, 0.0]
    assert v[0] == pytest.approx([surf.standoff_re, 0, 0])
    assert body[:, 0].min() >= x_tail - 1e-9
    # enclosed volume against the divergence-theorem integral of r³/3
    vol = mesh_volume(v, t)
    ref = _reference_volume(surf, x_tail)
    assert vol == pytest.approx(ref, rel=3e-3)  # ~1.4e-3 at this resolution (chord error)
    assert vol < ref  # an inscribed polyhedron of a surface convex in most places


def test_mesh_volume_converges():
    surf = lin2010(2.0, 0.0, -2.0, 0.2)
    ref = _reference_volume(surf, -60.0)
    coarse = mesh_volume(*surf.mesh(-60.0, n_theta=24, n_phi=24))
    fine = mesh_volume(*surf.mesh(-60.0))  # defaults
    assert abs(fine - ref) < abs(coarse - ref)
    assert fine == pytest.approx(ref, rel=2e-3)


def test_mesh_validation():
    mp = shue1998(2.0, 0.0)
    for bad in (0.0, 5.0, np.nan):
        with pytest.raises(UserInputError, match="x_tail_re"):
            mp.mesh(x_tail_re=bad)
    with pytest.raises(UserInputError, match="n_theta"):
        mp.mesh(n_theta=1)
    with pytest.raises(UserInputError, match="n_phi"):
        mp.mesh(n_phi=2.5)


@pytest.mark.parametrize(
    "pd, bz, tilt", [(0.5, -20.0, 0.6), (30.0, 15.0, -0.6), (2.0, 0.0, 0.0), (8.0, -8.0, 0.4)]
)
def test_x_decreases_along_nightside_meridians(pd, bz, tilt):
    """theta_at_x (bisection) and the mesh assume X decreases monotonically for theta in [pi/2, pi)."""
    theta = np.linspace(HALF_PI, math.pi - 1e-4, 4000)[:, None]
    phi = np.linspace(0, 2 * math.pi, 24, endpoint=False)[None, :]
    for surf in all_models(pd=pd, bz=bz, tilt=tilt):
        x = surf.r(theta, phi) * np.cos(theta)
        assert np.all(np.diff(x, axis=0) < 0)
        tm = surf.theta_at_x(-60.0, phi[0])
        assert np.allclose(surf.r(tm, phi[0]) * np.cos(tm), -60.0, rtol=1e-10)


# ---------------------------------------------------------------------------------------
# aberration
# ---------------------------------------------------------------------------------------


def test_aberration_rotation():
    r = aberration_rotation()  # 400 km/s radial wind, Earth at 29.78 km/s along -Y_GSE
    assert np.allclose(r @ r.T, np.eye(3), atol=1e-15) and np.linalg.det(r) == pytest.approx(1.0)
    assert aberration_angle_rad() == pytest.approx(math.atan(29.78 / 400), rel=1e-12)
    assert math.degrees(aberration_angle_rad()) == pytest.approx(4.26, abs=0.01)
    # the wind arrives from slightly dawnward (-Y) of the Sun: the nose turns toward -Y, in the XY plane
    x_ab = r[:, 0]
    assert x_ab[1] < 0 and x_ab[2] == pytest.approx(0.0, abs=1e-15)
    assert np.allclose(r[:, 2], [0, 0, 1], atol=1e-15)
    # without Earth's motion a radial wind gives no rotation
    assert np.allclose(aberration_rotation((-400, 0, 0), (0, 0, 0)), np.eye(3))
    # a non-radial wind adds its own direction: moving along with Earth, it cancels the aberration
    assert aberration_angle_rad((-400, -29.78, 0)) == pytest.approx(0.0, abs=1e-12)
    assert aberration_angle_rad((-400, 29.78, 0)) == pytest.approx(math.atan(2 * 29.78 / 400), rel=1e-12)
    with pytest.raises(UserInputError, match="v_sw_km_s"):
        aberration_rotation((400, 0, 0))


def test_aberrated_contains_and_mesh():
    mp = shue1998(2.0, 0.0)
    r = mp.aberration_matrix()
    nose_ab = r @ np.array([mp.r0, 0, 0])
    assert mp.contains(0.99 * nose_ab, aberrate=True)
    assert not mp.contains(1.01 * nose_ab, aberrate=True)
    # the axis turns 4.26° toward dawn (-Y): the dawn terminator point moves outside
    # (r(85.74°) = 14.79 < 15.4), the dusk one stays inside
    dawn, dusk = np.array([0.0, -15.4, 0.0]), np.array([0.0, 15.4, 0.0])
    assert mp.contains(dawn) and mp.contains(dusk)
    assert not mp.contains(dawn, aberrate=True) and mp.contains(dusk, aberrate=True)
    v0, t0 = mp.mesh(-30, 24, 32)
    v1, t1 = mp.mesh(-30, 24, 32, aberrate=True)
    assert np.array_equal(t0, t1)
    assert np.allclose(v1, v0 @ r.T)
    assert mesh_volume(v1, t1) == pytest.approx(mesh_volume(v0, t0), rel=1e-12)
    # with the surface's own solar wind velocity
    fast = mp.with_solar_wind_velocity((-800.0, 0.0, 0.0))
    assert fast.r0 == mp.r0
    assert math.acos(fast.aberration_matrix()[0, 0]) == pytest.approx(math.atan(29.78 / 800), rel=1e-12)


# ---------------------------------------------------------------------------------------
# factory, validation, immutability, provenance
# ---------------------------------------------------------------------------------------


class _DuckWind:
    pd_npa = 2.0
    pm_npa = 0.0
    bz_nt = -5.0


def test_from_solar_wind_duck_typed():
    sw = _DuckWind()
    assert from_solar_wind("shue1998", sw).r0 == pytest.approx(9.8062, abs=1e-4)
    assert from_solar_wind(" Shue1997 ", sw).r0 == shue1997(2.0, -5.0).r0
    lin = from_solar_wind("lin2010", sw, tilt_rad=0.1)
    assert lin.r0 == lin2010(2.0, 0.0, -5.0, 0.1).r0 and lin.tilt_rad == 0.1
    assert from_solar_wind("jelinek2012-magnetopause", sw).r0 == pytest.approx(11.2372, abs=1e-4)
    assert from_solar_wind("jelinek2012_bow_shock", sw).kind == "bow_shock"
    assert from_solar_wind("shue1998", sw).v_sw_km_s is None
    for name in magnetopause_models():
        assert from_solar_wind(name, sw, 0.0).kind == "magnetopause"
    for name in bow_shock_models():
        assert from_solar_wind(f"{name}_bow_shock", sw, 0.0).kind == "bow_shock"
    with pytest.raises(UserInputError, match="tilt_rad"):
        from_solar_wind("lin2010", sw)
    with pytest.raises(UserInputError, match="unknown boundary model 'tsyganenko'"):
        from_solar_wind("tsyganenko", sw)
    with pytest.raises(UserInputError, match="pd_npa"):
        from_solar_wind("shue1998", object())


def test_from_solar_wind_with_solar_wind_class():
    sw_mod = pytest.importorskip("smile_viewer.physics.solar_wind")
    sw = sw_mod.SolarWind(n_cm3=5.0, v_gse_km_s=(-400.0, 10.0, 0.0), b_gsm_nt=(0.0, 3.0, -4.0))
    mp = from_solar_wind("lin2010", sw, tilt_rad=0.2)
    assert mp.pd_npa == pytest.approx(sw.pd_npa) and mp.pm_npa == pytest.approx(sw.pm_npa)
    assert mp.bz_nt == pytest.approx(-4.0)
    assert mp.v_sw_km_s == (-400.0, 10.0, 0.0)
    assert math.tan(aberration_angle_rad(mp.v_sw_km_s)) == pytest.approx(39.78 / 400, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "two", None])
def test_bad_pressure_is_a_user_error(bad):
    for build in (
        lambda: shue1997(bad, 0.0),
        lambda: shue1998(bad, 0.0),
        lambda: lin2010(bad, 0.0, 0.0, 0.0),
        lambda: jelinek2012_magnetopause(bad),
        lambda: jelinek2012_bow_shock(bad),
    ):
        with pytest.raises(UserInputError, match="pd_npa") as info:
            build()
        assert repr(bad) in str(info.value)


def test_other_bad_inputs():
    with pytest.raises(UserInputError, match="bz_nt"):
        shue1998(2.0, float("nan"))
    with pytest.raises(UserInputError, match="pm_npa"):
        lin2010(2.0, -0.1, 0.0, 0.0)
    with pytest.raises(UserInputError, match="tilt_rad"):
        lin2010(2.0, 0.0, 0.0, 35.0)  # degrees by mistake
    with pytest.raises(UserInputError, match="alpha"):
        shue1997(2.0, 80.0)  # alpha <= 0: far outside the fit
    with pytest.raises(UserInputError, match="v_sw_km_s"):
        shue1998(2.0, 0.0, v_sw_km_s=(1, 2))


@pytest.mark.parametrize("surf", all_models(), ids=MODEL_IDS)
def test_immutable_with_provenance(surf):
    assert isinstance(surf, BoundarySurface)
    with pytest.raises(dataclasses.FrozenInstanceError):
        surf.pd_npa = 3.0
    params = surf.parameters
    assert params["model"] == surf.name and params["kind"] == surf.kind in ("magnetopause", "bow_shock")
    assert params["pd_npa"] == 2.0 and params["standoff_re"] == surf.standoff_re
    assert params["r0"] == surf.r0 and surf.reference and surf.frame
    params["pd_npa"] = 99.0  # a copy: the surface is unchanged
    assert surf.pd_npa == 2.0
    assert surf == dataclasses.replace(surf)
