"""Tests of smile_viewer.physics.exosphere (Cravens et al. 2001; docs/reference.md#exosphere)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from smile_viewer.constants import R_E_CM
from smile_viewer.errors import UserInputError
from smile_viewer.physics.exosphere import (
    CRAVENS2001_N0_CM3,
    TWINS_DAYSIDE_N0_CM3,
    CravensExosphere,
    hydrogen_density_cm3,
    line_integral_inverse_cube,
    radial_tail_integral,
)


def test_reference_densities():
    assert hydrogen_density_cm3(10.0) == pytest.approx(25.0, rel=1e-15)
    assert hydrogen_density_cm3(5.0) == pytest.approx(200.0, rel=1e-15)
    assert hydrogen_density_cm3(20.0) == pytest.approx(3.125, rel=1e-15)
    assert CRAVENS2001_N0_CM3 == 25.0 and TWINS_DAYSIDE_N0_CM3 == 35.0
    assert hydrogen_density_cm3(10.0, n0_cm3=TWINS_DAYSIDE_N0_CM3) == pytest.approx(35.0)
    assert CravensExosphere().density_cm3(5.0) == pytest.approx(200.0)
    assert CravensExosphere(35.0).density_cm3(20.0) == pytest.approx(35 / 8)


def test_vectorised():
    r = np.array([[5.0, 10.0], [20.0, 40.0]])
    n = hydrogen_density_cm3(r)
    assert n.shape == (2, 2)
    assert np.allclose(n, [[200.0, 25.0], [3.125, 25 / 64]], rtol=1e-15)
    assert isinstance(hydrogen_density_cm3(7.0), float)


def test_radius_edge_cases():
    assert hydrogen_density_cm3(0.0) == np.inf
    out = hydrogen_density_cm3([np.nan, 10.0])
    assert np.isnan(out[0]) and out[1] == 25.0
    with pytest.raises(UserInputError, match="r_re = -1.0"):
        hydrogen_density_cm3([3.0, -1.0, -2.0])
    for bad in (-1.0, np.nan, np.inf, "x"):
        with pytest.raises(UserInputError, match="n0_cm3"):
            hydrogen_density_cm3(10.0, n0_cm3=bad)
    with pytest.raises(UserInputError, match="n0_cm3"):
        CravensExosphere(-5.0)
    assert hydrogen_density_cm3(10.0, n0_cm3=0.0) == 0.0
    assert radial_tail_integral(0.0) == np.inf
    with pytest.raises(UserInputError, match="r1_re"):
        radial_tail_integral(-3.0)


@pytest.mark.parametrize("r1", [1.0, 3.0, 7.5, 10.0, 25.0])
@pytest.mark.parametrize("amplitude", [1.0, 25.0, 1.3e-5])
def test_radial_tail_integral_against_quad(r1, amplitude):
    closed = radial_tail_integral(r1, amplitude)
    assert closed == pytest.approx(
        amplitude * 1000 / (2 * r1**2), rel=1e-15
    )  # docs/reference.md#exosphere form
    num, err = quad(lambda r: amplitude * (r / 10) ** -3, r1, np.inf, epsabs=0, epsrel=1e-12)
    assert closed == pytest.approx(num, rel=1e-10)


def test_radial_tail_integral_other_reference_radius_and_arrays():
    r1 = np.array([2.0, 4.0, 8.0])
    assert np.allclose(radial_tail_integral(r1, 3.0, r_ref_re=5.0), 3.0 * 125 / (2 * r1**2), rtol=1e-15)
    # the radial H column from 10 R_E: 25 cm^-3 · 5 R_E
    assert CravensExosphere().radial_column_cm2(10.0) == pytest.approx(25 * 5 * R_E_CM, rel=1e-15)


def _quad_line(o, d, s0, s1, amplitude=1.0):
    o, d = np.asarray(o, float), np.asarray(d, float)
    d = d / np.linalg.norm(d)

    def f(s):
        return amplitude * (np.linalg.norm(o + s * d) / 10.0) ** -3

    s_ca = -float(o @ d)  # closest approach
    if np.isinf(s1):
        pieces = [(s0, max(s0, s_ca)), (max(s0, s_ca), np.inf)]
    else:
        mid = min(max(s_ca, s0), s1)
        pieces = [(s0, mid), (mid, s1)]
    return sum(quad(f, a, b, epsabs=0, epsrel=1e-12, limit=200)[0] for a, b in pieces if b > a)


@pytest.mark.parametrize(
    "o, d, s0, s1",
    [
        ((10.0, 0.0, 0.0), (1.0, 0.0, 0.0), 0.0, np.inf),  # radial outward
        ((12.0, 0.0, 0.0), (-1.0, 0.0, 0.0), 0.0, 9.0),  # radial inward, stops at r = 3
        ((5.0, 3.0, 1.0), (-1.0, 0.2, 0.0), -3.0, 20.0),  # passes closest approach
        ((5.0, 3.0, 1.0), (-1.0, 0.2, 0.0), 0.0, np.inf),
        ((-3.0, 8.0, 2.0), (0.3, -0.1, 0.05), 0.0, np.inf),  # outward-going, unnormalised direction
        ((20.0, 0.5, 0.0), (-1.0, 0.0, 0.0), 0.0, 40.0),  # near-radial, grazing at h ~ 0.5
        ((20.0, 1e-7, 0.0), (1.0, 0.0, 0.0), 2.0, 5.0),  # radial to 1e-8: no cancellation
        ((0.0, 6.0, 0.0), (1.0, 0.0, 0.0), -50.0, 50.0),  # symmetric about closest approach
    ],
)
def test_line_integral_against_quad(o, d, s0, s1):
    closed = line_integral_inverse_cube(o, d, s0, s1, amplitude=25.0)
    assert closed == pytest.approx(_quad_line(o, d, s0, s1, amplitude=25.0), rel=1e-9)


def test_line_integral_radial_matches_reference_form():
    for r1 in (3.0, 10.0, 17.0):
        v = line_integral_inverse_cube((0.0, 0.0, r1), (0.0, 0.0, 2.0))
        assert v == pytest.approx(1000 / (2 * r1**2), rel=1e-14)


def test_line_integral_vectorised_and_edges():
    rng = np.random.default_rng(3)
    o = rng.uniform(-20, 20, (50, 3))
    o[np.linalg.norm(o, axis=1) < 3] += 5.0
    d = rng.normal(size=(50, 3))
    got = line_integral_inverse_cube(o, d, 0.0, 30.0, amplitude=2.0)
    assert got.shape == (50,)
    want = [_quad_line(oi, di, 0.0, 30.0, amplitude=2.0) for oi, di in zip(o[:8], d[:8])]
    assert np.allclose(got[:8], want, rtol=1e-9)
    # additivity
    a = line_integral_inverse_cube(o, d, 0.0, 7.0) + line_integral_inverse_cube(o, d, 7.0, np.inf)
    assert np.allclose(a, line_integral_inverse_cube(o, d, 0.0, np.inf), rtol=1e-12)
    # zero-length segment, a line through Earth's centre
    assert line_integral_inverse_cube((10.0, 0, 0), (0, 1.0, 0), 3.0, 3.0) == 0.0
    assert line_integral_inverse_cube((10.0, 0, 0), (-1.0, 0, 0), 0.0, 20.0) == np.inf
    with pytest.raises(UserInputError, match="direction"):
        line_integral_inverse_cube((10.0, 0, 0), (0, 0, 0))
    with pytest.raises(UserInputError, match="s1_re"):
        line_integral_inverse_cube((10.0, 0, 0), (1, 0, 0), 5.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    o=st.tuples(*(st.floats(-25, 25) for _ in range(3))),
    d=st.tuples(*(st.floats(-1, 1) for _ in range(3))),
    length=st.floats(0.1, 60.0),
)
def test_property_line_integral(o, d, length):
    o, d = np.array(o), np.array(d)
    if np.linalg.norm(d) < 1e-3:
        d = np.array([1.0, 0.0, 0.0])
    dn = d / np.linalg.norm(d)
    h = np.linalg.norm(o - (o @ dn) * dn)
    if h < 2.0 or np.linalg.norm(o) < 2.0:  # keep clear of the singular centre for quad
        return
    got = line_integral_inverse_cube(o, d, 0.0, length)
    assert got > 0
    assert got == pytest.approx(_quad_line(o, d, 0.0, length), rel=1e-8)


def test_column_density_and_provenance():
    ex = CravensExosphere(35.0)
    col = ex.column_cm2((10.0, 0.0, 0.0), (1.0, 0.0, 0.0))
    assert col == pytest.approx(35 * 5 * R_E_CM, rel=1e-14)
    assert ex.parameters["n0_cm3"] == 35.0 and "Cravens" in ex.parameters["model"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.n0_cm3 = 1.0
    assert math.isclose(ex.radial_column_cm2(20.0), col / 4, rel_tol=1e-14)
