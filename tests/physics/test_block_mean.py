"""Block means of large grids for the 3-D view's texture (smile_viewer.physics.block_mean),
checked against numpy's reshape-and-mean and hand sums."""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer.physics.block_mean import block_factors, block_grid, block_mean


def test_block_means_equal_reshape_means():
    rng = np.random.default_rng(3)
    v = rng.random((8, 6, 10)).astype(np.float32)
    out = block_mean(v, (2, 3, 5))
    ref = v.astype(np.float64).reshape(4, 2, 2, 3, 2, 5).mean(axis=(1, 3, 5))
    assert out.shape == (4, 2, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref, rtol=1e-6)


def test_a_block_cut_short_by_the_edge_averages_the_nodes_it_holds():
    v = np.arange(5 * 3 * 3, dtype=np.float32).reshape(5, 3, 3)
    out = block_mean(v, (2, 2, 2))
    assert out.shape == (3, 2, 2)
    assert out[2, 1, 1] == v[4, 2, 2]  # the corner block holds one node
    assert out[0, 0, 0] == pytest.approx(v[0:2, 0:2, 0:2].mean())
    assert out[2, 0, 1] == pytest.approx(v[4, 0:2, 2].mean())  # 1 × 2 × 1 nodes


def test_non_finite_values_count_as_zero():
    v = np.ones((2, 2, 2), np.float32)
    v[0, 0, 0] = np.nan
    v[1, 1, 1] = np.inf
    assert block_mean(v, (2, 2, 2))[0, 0, 0] == pytest.approx(6.0 / 8.0)


def test_factors_keep_the_side_and_the_byte_budget():
    assert block_factors((512, 512, 512), 256, 2**40) == (2, 2, 2)
    assert block_factors((64, 64, 64), 32, 2**40) == (2, 2, 2)
    assert block_factors((100, 50, 30), 256, 2**40) == (1, 1, 1)
    assert block_factors((300, 100, 100), 256, 2**40) == (2, 1, 1)
    # 256^3 float32 is 64 MiB: a 16 MiB budget halves every axis once more
    f = block_factors((512, 512, 512), 256, 16 * 2**20)
    assert np.prod([-(-512 // k) for k in f]) * 4 <= 16 * 2**20 and max(f) <= 4
    # never below 2 nodes a side, even when the budget cannot be met
    f = block_factors((4, 4, 4), 256, 1)
    assert all(-(-4 // k) >= 2 for k in f)


def test_block_grid_centres():
    o, d = block_grid((-10.0, 0.0, 5.0), (0.5, 1.0, 2.0), (1, 2, 4))  # factors in (z, y, x) order
    assert o == pytest.approx((-10.0 + 1.5 * 0.5, 0.5, 5.0)) and d == pytest.approx((2.0, 2.0, 2.0))
