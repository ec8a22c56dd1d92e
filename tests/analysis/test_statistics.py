"""Comparison statistics on small arrays with hand-computed values, masks and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.analysis.statistics import (
    cash,
    chi_square,
    compare,
    cstat,
    deviance_residuals,
    mean_residual,
    pearson_r,
    residual_sigma,
    used_pixels,
)
from smile_viewer.errors import UserInputError

D = np.array([0.0, 1.0, 2.0, 4.0])
M = np.array([0.5, 1.0, 2.0, 2.0])
LN2 = math.log(2.0)

# Hand computations (see each test):
CHI2_PEARSON = 0.25 / 0.5 + 0 + 0 + 4 / 2  # (d-m)^2/m = 0.5 + 2 = 2.5
CHI2_SIGMA1 = 0.25 + 0 + 0 + 4  # 4.25
CASH = 2 * ((0.5 - 0) + (1 - 0) + (2 - 2 * LN2) + (2 - 4 * LN2))  # 11 - 12 ln 2
CSTAT = 2 * (0.5 + 0 + 0 + (2 - 4 + 4 * LN2))  # 2 (-1.5 + 4 ln 2)
PEARSON = 3.375 / math.sqrt(8.75 * 1.6875)


def test_hand_computed_values():
    assert chi_square(D, M) == pytest.approx(2.5, rel=1e-12)
    assert CHI2_PEARSON == 2.5
    assert chi_square(D, M, sigma=1.0) == pytest.approx(CHI2_SIGMA1, rel=1e-12)
    assert chi_square(D, M, sigma=np.full(4, 2.0)) == pytest.approx(CHI2_SIGMA1 / 4, rel=1e-12)
    assert cash(D, M) == pytest.approx(11 - 12 * LN2, rel=1e-12)
    assert cash(D, M) == pytest.approx(CASH, rel=1e-12)
    assert cstat(D, M) == pytest.approx(CSTAT, rel=1e-12)
    assert cstat(D, M) == pytest.approx(2.5451774445, rel=1e-9)
    # C-stat and Cash differ by 2 sum(d - d ln d), a constant of the data
    assert cash(D, M) - cstat(D, M) == pytest.approx(2 * (7 - 10 * LN2), rel=1e-12)
    assert pearson_r(D, M) == pytest.approx(PEARSON, rel=1e-12)
    assert pearson_r(D, M) == pytest.approx(0.878310, abs=1e-6)
    assert mean_residual(D, M) == pytest.approx(0.375, rel=1e-12)
    np.testing.assert_allclose(
        residual_sigma(D, M), [-0.5 / math.sqrt(0.5), 0, 0, 2 / math.sqrt(2)], rtol=1e-12
    )
    np.testing.assert_allclose(residual_sigma(D, M, sigma=2.0), [-0.25, 0, 0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(
        deviance_residuals(D, M), [-1.0, 0, 0, math.sqrt(2 * (-2 + 4 * LN2))], rtol=1e-12, atol=1e-15
    )
    # deviance residuals squared sum to the C-stat
    assert np.nansum(deviance_residuals(D, M) ** 2) == pytest.approx(CSTAT, rel=1e-12)


def test_nan_and_masked_pixels_are_ignored():
    d = np.array([[0.0, 1.0, 2.0], [4.0, np.nan, 7.0]])
    m = np.array([[0.5, 1.0, 2.0], [2.0, 3.0, np.nan]])
    outside = np.array([[True, True, True], [True, True, True]])
    assert cash(d, m) == pytest.approx(CASH, rel=1e-12)
    assert cstat(d, m, mask=outside) == pytest.approx(CSTAT, rel=1e-12)
    assert chi_square(d, m) == pytest.approx(2.5, rel=1e-12)
    assert pearson_r(d, m) == pytest.approx(PEARSON, rel=1e-12)
    assert mean_residual(d, m) == pytest.approx(0.375, rel=1e-12)
    np.testing.assert_array_equal(used_pixels(d, m), [[True, True, True], [True, False, False]])
    # an explicit mask (e.g. outside a circular field) drops a pixel
    mask = np.array([[True, True, True], [False, True, True]])
    assert cash(d, m, mask=mask) == pytest.approx(2 * (0.5 + 1 + 2 - 2 * LN2), rel=1e-12)
    r = residual_sigma(d, m, mask=mask)
    assert np.isnan(r[1]).all() and r[0, 0] == pytest.approx(-0.5 / math.sqrt(0.5))
    # sigma NaN or <= 0 removes the pixel from chi-square
    s = np.array([[1.0, 1.0, 0.0], [np.nan, 1.0, 1.0]])
    assert chi_square(d, m, sigma=s) == pytest.approx(0.25, rel=1e-12)


def test_model_zero_pixels():
    d = np.array([0.0, 3.0])
    m = np.array([0.0, 3.0])
    # Pearson chi-square leaves out m <= 0; Cash adds 0 for d = m = 0
    assert chi_square(d, m) == 0.0
    assert cash(d, m) == pytest.approx(2 * (3 - 3 * math.log(3)))
    assert cstat(d, m) == pytest.approx(0.0, abs=1e-15)
    # a model of 0 where counts were seen is impossible
    assert cash(np.array([1.0]), np.array([0.0])) == math.inf
    assert cstat(np.array([1.0]), np.array([0.0])) == math.inf


def test_no_pixels_gives_nan():
    d = np.array([np.nan, 1.0])
    m = np.array([1.0, np.nan])
    for f in (chi_square, cash, cstat, pearson_r, mean_residual):
        assert math.isnan(f(d, m))
    s = compare(d, m, counts=True)
    assert s.n == 0 and math.isnan(s.chi2) and s.to_dict()["chi2"] is None
    assert math.isnan(pearson_r(np.ones(3), np.arange(3.0)))  # constant data


def test_errors():
    with pytest.raises(UserInputError, match="shape"):
        cash(np.ones(3), np.ones(4))
    with pytest.raises(UserInputError, match="mask shape"):
        cash(np.ones(3), np.ones(3), mask=np.ones(4, bool))
    with pytest.raises(UserInputError, match="negative"):
        cash(np.array([-1.0, 2.0]), np.ones(2))
    with pytest.raises(UserInputError, match="sigma shape"):
        chi_square(np.ones(3), np.ones(3), sigma=np.ones(2))


def test_compare_bundle():
    s = compare(D, M, counts=True, n_params=1)
    assert s.n == 4 and s.dof == 3
    assert s.chi2 == pytest.approx(2.5) and s.chi2_reduced == pytest.approx(2.5 / 3)
    assert s.cash == pytest.approx(CASH) and s.cstat == pytest.approx(CSTAT)
    assert s.pearson_r == pytest.approx(PEARSON) and s.mean_residual == pytest.approx(0.375)
    s2 = compare(D, M)
    assert math.isnan(s2.cash) and s2.sigma.startswith("sqrt")


def test_cstat_is_chi2_distributed_for_poisson_data():
    """For Poisson data drawn from the model itself, C-stat / N ≈ 1 (and Pearson χ² / N ≈ 1)."""
    rng = np.random.default_rng(3)
    m = np.full(20000, 25.0)
    d = rng.poisson(m).astype(float)
    n = d.size
    assert cstat(d, m) / n == pytest.approx(1.0, abs=0.04)
    assert chi_square(d, m) / n == pytest.approx(1.0, abs=0.04)
    # the Cash minimum over a scale factor is at the data/model ratio of the sums
    ks = np.linspace(0.98, 1.02, 81)
    c = [cash(d, k * m) for k in ks]
    assert ks[int(np.argmin(c))] == pytest.approx(d.sum() / m.sum(), abs=6e-4)
