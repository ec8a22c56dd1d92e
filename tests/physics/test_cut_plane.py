"""Cut planes (smile_viewer.physics.cut_plane) checked with analytic fields, and their CSV.

Trilinear interpolation reproduces a field linear in x, y, z exactly, so a linear field sampled
on any plane must equal the analytic values at the sample points; on a named plane the
points themselves are known (X–Z at y = y0: (x, y0, z)).
"""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.io.cut_plane import cut_csv_text, write_cut_csv
from smile_viewer.physics.cut_plane import offset_range, plane_axes, sample_plane
from smile_viewer.physics.volume import Volume

A, B, C, D = 2.0, 0.5, -0.25, 0.125  # f = A + B x + C y + D z


def f(x, y, z):
    return A + B * x + C * y + D * z


@pytest.fixture
def vol():
    x = np.linspace(-10.0, 14.0, 25)  # dx = 1
    y = np.linspace(-6.0, 6.0, 13)  # dy = 1
    z = np.linspace(-4.0, 4.0, 17)  # dz = 0.5
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    return Volume.from_axes(x, y, z, f(xx, yy, zz), frame="gsm", units="keV")


def test_xz_plane_equals_the_analytic_plane(vol):
    cut = sample_plane(vol, "xz", 2.5)
    assert cut.describe() == "X–Z plane at y = 2.50 R_E"
    p = cut.points
    assert np.allclose(p[..., 1], 2.5)
    # spans the box in x and z (step = the smallest spacing, 0.5 R_E)
    assert p[..., 0].min() == pytest.approx(-10.0) and p[..., 0].max() == pytest.approx(14.0)
    assert p[..., 2].min() == pytest.approx(-4.0) and p[..., 2].max() == pytest.approx(4.0)
    assert cut.shape == (17, 49)
    np.testing.assert_allclose(cut.values, f(p[..., 0], 2.5, p[..., 2]), rtol=1e-6, atol=1e-6)
    assert np.all(cut.inside)
    # u along +X, v along +Z: the picture's rows go up in z, columns right in x
    assert np.allclose(cut.u_axis, [1, 0, 0]) and np.allclose(cut.v_axis, [0, 0, 1])


def test_xy_plane_through_the_middle_and_on_a_face(vol):
    cut = sample_plane(vol, "X-Y", 0.0)
    np.testing.assert_allclose(cut.values, A + B * cut.points[..., 0] + C * cut.points[..., 1], atol=1e-6)
    face = sample_plane(vol, "xy", 4.0)  # the top face of the box is inside
    assert np.all(face.inside)
    np.testing.assert_allclose(face.values, f(face.points[..., 0], face.points[..., 1], 4.0), atol=1e-6)


@pytest.mark.parametrize("normal", [(1.0, 1.0, 0.0), (0.3, -0.4, 0.866), (2.0, 1.0, 3.0)])
def test_oblique_plane_equals_the_analytic_values(vol, normal):
    n, u, v = plane_axes(normal)
    assert np.allclose(np.cross(u, v), n) and abs(np.dot(u, n)) < 1e-12
    lo, hi = offset_range(vol, normal)
    off = 0.3 * lo + 0.7 * hi
    cut = sample_plane(vol, normal, off)
    p = cut.points
    assert np.allclose(p @ n, off)  # every sample on the plane
    inside = cut.inside
    assert inside.sum() > 20
    np.testing.assert_allclose(
        cut.values[inside], f(p[..., 0], p[..., 1], p[..., 2])[inside], rtol=1e-6, atol=1e-6
    )
    # NaN exactly where the point is outside the box
    b = np.asarray(vol.bounds)
    box = np.all((p >= b[:, 0] - 1e-9) & (p <= b[:, 1] + 1e-9), axis=-1)
    assert np.array_equal(inside, box)


def test_offset_range_and_misses(vol):
    assert offset_range(vol, "yz") == pytest.approx((-10.0, 14.0))
    assert offset_range(vol, (0, 0, -1)) == pytest.approx((-4.0, 4.0))
    with pytest.raises(UserInputError, match="misses the cube"):
        sample_plane(vol, "xz", 7.0)
    with pytest.raises(UserInputError, match="non-zero"):
        sample_plane(vol, (0, 0, 0))
    with pytest.raises(UserInputError, match="expected one of"):
        sample_plane(vol, "ab")


def test_max_side_widens_the_step(vol):
    cut = sample_plane(vol, "xz", 0.0, max_side=25)
    assert max(cut.shape) <= 25
    np.testing.assert_allclose(cut.values, f(cut.points[..., 0], 0.0, cut.points[..., 2]), atol=1e-6)


def test_csv_has_units_and_the_plane_values(vol, tmp_path):
    cut = sample_plane(vol, (1.0, 1.0, 0.0), 3.0, variable="emissivity")
    out = write_cut_csv(tmp_path / "cut.csv", cut, source="test cube")
    lines = out.read_text().splitlines()
    assert lines[0].startswith("# smile-viewer") and "plane n = (0.707, 0.707, 0.000)" in lines[0]
    header = next(ln for ln in lines if not ln.startswith("#"))
    assert header == "x_GSM [R_E],y_GSM [R_E],z_GSM [R_E],emissivity [keV]"
    data = np.loadtxt(out, delimiter=",", comments="#", skiprows=len(lines) - cut.inside.sum())
    assert data.shape == (cut.inside.sum(), 4)
    np.testing.assert_allclose(data[:, 3], f(data[:, 0], data[:, 1], data[:, 2]), atol=2e-5)
    assert np.allclose(data[:, 0] + data[:, 1], 3.0 * np.sqrt(2), atol=2e-5)
    with pytest.raises(UserInputError, match=r"\.csv"):
        write_cut_csv(tmp_path / "cut.txt", cut)
    assert cut_csv_text(cut).count("\n") == len(lines) - 1  # without a source line
